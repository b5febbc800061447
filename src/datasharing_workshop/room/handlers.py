"""The room's pages, as Jupyter Server extension handlers.

Participants: the join page, the start page ("Choose your group"), their group's list of
pages, and each page itself (Voilà's renderer, behind :class:`RoomVoilaHandler`).
Facilitators, in addition: the console (live grid, timer, room-wide results), the live
report-back, the observer pages and the table cards.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jupyter_server.auth.decorator import allow_unauthenticated, authorized
from jupyter_server.auth.login import LoginFormHandler
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

from .auth import CONSOLE_RESOURCE, FACILITATOR, PAGES_RESOURCE, role_of

EXTENSION = "datasharing_room"


def room_state(handler: JupyterHandler) -> Any:
    return handler.settings["datasharing_room_state"]


def render(handler: JupyterHandler, name: str, **values: Any) -> None:
    env = handler.settings["datasharing_room_jinja"]
    state = room_state(handler)
    handler.set_header("Cache-Control", "no-store")
    handler.write(
        env.get_template(name).render(
            room=state.settings,
            base=handler.base_url,
            role=role_of(handler.current_user),
            xsrf=handler.xsrf_form_html(),
            # For the pages' fetch() calls: on a hub, JupyterHub accepts its login cookie on
            # a script's request only with this token (its guard against forged requests).
            xsrf_token=handler.xsrf_token.decode(),
            **values,
        )
    )


class RoomHandler(ExtensionHandlerMixin, JupyterHandler):
    """A room page anyone with a code may open."""

    auth_resource = PAGES_RESOURCE

    def initialize(self, name: str = EXTENSION, **kwargs: Any) -> None:
        super().initialize(name, **kwargs)

    @property
    def state(self) -> Any:
        return room_state(self)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        reason = self._reason
        exc = kwargs.get("exc_info", (None, None, None))[1]
        message = getattr(exc, "log_message", None) or reason
        render(self, "message.html", heading=reason, message=message, status=status_code)


class FacilitatorHandler(RoomHandler):
    """A console page: the facilitator code only (the authorizer refuses participants)."""

    auth_resource = CONSOLE_RESOURCE


class JoinHandler(LoginFormHandler):
    """The join page: type the code from the table card (Jupyter Server's login form)."""

    def _render(self, message: dict | None = None) -> None:
        render(
            self,
            "join.html",
            next=self.get_argument("next", default=self.base_url + "room/"),
            error=bool(message),
        )


class StartHandler(RoomHandler):
    """The start page: the workshop, "Choose your group", then the day's pages."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        wanted = self.get_argument("group", default=None)
        if wanted is not None and self.state.settings.group(wanted) is None:
            self.set_status(404)
            render(self, "start.html", pages=self.state.pages, unknown=wanted)
            return
        if wanted is not None:
            self.redirect(f"{self.base_url}room/group/{quote(wanted)}")
            return
        render(self, "start.html", pages=self.state.pages, unknown=None)


class GroupHandler(RoomHandler):
    """One group's list of pages, in agenda order."""

    @web.authenticated
    @authorized
    def get(self, slug: str) -> None:
        group = self.state.settings.group(slug)
        if group is None:
            self.set_status(404)
            render(self, "start.html", pages=self.state.pages, unknown=slug)
            return
        links = [
            (page, f"{self.base_url}voila/render/{page.filename}?{urlencode({'group': slug})}")
            for page in self.state.pages
        ]
        render(self, "group.html", group=group, links=links)


class TimerHandler(RoomHandler):
    """The session timer: everybody reads it; the facilitator starts and stops it."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.finish(self.state.timer())

    @web.authenticated
    def post(self) -> None:
        if role_of(self.current_user) != FACILITATOR:
            raise web.HTTPError(403, "Only the facilitator can start the timer.")
        minutes = self.get_argument("minutes", default="0")
        label = self.get_argument("label", default="")[:80]
        try:
            value = float(minutes)
        except ValueError:
            raise web.HTTPError(400, f"minutes must be a number, got {minutes!r}") from None
        if not 0 <= value <= 480:
            raise web.HTTPError(400, f"minutes must be between 0 and 480, got {minutes}")
        self.state.set_timer(value, label)
        if self.get_argument("json", default=""):
            self.finish(self.state.timer())
        else:
            self.redirect(f"{self.base_url}room/console")


class ConsoleHandler(FacilitatorHandler):
    """The facilitator's console."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        render(self, "console.html", pages=self.state.pages, columns=self.state.columns)


class ProgressHandler(FacilitatorHandler):
    """The console's grid as JSON (the console polls it)."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        self.set_header("Cache-Control", "no-store")
        data = self.state.progress()
        data["time"] = time.time()
        self.finish(json.dumps(data))


class KernelsHandler(FacilitatorHandler):
    """Pages open and each page's pool of ready kernels, as JSON."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        self.set_header("Cache-Control", "no-store")
        manager = self.kernel_manager
        status = getattr(manager, "status", None)
        if status is None:
            data = {"open_pages": len(manager.list_kernel_ids()), "pools": {}, "failures": []}
        else:
            data = status()
        data["kernel_limit"] = self.state.settings.kernel_limit
        self.finish(json.dumps(data))


class ReportHandler(FacilitatorHandler):
    """The report-back, live and large, for the projector: one part per screen."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        parts = self.state.report_parts()
        index = int(self.get_argument("part", default="0") or 0) % max(len(parts), 1)
        render(self, "report.html", parts=parts, index=index)


class ObserveHandler(FacilitatorHandler):
    """An observer's page for one breakout: notes go to the store with group and section."""

    @web.authenticated
    @authorized
    def get(self, exercise: str) -> None:
        page = self.state.page_for_exercise(exercise)
        if page is None:
            raise web.HTTPError(404, f"No breakout called {exercise!r} in this room.")
        render(
            self,
            "observe.html",
            page=page,
            sections=self.state.sections(),
            saved=self.get_argument("saved", default=""),
            notes=self.state.observations(exercise),
        )

    @web.authenticated
    @authorized
    def post(self, exercise: str) -> None:
        page = self.state.page_for_exercise(exercise)
        if page is None:
            raise web.HTTPError(404, f"No breakout called {exercise!r} in this room.")
        fields = {
            k: self.get_argument(k, default="")
            for k in ("group", "section", "worked", "confused", "suggestion", "severity")
        }
        try:
            self.state.save_observation(exercise, fields)
        except ValueError as exc:
            raise web.HTTPError(400, str(exc)) from None
        self.redirect(f"{self.base_url}room/observe/{quote(exercise)}?saved=1")


class CardsHandler(FacilitatorHandler):
    """The printable table cards (also written to the room folder as cards.html)."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        self.finish(self.state.cards_html)


class RefusedHandler(JupyterHandler):
    """Routes the room does not offer (Voilà's file list and contents API)."""

    @allow_unauthenticated
    def get(self, *args: Any) -> None:
        raise web.HTTPError(404)


def voila_handler_class() -> type:
    """Voilà's page renderer, with the room's checks before a kernel starts."""
    from voila.tornado.handler import TornadoVoilaHandler

    class RoomVoilaHandler(TornadoVoilaHandler):
        """A participant page: a known group in the link, and room for one more kernel."""

        async def get(self, path: str | None = None):
            user = self.current_user
            if user is None:
                # Voilà redirects to the join page itself (web.authenticated).
                return await super().get(path=path)
            state = room_state(self)
            page = state.page_for_file(path or "")
            if page is None:
                self.set_status(404)
                return render(
                    self,
                    "message.html",
                    heading="No such page",
                    message="This page is not part of the workshop. Go back to the start page.",
                    status=404,
                )
            slug = self.get_argument("group", default="")
            if state.settings.group(slug) is None:
                self.set_status(404)
                return render(self, "start.html", pages=state.pages, unknown=slug)
            if not state.has_room_for_a_page(self.kernel_manager):
                self.set_status(503)
                self.set_header("Retry-After", "60")
                return render(self, "full.html", retry=self.request.uri)
            return await super().get(path=path)

    return RoomVoilaHandler


def static_path() -> str:
    return str(Path(__file__).parent / "static")
