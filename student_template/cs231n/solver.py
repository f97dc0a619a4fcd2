"""Train a classification model with minibatch gradient descent. Given to
students complete.

Example::

    data = {"X_train": ..., "y_train": ..., "X_val": ..., "y_val": ...}
    model = FullyConnectedNet([100], reg=1e-3)
    solver = Solver(model, data, update_rule="adam",
                    optim_config={"learning_rate": 1e-3},
                    num_epochs=10, batch_size=100)
    solver.train()
    solver.loss_history, solver.train_acc_history, solver.val_acc_history

The model must provide ``params`` (a dictionary of numpy arrays) and
``loss(X, y=None)``, which returns scores when y is None and
``(loss, grads)`` otherwise, with grads keyed like params.
"""

import numpy as np

from . import optim

#: The update rules ``Solver`` accepts by name, all from ``optim``.
UPDATE_RULES = ("sgd", "sgd_momentum", "rmsprop", "adam", "adagrad")


class Solver:
    """Minibatch training of a model, with learning-rate decay, accuracy
    tracking and a copy of the best parameters seen on validation data.

    Keyword options (all optional):
    - update_rule: name of a rule in ``optim`` (default "sgd"), or a function
      with the update-rule interface.
    - optim_config: hyper-parameters given to the update rule; each
      parameter of the model gets its own copy, holding its own state.
    - lr_decay: the learning rate is multiplied by this after every epoch.
    - batch_size: examples per minibatch (default 100).
    - num_epochs: passes over the training data (default 10).
    - num_train_samples: training examples used to measure training accuracy
      (default 1000; None for all).
    - num_val_samples: validation examples used to measure validation
      accuracy (default None: all).
    - print_every: print the training loss every this many iterations.
    - verbose: False to print nothing.
    - seed: when given, minibatches are drawn from a generator with this
      seed, so two runs on the same model and data are identical.
    """

    def __init__(self, model, data, **kwargs):
        self.model = model
        self.X_train = data["X_train"]
        self.y_train = data["y_train"]
        self.X_val = data["X_val"]
        self.y_val = data["y_val"]

        self.update_rule = kwargs.pop("update_rule", "sgd")
        self.optim_config = kwargs.pop("optim_config", {})
        self.lr_decay = kwargs.pop("lr_decay", 1.0)
        self.batch_size = kwargs.pop("batch_size", 100)
        self.num_epochs = kwargs.pop("num_epochs", 10)
        self.num_train_samples = kwargs.pop("num_train_samples", 1000)
        self.num_val_samples = kwargs.pop("num_val_samples", None)
        self.print_every = kwargs.pop("print_every", 10)
        self.verbose = kwargs.pop("verbose", True)
        seed = kwargs.pop("seed", None)
        if kwargs:
            unknown = ", ".join(f'"{k}"' for k in sorted(kwargs))
            raise ValueError(f"Unrecognized arguments to Solver: {unknown}")

        if isinstance(self.update_rule, str):
            if self.update_rule not in UPDATE_RULES:
                valid = ", ".join(f'"{name}"' for name in UPDATE_RULES)
                raise ValueError(
                    f'Invalid update_rule "{self.update_rule}"; valid rules are {valid}'
                )
            self.update_rule = getattr(optim, self.update_rule)

        self._rng = np.random.default_rng(seed) if seed is not None else None
        self._reset()

    def _reset(self):
        """Clear the bookkeeping; called by __init__."""
        self.epoch = 0
        self.best_val_acc = 0
        self.best_params = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        self.optim_configs = {name: dict(self.optim_config) for name in self.model.params}

    def _choice(self, n, size):
        if self._rng is not None:
            return self._rng.choice(n, size)
        return np.random.choice(n, size)

    def _step(self):
        """One gradient update on a random minibatch."""
        batch = self._choice(self.X_train.shape[0], self.batch_size)
        loss, grads = self.model.loss(self.X_train[batch], self.y_train[batch])
        self.loss_history.append(loss)

        for name, value in self.model.params.items():
            next_value, next_config = self.update_rule(
                value, grads[name], config=self.optim_configs[name]
            )
            self.model.params[name] = next_value
            self.optim_configs[name] = next_config

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Fraction of the examples in X the model labels correctly.

        With num_samples, a random subset of that size is used.
        """
        n = X.shape[0]
        if num_samples is not None and n > num_samples:
            subset = self._choice(n, num_samples)
            X, y, n = X[subset], y[subset], num_samples

        predictions = []
        for start in range(0, n, batch_size):
            scores = self.model.loss(X[start : start + batch_size])
            predictions.append(np.argmax(scores, axis=1))
        return float(np.mean(np.concatenate(predictions) == y))

    def train(self):
        """Run the optimization."""
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch

        for it in range(num_iterations):
            self._step()
            if self.verbose and it % self.print_every == 0:
                print(f"(Iteration {it + 1} / {num_iterations}) loss: {self.loss_history[-1]:f}")

            epoch_end = (it + 1) % iterations_per_epoch == 0
            if epoch_end:
                self.epoch += 1
                for config in self.optim_configs.values():
                    if "learning_rate" in config:
                        config["learning_rate"] *= self.lr_decay

            first, last = it == 0, it == num_iterations - 1
            if first or last or epoch_end:
                train_acc = self.check_accuracy(
                    self.X_train, self.y_train, num_samples=self.num_train_samples
                )
                val_acc = self.check_accuracy(
                    self.X_val, self.y_val, num_samples=self.num_val_samples
                )
                self.train_acc_history.append(train_acc)
                self.val_acc_history.append(val_acc)
                if self.verbose:
                    print(
                        f"(Epoch {self.epoch} / {self.num_epochs}) "
                        f"train acc: {train_acc:f}; val_acc: {val_acc:f}"
                    )
                if val_acc > self.best_val_acc or not self.best_params:
                    self.best_val_acc = val_acc
                    self.best_params = {k: v.copy() for k, v in self.model.params.items()}

        # Keep the parameters that did best on the validation data.
        self.model.params = self.best_params
