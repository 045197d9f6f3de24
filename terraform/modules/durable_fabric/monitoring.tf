# Alarms, the topic they notify and the dashboard -- template.yaml declares the same
# (AlarmTopicKey, AlarmTopic, SsmAlarmTopicArn, the *Alarm resources, Dashboard); tests/infra
# checks parity. Runbook: docs/operating.md.

locals {
  alarm_topic_created = var.create_alarms && var.create_alarm_topic
  alarm_topic_given   = var.create_alarms && !var.create_alarm_topic && var.alarm_topic_arn != ""
  alarm_topic_arn     = local.alarm_topic_created ? aws_sns_topic.alarms[0].arn : (local.alarm_topic_given ? var.alarm_topic_arn : "")
  alarm_actions       = local.alarm_topic_arn == "" ? [] : [local.alarm_topic_arn]

  # key => what the alarm watches; every alarm fires above its threshold, a missing data
  # point (an idle queue or function) is not breaching
  queue_alarms = {
    dead_letter = {
      suffix      = "dlq-depth"
      description = "Messages in the dead-letter queue: work-queue messages whose every delivery failed. The DLQ redriver re-queues them a few times, then parks them (runbook: docs/operating.md)."
    }
    parked = {
      suffix      = "parked-depth"
      description = "Messages in the parked queue: they failed again after every redrive and wait for an operator (runbook: docs/operating.md)."
    }
    failed_events = {
      suffix      = "failed-events-depth"
      description = "Messages in the failed-events queue: signal events, or invocations of the timer or signal forwarder, that could not be delivered, or records of user functions' asynchronous invocations whose last attempt failed (runbook: docs/operating.md)."
    }
  }
  function_display_names = {
    router           = "router"
    timer_forwarder  = "timer forwarder"
    signal_forwarder = "signal forwarder"
    dlq_redriver     = "DLQ redriver"
  }
  queue_names = {
    work          = aws_sqs_queue.work.name
    dead_letter   = aws_sqs_queue.dead_letter.name
    parked        = aws_sqs_queue.parked.name
    failed_events = aws_sqs_queue.failed_events.name
  }

  # alarm key => name suffix: static, so the alarms' for_each is known before any resource
  alarm_suffixes = merge(
    { for k, a in local.queue_alarms : "${k}_depth" => a.suffix },
    { work_queue_age = "work-queue-age" },
    { for k in keys(local.function_display_names) : "${k}_errors" => "${replace(k, "_", "-")}-errors" },
  )

  alarms = merge(
    {
      for k, a in local.queue_alarms : "${k}_depth" => {
        description = a.description
        namespace   = "AWS/SQS"
        metric      = "ApproximateNumberOfMessagesVisible"
        dimensions  = { QueueName = local.queue_names[k] }
        statistic   = "Maximum"
        threshold   = var.queue_depth_alarm_threshold
      }
    },
    {
      work_queue_age = {
        description = "The work queue's oldest message is older than the threshold: the router is failing, throttled or disabled, or a message is retried until it is dead-lettered (the messages of its actor wait behind it)."
        namespace   = "AWS/SQS"
        metric      = "ApproximateAgeOfOldestMessage"
        dimensions  = { QueueName = local.queue_names["work"] }
        statistic   = "Maximum"
        threshold   = var.work_queue_age_alarm_seconds
      }
    },
    {
      for k, display in local.function_display_names : "${k}_errors" => {
        description = "Errors (exceptions, timeouts) of the ${display} function above the threshold."
        namespace   = "AWS/Lambda"
        metric      = "Errors"
        dimensions  = { FunctionName = aws_lambda_function.platform[k].function_name }
        statistic   = "Sum"
        threshold   = var.function_errors_alarm_threshold
      }
    },
  )

  # dashboard.json.tftpl is also the DashboardBody text of template.yaml (rendered there by
  # Fn::Sub with these variables)
  dashboard_variables = {
    region              = local.region
    namespace           = var.metrics_namespace
    work_queue          = local.queue_names["work"]
    dead_letter_queue   = local.queue_names["dead_letter"]
    parked_queue        = local.queue_names["parked"]
    failed_events_queue = local.queue_names["failed_events"]
    router              = aws_lambda_function.platform["router"].function_name
    timer_forwarder     = aws_lambda_function.platform["timer_forwarder"].function_name
    signal_forwarder    = aws_lambda_function.platform["signal_forwarder"].function_name
    dlq_redriver        = aws_lambda_function.platform["dlq_redriver"].function_name
  }
}

# CloudWatch cannot use the AWS-managed key alias/aws/sns (its key policy cannot grant
# cloudwatch.amazonaws.com): notifications to a topic encrypted with it are dropped. The topic
# has a key of its own that lets the stage's alarms use it.
data "aws_iam_policy_document" "alarm_topic_key" {
  count = local.alarm_topic_created ? 1 : 0

  # checkov:skip=CKV_AWS_109:A key policy: "*" is this key; the account root administers its own key (the default key policy).
  # checkov:skip=CKV_AWS_111:A key policy: "*" is this key; the account root administers its own key (the default key policy).
  # checkov:skip=CKV_AWS_356:A key policy: "*" is this key, the only resource a key policy can name.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchAlarmsPublish"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${local.name}-*"]
    }
  }
}

resource "aws_kms_key" "alarm_topic" {
  count = local.alarm_topic_created ? 1 : 0

  description             = "Encrypts the SNS topic ${local.name}-alarms (CloudWatch alarms of the stage may use it)"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy                  = data.aws_iam_policy_document.alarm_topic_key[0].json
  tags                    = var.tags
}

resource "aws_sns_topic" "alarms" {
  count = local.alarm_topic_created ? 1 : 0

  name              = "${local.name}-alarms"
  display_name      = "durable-lambda ${var.stage_name} alarms"
  kms_master_key_id = aws_kms_key.alarm_topic[0].arn
  tags              = var.tags

  lifecycle {
    precondition {
      condition     = var.alarm_topic_arn == ""
      error_message = "create_alarm_topic = true creates the alarm topic; leave alarm_topic_arn empty (or set create_alarm_topic = false to use that topic)."
    }
  }
}

resource "aws_ssm_parameter" "alarm_topic_arn" {
  count = var.create_ssm_parameters && (local.alarm_topic_created || local.alarm_topic_given) ? 1 : 0

  # checkov:skip=CKV2_AWS_34:An ARN, no secret; SecureString would keep CloudFormation and Terraform users from resolving it as the other parameters.
  # checkov:skip=CKV_AWS_337:A plain String parameter (an ARN, no secret) is not encrypted at all.
  name        = "${local.ssm_prefix}/alarm-topic-arn"
  description = "SNS topic the fabric's alarms notify (your own alarms can use it too)"
  type        = "String"
  value       = local.alarm_topic_arn
  tags        = var.tags
}

resource "aws_cloudwatch_metric_alarm" "fabric" {
  for_each = var.create_alarms ? local.alarm_suffixes : {}

  alarm_name          = "${local.name}-${each.value}"
  alarm_description   = local.alarms[each.key].description
  namespace           = local.alarms[each.key].namespace
  metric_name         = local.alarms[each.key].metric
  dimensions          = local.alarms[each.key].dimensions
  statistic           = local.alarms[each.key].statistic
  period              = var.alarm_period_seconds
  evaluation_periods  = var.alarm_evaluation_periods
  threshold           = local.alarms[each.key].threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_dashboard" "fabric" {
  count = var.create_dashboard ? 1 : 0

  dashboard_name = local.name
  dashboard_body = templatefile("${path.module}/dashboard.json.tftpl", local.dashboard_variables)
}
