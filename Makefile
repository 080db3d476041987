# The two commands that matter: `make run` and `make test`. Both set everything up.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 3000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup run test unit integration e2e lint validate bench openapi events deploy clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt layers/shared/requirements.txt scripts/find-python
	@python=$$(scripts/find-python) || exit 1; \
	  [ -x $(PY) ] || $$python -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

run: setup
	$(PY) -m local.server

test: setup lint
	$(PY) -m pytest -q -n 2 --dist loadgroup tests

unit: setup
	$(PY) -m pytest -q tests/unit

integration: setup
	$(PY) -m pytest -q tests/integration

e2e: setup
	$(PY) -m pytest -q tests/e2e

# cfn-lint understands SAM through aws-sam-translator; it is what `sam validate --lint` runs.
# checkov scans the template for insecure settings; every check it skips names its
# reason in template.yaml (`# checkov:skip=ID: why`).
lint: setup $(VENV)-checkov/bin/checkov
	$(VENV)/bin/cfn-lint template.yaml
	$(VENV)-checkov/bin/checkov --file template.yaml --framework cloudformation --compact --quiet \
	  --skip-download

# checkov pins an older boto3 than the application's, so it too has a venv of its own.
$(VENV)-checkov/bin/checkov: requirements-scan.txt
	@python=$$(scripts/find-python) || exit 1; [ -x $(VENV)-checkov/bin/python ] || $$python -m venv $(VENV)-checkov
	$(VENV)-checkov/bin/pip install --quiet -r requirements-scan.txt
	@touch $@

# `sam` pins older boto3/pydantic, so it lives in its own venv and never in .venv.
$(VENV)-sam/bin/sam:
	@python=$$(scripts/find-python) || exit 1; $$python -m venv $(VENV)-sam
	$(VENV)-sam/bin/pip install --quiet aws-sam-cli

validate: $(VENV)-sam/bin/sam
	$(VENV)-sam/bin/sam validate --lint

bench: setup
	$(PY) -m bench

openapi: setup
	$(PY) -m scripts.openapi > docs/openapi.json

# Sample events from `sam local generate-event`, adapted to our routes (tests check the stack against them).
events: setup $(VENV)-sam/bin/sam
	SAM=$(VENV)-sam/bin/sam $(PY) events/generate.py

deploy: $(VENV)-sam/bin/sam
	$(VENV)-sam/bin/sam build && $(VENV)-sam/bin/sam deploy --config-env $${ENV:-default}

clean:
	rm -rf $(VENV) $(VENV)-sam $(VENV)-checkov .aws-sam .pytest_cache
