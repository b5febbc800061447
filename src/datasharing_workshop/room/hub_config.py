"""Ready JupyterHub configuration for the room: what ``datasharing-workshop hub-config`` prints.

Two forms, one set of facts:

* ``tljh``: a Python file for The Littlest JupyterHub's ``jupyterhub_config.d`` folder
  (plain ``jupyterhub_config.py`` lines, so any JupyterHub can load it);
* ``z2jh``: a Helm values file for Zero to JupyterHub on Kubernetes.

Either one makes every user's server the room (``datasharing-workshop serve --hub``): a
participant lands on the code-free start page, the store URL reaches each server through
``$DATASHARING_WORKSHOP_STORE``, the role through ``$DATASHARING_WORKSHOP_ROLE`` (admins and
one named group are facilitators), and jupyterhub-idle-culler stops idle servers. The
workshop's name, groups and notebooks come from the one workshop.yml the servers read.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ContentError, InputError

KINDS = ("tljh", "z2jh")
#: Where each user's server writes its room folder (relative to the user's home).
ROOM_FOLDER = ".datasharing-workshop-room"
DEFAULT_GROUP = "facilitators"
#: JupyterHub group names: letters, digits, and - _ . (kept simple so they quote safely).
_GROUP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
CULLER = "datasharing-idle-culler"


@dataclass(frozen=True)
class HubSettings:
    """What the printed configuration needs, already checked."""

    title: str
    workshop_id: str
    groups: tuple[str, ...]
    workshop_file: str  # workshop.yml as the users' servers see it
    store_url: str
    facilitator_group: str
    cull_minutes: int

    @property
    def command(self) -> list[str]:
        return [
            "datasharing-workshop",
            "serve",
            "--hub",
            "--config",
            self.workshop_file,
            "--output",
            ROOM_FOLDER,
            "--cull-after",
            str(self.cull_minutes),
        ]


def hub_settings(
    config: Path,
    *,
    store: str | None = None,
    facilitator_group: str = DEFAULT_GROUP,
    cull_minutes: int = 30,
    workshop_file: str | None = None,
) -> HubSettings:
    """Read workshop.yml and check the options.

    Raises
    ------
    InputError, ContentError, StoreError
        A missing or bad workshop.yml, a store that is not a PostgreSQL URL, a group name
        JupyterHub cannot have, a cull time out of range.
    """
    from ..content.yaml_source import read_yaml
    from ..handouts.config import load_workshop
    from ..store import is_store_url, resolve_store_path

    if not config.exists():
        raise InputError(f"{config}: no workshop config here; pass --config FILE")
    if not _GROUP_NAME.match(facilitator_group):
        raise InputError(
            "--facilitator-group must be a JupyterHub group name (letters, digits, - _ .), "
            f"got {facilitator_group!r}"
        )
    if not 1 <= cull_minutes <= 24 * 60:
        raise InputError(f"--cull-after must be between 1 and 1440 minutes, got {cull_minutes}")
    workshop = load_workshop(config)
    written = workshop.config.store_path
    if written and not is_store_url(written):
        doc = read_yaml(config)
        raise ContentError(
            [
                doc.problem(
                    ("store_path",),
                    "a hub's servers each have their own disk, so they cannot share one "
                    f"SQLite file ({written!r}); leave store_path out (hub-config passes "
                    "--store to every server) or write a postgresql:// URL",
                )
            ]
        )
    if written and store and str(resolve_store_path(store)) != str(workshop.store_path):
        raise InputError(
            f"--store differs from store_path in {config} ({workshop.store_path}); the "
            "workshop config decides the store: drop --store or change store_path"
        )
    chosen = written or store or os.environ.get("DATASHARING_WORKSHOP_STORE", "")
    if not chosen or not is_store_url(chosen):
        raise InputError(
            "the hub route needs a PostgreSQL answer store every server can reach: pass "
            "--store postgresql://USER@HOST:5432/DATABASE (the password goes in PGPASSWORD "
            "on the hub, never in the URL)"
        )
    url = resolve_store_path(chosen)  # refuses a password in the URL, hiding it
    return HubSettings(
        title=workshop.config.title,
        workshop_id=workshop.config.workshop_id,
        groups=tuple(g.name for g in workshop.config.groups),
        workshop_file=workshop_file or str(config.resolve()),
        store_url=str(url),
        facilitator_group=facilitator_group,
        cull_minutes=cull_minutes,
    )


def _header(s: HubSettings, kind: str, lines: list[str]) -> list[str]:
    groups = ", ".join(s.groups)
    return [
        f"# datasharing-workshop hub-config --{kind}",
        f"# Workshop: {s.title} ({s.workshop_id}); groups: {groups}",
        f"# Every user's server reads {s.workshop_file}; the kit (pip install",
        "# 'datasharing-workshop[hub]') and that workshop folder must be on the users' servers.",
        *lines,
    ]


def _role_function(s: HubSettings, spawner_class: str) -> list[str]:
    return [
        f"DATASHARING_FACILITATOR_GROUP = {json.dumps(s.facilitator_group)}",
        "",
        "",
        "def datasharing_workshop_role(spawner):",
        '    """facilitator for JupyterHub admins and the named group, else participant."""',
        "    user = spawner.user",
        "    groups = {group.name for group in user.groups}",
        "    if user.admin or DATASHARING_FACILITATOR_GROUP in groups:",
        '        return "facilitator"',
        '    return "participant"',
        "",
        "",
        "# A callable in Spawner.environment is called with each user's spawner.",
        f'c.{spawner_class}.environment.update({{"DATASHARING_WORKSHOP_ROLE": '
        "datasharing_workshop_role})",
    ]


def tljh_config(s: HubSettings) -> str:
    """A ``jupyterhub_config.d`` file (Python) for The Littlest JupyterHub."""
    culler = (
        '[sys.executable, "-m", "jupyterhub_idle_culler", '
        f'"--timeout={s.cull_minutes * 60}", "--cull-every=60"]'
    )
    lines = _header(
        s,
        "tljh",
        [
            "# Save as /opt/tljh/config/jupyterhub_config.d/datasharing_workshop.py, then run",
            "#   sudo tljh-config reload hub",
            "# Facilitators: JupyterHub admins, and members of the group named below",
            "# (Admin page > Groups). Everybody else is a participant.",
            "import os",
            "import sys",
            "",
            f"c.Spawner.cmd = {json.dumps(s.command)}",
            "c.Spawner.args = []",
            'c.Spawner.default_url = "/room/"',
            "# The answer store every server writes to; its password, when it needs one, comes",
            "# from PGPASSWORD in the hub's own environment (or a ~/.pgpass file), never a URL.",
            "c.Spawner.environment.update(",
            f'    {{"DATASHARING_WORKSHOP_STORE": {json.dumps(s.store_url)}}}',
            ")",
            'if os.environ.get("PGPASSWORD"):',
            '    c.Spawner.environment.update({"PGPASSWORD": os.environ["PGPASSWORD"]})',
            *_role_function(s, "Spawner"),
            "",
            f"# Stop servers idle for {s.cull_minutes} minutes (answers stay in the store);",
            "# jupyterhub-idle-culler must be installed beside JupyterHub (TLJH has it).",
            "c.JupyterHub.load_roles.append(",
            "    {",
            f'        "name": "{CULLER}",',
            '        "scopes": ["list:users", "read:users:activity", "read:servers", '
            '"delete:servers"],',
            f'        "services": ["{CULLER}"],',
            "    }",
            ")",
            f'c.JupyterHub.services.append({{"name": "{CULLER}", "command": {culler}}})',
        ],
    )
    return "\n".join(lines) + "\n"


def z2jh_config(s: HubSettings) -> str:
    """A Helm values file for Zero to JupyterHub."""
    role = "\n".join(("      " + line) if line else "" for line in _role_function(s, "KubeSpawner"))
    lines = _header(
        s,
        "z2jh",
        [
            "# Merge into your values file, then: helm upgrade --install ... --values this.yaml",
            "# The single-user image must have the kit and the workshop folder installed;",
            "# the PostgreSQL password is read from the Kubernetes secret named below.",
            "singleuser:",
            f"  cmd: {json.dumps(s.command)}",
            "  defaultUrl: /room/",
            "  extraEnv:",
            f"    DATASHARING_WORKSHOP_STORE: {json.dumps(s.store_url)}",
            "    PGPASSWORD:",
            "      valueFrom:",
            "        secretKeyRef:",
            "          name: datasharing-workshop-store",
            "          key: password",
            "hub:",
            "  extraConfig:",
            "    datasharing-workshop: |",
            role,
            "cull:",
            "  enabled: true",
            f"  timeout: {s.cull_minutes * 60}",
            "  every: 60",
        ],
    )
    return "\n".join(lines) + "\n"


def hub_config_text(kind: str, settings: HubSettings) -> str:
    if kind == "z2jh":
        return z2jh_config(settings)
    return tljh_config(settings)


__all__ = ["KINDS", "HubSettings", "hub_config_text", "hub_settings", "tljh_config", "z2jh_config"]
