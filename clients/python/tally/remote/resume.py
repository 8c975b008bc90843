"""Remote resume: in remote mode the run to resume may exist only on the server (started on
another machine), so ``init`` asks the server for it. Only a resume by id or name with
``resume='allow'|'must'`` pays the round trip. Mirrors packages/sdk/src/remote/resume.ts.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Optional, TypeVar, Union

from ..errors import TallyError
from ..spool.reader import scan_run_spool
from ..spool.writer import spool_dir
from .lookup import ServerRun, Unreachable, lookup_by_id, lookup_by_name
from .target import RemoteTarget

T = TypeVar("T")


@dataclass(frozen=True)
class RemoteRun:
    """The run the server has: continue it at ``last_step + 1``."""

    id: str
    name: str
    project: str
    created_at: int
    # The higher of the server's last step and the local spool's (steps logged, not sent yet).
    last_step: int
    resumed: bool = True


def resolve_remote_run(target: RemoteTarget, *, project: str, name: Optional[str], run_id: Optional[str],
                       resume: Optional[str], dir: str, resolve_local: Callable[[], T],
                       project_given: bool = True) -> Union[RemoteRun, T]:
    """The run ``init`` opens in remote mode. With ``resume`` 'allow' or 'must' and an id or
    a name, the server says whether the run exists and where it stands; otherwise, or when the
    server has no such run, ``resolve_local()`` (the local-mode resolution) decides. When the
    server cannot be reached, the local spool stands in for it if it has the run.

    ``project``, ``name`` and ``run_id`` must be checked already. ``project_given=False`` (init had
    no project): a run found by its id is resumed in its own project, as TS does.

    Example::

        found = resolve_remote_run(target, project="p", name="shared", run_id=None, resume="allow",
                                   dir=tally_dir, resolve_local=lambda: resolve_run(...))
    """
    if resume not in ("allow", "must") or (run_id is None and name is None):
        return resolve_local()
    lookup = lookup_by_id(target, run_id) if run_id is not None else lookup_by_name(target, project, name or "")
    what = f"id {run_id}" if run_id is not None else f'name "{name}"'
    if isinstance(lookup, ServerRun):
        if run_id is not None and not project_given:
            project = lookup.project  # found by its id, with no project asked for: resumed in its own project
        return _resume_found(lookup, project, name, dir)
    if lookup is None:
        try:
            return resolve_local()
        except TallyError as e:
            if e.code != "run_not_found":
                raise
            raise TallyError("run_not_found", (
                f'no run with {what} in project "{project}" on {target.server_url} (workspace {target.workspace}) '
                "nor in the local spool; check it, or use resume='allow' to create it")) from None
    local = _local_run(resolve_local)
    if local is not None and _resumed(local):
        return local
    assert isinstance(lookup, Unreachable)
    raise TallyError("server_unreachable", (
        f"cannot look up the run with {what} ({lookup.reason}), and it is not in the local spool under {dir} "
        "either; check that the server is up and that server_url (TALLY_SERVER_URL) is right, then try again"))


def _resume_found(run: ServerRun, project: str, name: Optional[str], dir: str) -> RemoteRun:
    if run.project != project:
        raise TallyError("invalid_argument",
                         f'run {run.id} belongs to project "{run.project}", not "{project}"; pass project="{run.project}"')
    # Steps logged here but not sent yet count too.
    run_dir = os.path.join(spool_dir(dir), run.id)
    local_last = scan_run_spool(run_dir) if os.path.isdir(run_dir) else -1
    return RemoteRun(run.id, name if name is not None else run.name, run.project, run.created_at,
                     max(run.last_step, local_last))


def _local_run(resolve_local: Callable[[], T]) -> Optional[T]:
    try:
        return resolve_local()
    except TallyError as e:
        if e.code == "run_not_found":
            return None
        raise


def _resumed(local: Any) -> bool:
    return bool(local.get("resumed") if isinstance(local, dict) else getattr(local, "resumed", False))


def resolve_remote(options: Any, dir: Optional[str], target: RemoteTarget) -> Any:
    """``resolve.resolve_local`` for remote mode: the same ``ResolvedRun``, with the server
    consulted first for a resume by id or name.

    Example::

        resolved = resolve_remote(check_options(...), dir, target)
    """
    from ..resolve import ResolvedRun, resolve_local, tally_dir  # the core's; imported late, it imports much

    root = tally_dir(dir)
    o = options
    found = resolve_remote_run(target, project=o.project, name=o.name, run_id=o.id, resume=o.resume, dir=root,
                               resolve_local=lambda: resolve_local(o, dir), project_given=o.project_given)
    if not isinstance(found, RemoteRun):
        return found
    return ResolvedRun(found.id, found.project, found.name, o.group, o.tags, o.description, o.config, root, True,
                       found.last_step, found.created_at)
