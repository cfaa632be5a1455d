# Two entry points a new user needs; each sets up .venv (Python >= 3.12, found by
# scripts/find-python.sh) on first use.
.PHONY: setup browser compare test dashboard bench bench-dashboard tutorial

setup:
	bash scripts/setup.sh

compare: setup
	.venv/bin/bposim-compare $(ARGS)

# The page tests drive Debian's chromium; scripts/install-browser.sh installs it (as root).
browser:
	bash scripts/install-browser.sh

test: setup browser
	.venv/bin/python -m pytest -q $(ARGS)

# The workshop page on http://127.0.0.1:8765/ (ARGS="--host 0.0.0.0" shares it with the room).
dashboard: setup
	.venv/bin/bposim-dashboard $(ARGS)

bench: setup
	.venv/bin/python benchmarks/bench_core.py

bench-dashboard:
	bash scripts/setup.sh test,dashboard,bench
	.venv/bin/python benchmarks/bench_dashboard.py $(ARGS)

# docs/tutorial.ipynb from scripts/make_tutorial.py, executed, so the committed copy shows its outputs.
tutorial: setup
	.venv/bin/python scripts/make_tutorial.py
