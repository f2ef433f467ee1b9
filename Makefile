# The two commands: `make run` and `make test`. Both set everything up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install install-test lint serve migrate seed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

# The browser tests drive Debian's Chromium (Playwright cannot download a browser here); with CI=true it must install.
install-test: $(VENV)/.installed-test
	@if command -v chromium >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then echo "Installing Chromium (Debian) for the browser tests"; \
	  (apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium >/dev/null) \
	  || { echo "Chromium could not be installed: browser tests will be skipped (with CI=true, that fails)."; [ "$$CI" != true ]; }; \
	else echo "Chromium is not installed and this is not root: browser tests will be skipped."; fi
	@if command -v xmlsec1 >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then echo "Installing xmlsec1 (Debian) for the pysaml2 service provider in the SAML tests"; \
	  (apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq xmlsec1 >/dev/null) \
	  || echo "xmlsec1 could not be installed: the pysaml2 SAML tests will be skipped."; \
	else echo "xmlsec1 is not installed and this is not root: the pysaml2 SAML tests will be skipped."; fi

run: install
	$(BIN)/tenantry migrate
	$(BIN)/tenantry demo seed
	$(BIN)/tenantry serve

test: install-test
	$(BIN)/python -m tests.run

lint: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .tenantry
