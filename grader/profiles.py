"""Course-year profiles: the conventions a submission was written for.

The assignment changed over the years, and a submission is graded by the
conventions of the year it was written for:

==============  ==========================  =========================  =======
profile         ``p`` of dropout_forward    FullyConnectedNet keyword  adagrad
==============  ==========================  =========================  =======
course-2017     probability of DROPPING     ``dropout=0`` (0 = off)    no
course-2018     probability of KEEPING      ``dropout=1`` (1 = off)    no
course-2019     probability of KEEPING      ``dropout_keep_ratio=1``   no
template        probability of KEEPING      ``dropout_keep_ratio=1``   yes
classes         probability of KEEPING      ``dropout_keep_ratio=1``   yes
==============  ==========================  =========================  =======

``template`` is this project's own starter code. ``detect`` reads the
submission's source with ``ast`` (never running it): the keyword of
``FullyConnectedNet.__init__`` and its default give the year, the docstring
of ``dropout_forward`` says what ``p`` means, and ``adagrad`` in optim.py
tells the template from course-2019. When the docstring and the code
disagree the code wins and the report says so.

``classes`` grades the class flavour (grader.flavours) through its adapter,
whose function API follows the template's conventions. It skips the checks
that have no counterpart in the class API, and it is the only profile that
grades the parts only the class flavour has (``weight_decay``).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .errors import UsageError

#: Parts of the assignment that only one flavour has, and that flavour.
FLAVOUR_PARTS = {"weight_decay": "classes"}

#: Checks of the function API that have no counterpart in the class flavour:
#: there the adapter, not the student, makes the caches.
NOT_IN_CLASSES = frozenset({"dropout_forward.api", "layers.cache"})

#: The flavours, and the profile that grades each when nothing else says.
FLAVOUR_DEFAULTS = {"functions": "template", "classes": "classes"}


def other_flavours(check_id: str, flavour: str) -> bool:
    """Is the check about a part only another flavour has (FLAVOUR_PARTS)?"""
    part = check_id.split(".", 1)[0]
    return FLAVOUR_PARTS.get(part, flavour) != flavour


def in_flavour(check_id: str, flavour: str) -> bool:
    """Is the check part of the assignment in this flavour at all (whatever
    the course year)?"""
    if other_flavours(check_id, flavour):
        return False
    return not (flavour == "classes" and check_id in NOT_IN_CLASSES)


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    p_means: Literal["keep", "drop"]
    net_keyword: str
    has_adagrad: bool
    flavour: str = "functions"
    skips: frozenset[str] = frozenset()

    def excludes(self, check_id: str) -> bool:
        """Is the check about a part this year's (or this flavour's)
        assignment did not have?"""
        if check_id.startswith("optim.adagrad") and not self.has_adagrad:
            return True
        return check_id in self.skips or other_flavours(check_id, self.flavour)

    def p_for(self, keep: float) -> float:
        """The value of dropout_param['p'] that keeps units with probability ``keep``."""
        return keep if self.p_means == "keep" else 1.0 - keep

    def net_dropout(self, keep: float) -> dict[str, float]:
        """The FullyConnectedNet keyword argument for keep probability ``keep``."""
        return {self.net_keyword: self.p_for(keep)}


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "course-2017",
            "p is the drop probability; FullyConnectedNet(dropout=0) means no dropout",
            "drop",
            "dropout",
            False,
        ),
        Profile(
            "course-2018",
            "p is the keep probability; FullyConnectedNet(dropout=1) means no dropout",
            "keep",
            "dropout",
            False,
        ),
        Profile(
            "course-2019",
            "p is the keep probability; FullyConnectedNet(dropout_keep_ratio=1)",
            "keep",
            "dropout_keep_ratio",
            False,
        ),
        Profile(
            "template",
            "this project's starter code: the 2019 conventions, plus adagrad",
            "keep",
            "dropout_keep_ratio",
            True,
        ),
        Profile(
            "classes",
            "the class flavour (common/: Dropout, the optimizer classes, MultiLayerNet), "
            "graded through the grader's adapter: dropout_forward(x, {'p': keep}) is "
            "Dropout(dropout_ratio=1 - keep).forward(x, train_flg), each update rule is its "
            "optimizer's update (config['velocity'] is Momentum.v, config['cache'] is "
            "RMSprop.h or AdaGrad.h, config['m'], ['v'] and ['t'] are Adam's), and "
            "FullyConnectedNet(reg=...) is MultiLayerNet(weight_decay_lambda=...)",
            "keep",
            "dropout_keep_ratio",
            True,
            flavour="classes",
            skips=NOT_IN_CLASSES,
        ),
    )
}
DEFAULT = "template"


def get(name: str) -> Profile:
    """The profile called ``name``; a UsageError lists the valid names."""
    try:
        return PROFILES[name]
    except KeyError:
        valid = ", ".join(PROFILES)
        raise UsageError(f"unknown profile {name!r}; valid profiles: {valid}") from None


@dataclass(frozen=True)
class Detection:
    profile: Profile
    reason: str
    warnings: tuple[str, ...] = ()


def _parse(path: Path) -> ast.Module | None:
    """The module's syntax tree; None when it cannot be read or parsed (a
    student's file may also nest deeper than the parser recurses)."""
    try:
        return ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _net_keyword(tree: ast.Module | None) -> tuple[str, object] | None:
    """(keyword, default) of FullyConnectedNet.__init__'s dropout argument."""
    if tree is None:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == "FullyConnectedNet":
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    args = item.args
                    positional = args.posonlyargs + args.args
                    defaults: list[ast.expr | None] = [None] * (
                        len(positional) - len(args.defaults)
                    ) + list(args.defaults)
                    pairs = list(zip(positional, defaults, strict=True))
                    pairs += list(zip(args.kwonlyargs, args.kw_defaults, strict=True))
                    for arg, default in pairs:
                        if arg.arg in ("dropout_keep_ratio", "dropout"):
                            value = default.value if isinstance(default, ast.Constant) else None
                            return arg.arg, value
    return None


def _docstring_p(tree: ast.Module | None) -> Literal["keep", "drop"] | None:
    """What dropout_forward's docstring says p is, if it says."""
    if tree is None:
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "dropout_forward":
            lines = (ast.get_docstring(node) or "").lower().splitlines()
            for i, line in enumerate(lines):
                if re.match(r"\s*-?\s*p\s*:", line):  # "- p: ..." and its next line
                    text = " ".join(lines[i : i + 2])
                    if re.search(r"\bkeep", text):
                        return "keep"
                    if re.search(r"\bdrop", text):
                        return "drop"
    return None


def _defines(tree: ast.Module | None, name: str) -> bool:
    return tree is not None and any(
        isinstance(node, ast.FunctionDef) and node.name == name for node in tree.body
    )


def detect(root: Path, flavour: str = "functions") -> Detection:
    """The profile of the submission staged at ``root`` (holding cs231n/), in
    the given flavour (grader.flavours)."""
    if flavour == "classes":
        return Detection(
            PROFILES["classes"], "the submission is in the class flavour: a common/ package"
        )
    package = root / "cs231n"
    net = _net_keyword(_parse(package / "classifiers" / "fc_net.py"))
    said = _docstring_p(_parse(package / "layers.py"))
    adagrad = _defines(_parse(package / "optim.py"), "adagrad")
    warnings: list[str] = []
    if net is None:
        name = "course-2017" if said == "drop" else DEFAULT
        reason = "FullyConnectedNet has no dropout keyword; " + (
            "the dropout_forward docstring says p drops units"
            if said == "drop"
            else "using the default profile"
        )
    elif net[0] == "dropout_keep_ratio":
        name = "template" if adagrad else "course-2019"
        reason = "FullyConnectedNet takes dropout_keep_ratio" + (
            " and optim.py defines adagrad" if adagrad else ""
        )
    elif net[1] == 0:
        name, reason = "course-2017", "FullyConnectedNet takes dropout=0 (0 means no dropout)"
    else:
        name, reason = "course-2018", "FullyConnectedNet takes dropout=1 (1 means no dropout)"
    profile = PROFILES[name]
    if said is not None and said != profile.p_means and net is not None:
        warnings.append(
            f"your dropout_forward docstring says p is the probability of "
            f"{'keeping' if said == 'keep' else 'dropping'} a unit, but your "
            f"FullyConnectedNet signature ({net[0]}={net[1]!r}) is that of {name}, where p "
            f"is the probability of {'keeping' if profile.p_means == 'keep' else 'dropping'} "
            "it; graded by the signature. If that is wrong, the course staff can regrade with "
            "--profile."
        )
    return Detection(profile, reason, tuple(warnings))
