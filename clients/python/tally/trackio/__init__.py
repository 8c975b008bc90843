"""Trackio's Python API over Tally: ``import tally.trackio as trackio`` where a script had
``import trackio`` (or ``import tally.trackio as wandb``, as Trackio's wandb drop-in).

Example:
    >>> import tally.trackio as trackio
    >>> trackio.init(project="my_project", name="my_first_run", config={"learning_rate": 0.001})
    >>> trackio.log({"loss": 0.05, "accuracy": 0.95})
    >>> trackio.finish()
"""
from ._run import current_run, finish, init, log
from ._show import Dashboard, show
from ._sync import sync
from ._values import Histogram, Image, Markdown, Table

__all__ = [
    "Dashboard",
    "Histogram",
    "Image",
    "Markdown",
    "Table",
    "current_run",
    "finish",
    "init",
    "log",
    "show",
    "sync",
]
