"""Where the shared corpus of public sample files lives (``LIGHTSOFF_CORPUS``, default /work/shared/corpus)."""

from __future__ import annotations

import os
from pathlib import Path

CORPUS = Path(os.environ.get("LIGHTSOFF_CORPUS", "/work/shared/corpus")) / "edifact"


def sample(name: str) -> bytes:
    return (CORPUS / name).read_bytes()
