"""Beam on a Dask cluster: tfpipe's Dask runner (``runner``), the task graph it makes
of a pipeline (``translate``), what its workers run (``worker``), and the local cluster
``tfpipe run --beam dask`` starts (``cluster``)."""
