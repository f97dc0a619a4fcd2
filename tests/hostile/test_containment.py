"""The pieces of the grader the hostile suite leans on, one by one: the
seccomp filter, the terminal's printable text, the start deadline, the
wire's depth limit, the messages of what the sandbox refused or could not
send, and profile detection on a file too deep to parse."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from grader.checks import validate
from grader.profiles import detect
from grader.proxy import StudentProxy
from grader.render.terminal import printable
from grader.sandbox import launcher, protocol
from grader.sandbox.launcher import Limits, seccomp_program

EPERM, ENOSYS = 1, 38


def _run_filter(program: bytes, arch: int, number: int) -> int:
    """What a classic-BPF seccomp program returns for one system call (the
    four instructions the grader's filter uses, interpreted)."""
    code = [struct.unpack("=HBBI", program[i : i + 8]) for i in range(0, len(program), 8)]
    data = {0: number, 4: arch}
    accumulator, pc = 0, 0
    while True:
        op, jt, jf, k = code[pc]
        if op == 0x20:  # load word at offset k
            accumulator, pc = data[k], pc + 1
        elif op == 0x15:  # jump if equal
            pc += 1 + (jt if accumulator == k else jf)
        elif op == 0x35:  # jump if greater or equal
            pc += 1 + (jt if accumulator >= k else jf)
        elif op == 0x06:  # return
            return k
        else:
            raise AssertionError(f"unexpected instruction {op:#x}")


@pytest.mark.parametrize(
    ("machine", "arch", "refused", "allowed"),
    [
        ("x86_64", 0xC000003E, (29, 319, 447), (0, 1, 9, 30, 57, 231)),
        ("aarch64", 0xC00000B7, (194, 279, 447), (63, 64, 220, 222, 196)),
    ],
)
def test_seccomp_filter_refuses_shared_memory_only(
    machine: str, arch: int, refused: tuple[int, ...], allowed: tuple[int, ...]
) -> None:
    program = seccomp_program(machine)
    assert program is not None and len(program) % 8 == 0
    for number in refused:
        assert _run_filter(program, arch, number) == 0x00050000 | EPERM
    for number in allowed:  # read, write, mmap, shmat, clone, exit_group ...
        assert _run_filter(program, arch, number) == 0x7FFF0000
    assert _run_filter(program, 0x40000003, 117) == 0x00050000 | ENOSYS  # i386's ipc()
    if machine == "x86_64":
        assert _run_filter(program, arch, 0x40000000 | 29) == 0x00050000 | EPERM  # x32


def test_seccomp_filter_is_left_out_where_the_architecture_is_unknown() -> None:
    assert seccomp_program("riscv64") is None


def test_printable_neutralises_what_a_terminal_would_act_on() -> None:
    hostile = "FAIL\x1b[1A\x1b[2K\r PASS\x07\x9b\u202eevil\u2066 0\x00"
    shown = printable(hostile + "\n\tnext line")
    bad = "\ufffd"
    assert shown == f"FAIL{bad}[1A{bad}[2K{bad} PASS{bad}{bad}{bad}evil{bad} 0{bad}\n\tnext line"


def test_start_deadline_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_START_SECONDS", "2.5")
    monkeypatch.setenv("GRADER_CALL_SECONDS", "1.5")
    limits = Limits.from_env()
    assert (limits.start_seconds, limits.call_seconds) == (2.5, 1.5)


def test_a_value_nested_past_the_wire_depth_arrives_opaque_not_as_a_broken_frame() -> None:
    deep: list[object] = []
    for _ in range(protocol.MAX_DEPTH * 3):
        deep = [deep]
    back = protocol.decode(protocol.encode({"ok": True, "value": (deep, 1)}))
    value = back["value"][0]
    depth = 1
    while isinstance(value, list):
        value, depth = value[0], depth + 1
    assert isinstance(value, protocol.Opaque) and value.type_name == "nested"
    assert depth <= protocol.MAX_DEPTH


def test_what_the_sandbox_could_not_send_is_named_in_the_message() -> None:
    opaque = protocol.Opaque("ndarray of object", "(3, 4)")
    with pytest.raises(AssertionError, match=r"a ndarray of object \(\(3, 4\)\), which cannot"):
        validate.array(opaque, "out")
    with pytest.raises(AssertionError, match="should be a numpy array, but it is a list"):
        validate.array([1.0], "out")
    validate.array(np.zeros(3), "out")


@pytest.mark.parametrize(
    ("kind", "message", "note"),
    [
        ("MemoryError", "Unable to allocate 128. GiB", "out of memory: the sandbox allows 64 MiB"),
        ("OSError", "[Errno 27] File too large", "8 MiB per file and of printed output"),
        ("OSError", "[Errno 28] No space left on device", "/work and /tmp hold 1 MiB each"),
        ("OSError", "[Errno 24] Too many open files", "allows 64 open files"),
        ("BlockingIOError", "[Errno 11] Resource temporarily unavailable", "allows 32 processes"),
        ("RuntimeError", "can't start new thread", "allows 32 processes"),
        ("PermissionError", "[Errno 1] Operation not permitted", "does not allow this operation"),
        ("KeyError", "'p'", None),
    ],
)
def test_a_limit_met_is_named_in_words(kind: str, message: str, note: str | None) -> None:
    limits = Limits(memory_bytes=64 * 1024**2, scratch_bytes=1024**2)
    proxy = StudentProxy(Path("."), limits=limits, isolation="bwrap")
    said = proxy._limit_note(kind, message)
    assert (said is None) if note is None else (note in str(said)), said


def test_a_module_nested_too_deep_to_parse_does_not_stop_profile_detection(
    tmp_path: Path,
) -> None:
    package = tmp_path / "cs231n"
    (package / "classifiers").mkdir(parents=True)
    (package / "layers.py").write_text("DEEP = " + "1+" * 200_000 + "1\n")
    detection = detect(tmp_path)
    assert detection.profile.name  # a profile, where RecursionError escaped before


def test_sandbox_processes_are_found_below_the_launcher() -> None:
    import os

    tree = launcher.descendants(os.getpid())
    assert tree[0] == os.getpid()
    assert launcher.memory_of(os.getpid()) > 0
    assert launcher.memory_of(2**22 + 7) == 0  # no such process
