"""Model serving: the serving signatures and the one model server that InfraValidator and `tfpipe serve` share."""
