"""Checks of everything a user hands to Tally, with the codes and messages of ``validate.ts``."""
from __future__ import annotations

import re
from typing import Any, Dict, List

from . import jsonvalue
from .errors import TallyError

LIMITS = {
    "key": 255,
    "project": 255,
    "name": 255,
    "group": 255,
    "description": 1000,
    "tags": 50,
    "tag": 50,
    "metadata": 10 * 1024,
}
MAX_STEP = 2**53 - 1
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def describe(v: Any) -> str:
    """A short description of a bad value for an error message."""
    if v is None:
        return "None"
    if isinstance(v, str):
        return repr(v if len(v) <= 40 else v[:40] + "…")
    if isinstance(v, (bool, int, float)):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return f"a {type(v).__name__}"
    return f"a {type(v).__name__}"


def _too_long(s: str, limit: int) -> bool:
    # Python strings count code points, as the TS check does after its UTF-16 shortcut.
    return len(s) > limit


def check_key(key: Any) -> str:
    if type(key) is not str or not key or "\x00" in key:
        raise TallyError("invalid_key", f"metric keys must be non-empty strings without NUL characters; got {describe(key)}")
    if _too_long(key, LIMITS["key"]):
        raise TallyError("invalid_key", f'metric key "{key[:40]}…" has {len(key)} characters; the limit is {LIMITS["key"]}')
    return key


def check_step(step: Any) -> int:
    """A step as an int: an int, a whole float (``5.0``, ``numpy.float64(5.0)``: TS takes any integral
    number), or a scalar with ``__index__`` (numpy and torch integers)."""
    if type(step) is not int:
        if isinstance(step, bool):
            raise _bad_step(step)
        if isinstance(step, float):
            if not step.is_integer():
                raise _bad_step(step)
            step = int(step)
        else:
            index = getattr(step, "__index__", None)
            if index is None:
                raise _bad_step(step)
            try:
                step = index()
            except (TypeError, ValueError, OverflowError):
                raise _bad_step(step) from None  # e.g. a torch float tensor: it has __index__, and refuses it
            if type(step) is not int:
                step = int(step)
    if step < 0 or step > MAX_STEP:
        raise _bad_step(step)
    return step


def _bad_step(step: Any) -> TallyError:
    return TallyError("invalid_step", f"step must be an integer from 0 to 2^53-1; got {describe(step)}")


def check_value(key: str, value: Any) -> float:
    """A metric value as a float: bool, int, float, or a scalar that converts (numpy, torch)."""
    t = type(value)
    if t is float or t is bool:
        return float(value)
    if t is int:
        try:
            return float(value)
        except OverflowError:
            raise TallyError("invalid_value", f'the value of "{key}" is too large for a float64; got an int of {value.bit_length()} bits') from None
    if isinstance(value, (str, bytes, list, tuple, dict)) or value is None:
        raise TallyError(
            "invalid_value", f'the value of "{key}" must be a number (NaN and ±Infinity are kept); got {describe(value)}'
        )
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        raise TallyError(
            "invalid_value", f'the value of "{key}" must be a number (NaN and ±Infinity are kept); got {describe(value)}'
        ) from None


def check_project(project: Any) -> str:
    if type(project) is not str or not project.strip() or "\x00" in project:
        raise TallyError("invalid_project", f"project must be a non-empty string without NUL characters; got {describe(project)}")
    if _too_long(project, LIMITS["project"]):
        raise TallyError("invalid_project", f"project names are limited to {LIMITS['project']} characters")
    return project


def check_id(run_id: Any) -> str:
    if type(run_id) is not str or not _ID.fullmatch(run_id):
        raise TallyError(
            "invalid_argument", f"run ids are 1 to 64 characters of A-Z, a-z, 0-9, '_' and '-'; got {describe(run_id)}"
        )
    return run_id


def check_text(what: str, value: Any) -> str:
    limit = LIMITS[what]
    if type(value) is not str or (what != "description" and not value.strip()) or "\x00" in value:
        article = "a" if what == "description" else "a non-empty"
        raise TallyError("invalid_name", f"{what} must be {article} string without NUL characters; got {describe(value)}")
    if _too_long(value, limit):
        raise TallyError("invalid_name", f"{what} is limited to {limit} characters; got {len(value)}")
    return value


def check_tags(tags: Any) -> List[str]:
    if isinstance(tags, str) or not isinstance(tags, (list, tuple, set, frozenset)):
        raise TallyError("invalid_tags", f"tags must be a list of strings; got {describe(tags)}")
    if len(tags) > LIMITS["tags"]:
        raise TallyError("invalid_tags", f"a run may have at most {LIMITS['tags']} tags; got {len(tags)}")
    out: List[str] = []
    for t in tags:
        if type(t) is not str or not t.strip() or _too_long(t, LIMITS["tag"]) or "\x00" in t:
            raise TallyError(
                "invalid_tags", f"each tag must be a non-empty string of at most {LIMITS['tag']} characters, without NUL; got {describe(t)}"
            )
        if t not in out:
            out.append(t)
    return out


def check_config(config: Any, what: str = "config") -> Dict[str, Any]:
    """A deep copy of a plain JSON object, else ``invalid_config`` naming the offending path."""
    if not isinstance(config, dict):
        raise TallyError("invalid_config", f"{what} must be a dict of JSON values; got {describe(config)}")
    bad = jsonvalue.find_non_json(config)
    if bad:
        where = what + bad[1:] if bad.startswith("$") else bad
        raise TallyError(
            "invalid_config",
            f"{what} must hold only JSON values (dicts, lists, strings, numbers, booleans, None); {where} is not",
        )
    return jsonvalue.to_json_value(config)


def check_metadata(metadata: Any) -> Dict[str, Any]:
    """Point metadata: a JSON object of at most 10 KB as JSON, else ``invalid_metadata``."""
    try:
        checked = check_config(metadata, "metadata")
    except TallyError as e:
        raise TallyError("invalid_metadata", e.message) from None
    size = len(jsonvalue.encode_utf8(jsonvalue.dumps(checked)))
    if size > LIMITS["metadata"]:
        raise TallyError(
            "invalid_metadata",
            f"metadata is {size} bytes as JSON; the limit is {LIMITS['metadata']} (10 KB): log less, or store it as a run file",
        )
    return checked


