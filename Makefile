# Every target builds .venv first, so a fresh clone needs nothing but `make demo` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo reproduce test test-fast bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m atdt.demo

# the paper's Tab. 1-2 on the embedded world -> docs/results.md; rerun to resume after a kill
reproduce: $(STAMP)
	$(BIN)/atdt study reproduce

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(STAMP)
	$(BIN)/python benchmarks/world_speed.py
	$(BIN)/python benchmarks/train_step.py

clean:
	rm -rf $(VENV) runs data/world build *.egg-info src/*.egg-info
