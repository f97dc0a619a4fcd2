"""The notebooks of ``student_template/``: they run top to bottom on the
reference solution and print what their check cells promise, they ask exactly
the inline questions listed in ``docs/inline_questions.md``, and they are
stored without outputs.

The execution tests are marked ``notebook``; each notebook runs once per test
session (a few seconds), and its wall time is printed (``pytest -s`` shows it).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat import NotebookNode

ROOT = Path(__file__).parents[1]
TEMPLATE = ROOT / "student_template"
REFERENCE = ROOT / "reference"
NOTEBOOKS = ("Dropout.ipynb", "Optimizers.ipynb")
CELL_TIMEOUT = 120  # seconds, per cell

ID = r"[a-z]+(?:_[a-z]+)*"
QUESTION_LINE = re.compile(rf"<!-- question: ({ID}) -->")
ANSWER_LINE = re.compile(rf"<!-- answer: ({ID}) -->")
PLACEHOLDER = "**Your Answer:** *fill this in*"


def documented_questions() -> dict[str, list[str]]:
    """The table of docs/inline_questions.md: notebook name -> question IDs, in order."""
    text = (ROOT / "docs" / "inline_questions.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\|\s*`([^`]+\.ipynb)`\s*\|\s*`([^`]+)`\s*\|", text, flags=re.MULTILINE)
    table: dict[str, list[str]] = {}
    for notebook, question_id in rows:
        table.setdefault(notebook, []).append(question_id)
    return table


def read_template(name: str) -> NotebookNode:
    return nbformat.read(TEMPLATE / name, as_version=nbformat.NO_CONVERT)


def code_cells(nb: NotebookNode) -> list[NotebookNode]:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def stdout_of(cell: NotebookNode) -> str:
    return "".join(
        out.text for out in cell.outputs if out.output_type == "stream" and out.name == "stdout"
    )


def the_cell(nb: NotebookNode, matches: Callable[[NotebookNode], bool], what: str) -> NotebookNode:
    found = [cell for cell in code_cells(nb) if matches(cell)]
    assert len(found) == 1, f"expected exactly one cell that {what}, found {len(found)}"
    return found[0]


def labelled_number(text: str, label: str) -> float:
    match = re.search(rf"^{re.escape(label)}:\s*(\S+)\s*$", text, flags=re.MULTILINE)
    assert match, f"no line {label!r} in:\n{text}"
    return float(match.group(1))


# --- Execution -------------------------------------------------------------


@dataclass
class Executed:
    nb: NotebookNode
    seconds: float


def execute_on_reference(name: str, workdir: Path) -> Executed:
    """Run a copy of the template notebook in workdir, importing the reference."""
    shutil.copy(TEMPLATE / name, workdir / name)
    # The kernel starts in workdir, which is first on its sys.path, so the
    # symlink is what `import cs231n` finds; PYTHONPATH says the same for
    # anything that does not start there. Neither can reach the template's own
    # cs231n/, which sits beside the notebook only in student_template/.
    (workdir / "cs231n").symlink_to(REFERENCE / "cs231n", target_is_directory=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        path for path in (str(REFERENCE), env.get("PYTHONPATH")) if path
    )
    # One BLAS thread: with several, a busy machine (other tests, other jobs)
    # can make numpy's matrix products ten times slower.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")

    nb = nbformat.read(workdir / name, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
    )
    start = time.perf_counter()
    client.execute(env=env)
    seconds = time.perf_counter() - start
    print(f"\n{name}: executed on the reference in {seconds:.1f} s")
    return Executed(nb, seconds)


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Executed]:
    """Runs a notebook on first request and keeps the result for the other tests."""
    runs: dict[str, Executed] = {}

    def run(name: str) -> Executed:
        if name not in runs:
            workdir = tmp_path_factory.mktemp(Path(name).stem)
            runs[name] = execute_on_reference(name, workdir)
        return runs[name]

    return run


@pytest.mark.notebook
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_on_reference_without_errors(
    name: str,
    executed: Callable[[str], Executed],
    record_property: Callable[[str, object], None],
) -> None:
    run = executed(name)
    record_property("execution_seconds", round(run.seconds, 2))
    errors = [
        f"cell {cell.get('id', index)}: {out.ename}: {out.evalue}"
        for index, cell in enumerate(run.nb.cells)
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "error"
    ]
    assert errors == []
    assert all(cell.execution_count is not None for cell in code_cells(run.nb))


@pytest.mark.notebook
def test_dropout_notebook_zero_fractions_match_keep_probability(
    executed: Callable[[str], Executed],
) -> None:
    nb = executed("Dropout.ipynb").nb
    cell = the_cell(
        nb,
        lambda c: "Fraction of train-time output set to zero" in stdout_of(c),
        "prints the dropout statistics",
    )
    # One block per keep probability, each opened by "Running tests with p = ...".
    blocks = re.split(r"^Running tests with p = ", stdout_of(cell), flags=re.MULTILINE)[1:]
    seen = []
    for block in blocks:
        p = float(block.split()[0])
        seen.append(p)
        train_zeros = labelled_number(block, "Fraction of train-time output set to zero")
        test_zeros = labelled_number(block, "Fraction of test-time output set to zero")
        # 250,000 units: the fraction's standard deviation is below 0.001.
        assert train_zeros == pytest.approx(1 - p, abs=0.01), f"p = {p}"
        assert test_zeros == 0, f"p = {p}"
    assert seen == [0.25, 0.4, 0.7]


@pytest.mark.notebook
@pytest.mark.parametrize(
    ("rule", "quantities"),
    [
        pytest.param("sgd_momentum", {"next_w", "velocity"}, id="sgd_momentum"),
        pytest.param("rmsprop", {"next_w", "cache"}, id="rmsprop"),
        pytest.param("adam", {"next_w", "v", "m"}, id="adam"),
        pytest.param("adagrad", {"next_w", "cache"}, id="adagrad"),
    ],
)
def test_optimizers_notebook_check_errors_are_small(
    rule: str, quantities: set[str], executed: Callable[[str], Executed]
) -> None:
    nb = executed("Optimizers.ipynb").nb
    call = re.compile(rf"\b{rule}\(")
    cell = the_cell(nb, lambda c: bool(call.search(c.source)), f"calls {rule}()")
    errors = {
        label: float(value)
        for label, value in re.findall(
            r"^(\w+) error:\s*(\S+)\s*$", stdout_of(cell), flags=re.MULTILINE
        )
    }
    assert set(errors) == quantities
    assert all(error < 1e-6 for error in errors.values()), errors


# --- Stored form -----------------------------------------------------------


def test_template_notebooks_are_the_documented_ones() -> None:
    stored = {
        path.name for path in TEMPLATE.rglob("*.ipynb") if ".ipynb_checkpoints" not in path.parts
    }
    assert stored == set(NOTEBOOKS)
    assert set(documented_questions()) == set(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_template_notebook_is_stored_without_outputs(name: str) -> None:
    nb = read_template(name)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata.kernelspec.name == "python3"
    for cell in code_cells(nb):
        assert cell.outputs == [], f"cell {cell.id} has outputs"
        assert cell.execution_count is None, f"cell {cell.id} has an execution count"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_template_notebook_has_documented_question_markers(name: str) -> None:
    cells = read_template(name).cells
    pairs = []
    for index, cell in enumerate(cells):
        first_line = cell.source.split("\n", 1)[0].strip()
        question = QUESTION_LINE.fullmatch(first_line)
        if not question:
            continue
        assert cell.cell_type == "markdown"
        question_id = question.group(1)
        assert index + 1 < len(cells), f"{question_id}: no answer cell after the question"
        answer = cells[index + 1]
        answer_lines = answer.source.split("\n", 1)
        assert answer.cell_type == "markdown"
        assert answer_lines[0].strip() == f"<!-- answer: {question_id} -->"
        assert answer_lines[1:] == [PLACEHOLDER], f"{question_id}: answer cell is not blank"
        pairs.append(question_id)

    assert pairs == documented_questions()[name]
    # No stray or half markers anywhere else.
    text = "\n".join(cell.source for cell in cells)
    assert len(re.findall(r"<!--\s*question:", text)) == len(pairs)
    assert len(re.findall(r"<!--\s*answer:", text)) == len(pairs)


def test_question_ids_are_unique_across_notebooks() -> None:
    ids = [qid for questions in documented_questions().values() for qid in questions]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(ID, qid) for qid in ids)
