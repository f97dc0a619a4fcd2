"""The student release (grader.release) and the self-check run from it
(grader.selfcheck): what the bundle holds and what it never holds, a leak
planted in it caught, and ``make check`` from the unpacked zip on the
untouched template and on a correct solution."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest

from grader import REPO_ROOT, config, oracle, reference_root
from grader.release import NAME, LeakError, build, cut_hidden, leaks

HIDING = """\
[checks]
"fc_net.loss" = { points = 2, visible = "hidden" }
"optim.adam.one_step" = { points = 2, visible = "hidden" }
"""


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The release built from the default config, unpacked from its zip."""
    out = tmp_path_factory.mktemp("release")
    bundle = build(out)
    unpacked = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(bundle.zip) as archive:
        archive.extractall(unpacked)
        for info in archive.infolist():  # zipfile drops the modes
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                (unpacked / info.filename).chmod(mode)
    return unpacked / NAME


def selfcheck(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``make check`` in the unpacked bundle, its .venv standing in for the
    one the Makefile would install (this interpreter, which has the same
    dependencies): the bundle's own grader answers, not this repository's."""
    venv = folder / ".venv" / "bin"
    if not (venv / "python").exists():
        venv.mkdir(parents=True)
        (venv / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
        (venv / "python").chmod(0o755)
        (folder / ".venv" / ".installed-stamp").touch()
        os.utime(folder / ".venv" / ".installed-stamp", (2e9, 2e9))  # newer than the files
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRADER_", "PYTHON"))}
    return subprocess.run(
        ["make", "--no-print-directory", "check", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def as_json(folder: Path, *args: str) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRADER_", "PYTHON"))}
    done = subprocess.run(
        [sys.executable, "-m", "grader.selfcheck", "--json", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    assert data["release"] is True  # the bundle's grader ran, not this repository's
    return data


def with_solution(release: Path, tmp_path: Path) -> Path:
    folder = tmp_path / NAME
    shutil.copytree(release, folder, symlinks=True)
    shutil.rmtree(folder / "cs231n")
    shutil.copytree(reference_root() / "cs231n", folder / "cs231n")  # links followed
    return folder


# -- what the bundle holds --------------------------------------------------------


def test_bundle_holds_the_template_the_public_checks_and_their_answers(release: Path) -> None:
    files = {p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file()}
    assert {"Makefile", "README.md", "assignment.toml", "pyproject.toml"} <= files
    assert {"Dropout.ipynb", "Optimizers.ipynb", "cs231n/layers.py", "cs231n/optim.py"} <= files
    assert {"grader/recorded/manifest.json", "grader/recorded/answers.npz"} <= files
    assert not [f for f in files if f.startswith(("reference/", "grader/oracles/"))]
    assert "grader/release.py" not in files and not [f for f in files if f.endswith(".pyc")]
    for name in ("layers.py", "optim.py", "classifiers/fc_net.py"):  # the template's, exactly
        template = (REPO_ROOT / "student_template" / "cs231n" / name).read_bytes()
        assert (release / "cs231n" / name).read_bytes() == template
    for notebook in ("Dropout.ipynb", "Optimizers.ipynb"):
        cells = json.loads((release / notebook).read_text())["cells"]
        code = [c for c in cells if c["cell_type"] == "code"]
        assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    manifest = json.loads((release / "grader/recorded/manifest.json").read_text())
    default = config.builtin()
    public = [s.id for s, on in default.specs() if on and s.public]
    assert manifest["public"] == public and manifest["hidden"] == 4
    # The answers are data: arrays and a JSON index, no pickle.
    with np.load(release / "grader/recorded/answers.npz", allow_pickle=False) as data:
        assert "index" in data.files and len(data.files) > 10


def test_bundle_holds_no_reference_body_hidden_check_or_rubric_text(release: Path) -> None:
    assert leaks(release) == []
    # The hidden checks of the default config are cut out of their modules.
    text = "".join(p.read_text() for p in (release / "grader" / "checks").glob("*.py"))
    for hidden in ("dropout_forward.independent_masks", "fc_net.dropout_gradcheck"):
        assert hidden not in text
    rubric = (release / "grader" / "questions" / "rubric.toml").read_text()
    assert "[questions]" in rubric and "key_points" not in rubric


def _reference_function(name: str) -> str:
    source = (reference_root() / "cs231n" / "layers.py").read_text()
    node = next(
        n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == name
    )
    return "\n" + (ast.get_source_segment(source, node) or "") + "\n"


def _hidden_check() -> str:
    source = (REPO_ROOT / "grader" / "checks" / "test_dropout.py").read_text()
    start = source.index('@check(\n    "dropout_forward.independent_masks"')
    end = source.index("\n\n\n", start)
    return "\n\n" + source[start:end] + "\n"


# A leak planted in the bundle: (file in the bundle, text appended, what is named).
PLANTED = {
    "a reference body in the template": (
        "cs231n/layers.py",
        lambda: _reference_function("dropout_forward"),
        "reference/cs231n/layers.py: dropout_forward",
    ),
    "a reference body renamed, in the grader": (
        "grader/_extra.py",
        lambda: _reference_function("dropout_backward").replace("def dropout_backward", "def f"),
        "a statement of reference/cs231n/layers.py",
    ),
    "an oracle": (
        "grader/oracles_copy.py",
        lambda: (REPO_ROOT / "grader" / "oracles" / "fc_net.py").read_text(),
        "grader/oracles/fc_net.py",
    ),
    "a hidden check": (
        "grader/checks/test_dropout.py",
        _hidden_check,
        "the hidden check dropout_forward.independent_masks",
    ),
    "the rubric": (
        "grader/questions/rubric.toml",
        lambda: (REPO_ROOT / "grader" / "questions" / "rubric.toml").read_text(),
        "the rubric's text",
    ),
}


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_a_planted_leak_is_caught(name: str, release: Path, tmp_path: Path) -> None:
    where, text, named = PLANTED[name]
    folder = tmp_path / NAME
    shutil.copytree(release, folder)
    target = folder / where
    target.write_text((target.read_text() if target.exists() else "") + text())
    found = leaks(folder)
    assert found and any(named in line and line.startswith(where) for line in found), found


def test_build_writes_no_zip_when_the_bundle_would_leak(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import grader.release as release_module

    monkeypatch.setattr(release_module, "cut_hidden", lambda source, hidden: source)
    with pytest.raises(LeakError, match=r"hidden check dropout_forward\.independent_masks"):
        build(tmp_path)
    assert not (tmp_path / f"{NAME}.zip").exists()


def test_checks_the_config_hides_are_left_out(tmp_path: Path) -> None:
    hiding = config.parse(HIDING)
    bundle = build(tmp_path, hiding)
    assert "fc_net.loss" not in bundle.public and "optim.adam.one_step" not in bundle.public
    assert bundle.hidden == 6 and leaks(bundle.folder, hiding) == []
    fc_net = (bundle.folder / "grader" / "checks" / "test_fc_net.py").read_text()
    assert '"fc_net.loss"' not in fc_net
    listed = subprocess.run(
        [sys.executable, "-m", "grader.selfcheck", "--list"],
        cwd=bundle.folder,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert listed == list(bundle.public)


def test_cut_hidden_cuts_checks_and_their_misconceptions() -> None:
    source = textwrap.dedent("""\
        @check("a.one", points=1, title="one")
        def test_one():
            assert True


        @check("a.two", points=1, title="two")
        def test_two():
            assert True


        @misconception("ONLY_TWO", title="t", explanation="e", hint="h", checks=("a.two",))
        def only_two(evidence):
            return True


        @misconception("BOTH", title="t", explanation="e", hint="h", checks=("a.one", "a.two"))
        def both(evidence):
            return True
        """)
    cut = cut_hidden(source, {"a.two"})
    assert "a.two" not in cut and "test_two" not in cut and "ONLY_TWO" not in cut
    assert 'checks=("a.one",)' in cut and "test_one" in cut
    ast.parse(cut)


def test_recorded_answers_are_the_computed_ones(release: Path) -> None:
    answers = oracle.load(release / "grader/recorded/answers.npz")
    w, dw = np.linspace(-1, 1, 12).reshape(3, 4), np.linspace(2, 0, 12).reshape(3, 4)
    with oracle.replaying(answers), pytest.raises(oracle.NotRecordedError):
        oracle.expect("optim.step", "adam", w, dw, None)  # not an input the checks use


# -- make check from the unpacked bundle -------------------------------------------


def test_make_check_on_the_template_fails_every_check_students_write(release: Path) -> None:
    done = selfcheck(release)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    data = as_json(release)
    report = data["report"]
    assert isinstance(report, dict)
    checks = report["checks"]
    manifest = json.loads((release / "grader/recorded/manifest.json").read_text())
    assert [c["id"] for c in checks] == manifest["public"]
    given = [c for c in checks if "given complete" in c["title"]]  # sgd: handed out complete
    assert {c["id"].split(".")[1] for c in given} == {"sgd"}
    assert all(c["outcome"] == "passed" and c["max_points"] == 0 for c in given)
    written = [c for c in checks if c not in given]
    assert written and all(c["outcome"] in ("failed", "error") for c in written)
    for c in written:  # a message that says what to do, never a traceback
        assert c["message"] and "Traceback" not in c["message"]
        assert "not implemented yet" in c["message"] or "fill in" in c["message"], c
    assert "0/1" in done.stdout and "4 hidden checks" in done.stdout


def test_make_check_on_a_correct_solution_passes_every_check(release: Path, tmp_path: Path) -> None:
    folder = with_solution(release, tmp_path)
    done = selfcheck(folder)
    assert done.returncode == 0, done.stderr
    assert "Public checks: 43 of 43 pass" in done.stdout
    report = as_json(folder)["report"]
    assert isinstance(report, dict)
    assert {c["outcome"] for c in report["checks"]} == {"passed"}
    assert report["score"] == report["max_score"] > 0


def test_make_check_names_the_misconception_of_a_buggy_solution(
    release: Path, tmp_path: Path
) -> None:
    folder = with_solution(release, tmp_path)
    layers = folder / "cs231n" / "layers.py"
    text = layers.read_text()
    assert "mask = (np.random.rand(*x.shape) < p) / p" in text
    layers.write_text(
        text.replace(
            "mask = (np.random.rand(*x.shape) < p) / p", "mask = np.random.rand(*x.shape) < p"
        )
    )
    done = selfcheck(folder, "PART=dropout_forward")
    assert done.returncode == 0, done.stderr
    assert "FAIL" in done.stdout and "DROPOUT_UNSCALED" in done.stdout
    assert "hint:" in done.stdout and "optim." not in done.stdout


def test_notebook_check_grades_the_files_on_disk_not_the_kernel(
    release: Path, tmp_path: Path
) -> None:
    folder = with_solution(release, tmp_path)
    layers = folder / "cs231n" / "layers.py"
    script = textwrap.dedent(f"""\
        from pathlib import Path
        import cs231n.layers  # the kernel imports the correct code
        from grader import check
        first = check("dropout_forward")
        layers = Path({str(layers)!r})
        layers.write_text(layers.read_text().replace(
            "mask = (np.random.rand(*x.shape) < p) / p", "mask = np.random.rand(*x.shape) < p"))
        second = check("dropout_forward")  # the kernel still holds the old module
        print(first.passed, second.passed)
        print(second._repr_html_()[:200].replace("\\n", " "))
        print(second)
        """)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRADER_", "PYTHON"))}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**env, "GRADER_PYTHON": sys.executable},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "True False"
    assert "<" in lines[1] and "dropout_forward" in done.stdout
    assert "DROPOUT_UNSCALED" in done.stdout


def test_class_flavour_release_checks_common(tmp_path: Path) -> None:
    from grader import flavours

    classes = config.load(flavours.reference_root().parent / "assignment.toml")
    bundle = build(tmp_path, classes)
    assert (bundle.folder / "common" / "layers.py").is_file()
    assert not (bundle.folder / "cs231n").exists() and leaks(bundle.folder, classes) == []
    assert "weight_decay.l1_loss" in bundle.public and "layers.cache" not in bundle.public
    template = as_json(bundle.folder)["report"]
    assert isinstance(template, dict)
    assert {c["outcome"] for c in template["checks"] if "given" not in c["title"]} <= {
        "failed",
        "error",
    }
    shutil.rmtree(bundle.folder / "common")
    shutil.copytree(flavours.reference_root() / "common", bundle.folder / "common")
    solved = as_json(bundle.folder)["report"]
    assert isinstance(solved, dict)
    assert {c["outcome"] for c in solved["checks"]} == {"passed"}
