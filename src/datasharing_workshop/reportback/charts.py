"""The report-back's charts, drawn with matplotlib and readable in black and white.

Every chart is drawn with the object-oriented API (``Figure`` + the Agg canvas, never
``pyplot``), so nothing leaks into a global figure list and the notebook's inline backend
does not show a second copy. The picture is converted to greyscale before it is saved:
meaning is carried by hatching, outlines, position and printed numbers, never by colour,
so the charts survive a black-and-white printer and colour-blind readers by construction.

Each chart is a :class:`Chart`: a PNG with alt text and a caption, shown in Jupyter as a
``<figure>`` with an ``<img alt=...>`` (``text/html``) next to the plain ``image/png``.

Speed matters (the report-back is re-run during the discussion, and the benchmark asks for
the whole report in under 200 ms for 40 groups), so each figure is drawn once: the canvas
is rendered a single time and its pixels encoded with Pillow, instead of ``savefig``,
which would draw again.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..plenary.display import HtmlBlock, escape

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .data import ChannelCount, Miss

__all__ = ["Chart", "channels_chart", "clear_cache", "confusion_chart", "most_missed_chart"]

DPI = 96
FONT_SIZE = 9
#: Fills for the three kinds of channel choice: (face grey, hatch). White, light dotted,
#: dark crossed: three levels a photocopier keeps apart.
BEST_STYLE = ("1.0", "")
ALLOWED_STYLE = ("0.78", "..")
REFUSED_STYLE = ("0.35", "xx")
#: Unhinted glyphs draw about a third faster and look the same at this size; text is most of
#: a chart's drawing time.
_RC = {"text.hinting": "none"}


@dataclass(frozen=True)
class Chart:
    """A rendered chart: greyscale PNG bytes, alt text and a caption."""

    png: bytes
    alt: str
    caption: str
    width: int
    height: int

    @property
    def png_base64(self) -> str:
        return base64.b64encode(self.png).decode("ascii")

    def html(self) -> str:
        return (
            f'<figure class="dsw-chart"><img src="data:image/png;base64,{self.png_base64}" '
            f'alt="{escape(self.alt)}" width="{self.width}" height="{self.height}">'
            f"<figcaption>{escape(self.caption)}</figcaption></figure>"
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict, dict]:
        data = {"image/png": self.png_base64, "text/html": self.html(), "text/plain": self.alt}
        metadata = {"image/png": {"width": self.width, "height": self.height}}
        return data, metadata


# Re-running the report-back with no new answers (the facilitator scrolls back, the handout
# build runs it again) redraws nothing: charts are kept by what they show.
_CACHE: dict[tuple, Chart | HtmlBlock] = {}
_CACHE_SIZE = 24


def _cached(key: tuple, draw: Callable[[], Chart | HtmlBlock]) -> Chart | HtmlBlock:
    found = _CACHE.get(key)
    if found is None:
        found = draw()
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = found
    return found


def clear_cache() -> None:
    """Forget every drawn chart (benchmarks use it to time drawing from scratch)."""
    _CACHE.clear()


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI)


def _render(fig: Figure) -> tuple[bytes, int, int]:
    """Draw once, convert to 8-bit greyscale, encode as PNG."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(fig)
    with rc_context(_RC):
        canvas.draw()
    width, height = canvas.get_width_height()
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    out = io.BytesIO()
    image.convert("L").save(out, format="PNG", compress_level=1)
    return out.getvalue(), width, height


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _item_label(item: Any, limit: int = 40) -> str:
    """``Scenario › field``, shortening the scenario's title first: the field is the point."""
    if not item.field:
        return _shorten(item.scenario_title, limit)
    field = _shorten(item.field, limit - 12)
    room = max(limit - len(field) - 3, 8)
    return f"{_shorten(item.scenario_title, room)} › {field}"


def _bars(
    ax: Axes, ys: list[float], widths: list[float], lefts: list[float], face: str, hatch: str
) -> None:
    """Horizontal bars as one collection: drawn in one go, unlike ``barh``'s patch per bar."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    boxes = [
        Rectangle((x, y - 0.31), w, 0.62) for y, w, x in zip(ys, widths, lefts, strict=True) if w
    ]
    if boxes:
        ax.add_collection(
            PatchCollection(boxes, facecolor=face, edgecolor="black", hatch=hatch, linewidth=0.8)
        )


def _label_rows(ax: Axes, ys: list[float], labels: list[str]) -> None:
    """Row labels left of the axes, as plain text.

    Tick labels would do the same, but every tick is a small bundle of artists that reads
    dozens of settings when created; plain text draws the same labels in less time.
    """
    ax.set_yticks([])
    transform = ax.get_yaxis_transform()  # x in axes fractions, y in data
    for y, label in zip(ys, labels, strict=True):
        ax.text(-0.015, y, label, transform=transform, ha="right", va="center", fontsize=FONT_SIZE)


def _plain_axes(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=FONT_SIZE, length=3)


def _empty(message: str) -> HtmlBlock:
    return HtmlBlock(f'<p class="dsw-empty-chart"><em>{escape(message)}</em></p>', message)


def most_missed_chart(misses: list[Miss], limit: int = 10) -> Chart | HtmlBlock:
    """Horizontal bars: how many groups missed each item, most-missed at the top.

    Parameters
    ----------
    misses
        From :func:`.data.most_missed`.
    limit
        Most bars to draw.
    """
    misses = misses[:limit]
    key = ("missed", tuple((m.item.label, len(m.missed_by), m.answered) for m in misses))
    return _cached(key, lambda: _draw_most_missed(misses))


def _draw_most_missed(misses: list[Miss]) -> Chart | HtmlBlock:
    if not misses:
        return _empty("No item was missed: every group got every answer right.")
    n = len(misses)
    fig = _figure(7.5, 0.9 + 0.32 * n)
    top = 1 - 0.35 / (0.9 + 0.32 * n)
    bottom = 0.5 / (0.9 + 0.32 * n)
    ax = fig.add_axes((0.5, bottom, 0.46, top - bottom))
    ys = list(range(n))[::-1]
    counts = [len(m.missed_by) for m in misses]
    _bars(ax, ys, counts, [0] * n, "0.82", "///")
    ax.set_ylim(-0.6, n - 0.4)
    # The counts go in the labels and the x axis has no ticks: every separate piece of text
    # costs more drawing time than all the bars together.
    _label_rows(
        ax, ys, [f"{_item_label(m.item)} ({len(m.missed_by)} of {m.answered})" for m in misses]
    )
    ax.set_xlim(0, max(m.answered for m in misses))
    ax.set_xticks([])
    ax.set_xlabel(
        "Groups that did not get it fully right (of those that answered)", fontsize=FONT_SIZE
    )
    ax.set_title("Most-missed items", loc="left", fontsize=FONT_SIZE + 2, fontweight="bold")
    _plain_axes(ax)
    png, width, height = _render(fig)
    alt = f"Bar chart of the {n} items most often missed. " + "; ".join(
        f"{m.item.label}: missed by {len(m.missed_by)} of {m.answered} groups" for m in misses
    )
    caption = (
        "Each bar counts the groups whose latest answer was not fully right; the numbers "
        "give missed of answered."
    )
    return Chart(png, alt + ".", caption, width, height)


def confusion_chart(labels: list[str], counts: dict[tuple[str, str], int]) -> Chart | HtmlBlock:
    """A grid: the key's category (rows) against the category chosen (columns).

    Right answers sit on the diagonal, in white cells with a thick outline; mix-ups
    elsewhere are shaded darker the more often they happen. Every non-zero cell prints its
    count, so the chart reads without any shading at all.
    """
    key = ("confusion", tuple(labels), tuple(sorted(counts.items())))
    return _cached(key, lambda: _draw_confusion(labels, counts))


def _draw_confusion(labels: list[str], counts: dict[tuple[str, str], int]) -> Chart | HtmlBlock:
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    if not counts:
        return _empty("No classification answers yet.")
    k = len(labels)
    size = 1.6 + 0.55 * k
    fig = _figure(size + 1.2, size + 0.3)
    ax = fig.add_axes((0.24, 0.22, 0.7, 0.7))
    worst = max([v for (row, col), v in counts.items() if row != col] or [1])
    # One image for all the shading and one collection for the diagonal: a patch per
    # cell would cost matplotlib far more time than the whole rest of the chart.
    shade = [
        [
            1.0 if i == j or not counts.get((row, col)) else 1.0 - 0.75 * counts[(row, col)] / worst
            for j, col in enumerate(labels)
        ]
        for i, row in enumerate(labels)
    ]
    ax.imshow(
        shade,
        cmap="gray",
        vmin=0,
        vmax=1,
        extent=(0, k, 0, k),
        interpolation="nearest",
        aspect="auto",
    )
    ax.hlines(range(k + 1), 0, k, colors="0.45", linewidth=0.5)
    ax.vlines(range(k + 1), 0, k, colors="0.45", linewidth=0.5)
    # The diagonal (right answers) gets a thick black outline: visible in any print.
    ax.add_collection(
        PatchCollection(
            [Rectangle((j + 0.04, k - 1 - j + 0.04), 0.92, 0.92) for j in range(k)],
            facecolor="none",
            edgecolor="black",
            linewidth=2.2,
        )
    )
    for i, row in enumerate(labels):
        for j, col in enumerate(labels):
            value = counts.get((row, col), 0)
            if not value:
                continue
            dark = i != j and shade[i][j] < 0.55
            ax.text(
                j + 0.5,
                k - 0.5 - i,
                str(value),
                ha="center",
                va="center",
                fontsize=FONT_SIZE + (1 if i == j else 0),
                color="white" if dark else "black",
                fontweight="bold",
            )
    ax.set_xlim(0, k)
    ax.set_ylim(0, k)
    _label_rows(ax, [k - 0.5 - i for i in range(k)], labels)
    ax.set_xticks([])
    below = ax.get_xaxis_transform()  # x in data, y in axes fractions
    for j, label in enumerate(labels):
        ax.text(
            j + 0.6,
            -0.02,
            label,
            transform=below,
            rotation=35,
            ha="right",
            va="top",
            rotation_mode="anchor",
            fontsize=FONT_SIZE,
        )
    ax.set_xlabel("Category the groups chose", fontsize=FONT_SIZE, labelpad=62)
    ax.set_ylabel("Category in the key", fontsize=FONT_SIZE, labelpad=92)
    ax.set_title(
        "Which categories were confused", loc="left", fontsize=FONT_SIZE + 2, fontweight="bold"
    )
    ax.tick_params(labelsize=FONT_SIZE, length=0)
    png, width, height = _render(fig)
    mixups = sorted(((v, row, col) for (row, col), v in counts.items() if row != col), reverse=True)
    right = sum(v for (row, col), v in counts.items() if row == col)
    total = sum(counts.values())
    if mixups:
        worst_text = "; ".join(f"{row} chosen as {col} {v} times" for v, row, col in mixups[:5])
        alt = (
            f"Grid of the key's category against the category chosen. {right} of {total} "
            f"answers were right. Most common mix-ups: {worst_text}."
        )
    else:
        alt = f"Grid of the key's category against the category chosen: all {total} right."
    caption = (
        "Rows: what the key says a field is. Columns: what the groups chose. Outlined cells "
        "on the diagonal are right answers; darker cells are the more frequent mix-ups."
    )
    return Chart(png, alt, caption, width, height)


def channels_chart(choices: list[ChannelCount]) -> Chart | HtmlBlock:
    """Stacked bars: how often each channel was chosen, and whether the rules allow it.

    White: the channel the rules pick first. Light grey, dotted: another channel that may
    carry the file. Dark grey, crossed: a channel that may not.
    """
    key = ("channels", tuple((c.label, c.best, c.allowed, c.refused) for c in choices))
    return _cached(key, lambda: _draw_channels(choices))


def _draw_channels(choices: list[ChannelCount]) -> Chart | HtmlBlock:
    from matplotlib.patches import Rectangle

    if not choices:
        return _empty("No transfer channel answers yet.")
    n = len(choices)
    height = 1.3 + 0.34 * n
    fig = _figure(7.5, height)
    bottom, top = 0.75 / height, 1 - 0.4 / height
    ax = fig.add_axes((0.3, bottom, 0.65, top - bottom))
    ys = list(range(n))[::-1]
    left = [0] * n
    parts = (
        ("best", BEST_STYLE, "the rules' first choice"),
        ("allowed", ALLOWED_STYLE, "allowed, not the first choice"),
        ("refused", REFUSED_STYLE, "not allowed for that file"),
    )
    for attr, (face, hatch), _label in parts:
        values = [getattr(c, attr) for c in choices]
        _bars(ax, ys, values, left, face, hatch)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_ylim(-0.6, n - 0.4)
    _label_rows(ax, ys, [f"{_shorten(c.label, 30)} ({c.total})" for c in choices])
    ax.set_xlim(0, max(c.total for c in choices) * 1.02)
    ax.set_xticks([])
    ax.set_title("Channels chosen", loc="left", fontsize=FONT_SIZE + 2, fontweight="bold")
    # A hand-made key under the chart: three swatches and three words. (fig.legend lays out
    # the same thing with a good deal more machinery.)
    x = 0.08
    for _attr, (face, hatch), label in parts:
        fig.add_artist(
            Rectangle(
                (x, 0.12 / height),
                0.03,
                0.16 / height,
                transform=fig.transFigure,
                facecolor=face,
                hatch=hatch,
                edgecolor="black",
                linewidth=0.8,
            )
        )
        fig.text(x + 0.04, 0.2 / height, label, va="center", fontsize=FONT_SIZE - 1)
        x += 0.31
    _plain_axes(ax)
    png, width, height_px = _render(fig)
    described = "; ".join(
        f"{c.label} {c.total} times ({c.best} first choice, {c.allowed} allowed, "
        f"{c.refused} not allowed)"
        for c in choices
    )
    alt = f"Bar chart of the transfer channels the groups chose: {described}."
    caption = (
        "White: the channel the rules pick first for that file. Dotted gray: another channel "
        "that may carry it. Crossed dark gray: a channel that may not carry it."
    )
    return Chart(png, alt, caption, width, height_px)
