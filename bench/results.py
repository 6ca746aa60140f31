"""Writing a benchmark's table into bench/RESULTS.md, between its own markers, and the line that says how it ran.

Each benchmark owns one section (``<!-- name:begin -->`` … ``<!-- name:end -->``); running it again
replaces that section and leaves the rest, notes written by hand included, as they are.
"""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).parent / "RESULTS.md"


def record(marker: str, title: str, section: str) -> None:
    """Put ``section`` between the ``marker`` comments, adding a ``## title`` section at the end if new."""
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    if begin not in text:
        text = text.rstrip("\n") + f"\n\n## {title}\n\n{begin}\n{end}\n"
    before, _, rest = text.partition(begin)
    _, _, after = rest.partition(end)
    RESULTS.write_text(f"{before}{begin}\n{section}{end}{after}")


def how_it_ran(what: str) -> str:
    """``Run <day> on <n> cores, Python <v>, commit <c>; <what>.`` and a blank line."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    return (
        f"Run {date.today()} on {os.cpu_count()} cores, Python {platform.python_version()}, commit "
        f"{commit.stdout.strip() or 'unknown'}; {what}.\n\n"
    )
