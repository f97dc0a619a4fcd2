"""Code that outlives its call: daemons, threads, atexit handlers, __del__."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Attack

if TYPE_CHECKING:
    from tests.hostile.runner import GroupRun

TITLE = "Code that outlives its call"


def _left_running(run: GroupRun, attack: Attack) -> None:
    events = " ".join(run.report.events)
    assert "left 1 process running" in events, run.report.events
    assert "threads running" in events, run.report.events


ATTACKS = (
    Attack(
        name="daemon-at-import",
        tries="when layers.py is imported, double-forks a daemon in a new session (named "
        "with a marker) that would outlive the worker and meddle with later grades",
        defence="the daemon stays in bubblewrap's PID namespace; after the grade the "
        "batch's zygote kills every process in it but itself, and the grader checks from "
        "outside that none is left before the next student's files go in (else the whole "
        "sandbox is killed)",
        shows="the honest part's score; an event: 'your code left 1 process running after "
        "its last answer ...'; no process with the marker on the host afterwards",
        code="""\
import os, sys
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c",
                 "import time  # $MARKER daemon\\ntime.sleep(300)"])
    os._exit(0)
os.wait()
print("DAEMON STARTED")
""",
        where="<import>",
        keyword="layers.softmax_loss",
        rule="equal",
        ran=r"DAEMON STARTED",
        contained=r"left 1 process running",
        group="lingering",
        extra=_left_running,
    ),
    Attack(
        name="thread-mutates-later",
        tries="returns zeros and starts a thread that, once the answer is sent, keeps "
        "writing a correct dropout sample into the returned array and mask, for a grader "
        "that holds references to them",
        defence="answers are copied into bytes before they are sent and rebuilt as new "
        "arrays in the trusted process; the thread can only touch the worker's copies",
        shows="every targeted check worth 0 (what was returned is what counts); an event: "
        "'your code left ... threads running ...'",
        code="""\
import threading, time
calls = globals().setdefault("CALLS", [0])
calls[0] += 1
out, mask = np.zeros_like(x), np.zeros_like(x)
def later(this_call=calls[0]):
    while calls[0] == this_call:  # until the next call: this answer is long sent
        time.sleep(0.01)
    p = dropout_param["p"]
    while True:
        fresh = (np.random.rand(*x.shape) < p) / p
        np.copyto(mask, fresh)
        np.copyto(out, x * fresh)
        time.sleep(0.05)
threading.Thread(target=later, daemon=True).start()
print("THREAD STARTED")
return out, (dropout_param, mask)
""",
        mode="replace",
        spared=("dropout_forward.no_side_effects",),
        ran=r"THREAD STARTED",
        contained=r"threads? running after its last answer",
        group="lingering",
    ),
    Attack(
        name="atexit-and-del",
        tries="registers an atexit handler that overwrites a host file and leaves an "
        "object whose __del__ creates one, to act after grading, when nobody checks",
        defence="the worker is killed with SIGKILL at the end, so neither runs, and the "
        "host's files are not in the sandbox anyway",
        shows="the honest part's score; the sentinel unchanged and nothing created",
        code="""\
import atexit, gc
def at_exit():
    with open("$SENTINEL", "w") as f:
        f.write("HACKED by atexit")
atexit.register(at_exit)
class Haunt:
    def __del__(self):
        with open("$CREATE", "w") as f:
            f.write("HACKED by __del__")
haunt = Haunt()
haunt.me = haunt  # a cycle: collected later, or at exit
gc.disable()
print("ATEXIT REGISTERED")
""",
        where="softmax_loss",
        rule="equal",
        ran=r"ATEXIT REGISTERED",
        group="lingering",
        unsandboxed=True,
    ),
)
