"""The worker: the only program that imports student code.

It runs inside the sandbox as ``python -I -S worker.py NUMPY_DIR SUBMISSION_DIR
LIMITS`` (LIMITS: the resource limits as JSON, which it sets on itself before
anything else) and answers requests from the trusted process, one frame at a time, on the
stdin and stdout it was started with. Before anything else it moves those two
channels to private descriptors and points descriptors 0 at /dev/null and 1
at the log it inherited as descriptor 2 (the trusted process opened it), so
whatever the student's code prints never mixes with the answers.

Requests (``op`` and its fields) and what the worker sends back:

- ``import`` ``modules``: import each ``cs231n.<module>``; per module
  ``null`` or the error it raised.
- ``call`` ``target``, ``args``, ``kwargs``, ``return_args``: call a function
  of the package, e.g. ``layers.dropout_forward``.
- ``new`` ``target``, ``args``, ``kwargs``: make an instance, keep it under a
  handle number.
- ``method`` ``handle``, ``name``, ``args``, ``kwargs``, ``return_args``.
- ``getattr`` ``handle``, ``name`` / ``setattr`` ``handle``, ``name``, ``value``
  / ``setitem`` ``handle``, ``name``, ``key``, ``value``.
- ``exit``: stop.

Every answer is ``{"ok": true, "value": ...}`` (with ``"args"`` when asked)
or ``{"ok": false, "error": {"type", "message", "traceback"}}``. Nothing the
worker says is trusted: the trusted process validates every value and decides
every verdict itself.
"""

# mypy: disable-error-code="no-untyped-def,no-untyped-call,import-not-found"
import contextlib
import importlib
import os
import signal
import sys
import traceback

MAX_TEXT = 2000


def _redirect_stdio():
    """Keep the protocol on private descriptors; send fd 0/1/2 elsewhere."""
    proto_in = os.fdopen(os.dup(0), "rb", buffering=0)
    proto_out = os.fdopen(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # descriptor 2 is the log the trusted process opened
    os.close(devnull)
    sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
    sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)
    # Past the output-size limit a write fails with an error instead of
    # killing the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return proto_in, proto_out


def _error(exc):
    # Only the student's frames: the worker's own are of no use to them.
    here = os.path.dirname(os.path.abspath(__file__))
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith(here)]
    text = "".join(traceback.format_list(frames))
    try:
        message = str(exc)
    except Exception:
        message = "(the exception's message could not be rendered)"
    return {
        "ok": False,
        "error": {
            "type": type(exc).__name__,
            "message": message[:MAX_TEXT],
            "traceback": text[-MAX_TEXT:],  # the innermost frames matter most
        },
    }


class Worker:
    def __init__(self):
        self.handles = {}

    def resolve(self, target):
        obj = importlib.import_module("cs231n")
        for part in target.split("."):
            obj = getattr(obj, part)
        return obj

    def deref(self, value):
        """Arguments with each handle reference replaced by its object."""
        kind = type(value).__name__
        if kind == "Ref":
            return self.handles[value.number]
        if type(value) is list:
            return [self.deref(v) for v in value]
        if type(value) is tuple:
            return tuple(self.deref(v) for v in value)
        if type(value) is dict:
            return {k: self.deref(v) for k, v in value.items()}
        return value

    def handle(self, request):
        op = request["op"]
        if op == "import":
            errors: dict[str, object] = {}
            for name in request["modules"]:
                try:
                    importlib.import_module(f"cs231n.{name}")
                    errors[name] = None
                except BaseException as exc:  # SyntaxError, SystemExit, ...
                    errors[name] = _error(exc)["error"]
            return {"ok": True, "value": errors}
        if op in ("call", "new"):
            args = self.deref(request.get("args", []))
            kwargs = self.deref(request.get("kwargs", {}))
            value = self.resolve(request["target"])(*args, **kwargs)
            if op == "new":
                self.handles[len(self.handles) + 1] = value
                value = len(self.handles)
            return self.answer(value, request, args, kwargs)
        obj = self.handles[request["handle"]]
        name = request["name"]
        if op == "method":
            args = self.deref(request.get("args", []))
            kwargs = self.deref(request.get("kwargs", {}))
            return self.answer(getattr(obj, name)(*args, **kwargs), request, args, kwargs)
        if op == "getattr":
            return {"ok": True, "value": getattr(obj, name)}
        if op == "setattr":
            setattr(obj, name, request["value"])
            return {"ok": True, "value": None}
        if op == "setitem":
            getattr(obj, name)[request["key"]] = request["value"]
            return {"ok": True, "value": None}
        raise ValueError(f"unknown op {op!r}")

    @staticmethod
    def answer(value, request, args, kwargs):
        response = {"ok": True, "value": value}
        if request.get("return_args"):
            response["args"] = (args, kwargs)
        return response


#: The limits the worker takes from its last argument, by name.
LIMIT_NAMES = {
    "cpu": "RLIMIT_CPU",
    "as": "RLIMIT_AS",
    "nproc": "RLIMIT_NPROC",
    "nofile": "RLIMIT_NOFILE",
    "fsize": "RLIMIT_FSIZE",
    "core": "RLIMIT_CORE",
}


def set_limits(text):
    """Set each resource limit (soft and hard) on this process, never above a
    hard limit already set from outside: the stricter of the two holds. Any
    failure ends the worker before a request is read (exit status 3)."""
    import json
    import resource

    try:
        wanted = json.loads(text)
        if set(wanted) != set(LIMIT_NAMES):
            raise ValueError(f"expected the limits {sorted(LIMIT_NAMES)}, got {sorted(wanted)}")
        for name, value in wanted.items():
            kind = getattr(resource, LIMIT_NAMES[name])
            _, hard = resource.getrlimit(kind)
            if hard != resource.RLIM_INFINITY:
                value = min(int(value), hard)
            resource.setrlimit(kind, (int(value), int(value)))
    except Exception as exc:
        sys.stderr.write(f"worker: the resource limits could not be set: {exc}\n")
        os._exit(3)


def serve(proto_in, proto_out):
    """Answer requests until the trusted process closes the channel or says exit."""
    import protocol

    worker = Worker()
    while True:
        try:
            request = protocol.read_frame(proto_in)
        except EOFError:
            return
        if request.get("op") == "exit":
            return
        try:
            response = worker.handle(request)
        except BaseException as exc:  # student code may raise anything, SystemExit too
            response = _error(exc)
        try:
            parts = protocol.encode_parts(response)
        except BaseException as exc:
            parts = protocol.encode_parts(_error(exc))
        for stream in (sys.stdout, sys.stderr):  # what was printed reaches the log now
            with contextlib.suppress(BaseException):
                stream.flush()
        protocol.write_parts(proto_out, parts)  # an array's bytes from the array itself


def _prepare_imports(numpy_dir):
    # numpy and the protocol come first, from their own folders, so that no
    # file of the submission can stand in for them.
    sys.dont_write_bytecode = True
    sys.path[:0] = [os.path.dirname(os.path.abspath(__file__)), numpy_dir]
    import numpy  # noqa: F401
    import protocol  # noqa: F401


def main():
    numpy_dir, submission_dir, limits = sys.argv[1], sys.argv[2], sys.argv[3]
    set_limits(limits)
    proto_in, proto_out = _redirect_stdio()
    _prepare_imports(numpy_dir)
    sys.path.insert(0, submission_dir)
    serve(proto_in, proto_out)


# --- the zygote ------------------------------------------------------------------
#
# ``worker.py --zygote NUMPY_DIR SUBMISSION_DIR LIMITS``: a batch's sandbox
# imports numpy once and forks one worker per submission (about 0.1 s of CPU
# less per grade). It never imports or runs any code of a student's itself.
# Its descriptor 0 is a Unix socket to the trusted process, which sends:
#
# - ``spawn`` with three descriptors (the worker's request pipe, answer pipe
#   and output log): first ``clean``, then fork a worker on them; answers
#   ``{"pid": PID}`` (the worker's number in the sandbox);
# - ``clean``: kill every process of the sandbox but the zygote (the previous
#   student's leftovers), wait until they are gone, empty /tmp and /work, and
#   remove System V IPC objects;
#   answers ``{"clean": true}``, or ``{"clean": false, "why": ...}``;
# - ``status`` ``pid``: the wait status of a worker that ended.
#
# What keeps one student from the next: the zygote is not dumpable, so a
# student's process (same uid) cannot trace it, read its memory or reach its
# descriptors; every process of a student is killed, the scratch folders
# emptied and the System V message queues and semaphores removed before the
# next student's files are staged; and the trusted process
# checks from outside that only the sandbox's init and the zygote are left.
# A student's process can still signal the zygote: it then stops answering,
# and the trusted process replaces the whole sandbox.

PR_SET_DUMPABLE = 4
#: Signals the zygote ignores (a student's process may send them); SIGKILL and
#: SIGSTOP cannot be ignored: the trusted process notices the silence.
ZYGOTE_IGNORED = (
    *("SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGTSTP"),
    *("SIGTTIN", "SIGTTOU", "SIGPIPE", "SIGXFSZ", "SIGXCPU", "SIGVTALRM", "SIGPROF", "SIGIO"),
    *("SIGPWR", "SIGSYS", "SIGTRAP"),
)
SCRATCH = ("/tmp", "/work")
CLEAN_SECONDS = 2.0


def _set_dumpable(value):
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")


def _others():
    """The processes of the sandbox but its init and the zygote."""
    me = os.getpid()
    return [int(n) for n in os.listdir("/proc") if n.isdigit() and int(n) not in (1, me)]


def _open_up(path):
    """Make a folder and every folder below it the zygote's to empty again
    (the student's code may have locked some; it runs as the same user)."""
    os.chmod(path, 0o700)
    with os.scandir(path) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                _open_up(entry.path)


def _empty(folder):
    """Remove everything in folder; no process of the student's is left to race it."""
    import shutil

    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if os.path.isdir(path) and not os.path.islink(path):
            _open_up(path)
            shutil.rmtree(path)
        else:
            os.unlink(path)


def _remove_sysv_ipc():
    """Remove every System V message queue, semaphore set and shared memory
    segment in the sandbox's IPC namespace: a student's process can make
    them, and they outlive it (the seccomp filter refuses shared memory, the
    other two are allowed). The zygote runs as the student's user, the
    creator of each, so it may remove them. How many would not go."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    ipc_rmid = 0
    removers = {
        "msg": lambda ident: libc.msgctl(ident, ipc_rmid, None),
        "sem": lambda ident: libc.semctl(ident, 0, ipc_rmid, 0),
        "shm": lambda ident: libc.shmctl(ident, ipc_rmid, None),
    }
    kept = 0
    for kind, remove in removers.items():
        try:
            with open(f"/proc/sysvipc/{kind}") as f:
                rows = f.read().splitlines()[1:]  # key, id, perms, ...
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) < 2 or not fields[1].isdigit() or remove(int(fields[1])) != 0:
                kept += 1
    return kept


class Zygote:
    def __init__(self, control, limits):
        self.control = control
        self.limits = limits
        self.statuses = {}  # wait status of each worker reaped, by pid

    def reap(self):
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.statuses[pid] = status

    def clean(self):
        import time

        deadline = time.monotonic() + CLEAN_SECONDS
        while True:
            with contextlib.suppress(ProcessLookupError):
                os.kill(-1, signal.SIGKILL)  # every process here this uid may signal, but me
            self.reap()
            left = _others()
            if not left:
                break
            if time.monotonic() > deadline:
                return {"clean": False, "why": f"{len(left)} processes would not end"}
            time.sleep(0.002)
        try:
            for folder in SCRATCH:
                _empty(folder)
            left = [name for folder in SCRATCH for name in os.listdir(folder)]
        except Exception as exc:  # OSError, or RecursionError on a very deep tree
            return {"clean": False, "why": f"the scratch folders could not be emptied: {exc}"}
        if left:
            return {"clean": False, "why": f"{len(left)} files would not go"}
        kept = _remove_sysv_ipc()
        if kept:
            return {"clean": False, "why": f"{kept} System V IPC objects would not go"}
        return {"clean": True}

    def spawn(self, fds, defaults):
        done = self.clean()
        if not done["clean"]:
            for fd in fds:
                os.close(fd)
            return done
        pid = os.fork()
        if pid == 0:  # the worker
            code = 1
            try:
                self.control.close()
                for target, fd in enumerate(fds):
                    os.dup2(fd, target)
                for fd in fds:
                    if fd > 2:
                        os.close(fd)
                for number, handler in defaults.items():
                    signal.signal(number, handler)
                set_limits(self.limits)
                _set_dumpable(1)  # as a worker started on its own is
                os.chdir("/work")
                import random

                import numpy

                numpy.random.seed()  # fresh entropy, as a worker started on its own has
                random.seed()
                proto_in, proto_out = _redirect_stdio()
                sys.path.insert(0, "/submission")
                serve(proto_in, proto_out)
                code = 0
            finally:
                os._exit(code)
        for fd in fds:
            os.close(fd)
        return {"pid": pid}

    def status(self, pid):
        import time

        deadline = time.monotonic() + CLEAN_SECONDS
        while pid not in self.statuses and time.monotonic() < deadline:
            self.reap()
            if pid not in self.statuses:
                time.sleep(0.005)
        return {"status": self.statuses.pop(pid, None)}


def zygote():
    import json
    import socket

    numpy_dir, limits = sys.argv[2], sys.argv[4]
    if os.getpid() > 2:  # kill(-1) below must only reach a sandbox's own processes
        sys.stderr.write("worker: the zygote runs only as a sandbox's first process\n")
        os._exit(4)
    json.loads(limits)  # each worker sets them; a bad argument stops the zygote now
    defaults = {}
    for name in ZYGOTE_IGNORED:
        number = getattr(signal, name, None)
        if number is not None:
            defaults[number] = signal.getsignal(number)
            signal.signal(number, signal.SIG_IGN)
    _set_dumpable(0)
    control = socket.socket(fileno=os.dup(0))
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    _prepare_imports(numpy_dir)
    import numpy

    for name in ("random", "linalg", "fft"):  # numpy imports these on first use
        getattr(numpy, name)
    zygote = Zygote(control, limits)
    control.sendall(json.dumps({"ready": True}).encode())
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 4096, 3)
        except OSError:
            return
        if not message:
            return  # the trusted process is gone
        try:
            request = json.loads(message)
            op = request["op"]
            if op == "spawn" and len(fds) == 3:
                answer = zygote.spawn(fds, defaults)
                fds = []
            elif op == "clean":
                answer = zygote.clean()
            elif op == "status":
                answer = zygote.status(int(request["pid"]))
            else:
                answer = {"error": f"unknown request {op!r}"}
        except Exception as exc:
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        for fd in fds:
            os.close(fd)
        control.sendall(json.dumps(answer).encode())


if __name__ == "__main__":
    if sys.argv[1:2] == ["--zygote"]:
        zygote()
    else:
        main()
