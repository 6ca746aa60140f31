"""The keys lightsoff signs its access tokens with: Ed25519, kept in the database, published as a JWKS.

Keeping them in the database lets every API process of a scale-out deployment sign and verify
without a key file to distribute; the first process that needs a key creates it.
"""

from __future__ import annotations

import json
import secrets
import threading
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from lightsoff.domain.security import SigningKey
from lightsoff.services.ports import Clock, UnitOfWorkFactory

ALGORITHM = "EdDSA"


class Keyring:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock
        self._lock = threading.Lock()
        self._private: dict[str, Ed25519PrivateKey] = {}
        self._order: list[str] = []

    def signing_key(self) -> tuple[str, Ed25519PrivateKey]:
        """The newest usable key, created on first use."""
        with self._lock:
            if not self._order:
                self._load()
            if not self._order:
                self._create()
                self._load()
            key_id = self._order[0]
            return key_id, self._private[key_id]

    def public_key(self, key_id: str) -> Ed25519PublicKey | None:
        """The key a token names; reloaded once when unknown, since another process may have just made it."""
        with self._lock:
            if key_id not in self._private:
                self._load()
            private = self._private.get(key_id)
        return private.public_key() if private is not None else None

    def jwks(self) -> dict[str, Any]:
        with self._lock:
            self._load()
            keys = [(key_id, self._private[key_id].public_key()) for key_id in self._order]
        return {"keys": [_jwk(key_id, public) for key_id, public in keys]}

    def _load(self) -> None:
        with self._uow(write=False) as uow:
            usable = uow.signing_keys.usable()
        self._private = {key.key_id: _private_key(key.private_key_pem) for key in usable}
        self._order = [key.key_id for key in usable]

    def _create(self) -> None:
        private = Ed25519PrivateKey.generate()
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        key = SigningKey(f"ls-{secrets.token_hex(6)}", ALGORITHM, pem, self._clock.now())
        self._uow.run(lambda uow: uow.signing_keys.add(key))


def _private_key(pem: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, Ed25519PrivateKey), "lightsoff signs with Ed25519 keys only"
    return key


def _jwk(key_id: str, public: Ed25519PublicKey) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(OKPAlgorithm.to_jwk(public))
    return jwk | {"kid": key_id, "alg": ALGORITHM, "use": "sig"}
