# Makes an existing Lambda function a durable-lambda function: its role gets the fabric's
# user-function policy, its asynchronous invocations the retry attempts the runtime counts on
# and the fabric's failed-events queue as on-failure destination,
# optional EventBridge rules on the durable bus invoke it, and the outputs `layers` and
# `environment` go into the function's own definition (Terraform cannot change another
# resource's layers or environment).

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  # From the name, not a data source: the function may be created in the same apply.
  # (`id` of aws_region: `name` is deprecated in provider 6.x)
  function_arn = "arn:${data.aws_partition.current.partition}:lambda:${data.aws_region.current.id}:${data.aws_caller_identity.current.account_id}:function:${var.function_name}"

  # The budget a synchronous actor call may spend waiting for the actor's lease; the function
  # must outlive it by 5 s (load, apply, save, reply).
  sync_wait_seconds = coalesce(var.sync_wait_seconds, try(tonumber(var.extra_environment["DURABLE_SYNC_WAIT_SECONDS"]), null), 10)
  minimum_timeout   = floor(local.sync_wait_seconds + 5) + 1

  # Attempts Lambda makes of an asynchronous invocation (a child start from context.invoke, an
  # async start): the event invoke config retries attempts - 1 times, and the runtime
  # (DURABLE_MAX_INVOCATION_ATTEMPTS, default 3 = Lambda's default of 2 retries) fails the
  # execution when its invocation failed that many times in a row.
  max_invocation_attempts = coalesce(var.max_invocation_attempts, try(tonumber(var.extra_environment["DURABLE_MAX_INVOCATION_ATTEMPTS"]), null), 3)

  # Where Lambda sends the record (request payload, error) of an asynchronous invocation whose
  # last attempt failed: the fabric's failed-events queue (the user-function policy lets the
  # execution role send to it). Without it the event is dropped and the execution stays RUNNING.
  failure_destination_arn = var.create_event_invoke_config && var.failure_destination ? var.fabric.failed_events_queue_arn : null

  # EventBridge input transformer: a raw event becomes the direct-invoke shape of @actor.
  # The id is quoted (an actor id is a string), the detail inserted as JSON.
  actor_input_paths    = { actorId = coalesce(var.actor_id_path, "$.detail.actorId"), payload = "$.detail" }
  actor_input_template = "{\"actorId\": \"<actorId>\", \"payload\": <payload>, \"sync\": false}"
}

# Holds the checks on the function's settings (a failed precondition fails the plan).
resource "terraform_data" "function_settings" {
  count = var.create ? 1 : 0

  input = { function_name = var.function_name, timeout = var.timeout, memory_size = var.memory_size }

  lifecycle {
    precondition {
      condition     = startswith(var.function_name, var.fabric.user_function_prefix)
      error_message = "function_name '${var.function_name}' must start with the fabric's user_function_prefix '${var.fabric.user_function_prefix}', or the router cannot invoke it."
    }
    precondition {
      condition     = var.timeout > local.sync_wait_seconds + 5
      error_message = "timeout ${var.timeout} s is too short for ${var.function_name}: it must exceed the sync wait budget DURABLE_SYNC_WAIT_SECONDS (${local.sync_wait_seconds} s) + 5 s, i.e. be at least ${local.minimum_timeout} s (or lower sync_wait_seconds)."
    }
    precondition {
      condition     = var.runtime == null || var.fabric.python_runtime == null || var.runtime == var.fabric.python_runtime
      error_message = "runtime ${coalesce(var.runtime, "-")} of ${var.function_name} differs from the layer's ${coalesce(var.fabric.python_runtime, "-")}: the layer's compiled pydantic-core imports only on its own runtime (deploy a fabric, or publish a layer, of ${coalesce(var.runtime, "-")})."
    }
    precondition {
      condition     = var.architecture == null || var.fabric.architecture == null || var.architecture == var.fabric.architecture
      error_message = "architecture ${coalesce(var.architecture, "-")} of ${var.function_name} differs from the layer's ${coalesce(var.fabric.architecture, "-")}."
    }
    precondition {
      condition     = !var.attach_policy || var.role_name != null
      error_message = "role_name is required to attach the user-function policy (or set attach_policy = false)."
    }
    precondition {
      condition     = !(var.create_event_invoke_config && var.failure_destination) || var.fabric.failed_events_queue_arn != null
      error_message = "fabric.failed_events_queue_arn is required for the on-failure destination of ${var.function_name}'s asynchronous invocations: pass the fabric output of modules/durable_fabric (or the SSM parameter failed-events-queue-arn), or set failure_destination = false."
    }
  }
}

check "memory_size" {
  assert {
    condition     = var.memory_size == null || coalesce(var.memory_size, 256) >= 256
    error_message = "memory_size ${coalesce(var.memory_size, 0)} MB: durable-lambda functions are recommended 256 MB or more (128 MB works, but imports and the first call are slower)."
  }
}

resource "aws_iam_role_policy_attachment" "fabric" {
  count = var.create && var.attach_policy ? 1 : 0

  role       = var.role_name
  policy_arn = var.fabric.user_function_policy_arn

  depends_on = [terraform_data.function_settings]
}

resource "aws_lambda_function_event_invoke_config" "attempts" {
  count = var.create && var.create_event_invoke_config ? 1 : 0

  function_name          = var.function_name
  maximum_retry_attempts = local.max_invocation_attempts - 1

  dynamic "destination_config" {
    for_each = local.failure_destination_arn == null ? [] : [local.failure_destination_arn]

    content {
      on_failure {
        destination = destination_config.value
      }
    }
  }

  # the role must be allowed to send to the destination when Lambda checks it
  depends_on = [terraform_data.function_settings, aws_iam_role_policy_attachment.fabric]
}

resource "aws_cloudwatch_event_rule" "wiring" {
  for_each = var.create ? var.event_patterns : {}

  name           = "${var.function_name}-${each.key}"
  description    = "durable-lambda event wiring for ${var.function_name}"
  event_bus_name = var.fabric.event_bus_name
  event_pattern  = each.value
  tags           = var.tags
}

resource "aws_cloudwatch_event_target" "wiring" {
  for_each = var.create ? var.event_patterns : {}

  rule           = aws_cloudwatch_event_rule.wiring[each.key].name
  event_bus_name = var.fabric.event_bus_name
  target_id      = var.function_name
  arn            = local.function_arn

  dynamic "input_transformer" {
    for_each = var.actor_id_path == null ? [] : [local.actor_input_paths]

    content {
      input_paths    = input_transformer.value
      input_template = local.actor_input_template
    }
  }
}

resource "aws_lambda_permission" "wiring" {
  for_each = var.create ? var.event_patterns : {}

  statement_id  = "durable-${each.key}"
  function_name = var.function_name
  action        = "lambda:InvokeFunction"
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.wiring[each.key].arn
}
