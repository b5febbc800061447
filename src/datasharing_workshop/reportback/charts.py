"""The report-back's charts, drawn straight into greyscale pixels, readable in black and white.

Meaning is carried by hatching, outlines, position and printed numbers, never by colour,
so the charts survive a black-and-white printer and colour-blind readers by construction:
the picture is an 8-bit greyscale image from the first pixel.

Each chart is a :class:`Chart`: a PNG with alt text and a caption, shown in Jupyter as a
``<figure>`` with an ``<img alt=...>`` (``text/html``) next to the plain ``image/png``.

Speed matters: the report-back is re-run during the discussion, and the whole report, from
reading the store to the last chart, should take under 200 ms for 40 groups x 60 answers.
matplotlib spent 40-60 ms of CPU on each of these three small charts (most of it laying out
and rasterizing about 80 pieces of text through its artist tree), so the charts are drawn
with Pillow's ``ImageDraw`` and FreeType text, in DejaVu Sans (matplotlib's own font, read
from its package folder without importing it): a few milliseconds each.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..plenary.display import HtmlBlock, escape

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image, ImageFont

    from .data import ChannelCount, Miss

__all__ = ["Chart", "channels_chart", "clear_cache", "confusion_chart", "most_missed_chart"]

DPI = 96
#: Text size in points (at ``DPI``).
FONT_SIZE = 9
#: Fills for the three kinds of channel choice: (face grey 0-255, hatch). White, light
#: dotted, dark crossed: three levels a photocopier keeps apart.
BEST_STYLE = (255, "")
ALLOWED_STYLE = (199, "..")
REFUSED_STYLE = (89, "xx")
#: The most-missed bars: light grey, diagonal lines.
MISSED_STYLE = (209, "///")
#: Grid lines of the confusion chart.
GRID_GREY = 115
#: Outline of the right answers (the diagonal) in the confusion chart, in pixels.
DIAGONAL_WIDTH = 3


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


# --------------------------------------------------------------------------- drawing


def _px(points: float) -> int:
    return round(points * DPI / 72)


def _font_folders() -> list[Path]:
    """Where DejaVu Sans is: matplotlib's own copy (a dependency of the kit), then Debian's."""
    folders = []
    spec = find_spec("matplotlib")
    for location in (spec.submodule_search_locations or []) if spec else []:
        folders.append(Path(location) / "mpl-data" / "fonts" / "ttf")
    folders.append(Path("/usr/share/fonts/truetype/dejavu"))
    return folders


@lru_cache(maxsize=8)
def _font(points: float, bold: bool = False) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in _font_folders():
        if (folder / name).is_file():
            return ImageFont.truetype(str(folder / name), _px(points))
    return ImageFont.load_default(_px(points))  # Pillow's own scalable font


class _Canvas:
    """An 8-bit greyscale picture, white, with the few drawing steps the charts need."""

    def __init__(self, width_in: float, height_in: float):
        from PIL import Image, ImageDraw

        self.width = round(width_in * DPI)
        self.height = round(height_in * DPI)
        self.image = Image.new("L", (self.width, self.height), 255)
        self.draw = ImageDraw.Draw(self.image)

    def text(
        self,
        xy: tuple[float, float],
        text: str,
        *,
        points: float = FONT_SIZE,
        bold: bool = False,
        anchor: str = "la",
        fill: int = 0,
    ) -> None:
        self.draw.text(xy, text, fill=fill, font=_font(points, bold), anchor=anchor)

    def fit(self, text: str, room: float, points: float = FONT_SIZE) -> str:
        """``text``, cut with an ellipsis so that it is at most ``room`` pixels wide."""
        font = _font(points)
        if self.draw.textlength(text, font=font) <= room:
            return text
        while len(text) > 1 and self.draw.textlength(text + "…", font=font) > room:
            text = text[: max(1, int(len(text) * 0.9))] if len(text) > 12 else text[:-1]
        return text.rstrip() + "…"

    def rotated_text(
        self,
        xy: tuple[float, float],
        text: str,
        angle: float,
        pivot: tuple[float, float],
        *,
        points: float = FONT_SIZE,
    ) -> None:
        """Text turned ``angle`` degrees counter-clockwise about the point ``pivot`` of its
        box (fractions of width and height from the top left), which lands on ``xy``."""
        from PIL import Image, ImageDraw

        font = _font(points)
        _, _, right, bottom = font.getbbox(text)
        w, h = right + 2, bottom + 2
        mask = Image.new("L", (w, h), 0)
        ImageDraw.Draw(mask).text((1, 1), text, fill=255, font=font)
        turned = mask.rotate(angle, resample=Image.BICUBIC, expand=True)
        # Where the pivot went: rotate it about the box's centre (y grows downwards).
        x, y = pivot[0] * w - w / 2, pivot[1] * h - h / 2
        a = math.radians(angle)
        nx = x * math.cos(a) + y * math.sin(a) + turned.width / 2
        ny = -x * math.sin(a) + y * math.cos(a) + turned.height / 2
        self.image.paste(0, (round(xy[0] - nx), round(xy[1] - ny)), turned)

    def box(
        self,
        x0: float,
        y0: float,
        x1: float,
        y1: float,
        face: int,
        hatch: str = "",
        *,
        outline: int | None = 0,
        width: int = 1,
    ) -> None:
        """A filled, hatched, outlined rectangle (corners in pixels)."""
        x0, y0, x1, y1 = round(x0), round(y0), round(x1), round(y1)
        if x1 - x0 < 1 or y1 - y0 < 1:
            return
        if hatch:
            self.image.paste(_hatched(x1 - x0, y1 - y0, face, hatch), (x0, y0))
        elif face != 255:
            self.draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=face)
        if outline is not None:
            self.draw.rectangle((x0, y0, x1 - 1, y1 - 1), outline=outline, width=width)

    def line(self, points: list[tuple[float, float]], fill: int = 0, width: int = 1) -> None:
        self.draw.line([(round(x), round(y)) for x, y in points], fill=fill, width=width)

    def png(self) -> tuple[bytes, int, int]:
        out = io.BytesIO()
        self.image.save(out, format="PNG", compress_level=1)
        return out.getvalue(), self.width, self.height


def _hatched(width: int, height: int, face: int, hatch: str) -> Image.Image:
    """A ``width`` x ``height`` patch of grey ``face`` with black hatching:
    ``/`` diagonal lines (more of them, closer), ``x`` crossed lines, ``.`` dots."""
    from PIL import Image, ImageDraw

    patch = Image.new("L", (width, height), face)
    draw = ImageDraw.Draw(patch)
    if "/" in hatch or "x" in hatch:
        step = max(3, 12 // hatch.count(hatch[0]))
        for k in range(-height, width + step, step):
            draw.line((k, height, k + height, 0), fill=0)
            if "x" in hatch:
                draw.line((k, 0, k + height, height), fill=0)
    if "." in hatch:
        step = max(3, 8 // hatch.count("."))
        draw.point(
            [
                (x, y)
                for y in range(1, height, step)
                for x in range(1 + (y // step) % 2 * 2, width, step)
            ],
            fill=0,
        )
    return patch


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _item_label(item: Any, limit: int = 40) -> str:
    """``Scenario › field``, shortening the scenario's title first: the field is the point."""
    if not item.field:
        return _shorten(item.scenario_title, limit)
    field = _shorten(item.field, limit - 12)
    room = max(limit - len(field) - 3, 8)
    return f"{_shorten(item.scenario_title, room)} › {field}"


def _empty(message: str) -> HtmlBlock:
    return HtmlBlock(f'<p class="dsw-empty-chart"><em>{escape(message)}</em></p>', message)


def _axes_lines(c: _Canvas, left: float, top: float, right: float, bottom: float) -> None:
    """The left and bottom edges of a plot (no top or right frame)."""
    c.line([(left, top), (left, bottom), (right, bottom)], width=1)


def _row_labels(c: _Canvas, left: float, ys: list[float], labels: list[str], room: float) -> None:
    for y, label in zip(ys, labels, strict=True):
        c.text((left - 6, y), c.fit(label, room), anchor="rm")


def _title(c: _Canvas, x: float, y: float, text: str) -> None:
    c.text((x, y), text, points=FONT_SIZE + 2, bold=True, anchor="ld")


# --------------------------------------------------------------------------- the charts


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
    c = _Canvas(7.5, 0.9 + 0.32 * n)
    left, right = 0.5 * c.width, 0.96 * c.width
    top, bottom = 0.35 * DPI, c.height - 0.5 * DPI
    pitch = (bottom - top) / n
    ys = [top + (i + 0.5) * pitch for i in range(n)]
    scale = (right - left) / max(m.answered for m in misses)
    face, hatch = MISSED_STYLE
    for y, m in zip(ys, misses, strict=True):
        c.box(
            left, y - 0.31 * pitch, left + len(m.missed_by) * scale, y + 0.31 * pitch, face, hatch
        )
    _axes_lines(c, left, top, right, bottom)
    # The counts go in the labels and the x axis has no ticks: the numbers are read there.
    _row_labels(
        c,
        left,
        ys,
        [f"{_item_label(m.item)} ({len(m.missed_by)} of {m.answered})" for m in misses],
        left - 12,
    )
    c.text(
        ((left + right) / 2, bottom + 6),
        "Groups that did not get it fully right (of those that answered)",
        anchor="ma",
    )
    _title(c, left, top - 6, "Most-missed items")
    png, width, height = c.png()
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
    if not counts:
        return _empty("No classification answers yet.")
    k = len(labels)
    size = 1.6 + 0.55 * k
    c = _Canvas(size + 1.2, size + 0.3)
    left, right = 0.24 * c.width, 0.94 * c.width
    top, bottom = 0.08 * c.height, 0.78 * c.height
    cw, ch = (right - left) / k, (bottom - top) / k
    worst = max([v for (row, col), v in counts.items() if row != col] or [1])
    # Right answers stay white; a mix-up is darker the more often it happened.
    for i, row in enumerate(labels):
        for j, col in enumerate(labels):
            value = counts.get((row, col), 0)
            if i != j and value:
                grey = round(255 * (1.0 - 0.75 * value / worst))
                c.box(
                    left + j * cw,
                    top + i * ch,
                    left + (j + 1) * cw,
                    top + (i + 1) * ch,
                    grey,
                    outline=None,
                )
    for n in range(k + 1):
        c.line([(left, top + n * ch), (right, top + n * ch)], fill=GRID_GREY)
        c.line([(left + n * cw, top), (left + n * cw, bottom)], fill=GRID_GREY)
    # The diagonal (right answers) gets a thick black outline: visible in any print.
    for j in range(k):
        c.box(
            left + (j + 0.04) * cw,
            top + (j + 0.04) * ch,
            left + (j + 0.96) * cw,
            top + (j + 0.96) * ch,
            255,
            outline=0,
            width=DIAGONAL_WIDTH,
        )
    for i, row in enumerate(labels):
        for j, col in enumerate(labels):
            value = counts.get((row, col), 0)
            if not value:
                continue
            dark = i != j and 1.0 - 0.75 * value / worst < 0.55
            c.text(
                (left + (j + 0.5) * cw, top + (i + 0.5) * ch),
                str(value),
                points=FONT_SIZE + (1 if i == j else 0),
                bold=True,
                anchor="mm",
                fill=255 if dark else 0,
            )
    _row_labels(c, left, [top + (i + 0.5) * ch for i in range(k)], labels, left - 40)
    for j, label in enumerate(labels):
        c.rotated_text((left + (j + 0.6) * cw, bottom + 4), _shorten(label, 24), 35, (1.0, 0.0))
    c.text(((left + right) / 2, c.height - 4), "Category the groups chose", anchor="md")
    c.rotated_text((14, (top + bottom) / 2), "Category in the key", 90, (0.5, 0.0))
    _title(c, left, top - 6, "Which categories were confused")
    png, width, height = c.png()
    mixups = sorted(((v, row, col) for (row, col), v in counts.items() if row != col), reverse=True)
    right_answers = sum(v for (row, col), v in counts.items() if row == col)
    total = sum(counts.values())
    if mixups:
        worst_text = "; ".join(f"{row} chosen as {col} {v} times" for v, row, col in mixups[:5])
        alt = (
            f"Grid of the key's category against the category chosen. {right_answers} of "
            f"{total} answers were right. Most common mix-ups: {worst_text}."
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
    if not choices:
        return _empty("No transfer channel answers yet.")
    n = len(choices)
    height_in = 1.3 + 0.34 * n
    c = _Canvas(7.5, height_in)
    left, right = 0.3 * c.width, 0.95 * c.width
    top, bottom = 0.4 * DPI, c.height - 0.75 * DPI
    pitch = (bottom - top) / n
    ys = [top + (i + 0.5) * pitch for i in range(n)]
    scale = (right - left) / (max(ch.total for ch in choices) * 1.02)
    parts = (
        ("best", BEST_STYLE, "the rules' first choice"),
        ("allowed", ALLOWED_STYLE, "allowed, not the first choice"),
        ("refused", REFUSED_STYLE, "not allowed for that file"),
    )
    for y, choice in zip(ys, choices, strict=True):
        x = left
        for attr, (face, hatch), _label in parts:
            value = getattr(choice, attr)
            if value:
                c.box(x, y - 0.31 * pitch, x + value * scale, y + 0.31 * pitch, face, hatch)
                x += value * scale
    _axes_lines(c, left, top, right, bottom)
    _row_labels(
        c, left, ys, [f"{_shorten(ch.label, 30)} ({ch.total})" for ch in choices], left - 12
    )
    _title(c, left, top - 6, "Channels chosen")
    # A key under the chart: three swatches and three words.
    swatch_top, swatch_bottom = c.height - 0.28 * DPI, c.height - 0.12 * DPI
    x = 0.08 * c.width
    for _attr, (face, hatch), label in parts:
        c.box(x, swatch_top, x + 0.03 * c.width, swatch_bottom, face, hatch)
        c.text(
            (x + 0.04 * c.width, (swatch_top + swatch_bottom) / 2),
            label,
            points=FONT_SIZE - 1,
            anchor="lm",
        )
        x += 0.31 * c.width
    png, width, height_px = c.png()
    described = "; ".join(
        f"{ch.label} {ch.total} times ({ch.best} first choice, {ch.allowed} allowed, "
        f"{ch.refused} not allowed)"
        for ch in choices
    )
    alt = f"Bar chart of the transfer channels the groups chose: {described}."
    caption = (
        "White: the channel the rules pick first for that file. Dotted gray: another channel "
        "that may carry it. Crossed dark gray: a channel that may not carry it."
    )
    return Chart(png, alt, caption, width, height_px)
