"""The oracles: the code that computes the checks' expected answers.

This is the solution, in one form or another: the reference's layers and
update rules, a network's forward and backward pass written out in numpy,
and the variant formulas a misconception is recognised by (each one the
right formula with one thing changed). The checks never import it; they ask
``grader.oracle.expect(name, *args)``, which calls the oracle named here in
the instructors' grader, and looks the answer up among recorded ones in the
student release, which does not ship this package.

An oracle takes and returns plain data (numbers, strings, numpy arrays,
tuples, lists, dictionaries with string keys), so that its answers can be
recorded; it may change its arguments (``expect`` hands it copies).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import fc_net, layers, optim, weight_decay

#: Every oracle, by the name the checks ask for it by.
ORACLES: dict[str, Callable[..., Any]] = {
    "layers.answers": layers.answers,
    "fc_net.net": fc_net.net,
    "fc_net.min_relu_input": fc_net.min_relu_input,
    "optim.step": optim.step,
    "optim.chain": optim.chain,
    "optim.documented": optim.documented,
    "optim.variant": optim.variant,
    "weight_decay.net": weight_decay.net,
}
