# Every target sets itself up on a fresh machine: a .venv in the repo, the CPU build of torch first
# (so nothing resolves to the multi-GB CUDA build), then the project with its dev extra.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DATA ?= data
MAILS ?= 1000

.PHONY: install test demo bench bench-ivm clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest

demo: $(STAMP)
	$(PY) -m example_project.demo --data $(DATA) --mails $(MAILS)

bench: $(STAMP)
	$(PY) benchmarks/bench_engine.py

# the 1M-mail point of the IVM benchmark takes about two hours (MiniLM on the CPU): add it with SIZES
bench-ivm: $(STAMP)
	$(PY) benchmarks/bench_ivm.py --sizes $(or $(SIZES),1000 10000 100000)

clean:
	rm -rf $(VENV) $(DATA) .pytest_cache .hypothesis
