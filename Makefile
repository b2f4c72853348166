# Every target sets itself up on a fresh machine: a .venv in the repo, the CPU build of torch first
# (so nothing resolves to the multi-GB CUDA build), then the project with its dev extra.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DATA ?= data
MAILS ?= 1000
PORT ?= 3000
DAGSTER_HOME_DIR := $(CURDIR)/.dagster_home

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install chromium postgres java sandbox-tools lint test demo dev bench bench-ivm bench-dagster bench-synthesis clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev]" -c constraints.txt  # every extra: the demo, the UI and the tests need them all
	# the synthesis suite's ISLP tables (benchmarks/synthesis/sources.py reads its data folder): without its modelling
	# dependencies (torch lightning, pygam), which nothing here imports; pinned, as the suite's bytes depend on it
	$(PY) -m pip install --quiet --no-deps ISLP==0.6.0
	touch $(STAMP)

# the browser test drives Debian's headless chromium
chromium:
	@command -v chromium >/dev/null 2>&1 || { echo "installing Debian's chromium for the browser test"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# the engine's Spark backend (pyspark, the spark extra) runs on a JVM: Debian's Java 17 runtime
java:
	@command -v java >/dev/null 2>&1 || { echo "installing Debian's openjdk-17-jre-headless for the Spark backend"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }

# LLM-written code (lester-dagster rewrite) only runs in Debian's bubblewrap sandbox (util-linux unshare as root
# is the fallback)
sandbox-tools:
	@command -v bwrap >/dev/null 2>&1 || { echo "installing Debian's bubblewrap for the rewrite sandbox"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; }

# the database-source test starts a throwaway server from Debian's postgresql binaries
postgres:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { echo "installing Debian's postgresql for the database test"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

# ruff (config in pyproject.toml; `ruff check --fix` repairs imports) and mypy over the package
lint: $(STAMP)
	$(VENV)/bin/ruff check lester_dagster tests benchmarks example_project
	$(VENV)/bin/mypy

# two workers (pytest-xdist), each test file on one of them (module fixtures and the order of a file's tests stay
# as they are): about half the time on two cores. TEST_WORKERS=0 runs everything in one process
TEST_WORKERS ?= 2
test: $(STAMP) chromium postgres java sandbox-tools
	$(PY) -m pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

demo: $(STAMP)
	$(PY) -m example_project.demo --data $(DATA) --mails $(MAILS)
	@mkdir -p $(DAGSTER_HOME_DIR)
	@cp example_project/dagster.yaml $(DAGSTER_HOME_DIR)/dagster.yaml
	DAGSTER_HOME=$(DAGSTER_HOME_DIR) LESTER_LAKE=$(DATA) $(PY) -m example_project.dagster_demo

# The example project in the Dagster UI on http://127.0.0.1:$(PORT), with local SQLite storage. `dg dev` (the
# dg extra) is what `dagster dev` now points to; given the workspace file it starts the same webserver, daemon
# and code server, offline.
dev: $(STAMP)
	@test -e $(DATA)/mails || test -e $(DATA)/mails.csv || $(VENV)/bin/lester-dagster generate-data --mails $(MAILS) --out $(DATA)
	@mkdir -p $(DAGSTER_HOME_DIR)
	@cp example_project/dagster.yaml $(DAGSTER_HOME_DIR)/dagster.yaml
	DAGSTER_HOME=$(DAGSTER_HOME_DIR) LESTER_LAKE=$(DATA) $(VENV)/bin/dg dev -w workspace.yaml -h 127.0.0.1 -p $(PORT)

bench: $(STAMP)
	$(PY) benchmarks/bench_engine.py

# the 1M-mail point of the IVM benchmark takes about two hours (MiniLM on the CPU): add it with SIZES
bench-ivm: $(STAMP)
	$(PY) benchmarks/bench_ivm.py --sizes $(or $(SIZES),1000 10000 100000)

# request to artifacts through Dagster at 100k mails (the first run materialises for ~16 minutes)
bench-dagster: $(STAMP)
	$(PY) benchmarks/bench_dagster.py --mails $(or $(MAILS_BENCH),100000) --daemon

# by-target synthesis on both parts of the suite (built offline from the dev extra's datasets into
# benchmarks/synthesis/suite/{dev,test}): the development part, then the test part no tuning looks at
bench-synthesis: $(STAMP)
	@test -d benchmarks/synthesis/suite/test || $(PY) benchmarks/synthesis/build_suite.py --out benchmarks/synthesis/suite
	@mkdir -p benchmarks/out
	OMP_NUM_THREADS=1 $(VENV)/bin/lester-dagster synthesis-bench benchmarks/synthesis/suite/dev --top-k 10 \
		--time-limit 900 --workers 2 --json benchmarks/out/synthesis_dev.json
	OMP_NUM_THREADS=1 $(VENV)/bin/lester-dagster synthesis-bench benchmarks/synthesis/suite/test --top-k 10 \
		--time-limit 900 --workers 2 --quiet --json benchmarks/out/synthesis_test.json

clean:
	rm -rf $(VENV) $(DATA) artifacts .dagster_home .pytest_cache .hypothesis
