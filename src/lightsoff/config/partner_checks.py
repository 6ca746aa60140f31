"""Checks of partner profiles across values and files: codes, identifiers, code lists, rule overrides.

Code lists are checked against the product master only when it loaded (``Master``), so a broken
master does not drown every profile's code list in noise.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from lightsoff.config.problems import Document, Loaded, Loc, problem, repeats
from lightsoff.config.schema import PartnerConfig, ProductsConfig
from lightsoff.domain.policy import RuleOutcome
from lightsoff.rules.catalog import DISCONTINUED_PRODUCT, RULES

PACK_UNITS = frozenset({"CS", "PL"})
"""Units every product can be ordered in: its case and its pallet."""


@dataclass(frozen=True, slots=True)
class Master:
    """What the code lists may point at."""

    skus: frozenset[str]
    units: frozenset[str]

    @classmethod
    def of(cls, products: ProductsConfig | None) -> Master:
        listed = products.products if products else []
        return cls(frozenset(p.sku for p in listed), frozenset(p.uom for p in listed) | PACK_UNITS)


def partner_problems(partners: list[Loaded[PartnerConfig]], master: Master | None) -> Iterator[str]:
    yield from _code_problems(partners)
    yield from _shared_identifiers(partners)
    yield from _shared_folders(partners)
    for loaded in partners:
        yield from _location_problems(loaded.document, loaded.config)
        yield from _rule_problems(loaded.document, loaded.config)
        if master is not None:
            yield from _code_list_problems(loaded.document, loaded.config, master)


def _code_problems(partners: list[Loaded[PartnerConfig]]) -> Iterator[str]:
    codes = Counter(loaded.config.code for loaded in partners)
    for loaded in partners:
        document, code = loaded.document, loaded.config.code
        if codes[code] > 1:
            yield problem(document, ("code",), f"partner code {code} is used by more than one file: keep one")
        if document.path.stem != code:
            yield problem(document, ("code",), f"{code} differs from the file name {document.path.name}: rename one")


def _identifiers(config: PartnerConfig) -> Iterator[tuple[Loc, str]]:
    """Every id intake may find the partner by (``ReferenceData.partner_by_identifier``), where it is written."""
    ids = config.identifiers
    yield from ((("identifiers", "edi", index), edi.id) for index, edi in enumerate(ids.edi))
    yield from ((("identifiers", "gln", index), gln) for index, gln in enumerate(ids.gln))
    yield from ((("identifiers", "email", index), email) for index, email in enumerate(ids.email))


def _shared_identifiers(partners: list[Loaded[PartnerConfig]]) -> Iterator[str]:
    """An EDI sender id, a GLN or an e-mail address names one partner; shared, intake could only guess."""
    owners: defaultdict[str, set[str]] = defaultdict(set)
    for loaded in partners:
        for _, value in _identifiers(loaded.config):
            owners[value.strip().lower()].add(loaded.config.code)
    for loaded in partners:
        for loc, value in _identifiers(loaded.config):
            others = sorted(owners[value.strip().lower()] - {loaded.config.code})
            if others:
                yield problem(
                    loaded.document, loc, f"{value} also names partner {', '.join(others)}: give it to one partner"
                )


def _shared_folders(partners: list[Loaded[PartnerConfig]]) -> Iterator[str]:
    """A drop folder is one partner's: a file there is taken in as that partner's."""
    owners: defaultdict[str, set[str]] = defaultdict(set)
    for loaded in partners:
        folder = loaded.config.documents.inbound_folder if loaded.config.documents else None
        if folder:
            owners[os.path.normpath(folder)].add(loaded.config.code)
    for loaded in partners:
        folder = loaded.config.documents.inbound_folder if loaded.config.documents else None
        others = sorted(owners[os.path.normpath(folder)] - {loaded.config.code}) if folder else []
        if others:
            yield problem(
                loaded.document,
                ("documents", "inbound_folder"),
                f"{folder} is also partner {', '.join(others)}'s drop folder: give each partner its own",
            )


def _location_problems(document: Document, config: PartnerConfig) -> Iterator[str]:
    codes = repeats(location.code for location in config.ship_to)
    glns = repeats(location.gln for location in config.ship_to)
    for index, location in enumerate(config.ship_to):
        if index in codes:
            yield problem(
                document, ("ship_to", index, "code"), f"{location.code} is ship_to[{codes[index]}]'s code already"
            )
        if index in glns:
            yield problem(
                document, ("ship_to", index, "gln"), f"{location.gln} is ship_to[{glns[index]}]'s GLN already"
            )
    locations = {location.code for location in config.ship_to}
    known = ", ".join(sorted(locations)) or "none yet"
    for alias, code in config.ship_to_codes.items():
        if alias in locations:
            yield problem(document, ("ship_to_codes", alias), f"{alias} is a location's own code: remove it here")
        elif code not in locations:
            yield problem(
                document, ("ship_to_codes", alias), f"{code} is not a code under ship_to (those are: {known})"
            )


def _code_list_problems(document: Document, config: PartnerConfig, master: Master) -> Iterator[str]:
    for customer_sku, sku in config.customer_skus.items():
        if sku not in master.skus:
            yield problem(
                document,
                ("customer_skus", customer_sku),
                f"{sku} is not a SKU of the product master: map to one of its SKUs, or add the product",
            )
    units = ", ".join(sorted(master.units))
    for synonym, unit in config.uom_synonyms.items():
        if unit not in master.units:
            yield problem(document, ("uom_synonyms", synonym), f"{unit} is not a unit of ours (those are: {units})")


def _rule_problems(document: Document, config: PartnerConfig) -> Iterator[str]:
    policy = config.policy
    settable = ", ".join(info.id for info in RULES.values() if info.outcomes)
    for rule, outcome in policy.rules.items():
        info = RULES.get(rule)
        where = ("policy", "rules", rule)
        if info is None:
            yield problem(document, where, f"not a rule; the rules a profile can set are: {settable}")
        elif outcome not in info.outcomes:
            yield problem(document, where, _unsupported(rule, outcome))
    if policy.substitute_successor and DISCONTINUED_PRODUCT in policy.rules:
        yield problem(
            document,
            ("policy", "rules", DISCONTINUED_PRODUCT),
            "contradicts substitute_successor: true, which has discontinued products replaced: keep one of them",
        )


def _unsupported(rule: str, outcome: RuleOutcome) -> str:
    info = RULES[rule]
    if not info.outcomes:
        return f"{rule} is not set here but by {info.set_by}"
    allowed = " or ".join(choice.value for choice in RuleOutcome if choice in info.outcomes)
    decided = f"; {outcome.value} is set by {info.set_by}" if info.set_by else ""
    return f"{rule} cannot be {outcome.value}, it takes {allowed}{decided}"
