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

variable "build_dir" {
  description = "Directory written by `python scripts/build_layer.py --functions` (durable-lambda-layer.zip and functions/)."
  type        = string
  default     = null
}

variable "counter_zip_path" {
  description = "Zip of counter/app.py (python -m zipfile -c counter.zip counter/app.py ... see docs/deploy.md)."
  type        = string
  default     = null
}

variable "table_deletion_protection" {
  description = "DynamoDB deletion protection (turn off for throw-away stages)."
  type        = bool
  default     = true
}
