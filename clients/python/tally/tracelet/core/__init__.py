"""The import paths of Tracelet's documentation (``tracelet.core.experiment``,
``tracelet.core.plugins``), so its type-hint examples run with ``tracelet`` → ``tally.tracelet``."""
