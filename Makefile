# The two commands: `make run` serves the embedded default, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements/test.txt pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run run-service test lint format bench-lookup bench-import bench-oidc bench-enrollment clean

$(STAMP): requirements/base.txt requirements/test.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements/test.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/dinhdanh serve

# The demo public service (temporary residence registration) on :8100; signs in with `make run`.
run-service: $(STAMP)
	$(BIN)/tamtru --port 8100

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/python -m pytest
	@if [ -n "$$DINHDANH_TEST_DATABASE_URL$$DINHDANH_TEST_REDIS_URL" ]; then \
		echo "== again on SQLite and the in-process store (all but the browser tests) =="; \
		env -u DINHDANH_TEST_DATABASE_URL -u DINHDANH_TEST_REDIS_URL \
			$(BIN)/python -m pytest -m "not e2e" -q; \
	fi

format: $(STAMP)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

bench-lookup: $(STAMP)
	$(BIN)/python bench/registry_lookup.py

bench-import: $(STAMP)
	$(BIN)/python bench/population_import.py

# The campaign dashboard at 1,000,000 citizens and the office's approvals (database bench_enroll).
bench-enrollment: $(STAMP)
	$(BIN)/python bench/enrollment.py

# Needs wrk (apt-get install -y wrk) and Node.js >= 20.19 with npm; installs bench/oidc_peer.
bench-oidc: $(STAMP)
	$(BIN)/python bench/oidc.py

clean:
	rm -rf var .venv .pytest_cache .ruff_cache .hypothesis
