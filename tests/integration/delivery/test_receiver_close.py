"""The test receivers shut down cleanly while a sender keeps connecting: no connection is left unclosed.

asyncio (3.11) abandons a connection accepted just as its server closes (``Server._attach`` fails an
assertion and the half-made transport is never closed); the warning it gives at a later garbage
collection failed relay tests at random ("unclosed transport <_SelectorSocketTransport … read=idle …>").
The receivers stop accepting before they close (``receiver.stop_serving``); these tests hammer them with
connections while they do, and would catch every such transport (about ten per round before the fix).
"""

from __future__ import annotations

import gc
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from lightsoff.delivery.signing import WebhookSecret
from lightsoff.testing import FakeClock
from tests.e2e.delivery.inbox import Inbox
from tests.integration.delivery.receiver import Receiver

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ROUNDS = 12


@contextmanager
def hammered(port: int, clients: int = 4) -> Iterator[None]:
    """Clients that connect, send a request and hang up, as fast as they can, until the block ends."""
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            with socket.socket() as client:
                try:
                    client.connect(("127.0.0.1", port))
                    client.sendall(b"POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    time.sleep(0.001)  # refused or reset: the receiver is going or gone

    threads = [threading.Thread(target=hammer) for _ in range(clients)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.05)
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def unclosed_transports(rounds: Callable[[], None]) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        rounds()
        gc.collect()
    return [str(w.message) for w in caught if "unclosed" in str(w.message)]


@pytest.mark.parametrize("kind", ["receiver", "inbox"])
def test_a_receiver_closed_while_clients_keep_connecting_leaves_no_connection_open(kind: str) -> None:
    def rounds() -> None:
        for _ in range(ROUNDS):
            if kind == "receiver":
                receiver = Receiver(WebhookSecret.parse(SECRET), FakeClock())
                with hammered(int(receiver.url.rsplit(":", 1)[1])):
                    receiver.close()
            else:
                inbox = Inbox([SECRET])
                with hammered(inbox.port):
                    inbox.stop()  # down and up again on the same port, as the weather test does
                    inbox.start()
                    inbox.close()

    assert unclosed_transports(rounds) == []
