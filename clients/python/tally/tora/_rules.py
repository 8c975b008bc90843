"""Tora's own input rules (its SDK's ``_validation.py``), checked before anything reaches the
core, so code ported from Tora fails where it failed under Tora. Where the core is stricter
(step range, metadata bytes) its own check runs too."""
from __future__ import annotations

import json
import math
import re
from typing import Any, Dict, List, Optional, Union

from tally import TallyError

EXPERIMENT_NAME_MAX = 255
WORKSPACE_NAME_MAX = 255
WORKSPACE_DESCRIPTION_MAX = 1000
HYPERPARAM_KEY_MAX = 100
HYPERPARAM_STRING_MAX = 1000
TAGS_MAX = 50
TAG_MAX = 50
METRIC_NAME_MAX = 100
# Characters of json.dumps(metadata), as Tora counts them.
METADATA_MAX = 10_000
STEP_MAX = 2**53 - 1

_FORBIDDEN_NAME = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_METRIC_NAME = re.compile(r"^[A-Za-z0-9_\-./]+$")

Number = Union[int, float]


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_experiment_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise TallyError("invalid_name", f"the experiment name must be a non-empty string; got {_describe(name)}")
    if len(name) > EXPERIMENT_NAME_MAX:
        raise TallyError(
            "invalid_name", f"the experiment name is limited to {EXPERIMENT_NAME_MAX} characters; got {len(name)}"
        )
    if _FORBIDDEN_NAME.search(name):
        raise TallyError(
            "invalid_name",
            f"the experiment name {_describe(name)} holds a character Tora forbids "
            "(< > : \" / \\ | ? * or a control character); use '-' or '_' instead",
        )
    return name


def check_workspace_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise TallyError("invalid_name", f"the workspace name must be a non-empty string; got {_describe(name)}")
    if len(name) > WORKSPACE_NAME_MAX:
        raise TallyError(
            "invalid_name", f"the workspace name is limited to {WORKSPACE_NAME_MAX} characters; got {len(name)}"
        )
    if not re.fullmatch(r"[A-Za-z0-9._-]+", name):
        raise TallyError(
            "invalid_argument",
            f"a Tally workspace name is made of A-Z a-z 0-9 . _ -; got {_describe(name)}: use '-' instead of spaces",
        )
    return name


def check_workspace_description(description: Any) -> str:
    if not isinstance(description, str):
        raise TallyError("invalid_name", f"the workspace description must be a string; got {_describe(description)}")
    if len(description) > WORKSPACE_DESCRIPTION_MAX:
        raise TallyError(
            "invalid_name",
            f"the workspace description is limited to {WORKSPACE_DESCRIPTION_MAX} characters; got {len(description)}",
        )
    return description


def check_hyperparams(hyperparams: Any) -> Dict[str, Union[str, int, float, bool]]:
    """Flat name -> finite number, boolean or short string, as Tora stores ``[{key, value}]``."""
    if not isinstance(hyperparams, dict):
        raise TallyError(
            "invalid_config", f"hyperparams must be a dict such as {{'lr': 0.001}}; got {_describe(hyperparams)}"
        )
    out: Dict[str, Union[str, int, float, bool]] = {}
    for key, value in hyperparams.items():
        if not isinstance(key, str) or not key or len(key) > HYPERPARAM_KEY_MAX:
            raise TallyError(
                "invalid_config", f"hyperparameter names are 1 to {HYPERPARAM_KEY_MAX} characters; got {_describe(key)}"
            )
        ok = (
            isinstance(value, bool)
            or (isinstance(value, (int, float)) and math.isfinite(value))
            or (isinstance(value, str) and len(value) <= HYPERPARAM_STRING_MAX)
        )
        if not ok:
            raise TallyError(
                "invalid_config",
                f'hyperparameter "{key}" must be a finite number, a boolean or a string of at most '
                f"{HYPERPARAM_STRING_MAX} characters; got {_describe(value)}",
            )
        out[key] = value
    return out


def check_tags(tags: Any) -> List[str]:
    """At most 50 tags of 1-50 characters without ',' or ';'; duplicates (ignoring case) dropped."""
    if not isinstance(tags, (list, tuple)):
        raise TallyError("invalid_tags", f"tags must be a list of strings; got {_describe(tags)}")
    seen = set()
    out: List[str] = []
    for tag in tags:
        if not isinstance(tag, str) or not tag.strip() or len(tag) > TAG_MAX:
            raise TallyError(
                "invalid_tags", f"each tag must be a non-empty string of at most {TAG_MAX} characters; got {_describe(tag)}"
            )
        if "," in tag or ";" in tag:
            raise TallyError(
                "invalid_tags", f"tag {_describe(tag)} holds ',' or ';', which Tora forbids; split it into separate tags"
            )
        folded = tag.lower()
        if folded in seen:
            continue
        seen.add(folded)
        out.append(tag)
    if len(out) > TAGS_MAX:
        raise TallyError("invalid_tags", f"an experiment may have at most {TAGS_MAX} tags; got {len(out)}")
    return out


def check_metric_name(name: Any) -> str:
    if not isinstance(name, str) or len(name) > METRIC_NAME_MAX or not _METRIC_NAME.match(name):
        raise TallyError(
            "invalid_key",
            f"metric names are 1 to {METRIC_NAME_MAX} characters of A-Z, a-z, 0-9, '_', '-', '.' and '/'; "
            f"got {_describe(name)}",
        )
    return name


def check_metric_value(name: str, value: Any) -> Number:
    """A finite number; a boolean counts as 0 or 1."""
    if isinstance(value, bool):
        return int(value)
    if hasattr(value, "item") and not isinstance(value, (int, float)):
        # numpy and torch scalars: Tora takes them through float() too.
        try:
            value = value.item()
        except (TypeError, ValueError):
            pass
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TallyError(
            "invalid_value",
            f'the value of "{name}" must be a finite number (Tora refuses NaN and infinities); got {_describe(value)}',
        )
    return value


def check_step(step: Any) -> Optional[int]:
    if step is None:
        return None
    if isinstance(step, bool) or not isinstance(step, int) or step < 0 or step > STEP_MAX:
        raise TallyError("invalid_step", f"step must be an integer from 0 to 2^53-1; got {_describe(step)}")
    return step


def check_metadata(metadata: Any) -> Optional[Dict[str, Any]]:
    """A JSON object of at most 10,000 characters as ``json.dumps`` writes it (Tora's rule)."""
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise TallyError("invalid_metadata", f"metadata must be a dict of JSON values; got {_describe(metadata)}")
    try:
        text = json.dumps(metadata, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise TallyError("invalid_metadata", f"metadata must hold JSON values only (no NaN, no objects): {e}") from None
    if len(text) > METADATA_MAX:
        raise TallyError(
            "invalid_metadata",
            f"metadata is {len(text)} characters as JSON; Tora's limit is {METADATA_MAX} (10 KB): "
            "log less, or store it as a run file",
        )
    return metadata


def check_max_buffer_len(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise TallyError(
            "invalid_argument", f"max_buffer_len must be an integer >= 1 (1 sends every metric at once); got {_describe(n)}"
        )
    return n
