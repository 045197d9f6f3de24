"""One module per durable operation; ``DurableContext`` delegates to them."""
