# The two commands that matter: `make run` and `make test`. Both set everything up.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 3000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup portal chromium run test fuzz storms unit integration e2e browser screenshots lint validate bench openapi events deploy clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt layers/shared/requirements.txt scripts/find-python
	@python=$$(scripts/find-python) || exit 1; \
	  [ -x $(PY) ] || $$python -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

# The portal: npm packages pinned by portal/package-lock.json, built into portal/dist.
PORTAL_SOURCES := $(shell find portal/src -type f ! -name schema.d.ts 2>/dev/null) portal/build.mjs portal/tsconfig.json

portal: portal/dist/index.html

portal/node_modules/.installed: portal/package.json portal/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or later (it builds portal/)"; exit 1; }
	cd portal && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

portal/dist/index.html: portal/node_modules/.installed $(PORTAL_SOURCES) docs/openapi.json
	cd portal && npm run --silent build

# The browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installing Debian's chromium for the browser tests: apt-get install -y chromium"; \
	  apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	fi

# The portal's address comes first; then whatever still needs installing or building, then the stack.
run:
	@echo "Portal: http://127.0.0.1:$(PORT)/  (open it and sign in as the demo member, once the stack below is up)"
	@$(MAKE) -s --no-print-directory setup portal
	@PORT=$(PORT) $(PY) -m local.server

test: setup lint portal chromium
	$(PY) -m pytest -q -n 2 --dist loadgroup tests portal/tests

# Contract fuzzing, the long run: schemathesis with every check, as every role, on a stack of its own.
fuzz: setup
	$(PY) -m scripts.fuzz --max-examples $${MAX_EXAMPLES:-10} --parallel

# Storms and races at full size (10,000 members, 50 submissions...), with their figures.
storms: setup
	set -o pipefail; STORM_SCALE=full $(PY) -m pytest -q -s -p no:cacheprovider tests/integration/test_storms.py \
	  | grep --line-buffered -oE "storm: .*|[0-9]+ (passed|failed).*"

unit: setup
	$(PY) -m pytest -q tests/unit

integration: setup
	$(PY) -m pytest -q tests/integration

e2e: setup
	$(PY) -m pytest -q tests/e2e

browser: setup portal chromium
	$(PY) -m pytest -q portal/tests

# Refreshes the screenshots the README shows (docs/screenshots/) from a run of the browser tests.
screenshots: setup portal chromium
	PORTAL_SCREENSHOTS=docs/screenshots $(PY) -m pytest -q portal/tests

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

# The stack, then the portal's files and its config.json (from the stack's outputs).
deploy: $(VENV)-sam/bin/sam setup portal
	$(VENV)-sam/bin/sam build && $(PY) -m scripts.compile_build .aws-sam/build && \
	  $(VENV)-sam/bin/sam deploy --config-env $${ENV:-default}
	$(PY) -m scripts.deploy_portal --stack-name credential-renewal-$$([ "$${ENV:-default}" = prod ] && echo prod || echo dev)

clean:
	rm -rf $(VENV) $(VENV)-sam $(VENV)-checkov .aws-sam .pytest_cache portal/node_modules portal/dist portal/test-results
