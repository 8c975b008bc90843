"""JSON text exactly as JavaScript's ``JSON.stringify`` writes it.

An artifact's digest is the sha256 of ``JSON.stringify({type, entries})`` computed by the
TypeScript store from the event it reads back, so a Python-logged version is accepted only if
Python produces the same bytes: the same number spelling (``1e+21``, ``0.1``, ``100``), the
same escapes, and JavaScript's key order (integer-like keys first, ascending).
"""
from __future__ import annotations

import math
import re
from typing import Any, List

from ..jsonvalue import js_key_order
from ..jsonvalue import js_number as finite_js_number

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Control characters and lone surrogates: JavaScript escapes both (well-formed JSON.stringify).
_NEEDS_ESCAPE = re.compile('["\\\\\x00-\x1f\ud800-\udfff]')


def js_stringify(value: Any) -> str:
    """``JSON.stringify(value)`` of a JSON value made of dict, list, tuple, str, int, float, bool, None.

    Example::

        >>> js_stringify({"b": 1.0, "10": 1e21, "a": [float("nan"), "é"]})
        '{"10":1e+21,"b":1,"a":[null,"é"]}'
    """
    out: List[str] = []
    _write(value, out)
    return "".join(out)


def js_number(x: float) -> str:
    """A number as JavaScript's ``String(x)`` spells it (``NaN`` and infinities as JSON's ``null``).

    Example::

        >>> [js_number(v) for v in (1.0, 1e21, 1e-7, 0.000001, -0.0, float("nan"))]
        ['1', '1e+21', '1e-7', '0.000001', '0', 'null']
    """
    if math.isnan(x) or math.isinf(x):
        return "null"
    return finite_js_number(float(x))


def js_string(s: str) -> str:
    """A string as ``JSON.stringify`` quotes it."""
    return '"' + _NEEDS_ESCAPE.sub(_escape, s) + '"'


def js_keys(obj: dict) -> List[str]:
    """The order JavaScript gives an object's own keys: array indexes ascending, then the rest as inserted."""
    return js_key_order(list(obj))


def _escape(m: "re.Match[str]") -> str:
    c = m.group(0)
    return _ESCAPES.get(c) or f"\\u{ord(c):04x}"


def _write(value: Any, out: List[str]) -> None:
    if value is None or value is True or value is False:
        out.append("null" if value is None else "true" if value else "false")
    elif isinstance(value, str):
        out.append(js_string(value))
    elif isinstance(value, int):
        # JavaScript reads every number as a double: a huge int arrives rounded.
        try:
            out.append(str(value) if abs(value) <= 2**53 else js_number(float(value)))
        except OverflowError:
            out.append("null")
    elif isinstance(value, float):
        out.append(js_number(value))
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, v in enumerate(value):
            if i:
                out.append(",")
            _write(v, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        for i, k in enumerate(js_keys(value)):
            if i:
                out.append(",")
            out.append(js_string(k))
            out.append(":")
            _write(value[k], out)
        out.append("}")
    else:
        raise TypeError(f"{type(value).__name__} is not a JSON value")
