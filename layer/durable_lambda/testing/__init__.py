"""Local development and test support: moto server, local fabric, SQS poller, local Lambda.

Not shipped in the Lambda layer (scripts/build_layer.py leaves this package out).
"""
