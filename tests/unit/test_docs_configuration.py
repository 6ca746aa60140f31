"""docs/configuration.md stays true: its examples load, its rule table is the catalogue, it names every key."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from lightsoff.config.loader import load_reference_data
from lightsoff.config.problems import allowed_keys
from lightsoff.config.schema import PartnerConfig, ProductsConfig, RoutingConfig
from lightsoff.domain.policy import RuleOutcome
from lightsoff.rules.catalog import CATALOG

DOC = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", DOC, flags=re.DOTALL)


def examples() -> dict[str, str]:
    """The YAML examples, by the file each names in its first line (``# partners/ACME.yaml``)."""
    found = {}
    for language, text in BLOCKS:
        first, _, _ = text.partition("\n")
        if language == "yaml" and re.fullmatch(r"# \S+\.yaml", first.strip()):
            found[first.removeprefix("# ").strip()] = text
    return found


def test_the_documents_example_is_a_valid_part_of_a_profile(tmp_path: Path) -> None:
    write_examples(tmp_path)
    [section] = [text for language, text in BLOCKS if text.startswith("# in partners/ACME.yaml")]
    profile = tmp_path / "partners" / "ACME.yaml"
    profile.write_text(profile.read_text(encoding="utf-8") + section, encoding="utf-8")
    acme = load_reference_data(tmp_path).partner("ACME")
    assert acme is not None
    assert acme.documents.x12 is not None
    assert (acme.documents.outbound_format, acme.documents.x12.partner_id) == ("x12", "ACMEBUYER")


def write_examples(folder: Path) -> None:
    for name, text in examples().items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


def test_the_examples_make_a_valid_configuration(tmp_path: Path) -> None:
    assert set(examples()) == {"partners/ACME.yaml", "products.yaml", "routing.yaml"}
    write_examples(tmp_path)
    data = load_reference_data(tmp_path)
    acme = data.partner("ACME")
    assert acme is not None
    assert acme.location_for("4711") == "ACME-DC-NORTH"
    assert data.route("ship_date").team == "planning"


def test_the_csv_example_is_the_yaml_example(tmp_path: Path) -> None:
    write_examples(tmp_path)
    from_yaml = load_reference_data(tmp_path).products()
    [csv_text] = [text for language, text in BLOCKS if text.startswith("sku;")]
    (tmp_path / "products.yaml").unlink()
    (tmp_path / "products.csv").write_text(csv_text, encoding="utf-8")
    from_csv = load_reference_data(tmp_path).products()
    assert [p.sku for p in from_csv] == [p.sku for p in from_yaml]
    assert from_csv[0] == from_yaml[0]


def rule_table() -> dict[str, tuple[str, set[str]]]:
    """Rule → (default, what ``rules:`` may set): the words before any ``:`` or ``(`` of the last column."""
    rows = re.findall(r"^\| `(\w+)` \| (\w+) \| (.+) \|$", DOC, flags=re.MULTILINE)
    outcomes = {outcome.value for outcome in RuleOutcome}
    table = {}
    for rule, default, settable in rows:
        if default in outcomes:
            words = re.split(r"[:(]", settable)[0].replace(",", " ").split()
            table[rule] = (default, set(words) & outcomes)
    return table


def test_the_rule_table_says_what_the_catalogue_says() -> None:
    expected = {info.id: (info.default.value, {outcome.value for outcome in info.outcomes}) for info in CATALOG}
    assert rule_table() == expected


def keys(model: type[BaseModel], loc: tuple[Any, ...] = ()) -> set[str]:
    """Every key of a file's model, nested models included."""
    found = set()
    for name in allowed_keys(model, loc):
        found.add(name)
        for inner in ((*loc, name), (*loc, name, 0), (*loc, name, "x")):
            found |= keys(model, inner) if allowed_keys(model, inner) else set()
    return found


@pytest.mark.parametrize("model", [PartnerConfig, ProductsConfig, RoutingConfig])
def test_every_key_is_documented(model: type[BaseModel]) -> None:
    missing = {key for key in keys(model) if f"`{key}`" not in DOC and f"{key}:" not in DOC and f".{key}`" not in DOC}
    assert not missing
