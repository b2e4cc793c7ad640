"""What makes a third party's authority to speak for a debtor good: how the debtor consented
(and the evidence of it), and the vulnerabilities that make a third party a risk rather than a
help. Pure rules; drp_tui/services/authority.py applies them."""

from __future__ import annotations

from collections.abc import Iterable

from drp_tui.domain.errors import InputError

# How a debtor consents to someone speaking for them, and what the officer says of it.
# "verbal" is the debtor themselves, verified on the call it is recorded on; the rest are
# documents, kept by their reference.
CONSENT = {
    "verbal": "the debtor said so on this call, after passing ID&V",
    "written": "a signed consent form",
    "lpa": "a registered Lasting Power of Attorney (property and financial affairs)",
    "deputy": "a Court of Protection deputyship order",
    "appointee": "a DWP appointeeship",
}
# Authorities recorded before consent was asked for: kept in the history, never stood on.
UNRECORDED = "unrecorded"
# Vulnerabilities under which a person claiming to speak for the debtor may be the danger
# (an abuser posing as a partner): an authority on such a case needs the risk confirmed.
THIRD_PARTY_RISKS = ("domestic abuse", "coercive control", "economic abuse", "financial abuse")


def check_consent(consent: str, reference: str, *, debtor_verified_on_call: bool) -> str:
    """The consent kind, cleaned; InputError naming what is missing."""
    kind = consent.strip().lower()
    if not kind:
        raise InputError("consent", f"say how the debtor gave consent: {', '.join(CONSENT)}")
    if kind not in CONSENT:
        raise InputError("consent", f"{consent!r} is not one of {', '.join(CONSENT)}")
    if kind == "verbal":
        if not debtor_verified_on_call:
            raise InputError(
                "call",
                "verbal consent is given by the debtor, on a call where they passed ID&V; "
                "otherwise record the document (written, lpa, deputy, appointee)",
            )
    elif not reference.strip():
        raise InputError("consent_ref", f"{kind} consent needs its reference ({CONSENT[kind]})")
    return kind


def risks_in(categories: Iterable[str]) -> tuple[str, ...]:
    """The recorded vulnerabilities that make a third party a risk, as recorded."""
    return tuple(c for c in categories if c.strip().lower() in THIRD_PARTY_RISKS)
