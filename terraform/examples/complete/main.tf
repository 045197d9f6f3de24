# A complete deployment: the durable fabric plus one user function (a counter actor) that
# uses it through modules/durable_function.

locals {
  build_dir   = coalesce(var.build_dir, "${path.root}/../../../build")
  counter_zip = coalesce(var.counter_zip_path, "${local.build_dir}/counter.zip")
}

module "fabric" {
  source = "../../modules/durable_fabric"

  stage_name                = var.stage_name
  layer_zip_path            = "${local.build_dir}/durable-lambda-layer.zip"
  functions_zip_dir         = "${local.build_dir}/functions"
  table_deletion_protection = var.table_deletion_protection
  tags                      = { project = "durable-lambda-example" }
}

data "aws_iam_policy_document" "counter_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "counter" {
  name               = "${module.fabric.user_function_prefix}${var.stage_name}-counter"
  assume_role_policy = data.aws_iam_policy_document.counter_trust.json
}

resource "aws_cloudwatch_log_group" "counter" {
  # checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest by default; a KMS key is optional for the example.
  # checkov:skip=CKV_AWS_338:One month is enough for the example.
  name              = "/aws/lambda/${module.fabric.user_function_prefix}${var.stage_name}-counter"
  retention_in_days = 30
}

data "aws_iam_policy_document" "counter_logs" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.counter.arn}:*"]
  }
}

resource "aws_iam_role_policy" "counter_logs" {
  name   = "logs"
  role   = aws_iam_role.counter.id
  policy = data.aws_iam_policy_document.counter_logs.json
}

resource "aws_lambda_function" "counter" {
  # checkov:skip=CKV_AWS_115:Example function; concurrency is the operator's choice.
  # checkov:skip=CKV_AWS_116:Invoked synchronously or by the router; failed async messages go to the fabric's DLQ.
  # checkov:skip=CKV_AWS_117:Talks only to AWS APIs; no VPC needed.
  # checkov:skip=CKV_AWS_173:Environment holds resource names only, no secrets.
  # checkov:skip=CKV_AWS_272:Example function; code signing is out of scope.
  # checkov:skip=CKV_AWS_50:X-Ray tracing is optional for the example.
  function_name    = "${module.fabric.user_function_prefix}${var.stage_name}-counter"
  role             = aws_iam_role.counter.arn
  runtime          = "python3.12"
  architectures    = ["x86_64"]
  handler          = "app.handler"
  filename         = local.counter_zip
  source_code_hash = filebase64sha256(local.counter_zip)
  timeout          = 30
  layers           = module.counter_durable.layers

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.counter.name
  }

  environment {
    variables = module.counter_durable.environment
  }
}

module "counter_durable" {
  source = "../../modules/durable_function"

  fabric        = module.fabric.fabric
  function_name = aws_lambda_function.counter.function_name
  role_name     = aws_iam_role.counter.name
  actor_type    = "counter"
  event_patterns = {
    reset = jsonencode({ source = ["durable-lambda.example"], "detail-type" = ["CounterReset"] })
  }
}
