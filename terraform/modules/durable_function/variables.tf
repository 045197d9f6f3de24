variable "fabric" {
  description = "The `fabric` output of modules/durable_fabric (layer, policy, prefix, environment, bus)."
  type = object({
    layer_arn                 = string
    user_function_policy_arn  = string
    user_function_prefix      = string
    user_function_environment = map(string)
    event_bus_name            = string
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
  description = "Name of the function's execution role; the fabric's user-function policy is attached to it."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "role_name must be an IAM role name (not an ARN)."
  }
}

variable "actor_type" {
  description = "DURABLE_ACTOR_TYPE: namespace of the function's actor ids; null keeps the default (the function name)."
  type        = string
  default     = null

  validation {
    condition     = var.actor_type == null || can(regex("^[A-Za-z0-9_.:-]{1,100}$", var.actor_type))
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
