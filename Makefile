# The front door. Every target bootstraps the virtual environment it needs.
#
#   make grade SUBMISSION=PATH [OUT=DIR]   grade one submission
#   make test                              the project's own tests
#   make lint                              ruff and mypy
#   make examples                          rebuild examples/submissions/*.zip

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SUBMISSION ?= examples/submissions/reference.zip
OUT ?= out

.PHONY: .venv grade test lint examples clean

.venv: $(STAMP)

# Re-installs when the dependencies change; constraints.txt pins every version.
$(STAMP): pyproject.toml constraints.txt
	@sh tools/system-deps.sh
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

grade: $(STAMP)
	$(PY) -m grader grade $(SUBMISSION) --out $(OUT)

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

examples: $(STAMP)
	$(PY) examples/build_submissions.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
