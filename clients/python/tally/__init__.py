"""Tally's Python client: log experiments into Tally, local or remote, with the standard library only.

Example::

    import tally
    run = tally.init(project="mnist", config={"lr": 1e-3})
    for step in range(100):
        run.log({"loss": 1 / (step + 1)})
    run.finish()
"""
from .artifacts import Artifact, LoggedArtifact
from .api import config, current_run, finish, flush, init, log, result, summary
from .errors import ERROR_CODES, TallyError
from .run import Run, __version__
from .values import Histogram, Image, Markdown, RichValue, Table

__all__ = [
    "Artifact",
    "LoggedArtifact",
    "ERROR_CODES",
    "Histogram",
    "Image",
    "Markdown",
    "RichValue",
    "Run",
    "Table",
    "TallyError",
    "__version__",
    "config",
    "current_run",
    "finish",
    "flush",
    "init",
    "log",
    "result",
    "summary",
]
