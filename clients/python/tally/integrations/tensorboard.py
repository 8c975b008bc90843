"""TensorBoard's ``SummaryWriter`` calls, also sent to Tally.

``intercept(sink)`` patches ``SummaryWriter`` of ``torch.utils.tensorboard`` and of
``tensorboardX`` (each when it imports) so that ``add_scalar``, ``add_scalars``,
``add_hparams`` and ``add_text`` still write their event files and, after that, reach
``sink``. ``patch(run)`` is the same with a sink that logs into a Tally run. Both return an
``undo`` function that puts the original methods back. Once the run is finished, ``patch``'s
sink ignores the calls (the event files are still written): a writer used after
``run.finish()`` never raises ``run_finished`` into the training script.

Example::

    import tally
    from tally.integrations import tensorboard
    from tensorboardX import SummaryWriter

    run = tally.init(project="demo")
    undo = tensorboard.patch(run)
    writer = SummaryWriter()
    writer.add_scalar("loss", 0.5, 0)        # in the event file and in the run
    undo()
    run.finish()
"""
from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import sys
import threading
from typing import Any, Callable, Dict, List, Mapping, Optional, Protocol, Tuple


from ..errors import TallyError

#: The modules whose ``SummaryWriter`` is patched, when they import.
WRITER_MODULES: Tuple[str, ...] = ("torch.utils.tensorboard", "tensorboardX")
_METHODS: Tuple[str, ...] = ("add_scalar", "add_scalars", "add_hparams", "add_text")


class Sink(Protocol):
    """Where intercepted calls go. Tracelet's backends and ``RunSink`` are sinks."""

    def log_metric(self, name: str, value: float, step: Optional[int]) -> None: ...

    def log_params(self, params: Dict[str, Any]) -> None: ...

    def log_text(self, name: str, text: str, step: Optional[int]) -> None: ...


# One patch of the classes, shared by every intercept: each intercept adds a registration,
# and the classes are restored when the last one is undone, in whatever order.
_lock = threading.RLock()
_registrations: List[Sink] = []
# (class, method name) -> (the class's own attribute or None when inherited, our wrapper)
_patched: Dict[Tuple[type, str], Tuple[Any, Callable[..., Any]]] = {}
# A writer method calling another (add_hparams writes its metrics with add_scalar on a
# child writer) must reach the sinks once, from the outermost call only.
_depth = threading.local()


def intercept(sink: Sink) -> Callable[[], None]:
    """Send ``SummaryWriter`` calls to ``sink`` too, until the returned ``undo`` is called.

    The event files are written as before; ``sink`` hears of a call after the writer
    accepted it. A sink intercepted twice hears each call once; several sinks all hear it.

    Example::

        undo = intercept(my_sink)   # my_sink.log_metric / log_params / log_text
        SummaryWriter().add_scalar("loss", 0.5, 3)   # my_sink.log_metric("loss", 0.5, 3)
        undo()
    """
    for method in ("log_metric", "log_params", "log_text"):
        if not callable(getattr(sink, method, None)):
            raise TallyError(
                "invalid_argument",
                f"intercept() takes a sink with log_metric, log_params and log_text; "
                f"{type(sink).__name__} has no {method}()",
            )
    with _lock:
        _patch_classes()
        _registrations.append(sink)
    undone = False

    def undo() -> None:
        nonlocal undone
        with _lock:
            if undone:
                return
            undone = True
            for i, registered in enumerate(_registrations):
                if registered is sink:
                    del _registrations[i]
                    break
            if not _registrations:
                _restore_classes()

    return undo


def writer_classes() -> List[type]:
    """The ``SummaryWriter`` classes that import here (torch's and tensorboardX's).

    Example::

        [c.__module__ for c in writer_classes()]   # ['tensorboardX.writer']
    """
    classes: List[type] = []
    for name in WRITER_MODULES:
        module = sys.modules.get(name)
        if module is None:
            # find_spec first: a missing torch costs nothing, a present one is imported
            # (the user has it installed to use it).
            try:
                if importlib.util.find_spec(name.split(".")[0]) is None:
                    continue
                module = importlib.import_module(name)
            except Exception:  # noqa: BLE001 - torch without tensorboard raises ImportError, others worse
                continue
        cls = getattr(module, "SummaryWriter", None)
        if isinstance(cls, type) and cls not in classes:
            classes.append(cls)
    return classes


def _patch_classes() -> None:
    for cls in writer_classes():
        for name in _METHODS:
            if (cls, name) in _patched or not hasattr(cls, name):
                continue
            own = cls.__dict__.get(name)
            wrapper = _wrap(getattr(cls, name), _FORWARDERS[name])
            setattr(cls, name, wrapper)
            _patched[(cls, name)] = (own, wrapper)


def _restore_classes() -> None:
    for (cls, name), (own, wrapper) in list(_patched.items()):
        # Someone patched on top of ours: leave theirs in place. Ours underneath then
        # forwards to no sink, since none is registered.
        if cls.__dict__.get(name) is wrapper:
            if own is None:
                delattr(cls, name)
            else:
                setattr(cls, name, own)
        del _patched[(cls, name)]


def _wrap(original: Callable[..., Any], forward: Callable[[Mapping[str, Any]], None]) -> Callable[..., Any]:
    signature = inspect.signature(original)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        depth = getattr(_depth, "n", 0)
        _depth.n = depth + 1
        try:
            result = original(*args, **kwargs)
        finally:
            _depth.n = depth
        if depth == 0 and _registrations:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            forward(bound.arguments)
        return result

    wrapper.__tally_original__ = original  # type: ignore[attr-defined]
    return wrapper


def _each_sink(call: Callable[[Sink], None]) -> None:
    with _lock:
        sinks: List[Sink] = []
        for sink in _registrations:
            if not any(s is sink for s in sinks):
                sinks.append(sink)
    error: Optional[BaseException] = None
    for sink in sinks:
        try:
            call(sink)
        except Exception as e:  # noqa: BLE001 - one failing sink must not starve the others
            error = error or e
    if error is not None:
        raise error


def _number(value: Any, what: str) -> float:
    # Tensors and numpy scalars have item(); bool and int go through float() unchanged in value.
    item = getattr(value, "item", None)
    try:
        return float(item() if callable(item) else value)
    except (TypeError, ValueError):
        raise TallyError("invalid_value", f"{what} must be a number; got {type(value).__name__}") from None


def _step(value: Any) -> Optional[int]:
    if value is None:
        return None
    item = getattr(value, "item", None)
    step = item() if callable(item) else value
    if isinstance(step, float) and step.is_integer():
        step = int(step)
    if isinstance(step, bool) or not isinstance(step, int):
        raise TallyError("invalid_step", f"global_step must be an integer; got {step!r}")
    return step


def _param(value: Any) -> Any:
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, (str, bytes)):
        try:
            return item()
        except (TypeError, ValueError):
            pass
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    # TensorBoard stringifies what it cannot show; the run's config does the same.
    return str(value)


def _forward_scalar(a: Mapping[str, Any]) -> None:
    tag = str(a["tag"])
    value = _number(a["scalar_value"], f"add_scalar({tag!r}) value")
    step = _step(a.get("global_step"))
    _each_sink(lambda s: s.log_metric(tag, value, step))


def _forward_scalars(a: Mapping[str, Any]) -> None:
    main = str(a["main_tag"])
    values = {f"{main}/{k}": _number(v, f"add_scalars({main!r}) value {k!r}") for k, v in dict(a["tag_scalar_dict"]).items()}
    step = _step(a.get("global_step"))
    _each_sink(lambda s: _log_metrics(s, values, step))


def _forward_hparams(a: Mapping[str, Any]) -> None:
    params = {str(k): _param(v) for k, v in dict(a["hparam_dict"]).items()}
    metrics = {str(k): _number(v, f"add_hparams metric {k!r}") for k, v in dict(a["metric_dict"] or {}).items()}
    step = _step(a.get("global_step"))

    def send(sink: Sink) -> None:
        sink.log_params(params)
        _log_metrics(sink, metrics, step)

    _each_sink(send)


def _forward_text(a: Mapping[str, Any]) -> None:
    tag = str(a["tag"])
    text = str(a["text_string"])
    step = _step(a.get("global_step"))
    _each_sink(lambda s: s.log_text(tag, text, step))


def _log_metrics(sink: Sink, values: Dict[str, float], step: Optional[int]) -> None:
    # A sink that takes a whole row (RunSink) keeps a group on one step even without global_step.
    log_metrics = getattr(sink, "log_metrics", None)
    if callable(log_metrics):
        log_metrics(values, step)
    else:
        for name, value in values.items():
            sink.log_metric(name, value, step)


_FORWARDERS: Dict[str, Callable[[Mapping[str, Any]], None]] = {
    "add_scalar": _forward_scalar,
    "add_scalars": _forward_scalars,
    "add_hparams": _forward_hparams,
    "add_text": _forward_text,
}


class RunSink:
    """A sink that logs into a Tally run: scalars as metrics, hparams into the config (and
    their metrics as metrics), text as a ``Markdown`` value, which the run page renders as
    TensorBoard does.

    A call without ``global_step`` logs at the run's next step, as ``run.log`` does. Once the
    run is finished the sink ignores every call: the writer still writes its event file, and
    the script is not interrupted by ``run_finished``.

    Example::

        undo = intercept(RunSink(run))
    """

    def __init__(self, run: Any) -> None:
        self.run = run

    def _open(self) -> bool:
        return not getattr(self.run, "finished", False)

    def log_metric(self, name: str, value: float, step: Optional[int]) -> None:
        if self._open():
            _unless_finished(lambda: self.run.log({name: value}, step=step))

    def log_metrics(self, values: Dict[str, float], step: Optional[int]) -> None:
        if values and self._open():
            _unless_finished(lambda: self.run.log(dict(values), step=step))

    def log_params(self, params: Dict[str, Any]) -> None:
        if self._open():
            _unless_finished(lambda: self.run.config.update(params))

    def log_text(self, name: str, text: str, step: Optional[int]) -> None:
        from .. import Markdown  # py-core's rich values; imported late to keep this module light

        if self._open():
            _unless_finished(lambda: self.run.log({name: Markdown(text)}, step=step))


def _unless_finished(call: Callable[[], None]) -> None:
    # The run may finish between the check and the call (another thread, the exit hooks).
    try:
        call()
    except TallyError as e:
        if e.code != "run_finished":
            raise


def patch(run: Any = None) -> Callable[[], None]:
    """Log ``SummaryWriter`` calls into ``run`` (default: the current run) as well.

    Returns ``undo``; ``run.finish()`` does not undo it, so call it when done.

    Example::

        run = tally.init(project="demo")
        undo = tally.integrations.tensorboard.patch()
        ...
        undo()
        run.finish()
    """
    if run is None:
        from .. import current_run

        run = current_run()
        if run is None:
            raise TallyError("no_active_run", "tensorboard.patch() needs a run: call tally.init() first, or pass run=")
    return intercept(RunSink(run))


__all__ = ["WRITER_MODULES", "RunSink", "Sink", "intercept", "patch", "writer_classes"]
