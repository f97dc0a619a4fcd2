"""Forged results: report files, printed verdicts, terminal tricks, forged
protocol frames, and libraries patched before the checks run."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from . import NO_DROPPING, Attack

if TYPE_CHECKING:
    from tests.hostile.runner import GroupRun

TITLE = "Forged results and patched libraries"

_FIND_CHANNEL = """\
import fcntl, os, stat, struct
def _channel():
    # The worker's answer pipe: the one pipe open for writing.
    for fd in range(3, 64):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode) and (
                fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
            ) == os.O_WRONLY:
                return fd
        except OSError:
            pass
    raise RuntimeError("no channel")
"""


def _report_untouched(run: GroupRun, attack: Attack) -> None:
    """The CLI's out folder holds its own two files, report.json as graded."""
    files = sorted(p.name for p in run.context.out.iterdir())
    assert files == ["report.html", "report.json"], files
    on_disk = json.loads((run.context.out / "report.json").read_text(encoding="utf-8"))
    assert on_disk["score"] == run.report.score <= run.baseline.score
    html = (run.context.out / "report.html").read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html"), html[:200]


def _terminal_clean(run: GroupRun, attack: Attack) -> None:
    """The student's escape sequences reached report.json but not the TA's terminal."""
    relu = next(c for c in run.report.checks if c.id == "layers.relu")
    assert "\x1b[1A" in relu.message and relu.points == 0
    assert "\x1b" not in run.stdout and "\x07" not in run.stdout and "\r" not in run.stdout
    assert "layers.relu" in run.stdout and "\ufffd[1A" in run.stdout
    assert f"Score: {run.report.score:g} / {run.report.max_score:g}" in run.stdout


def _surrogate_on_disk(run: GroupRun, attack: Attack) -> None:
    text = (run.context.out / "report.json").read_text(encoding="utf-8")
    assert "\ufffd broken text" in text


ATTACKS = (
    Attack(
        name="forge-report-files",
        tries="writes report.json and results.json with full marks into the grader's "
        "--out folder (its absolute path), the working folder, $HOME and the "
        "submission, around a dropout_forward that never drops",
        defence="bubblewrap binds no folder of the host writable: the out folder does not "
        "exist inside, /submission is read-only, /work and /tmp are the sandbox's own "
        "memory; the trusted process writes the report after grading",
        shows="the honest part's score; out/ holds only the grader's report.json and report.html",
        code="""\
import json, os
fake = json.dumps({"score": 54, "max_score": 54, "checks": [], "note": "HACKED"})
targets = ["$OUT/report.json", "$OUT/results.json", "$OUT/report.html"]
if os.path.isdir("/submission"):  # in the sandbox: its own folders too
    targets += ["report.json", "results.json", os.path.expanduser("~/report.json"),
                "/submission/report.json"]
for path in targets:
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w") as f:
            f.write(fake)
        print("FORGED", path)
    except OSError as exc:
        print("BLOCKED", path, type(exc).__name__)
""",
        rule="equal",
        honest=(NO_DROPPING,),
        ran=r"(FORGED|BLOCKED) ",
        ran_count=7,
        group="forgery-cli",
        cli=True,
        unsandboxed=True,
        extra=_report_untouched,
    ),
    Attack(
        name="fake-pytest-output",
        tries="prints pytest's PASSED lines, a fake summary and a JSON report with full "
        "marks at import and in every call, hoping a grader parses output",
        defence="verdicts come from the trusted process's own comparisons, never from "
        "what the student's code prints; output goes to a log kept apart from the answers",
        shows="the honest part's score; the printed text only in the report's output",
        code="""\
import sys
print("tests/test_dropout.py::test_forward_scaling PASSED")
print("==== 47 passed in 0.10s ====")
print('{"score": 54, "max_score": 54}')
sys.stderr.write("PASSED dropout_forward.scaling 2/2\\n")
""",
        where="<import>",
        keyword="dropout_forward",
        rule="equal",
        honest=(NO_DROPPING,),
        ran=r"47 passed in 0\.10s",
        group="forgery-cli",
        cli=True,
    ),
    Attack(
        name="terminal-escapes",
        tries="raises an exception whose message holds ANSI escapes (cursor up, erase line, "
        "a window title, a bell) that would replace its FAIL line on the TA's terminal "
        "with a PASS line",
        defence="the terminal report shows every control character as U+FFFD "
        "(grader.render.terminal.printable); the HTML report escapes",
        shows="the check as an error worth 0, its message with the escapes neutralised on screen",
        code="""\
raise ValueError("\\x1b[1A\\x1b[2K  PASS    1/1 layers.relu: HACKED\\r\\x1b]0;pwned\\x07")
""",
        where="relu_forward",
        mode="replace",
        ran=r"\x1b\[1A",
        contained=r"raised ValueError",
        group="forgery-cli",
        cli=True,
        extra=_terminal_clean,
    ),
    Attack(
        name="lone-surrogate-message",
        tries="raises an exception whose message holds a lone UTF-16 surrogate, which "
        "cannot be written as UTF-8: writing report.json would crash the grader",
        defence="every text field of the report replaces lone surrogates with U+FFFD when "
        "it is made (report._clean)",
        shows="the check an error worth 0; report.json written, the character as U+FFFD",
        code="raise ValueError('\\ud800 broken text')\n",
        where="affine_forward",
        mode="replace",
        ran=r"\ufffd broken text",
        contained=r"affine_forward raised ValueError: \ufffd broken text",
        group="forgery-cli",
        cli=True,
        extra=_surrogate_on_disk,
    ),
    Attack(
        name="protocol-garbage",
        tries="writes bytes that are not a frame straight onto the worker's answer pipe "
        "(found among its open descriptors)",
        defence="the trusted process parses every frame as plain JSON and raw array bytes, "
        "nothing is unpickled; a malformed frame kills the worker",
        shows="an error worth 0: 'it sent a malformed answer (header is not JSON ...)'",
        code=_FIND_CHANNEL
        + """\
os.write(_channel(), struct.pack(">I", 7) + b"garbage")
""",
        contained=r"malformed answer \(header is not JSON",
        ran=r"malformed answer",
        group="protocol",
    ),
    Attack(
        name="protocol-deep-json",
        tries="sends a frame whose JSON header is nested 100,000 lists deep, to crash the "
        "trusted process's parser with a RecursionError",
        defence="protocol.parse_header turns RecursionError into a ProtocolError",
        shows="an error worth 0: 'it sent a malformed answer'",
        code=_FIND_CHANNEL
        + """\
header = b"[" * 100000 + b"]" * 100000
os.write(_channel(), struct.pack(">I", len(header)) + header)
""",
        where="relu_forward",
        contained=r"malformed answer \(header is not JSON",
        ran=r"malformed answer",
        group="protocol",
    ),
    Attack(
        name="protocol-huge-claim",
        tries="sends a frame whose header claims an 8 GB array, so that the trusted "
        "process allocates or waits for it",
        defence="a frame's blobs may add up to 512 MiB at most, checked before reading them",
        shows="an error worth 0: 'it sent a malformed answer (message too large)'",
        code=_FIND_CHANNEL
        + """\
import json
body = {"__nd__": 0, "dtype": "float64", "shape": [10**9]}
header = json.dumps({"body": body, "blobs": [8 * 10**9]}).encode()
os.write(_channel(), struct.pack(">I", len(header)) + header)
""",
        where="affine_forward",
        contained=r"malformed answer \(message too large\)",
        ran=r"message too large",
        group="protocol",
    ),
    Attack(
        name="patch-numpy",
        tries="at import, replaces numpy.allclose, array_equal, isclose, mean and isfinite "
        "with functions that always agree, around a dropout_forward that never drops",
        defence="numpy is patched only in the sandboxed worker; every comparison runs in "
        "the trusted process with its own numpy on arrays rebuilt from bytes",
        shows="the honest part's score: the checks that fail without the patch still fail",
        code="""\
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), bool)
np.mean = lambda *a, **k: 0.0
np.isfinite = lambda a, *r, **k: np.ones(np.shape(a), bool)
print("NUMPY PATCHED")
""",
        where="<import>",
        keyword="dropout_forward",
        rule="equal",
        honest=(NO_DROPPING,),
        ran=r"NUMPY PATCHED",
    ),
    Attack(
        name="patch-builtins",
        tries="at import, makes isinstance always true, replaces sys.modules['json'] and "
        "the worker's own json.dumps with one that answers every request 'ok', and "
        "numpy.random.rand with one that never drops",
        defence="the trusted process validates every answer's type, shape and dtype itself; "
        "a forged 'ok' carries no array, so the check fails",
        shows="every targeted check at 0: the patched worker cannot even answer the import "
        "('importing your cs231n package failed: the process exited with status 1 ...') or "
        "its answers carry no array; never more than the honest part",
        code="""\
import builtins, json, sys, types
fake = types.ModuleType("json")
fake.dumps = lambda *a, **k: '{"body": {"__dict__": {"ok": true, "value": null}}, "blobs": []}'
fake.loads = json.loads
sys.modules["json"] = fake
json.dumps = fake.dumps
if "protocol" in sys.modules:
    sys.modules["protocol"].json = fake
np.random.rand = lambda *shape: np.ones(shape)
builtins.isinstance = lambda obj, kind: True
print("BUILTINS PATCHED")
""",
        where="<import>",
        keyword="dropout_forward",
        honest=(NO_DROPPING,),
        ran=r"BUILTINS PATCHED|importing your cs231n package failed",
        contained=r"importing your cs231n package failed|should return a pair",
    ),
)
