# What a user function needs, published as SSM parameters under /durable-lambda/<stage>/ so
# other stacks and configurations read it without a hard dependency on this one (an
# !ImportValue of the layer ARN blocks every fabric update that publishes a new layer version).
# template.yaml declares the same parameters (Ssm* resources).

locals {
  ssm_prefix = "/durable-lambda/${var.stage_name}"

  # name under the prefix => description (static, so the set of parameters is known at plan)
  ssm_descriptions = merge(
    {
      "layer-arn"                = "durable-lambda layer version (python_runtime, architecture of this fabric)"
      "user-function-policy-arn" = "Managed policy to attach to the role of each user function"
      "user-function-prefix"     = "User function names must start with this for the router to invoke them"
      "failed-events-queue-arn"  = "On-failure destination of user functions' asynchronous invocations"
      "max-receive-count"        = "Deliveries of a work-queue message before it is dead-lettered"
      "max-redrives"             = "Redrives of a dead-lettered message before it is parked"
      "environment"              = "JSON object of the environment settings of user functions"
    },
    { for k in keys(local.environment) : "env/${k}" => k },
  )
  ssm_values = merge(
    {
      "layer-arn"                = aws_lambda_layer_version.runtime.arn
      "user-function-policy-arn" = aws_iam_policy.user_function.arn
      "user-function-prefix"     = var.user_function_prefix
      "failed-events-queue-arn"  = aws_sqs_queue.failed_events.arn
      "max-receive-count"        = tostring(var.max_receive_count)
      "max-redrives"             = tostring(var.max_redrives)
      "environment"              = jsonencode(local.environment)
    },
    { for k, v in local.environment : "env/${k}" => v },
  )
}

resource "aws_ssm_parameter" "fabric" {
  for_each = var.create_ssm_parameters ? local.ssm_descriptions : {}

  # checkov:skip=CKV2_AWS_34:Resource names, ARNs and counts, no secrets; a SecureString could not be resolved into a Lambda environment by CloudFormation ({{resolve:ssm-secure}} is not supported there).
  # checkov:skip=CKV_AWS_337:Plain String parameters (no secrets) are not encrypted at all; a customer-managed KMS key would only add cost and key policy work for every reader.
  name        = "${local.ssm_prefix}/${each.key}"
  description = each.value
  type        = "String"
  value       = local.ssm_values[each.key]
  tags        = var.tags
}
