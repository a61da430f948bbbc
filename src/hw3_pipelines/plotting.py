"""Small helpers every figure of the project shares: a fresh figure, USD axes, grids.

Figures are built without pyplot, so no global state and no GUI backend is involved; a
MatplotlibDataset saves them.
"""

from __future__ import annotations

import arabic_reshaper
from bidi import get_display
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter


def new_figure(columns: int = 1, width: float = 11, height: float = 4.5, rows: int = 1) -> tuple[Figure, list[Axes]]:
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    return fig, list(axes.flat)


def usd_axis(ax: Axes) -> None:
    """Thousands separators on the y axis: 68,330 reads faster than 68330 or 6.8e4."""
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_ylabel("USD")


def finish(ax: Axes, legend_loc: str = "best") -> None:
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc=legend_loc, framealpha=0.9)


def legend_below(ax: Axes, columns: int = 4) -> None:
    """One legend for the figure, under its panels, so it hides no data."""
    ax.figure.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=columns, framealpha=0.9)


def persian(text: str) -> str:
    """Persian text as matplotlib can draw it: letters joined (``arabic_reshaper``) and laid
    out right to left (``python-bidi``); matplotlib itself does neither."""
    return get_display(arabic_reshaper.reshape(text))
