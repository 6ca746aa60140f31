"""Outbound documents read back independently of lightsoff's readers, and their structure checked.

X12: split on the delimiters the ISA itself declares (element separator at offset 3, component
separator in ISA16 at 104, segment terminator at 105), never through ``lightsoff.formats.x12``; then
SE01 counts, ST02 = SE02, GS06 = GE02 and GE01, ISA13 = IEA02 and IEA01, and for an 856 the HL
hierarchy (numbered from 1, each parent earlier and of the level above: S → O → T → I), each pallet's
SSCC in MAN*GM with a valid GS1 check digit and CTT01 = the number of HL segments. pyx12 (another
implementation) must find nothing wrong either.
EDIFACT: parsed by pydifact, with UNT count and reference and UNZ count and reference checked.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pyx12.x12file

from lightsoff.domain import gs1
from tests.unit.formats.edifact.pydifact_check import Parsed
from tests.unit.formats.edifact.pydifact_check import parse as parse_edifact

HL_PARENT = {"S": None, "O": "S", "T": "O", "I": "T"}


@dataclass(frozen=True)
class X12:
    rows: list[list[str]]
    component: str

    def all(self, tag: str) -> list[list[str]]:
        return [row for row in self.rows if row[0] == tag]

    def one(self, tag: str) -> list[str]:
        (row,) = self.all(tag)
        return row

    @property
    def control_number(self) -> str:
        return self.one("ISA")[13]


def read_x12(data: bytes) -> X12:
    """Split ``data`` on its ISA's delimiters and check every envelope count and control number."""
    text = data.decode("latin-1")
    assert text.startswith("ISA"), text[:20]
    element, component, terminator = text[3], text[104], text[105]
    rows = [segment.strip("\r\n").split(element) for segment in text.split(terminator)]
    rows = [row for row in rows if row != [""]]
    assert (rows[0][0], len(rows[0])) == ("ISA", 17), rows[0]
    assert rows[0][16] == component
    _check_envelope(rows)
    reader = pyx12.x12file.X12Reader(io.StringIO(text))
    for _ in reader:
        pass
    assert list(reader.pop_errors()) == []
    return X12(rows, component)


def _check_envelope(rows: list[list[str]]) -> None:
    isa, iea = rows[0], rows[-1]
    assert (iea[0], iea[2]) == ("IEA", isa[13]), (isa[13], iea)
    groups = [row for row in rows if row[0] == "GS"]
    assert int(iea[1]) == len(groups)
    start = None
    sets_in_group = 0
    group: list[str] = []
    for index, row in enumerate(rows):
        if row[0] == "GS":
            group, sets_in_group = row, 0
        elif row[0] == "ST":
            start = index
        elif row[0] == "SE":
            assert start is not None
            assert int(row[1]) == index - start + 1, f"SE01 {row[1]} but the set has {index - start + 1} segments"
            assert row[2] == rows[start][2], f"SE02 {row[2]} is not ST02 {rows[start][2]}"
            sets_in_group += 1
            start = None
        elif row[0] == "GE":
            assert row[2] == group[6], f"GE02 {row[2]} is not GS06 {group[6]}"
            assert int(row[1]) == sets_in_group


def check_856(document: X12) -> list[str]:
    """Check the HL hierarchy, the SSCCs and the totals of an 856; return the SSCCs in MAN order."""
    levels: dict[str, str] = {}
    ssccs = []
    current = None
    for row in document.rows:
        if row[0] == "HL":
            number, parent, level = row[1], row[2], row[3]
            assert int(number) == len(levels) + 1, f"HL01 {number} out of sequence"
            expected = HL_PARENT[level]
            if expected is None:
                assert parent == "", f"HL {number} ({level}) must have no parent"
            else:
                assert parent in levels, f"HL {number} names parent {parent}, which does not come before it"
                assert levels[parent] == expected, f"HL {number} ({level}) under a {levels[parent]}, not a {expected}"
            levels[number] = current = level
        elif row[0] == "MAN":
            assert current == "T", "MAN belongs to a pallet (tare) level"
            assert (row[1], row[2][:2], len(row[2])) == ("GM", "00", 20), row
            assert gs1.is_valid_sscc(row[2][2:]), f"{row[2][2:]} is not a valid SSCC"
            ssccs.append(row[2][2:])
    assert int(document.one("CTT")[1]) == len(levels)
    parents_with_children = {row[2] for row in document.all("HL") if row[2]}
    for row in document.all("HL"):
        assert row[4] == ("1" if row[1] in parents_with_children else "0"), f"HL04 of {row[1]}"
    return ssccs


def read_edifact(data: bytes) -> Parsed:
    """pydifact's reading, with the message and interchange trailers checked against their headers."""
    return parse_edifact(data)


def edifact_control_number(parsed: Parsed) -> str:
    return str(parsed.one("UNB")[4])


def check_desadv(parsed: Parsed) -> list[str]:
    """The packing hierarchy of a DESADV: CPS+1 the consignment, each pallet CPS+n+1 with PAC and an SSCC in GIN.

    Returns the SSCCs in order; each must be valid, appear once, and follow its own pallet's CPS.
    """
    ssccs: list[str] = []
    packages: list[str] = []
    current: list[object] | None = None
    for tag, elements in parsed.segments:
        if tag == "CPS":
            number = str(elements[0])
            assert number == str(len(packages) + 1), f"CPS {number} out of sequence"
            if packages:
                assert elements[1] == "1", f"pallet CPS {number} must name the consignment (1) as its parent"
            else:
                assert len(elements) == 1, "the first CPS is the consignment"
            packages.append(number)
            current = elements
        elif tag == "PAC":
            assert current is not None
            assert len(packages) > 1, "PAC belongs to a pallet"
        elif tag == "GIN":
            assert elements[0] == "BJ", elements
            sscc = str(elements[1])
            assert gs1.is_valid_sscc(sscc), f"{sscc} is not a valid SSCC"
            assert sscc not in ssccs, f"SSCC {sscc} twice"
            ssccs.append(sscc)
    assert len(ssccs) == len(packages) - 1, "one SSCC per pallet"
    return ssccs
