# Two entry points a new user needs; each sets up .venv (Python >= 3.12, found by
# scripts/find-python.sh) on first use.
.PHONY: setup compare test bench

setup:
	bash scripts/setup.sh

compare: setup
	.venv/bin/bposim-compare $(ARGS)

test: setup
	.venv/bin/python -m pytest -q $(ARGS)

bench: setup
	.venv/bin/python benchmarks/bench_core.py
