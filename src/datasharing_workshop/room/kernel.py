"""What runs inside a participant's kernel: which group opened the page, and its banner.

The room's cell in every participant copy calls :func:`join_room`. It reads the group from
the page's link (``?group=group-a``, through Voilà's request info, which also works for a
kernel started ahead of time), shows the group's name and the session timer at the top of
the page, and returns the parameters the notebook's own cells use.
"""

from __future__ import annotations

import importlib
import json
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from ..plenary.display import escape
from .settings import read_room

#: How often the timer on a page reads the room's timer file (seconds).
TIMER_POLL_S = 5.0
TIMER_FILE = "timer.json"


def _query_string() -> str:
    try:
        from voila.utils import get_query_string

        found = get_query_string()
    except Exception:  # not under Voilà (a test, or JupyterLab): no link to read
        found = None
    return found if found is not None else os.environ.get("QUERY_STRING", "")


def timer_text(timer: dict[str, Any], now: float | None = None) -> str:
    """``"Time left for Breakout 1: 12 min"``, ``"Time is up"``, or ``""`` without a timer."""
    ends = timer.get("ends_at")
    if not ends:
        return ""
    left = ends - (time.time() if now is None else now)
    label = timer.get("label") or "this session"
    if left <= 0:
        return f"Time is up for {label}."
    minutes, seconds = divmod(int(left + 0.999), 60)
    shown = f"{minutes} min" if minutes >= 2 else f"{minutes} min {seconds:02d} s"
    return f"Time left for {label}: {shown}"


def _read_timer(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / TIMER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def preload_modules(modules: list[str]) -> None:
    """Import the page's modules now: in a kernel from the room's pool this runs before
    anybody opens the page. A name that is not a module (``from x import function``) is
    skipped; the page's own import then reports any real error."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            continue


def join_room(room_file: str, names: list[str], preload: Sequence[str] = ()) -> tuple[str, ...]:
    """Show the page's banner and return the room's values for ``names``.

    ``preload``: the page's modules, imported before the group is known (see
    :func:`preload_modules`). A link without a known group still shows the page, saving
    nothing, with a banner that says so (the server sends such links to the start page
    before a kernel starts).
    """
    import ipywidgets  # noqa: F401 - the banner's; imported before the wait, like preload

    preload_modules(list(preload))
    room = read_room(room_file)
    slug = (parse_qs(_query_string()).get("group") or [""])[0]
    group = room.group(slug)
    values = {
        "workshop_id": room.workshop_id,
        "group": group.name if group else "",
        "store_path": room.store_path,
        "jurisdiction": room.jurisdiction,
        "scenario_set": room.scenario_set,
    }
    _show_banner(room, group.name if group else None)
    return tuple(values[name] for name in names)


def _show_banner(room: Any, group: str | None) -> None:
    import ipywidgets as widgets
    from IPython.display import display

    if group:
        who = f"<strong>{escape(group)}</strong> · {escape(room.title)}"
    else:
        who = (
            "<strong>No group chosen:</strong> answers on this page are not saved. "
            "Go back to the start page and choose your group."
        )
    banner = widgets.HTML(f'<p class="dsw-room-group" style="font-size:1.2em">{who}</p>')
    clock = widgets.HTML("", layout=widgets.Layout(min_height="1.5em"))
    clock.add_class("dsw-room-timer")
    folder = Path(room.folder)

    def show(text: str) -> str:
        return f"<p><strong>{escape(text)}</strong></p>" if text else ""

    def tick() -> None:
        while True:
            time.sleep(TIMER_POLL_S)
            value = show(timer_text(_read_timer(folder)))
            if clock.value != value:
                clock.value = value

    clock.value = show(timer_text(_read_timer(folder)))
    threading.Thread(target=tick, name="room-timer", daemon=True).start()
    display(widgets.VBox([banner, clock]))
