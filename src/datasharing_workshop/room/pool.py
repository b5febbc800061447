"""Kernels started before anybody asks: Voilà's preheated pool, inside the room's server.

Voilà keeps a pool of kernels per notebook only when it runs as its own app; loaded as a
Jupyter Server extension (as the room loads it) its page handler finds no pool and starts
a kernel, then runs the whole notebook, for every page. The room therefore sets
:class:`RoomKernelManager` as ``ServerApp.kernel_manager_class``: Voilà's own
``VoilaKernelManager`` (``voila_kernel_manager_factory(..., preheat_kernel=True)``) over
Jupyter Server's ``AsyncMappingKernelManager``, given by :func:`start_pools` what it reads
from its parent in Voilà's app (the Voilà configuration, template paths, server URL).

A pooled kernel runs its page up to the room's cell, which imports the page's widget modules
and then waits for Voilà's request info (``/voila/query/<kernel_id>``, answered by
:class:`RoomRequestInfoHandler`) to learn from the page link which group opened it. Only
the participant copies in the served folder are ever pooled. The room adds three things to
Voilà's pool:

* at most ``warm_at_once`` kernels are warmed together (a pool of 30 started at once would
  stall a 2-core laptop), and a kernel a visitor is already waiting for goes first;
* the room counts open pages (kernels handed to a visitor), not pooled kernels, against its
  limit (:meth:`RoomKernelManager.open_pages`);
* :meth:`RoomKernelManager.status` tells the facilitator what is ready.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
from typing import Any

from jupyter_client.session import Session
from jupyter_server._tz import utcnow
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Integer
from voila.request_info_handler import RequestInfoSocketHandler
from voila.voila_kernel_manager import voila_kernel_manager_factory

#: Voilà's pattern for a kernel id in its routes.
KERNEL_ID = r"(?P<kernel_id>\w+-\w+-\w+-\w+-\w+)"

_VoilaKernelManager: Any = voila_kernel_manager_factory(
    AsyncMappingKernelManager, preheat_kernel=True, default_pool_size=0
)


def pool_config(sizes: dict[str, int], *, default: int, server_ip: str) -> dict[str, Any]:
    """``VoilaKernelManager.kernel_pools_config`` for the room: ``sizes`` maps a page file
    (``03_classify_data.ipynb``) to its pool size; other pages get ``default``.

    A kernel reaches the room's server on loopback unless the server listens on one address
    only; then it must use that address.
    """
    app_ip = "127.0.0.1" if server_ip in ("0.0.0.0", "127.0.0.1", "localhost") else server_ip
    env = {"VOILA_APP_IP": app_ip}
    config: dict[str, Any] = {"default": {"pool_size": default, "kernel_env_variables": env}}
    for filename, size in sizes.items():
        config[filename] = {"pool_size": size, "kernel_env_variables": env}
    return config


class RoomKernelManager(_VoilaKernelManager):
    """Voilà's preheated kernel pool, started by the room once its web app exists."""

    warm_at_once = Integer(
        2, config=True, help="most pooled kernels started and run up to the group question at once"
    )

    def __init__(self, **kwargs: Any) -> None:
        parent = kwargs.get("parent")
        # Voilà's app serves one notebook or a folder; the room serves a folder.
        if parent is not None and not hasattr(parent, "notebook_path"):
            parent.notebook_path = None
        self._started = False
        self._pages: frozenset[str] = frozenset()
        super().__init__(**kwargs)
        self._handed_out: set[str] = set()
        self._connected: dict[str, asyncio.Event] = {}
        self._urgent: set[asyncio.Task] = set()
        self._warming = 0
        self._slots = asyncio.Condition()
        self.failures: list[str] = []

    # -- starting ---------------------------------------------------------------------------
    def start_pools(self, pages: list[str]) -> None:
        """Fill a pool for each page file in ``pages`` (the participant copies)."""
        self._pages = frozenset(pages)
        self._started = True
        for page in sorted(self._pages):
            self.fill_if_needed(delay=0, notebook_name=page)

    def fill_if_needed(self, delay=None, notebook_name=None, **kwargs: Any) -> None:
        # Voilà fills a pool for every notebook under the root folder as soon as the kernel
        # manager exists, before the web app does; the room starts them itself, and only
        # for its participant pages.
        if not self._started or notebook_name not in self._pages:
            return
        super().fill_if_needed(delay=delay, notebook_name=notebook_name, **kwargs)

    async def _initialize(self, notebook_path: str, kernel_id: str | None = None, **kwargs):
        if kernel_id is not None:  # a restart: Voilà runs the page again in the same kernel
            return await super()._initialize(notebook_path, kernel_id, **kwargs)
        me = asyncio.current_task()
        async with self._slots:
            await self._slots.wait_for(
                lambda: self._warming < max(self.warm_at_once, 1) or me in self._urgent
            )
            self._warming += 1
        try:
            content = await super()._initialize(notebook_path, None, **kwargs)
            kid = content["kernel_id"]
            connected = self._connected.setdefault(kid, asyncio.Event())
            waiting = asyncio.ensure_future(connected.wait())
            # Ready when the kernel asks for its request info (it has run and imported all
            # it can without the group), or when its page ended without asking (an error).
            await asyncio.wait([waiting, content["task"]], return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
            self._connected.pop(kid, None)
            if content["task"].done() and content["task"].exception() is not None:
                self.failures.append(f"{notebook_path}: {content['task'].exception()!r}")
            return content
        except Exception as exc:
            self.failures.append(f"{notebook_path}: {exc!r}")
            raise
        finally:
            self._urgent.discard(me)
            async with self._slots:
                self._warming -= 1
                self._slots.notify_all()

    def kernel_asks_for_request_info(self, kernel_id: str) -> None:
        self._connected.setdefault(kernel_id, asyncio.Event()).set()

    # -- handing out ------------------------------------------------------------------------
    def _drop_failed(self, notebook_name: str) -> None:
        """Take kernels that failed to start out of the pool (Voilà would hand them to a
        visitor as an error page) and start others in their place."""
        pool = self._pools.get(notebook_name) or []
        failed = [t for t in pool if t.done() and (t.cancelled() or t.exception() is not None)]
        if failed:
            pool[:] = [t for t in pool if t not in failed]
            self.fill_if_needed(delay=0, notebook_name=notebook_name)

    def get_pool_size(self, notebook_name: str) -> int:
        self._drop_failed(notebook_name)
        return super().get_pool_size(notebook_name)

    async def get_rendered_notebook(
        self, notebook_name: str, extra_kernel_env_variables=None, **kw
    ):
        self._drop_failed(notebook_name)
        pool = self._pools.get(notebook_name) or []
        if pool and not pool[0].done():
            # A visitor waits for this one: let it start before the other refills.
            self._urgent.add(pool[0])
            async with self._slots:
                self._slots.notify_all()
        render_task, cache, kernel_id = await super().get_rendered_notebook(
            notebook_name, extra_kernel_env_variables or {}, **kw
        )
        self._handed_out.add(kernel_id)
        return render_task, cache, kernel_id

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:
        # Pooled kernels are started by Voilà's _initialize (past this method); a kernel
        # started here is a page opened without the pool (an empty pool, or an API call).
        kernel_id = await super().start_kernel(*args, **kwargs)
        self._handed_out.add(kernel_id)
        return kernel_id

    async def shutdown_all(self, *args: Any, **kwargs: Any) -> None:
        """Stop refilling, drop kernels not yet started or not yet ready, then Voilà's
        shutdown (every kernel, pooled ones included)."""
        self._started = False
        pending = [t for pool in self._pools.values() for t in pool if not t.done()]
        for pool in self._pools.values():
            pool[:] = [t for t in pool if t.done()]
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(BaseException):
                await task
        await super().shutdown_all(*args, **kwargs)

    # -- watching kernels (for culling) ------------------------------------------------------
    def start_watching_activity(self, kernel_id: str) -> None:
        """Jupyter Server's activity watch, with its cost cut: it fully decodes (checks the
        signature, parses the dates of) every message a kernel sends, and a page sends
        hundreds while it builds its widgets. Here only status messages are decoded; for the
        others the message type is read from the header, the same facts as before."""
        super().start_watching_activity(kernel_id)
        kernel = self._kernels[kernel_id]
        stream = kernel._activity_stream
        session = Session(config=kernel.session.config, key=kernel.session.key)

        def record_activity(msg_list: list) -> None:
            _idents, fed = session.feed_identities(msg_list)
            header = json.loads(bytes(fed[1]))
            parent = json.loads(bytes(fed[2])) if len(fed) > 2 else {}
            msg_type = header.get("msg_type")
            parent_type = parent.get("msg_type") if parent else None
            if (
                self.track_message_type(msg_type)
                or self.track_message_type(parent_type)
                or kernel.execution_state == "busy"
            ):
                self.last_kernel_activity = kernel.last_activity = utcnow()
            if msg_type == "status":
                state = session.deserialize(fed)["content"]["execution_state"]
                if self.track_message_type(parent_type):
                    kernel.execution_state = state
                elif kernel.execution_state == "starting" and state != "starting":
                    kernel.execution_state = "idle"

        stream.stop_on_recv()
        stream.on_recv(record_activity)

    # -- what the room reads ----------------------------------------------------------------
    def pooled_kernel_ids(self) -> set[str]:
        """Kernels waiting in a pool, ready for a visitor."""
        ready = set()
        for pool in self._pools.values():
            for task in pool:
                if task.done() and not task.cancelled() and task.exception() is None:
                    ready.add(task.result()["kernel_id"])
        return ready

    def is_waiting_in_pool(self, kernel_id: str) -> bool:
        """True for a kernel the pool started and nobody opened yet."""
        if kernel_id in self._handed_out:
            return False
        return any(kernel_id in data["kernel_ids"] for data in self.notebook_data.values())

    def open_pages(self) -> int:
        """Kernels handed to visitors and still running."""
        running = set(self.list_kernel_ids())
        self._handed_out &= running
        return len(self._handed_out)

    def status(self) -> dict[str, Any]:
        """What the facilitator's console shows: open pages, and each page's pool."""
        pools = {}
        for page in sorted(self._pages):
            self._drop_failed(page)
            tasks = self._pools.get(page, [])
            ready = [t for t in tasks if t.done() and not t.cancelled() and t.exception() is None]
            pools[page] = {
                "ready": len(ready),
                "warming": len([t for t in tasks if not t.done()]),
                "size": self._pool_size(page),
                "kernel_ids": [t.result()["kernel_id"] for t in ready],
            }
        return {
            "open_pages": self.open_pages(),
            "open_page_ids": sorted(self._handed_out),
            "pools": pools,
            # Every notebook Voilà has run into a pooled kernel (participant copies only).
            "pooled_notebooks": sorted(self.notebook_data),
            "failures": list(self.failures),
        }

    def _pool_size(self, page: str) -> int:
        default = self.kernel_pools_config.get("default", {})
        return int(self.kernel_pools_config.get(page, default).get("pool_size", 0))


class RoomRequestInfoHandler(RequestInfoSocketHandler):
    """Voilà's request-info websocket (``/voila/query/<kernel_id>``), for pooled kernels only.

    Voilà sends a pooled kernel the page's request (its link, with the group) through this
    socket when a visitor takes the kernel. Only a kernel waiting in the pool, connecting
    from this computer, may open it: a browser never needs it.
    """

    @allow_unauthenticated  # a kernel has no code: it is checked below instead
    async def get(self, *args: Any, **kwargs: Any) -> None:
        kernel_id = kwargs.get("kernel_id") or (args[0] if args else "")
        manager = self.settings["kernel_manager"]
        waiting = getattr(manager, "is_waiting_in_pool", None)
        if waiting is None or not waiting(kernel_id) or not self._from_this_computer():
            raise web.HTTPError(403)
        await super().get(*args, **kwargs)

    def open(self, kernel_id: str) -> None:
        super().open(kernel_id)
        self.settings["kernel_manager"].kernel_asks_for_request_info(kernel_id)

    def _from_this_computer(self) -> bool:
        remote = self.request.remote_ip or ""
        try:
            if ipaddress.ip_address(remote).is_loopback:
                return True
        except ValueError:
            return False
        return remote == self.settings.get("room_server_ip")


def give_voila_its_settings(serverapp: Any, voila_configuration: Any, template_paths: list) -> None:
    """What ``VoilaKernelManager`` reads from its parent, which in Voilà's own app is the
    ``VoilaApp``: here the kernel manager's parent is Jupyter Server's ``ServerApp``."""
    serverapp.voila_configuration = voila_configuration
    serverapp.template_paths = template_paths
    serverapp.server_url = serverapp.base_url
    serverapp.app = serverapp.web_app


__all__ = [
    "KERNEL_ID",
    "RoomKernelManager",
    "RoomRequestInfoHandler",
    "give_voila_its_settings",
    "pool_config",
]
