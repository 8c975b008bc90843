"""``init`` options checked, and the run to resume found in the local spool (``resolve.ts``)."""
from __future__ import annotations

import os
import time
from typing import Any, Dict, List, NamedTuple, Optional

from .errors import TallyError
from .names import new_run_id
from .spool.reader import read_run_index, scan_run_spool
from .spool.writer import spool_dir
from .validate import check_config, check_id, check_project, check_tags, check_text, describe

RESUME_MODES = ("never", "allow", "must")


class ResolvedRun(NamedTuple):
    id: str
    project: str
    name: Optional[str]  # None: generate one
    group: Optional[str]
    tags: List[str]
    description: Optional[str]
    config: Dict[str, Any]
    dir: str
    resumed: bool
    last_step: int  # -1 for a new run
    created_at: int


def tally_dir(dir: Optional[str] = None) -> str:
    """The ``dir`` option, else ``$TALLY_DIR``, else ``~/.tally``, made absolute."""
    if dir is not None and (not isinstance(dir, (str, os.PathLike)) or not os.fspath(dir)):
        raise TallyError("invalid_argument", f"dir must be a directory path; got {describe(dir)}")
    chosen = os.fspath(dir) if dir is not None else os.environ.get("TALLY_DIR") or os.path.join(os.path.expanduser("~"), ".tally")
    return os.path.abspath(chosen)


class CheckedOptions(NamedTuple):
    project: str
    resume: str
    id: Optional[str]
    name: Optional[str]
    group: Optional[str]
    tags: List[str]
    description: Optional[str]
    config: Dict[str, Any]
    # False when init was given no project (TALLY_PROJECT or "default" stands in): a run found by
    # its id is then resumed in its own project, as TS does for `options.project === undefined`.
    project_given: bool = True


def check_options(
    project: Any, name: Any, id: Any, config: Any, group: Any, tags: Any, description: Any, resume: Any
) -> CheckedOptions:
    """Validate ``init``'s options as the TypeScript SDK does, with the same error codes."""
    project_given = project is not None
    project = check_project(project if project is not None else os.environ.get("TALLY_PROJECT") or "default")
    resume = "never" if resume is None else resume
    if resume not in RESUME_MODES:
        raise TallyError("invalid_resume", f"resume must be 'never', 'allow' or 'must'; got {describe(resume)}")
    run_id = None if id is None else check_id(id)
    name = None if name is None else check_text("name", name)
    group = None if group is None else check_text("group", group)
    description = None if description is None else check_text("description", description)
    tags = [] if tags is None else check_tags(tags)
    config = {} if config is None else check_config(_plain_config(config))
    if resume == "must" and run_id is None and name is None:
        raise TallyError("invalid_resume", "resume='must' needs the id or the name of the run to resume")
    return CheckedOptions(project, resume, run_id, name, group, tags, description, config, project_given)


def _plain_config(config: Any) -> Any:
    # argparse.Namespace and similar objects: their attributes are the config, as wandb takes them.
    if not isinstance(config, dict) and hasattr(config, "__dict__") and not isinstance(config, type):
        return dict(vars(config))
    return config


def resolve_local(options: CheckedOptions, dir: Optional[str]) -> ResolvedRun:
    """Find the run to resume under the local spool, or describe a new one."""
    root = tally_dir(dir)
    o = options
    existing = None if o.resume == "never" and o.id is None else _find_run(root, o.project, o.id, o.name if o.id is None else None)
    if existing is not None:
        if o.id is not None and not o.project_given and existing["project"] != o.project:
            # Found by its id, with no project asked for: resumed in its own project.
            return resolve_local(o._replace(project=check_project(existing["project"]), project_given=True), dir)
        if existing["project"] != o.project:
            raise TallyError(
                "invalid_argument",
                f'run {existing["id"]} belongs to project "{existing["project"]}", not "{o.project}"; pass project="{existing["project"]}"',
            )
        if o.resume == "never":
            raise TallyError(
                "run_exists",
                f"a run with id {existing['id']} already exists; pass resume='allow' or 'must' to continue it, or another id",
            )
        last_step = scan_run_spool(os.path.join(spool_dir(root), existing["id"]))
        return ResolvedRun(
            existing["id"], o.project, o.name or existing.get("name"), o.group, o.tags, o.description, o.config, root, True,
            last_step, int(existing.get("createdAt") or _now_ms()),
        )
    if o.resume == "must":
        what = f"id {o.id}" if o.id is not None else f'name "{o.name}"'
        field = "id" if o.id is not None else "name"
        raise TallyError(
            "run_not_found",
            f'no run with {what} in project "{o.project}" under {root}; check the {field}, or use resume=\'allow\' to create it',
        )
    return ResolvedRun(
        o.id or new_run_id(), o.project, o.name, o.group, o.tags, o.description, o.config, root, False, -1, _now_ms()
    )


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _find_run(root: str, project: str, run_id: Optional[str], name: Optional[str]) -> Optional[Dict[str, Any]]:
    """By id, or else the latest run of the project with this name."""
    spool = spool_dir(root)
    if run_id is not None:
        run_dir = os.path.join(spool, run_id)
        if not os.path.isdir(run_dir):
            return None
        return read_run_index(run_dir) or {"id": run_id, "project": project, "name": run_id, "createdAt": _now_ms()}
    if name is None or not os.path.isdir(spool):
        return None
    best = None
    for entry in os.listdir(spool):
        index = read_run_index(os.path.join(spool, entry))
        if not index or index.get("project") != project or index.get("name") != name:
            continue
        if best is None or index.get("createdAt", 0) > best.get("createdAt", 0):
            best = index
    return best
