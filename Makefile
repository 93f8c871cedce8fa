# Two commands on a fresh machine: `make synth` and `make test`. Each installs what it needs, pinned.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
CONFIG ?= config/default.yaml

.PHONY: synth test bench clean help
.DEFAULT_GOAL := help

help:
	@echo "make synth   synthesize $(CONFIG) into cdktf.out/ (creates .venv, installs pinned deps)"
	@echo "make test    run the whole test suite (installs the test deps too)"
	@echo "make bench   synth timings and peak memory (benchmarks/)"
	@echo "make clean   remove .venv, cdktf.out and caches"

$(VENV)/.runtime: requirements.txt constructs/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements.txt
	$(PIP) install --no-deps --no-build-isolation -e constructs
	touch $@

$(VENV)/.test: $(VENV)/.runtime requirements-test.txt
	$(PIP) install -r requirements-test.txt
	touch $@

synth: $(VENV)/.runtime
	$(PY) main.py synth --config $(CONFIG)

test: $(VENV)/.test
	$(PY) -m pytest

bench: $(VENV)/.test
	$(PY) benchmarks/bench.py

clean:
	rm -rf $(VENV) cdktf.out .cdktf.out.* .pytest_cache .hypothesis
