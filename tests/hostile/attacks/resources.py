"""Bombs: processes, memory, scratch space, shared memory, output."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from . import Attack

if TYPE_CHECKING:
    from tests.hostile.runner import GroupRun

TITLE = "Resource bombs"


def _flood_cut(run: GroupRun, attack: Attack) -> None:
    """The log stopped at the 8 MiB limit and the report keeps 64 KiB of it."""
    assert run.report.output_bytes == 8 * 1024**2
    assert len(run.report.output) <= 64 * 1024


def _garbage_readable(run: GroupRun, attack: Attack) -> None:
    """The garbage arrives as text (U+FFFD for what is not UTF-8), 64 KiB of
    it, and every renderer takes it."""
    from grader.render import html

    report = run.report
    assert len(report.output) <= 64 * 1024 and report.output_bytes > 3_000_000
    assert report.output.startswith("GARBAGE:<script>") and "\ufffd" in report.output
    assert json.loads(report.to_json())["output"] == report.output
    page = html.render(report)
    assert "GARBAGE:&lt;script&gt;" in page and "<script>alert" not in page


ATTACKS = (
    Attack(
        name="fork-bomb",
        tries="calls os.fork in a loop inside dropout_forward; each child renames itself "
        "and sleeps two minutes",
        defence="RLIMIT_NPROC (32 processes and threads of the sandbox's user); everything "
        "in the PID namespace dies with the sandbox",
        shows="an error worth 0 naming the limit: '... raised BlockingIOError ... (starting a "
        "process or thread failed: the sandbox allows 32 processes and threads)'; events for "
        "that and for the processes left running",
        code="""\
import os, time
children = 0
try:
    while True:
        if os.fork() == 0:
            with open("/proc/self/comm", "w") as f:
                f.write("$MARKER")
            time.sleep(120)
            os._exit(0)
        children += 1
except OSError as exc:
    print("FORK BOMB STOPPED AFTER", children, type(exc).__name__)
    raise
""",
        ran=r"FORK BOMB STOPPED AFTER \d+",
        contained=r"the sandbox allows 32 processes",
        extra=lambda run, attack: _left_processes(run),
    ),
    Attack(
        name="multiprocessing-bomb",
        tries="starts multiprocessing.Process children in a loop inside dropout_forward, "
        "each renaming itself and sleeping two minutes",
        defence="RLIMIT_NPROC and RLIMIT_NOFILE (each child holds a pipe); everything in the "
        "PID namespace dies with the sandbox",
        shows="an error worth 0 naming the limit met; events for it and the processes left running",
        code="""\
import multiprocessing, time
def hold():
    with open("/proc/self/comm", "w") as f:
        f.write("$MARKER")
    time.sleep(120)
context = multiprocessing.get_context("fork")
children = []
try:
    while True:
        child = context.Process(target=hold)
        child.start()
        children.append(child)
except OSError as exc:
    print("MULTIPROCESSING BOMB STOPPED AFTER", len(children), type(exc).__name__)
    raise
""",
        ran=r"MULTIPROCESSING BOMB STOPPED AFTER \d+",
        contained=r"the sandbox allows (32 processes|64 open files)",
        extra=lambda run, attack: _left_processes(run),
    ),
    Attack(
        name="memory-bomb",
        tries="allocates 128 GiB with numpy inside dropout_forward",
        defence="RLIMIT_AS (memory_mb, 2048 MiB) makes the allocation fail in the worker",
        shows="an error worth 0: '... raised MemoryError ... (it ran out of memory: the "
        "sandbox allows 2048 MiB)'; an event",
        code="hog = np.ones(2**34)\n",
        ran=r"MemoryError",
        contained=r"dropout_forward: it ran out of memory: the sandbox allows 2048 MiB",
        group="memory",
    ),
    Attack(
        name="scratch-fill",
        tries="writes 4 MiB files into /tmp and the working folder until 800 MiB each, to "
        "fill the host's memory (/tmp was a tmpfs of half the RAM) or disk (the working "
        "folder was a host folder)",
        defence="/work and /tmp are tmpfs of 64 MiB each inside the sandbox "
        "(Limits.scratch_bytes); no host folder is writable",
        shows="an error worth 0: '... raised OSError: [Errno 28] No space left on device (the "
        "sandbox's writable folders /work and /tmp hold 64 MiB each ...)'; an event",
        code="""\
import os
for folder in ("/tmp", os.getcwd()):
    for i in range(200):
        with open(os.path.join(folder, f"fill{i}"), "wb") as f:
            f.write(b"x" * (4 << 20))
""",
        where="relu_forward",
        ran=r"No space left on device",
        contained=r"relu_forward: the sandbox's writable folders /work and /tmp hold 64 MiB",
        group="memory",
    ),
    Attack(
        name="shared-memory",
        tries="holds memory outside its address space: System V segments created, touched "
        "and detached one by one (3 GiB passed the 2 GiB limit before), and memfd files",
        defence="a seccomp filter makes shmget, memfd_create and memfd_secret fail with EPERM",
        shows="an error worth 0: '... raised PermissionError: [Errno 1] Operation not "
        "permitted (the sandbox does not allow this operation ...)'; an event",
        code="""\
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
segment = libc.shmget(0, ctypes.c_size_t(1 << 30), 0o1600)
print("SHMGET", segment, "ERRNO", ctypes.get_errno())
os.memfd_create("hold")
""",
        where="affine_forward",
        ran=r"SHMGET -1 ERRNO 1\b",
        contained=r"affine_forward: the sandbox does not allow this operation",
        group="memory",
    ),
    Attack(
        name="fork-memory-bomb",
        tries="forks 4 children that each hold 300 MB inside dropout_forward: each is below "
        "the per-process limit (512 MiB in this test), together they are far above it",
        defence="while it waits for an answer the trusted process adds up the memory of "
        "every process in the sandbox every 50 ms and kills the sandbox past memory_mb",
        shows="an error worth 0: 'dropout_forward: its processes together used more than "
        "512 MiB of memory ...'; an event",
        code="""\
import os, time
for _ in range(4):
    if os.fork() == 0:
        hog = np.ones(300 * 2**20 // 8)
        time.sleep(60)
        os._exit(0)
time.sleep(60)
""",
        ran=r"used more than 512 MiB",
        contained=r"dropout_forward: its processes together used more than 512 MiB of memory",
        memory_mb=512,
    ),
    Attack(
        name="output-flood",
        tries="prints 14 MB of fake PASSED lines on stdout and stderr (catching the errors), "
        "then returns the right answer",
        defence="RLIMIT_FSIZE stops the log at 8 MiB (later prints fail); the report keeps 64 KiB",
        shows="the honest part's score; an event: 'your code printed more than the sandbox's "
        "limit of 8 MiB of output ...'",
        code="""\
import sys
line = "PASSED dropout_forward.scaling 2/2 " * 100 + "\\n"
for _ in range(2000):
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.write(line)
        except OSError:
            pass
""",
        rule="equal",
        ran=r"PASSED dropout_forward\.scaling 2/2",
        contained=r"printed more than the sandbox's limit of 8 MiB of output",
        extra=_flood_cut,
    ),
    Attack(
        name="binary-garbage-output",
        tries="writes a script tag, 20 KB of random bytes and NUL bytes, then a 3 MB line "
        "without a newline, straight to descriptors 1 and 2, then returns the right answer",
        defence="the log is read as bytes and decoded with replacement; 64 KiB are kept; "
        "the HTML report escapes what it shows",
        shows="the honest part's score; the output as text with U+FFFD for undecodable "
        "bytes and the script tag escaped in report.html; an event: 'your code printed "
        "3,021,033 bytes; the report keeps the first 64 KiB'",
        code="""\
import os
os.write(1, b"GARBAGE:<script>alert(1)</script>" + os.urandom(20_000) + bytes(1000))
os.write(2, b"A" * 3_000_000)
""",
        where="relu_forward",
        rule="equal",
        ran=r"GARBAGE:",
        contained=r"your code printed [\d,]+ bytes; the report keeps the first 64 KiB",
        extra=_garbage_readable,
    ),
)


def _left_processes(run: GroupRun) -> None:
    assert any("left" in e and "processes running" in e for e in run.report.events), (
        run.report.events
    )
