"""The zygote a batch's grading process keeps (sandbox.launcher.Zygote): what
one student's code can do to the next student's grade through it. Each test
grades real submissions end to end on one zygote: a student's code that
leaves processes, files and locked folders behind, or goes after the zygote
itself, and then a student whose code looks for any trace of the first and
sabotages its own grade if it finds one."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader import REPO_ROOT, grade
from grader import spare as spares
from grader.report import GradeReport
from grader.sandbox import launcher
from grader.sandbox.launcher import WORKER_DIR, isolation_level
from grader.submission import read_files

pytestmark = pytest.mark.skipif(isolation_level() != "bwrap", reason="needs bubblewrap")

REFERENCE = read_files(REPO_ROOT / "examples" / "submissions" / "reference.zip")
LAYERS = ("cs231n", "layers.py")
#: The dropout checks only: enough to import the code and grade it.
KEYWORD = "dropout_forward"

#: Run at import: leave everything a student could leave for the next one.
POLLUTER = """
import ctypes as _ctypes, os as _os, time as _time

def _pollute():
    zygote = _os.getppid()
    for name in ("mem", "environ"):
        try:
            with open(f"/proc/{zygote}/{name}", "rb") as f:
                f.read(1)
            print("ZYGOTE-READ", name)
        except OSError as exc:
            print("ZYGOTE-REFUSED", name, type(exc).__name__)
    try:
        _os.listdir(f"/proc/{zygote}/fd")
        print("ZYGOTE-READ fd")
    except OSError as exc:
        print("ZYGOTE-REFUSED fd", type(exc).__name__)
    libc = _ctypes.CDLL(None, use_errno=True)
    if libc.ptrace(16, zygote, 0, 0) == 0:  # PTRACE_ATTACH
        print("ZYGOTE-TRACED")
    else:
        print("ZYGOTE-REFUSED ptrace", _ctypes.get_errno())
    for folder in ("/tmp", "/work"):
        _os.makedirs(folder + "/left/locked", exist_ok=True)
        with open(folder + "/left/locked/answers.py", "w") as f:
            f.write("x = 1\\n")
        _os.chmod(folder + "/left/locked", 0)
        _os.chmod(folder + "/left", 0)
        with open(folder + "/left.txt", "w") as f:
            f.write("from the last student\\n")
        _os.symlink("/submission", folder + "/link")
    if _os.fork() == 0:
        _os.setsid()
        if _os.fork() == 0:
            while True:
                _time.sleep(0.05)
        _os._exit(0)
    _time.sleep(0.1)
    print("POLLUTED")

_pollute()
"""

#: Run at import: any process, file or folder another student left makes
#: this submission's dropout wrong, so that a trace shows in its grade.
SPY = """
import os as _os

def _traces():
    mine = {1, _os.getppid(), _os.getpid()}
    others = [n for n in _os.listdir("/proc") if n.isdigit() and int(n) not in mine]
    files = _os.listdir("/tmp") + _os.listdir("/work")
    print("SPY", others, files)
    return others or files

if _traces():
    def dropout_forward(x, dropout_param):
        return x, (dropout_param, None)
"""


def _files(code: str) -> dict[tuple[str, ...], bytes]:
    files = dict(REFERENCE)
    files[LAYERS] = files[LAYERS] + code.encode()
    return files


def _grade(name: str, code: str = "") -> GradeReport:
    report, _ = grade.run(Path(name), seed=3, files=_files(code), keyword=KEYWORD, warm=True)
    return report


@pytest.fixture
def zygote() -> Iterator[spares.ZygoteSpare]:
    """A zygote started by a warm grade of the reference, as a batch's first grade leaves it."""
    spares.discard_spare()
    first = _grade("first")
    assert first.score == first.max_score
    spares.start(grade.current().limits.sandbox(), "bwrap")
    assert len(spares.kept) == 1 and isinstance(spares.kept[0], spares.ZygoteSpare)
    yield spares.kept[0]
    spares.discard_spare()


def _spy_passes() -> GradeReport:
    spy = _grade("spy", SPY)
    assert "SPY [] []" in spy.output, spy.output
    assert spy.score == spy.max_score > 0, [(c.id, c.message) for c in spy.checks]
    return spy


def test_a_student_leaves_nothing_for_the_next_and_cannot_reach_the_zygote(
    zygote: spares.ZygoteSpare,
) -> None:
    sandbox = zygote.zygote.process.pid
    polluter = _grade("polluter", POLLUTER)
    assert "POLLUTED" in polluter.output, polluter.output
    assert "ZYGOTE-READ" not in polluter.output and "ZYGOTE-TRACED" not in polluter.output
    assert polluter.output.count("ZYGOTE-REFUSED") == 4, polluter.output
    assert any("left 1 process running" in event for event in polluter.events), polluter.events
    assert polluter.score == polluter.max_score  # its own code is the reference's
    # The same sandbox, cleaned, grades the next student.
    assert spares.kept == [zygote] and zygote.zygote.process.pid == sandbox
    _spy_passes()
    assert spares.kept == [zygote] and zygote.zygote.process.pid == sandbox


def test_a_student_who_kills_the_zygote_only_costs_the_next_grade_a_new_sandbox(
    zygote: spares.ZygoteSpare,
) -> None:
    killer = _grade("killer", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n")
    assert killer.isolation == "bwrap"
    assert zygote not in spares.kept, "a zygote that stopped answering was kept"
    assert zygote.zygote.process.poll() is not None and not zygote.folder.exists()
    _spy_passes()


def test_a_student_who_stops_the_zygote_only_costs_the_next_grade_a_new_sandbox(
    zygote: spares.ZygoteSpare, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(launcher, "CLEAN_SECONDS", 0.5)  # the wait for an answer that never comes
    stopper = _grade("stopper", "import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)\n")
    assert stopper.isolation == "bwrap"
    assert zygote not in spares.kept and zygote.zygote.process.poll() is not None
    _spy_passes()


def test_a_worker_of_the_zygote_that_exits_is_told_as_any_worker_is(
    zygote: spares.ZygoteSpare,
) -> None:
    code = "import os\ndef dropout_forward(x, dropout_param):\n    os._exit(7)\n"
    report = _grade("exits", code)
    messages = [c.message for c in report.checks if c.outcome == "error"]
    assert messages and all("exited with status 7" in m for m in messages), messages
    assert spares.kept == [zygote]
    _spy_passes()


def test_the_zygote_runs_only_as_a_sandboxs_first_process() -> None:
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(WORKER_DIR / "worker.py"), "--zygote", ".", ".", "{}"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 4, done.stderr
    assert "first process" in done.stderr


def test_a_zygote_that_says_clean_when_it_is_not_is_not_believed(
    zygote: spares.ZygoteSpare, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trusted process checks from outside: processes and files left in
    the sandbox condemn it, whatever the zygote answered."""
    asked = launcher.Zygote._ask

    def lying(self: launcher.Zygote, request: dict[str, object], *args: object) -> object:
        if request == {"op": "clean"}:
            return {"clean": True}  # without cleaning anything
        return asked(self, request, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(launcher.Zygote, "_ask", lying)
    polluter = _grade("polluter", POLLUTER)
    assert "POLLUTED" in polluter.output, polluter.output
    assert zygote not in spares.kept and zygote.zygote.process.poll() is not None
    assert zygote.zygote.broken and "left in the sandbox" in zygote.zygote.broken
    _spy_passes()


#: At import: a System V message queue holding a message, and a semaphore
#: set, both of which outlive the process that made them.
IPC_LEAVER = """
import ctypes as _ctypes

def _leave():
    libc = _ctypes.CDLL(None, use_errno=True)
    queue = libc.msgget(0x5EED, 0o1600)  # IPC_CREAT | 0600
    message = _ctypes.create_string_buffer(b"\\x01\\0\\0\\0\\0\\0\\0\\0from the last student", 64)
    sent = libc.msgsnd(queue, message, 21, 0)
    semaphores = libc.semget(0x5EED, 1, 0o1600)
    print("IPC-LEFT", queue, sent, semaphores)

_leave()
"""

#: At import: any System V queue or semaphore set the last student left makes
#: this submission's dropout wrong.
IPC_SPY = """
import ctypes as _ctypes

def _found():
    libc = _ctypes.CDLL(None, use_errno=True)
    found = [libc.msgget(0x5EED, 0), libc.semget(0x5EED, 0, 0)]
    for kind in ("msg", "sem", "shm"):
        with open("/proc/sysvipc/" + kind) as f:
            found += [len(f.read().splitlines()) - 1]
    print("IPC-SPY", found)
    return found != [-1, -1, 0, 0, 0]

if _found():
    def dropout_forward(x, dropout_param):
        return x, (dropout_param, None)
"""


def test_a_student_leaves_no_system_v_ipc_for_the_next(zygote: spares.ZygoteSpare) -> None:
    leaver = _grade("ipc-leaver", IPC_LEAVER)
    left = next(line for line in leaver.output.splitlines() if line.startswith("IPC-LEFT"))
    queue, sent, semaphores = (int(n) for n in left.split()[1:])
    assert queue >= 0 and sent == 0 and semaphores >= 0, left  # they were made
    spy = _grade("ipc-spy", IPC_SPY)
    assert spares.kept == [zygote]  # the same sandbox graded both
    assert "IPC-SPY [-1, -1, 0, 0, 0]" in spy.output, spy.output
    assert spy.score == spy.max_score > 0
