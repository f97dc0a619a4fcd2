"""What a grade's pytest session is made of: only pytest's own plugins that a
grade uses, and the grader's. A plugin another installed package brings
(hypothesis and pytest-cov are in the project's dev dependencies) would run
its hooks on every check of every grade, and nothing of it belongs in a
verdict."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

import pytest

from grader import REPO_ROOT, grade

REFERENCE = REPO_ROOT / "examples" / "submissions" / "reference.zip"


def _session_plugins(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The names of the plugins registered in one grade's session."""
    seen: list[pytest.Config] = []
    collect = grade.collect_report

    def spy(config: pytest.Config, *args: Any, **kwargs: Any) -> Any:
        seen.append(config)
        return collect(config, *args, **kwargs)

    monkeypatch.setattr(grade, "collect_report", spy)
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
