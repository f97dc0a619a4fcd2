"""Exits, signals, endless loops and recursion, at import and in a call."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Attack

if TYPE_CHECKING:
    from tests.hostile.runner import GroupRun

TITLE = "Exits, signals, hangs and recursion"

_TIMEOUTS = {"GRADER_CALL_SECONDS": "1.5"}


def _imported_once(run: GroupRun, attack: Attack) -> None:
    """The import that kills or hangs the worker is tried once, not per check."""
    tries = [e for e in run.report.events if e.startswith("importing the package")]
    assert len(tries) == 1, run.report.events
    assert "did not try again" in tries[0]


ATTACKS = (
    Attack(
        name="exit-in-import",
        tries="calls os._exit(3) while cs231n.layers is imported, killing the worker "
        "before any check",
        defence="the worker is a separate sandboxed process; the trusted process sees its "
        "channel close and records the exit; the import is not retried",
        shows="every targeted check an error worth 0: 'importing your cs231n package failed: "
        "the process exited with status 3 ...'; one event",
        code="import os\nos._exit(3)\n",
        where="<import>",
        keyword="dropout_forward",
        ran=r"exited with status 3",
        contained=r"exited with status 3 in the middle of the grading; the grader did not try",
        extra=_imported_once,
    ),
    Attack(
        name="systemexit-in-import",
        tries="raises SystemExit while cs231n.layers is imported, hoping the grader exits "
        "with success",
        defence="the worker catches BaseException around each import and reports it",
        shows="every targeted check worth 0: 'cs231n/layers.py could not be imported "
        "(SystemExit: 0)'",
        code="raise SystemExit(0)\n",
        where="<import>",
        keyword="dropout_forward",
        ran=r"SystemExit",
        contained=r"could not be imported \(SystemExit",
    ),
    Attack(
        name="exit-mid-check",
        tries="calls os._exit(0) inside dropout_forward, in the middle of a check",
        defence="the channel closes; the trusted process kills what is left of the sandbox, "
        "starts a new worker for the next check",
        shows="the check an error worth 0: 'the process exited with status 0 in the middle "
        "of the grading'; an event",
        code="import os\nos._exit(0)\n",
        ran=r"exited with status 0",
        contained=r"dropout_forward: the process exited with status 0",
        group="crash",
    ),
    Attack(
        name="systemexit-mid-check",
        tries="calls sys.exit(3) inside relu_forward",
        defence="the worker catches BaseException around every call",
        shows="the check an error worth 0: 'relu_forward raised SystemExit: 3'",
        code="import sys\nsys.exit(3)\n",
        where="relu_forward",
        ran=r"raised SystemExit",
        contained=r"relu_forward raised SystemExit: 3",
        group="crash",
    ),
    Attack(
        name="sigkill-self",
        tries="sends SIGKILL to its own process inside affine_forward",
        defence="the trusted process reads the exit status bubblewrap passes on and names "
        "the signal; a new worker serves the next check",
        shows="an error worth 0: 'it was killed by signal SIGKILL'; an event",
        code="import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
        where="affine_forward",
        ran=r"SIGKILL",
        contained=r"affine_forward: it was killed by signal SIGKILL",
        group="crash",
    ),
    Attack(
        name="sigsegv-self",
        tries="dereferences a null pointer with ctypes inside softmax_loss (a real "
        "segmentation fault)",
        defence="the crash ends the worker process only",
        shows="an error worth 0: 'it was killed by signal SIGSEGV'; an event",
        code="import ctypes\nctypes.string_at(0)\n",
        where="softmax_loss",
        ran=r"SIGSEGV",
        contained=r"softmax_loss: it was killed by signal SIGSEGV",
        group="crash",
    ),
    Attack(
        name="recursion-error",
        tries="recurses without end inside adam",
        defence="Python's recursion limit in the worker; the error is the check's",
        shows="an error worth 0: 'adam raised RecursionError'",
        code="def down(n):\n    return down(n + 1)\ndown(0)\n",
        where="adam",
        ran=r"RecursionError",
        contained=r"adam raised RecursionError",
        group="crash",
    ),
    Attack(
        name="stack-overflow",
        tries="lifts the recursion limit to 10^8 and takes the repr of a list nested a "
        "million deep inside rmsprop, overflowing the C stack",
        defence="the overflow kills the worker process only",
        shows="an error worth 0: 'it was killed by signal SIGSEGV'; an event",
        code="import sys\nsys.setrecursionlimit(10**8)\nv = []\n"
        "for _ in range(10**6):\n    v = [v]\nrepr(v)\n",
        where="rmsprop",
        ran=r"SIGSEGV|RecursionError",
        contained=r"rmsprop: it was killed by signal SIGSEGV|rmsprop raised RecursionError",
        group="crash",
    ),
    Attack(
        name="infinite-loop-call",
        tries="loops forever inside relu_forward",
        defence="every call has a wall-clock deadline (call_seconds; 1.5 s in this test), "
        "after which the whole sandbox is killed",
        shows="an error worth 0: 'relu_forward: it did not answer within the time limit'; an event",
        code="while True:\n    pass\n",
        where="relu_forward",
        mode="replace",
        ran=r"relu_forward: it did not answer",
        contained=r"relu_forward: it did not answer within the time limit",
        group="timeouts",
        env=_TIMEOUTS,
    ),
    Attack(
        name="ignore-sigterm",
        tries="ignores SIGTERM, SIGINT, SIGHUP and SIGXCPU, then loops forever inside "
        "dropout_forward, so that a polite stop does not work",
        defence="the sandbox is stopped with SIGKILL to its process group; bubblewrap's "
        "PID namespace takes every process in it down",
        shows="an error worth 0: 'it did not answer within the time limit'; an event; no "
        "process left",
        code="import signal\n"
        "for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU):\n"
        "    signal.signal(sig, signal.SIG_IGN)\n"
        "print('IGNORING SIGNALS')\n"
        "while True:\n    pass\n",
        ran=r"IGNORING SIGNALS",
        contained=r"dropout_forward: it did not answer within the time limit",
        group="timeouts",
        env=_TIMEOUTS,
    ),
    Attack(
        name="infinite-loop-import",
        tries="loops forever while cs231n.layers is imported",
        defence="starting the worker and importing have a deadline (start_seconds; 3 s in "
        "this test); the import is then not retried, so the loop costs one deadline per "
        "grade, not one per check",
        shows="every targeted check an error worth 0: 'importing your cs231n package "
        "failed: it did not answer within the time limit'; one event",
        code="while True:\n    pass\n",
        where="<import>",
        keyword="dropout_forward",
        ran=r"did not answer within the time limit",
        contained=r"importing the package: it did not answer within the time limit; the "
        r"grader did not try again",
        env={"GRADER_START_SECONDS": "3"},
        extra=_imported_once,
        slow=True,
    ),
    Attack(
        name="deep-source-nesting",
        tries="appends an expression 200,000 terms deep to layers.py, so that parsing the "
        "file recurses past Python's limit (this crashed the trusted process's course-year "
        "detection before: no report at all)",
        defence="profile detection treats an unparsable file like a syntax error; the "
        "sandbox's import fails with RecursionError",
        shows="every targeted check worth 0: 'cs231n/layers.py could not be imported "
        "(RecursionError ...)'",
        code="DEEP = " + "1+" * 200_000 + "1\n",
        where="<end>",
        keyword="dropout_forward",
        ran=r"RecursionError",
        contained=r"could not be imported \(RecursionError",
    ),
)
