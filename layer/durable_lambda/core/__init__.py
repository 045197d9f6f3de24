"""Shared plumbing used by every part: settings, AWS clients, errors, the message envelope,
SQS batch handling, backoff and small concurrency helpers."""
