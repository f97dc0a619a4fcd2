"""The grade report carries the inline answers, apart from the checks' score."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from grader import REPO_ROOT
from grader.grade import grade
from grader.render import html, terminal
from tests.questions.test_extract import MARKED_Q, notebook

GOOD = (
    "At training time the expected output is p*x, smaller than x. At test time the "
    "output is x, larger than what the next layer saw in training. <script>x()</script>"
)


def test_report_answers_of_the_example_submission() -> None:
    report = grade(REPO_ROOT / "examples/submissions/reference.zip", keyword="optim.adam")
    assert {a.question for a in report.answers} == {
        "dropout_no_rescale",
        "dropout_regularization",
        "dropout_hidden_size",
        "adagrad_shrinking_steps",
        "momentum_vs_sgd",
    }
    assert report.score == report.max_score  # answers are not in the score
    assert "Inline questions" in terminal.render(report)


def test_report_auto_scored_answer_shows_and_is_escaped(tmp_path: Path) -> None:
    with zipfile.ZipFile(REPO_ROOT / "examples/submissions/reference.zip") as z:
        z.extractall(tmp_path / "s")
    cell = f"<!-- answer: dropout_no_rescale -->\n**Your Answer:** {GOOD}"
    (tmp_path / "s" / "Dropout.ipynb").write_bytes(
        notebook(("markdown", MARKED_Q), ("markdown", cell))
    )
    shutil.rmtree(tmp_path / "s" / "cs231n" / "__pycache__", ignore_errors=True)
    report = grade(tmp_path / "s", keyword="optim.adam")
    answer = next(a for a in report.answers if a.question == "dropout_no_rescale")
    assert answer.auto and answer.suggested == answer.max_points == 2
    page = html.render(report)
    assert "scored by the rubric" in page
    assert "<script>x()" not in page and "&lt;script&gt;x()" in page
