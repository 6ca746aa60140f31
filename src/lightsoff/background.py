"""A daemon thread that runs one loop of ``serve``'s background work until it is told to stop.

``serve`` runs several (notifications and escalation, order responses and document delivery, drop
folders) beside the API; each subclass writes its loop in ``_main`` and waits on ``self._stop``
between rounds, so that ``stop`` ends it within one wait, not one interval.
"""

from __future__ import annotations

import signal
import threading
from abc import ABC, abstractmethod


def stop_on_ctrl_c() -> None:
    """Ctrl-C (SIGINT) raises KeyboardInterrupt in this process, whatever its parent did with it.

    Python turns SIGINT into KeyboardInterrupt only when the parent left it alone; started by a parent
    that ignores it (``nohup``, a shell's background job, some CI runners and service managers), a
    long-running command would ignore Ctrl-C and a supervisor's SIGINT for good. ``serve`` and
    ``watch`` call this first, so they stop however they were started.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)


class BackgroundThread(ABC):
    def __init__(self, name: str) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 35.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    @abstractmethod
    def _main(self) -> None:
        """The loop: a round of work, then ``self._stop.wait(interval)``, until it is set."""
