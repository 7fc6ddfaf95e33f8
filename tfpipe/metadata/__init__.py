"""ML Metadata: the store, its types and contexts, and the one query layer every view,
the report and the runners use to read and write it. Never imports the runners."""
