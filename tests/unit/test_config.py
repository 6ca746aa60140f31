"""Configuration files: the demo loads; every mistake is reported with file, line and field, all at once."""

from __future__ import annotations

import shutil
import textwrap
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from lightsoff.config.loader import load_reference_data
from lightsoff.demo import CONFIG_DIR
from lightsoff.domain.errors import ConfigurationError
from lightsoff.domain.exception_cases import Severity
from lightsoff.domain.policy import Amendments, RepeatOrders, Rounding, RuleOutcome
from lightsoff.domain.reference_data import ProductStatus
from lightsoff.rules.catalog import EXCEPTION_CATEGORIES


@pytest.fixture
def config(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    return folder


def problems(folder: Path) -> list[str]:
    with pytest.raises(ConfigurationError) as caught:
        load_reference_data(folder)
    return caught.value.problems


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def the_one_problem(folder: Path, path: Path, line: int, field: str, message: str) -> None:
    [found] = problems(folder)
    assert found.startswith(f"{path}:{line}: {field}: "), found
    assert message in found, found


class TestTheDemo:
    def test_it_loads_every_partner_product_team_and_route(self) -> None:
        data = load_reference_data(CONFIG_DIR)
        assert [partner.code for partner in data.partners()] == ["ACME", "BOLT", "KUEHL", "NORDPIPE"]
        fit400 = data.product("FIT-400")
        assert fit400 is not None
        assert (fit400.status, fit400.successor) == (ProductStatus.DISCONTINUED, "FIT-410")
        assert data.product_by_gtin("04012345000016") == data.product("WID-100")
        route = data.route("unknown_partner")
        assert (route.team, route.severity, route.handle_within) == (
            "customer_service",
            Severity.HIGH,
            timedelta(hours=2),
        )
        assert set(data.routes()) == EXCEPTION_CATEGORIES
        assert data.team("planning").webhook == "https://chat.lightsoff.example/hooks/planning"
        assert data.team("master_data").escalation_emails == ("it.lead@lightsoff.example",)
        assert data.route("subscription_failing").team == "operations"
        assert data.team("operations").emails == ("operations@lightsoff.example",)

    def test_it_has_one_partner_for_each_side_of_every_policy_choice(self) -> None:
        data = load_reference_data(CONFIG_DIR)
        policies = {partner.code: partner.policy for partner in data.partners()}
        assert {code for code, policy in policies.items() if policy.substitute_successor} == {"BOLT"}
        assert {policy.repeat_orders for policy in policies.values()} == set(RepeatOrders)
        assert {policy.amendments for policy in policies.values()} == set(Amendments)
        assert {policy.rounding for policy in policies.values()} == set(Rounding)
        assert len({policy.lead_time_days for policy in policies.values()}) == len(policies)
        kuehl = policies["KUEHL"]
        assert (kuehl.decimal_separator, kuehl.date_formats[0]) == (",", "%d.%m.%Y")
        assert policies["NORDPIPE"].outcomes["pack_multiple"] is RuleOutcome.REVIEW

    def test_it_has_products_for_every_status_and_a_successor_by_date(self) -> None:
        data = load_reference_data(CONFIG_DIR)
        fit500, hose = data.product("FIT-500"), data.product("HOS-600")
        assert fit500 is not None
        assert hose is not None
        assert (fit500.status, fit500.successor) == (ProductStatus.RETIRED, None)
        assert hose.status_on(date(2026, 12, 31)) is ProductStatus.ACTIVE
        assert hose.status_on(date(2027, 1, 1)) is ProductStatus.DISCONTINUED

    def test_partners_carry_identifiers_code_lists_and_contacts(self) -> None:
        data = load_reference_data(CONFIG_DIR)
        kuehl = data.partner_by_identifier("4250159300001")
        assert kuehl is not None
        assert kuehl.code == "KUEHL"
        assert kuehl.identifiers.edi_qualifiers == {"4250159300001": "14"}
        assert kuehl.location_for("4250159399005") == "KTN-LAGER"
        assert kuehl.location_for("LAGER-1") == "KTN-LAGER"
        assert kuehl.uom("gbnd") == "CS"
        assert data.partner_by_identifier("Orders@ACME-Retail.example") == data.partner("ACME")
        assert kuehl.contacts[0].email == "jens.becker@kuehltechnik-nord.example"
        assert kuehl.policy.rounding_tolerance == Decimal("0.05")


def test_an_unrouted_category_goes_to_customer_service() -> None:
    assert load_reference_data(CONFIG_DIR).route("something_new").team == "customer_service"


def test_a_missing_folder_is_one_clear_problem(tmp_path: Path) -> None:
    assert problems(tmp_path / "nope") == [f"{tmp_path / 'nope'}: the configuration folder does not exist"]


def test_every_problem_of_every_file_is_reported_at_once(config: Path) -> None:
    bolt = write(
        config / "partners", "BOLT.yaml", "code: BOLT\nname: Bolt\nship_to:\n  - code: W1\n    name: L\n    fax: 1\n"
    )
    products = (config / "products.yaml").read_text()
    (config / "products.yaml").write_text(
        products.replace('gtin: "4012345000016"', 'gtin: "4012345000017"').replace("case_pack: 50", "case_pack: 0")
    )
    routing = write(config, "routing.yaml", "routes:\n  unknown_product: {team: nobody, handle_within: PT1H}\n")
    found = problems(config)
    assert f"{bolt}:6: ship_to[0].fax: not a key here; the keys here are: code, name, address, gln" in found
    assert any(
        p.startswith(f"{config / 'products.yaml'}:7: products[0].gtin: GTIN") and "check digit" in p for p in found
    )
    assert any(p.startswith(f"{config / 'products.yaml'}:16: products[1].case_pack: ") for p in found)
    assert any(p.startswith(f"{routing}:2: routes.unknown_product.team: team nobody is not defined") for p in found)
    assert len(found) == 4, "a broken product master must not drown the partners' code lists in noise"


def test_broken_yaml_is_located(config: Path) -> None:
    (config / "routing.yaml").write_text("routes:\n  a: {team: x\n")
    [problem] = problems(config)
    assert problem.startswith(f"{config / 'routing.yaml'}:3: not valid YAML")


def test_a_file_that_is_not_utf8_is_one_problem(config: Path) -> None:
    (config / "partners" / "ACME.yaml").write_bytes("code: ACME\nname: Kühl\n".encode("latin-1"))
    assert problems(config) == [f"{config / 'partners' / 'ACME.yaml'}:1: not UTF-8 text: save the file as UTF-8"]


def test_a_file_that_cannot_be_read_is_one_problem(config: Path) -> None:
    (config / "partners" / "DIR.yaml").mkdir()
    assert problems(config) == [f"{config / 'partners' / 'DIR.yaml'}:1: cannot be read: Is a directory"]


def test_a_key_written_twice_is_found_although_yaml_keeps_only_the_last(config: Path) -> None:
    path = write(
        config / "partners", "ACME.yaml", "code: ACME\nname: ACME\ncustomer_skus:\n  A-1: WID-100\n  A-1: WID-200\n"
    )
    the_one_problem(config, path, 5, "customer_skus.A-1", "also on line 4, and YAML keeps only the last")


PARTNER_MISTAKES = [
    # (the profile after "code: TEST" and "name: Test", line, field, what the message says)
    ("colour: red\n", 3, "colour", "not a key here; the keys here are: code, name, identifiers, ship_to"),
    ("ship_to:\n  - name: Depot\n", 4, "ship_to[0].code", "required, but missing"),
    ("ship_to:\n  - {code: 0042, name: Depot}\n", 4, "ship_to[0].code", "YAML read this as the number 34: put it in"),
    ("ship_to:\n  - {code: D1, name: D, gln: '4250159399006'}\n", 4, "ship_to[0].gln", "should be 5 (GS1 mod-10)"),
    ("ship_to:\n  - {code: D1, name: D}\n  - {code: D1, name: E}\n", 5, "ship_to[1].code", "is ship_to[0]'s code"),
    ("identifiers:\n  gln: ['425015930000']\n", 4, "identifiers.gln[0]", "a GLN has 13 digits, this one has 12"),
    ("identifiers:\n  edi: [{id: X1, qualifier: zz}]\n", 4, "identifiers.edi[0].qualifier", "'zz' is not a qualifier"),
    (
        "identifiers:\n  edi: [{id: X1, qualifer: ZZ}]\n",
        4,
        "identifiers.edi[0].qualifer",
        "keys here are: id, qualifier",
    ),
    ("identifiers:\n  email: [orders-at-test]\n", 4, "identifiers.email[0]", "is not an e-mail address"),
    ("contacts:\n  - {name: Jo, email: jo@}\n", 4, "contacts[0].email", "'jo@' is not an e-mail address"),
    ("ship_to_codes: {'7': D9}\n", 3, "ship_to_codes.7", "D9 is not a code under ship_to (those are: none yet)"),
    ("ship_to:\n  - {code: D1, name: D, address: {country: de}}\n", 4, "ship_to[0].address.country", "ISO 3166"),
    ("customer_skus: {X-1: NOPE}\n", 3, "customer_skus.X-1", "NOPE is not a SKU of the product master: map to"),
    ("uom_synonyms: {KG: KG}\n", 3, "uom_synonyms.KG", "KG is not a unit of ours (those are: CS, EA, M, PL)"),
    ("uom_synonyms: {KAR: cs}\n", 3, "uom_synonyms.KAR", "a unit code is upper-case letters and digits"),
    ("policy:\n  rounding: sideways\n", 4, "policy.rounding", "Input should be 'up' or 'nearest'"),
    ("policy:\n  rounding_tolerance: 1.5\n", 4, "policy.rounding_tolerance", "less than or equal to 1"),
    ("policy:\n  lead_time_days: -1\n", 4, "policy.lead_time_days", "greater than or equal to 0"),
    ("policy:\n  decimal_separator: ';'\n", 4, "policy.decimal_separator", "Input should be '.' or ','"),
    ("policy:\n  date_formats: ['%d.%m']\n", 4, "policy.date_formats[0]", "does not say day, month and year"),
    ("policy:\n  date_formats: ['%d.%m.%Q']\n", 4, "policy.date_formats[0]", "is not a strptime date format"),
    ("policy:\n  rules: {pack_multiples: review}\n", 4, "policy.rules.pack_multiples", "not a rule; the rules a"),
    ("policy:\n  rules: {pack_multiple: maybe}\n", 4, "policy.rules.pack_multiple", "Input should be 'accept', 'c"),
    (
        "policy:\n  rules: {unknown_ship_to: correct}\n",
        4,
        "policy.rules.unknown_ship_to",
        "unknown_ship_to cannot be correct, it takes review or reject",
    ),
    (
        "policy:\n  rules: {discontinued_product: correct}\n",
        4,
        "policy.rules.discontinued_product",
        "it takes review or reject; correct is set by the policy setting substitute_successor (true to substitute)",
    ),
    (
        "policy:\n  rules: {repeat_order: correct}\n",
        4,
        "policy.rules.repeat_order",
        "repeat_order is not set here but by the policy setting repeat_orders (keep_separate, merge or review)",
    ),
    (
        "policy:\n  substitute_successor: true\n  rules: {discontinued_product: review}\n",
        5,
        "policy.rules.discontinued_product",
        "contradicts substitute_successor: true",
    ),
    (
        "documents:\n  outbound_format: x12\n",
        3,
        "documents",
        "outbound_format is x12, so give documents.x12 with our_id",
    ),
    ("documents:\n  order_response: true\n", 3, "documents", "order_response and ship_notice need an outbound_format"),
    ("documents:\n  x12: {our_id: LS, version: '003040'}\n", 4, "documents.x12.version", "'004010' or '005010'"),
    ("documents:\n  functional_ack: '998'\n", 4, "documents.functional_ack", "'auto', '997', '999' or 'none'"),
    ("documents:\n  acknowledgement_window: soon\n", 4, "documents.acknowledgement_window", "duration"),
    (
        "documents:\n  spreadsheet: {columns: {po: [PO]}}\n",
        4,
        "documents.spreadsheet.columns.po",
        "",
    ),
]


def test_a_documents_section_becomes_the_partners_document_profile(config: Path) -> None:
    write(
        config / "partners",
        "TEST.yaml",
        """
        code: TEST
        name: Test
        documents:
          outbound_format: x12
          x12: {our_id: LIGHTSOFF, partner_id: TESTBUYER, version: "005010"}
          functional_ack: "999"
          order_response: true
          acknowledgement_window: PT24H
          inbound_folder: drop/TEST
          spreadsheet: {sheet: Orders, decimal_separator: ",", columns: {po_number: [Bestellnummer]}}
        """,
    )
    profile = load_reference_data(config).partner("TEST")
    assert profile is not None
    documents = profile.documents
    assert (documents.outbound_format, documents.functional_ack.value, documents.order_response) == ("x12", "999", True)
    assert documents.x12 is not None
    assert (documents.x12.our_id, documents.x12.our_qualifier, documents.x12.version) == ("LIGHTSOFF", "ZZ", "005010")
    assert documents.acknowledgement_window == timedelta(hours=24)
    assert documents.spreadsheet == {
        "sheet": "Orders",
        "decimal_separator": ",",
        "columns": {"po_number": ("Bestellnummer",)},
    }


@pytest.mark.parametrize(("profile", "line", "field", "message"), PARTNER_MISTAKES)
def test_a_partner_profile_mistake_names_file_line_field_and_the_fix(
    config: Path, profile: str, line: int, field: str, message: str
) -> None:
    path = write(config / "partners", "TEST.yaml", "code: TEST\nname: Test\n" + profile)
    the_one_problem(config, path, line, field, message)


@pytest.mark.parametrize(
    ("text", "found"),
    [("", "found nothing"), ("- code: TEST\n", "found a list")],
    ids=["empty", "a list"],
)
def test_a_profile_that_is_not_a_mapping_says_what_it_should_be(config: Path, text: str, found: str) -> None:
    path = write(config / "partners", "TEST.yaml", text)
    [problem] = problems(config)
    assert problem == f"{path}:1: should be keys and values (code, name, identifiers, ship_to, ship_to_codes, " + (
        f"customer_skus, uom_synonyms, contacts, policy, documents), {found}"
    )


def test_partner_codes_and_identifiers_belong_to_one_file_each(config: Path) -> None:
    copy = write(config / "partners", "COPY.yaml", "code: ACME\nname: Copy\nidentifiers:\n  gln: ['4250159300001']\n")
    acme, kuehl = config / "partners" / "ACME.yaml", config / "partners" / "KUEHL.yaml"
    found = problems(config)
    assert f"{copy}:1: code: partner code ACME is used by more than one file: keep one" in found
    assert f"{copy}:1: code: ACME differs from the file name COPY.yaml: rename one" in found
    assert f"{acme}:2: code: partner code ACME is used by more than one file: keep one" in found
    assert f"{copy}:4: identifiers.gln[0]: 4250159300001 also names partner KUEHL: give it to one partner" in found
    assert any(p.startswith(f"{kuehl}:") and "4250159300001 also names partner ACME" in p for p in found)


def test_a_ship_to_code_list_entry_must_not_shadow_a_location(config: Path) -> None:
    path = write(
        config / "partners",
        "TEST.yaml",
        "code: TEST\nname: T\nship_to: [{code: D1, name: D}]\nship_to_codes: {D1: D1}\n",
    )
    the_one_problem(config, path, 4, "ship_to_codes.D1", "D1 is a location's own code: remove it here")


def master(*products: tuple[str, str]) -> str:
    """A products.yaml, one product a line: (SKU, keys to add or change, as YAML flow mapping entries)."""
    lines = []
    for sku, changes in products:
        fields = {"sku": sku, "description": "D", "uom": "EA", "case_pack": "1"}
        for entry in filter(None, changes.split(", ")):
            key, _, value = entry.partition(": ")
            fields[key] = value
        lines.append("  - {" + ", ".join(f"{key}: {value}" for key, value in fields.items()) + "}\n")
    return "products:\n" + "".join(lines)


PRODUCT_MISTAKES = [
    # (products, line, field, message)
    (master(("A", ""), ("A", "")), 3, "products[1].sku", "SKU A is listed before, on line 2: keep one"),
    (
        master(("A", "gtin: '4012345000016'"), ("B", "gtin: '04012345000016'")),
        3,
        "products[1].gtin",
        "GTIN 04012345000016 is A's already: a GTIN names one SKU",
    ),
    (master(("A", "case_pack: 0")), 2, "products[0].case_pack", "greater than 0"),
    (master(("A", "uom: ea")), 2, "products[0].uom", "a unit code is upper-case letters and digits"),
    (master(("A", "status: gone")), 2, "products[0].status", "'active', 'discontinued' or 'retired'"),
    (master(("A", "status: discontinued, successor: Z")), 2, "products[0].successor", "Z is not a SKU of the"),
    (master(("A", "successor: B"), ("B", "")), 2, "products[0].successor", "an active product is not replaced"),
    (master(("A", "effective_date: 2027-01-01")), 2, "products[0].effective_date", "an active product has none"),
    (
        master(("A", "status: retired, successor: B"), ("B", "")),
        2,
        "products[0].successor",
        "a retired product has no replacement: make it discontinued to have B replace it, or remove successor",
    ),
    (
        master(("A", "status: discontinued, successor: B"), ("B", "status: retired")),
        2,
        "products[0].successor",
        "B is retired, so it replaces nothing",
    ),
    (
        master(("A", "status: discontinued, successor: B"), ("B", "status: discontinued")),
        2,
        "products[0].successor",
        "B is discontinued itself (with no effective_date, so always)",
    ),
    (
        master(("A", "status: discontinued, successor: B"), ("B", "uom: M")),
        2,
        "products[0].successor",
        "B is sold in M, A in EA: a substitute keeps the ordered quantity",
    ),
    (
        master(("A", "min_quantity: 10, max_quantity: 5")),
        2,
        "products[0].min_quantity",
        "10 is above max_quantity 5: no order could fit",
    ),
]


@pytest.mark.parametrize(("products", "line", "field", "message"), PRODUCT_MISTAKES)
def test_a_product_master_mistake_names_file_line_field_and_the_fix(
    config: Path, products: str, line: int, field: str, message: str
) -> None:
    shutil.rmtree(config / "partners")
    path = write(config, "products.yaml", products)
    write(config, "routing.yaml", "routes: {}\n")
    the_one_problem(config, path, line, field, message)


def test_successors_that_go_round_in_a_circle_are_found_on_each_product(config: Path) -> None:
    shutil.rmtree(config / "partners")
    dated = "status: discontinued, effective_date: 2027-01-01, successor: "
    path = write(config, "products.yaml", master(("A", dated + "B"), ("B", dated + "A")))
    assert problems(config) == [
        f"{path}:2: products[0].successor: the successors go round in a circle (A → B → A): break it",
        f"{path}:3: products[1].successor: the successors go round in a circle (B → A → B): break it",
    ]


def test_a_discontinued_product_with_a_dated_successor_chain_is_valid(config: Path) -> None:
    shutil.rmtree(config / "partners")
    dated = "status: discontinued, effective_date: 2027-01-01, successor: "
    write(config, "products.yaml", master(("A", "status: discontinued, successor: B"), ("B", dated + "C"), ("C", "")))
    assert load_reference_data(config).product("B") is not None


ROUTING_MISTAKES = [
    # (routing.yaml, line, field, message)
    ("routes:\n  unknown_sku: {team: t, handle_within: PT1H}\n", 2, "routes.unknown_sku", "not an exception category"),
    ("routes:\n  ship_date: {team: ops, handle_within: PT1H}\n", 2, "routes.ship_date.team", "team ops is not defined"),
    (
        "routes:\n  ship_date: {team: t, handle_within: 4 hours}\n",
        2,
        "routes.ship_date.handle_within",
        "PT4H four hours",
    ),
    ("routes:\n  ship_date: {team: t, handle_within: -PT1H}\n", 2, "routes.ship_date.handle_within", "before it is"),
    ("routes:\n  ship_date: {team: t, handle_within: PT1H, severity: dire}\n", 2, "routes.ship_date.severity", "'low'"),
    (
        "teams:\n  ops: {}\n",
        2,
        "teams.ops",
        "nobody would hear of this team's cases: give it emails",
    ),
    ("teams:\n  ops: {emails: [x]}\n", 2, "teams.ops.emails[0]", "'x' is not an e-mail address"),
    (
        "teams:\n  ops: {emails: [o@example.com], webhook: ftp://x}\n",
        2,
        "teams.ops.webhook",
        "'ftp://x' is not an http(s):// URL",
    ),
    (
        "teams:\n  ops: {emails: [o@example.com]}\n  ' ops': {emails: [o@example.com]}\n",
        3,
        'teams[" ops"]',
        "no blanks",
    ),
]
TEAM_T = "teams:\n  t: {emails: [t@example.com]}\n  customer_service: {emails: [cs@example.com]}\n"


@pytest.mark.parametrize(("routing", "line", "field", "message"), ROUTING_MISTAKES)
def test_a_routing_mistake_names_file_line_field_and_the_fix(
    config: Path, routing: str, line: int, field: str, message: str
) -> None:
    text = routing if routing.startswith("teams") else routing + TEAM_T
    path = write(config, "routing.yaml", text)
    the_one_problem(config, path, line, field, message)


def test_categories_without_a_route_need_the_team_they_fall_to(config: Path) -> None:
    path = write(
        config,
        "routing.yaml",
        "teams:\n  ops: {emails: [o@example.com]}\nroutes:\n  ship_date: {team: ops, handle_within: PT1H}\n",
    )
    [problem] = problems(config)
    assert problem.startswith(f"{path}:1: teams: amendment, discontinued_product, ")
    assert problem.endswith(
        "have no route, so their cases go to team customer_service, which is not defined: define it, or route them"
    )


def test_a_drop_folder_belongs_to_one_partner(config: Path) -> None:
    one = write(config / "partners", "ONE.yaml", "code: ONE\nname: One\ndocuments:\n  inbound_folder: drop/in\n")
    two = write(config / "partners", "TWO.yaml", "code: TWO\nname: Two\ndocuments:\n  inbound_folder: drop/./in/\n")
    found = problems(config)
    message = "drop/in is also partner TWO's drop folder: give each partner its own"
    assert f"{one}:4: documents.inbound_folder: {message}" in found
    assert any(p.startswith(f"{two}:4: documents.inbound_folder: drop/./in/ is also partner ONE's") for p in found)
