"""docs/notifications.md shows the mail the code writes, to the letter."""

from __future__ import annotations

import re
from pathlib import Path

from lightsoff.services.notifications.compose import raised_mail
from tests.unit.notifications.test_compose import CONTEXT, RAISED

DOC = Path(__file__).parents[3] / "docs" / "notifications.md"


def test_the_example_mail_in_the_docs_is_what_lightsoff_sends() -> None:
    found = re.search(r"<!-- example: raised mail .*?-->\n```\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert found is not None
    mail = raised_mail(RAISED, "c1fc5d32-84e2-4028-87a0-04be0bc5b4fd", ["md@plant.example"], CONTEXT)
    assert found.group(1) == f"Subject: {mail.subject}\nMessage-ID: {mail.message_id}\n\n{mail.text}"
