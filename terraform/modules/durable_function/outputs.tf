output "layers" {
  description = "Layer ARNs to put in the function's `layers`"
  value       = [var.fabric.layer_arn]
}

output "environment" {
  description = "Environment variables to put in the function's `environment.variables`"
  value = merge(
    var.fabric.user_function_environment,
    var.actor_type == null ? {} : { DURABLE_ACTOR_TYPE = var.actor_type },
    var.extra_environment,
  )
}

output "policy_attachment_id" {
  description = "Id of the role/policy attachment (depend on it before invoking the function)"
  value       = aws_iam_role_policy_attachment.fabric.id
}

output "rule_arns" {
  description = "ARNs of the event wiring rules, by key"
  value       = { for k, r in aws_cloudwatch_event_rule.wiring : k => r.arn }
}
