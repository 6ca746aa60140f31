"""Configuration files: the demo loads; every mistake is reported with file, line and field, all at once."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from lightsoff.config.loader import load_reference_data
from lightsoff.demo import CONFIG_DIR
from lightsoff.domain.errors import ConfigurationError
from lightsoff.domain.exception_cases import Severity
from lightsoff.domain.reference_data import ProductStatus


def test_the_demo_configuration_loads() -> None:
    data = load_reference_data(CONFIG_DIR)
    assert [partner.code for partner in data.partners()] == ["ACME", "BOLT", "NORDPIPE"]
    fit400 = data.product("FIT-400")
    assert fit400 is not None
    assert (fit400.status, fit400.successor) == (ProductStatus.DISCONTINUED, "FIT-410")
    assert data.product_by_gtin("04012345000016") == data.product("WID-100")
    route = data.route("unknown_partner")
    assert (route.team, route.severity, route.handle_within) == ("customer_service", Severity.HIGH, timedelta(hours=2))


def test_an_unrouted_category_goes_to_customer_service() -> None:
    assert load_reference_data(CONFIG_DIR).route("something_new").team == "customer_service"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    return folder


def problems(folder: Path) -> list[str]:
    with pytest.raises(ConfigurationError) as caught:
        load_reference_data(folder)
    return caught.value.problems


def test_every_problem_names_file_line_and_field(config: Path) -> None:
    (config / "partners" / "BOLT.yaml").write_text(
        "code: BOLT\nname: Bolt\nship_to:\n  - code: W1\n    name: Leeds\n    fax: 123\n"
    )
    products = (config / "products.yaml").read_text()
    (config / "products.yaml").write_text(
        products.replace('gtin: "4012345000016"', 'gtin: "4012345000017"').replace("case_pack: 50", "case_pack: 0")
    )
    found = problems(config)
    bolt = str(config / "partners" / "BOLT.yaml")
    assert f"{bolt}:6: ship_to.0.fax: Extra inputs are not permitted" in found
    assert any(p.startswith(f"{config / 'products.yaml'}:6: products.0.gtin") and "check digit" in p for p in found)
    assert any(p.startswith(f"{config / 'products.yaml'}:15: products.1.case_pack") for p in found)
    assert len(found) == 3, "a broken product master must not drown the partners' code lists in noise"


def test_a_code_list_pointing_nowhere_is_located(config: Path) -> None:
    (config / "partners" / "BOLT.yaml").write_text("code: BOLT\nname: Bolt\ncustomer_skus:\n  X-1: NOT-A-SKU\n")
    bolt = str(config / "partners" / "BOLT.yaml")
    assert problems(config) == [f"{bolt}:4: customer_skus.X-1: NOT-A-SKU is not a SKU of the product master"]


def test_cross_file_mistakes_are_found(config: Path) -> None:
    (config / "partners" / "COPY.yaml").write_text("code: ACME\nname: Copy\n")
    products = (config / "products.yaml").read_text()
    (config / "products.yaml").write_text(products.replace("successor: FIT-410", "successor: FIT-999"))
    found = problems(config)
    assert any("partner code ACME is used by more than one file" in p for p in found)
    assert any("ACME differs from the file name COPY.yaml" in p for p in found)
    assert any("successor: FIT-999 is not a SKU" in p for p in found)


def test_broken_yaml_is_located(config: Path) -> None:
    (config / "routing.yaml").write_text("routes:\n  a: {team: x\n")
    [problem] = problems(config)
    assert problem.startswith(f"{config / 'routing.yaml'}:3: not valid YAML")


def test_a_missing_folder_is_one_clear_problem(tmp_path: Path) -> None:
    assert problems(tmp_path / "nope") == [f"{tmp_path / 'nope'}: the configuration folder does not exist"]
