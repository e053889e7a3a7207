# ipcredit: `make run` serves the demo, `make test` runs the whole suite (SQLite, then PostgreSQL).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := app.py config.py cli schema resolvers actors gnn db domain
TEST_PG ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS ?= redis://127.0.0.1:6379/15

.PHONY: run test test-sqlite test-postgres lint bench install schema clean console

# the staff console (console/): dependencies when the lockfile changed, a build when its
# sources changed; the app serves console/dist at /console
CONSOLE_DEPS := console/node_modules/.installed
CONSOLE_BUILT := console/dist/.built
CONSOLE_SRC := $(shell find console/src -type f 2>/dev/null) console/index.html \
	console/package.json console/vite.config.ts console/tsconfig.json

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first and on its own: a range elsewhere must never pull a CUDA build
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

$(CONSOLE_DEPS): console/package-lock.json
	cd console && npm ci --no-audit --no-fund
	touch $@

$(CONSOLE_BUILT): $(CONSOLE_DEPS) $(CONSOLE_SRC)
	cd console && npm run build
	touch $@

console: $(CONSOLE_BUILT)

run: $(STAMP) console
	$(BIN)/ipcredit demo
	$(BIN)/ipcredit serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(PACKAGES)

schema: $(STAMP)
	$(BIN)/python -m schema.export schema.graphql

test: $(STAMP) lint console test-sqlite test-postgres

# the browser tests (tests/console) run against their own SQLite server: once, in this pass
test-sqlite: $(STAMP) console
	$(BIN)/pytest -q -m "not slow" tests

test-postgres: $(STAMP)
	TEST_DATABASE_URL=$(TEST_PG) REDIS_URL=$(TEST_REDIS) $(BIN)/pytest -q -m "not slow and not browser" tests

# every benchmark runs (a failing one does not stop the others), then one table of all figures
BENCHES := $(wildcard bench/bench_*.py)
bench: $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	@rm -rf "$${BENCH_RESULTS:-data/bench-results}"; failed=""; \
	for b in $(BENCHES); do echo "== $$b"; $(BIN)/python $$b || failed="$$failed $$b"; done; \
	echo "== schemathesis, large budget"; \
	FUZZ_EXAMPLES=300 $(BIN)/pytest -q tests/test_fuzz.py || failed="$$failed schemathesis"; \
	echo "== summary"; \
	$(BIN)/python bench/summary.py --expect $(patsubst bench/bench_%.py,%,$(BENCHES)) || failed="$$failed summary"; \
	if [ -n "$$failed" ]; then echo "failed:$$failed"; exit 1; fi

clean:
	rm -rf $(VENV) data .mypy_cache .ruff_cache console/dist console/node_modules test-output
