"""A dict that records every change as a spool event: ``run.config`` and ``run.summary``."""
from __future__ import annotations

from typing import Any, Callable, Dict, Mapping

from .errors import TallyError
from .validate import check_config


class RecordingDict(dict):
    """A plain-looking dict: ``d["lr"] = 0.1``, ``d.lr = 0.1`` or ``d.update({...})`` records the
    change (values must be JSON, else ``invalid_config``). Keys cannot be deleted.

    Example::

        run.config.update({"batch_size": 64})
        run.config["lr"] = 0.1
        run.summary["best_acc"] = 0.98
    """

    def __init__(self, initial: Dict[str, Any], what: str, record: Callable[[Dict[str, Any]], None]) -> None:
        dict.__init__(self, initial)
        object.__setattr__(self, "_what", what)
        object.__setattr__(self, "_record", record)

    def update(self, values: Any = None, /, **more: Any) -> None:  # type: ignore[override]
        merged: Dict[str, Any] = {}
        if values is not None:
            if isinstance(values, Mapping):
                merged.update(values)
            elif hasattr(values, "__dict__") and not isinstance(values, (list, tuple)):
                merged.update(vars(values))  # argparse.Namespace, as wandb takes it
            else:
                merged.update(dict(values))
        merged.update(more)
        if not merged:
            return
        checked = check_config(merged, self._what)
        self._record(checked)
        dict.update(self, checked)

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self.update({key: default})
        return self[key]

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"{self._what} has no key {key!r}") from None

    def __setattr__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TallyError("invalid_config", f"{self._what} keys cannot be deleted; set the key to None instead")

    __delitem__ = _refuse
    __delattr__ = _refuse
    pop = _refuse  # type: ignore[assignment]
    popitem = _refuse  # type: ignore[assignment]
    clear = _refuse  # type: ignore[assignment]

    def as_dict(self) -> Dict[str, Any]:
        """A plain copy."""
        return dict(self)
