variable "stage_name" {
  description = "Suffix of every resource name (durable-<stage>-...), so several stages can share an account."
  type        = string
  default     = "dev"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.stage_name))
    error_message = "stage_name: lower-case letters, digits and '-', starting with a letter, at most 20 characters."
  }
}

variable "user_function_prefix" {
  description = "Name prefix of the user actor/workflow functions; the router and the user-function policy may invoke only functions whose name starts with it."
  type        = string
  default     = "durable-"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,60}$", var.user_function_prefix))
    error_message = "user_function_prefix: 1-60 characters of letters, digits, '-' and '_'."
  }
}

variable "router_timeout_seconds" {
  description = "Router timeout; the work queue's visibility timeout is 6x this value."
  type        = number
  default     = 60

  validation {
    condition     = contains([30, 60, 120, 300], var.router_timeout_seconds)
    error_message = "router_timeout_seconds must be one of 30, 60, 120, 300."
  }
}

variable "router_batch_size" {
  description = "Records per router invocation (SQS FIFO event sources allow at most 10)."
  type        = number
  default     = 10

  validation {
    condition     = var.router_batch_size >= 1 && var.router_batch_size <= 10 && floor(var.router_batch_size) == var.router_batch_size
    error_message = "router_batch_size must be an integer from 1 to 10."
  }
}

variable "router_max_concurrency" {
  description = "Maximum concurrent router invocations the SQS event source may start."
  type        = number
  default     = 50

  validation {
    condition     = var.router_max_concurrency >= 2 && var.router_max_concurrency <= 1000 && floor(var.router_max_concurrency) == var.router_max_concurrency
    error_message = "router_max_concurrency must be an integer from 2 to 1000."
  }
}

variable "max_receive_count" {
  description = "Deliveries of a work-queue message before SQS moves it to the dead-letter queue (also DURABLE_MAX_RECEIVE_COUNT)."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count must be an integer from 1 to 1000."
  }
}

variable "max_redrives" {
  description = "Times the DLQ redriver puts a dead-lettered message back before parking it (DURABLE_MAX_REDRIVES)."
  type        = number
  default     = 3

  validation {
    condition     = var.max_redrives >= 0 && var.max_redrives <= 100 && floor(var.max_redrives) == var.max_redrives
    error_message = "max_redrives must be an integer from 0 to 100."
  }
}

variable "redrive_schedule" {
  description = "How often the DLQ redriver runs (EventBridge rate expression)."
  type        = string
  default     = "rate(5 minutes)"

  validation {
    condition     = can(regex("^rate\\((1 (minute|hour|day)|[1-9][0-9]{0,3} (minutes|hours|days))\\)$", var.redrive_schedule))
    error_message = "redrive_schedule must be an EventBridge rate expression such as rate(5 minutes)."
  }
}

variable "log_retention_days" {
  description = "Retention of the platform functions' log groups."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "table_deletion_protection" {
  description = "DynamoDB deletion protection on the three tables."
  type        = bool
  default     = true
}

variable "python_runtime" {
  description = "Runtime of the platform functions and of the layer version this module publishes (its compiled pydantic-core is built for this runtime only)."
  type        = string
  default     = "python3.12"

  validation {
    condition     = contains(["python3.12", "python3.13", "python3.14"], var.python_runtime)
    error_message = "python_runtime must be one of python3.12, python3.13, python3.14."
  }
}

variable "architecture" {
  description = "Instruction set of the platform functions and of the layer (arm64 = Graviton)."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

variable "tracing_mode" {
  description = "X-Ray tracing of the platform functions: PassThrough or Active (Active also grants their roles xray:PutTraceSegments and xray:PutTelemetryRecords)."
  type        = string
  default     = "PassThrough"

  validation {
    condition     = contains(["PassThrough", "Active"], var.tracing_mode)
    error_message = "tracing_mode must be PassThrough or Active."
  }
}

variable "log_format" {
  description = "Log format of the platform functions: JSON (default; lines carry actorId, messageId, executionId) or Text."
  type        = string
  default     = "JSON"

  validation {
    condition     = contains(["Text", "JSON"], var.log_format)
    error_message = "log_format must be Text or JSON."
  }
}

variable "snap_start" {
  description = "Lambda SnapStart on the platform functions: their published versions are snapshotted and the work queue mapping, rules and timers invoke their `live` alias instead of $LATEST."
  type        = bool
  default     = false
}

variable "execution_retention_days" {
  description = "Days a finished durable execution (all of its items) is kept before DynamoDB TTL deletes it; 0 keeps them forever (DURABLE_EXECUTION_RETENTION_DAYS)."
  type        = number
  default     = 14

  validation {
    condition     = var.execution_retention_days >= 0 && var.execution_retention_days <= 3650 && floor(var.execution_retention_days) == var.execution_retention_days
    error_message = "execution_retention_days must be an integer from 0 (keep forever) to 3650."
  }
}

variable "create_ssm_parameters" {
  description = "Publish the layer ARN, policy ARN and user-function settings as SSM parameters under /durable-lambda/<stage>/."
  type        = bool
  default     = true
}

variable "layer_zip_path" {
  description = "A prebuilt layer zip of python_runtime/architecture (python scripts/build_layer.py --python 3.X --arch ARCH). null: the module builds it at apply time with build_python (pip downloads the wheels)."
  type        = string
  default     = null

  validation {
    condition     = var.layer_zip_path == null || can(regex("\\.zip$", var.layer_zip_path))
    error_message = "layer_zip_path must name a .zip file (build it with: python scripts/build_layer.py --python 3.12 --arch x86_64)."
  }
}

variable "functions_zip_dir" {
  description = "A directory of prebuilt router.zip, timer_forwarder.zip, signal_forwarder.zip and dlq_redriver.zip (python scripts/build_layer.py --functions-only). null: the module builds them at apply time."
  type        = string
  default     = null

  validation {
    condition     = var.functions_zip_dir == null || length(trimspace(coalesce(var.functions_zip_dir, " "))) > 0
    error_message = "functions_zip_dir must name the directory written by: python scripts/build_layer.py --functions-only."
  }
}

variable "build_dir" {
  description = "Where the module writes the zips it builds (layer_zip_path / functions_zip_dir null). null: build/ at the root of this repository."
  type        = string
  default     = null
}

variable "build_python" {
  description = "Python 3 interpreter (with pip) that runs scripts/build_layer.py when the module builds the zips; any version can build any runtime/architecture."
  type        = string
  default     = "python3"
}

variable "tags" {
  description = "Tags added to every taggable resource."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) <= 128 && length(v) <= 256])
    error_message = "tags: keys at most 128 characters, values at most 256."
  }
}

# ---- alarms and dashboard (monitoring.tf)

variable "create_alarms" {
  description = "CloudWatch alarms durable-<stage>-*: messages in the DLQ, the parked queue or the failed-events queue, the work queue's oldest message too old, errors of each platform function."
  type        = bool
  default     = true
}

variable "create_alarm_topic" {
  description = "Create the SNS topic durable-<stage>-alarms the alarms notify (ALARM and OK), encrypted with a KMS key of its own that CloudWatch may use; subscribe to it yourself. Excludes alarm_topic_arn."
  type        = bool
  default     = false
}

variable "alarm_topic_arn" {
  description = "An existing SNS topic the alarms notify instead (empty: no notification). If it is KMS-encrypted, its key policy must let cloudwatch.amazonaws.com use the key."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^(arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256})?$", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be empty or the ARN of a standard (not FIFO) SNS topic."
  }
}

variable "alarm_period_seconds" {
  description = "Period over which each alarm evaluates its metric."
  type        = number
  default     = 300

  validation {
    condition     = contains([60, 300, 900, 3600], var.alarm_period_seconds)
    error_message = "alarm_period_seconds must be one of 60, 300, 900, 3600."
  }
}

variable "alarm_evaluation_periods" {
  description = "Consecutive breaching periods before an alarm fires."
  type        = number
  default     = 1

  validation {
    condition     = var.alarm_evaluation_periods >= 1 && var.alarm_evaluation_periods <= 24 && floor(var.alarm_evaluation_periods) == var.alarm_evaluation_periods
    error_message = "alarm_evaluation_periods must be an integer from 1 to 24."
  }
}

variable "queue_depth_alarm_threshold" {
  description = "The DLQ, parked and failed-events alarms fire when the queue holds more visible messages than this (0 - any message)."
  type        = number
  default     = 0

  validation {
    condition     = var.queue_depth_alarm_threshold >= 0 && var.queue_depth_alarm_threshold <= 1000000
    error_message = "queue_depth_alarm_threshold must be from 0 to 1000000."
  }
}

variable "work_queue_age_alarm_seconds" {
  description = "The work-queue alarm fires when its oldest message is older than this many seconds."
  type        = number
  default     = 900

  validation {
    condition     = var.work_queue_age_alarm_seconds >= 60 && var.work_queue_age_alarm_seconds <= 345600
    error_message = "work_queue_age_alarm_seconds must be from 60 to 345600 (the work queue's retention)."
  }
}

variable "function_errors_alarm_threshold" {
  description = "A platform function's alarm fires when it has more errors than this in a period."
  type        = number
  default     = 0

  validation {
    condition     = var.function_errors_alarm_threshold >= 0 && var.function_errors_alarm_threshold <= 1000000
    error_message = "function_errors_alarm_threshold must be from 0 to 1000000."
  }
}

variable "create_dashboard" {
  description = "The CloudWatch dashboard durable-<stage> (queues, platform functions, the runtime's EMF metrics)."
  type        = bool
  default     = true
}

variable "metrics_namespace" {
  description = "Namespace of the runtime's EMF metrics: DURABLE_METRICS_NAMESPACE of the platform functions and of the published user-function environment (SSM), and what the dashboard graphs."
  type        = string
  default     = "DurableLambda"

  validation {
    condition     = can(regex("^[A-Za-z0-9 ._/#:-]{1,255}$", var.metrics_namespace))
    error_message = "metrics_namespace: 1-255 letters, digits, spaces and . _ / # : -"
  }
}
