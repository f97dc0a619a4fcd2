"""The checks, one module per part of the assignment. Each module holds its
checks (pytest tests marked with ``@check``) and the misconceptions its
failures can show (``@misconception``)."""

ALL_MODULES = (
    "test_layers",
    "test_dropout",
    "test_fc_net",
    "test_optim",
    "test_experiment",
    "test_weight_decay",
)
