"""The class flavour's template: the reference's API exactly, with every
part a student writes raising NotImplementedError that names its file, and
the given parts (constructors, SGD) working."""

from __future__ import annotations

import inspect
from types import ModuleType

import numpy as np
import pytest

from tests.flavours.conftest import MODULES


def public_api(package: ModuleType) -> dict[str, object]:
    """Every public class and function of every module, and every method of
    the classes, by dotted name."""
    api: dict[str, object] = {}
    for module_name in MODULES:
        module = getattr(package, module_name)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            api[f"{module_name}.{name}"] = obj
            for attr, member in vars(obj).items() if inspect.isclass(obj) else ():
                if inspect.isfunction(member):
                    api[f"{module_name}.{name}.{attr}"] = member
    return api


def test_template_matches_the_reference_api(reference: ModuleType, template: ModuleType) -> None:
    ours, theirs = public_api(reference), public_api(template)
    assert sorted(ours) == sorted(theirs)
    for name, obj in ours.items():
        if callable(obj):
            assert inspect.signature(obj) == inspect.signature(theirs[name]), name  # type: ignore[arg-type]
        if not name.endswith(".__init__"):  # the class's docstring documents it
            assert inspect.getdoc(obj) and inspect.getdoc(theirs[name]), name


def raises_todo(call: object, file: str) -> None:
    with pytest.raises(NotImplementedError, match=f"TODO in common/{file}"):
        call()  # type: ignore[operator]


def test_every_layer_pass_is_a_todo(template: ModuleType) -> None:
    layers = template.layers
    x, W, b = np.ones((2, 3)), np.ones((3, 4)), np.zeros(4)
    for make, forward_args in (
        (lambda: layers.Affine(W, b), (x,)),
        (layers.Relu, (x,)),
        (lambda: layers.SoftmaxWithLoss(), (x, np.array([0, 1]))),
    ):
        layer = make()
        raises_todo(lambda layer=layer, a=forward_args: layer.forward(*a), "layers.py")
        raises_todo(lambda layer=layer: layer.backward(np.ones((2, 3))), "layers.py")
    dropout = layers.Dropout(0.5)
    raises_todo(lambda: dropout.forward(x, train_flg=True), "layers.py")
    raises_todo(lambda: dropout.forward(x, train_flg=False), "layers.py")
    dropout.mask = np.ones((2, 3))
    raises_todo(lambda: dropout.backward(x), "layers.py")


def test_every_update_but_sgds_is_a_todo(template: ModuleType) -> None:
    opt = template.optimizer
    params, grads = {"w": np.ones(3)}, {"w": np.ones(3)}
    for name in ("Momentum", "AdaGrad", "RMSprop", "Adam"):
        optimizer = getattr(opt, name)()
        raises_todo(lambda o=optimizer: o.update(params, grads), "optimizer.py")
    opt.SGD(lr=0.5).update(params, grads)
    assert np.array_equal(params["w"], [0.5, 0.5, 0.5])


def test_the_network_is_a_todo(template: ModuleType) -> None:
    net = template.multi_layer_net.MultiLayerNet
    raises_todo(lambda: net(4, [3], 2), "multi_layer_net.py")
    with pytest.raises(ValueError, match="valid types"):
        net(4, [3], 2, weight_decay_type="L3")
