"""The hub's user-facing error, importable without loading the database libraries."""


class HubError(Exception):
    """The hub cannot be reached, or refused what was sent. Nothing local was lost; the message
    says what happened in one line and never carries a password."""


class HubUnreachable(HubError):
    """The connection failed or dropped: worth trying again after a pause."""
