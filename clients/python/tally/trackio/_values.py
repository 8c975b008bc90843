"""Trackio's rich values with Trackio's constructors, built as the core's."""
from __future__ import annotations

from typing import Any, Optional, Sequence

import tally

from ._convert import histogram, image_source, plain_cell, rows_of_dataframe


def Table(
    columns: Optional[Sequence[str]] = None,
    data: Optional[Sequence[Sequence[Any]]] = None,
    dataframe: Any = None,
    rows: Optional[Sequence[Sequence[Any]]] = None,
    optional: Any = True,
    allow_mixed_types: bool = False,
) -> "tally.Table":
    """A table: ``Table(dataframe=df)`` (a pandas DataFrame, or a dict of column lists), or
    ``Table(columns=[...], data=[[...], ...])``.

    Example:
        >>> trackio.log({"texts": trackio.Table(columns=["prompt", "reward"], data=[["Trackio", 0.123]])})
    """
    if dataframe is not None:
        names, body = rows_of_dataframe(dataframe)
        return tally.Table(columns=names, rows=body)
    body = data if data is not None else rows
    cells = [[plain_cell(c) for c in row] for row in (body or [])]
    if columns is None:
        columns = [f"c{i}" for i in range(len(cells[0]) if cells else 0)]
    return tally.Table(columns=list(columns), rows=cells)


def Histogram(sequence: Optional[Sequence[float]] = None, np_histogram: Any = None, num_bins: int = 64) -> "tally.Histogram":
    """A histogram of raw values (``num_bins`` bins, default 64) or numpy's ``(counts, edges)``.

    Example:
        >>> trackio.log({"weights": trackio.Histogram([0.1, 0.2, 0.2, 0.9], num_bins=4)})
    """
    return histogram(sequence, np_histogram, num_bins)


def Image(value: Any, caption: Optional[str] = None) -> "tally.Image":
    """An image from a PNG/JPEG path or bytes, a PIL image or a numpy array.

    Example:
        >>> trackio.log({"sample": trackio.Image("out/sample.png", caption="epoch 3")})
    """
    return tally.Image(image_source(value), caption=caption)


def Markdown(text: str = "") -> "tally.Markdown":
    """Markdown text shown as a panel.

    Example:
        >>> trackio.log({"notes": trackio.Markdown("## Notes\\nlr halved at step 3000")})
    """
    return tally.Markdown(text)
