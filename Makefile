# Set-up and everyday targets. Every target creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench completions clean

$(BIN)/flowctl: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip >/dev/null 2>&1 || true
	$(BIN)/pip install -q -e '.[test]'
	touch $(BIN)/flowctl

demo: $(BIN)/flowctl
	$(BIN)/flowctl run examples/map_reduce.py

test: $(BIN)/flowctl
	$(BIN)/python -m pytest

bench: $(BIN)/flowctl
	$(BIN)/python -m benchmarks

completions: $(BIN)/flowctl
	$(BIN)/python -m flowctl.cli.completions completions

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
