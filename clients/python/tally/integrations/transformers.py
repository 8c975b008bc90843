"""Hugging Face ``transformers``: a ``TrainerCallback`` that logs a ``Trainer`` into Tally.

``TallyCallback`` is a ``transformers.TrainerCallback`` when transformers imports; without
it, the module still imports and ``TallyCallback(...)`` raises a ``TallyError`` that says to
install it.

Example::

    from transformers import Trainer
    from tally.integrations.transformers import TallyCallback

    trainer = Trainer(model=model, args=args, train_dataset=ds,
                      callbacks=[TallyCallback(project="bert")])
    trainer.train()   # config from args (and model.config), logs at state.global_step

What the callback does, hook by hook:

- ``on_train_begin``: ``tally.init`` (unless a run was given, or one is current) with the
  training arguments (``args.to_sanitized_dict()``) and the model's config under ``model``
  as the run's config; the run's name is ``args.run_name`` unless given.
- ``on_log``: the numbers of ``logs`` at ``state.global_step``, named as the wandb callback
  names them (``loss`` as ``train/loss``, ``eval_loss`` as ``eval/loss``); other values go
  to the summary. Only the main process (``state.is_world_process_zero``) logs.
- ``on_train_end``: ``run.finish()``, for a run the callback started.
"""
from __future__ import annotations

import math
from typing import Any, Dict, Mapping, Optional, Tuple

from ..errors import TallyError

_PREFIXES = (("eval_", "eval/"), ("test_", "test/"))


def metric_name(key: str) -> str:
    """The Tally key of a ``Trainer`` log key, as wandb's callback names it.

    Example::

        metric_name("eval_loss")   # 'eval/loss'
        metric_name("loss")        # 'train/loss'
    """
    for prefix, group in _PREFIXES:
        if key.startswith(prefix):
            return group + key[len(prefix) :]
    return "train/" + key


def split_logs(logs: Mapping[str, Any]) -> Tuple[Dict[str, float], Dict[str, Any]]:
    """``logs`` as (metrics to log, everything else for the summary).

    Numbers (and 0-d tensors) are metrics, NaN and infinities included; strings and other
    values go to the summary under the same names.

    Example::

        split_logs({"loss": 0.5, "epoch": 1.0, "note": "x"})
        # ({'train/loss': 0.5, 'train/epoch': 1.0}, {'train/note': 'x'})
    """
    metrics: Dict[str, float] = {}
    other: Dict[str, Any] = {}
    for key, value in logs.items():
        name = metric_name(str(key))
        number = _number(value)
        if number is None:
            other[name] = value if isinstance(value, (str, bool, type(None))) else str(value)
        else:
            metrics[name] = number
    return metrics, other


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool):
        return None
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, (int, float)):
        try:
            value = item()
        except (TypeError, ValueError):  # a tensor with more than one element
            return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def training_config(args: Any, model: Any = None) -> Dict[str, Any]:
    """The run's config: the training arguments, and the model's config under ``model``.

    Example::

        training_config(trainer.args, trainer.model)
        # {'learning_rate': 5e-05, ..., 'model': {'hidden_size': 768, ...}}
    """
    config: Dict[str, Any] = {}
    if args is not None:
        for method in ("to_sanitized_dict", "to_dict"):
            fn = getattr(args, method, None)
            if callable(fn):
                config.update(_jsonable(fn()))
                break
    model_config = getattr(model, "config", None)
    to_dict = getattr(model_config, "to_dict", None)
    if callable(to_dict):
        config["model"] = _jsonable(to_dict())
    return config


def _jsonable(value: Any) -> Any:
    # Arguments hold enums, paths and dtypes; the config keeps what JSON can say and the
    # text of the rest, as the arguments' own sanitized dict does.
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


class TrainerLogging:
    """What ``TallyCallback`` does, on duck-typed ``args``/``state`` objects, so it can run
    (and be tested) without transformers. ``TallyCallback`` adds ``TrainerCallback``.

    Example::

        logic = TrainerLogging(project="bert")
        logic.on_train_begin(args, state, control, model=model)
        logic.on_log(args, state, control, logs={"loss": 0.4})
        logic.on_train_end(args, state, control)
    """

    def __init__(self, run: Any = None, **init_kwargs: Any) -> None:
        self.run = run
        self._init_kwargs = init_kwargs
        self._owns_run = False

    def _is_main(self, state: Any) -> bool:
        return bool(getattr(state, "is_world_process_zero", True))

    def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        if not self._is_main(state):
            return
        config = training_config(args, model)
        if self.run is None or getattr(self.run, "finished", False):
            import tally

            current = tally.current_run()
            if current is not None and not self._init_kwargs:
                self.run = current
            else:
                options = dict(self._init_kwargs)
                run_name = getattr(args, "run_name", None)
                if options.get("name") is None and isinstance(run_name, str) and run_name:
                    # transformers defaults run_name to output_dir: a name a user recognises.
                    options["name"] = run_name
                self.run = tally.init(**options)
                self._owns_run = True
        if config:
            self.run.config.update(config)

    def on_log(self, args: Any, state: Any, control: Any, logs: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> None:
        if not self._is_main(state) or self.run is None or not logs:
            return
        metrics, other = split_logs(logs)
        if metrics:
            self.run.log(metrics, step=int(getattr(state, "global_step", 0) or 0))
        if other:
            self.run.summary.update(other)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self._owns_run and self.run is not None:
            self.run.finish()
            self._owns_run = False


try:
    from transformers import TrainerCallback as _TrainerCallback
except ImportError:
    _TrainerCallback = None

if _TrainerCallback is not None:

    class TallyCallback(TrainerLogging, _TrainerCallback):  # type: ignore[misc,valid-type]
        """A ``TrainerCallback`` that logs into Tally; ``kwargs`` go to ``tally.init``.

        Example::

            Trainer(..., callbacks=[TallyCallback(project="bert", tags=["base"])])
        """

else:

    class TallyCallback:  # type: ignore[no-redef]
        """Stands in for the callback when transformers is not installed: it says so."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise TallyError(
                "invalid_argument",
                "TallyCallback needs Hugging Face transformers, which does not import here: pip install transformers",
            )


__all__ = ["TallyCallback", "TrainerLogging", "metric_name", "split_logs", "training_config"]
