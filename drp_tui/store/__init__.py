"""The local store: SQLModel tables, engine, migrations, the event log and outbox."""
