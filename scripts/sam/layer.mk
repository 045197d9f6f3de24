# Included by layer/<runtime>-<arch>/Makefile, which sets LAYER_PYTHON and LAYER_ARCH.
# scripts/build_layer.py cross-installs the manylinux wheels of that runtime and architecture
# with pip, so any Python 3 on PATH can build any variant (PYTHON=... to choose one).
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../..)
PYTHON ?= python3

build-DurableLayer:
	$(PYTHON) "$(ROOT)/scripts/build_layer.py" --source "$(CURDIR)" --layer-dir "$(ARTIFACTS_DIR)" \
		--python $(LAYER_PYTHON) --arch $(LAYER_ARCH)
