"""The assignment's config: one TOML file the instructors own.

``assignment.toml`` at the repository root is the default, and it reproduces
the course's assignment exactly: every check with the points and visibility
it is declared with in ``grader/checks/``, every part on, the course year
detected from each submission, the sandbox's built-in limits, and the rubric
``grader/questions/rubric.toml``. docs/config.md documents every key.

Which file a command uses: ``--config FILE``, else the file the
``GRADER_CONFIG`` environment variable names, else the repository's
``assignment.toml``. Where that file is absent too (a grader installed
without its repository) the built-in defaults apply, which are the same.

``load`` and ``parse`` validate the whole file and raise one ``ConfigError``
that lists every problem, each under its key path, with the valid values::

    assignment.toml: checks."layers.relu".points: expected a number >= 0, got "two"

The result is an ``AssignmentConfig``, frozen: the grade (``grader.grade``),
the pytest plugin, the batch and ``python -m grader checks`` all read it.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import hashlib
import json
import math
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from ._package import REPO_ROOT
from .errors import ConfigError, UsageError

if TYPE_CHECKING:
    from .questions.suggest import Rubric
    from .registry import CheckSpec
    from .sandbox.launcher import Limits

#: The default config, and the environment variable that names another.
DEFAULT_PATH = REPO_ROOT / "assignment.toml"
ENV = "GRADER_CONFIG"

#: Flavours of the assignment the grader can grade (grader.flavours).
FLAVOURS = ("functions", "classes")
AUTO = "auto"

Visibility = Literal["public", "hidden"]
VISIBILITIES: tuple[Visibility, ...] = ("public", "hidden")

#: Built-in limits: the sandbox's (grader.sandbox.launcher.Limits) and the
#: experiment's (grader.checks.test_experiment.TIME_LIMIT); a test keeps
#: them equal.
CALL_SECONDS = 10.0
CPU_SECONDS = 60
MEMORY_MB = 2048
EXPERIMENT_SECONDS = 30.0
#: Below this the sandbox fails correct code: the reference solution's whole
#: grade needed more than 100 MiB of address space and passed at 128 (numpy 2.4,
#: measured at the commit that added this floor); twice that, for a margin.
MIN_MEMORY_MB = 256
MEMORY_WHY = (
    " (the sandbox's Python and numpy and a grade's arrays take more than 100; less fails "
    "correct code)"
)


@dataclass(frozen=True)
class CheckSetting:
    """What the config says of one check."""

    points: float
    visible: Visibility
    enabled: bool = True

    @property
    def public(self) -> bool:
        return self.visible == "public"


@dataclass(frozen=True)
class LimitSettings:
    """The sandbox's limits for each submission, and the experiment's time.

    The environment variables GRADER_CALL_SECONDS and
    GRADER_EXPERIMENT_SECONDS, when set, override the config's values (for
    one run, e.g. a slow machine or a test)."""

    call_seconds: float = CALL_SECONDS
    cpu_seconds: int = CPU_SECONDS
    memory_mb: int = MEMORY_MB
    experiment_seconds: float = EXPERIMENT_SECONDS

    def sandbox(self) -> Limits:
        """The worker's Limits, with GRADER_CALL_SECONDS applied."""
        from .sandbox.launcher import Limits

        return Limits.from_env(
            Limits(
                cpu_seconds=self.cpu_seconds,
                memory_bytes=self.memory_mb * 1024**2,
                call_seconds=self.call_seconds,
            )
        )


@dataclass(frozen=True)
class AssignmentConfig:
    """A validated config. ``checks`` and ``parts`` hold every check and part
    of the registry, with the file's values or the declared defaults."""

    name: str
    flavour: str
    profile: str  # "auto" or a name in grader.profiles.PROFILES
    limits: LimitSettings
    parts: Mapping[str, bool]
    checks: Mapping[str, CheckSetting]
    rubric_path: Path
    rubric_text: str
    question_points: Mapping[str, float] = field(default_factory=dict)
    source: Path | None = None  # the file; None for text or the built-in defaults
    text: str = ""  # the TOML as written

    def setting(self, check_id: str) -> CheckSetting:
        found = self.checks.get(check_id)
        if found is not None:
            return found
        from .registry import CHECKS

        spec = CHECKS[check_id]
        return CheckSetting(float(spec.points), "public" if spec.public else "hidden")

    def enabled(self, check_id: str) -> bool:
        """Is the check graded: it and its part are both enabled?"""
        part = check_id.split(".", 1)[0]
        return self.setting(check_id).enabled and self.parts.get(part, True)

    def spec(self, spec: CheckSpec) -> CheckSpec:
        """The check as this assignment grades it: the config's points and visibility."""
        setting = self.setting(spec.id)
        return replace(spec, points=setting.points, public=setting.public)

    def specs(self) -> list[tuple[CheckSpec, bool]]:
        """Every check of the assignment's flavour in the assignment's order, as
        graded, and whether it is enabled."""
        from .profiles import in_flavour
        from .registry import ordered_checks

        return [
            (self.spec(s), self.enabled(s.id))
            for s in ordered_checks()
            if in_flavour(s.id, self.flavour)
        ]

    def fallback_profile(self) -> str:
        """The profile for a submission whose code says nothing (it could not be read)."""
        from .profiles import FLAVOUR_DEFAULTS

        return self.profile if self.profile != AUTO else FLAVOUR_DEFAULTS[self.flavour]

    def rubric(self) -> Rubric:
        """The inline questions' rubric, with the config's question points."""
        return _rubric(self.rubric_text, tuple(sorted(self.question_points.items())))

    @functools.cached_property
    def digest(self) -> str:
        """A hash of everything in the config that can change a grade (not its
        comments, layout or name); the batch's results are keyed by it."""
        canonical = {
            "flavour": self.flavour,
            "profile": self.profile,
            "limits": [
                self.limits.call_seconds,
                self.limits.cpu_seconds,
                self.limits.memory_mb,
                self.limits.experiment_seconds,
            ],
            "parts": sorted(self.parts.items()),
            "checks": sorted((k, [s.points, s.visible, s.enabled]) for k, s in self.checks.items()),
            "rubric": self.rubric_text,
            "question_points": sorted(self.question_points.items()),
        }
        text = json.dumps(canonical, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@functools.cache
def _rubric(text: str, points: tuple[tuple[str, float], ...]) -> Rubric:
    from .questions.suggest import parse, with_points

    return with_points(parse(text), dict(points))


# -- reading and validating ---------------------------------------------------

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def _path(*keys: str) -> str:
    """A TOML key path, quoting the keys that need it: checks."layers.relu".points."""
    return ".".join(k if _BARE.match(k) else json.dumps(k, ensure_ascii=False) for k in keys)


def _show(value: Any) -> str:
    """A value as TOML writes it, or what kind of value it is."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"


def _quoted(values: Any) -> str:
    return ", ".join(json.dumps(v, ensure_ascii=False) for v in values)


def _suggest(word: str, valid: Any) -> str:
    close = difflib.get_close_matches(word, list(valid), n=3, cutoff=0.6)
    return f" (did you mean {' or '.join(_path(c) for c in close)}?)" if close else ""


class _Reader:
    """Reads values out of the parsed TOML, noting each problem under its key."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, keys: tuple[str, ...], message: str) -> None:
        self.problems.append(f"{_path(*keys)}: {message}")

    def table(self, value: Any, keys: tuple[str, ...]) -> dict[str, Any]:
        if isinstance(value, dict):
            return value
        self.fail(keys, f"expected a table ([{_path(*keys)}]), got {_show(value)}")
        return {}

    def known(self, table: dict[str, Any], keys: tuple[str, ...], valid: tuple[str, ...]) -> None:
        for key in table:
            if key not in valid:
                where = f"keys of [{_path(*keys)}]" if keys else "sections"
                self.fail(
                    (*keys, key),
                    f"unknown key{_suggest(key, valid)}; valid {where}: " + ", ".join(valid),
                )

    def string(self, value: Any, keys: tuple[str, ...]) -> str | None:
        if isinstance(value, str) and value.strip():
            return value
        self.fail(keys, f"expected a non-empty string, got {_show(value)}")
        return None

    def choice(
        self, value: Any, keys: tuple[str, ...], valid: tuple[str, ...], note: str = ""
    ) -> str | None:
        if isinstance(value, str) and value in valid:
            return value
        self.fail(keys, f"expected one of {_quoted(valid)}, got {_show(value)}{note}")
        return None

    def boolean(self, value: Any, keys: tuple[str, ...]) -> bool | None:
        if isinstance(value, bool):
            return value
        self.fail(keys, f"expected true or false, got {_show(value)}")
        return None

    def number(self, value: Any, keys: tuple[str, ...], *, positive: bool) -> float | None:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok and math.isfinite(value) and (value > 0 if positive else value >= 0):
            return float(value)
        self.fail(keys, f"expected a number {'> 0' if positive else '>= 0'}, got {_show(value)}")
        return None

    def whole(
        self, value: Any, keys: tuple[str, ...], *, least: int = 1, why: str = ""
    ) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool) and value >= least:
            return value
        bound = "> 0" if least == 1 else f">= {least}{why}"
        self.fail(keys, f"expected a whole number {bound}, got {_show(value)}")
        return None


SECTIONS = ("assignment", "limits", "parts", "checks", "questions")
ASSIGNMENT_KEYS = ("name", "flavour", "profile")
LIMIT_KEYS = ("call_seconds", "cpu_seconds", "memory_mb", "experiment_seconds")
PART_KEYS = ("enabled",)
CHECK_KEYS = ("points", "visible", "enabled")
QUESTION_KEYS = ("points",)
DEFAULT_NAME = "CS231n Assignment 2: dropout, fully-connected nets, update rules"


def parse(
    text: str, *, source: Path | None = None, rubric_text: str | None = None
) -> AssignmentConfig:
    """Validate a config's TOML text. Relative paths in it (the rubric) are
    relative to ``source``'s folder, else to the current folder; with
    ``rubric_text`` the rubric is that text and no file is read (a batch's
    remote worker). Raises ConfigError naming every problem."""
    from . import profiles

    where = str(source) if source is not None else "the assignment config"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _TOML_LINE.search(str(exc))
        place = f"{where}:{line.group(1)}" if line else where
        raise ConfigError(f"{place}: not valid TOML: {exc}", source=source) from None
    read = _Reader()
    read.known(data, (), SECTIONS)

    head = read.table(data.get("assignment", {}), ("assignment",))
    read.known(head, ("assignment",), ASSIGNMENT_KEYS)
    name = DEFAULT_NAME
    if "name" in head:
        name = read.string(head["name"], ("assignment", "name")) or name
    flavour = FLAVOURS[0]
    if "flavour" in head:
        flavour = read.choice(head["flavour"], ("assignment", "flavour"), FLAVOURS) or flavour
    profile = AUTO
    if "profile" in head:
        valid = (AUTO, *profiles.PROFILES)
        profile = read.choice(head["profile"], ("assignment", "profile"), valid) or profile
        chosen = profiles.PROFILES.get(profile)
        if chosen is not None and chosen.flavour != flavour:
            fitting = [AUTO, *(p.name for p in profiles.PROFILES.values() if p.flavour == flavour)]
            read.fail(
                ("assignment", "profile"),
                f"{_show(profile)} is a profile of the {chosen.flavour} flavour, but "
                f"assignment.flavour is {_show(flavour)}; valid values with that flavour: "
                + ", ".join(_show(v) for v in fitting),
            )
            profile = AUTO

    limits = _limits(read, data.get("limits", {}))
    checks = _checks(read, data.get("checks", {}))
    parts = _parts(read, data.get("parts", {}))
    base = source.parent if source is not None else Path.cwd()
    rubric_path, rubric_text, question_points = _questions(
        read, data.get("questions", {}), base, rubric_text
    )
    if read.problems:
        raise ConfigError.listing(where, read.problems, source)
    return AssignmentConfig(
        name=name,
        flavour=flavour,
        profile=profile,
        limits=limits,
        parts=MappingProxyType(parts),
        checks=MappingProxyType(checks),
        rubric_path=rubric_path,
        rubric_text=rubric_text,
        question_points=MappingProxyType(question_points),
        source=source,
        text=text,
    )


def _limits(read: _Reader, raw: Any) -> LimitSettings:
    table = read.table(raw, ("limits",))
    read.known(table, ("limits",), LIMIT_KEYS)
    found: dict[str, Any] = {}
    for key in ("call_seconds", "experiment_seconds"):
        if key in table:
            found[key] = read.number(table[key], ("limits", key), positive=True)
    if "cpu_seconds" in table:
        found["cpu_seconds"] = read.whole(table["cpu_seconds"], ("limits", "cpu_seconds"))
    if "memory_mb" in table:
        found["memory_mb"] = read.whole(
            table["memory_mb"], ("limits", "memory_mb"), least=MIN_MEMORY_MB, why=MEMORY_WHY
        )
    return LimitSettings(**{k: v for k, v in found.items() if v is not None})


def _checks(read: _Reader, raw: Any) -> dict[str, CheckSetting]:
    from .registry import ordered_checks  # imports the checks: not for limits_selected

    declared = {s.id: s for s in ordered_checks()}
    settings = {
        s.id: CheckSetting(float(s.points), "public" if s.public else "hidden")
        for s in declared.values()
    }
    table = read.table(raw, ("checks",))
    parts = list(dict.fromkeys(s.part for s in declared.values()))
    for check_id, value in table.items():
        keys = ("checks", check_id)
        if check_id not in declared:
            part = check_id.split(".", 1)[0]
            same = [c for c in declared if c.startswith(part + ".")] if part in parts else []
            valid = (
                f"the checks of part {part}: {', '.join(same)}"
                if same
                else f"a check id is PART.NAME, with PART one of {', '.join(parts)}; "
                "`python -m grader checks` lists every check id"
            )
            read.fail(keys, f"no such check{_suggest(check_id, declared)}; {valid}")
            continue
        given = read.table(value, keys)
        read.known(given, keys, CHECK_KEYS)
        now = settings[check_id]
        points = now.points
        if "points" in given:
            found = read.number(given["points"], (*keys, "points"), positive=False)
            points = found if found is not None else points
        visible = now.visible
        if "visible" in given:
            chosen = read.choice(given["visible"], (*keys, "visible"), VISIBILITIES)
            if chosen is not None:
                visible = "hidden" if chosen == "hidden" else "public"
        enabled = True
        if "enabled" in given:
            enabled = read.boolean(given["enabled"], (*keys, "enabled")) is not False
        settings[check_id] = CheckSetting(points, visible, enabled)
    return settings


def _parts(read: _Reader, raw: Any) -> dict[str, bool]:
    from .registry import ordered_checks

    parts = {s.part: True for s in ordered_checks()}
    table = read.table(raw, ("parts",))
    for part, value in table.items():
        keys = ("parts", part)
        if part not in parts:
            read.fail(keys, f"no such part{_suggest(part, parts)}; valid parts: {', '.join(parts)}")
            continue
        given = read.table(value, keys)
        read.known(given, keys, PART_KEYS)
        if "enabled" in given:
            parts[part] = read.boolean(given["enabled"], (*keys, "enabled")) is not False
    return parts


def _questions(
    read: _Reader, raw: Any, base: Path, rubric_text: str | None
) -> tuple[Path, str, dict[str, float]]:
    from .questions.suggest import RUBRIC
    from .questions.suggest import parse as parse_rubric

    table = read.table(raw, ("questions",))
    path = RUBRIC
    if "rubric" in table:
        named = read.string(table["rubric"], ("questions", "rubric"))
        if named is not None:
            path = base / named
    text = rubric_text
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            read.fail(
                ("questions", "rubric"),
                f"cannot read {path} ({exc.strerror or exc}); a relative path is relative "
                "to the config file's folder",
            )
            return path, "", {}
    try:
        questions = parse_rubric(text).questions
    except (ValueError, KeyError, TypeError, AttributeError, re.error) as exc:
        why = f"the key {exc} is missing" if isinstance(exc, KeyError) else str(exc)
        read.fail(("questions", "rubric"), f"{path} is not a valid rubric: {why}")
        return path, text, {}
    points: dict[str, float] = {}
    for qid, value in table.items():
        if qid == "rubric":
            continue
        keys = ("questions", qid)
        if qid not in questions:
            read.fail(
                keys,
                f"no such question in the rubric{_suggest(qid, questions)}; valid keys of "
                f"[questions]: rubric, and the rubric's questions: {', '.join(questions)}",
            )
            continue
        given = read.table(value, keys)
        read.known(given, keys, QUESTION_KEYS)
        if "points" in given:
            found = read.number(given["points"], (*keys, "points"), positive=False)
            if found is not None:
                points[qid] = found
    return path, text, points


def load(path: Path) -> AssignmentConfig:
    """Read and validate the config file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read the assignment config ({exc.strerror or exc}); "
            f"give an existing TOML file, or none for the default {DEFAULT_PATH.name}",
            source=path,
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid TOML: not UTF-8 text", source=path) from None
    return parse(text, source=path)


def builtin() -> AssignmentConfig:
    """The built-in defaults: the course's assignment, as the registry declares it."""
    return parse("")


def find(given: str | os.PathLike[str] | None = None) -> Path | None:
    """The config file a command uses: ``given`` (--config), else $GRADER_CONFIG,
    else the repository's assignment.toml; None when there is none (then the
    built-in defaults apply)."""
    if given is not None and str(given) != "":
        return Path(given)
    env = os.environ.get(ENV, "").strip()
    if env:
        return Path(env)
    return DEFAULT_PATH if DEFAULT_PATH.is_file() else None


@functools.cache
def _load_cached(path: str, stamp: tuple[int, int]) -> AssignmentConfig:
    return load(Path(path))


def load_selected(given: str | os.PathLike[str] | None = None) -> AssignmentConfig:
    """The config ``find`` chooses, loaded and validated."""
    path = find(given)
    if path is None:
        return builtin()
    try:
        info = path.stat()
    except OSError:
        origin = "--config" if given else ENV if os.environ.get(ENV, "").strip() else "default"
        raise ConfigError(
            f"{path}: no such assignment config (from {origin}); give an existing TOML "
            f"file, or none for the default {DEFAULT_PATH.name}",
            source=path,
        ) from None
    return _load_cached(str(path), (info.st_mtime_ns, info.st_size))


def limits_selected(given: str | os.PathLike[str] | None = None) -> LimitSettings | None:
    """The limits of the config ``find`` chooses, read without validating the
    rest of the file (which imports every check): for starting a sandbox
    before the command has loaded its config (grader.spare.start_early).
    None when the file cannot be read, is not TOML or its limits are not
    valid: the command's own ``load_selected`` then says what is wrong."""
    path = find(given)
    if path is None:
        return LimitSettings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    read = _Reader()
    limits = _limits(read, data.get("limits", {}))
    return None if read.problems else limits


#: The environment variables that change one run, and what each holds (docs/config.md).
SECONDS_VARIABLES = (
    "GRADER_CALL_SECONDS",
    "GRADER_START_SECONDS",
    "GRADER_EXPERIMENT_SECONDS",
    "GRADER_DB_TIMEOUT",
)
SEED_VARIABLE = "GRADER_SEED"
ISOLATION_VARIABLE = "GRADER_ISOLATION"


def environment_seconds(name: str) -> float | None:
    """The number of seconds the environment variable ``name`` sets, None when
    it is unset or empty. A value that is not a number > 0 raises ConfigError:
    a deadline of 0 or less would time out every call of a correct submission."""
    text = os.environ.get(name, "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(
            f"{name}={text!r}: expected a number of seconds > 0 (for example 10); set it "
            "to one, or unset it for the default"
        )
    return value


def environment_seed() -> int | None:
    """The seed GRADER_SEED sets, None when it is unset or empty; ConfigError
    when it is not a whole number >= 0."""
    text = os.environ.get(SEED_VARIABLE, "").strip()
    if not text:
        return None
    try:
        seed = int(text)
    except ValueError:
        seed = -1
    if seed < 0:
        raise ConfigError(
            f"{SEED_VARIABLE}={text!r}: expected a whole number >= 0, the seed of the checks' "
            "random inputs (a report gives the seed it used); set it to one, or unset it for "
            "fresh inputs"
        )
    return seed


def check_seed(seed: int | None) -> None:
    """UsageError for a seed numpy's generators do not take (below 0)."""
    if seed is not None and seed < 0:
        raise UsageError(f"seed {seed}: expected a whole number >= 0")


def check_environment() -> None:
    """Raise ConfigError when a GRADER_* variable of this run holds a value the
    grader cannot use, naming it, before any work: a typo there must stop the
    run with a message, not grade with checks that never ran."""
    for name in SECONDS_VARIABLES:
        environment_seconds(name)
    environment_seed()
    isolation = os.environ.get(ISOLATION_VARIABLE, "")
    if isolation not in ("", "process"):
        raise ConfigError(
            f"{ISOLATION_VARIABLE}={isolation!r}: the one value it takes is 'process' (run "
            "the student's code without bubblewrap, as where bubblewrap is missing); unset "
            "it to use bubblewrap where it works"
        )


_scoped: list[AssignmentConfig] = []


def current() -> AssignmentConfig:
    """The config in force: the innermost ``using`` block's (the command
    line's ``--config``), else ``find``'s."""
    return _scoped[-1] if _scoped else load_selected()


@contextlib.contextmanager
def using(config: AssignmentConfig) -> Iterator[AssignmentConfig]:
    """``config`` as the config in force (``current``) for the duration of the block."""
    _scoped.append(config)
    try:
        yield config
    finally:
        _scoped.pop()
