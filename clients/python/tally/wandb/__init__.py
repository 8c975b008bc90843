"""A wandb-style API over Tally: ``import tally.wandb as wandb`` runs common wandb scripts
(init, log with step and commit, finish, config, summary, Table, Image, Histogram).

Example:
    >>> import tally.wandb as wandb
    >>> wandb.init(project="mnist", config={"lr": 0.01})
    >>> wandb.config.epochs = 3
    >>> for epoch in range(3):
    ...     wandb.log({"loss": 1 / (epoch + 1)})
    >>> wandb.run.summary["best_loss"] = 0.33
    >>> wandb.finish()
"""
from typing import Any

from tally import TallyError

from . import _module
from ._module import finish, init, log, login
from ._run import Run
from ._values import Histogram, Image, Table

__all__ = ["Histogram", "Image", "Run", "Table", "TallyError", "finish", "init", "log", "login", "run", "config", "summary"]


def __getattr__(name: str) -> Any:
    # wandb.run, wandb.config and wandb.summary follow the current run, so they are looked up
    # on each access rather than bound once at import.
    if name == "run":
        return _module.current
    if name in ("config", "summary"):
        run = _module.current
        if run is None:
            raise TallyError("no_active_run", f"wandb.{name} needs a run: call wandb.init() first")
        return getattr(run, name)
    raise AttributeError(f"module 'tally.wandb' has no attribute {name!r}")
