"""What a grade's pytest session is made of: only pytest's own plugins that a
grade uses, and the grader's (a plugin another installed package brings,
such as hypothesis or pytest-cov from the project's dev dependencies, would
run its hooks on every check of every grade, and nothing of it belongs in a
verdict); and only the check modules the grade needs, its report the same
as if every module had been collected."""

from __future__ import annotations

import dataclasses
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from grader import REPO_ROOT, config, flavours, grade, plugin
from grader.checks import ALL_MODULES
from grader.config import AssignmentConfig
from grader.plugin import LEFT_OUT
from grader.report import GradeReport

REFERENCE = REPO_ROOT / "examples" / "submissions" / "reference.zip"


def _sessions(monkeypatch: pytest.MonkeyPatch) -> list[pytest.Config]:
    """The pytest config of each grade run from now on, in order."""
    seen: list[pytest.Config] = []
    collect = plugin.collect_report

    def spy(config: pytest.Config, *args: Any, **kwargs: Any) -> Any:
        seen.append(config)
        return collect(config, *args, **kwargs)

    monkeypatch.setattr(grade, "collect_report", spy)
    return seen


def _session_plugins(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The names of the plugins registered in one grade's session."""
    seen = _sessions(monkeypatch)
    report, _ = grade.run(REFERENCE, seed=1, isolation="none", select=["dropout_forward.api"])
    assert report.score == report.max_score > 0
    (config,) = seen
    return {name for name, plugin in config.pluginmanager.list_name_plugin() if plugin is not None}


def test_a_grade_loads_no_plugin_of_another_package(monkeypatch: pytest.MonkeyPatch) -> None:
    installed = {e.name for e in entry_points(group="pytest11")}
    assert installed, "the dev environment installs pytest plugins (hypothesis, pytest-cov)"
    loaded = _session_plugins(monkeypatch)
    assert not installed & loaded
    assert any(name.endswith("grader/conftest.py") for name in loaded), loaded


def test_a_grade_leaves_out_the_builtin_plugins_it_never_uses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loaded = _session_plugins(monkeypatch)
    assert not set(grade.UNUSED_PLUGINS) & loaded
    assert {"python", "runner", "fixtures", "skipping"} <= loaded


# -- the check modules a grade collects ---------------------------------------

DROPOUT_ONLY = """[parts]
layers = { enabled = false }
fc_net = { enabled = false }
optim = { enabled = false }
experiment = { enabled = false }

[checks]
"dropout_forward.seed" = { enabled = false }
"""


def _grade_both_ways(
    monkeypatch: pytest.MonkeyPatch, path: Path, assignment: AssignmentConfig, **options: Any
) -> tuple[GradeReport, GradeReport, frozenset[str]]:
    """The grade as run() gives it, leaving out the modules it does not need,
    and the grade with every check module collected (as pytest grader does)."""
    seen = _sessions(monkeypatch)
    pruned, _ = grade.run(path, seed=3, isolation="none", config=assignment, **options)
    with monkeypatch.context() as every:
        every.setattr(grade, "_needed_modules", lambda *args: list(ALL_MODULES))
        collected, _ = grade.run(path, seed=3, isolation="none", config=assignment, **options)
    left_out = [config.stash.get(LEFT_OUT, frozenset()) for config in seen]
    assert left_out[1] == frozenset()
    return pruned, collected, left_out[0]


def _checks(report: GradeReport) -> list[dict[str, Any]]:
    return [{**dataclasses.asdict(c), "seconds": None} for c in report.checks]


def test_a_module_whose_checks_are_all_disabled_is_not_collected_and_reported_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bug = REPO_ROOT / "examples" / "submissions" / "keep_as_drop.zip"
    pruned, collected, left_out = _grade_both_ways(monkeypatch, bug, config.parse(DROPOUT_ONLY))
    assert left_out == set(ALL_MODULES) - {"test_dropout"}
    assert _checks(pruned) == _checks(collected)
    outcomes = {c.id: c.outcome for c in pruned.checks}
    assert outcomes["layers.affine_forward"] == outcomes["dropout_forward.seed"] == "skipped"
    assert outcomes["dropout_forward.keep_fraction"] == "failed"
    assert not any(c.part == "weight_decay" for c in pruned.checks)  # the class flavour's
    assert pruned.score == collected.score and pruned.max_score == collected.max_score


def test_the_class_flavour_reports_its_left_out_checks_with_their_visibility(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = flavours.reference_root().parent / "assignment.toml"
    text = path.read_text(encoding="utf-8")
    for part in ("layers", "fc_net", "optim", "experiment", "weight_decay"):
        text = text.replace(f"{part} = {{ enabled = true }}", f"{part} = {{ enabled = false }}")
    assignment = config.parse(text, source=path)
    pruned, collected, left_out = _grade_both_ways(
        monkeypatch, flavours.reference_root(), assignment
    )
    assert left_out == set(ALL_MODULES) - {"test_dropout"}
    assert _checks(pruned) == _checks(collected)
    checks = {c.id: c for c in pruned.checks}
    assert checks["weight_decay.l1_loss"].outcome == "skipped"
    assert checks["layers.no_side_effects"].public is False  # "hidden" in the config
    assert pruned.score == pruned.max_score == 13


def test_a_selection_collects_only_the_modules_of_its_checks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    select = ["dropout_backward.train", "optim.adam.one_step"]
    pruned, collected, left_out = _grade_both_ways(
        monkeypatch, REFERENCE, config.builtin(), select=select
    )
    assert left_out == set(ALL_MODULES) - {"test_dropout", "test_optim"}
    assert _checks(pruned) == _checks(collected)
    assert [c.id for c in pruned.checks] == select
