output "counter_function_name" {
  description = "The sample actor function"
  value       = aws_lambda_function.counter.function_name
}

output "layer_arn" {
  description = "durable-lambda layer version"
  value       = module.fabric.layer_arn
}

output "router_name" {
  description = "Router function (direct calls {target, actorId, payload, sync})"
  value       = module.fabric.router_name
}

output "user_function_environment" {
  description = "Environment settings for user functions"
  value       = module.fabric.user_function_environment
}

output "work_queue_url" {
  description = "DURABLE_QUEUE"
  value       = module.fabric.work_queue_url
}

output "rule_arns" {
  description = "Event wiring rules of the counter"
  value       = module.counter_durable.rule_arns
}
