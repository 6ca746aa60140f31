"""Loading a configuration folder into reference data, or into the list of everything wrong with it.

Layout::

    <config dir>/
      partners/<CODE>.yaml   one partner profile per file
      products.yaml          the product master, or
      products.csv           the same as a spreadsheet export (one of the two)
      routing.yaml           teams, and exception category → owning team (optional)

Every file is read and validated even when another failed, so one run shows every problem; the
checks that compare files run on what loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from lightsoff.config import build
from lightsoff.config.checks import product_problems, routing_problems
from lightsoff.config.partner_checks import Master, partner_problems
from lightsoff.config.problems import Document, Loaded, Model, key_path, validation_problems
from lightsoff.config.products_csv import CsvError, read_products_csv
from lightsoff.config.schema import PartnerConfig, ProductsConfig, RoutingConfig
from lightsoff.config.yaml_files import YamlError, read_yaml
from lightsoff.domain.errors import ConfigurationError
from lightsoff.domain.reference_data import ReferenceData


@dataclass(slots=True)
class _Folder:
    partners: list[Loaded[PartnerConfig]] = field(default_factory=list)
    products: Loaded[ProductsConfig] | None = None
    routing: Loaded[RoutingConfig] | None = None
    master: Master | None = None
    """What code lists may point at; None when the product master is there but did not load."""
    problems: list[str] = field(default_factory=list)


def load_reference_data(config_dir: Path) -> ReferenceData:
    """Everything in ``config_dir``, or ConfigurationError listing every problem found."""
    if not config_dir.is_dir():
        raise ConfigurationError([f"{config_dir}: the configuration folder does not exist"])
    folder = _read(config_dir)
    folder.problems.extend(partner_problems(folder.partners, folder.master))
    if folder.products is not None:
        folder.problems.extend(product_problems(folder.products))
    if folder.routing is not None:
        folder.problems.extend(routing_problems(folder.routing))
    if folder.problems:
        raise ConfigurationError(folder.problems)
    return build.reference_data(
        [loaded.config for loaded in folder.partners],
        folder.products.config.products if folder.products else [],
        folder.routing.config if folder.routing else None,
    )


def _read(config_dir: Path) -> _Folder:
    folder = _Folder()
    for path in sorted((config_dir / "partners").glob("*.yaml")):
        partner = _yaml(path, PartnerConfig, folder.problems)
        if partner is not None:
            folder.partners.append(partner)
    yaml_master, csv_master = config_dir / "products.yaml", config_dir / "products.csv"
    if yaml_master.exists() and csv_master.exists():
        folder.problems.append(f"{csv_master}:1: the product master is in products.yaml too: keep one of the two")
    elif csv_master.exists():
        folder.products = _csv(csv_master, folder.problems)
    elif yaml_master.exists():
        folder.products = _yaml(yaml_master, ProductsConfig, folder.problems)
    master_missing = not (yaml_master.exists() or csv_master.exists())
    if folder.products is not None or master_missing:
        folder.master = Master.of(folder.products.config if folder.products else None)
    routing_path = config_dir / "routing.yaml"
    if routing_path.exists():
        folder.routing = _yaml(routing_path, RoutingConfig, folder.problems)
    return folder


def _yaml(path: Path, model: type[Model], problems: list[str]) -> Loaded[Model] | None:
    try:
        document = read_yaml(path)
    except YamlError as exc:
        problems.append(str(exc))
        return None
    for loc, line, first in document.repeated_keys:
        problems.append(f"{path}:{line}: {key_path(loc)}: also on line {first}, and YAML keeps only the last: keep one")
    return _validated(document, model, problems)


def _csv(path: Path, problems: list[str]) -> Loaded[ProductsConfig] | None:
    try:
        document, header_problems = read_products_csv(path)
    except CsvError as exc:
        problems.extend(exc.problems)
        return None
    problems.extend(header_problems)
    return _validated(document, ProductsConfig, problems)


def _validated(document: Document, model: type[Model], problems: list[str]) -> Loaded[Model] | None:
    try:
        return Loaded(document, model.model_validate(document.data))
    except ValidationError as exc:
        problems.extend(validation_problems(document, model, exc))
        return None
