"""``lightsoff watch``, ``serve`` watching drop folders, and ``lightsoff inbound rerun``, as a user runs them."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from lightsoff.demo import CONFIG_DIR as DEMO_CONFIG_DIR
from tests.e2e.test_cli import IGNORING_CTRL_C, LIGHTSOFF, free_port, healthy, read_until, run, stop
from tests.integration.test_rerun import x12_850

FAST = {"LIGHTSOFF_WATCH_POLL_SECONDS": "0.1", "LIGHTSOFF_WATCH_SETTLE_SECONDS": "0.3"}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The demo configuration with a drop folder for ACME, and ACME refusing unknown products."""
    folder = tmp_path / "config"
    shutil.copytree(DEMO_CONFIG_DIR, folder)
    profile = folder / "partners" / "ACME.yaml"
    profile.write_text(profile.read_text().replace("policy:\n", "policy:\n  rules: {unknown_product: reject}\n", 1))
    add_folder(profile, "drop/ACME/in")
    return folder


def add_folder(profile: Path, folder: str) -> None:
    """Give the partner ``documents.inbound_folder``, in its documents section if it has one."""
    text = profile.read_text()
    line = f"  inbound_folder: {folder}\n"
    section = re.search(r"^documents:.*\n", text, flags=re.MULTILINE)  # the key may carry a comment
    text = text[: section.end()] + line + text[section.end() :] if section else text + "documents:\n" + line
    profile.write_text(text)


@pytest.fixture
def watching(env: dict[str, str], config: Path) -> dict[str, str]:
    ready = env | FAST | {"LIGHTSOFF_CONFIG_DIR": str(config)}
    run("db", "upgrade", env=ready, check=True)
    return ready


def inbox(env: dict[str, str]) -> Path:
    return Path(env["LIGHTSOFF_DATA_DIR"]) / "drop" / "ACME" / "in"


def test_watch_once_takes_the_files_in_and_says_where_they_went(watching: dict[str, str]) -> None:
    folder = inbox(watching)
    folder.mkdir(parents=True)
    (folder / "PO-1.edi").write_bytes(x12_850("PO-WATCH-1", ["VP*WID-100", "BP*A-7788"]))
    (folder / "broken.edi").write_bytes(b"ISA*00*broken")
    result = run("watch", "--once", env=watching, check=True)
    assert f"watching 1 drop folder(s): ACME {folder}" in result.stdout
    assert "ACME PO-1.edi → done/PO-1.edi: message " in result.stdout
    assert "1 order(s): 1 accepted" in result.stdout
    assert "ACME broken.edi → failed/broken.edi: failed: " in result.stdout
    sidecar = json.loads((folder / "failed" / "broken.edi.error.json").read_text())
    assert sidecar["problems"]
    with sqlite3.connect(Path(watching["LIGHTSOFF_DATA_DIR"]) / "lightsoff.db") as db:
        channels = db.execute("SELECT channel, count(*) FROM messages GROUP BY channel").fetchall()
    db.close()
    assert dict(channels)["folder"] == 3, "two documents and the canonical order taken from one"


def test_watch_without_any_drop_folder_is_one_error_line(env: dict[str, str]) -> None:
    run("db", "upgrade", env=env, check=True)
    result = run("watch", "--once", env=env | {"LIGHTSOFF_CONFIG_DIR": str(DEMO_CONFIG_DIR)})
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "no partner has a drop folder" in result.stderr


def test_two_partners_sharing_a_drop_folder_are_refused_with_the_configuration_problems(
    watching: dict[str, str], config: Path
) -> None:
    profile = config / "partners" / "BOLT.yaml"
    add_folder(profile, "drop/ACME/in")
    result = run("watch", "--once", env=watching)
    assert result.returncode == 2
    *problems, last = result.stderr.splitlines()
    acme = config / "partners" / "ACME.yaml"
    assert any(line.startswith(f"{acme}:") and "is also partner BOLT's drop folder" in line for line in problems)
    assert any(line.startswith(f"{profile}:") and "is also partner ACME's drop folder" in line for line in problems)
    assert last.startswith("lightsoff: error: 2 problem(s) in ")


def test_the_same_folder_written_two_ways_is_one_error_line(watching: dict[str, str], config: Path) -> None:
    add_folder(config / "partners" / "BOLT.yaml", str(Path(watching["LIGHTSOFF_DATA_DIR"]) / "drop" / "ACME" / "in"))
    result = run("watch", "--once", env=watching)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "partners ACME and BOLT share the drop folder" in result.stderr


def test_serve_watches_the_drop_folders_when_a_partner_has_one(watching: dict[str, str]) -> None:
    folder = inbox(watching)
    served = watching | {"LIGHTSOFF_PORT": str(free_port())}
    process = subprocess.Popen(
        [*LIGHTSOFF, "serve"], env=served, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert process.stdout is not None
        banner = read_until(process.stdout, "drop folders watched", timeout=30)
        assert f"drop folders watched: ACME {Path(watching['LIGHTSOFF_DATA_DIR']) / 'drop/ACME/in'}" in banner[-1]
        (folder / "PO-2.edi").write_bytes(x12_850("PO-WATCH-2", ["VP*WID-100"]))
        deadline = time.monotonic() + 30
        while not (folder / "done" / "PO-2.edi").exists():
            assert process.poll() is None, "serve exited"
            assert time.monotonic() < deadline, "serve did not take the file in"
            time.sleep(0.1)
    finally:
        stop(process)
    assert not (folder / "PO-2.edi").exists()


def test_inbound_rerun_shows_then_and_now_side_by_side(watching: dict[str, str], config: Path) -> None:
    folder = inbox(watching)
    folder.mkdir(parents=True)
    (folder / "PO-3.edi").write_bytes(x12_850("PO-WATCH-3", ["VP*WID-100", "BP*A-7799"]))
    taken = run("watch", "--once", env=watching, check=True)
    assert "ACME PO-3.edi → failed/PO-3.edi: failed: 1 order(s) refused; the first: interchange" in taken.stdout
    assert "customer SKU 'A-7799' matches no product" in taken.stdout
    message_id = json.loads((folder / "failed" / "PO-3.edi.error.json").read_text())["message_id"]
    profile = config / "partners" / "ACME.yaml"
    profile.write_text(profile.read_text().replace("  A-7790: WID-300\n", "  A-7790: WID-300\n  A-7799: WID-300\n"))

    dry = run("inbound", "rerun", message_id, "--dry-run", env=watching, check=True)
    assert f"message {message_id} (dry run: nothing was kept)" in dry.stdout
    assert "outcome then: rejected   now: accepted" in dry.stdout
    assert "A-7799 → WID-300" in dry.stdout
    assert "status: rejected → accepted" in dry.stdout

    real = json.loads(run("inbound", "rerun", message_id, "--json", env=watching, check=True).stdout)
    assert real["dry_run"] is False
    assert real["orders"][0]["now"]["status"] == "accepted"
    again = json.loads(run("inbound", "rerun", message_id, "--dry-run", "--json", env=watching, check=True).stdout)
    assert again["orders"][0]["now"]["status"] == "duplicate"

    missing = run("inbound", "rerun", "no-such-message", env=watching)
    assert missing.returncode == 2
    assert missing.stderr == "lightsoff: error: message no-such-message does not exist\n"


def test_watch_runs_until_interrupted_and_says_what_it_did(watching: dict[str, str]) -> None:
    folder = inbox(watching)
    folder.mkdir(parents=True)
    process = subprocess.Popen(
        [*IGNORING_CTRL_C, "watch"], env=watching, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        (folder / ".PO-5.edi.tmp").write_bytes(x12_850("PO-WATCH-5", ["VP*WID-100"]))
        (folder / ".PO-5.edi.tmp").rename(folder / "PO-5.edi")
        lines = read_until(process.stdout, "PO-5.edi →", timeout=30)
        assert f"watching 1 drop folder(s): ACME {folder}\n" in lines
        assert "ACME PO-5.edi → done/PO-5.edi: message " in lines[-1]
    finally:
        stop(process)
    assert process.returncode == 0, "Ctrl-C is how watch is stopped: not an error"


def test_watch_refuses_a_drop_folder_it_cannot_use_in_one_line(watching: dict[str, str]) -> None:
    folder = inbox(watching)
    folder.parent.mkdir(parents=True)
    folder.write_text("a file where the folder should be")
    result = run("watch", "--once", env=watching)
    assert result.returncode == 2
    assert result.stderr == f"lightsoff: error: cannot use ACME's drop folder {folder}: File exists\n"


def test_serve_starts_with_a_drop_folder_it_cannot_use_and_says_so(watching: dict[str, str]) -> None:
    """An unmounted share must not keep the API down: serve warns, and watches the folder until it is back."""
    folder = inbox(watching)
    folder.parent.mkdir(parents=True)
    folder.write_text("a file where the folder should be")
    port = free_port()
    process = subprocess.Popen(
        [*LIGHTSOFF, "serve"],
        env=watching | {"LIGHTSOFF_PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = read_until(process.stdout, "API docs:", timeout=30)
        assert any(f"warning: cannot use ACME's drop folder {folder}: File exists now" in line for line in lines)
        deadline = time.monotonic() + 30
        while not healthy(f"http://127.0.0.1:{port}"):
            assert process.poll() is None, "serve exited"
            assert time.monotonic() < deadline, "serve did not become healthy"
            time.sleep(0.1)
    finally:
        stop(process)
