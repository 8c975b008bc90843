"""Rich values ``run.log`` takes besides numbers: the same JSON as ``packages/sdk/src/values/rich.ts``.

Each is checked and copied when built, so a value past its limit raises at the line that made
it and later changes to the caller's lists are not recorded by accident.
"""
from __future__ import annotations

import base64
import io
import math
import os
import struct
from typing import Any, Dict, List, Optional, Sequence

from . import jsonvalue
from .errors import TallyError
from .validate import describe

VALUE_LIMITS = {
    "table_rows": 10_000,
    "table_columns": 100,
    "table_bytes": 8 * 1024 * 1024,
    "histogram_bins": 512,
    "image_bytes": 5 * 1024 * 1024,
    "markdown_chars": 1024 * 1024,
}


def _invalid(message: str) -> TallyError:
    return TallyError("invalid_value", message)


def _too_large(message: str) -> TallyError:
    return TallyError("value_too_large", message)


class RichValue:
    """Base of the rich values; ``run.log`` tells them from numbers by it."""

    kind = ""

    def payload(self) -> Any:
        """The JSON the value is stored as (images: their description, without the bytes)."""
        raise NotImplementedError

    def attachment(self) -> Optional[str]:
        """Bytes travelling beside the payload, base64 (images only)."""
        return None


class Table(RichValue):
    """A table of named columns and rows of JSON cells: at most 10,000 rows × 100 columns, 8 MB as JSON.

    Example::

        tally.Table(columns=["input", "label"], data=[["a cat", 1], ["a dog", 0]])
        tally.Table(data=[{"input": "a cat", "label": 1}])      # columns from the dicts' keys
        tally.Table(dataframe=df)                                # a pandas DataFrame
    """

    kind = "table"

    def __init__(
        self,
        columns: Optional[Sequence[str]] = None,
        data: Optional[Sequence[Any]] = None,
        *,
        rows: Optional[Sequence[Sequence[Any]]] = None,
        dataframe: Any = None,
    ) -> None:
        if dataframe is not None:
            columns, body = _from_dataframe(dataframe)
        elif rows is not None or columns is not None:
            body = rows if rows is not None else data
            if body is None:
                body = []
        elif data is not None:
            columns, body = _from_dicts(data)
        else:
            raise _invalid("Table takes columns and data (rows), data as a list of dicts, or dataframe=")
        if isinstance(columns, (str, bytes)) or not isinstance(columns, (list, tuple)) or any(type(c) is not str for c in columns):
            raise _invalid(f"a table's columns must be a list of strings; got {describe(columns)}")
        if isinstance(body, (str, bytes)) or not isinstance(body, (list, tuple)):
            raise _invalid(f"a table's rows must be a list of lists; got {describe(body)}")
        if len(columns) > VALUE_LIMITS["table_columns"]:
            raise _too_large(f"a table may have at most {VALUE_LIMITS['table_columns']} columns; got {len(columns)}")
        if len(body) > VALUE_LIMITS["table_rows"]:
            raise _too_large(f"a table may have at most {VALUE_LIMITS['table_rows']} rows; got {len(body)}: log a sample")
        checked: List[List[Any]] = []
        for i, row in enumerate(body):
            if not isinstance(row, (list, tuple)) or len(row) != len(columns):
                raise _invalid(f"table row {i} must be a list of {len(columns)} cells, one per column; got {describe(row)}")
            bad = jsonvalue.find_non_json(list(row))
            if bad:
                raise _invalid(f"table cells must be JSON values; rows[{i}]{bad[1:]} is not")
            checked.append(jsonvalue.to_json_value(list(row)))
        size = len(jsonvalue.encode_utf8(jsonvalue.dumps({"columns": list(columns), "rows": checked})))
        if size > VALUE_LIMITS["table_bytes"]:
            raise _too_large(f"this table is {size} bytes as JSON; the limit is {VALUE_LIMITS['table_bytes']} (8 MB): log fewer rows")
        self.columns: List[str] = list(columns)
        self.rows: List[List[Any]] = checked

    @property
    def data(self) -> List[List[Any]]:
        """The rows, under wandb's and Trackio's name for them."""
        return self.rows

    def payload(self) -> Any:
        return {"columns": list(self.columns), "rows": self.rows}


def _from_dicts(data: Any) -> tuple:
    if isinstance(data, (str, bytes)) or not isinstance(data, (list, tuple)):
        raise _invalid(f"Table(data=...) without columns takes a list of dicts; got {describe(data)}")
    columns: List[str] = []
    seen = set()
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise _invalid(f"Table(data=...) without columns takes a list of dicts; item {i} is {describe(item)}")
        for k in item:
            if k not in seen:
                seen.add(k)
                columns.append(k)
        if len(columns) > VALUE_LIMITS["table_columns"]:
            raise _too_large(f"a table may have at most {VALUE_LIMITS['table_columns']} columns; these dicts have more keys")
    return columns, [[o.get(c) for c in columns] for o in data]


def _from_dataframe(df: Any) -> tuple:
    try:
        columns = [str(c) for c in df.columns]
        rows = df.values.tolist()
    except AttributeError:
        raise _invalid(f"Table(dataframe=...) takes a pandas DataFrame; got {describe(df)}") from None
    return columns, rows


class Histogram(RichValue):
    """A histogram, binned from values (``bins`` equal bins, default 64, at most 512; NaN and ±Infinity
    left out) or given as ``edges`` and ``counts``.

    Example::

        tally.Histogram(weights)
        tally.Histogram(weights, bins=20)
        tally.Histogram(edges=[0, 1, 2], counts=[5, 3])
    """

    kind = "histogram"

    def __init__(self, values: Any = None, bins: int = 64, *, edges: Any = None, counts: Any = None) -> None:
        if isinstance(values, dict) and "edges" in values and "counts" in values:
            edges, counts, values = values["edges"], values["counts"], None
        if edges is not None or counts is not None:
            self.edges, self.counts = _check_bins(edges, counts)
        else:
            self.edges, self.counts = _bin_values(values, bins)

    def payload(self) -> Any:
        return {"edges": list(self.edges), "counts": list(self.counts)}


def _list_of(v: Any) -> Optional[list]:
    if v is None or isinstance(v, (str, bytes, dict)):
        return None
    tolist = getattr(v, "tolist", None)  # numpy arrays and torch tensors
    if callable(tolist):
        v = tolist()
    try:
        return list(v)
    except TypeError:
        return None


def _check_bin_count(bins: Any) -> None:
    if type(bins) is not int or bins < 1:
        raise _invalid(f"a histogram's bins must be an integer ≥ 1; got {describe(bins)}")
    if bins > VALUE_LIMITS["histogram_bins"]:
        raise _too_large(f"a histogram may have at most {VALUE_LIMITS['histogram_bins']} bins; got {bins}")


def _number(v: Any) -> bool:
    return type(v) in (int, float) or (isinstance(v, (int, float)) and not isinstance(v, bool))


def _check_bins(edges: Any, counts: Any) -> tuple:
    e, c = _list_of(edges), _list_of(counts)
    if e is None or c is None:
        raise _invalid("a histogram's edges and counts must be lists of numbers")
    _check_bin_count(len(c))
    if len(e) != len(c) + 1:
        raise _invalid(f"a histogram has one more edge than counts; got {len(e)} edges and {len(c)} counts")
    for i, x in enumerate(e):
        if not _number(x) or not math.isfinite(x):
            raise _invalid(f"histogram edges must be finite numbers; edge {i} is {describe(x)}")
        if i > 0 and x <= e[i - 1]:
            raise _invalid(f"histogram edges must increase; edge {i} ({x}) does not")
    for x in c:
        if not _number(x) or not math.isfinite(x) or x < 0:
            raise _invalid(f"histogram counts must be finite numbers ≥ 0; got {describe(x)}")
    return [float(x) if type(x) is not int else x for x in e], [float(x) if type(x) is not int else x for x in c]


def _bin_values(values: Any, bins: int) -> tuple:
    _check_bin_count(bins)
    vals = _list_of(values)
    if vals is None:
        raise _invalid(f"Histogram takes a list of numbers, or edges= and counts=; got {describe(values)}")
    finite = []
    for i, v in enumerate(vals):
        if not _number(v):
            raise _invalid(f"Histogram takes numbers; item {i} is {describe(v)}")
        if math.isfinite(v):
            finite.append(float(v))
    if not finite:
        return [0, 1], [0]
    lo, hi = min(finite), max(finite)
    if lo == hi:
        # All values equal: one bin of width 1 around them, so the bar has somewhere to stand.
        lo -= 0.5
        hi += 0.5
    width = (hi - lo) / bins
    edges = [hi if i == bins else lo + i * width for i in range(bins + 1)]
    counts = [0] * bins
    for v in finite:
        counts[min(bins - 1, math.floor((v - lo) / width))] += 1
    return edges, counts


_PNG = b"\x89PNG\r\n\x1a\n"


def sniff_image(data: bytes) -> Optional[str]:
    """``image/png`` or ``image/jpeg`` from the first bytes, else None."""
    if data[:8] == _PNG:
        return "image/png"
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    return None


class Image(RichValue):
    """A PNG or JPEG image of at most 5 MB, from its bytes, a file path, or a PIL image. The type comes
    from the bytes, never from a file name.

    Example::

        tally.Image("samples/epoch-3.png", caption="samples at epoch 3")
        tally.Image(png_bytes)
    """

    kind = "image"

    def __init__(self, source: Any, caption: Optional[str] = None) -> None:
        data = _read_image(source)
        if len(data) > VALUE_LIMITS["image_bytes"]:
            raise _too_large(f"an image may be at most {VALUE_LIMITS['image_bytes']} bytes (5 MB); got {len(data)}: scale it down")
        mime = sniff_image(data)
        if mime is None:
            raise _invalid("an image must be PNG or JPEG bytes; these start with neither signature")
        if caption is not None and type(caption) is not str:
            raise _invalid(f"an image's caption is a string; got {describe(caption)}")
        self.mime = mime
        self.bytes = data
        # IHDR is always the first chunk: width and height are big-endian u32s at 16 and 20.
        png = mime == "image/png" and len(data) >= 24
        self.width: Optional[int] = struct.unpack_from(">I", data, 16)[0] if png else None
        self.height: Optional[int] = struct.unpack_from(">I", data, 20)[0] if png else None
        self.caption = caption

    def payload(self) -> Any:
        return {"mime": self.mime, "bytes": len(self.bytes), "width": self.width, "height": self.height, "caption": self.caption}

    def attachment(self) -> Optional[str]:
        return base64.b64encode(self.bytes).decode("ascii")


def _read_image(source: Any) -> bytes:
    if isinstance(source, (str, os.PathLike)):
        try:
            with open(source, "rb") as f:
                return f.read()
        except OSError as e:
            raise TallyError("invalid_value", f"cannot read image file {source}: {e}") from e
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    save = getattr(source, "save", None)
    if callable(save) and hasattr(source, "size"):  # a PIL image
        out = io.BytesIO()
        save(out, format="PNG")
        return out.getvalue()
    raise _invalid(f"Image takes PNG or JPEG bytes, a file path or a PIL image; got {describe(source)}")


class Markdown(RichValue):
    """Markdown or plain text, at most 1 Mi characters; HTML in it is shown, never run.

    Example::

        tally.Markdown("## Notes\\nThe **learning rate** was halved at step 3000.")
    """

    kind = "markdown"

    def __init__(self, text: str) -> None:
        if type(text) is not str:
            raise _invalid(f"Markdown takes a string; got {describe(text)}")
        if len(text) > VALUE_LIMITS["markdown_chars"]:
            raise _too_large(f"markdown may be at most {VALUE_LIMITS['markdown_chars']} characters; got {len(text)}")
        self.text = text

    def payload(self) -> Any:
        return {"text": self.text}


def value_event(at: int, step: int, key: str, value: RichValue) -> Dict[str, Any]:
    """The spool ``value`` event of a rich value logged at ``step`` under ``key``."""
    event: Dict[str, Any] = {"type": "value", "at": at, "step": step, "key": key, "kind": value.kind, "value": value.payload()}
    data = value.attachment()
    if data is not None:
        event["data"] = data
    return event
