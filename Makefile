# The two commands a new user needs: `make run` and `make test`. Everything else is set up by them.
VENV    ?= .venv
PYTHON3 ?= python3
PY      := $(VENV)/bin/python
FLASK   := $(VENV)/bin/flask --app wsgi
STAMP   := $(VENV)/.installed
FRONTEND := triage/static/css/app.css

.PHONY: setup run test test-embedded test-server lint audit format bench bench-compare clean sqlmap

setup: $(STAMP) $(FRONTEND)

$(PY):
	$(PYTHON3) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) requirements.txt requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

$(FRONTEND): node_modules/.package-lock.json assets/build.mjs $(wildcard assets/scss/*.scss)
	npm run --silent build

## make run: web app + RQ worker (with scheduler) + embedded Redis, on SQLite, with demo data.
run: setup
	$(FLASK) db upgrade
	$(FLASK) triage seed-demo --if-empty
	$(FLASK) triage dev

## make test: the whole suite on SQLite + embedded Redis, and on PostgreSQL + Redis server
## as well when TEST_DATABASE_URL and TEST_REDIS_URL are set.
test: setup
	$(MAKE) --no-print-directory test-embedded
	@if [ -n "$$TEST_DATABASE_URL$$TEST_REDIS_URL" ]; then \
		$(MAKE) --no-print-directory test-server; \
	else \
		echo "TEST_DATABASE_URL/TEST_REDIS_URL not set: PostgreSQL + Redis server run skipped"; \
	fi

test-embedded: setup
	TRIAGE_TEST_BACKEND=embedded $(PY) -m pytest $(PYTEST_ARGS)

test-server: setup
	TRIAGE_TEST_BACKEND=server $(PY) -m pytest --ignore=tests/unit --ignore=tests/e2e $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	# bandit, medium severity and up, with the reviewed exceptions listed in the test
	$(PY) -m pytest -q -p no:cacheprovider tests/security/test_static_analysis.py -k "bandit or loader"
	@if [ "$(AUDIT)" = "skip" ]; then echo "AUDIT=skip: dependency audit NOT run"; \
	else $(MAKE) --no-print-directory audit; fi

## make audit: known vulnerabilities in requirements.txt (pip-audit) and package-lock.json
## (npm audit); fails on any advisory not reviewed in .ci/audit-ignore.txt, and when the
## advisory services cannot be reached (AUDIT=skip make lint skips it, and says so).
PIP_AUDIT_VERSION := 2.10.1
audit: setup
	$(PY) -m pip install --quiet pip-audit==$(PIP_AUDIT_VERSION)
	$(PY) .ci/audit.py $(VENV)/bin/pip-audit

## make sqlmap: sqlmap against the app on 127.0.0.1 (demo data, signed in); fails if it finds
## an injection point. Slow, so not part of `make test`.
SQLMAP_VERSION := 1.10.10
sqlmap: setup
	$(PY) -m pip install --quiet sqlmap==$(SQLMAP_VERSION)
	$(PY) -m tests.security.sqlmap_run $(VENV)/bin/sqlmap

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## make bench: every benchmark on a synthetic database beside a same-run baseline (one table,
## and a JSON file in instance/bench/). BENCH_SCALE (referrals, default 20000), BENCH_RUNS,
## BENCH_SECONDS, BENCH_IMPORT_ROWS; BENCH_DATABASE_URL (default triage_bench on the local
## PostgreSQL, else SQLite). make bench-compare A=one.json B=other.json compares two runs.
bench: setup
	$(PY) benchmarks/bench_assess.py --n 5000 --runs 3
	$(PY) benchmarks/bench.py

bench-compare: setup
	$(PY) benchmarks/compare.py $(A) $(B)

clean:
	rm -rf $(VENV) node_modules triage/static/css triage/static/vendor
