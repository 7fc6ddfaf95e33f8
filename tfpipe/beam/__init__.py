"""The Beam runtime: pipeline options, the warm worker zygote, quiet workers and runner selection."""
