"""Notebook outputs against the submitted code.

A notebook handed in with its outputs shows what the dropout cells printed
when the student last ran them. If the code changed since, those numbers
may no longer be what the submitted code gives. This module finds the
printed numbers of the two dropout cells, runs the same computation on the
submitted code in the sandbox, and says, for each number, whether the two
agree. A mismatch is evidence for a person (a stale notebook, or numbers
typed in), never a penalty: it changes no score.

The cells, recognised by what they print (our template's wording and the
course's, which are the same labels with different spacing):

- the forward cell: ``x = randn(500, 500) + 10`` after ``np.random.seed(231)``,
  then for each p, the means and zero fractions of the train-time and
  test-time outputs. The same x is made here; the student's
  ``dropout_forward`` runs in the sandbox with the p the cell printed.
- the backward cell: ``dx relative error`` of ``dropout_backward`` against a
  numeric gradient of the student's own seeded forward pass, on the cell's
  10x10 input; recomputed here the same way through the sandbox.

When the printed mean of the input differs from the template's, the
student changed the cell's input, and its numbers are not compared.

False flags. The train-time numbers depend on the random mask, so the
printed and re-run values are two independent draws. A zero fraction over
n = 250,000 units has standard deviation sqrt(q(1 - q) / n) <= 0.001, and a
mean has the output's standard deviation over sqrt(n); a flag needs a
difference above 8 * sqrt(2) standard deviations plus the printing's
rounding (5e-5), a normal tail below 1e-15 per number. Test-time numbers are
deterministic and compared to the printing's rounding. A relative error is
flagged only when one side is below 1e-6 (a correct gradient) and the other
above 1e-3 (a wrong one), orders of magnitude no re-run can move.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from .proxy import StudentError, StudentProxy
from .report import OutputCheck

NUMBER = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf)"
P_LINE = re.compile(r"Running tests with p\s*=\s*" + NUMBER)
LABELS = {
    "input mean": re.compile(r"Mean of input:\s*" + NUMBER),
    "train mean": re.compile(r"Mean of train-time output:\s*" + NUMBER),
    "test mean": re.compile(r"Mean of test-time output:\s*" + NUMBER),
    "train zeros": re.compile(r"Fraction of train-time output set to zero:\s*" + NUMBER),
    "test zeros": re.compile(r"Fraction of test-time output set to zero:\s*" + NUMBER),
}
DX_LINE = re.compile(r"dx relative error:\s*" + NUMBER)
ROUNDING = 5e-5  # the cell prints four decimals
SIGMAS = 8.0
GOOD, BAD = 1e-6, 1e-3


def cell_outputs(content: bytes) -> list[tuple[int, str]]:
    """(cell index, printed text) of each code cell with text output, for any
    nbformat version; an unreadable notebook has none."""
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return []
    if not isinstance(data, dict):
        return []
    cells = data.get("cells")
    if not isinstance(cells, list):
        sheets = data.get("worksheets")
        sheets = sheets if isinstance(sheets, list) else []
        cells = [c for ws in sheets if isinstance(ws, dict) for c in ws.get("cells", []) or []]
    found = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        texts = []
        for output in cell.get("outputs", []) or []:
            if not isinstance(output, dict):
                continue
            text = output.get("text")
            data_field = output.get("data")
            if text is None and isinstance(data_field, dict):
                text = data_field.get("text/plain")
            if isinstance(text, list):
                text = "".join(str(t) for t in text)
            if isinstance(text, str):
                texts.append(text)
        if texts:
            found.append((index, "".join(texts)))
    return found


@dataclass(frozen=True)
class Printed:
    cell: int
    p: float | None  # None for the backward cell
    label: str
    value: float


def printed_numbers(content: bytes) -> list[Printed]:
    """The dropout cells' printed numbers, in the order printed."""
    found: list[Printed] = []
    for cell, text in cell_outputs(content):
        p: float | None = None
        for line in text.splitlines():
            if match := P_LINE.search(line):
                p = float(match.group(1))
                continue
            if match := DX_LINE.search(line):
                found.append(Printed(cell, None, "dx relative error", float(match.group(1))))
                continue
            for label, pattern in LABELS.items():
                if p is not None and (match := pattern.search(line)):
                    found.append(Printed(cell, p, label, float(match.group(1))))
    return found


def forward_input() -> np.ndarray:
    """The forward cell's x: np.random.seed(231); randn(500, 500) + 10."""
    return np.random.RandomState(231).randn(500, 500) + 10


def backward_inputs() -> tuple[np.ndarray, np.ndarray]:
    """The backward cell's x and dout, after np.random.seed(231)."""
    rng = np.random.RandomState(231)
    x = rng.randn(10, 10) + 10
    return x, rng.randn(10, 10)


def _output(value: Any, shape: tuple[int, ...]) -> np.ndarray:
    if not isinstance(value, tuple) or len(value) != 2:
        raise ValueError("dropout_forward did not return (out, cache)")
    out = value[0]
    if not isinstance(out, np.ndarray) or out.shape != shape:
        raise ValueError("dropout_forward's output is not an array of the input's shape")
    return out.astype(np.float64)


def _forward_checks(
    proxy: StudentProxy, notebook: str, numbers: list[Printed]
) -> list[OutputCheck]:
    x = forward_input()
    n = x.size
    checks: list[OutputCheck] = []
    inputs = [v for v in numbers if v.label == "input mean"]
    if inputs and any(abs(v.value - x.mean()) > ROUNDING * 2 for v in inputs):
        return [
            OutputCheck(
                notebook,
                numbers[0].cell,
                "forward cell",
                "",
                "",
                "not rerun",
                "the printed mean of the input is not the template's: the cell's "
                "input was changed, so its numbers are not compared",
            )
        ]
    runs: dict[float, dict[str, float] | str] = {}
    for v in numbers:
        if v.label == "input mean" or v.p is None:
            continue
        if v.p not in runs:
            try:
                train = _output(
                    proxy.call("layers.dropout_forward", x, {"mode": "train", "p": v.p}), x.shape
                )
                test = _output(
                    proxy.call("layers.dropout_forward", x, {"mode": "test", "p": v.p}), x.shape
                )
                q = float(np.mean(train == 0))
                runs[v.p] = {
                    "train mean": float(train.mean()),
                    "train mean sd": float(train.std()) / math.sqrt(n),
                    "train zeros": q,
                    "train zeros sd": math.sqrt(q * (1 - q) / n),
                    "test mean": float(test.mean()),
                    "test zeros": float(np.mean(test == 0)),
                }
            except (StudentError, ValueError) as exc:
                runs[v.p] = str(getattr(exc, "message", exc))
        run = runs[v.p]
        label = f"{v.label} (p = {v.p:g})"
        if isinstance(run, str):
            checks.append(
                OutputCheck(notebook, v.cell, label, f"{v.value:.4f}", "", "not rerun", run)
            )
            continue
        again = run[v.label]
        if v.label.startswith("train"):
            allowed = SIGMAS * math.sqrt(2) * run[f"{v.label} sd"] + ROUNDING
        else:
            allowed = ROUNDING * 2
        agree = math.isfinite(v.value) and abs(v.value - again) <= allowed
        note = (
            ""
            if agree
            else (
                f"printed {v.value:.4f}, but the submitted code gives {again:.4f} "
                f"(more than {allowed:.4f} apart)"
            )
        )
        checks.append(
            OutputCheck(
                notebook,
                v.cell,
                label,
                f"{v.value:.4f}",
                f"{again:.4f}",
                "consistent" if agree else "mismatch",
                note,
            )
        )
    return checks


def _backward_check(proxy: StudentProxy, notebook: str, printed: Printed) -> OutputCheck:
    x, dout = backward_inputs()
    param = {"mode": "train", "p": 0.6, "seed": 123}
    label = "dx relative error"
    try:
        value = proxy.call("layers.dropout_forward", x, dict(param))
        _output(value, x.shape)
        dx = proxy.call("layers.dropout_backward", dout, value[1])
        if not isinstance(dx, np.ndarray) or dx.shape != x.shape:
            raise ValueError("dropout_backward did not return an array of dout's shape")
        numeric = np.zeros_like(x)
        h = 1e-5
        for index in np.ndindex(x.shape):
            sides = []
            for sign in (1, -1):
                nudged = x.copy()
                nudged[index] += sign * h
                out = _output(proxy.call("layers.dropout_forward", nudged, dict(param)), x.shape)
                sides.append(float(np.sum(out * dout)))
            numeric[index] = (sides[0] - sides[1]) / (2 * h)
    except (StudentError, ValueError) as exc:
        return OutputCheck(
            notebook,
            printed.cell,
            label,
            f"{printed.value:.2e}",
            "",
            "not rerun",
            str(getattr(exc, "message", exc)),
        )
    with np.errstate(all="ignore"):
        error = float(np.max(np.abs(dx - numeric) / np.maximum(1e-8, np.abs(dx) + np.abs(numeric))))
    apart = (printed.value < GOOD and not error < BAD) or (error < GOOD and not printed.value < BAD)
    note = (
        f"printed {printed.value:.2e}, but the submitted code gives {error:.2e}: one says the "
        "gradient is right, the other that it is wrong"
        if apart
        else ""
    )
    return OutputCheck(
        notebook,
        printed.cell,
        label,
        f"{printed.value:.2e}",
        f"{error:.2e}",
        "mismatch" if apart else "consistent",
        note,
    )


def compare(proxy: StudentProxy, notebooks: dict[str, bytes]) -> list[OutputCheck]:
    """Every dropout cell's printed number in ``notebooks`` (name -> content)
    against the submitted code, run through ``proxy``."""
    checks: list[OutputCheck] = []
    for name, content in notebooks.items():
        numbers = printed_numbers(content)
        forward = [v for v in numbers if v.label != "dx relative error"]
        if forward:
            checks += _forward_checks(proxy, name, forward)
        for v in numbers:
            if v.label == "dx relative error":
                checks.append(_backward_check(proxy, name, v))
                break  # the cell prints it once
    return checks
