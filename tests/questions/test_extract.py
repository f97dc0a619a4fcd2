"""Inline-question extraction: our marker and the course's historic formats,
answered, unanswered, missing and malformed, built here cell by cell."""

from __future__ import annotations

import json

import nbformat
import pytest

from grader import template_root
from grader.errors import SubmissionError
from grader.questions.extract import Answer, extract


def notebook(*cells: tuple[str, str], version: int = 4, metadata: bool = True) -> bytes:
    """A notebook of (cell_type, source) cells, as a file's bytes."""
    if version == 4:
        nb = nbformat.v4.new_notebook()
        for kind, source in cells:
            maker = (
                nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
            )
            nb.cells.append(maker(source))
        data = json.loads(nbformat.writes(nb))
        if not metadata:
            data.pop("metadata", None)
            for cell in data["cells"]:
                cell.pop("metadata", None)
        return json.dumps(data).encode()
    # nbformat 3: worksheets, source as a list of lines, heading cells
    v3_cells = []
    for kind, source in cells:
        if kind == "heading":
            v3_cells.append({"cell_type": "heading", "level": 2, "source": [source]})
        elif kind == "markdown":
            v3_cells.append({"cell_type": "markdown", "source": source.splitlines(True)})
        else:
            v3_cells.append({"cell_type": "code", "input": source.splitlines(True)})
    return json.dumps({"nbformat": 3, "worksheets": [{"cells": v3_cells}]}).encode()


def only(content: bytes) -> Answer:
    (answer,) = extract(content, "test.ipynb").answers
    return answer


MARKED_Q = "<!-- question: dropout_no_rescale -->\n## Inline Question 1\n\nWhat goes wrong?"


def test_extract_template_notebooks_find_every_question_unanswered() -> None:
    found = {}
    for name in ("Dropout.ipynb", "Optimizers.ipynb"):
        found.update(extract((template_root() / name).read_bytes(), name).by_id())
    assert set(found) == {
        "dropout_no_rescale",
        "dropout_regularization",
        "dropout_hidden_size",
        "adagrad_shrinking_steps",
        "momentum_vs_sgd",
    }
    assert {a.status for a in found.values()} == {"unanswered"}
    assert all(a.format == "marker" and a.question for a in found.values())


@pytest.mark.parametrize(
    ("answer_cell", "status", "text"),
    [
        (
            "<!-- answer: dropout_no_rescale -->\n**Your Answer:** The scale differs.",
            "answered",
            "The scale differs.",
        ),
        (
            "<!-- answer: dropout_no_rescale -->\n**Your Answer:** *fill this in*",
            "unanswered",
            None,
        ),
        ("<!-- answer: dropout_no_rescale -->\n**Your Answer:**   \n\n", "unanswered", None),
        (
            "<!-- answer: dropout_no_rescale -->\n**Your Answer:** 训练时输出的期望是 p 倍。",
            "answered",
            "训练时输出的期望是 p 倍。",
        ),
        (
            "<!-- answer: dropout_no_rescale -->\nLabel deleted, answer kept.",
            "answered",
            "Label deleted, answer kept.",
        ),
        ("**Your Answer:** answer marker deleted", "answered", "answer marker deleted"),
    ],
    ids=["answered", "placeholder", "empty", "chinese", "label deleted", "marker deleted"],
)
def test_extract_marker_format(answer_cell: str, status: str, text: str | None) -> None:
    answer = only(notebook(("markdown", MARKED_Q), ("markdown", answer_cell)))
    assert answer.question_id == "dropout_no_rescale" and answer.number == 1
    assert answer.status == status
    if text is not None:
        assert answer.text == text


def test_extract_marker_without_any_answer_is_missing_with_a_warning() -> None:
    content = notebook(("markdown", MARKED_Q), ("code", "x = 1"))
    extraction = extract(content, "test.ipynb")
    (answer,) = extraction.answers
    assert answer.status == "missing" and answer.text == ""
    assert "no answer cell" in extraction.warnings[0]


HISTORIC = {
    "bold label, next cell": (
        [
            ("markdown", "## Inline Question 1:\nWhat if we do not divide by p?"),
            ("markdown", "**Your Answer:** train outputs shrink by p"),
        ],
        "historic-next-cell",
    ),
    "same cell": (
        [
            (
                "markdown",
                "**Inline Question 1:**\nWhat if we do not divide by p?\n\n"
                "**Your answer:** train outputs shrink by p",
            )
        ],
        "historic-same-cell",
    ),
    "latex colour label": (
        [
            (
                "markdown",
                "## Inline Question 1\nWhat if we do not divide by p?\n\n"
                "$\\color{blue}{\\textit Your Answer:}$ train outputs shrink by p",
            )
        ],
        "historic-same-cell",
    ),
    "html": (
        [
            (
                "markdown",
                "<font size='4' color='red'>Inline Question 1:</font>\n"
                "What if we do not divide by p?",
            ),
            ("markdown", "<b>Your answer:</b> train outputs shrink by p"),
        ],
        "historic-next-cell",
    ),
}


@pytest.mark.parametrize("version", [4, 3])
@pytest.mark.parametrize("name", sorted(HISTORIC))
def test_extract_historic_formats(name: str, version: int) -> None:
    cells, fmt = HISTORIC[name]
    answer = only(notebook(*cells, version=version))
    assert answer.question_id == "inline_question_1" and answer.number == 1
    assert answer.status == "answered" and answer.format == fmt
    assert answer.text == "train outputs shrink by p"
    assert answer.question.startswith("What if we do not divide by p?")


def test_extract_historic_heading_cell_of_nbformat_3() -> None:
    content = notebook(
        ("heading", "Inline Question 2"),
        ("markdown", "Why does dropout regularize?"),
        ("markdown", "**Your Answer:** it averages many thinned nets"),
        version=3,
    )
    answer = only(content)
    assert answer.number == 2 and answer.status == "missing"  # heading cell holds no label


@pytest.mark.parametrize(
    "placeholder",
    ["*fill this in*", "*Your answer here*", "YOUR ANSWER HERE", "", "$\\color{blue}{}$"],
)
def test_extract_historic_placeholders_are_unanswered(placeholder: str) -> None:
    content = notebook(
        ("markdown", "## Inline Question 1\nWhy?"),
        ("markdown", f"**Your Answer:** {placeholder}"),
    )
    assert only(content).status == "unanswered"


def test_extract_historic_question_without_label_is_missing() -> None:
    content = notebook(
        ("markdown", "## Inline Question 1\nWhy? Explain your answer."),
        ("markdown", "## Inline Question 2\nAnd why not?"),
        ("markdown", "**Your Answer:** because"),
    )
    first, second = extract(content, "test.ipynb").answers
    assert (first.number, first.status) == (1, "missing")
    assert (second.number, second.status, second.text) == (2, "answered", "because")


def test_extract_works_without_metadata() -> None:
    content = notebook(("markdown", MARKED_Q), ("markdown", "**Your Answer:** yes"), metadata=False)
    assert only(content).status == "answered"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"{not json", "not a readable notebook"),
        (b"[1, 2]", "not a notebook"),
        (b'{"nbformat": 4}', "has no cells"),
        (b"\xff\xfe\x00garbage", "not a readable notebook"),
    ],
    ids=["bad json", "json list", "no cells", "bad bytes"],
)
def test_extract_malformed_notebook_says_what_to_do(content: bytes, says: str) -> None:
    with pytest.raises(SubmissionError, match=says):
        extract(content, "broken.ipynb")


def test_extract_notebook_without_questions_warns() -> None:
    extraction = extract(notebook(("code", "print(1)")), "empty.ipynb")
    assert extraction.answers == () and "no inline question" in extraction.warnings[0]
