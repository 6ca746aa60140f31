"""The verification examples in docs/webhooks.md work: Python (library and by hand) and Node.js."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import standardwebhooks

from lightsoff.delivery.signing import generate_secret, signature_headers
from tests.unit.delivery.docs_examples import example, run_python_example

VECTORS = json.loads(
    (Path(__file__).parents[2] / "data" / "webhooks" / "standard-webhooks_test-vectors.json").read_text(
        encoding="utf-8"
    )
)
BASE = VECTORS["base"]
KNOWN = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
NOW = int(BASE["webhook-timestamp"])


def known_headers(signature: str = KNOWN, timestamp: str = BASE["webhook-timestamp"]) -> dict[str, str]:
    return {"webhook-id": BASE["webhook-id"], "webhook-timestamp": timestamp, "webhook-signature": signature}


def cases() -> list[dict[str, Any]]:
    """(headers, body, now) with the verdict the docs' code must reach."""
    rotated = f"v1,{KNOWN[3:-2]}AA= {KNOWN}"
    secret = generate_secret()
    ours = signature_headers([generate_secret(), secret], "msg_docs", NOW, b'{"a":"\xc3\xa9"}')
    return [
        {
            "name": "known answer",
            "secret": BASE["secret"],
            "headers": known_headers(),
            "body": BASE["body"],
            "valid": True,
        },
        {
            "name": "rotation",
            "secret": BASE["secret"],
            "headers": known_headers(rotated),
            "body": BASE["body"],
            "valid": True,
        },
        {
            "name": "tampered signature",
            "secret": BASE["secret"],
            "headers": known_headers(KNOWN[:-2] + "A="),
            "body": BASE["body"],
            "valid": False,
        },
        {
            "name": "tampered body",
            "secret": BASE["secret"],
            "headers": known_headers(),
            "body": BASE["body"] + " ",
            "valid": False,
        },
        {
            "name": "stale",
            "secret": BASE["secret"],
            "headers": known_headers(timestamp=str(NOW - 301)),
            "body": BASE["body"],
            "valid": False,
        },
        {
            "name": "float timestamp",
            "secret": BASE["secret"],
            "headers": known_headers(timestamp=f"{NOW}.0"),
            "body": BASE["body"],
            "valid": False,
        },
        {"name": "signed by lightsoff", "secret": str(secret), "headers": ours, "body": '{"a":"é"}', "valid": True},
    ]


@pytest.mark.parametrize("case", cases(), ids=lambda case: case["name"])
def test_the_python_by_hand_example_verifies_as_lightsoff_does(case: dict[str, Any]) -> None:
    verify = run_python_example("webhooks.md", "python-by-hand")["verify"]
    body = case["body"].encode()

    if case["valid"]:
        assert verify(case["secret"], case["headers"], body, now=NOW) == case["headers"]["webhook-id"]
    else:
        with pytest.raises(ValueError, match=r"webhook-timestamp|no signature matches"):
            verify(case["secret"], case["headers"], body, now=NOW)


def test_the_library_example_reads_what_lightsoff_sends() -> None:
    receive = run_python_example("webhooks.md", "python-library")["receive"]
    secret = generate_secret()
    body = b'{"specversion":"1.0","id":"evt_1"}'
    headers = signature_headers([secret], "evt_1", int(time.time()), body)  # the library reads the wall clock

    assert receive(str(secret), headers, body) == {"specversion": "1.0", "id": "evt_1"}
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        receive(str(generate_secret()), headers, body)


NODE_HARNESS = """
const cases = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
const results = cases.map((c) => {
  try {
    return verify(c.secret, c.headers, Buffer.from(c.body, "utf8"), c.now);
  } catch (error) {
    return { error: error.message };
  }
});
process.stdout.write(JSON.stringify(results));
"""


def test_the_node_example_verifies_as_lightsoff_does(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = tmp_path / "verify.js"
    script.write_text(example("webhooks.md", "node") + NODE_HARNESS, encoding="utf-8")
    given = [{**case, "now": NOW} for case in cases()]

    run = subprocess.run(
        [node, str(script)], input=json.dumps(given), capture_output=True, text=True, timeout=30, check=True
    )

    results = json.loads(run.stdout)
    for case, result in zip(given, results, strict=True):
        if case["valid"]:
            assert result == case["headers"]["webhook-id"], case["name"]
        else:
            assert isinstance(result, dict), case["name"]
            assert result["error"]
