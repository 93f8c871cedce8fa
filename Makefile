# Two commands on a fresh machine: `make synth` and `make test`. Each installs what it needs, pinned.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
CONFIG ?= config/default.yaml
# The cdktf CLI (package.json pins cdktf-cli 0.21.0) runs on the machine's Node.js 18-22 and its npm.
# Without npm on PATH, synth and test skip it (the app itself needs no system Node).
NPM    ?= $(shell command -v npm 2>/dev/null)
CLI    := $(if $(NPM),node_modules/.installed)
# CDK=cdktn: the same app on CDK Terrain, the fork of the archived cdktf, and azurerm 5.x, from a venv of its own
# (requirements-cdktn.txt; docs/cdk-terrain.md). The default installs and runs nothing of it.
CDK    ?= cdktf
CDKTN_VENV := .venv-cdktn
ifeq ($(CDK),cdktf)
RUN_VENV := $(VENV)
RUN_ENV  :=
else ifeq ($(CDK),cdktn)
RUN_VENV := $(CDKTN_VENV)
RUN_ENV  := FOUNDRY_CDK=cdktn
CLI      :=
else
$(error CDK=$(CDK): allowed: cdktf (the default) or cdktn)
endif

.PHONY: synth test bench cli clean help
.DEFAULT_GOAL := help

help:
	@echo "make synth   synthesize $(CONFIG) into cdktf.out/ (creates .venv, installs pinned deps)"
	@echo "make synth CDK=cdktn   the same on CDK Terrain + azurerm 5.x (.venv-cdktn; docs/cdk-terrain.md)"
	@echo "make test    run the whole test suite (installs the test deps too)"
	@echo "make bench   synth timings and peak memory (benchmarks/)"
	@echo "make cli     install the pinned cdktf CLI: npx cdktf synth | list | diff <stack> | deploy '*'"
	@echo "make clean   remove .venv, cdktf.out and caches"

$(VENV)/.runtime: requirements.txt constructs/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements.txt
	$(PIP) install --no-deps --no-build-isolation -e constructs
	touch $@

$(CDKTN_VENV)/.runtime: requirements-cdktn.txt constructs/pyproject.toml
	test -x $(CDKTN_VENV)/bin/python || $(PYTHON) -m venv $(CDKTN_VENV)
	$(CDKTN_VENV)/bin/python -m pip --disable-pip-version-check -q install -r requirements-cdktn.txt
	$(CDKTN_VENV)/bin/python -m pip --disable-pip-version-check -q install --no-deps --no-build-isolation -e constructs
	touch $@

$(VENV)/.test: $(VENV)/.runtime requirements-test.txt
	$(PIP) install -r requirements-test.txt
	touch $@

# checkov pins packages the app pins differently (boto3 -> python-dateutil<3), so it gets a venv of its own
CHECKOV_VENV := .venv-checkov
$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip --disable-pip-version-check -q install -r requirements-checkov.txt
	touch $@

# npm ci: exactly package-lock.json. --ignore-scripts: the tree's only install script
# (@cdktf/node-pty-prebuilt-multiarch) just checks its bundled prebuilt binary, else downloads or compiles one.
node_modules/.installed: package.json package-lock.json
	$(or $(NPM),npm) ci --ignore-scripts --no-audit --no-fund
	touch $@

cli: $(VENV)/.runtime node_modules/.installed

# The app's own bytecode, written once per change of its sources: where PYTHONDONTWRITEBYTECODE is
# set (as on this project's machines), Python would otherwise recompile ~40 modules on every synth (~0.25 s).
SOURCES := $(wildcard app/*.py app/report/*.py stacks/*.py constructs/foundry_constructs/*.py)
%/.bytecode: %/.runtime $(SOURCES)
	$*/bin/python -m compileall -q $(SOURCES)
	touch $@

synth: $(RUN_VENV)/.runtime $(RUN_VENV)/.bytecode $(CLI)
	$(RUN_ENV) $(RUN_VENV)/bin/python main.py synth --config $(CONFIG)

# the tests also synthesize every shipped config with CDK Terrain (tests/test_cdktn.py)
test: $(VENV)/.test $(CHECKOV_VENV)/.installed $(CDKTN_VENV)/.runtime $(CLI)
	$(PY) -m pytest

bench: $(VENV)/.test $(CDKTN_VENV)/.runtime
	$(PY) benchmarks/bench.py

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(CDKTN_VENV) node_modules cdktf.out .cdktf.out.* .pytest_cache .hypothesis
