"""``python -m durable_lambda.cli`` — the same as the ``durable-lambda`` command."""
from durable_lambda.cli.main import main

raise SystemExit(main())
