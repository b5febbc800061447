"""Prepare the room folder and run the server: what ``datasharing-workshop serve`` does.

The room folder (``build/room`` by default) holds only what the kit wrote there:

* ``pages/``: the participant copies, the only folder the server serves;
* ``room.json`` and ``pages.json``: the room's settings (no codes) and its pages;
* ``cards.html``: the table cards to print (they carry the participant code);
* ``.datasharing-room``: the marker that says the folder is the kit's own. A folder
  that exists, holds something and lacks the marker is refused, never emptied.

``serve --hub`` runs the same room as one JupyterHub user's server (the hub's spawner
starts it; see ``hub-config``): JupyterHub authenticates, the role comes from
``$DATASHARING_WORKSHOP_ROLE`` (:func:`.auth.hub_role`), and only a facilitator's server
also gets the workshop's full notebooks (``pages/facilitator/``) and JupyterLab, when it
is installed. A participant's server never holds a facilitator notebook.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from .settings import (
    IOPUB_TIMEOUT_S,
    KERNEL_STARTUP_TIMEOUT_S,
    PAGES_FOLDER,
    ROOM_FILE,
    RoomSettings,
    check_code,
    from_workshop,
    is_loopback,
    random_code,
)
from .voila_template import TEMPLATE, use_in_this_process

#: Kernels started ahead in all when --pool-size is not given. Each holds about 100 MB, and
#: every page of the day keeps its pool: 10 groups x 9 pages would be 7 GB on a laptop that
#: often has 8 GB. 40 (about 4 GB) keeps one per group for every page up to 4 groups.
DEFAULT_POOL_TOTAL = 40
MARKER = ".datasharing-room"
CARDS_FILE = "cards.html"
PAGES_FILE = "pages.json"
#: Seconds between a page taking a pooled kernel and the pool starting its replacement.
POOL_REFILL_DELAY_S = 30.0
#: Default most pages open at once, per group (a table of 4-6 people, a few tabs each).
PAGES_PER_GROUP = 12
#: On a hub: the folder (inside ``pages/``) with a facilitator's full notebooks.
FACILITATOR_FOLDER = "facilitator"


@dataclass(frozen=True)
class RoomOptions:
    config: Path
    output: Path
    port: int = 8866
    ip: str = "127.0.0.1"
    participant_code: str | None = None
    facilitator_code: str | None = None
    kernel_limit: int | None = None
    cull_after_minutes: int = 30
    #: Kernels kept ready per page (None: one per group); per page file or exercise id.
    pool_size: int | None = None
    pool_sizes: tuple[tuple[str, int], ...] = ()
    hub: bool = False


@dataclass(frozen=True)
class PreparedRoom:
    settings: RoomSettings
    address: str
    cards: Path
    pages: tuple[Path, ...]
    hub_role: str | None = None

    def pool_line(self) -> str:
        s = self.settings
        sizes = {p.name: s.pool_sizes.get(p.name, s.pool_size) for p in self.pages}
        total = sum(sizes.values())
        if not total:
            return "No kernels are started ahead: each page starts its own when it is opened."
        special = ", ".join(
            f"{Path(name).stem}: {n}" for name, n in sizes.items() if n != s.pool_size
        )
        return (
            f"Kernels started ahead so pages open fast: {s.pool_size} per page"
            + (f" ({special})" if special else "")
            + f", {total} in all (about {total * 100} MB of memory); change with --pool-size"
        )

    def summary(self) -> str:
        s = self.settings
        if self.hub_role:
            return (
                f"Workshop: {s.title} ({s.workshop_id}), answers saved to {s.store_path}\n"
                f"Prepared {len(self.pages)} participant pages in "
                f"{Path(s.folder) / PAGES_FOLDER} for a JupyterHub {self.hub_role}"
            )
        lines = [
            f"Workshop: {s.title} ({s.workshop_id}), answers saved to {s.store_path}",
            f"Prepared {len(self.pages)} participant pages in {Path(s.folder) / PAGES_FOLDER}",
            self.pool_line(),
            "",
            f"Address for participants:  {self.address}/room/",
            f"Participant code:          {s.participant_code}",
            f"Facilitator code:          {s.facilitator_code}",
            f"Participants' link:        {self.address}/room/?token={s.participant_code}",
            f"Facilitator console:       {self.address}/room/console?token={s.facilitator_code}",
            f"Table cards to print:      {self.cards}",
        ]
        if is_loopback(s.ip):
            lines.append(
                "Only this computer can open these pages. To serve the room's network, "
                "start again with --lan."
            )
        return "\n".join(lines)


def lan_address() -> str:
    """This computer's address on its network (no packet is sent), or 127.0.0.1."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))
        return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


def _check_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} is a file, not a folder; pass --output FOLDER")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MARKER).exists():
        raise InputError(
            f"{folder} already holds files the kit did not write; choose an empty or new "
            "folder with --output FOLDER (nothing was changed)"
        )


def _port_free(ip: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((ip, port))
        except OSError as exc:
            raise InputError(
                f"cannot listen on {ip}:{port} ({exc.strerror}); another program may be using "
                "that port: pass --port with another number"
            ) from None


def _page_pools(wanted: tuple[tuple[str, int], ...], pages: list) -> dict[str, int]:
    """``--pool-size PAGE=N`` as page file -> N; PAGE is a page's notebook name (its file
    without .ipynb) or its exercise id."""
    sizes = {}
    for name, size in wanted:
        page = next((p for p in pages if name in (p.stem, p.filename, p.exercise)), None)
        if page is None:
            known = ", ".join(p.stem for p in pages)
            raise InputError(
                f"--pool-size {name}={size}: no participant page {name!r}; pages: {known}"
            )
        sizes[page.filename] = size
    return sizes


def prepare_room(options: RoomOptions) -> PreparedRoom:
    """Check the options and workshop.yml, then write the room folder.

    Raises
    ------
    InputError, ContentError, BuildError
        A bad option, workshop.yml or notebook; nothing is written then.
    """
    from ..handouts.config import load_workshop
    from .cards import cards_html
    from .pages import participant_pages, write_pages

    if not options.config.exists():
        raise InputError(
            f"{options.config}: no workshop config here; pass --config FILE (see workshop.yml)"
        )
    participant = check_code("--participant-code", options.participant_code or random_code())
    facilitator = check_code("--facilitator-code", options.facilitator_code or random_code())
    if participant == facilitator:
        raise InputError("--participant-code and --facilitator-code must be different")
    try:
        socket.inet_aton(options.ip)
    except OSError:
        raise InputError(
            f"--ip must be an IPv4 address such as 192.168.1.20, got {options.ip!r}"
        ) from None
    workshop = load_workshop(options.config)
    pages = participant_pages(workshop.notebook_folder)
    folder = options.output
    _check_folder(folder)
    limit = options.kernel_limit or PAGES_PER_GROUP * len(workshop.groups)
    pool_size = options.pool_size
    if pool_size is None:
        # On a hub each server is one person's, who opens one page at a time: no pool.
        # Otherwise one per group for every page, within DEFAULT_POOL_TOTAL in all.
        fits = max(1, DEFAULT_POOL_TOTAL // max(len(pages), 1))
        pool_size = 0 if options.hub else min(len(workshop.groups), fits)
    pool_sizes = _page_pools(options.pool_sizes, pages)
    settings = from_workshop(
        workshop,
        folder,
        ip=options.ip,
        port=options.port,
        participant_code=participant,
        facilitator_code=facilitator,
        kernel_limit=limit,
        cull_idle_minutes=options.cull_after_minutes,
        pool_size=pool_size,
        pool_sizes=pool_sizes,
    )
    host = lan_address() if options.ip == "0.0.0.0" else options.ip
    address = f"http://{host}:{options.port}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("Written by datasharing-workshop serve.\n", encoding="utf-8")
    settings.write()
    (folder / PAGES_FILE).write_text(
        json.dumps(
            [
                {"stem": p.stem, "title": p.title, "exercise": p.exercise, "source": str(p.source)}
                for p in pages
            ],
            indent=2,
        ),
        encoding="utf-8",
    )
    written = write_pages(pages, settings.pages_folder, Path(settings.folder) / ROOM_FILE)
    cards = folder / CARDS_FILE
    cards.write_text(cards_html(settings, address), encoding="utf-8")
    role = None
    if options.hub:
        from .auth import FACILITATOR, hub_role

        role = hub_role()
        full = settings.pages_folder / FACILITATOR_FOLDER
        if full.exists():
            shutil.rmtree(full)  # only ever the kit's own copies (inside the marked folder)
        if role == FACILITATOR:
            full.mkdir()
            for notebook in sorted(Path(workshop.notebook_folder).glob("*.ipynb")):
                shutil.copyfile(notebook, full / notebook.name)
    return PreparedRoom(settings, address, cards.resolve(), tuple(written), role)


def server_config(room: PreparedRoom):
    """The traitlets config of the room's Jupyter Server (codes included; never on argv)."""
    from traitlets.config import Config

    from .extension import WIDGET_MESSAGES
    from .pool import pool_config

    s = room.settings
    c = Config()
    c.ServerApp.ip = s.ip
    c.ServerApp.port = s.port
    c.ServerApp.port_retries = 0
    # Jupyter Server refuses to run as root unless told; CI and containers run as root.
    c.ServerApp.allow_root = hasattr(os, "geteuid") and os.geteuid() == 0
    c.ServerApp.open_browser = False
    c.ServerApp.root_dir = str(s.pages_folder)
    c.ServerApp.default_url = "/room/"
    c.ServerApp.allow_unauthenticated_access = False
    c.ServerApp.terminals_enabled = False
    c.ServerApp.identity_provider_class = "datasharing_workshop.room.auth.RoomIdentityProvider"
    c.ServerApp.authorizer_class = "datasharing_workshop.room.auth.RoomAuthorizer"
    c.RoomIdentityProvider.participant_code = s.participant_code
    c.RoomIdentityProvider.facilitator_code = s.facilitator_code
    c.RoomApp.room_file = str(Path(s.folder) / ROOM_FILE)
    c.RoomApp.cards_file = str(room.cards)
    c.MappingKernelManager.allowed_message_types = list(WIDGET_MESSAGES)
    c.MappingKernelManager.cull_idle_timeout = s.cull_idle_minutes * 60
    c.MappingKernelManager.cull_interval = 60
    c.MappingKernelManager.cull_connected = True
    # Voilà's preheated pool (room.pool): started by the room, participant pages only.
    c.ServerApp.kernel_manager_class = "datasharing_workshop.room.pool.RoomKernelManager"
    c.RoomKernelManager.kernel_pools_config = pool_config(
        s.pool_sizes, default=s.pool_size, server_ip=s.ip
    )
    # A pool refills a little after a page took a kernel, not while a burst of pages (a
    # whole room opening a breakout together) still needs the processor.
    c.RoomKernelManager.fill_delay = POOL_REFILL_DELAY_S
    c.VoilaExecutor.iopub_timeout = IOPUB_TIMEOUT_S
    c.VoilaExecutor.startup_timeout = KERNEL_STARTUP_TIMEOUT_S
    c.VoilaConfiguration.show_tracebacks = False
    c.VoilaConfiguration.strip_sources = True
    c.VoilaConfiguration.template = TEMPLATE
    return c


def hub_server_config(room: PreparedRoom):
    """The config of one hub user's room server. JupyterHub's single-user extension sets
    the address, base URL and identity provider from the spawner's environment."""
    config = server_config(room)
    for name in ("ip", "port", "port_retries", "identity_provider_class"):
        config.ServerApp.pop(name, None)
    del config["RoomIdentityProvider"]
    config.ServerApp.authorizer_class = "datasharing_workshop.room.auth.RoomHubAuthorizer"
    return config


def hub_extensions(role: str | None) -> dict[str, bool]:
    """Server extensions of a hub user's room: JupyterLab only for a facilitator."""
    from .auth import FACILITATOR

    extensions = {"voila": True, "jupyterhub": True}  # JupyterHubSingleUser
    if role == FACILITATOR and importlib.util.find_spec("jupyterlab") is not None:
        extensions["jupyterlab"] = True
    return extensions


def serve_hub(room: PreparedRoom) -> int:
    """Run one hub user's room server (the hub's spawner starts and stops it)."""
    from .extension import RoomApp

    if not os.environ.get("JUPYTERHUB_SERVICE_URL"):
        raise InputError(
            "serve --hub runs only when JupyterHub starts it (no $JUPYTERHUB_SERVICE_URL); "
            "print the hub's settings with `datasharing-workshop hub-config`, or use "
            "`serve` without --hub on one computer"
        )
    if importlib.util.find_spec("jupyterhub") is None:
        raise InputError(
            "serve --hub needs the jupyterhub package in this environment: "
            "pip install 'datasharing-workshop[hub]'"
        )

    # This process serves one hub user's room and nothing else, so the extension class
    # itself says which extensions load (Jupyter Server reads it both when starting and
    # when linking the extension, so a subclass would not do).
    RoomApp.serverapp_config = {"jpserver_extensions": hub_extensions(room.hub_role)}
    use_in_this_process()
    server = RoomApp.initialize_server(argv=[], config=hub_server_config(room))
    server.start()
    return 0


def serve_room(room: PreparedRoom) -> int:
    """Run the room's server until Ctrl+C; return its exit status."""
    from .extension import RoomApp

    if not is_loopback(room.settings.ip) and not (
        room.settings.participant_code and room.settings.facilitator_code
    ):  # pragma: no cover - prepare_room always sets both
        raise InputError("serving beyond this computer needs both join codes")
    _port_free(room.settings.ip, room.settings.port)
    print("Press Ctrl+C to stop the room.", flush=True)
    config = server_config(room)
    use_in_this_process()
    # ExtensionApp.launch_instance drops a config passed to it, so start the way it does.
    server = RoomApp.initialize_server(argv=[], config=config)
    with contextlib.suppress(KeyboardInterrupt):  # the server handles Ctrl+C itself
        server.start()
    return 0


__all__ = ["PreparedRoom", "RoomOptions", "prepare_room", "serve_hub", "serve_room"]
