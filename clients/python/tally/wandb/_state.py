"""wandb's ``config`` and ``summary`` objects over a run's: attribute and item access,
``update``, and every write recorded through the core."""
from __future__ import annotations

from typing import Any, Dict, Iterator, Mapping


def _as_dict(values: Any) -> Dict[str, Any]:
    """A dict from a mapping or an ``argparse.Namespace``/object, as ``wandb.config.update`` takes."""
    if values is None:
        return {}
    if isinstance(values, Mapping):
        return dict(values)
    if hasattr(values, "__dict__"):
        return {k: v for k, v in vars(values).items() if not k.startswith("_")}
    from tally import TallyError

    raise TallyError("invalid_config", f"config.update() takes a dict or an argparse.Namespace; got {type(values).__name__}")


class _Attrs:
    """Attribute and item access over one of the run's dicts; writes go through ``update``."""

    __slots__ = ("_target",)

    def __init__(self, target: Any) -> None:
        object.__setattr__(self, "_target", target)

    def update(self, values: Any = None, allow_val_change: bool = False, **more: Any) -> None:
        """Record several keys at once.

        Example:
            >>> wandb.config.update({"lr": 0.01, "epochs": 5})
        """
        merged = _as_dict(values)
        merged.update(more)
        if merged:
            self._target.update(merged)

    def __getattr__(self, key: str) -> Any:
        try:
            return self._target[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __getitem__(self, key: str) -> Any:
        return self._target[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __contains__(self, key: object) -> bool:
        return key in self._target

    def __iter__(self) -> Iterator[str]:
        return iter(dict(self._target))

    def __len__(self) -> int:
        return len(self._target)

    def get(self, key: str, default: Any = None) -> Any:
        return self._target.get(key, default)

    def keys(self):  # noqa: ANN201 - dict view
        return dict(self._target).keys()

    def items(self):  # noqa: ANN201 - dict view
        return dict(self._target).items()

    def values(self):  # noqa: ANN201 - dict view
        return dict(self._target).values()

    def as_dict(self) -> Dict[str, Any]:
        return dict(self._target)

    def setdefaults(self, values: Mapping[str, Any]) -> None:
        """Set the keys that are not set yet (wandb's sweep-friendly defaults).

        Example:
            >>> wandb.config.setdefaults({"lr": 0.01})
        """
        self.update({k: v for k, v in values.items() if k not in self._target})

    def __repr__(self) -> str:
        return repr(dict(self._target))


class Config(_Attrs):
    """``wandb.config``: the run's config.

    Example:
        >>> wandb.config.lr = 0.01
        >>> wandb.config["epochs"] = 5
    """


class Summary(_Attrs):
    """``run.summary``: final values of the run (results win over logged values).

    Example:
        >>> wandb.run.summary["best_acc"] = 0.93
    """
