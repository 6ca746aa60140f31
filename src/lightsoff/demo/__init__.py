"""The demo configuration that ``make run`` (``lightsoff serve --demo``) loads."""

from pathlib import Path

CONFIG_DIR = Path(__file__).parent / "config"
