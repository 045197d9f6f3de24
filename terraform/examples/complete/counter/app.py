"""A counter actor: the sample user function of terraform/examples/complete."""
from durable_lambda import actor


@actor
def handler(ctx, payload):
    ctx.state["n"] = ctx.state.get("n", 0) + int((payload or {}).get("by", 1))
    return ctx.state["n"]
