"""Turning what Trackio and wandb scripts pass (pandas DataFrames, numpy arrays and scalars,
PIL images) into the plain values the core's rich values take, without importing any of
those packages: they are recognised by their methods."""
from __future__ import annotations

import io
import os
import struct
import zlib
from typing import Any, List, Optional, Sequence, Tuple

import tally
from tally import TallyError


def plain_cell(value: Any) -> Any:
    """A numpy scalar or array as its Python value; a timestamp as ISO text; anything else as is."""
    if isinstance(value, (str, bytes, int, float, bool)) or value is None:
        return value
    if hasattr(value, "tolist") and hasattr(value, "dtype"):
        return value.tolist()
    if hasattr(value, "item") and hasattr(value, "dtype"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain_cell(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain_cell(v) for k, v in value.items()}
    return value


def rows_of_dataframe(frame: Any) -> Tuple[List[str], List[List[Any]]]:
    """Columns and rows of a pandas DataFrame, or of a dict of equal-length column lists."""
    if isinstance(frame, dict):
        columns = [str(c) for c in frame]
        cells = [list(v) for v in frame.values()]
        lengths = {len(c) for c in cells}
        if len(lengths) > 1:
            raise TallyError("invalid_value", f"Table(dataframe=...): every column needs the same length; got {sorted(lengths)}")
        count = lengths.pop() if lengths else 0
        return columns, [[plain_cell(col[r]) for col in cells] for r in range(count)]
    if hasattr(frame, "columns") and hasattr(frame, "itertuples"):
        columns = [str(c) for c in frame.columns]
        rows = [[plain_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]
        return columns, rows
    raise TallyError(
        "invalid_value", f"Table(dataframe=...) takes a pandas DataFrame or a dict of columns; got {type(frame).__name__}"
    )


def _png(width: int, height: int, channels: int, pixels: bytes) -> bytes:
    """A PNG of 8-bit grey, RGB or RGBA pixels, row by row."""
    color = {1: 0, 3: 2, 4: 6}[channels]
    stride = width * channels
    raw = b"".join(b"\x00" + pixels[y * stride : (y + 1) * stride] for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, color, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def _array_png(array: Any) -> bytes:
    """PNG bytes of a numpy-like array: HxW, HxWx1, HxWx3 or HxWx4; floats in [0, 1] are scaled to 0-255."""
    shape = tuple(array.shape)
    if len(shape) == 3 and shape[0] in (1, 3, 4) and shape[2] not in (1, 3, 4):
        # Channels first (as torch tensors are): move them last.
        array = array.transpose(1, 2, 0)
        shape = tuple(array.shape)
    if len(shape) == 2:
        height, width, channels = shape[0], shape[1], 1
    elif len(shape) == 3 and shape[2] in (1, 3, 4):
        height, width, channels = shape
    else:
        raise TallyError("invalid_value", f"Image takes an array of shape HxW, HxWx3 or HxWx4; got {shape}")
    values = array.reshape(-1).tolist()
    scale = 255 if str(getattr(array, "dtype", "")).startswith("float") and max(values, default=0) <= 1 else 1
    pixels = bytes(max(0, min(255, int(round(v * scale)))) for v in values)
    return _png(width, height, channels, pixels)


def image_source(data: Any, mode: Optional[str] = None) -> Any:
    """What ``tally.Image`` takes (a path or PNG/JPEG bytes) from a path, bytes, PIL image or array."""
    if isinstance(data, (str, bytes, bytearray, os.PathLike)):
        return bytes(data) if isinstance(data, bytearray) else data
    if hasattr(data, "save") and hasattr(data, "size") and hasattr(data, "mode"):
        out = io.BytesIO()
        (data.convert(mode) if mode else data).save(out, format="PNG")
        return out.getvalue()
    if hasattr(data, "detach") and hasattr(data, "cpu"):
        data = data.detach().cpu().numpy()
    if hasattr(data, "shape") and hasattr(data, "reshape") and hasattr(data, "tolist"):
        return _array_png(data)
    raise TallyError(
        "invalid_value",
        f"Image takes a PNG/JPEG path or bytes, a PIL image or a numpy array; got {type(data).__name__}",
    )


def histogram(sequence: Optional[Sequence[float]], np_histogram: Any, num_bins: int) -> "tally.Histogram":
    """The core's histogram from raw values or numpy's ``(counts, edges)``."""
    if sequence is not None and np_histogram is not None:
        raise TallyError("invalid_value", "Histogram takes sequence or np_histogram, not both")
    if np_histogram is not None:
        counts, edges = np_histogram
        return tally.Histogram(edges=plain_cell(edges), counts=plain_cell(counts))
    if sequence is None:
        raise TallyError("invalid_value", "Histogram needs values: Histogram(sequence) or Histogram(np_histogram=(counts, edges))")
    values = plain_cell(sequence)
    return tally.Histogram(values if isinstance(values, list) else list(values), bins=num_bins)
