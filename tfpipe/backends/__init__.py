"""Where a compiled pipeline runs besides the local runner: each backend compiles the IR
to its orchestrator's format and brings the program its tasks run."""
