# Makes an existing Lambda function a durable-lambda function: its role gets the fabric's
# user-function policy, optional EventBridge rules on the durable bus invoke it, and the
# outputs `layers` and `environment` go into the function's own definition
# (Terraform cannot change another resource's layers or environment).

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  # From the name, not a data source: the function may be created in the same apply.
  function_arn = "arn:${data.aws_partition.current.partition}:lambda:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:function:${var.function_name}"
}

resource "aws_iam_role_policy_attachment" "fabric" {
  role       = var.role_name
  policy_arn = var.fabric.user_function_policy_arn

  lifecycle {
    precondition {
      condition     = startswith(var.function_name, var.fabric.user_function_prefix)
      error_message = "function_name '${var.function_name}' must start with the fabric's user_function_prefix '${var.fabric.user_function_prefix}', or the router cannot invoke it."
    }
  }
}

resource "aws_cloudwatch_event_rule" "wiring" {
  for_each = var.event_patterns

  name           = "${var.function_name}-${each.key}"
  description    = "durable-lambda event wiring for ${var.function_name}"
  event_bus_name = var.fabric.event_bus_name
  event_pattern  = each.value
}

resource "aws_cloudwatch_event_target" "wiring" {
  for_each = var.event_patterns

  rule           = aws_cloudwatch_event_rule.wiring[each.key].name
  event_bus_name = var.fabric.event_bus_name
  target_id      = var.function_name
  arn            = local.function_arn
}

resource "aws_lambda_permission" "wiring" {
  for_each = var.event_patterns

  statement_id  = "durable-${each.key}"
  function_name = var.function_name
  action        = "lambda:InvokeFunction"
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.wiring[each.key].arn
}
