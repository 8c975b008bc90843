"""JSON exactly as the TypeScript SDK writes it, so both clients spool the same bytes.

JSON cannot carry NaN or ±Infinity, yet Tally keeps them: inside spooled JSON a non-finite
number travels as ``{"$num": "NaN"}``, ``{"$num": "Infinity"}`` or ``{"$num": "-Infinity"}``
(``packages/sdk/src/json.ts``). Numbers are written as JavaScript's ``JSON.stringify``
writes them (``1.0`` is ``1``, ``1e-05`` is ``0.00001``), and object keys in JavaScript's
order (integer-like keys first, ascending), so an event encodes to the same bytes in either
language.
"""
from __future__ import annotations

import json
import math
from typing import Any, Dict, List, Optional, Tuple

JsonValue = Any
TAG = "$num"
MAX_DEPTH = 100
_MAX_SAFE = 2**53
_encode_string = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _nonfinite_name(x: float) -> str:
    if x != x:
        return "NaN"
    return "Infinity" if x > 0 else "-Infinity"


def js_number(x: float) -> str:
    """A finite float as JavaScript's ``String(x)`` writes it (shortest round trip).

    Example::

        >>> js_number(1.0), js_number(1e-05), js_number(1e21), js_number(-0.0)
        ('1', '0.00001', '1e+21', '0')
    """
    if x == 0:
        return "0"
    r = repr(x)
    if "e" not in r:
        return r[:-2] if r.endswith(".0") else r
    mantissa, exp_text = r.split("e")
    sign = ""
    if mantissa[0] == "-":
        sign, mantissa = "-", mantissa[1:]
    digits = mantissa.replace(".", "").rstrip("0") or "0"
    k = len(digits)
    n = int(exp_text) + 1
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        out = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return sign + out


def _is_index_key(k: str) -> bool:
    # JavaScript orders "array index" keys (canonical integers below 2^32-1) first, ascending.
    return k.isdigit() and k.isascii() and (k == "0" or k[0] != "0") and int(k) < 4294967295


def js_key_order(keys: List[str]) -> List[str]:
    """Object keys in the order ``JSON.stringify`` writes them."""
    index = [k for k in keys if k[:1].isdigit() and _is_index_key(k)]
    if not index:
        return keys
    index.sort(key=int)
    return index + [k for k in keys if not _is_index_key(k)]


class _Prepared:
    """Whether a prepared value still holds floats that ``json.dumps`` would write unlike JavaScript."""

    __slots__ = ("slow",)

    def __init__(self) -> None:
        self.slow = False


def _prepare(value: Any, state: _Prepared, depth: int) -> Any:
    """A copy with non-finite numbers tagged and integral floats as ints; raises ValueError on non-JSON."""
    t = type(value)
    if value is None or t is str or t is bool or t is int:
        return value
    if t is float:
        if value != value or value in (math.inf, -math.inf):
            return {TAG: _nonfinite_name(value)}
        if value.is_integer() and -_MAX_SAFE < value < _MAX_SAFE:
            return int(value)
        if "e" in repr(value):
            state.slow = True
        return value
    if depth >= MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
    if t is dict or isinstance(value, dict):
        keys = []
        for k in value:
            if type(k) is str:
                keys.append(k)
            elif type(k) is int:
                keys.append(str(k))
            else:
                raise ValueError(f"a key {k!r} that is not a string")
        if len(keys) != len(value):
            raise ValueError("duplicate keys")
        out = {}
        for k, orig in zip(keys, value):
            out[k] = _prepare(value[orig], state, depth + 1)
        ordered = js_key_order(keys)
        if ordered is not keys:
            out = {k: out[k] for k in ordered}
        return out
    if t is list or t is tuple or isinstance(value, (list, tuple)):
        return [_prepare(v, state, depth + 1) for v in value]
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _prepare(float(value), state, depth)
    if isinstance(value, str):
        return str(value)
    # numpy and torch scalars: a number in all but type.
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", 0) == 0 and getattr(value, "shape", ()) in ((), None):
        try:
            got = item()
        except Exception:  # noqa: BLE001 - any failure means it was not a scalar after all
            got = value
        if got is not value and type(got) in (int, float, bool):
            return _prepare(got, state, depth)
    raise ValueError(f"a {type(value).__name__}")


def find_non_json(value: Any) -> Optional[str]:
    """The path of the first part of ``value`` that is not JSON, or None when all of it is."""
    return _find(value, "$", 0, set())


def _find(value: Any, path: str, depth: int, seen: set) -> Optional[str]:
    t = type(value)
    if value is None or t in (str, bool, int, float):
        return None
    if depth >= MAX_DEPTH:
        return f"{path[:60]}… (nested deeper than {MAX_DEPTH} levels)"
    if isinstance(value, (dict, list, tuple)):
        if id(value) in seen:
            return f"{path} (a cycle)"
        seen.add(id(value))
        try:
            if isinstance(value, dict):
                for k, v in value.items():
                    if type(k) not in (str, int):
                        return f"{path} (a key {k!r} that is not a string)"
                    bad = _find(v, f"{path}.{k}", depth + 1, seen)
                    if bad:
                        return bad
            else:
                for i, v in enumerate(value):
                    bad = _find(v, f"{path}[{i}]", depth + 1, seen)
                    if bad:
                        return bad
            return None
        finally:
            seen.discard(id(value))
    if isinstance(value, (str, bool, int, float)):
        return None
    try:
        _prepare(value, _Prepared(), depth)
        return None
    except (ValueError, RecursionError):
        return f"{path} (a {type(value).__name__})"


def to_json_value(value: Any) -> Any:
    """A deep, plain copy of JSON-like ``value`` (tuples as lists, numpy scalars as numbers); ValueError if not JSON."""
    bad = find_non_json(value)
    if bad:
        raise ValueError(bad)
    return untag(_prepare(value, _Prepared(), 0))


def dumps(value: Any) -> str:
    """Tagged JSON text as ``JSON.stringify(tagNonFinite(value))`` writes it.

    Example::

        >>> dumps({"loss": float("nan"), "lr": 1e-05, "step": 3.0})
        '{"loss":{"$num":"NaN"},"lr":0.00001,"step":3}'
    """
    state = _Prepared()
    prepared = _prepare(value, state, 0)
    if not state.slow:
        text = json.dumps(prepared, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    else:
        parts: List[str] = []
        _write(prepared, parts)
        text = "".join(parts)
    return text


def _write(value: Any, out: List[str]) -> None:
    t = type(value)
    if t is str:
        out.append(_encode_string(value))
    elif t is float:
        out.append(js_number(value))
    elif value is None:
        out.append("null")
    elif t is bool:
        out.append("true" if value else "false")
    elif t is int:
        out.append(str(value))
    elif t is dict:
        out.append("{")
        first = True
        for k, v in value.items():
            if not first:
                out.append(",")
            first = False
            out.append(_encode_string(k))
            out.append(":")
            _write(v, out)
        out.append("}")
    else:
        out.append("[")
        for i, v in enumerate(value):
            if i:
                out.append(",")
            _write(v, out)
        out.append("]")


def encode_utf8(text: str) -> bytes:
    """UTF-8 bytes; a lone surrogate is escaped as JavaScript's ``JSON.stringify`` escapes it."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join(f"\\u{ord(c):04x}" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text).encode("utf-8")


def untag(value: Any) -> Any:
    """Undo the ``{"$num": …}`` tagging, recursively."""
    t = type(value)
    if t is dict:
        if len(value) == 1 and TAG in value:
            name = value[TAG]
            if name == "NaN":
                return math.nan
            if name == "Infinity":
                return math.inf
            if name == "-Infinity":
                return -math.inf
        return {k: untag(v) for k, v in value.items()}
    if t is list:
        return [untag(v) for v in value]
    return value


def loads(text: str) -> Any:
    """Parse tagged JSON text (as written by :func:`dumps`)."""
    return untag(json.loads(text))


def to_plain(value: Any) -> Any:
    """For people and scripts: non-finite numbers as the strings "NaN", "Infinity", "-Infinity"."""
    t = type(value)
    if t is float and not math.isfinite(value):
        return _nonfinite_name(value)
    if t is dict:
        return {k: to_plain(v) for k, v in value.items()}
    if t in (list, tuple):
        return [to_plain(v) for v in value]
    return value


