"""The student release: ``make release`` / ``python -m grader release``.

It builds the bundle students download, a folder and a zip of it, with

- the template of the assignment config's flavour (``cs231n/``, or
  ``common/`` for the class flavour) and the notebooks, outputs cleared;
- the grader with its public checks only, to run ``make check``: hidden
  checks are cut out of the check modules, the oracles (grader/oracles, the
  code that computes expected answers: the solution in one form or another)
  and the inline questions' rubric are left out;
- ``grader/recorded/``: the manifest (which checks it ships, how many are
  hidden), the public checks' expected answers recorded on fixed inputs as
  data (``answers.npz``, see grader.oracle), and a pristine copy of the
  template the grader completes a submission from;
- a Makefile whose ``make check`` sets up a virtual environment and runs the
  self-check (grader.selfcheck), a README for students, the release's
  assignment config (its public checks) and the pinned dependencies.

Before writing the zip the builder proves its own work: ``leaks`` finds no
reference function body, no hidden check and no rubric text in the bundle,
and the bundle's answers grade the reference with every public check passed.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import textwrap
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import edition, flavours, oracle
from ._files import reproducible_zip, write_atomic
from ._package import REPO_ROOT, reference_root, template_root
from .batch.store import engine_version
from .config import AssignmentConfig, current
from .errors import UsageError
from .registry import ordered_checks
from .selfcheck import SEED

#: The bundle's name: its folder, and the zip's name without .zip.
NAME = "assignment2"
#: What the release leaves out of the grader package.
LEFT_OUT = ("oracles", "recorded", "__pycache__", "release.py")
RUBRIC = Path("grader") / "questions" / "rubric.toml"
EMPTY_RUBRIC = """\
# The inline questions are read by the course staff after the deadline: the
# student release does not carry their rubric, and the self-check does not
# look at the notebooks' answers.
[concepts]

[questions]
"""


class LeakError(Exception):
    """The bundle holds something of the solution; nothing was written."""


@dataclass(frozen=True)
class Bundle:
    folder: Path
    zip: Path
    files: tuple[str, ...]  # paths inside the bundle, sorted
    bytes: int  # the zip's size
    public: tuple[str, ...]
    hidden: int


# -- building -------------------------------------------------------------------


def build(out: Path, config: AssignmentConfig | None = None) -> Bundle:
    """Build the release into ``out/NAME/`` and ``out/NAME.zip``. Raises
    LeakError (and writes no zip) when the bundle would leak."""
    config = config or current()
    specs = [(spec, enabled) for spec, enabled in config.specs() if enabled]
    public = tuple(spec.id for spec, _ in specs if spec.public)
    hidden = [spec for spec, _ in specs if not spec.public]
    if not public:
        raise UsageError("the assignment config has no public check: nothing to self-check")
    hidden_ids = {spec.id for spec in ordered_checks()} - set(public)
    folder = out / NAME
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)

    _student_files(folder, config.flavour)
    _grader_package(folder / "grader", hidden_ids)
    recorded = folder / "grader" / edition.RECORDED.name
    (recorded / "template").mkdir(parents=True)
    shutil.copytree(template_root() / "cs231n", recorded / "template" / "cs231n", ignore=_junk)
    if config.flavour == "classes":
        shutil.copytree(
            flavours.template_root() / flavours.PACKAGE,
            recorded / "template" / flavours.PACKAGE,
            ignore=_junk,
        )
    manifest = edition.Release(
        seed=SEED,
        public=public,
        hidden=len(hidden),
        hidden_points=float(sum(spec.points for spec in hidden)),
        built_from=engine_version(config.digest),
    )
    (recorded / edition.MANIFEST).write_text(manifest.to_json() + "\n", encoding="utf-8")
    oracle.save(record(public, config), recorded / edition.ANSWERS)
    (folder / "assignment.toml").write_text(_release_config(config, public), encoding="utf-8")
    for name in ("constraints.txt",):
        shutil.copy2(REPO_ROOT / name, folder / name)
    (folder / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (folder / "Makefile").write_text(MAKEFILE, encoding="utf-8")
    (folder / "README.md").write_text(_readme(config, len(public), len(hidden)), encoding="utf-8")
    (folder / "system-deps.sh").write_text(SYSTEM_DEPS, encoding="utf-8")

    found = leaks(folder, config)
    if found:
        raise LeakError(
            "the student release would leak the solution, so no zip was written:\n  "
            + "\n  ".join(found)
        )
    zip_path = out / f"{NAME}.zip"
    files = _zip(folder, zip_path)
    return Bundle(folder, zip_path, files, zip_path.stat().st_size, public, len(hidden))


def record(public: tuple[str, ...], config: AssignmentConfig) -> oracle.Answers:
    """The expected answers of the public checks at the self-check's inputs:
    a grade of the reference at SEED, every oracle call kept. The
    misconceptions' detectors run on every check while recording, so the
    release can name a misconception too. Raises LeakError if the reference
    does not pass every public check with the recorded answers alone."""
    root = flavours.reference_root() if config.flavour == "classes" else reference_root()
    from .grade import run

    with oracle.recording() as answers:
        run(root, seed=SEED, select=public, questions=False, isolation="none", config=config)
    with oracle.replaying(answers):
        report, _ = run(
            root, seed=SEED, select=public, questions=False, isolation="none", config=config
        )
    wrong = [f"{c.id}: {c.outcome}" for c in report.checks if c.outcome != "passed"]
    if wrong or {c.id for c in report.checks} != set(public):
        raise LeakError(
            "the recorded answers do not grade the reference fully, so the release would "
            "mislead students: " + ", ".join(wrong or ["checks missing from the report"])
        )
    return answers


def _junk(folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n == "__pycache__" or n.endswith((".pyc", ".pyo"))}


def _student_files(folder: Path, flavour: str) -> None:
    """The template the students fill in, and the notebooks with outputs cleared."""
    if flavour == "classes":
        source = flavours.template_root() / flavours.PACKAGE
        shutil.copytree(source, folder / flavours.PACKAGE, ignore=_junk)
    else:
        shutil.copytree(template_root() / "cs231n", folder / "cs231n", ignore=_junk)
        for notebook in sorted(template_root().glob("*.ipynb")):
            (folder / notebook.name).write_text(_cleared(notebook), encoding="utf-8")


def _cleared(notebook: Path) -> str:
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)  # type: ignore[no-untyped-call]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.get("metadata", {}).pop("execution", None)
    return str(nbformat.writes(nb)) + "\n"  # type: ignore[no-untyped-call]


def _grader_package(target: Path, hidden: set[str]) -> None:
    """The grader, less what the release leaves out, its hidden checks cut."""
    source = Path(__file__).resolve().parent
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if any(part in LEFT_OUT for part in relative.parts) or path.suffix in (".pyc", ".pyo"):
            continue
        if path.is_dir():
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if relative == Path("questions") / "rubric.toml":
            destination.write_text(EMPTY_RUBRIC, encoding="utf-8")
        elif relative.parts[0] == "checks" and path.suffix == ".py":
            destination.write_text(cut_hidden(path.read_text(encoding="utf-8"), hidden))
        else:
            shutil.copy2(path, destination)


def cut_hidden(source: str, hidden: set[str]) -> str:
    """A check module without its hidden checks: each function declared a
    check (``@check("id", ...)``) with a hidden id is cut, with its
    decorators; a misconception shown only by hidden checks is cut, and
    hidden ids are taken out of the ``checks=(...)`` of the others."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    cuts: list[tuple[int, int]] = []  # 0-based line ranges [start, end)
    edits: list[tuple[int, int, int, int, str]] = []  # (line, col, end_line, end_col, text)
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Name):
                continue
            first = node.decorator_list[0].lineno - 1
            if decorator.func.id == "check" and decorator.args:
                value = decorator.args[0]
                if isinstance(value, ast.Constant) and value.value in hidden:
                    cuts.append((first, node.end_lineno or node.lineno))
            if decorator.func.id == "misconception":
                for keyword in decorator.keywords:
                    if keyword.arg != "checks" or not isinstance(keyword.value, ast.Tuple):
                        continue
                    ids = [e.value for e in keyword.value.elts if isinstance(e, ast.Constant)]
                    if len(ids) != len(keyword.value.elts):
                        continue  # computed ids: the registry leaves hidden ones out
                    kept = [i for i in ids if i not in hidden]
                    if not kept:
                        cuts.append((first, node.end_lineno or node.lineno))
                    elif len(kept) != len(ids):
                        t = keyword.value
                        text = "(" + ", ".join(json.dumps(i) for i in kept) + ",)"
                        edits.append(
                            (t.lineno, t.col_offset, t.end_lineno or 0, t.end_col_offset or 0, text)
                        )
    for line, col, end_line, end_col, text in sorted(edits, reverse=True):
        head, tail = lines[line - 1], lines[end_line - 1]
        lines[line - 1 : end_line] = [head[:col] + text + tail[end_col:]]
    for first, last in sorted(cuts, reverse=True):
        del lines[first:last]
    return "".join(lines)


def _release_config(config: AssignmentConfig, public: tuple[str, ...]) -> str:
    """The release's assignment config: the flavour, limits and public checks."""
    limits = config.limits
    rows = "\n".join(
        f'"{spec.id}" = {{ points = {spec.points:g}, visible = "public" }}'
        for spec, enabled in config.specs()
        if spec.id in public
    )
    return (
        textwrap.dedent(f"""\
        # The assignment config of this student release (made by the course's
        # `make release`): the public checks that `make check` runs, and the
        # sandbox's limits. Changing it changes only your own self-check.

        [assignment]
        name = {json.dumps(config.name)}
        flavour = "{config.flavour}"
        profile = "{config.profile}"

        [limits]
        call_seconds = {limits.call_seconds:g}
        cpu_seconds = {limits.cpu_seconds:g}
        memory_mb = {limits.memory_mb:g}
        experiment_seconds = {limits.experiment_seconds:g}

        [checks]
        """)
        + rows
        + "\n"
    )


def _zip(folder: Path, zip_path: Path) -> tuple[str, ...]:
    """Zip the folder reproducibly, under NAME/; the paths inside the folder."""
    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    members = {
        f"{NAME}/{p.relative_to(folder).as_posix()}": (
            p.read_bytes(),
            0o755 if os.access(p, os.X_OK) else 0o644,
        )
        for p in files
    }
    write_atomic(zip_path, reproducible_zip(members))
    return tuple(p.relative_to(folder).as_posix() for p in files)


# -- the leak scan --------------------------------------------------------------


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            yield node


def _body(node: ast.FunctionDef) -> list[ast.stmt]:
    """The function's statements, less its docstring."""
    body = list(node.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return body


def _statements(body: Iterable[ast.stmt]) -> set[str]:
    """The distinctive statements of a body, each as its AST dump: the ones
    with some computation in them (a `return out` tells nothing)."""
    found = set()
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.stmt) and not isinstance(
                node, ast.If | ast.For | ast.While | ast.With | ast.Try | ast.FunctionDef
            ):
                dump = ast.dump(node, annotate_fields=False)
                if len(ast.unparse(node)) >= 25 and any(
                    isinstance(n, ast.BinOp | ast.Call | ast.Compare) for n in ast.walk(node)
                ):
                    found.add(dump)
    return found


def _solution_sources() -> Iterator[tuple[Path, Path | None]]:
    """(a solution file, the template file students get in its place, if any)."""
    pairs = [
        (reference_root() / "cs231n", REPO_ROOT / "student_template" / "cs231n"),
        (flavours.reference_root() / flavours.PACKAGE, flavours.template_root() / flavours.PACKAGE),
    ]
    for solution, template in pairs:
        for path in sorted(solution.rglob("*.py")):
            yield path, template / path.relative_to(solution)
    for path in sorted((Path(__file__).resolve().parent / "oracles").rglob("*.py")):
        yield path, None


def solution_statements() -> dict[str, str]:
    """Every distinctive statement of the solution (the reference's function
    bodies that differ from the template's, and the oracles), by its AST
    dump, with where it comes from."""
    found: dict[str, str] = {}
    for path, template in _solution_sources():
        given: set[str] = set()
        if template is not None and template.is_file():
            for node in _functions(ast.parse(template.read_text(encoding="utf-8"))):
                given |= _statements(_body(node))
        for node in _functions(ast.parse(path.read_text(encoding="utf-8"))):
            for dump in _statements(_body(node)) - given:
                found.setdefault(dump, f"{path.relative_to(REPO_ROOT)}: {node.name}")
    return found


def rubric_lines() -> set[str]:
    """The rubric's distinctive text: its strings of 20 characters or more."""
    data = tomllib.loads((REPO_ROOT / RUBRIC).read_text(encoding="utf-8"))
    strings: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str) and len(value) >= 20:
            strings.add(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(data)
    return strings


def leaks(folder: Path, config: AssignmentConfig | None = None) -> list[str]:
    """What of the solution the bundle at ``folder`` holds: statements of a
    reference body or an oracle, hidden checks (their ids or titles: a check
    the config hides, or declared hidden, that the bundle's manifest does not
    list as public), the rubric's text. Empty when clean."""
    config = config or current()
    solution = solution_statements()
    secret = {spec.id for spec, _ in config.specs() if not spec.public}
    secret |= {spec.id for spec in ordered_checks() if not spec.public}
    shipped = _shipped(folder)
    hidden = [spec for spec in ordered_checks() if spec.id in secret and spec.id not in shipped]
    rubric = rubric_lines()
    found: list[str] = []
    for path in sorted(folder.rglob("*")):
        if path.is_dir() or "__pycache__" in path.parts:
            continue
        name = path.relative_to(folder).as_posix()
        text = path.read_bytes().decode("utf-8", errors="replace")
        if path.suffix == ".py":
            try:
                tree = ast.parse(text)
            except SyntaxError:
                tree = None
            if tree is not None:
                for node in ast.walk(tree):
                    if isinstance(node, ast.stmt):
                        where = solution.get(ast.dump(node, annotate_fields=False))
                        if where is not None:
                            found.append(f"{name}:{node.lineno}: a statement of {where}")
        for spec in hidden:
            for mark in (f'"{spec.id}"', f"'{spec.id}'", spec.title):
                if mark in text:
                    found.append(f"{name}: the hidden check {spec.id}")
                    break
        for line in rubric:
            if line in text:
                found.append(f"{name}: the rubric's text {line[:40]!r}")
                break
    return sorted(set(found))


def _shipped(folder: Path) -> frozenset[str]:
    """The checks the bundle's manifest lists as public (none without one)."""
    manifest = folder / "grader" / edition.RECORDED.name / edition.MANIFEST
    if not manifest.is_file():
        return frozenset()
    return frozenset(edition.Release.from_json(manifest.read_text(encoding="utf-8")).public)


# -- the bundle's own files -----------------------------------------------------

PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "assignment2-selfcheck"
version = "1.0"
description = "The self-check of the assignment: its public checks on your own code."
requires-python = ">=3.11"
dependencies = ["numpy>=2.0", "pytest>=8.0", "nbformat>=5.9", "nbconvert>=7.16", "jinja2>=3.1"]

[tool.setuptools.packages.find]
include = ["grader*"]

[tool.setuptools.package-data]
"grader" = ["pytest.ini", "recorded/*", "questions/*.toml"]
"grader.render" = ["templates/*.j2"]
"""

MAKEFILE = """\
# make check             the public checks on your cs231n/ (or common/), with hints
# make check PART=adam   one part, update rule or check only
#
# The first run makes a virtual environment in .venv (Python 3.11 or newer).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PART ?=

.PHONY: check list

check: $(STAMP)
\t@$(PY) -m grader.selfcheck $(if $(PART),--part $(PART))

list: $(STAMP)
\t@$(PY) -m grader.selfcheck --list

$(STAMP): pyproject.toml constraints.txt
\t@sh system-deps.sh
\t@test -x $(PY) || $(PYTHON) -m venv $(VENV)
\t$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e .
\t@touch $@
"""

SYSTEM_DEPS = """\
#!/bin/sh
# bubblewrap runs your code in a sandbox, as the real grade does. Without it
# the self-check still runs, with weaker isolation, and says so.
command -v bwrap >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
        apt-get install -y -qq bubblewrap >/dev/null && exit 0
fi
echo "note: bubblewrap (bwrap) is not installed; the self-check runs your code without" \\
     "namespace isolation. On Debian or Ubuntu: sudo apt-get install bubblewrap" >&2
exit 0
"""


def _readme(config: AssignmentConfig, public: int, hidden: int) -> str:
    package = "common/" if config.flavour == "classes" else "cs231n/"
    notebook = (
        "" if config.flavour == "classes" else
        "\nIn a notebook, one line in a cell checks the code as saved on disk, in a fresh\n"
        "process (so a kernel that still holds old code cannot fool it):\n\n"
        "```python\nfrom grader import check\ncheck(\"dropout_forward\")   # or check() for all\n"
        "```\n"
    )  # fmt: skip
    return f"""\
# {config.name}

Fill in the `TODO`s in `{package}`{" and answer the notebooks' questions" if notebook else ""}.

## Check your work before the deadline

```
make check               # every public check on your {package}
make check PART=dropout_forward
make list                # the public checks
```

The self-check grades your code with the same checks, sandbox and diagnoses
as the real grade, on fixed inputs: for each check it says whether it
passes, and for a failure what is wrong, the likely misconception and a
hint. {public} checks are public; {hidden} more are graded after the deadline
only, and the inline questions are read by the course staff.
{notebook}
A check shown as *not available* could not be decided here (its expected
answer depends on what your own code returned); it is graded after the
deadline and costs you nothing in the self-check.

The self-check is for you: its result is not your grade. The real grade runs
the same checks, and the hidden ones, on inputs of its own.
"""
