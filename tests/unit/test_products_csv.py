"""The product master as CSV: the same products as YAML, and problems that name file, row and column."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from lightsoff.config.loader import load_reference_data
from lightsoff.demo import CONFIG_DIR
from lightsoff.domain.errors import ConfigurationError
from lightsoff.domain.reference_data import ProductStatus

HEADER = (
    "sku,description,uom,case_pack,gtin,cases_per_layer,layers,status,successor,effective_date,"
    "min_quantity,max_quantity\n"
)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    (folder / "products.yaml").unlink()
    return folder


def problems(folder: Path) -> list[str]:
    with pytest.raises(ConfigurationError) as caught:
        load_reference_data(folder)
    return caught.value.problems


def as_csv(folder: Path, delimiter: str = ",") -> Path:
    """The demo master, written out as a spreadsheet would."""
    products = load_reference_data(CONFIG_DIR).products()
    path = folder / "products.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, delimiter=delimiter)
        writer.writerow(HEADER.strip().split(","))
        for p in products:
            pallet = (p.pallet.cases_per_layer, p.pallet.layers) if p.pallet else ("", "")
            dated = (p.status.value, p.successor or "", p.effective_date or "")
            limits = (p.min_quantity or "", p.max_quantity or "")
            writer.writerow([p.sku, p.description, p.uom, p.case_pack, p.gtin, *pallet, *dated, *limits])
    return path


@pytest.mark.parametrize("delimiter", [",", ";"], ids=["comma", "semicolon"])
def test_a_csv_master_gives_the_same_products_as_yaml(config: Path, delimiter: str) -> None:
    as_csv(config, delimiter)
    assert load_reference_data(config).products() == load_reference_data(CONFIG_DIR).products()


def test_both_a_yaml_and_a_csv_master_is_one_problem(config: Path) -> None:
    as_csv(config)
    shutil.copy(CONFIG_DIR / "products.yaml", config / "products.yaml")
    assert problems(config) == [
        f"{config / 'products.csv'}:1: the product master is in products.yaml too: keep one of the two"
    ]


def write(folder: Path, rows: str, header: str = HEADER) -> Path:
    """A master with the demo's SKUs (the partners' code lists point at them) and ``rows`` at the end."""
    path = as_csv(folder)
    kept = path.read_text(encoding="utf-8-sig").splitlines()[1:]
    path.write_text(header + "\n".join(kept) + "\n" + rows, encoding="utf-8")
    return path


def test_a_cell_problem_names_the_row_and_the_column(config: Path) -> None:
    path = write(config, "NEW-1,Widget,EA,0\nNEW-2,Widget,ea,6,4012345000017\n")
    assert problems(config) == [
        f"{path}:12: case_pack (column D): Input should be greater than 0",
        f"{path}:13: uom (column C): 'ea': a unit code is upper-case letters and digits (EA, CS, M), as orders "
        "are read",
        f"{path}:13: gtin (column E): GTIN 4012345000017: the check digit is 7 but should be 6 (GS1 mod-10)",
    ]


def test_half_a_pallet_pack_names_the_missing_column(config: Path) -> None:
    path = write(config, "NEW-1,Widget,EA,6,,8\n")
    assert problems(config) == [f"{path}:12: layers (column G): required, but missing"]


def test_checks_across_rows_name_the_row(config: Path) -> None:
    path = write(config, "NEW-1,Widget,EA,6,,,,discontinued,NEW-9\nWID-100,Again,EA,6\n")
    assert problems(config) == [
        f"{path}:12: successor (column I): NEW-9 is not a SKU of the product master",
        f"{path}:13: sku (column A): SKU WID-100 is listed before, on line 9: keep one",
    ]


def test_a_description_over_two_lines_keeps_the_line_numbers_true(config: Path) -> None:
    path = write(config, '"NEW-1","Widget,\nin two lines",EA,6\nNEW-2,Widget,EA,-1\n')
    assert problems(config) == [f"{path}:14: case_pack (column D): Input should be greater than 0"]


def test_an_unknown_column_is_named_and_the_rows_still_load(config: Path) -> None:
    path = write(config, "", header=HEADER.strip() + ",colour\n")
    assert problems(config) == [
        f"{path}:1: colour (column M): not a column of the product master; the columns are: sku, description, uom, "
        "case_pack, gtin, cases_per_layer, layers, status, successor, effective_date, min_quantity, max_quantity"
    ]


def test_a_missing_required_column_is_one_problem_not_one_per_row(config: Path) -> None:
    path = write(config, "", header="sku,description,uom\n")
    assert problems(config) == [
        f"{path}:1: the header has no column case_pack; the columns are: sku, description, uom, case_pack, gtin, "
        "cases_per_layer, layers, status, successor, effective_date, min_quantity, max_quantity"
    ]


def test_a_row_longer_than_the_header_is_a_problem(config: Path) -> None:
    path = write(config, "NEW-1,Widget,EA,6,,,,,,,,,extra\n")
    assert problems(config) == [f"{path}:12: the row has 13 cells, the header 12"]


def test_empty_rows_are_skipped_and_empty_cells_are_left_out(config: Path) -> None:
    write(config, "\n,,,\nNEW-1,Widget,EA,6,,,,retired,,\n")
    product = load_reference_data(config).product("NEW-1")
    assert product is not None
    assert (product.status, product.gtin, product.pallet, product.successor) == (
        ProductStatus.RETIRED,
        None,
        None,
        None,
    )


def test_a_file_that_is_not_utf8_is_one_problem(config: Path) -> None:
    (config / "products.csv").write_bytes((HEADER + "NEW-1,Würth,EA,6\n").encode("latin-1"))
    assert problems(config) == [f"{config / 'products.csv'}:1: not UTF-8 text: export the sheet as CSV UTF-8"]
