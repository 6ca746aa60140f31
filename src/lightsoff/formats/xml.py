"""The one way lightsoff parses XML: without DTDs, entities or external references, and with a size limit.

B2MML and other XML documents come from outside; the standard library's parsers would expand
entities (billion laughs) and some resolve external ones (XXE). defusedxml refuses both. A test
checks that no other module imports an XML parser directly.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from lightsoff.domain.errors import LightsoffError

MAX_XML_BYTES = 10 * 1024 * 1024


class UnsafeOrInvalidXml(LightsoffError):
    """XML lightsoff will not read: malformed, too large, or using DTDs or entities."""


def parse_xml(data: bytes, max_bytes: int = MAX_XML_BYTES) -> Element:
    if len(data) > max_bytes:
        raise UnsafeOrInvalidXml(f"the XML document has {len(data)} bytes; at most {max_bytes} are read")
    try:
        root: Element = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise UnsafeOrInvalidXml(f"the XML document uses a DTD, entities or external references: {exc}") from exc
    except ParseError as exc:
        line, column = exc.position
        raise UnsafeOrInvalidXml(f"the XML document is not well-formed at line {line}, column {column}") from exc
    return root
