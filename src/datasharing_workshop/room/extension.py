"""The room as a Jupyter Server extension, with Voilà loaded beside it.

``datasharing-workshop serve`` launches :class:`RoomApp`. Jupyter Server does the serving,
the login cookie and the kernels; Voilà renders each participant page; the room adds its
handlers (:mod:`.handlers`), the two join codes (:class:`.auth.RoomIdentityProvider`) and what
each code may reach (:class:`.auth.RoomAuthorizer`). No other server extension is loaded:
no JupyterLab, no file browser, no terminals.
"""

from __future__ import annotations

import json
import math
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

import jinja2
from jupyter_server.extension.application import ExtensionApp
from jupyter_server.utils import url_path_join
from traitlets import Unicode

from .handlers import (
    CardsHandler,
    ConsoleHandler,
    GroupHandler,
    KernelsHandler,
    ObserveHandler,
    ProgressHandler,
    RefusedHandler,
    ReportHandler,
    StartHandler,
    TimerHandler,
    voila_handler_class,
)
from .pages import Page, participant_pages
from .progress import columns, grid
from .settings import RoomSettings, read_room

TEMPLATES = Path(__file__).parent / "templates"
#: Messages a participant's browser may send to its kernel: widgets only, never code.
WIDGET_MESSAGES = [
    "comm_open",
    "comm_close",
    "comm_msg",
    "comm_info_request",
    "kernel_info_request",
    "shutdown_request",
]
#: How long the console's grid is reused before the store is read again (seconds).
PROGRESS_CACHE_S = 1.0
TIMER_FILE = "timer.json"


class RoomState:
    """What the handlers share: the settings, the pages, the timer, cached readings."""

    def __init__(self, settings: RoomSettings, pages: list[Page], cards_html: str):
        self.settings = settings
        self.pages = pages
        self.cards_html = cards_html
        self.columns = columns(
            settings, [(p.exercise, p.title) for p in pages if p.exercise is not None]
        )
        self._lock = threading.Lock()
        self._progress: tuple[float, dict] | None = None
        self._timer: dict[str, Any] = {"ends_at": None, "label": "", "minutes": 0}

    # pages
    def page_for_file(self, path: str) -> Page | None:
        return next((p for p in self.pages if p.filename == path), None)

    def page_for_exercise(self, exercise: str) -> Page | None:
        return next((p for p in self.pages if p.exercise == exercise), None)

    def has_room_for_a_page(self, kernel_manager: Any) -> bool:
        """Pages open (kernels handed to visitors; pooled kernels waiting do not count)."""
        open_pages = getattr(kernel_manager, "open_pages", None)
        count = open_pages() if open_pages else len(kernel_manager.list_kernel_ids())
        return count < self.settings.kernel_limit

    # the grid
    def progress(self) -> dict:
        now = time.monotonic()
        with self._lock:
            if self._progress and now - self._progress[0] < PROGRESS_CACHE_S:
                return dict(self._progress[1])
        data = grid(self.settings, self.columns)
        with self._lock:
            self._progress = (now, data)
        return dict(data)

    # the timer
    def timer(self) -> dict[str, Any]:
        data = dict(self._timer)
        ends = data["ends_at"]
        data["seconds_left"] = None if ends is None else max(0, math.ceil(ends - time.time()))
        return data

    def set_timer(self, minutes: float, label: str) -> None:
        ends = time.time() + minutes * 60 if minutes > 0 else None
        self._timer = {"ends_at": ends, "label": label, "minutes": minutes}
        path = Path(self.settings.folder) / TIMER_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._timer), encoding="utf-8")
        tmp.replace(path)

    # the report-back and the observers
    def report_parts(self) -> list[tuple[str, str]]:
        from ..reportback import load_report

        report = load_report(
            self.settings.workshop_id,
            store_path=self.settings.store_path,
            jurisdiction=self.settings.jurisdiction,
            scenario_set=self.settings.scenario_set,
        )
        parts = [
            ("How the groups did", report.overview()),
            ("Most-missed items", report.most_missed_chart()),
            ("Breakout 1: which categories were confused", report.confusion_chart()),
            ("Breakout 2: which channels were chosen", report.channels_chart()),
            # Every breakout the groups answered, item by item, one screen each (the same
            # tables as the report-back notebook), in the order of the day.
            *((f"{e.title}: item by item", report.answers(e.id)) for e in report.data.exercises),
            ("Where the groups disagreed", report.discussion_prompts()),
            ("What the observers heard", report.observations()),
        ]
        return [(title, _html(part)) for title, part in parts]

    def sections(self) -> list[tuple[str, str | None]]:
        from ..plenary.observations import section_options

        return section_options(self.settings.jurisdiction)

    def observations(self, exercise: str) -> list[Any]:
        from ..store import AnswerStore, resolve_store_path

        path = resolve_store_path(self.settings.store_path)  # file or postgresql:// URL
        if not path.exists():
            return []
        with AnswerStore(path, create=False) as store:
            notes = store.observations(self.settings.workshop_id)
        return [n for n in notes if n.author_role == "observer"][-10:]

    def save_observation(self, exercise: str, fields: dict[str, str]) -> None:
        from ..errors import InputError
        from ..plenary.observations import save_observation
        from ..store import AnswerStore

        group = self.settings.group(fields["group"])
        if group is None:
            raise ValueError("Choose the group you watched.")
        try:
            with AnswerStore(self.settings.store_path) as store:
                save_observation(
                    store,
                    workshop=self.settings.workshop_id,
                    author_role="observer",
                    playbook_section=fields["section"],
                    severity=fields["severity"],
                    group=group.name,
                    worked=fields["worked"],
                    confused=fields["confused"],
                    suggestion=fields["suggestion"],
                    jurisdiction=self.settings.jurisdiction,
                )
        except InputError as exc:
            raise ValueError(str(exc)) from None


def _html(part: Any) -> str:
    if hasattr(part, "_repr_html_"):
        return part._repr_html_()
    return part.html()


class RoomApp(ExtensionApp):
    """``datasharing-workshop serve``: the workshop room."""

    name = "datasharing_room"
    extension_url = "/room/"
    load_other_extensions = False
    serverapp_config: ClassVar[dict] = {"jpserver_extensions": {"voila": True}}

    room_file = Unicode("", help="the room.json that `serve` wrote").tag(config=True)
    cards_file = Unicode("", help="the table cards page that `serve` wrote").tag(config=True)

    @classmethod
    def get_extension_package(cls) -> str:
        return "datasharing_workshop.room"

    def initialize_settings(self) -> None:
        settings = read_room(self.room_file)
        pages = participant_pages_from_folder(settings)
        cards = Path(self.cards_file).read_text(encoding="utf-8") if self.cards_file else ""
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        self.settings.update(
            {
                "datasharing_room_state": RoomState(settings, pages, cards),
                "datasharing_room_jinja": env,
            }
        )

    def initialize_handlers(self) -> None:
        from voila.configuration import VoilaConfiguration
        from voila.paths import collect_template_paths

        from .pool import (
            KERNEL_ID,
            RoomKernelManager,
            RoomRequestInfoHandler,
            give_voila_its_settings,
        )

        server = self.serverapp
        voila_configuration = VoilaConfiguration(parent=server)
        template_paths = collect_template_paths(
            ["voila", "nbconvert"], voila_configuration.template
        )
        if isinstance(server.kernel_manager, RoomKernelManager):
            give_voila_its_settings(server, voila_configuration, template_paths)
        server.web_app.settings["room_server_ip"] = server.ip
        # Voilà's pages load MathJax from a CDN as soon as an output is drawn (its
        # "fullMathjaxUrl"); without a URL the page uses the typesetter it bundles. Rooms may
        # have no internet, and no third party should learn who is in the workshop.
        server.web_app.settings["mathjax_url"] = ""
        self.handlers.extend(
            [
                (r"/room/?", StartHandler),
                (r"/room/group/([^/]+)", GroupHandler),
                (r"/room/api/timer", TimerHandler),
                (r"/room/console", ConsoleHandler),
                (r"/room/api/progress", ProgressHandler),
                (r"/room/api/kernels", KernelsHandler),
                (r"/room/report", ReportHandler),
                (r"/room/observe/([^/]+)", ObserveHandler),
                (r"/room/cards", CardsHandler),
            ]
        )
        # Routes Voilà also answers: the room's come first (extensions load in name order,
        # and tornado uses the first match), so these take their place.
        base = server.base_url
        server.web_app.add_handlers(
            ".*$",
            [
                (
                    url_path_join(base, "/voila/render/(.*)"),
                    voila_handler_class(),
                    {
                        "config": server.config,
                        "template_paths": template_paths,
                        "voila_configuration": voila_configuration,
                    },
                ),
                # A pooled kernel learns the link that opened it here (Voilà's request info).
                (url_path_join(base, "/voila/query/" + KERNEL_ID), RoomRequestInfoHandler),
                (url_path_join(base, "/voila/?"), RefusedHandler),
                (url_path_join(base, "/voila/tree(.*)"), RefusedHandler),
                (url_path_join(base, "/voila/api/contents(.*)"), RefusedHandler),
            ],
        )

    async def _start_jupyter_server_extension(self, serverapp) -> None:
        """Once the server runs: fill the kernel pools of the participant pages."""
        manager = serverapp.kernel_manager
        if hasattr(manager, "start_pools"):
            state = serverapp.web_app.settings["datasharing_room_state"]
            manager.start_pools([page.filename for page in state.pages])


def participant_pages_from_folder(settings: RoomSettings) -> list[Page]:
    """The room's pages, read back from the copies ``serve`` wrote (their sources are not
    served)."""
    sources = json.loads((Path(settings.folder) / "pages.json").read_text(encoding="utf-8"))
    return [Page(p["stem"], p["title"], p["exercise"], Path(p["source"])) for p in sources]


__all__ = ["RoomApp", "RoomState", "participant_pages"]
