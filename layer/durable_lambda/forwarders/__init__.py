"""Platform forwarders: Lambda targets that turn Scheduler and EventBridge events into work."""
