# zongzhi — two commands on a fresh Debian machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8050

.PHONY: install demo serve test lint unit bench loadtest mutate db-start db-stop clean

$(STAMP): pyproject.toml
	bash scripts/system-deps.sh demo
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

## Start the embedded PostGIS, load the demo once, serve http://127.0.0.1:$(PORT)
demo: install
	$(BIN)/zongzhi db start
	$(BIN)/zongzhi db migrate
	$(BIN)/zongzhi demo load --scale small --if-empty
	$(BIN)/zongzhi classify train --if-missing
	$(BIN)/zongzhi serve --port $(PORT)

serve: install
	$(BIN)/zongzhi serve --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/bandit -q -r app layers geodata etl domain classify --severity-level high

## Everything: lint, import contract, unit + integration (real PostGIS) + browser (system Chromium)
test: install
	bash scripts/system-deps.sh test
	$(MAKE) lint
	$(BIN)/python -m pytest -q -p no:dash

unit: install
	$(BIN)/python -m pytest -q -p no:dash tests/unit

db-start: install
	$(BIN)/zongzhi db start

db-stop: install
	$(BIN)/zongzhi db stop

clean:
	rm -rf .pytest_cache .ruff_cache .hypothesis build dist *.egg-info mutants

## Benchmarks (figures and ratios against baselines; not tests). Needs the embedded PostGIS.
## Each writes bench/out/<name>.json; the last step puts their headline figures in bench/RESULTS.md.
bench: install
	$(BIN)/python -m pip install -q -e ".[test,bench]"
	$(BIN)/python -m bench.etl
	$(BIN)/python -m bench.partitions
	$(BIN)/python -m bench.map
	$(BIN)/python -m bench.performance
	$(BIN)/python -m bench.warnings
	$(BIN)/python -m bench.classify
	$(BIN)/python -m bench.audit
	$(BIN)/python -m bench.rls
	$(BIN)/python -m bench.dispatch
	$(BIN)/python -m bench.wall
	$(BIN)/python -m bench.reports
	$(BIN)/python -m bench.summary

## Load test with fault drills (bench/loadtest.py): 50 users for 2 minutes against `zongzhi serve`
## on loopback, in a PostgreSQL cluster of its own (it restarts that one, never yours); figures to
## bench/RESULTS.md. Options: make loadtest LOADTEST_ARGS="--scale small --seconds 60 --no-drills"
LOADTEST_ARGS ?=
loadtest: install
	$(BIN)/python -m bench.loadtest $(LOADTEST_ARGS)

## Mutation testing (mutmut, [tool.mutmut] in pyproject.toml) against the unit tests; not part of
## CI or `make test`. One worker: the machine is shared. Each run starts afresh, since mutmut keeps
## an old verdict when only the tests changed; the results stay in mutants/ for `mutmut show`.
MUTATE_JOBS ?= 1
mutate: install
	$(BIN)/python -m pip install -q -e ".[test,mutate]"
	rm -rf mutants
	$(BIN)/mutmut run --max-children $(MUTATE_JOBS)
	$(BIN)/mutmut results
