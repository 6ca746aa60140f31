"""Property-based fuzzing of the whole API from its OpenAPI document (schemathesis), as an administrator.

Every operation gets generated requests, valid (positive) and invalid (negative); none may answer 500,
every answer must conform to the documented schema, and invalid input must be refused. Driven from
one test rather than ``schemathesis.pytest.from_fixture``, which does not work with pytest 9.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks

from lightsoff.domain.security import Role
from tests.conftest import LiveServer

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
EXAMPLES = int(os.environ.get("LIGHTSOFF_FUZZ_EXAMPLES", "25"))  # raise it for a deeper hunt by hand
LONGEST_POLL_S = 0.2
BEYOND_THE_SCHEMA = {
    # An order can be valid JSON Schema-wise and still be refused: line numbers used twice, a ship date
    # before the order date, a GTIN whose check digit is wrong. JSON Schema cannot say those, so the
    # "schema-valid requests are accepted" check does not apply; every other check does.
    "POST /v1/orders": [checks.positive_data_acceptance],
    # A shipment names orders and lines that must exist, quantities within what was ordered and SSCCs with a
    # valid check digit: schema-valid shipments of made-up orders are rightly refused (422, invalid-shipment).
    "POST /v1/shipments": [checks.positive_data_acceptance],
    # Any bytes are a schema-valid document; most are not an X12, EDIFACT, spreadsheet or e-mail order.
    "POST /v1/inbound": [checks.positive_data_acceptance],
}
MUST_GET_INVALID_REQUESTS = {
    "POST /v1/orders",
    "GET /v1/orders",
    "GET /v1/events",
    "GET /v1/audit",
    "POST /oauth/token",
}


def fuzzer(
    operation: schemathesis.APIOperation, mode: GenerationMode, base_url: str, headers: dict[str, str]
) -> Callable[[], None]:
    excluded = BEYOND_THE_SCHEMA.get(operation.label, [])

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the report's curl already reproduces it
    )
    def check(case: schemathesis.Case) -> None:
        wait = (case.query or {}).get("wait")
        if isinstance(wait, int | float) and not isinstance(wait, bool):
            # A long poll may rightly wait up to a minute for an event that never comes; a fuzzer cannot.
            case.query["wait"] = min(wait, LONGEST_POLL_S)  # type: ignore[index]
        case.call_and_validate(base_url=base_url, headers=headers, excluded_checks=excluded)

    return check


def test_no_server_error_and_every_answer_as_documented(
    live_server: LiveServer, grant: Callable[..., dict[str, str]]
) -> None:
    headers = grant(Role.ADMIN)
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    rejection = schema.config.checks.negative_data_rejection
    # A body over the route's size limit is refused as such (413) before it is read: a rejection too.
    rejection.expected_statuses = [*rejection.expected_statuses, "413"]
    failures: list[str] = []
    nothing_invalid: set[str] = set()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzzer(operation, mode, live_server.url, headers)()
            except Unsatisfiable:
                # No invalid request exists for it (no parameters, or free-text path ones): nothing to send.
                assert mode is GenerationMode.NEGATIVE, f"{operation.label}: no valid request could be generated"
                nothing_invalid.add(operation.label)
            except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failure, then report all
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:1500]}")
    assert not failures, "\n\n".join(failures)
    assert not MUST_GET_INVALID_REQUESTS & nothing_invalid
