# The zips of the layer and of the platform functions.
#
# Given (layer_zip_path / functions_zip_dir): used as they are, hashed with filebase64sha256.
# Not given (the default): built at apply time by scripts/build_layer.py of this repository
# through terraform_data + local-exec (built into Terraform: no archive/null/external provider
# to install). `terraform plan` needs no zip: the hashes that trigger a new layer version or a
# code update are computed from the sources, so a plan on a fresh checkout works and a change
# of a source file, of the pins or of runtime/architecture rebuilds and redeploys.

locals {
  repo_root    = abspath("${path.module}/../../..")
  build_dir    = coalesce(var.build_dir, "${local.repo_root}/build")
  build_script = "${local.repo_root}/scripts/build_layer.py"

  build_layer     = var.layer_zip_path == null
  build_functions = var.functions_zip_dir == null

  built_layer_zip    = "${local.build_dir}/durable-lambda-layer-${var.python_runtime}-${var.architecture}.zip"
  built_functions    = "${local.build_dir}/functions"
  functions_zip_root = local.build_functions ? local.built_functions : coalesce(var.functions_zip_dir, local.built_functions)

  # What the layer ships -- durable_lambda without the directories scripts/build_layer.py
  # leaves out (EXCLUDED_DIRS: dev-only testing/ and cli/, caches) --, the build script, the
  # pins (requirements.txt) and the variant. tests/infra checks this file set against a zip.
  layer_excluded_dirs = ["testing", "cli", "__pycache__", "bin"]
  layer_sources = local.build_layer ? sort([
    for f in fileset("${local.repo_root}/layer", "durable_lambda/**") : f
    if length(setintersection(slice(split("/", f), 0, length(split("/", f)) - 1), local.layer_excluded_dirs)) == 0 && !endswith(f, ".pyc")
  ]) : []
  layer_source_hash = sha256(join("\n", concat(
    [for f in local.layer_sources : "${f} ${filesha256("${local.repo_root}/layer/${f}")}"],
    local.build_layer ? [
      filesha256(local.build_script),
      filesha256("${local.repo_root}/requirements.txt"),
      var.python_runtime,
      var.architecture,
    ] : [],
  )))

  function_source_hashes = {
    for k in keys(local.functions) : k => sha256(join("\n", [
      for f in sort(fileset("${local.repo_root}/functions/${k}", "**")) :
      "${f} ${filesha256("${local.repo_root}/functions/${k}/${f}")}"
      if !strcontains(f, "__pycache__") && !endswith(f, ".pyc")
    ]))
  }

  layer_zip      = local.build_layer ? terraform_data.layer_build[0].output : var.layer_zip_path
  layer_zip_hash = local.build_layer ? base64sha256(local.layer_source_hash) : filebase64sha256(coalesce(var.layer_zip_path, "-"))

  function_zips = {
    for k in keys(local.functions) : k =>
    local.build_functions ? "${terraform_data.functions_build[0].output}/${k}.zip" : "${local.functions_zip_root}/${k}.zip"
  }
  function_zip_hashes = {
    for k in keys(local.functions) : k =>
    local.build_functions ? base64sha256(local.function_source_hashes[k]) : filebase64sha256("${local.functions_zip_root}/${k}.zip")
  }
}

resource "terraform_data" "layer_build" {
  count = local.build_layer ? 1 : 0

  triggers_replace = local.layer_source_hash
  input            = local.built_layer_zip # output: the zip path, known at plan time

  provisioner "local-exec" {
    command = "\"${var.build_python}\" \"${local.build_script}\" --python ${trimprefix(var.python_runtime, "python")} --arch ${var.architecture} --output \"${local.built_layer_zip}\""
  }
}

resource "terraform_data" "functions_build" {
  count = local.build_functions ? 1 : 0

  # the architecture too: changing it uploads the code again, so the zips must be there
  triggers_replace = [local.function_source_hashes, var.architecture]
  input            = local.built_functions

  provisioner "local-exec" {
    command = "\"${var.build_python}\" \"${local.build_script}\" --functions-only --functions-dir \"${local.built_functions}\""
  }
}
