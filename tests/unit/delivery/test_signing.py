"""Standard Webhooks v1 signing: the shared test vectors, rotation, tolerance, and the reference library both ways."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import standardwebhooks
from hypothesis import given
from hypothesis import strategies as st

from lightsoff.delivery.signing import (
    HEADER_ID,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    Verifier,
    WebhookSecret,
    generate_secret,
    sign,
    signature_headers,
)
from lightsoff.domain.errors import (
    ConfigurationError,
    InvalidSignature,
    MalformedSignatureHeaders,
    SignatureMismatch,
    StaleTimestamp,
)
from lightsoff.testing import FakeClock

VECTORS_FILE = Path(__file__).parents[2] / "data" / "webhooks" / "standard-webhooks_test-vectors.json"
CORPUS: dict[str, Any] = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))
BASE: dict[str, str] = CORPUS["base"]
SIGNED_VECTORS = [vector for vector in CORPUS["vectors"] if "webhook-signature" in vector]


def at(timestamp: int | str) -> FakeClock:
    return FakeClock(datetime.fromtimestamp(int(timestamp), tz=UTC))


def case(vector: dict[str, Any]) -> dict[str, str]:
    """The base case with the vector's overrides applied."""
    merged = {**BASE, **{key: value for key, value in vector.items() if key in BASE}}
    return {key: str(value) for key, value in merged.items()}


def headers_of(values: dict[str, str], signature: str) -> dict[str, str]:
    return {
        HEADER_ID: values["webhook-id"],
        HEADER_TIMESTAMP: values["webhook-timestamp"],
        HEADER_SIGNATURE: signature,
    }


@pytest.mark.parametrize("vector", SIGNED_VECTORS, ids=[vector["name"] for vector in SIGNED_VECTORS])
def test_every_corpus_vector_verifies_as_the_corpus_expects(vector: dict[str, Any]) -> None:
    values = case(vector)
    verifier = Verifier([values["secret"]], clock=at(values["webhook-timestamp"]))
    headers = headers_of(values, vector["webhook-signature"])

    if vector["expect"] == "valid":
        verified = verifier.verify(headers, values["body"].encode())
        assert verified.msg_id == values["webhook-id"]
        assert verified.timestamp == datetime.fromtimestamp(int(values["webhook-timestamp"]), tz=UTC)
    else:
        with pytest.raises(InvalidSignature):
            verifier.verify(headers, values["body"].encode())


@pytest.mark.parametrize(
    "vector",
    [v for v in SIGNED_VECTORS if v["expect"] == "valid" and " " not in v["webhook-signature"]],
    ids=lambda vector: vector["name"],
)
def test_signing_reproduces_every_valid_single_signature_vector(vector: dict[str, Any]) -> None:
    values = case(vector)
    signature = sign(
        [values["secret"]], values["webhook-id"], int(values["webhook-timestamp"]), values["body"].encode()
    )
    assert signature == vector["webhook-signature"]


def test_the_corpus_has_the_upstream_known_answer() -> None:
    """Guards the copy: if the file were edited, the parametrised cases above could pass vacuously."""
    known = next(v for v in CORPUS["vectors"] if v["name"] == "sign: upstream known answer")
    assert known["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert len(SIGNED_VECTORS) == 11
    assert {v["expect"] for v in SIGNED_VECTORS} == {"valid", "invalid"}


@pytest.mark.parametrize("missing", [HEADER_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE])
def test_corpus_case_a_missing_header_is_named(missing: str) -> None:
    headers = headers_of(BASE, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    del headers[missing]
    verifier = Verifier([BASE["secret"]], clock=at(BASE["webhook-timestamp"]))

    with pytest.raises(MalformedSignatureHeaders) as raised:
        verifier.verify(headers, BASE["body"].encode())
    assert raised.value.header == missing
    assert "missing" in str(raised.value)


@pytest.mark.parametrize(
    "timestamp", ["hello", "161426533.0", "-161426533", "", " 1614265330x", "1e9", "99999999999999"]
)
def test_corpus_case_a_timestamp_that_is_not_integer_seconds_is_malformed(timestamp: str) -> None:
    headers = {**headers_of(BASE, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), HEADER_TIMESTAMP: timestamp}
    verifier = Verifier([BASE["secret"]], clock=at(BASE["webhook-timestamp"]))

    with pytest.raises(MalformedSignatureHeaders) as raised:
        verifier.verify(headers, BASE["body"].encode())
    assert raised.value.header == HEADER_TIMESTAMP


@pytest.mark.parametrize(
    ("signature", "error"),
    [
        ("invalid_signature", MalformedSignatureHeaders),
        ("v1,invalid_signature", MalformedSignatureHeaders),
        ("v1,", MalformedSignatureHeaders),
        (",g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", MalformedSignatureHeaders),
        ("v1," + base64.b64encode(b"short").decode(), MalformedSignatureHeaders),
        (
            "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==",
            SignatureMismatch,
        ),
        ("v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", SignatureMismatch),
        ("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=", SignatureMismatch),
        (" ".join(["v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="] * 17), MalformedSignatureHeaders),
    ],
)
def test_a_bad_signature_header_gets_an_error_that_says_what_is_wrong(signature: str, error: type[Exception]) -> None:
    verifier = Verifier([BASE["secret"]], clock=at(BASE["webhook-timestamp"]))
    with pytest.raises(error):
        verifier.verify(headers_of(BASE, signature), BASE["body"].encode())


def test_a_garbled_entry_beside_a_matching_one_does_not_spoil_it() -> None:
    signature = "garbage v1,!!! v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    verifier = Verifier([BASE["secret"]], clock=at(BASE["webhook-timestamp"]))
    assert verifier.verify(headers_of(BASE, signature), BASE["body"].encode()).msg_id == BASE["webhook-id"]


def test_header_names_are_case_insensitive() -> None:
    headers = {
        "Webhook-Id": BASE["webhook-id"],
        "WEBHOOK-TIMESTAMP": BASE["webhook-timestamp"],
        "webhook-Signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    verifier = Verifier([BASE["secret"]], clock=at(BASE["webhook-timestamp"]))
    assert verifier.verify(headers, BASE["body"].encode()).msg_id == BASE["webhook-id"]


def test_a_changed_body_does_not_verify() -> None:
    headers = headers_of(BASE, sign([BASE["secret"]], BASE["webhook-id"], int(BASE["webhook-timestamp"]), b'{"a":1}'))
    verifier = Verifier([BASE["secret"]], clock=at(BASE["webhook-timestamp"]))
    with pytest.raises(SignatureMismatch):
        verifier.verify(headers, b'{"a":2}')


@pytest.mark.parametrize(
    ("skew", "accepted"),
    [
        (timedelta(0), True),
        (timedelta(minutes=5), True),
        (-timedelta(minutes=5), True),
        (timedelta(minutes=5, seconds=1), False),
        (-timedelta(minutes=5, seconds=1), False),
        (timedelta(hours=3), False),
    ],
)
def test_the_timestamp_must_be_within_five_minutes_of_the_verifiers_clock(skew: timedelta, accepted: bool) -> None:
    sent = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    secret = generate_secret()
    headers = signature_headers([secret], "msg_1", int(sent.timestamp()), b"{}")
    verifier = Verifier([secret], clock=FakeClock(sent + skew))

    if accepted:
        assert verifier.verify(headers, b"{}").timestamp == sent
    else:
        with pytest.raises(StaleTimestamp, match="old" if skew > timedelta(0) else "ahead"):
            verifier.verify(headers, b"{}")


def test_during_rotation_both_the_old_and_the_new_secret_verify() -> None:
    old, new, stranger = generate_secret(), generate_secret(), generate_secret()
    clock = FakeClock()
    timestamp = int(clock.now().timestamp())
    headers = signature_headers([old, new], "msg_rotate", timestamp, b'{"x":1}')

    assert len(headers[HEADER_SIGNATURE].split(" ")) == 2
    assert Verifier([old], clock).verify(headers, b'{"x":1}').msg_id == "msg_rotate"
    assert Verifier([new], clock).verify(headers, b'{"x":1}').msg_id == "msg_rotate"
    assert Verifier([stranger, new], clock).verify(headers, b'{"x":1}').msg_id == "msg_rotate"
    with pytest.raises(SignatureMismatch):
        Verifier([stranger], clock).verify(headers, b'{"x":1}')


@pytest.mark.parametrize("num_bytes", [24, 32, 64])
def test_generated_secrets_are_whsec_base64_of_the_requested_random_bytes(num_bytes: int) -> None:
    first, second = generate_secret(num_bytes), generate_secret(num_bytes)

    assert str(first).startswith("whsec_")
    assert len(base64.b64decode(str(first).removeprefix("whsec_"))) == num_bytes
    assert WebhookSecret.parse(str(first)) == first
    assert first != second


@pytest.mark.parametrize("num_bytes", [0, 16, 23, 65])
def test_a_secret_outside_24_to_64_bytes_is_not_generated(num_bytes: int) -> None:
    with pytest.raises(ValueError, match="24 to 64"):
        generate_secret(num_bytes)


def test_a_secret_never_shows_its_key_in_repr() -> None:
    secret = generate_secret()
    assert str(secret).removeprefix("whsec_") not in repr(secret)
    assert "key" not in repr(secret)


@pytest.mark.parametrize("text", ["whsec_", "whsec_not base64!", "whsec_a*b"])
def test_an_unreadable_secret_is_a_configuration_error(text: str) -> None:
    with pytest.raises(ConfigurationError):
        WebhookSecret.parse(text)


@pytest.mark.parametrize("msg_id", ["", "msg.1", "msg 1"])
def test_an_id_that_could_blur_the_signed_content_is_refused(msg_id: str) -> None:
    with pytest.raises(ValueError, match="webhook id"):
        sign([generate_secret()], msg_id, 1614265330, b"{}")


def test_a_received_id_with_a_dot_is_malformed() -> None:
    """``a.5`` + ``6`` signs the same bytes as ``a`` + ``5`` with a body starting ``6.``: refuse the ambiguity."""
    secret = generate_secret()
    headers = signature_headers([secret], "msg_a", 1614265330, b"5.{}")
    headers[HEADER_ID] = "msg_a.1614265330"
    headers[HEADER_TIMESTAMP] = "5"
    with pytest.raises(MalformedSignatureHeaders, match="webhook-id"):
        Verifier([secret], clock=at(5)).verify(headers, b"{}")


# The reference library reads the wall clock (datetime.now) and has no way to inject one, so the
# cross-checks that verify with it sign at the real current time; everything else uses a fake clock.

_ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", min_size=1, max_size=40)


@given(body=st.text(max_size=300), msg_id=_ids, num_bytes=st.integers(24, 64))
def test_the_reference_library_verifies_what_we_sign(body: str, msg_id: str, num_bytes: int) -> None:
    secret = generate_secret(num_bytes)
    headers = signature_headers([secret], msg_id, int(time.time()), body.encode())

    standardwebhooks.Webhook(str(secret)).verify(body.encode(), headers, json_parse=False)


@given(body=st.text(max_size=300), msg_id=_ids, timestamp=st.integers(0, 4_000_000_000))
def test_we_verify_what_the_reference_library_signs(body: str, msg_id: str, timestamp: int) -> None:
    secret = generate_secret()
    when = datetime.fromtimestamp(timestamp, tz=UTC)
    signature = standardwebhooks.Webhook(str(secret)).sign(msg_id, when, body)
    headers = {HEADER_ID: msg_id, HEADER_TIMESTAMP: str(timestamp), HEADER_SIGNATURE: signature}

    assert Verifier([secret], clock=FakeClock(when)).verify(headers, body.encode()).msg_id == msg_id
    assert sign([secret], msg_id, timestamp, body.encode()) == signature


def test_the_reference_library_rejects_our_signature_with_another_secret() -> None:
    """The positive cross-check above would pass if the library accepted anything; this shows it does not."""
    headers = signature_headers([generate_secret()], "msg_x", int(time.time()), b"{}")
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        standardwebhooks.Webhook(str(generate_secret())).verify(b"{}", headers, json_parse=False)
