"""A letter as a PDF laid out for a window envelope, to GOV.UK Notify's letter specification
(so the same file can be printed here or sent through Notify): A4 portrait; margins 15 mm left
and right, 5 mm top and bottom; the council's name in the logo block (15 mm from the left, 5 mm
from the top, 25 mm high); the recipient's address in the address block (24.6 mm from the left,
39.5 mm from the top, 95.4 by 26.8 mm: at most 7 lines, postcode last); the council's contact
details, the date and the reference in the contact block (125 mm from the left, 30 mm from the
top, 65 by 65 mm); at most 10 pages. DejaVu Sans (shipped in data/fonts) prints Latin, Greek
and Cyrillic names; a letter with a character it has no glyph for (Chinese, say, or an emoji)
is refused, never posted with the character missing: such a debtor is written to by email.
https://www.notifications.service.gov.uk/using-notify/guidance/letter-specification"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from fpdf import FPDF

from drp_tui.domain.errors import InputError
from drp_tui.domain.letters import Rendered
from drp_tui.services.policy import data_dir

LEFT, RIGHT, TOP, BOTTOM = 15.0, 15.0, 5.0, 5.0
ADDRESS_X, ADDRESS_Y, ADDRESS_W, ADDRESS_H = 24.6, 39.5, 95.4, 26.8
CONTACT_X, CONTACT_Y, CONTACT_W, CONTACT_H = 125.0, 30.0, 65.0, 65.0
ADDRESS_LINES = 7
MAX_PAGES = 10
BODY_TOP = CONTACT_Y + CONTACT_H + 5
FONT = "DejaVu"


@cache
def _printable() -> frozenset[int]:
    """The characters both of the letter's fonts have a glyph for."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    fonts = data_dir() / "fonts"
    found: frozenset[int] | None = None
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        with TTFont(str(fonts / name), lazy=True) as font:
            cmap = frozenset(font.getBestCmap())
        found = cmap if found is None else found & cmap
    assert found is not None
    return found


def unprintable(texts: Iterable[str]) -> str | None:
    """Why the letter's font cannot print `texts` (the characters it has no glyph for), or
    None."""
    printable = _printable()
    missing = dict.fromkeys(
        ch for text in texts for ch in text if not ch.isspace() and ord(ch) not in printable
    )
    if not missing:
        return None
    shown = " ".join(list(missing)[:8]) + (" …" if len(missing) > 8 else "")
    return (
        f"the letter's font cannot print {shown}: a posted letter would go out with them "
        "missing; check the record, or write by email"
    )


def letter_pdf(
    rendered: Rendered,
    council: Mapping[str, Any],
    address: Sequence[str],
    dated: str,
    reference: str,
) -> bytes:
    """The letter's PDF; InputError when the address or the length does not fit the spec."""
    if not 3 <= len(address) <= ADDRESS_LINES:
        raise InputError(
            "address",
            f"a posted letter needs 3 to {ADDRESS_LINES} address lines, not {len(address)}",
        )
    why = unprintable([*address, rendered.subject, rendered.body, reference, dated])
    if why is not None:
        raise InputError("letter", why)
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_margins(LEFT, TOP, RIGHT)
    pdf.set_auto_page_break(auto=True, margin=BOTTOM + 10)
    fonts = data_dir() / "fonts"
    pdf.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_title(rendered.subject)
    pdf.set_creator("drp")
    pdf.add_page()
    pdf.set_font(FONT, "B", 14)
    pdf.set_xy(LEFT, TOP + 5)
    pdf.cell(180, 8, str(council.get("name", "")))
    pdf.set_font(FONT, "", 10)
    line = ADDRESS_H / ADDRESS_LINES
    for number, text in enumerate(address):
        pdf.set_xy(ADDRESS_X, ADDRESS_Y + number * line)
        pdf.cell(ADDRESS_W, line, text)
    contact = [
        str(council.get("department", "")),
        *[str(part) for part in council.get("address", [])],
        f"Phone: {council.get('phone', '')}",
        str(council.get("email", "")),
        "",
        f"Date: {dated}",
        f"Reference: {reference}",
    ]
    pdf.set_font(FONT, "", 9)
    for number, text in enumerate(contact[: int(CONTACT_H // 4.5)]):
        pdf.set_xy(CONTACT_X, CONTACT_Y + number * 4.5)
        pdf.cell(CONTACT_W, 4.5, text)
    pdf.set_xy(LEFT, BODY_TOP)
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(180, 6, rendered.subject)
    pdf.ln(2)
    pdf.set_font(FONT, "", 10.5)
    pdf.multi_cell(180, 5, rendered.body)
    if pdf.page_no() > MAX_PAGES:
        raise InputError("--template", f"the letter runs to {pdf.page_no()} pages: at most 10")
    return bytes(pdf.output())
