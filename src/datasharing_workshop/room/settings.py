"""The room's settings: the workshop it serves, where, with which codes and limits.

``serve`` writes them as ``room.json`` next to the participant copies, so the server
extension and every participant's kernel read the same facts. The codes stay in the
server's memory and are never written to the served folder: a participant's kernel has no
use for them.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError

#: File in the room folder holding :meth:`RoomSettings.public` as JSON.
ROOM_FILE = "room.json"
#: Sub-folder of the room folder with the participant copies Voilà serves.
PAGES_FOLDER = "pages"
LOOPBACK = "127.0.0.1"
#: How long a page's kernel may take to start, and to send a cell's output (seconds), for
#: ``serve`` and ``make app`` alike. A busy laptop can take many seconds to deliver a
#: cell's output; nbclient's default (4 s) then drops it and the page shows no exercise.
KERNEL_STARTUP_TIMEOUT_S = 240
IOPUB_TIMEOUT_S = 120
#: Code alphabet: no 0/O or 1/l/I, so a typed code is read back right.
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_LENGTH = 8
MIN_CODE_LENGTH = 6


def random_code(length: int = CODE_LENGTH) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def is_loopback(ip: str) -> bool:
    if ip == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def check_code(name: str, code: str) -> str:
    """A join code a person can type: at least 6 letters or digits, no spaces.

    Raises
    ------
    InputError
        Naming the option and what was expected.
    """
    if len(code) < MIN_CODE_LENGTH or not code.isascii() or not code.isalnum():
        raise InputError(
            f"{name} must be at least {MIN_CODE_LENGTH} letters or digits (no spaces or "
            f"punctuation), got {code!r}"
        )
    return code


@dataclass(frozen=True)
class GroupLink:
    """A group as the room shows it: its name and the short name used in links."""

    name: str
    slug: str


@dataclass(frozen=True)
class RoomSettings:
    """Everything ``serve`` decided, in one place.

    Attributes
    ----------
    workshop_id, title, date, host_agency, jurisdiction, scenario_set
        From workshop.yml.
    groups
        From workshop.yml, in its order.
    store_path
        The one answer store every page writes to and the console reads.
    folder
        The room folder: ``room.json``, ``pages/`` (participant copies), ``cards.html``.
    ip, port
        Where the server listens.
    participant_code, facilitator_code
        The two join codes (Jupyter Server tokens).
    kernel_limit
        Most participant pages open at once; one more gets the "room is full" page.
    cull_idle_minutes
        A page left idle this long has its kernel stopped (answers stay in the store).
    pool_size, pool_sizes
        Kernels kept started, each page run up to its group question, for every page
        (``pool_size``) or for the page files ``pool_sizes`` names.
    """

    workshop_id: str
    title: str
    date: str
    host_agency: str
    jurisdiction: str
    scenario_set: str
    groups: tuple[GroupLink, ...]
    store_path: str
    folder: str
    ip: str = LOOPBACK
    port: int = 0
    participant_code: str = field(default="", repr=False)
    facilitator_code: str = field(default="", repr=False)
    kernel_limit: int = 60
    cull_idle_minutes: int = 30
    pool_size: int = 0
    pool_sizes: dict[str, int] = field(default_factory=dict)

    def group(self, slug: str) -> GroupLink | None:
        return next((g for g in self.groups if g.slug == slug), None)

    def group_named(self, name: str) -> GroupLink | None:
        return next((g for g in self.groups if g.name == name), None)

    @property
    def pages_folder(self) -> Path:
        return Path(self.folder) / PAGES_FOLDER

    def public(self) -> dict[str, Any]:
        """What the served folder may hold: everything but the codes."""
        data = asdict(self)
        data.pop("participant_code")
        data.pop("facilitator_code")
        data["groups"] = [asdict(g) for g in self.groups]
        return data

    def write(self) -> Path:
        path = Path(self.folder) / ROOM_FILE
        path.write_text(json.dumps(self.public(), indent=2), encoding="utf-8")
        return path


def read_room(path: str | Path) -> RoomSettings:
    """Read ``room.json`` (as a participant's kernel does); codes are left empty."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    data["groups"] = tuple(GroupLink(**g) for g in data["groups"])
    return RoomSettings(**data)


def from_workshop(workshop: Any, folder: Path, **options: Any) -> RoomSettings:
    """Room settings from a loaded workshop.yml (``handouts.config.Workshop``)."""
    config = workshop.config
    return RoomSettings(
        workshop_id=config.workshop_id,
        title=config.title,
        date=config.date.isoformat(),
        host_agency=config.host_agency,
        jurisdiction=config.jurisdiction,
        scenario_set=config.scenario_set,
        groups=tuple(GroupLink(g.name, g.folder) for g in config.groups),
        store_path=str(workshop.store_path),
        folder=str(folder.resolve()),
        **options,
    )
