"""Who may reach what in the room, through Jupyter Server's own extension points.

* :class:`RoomIdentityProvider` accepts the participant code and the facilitator code as
  Jupyter Server tokens (``?token=...`` in a link, or typed on the join page) and names the
  role in the user it returns. The signed login cookie keeps the role for later requests.
* :class:`RoomAuthorizer` lets a facilitator reach everything the server has, and a
  participant only their own page's kernel connection: never the console, the contents
  API, ``/files``, ``/tree``, ``/lab``, kernel listings, sessions, terminals or nbconvert.

Voilà's own pages call no authorizer; the room's extension answers those routes itself
(see :mod:`.handlers`).

On a JupyterHub (``serve --hub``, started by the hub's spawner) the hub's own identity
provider (``jupyterhub.singleuser.extension.JupyterHubIdentityProvider``) authenticates,
and there are no join codes. Each user's server then takes its role from
``$DATASHARING_WORKSHOP_ROLE``, which the hub's configuration (``hub-config``) sets per user
from ``spawner.user.admin`` and group membership; anything but ``facilitator`` there means
participant. :class:`RoomHubAuthorizer` checks the hub's access scopes first, as
JupyterHub's own authorizer does, then applies the same rules as :class:`RoomAuthorizer`.
"""

from __future__ import annotations

import hmac
import os
import re
import uuid

from jupyter_server.auth import Authorizer, IdentityProvider, User
from traitlets import Unicode, default

PARTICIPANT, FACILITATOR = "participant", "facilitator"
ROLES = (PARTICIPANT, FACILITATOR)
#: On a hub: the role the spawner gives this user's server (``hub-config`` sets it).
ROLE_ENV = "DATASHARING_WORKSHOP_ROLE"
#: The room's own resource names (for ``@authorized`` handlers of the extension).
CONSOLE_RESOURCE = "room-console"
PAGES_RESOURCE = "room-pages"

#: The only kernel URLs a participant's page uses: its websocket, and reading its kernel.
_KERNEL_CHANNELS = re.compile(r"/api/kernels/[0-9a-f-]{36}/channels$")
_ONE_KERNEL = re.compile(r"/api/kernels/[0-9a-f-]{36}$")


def hub_role() -> str:
    """This server's role on a hub: ``facilitator`` only when the spawner said so."""
    return FACILITATOR if os.environ.get(ROLE_ENV, "").strip() == FACILITATOR else PARTICIPANT


def role_of(user: User | None) -> str | None:
    """``"participant"``, ``"facilitator"``, or None for anybody else."""
    if user is None:
        return None
    if hasattr(user, "hub_user"):  # authenticated by JupyterHub (``serve --hub``)
        return hub_role()
    role = user.username.split("-", 1)[0]
    return role if role in ROLES else None


class RoomIdentityProvider(IdentityProvider):
    """The two join codes as tokens; the user's name carries the role."""

    participant_code = Unicode("", help="code participants join with").tag(config=True)
    facilitator_code = Unicode("", help="code facilitators and observers join with").tag(
        config=True
    )

    @default("token")
    def _token_default(self) -> str:
        # Jupyter Server treats a server with a token as one that requires a login.
        self.token_generated = False
        return self.facilitator_code

    @default("login_handler_class")
    def _default_login_handler_class(self):
        from .handlers import JoinHandler

        return JoinHandler

    @property
    def auth_enabled(self) -> bool:
        return True

    @property
    def login_available(self) -> bool:
        return True

    def role_for_code(self, code: str | None) -> str | None:
        """The role a typed or linked code gives, or None for a wrong code."""
        if not code:
            return None
        given = code.strip().encode()
        for role, expected in (
            (FACILITATOR, self.facilitator_code),
            (PARTICIPANT, self.participant_code),
        ):
            if expected and hmac.compare_digest(given, expected.encode()):
                return role
        return None

    def _user(self, handler, role: str) -> User:
        cookie_user = self.get_user_cookie(handler)
        if isinstance(cookie_user, User) and role_of(cookie_user) == role:
            return cookie_user
        name = role.title()
        return User(f"{role}-{uuid.uuid4().hex}", name, name, name[0], None, None)

    async def get_user_token(self, handler) -> User | None:
        role = self.role_for_code(self.get_token(handler))
        return self._user(handler, role) if role else None

    def process_login_form(self, handler) -> User | None:
        role = self.role_for_code(handler.get_argument("password", default=""))
        return self._user(handler, role) if role else None

    def validate_security(self, app, ssl_options=None) -> None:
        if not (self.participant_code and self.facilitator_code):
            raise SystemExit("the room needs a participant code and a facilitator code")
        if self.participant_code == self.facilitator_code:
            raise SystemExit("the participant code and the facilitator code must differ")


class RoomAuthorizer(Authorizer):
    """Facilitators may do anything; participants only use their own page's kernel."""

    def is_authorized(self, handler, user: User, action: str, resource: str) -> bool:
        role = role_of(user)
        if role == FACILITATOR:
            return True
        if role != PARTICIPANT:
            return False
        if resource == PAGES_RESOURCE:
            return True
        if resource == "kernels":
            path = handler.request.path
            if _KERNEL_CHANNELS.search(path):
                return True
            return action == "read" and bool(_ONE_KERNEL.search(path))
        allowed = resource in ("kernelspecs", "config") and action == "read"
        if not allowed:
            handler.log.info("Refused a participant: %s %s", action, handler.request.path)
        return allowed


class RoomHubAuthorizer(RoomAuthorizer):
    """On a hub: JupyterHub's access check first, then the room's rules for the role."""

    def is_authorized(self, handler, user: User, action: str, resource: str) -> bool:
        hub_user = getattr(user, "hub_user", None)
        if hub_user is None:
            return False
        hub_auth = self.identity_provider.hub_auth
        if not hub_auth.check_scopes(hub_auth.oauth_scopes, hub_user):
            return False
        return super().is_authorized(handler, user, action, resource)
