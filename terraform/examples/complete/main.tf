# A complete deployment: the durable fabric plus one user function (a counter actor) that
# uses it through modules/durable_function. `terraform init && terraform apply` works on a
# fresh checkout: the fabric builds its layer and function zips (scripts/build_layer.py, pip
# downloads the wheels) and the counter's zip is built below.

locals {
  build_dir   = coalesce(var.build_dir, abspath("${path.root}/../../../build"))
  counter_zip = coalesce(var.counter_zip_path, "${local.build_dir}/counter.zip")
  counter_src = "${path.module}/counter/app.py"
}

module "fabric" {
  source = "../../modules/durable_fabric"

  stage_name                = var.stage_name
  python_runtime            = var.python_runtime
  architecture              = var.architecture
  build_dir                 = local.build_dir
  build_python              = var.build_python
  table_deletion_protection = var.table_deletion_protection
  tags                      = var.tags
}

# The counter's code, zipped at apply time (pass counter_zip_path to use a prebuilt zip).
resource "terraform_data" "counter_zip" {
  count = var.counter_zip_path == null ? 1 : 0

  triggers_replace = filesha256(local.counter_src)
  input            = local.counter_zip

  provisioner "local-exec" {
    command = "mkdir -p \"${local.build_dir}\" && \"${var.build_python}\" -m zipfile -c \"${local.counter_zip}\" \"${local.counter_src}\""
  }
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
  tags               = var.tags
}

resource "aws_cloudwatch_log_group" "counter" {
  # checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest by default; a KMS key is optional for the example.
  # checkov:skip=CKV_AWS_338:One month is enough for the example.
  name              = "/aws/lambda/${module.fabric.user_function_prefix}${var.stage_name}-counter"
  retention_in_days = 30
  tags              = var.tags
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
  # checkov:skip=CKV_AWS_50:X-Ray tracing is a choice of the function's owner (tracing_config); the example keeps Lambda's default.
  function_name    = "${module.fabric.user_function_prefix}${var.stage_name}-counter"
  role             = aws_iam_role.counter.arn
  runtime          = module.fabric.python_runtime # the layer is built for this runtime ...
  architectures    = [module.fabric.architecture] # ... and this architecture
  handler          = "app.handler"
  filename         = var.counter_zip_path == null ? terraform_data.counter_zip[0].output : var.counter_zip_path
  source_code_hash = var.counter_zip_path == null ? base64sha256(filesha256(local.counter_src)) : filebase64sha256(var.counter_zip_path)
  timeout          = 30  # > DURABLE_SYNC_WAIT_SECONDS (10 s by default) + 5 s: modules/durable_function checks it
  memory_size      = 256 # pydantic + boto3 import comfortably; 128 MB works but starts slower
  layers           = module.counter_durable.layers
  tags             = var.tags

  logging_config {
    log_format = "JSON"
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
  timeout       = aws_lambda_function.counter.timeout
  memory_size   = aws_lambda_function.counter.memory_size
  runtime       = aws_lambda_function.counter.runtime
  architecture  = one(aws_lambda_function.counter.architectures)
  actor_type    = "counter"
  tags          = var.tags
  event_patterns = {
    # {"source": "durable-lambda.example", "detail-type": "CounterReset", "detail": {"actorId": "c1", ...}}
    # reaches the counter as {"actorId": "c1", "payload": <detail>, "sync": false}
    reset = jsonencode({ source = ["durable-lambda.example"], "detail-type" = ["CounterReset"] })
  }
}
