output "layers" {
  description = "Layer ARNs to put in the function's `layers`"
  value       = [var.fabric.layer_arn]
}

output "environment" {
  description = "Environment variables to put in the function's `environment.variables`"
  value = merge(
    var.fabric.user_function_environment,
    var.actor_type == null ? {} : { DURABLE_ACTOR_TYPE = var.actor_type },
    var.sync_wait_seconds == null ? {} : { DURABLE_SYNC_WAIT_SECONDS = tostring(var.sync_wait_seconds) },
    var.max_invocation_attempts == null ? {} : { DURABLE_MAX_INVOCATION_ATTEMPTS = tostring(var.max_invocation_attempts) },
    var.extra_environment,
  )
}

output "minimum_timeout" {
  description = "The smallest function timeout (s) the module accepts: DURABLE_SYNC_WAIT_SECONDS + 5, plus 1"
  value       = local.minimum_timeout
}

output "max_invocation_attempts" {
  description = "Attempts Lambda makes of an asynchronous invocation of the function (DURABLE_MAX_INVOCATION_ATTEMPTS; its event invoke config retries this - 1 times)"
  value       = local.max_invocation_attempts
}

output "failure_destination_arn" {
  description = "On-failure destination of the function's asynchronous invocations (the fabric's failed-events queue); null with failure_destination = false or without the event invoke config"
  value       = local.failure_destination_arn
}

output "policy_attachment_id" {
  description = "Id of the role/policy attachment (depend on it before invoking the function); null without one"
  value       = try(aws_iam_role_policy_attachment.fabric[0].id, null)
}

output "rule_arns" {
  description = "ARNs of the event wiring rules, by key"
  value       = { for k, r in aws_cloudwatch_event_rule.wiring : k => r.arn }
}

output "input_transformer" {
  description = "The input transformer of the event wiring targets ({input_paths, input_template}); null when actor_id_path is null"
  value       = var.actor_id_path == null ? null : { input_paths = local.actor_input_paths, input_template = local.actor_input_template }
}
