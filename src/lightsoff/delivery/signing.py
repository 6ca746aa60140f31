"""Standard Webhooks signatures, symmetric version ``v1`` (HMAC-SHA256).

A receiver trusts a webhook because only lightsoff and the receiver know the secret: the MAC over
``{webhook-id}.{webhook-timestamp}.{raw body}`` proves who sent it and that nothing changed on the way,
and the timestamp tolerance stops a captured request from being replayed later. The body is signed as
the exact bytes sent, never re-serialised JSON.

During a secret rotation the sender signs with every active secret (a space-separated list) and the
receiver accepts the request if any ``v1`` entry matches any secret it holds, so both sides can move to
a new secret without a moment in which deliveries fail.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from secrets import token_bytes

from lightsoff.domain.errors import (
    ConfigurationError,
    MalformedSignatureHeaders,
    SignatureMismatch,
    StaleTimestamp,
)
from lightsoff.services.ports import Clock

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"
VERSION = "v1"
MIN_SECRET_BYTES = 24
MAX_SECRET_BYTES = 64
DEFAULT_SECRET_BYTES = 32
DEFAULT_TOLERANCE = timedelta(minutes=5)

_MAC_BYTES = hashlib.sha256().digest_size
_TIMESTAMP = re.compile(r"[0-9]{1,11}")  # up to the year 5138, inside datetime's range
_MAX_SIGNATURE_ENTRIES = 16
_WHITESPACE = re.compile(r"\s")  # what str.isspace() calls whitespace


@dataclass(frozen=True, slots=True)
class WebhookSecret:
    """A symmetric signing key. Its repr never shows the key, so it cannot leak into logs."""

    key: bytes = field(repr=False)

    @classmethod
    def parse(cls, text: str) -> WebhookSecret:
        """Read ``whsec_<base64>`` (the prefix and the ``=`` padding are optional, as in the upstream libraries)."""
        encoded = text.strip().removeprefix(SECRET_PREFIX)
        try:
            key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except binascii.Error as exc:
            raise ConfigurationError(["a webhook secret must be 'whsec_' followed by base64"]) from exc
        if not key:
            raise ConfigurationError(["a webhook secret must not be empty"])
        return cls(key)

    def __str__(self) -> str:
        return SECRET_PREFIX + base64.b64encode(self.key).decode("ascii")


def generate_secret(num_bytes: int = DEFAULT_SECRET_BYTES) -> WebhookSecret:
    """A new random secret from the operating system's CSPRNG; ``str()`` of it is what a subscriber is given."""
    if not MIN_SECRET_BYTES <= num_bytes <= MAX_SECRET_BYTES:
        raise ValueError(f"a webhook secret has {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes, not {num_bytes}")
    return WebhookSecret(token_bytes(num_bytes))


def as_secrets(given: Iterable[WebhookSecret | str]) -> list[WebhookSecret]:
    return [item if isinstance(item, WebhookSecret) else _parsed(item) for item in given]


@functools.lru_cache(maxsize=1024)
def _parsed(text: str) -> WebhookSecret:
    """The relay signs every delivery with a subscription's stored secrets: decode each once, not each time."""
    return WebhookSecret.parse(text)


def signed_content(msg_id: str, timestamp: int | str, body: bytes) -> bytes:
    return f"{msg_id}.{timestamp}.".encode() + body


def _mac(secret: WebhookSecret, content: bytes) -> bytes:
    return hmac.new(secret.key, content, hashlib.sha256).digest()


def sign(secrets: Sequence[WebhookSecret | str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: one ``v1,<base64 MAC>`` per secret, separated by spaces."""
    if not secrets:
        raise ValueError("signing needs at least one secret")
    _check_id(msg_id)
    if timestamp < 0:
        raise ValueError(f"a webhook timestamp is unix seconds, not {timestamp}")
    content = signed_content(msg_id, timestamp, body)
    return " ".join(
        f"{VERSION},{base64.b64encode(_mac(secret, content)).decode('ascii')}" for secret in as_secrets(secrets)
    )


def signature_headers(
    secrets: Sequence[WebhookSecret | str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three headers that carry a signature, ready to send."""
    return {
        HEADER_ID: msg_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_SIGNATURE: sign(secrets, msg_id, timestamp, body),
    }


def _check_id(msg_id: str) -> None:
    # A dot would let bytes slide between the id and the timestamp without changing the signed content.
    if not msg_id or "." in msg_id or _WHITESPACE.search(msg_id):
        raise ValueError(f"a webhook id must be non-empty, without dots or spaces: {msg_id!r}")


@dataclass(frozen=True, slots=True)
class VerifiedWebhook:
    """What a receiver may rely on once the signature checks out; ``msg_id`` is its idempotency key."""

    msg_id: str
    timestamp: datetime


class Verifier:
    """Checks webhooks against the receiver's active secrets, at the time the injected clock tells."""

    def __init__(
        self, secrets: Sequence[WebhookSecret | str], clock: Clock, tolerance: timedelta = DEFAULT_TOLERANCE
    ) -> None:
        if not secrets:
            raise ValueError("verifying needs at least one secret")
        self._secrets = as_secrets(secrets)
        self._clock = clock
        self._tolerance = tolerance

    def verify(self, headers: Mapping[str, str], body: bytes) -> VerifiedWebhook:
        """Return the message id and time, or raise an ``InvalidSignature`` that says what is wrong."""
        lowered = {name.lower(): value for name, value in headers.items()}
        msg_id = _required(lowered, HEADER_ID)
        if "." in msg_id:
            raise MalformedSignatureHeaders(HEADER_ID, "must not contain '.'")
        timestamp_text = _required(lowered, HEADER_TIMESTAMP)
        timestamp = _parse_timestamp(timestamp_text)
        self._check_freshness(timestamp)
        macs = _parse_signatures(_required(lowered, HEADER_SIGNATURE))
        content = signed_content(msg_id, timestamp_text, body)
        if not macs:
            raise SignatureMismatch(f"no {VERSION} signature in {HEADER_SIGNATURE}")
        if not _any_matches(macs, [_mac(secret, content) for secret in self._secrets]):
            raise SignatureMismatch("no signature matches any of the secrets")
        return VerifiedWebhook(msg_id=msg_id, timestamp=timestamp)

    def _check_freshness(self, timestamp: datetime) -> None:
        now = self._clock.now()
        if timestamp < now - self._tolerance:
            raise StaleTimestamp(f"timestamp {timestamp.isoformat()} is more than {self._tolerance} old")
        if timestamp > now + self._tolerance:
            raise StaleTimestamp(f"timestamp {timestamp.isoformat()} is more than {self._tolerance} ahead")


def _required(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name, "").strip()
    if not value:
        raise MalformedSignatureHeaders(name, "missing")
    return value


def _parse_timestamp(value: str) -> datetime:
    if not _TIMESTAMP.fullmatch(value):
        raise MalformedSignatureHeaders(HEADER_TIMESTAMP, f"must be integer unix seconds, not {value[:40]!r}")
    return datetime.fromtimestamp(int(value), tz=UTC)


def _parse_signatures(value: str) -> list[bytes]:
    """The MACs of the well-formed ``v1`` entries; other versions (``v1a``…) are skipped, as the spec says."""
    entries = value.split()
    if len(entries) > _MAX_SIGNATURE_ENTRIES:
        raise MalformedSignatureHeaders(HEADER_SIGNATURE, f"more than {_MAX_SIGNATURE_ENTRIES} signatures")
    macs, malformed = [], []
    for entry in entries:
        version, comma, encoded = entry.partition(",")
        if not comma or not version:
            malformed.append(entry)
        elif version == VERSION:
            mac = _decode_mac(encoded)
            if mac is None:
                malformed.append(entry)
            else:
                macs.append(mac)
    if malformed and not macs:
        raise MalformedSignatureHeaders(HEADER_SIGNATURE, f"not '<version>,<base64>': {malformed[0][:60]!r}")
    return macs


def _decode_mac(encoded: str) -> bytes | None:
    try:
        mac = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        return None
    return mac if len(mac) == _MAC_BYTES else None


def _any_matches(given: list[bytes], expected: list[bytes]) -> bool:
    """Compare every pair in constant time, so timing tells nothing about how close a guess came."""
    matched = False
    for mac in given:
        for candidate in expected:
            matched |= hmac.compare_digest(mac, candidate)
    return matched
