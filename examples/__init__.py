"""Runnable durable-lambda examples (see docs/examples.md)."""
