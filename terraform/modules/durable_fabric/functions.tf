# The four platform functions, their log groups and least-privilege roles.

locals {
  functions = {
    router = {
      description = "Consumes the FIFO work queue and dispatches records to their target functions."
      timeout     = var.router_timeout_seconds
      memory      = 512
      async_dlq   = false
    }
    timer_forwarder = {
      description = "Target of the timer schedules; sends their envelope to the work queue."
      timeout     = 30
      memory      = 256
      async_dlq   = true
    }
    signal_forwarder = {
      description = "Target of the signal rule; turns ActorSignal / WorkflowCallback events into work-queue messages."
      timeout     = 30
      memory      = 256
      async_dlq   = true
    }
    dlq_redriver = {
      description = "Puts dead-lettered messages back on the work queue, parks them after max_redrives."
      timeout     = 120
      memory      = 256
      async_dlq   = false
    }
  }

  # What invokes a platform function (work queue mapping, rules, schedules): its `live` alias
  # with SnapStart (only published versions are snapshotted), else the function itself.
  invoke_arn       = { for k in keys(local.functions) : k => var.snap_start ? aws_lambda_alias.live[k].arn : aws_lambda_function.platform[k].arn }
  invoke_qualifier = { for k in keys(local.functions) : k => var.snap_start ? aws_lambda_alias.live[k].name : null }

  # X-Ray has no resource-level permissions: only granted with tracing_mode = "Active".
  xray_statements = var.tracing_mode == "Active" ? [
    { sid = "XRayTraces", actions = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources = ["*"] },
  ] : []

  # IAM statements per function, besides writing to its own log group (template.yaml: <Fn>Role).
  consume_actions = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]
  function_statements = {
    router = [
      { sid = "ConsumeWorkQueue", actions = local.consume_actions, resources = [aws_sqs_queue.work.arn] },
      { sid = "SendToQueues", actions = ["sqs:SendMessage"], resources = [aws_sqs_queue.work.arn, aws_sqs_queue.dead_letter.arn] },
      { sid = "InvokeUserFunctions", actions = ["lambda:InvokeFunction"], resources = [local.user_functions_arn] },
    ]
    timer_forwarder = [
      { sid = "SendToQueues", actions = ["sqs:SendMessage"], resources = [aws_sqs_queue.work.arn, aws_sqs_queue.failed_events.arn] },
    ]
    signal_forwarder = [
      { sid = "SendToQueues", actions = ["sqs:SendMessage"], resources = [aws_sqs_queue.work.arn, aws_sqs_queue.failed_events.arn] },
      {
        sid       = "CompleteCallbacks"
        actions   = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"]
        resources = [aws_dynamodb_table.workflow.arn]
      },
      { sid = "CallbackTimeoutTimers", actions = ["scheduler:CreateSchedule"], resources = [local.schedule_group_schedules] },
      {
        sid       = "PassSchedulerRole"
        actions   = ["iam:PassRole"]
        resources = [aws_iam_role.scheduler.arn]
        condition = { test = "StringEquals", variable = "iam:PassedToService", values = ["scheduler.amazonaws.com"] }
      },
    ]
    dlq_redriver = [
      { sid = "ConsumeDeadLetters", actions = local.consume_actions, resources = [aws_sqs_queue.dead_letter.arn] },
      { sid = "SendToQueues", actions = ["sqs:SendMessage"], resources = [aws_sqs_queue.work.arn, aws_sqs_queue.parked.arn] },
      { sid = "RedriveLease", actions = ["dynamodb:GetItem", "dynamodb:UpdateItem"], resources = [aws_dynamodb_table.locks.arn] },
    ]
  }
}

resource "aws_cloudwatch_log_group" "function" {
  for_each = local.functions

  # checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest by default; the logs hold no secrets, a KMS key is optional.
  # checkov:skip=CKV_AWS_338:Retention is the log_retention_days variable (default 30 days), chosen by the operator.
  name              = "/aws/lambda/${local.name}-${replace(each.key, "_", "-")}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

data "aws_iam_policy_document" "lambda_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = local.functions

  name               = "${local.name}-${replace(each.key, "_", "-")}"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "function" {
  for_each = local.functions

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
  }

  dynamic "statement" {
    for_each = concat(local.xray_statements, local.function_statements[each.key])

    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources

      dynamic "condition" {
        for_each = try([statement.value.condition], [])

        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = local.functions

  name   = replace(each.key, "_", "-")
  role   = aws_iam_role.function[each.key].id
  policy = data.aws_iam_policy_document.function[each.key].json
}

resource "aws_lambda_function" "platform" {
  for_each = local.functions

  # checkov:skip=CKV_AWS_115:Router concurrency is bounded by the event source's maximum_concurrency; reserved concurrency would fail applies on accounts with low limits.
  # checkov:skip=CKV_AWS_116:Router and redriver are not invoked asynchronously by users (SQS event source / schedule); the forwarders have a DLQ (dynamic block).
  # checkov:skip=CKV_AWS_117:The functions talk only to AWS APIs; a VPC adds NAT/endpoint cost without a private resource to reach.
  # checkov:skip=CKV_AWS_173:The environment holds resource names and URLs only, no secrets; Lambda encrypts it at rest with an AWS key.
  # checkov:skip=CKV_AWS_272:Code signing is not used for the platform functions (they are built from this repository).
  # checkov:skip=CKV_AWS_50:X-Ray tracing is the module's tracing_mode variable (default PassThrough, no X-Ray cost); set tracing_mode = "Active" to trace.
  function_name    = "${local.name}-${replace(each.key, "_", "-")}"
  description      = each.value.description
  role             = aws_iam_role.function[each.key].arn
  runtime          = var.python_runtime
  architectures    = [var.architecture]
  handler          = "app.handler"
  filename         = local.function_zips[each.key]
  source_code_hash = local.function_zip_hashes[each.key]
  timeout          = each.value.timeout
  memory_size      = each.value.memory
  layers           = [aws_lambda_layer_version.runtime.arn]
  publish          = true # every change publishes a version behind the `live` alias (as SAM's AutoPublishAlias)
  tags             = var.tags

  environment {
    variables = local.environment
  }

  logging_config {
    log_format = var.log_format
    log_group  = aws_cloudwatch_log_group.function[each.key].name
  }

  tracing_config {
    mode = var.tracing_mode
  }

  snap_start {
    apply_on = var.snap_start ? "PublishedVersions" : "None"
  }

  dynamic "dead_letter_config" {
    for_each = each.value.async_dlq ? [aws_sqs_queue.failed_events.arn] : []

    content {
      target_arn = dead_letter_config.value
    }
  }

  depends_on = [aws_iam_role_policy.function]
}

resource "aws_lambda_alias" "live" {
  for_each = local.functions

  name             = "live"
  description      = "Latest published version (invoked instead of $LATEST with snap_start)"
  function_name    = aws_lambda_function.platform[each.key].function_name
  function_version = aws_lambda_function.platform[each.key].version
}

resource "aws_lambda_event_source_mapping" "router" {
  event_source_arn        = aws_sqs_queue.work.arn
  function_name           = local.invoke_arn["router"]
  batch_size              = var.router_batch_size
  function_response_types = ["ReportBatchItemFailures"]
  enabled                 = true

  scaling_config {
    maximum_concurrency = var.router_max_concurrency
  }
}

# ---------------------------------------------------------------- scheduler role

data "aws_iam_policy_document" "scheduler_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${local.name}-scheduler"
  description        = "Assumed by EventBridge Scheduler to invoke the timer forwarder."
  assume_role_policy = data.aws_iam_policy_document.scheduler_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    sid     = "InvokeTimerForwarder"
    actions = ["lambda:InvokeFunction"]
    resources = [
      aws_lambda_function.platform["timer_forwarder"].arn,
      "${aws_lambda_function.platform["timer_forwarder"].arn}:*",
    ]
  }
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "invoke-timer-forwarder"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}

# ---------------------------------------------------------------- policy for user functions

data "aws_iam_policy_document" "user_function" {
  statement {
    sid       = "ActorState"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"]
    resources = [aws_dynamodb_table.actor_state.arn]
  }

  statement {
    sid       = "Locks"
    actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.locks.arn]
  }

  statement {
    sid       = "Workflows"
    actions   = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem", "dynamodb:Query"]
    resources = [aws_dynamodb_table.workflow.arn]
  }

  statement {
    sid       = "SendToQueues"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.work.arn, aws_sqs_queue.dead_letter.arn]
  }

  # Lambda sends the on-failure record of an asynchronous invocation with the function's
  # execution role (modules/durable_function's destination_config)
  statement {
    sid       = "AsyncFailureDestination"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.failed_events.arn]
  }

  statement {
    sid       = "Timers"
    actions   = ["scheduler:CreateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule"]
    resources = [local.schedule_group_schedules]
  }

  statement {
    sid       = "PassSchedulerRole"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.scheduler.arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["scheduler.amazonaws.com"]
    }
  }

  statement {
    sid       = "Signals"
    actions   = ["events:PutEvents"]
    resources = [aws_cloudwatch_event_bus.signals.arn]
  }

  statement {
    sid       = "InvokeFunctions"
    actions   = ["lambda:InvokeFunction"]
    resources = [local.user_functions_arn, aws_lambda_function.platform["router"].arn]
  }
}

resource "aws_iam_policy" "user_function" {
  name        = "${local.name}-user-function"
  description = "Attach to the role of every function that uses the durable-lambda layer."
  policy      = data.aws_iam_policy_document.user_function.json
  tags        = var.tags
}
