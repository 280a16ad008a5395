"""``storyline migrate``: move a store to another backend (SQLite file -> PostgreSQL server)."""

from __future__ import annotations

import click

from .cli import cli


@cli.command("migrate")
@click.option("--from", "source", required=True, metavar="STORE",
              help="The store to copy: sqlite:PATH, a file path, or postgresql://...")
@click.option("--to", "target", required=True, metavar="STORE",
              help="An empty store to fill, e.g. postgresql://user@host/dbname.")
@click.option("--batch", type=int, default=1000, show_default=True, help="Rows per insert batch.")
def migrate(source: str, target: str, batch: int) -> None:
    """Copy a whole store (articles, annotations, events, decisions, reports) into another.

    The target must be empty; it gets the same schema version, every row with its ids, and
    builds its own full-text index. Row counts and a content digest of every table are
    checked after the copy; a mismatch is an error."""
    from .store import open_store
    from .store.postgres import redact
    from .store.transfer import copy_store

    with open_store(source) as src, open_store(target) as dst:
        result = copy_store(src, dst, batch=batch)
    total = sum(result["tables"].values())
    click.echo(f"copied {total} rows in {len(result['tables'])} tables from {redact(source)} to {redact(target)}; "
               "counts and digests match")
    for table, n in result["tables"].items():
        click.echo(f"  {table:18} {n}")
