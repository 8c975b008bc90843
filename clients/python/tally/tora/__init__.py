"""Tora's Python API over Tally: ``import tally.tora as tora`` where a script had ``import tora``.

Example:
    >>> import tally.tora as tora
    >>> tora.setup("mnist-baseline", hyperparams={"lr": 0.001}, tags=["baseline"])
    >>> tora.tlog("loss", 0.25, step=0)
    >>> tora.tresult("test_acc", 0.97)
    >>> tora.shutdown()
"""
from tally import TallyError

from ._client import Tora
from ._session import (
    flush,
    get_experiment_id,
    get_experiment_url,
    is_initialized,
    setup,
    shutdown,
    tlog,
    tresult,
)
from ._workspaces import create_workspace

# Tora's scripts catch ToraError; every error of the facade is a TallyError with a code.
ToraError = TallyError

__all__ = [
    "Tora",
    "ToraError",
    "create_workspace",
    "flush",
    "get_experiment_id",
    "get_experiment_url",
    "is_initialized",
    "setup",
    "shutdown",
    "tlog",
    "tresult",
]
