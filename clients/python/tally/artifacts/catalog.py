"""Reading a project's artifact versions back from a client, numbered the way the store numbers
them: per (project, name) from v0 in the order versions were logged, a digest logged again being
the same version, aliases moving to the version that names them last. Mirrors
``packages/sdk/src/artifacts/catalog.ts``.

Local mode reads the spool, which is the record the local store is built from, so a script can
read back what it (or an earlier run) logged without a store or a server. The store takes the
spool oldest file first, so runs that logged one after another number the same in both; only two
processes logging the same name within moments of each other and ingested later could be
numbered differently. Remote mode asks the server, whose numbers are the ones the dashboard shows.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional
from urllib.parse import quote

from ..errors import TallyError
from ..spool.reader import read_run_index, read_spool_events, spool_files
from ..spool.writer import spool_dir

# As encodeURIComponent does.
_SAFE = "!~*'()"
_VERSION_REF = re.compile(r"v\d+")


@dataclass
class ArtifactVersion:
    """One version as a client reads it back."""

    name: str
    #: 0 for v0.
    version: int
    type: str
    digest: str
    description: Optional[str]
    metadata: Dict[str, Any]
    #: ``latest`` when it is the newest, then the aliases pointing at it.
    aliases: List[str] = field(default_factory=list)
    entries: List[Dict[str, Any]] = field(default_factory=list)
    #: The run that logged it first.
    run_id: str = ""
    #: When it was first logged, ms since the epoch.
    created_at: int = 0


def spool_artifact_versions(dir: str, project: str) -> List[ArtifactVersion]:
    """Every artifact version of ``project`` in the spool under ``dir``, oldest first.

    Example::

        versions = spool_artifact_versions(os.path.expanduser("~/.tally"), "vision")
    """
    root = spool_dir(dir)
    try:
        run_ids = sorted(os.listdir(root))
    except OSError:
        return []
    logged = []
    for run_id in run_ids:
        run_dir = os.path.join(root, run_id)
        index = read_run_index(run_dir)
        if index is None or index.get("project") != project:
            continue
        for path in spool_files(run_dir):
            writer_id = os.path.basename(path)[: -len(".tsp")]
            for seq, event in read_spool_events(path):
                if event.get("type") == "artifact":
                    logged.append((event.get("at", 0), run_id, writer_id, seq, event))
    logged.sort(key=lambda x: x[:4])
    return _number_versions([(run_id, event) for _, run_id, _, _, event in logged])


def _number_versions(logged: List[Any]) -> List[ArtifactVersion]:
    versions: List[ArtifactVersion] = []
    by_name: Dict[str, Dict[str, ArtifactVersion]] = {}
    # name -> alias -> the version it points at (a dict keeps where an alias was first set, as a JS Map).
    named: Dict[str, Dict[str, ArtifactVersion]] = {}
    for run_id, event in logged:
        name = event["name"]
        digests = by_name.setdefault(name, {})
        v = digests.get(event["digest"])
        if v is None:
            v = ArtifactVersion(
                name=name,
                version=len(digests),
                type=event["artifactType"],
                digest=event["digest"],
                description=event.get("description"),
                metadata=event.get("metadata") or {},
                entries=list(event.get("entries") or []),
                run_id=run_id,
                created_at=event.get("at", 0),
            )
            digests[v.digest] = v
            versions.append(v)
        aliases = named.setdefault(name, {})
        for alias in event.get("aliases") or []:
            aliases[alias] = v
    for name, aliases in named.items():
        newest = list(by_name[name].values())[-1]
        newest.aliases.append("latest")
        for alias, v in aliases.items():
            if alias != "latest":
                v.aliases.append(alias)
    return versions


def server_artifact_versions(target: Any, project: str) -> List[ArtifactVersion]:
    """Every artifact version of ``project`` on a team server (a ``RemoteTarget``), oldest first.

    Example::

        versions = server_artifact_versions(remote_target("http://127.0.0.1:8080", key), "vision")
    """
    from ..remote.http import Client

    base = f"/api/v1/workspaces/{quote(target.workspace, safe=_SAFE)}/projects/{quote(project, safe=_SAFE)}/artifacts"
    client = Client(target)
    try:
        versions: List[ArtifactVersion] = []
        for artifact in _get_list(client, base):
            for v in reversed(_get_list(client, f"{base}/{quote(artifact['name'], safe=_SAFE)}")):
                versions.append(ArtifactVersion(
                    name=v["name"],
                    version=int(v["version"][1:]),
                    type=v["type"],
                    digest=v["digest"],
                    description=v.get("description"),
                    metadata=v.get("metadata") or {},
                    aliases=list(v.get("aliases") or []),
                    entries=list(v.get("entries") or []),
                    run_id=v.get("runId", ""),
                    created_at=_ms(v.get("createdAt")),
                ))
    finally:
        client.close()
    return sorted(versions, key=lambda v: (v.created_at, v.name, v.version))


def run_artifact_versions(run: Any) -> List[ArtifactVersion]:
    """``run.artifact_versions()``: first makes sure what the run logged is counted (written to the
    spool, and in remote mode taken by the server), then reads the spool or asks the server."""
    from ..remote import DEFAULT_FLUSH_TIMEOUT_S

    sender = getattr(run, "_sender", None)
    delivered = run.flush(timeout=DEFAULT_FLUSH_TIMEOUT_S) if not run.finished else True
    if sender is None:
        return spool_artifact_versions(run.dir, run.project)
    if not delivered:
        raise TallyError(
            "server_unreachable",
            f"{sender.target.server_url} has not taken this run's records within {DEFAULT_FLUSH_TIMEOUT_S:g} s, "
            "so its artifacts cannot be read back yet; try again",
        )
    return server_artifact_versions(sender.target, run.project)


def find_version(versions: List[ArtifactVersion], name: str, ref: str) -> Optional[ArtifactVersion]:
    """``v3``, ``latest``, an alias, or a digest: the version of ``name`` it names, if any.

    Example::

        best = find_version(run.artifact_versions(), "resnet", "best")
    """
    own = [v for v in versions if v.name == name]
    if _VERSION_REF.fullmatch(ref):
        return next((v for v in own if v.version == int(ref[1:])), None)
    for v in reversed(own):
        if ref in v.aliases:
            return v
    return next((v for v in reversed(own) if v.digest == ref), None)


def _get_list(client: Any, path: str) -> List[Dict[str, Any]]:
    answer = client.request("GET", path, list_body=True)
    if answer.kind != "ok":
        error = answer.error or TallyError("server_unreachable", f"cannot reach {client.target.server_url}")
        if answer.kind == "retry":
            raise TallyError("server_unreachable", f"{error.message}; artifacts are read back once it answers, try again")
        raise error
    return list(answer.body["list"])


def _ms(iso: Any) -> int:
    if not isinstance(iso, str):
        return 0
    try:
        return round(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return 0
