"""PyTorch Lightning: a ``Logger`` that logs a ``Trainer`` into Tally.

``TallyLogger`` subclasses ``lightning.pytorch.loggers.Logger`` (else
``pytorch_lightning.loggers.Logger``) when either imports; without them, the module still
imports and ``TallyLogger(...)`` raises a ``TallyError`` that says to install one.

Example::

    import lightning as L
    from tally.integrations.lightning import TallyLogger

    trainer = L.Trainer(logger=TallyLogger(project="mnist"), max_epochs=3)
    trainer.fit(model, data)   # self.log(...) values at the trainer's global step

The run is created on first use (``logger.experiment``), with the logger's arguments given
to ``tally.init``. ``log_hyperparams`` (``self.save_hyperparameters()``) fills the config,
nested dicts and namespaces flattened with ``/``; ``log_metrics`` logs at the step Lightning
passes; ``finalize`` finishes the run (``failed`` when Lightning reports a failure).
"""
from __future__ import annotations

import math
from argparse import Namespace
from typing import Any, Dict, Mapping, MutableMapping, Optional

from ..errors import TallyError


def flatten_params(params: Any, separator: str = "/") -> Dict[str, Any]:
    """Hyperparameters as one flat dict of JSON values: nested dicts and namespaces joined
    with ``separator``, tensors as numbers, anything else as its text.

    Example::

        flatten_params({"optim": {"lr": 0.1}, "layers": 2})   # {'optim/lr': 0.1, 'layers': 2}
    """
    out: Dict[str, Any] = {}
    _flatten(_as_dict(params), "", separator, out)
    return out


def _as_dict(params: Any) -> Mapping[str, Any]:
    if params is None:
        return {}
    if isinstance(params, Namespace):
        return vars(params)
    if isinstance(params, Mapping):
        return params
    raise TallyError("invalid_config", f"log_hyperparams takes a dict or an argparse.Namespace; got {type(params).__name__}")


def _flatten(params: Mapping[str, Any], prefix: str, sep: str, out: MutableMapping[str, Any]) -> None:
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Namespace):
            value = vars(value)
        if isinstance(value, Mapping) and value:
            _flatten(value, name + sep, sep, out)
        else:
            out[name] = _param(value)


def _param(value: Any) -> Any:
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, (str, bytes, bool, int, float)):
        try:
            value = item()
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)) and all(v is None or isinstance(v, (bool, int, float, str)) for v in value):
        return list(value)
    return str(value)


def metric_values(metrics: Mapping[str, Any]) -> Dict[str, float]:
    """Lightning's metrics (floats or 0-d tensors) as floats; NaN and infinities kept.

    Example::

        metric_values({"loss": torch.tensor(0.5), "epoch": 1})   # {'loss': 0.5, 'epoch': 1.0}
    """
    out: Dict[str, float] = {}
    for key, value in metrics.items():
        item = getattr(value, "item", None)
        number = item() if callable(item) and not isinstance(value, (int, float)) else value
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise TallyError("invalid_value", f"metric {key!r} must be a number or a one-element tensor; got {type(value).__name__}")
        out[str(key)] = float(number)
    return out


class LoggerLogging:
    """What ``TallyLogger`` does, without Lightning, so it can run (and be tested) anywhere.

    Example::

        logic = LoggerLogging(project="mnist")
        logic.log_hyperparams({"lr": 0.1})
        logic.log_metrics({"loss": 0.5}, step=0)
        logic.finalize("success")
    """

    def __init__(self, run: Any = None, **init_kwargs: Any) -> None:
        self._run = run
        self._owns_run = run is None
        self._init_kwargs = init_kwargs

    @property
    def experiment(self) -> Any:
        """The Tally run, created on first use."""
        if self._run is None:
            import tally

            self._run = tally.init(**self._init_kwargs)
        return self._run

    @property
    def name(self) -> str:
        """The run's project (Lightning's name of a group of versions)."""
        return str(self.experiment.project)

    @property
    def version(self) -> str:
        """The run's id."""
        return str(self.experiment.id)

    def log_hyperparams(self, params: Any, *args: Any, **kwargs: Any) -> None:
        flat = flatten_params(params)
        if flat:
            self.experiment.config.update(flat)

    def log_metrics(self, metrics: Mapping[str, Any], step: Optional[int] = None) -> None:
        values = metric_values(metrics)
        if values:
            self.experiment.log(values, step=None if step is None else int(step))

    def finalize(self, status: str) -> None:
        # Lightning calls finalize("success") at the end of fit and again after test: only
        # a run this logger started is finished, and finish() is idempotent.
        if self._owns_run and self._run is not None:
            self._run.finish(status="failed" if status == "failed" else None)


def _lightning_logger_base() -> Any:
    for module in ("lightning.pytorch.loggers", "pytorch_lightning.loggers"):
        try:
            mod = __import__(module, fromlist=["Logger"])
        except ImportError:
            continue
        base = getattr(mod, "Logger", None)
        if isinstance(base, type):
            return base
    return None


def _rank_zero_only_decorator() -> Any:
    for module in ("lightning.pytorch.utilities", "pytorch_lightning.utilities"):
        try:
            return getattr(__import__(module, fromlist=["rank_zero_only"]), "rank_zero_only")
        except (ImportError, AttributeError):
            continue
    return lambda fn: fn


_Logger = _lightning_logger_base()
_rank_zero_only = _rank_zero_only_decorator() if _Logger is not None else None

if _Logger is not None:

    class TallyLogger(LoggerLogging, _Logger):  # type: ignore[misc,valid-type]
        """A Lightning ``Logger`` that logs into Tally; ``kwargs`` go to ``tally.init``.

        Example::

            Trainer(logger=TallyLogger(project="mnist", name="baseline"))
        """

        def __init__(self, run: Any = None, **init_kwargs: Any) -> None:
            _Logger.__init__(self)
            LoggerLogging.__init__(self, run, **init_kwargs)

        # Only rank 0 writes, as Lightning's own loggers do; other ranks would start runs of their own.
        log_metrics = _rank_zero_only(LoggerLogging.log_metrics)
        log_hyperparams = _rank_zero_only(LoggerLogging.log_hyperparams)
        finalize = _rank_zero_only(LoggerLogging.finalize)

else:

    class TallyLogger:  # type: ignore[no-redef]
        """Stands in for the logger when Lightning is not installed: it says so."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise TallyError(
                "invalid_argument",
                "TallyLogger needs PyTorch Lightning, which does not import here: pip install lightning",
            )


__all__ = ["LoggerLogging", "TallyLogger", "flatten_params", "metric_values"]
