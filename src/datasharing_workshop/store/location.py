"""Where the answer store is: a local SQLite file, or a PostgreSQL database named by URL.

Wherever the kit accepts a store path (workshop.yml's ``store_path``, ``--store``,
``$DATASHARING_WORKSHOP_STORE``, a notebook's ``store_path`` parameter), a
``postgresql://user@host:5432/dbname`` URL chooses the PostgreSQL backend instead. The
password never appears in the URL: PostgreSQL's own ``PGPASSWORD`` or ``~/.pgpass``
supply it, so no message, log or workshop.yml can show it.

This module also refuses SQLite files on network filesystems (NFS, SMB/CIFS and the
like): SQLite's locking is unreliable there and its write-ahead log does not work at all.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from ..errors import StoreError

#: Environment variable naming the store when a notebook does not pass ``store_path``.
ENV_VAR = "DATASHARING_WORKSHOP_STORE"

URL_SCHEMES = ("postgresql", "postgres")

#: Where Linux lists the mounted filesystems and their types.
MOUNTINFO = Path("/proc/self/mountinfo")

#: Filesystem types (as Linux names them in /proc/self/mountinfo) on which several
#: machines share files over the network, where SQLite must not be used.
NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb",
        "smb2",
        "smb3",
        "smbfs",
        "ncpfs",
        "afs",
        "ceph",
        "glusterfs",
        "fuse.glusterfs",
        "fuse.sshfs",
        "sshfs",
        "fuse.cephfs",
        "lustre",
        "gpfs",
        "beegfs",
        "9p",
        "davfs",
        "fuse.davfs2",
        "fuse.s3fs",
        "fuse.gcsfuse",
        "fuse.rclone",
        "fuse.juicefs",
        "efs",
    }
)


#: PostgreSQL stores this process has seen exist (they are never removed by the kit).
_SEEN_STORES: set[str] = set()


@dataclass(frozen=True)
class StoreURL:
    """A PostgreSQL answer store, named by a ``postgresql://`` URL without a password.

    It stands where a store :class:`~pathlib.Path` would: ``str()`` gives the URL back,
    and ``absolute()``/``expanduser()``/``exists()`` let code written for files pass it
    along unchanged.
    """

    url: str

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"StoreURL({self.url!r})"

    def absolute(self) -> StoreURL:
        return self

    def expanduser(self) -> StoreURL:
        return self

    def exists(self) -> bool:
        """Whether the database holds a kit store yet (as ``Path.exists()`` says for a file).

        A database that cannot be reached counts as existing, so that opening it reports
        why; once a store is seen it is remembered for the rest of the process.
        """
        if self.url in _SEEN_STORES:
            return True
        from .postgresql import holds_store

        found = holds_store(self)
        if found:
            _SEEN_STORES.add(self.url)
        return found

    @property
    def database(self) -> str:
        """The database name (``""`` when the URL leaves it to PostgreSQL's defaults)."""
        return unquote(urlsplit(self.url).path.lstrip("/"))

    @property
    def server(self) -> str:
        """``host:port`` as written in the URL (PostgreSQL's defaults when left out)."""
        parts = urlsplit(self.url)
        host = parts.hostname or os.environ.get("PGHOST", "localhost")
        try:
            port = parts.port or int(os.environ.get("PGPORT", "5432"))
        except ValueError:
            port = parts.netloc.rsplit(":", 1)[-1]
        return f"{host}:{port}"

    @property
    def user(self) -> str:
        parts = urlsplit(self.url)
        return unquote(parts.username or "") or os.environ.get("PGUSER", "")


def is_store_url(value: object) -> bool:
    """Whether ``value`` names a PostgreSQL store (a ``postgresql://`` URL)."""
    if isinstance(value, StoreURL):
        return True
    if isinstance(value, os.PathLike) or not isinstance(value, str):
        return False
    scheme, sep, _ = value.strip().partition("://")
    return bool(sep) and scheme.lower() in URL_SCHEMES


def store_url(value: str) -> StoreURL:
    """Check a ``postgresql://`` URL and return it as a :class:`StoreURL`.

    Raises
    ------
    StoreError
        The URL carries a password, or cannot be read as a URL.
    """
    text = value.strip()
    try:
        parts = urlsplit(text)
        _ = parts.port
    except ValueError as exc:
        raise StoreError(
            f"the answer store URL {_without_password(text)} is not a valid URL ({exc}); "
            "write it as postgresql://USER@HOST:PORT/DATABASE"
        ) from None
    query = {name.lower() for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    if parts.password is not None or "password" in query:
        raise StoreError(
            f"the answer store URL {_without_password(text)} contains a password; remove "
            "it and put the password in the PGPASSWORD environment variable or in "
            "~/.pgpass instead, so that it never shows in workshop.yml, messages or logs"
        )
    return StoreURL(text)


def _without_password(text: str) -> str:
    scheme, sep, rest = text.partition("://")
    if not sep:
        return "(the URL given)"
    netloc, slash, tail = rest.partition("/")
    userinfo, at, hostport = netloc.rpartition("@")
    if at:
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:***@{hostport}" if ":" in userinfo else f"{user}@{hostport}"
    tail = re.sub(r"(?i)([?&]password=)[^&#]*", r"\1***", tail)
    return f"{scheme}{sep}{netloc}{slash}{tail}"


def resolve_store_path(
    explicit: str | os.PathLike[str] | None = None, *, from_config: bool = True
) -> Path | StoreURL:
    """Return the answer store to use: a file :class:`~pathlib.Path` or a :class:`StoreURL`.

    Parameters
    ----------
    explicit
        A path or ``postgresql://`` URL chosen by the caller, usually the notebook
        parameter ``store_path``. Used when given and not blank.
    from_config
        Whether to look for the workshop config's ``store_path`` (False for the config's
        own loader, which has just found it blank).

    Returns
    -------
    pathlib.Path or StoreURL
        ``explicit`` if given, else the ``store_path`` of the workshop config
        (``$DATASHARING_WORKSHOP_CONFIG``, else the nearest ``workshop.yml``), else the
        ``DATASHARING_WORKSHOP_STORE`` environment variable if set and not blank, else
        ``answers.sqlite`` in the user data folder
        (``platformdirs.user_data_path("datasharing-workshop")``). ``~`` is expanded in
        paths.

    Raises
    ------
    StoreError
        A URL carries a password or is malformed.
    """
    if isinstance(explicit, StoreURL):
        return explicit
    # Papermill passes "" for an unset parameter, so blank means "not given".
    if explicit is not None and os.fspath(explicit).strip():
        chosen = os.fspath(explicit)
    else:
        # One store for the whole workshop: the one workshop.yml names, as build and serve
        # read it, before any default.
        from ..content.workshop_name import configured_store_path

        chosen = (configured_store_path() if from_config else "") or os.environ.get(ENV_VAR, "")
    if chosen.strip():
        if is_store_url(chosen):
            return store_url(chosen)
        return Path(chosen).expanduser()
    import platformdirs  # only needed for the default; keeps `import store` light

    return platformdirs.user_data_path("datasharing-workshop") / "answers.sqlite"


# --------------------------------------------------------------------------- network disks


def filesystem_type(path: Path, mountinfo: str | None = None) -> str | None:
    """Return the filesystem type holding ``path`` (Linux), or ``None`` if unknown.

    Parameters
    ----------
    path
        A file or folder; need not exist.
    mountinfo
        The text of ``/proc/self/mountinfo``; read from the system when ``None``.
    """
    if mountinfo is None:
        if not sys.platform.startswith("linux"):
            return None
        try:
            mountinfo = MOUNTINFO.read_text(encoding="utf-8")
        except OSError:
            return None
    target = Path(os.path.realpath(path))  # symbolic links resolved as far as they exist
    best: tuple[int, str] | None = None
    for line in mountinfo.splitlines():
        # "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"
        before, sep, after = line.partition(" - ")
        fields = before.split()
        if not sep or len(fields) < 5 or not after.split():
            continue
        mount_point = _unescape_mount(fields[4])
        fs_type = after.split()[0]
        if target == Path(mount_point) or Path(mount_point) in target.parents:
            depth = len(Path(mount_point).parts)
            if best is None or depth >= best[0]:
                best = (depth, fs_type)
    return best[1] if best else None


def _unescape_mount(text: str) -> str:
    # mountinfo writes space, tab, newline and backslash as octal escapes.
    for escaped, plain in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        text = text.replace(escaped, plain)
    return text


def refuse_network_filesystem(path: Path, mountinfo: str | None = None) -> None:
    """Raise :class:`StoreError` when ``path`` is on a network filesystem.

    Raises
    ------
    StoreError
        The filesystem is NFS, SMB/CIFS or another shared network filesystem.
    """
    fs_type = filesystem_type(path, mountinfo)
    if fs_type is None:
        return
    if fs_type.lower() in NETWORK_FILESYSTEMS or fs_type.lower().startswith(("nfs", "smb")):
        raise StoreError(
            f"the answer store {path} is on a network filesystem ({fs_type}), where SQLite "
            "cannot lock the file reliably and answers could be lost. Keep the SQLite "
            "store on a local disk of the one machine that serves the room, or, when "
            "several machines share one store (a JupyterHub), use a PostgreSQL database: "
            f"set the store to a URL such as postgresql://USER@HOST:5432/DATABASE "
            f"(in workshop.yml, --store or {ENV_VAR})."
        )
