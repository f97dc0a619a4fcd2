"""Which edition of the grader this is: the instructors' grader, or the
student release (``make release``) that students run ``make check`` with.

The release is this package with the solution-bearing parts left out (the
oracles, the hidden checks, the rubric) and one folder added,
``grader/recorded/``: ``manifest.json`` (what the release holds) and
``answers.npz`` (the expected answers of its public checks, recorded on
fixed inputs; see grader.oracle). That folder is what makes a grader the
release; the instructors' repository never has one.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

#: The release's own folder inside the package.
RECORDED = Path(__file__).resolve().parent / "recorded"
MANIFEST = "manifest.json"
ANSWERS = "answers.npz"


@dataclass(frozen=True)
class Release:
    """What a student release holds (its manifest.json)."""

    seed: int  # the seed of the checks' inputs, the one the answers were recorded at
    public: tuple[str, ...]  # the ids of the checks it ships, in the assignment's order
    hidden: int  # how many checks are graded after the deadline only
    hidden_points: float
    built_from: str  # the grader version it was built from

    def to_json(self) -> str:
        return json.dumps(
            {
                "seed": self.seed,
                "public": list(self.public),
                "hidden": self.hidden,
                "hidden_points": self.hidden_points,
                "built_from": self.built_from,
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> Release:
        data = json.loads(text)
        return cls(
            seed=int(data["seed"]),
            public=tuple(str(i) for i in data["public"]),
            hidden=int(data["hidden"]),
            hidden_points=float(data["hidden_points"]),
            built_from=str(data.get("built_from", "")),
        )


@functools.cache
def release() -> Release | None:
    """The release's manifest when this grader is the student release, else None."""
    path = RECORDED / MANIFEST
    if not path.is_file():
        return None
    return Release.from_json(path.read_text(encoding="utf-8"))


def answers_path() -> Path | None:
    """The release's recorded answers, when this grader is the student release."""
    return RECORDED / ANSWERS if release() is not None else None
