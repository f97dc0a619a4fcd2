"""Submissions that attack the grader gain nothing, and grading goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.grade import grade
from tests.grader.conftest import MakeSubmission

FORWARD_START = '    p, mode = dropout_param["p"], dropout_param["mode"]\n'


def attack(code: str) -> tuple[str, str, str]:
    """Run `code` at the start of dropout_forward."""
    return (
        "layers.py",
        FORWARD_START,
        FORWARD_START + "".join(f"    {line}\n" for line in code.splitlines()),
    )


WRONG = (
    "layers.py",
    "        mask = (np.random.rand(*x.shape) < p) / p\n",
    "        mask = np.ones_like(x)\n",
)


def dropout_score(report) -> float:  # type: ignore[no-untyped-def]
    return sum(c.points for c in report.checks if c.part == "dropout_forward")


def test_exit_mid_check_is_an_error_and_grading_goes_on(make_submission: MakeSubmission) -> None:
    report = grade(make_submission(attack("import os; os._exit(0)")))
    forward = [c for c in report.checks if c.part == "dropout_forward"]
    assert forward and all(c.outcome == "error" for c in forward)
    assert "exited" in forward[0].message
    assert report.events
    # dropout_backward's probe also calls the forward pass; grading still completes.
    assert len(report.checks) >= 10


def test_infinite_loop_times_out(
    make_submission: MakeSubmission, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADER_CALL_SECONDS", "1.5")
    report = grade(make_submission(attack("while True: pass")))
    forward = [c for c in report.checks if c.part == "dropout_forward"]
    assert all(c.outcome == "error" for c in forward)
    assert "time limit" in forward[0].message


def test_fake_passed_output_and_flood_change_nothing(make_submission: MakeSubmission) -> None:
    flood = "import sys\nfor _ in range(2000): print('PASSED dropout_forward.scaling 2/2 ' * 100)"
    report = grade(make_submission(attack(flood), WRONG))
    scaling = next(c for c in report.checks if c.id == "dropout_forward.scaling")
    assert scaling.outcome in ("failed", "error")
    assert report.output_bytes > 0


def test_patching_numpy_in_the_worker_does_not_reach_the_verdict(
    make_submission: MakeSubmission,
) -> None:
    patch = (
        "np.array_equal = lambda *a, **k: True\n"
        "np.allclose = lambda *a, **k: True\n"
        "np.mean = lambda *a, **k: 0.0"
    )
    report = grade(make_submission(attack(patch), WRONG))
    assert next(c for c in report.checks if c.id == "dropout_forward.scaling").outcome == "failed"
    assert (
        next(c for c in report.checks if c.id == "dropout_forward.keep_fraction").outcome
        == "failed"
    )


def test_object_with_lying_eq_is_not_an_array(make_submission: MakeSubmission) -> None:
    lie = (
        "class Liar:\n"
        "    def __eq__(self, other): return True\n"
        "    def __array__(self, *a, **k): raise RuntimeError('no')\n"
        "return Liar(), (dropout_param, None)"
    )
    report = grade(make_submission(attack(lie)))
    forward = [c for c in report.checks if c.part == "dropout_forward"]
    assert forward and all(c.points == 0 for c in forward)
    assert "should be a numpy array" in forward[0].message


def _spy(paths: list[str]) -> str:
    """Student code that prints the first line of each file it can read."""
    return (
        f"for path in {paths!r}:\n"
        "    try:\n"
        "        print('READ', path, open(path).readline().strip())\n"
        "    except OSError as exc:\n"
        "        print('BLOCKED', path, type(exc).__name__)"
    )


def test_reference_and_grader_files_are_out_of_reach(make_submission: MakeSubmission) -> None:
    from grader import REPO_ROOT
    from grader.sandbox.launcher import isolation_level

    if isolation_level() != "bwrap":
        pytest.fail("this machine has no working bubblewrap: run `sh tools/system-deps.sh`")
    secrets = [
        str(REPO_ROOT / "reference" / "cs231n" / "layers.py"),
        str(REPO_ROOT / "grader" / "plugin.py"),
        "/root/.bashrc",
        "/etc/shadow",
    ]
    report = grade(make_submission(attack(_spy(secrets))), keyword="dropout_forward.api")
    assert report.isolation == "bwrap"
    assert report.output.count("BLOCKED") >= len(secrets)
    assert "READ" not in report.output


def test_network_is_unreachable_from_student_code(make_submission: MakeSubmission) -> None:
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        code = (
            "import socket\n"
            "try:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
            "    print('CONNECTED')\n"
            "except OSError as exc:\n"
            "    print('NO NETWORK', type(exc).__name__)"
        )
        report = grade(make_submission(attack(code)), keyword="dropout_forward.api")
        server.setblocking(False)
        with pytest.raises(BlockingIOError):  # nothing waits in the backlog
            server.accept()
    assert "NO NETWORK" in report.output and "CONNECTED" not in report.output


def test_lone_surrogate_in_a_message_still_gives_a_report(
    make_submission: MakeSubmission, tmp_path: Path
) -> None:
    import subprocess
    import sys

    from grader import REPO_ROOT

    submission = make_submission(attack("raise ValueError('\\ud800 broken text')"))
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "grade",
            str(submission),
            "--out",
            str(out),
            "-k",
            "dropout_forward",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = (out / "report.json").read_text(encoding="utf-8")
    assert "\ufffd broken text" in report
