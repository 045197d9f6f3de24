# The durable-lambda fabric — the same resources as template.yaml (tests/infra checks parity).
# Names follow docs/contracts.md.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  name       = "durable-${var.stage_name}"
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.id # `name` is deprecated in provider 6.x, `id` works in 5.x and 6.x
  account_id = data.aws_caller_identity.current.account_id

  visibility_timeout_seconds = 6 * var.router_timeout_seconds
  retention_4_days           = 345600
  retention_14_days          = 1209600

  # Built from the name (not the resource) so every function can carry it without a cycle;
  # with SnapStart, schedules invoke the published versions through the `live` alias.
  timer_target_arn         = "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${local.name}-timer-forwarder${var.snap_start ? ":live" : ""}"
  user_functions_arn       = "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${var.user_function_prefix}*"
  schedule_group_schedules = "arn:${local.partition}:scheduler:${local.region}:${local.account_id}:schedule/${aws_scheduler_schedule_group.timers.name}/*"

  environment = {
    DURABLE_TABLE              = aws_dynamodb_table.actor_state.name
    DURABLE_LOCKS_TABLE        = aws_dynamodb_table.locks.name
    DURABLE_WORKFLOW_TABLE     = aws_dynamodb_table.workflow.name
    DURABLE_QUEUE              = aws_sqs_queue.work.url
    DURABLE_DLQ                = aws_sqs_queue.dead_letter.url
    DURABLE_PARKED_QUEUE       = aws_sqs_queue.parked.url
    DURABLE_BUS_NAME           = aws_cloudwatch_event_bus.signals.name
    DURABLE_SCHEDULE_GROUP     = aws_scheduler_schedule_group.timers.name
    DURABLE_SCHEDULER_ROLE_ARN = aws_iam_role.scheduler.arn
    DURABLE_TIMER_TARGET_ARN   = local.timer_target_arn
    DURABLE_MAX_RECEIVE_COUNT  = tostring(var.max_receive_count)
    DURABLE_MAX_REDRIVES       = tostring(var.max_redrives)
    # read by the runtime when an execution finishes: TTL of its items (0: kept forever)
    DURABLE_EXECUTION_RETENTION_DAYS = tostring(var.execution_retention_days)
    # the namespace the dashboard graphs: platform functions and published user environment
    DURABLE_METRICS_NAMESPACE = var.metrics_namespace
  }
}

# ---------------------------------------------------------------- tables

resource "aws_dynamodb_table" "actor_state" {
  name                        = "${local.name}-actors"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  deletion_protection_enabled = var.table_deletion_protection
  tags                        = var.tags

  attribute {
    name = "pk"
    type = "S"
  }

  ttl {
    attribute_name = "ttl"
    enabled        = true
  }

  # checkov:skip=CKV_AWS_119:SSE with the AWS-managed key; a customer-managed KMS key adds cost and key policy work for no gain here.
  server_side_encryption {
    enabled = true
  }

  point_in_time_recovery {
    enabled = true
  }
}

resource "aws_dynamodb_table" "locks" {
  name                        = "${local.name}-locks"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  deletion_protection_enabled = var.table_deletion_protection
  tags                        = var.tags

  attribute {
    name = "pk"
    type = "S"
  }

  ttl {
    attribute_name = "ttl"
    enabled        = true
  }

  # checkov:skip=CKV_AWS_119:SSE with the AWS-managed key; a customer-managed KMS key adds cost and key policy work for no gain here.
  server_side_encryption {
    enabled = true
  }

  point_in_time_recovery {
    enabled = true
  }
}

resource "aws_dynamodb_table" "workflow" {
  name                        = "${local.name}-workflows"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = var.table_deletion_protection
  tags                        = var.tags

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  ttl {
    attribute_name = "ttl"
    enabled        = true
  }

  # checkov:skip=CKV_AWS_119:SSE with the AWS-managed key; a customer-managed KMS key adds cost and key policy work for no gain here.
  server_side_encryption {
    enabled = true
  }

  point_in_time_recovery {
    enabled = true
  }
}

# ---------------------------------------------------------------- queues
# (template.yaml retains the queues when the stack is deleted; Terraform has no equivalent:
# `terraform state rm` them first to keep undelivered messages through a destroy.)

resource "aws_sqs_queue" "work" {
  name                        = "${local.name}-work.fifo"
  fifo_queue                  = true
  content_based_deduplication = false
  deduplication_scope         = "messageGroup"
  fifo_throughput_limit       = "perMessageGroupId"
  message_retention_seconds   = local.retention_4_days
  visibility_timeout_seconds  = local.visibility_timeout_seconds
  sqs_managed_sse_enabled     = true
  tags                        = var.tags

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn
    maxReceiveCount     = var.max_receive_count
  })
}

resource "aws_sqs_queue" "dead_letter" {
  name                        = "${local.name}-dlq.fifo"
  fifo_queue                  = true
  content_based_deduplication = false
  message_retention_seconds   = local.retention_14_days
  sqs_managed_sse_enabled     = true
  tags                        = var.tags
}

resource "aws_sqs_queue" "parked" {
  name                        = "${local.name}-parked.fifo"
  fifo_queue                  = true
  content_based_deduplication = false
  message_retention_seconds   = local.retention_14_days
  sqs_managed_sse_enabled     = true
  tags                        = var.tags
}

# Events that could not be delivered: the signal rule's target DLQ, the async-invoke DLQ of
# the timer and signal forwarders, and the on-failure destination of user functions'
# asynchronous invocations (modules/durable_function; Lambda async DLQs and destinations
# cannot be FIFO).
resource "aws_sqs_queue" "failed_events" {
  name                      = "${local.name}-failed-events"
  message_retention_seconds = local.retention_14_days
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

data "aws_iam_policy_document" "failed_events_queue" {
  statement {
    sid       = "SignalRuleDeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.failed_events.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.signals.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "failed_events" {
  queue_url = aws_sqs_queue.failed_events.id
  policy    = data.aws_iam_policy_document.failed_events_queue.json
}

# ---------------------------------------------------------------- signals, timers, redrive

resource "aws_cloudwatch_event_bus" "signals" {
  name = "${local.name}-bus"
  tags = var.tags
}

resource "aws_cloudwatch_event_rule" "signals" {
  name           = "${local.name}-signals"
  description    = "ActorSignal and WorkflowCallback events go to the signal forwarder."
  event_bus_name = aws_cloudwatch_event_bus.signals.name
  state          = "ENABLED"
  tags           = var.tags

  event_pattern = jsonencode({
    source        = ["durable-lambda"]
    "detail-type" = ["ActorSignal", "WorkflowCallback"]
  })
}

resource "aws_cloudwatch_event_target" "signals" {
  rule           = aws_cloudwatch_event_rule.signals.name
  event_bus_name = aws_cloudwatch_event_bus.signals.name
  target_id      = "signal-forwarder"
  arn            = local.invoke_arn["signal_forwarder"]

  dead_letter_config {
    arn = aws_sqs_queue.failed_events.arn
  }

  retry_policy {
    maximum_retry_attempts       = 185
    maximum_event_age_in_seconds = 86400
  }
}

resource "aws_lambda_permission" "signals" {
  statement_id  = "signal-rule"
  function_name = aws_lambda_function.platform["signal_forwarder"].function_name
  qualifier     = local.invoke_qualifier["signal_forwarder"]
  action        = "lambda:InvokeFunction"
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.signals.arn
}

resource "aws_scheduler_schedule_group" "timers" {
  name = "${local.name}-timers"
  tags = var.tags
}

resource "aws_cloudwatch_event_rule" "redrive" {
  name                = "${local.name}-dlq-redrive"
  description         = "Runs the DLQ redriver periodically."
  schedule_expression = var.redrive_schedule
  state               = "ENABLED"
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "redrive" {
  rule      = aws_cloudwatch_event_rule.redrive.name
  target_id = "dlq-redriver"
  arn       = local.invoke_arn["dlq_redriver"]
}

resource "aws_lambda_permission" "redrive" {
  statement_id  = "redrive-rule"
  function_name = aws_lambda_function.platform["dlq_redriver"].function_name
  qualifier     = local.invoke_qualifier["dlq_redriver"]
  action        = "lambda:InvokeFunction"
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.redrive.arn
}

# ---------------------------------------------------------------- runtime layer

resource "aws_lambda_layer_version" "runtime" {
  layer_name               = "${local.name}-runtime"
  description              = "durable-lambda runtime (actors, workflows) with pydantic-settings, ${var.python_runtime} ${var.architecture}"
  filename                 = local.layer_zip
  source_code_hash         = local.layer_zip_hash
  compatible_runtimes      = [var.python_runtime]
  compatible_architectures = [var.architecture]
  license_info             = "Apache-2.0"
  skip_destroy             = true
}
