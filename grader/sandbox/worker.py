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


def main():
    numpy_dir, submission_dir, limits = sys.argv[1], sys.argv[2], sys.argv[3]
    set_limits(limits)
    proto_in, proto_out = _redirect_stdio()
    sys.dont_write_bytecode = True
    # numpy and the protocol come first, from their own folders, so that no
    # file of the submission can stand in for them.
    sys.path[:0] = [os.path.dirname(os.path.abspath(__file__)), numpy_dir]
    import numpy  # noqa: F401
    import protocol

    sys.path.insert(0, submission_dir)

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


if __name__ == "__main__":
    main()
