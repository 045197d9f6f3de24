"""``durable-lambda``: the command line for operating durable-lambda (dev tooling, not in the
Lambda layer).

    durable-lambda local up --function counter=app:handler     # local AWS + fabric + pumps
    durable-lambda --local actor call counter user-42 '{"by": 2}'
    durable-lambda --stack durable-lambda-dev workflow history <execution id>
    durable-lambda --stage prod dlq redrive --max 500

Commands live in ``durable_lambda.cli.commands`` (one module per group, imported only when
used, so ``--help`` starts fast); docs/operating.md is the reference.
"""
