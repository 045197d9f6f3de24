"""The platform functions' logic: the router, timers and the timer forwarder, signals and the
signal forwarder, the DLQ redriver and named locks. ``functions/*/app.py`` only name these
handlers."""
