"""Hostile submissions as data: what each attack tries, the defence that
contains it, what the report shows, how its submission is built, and what a
grade of it must (and must not) give.

Each ``Attack`` is the reference solution with one piece of student code
added (``code``, placed at the start of a function, in place of its body, or
at import), or a whole submission built by ``archive``. The code is a
``string.Template``: ``$SENTINEL``, ``$CREATE``, ``$CLASSMATE``, ``$OUT``,
``$REFERENCE``, ``$GRADER``, ``$NUMPY_INIT``, ``$PORT``, ``$ABSTRACT`` and
``$MARKER`` name the host's things it goes after (see ``Context``); all of
them live in pytest's temporary folder but the repository's own files, which
are only ever read or opened for appending from inside the sandbox.

Attacks of one ``group`` that touch different functions share one grade:
their changes are applied together and the grade selects all their checks.
``tests/hostile/test_hostile.py`` grades every group end to end in the real
sandbox and asserts the four promises (no points gained, host untouched,
grading goes on, containment recorded); ``docs/hostile.md`` is ``doc()``,
kept equal by a test. Regenerate it with ``python -m tests.hostile.attacks``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from tests.hostile.runner import GroupRun

#: The module of the reference package that defines each function attacks use.
FILE_OF = {
    "affine_forward": "cs231n/layers.py",
    "relu_forward": "cs231n/layers.py",
    "softmax_loss": "cs231n/layers.py",
    "dropout_forward": "cs231n/layers.py",
    "dropout_backward": "cs231n/layers.py",
    "sgd_momentum": "cs231n/optim.py",
    "rmsprop": "cs231n/optim.py",
    "adam": "cs231n/optim.py",
    "adagrad": "cs231n/optim.py",
}

#: The checks (pytest -k) that call each function.
KEYWORD_OF = {
    "affine_forward": "layers.affine_forward",
    "relu_forward": "layers.relu",
    "softmax_loss": "layers.softmax_loss",
    "dropout_forward": "dropout_forward",
    "dropout_backward": "dropout_backward",
    "sgd_momentum": "optim.sgd_momentum",
    "rmsprop": "optim.rmsprop",
    "adam": "optim.adam",
    "adagrad": "optim.adagrad",
}

#: dropout_forward that never drops a unit: an honest but wrong layer, for the
#: attacks that try to pass its failing checks by other means.
NO_DROPPING = (
    "cs231n/layers.py",
    "        mask = (np.random.rand(*x.shape) < p) / p\n",
    "        mask = np.ones_like(x)\n",
)


@dataclass(frozen=True)
class Context:
    """The host's things an attack goes after, for one group's grade."""

    sentinel: Path  # a file outside the sandbox that must stay as it is
    create: Path  # a file outside the sandbox that must not come to exist
    classmate: Path  # another student's submission folder (cs231n/ inside)
    out: Path  # the folder the CLI writes report.json to
    reference: Path  # the reference solution's layers.py
    grader: Path  # a module of the grader package
    numpy_init: Path  # the numpy package the sandbox binds
    port: int  # a TCP listener on the host's 127.0.0.1
    abstract: str  # an abstract UNIX socket listening on the host
    marker: str  # in the name of every process the attack starts

    def substitutions(self) -> dict[str, str]:
        return {
            "SENTINEL": str(self.sentinel),
            "CREATE": str(self.create),
            "CLASSMATE": str(self.classmate),
            "OUT": str(self.out),
            "REFERENCE": str(self.reference),
            "GRADER": str(self.grader),
            "NUMPY_INIT": str(self.numpy_init),
            "PORT": str(self.port),
            "ABSTRACT": self.abstract,
            "MARKER": self.marker,
        }


@dataclass(frozen=True)
class Attack:
    """One hostile submission and what grading it must give."""

    name: str
    #: What it tries, the defence that contains it, and what the report shows.
    tries: str
    defence: str
    shows: str
    #: The student's code (a string.Template over Context.substitutions).
    code: str = ""
    #: Where it goes: a function of FILE_OF, or "<import>" (top of layers.py,
    #: run at import) or "<end>" (appended to layers.py).
    where: str = "dropout_forward"
    #: "prepend" runs the code, then the honest body; "replace" is the whole body.
    mode: Literal["prepend", "replace"] = "prepend"
    #: "zero": every check the attack targets scores 0. "equal": each scores
    #: exactly what the honest part alone scores (the attack changes nothing).
    rule: Literal["zero", "equal"] = "zero"
    #: The checks the attack targets (pytest -k); default: those of ``where``.
    keyword: str = ""
    #: Targeted checks the attack leaves as the honest part has them (with rule
    #: "zero"), e.g. dropout_forward.no_side_effects for code that returns
    #: garbage but never touches its inputs.
    spared: tuple[str, ...] = ()
    #: A regular expression the report must hold (output, events or the
    #: targeted checks' messages): proof that the attack's code ran.
    ran: str = ""
    #: How many times ``ran`` must match at least.
    ran_count: int = 1
    #: A regular expression the report's events or the targeted checks'
    #: messages must hold: the containment, recorded in words.
    contained: str = ""
    #: Changes of the honest part beside the reference, as (file, old, new).
    honest: tuple[tuple[str, str, str], ...] = ()
    #: Attacks of one group share one grade (default: the attack alone).
    group: str = ""
    #: Environment of the grade (GRADER_CALL_SECONDS, ...).
    env: Mapping[str, str] = field(default_factory=dict)
    #: The sandbox's memory limit for the grade, MiB (default: the config's).
    memory_mb: int | None = None
    #: Graded through `python -m grader grade --out`, the report read back from disk.
    cli: bool = False
    #: Builds the whole submission instead of ``code`` (zip slips, symlinks, ...).
    archive: Callable[[Path, Context], Path] | None = None
    #: A regular expression: the submission is refused before any of its code runs.
    rejected: str = ""
    #: Run the code unsandboxed, against throwaway copies of the host's
    #: things, to show it does damage there (only for code that touches
    #: nothing but Context's paths).
    unsandboxed: bool = False
    #: Further assertions on the group's run.
    extra: Callable[[GroupRun, Attack], None] | None = None
    #: Takes more than 5 s (marked slow).
    slow: bool = False

    @property
    def group_name(self) -> str:
        return self.group or self.name

    @property
    def checks(self) -> str:
        """The -k expression of the checks this attack targets."""
        if self.keyword:
            return self.keyword
        return KEYWORD_OF.get(self.where, "dropout_forward")

    def targets(self, check_id: str) -> bool:
        """Does this attack target the check?"""
        if check_id in self.spared:
            return False
        return any(
            check_id == word or check_id.startswith(word + ".")
            for word in re.split(r"\s+or\s+", self.checks)
        )


def doc() -> str:
    """docs/hostile.md: one row per attack."""
    lines = [
        "# Hostile submissions",
        "",
        "Every attack below is a submission graded end to end in the real sandbox by",
        "`tests/hostile/` (`make test`; `.venv/bin/python -m pytest tests/hostile`). For",
        "each the suite asserts that it gains no points it did not earn, that the host is",
        "untouched (files outside the sandbox, the reference, the grader, another",
        "student's folder, no process left running), that an honest grade right after it",
        "gets full marks, and that what the sandbox contained is in the report in words.",
        "As in a batch, each attack is graded by a worker that a zygote sandbox forked",
        "(grader.sandbox.launcher.Zygote), and the honest grade right after it on the same",
        "sandbox when the attack keeps the default limits: what one student's code leaves",
        "behind must not reach the next student's grade. `tests/grader/sandbox/test_zygote.py`",
        "adds the attacks on the zygote itself (reading or tracing it, killing or stopping",
        "it, leaving locked folders or System V queues and semaphores) and a submission",
        "that sabotages its own grade if it finds any trace of the one before.",
        "This file is generated from `tests/hostile/attacks/` (`python -m",
        "tests.hostile.attacks > docs/hostile.md`) and a test keeps the two equal.",
        "",
        f"{len(ATTACKS)} attacks.",
        "",
    ]
    for title, attacks in _by_category():
        lines += [
            f"## {title}",
            "",
            "| attack | what it tries | the defence | what the report shows |",
            "|---|---|---|---|",
        ]
        for a in attacks:
            cells = [f"`{a.name}`", a.tries, a.defence, a.shows]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)


def _by_category() -> list[tuple[str, tuple[Attack, ...]]]:
    from . import archives, crashes, filesystem, forgery, lingering, network, resources, values

    return [
        (module.TITLE, module.ATTACKS)
        for module in (
            forgery,
            crashes,
            values,
            resources,
            filesystem,
            network,
            lingering,
            archives,
        )
    ]


def _all() -> tuple[Attack, ...]:
    attacks = tuple(a for _, group in _by_category() for a in group)
    names = [a.name for a in attacks]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"attack names must be unique: {sorted(duplicates)}")
    return attacks


ATTACKS: tuple[Attack, ...] = _all()
