"""The data plane every component reads and writes through: shards and splits, Examples in Beam, Arrow twins, CSV batches and column kinds, spans and versions."""
