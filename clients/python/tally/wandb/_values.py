"""wandb's rich values (``Table``, ``Image``, ``Histogram``) as builders of the core's.

A wandb ``Table`` grows row by row (``add_data``) after it is made, so it is kept as
columns and rows and turned into the core's checked ``tally.Table`` when it is logged."""
from __future__ import annotations

from typing import Any, List, Optional, Sequence

import tally
from tally import TallyError

from ..trackio._convert import plain_cell, rows_of_dataframe


class Table:
    """A table: ``Table(columns=[...], data=[[...], ...])`` or ``Table(dataframe=df)``, grown with ``add_data``.

    Example:
        >>> table = wandb.Table(columns=["input", "pred"])
        >>> table.add_data("a cat", 0.93)
        >>> wandb.log({"predictions": table})
    """

    def __init__(
        self,
        columns: Optional[Sequence[str]] = None,
        data: Optional[Sequence[Sequence[Any]]] = None,
        rows: Optional[Sequence[Sequence[Any]]] = None,
        dataframe: Any = None,
        dtype: Any = None,
        optional: Any = True,
        allow_mixed_types: bool = False,
        log_mode: Optional[str] = None,
    ) -> None:
        if dataframe is not None:
            self.columns, self.data = rows_of_dataframe(dataframe)
            return
        body = data if data is not None else rows
        self.data: List[List[Any]] = [list(r) for r in body] if body is not None else []
        if columns is None:
            width = len(self.data[0]) if self.data else 0
            columns = [f"c{i}" for i in range(width)]
        self.columns: List[str] = list(columns)

    def add_data(self, *values: Any) -> None:
        """Append one row, a value per column.

        Example:
            >>> table.add_data("a dog", 0.12)
        """
        if len(values) != len(self.columns):
            raise TallyError(
                "invalid_value", f"add_data() takes one value per column ({len(self.columns)}); got {len(values)}"
            )
        self.data.append(list(values))

    def add_column(self, name: str, data: Sequence[Any]) -> None:
        """Append a column of values, one per row.

        Example:
            >>> table.add_column("label", [1, 0])
        """
        if self.data and len(data) != len(self.data):
            raise TallyError("invalid_value", f"add_column({name!r}) needs {len(self.data)} values; got {len(data)}")
        if not self.data:
            self.data = [[] for _ in data]
        self.columns.append(name)
        for row, value in zip(self.data, data):
            row.append(value)

    def get_column(self, name: str) -> List[Any]:
        """The values of one column.

        Example:
            >>> table.get_column("pred")
        """
        i = self.columns.index(name)
        return [row[i] for row in self.data]

    def to_core(self) -> "tally.Table":
        return tally.Table(columns=self.columns, rows=[[plain_cell(c) for c in row] for row in self.data])


def Image(data_or_path: Any, mode: Optional[str] = None, caption: Optional[str] = None, **_: Any) -> "tally.Image":
    """An image from a PNG/JPEG path or bytes, a PIL image or a numpy array (HxW, HxWx3, HxWx4).

    Example:
        >>> wandb.log({"sample": wandb.Image("out/sample.png", caption="epoch 3")})
    """
    from ..trackio._convert import image_source

    return tally.Image(image_source(data_or_path, mode), caption=caption)


def Histogram(
    sequence: Optional[Sequence[float]] = None, np_histogram: Any = None, num_bins: int = 64
) -> "tally.Histogram":
    """A histogram of ``sequence`` in ``num_bins`` bins, or ``np_histogram=(counts, edges)``.

    Example:
        >>> wandb.log({"weights": wandb.Histogram([0.1, 0.2, 0.2, 0.9], num_bins=4)})
    """
    from ..trackio._convert import histogram

    return histogram(sequence, np_histogram, num_bins)


def to_core(value: Any) -> Any:
    """What the core logs for one value of ``wandb.log``."""
    if isinstance(value, Table):
        return value.to_core()
    return value
