"""Without PostgreSQL, tests that need it are skipped on a developer's machine and fail under CI=true."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ONE_POSTGRES_TEST = "tests/contract/test_unit_of_work.py::TestSequences::test_each_sequence_counts_from_one"


@pytest.mark.parametrize(("ci", "outcome"), [("true", "1 error"), ("", "1 skipped")])
def test_a_missing_postgresql(ci: str, outcome: str) -> None:
    env = os.environ | {"LIGHTSOFF_TEST_POSTGRES_URL": "postgresql+psycopg://postgres@127.0.0.1:9/none", "CI": ci}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"{ONE_POSTGRES_TEST}[postgresql]"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert outcome in result.stdout, result.stdout[-2000:]
    assert "is not reachable" in result.stdout
    assert (result.returncode != 0) == (ci == "true")
