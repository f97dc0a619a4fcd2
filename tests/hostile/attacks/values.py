"""Returned values that lie: objects with lying methods, bad numbers, deep,
huge and lazy values."""

from __future__ import annotations

from . import Attack

TITLE = "Lying and malformed return values"

ATTACKS = (
    Attack(
        name="liar-object",
        tries="returns an object whose __eq__ always says True and whose __array__ raises, "
        "instead of an array",
        defence="only plain data crosses the channel: an object of the student's own "
        "arrives as an inert Opaque (type name and a short repr), and validate.array "
        "wants an ndarray",
        shows="every targeted check worth 0: 'should be a numpy array'",
        code="""\
class Liar:
    def __eq__(self, other):
        return True
    __hash__ = object.__hash__
    def __array__(self, *a, **k):
        raise RuntimeError("no")
print("LIAR RETURNED")
return Liar(), (dropout_param, Liar())
""",
        mode="replace",
        ran=r"LIAR RETURNED",
        contained=r"should be a numpy array, but it is",
        group="liars",
    ),
    Attack(
        name="ndarray-subclass",
        tries="returns zeros as an ndarray subclass whose __eq__, __array_ufunc__, "
        "__array__ and tobytes would all pass for max(0, x)",
        defence="the worker sends an array's own buffer (np.asarray(...).view(np.ndarray)), "
        "never calling the subclass's methods; the trusted process rebuilds a plain ndarray",
        shows="the check worth 0: the values are the zeros really returned",
        code="""\
right = np.maximum(x, 0)
class Lying(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), bool)
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.zeros(())
    def __array__(self, *a, **k):
        return right
    def tobytes(self, *a, **k):
        return right.tobytes()
print("LYING ARRAY")
return np.zeros_like(x).view(Lying), x
""",
        where="relu_forward",
        mode="replace",
        ran=r"LYING ARRAY",
        group="liars",
    ),
    Attack(
        name="float-subclass",
        tries="returns the loss as a float subclass equal to everything, close to anything "
        "(__sub__ and __abs__ give 0) and whose __float__ lies",
        defence="only exact float, int, str, bool and None cross as themselves: a subclass "
        "arrives as an Opaque",
        shows="the check worth 0: the loss is not a number",
        code="""\
class Loss(float):
    def __eq__(self, other):
        return True
    __hash__ = float.__hash__
    def __float__(self):
        return 2.3
    def __sub__(self, other):
        return 0.0
    __rsub__ = __sub__
    def __abs__(self):
        return 0.0
    def __lt__(self, other):
        return True
    __le__ = __lt__
print("LYING FLOAT")
return Loss(1e9), np.zeros_like(x)
""",
        where="softmax_loss",
        mode="replace",
        ran=r"LYING FLOAT",
        group="liars",
    ),
    Attack(
        name="object-dtype",
        tries="returns an array of dtype object holding objects with lying __eq__",
        defence="arrays cross only in 12 numeric dtypes; any other arrives as an Opaque",
        shows="the check worth 0: 'should be a numpy array, but it is ... ndarray of object'",
        code="""\
class Same:
    def __eq__(self, other):
        return True
    __hash__ = object.__hash__
out = np.empty((x.shape[0], w.shape[1]), dtype=object)
out[...] = Same()
return out, (x, w, b)
""",
        where="affine_forward",
        mode="replace",
        ran=r"ndarray of object",
        group="liars",
    ),
    Attack(
        name="generator-return",
        tries="returns a generator (a lazy value that would compute its answer later, in "
        "the trusted process)",
        defence="nothing that arrives can run code: a generator crosses as an Opaque",
        shows="the targeted checks worth 0",
        code="""\
print("GENERATOR")
return (w for _ in range(1)), config
""",
        where="adam",
        mode="replace",
        ran=r"GENERATOR",
        group="liars",
    ),
    Attack(
        name="lazy-object",
        tries="returns an object that pretends to be anything: __getattr__ answers every "
        "name, __iter__ yields the inputs, __len__ says 2",
        defence="exact type checks on the worker's side; the trusted process never calls "
        "an attribute of what arrives",
        shows="the targeted checks worth 0",
        code="""\
class Anything:
    def __getattr__(self, name):
        return lambda *a, **k: self
    def __iter__(self):
        return iter((w, config))
    def __len__(self):
        return 2
    def __getitem__(self, i):
        return (w, config)[i]
print("ANYTHING")
return Anything()
""",
        where="rmsprop",
        mode="replace",
        ran=r"ANYTHING",
        group="liars",
    ),
    Attack(
        name="pickle-payload",
        tries="returns a pickle whose __reduce__ creates a file on the host, and the object "
        "itself, for a grader that unpickles what the worker sends back",
        defence="nothing crosses as a pickle: answers are JSON and raw array bytes; bytes and "
        "objects of the student's own arrive as inert Opaques, never loaded",
        shows="the targeted checks worth 0; the file never created",
        code="""\
import pickle
class Payload:
    def __reduce__(self):
        return (open, ("$CREATE", "w"))  # unpickling this creates the file
print("PICKLE SENT")
return pickle.dumps(Payload()), Payload()
""",
        where="sgd_momentum",
        mode="replace",
        ran=r"PICKLE SENT",
        group="liars",
        unsandboxed=True,
    ),
    Attack(
        name="nan-returns",
        tries="returns NaN everywhere, which compares unequal to everything and slips "
        "through careless tolerance checks",
        defence="validate.array refuses NaN and infinity before any comparison",
        shows="every targeted check worth 0: 'holds ... NaN or infinite values'",
        code="return x * np.nan, (dropout_param, x * np.nan)\n",
        mode="replace",
        ran=r"NaN or infinite",
        contained=r"holds \d+ NaN or infinite values",
        group="numbers",
    ),
    Attack(
        name="inf-returns",
        tries="returns +inf everywhere",
        defence="finite values only",
        shows="the check worth 0",
        code="print('INFINITY')\nreturn np.full_like(x, np.inf), x\n",
        where="relu_forward",
        mode="replace",
        ran=r"INFINITY",
        group="numbers",
    ),
    Attack(
        name="wrong-dtype",
        tries="returns the right numbers as complex128, whose comparisons numpy answers "
        "by the real part",
        defence="complex is not a dtype the wire carries: it arrives as an Opaque",
        shows="the check worth 0: '... ndarray of complex128'",
        code="""\
out = x.reshape(x.shape[0], -1) @ w + b
return out.astype(np.complex128), (x, w, b)
""",
        where="affine_forward",
        mode="replace",
        ran=r"ndarray of complex128",
        group="numbers",
    ),
    Attack(
        name="huge-numbers",
        tries="returns a loss of 1e308 and a gradient of 1e308, to overflow the grader's "
        "differences into inf or NaN",
        defence="errors are computed in the trusted process, and a non-finite error is "
        "never below a tolerance",
        shows="the targeted checks worth 0",
        code="print('HUGE')\nreturn 1e308, np.full_like(x, 1e308)\n",
        where="softmax_loss",
        mode="replace",
        ran=r"HUGE",
        group="numbers",
    ),
    Attack(
        name="deep-nested-return",
        tries="returns a list nested 100,000 deep, to exhaust the recursion of whoever "
        "encodes, decodes or compares it",
        defence="the wire encodes at most 32 levels, deeper ones as an Opaque (no recursion "
        "in the trusted process), and the decoder refuses deeper frames",
        shows="the targeted checks worth 0: 'adam's next_w should be a numpy array, but it "
        "is a list' (its levels past 32 arrived as one Opaque)",
        code="""\
v = []
for _ in range(100_000):
    v = [v]
print("DEEP LIST")
return v, config
""",
        where="adam",
        mode="replace",
        ran=r"DEEP LIST",
        group="numbers",
    ),
    Attack(
        name="huge-return",
        tries="returns 20 MB of strings, to make the trusted process parse a giant header",
        defence="a frame's JSON header may hold 16 MiB at most, checked before reading it; "
        "the worker is killed",
        shows="the targeted checks errors worth 0: 'it sent a malformed answer (header too "
        "large)'; an event",
        code='return ["x" * 1000] * 20_000, config\n',
        where="rmsprop",
        mode="replace",
        ran=r"header too large",
        contained=r"rmsprop: it sent a malformed answer \(header too large\)",
        group="numbers",
    ),
)
