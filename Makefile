# make run   — create .venv if needed, install, open the GUI on the bundled example
# make test  — create .venv if needed, install with test extras, run the whole suite headless
# make bench — run the benchmarks (ratios against a baseline measured in the same run)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# pytest-xdist workers for `make test`: one per core (`make test TEST_WORKERS=0` runs in one process)
TEST_WORKERS ?= auto

.PHONY: run test bench lint examples clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP) $@

run: $(STAMP)
	$(BIN)/dlstudio examples/churn.dlstudio.json

test: $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen TF_CPP_MIN_LOG_LEVEL=2 $(BIN)/python -m pytest -q -n $(TEST_WORKERS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check dlstudio tests benchmarks examples

bench: $(TEST_STAMP)
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

examples: $(STAMP)
	$(BIN)/python examples/make_examples.py

clean:
	rm -rf $(VENV) build *.egg-info
