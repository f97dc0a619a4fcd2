"""The one place checks and misconceptions are declared.

A check is a pytest test in ``grader/checks/`` decorated with ``@check``; a
misconception is a function decorated with ``@misconception`` that reads the
evidence the checks gathered and says whether the student's code shows it.
The report, ``python -m grader checks``, ``python -m grader misconceptions``
and the docs all read these two tables; adding either is one decorated
function and one test, with no edit elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

F = TypeVar("F", bound=Callable[..., Any])

#: What the checks measured, by probe name; misconceptions read it.
Evidence = dict[str, Any]


@dataclass(frozen=True)
class CheckSpec:
    """A gradable check: its id, the part of the assignment, its points."""

    id: str
    part: str
    title: str
    points: float
    public: bool
    module: str = ""
    order: int = 0  # declaration order, which within a module is the assignment's


@dataclass(frozen=True)
class Misconception:
    """A named mistake, recognised from evidence when a check fails."""

    code: str
    title: str
    explanation: str
    hint: str
    checks: tuple[str, ...]
    detect: Callable[[Evidence], bool]

    def shown(self, evidence: Evidence) -> bool:
        """Does the evidence show this mistake? A detector that raises says no:
        it never takes a grade down with it."""
        try:
            return bool(self.detect(evidence))
        except Exception:
            return False


CHECKS: dict[str, CheckSpec] = {}
MISCONCEPTIONS: dict[str, Misconception] = {}


def check(id: str, *, points: float, title: str, public: bool = True) -> Callable[[F], F]:
    """Declare the decorated pytest test as the gradable check ``id``.

    ``id`` is ``part.name``, e.g. ``dropout_forward.keep_fraction``.
    """
    part = id.split(".", 1)[0]

    def decorate(test: F) -> F:
        from .edition import release

        shipped = release()
        if shipped is not None and id not in shipped.public:
            return test  # the student release grades its public checks only
        known = CHECKS.get(id)
        order = known.order if known is not None else len(CHECKS)
        spec = CheckSpec(id, part, title, points, public, test.__module__, order)
        if known is not None and known != spec:
            raise ValueError(f"check id {id!r} is declared twice")
        CHECKS[id] = spec
        marked: F = pytest.mark.grader_check(id=id)(test)
        return marked

    return decorate


def misconception(
    code: str, *, title: str, explanation: str, hint: str, checks: tuple[str, ...]
) -> Callable[[Callable[[Evidence], bool]], Callable[[Evidence], bool]]:
    """Declare the decorated function as the detector of ``code``.

    It is called with the evidence when one of ``checks`` fails, and
    returns True when the evidence shows this mistake. It must return False
    (not raise) when evidence it needs is missing.
    """

    def decorate(detect: Callable[[Evidence], bool]) -> Callable[[Evidence], bool]:
        known = MISCONCEPTIONS.get(code)
        if known is not None and known.detect.__qualname__ != detect.__qualname__:
            raise ValueError(f"misconception {code!r} is declared twice")
        MISCONCEPTIONS[code] = Misconception(code, title, explanation, hint, checks, detect)
        return detect

    return decorate


def diagnose(check_id: str, evidence: Evidence) -> list[Misconception]:
    """The misconceptions the evidence shows, among those tied to check_id."""
    found = []
    for item in MISCONCEPTIONS.values():
        if check_id in item.checks and item.shown(evidence):
            found.append(item)
    return found


def module_rank(module: str) -> int:
    """The place of the check module named ``module`` (``grader.checks.NAME``,
    or however pytest imported it) in the assignment's order,
    grader.checks.ALL_MODULES; any other module comes after them."""
    from .checks import ALL_MODULES

    name = module.rsplit(".", 1)[-1]
    return ALL_MODULES.index(name) if name in ALL_MODULES else len(ALL_MODULES)


def ordered_checks() -> list[CheckSpec]:
    """Every check, in the order of the assignment: module by module as
    grader.checks.ALL_MODULES lists them, then as declared."""
    load_all()
    return sorted(CHECKS.values(), key=lambda s: (module_rank(s.module), s.order))


def load_all() -> None:
    """Import every check module, which fills both tables."""
    from .checks import ALL_MODULES

    for module in ALL_MODULES:
        __import__(f"grader.checks.{module}")
