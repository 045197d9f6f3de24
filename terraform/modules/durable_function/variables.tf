variable "create" {
  description = "Create the module's resources (false: nothing is created, the outputs are still computed)."
  type        = bool
  default     = true
}

variable "fabric" {
  description = "The `fabric` output of modules/durable_fabric (layer, policy, prefix, environment, bus, failed-events queue, runtime, architecture)."
  type = object({
    layer_arn                 = string
    user_function_policy_arn  = string
    user_function_prefix      = string
    user_function_environment = map(string)
    event_bus_name            = string
    failed_events_queue_arn   = optional(string)
    python_runtime            = optional(string)
    architecture              = optional(string)
  })
}

variable "function_name" {
  description = "Name of the existing Lambda function that uses durable-lambda; must start with the fabric's user_function_prefix so the router may invoke it."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be a Lambda function name (1-64 letters, digits, '-' or '_')."
  }
}

variable "role_name" {
  description = "Name of the function's execution role; the fabric's user-function policy is attached to it (attach_policy)."
  type        = string
  default     = null

  validation {
    condition     = var.role_name == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", coalesce(var.role_name, "-")))
    error_message = "role_name must be an IAM role name (not an ARN)."
  }
}

variable "attach_policy" {
  description = "Attach the fabric's user-function policy to role_name (false when the role's permissions are managed elsewhere)."
  type        = bool
  default     = true
}

variable "timeout" {
  description = "The function's timeout in seconds (pass aws_lambda_function.<name>.timeout). Refused unless it exceeds the sync wait budget (sync_wait_seconds, default 10) + 5 s: Lambda's default of 3 s leaves a synchronous call no time to wait for the actor's lease."
  type        = number

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be an integer number of seconds from 1 to 900 (the function's timeout)."
  }
}

variable "memory_size" {
  description = "The function's memory in MB (pass aws_lambda_function.<name>.memory_size); below 256 the plan warns (the runtime imports pydantic and boto3 slowly on the CPU share of 128 MB)."
  type        = number
  default     = null

  validation {
    condition     = var.memory_size == null || (coalesce(var.memory_size, 128) >= 128 && coalesce(var.memory_size, 128) <= 10240)
    error_message = "memory_size must be from 128 to 10240 MB."
  }
}

variable "runtime" {
  description = "The function's runtime (pass aws_lambda_function.<name>.runtime); when given, it must be the layer's (fabric python_runtime): pydantic-core is compiled per runtime."
  type        = string
  default     = null
}

variable "architecture" {
  description = "The function's architecture (x86_64 or arm64); when given, it must be the layer's (fabric architecture)."
  type        = string
  default     = null
}

variable "sync_wait_seconds" {
  description = "DURABLE_SYNC_WAIT_SECONDS: how long a synchronous actor call waits for the actor's lease (runtime default 10). null: not set, the runtime default applies."
  type        = number
  default     = null

  validation {
    condition     = var.sync_wait_seconds == null || (coalesce(var.sync_wait_seconds, 0) >= 0 && coalesce(var.sync_wait_seconds, 0) <= 900)
    error_message = "sync_wait_seconds must be from 0 to 900."
  }
}

variable "max_invocation_attempts" {
  description = "DURABLE_MAX_INVOCATION_ATTEMPTS: attempts Lambda makes of an asynchronous invocation of the function (a child start from context.invoke, an async start); its event invoke config retries this - 1 times, and an execution whose invocation fails this many times in a row fails instead of staying RUNNING. null: 3 (Lambda's default of 2 retries), the variable is not set."
  type        = number
  default     = null

  validation {
    condition     = var.max_invocation_attempts == null || contains([1, 2, 3], coalesce(var.max_invocation_attempts, 3))
    error_message = "max_invocation_attempts must be 1, 2 or 3 (Lambda retries an asynchronous invocation at most twice)."
  }
}

variable "create_event_invoke_config" {
  description = "Create the function's asynchronous invocation config (maximum_retry_attempts = max_invocation_attempts - 1, the on-failure destination of failure_destination). false when it is managed elsewhere: keep its maximum_retry_attempts at max_invocation_attempts - 1 and its on-failure destination the fabric's failed-events queue there."
  type        = bool
  default     = true
}

variable "failure_destination" {
  description = "Send the record of an asynchronous invocation whose last attempt failed (crash, timeout) to the fabric's failed-events queue (fabric.failed_events_queue_arn; its alarm fires, docs/operating.md), instead of Lambda dropping the event and leaving the execution RUNNING. false: no on-failure destination."
  type        = bool
  default     = true
}

variable "actor_type" {
  description = "DURABLE_ACTOR_TYPE: namespace of the function's actor ids; null keeps the default (the function name)."
  type        = string
  default     = null

  validation {
    condition     = var.actor_type == null || can(regex("^[A-Za-z0-9_.:-]{1,100}$", coalesce(var.actor_type, "-")))
    error_message = "actor_type must be 1-100 letters, digits or _ . : -."
  }
}

variable "extra_environment" {
  description = "More environment variables merged over the durable-lambda settings (e.g. DURABLE_LEASE_SECONDS)."
  type        = map(string)
  default     = {}
}

variable "event_patterns" {
  description = "Optional event wiring: rule name suffix => EventBridge event pattern (JSON) on the durable bus whose events invoke this function directly."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.event_patterns : can(regex("^[A-Za-z0-9_-]{1,30}$", k)) && can(jsondecode(v))])
    error_message = "event_patterns keys must be 1-30 letters, digits, '-' or '_' and values JSON event patterns."
  }
}

variable "actor_id_path" {
  description = "JSONPath of the actor id in the events of event_patterns: an input transformer delivers {\"actorId\": <this>, \"payload\": <detail>, \"sync\": false}, the direct-invoke shape of an @actor handler. null: the raw EventBridge event is delivered (a handler that is not an @actor)."
  type        = string
  default     = "$.detail.actorId"

  validation {
    condition     = var.actor_id_path == null || can(regex("^\\$(\\.[A-Za-z0-9_-]+)+$", coalesce(var.actor_id_path, "-")))
    error_message = "actor_id_path must be a JSONPath such as $.detail.actorId."
  }
}

variable "tags" {
  description = "Tags of the taggable resources the module creates (the event rules)."
  type        = map(string)
  default     = {}
}
