"""The one small assignment every tool grades: dropout_forward and
dropout_backward, and the class of students who hand it in.

The checks are written once, as plain Python lines that end in ``assert``:
Otter-Grader gets them as OK-format doctests (a failed assert is a failed
case), nbgrader as autograded test cells (a failed assert is 0 points). They
need nothing but numpy and the student's two functions in the namespace, so
each tool grades exactly the student's ``cs231n/layers.py`` and nothing else.
Our grader grades the same file inside the student's ``cs231n/`` package
with its own checks, which cover these four (keep fraction, scaling, test
mode, backward against numeric derivatives) and more.
"""

from __future__ import annotations

import io
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUBMISSIONS = ROOT / "examples" / "submissions"
if str(ROOT / "examples") not in sys.path:
    sys.path.insert(0, str(ROOT / "examples"))
from build_submissions import write_zip  # noqa: E402  (reproducible zips, as the examples')


@dataclass(frozen=True)
class Check:
    """One graded check: its points and the lines that assert it."""

    id: str
    points: int
    lines: tuple[str, ...]


_SETUP = (
    "import numpy as np",
    "rng = np.random.RandomState(231)",
    "x = rng.randn(500, 500) + 10",
)

CHECKS = (
    Check(
        "keep_fraction",
        2,
        (
            *_SETUP,
            "fractions = {p: float((dropout_forward(x, {'mode': 'train', 'p': p})[0] != 0)"
            ".mean()) for p in (0.25, 0.4, 0.7)}",
            # 0.01 is ten standard deviations of a fraction of 250,000 units.
            "assert all(abs(f - p) < 0.01 for p, f in fractions.items()), fractions",
        ),
    ),
    Check(
        "scaling",
        2,
        (
            *_SETUP,
            "out = dropout_forward(x, {'mode': 'train', 'p': 0.4})[0]",
            "kept = out != 0",
            "assert np.allclose(out[kept], x[kept] / 0.4), 'kept units are not divided by p'",
        ),
    ),
    Check(
        "test_mode",
        2,
        (
            *_SETUP,
            "out = dropout_forward(x, {'mode': 'test', 'p': 0.4})[0]",
            "assert np.allclose(out, x), 'test mode changes the input'",
        ),
    ),
    Check(
        "backward",
        2,
        (
            "import numpy as np",
            "rng = np.random.RandomState(231)",
            "x = rng.randn(10, 10) + 10",
            "dout = rng.randn(10, 10)",
            "param = {'mode': 'train', 'p': 0.2, 'seed': 123}",
            "dx = dropout_backward(dout, dropout_forward(x, param)[1])",
            "h = 1e-5",
            "units = np.eye(x.size).reshape(x.size, *x.shape)",
            "numeric = np.array([((dropout_forward(x + h * e, param)[0]"
            " - dropout_forward(x - h * e, param)[0]) * dout).sum() / (2 * h)"
            " for e in units]).reshape(x.shape)",
            "error = np.max(np.abs(dx - numeric) / np.maximum(1e-8, np.abs(dx) + np.abs(numeric)))",
            "assert error < 1e-5, error",
        ),
    ),
)

MAX_POINTS = sum(check.points for check in CHECKS)


@dataclass(frozen=True)
class Student:
    """One submission: its name, whether its code is correct, and the
    ``cs231n/`` package it hands in (archive name -> bytes)."""

    name: str
    correct: bool
    package: dict[str, bytes]

    @property
    def layers(self) -> str:
        """The student's ``cs231n/layers.py``: what Otter and nbgrader grade."""
        return self.package["cs231n/layers.py"].decode()

    def write_zip(self, path: Path) -> None:
        """The course's submission zip, ``cs231n/`` at the top (no notebooks:
        the other tools grade no notebook of the student's either)."""
        write_zip(path, self.package)


def package_of(example: str) -> dict[str, bytes]:
    """The ``cs231n/`` files of ``examples/submissions/EXAMPLE.zip``."""
    data = (SUBMISSIONS / f"{example}.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: archive.read(name)
            for name in archive.namelist()
            if name.startswith("cs231n/") and not name.endswith("/")
        }


def students(n: int) -> list[Student]:
    """n students, the first half correct (the reference), the rest with the
    keep-as-drop bug; a comment line makes each one's content its own, so no
    tool (nor our store) can grade one and reuse it for another."""
    kinds = {True: package_of("reference"), False: package_of("keep_as_drop")}
    class_ = []
    for i in range(n):
        correct = i < (n + 1) // 2
        package = dict(kinds[correct])
        package["cs231n/layers.py"] += f"\n# student {i}\n".encode()
        class_.append(Student(f"student_{i:03d}", correct, package))
    return class_
