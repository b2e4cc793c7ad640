"""The store's user-facing error, importable without loading the database libraries."""


class StoreError(Exception):
    """The store cannot be opened or used; the message says what to do."""
