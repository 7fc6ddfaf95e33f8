"""User code: loading module files and the run_fn/tuner_fn contract (FnArgs)."""
