"""The hub route in a real JupyterHub: configured by ``hub-config --tljh``, answers in PostgreSQL.

JupyterHub from PyPI with configurable-http-proxy from npm (tests/hub/setup.sh), the
SimpleLocalProcessSpawner and DummyAuthenticator (one password) on 127.0.0.1, a throwaway
PostgreSQL cluster (Debian's package), and Debian's Chromium driven by Playwright. Two
participants and one facilitator (a member of the ``facilitators`` group) sign in at the
hub's login page. Each participant lands on the room's start page, answers one scenario of
breakout 1 for their group, and both answers are then in PostgreSQL and in the
facilitator's report-back. A participant's direct URLs to JupyterLab, the file list, the
contents API, raw files, kernel listings, the console and the full notebooks are refused,
and nothing answered carries an answer key. Afterwards the hub stops and with it every
process it started (proxy, culler, user servers, kernels).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.browser_answers import answer_key_strings
from helpers.hub_server import PASSWORD, PROXY, hub_env, running_hub, write_hub_config
from helpers.room_server import write_config

pytestmark = pytest.mark.browser

PARTICIPANTS = {"ana": "Group A", "ben": "Group B"}
FACILITATOR = "fay"
WORKSHOP = "hub-test"
#: Spawning a user's server, starting a kernel and running a page on a busy 2-core machine.
PAGE_MS = 300_000
#: The facilitator's report-back notebook (answer keys and all): never a participant's.
(REPORT_BACK,) = (Path(__file__).resolve().parents[2] / "notebooks").glob("*_report_back.ipynb")


def sign_in(context, hub_url: str, name: str):
    page = context.new_page()
    page.set_default_timeout(PAGE_MS)
    page.goto(f"{hub_url}/hub/login")
    page.locator("#username_input").fill(name)
    page.locator("#password_input").fill(PASSWORD)
    page.locator("#login_submit").click()
    # The hub spawns the server, which sends the person to its default URL: the start page.
    page.get_by_role("heading", name="Choose your group").wait_for()
    assert page.url.rstrip("/").endswith(f"/user/{name}/room"), page.url
    return page


def hub_config_snippet(config, store_url: str) -> str:
    done = subprocess.run(
        [
            *(sys.executable, "-m", "datasharing_workshop", "hub-config", "--tljh"),
            *("--config", str(config), "--store", store_url),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_hub_room_two_participants_one_facilitator(
    browser, tmp_path, postgresql_cluster, postgresql_store
):
    if not PROXY.exists():
        reason = "configurable-http-proxy is not installed: run bash tests/hub/setup.sh"
        if os.environ.get("CI"):  # CI must never pass by skipping
            pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
        pytest.skip(reason)
    import pg_cluster

    from datasharing_workshop.store import AnswerStore, resolve_store_path

    home = tmp_path
    config = write_config(
        home, workshop_id=WORKSHOP, groups=list(PARTICIPANTS.values()), store=home / "unused"
    )
    # On a hub the store is not in workshop.yml: hub-config hands every server its URL.
    lines = config.read_text(encoding="utf-8").splitlines()
    config.write_text("\n".join(x for x in lines if not x.startswith("store_path:")) + "\n")
    snippet = hub_config_snippet(config, postgresql_store)
    assert "DATASHARING_WORKSHOP_ROLE" in snippet
    hub_config, port = write_hub_config(home, snippet, facilitators=[FACILITATOR])
    secrets = answer_key_strings()
    with running_hub(home, hub_config, port, hub_env(pg_cluster.PASSWORD)) as hub:
        # The facilitator first, so a participant's try at the facilitator's running server
        # below meets a server that is there.
        facilitator = browser.new_context()
        fac_page = sign_in(facilitator, hub.url, FACILITATOR)
        fac_page.get_by_role("link", name="Facilitator console").click()
        # The console stays open, never reloaded: its grid polls the server by script.
        fac_page.get_by_role("heading", name="Where each group stands").wait_for()
        for name, group in PARTICIPANTS.items():
            context = browser.new_context()
            try:
                page = sign_in(context, hub.url, name)
                assert "Facilitator console" not in page.content()
                page.get_by_role("link", name=group, exact=True).click()
                page.get_by_role("heading", name=f"{group}: today's pages").wait_for()
                with page.expect_navigation(wait_until="commit"):
                    page.get_by_role("link", name="Breakout 1").click()
                box = page.locator(".dsw-exercise").first
                check = box.get_by_role("button", name="Check")
                check.wait_for()
                assert group in page.locator(".dsw-room-group").inner_text()
                for select in box.locator("select").all():
                    if select.locator("option").count() > 1:
                        select.select_option(index=1)
                check.click()
                box.get_by_text(f"✔ Saved for {group}").wait_for()
                page.close()
                _participant_is_refused(context, hub.url, name, secrets, home)
            finally:
                context.close()

        # Both answers are in PostgreSQL, under their groups.
        with AnswerStore(resolve_store_path(postgresql_store), create=False) as store:
            saved = store.answers(WORKSHOP)
        assert sorted(r.group for r in saved) == sorted(PARTICIPANTS.values())
        assert {r.exercise for r in saved} == {"classify_data"}

        # The facilitator's report-back shows both groups; the full notebooks are theirs.
        try:
            fac_page.wait_for_function(
                "document.getElementById('attempts').textContent.trim() === '2'"
            )
            base = f"{hub.url}/user/{FACILITATOR}"
            fac_page.goto(f"{base}/room/report")
            for group in PARTICIPANTS.values():
                header = fac_page.get_by_role("rowheader", name=group)
                fac_page.locator("tr").filter(has=header).filter(has_text="of 1 right").wait_for()
            listing = facilitator.request.get(f"{base}/api/contents/facilitator")
            assert listing.status == 200, listing.status
            names = {item["name"] for item in listing.json()["content"]}
            assert REPORT_BACK.name in names and "03_classify_data.ipynb" in names
        finally:
            facilitator.close()
    log = (home / "jupyterhub.log").read_text(errors="replace")
    assert "Traceback" not in log, log[-4000:]


def _participant_is_refused(context, hub_url: str, name: str, secrets: list[str], home) -> None:
    """Every way to a notebook's code or answer key, tried by URL, is refused."""
    base = f"{hub_url}/user/{name}"
    refused = [
        "/lab",
        "/lab/tree/03_classify_data.ipynb",
        "/tree",
        "/api/contents",
        "/api/contents/03_classify_data.ipynb",
        "/files/03_classify_data.ipynb",
        "/api/kernels",
        "/api/sessions",
        "/room/console",
        "/room/report",
        f"/voila/render/{REPORT_BACK.name}",
        f"/voila/render/facilitator/{REPORT_BACK.name}",
        "/voila/tree",
        f"/../{FACILITATOR}/room/",  # another user's server (the facilitator's)
    ]
    for path in refused:
        url = base + path if not path.startswith("/..") else f"{hub_url}/user{path[3:]}"
        response = context.request.get(url)
        body = response.text()
        assert response.status in (403, 404), (path, response.status, body[:300])
        for secret in secrets:
            assert secret not in body, (path, secret)
    # The participant's own server holds no facilitator notebook at all.
    user_home = home / "homes" / name
    assert (user_home / ".datasharing-workshop-room" / "pages").is_dir()
    assert not list(user_home.glob("**/facilitator/*.ipynb"))
    assert not list(user_home.glob(f"**/{REPORT_BACK.name}"))
