"""The command line, as a user runs it: real processes, one-line errors, exit codes."""

from __future__ import annotations

import json
import queue
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import httpx
import pytest

from lightsoff.demo import CONFIG_DIR as DEMO_CONFIG_DIR
from lightsoff.store import migrate
from tests.conftest import PostgresServer
from tests.factories import line, order_json

LIGHTSOFF = [sys.executable, "-m", "lightsoff.cli"]
IGNORING_CTRL_C = [
    sys.executable,
    "-c",
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "os.execv(sys.executable, [sys.executable, '-m', 'lightsoff.cli', *sys.argv[1:]])",
]
"""``lightsoff`` started with SIGINT ignored, as nohup, a shell's background job or a CI runner leaves it."""
HEAD = migrate.head_revision()


def run(*args: str, env: dict[str, str], check: bool = False) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([*LIGHTSOFF, *args], env=env, capture_output=True, text=True, timeout=120, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"lightsoff {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result


def test_db_upgrade_creates_then_keeps_the_schema(env: dict[str, str], tmp_path: Path) -> None:
    first = run("db", "upgrade", env=env, check=True)
    assert f"migrated from empty to {HEAD}" in first.stdout
    assert (tmp_path / "data" / "lightsoff.db").exists()
    assert f"up to date at {HEAD}" in run("db", "upgrade", env=env, check=True).stdout


def test_db_upgrade_on_postgresql(env: dict[str, str], postgres_server: PostgresServer) -> None:
    url = postgres_server.create(migrated=False)
    try:
        result = run("db", "upgrade", env=env | {"LIGHTSOFF_DATABASE_URL": url}, check=True)
        assert f"migrated from empty to {HEAD}" in result.stdout
    finally:
        postgres_server.drop(url)


def test_submit_then_replay(env: dict[str, str], tmp_path: Path) -> None:
    run("db", "upgrade", env=env, check=True)
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(order_json(po_number="CLI-1", lines=[line(1, sku="WID-100"), line(2, sku="NOPE")])))
    bad.write_text('{"partner": "ACME"}')
    submitted = run("orders", "submit", str(good), env=env, check=True)
    summary = json.loads(submitted.stdout)
    assert (summary["outcome"], summary["status"]) == ("held", "held")
    assert summary["order_id"].startswith("SO-")
    rejected = run("orders", "submit", str(bad), env=env)
    assert rejected.returncode == 1
    assert {error["path"] for error in json.loads(rejected.stdout)["errors"]} >= {"$.po_number", "$.lines"}
    replayed = run("replay", env=env, check=True)
    assert "replayed 4 events: 1 orders, 1 exception cases rebuilt" in replayed.stdout


@pytest.fixture
def broken_config(tmp_path: Path) -> Path:
    """A copy of the demo configuration with a mistake in each file."""
    folder = tmp_path / "config"
    shutil.copytree(DEMO_CONFIG_DIR, folder)
    (folder / "partners" / "X.yaml").write_text("code: Y\nname: ''\npolicy:\n  rules: {pack_multiple: maybe}\n")
    products = (folder / "products.yaml").read_text().replace("successor: FIT-410", "successor: FIT-411")
    (folder / "products.yaml").write_text(products)
    routing = (folder / "routing.yaml").read_text().replace("team: planning", "team: plannning")
    (folder / "routing.yaml").write_text(routing)
    return folder


BROKEN_CONFIG_PROBLEMS = [
    "partners/X.yaml:2: name: String should have at least 1 character",
    "partners/X.yaml:4: policy.rules.pack_multiple: Input should be 'accept', 'correct', 'review' or 'reject'",
    "products.yaml:38: products[4].successor: FIT-411 is not a SKU of the product master",
    "routing.yaml:29: routes.ship_date.team: team plannning is not defined under teams (defined: customer_service, "
    "master_data, planning, operations): add it with its e-mail addresses",
]


def test_config_check_lists_every_problem_then_one_error_line(env: dict[str, str], broken_config: Path) -> None:
    result = run("config", "check", str(broken_config), env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    for problem in BROKEN_CONFIG_PROBLEMS:
        assert f"{broken_config}/{problem}" in lines
    assert lines[-1] == f"lightsoff: error: {len(lines) - 1} problem(s) in {broken_config}"
    assert "Traceback" not in result.stderr


def test_serve_refuses_a_broken_configuration_with_the_same_lines(env: dict[str, str], broken_config: Path) -> None:
    run("db", "upgrade", env=env, check=True)
    served = run("serve", env=env | {"LIGHTSOFF_CONFIG_DIR": str(broken_config), "LIGHTSOFF_PORT": str(free_port())})
    checked = run("config", "check", str(broken_config), env=env)
    assert served.returncode == 2
    assert served.stderr == checked.stderr
    assert served.stdout == ""


def test_the_demo_configuration_checks_clean(env: dict[str, str]) -> None:
    assert "4 partners, 10 products, 4 teams: all valid" in run("config", "check", env=env, check=True).stdout


@pytest.mark.parametrize(
    ("variables", "args", "message"),
    [
        (
            {"LIGHTSOFF_PORT": "eighty"},
            ("db", "upgrade"),
            "invalid settings: LIGHTSOFF_PORT: Input should be a valid integer",
        ),
        ({"LIGHTSOFF_ORDER_ID_FORMAT": "SO-{year}"}, ("db", "upgrade"), "has no {seq}, so ids would repeat"),
        ({}, ("replay",), "run `lightsoff db upgrade` first"),
        ({"LIGHTSOFF_DATABASE_URL": "sqlite://"}, ("db", "upgrade"), "in-memory SQLite database"),
    ],
)
def test_errors_are_one_readable_line(
    env: dict[str, str], variables: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    result = run(*args, env=env | variables)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("lightsoff: error: ")
    assert message in result.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def stop(process: subprocess.Popen[str], timeout: float = 30) -> None:
    """Ctrl-C, and the process gone within ``timeout``; if not, killed (never left behind) and a failure."""
    process.send_signal(signal.SIGINT)
    try:
        process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise AssertionError(f"{process.args} did not stop on Ctrl-C within {timeout} s") from None


def read_until(stream: IO[str], marker: str, timeout: float) -> list[str]:
    """Lines of ``stream`` up to the one containing ``marker``.

    A thread reads the lines: select() on the pipe would miss lines already pulled into Python's
    buffer by an earlier readline(), and wait for nothing.
    """
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        try:
            for line in iter(stream.readline, ""):
                lines.put(line)
        except (ValueError, OSError):  # the test stopped the process and closed its pipe meanwhile
            return

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        seen.append(line)
        if marker in line:
            return seen
    raise AssertionError(f"no line with {marker!r} within {timeout} s; got {seen}")


def healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz").status_code == 200
    except httpx.TransportError:
        return False


def test_serve_prints_the_docs_url_and_commands_that_work_as_printed(served: tuple[str, list[str]]) -> None:
    base, banner = served
    assert any(f"API docs:  {base}/docs" in line for line in banner)
    assert any("exception notifications: off (no LIGHTSOFF_SMTP_HOST)" in line for line in banner)
    [credentials] = [line for line in banner if "demo client (admin)" in line]
    assert "id demo-admin" in credentials
    token_line, order_line = banner[-2].strip(), banner[-1].strip()
    assert token_line.startswith("TOKEN=$(curl")
    script = f"set -euo pipefail\n{token_line}\n{order_line}\n"
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30, check=True)
    answer = json.loads(result.stdout)
    assert (answer["status"], answer["exceptions"]) == ("validated", [])
    assert httpx.get(f"{base}/v1/orders/{answer['order_id']}").status_code == 401, "reading needs a token too"
    [documents] = [line for line in banner if "documents to partners:" in line]
    assert "ACME x12 order responses and ship notices → " in documents


def test_serve_answers_the_demo_order_with_an_855_in_acmes_folder(
    served: tuple[str, list[str]], tmp_path: Path
) -> None:
    _, banner = served
    script = f"set -euo pipefail\n{banner[-2].strip()}\n{banner[-1].strip()}\n"
    answer = json.loads(subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout)
    folder = tmp_path / "data" / "outbound" / "ACME"
    deadline = time.monotonic() + 20
    while not (folder.exists() and any(folder.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.1)
    (written,) = folder.iterdir()
    assert written.name.endswith("-1.edi")
    assert f"*{answer['order_id']}*".encode() in written.read_bytes()


def test_the_demo_secret_stays_the_same_across_restarts(env: dict[str, str], tmp_path: Path) -> None:
    run("db", "upgrade", env=env, check=True)
    secrets_seen = set()
    for _ in range(2):
        port = free_port()
        command = [*IGNORING_CTRL_C, "serve", "--demo"]  # and Ctrl-C comes right after the banner
        process = subprocess.Popen(
            command,
            env=env | {"LIGHTSOFF_PORT": str(port)},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert process.stdout is not None
            [line] = [line for line in read_until(process.stdout, "demo client", 30) if "demo client" in line]
            secrets_seen.add(line.split("secret ")[1].strip())
        finally:
            stop(process)
    assert len(secrets_seen) == 1
    assert oct((tmp_path / "data" / "demo-client.secret").stat().st_mode & 0o777) == "0o600"


def test_serve_refuses_an_unmigrated_database(env: dict[str, str]) -> None:
    result = subprocess.run([*LIGHTSOFF, "serve"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "run `lightsoff db upgrade` first" in result.stderr


def test_clients_are_added_listed_keyed_and_disabled(env: dict[str, str]) -> None:
    run("db", "upgrade", env=env, check=True)
    added = run(
        "clients", "add", "Lobster orchestrator", "--role", "orchestrator", "--partner", "ACME",
        "--allow", "10.0.0.0/8", "--rate", "20", env=env, check=True,
    )  # fmt: skip
    client_id = re.search(r"client_id:\s+(\S+)", added.stdout)
    secret = re.search(r"client_secret:\s+(\S+)", added.stdout)
    assert client_id is not None
    assert secret is not None
    listed = run("clients", "list", env=env, check=True).stdout
    assert client_id.group(1) in listed
    assert "10.0.0.0/8" in listed
    assert secret.group(1) not in listed
    key = run("clients", "new-key", client_id.group(1), env=env, check=True).stdout
    assert re.search(r"api_key: lsk_[0-9a-f]{16}_\S+", key)
    run("clients", "disable", client_id.group(1), env=env, check=True)
    assert "disabled" in run("clients", "list", env=env, check=True).stdout
    refused = run("clients", "add", "x", "--role", "wizard", env=env)
    assert refused.returncode == 2
    assert "wizard" in refused.stderr


def test_audit_verify_finds_tampering(env: dict[str, str], tmp_path: Path) -> None:
    run("db", "upgrade", env=env, check=True)
    for name in ("one", "two", "three"):
        run("clients", "add", name, "--role", "viewer", env=env, check=True)
    clean = run("audit", "verify", env=env, check=True)
    assert "3 entries; head " in clean.stdout
    database = sqlite3.connect(tmp_path / "data" / "lightsoff.db")
    with database:
        database.execute("UPDATE audit_log SET actor = 'cli:someone-else' WHERE sequence = 2")
    database.close()
    tampered = run("audit", "verify", env=env)
    assert tampered.returncode == 2
    assert tampered.stdout == "entry 2: its content does not match its hash (edited)\n"
    assert tampered.stderr == (
        "lightsoff: error: the audit trail does not hold: entry 2: its content does not match its hash (edited)\n"
    )
