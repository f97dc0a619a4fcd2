"""The assignment config (grader/config.py, assignment.toml): the default
reproduces the course's assignment; overrides show in real reports, in
``python -m grader checks`` and in a batch; every mistake in the file is
named by its key path, and the command line says so without a traceback."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from grader import REPO_ROOT, config
from grader.batch import store
from grader.batch.jobs import grade_job
from grader.batch.runner import run_batch
from grader.checks.test_experiment import TIME_LIMIT
from grader.cli import EXIT_OK, EXIT_USAGE, main
from grader.errors import ConfigError, UsageError
from grader.grade import grade
from grader.profiles import PROFILES
from grader.questions.suggest import load as load_rubric
from grader.registry import ordered_checks
from grader.sandbox.launcher import Limits
from grader.submission import read_files

REFERENCE = REPO_ROOT / "examples" / "submissions" / "reference.zip"
NO_RESCALE = REPO_ROOT / "examples" / "submissions" / "no_rescale.zip"

#: A config that changes a little of everything; the tests below look for it.
OVERRIDES = """
[assignment]
name = "Spring term, dropout only"

[parts]
experiment = { enabled = false }

[checks]
"optim.adam.one_step" = { points = 5, visible = "hidden" }
"optim.adam.edge" = { enabled = false }
"dropout_backward.test" = { points = 0.5 }

[questions.dropout_no_rescale]
points = 4
"""


@pytest.fixture(autouse=True)
def no_config_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (config.ENV, "GRADER_CALL_SECONDS", "GRADER_EXPERIMENT_SECONDS"):
        monkeypatch.delenv(name, raising=False)


def _write(folder: Path, text: str, name: str = "assignment.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# -- the default --------------------------------------------------------------


def test_config_default_reproduces_the_course_assignment() -> None:
    default = config.load(config.DEFAULT_PATH)
    listed = tomllib.loads(config.DEFAULT_PATH.read_text())["checks"]
    specs = ordered_checks()
    assert list(listed) == [s.id for s in specs], (
        "assignment.toml should list every check of the registry, in its order: "
        "add the new check's line to its [checks] table"
    )
    for spec in specs:
        setting = default.setting(spec.id)
        assert (setting.points, setting.public, setting.enabled) == (
            spec.points,
            spec.public,
            True,
        ), spec.id
        assert default.spec(spec) == spec
    # The function flavour's assignment: 54 points, the experiment's 3 included
    # (the class flavour's weight decay is not part of it).
    assert sum(s.points for s, _ in default.specs()) == 54
    assert all(default.parts.values()) and set(default.parts) == {s.part for s in specs}
    assert default.profile == "auto" and default.flavour == "functions"
    assert default.limits.sandbox() == Limits()
    assert default.limits.experiment_seconds == TIME_LIMIT
    assert default.rubric_path.resolve() == (REPO_ROOT / "grader/questions/rubric.toml")
    assert default.question_points == {}
    # The file says exactly what the built-in defaults say: the same grades.
    assert default.digest == config.builtin().digest


def test_config_default_is_the_one_in_force_without_a_choice() -> None:
    assert config.find() == config.DEFAULT_PATH
    assert config.current().source == config.DEFAULT_PATH


def test_config_default_lists_the_checks_as_before(capsys: pytest.CaptureFixture[str]) -> None:
    expected = "".join(
        f"{s.id:40} {s.points:4g} pts  {'public' if s.public else 'hidden':6}  {s.title}\n"
        for s in ordered_checks()
        if not s.id.startswith("weight_decay.")  # the class flavour's part
    )
    assert main(["checks"]) == EXIT_OK
    assert capsys.readouterr().out == expected
    assert main(["checks", "--config", str(config.DEFAULT_PATH)]) == EXIT_OK
    assert capsys.readouterr().out == expected


def test_config_class_flavour_lists_its_own_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, '[assignment]\nflavour = "classes"\n')
    chosen = config.load(path)
    ids = [s.id for s, _ in chosen.specs()]
    assert ids[-2:] == ["weight_decay.l1_loss", "weight_decay.l1_gradients"]
    assert "dropout_forward.api" not in ids and "layers.cache" not in ids
    assert len(ids) == len(ordered_checks()) - 2
    assert chosen.fallback_profile() == "classes"
    assert main(["checks", "--config", str(path)]) == EXIT_OK
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == ids


def test_config_default_grades_as_the_registry_declares() -> None:
    report = grade(REFERENCE, keyword="dropout_backward or layers.no_side_effects", seed=3)
    declared = {s.id: s for s in ordered_checks()}
    assert report.checks
    for c in report.checks:
        assert (c.max_points, c.public) == (declared[c.id].points, declared[c.id].public)
    assert report.score == report.max_score == 4


# -- overrides ----------------------------------------------------------------


def test_config_overrides_show_in_a_graded_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, OVERRIDES)
    out = tmp_path / "out"
    code = main(
        ["grade", str(REFERENCE), "--config", str(path), "--out", str(out), "--seed", "5",
         "-k", "optim.adam or experiment or dropout_backward"]
    )  # fmt: skip
    assert code == EXIT_OK
    report = json.loads((out / "report.json").read_text())
    checks = {c["id"]: c for c in report["checks"]}
    adam = checks["optim.adam.one_step"]
    assert (adam["outcome"], adam["points"], adam["max_points"], adam["public"]) == (
        "passed", 5, 5, False,
    )  # fmt: skip
    assert checks["dropout_backward.test"]["max_points"] == 0.5
    for off in ("optim.adam.edge", "experiment.trains", "experiment.regularizes"):
        assert checks[off]["outcome"] == "skipped" and checks[off]["max_points"] == 0
        assert "disabled in the assignment's config" in checks[off]["message"]
    assert report["experiment"] is None  # disabled: never ran
    # 5 + 1 + 1 (adam) + 2 + 0.5 (dropout_backward)
    assert report["score"] == report["max_score"] == 9.5
    question = {a["question"]: a for a in report["answers"]}["dropout_no_rescale"]
    assert question["max_points"] == 4
    shown = capsys.readouterr().out
    assert "5/5   optim.adam.one_step" in shown and "[hidden]" in shown


def test_config_from_the_environment_is_used_by_grade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(config.ENV, str(_write(tmp_path, OVERRIDES)))
    report = grade(REFERENCE, keyword="optim.adam.one_step", seed=1)
    (adam,) = report.checks
    assert (adam.max_points, adam.public) == (5, False)


def test_config_checks_listing_reflects_overrides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, OVERRIDES)
    assert main(["checks", "--config", str(path)]) == EXIT_OK
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert len(lines) == len(ordered_checks()) - 2  # not the class flavour's weight decay
    assert lines["optim.adam.one_step"].split()[1:4] == ["5", "pts", "hidden"]
    assert lines["dropout_backward.test"].split()[1:4] == ["0.5", "pts", "public"]
    for off in ("optim.adam.edge", "experiment.trains", "experiment.regularizes"):
        assert lines[off].split()[1] == "disabled"
    assert lines["optim.adam.multi_step"].split()[1:4] == ["1", "pts", "public"]


def test_config_profile_is_forced_unless_given_on_the_command_line(tmp_path: Path) -> None:
    path = _write(tmp_path, '[assignment]\nprofile = "course-2017"\n')
    forced = config.load(path)
    report = grade(REFERENCE, keyword="optim.adagrad.one_step", seed=1, config=forced)
    assert report.profile == "course-2017"
    assert report.profile_reason == "set by the assignment's config"
    assert report.checks[0].outcome == "skipped"  # 2017 had no AdaGrad
    given = grade(
        REFERENCE, keyword="optim.adagrad.one_step", seed=1, config=forced, profile="template"
    )
    assert given.profile == "template" and given.checks[0].outcome == "passed"


def test_config_limits_reach_the_sandbox_and_the_experiment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "[limits]\ncall_seconds = 4.5\ncpu_seconds = 30\nmemory_mb = 1024\n"
    limits = config.parse(text + "experiment_seconds = 1e-6\n").limits
    assert limits.sandbox() == Limits(cpu_seconds=30, memory_bytes=1024**3, call_seconds=4.5)
    monkeypatch.setenv("GRADER_CALL_SECONDS", "2")  # one run's override wins
    assert limits.sandbox().call_seconds == 2
    monkeypatch.delenv("GRADER_CALL_SECONDS")

    path = _write(tmp_path, text + "experiment_seconds = 1e-6\n")
    report = grade(REFERENCE, keyword="experiment", seed=2, config=config.load(path))
    assert {c.outcome for c in report.checks} == {"error"}
    assert "did not finish within 1e-06 s" in report.checks[0].message


def test_config_memory_floor_grades_the_reference_in_full() -> None:
    """The smallest memory_mb the config accepts fails no correct code (the
    reference got 27 / 54 at 100 MiB when the floor was set)."""
    floor = config.parse(f"[limits]\nmemory_mb = {config.MIN_MEMORY_MB}\n")
    report = grade(REFERENCE, seed=3, config=floor)
    assert report.score == report.max_score > 0, [
        (c.id, c.message) for c in report.checks if c.outcome != "passed"
    ]


def test_config_limits_are_read_alone_as_the_full_load_reads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """limits_selected (for starting a sandbox before the grader is imported)
    gives what load_selected gives, or None where the full load will refuse."""
    assert config.limits_selected() == config.load_selected().limits
    text = "[limits]\ncall_seconds = 4.5\ncpu_seconds = 30\nmemory_mb = 1024\n"
    path = _write(tmp_path, text)
    assert config.limits_selected(str(path)) == config.load(path).limits
    assert config.limits_selected(str(path)).sandbox().call_seconds == 4.5  # type: ignore[union-attr]
    monkeypatch.setenv(config.ENV, str(path))
    assert config.limits_selected() == config.load(path).limits
    monkeypatch.delenv(config.ENV)
    for bad in ("[limits]\ncpu_seconds = 'lots'\n", "[limits\n", "[limits]\nwall = 3\n"):
        assert config.limits_selected(str(_write(tmp_path, bad, "bad.toml"))) is None, bad
    assert config.limits_selected(str(tmp_path / "missing.toml")) is None
    # Elsewhere in the file, a mistake is the full load's to report.
    mixed = _write(tmp_path, text + '[checks]\n"no.such" = { points = 1 }\n', "mixed.toml")
    assert config.limits_selected(str(mixed)) == config.parse(text).limits


def test_config_rubric_is_relative_to_the_config_and_scales_key_points(tmp_path: Path) -> None:
    shutil.copy(REPO_ROOT / "grader/questions/rubric.toml", tmp_path / "my_rubric.toml")
    path = _write(
        tmp_path,
        '[questions]\nrubric = "my_rubric.toml"\n[questions.dropout_no_rescale]\npoints = 4\n',
    )
    loaded = config.load(path)
    assert loaded.rubric_path == tmp_path / "my_rubric.toml"
    question = loaded.rubric().questions["dropout_no_rescale"]
    assert question.points == 4 and [k.points for k in question.key_points] == [2, 2]
    assert load_rubric().questions["dropout_no_rescale"].points == 2  # the default's
    with config.using(loaded):
        assert load_rubric().questions["dropout_no_rescale"].points == 4


def test_config_question_points_reach_the_ta_gradebook(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(REFERENCE, folder)
    db_path, path = tmp_path / "gradebook.sqlite", _write(tmp_path, OVERRIDES)
    args = ["questions", "import", str(folder), "--db", str(db_path)]
    assert main([*args, "--config", str(path)]) == EXIT_OK
    with sqlite3.connect(db_path) as db:
        rows = dict(db.execute("SELECT question, max_points FROM answers").fetchall())
    db.close()
    assert rows["dropout_no_rescale"] == 4 and rows["momentum_vs_sgd"] == 2


def test_config_pytest_plugin_takes_the_config(tmp_path: Path) -> None:
    path = _write(tmp_path, OVERRIDES)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(REPO_ROOT / "grader"), f"--submission={REFERENCE}",
         f"--assignment-config={path}", "-k", "optim.adam", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5/5   optim.adam.one_step" in done.stdout
    assert "Score: 7 / 7" in done.stdout


def test_config_applies_to_the_report_of_an_unreadable_submission(tmp_path: Path) -> None:
    bad = tmp_path / "homework.zip"
    bad.write_text("this is not a zip")
    out = tmp_path / "out"
    path = _write(tmp_path, OVERRIDES)
    assert main(["grade", str(bad), "--config", str(path), "--out", str(out)]) == 3
    checks = {c["id"]: c for c in json.loads((out / "report.json").read_text())["checks"]}
    assert checks["optim.adam.one_step"]["max_points"] == 5
    assert checks["optim.adam.one_step"]["outcome"] == "error"
    off = checks["experiment.trains"]
    assert (off["outcome"], off["max_points"]) == ("skipped", 0)
    assert "disabled in the assignment's config" in off["message"]


# -- the batch ----------------------------------------------------------------


def test_config_batch_grades_by_it_in_its_pool_and_regrades_when_it_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    for zip_path in (REFERENCE, NO_RESCALE):
        shutil.copy(zip_path, folder / zip_path.name)
    path = _write(tmp_path, OVERRIDES)
    out = tmp_path / "out"
    args = ["batch", str(folder), "--out", str(out), "--jobs", "2", "--no-progress"]
    assert main([*args, "--config", str(path)]) == EXIT_OK
    assert "2 graded now" in capsys.readouterr().out
    reports = {
        s: json.loads((out / "reports" / s / "report.json").read_text())
        for s in ("reference", "no_rescale")
    }
    for report in reports.values():  # graded in pool processes, from the config's text
        checks = {c["id"]: c for c in report["checks"]}
        assert checks["optim.adam.one_step"]["max_points"] == 5
        assert not checks["optim.adam.one_step"]["public"]
        assert checks["experiment.trains"]["outcome"] == "skipped"
    assert reports["reference"]["max_score"] == 54 - 2 - 1 - 3 + 5 - 0.5

    assert main([*args, "--config", str(path)]) == EXIT_OK  # same config: nothing to do
    assert "0 graded now" in capsys.readouterr().out
    renamed = OVERRIDES.replace("Spring term", "Autumn term") + "\n# a comment\n"
    path.write_text(renamed, encoding="utf-8")  # neither changes a grade
    assert main([*args, "--config", str(path)]) == EXIT_OK
    assert "0 graded now" in capsys.readouterr().out
    assert main(args) == EXIT_OK  # the default config: other points, graded again
    assert "2 graded now" in capsys.readouterr().out
    default = json.loads((out / "reports" / "reference" / "report.json").read_text())
    assert default["max_score"] == 54
    with store.connect(out / "results.sqlite") as db:
        engines = {e for (e,) in db.execute("SELECT DISTINCT engine FROM results")}
    assert engines == {
        store.engine_version(config.load(path).digest),
        store.engine_version(config.builtin().digest),
    }


def test_config_batch_job_needs_no_file() -> None:
    # A remote worker has the config's text and its rubric's, not the files.
    text = OVERRIDES + '[questions]\nrubric = "nowhere/rubric.toml"\n'
    with pytest.raises(ConfigError, match=r"questions\.rubric: cannot read"):
        config.parse(text)
    rubric = (REPO_ROOT / "grader/questions/rubric.toml").read_text()
    answer = json.loads(grade_job("reference.zip", read_files(REFERENCE), 3, text, rubric))
    checks = {c["id"]: c for c in answer["checks"]}
    assert checks["optim.adam.one_step"]["max_points"] == 5
    assert checks["experiment.trains"]["outcome"] == "skipped"
    question = {a["question"]: a for a in answer["answers"]}["dropout_no_rescale"]
    assert question["max_points"] == 4


def test_config_run_batch_defaults_to_the_config_in_force(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(NO_RESCALE, folder)
    loaded = config.load(_write(tmp_path, OVERRIDES))
    with config.using(loaded):
        summary = run_batch(folder, tmp_path / "out", jobs=1, progress=False)
    assert summary.exit_code == 0
    (result,) = summary.results
    assert result.max_score == 54 - 2 - 1 - 3 + 5 - 0.5


# -- mistakes in the file -----------------------------------------------------

PROBLEMS = [
    ('[checks]\n"optim.adam.one_step" = { points = "two" }\n',
     'checks."optim.adam.one_step".points: expected a number >= 0, got "two"'),
    ('[checks."optim.adam.one_step"]\npoints = -1\n',
     'checks."optim.adam.one_step".points: expected a number >= 0, got -1'),
    ('[checks."optim.adam.one_step"]\npoints = true\n',
     'checks."optim.adam.one_step".points: expected a number >= 0, got true'),
    ('[checks."optim.adam.one_step"]\npoints = nan\n',
     'checks."optim.adam.one_step".points: expected a number >= 0, got nan'),
    ('[checks."optim.adam.one_step"]\nvisible = "secret"\n',
     'checks."optim.adam.one_step".visible: expected one of "public", "hidden", got "secret"'),
    ('[checks."optim.adam.one_step"]\nenabled = "no"\n',
     'checks."optim.adam.one_step".enabled: expected true or false, got "no"'),
    ('[checks."optim.adam.one_step"]\npoint = 2\n',
     'checks."optim.adam.one_step".point: unknown key (did you mean points?); '
     "valid keys of [checks.\"optim.adam.one_step\"]: points, visible, enabled"),
    ('[checks]\n"optim.adam.onestep" = { points = 2 }\n',
     'checks."optim.adam.onestep": no such check (did you mean "optim.adam.one_step"'),
    ('[checks]\n"optim.adam.onestep" = { points = 2 }\n',
     "the checks of part optim: optim.sgd.one_step, "),
    ('[checks]\n"nothing.here" = { points = 2 }\n',
     'checks."nothing.here": no such check; a check id is PART.NAME, with PART one of '
     "layers, dropout_forward, dropout_backward, fc_net, optim, experiment"),
    ('[checks]\n"optim.adam.one_step" = 2\n',
     'checks."optim.adam.one_step": expected a table ([checks."optim.adam.one_step"]), got 2'),
    ("[parts.dropuot_forward]\nenabled = false\n",
     "parts.dropuot_forward: no such part (did you mean dropout_forward"),
    ("[parts.dropuot_forward]\nenabled = false\n",
     "valid parts: layers, dropout_forward, dropout_backward, fc_net, optim, experiment"),
    ("[parts.optim]\nenabled = 0\n", "parts.optim.enabled: expected true or false, got 0"),
    ('[assignment]\nflavour = "objects"\n',
     'assignment.flavour: expected one of "functions", "classes", got "objects"'),
    ('[assignment]\nflavour = "classes"\nprofile = "course-2018"\n',
     'assignment.profile: "course-2018" is a profile of the functions flavour, but '
     'assignment.flavour is "classes"; valid values with that flavour: "auto", "classes"'),
    ('[assignment]\nprofile = "classes"\n',
     'assignment.profile: "classes" is a profile of the classes flavour, but '
     'assignment.flavour is "functions"; valid values with that flavour: "auto", '
     '"course-2017"'),
    ('[assignment]\nprofile = "2016"\n',
     'assignment.profile: expected one of "auto", '
     + ", ".join(f'"{name}"' for name in PROFILES) + ', got "2016"'),
    ('[assignment]\nname = ""\n', 'assignment.name: expected a non-empty string, got ""'),
    ('[assignment]\nnam = "x"\n',
     "assignment.nam: unknown key (did you mean name?); valid keys of [assignment]: "
     "name, flavour, profile"),
    ("[limits]\nmemory_mb = 1.5\n", "limits.memory_mb: expected a whole number >= 256 (the "),
    # The reference solution's grade needs more than 100 MiB: less fails correct code.
    ("[limits]\nmemory_mb = 100\n", "less fails correct code), got 100"),
    ("[limits]\ncpu_seconds = 0\n", "limits.cpu_seconds: expected a whole number > 0, got 0"),
    ('[limits]\ncall_seconds = "10"\n', 'limits.call_seconds: expected a number > 0, got "10"'),
    ("[limits]\nexperiment_seconds = -3\n",
     "limits.experiment_seconds: expected a number > 0, got -3"),
    ("[limits]\ncall_second = 3\n", "limits.call_second: unknown key (did you mean call_seconds"),
    ("limits = 3\n", "limits: expected a table ([limits]), got 3"),
    ("[extra]\n", "extra: unknown key; valid sections: assignment, limits, parts, checks, "
     "questions"),
    ('[questions]\nrubric = "missing.toml"\n', "questions.rubric: cannot read "),
    ('[questions]\nrubric = 3\n', "questions.rubric: expected a non-empty string, got 3"),
    ("[questions.dropout_no_rescal]\npoints = 3\n",
     "questions.dropout_no_rescal: no such question in the rubric (did you mean "
     "dropout_no_rescale?); valid keys of [questions]: rubric, and the rubric's questions: "
     "dropout_no_rescale, "),
    ("[questions.dropout_no_rescale]\npoints = -2\n",
     "questions.dropout_no_rescale.points: expected a number >= 0, got -2"),
    ('[assignment]\nprofile = "auto\n', "assignment.toml:2: not valid TOML: "),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), PROBLEMS)
def test_config_mistake_is_named_by_its_key(
    text: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        config.load(path)
    assert message in str(raised.value)
    assert isinstance(raised.value, UsageError)
    # The command line says the same, and exits 2.
    assert main(["checks", "--config", str(path)]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


def test_config_every_mistake_of_a_file_is_listed_at_once(tmp_path: Path) -> None:
    text = '[assignment]\nprofile = "2016"\n[limits]\nmemory_mb = -1\n[parts.optim]\nenabled = 1\n'
    with pytest.raises(ConfigError) as raised:
        config.load(_write(tmp_path, text))
    assert len(raised.value.problems) == 3
    assert str(raised.value).startswith(f"{tmp_path / 'assignment.toml'}: 3 problems:\n")
    assert "docs/config.md" in str(raised.value)


def test_config_missing_file_is_named_with_where_it_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.toml"
    assert main(["grade", str(REFERENCE), "--config", str(missing)]) == EXIT_USAGE
    assert "no such assignment config (from --config)" in capsys.readouterr().err
    monkeypatch.setenv(config.ENV, str(missing))
    assert main(["grade", str(REFERENCE)]) == EXIT_USAGE
    assert "no such assignment config (from GRADER_CONFIG)" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["grade", "batch"])
def test_config_error_on_the_command_line_is_a_message_not_a_traceback(
    command: str, tmp_path: Path
) -> None:
    path = _write(tmp_path, '[checks]\n"optim.adam.one_step" = { points = "two" }\n')
    target = str(REFERENCE) if command == "grade" else str(REFERENCE.parent)
    done = subprocess.run(
        [sys.executable, "-m", "grader", command, target, "--config", str(path),
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == EXIT_USAGE
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f'error: {path}: checks."optim.adam.one_step".points: ')
    assert not (tmp_path / "out").exists()  # nothing graded, nothing written
