"""Where the store is: URLs versus paths, and SQLite refused on network filesystems."""

from __future__ import annotations

from pathlib import Path

import pytest

from datasharing_workshop.errors import StoreError
from datasharing_workshop.store import (
    AnswerStore,
    StoreURL,
    is_store_url,
    location,
    resolve_store_path,
)

MOUNTINFO = """\
22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
30 22 0:25 / /srv/share rw,relatime shared:2 - nfs4 fileserver:/export rw,vers=4.2
31 22 0:26 / /mnt/agency\\040drive rw,relatime shared:3 - cifs //agency/share rw
32 30 0:27 / /srv/share/local rw,relatime shared:4 - tmpfs tmpfs rw
"""


@pytest.mark.parametrize(
    ("path", "fs_type"),
    [
        ("/home/pat/answers.sqlite", "ext4"),
        ("/srv/share/answers.sqlite", "nfs4"),
        ("/srv/share/room/day1/answers.sqlite", "nfs4"),
        ("/mnt/agency drive/answers.sqlite", "cifs"),
        ("/srv/share/local/answers.sqlite", "tmpfs"),
        ("/srv/shared.sqlite", "ext4"),
    ],
)
def test_filesystem_type_is_the_innermost_mount(path, fs_type):
    assert location.filesystem_type(Path(path), MOUNTINFO) == fs_type


@pytest.mark.parametrize("path", ["/srv/share/answers.sqlite", "/mnt/agency drive/a.sqlite"])
def test_sqlite_on_a_network_filesystem_is_refused_with_a_pointer_to_postgresql(path):
    with pytest.raises(StoreError) as caught:
        location.refuse_network_filesystem(Path(path), MOUNTINFO)
    message = str(caught.value)
    assert f"the answer store {path} is on a network filesystem" in message
    assert "postgresql://USER@HOST:5432/DATABASE" in message


def test_the_store_refuses_a_network_folder_before_creating_anything(tmp_path, monkeypatch):
    # The kit reads /proc/self/mountinfo; here it reads one that puts tmp_path on NFS.
    fake = tmp_path / "mountinfo"
    fake.write_text(
        f"22 1 0:21 / / rw - ext4 /dev/sda1 rw\n30 22 0:25 / {tmp_path} rw - nfs nas:/x rw\n"
    )
    monkeypatch.setattr(location, "MOUNTINFO", fake)
    target = tmp_path / "room" / "answers.sqlite"
    with pytest.raises(StoreError, match="on a network filesystem \\(nfs\\)"):
        AnswerStore(target).count_answers()
    assert not target.parent.exists()


def test_this_machines_temporary_folder_is_not_refused(tmp_path):
    assert location.filesystem_type(tmp_path) is not None
    location.refuse_network_filesystem(tmp_path)
    with AnswerStore(tmp_path / "a.sqlite") as store:
        assert store.count_answers() == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("postgresql://kit@db:5432/workshop", True),
        ("postgres://kit@db/workshop", True),
        ("  PostgreSQL://kit@db/workshop", True),
        ("answers.sqlite", False),
        ("/tmp/postgresql/answers.sqlite", False),
        ("sqlite:///answers.sqlite", False),
        (Path("postgresql:/x"), False),
    ],
)
def test_is_store_url(value, expected):
    assert is_store_url(value) is expected


def test_store_url_parts(monkeypatch):
    url = resolve_store_path("postgresql://kit@db.example:6543/ws")
    assert isinstance(url, StoreURL)
    assert str(url) == "postgresql://kit@db.example:6543/ws"
    assert url.absolute() is url and url.expanduser() is url and url.exists()
    assert (url.server, url.database, url.user) == ("db.example:6543", "ws", "kit")


def test_a_malformed_url_is_refused():
    with pytest.raises(StoreError, match="is not a valid URL"):
        resolve_store_path("postgresql://kit@db:notaport/ws")


def test_a_password_in_workshop_yml_store_path_names_the_file_line_and_field(tmp_path):
    from datasharing_workshop.errors import ContentError
    from datasharing_workshop.handouts.config import load_workshop

    (tmp_path / "notebooks").mkdir()
    config = tmp_path / "workshop.yml"
    config.write_text(
        "workshop_id: ct-2026-11\ntitle: T\ndate: 2026-11-05\nhost_agency: OPM\n"
        "facilitators: [A]\ngroups: [Group A]\njurisdiction: ct\n"
        "store_path: postgresql://kit:s3cret@db.example:5432/workshop\n"
    )
    with pytest.raises(ContentError) as caught:
        load_workshop(config)
    message = str(caught.value)
    assert "workshop.yml:8: store_path:" in message
    assert "contains a password" in message
    assert "s3cret" not in message


def test_a_url_in_workshop_yml_is_the_store_as_written(tmp_path):
    from datasharing_workshop.handouts.config import load_workshop

    (tmp_path / "notebooks").mkdir()
    config = tmp_path / "workshop.yml"
    config.write_text(
        "workshop_id: ct-2026-11\ntitle: T\ndate: 2026-11-05\nhost_agency: OPM\n"
        "facilitators: [A]\ngroups: [Group A]\njurisdiction: ct\n"
        "store_path: postgresql://kit@db.example:5432/workshop\n"
    )
    assert load_workshop(config).store_path == StoreURL("postgresql://kit@db.example:5432/workshop")
