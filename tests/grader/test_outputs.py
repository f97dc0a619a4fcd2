"""Notebook outputs against the submitted code: honest outputs agree under
any masks, stale or typed-in ones are flagged, odd notebooks never crash."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grader import load_cs231n, reference_root, template_root
from grader.grade import grade
from grader.outputs import compare, printed_numbers
from grader.proxy import StudentProxy
from tests.grader.conftest import MakeSubmission

TEMPLATE = template_root() / "Dropout.ipynb"
FORWARD_CELL, BACKWARD_CELL = 5, 7
KEEP_AS_DROP = (
    "layers.py",
    "        mask = (np.random.rand(*x.shape) < p) / p\n",
    "        mask = (np.random.rand(*x.shape) >= p) / (1 - p)\n",
)


def forward_text(mask_seed: int, layers: object) -> str:
    np.random.seed(231)
    x = np.random.randn(500, 500) + 10
    np.random.seed(mask_seed)  # the masks' draws differ from run to run
    out = io.StringIO()
    with redirect_stdout(out):
        for p in [0.25, 0.4, 0.7]:
            out_train, _ = layers.dropout_forward(x, {"mode": "train", "p": p})  # type: ignore[attr-defined]
            out_test, _ = layers.dropout_forward(x, {"mode": "test", "p": p})  # type: ignore[attr-defined]
            print(f"Running tests with p = {p}")
            print(f"Mean of input:                             {x.mean():.4f}")
            print(f"Mean of train-time output:                 {out_train.mean():.4f}")
            print(f"Mean of test-time output:                  {out_test.mean():.4f}")
            print(f"Fraction of train-time output set to zero: {np.mean(out_train == 0):.4f}")
            print(f"Fraction of test-time output set to zero:  {np.mean(out_test == 0):.4f}")
            print()
    return out.getvalue()


def backward_text(layers: object) -> str:
    ref = load_cs231n(reference_root(), alias="grader_reference_outputs")
    np.random.seed(231)
    x = np.random.randn(10, 10) + 10
    dout = np.random.randn(10, 10)
    param = {"mode": "train", "p": 0.6, "seed": 123}
    _, cache = layers.dropout_forward(x, param)  # type: ignore[attr-defined]
    dx = layers.dropout_backward(dout, cache)  # type: ignore[attr-defined]
    dx_num = ref.gradient_check.eval_numerical_gradient_array(
        lambda v: layers.dropout_forward(v, param)[0],
        x,
        dout,  # type: ignore[attr-defined]
    )
    return f"dx relative error: {ref.gradient_check.rel_error(dx, dx_num):.2e}\n"


def with_outputs(texts: dict[int, str], version: int = 4) -> bytes:
    book = nbformat.read(str(TEMPLATE), as_version=4)
    for index, text in texts.items():
        book.cells[index].outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    if version == 3:
        return nbformat.writes(nbformat.convert(book, 3)).encode()
    return nbformat.writes(book).encode()


@pytest.fixture(scope="module")
def reference_layers() -> object:
    return load_cs231n(reference_root(), alias="grader_reference_outputs").layers


@pytest.fixture(scope="module")
def reference_proxy() -> StudentProxy:
    proxy = StudentProxy(reference_root())
    yield proxy  # type: ignore[misc]
    proxy.close()


def test_honest_outputs_agree_whatever_the_masks(
    reference_layers: object, reference_proxy: StudentProxy
) -> None:
    backward = backward_text(reference_layers)
    for seed in range(20):
        book = with_outputs({FORWARD_CELL: forward_text(seed, reference_layers),
                             BACKWARD_CELL: backward})  # fmt: skip
        checks = compare(reference_proxy, {"Dropout.ipynb": book})
        assert len(checks) == 3 * 4 + 1
        assert {c.verdict for c in checks} == {"consistent"}, [c for c in checks if c.note]


def test_outputs_of_a_fixed_bug_are_flagged(
    reference_layers: object, make_submission: MakeSubmission, tmp_path: Path
) -> None:
    # The student ran the notebook with p as the drop probability, then fixed the code.
    buggy = load_cs231n(make_submission(KEEP_AS_DROP), alias="grader_buggy_outputs").layers
    book = with_outputs({FORWARD_CELL: forward_text(0, buggy)})
    proxy = StudentProxy(reference_root())
    try:
        checks = compare(proxy, {"Dropout.ipynb": book})
    finally:
        proxy.close()
    flagged = {c.label for c in checks if c.verdict == "mismatch"}
    assert "train zeros (p = 0.25)" in flagged and "train zeros (p = 0.7)" in flagged
    assert "train zeros (p = 0.4)" in flagged
    # The test-time numbers do not depend on the bug.
    assert not any(label.startswith("test") for label in flagged)


def test_typed_in_numbers_are_flagged(
    reference_layers: object, reference_proxy: StudentProxy
) -> None:
    text = forward_text(0, reference_layers)
    forged = text.replace(
        "Mean of train-time output:                 ",
        "Mean of train-time output:                 1",
        1,
    )
    book = with_outputs({FORWARD_CELL: forged, BACKWARD_CELL: "dx relative error: 4.20e-01\n"})
    checks = compare(reference_proxy, {"Dropout.ipynb": book})
    flagged = {c.label for c in checks if c.verdict == "mismatch"}
    assert flagged == {"train mean (p = 0.25)", "dx relative error"}


def test_a_changed_input_is_not_compared(
    reference_layers: object, reference_proxy: StudentProxy
) -> None:
    text = forward_text(0, reference_layers).replace(
        "Mean of input:                             10.", "Mean of input: 11."
    )
    checks = compare(reference_proxy, {"Dropout.ipynb": with_outputs({FORWARD_CELL: text})})
    assert [c.verdict for c in checks] == ["not rerun"]
    assert "input was changed" in checks[0].note


def test_historic_wording_and_old_nbformat(reference_layers: object) -> None:
    historic = (
        "Running tests with p =  0.3\nMean of input:  10.0002\n"
        "Mean of train-time output:  10.0087\nMean of test-time output:  10.0002\n"
        "Fraction of train-time output set to zero:  0.7002\n"
        "Fraction of test-time output set to zero:  0.0\n"
    )
    numbers = printed_numbers(with_outputs({FORWARD_CELL: historic}, version=3))
    assert [(n.p, n.label) for n in numbers][:2] == [(0.3, "input mean"), (0.3, "train mean")]
    assert len(numbers) == 5


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b"[]",
        b'{"cells": "no"}',
        b'{"cells": [{"cell_type": "code", "outputs": [1, {"text": 5}]}]}',
    ],
)
def test_odd_notebooks_have_no_numbers(content: bytes) -> None:
    assert printed_numbers(content) == []


def test_a_crashing_function_is_not_rerun(
    reference_layers: object, make_submission: MakeSubmission
) -> None:
    crash = (KEEP_AS_DROP[0], KEEP_AS_DROP[1], '        raise RuntimeError("boom")\n')
    proxy = StudentProxy(make_submission(crash))
    try:
        book = with_outputs({FORWARD_CELL: forward_text(0, reference_layers),
                             BACKWARD_CELL: backward_text(reference_layers)})  # fmt: skip
        checks = compare(proxy, {"Dropout.ipynb": book})
    finally:
        proxy.close()
    assert {c.verdict for c in checks} == {"not rerun"}, checks
    assert "boom" in checks[0].note


def test_grade_reports_a_mismatch_as_a_warning_and_no_penalty(
    reference_layers: object, make_submission: MakeSubmission
) -> None:
    buggy = load_cs231n(make_submission(KEEP_AS_DROP), alias="grader_buggy_outputs2").layers
    root = make_submission()
    (root / "Dropout.ipynb").write_bytes(with_outputs({FORWARD_CELL: forward_text(0, buggy)}))
    report = grade(root, keyword="dropout_forward", seed=1)
    assert report.score == sum(c.max_points for c in report.checks)
    assert any(o.verdict == "mismatch" for o in report.outputs)
    assert any("do not match the submitted code" in w for w in report.warnings)
