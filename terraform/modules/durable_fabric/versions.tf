terraform {
  # 1.5: check blocks, strcontains(); terraform_data (1.4) builds the zips on a fresh checkout.
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40, < 7.0"
    }
  }
}
