"""``lightsoff exceptions escalate`` and the SMTP settings, as a user runs them: real processes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from lightsoff.demo import CONFIG_DIR as DEMO_CONFIG_DIR
from tests.e2e.test_cli import run
from tests.factories import line, order_json


def test_escalate_escalates_an_overdue_case_once_and_says_mail_is_off(env: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(DEMO_CONFIG_DIR, config)
    (config / "routing.yaml").write_text(
        "teams:\n  master_data: {emails: [md@plant.example]}\n  customer_service: {emails: [cs@plant.example]}\n"
        "routes:\n  unknown_product: {team: master_data, handle_within: PT0S}\n"
    )
    env = env | {"LIGHTSOFF_CONFIG_DIR": str(config)}
    run("db", "upgrade", env=env, check=True)
    order = tmp_path / "order.json"
    order.write_text(json.dumps(order_json(lines=[line(1, sku="WID-100"), line(2, sku="NOPE")])))
    [case] = json.loads(run("orders", "submit", str(order), env=env, check=True).stdout)["exceptions"]

    first = run("exceptions", "escalate", env=env, check=True)
    second = run("exceptions", "escalate", env=env, check=True)

    assert "escalated 1 case(s)" in first.stdout
    assert case["exception_id"] in first.stdout
    assert "(none)" in first.stdout, "the team has no escalation contacts"
    assert "e-mail: off (no LIGHTSOFF_SMTP_HOST)" in first.stdout
    assert "no overdue case to escalate" in second.stdout


def test_a_mail_login_in_clear_is_refused_in_one_line_without_the_password(env: dict[str, str]) -> None:
    password = "s3cret-Pa55-do-not-leak"
    smtp = {
        "LIGHTSOFF_SMTP_HOST": "mail.plant.example",
        "LIGHTSOFF_SMTP_SECURITY": "none",
        "LIGHTSOFF_SMTP_USERNAME": "lightsoff",
        "LIGHTSOFF_SMTP_PASSWORD": password,
    }
    result = run("exceptions", "escalate", env=env | smtp)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "needs LIGHTSOFF_SMTP_SECURITY starttls or ssl" in result.stderr
    assert password not in result.stderr + result.stdout
