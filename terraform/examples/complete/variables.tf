variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must look like us-east-1."
  }
}

variable "stage_name" {
  description = "Stage of the fabric (resource names are durable-<stage>-...)."
  type        = string
  default     = "dev"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.stage_name))
    error_message = "stage_name: lower-case letters, digits and '-', starting with a letter, at most 20 characters."
  }
}

variable "python_runtime" {
  description = "Runtime of the platform functions, the layer and the counter (python3.12, python3.13, python3.14)."
  type        = string
  default     = "python3.12"
}

variable "architecture" {
  description = "Architecture of the platform functions, the layer and the counter (x86_64, arm64)."
  type        = string
  default     = "x86_64"
}

variable "build_dir" {
  description = "Where the zips are built (the layer, functions/, counter.zip). null: build/ at the root of this repository."
  type        = string
  default     = null
}

variable "build_python" {
  description = "Python 3 interpreter (with pip) that builds the zips at apply time."
  type        = string
  default     = "python3"
}

variable "counter_zip_path" {
  description = "A prebuilt zip of counter/app.py; null: built at apply time into build_dir."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags of every taggable resource."
  type        = map(string)
  default     = { project = "durable-lambda-example" }
}

variable "table_deletion_protection" {
  description = "DynamoDB deletion protection (turn off for throw-away stages)."
  type        = bool
  default     = true
}
