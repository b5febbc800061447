"""``hub-config`` and the room's hub mode, without a hub (the real one is in
tests/browser/test_hub_browser.py): what the printed configuration does, bad input, and who
may reach what when JupyterHub authenticates."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from helpers.room_server import FakeHandler

from datasharing_workshop.cli import main
from datasharing_workshop.room.auth import ROLE_ENV, RoomHubAuthorizer, hub_role, role_of

REPO = Path(__file__).resolve().parents[1]
STORE = "postgresql://workshop@db.example.gov:5432/workshop"


def config(tmp_path: Path, store_path: str | None = None) -> Path:
    path = tmp_path / "workshop.yml"
    lines = [
        "workshop_id: hub-unit",
        "title: Hub unit workshop",
        "date: 2026-03-14",
        "host_agency: Office of Policy and Management",
        "facilitators: [Alex Example]",
        "groups:",
        "  - Group A",
        "  - Group B",
        "jurisdiction: ct",
        f"notebook_folder: {REPO / 'notebooks'}",
    ]
    if store_path is not None:
        lines.append(f"store_path: {store_path}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def printed(capsys, *args: str) -> str:
    assert main(["hub-config", *args]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def spawner(*, admin=False, groups=()):
    user = SimpleNamespace(admin=admin, groups=[SimpleNamespace(name=g) for g in groups])
    return SimpleNamespace(user=user)


def run_tljh(text: str):
    from traitlets.config import Config

    c = Config()
    exec(compile(text, "hub-config.py", "exec"), {"c": c})
    return c


def test_tljh_config_lands_everyone_on_the_room_with_the_store_and_roles(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("PGPASSWORD", "secret-on-the-hub")
    text = printed(capsys, "--config", str(config(tmp_path)), "--store", STORE)
    assert "Hub unit workshop (hub-unit)" in text and "Group A, Group B" in text
    c = run_tljh(text)
    assert c.Spawner.cmd[:3] == ["datasharing-workshop", "serve", "--hub"]
    assert c.Spawner.cmd[c.Spawner.cmd.index("--config") + 1] == str(tmp_path / "workshop.yml")
    assert c.Spawner.default_url == "/room/"
    env = c.Spawner.environment.get_value({})
    assert env["DATASHARING_WORKSHOP_STORE"] == STORE
    assert env["PGPASSWORD"] == "secret-on-the-hub"  # from the hub's environment, not printed
    assert "secret-on-the-hub" not in text
    role = env[ROLE_ENV]
    assert role(spawner(admin=True)) == "facilitator"
    assert role(spawner(groups=["facilitators"])) == "facilitator"
    assert role(spawner(groups=["Group A"])) == "participant"
    assert role(spawner()) == "participant"
    services = c.JupyterHub.services.get_value([])
    (culler,) = [s for s in services if s["name"] == "datasharing-idle-culler"]
    assert culler["command"][1:3] == ["-m", "jupyterhub_idle_culler"]
    assert "--timeout=1800" in culler["command"]
    roles = c.JupyterHub.load_roles.get_value([])
    assert roles[0]["services"] == ["datasharing-idle-culler"]
    assert "delete:servers" in roles[0]["scopes"]


def test_z2jh_values_carry_the_same_settings(tmp_path, capsys):
    text = printed(
        capsys,
        "--z2jh",
        "--config",
        str(config(tmp_path, STORE)),
        "--facilitator-group",
        "trainers",
        "--cull-after",
        "45",
        "--workshop-path",
        "/srv/workshop/workshop.yml",
    )
    values = yaml.safe_load(text)
    single = values["singleuser"]
    assert single["cmd"][:3] == ["datasharing-workshop", "serve", "--hub"]
    assert single["cmd"][4] == "/srv/workshop/workshop.yml"
    assert single["defaultUrl"] == "/room/"
    assert single["extraEnv"]["DATASHARING_WORKSHOP_STORE"] == STORE
    assert single["extraEnv"]["PGPASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == "password"
    assert values["cull"] == {"enabled": True, "timeout": 2700, "every": 60}
    from traitlets.config import Config

    c = Config()
    exec(values["hub"]["extraConfig"]["datasharing-workshop"], {"c": c})
    role = c.KubeSpawner.environment.get_value({})[ROLE_ENV]
    assert role(spawner(groups=["trainers"])) == "facilitator"
    assert role(spawner(groups=["facilitators"])) == "participant"


@pytest.mark.parametrize(
    ("args", "store_path", "message"),
    [
        ([], None, "needs a PostgreSQL answer store"),
        (["--store", "answers.sqlite"], None, "needs a PostgreSQL answer store"),
        ([], "answers.sqlite", "workshop.yml:11: store_path: a hub's servers"),
        (["--store", "postgresql://other@db/x"], STORE, "--store differs from store_path"),
        (["--store", "postgresql://u:hunter2@db/x"], None, "password"),
        (["--facilitator-group", "bad group!"], None, "--facilitator-group must be"),
        (["--store", STORE, "--cull-after", "0"], None, "--cull-after must be between"),
    ],
)
def test_bad_input_is_named_with_status_2(tmp_path, capsys, monkeypatch, args, store_path, message):
    monkeypatch.delenv("DATASHARING_WORKSHOP_STORE", raising=False)
    path = config(tmp_path, store_path)
    assert main(["hub-config", "--config", str(path), *args]) == 2
    captured = capsys.readouterr()
    assert message in captured.err, captured.err
    assert "Traceback" not in captured.err and "hunter2" not in captured.err
    assert captured.out == ""


def test_a_missing_config_and_two_kinds_are_refused(tmp_path, capsys):
    assert main(["hub-config", "--config", str(tmp_path / "nope.yml"), "--store", STORE]) == 2
    assert "nope.yml: no workshop config here" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["hub-config", "--tljh", "--z2jh"])
    assert exit_info.value.code == 2


def test_serve_hub_runs_only_under_a_hub(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_SERVICE_URL", raising=False)
    path = config(tmp_path, str(tmp_path / "answers.sqlite"))
    args = ["serve", "--hub", "--config", str(path), "--output", str(tmp_path / "room")]
    assert main(args) == 2
    assert "only when JupyterHub starts it" in capsys.readouterr().err
    assert main([*args, "--participant-code", "tables2026"]) == 2
    assert "--hub takes no join codes" in capsys.readouterr().err


def test_a_facilitators_hub_room_holds_the_full_notebooks_a_participants_none(
    tmp_path, monkeypatch
):
    from datasharing_workshop.room.serve import RoomOptions, prepare_room

    path = config(tmp_path, str(tmp_path / "answers.sqlite"))
    monkeypatch.setenv(ROLE_ENV, "facilitator")
    room = prepare_room(RoomOptions(config=path, output=tmp_path / "room", hub=True))
    full = tmp_path / "room" / "pages" / "facilitator"
    assert room.hub_role == "facilitator"
    assert room.settings.pool_size == 0  # one person's server: no kernels started ahead
    (report_back,) = (REPO / "notebooks").glob("*_report_back.ipynb")
    assert (full / report_back.name).exists()
    # The same folder prepared again for a participant: the full notebooks are gone.
    monkeypatch.setenv(ROLE_ENV, "participant")
    room = prepare_room(RoomOptions(config=path, output=tmp_path / "room", hub=True))
    assert room.hub_role == "participant" and not full.exists()
    assert not list((tmp_path / "room").rglob(report_back.name))


class _HubAuth:
    oauth_scopes = frozenset({"access:servers!server=ana/"})

    def check_scopes(self, required, hub_user):
        return required & set(hub_user["scopes"])


def hub_user(name: str, scopes: list[str]):
    from jupyter_server.auth import User

    user = User(name)
    user.hub_user = {"name": name, "scopes": scopes}
    return user


@pytest.mark.parametrize("env_role", ["participant", "", "admin", None])
def test_on_a_hub_anything_but_facilitator_is_a_participant(monkeypatch, env_role):
    if env_role is None:
        monkeypatch.delenv(ROLE_ENV, raising=False)
    else:
        monkeypatch.setenv(ROLE_ENV, env_role)
    assert hub_role() == "participant"
    assert role_of(hub_user("facilitator-sam", [])) == "participant"  # never from the name


@pytest.mark.parametrize(
    ("path", "action", "resource", "participant_may"),
    [
        ("/user/ana/api/contents", "read", "contents", False),
        ("/user/ana/files/x.ipynb", "read", "contents", False),
        ("/user/ana/api/kernels", "read", "kernels", False),
        ("/user/ana/api/sessions", "read", "sessions", False),
        ("/user/ana/room/console", "read", "room-console", False),
        ("/user/ana/room/", "read", "room-pages", True),
        (
            "/user/ana/api/kernels/0b0a3c59-4b70-4a8e-9d4e-3a0f3b3c1f10/channels",
            "x",
            "kernels",
            True,
        ),
    ],
)
def test_hub_authorizer_checks_hub_scopes_then_the_role(
    monkeypatch, path, action, resource, participant_may
):
    authorizer = RoomHubAuthorizer()
    monkeypatch.setattr(
        type(authorizer), "identity_provider", SimpleNamespace(hub_auth=_HubAuth()), raising=False
    )
    owner = hub_user("ana", ["access:servers!server=ana/"])
    other = hub_user("ben", ["access:servers!server=ben/"])
    handler = FakeHandler(path)
    monkeypatch.setenv(ROLE_ENV, "participant")
    assert authorizer.is_authorized(handler, owner, action, resource) is participant_may
    assert authorizer.is_authorized(handler, other, action, resource) is False
    monkeypatch.setenv(ROLE_ENV, "facilitator")
    assert authorizer.is_authorized(handler, owner, action, resource) is True
    assert authorizer.is_authorized(handler, other, action, resource) is False


def test_every_script_request_of_the_room_pages_sends_the_xsrf_token():
    """On a hub, JupyterHub takes its login cookie on a script's fetch() only with the
    X-XSRFToken header; one fetch without it sends the page through OAuth again, which
    renews the token and breaks every other poll of that page."""
    import re

    templates = REPO / "src" / "datasharing_workshop" / "room" / "templates"
    calls = [
        (page.name, call)
        for page in sorted(templates.glob("*.html"))
        for call in re.findall(r"fetch\([^)]*\)", page.read_text(encoding="utf-8"))
    ]
    assert calls, "the room's pages poll the server with fetch()"
    missing = [(name, call) for name, call in calls if '"X-XSRFToken"' not in call]
    assert not missing, missing
