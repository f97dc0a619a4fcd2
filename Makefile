# The front door. Every target bootstraps the virtual environment it needs.
#
#   make grade SUBMISSION=PATH [OUT=DIR]   grade one submission
#   make grade-all SUBMISSIONS=DIR [OUT=dir] [JOBS=n]  grade a folder (resumable)
#   make test                              the project's own tests
#   make lint                              ruff and mypy
#   make examples                          rebuild examples/submissions/*.zip
#   make bench [BENCH_N=100] [JOBS=2] [COMPARE=0]  timings: one grade, sandbox vs in-process,
#                                          batch throughput, and against Otter-Grader and nbgrader
#                                          (COMPARE_N=10 submissions; COMPARE=0 skips it)
#   make soundness [SEEDS=1000] [JOBS=2]   every check and bug under many seeds (slow)
#   make docs                              rewrite docs/checks.md from the registry
#   make release                           the student release: OUT/release/assignment2.zip
#   make check [CHECK=PATH] [PART=name]    the self-check students run (default: the template)

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SUBMISSION ?= examples/submissions/reference.zip
OUT ?= out

SEEDS ?= 1000
JOBS ?= 2
SUBMISSIONS ?= examples/submissions
BENCH_N ?= 100
COMPARE ?= 1
COMPARE_N ?= 10
COMPARE_VENVS ?= out/compare-venvs

.PHONY: .venv grade grade-all bench test lint examples soundness docs clean release check

.venv: $(STAMP)

# Re-installs when the dependencies change; constraints.txt pins every version.
$(STAMP): pyproject.toml constraints.txt tools/system-deps.sh
	@sh tools/system-deps.sh
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

grade: $(STAMP)
	$(PY) -m grader grade "$(SUBMISSION)" --out "$(OUT)"

release: $(STAMP)
	$(PY) -m grader release --out "$(OUT)/release"

CHECK ?= student_template
PART ?=
check: $(STAMP)
	$(PY) -m grader.selfcheck "$(CHECK)" $(if $(PART),--part "$(PART)")

grade-all: $(STAMP)
	$(PY) -m grader batch "$(SUBMISSIONS)" --out "$(OUT)" --jobs $(JOBS)

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

examples: $(STAMP)
	$(PY) examples/build_submissions.py

docs: $(STAMP)
	$(PY) -m grader docs > docs/checks.md

bench: $(STAMP)
	$(PY) tools/bench.py --submissions $(BENCH_N) --jobs $(JOBS) --out "$(OUT)/bench.json" \
		$(if $(filter 1,$(COMPARE)),--compare --compare-n $(COMPARE_N) --venvs $(COMPARE_VENVS))

soundness: $(STAMP)
	$(PY) tools/soundness.py --seeds $(SEEDS) --jobs $(JOBS) --out "$(OUT)/soundness.json"

clean:
	rm -rf $(VENV) "$(OUT)" .pytest_cache .mypy_cache .ruff_cache
