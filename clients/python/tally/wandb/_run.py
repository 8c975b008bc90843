"""``wandb.init`` and the run it returns, over Tally's core. ``log`` keeps wandb's step rules:
without ``step`` each committed call is the next step; ``commit=False`` gathers values into
the current step until a committing call; a ``step`` given without ``commit`` stays open until
a larger step arrives or the run finishes. A script that ends without ``wandb.finish()`` has
its pending values written before Tally ends the run (as wandb finishes the run at exit)."""
from __future__ import annotations

import operator
import os
import sys
from typing import Any, Dict, List, Optional, Sequence, Union

import tally
from tally import TallyError, lifecycle

from ._state import Config, Summary, _as_dict
from ._values import to_core

_RESUME = {None: None, False: None, "never": "never", True: "allow", "auto": "allow", "allow": "allow", "must": "must"}
_MODES = ("online", "offline", "disabled", "shared")


def _flatten(values: Dict[str, Any], prefix: str = "") -> Dict[str, Any]:
    """Nested dicts become dotted keys (``{"train": {"loss": 1}}`` -> ``train.loss``), as wandb charts them."""
    out: Dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = to_core(value)
    return out


class Run:
    """The run ``wandb.init`` returns.

    Example:
        >>> with wandb.init(project="mnist", config={"lr": 0.01}) as run:
        ...     run.log({"loss": 0.5})
    """

    def __init__(self, core: Optional["tally.Run"], mode: str) -> None:
        self._core = core
        self._mode = mode
        self._step = 0 if core is None else core.step
        self._pending: Dict[str, Any] = {}
        self._finished = False
        self._unregister: Any = None
        self.config = Config(core.config if core is not None else {})
        self.summary = Summary(core.summary if core is not None else {})

    # Identity, as wandb's run has it.
    @property
    def id(self) -> str:
        return self._core.id if self._core is not None else "disabled"

    @property
    def name(self) -> Optional[str]:
        return self._core.name if self._core is not None else "disabled"

    @property
    def project(self) -> Optional[str]:
        return self._core.project if self._core is not None else None

    @property
    def group(self) -> Optional[str]:
        return self._core.group if self._core is not None else None

    @property
    def tags(self) -> Sequence[str]:
        return tuple(self._core.tags or ()) if self._core is not None else ()

    @property
    def notes(self) -> Optional[str]:
        return self._core.description if self._core is not None else None

    @property
    def dir(self) -> Optional[str]:
        return str(self._core.dir) if self._core is not None else None

    @property
    def url(self) -> Optional[str]:
        return self._core.url if self._core is not None else None

    @property
    def resumed(self) -> bool:
        return bool(self._core.resumed) if self._core is not None else False

    @property
    def step(self) -> int:
        """The step the next committed ``log`` writes."""
        return self._step

    @property
    def disabled(self) -> bool:
        return self._core is None

    def log(
        self, data: Dict[str, Any], step: Optional[int] = None, commit: Optional[bool] = None, sync: Optional[bool] = None
    ) -> None:
        """Log values at the current step (see the module's step rules).

        Example:
            >>> run.log({"loss": 0.5, "acc": 0.8})
            >>> run.log({"lr": 0.01}, commit=False)
        """
        if self._finished:
            raise TallyError("run_finished", f"run {self.id} is finished; call wandb.init() to log more")
        if not isinstance(data, dict):
            raise TallyError("invalid_argument", f"wandb.log() takes a dict such as {{'loss': 0.5}}; got {type(data).__name__}")
        if step is not None:
            # Any integer type (numpy's int64 from a loop counter included): what has __index__.
            if isinstance(step, bool) or not hasattr(type(step), "__index__"):
                raise TallyError("invalid_step", f"step must be an integer >= 0; got {step!r}")
            step = operator.index(step)
            if step < 0:
                raise TallyError("invalid_step", f"step must be an integer >= 0; got {step!r}")
            if step < self._step:
                print(
                    f"tally: wandb.log step {step} is below the current step {self._step}; the values are not logged",
                    file=sys.stderr,
                )
                return
            if step > self._step:
                self._commit()
                self._step = step
        elif commit is None:
            commit = True
        self._pending.update(_flatten(data))
        if commit:
            self._commit()

    def finish(self, exit_code: Optional[int] = None, quiet: Optional[bool] = None) -> None:
        """Write what is pending and finish the run (a non-zero ``exit_code`` marks it failed).

        Example:
            >>> run.finish()
        """
        if self._finished:
            return
        if self._unregister is not None:
            self._unregister()
            self._unregister = None
        self._commit()
        self._finished = True
        if self._core is not None:
            self._core.finish(exit_code=exit_code)
        from . import _module

        _module._forget(self)

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.finish(exit_code=1 if exc_type is not None else None)

    def _commit(self) -> None:
        if not self._pending:
            return
        values, self._pending = self._pending, {}
        if self._core is not None:
            self._core.log(values, step=self._step)
        self._step += 1

    def _commit_at_exit(self) -> None:
        # Registered with lifecycle.before_end by make_run; a core run ended another way takes nothing.
        if self._core is not None and not self._core.finished:
            self._commit()

    def __repr__(self) -> str:
        return f"<wandb Run {self.id} ({self.name})>"


def make_run(
    project: Optional[str],
    entity: Optional[str],
    config: Any,
    name: Optional[str],
    notes: Optional[str],
    tags: Optional[Sequence[str]],
    group: Optional[str],
    job_type: Optional[str],
    dir: Optional[str],
    resume: Union[bool, str, None],
    id: Optional[str],
    mode: Optional[str],
    tally_options: Dict[str, Any],
) -> Run:
    mode = mode or os.environ.get("WANDB_MODE") or "online"
    if mode not in _MODES:
        raise TallyError("invalid_argument", f"mode is one of {', '.join(_MODES)}; got {mode!r}")
    if mode == "disabled":
        return Run(None, mode)
    if resume not in _RESUME:
        raise TallyError("invalid_resume", f"resume is one of True, False, 'allow', 'must', 'never', 'auto'; got {resume!r}")
    options: Dict[str, Any] = dict(tally_options)
    if mode == "offline":
        # Offline is a local run even where TALLY_SERVER_URL is set: an empty URL means none.
        options["server_url"] = ""
    tags_list: Optional[List[str]] = list(tags) if tags is not None else None
    core = tally.init(
        project=project or os.environ.get("WANDB_PROJECT") or None,
        name=name or os.environ.get("WANDB_NAME") or None,
        id=id or os.environ.get("WANDB_RUN_ID") or None,
        config=_as_dict(config) or None,
        group=group or os.environ.get("WANDB_RUN_GROUP") or None,
        tags=tags_list,
        description=notes or os.environ.get("WANDB_NOTES") or None,
        resume=_RESUME[resume],
        dir=dir,
        **options,
    )
    run = Run(core, mode)
    # Values still pending (a step given without commit, a trailing commit=False) reach the run
    # before lifecycle ends it at exit, on an exception or SIGTERM: wandb finishes runs at exit.
    run._unregister = lifecycle.before_end(run._commit_at_exit)
    return run
