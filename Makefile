# `make run` and `make test` set up everything they need on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export REFERRAL_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test coverage lint types imports unit integration bench clean openapi

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	REFERRAL_DEMO_DATA=$${REFERRAL_DEMO_DATA:-true} $(BIN)/referral serve --host 127.0.0.1 --port 8000

test: $(STAMP)
	PATH=$(CURDIR)/$(BIN):$$PATH scripts/test

coverage: $(STAMP)
	$(BIN)/python -m pytest -q --numprocesses 4 --dist worksteal --cov --cov-report=term-missing:skip-covered --cov-fail-under=90

lint: $(STAMP)
	PATH=$(CURDIR)/$(BIN):$$PATH scripts/lint

openapi: $(STAMP)
	$(BIN)/python -m scripts.export_openapi

bench: $(STAMP)
	$(BIN)/python -m bench --short

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache referral.db referral.db-* referral.db.lock
