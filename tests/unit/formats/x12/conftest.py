"""The shared corpus of real X12 samples (see shared/corpus/README.md), found beside the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CORPUS = Path(os.environ.get("LIGHTSOFF_CORPUS", Path(__file__).parents[4].parent / "shared" / "corpus")) / "x12"


def corpus_bytes(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


@pytest.fixture
def corpus() -> Path:
    assert CORPUS.is_dir(), f"the shared corpus is missing at {CORPUS}; set LIGHTSOFF_CORPUS"
    return CORPUS
