"""The command line's security side, as a user runs it: the demo client, audited administration, tampering."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.e2e.test_cli import LIGHTSOFF, free_port, healthy, read_until, run, stop


def audit_rows(tmp_path: Path) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(tmp_path / "data" / "lightsoff.db") as database:
        query = "SELECT actor, action, resource, outcome FROM audit_log ORDER BY sequence"
        return [tuple(row) for row in database.execute(query)]


@contextmanager
def serving(env: dict[str, str]) -> Iterator[tuple[str, list[str]]]:
    port = free_port()
    process = subprocess.Popen(
        [*LIGHTSOFF, "serve", "--demo"],
        env=env | {"LIGHTSOFF_PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert process.stdout is not None
        banner = read_until(process.stdout, "demo client", timeout=30)
        while not healthy(base):
            assert process.poll() is None, "serve exited"
        yield base, banner
    finally:
        stop(process)


def test_the_demo_client_id_and_secret_can_be_set_for_scripted_setups(env: dict[str, str], tmp_path: Path) -> None:
    secret = "scripted-secret-0123456789"
    scripted = env | {"LIGHTSOFF_DEMO_CLIENT_ID": "ops-bot", "LIGHTSOFF_DEMO_CLIENT_SECRET": secret}
    run("db", "upgrade", env=scripted, check=True)
    with serving(scripted) as (base, banner):
        assert f"demo client (admin): id ops-bot  secret {secret}" in "".join(banner)
        token = httpx.post(f"{base}/oauth/token", data={"grant_type": "client_credentials"}, auth=("ops-bot", secret))
        assert token.status_code == 200
        assert "clients:admin" in token.json()["scope"].split()
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        assert httpx.get(f"{base}/v1/audit", headers=headers).status_code == 200
    assert not (tmp_path / "data" / "demo-client.secret").exists(), "a given secret is not written anywhere"
    assert audit_rows(tmp_path)[0][1:] == ("clients.add", "ops-bot", "ok")
    with serving(scripted):
        pass
    assert [row[1] for row in audit_rows(tmp_path)].count("clients.add") == 1, "a restart creates nothing"


def test_a_demo_secret_that_does_not_match_the_client_is_one_clear_line(env: dict[str, str]) -> None:
    run("db", "upgrade", env=env, check=True)
    with serving(env):
        pass  # the demo client now exists, with a generated secret
    mismatched = env | {"LIGHTSOFF_DEMO_CLIENT_SECRET": "another-secret-0123456789"}
    result = subprocess.run(
        [*LIGHTSOFF, "serve", "--demo"], env=mismatched, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert result.stderr == (
        "lightsoff: error: the demo client 'demo-admin' exists with a secret other than LIGHTSOFF_DEMO_CLIENT_SECRET: "
        "set LIGHTSOFF_DEMO_CLIENT_SECRET to the secret it was created with, or choose another "
        "LIGHTSOFF_DEMO_CLIENT_ID\n"
    )
    assert "another-secret-0123456789" not in result.stdout + result.stderr


def test_administration_is_audited_when_it_fails_too(env: dict[str, str], tmp_path: Path) -> None:
    run("db", "upgrade", env=env, check=True)
    added = run("clients", "add", "Viewer", "--role", "viewer", "--client-id", "viewer-1", env=env, check=True)
    assert run("clients", "disable", "nobody", env=env).returncode == 2
    assert run("clients", "add", "Again", "--role", "viewer", "--client-id", "viewer-1", env=env).returncode == 2
    run("clients", "disable", "viewer-1", env=env, check=True)
    rows = audit_rows(tmp_path)
    assert [row[1:] for row in rows] == [
        ("clients.add", "viewer-1", "ok"),
        ("clients.disable", "nobody", "failed"),
        ("clients.add", "viewer-1", "failed"),
        ("clients.disable", "viewer-1", "ok"),
    ]
    assert all(row[0].startswith("cli:") for row in rows)
    secret = added.stdout.split("client_secret:")[1].split()[0]
    with sqlite3.connect(tmp_path / "data" / "lightsoff.db") as database:
        assert secret not in str(database.execute("SELECT * FROM audit_log").fetchall())


def test_verify_names_a_removed_entry_and_a_cut_head(env: dict[str, str], tmp_path: Path) -> None:
    run("db", "upgrade", env=env, check=True)
    for name in ("one", "two", "three", "four"):
        run("clients", "add", name, "--role", "viewer", env=env, check=True)
    head = run("audit", "verify", env=env, check=True).stdout.split("head ")[1].strip()
    with sqlite3.connect(tmp_path / "data" / "lightsoff.db") as database:
        database.execute("DELETE FROM audit_log WHERE sequence IN (2, 4)")
    removed = run("audit", "verify", "--expect-head", head, env=env)
    assert removed.returncode == 2
    assert removed.stderr.count("\n") == 1
    assert removed.stderr.startswith(
        "lightsoff: error: the audit trail does not hold: entry 3: entry 2 before it is missing"
    )
    assert f"the recorded head {head} is gone" in removed.stdout
