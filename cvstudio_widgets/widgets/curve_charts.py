"""The curves as one PNG, for the snapshot a saved notebook keeps: the live widget's charts
(log loss and learning rate, epoch marks, one colour per series or per run) drawn
off-screen by matplotlib's Agg, which needs no display and no pyplot state, so the
snapshot thread can draw while the kernel runs cells."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

import numpy as np

# the live charts' palette (labextension/src/draw/theme.ts)
PALETTE = ["#2a7ae2", "#e6194b", "#3cb44b", "#f58231", "#911eb4", "#008080", "#f032e6", "#808000"]
POINTS = 600  # per line: more than a 400 px wide chart can show
MARKERS_UP_TO = 40  # points on a line drawn as dots too: a few epochs read better as dots


@dataclass
class Line:
    label: str
    x: np.ndarray
    y: np.ndarray
    colour: str


@dataclass
class Panel:
    title: str
    lines: list[Line]
    x_label: str = "step"
    log: bool = False
    marks: list[float] = field(default_factory=list)


def charts_png(panels: list[Panel], columns: int = 2, runs: list[tuple[str, str]] | None = None) -> bytes:
    """The panels with data, `columns` to a row; b"" when none has any. `runs`, (label,
    colour) each: one legend for the figure (a comparison's runs) instead of one per panel.
    Laid out by hand: matplotlib's constrained layout takes twice as long here."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullFormatter

    panels = [p for p in panels if any(len(line.x) for line in p.lines)]
    if not panels:
        return b""
    columns = min(columns, len(panels))
    rows = math.ceil(len(panels) / columns)
    row_h, top = 2.3, 0.55 if runs else 0.3  # inches: a row, and the room above the first
    height = rows * row_h + top
    fig = Figure(figsize=(4.4 * columns, height))
    fig.subplots_adjust(left=0.6 / (4.4 * columns), right=0.98, bottom=0.45 / height, top=1 - top / height,
                        wspace=0.22, hspace=0.75 / (row_h - 0.75))  # fmt: skip
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, panel in zip(axes, panels):
        for line in panel.lines:
            if not len(line.x):
                continue
            dots = "o" if len(line.x) <= MARKERS_UP_TO else None
            ax.plot(line.x, line.y, color=line.colour, lw=1.3, marker=dots, ms=3, label=short(line.label))
        values = np.concatenate([line.y for line in panel.lines if len(line.y)])
        values = values[np.isfinite(values)]
        if panel.log and len(values) and np.all(values > 0):
            ax.set_yscale("log")
            ticks = log_ticks(float(values.min()), float(values.max()))
            ax.yaxis.set_major_locator(FixedLocator(ticks) if len(ticks) >= 3 else MaxNLocator(4))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.3g}"))  # 0.02, not 2x10^-2
            ax.yaxis.set_minor_formatter(NullFormatter())
        low, high = ax.get_xlim()
        marks = [m for m in panel.marks if low < m < high]
        if len(marks) <= 40:  # denser marks would only grey the plot, as in the live chart
            for m in marks:
                ax.axvline(m, color="#999999", lw=0.7, ls=(0, (3, 3)))
        if panel.x_label == "epoch":
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(panel.title, fontsize=9, loc="left")
        ax.set_xlabel(panel.x_label, fontsize=8, labelpad=1)
        ax.tick_params(labelsize=7, which="both")
        ax.grid(alpha=0.3)
        if not runs:  # above the plot, right of the title, as the live chart's keys: never over a line
            ax.legend(fontsize=7, loc="lower right", bbox_to_anchor=(1, 1), ncols=min(3, len(ax.lines)),
                      frameon=False, borderaxespad=0.1, handlelength=1.5)  # fmt: skip
    for ax in axes[len(panels) :]:
        ax.set_axis_off()
    if runs:
        handles = [Line2D([], [], color=colour, lw=2) for _, colour in runs]
        fig.legend(handles, [short(label, 32) for label, _ in runs], loc="upper left", bbox_to_anchor=(0.01, 0.995),
                   ncols=min(4, len(runs)), fontsize=8, frameon=False)  # fmt: skip
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    return buf.getvalue()


def log_ticks(low: float, high: float) -> list[float]:
    """Ticks for a log axis, as the live chart places them: powers of ten over several
    decades, 1-2-5 over one or two, finer over less."""
    lo, hi = math.log10(low), math.log10(high)
    ticks: list[float] = []
    for steps in ((1.0,), (1.0, 2.0, 5.0), (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)):
        ticks = [
            m * 10.0**e
            for e in range(math.floor(lo), math.ceil(hi) + 1)
            for m in steps
            if lo - 1e-9 <= e + math.log10(m) <= hi + 1e-9
        ]
        if len(ticks) > 8:
            return ticks[:: math.ceil(len(ticks) / 6)]
        if len(ticks) >= 3:
            return ticks
    return ticks


def short(label: str, most: int = 24) -> str:
    return label if len(label) <= most else label[: most - 1] + "…"
