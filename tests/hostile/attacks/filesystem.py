"""Reading and writing outside the sandbox: the reference, the grader, other
students, home folders, system files, and the files the sandbox binds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Attack

if TYPE_CHECKING:
    from tests.hostile.runner import GroupRun

TITLE = "Reading and writing outside the sandbox"

#: Student code that tries each path and prints what happened. ``mode`` "read"
#: reads a byte (a folder is listed), "append" opens for appending, "create"
#: makes the folders above and writes.
_TRY = """\
import os
def attempt(paths, mode):
    for path in paths:
        try:
            if mode == "read" and os.path.isdir(path):
                os.listdir(path)
            elif mode == "read":
                with open(path, "rb") as f:
                    f.read(1)
            elif mode == "append":
                with open(path, "ab") as f:
                    f.write(b"# HACKED\\n")
            else:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w") as f:
                    f.write("HACKED")
            print("DONE", mode, path)
        except OSError as exc:
            print("BLOCKED", mode, path, type(exc).__name__)
"""


def _nothing_read(run: GroupRun, attack: Attack) -> None:
    """No read of a host path succeeded: every attempt printed BLOCKED."""
    assert "DONE read" not in run.report.output, run.report.output


def _nothing_written(run: GroupRun, attack: Attack) -> None:
    """Appending succeeded nowhere (the sandbox's own /tmp is not appended to)."""
    assert "DONE append" not in run.report.output, run.report.output


ATTACKS = (
    Attack(
        name="read-reference",
        tries="reads the reference solution's layers.py by its absolute path, through "
        "/proc/1/root and through ../ from the submission and the working folder",
        defence="bubblewrap's mount namespace holds only the interpreter, numpy, the "
        "worker's two files and the submission: the repository is not there",
        shows="the honest part's score; the attempts, all BLOCKED, in the output",
        code=_TRY
        + """\
attempt(["$REFERENCE", "/proc/1/root$REFERENCE", "/submission/../../../..$REFERENCE",
         "../../../..$REFERENCE"], "read")
""",
        rule="equal",
        ran=r"BLOCKED read ",
        ran_count=4,
        group="fs-read",
        extra=_nothing_read,
    ),
    Attack(
        name="read-grader",
        tries="reads the grader's own modules (the checks with their expected answers) by "
        "absolute path and through /proc/1/root",
        defence="the grader package is not in the sandbox; only worker.py and protocol.py "
        "are bound, read-only",
        shows="the honest part's score; the attempts, all BLOCKED, in the output",
        code=_TRY
        + """\
checks = os.path.join(os.path.dirname("$GRADER"), "checks")
attempt(["$GRADER", os.path.join(checks, "test_dropout.py"), checks,
         "/proc/1/root$GRADER"], "read")
""",
        where="relu_forward",
        rule="equal",
        ran=r"BLOCKED read ",
        ran_count=4,
        group="fs-read",
        extra=_nothing_read,
    ),
    Attack(
        name="classmate-folder",
        tries="lists, reads, appends to and adds a file to another student's submission "
        "folder, whose path it knows",
        defence="no other submission is in the sandbox: each grade binds only its own "
        "staged copy, read-only",
        shows="the honest part's score; the attempts, all BLOCKED, in the output; the "
        "classmate's files unchanged",
        code=_TRY
        + """\
attempt(["$CLASSMATE", "$CLASSMATE/cs231n/layers.py"], "read")
attempt(["$CLASSMATE/cs231n/layers.py"], "append")
""",
        where="affine_forward",
        rule="equal",
        ran=r"BLOCKED (read|append) ",
        ran_count=3,
        group="fs-read",
        unsandboxed=True,
        extra=_nothing_read,
    ),
    Attack(
        name="read-home-and-etc",
        tries="reads root's home (.bashrc, .ssh/id_rsa, .bash_history), /home, "
        "/etc/passwd, /etc/shadow and /etc/hostname",
        defence="none of them is bound; /root inside is an empty folder bubblewrap made "
        "to reach the interpreter",
        shows="the honest part's score; the attempts, all BLOCKED, in the output",
        code=_TRY
        + """\
attempt(["/root/.bashrc", "/root/.ssh/id_rsa", "/root/.bash_history", "/home",
         "/etc/passwd", "/etc/shadow", "/etc/hostname"], "read")
""",
        where="softmax_loss",
        rule="equal",
        ran=r"BLOCKED read ",
        ran_count=7,
        group="fs-read",
        extra=_nothing_read,
    ),
    Attack(
        name="write-host-files",
        tries="overwrites a file of the host outside the sandbox and creates another one "
        "(both in pytest's temporary folder here), making the folders above as needed",
        defence="the host's folders are not in the sandbox: what the code creates lands in "
        "the sandbox's own /tmp, a tmpfs that disappears with it",
        shows="the honest part's score; the sentinel unchanged and the new file absent on the host",
        code=_TRY + 'attempt(["$SENTINEL", "$CREATE"], "create")\n',
        rule="equal",
        ran=r"(DONE|BLOCKED) create ",
        ran_count=2,
        group="fs-write",
        unsandboxed=True,
    ),
    Attack(
        name="write-system-files",
        tries="appends a user to /etc/passwd and writes /etc/cron.d/hostile, a .pth file in "
        "/usr/lib/python3/dist-packages, /bin/sh and /root/.bashrc",
        defence="/usr is bound read-only, /etc and /root's files are not in the sandbox, and "
        "the worker runs as uid 65534 without capabilities",
        shows="the honest part's score; the attempts, all BLOCKED, in the output; the host's "
        "/etc/passwd unchanged",
        code=_TRY
        + """\
attempt(["/etc/passwd", "/bin/sh", "/root/.bashrc"], "append")
attempt(["/etc/cron.d/hostile", "/usr/lib/python3/dist-packages/hostile.pth"], "create")
""",
        where="relu_forward",
        rule="equal",
        ran=r"BLOCKED (append|create) ",
        ran_count=5,
        group="fs-write",
        extra=_nothing_written,
    ),
    Attack(
        name="write-reference-and-grader",
        tries="appends code to the reference's layers.py, to a grader module and to numpy's "
        "__init__.py by their host paths, so that later grades run it",
        defence="none of the three host paths exists in the sandbox; numpy is bound "
        "read-only at another path",
        shows="the honest part's score; the attempts, all BLOCKED; the files unchanged",
        code=_TRY + 'attempt(["$REFERENCE", "$GRADER", "$NUMPY_INIT"], "append")\n',
        where="affine_forward",
        rule="equal",
        ran=r"BLOCKED append ",
        ran_count=3,
        group="fs-write",
        unsandboxed=True,
        extra=_nothing_written,
    ),
    Attack(
        name="tamper-bound-files",
        tries="appends to the files the sandbox binds: the worker's protocol.py and "
        "worker.py, numpy's __init__.py and its own staged layers.py, so that the next "
        "worker, or the next student, runs it",
        defence="every bind is read-only, and the files are root's while the worker runs "
        "as uid 65534; each grade stages a fresh copy of the submission",
        shows="the honest part's score; the attempts, all BLOCKED",
        code=_TRY
        + """\
attempt(["/opt/grader/protocol.py", "/opt/grader/worker.py",
         "/opt/numpy/numpy/__init__.py", "/submission/cs231n/layers.py"], "append")
""",
        where="softmax_loss",
        rule="equal",
        ran=r"BLOCKED append /(opt|submission)/\S+ \w+Error",
        ran_count=4,
        group="fs-write",
        extra=_nothing_written,
    ),
)
