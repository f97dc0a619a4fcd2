"""The class flavour's adapter, staged as ``cs231n/`` beside the student's
``common/`` package.

The grader's checks speak the function API of ``cs231n``
(``layers.dropout_forward(x, dropout_param)``, ``optim.adam(w, dw, config)``,
``classifiers.fc_net.FullyConnectedNet``); these modules give them that API
in terms of the student's classes, and run in the sandbox with them. They
compute nothing of the assignment themselves: every number comes from the
student's code, and every verdict from the trusted checks.

The given files of the package (``solver.py``, ``layer_utils.py``,
``gradient_check.py``, ``data_utils.py``) are staged beside them from the
student template, unchanged.
"""
