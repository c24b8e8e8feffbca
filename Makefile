# Set-up is two commands: `make run` (demo on http://127.0.0.1:8000) and `make test`.
# Both honour DATABASE_URL / REDIS_URL from the environment; see README.md.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# Touched after a successful install; pip runs again only when pyproject.toml is newer.
STAMP := $(VENV)/.installed

.PHONY: run test lint migrations-check check bench-results messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -e ".[dev]"
	touch $@

# The translations (locale/*/LC_MESSAGES/*.po) compiled to .mo with Babel, so no GNU
# gettext is needed; only catalogues newer than their .mo are rewritten. Extracting new
# strings (`manage.py makemessages -l de`) needs xgettext (Debian's gettext).
messages: $(STAMP)
	$(MANAGE) compile_translations

# The periodic jobs run beside the web server: with REDIS_URL set, a Celery worker with
# embedded beat; without, `manage.py run_scheduler` (the same schedule, run in its own
# process, no broker). Either is stopped (after the job in progress) when runserver
# exits, Ctrl-C included.
run: $(STAMP) messages
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) measure_results
	$(MANAGE) rollup_ledger
	@if [ -n "$$REDIS_URL" ]; then \
		$(BIN)/celery -A config worker -B -l info & periodic=$$!; \
	else \
		$(MANAGE) run_scheduler & periodic=$$!; \
	fi; \
	trap 'kill $$periodic 2>/dev/null; wait $$periodic' EXIT; \
	trap 'exit 130' INT TERM; \
	$(MANAGE) runserver 127.0.0.1:8000

# Plain pytest: on this suite pytest-xdist (-n 2) is slower, SQLite and PostgreSQL alike.
test: $(STAMP) messages
	$(BIN)/pytest $(PYTEST_ARGS)

# bandit: no high-severity finding in the application code. lint-imports: the dependency
# rules between the apps and packages (pyproject.toml [tool.importlinter]).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -r config accounts improvement metrics actions attachments campaigns problem_solving integrations --severity-level high
	$(BIN)/lint-imports --no-cache

migrations-check: $(STAMP)
	$(MANAGE) makemigrations --check --dry-run

check: lint migrations-check test

# Results at company scale (bench/README.md, "Results at scale"): 100,000 initiatives,
# 10,000,000 measurements in improvement_bench_scale; sharded, 1 and 2 workers; a night.
bench-scale: $(STAMP)
	$(BIN)/python -m bench.scale_bench $(BENCH_ARGS)

# Results job at scale (bench/README.md). DATABASE_URL names a PostgreSQL server; the
# benchmark works in its own database, improvement_bench. BENCH_ARGS=--no-fail to only report.
bench-results: $(STAMP)
	$(BIN)/python -m bench.results_bench $(BENCH_ARGS)

# Latency and SQL queries per request of the API and the pages, served by gunicorn, at
# 1,000 and 10,000 initiatives (bench/README.md); databases improvement_bench_1k and _10k.
bench: $(STAMP)
	$(BIN)/python -m bench.http_bench $(BENCH_ARGS)

# 50 users for 2 minutes, mixed reads and writes (locust, bench/locustfile.py), on a copy
# of the 10,000-initiative database (bench/README.md). LOAD_ARGS=--no-fail to only report.
load: $(STAMP)
	$(BIN)/python -m bench.load $(LOAD_ARGS)

# A 5,000-measurement batch refused and accepted, against a bulk_create of the same rows
# (bench/README.md); database improvement_bench_batch.
bench-batch: $(STAMP)
	$(BIN)/python -m bench.batch_bench $(BENCH_ARGS)

# Each benchmark once at its tiny size (`--tiny`, also accepted in BENCH_ARGS / LOAD_ARGS):
# 100–300 initiatives, in databases dropped and rebuilt from the migrations, in about a
# minute for all three. Checks they still run end to end (CI), not their targets.
bench-tiny: $(STAMP)
	$(BIN)/python -m bench.results_bench --tiny --no-fail
	$(BIN)/python -m bench.scale_bench --tiny --no-fail --no-reference
	$(BIN)/python -m bench.http_bench --tiny --no-fail
	$(BIN)/python -m bench.load --tiny --no-fail
	$(BIN)/python -m bench.batch_bench --tiny --no-fail

.PHONY: bench load bench-tiny bench-batch bench-scale
