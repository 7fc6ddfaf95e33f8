"""Terminal views of what MLMD records: aligned tables and lineage trees (no queries)."""
