"""One module per command group; each has ``register(parsers, common)``."""
