"""The examples in docs/formats are true: the YAML loads as a mapping, and the CSV becomes the JSON shown."""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path

import yaml

from lightsoff.formats.spreadsheet import SpreadsheetMapping, read_csv

DOCS = Path(__file__).parents[3] / "docs" / "formats"


def blocks(name: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", (DOCS / name).read_text(), re.DOTALL)


def test_the_spreadsheet_example_reads_as_documented() -> None:
    (settings,) = blocks("spreadsheets.md", "yaml")
    (sheet,) = blocks("spreadsheets.md", "csv")
    (expected,) = blocks("spreadsheets.md", "json")
    mapping = SpreadsheetMapping.model_validate(yaml.safe_load(settings)["spreadsheet"])

    document = read_csv(codecs.BOM_UTF8 + sheet.encode(), mapping)

    assert document.details["delimiter"] == ";"
    assert [order.reference for order in document.orders] == ["4500012345", "4500012346"]
    assert all(order.problems == () for order in document.orders)
    assert document.orders[0].order == json.loads(expected)


def test_the_email_example_mapping_loads() -> None:
    (settings,) = blocks("email.md", "yaml")

    mapping = SpreadsheetMapping.model_validate(yaml.safe_load(settings)["spreadsheet"])

    assert mapping.sheet == "Bestellung"
    assert mapping.header_row == 3
