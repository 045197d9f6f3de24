output "actor_state_table_name" {
  description = "DURABLE_TABLE"
  value       = aws_dynamodb_table.actor_state.name
}

output "actor_state_table_arn" {
  description = "ARN of the actor state table"
  value       = aws_dynamodb_table.actor_state.arn
}

output "locks_table_name" {
  description = "DURABLE_LOCKS_TABLE"
  value       = aws_dynamodb_table.locks.name
}

output "workflow_table_name" {
  description = "DURABLE_WORKFLOW_TABLE"
  value       = aws_dynamodb_table.workflow.name
}

output "work_queue_url" {
  description = "DURABLE_QUEUE"
  value       = aws_sqs_queue.work.url
}

output "work_queue_arn" {
  description = "ARN of the FIFO work queue"
  value       = aws_sqs_queue.work.arn
}

output "dead_letter_queue_url" {
  description = "DURABLE_DLQ"
  value       = aws_sqs_queue.dead_letter.url
}

output "parked_queue_url" {
  description = "DURABLE_PARKED_QUEUE"
  value       = aws_sqs_queue.parked.url
}

output "failed_events_queue_url" {
  description = "Undeliverable signal events and failed async forwarder invocations"
  value       = aws_sqs_queue.failed_events.url
}

output "failed_events_queue_arn" {
  description = "On-failure destination of user functions' asynchronous invocations (the failed-events queue)"
  value       = aws_sqs_queue.failed_events.arn
}

output "event_bus_name" {
  description = "DURABLE_BUS_NAME"
  value       = aws_cloudwatch_event_bus.signals.name
}

output "event_bus_arn" {
  description = "ARN of the signal bus"
  value       = aws_cloudwatch_event_bus.signals.arn
}

output "schedule_group_name" {
  description = "DURABLE_SCHEDULE_GROUP"
  value       = aws_scheduler_schedule_group.timers.name
}

output "scheduler_role_arn" {
  description = "DURABLE_SCHEDULER_ROLE_ARN"
  value       = aws_iam_role.scheduler.arn
}

output "timer_forwarder_arn" {
  description = "DURABLE_TIMER_TARGET_ARN"
  value       = aws_lambda_function.platform["timer_forwarder"].arn
}

output "signal_forwarder_arn" {
  description = "ARN of the signal forwarder"
  value       = aws_lambda_function.platform["signal_forwarder"].arn
}

output "dlq_redriver_arn" {
  description = "ARN of the DLQ redriver"
  value       = aws_lambda_function.platform["dlq_redriver"].arn
}

output "router_arn" {
  description = "ARN of the router"
  value       = aws_lambda_function.platform["router"].arn
}

output "router_name" {
  description = "Function name for direct router calls {target, actorId, payload, sync}"
  value       = aws_lambda_function.platform["router"].function_name
}

output "layer_arn" {
  description = "Attach this layer version to user functions of python_runtime / architecture"
  value       = aws_lambda_layer_version.runtime.arn
}

output "python_runtime" {
  description = "Runtime of the platform functions and of the layer (the layer's compatible runtime)"
  value       = var.python_runtime
}

output "architecture" {
  description = "Architecture of the platform functions and of the layer"
  value       = var.architecture
}

output "user_function_policy_arn" {
  description = "Attach this managed policy to the role of each user function"
  value       = aws_iam_policy.user_function.arn
}

output "user_function_prefix" {
  description = "User function names must start with this for the router to invoke them"
  value       = var.user_function_prefix
}

output "max_receive_count" {
  description = "DURABLE_MAX_RECEIVE_COUNT"
  value       = var.max_receive_count
}

output "max_redrives" {
  description = "DURABLE_MAX_REDRIVES"
  value       = var.max_redrives
}

output "execution_retention_days" {
  description = "DURABLE_EXECUTION_RETENTION_DAYS"
  value       = var.execution_retention_days
}

output "metrics_namespace" {
  description = "DURABLE_METRICS_NAMESPACE"
  value       = var.metrics_namespace
}

output "ssm_parameter_path" {
  description = "Path of the SSM parameters user configurations read (layer-arn, user-function-policy-arn, environment, env/<VARIABLE>, ...); empty without create_ssm_parameters"
  value       = var.create_ssm_parameters ? "${local.ssm_prefix}/" : ""
}

output "ssm_parameter_names" {
  description = "Names of the SSM parameters, by key (layer-arn, environment, env/DURABLE_TABLE, ...)"
  value       = { for k, p in aws_ssm_parameter.fabric : k => p.name }
}

output "user_function_environment" {
  description = "Environment settings for user functions (merge into environment.variables)"
  value       = local.environment
}

output "fabric" {
  description = "Everything modules/durable_function needs, as one object"
  value = {
    layer_arn                 = aws_lambda_layer_version.runtime.arn
    user_function_policy_arn  = aws_iam_policy.user_function.arn
    user_function_prefix      = var.user_function_prefix
    user_function_environment = local.environment
    event_bus_name            = aws_cloudwatch_event_bus.signals.name
    failed_events_queue_arn   = aws_sqs_queue.failed_events.arn
    python_runtime            = var.python_runtime
    architecture              = var.architecture
  }
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify (created, or the alarm_topic_arn given); empty without notifications"
  value       = local.alarm_topic_arn
}

output "alarm_arns" {
  description = "ARNs of the fabric's CloudWatch alarms, by alarm name; empty with create_alarms = false"
  value       = { for a in aws_cloudwatch_metric_alarm.fabric : a.alarm_name => a.arn }
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the fabric; empty with create_dashboard = false"
  value       = var.create_dashboard ? aws_cloudwatch_dashboard.fabric[0].dashboard_name : ""
}
