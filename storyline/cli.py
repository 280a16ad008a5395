"""The ``storyline`` command: a thin layer over the library.

Each command opens the store, calls one library function and prints its result.
Exit codes: 0 ok, 1 some inputs were rejected (or a lookup failed), 2 usage error.
"""

from __future__ import annotations

import contextlib
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import NotFound, StorylineError
from .settings import Settings, load_settings
from .store.sqlite import SQLiteStore, open_store


class Context:
    def __init__(self, db: str, quiet: bool, settings: Settings):
        self.db = db
        self.quiet = quiet
        self.settings = settings
        self._store: SQLiteStore | None = None

    @property
    def store(self) -> SQLiteStore:
        if self._store is None:
            self._store = open_store(self.db)
        return self._store

    def say(self, message: str = "", **kw: Any) -> None:
        if not self.quiet:
            click.echo(message, **kw)


pass_ctx = click.make_pass_decorator(Context)


class StorylineGroup(click.Group):
    """Turns library errors into a one-line message and exit code 1, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from .store import database_errors
        from .store.postgres import redact

        try:
            return super().invoke(ctx)
        except NotFound as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)
        except StorylineError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)
        except database_errors() as exc:
            db = redact(ctx.obj.db) if isinstance(ctx.obj, Context) else "the database"
            click.echo(f"error: cannot use {db} as a storyline database ({redact(str(exc))}); give another --db, "
                       "or move this one aside if it is not yours", err=True)
            ctx.exit(2)


@click.group(cls=StorylineGroup)
@click.option("--db", envvar="STORYLINE_DB", default="storyline.db", show_default=True,
              help="Store: a SQLite file, or postgresql://user@host/dbname (or set STORYLINE_DB).")
@click.option("--quiet", "-q", is_flag=True, help="Print only results and errors.")
@click.option("--config", type=click.Path(dir_okay=False), help="Settings file (default ./storyline.toml).")
@click.version_option(__version__, prog_name="storyline")
@click.pass_context
def cli(ctx: click.Context, db: str, quiet: bool, config: str | None) -> None:
    """storyline: turn a pile of news articles into events, entities, quotes and sources."""
    ctx.obj = Context(db, quiet, load_settings(config))
    ctx.call_on_close(lambda: ctx.obj._store.close() if ctx.obj._store else None)


def _parse_pairs(pairs: tuple[str, ...], option: str) -> dict[str, str]:
    out = {}
    for p in pairs:
        if "=" not in p:
            raise click.BadParameter(f"{p!r} is not NAME=VALUE", param_hint=option)
        k, v = p.split("=", 1)
        out[k.strip()] = v.strip()
    return out


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--url", "urls", multiple=True, help="A URL to fetch (repeatable).")
@click.option("--urls", "url_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A file of URLs, one a line.")
@click.option("--source", help="Outlet for every article in this batch that does not name one.")
@click.option("--published", help="Publication date (ISO) for articles that have none.")
@click.option("--language", help="Language code for articles that have none (else detected).")
@click.option("--field", "fields", multiple=True, metavar="OURS=THEIRS",
              help="Map a JSON key onto a storyline field, e.g. --field text=body --field title=headline.")
@click.option("--name-pattern", metavar="PATTERN",
              help="Read metadata from file names, e.g. '{published}_{source}_{*}' for 2025-03-04_nordpress_dam.txt.")
@click.option("--max-file-bytes", type=int, help="Refuse files larger than this (default 20 MB).")
@click.option("--allow-private", is_flag=True,
              help="Fetch URLs on private, loopback and link-local addresses too (refused by default).")
@click.option("--no-enrich", is_flag=True, help="Only ingest and clean; skip enrichment and clustering.")
@pass_ctx
def ingest(c: Context, paths: tuple[str, ...], urls: tuple[str, ...], url_file: Path | None, source: str | None,
           published: str | None, language: str | None, fields: tuple[str, ...], name_pattern: str | None,
           max_file_bytes: int | None, allow_private: bool, no_enrich: bool) -> None:
    """Ingest files, folders (recursively), JSON/JSONL records and URLs.

    Formats: .txt (first line is the headline if shaped like one), .md (optional YAML front matter),
    .html, .json, .jsonl, and .urls files (one URL a line). Re-running is safe:
    stored articles are skipped, and an interrupted run is completed.
    """
    from .ingest import read_url_list

    if not paths and not urls and not url_file:
        raise click.UsageError("give files, folders, --url or --urls to ingest")
    if "" in paths:
        # Path("") is the current folder, database included: an unset shell variable, not a choice.
        raise click.UsageError("an empty path was given (an unset variable?); name a file or folder, "
                               "or use . for the current folder")
    settings = c.settings.replace(max_file_bytes=max_file_bytes) if max_file_bytes else c.settings
    if allow_private:
        settings = settings.replace(allow_private_urls=True)
    all_urls = list(urls) + (read_url_list(url_file) if url_file else [])
    defaults = {k: v for k, v in {"source": source, "published": published, "language": language}.items() if v}
    try:
        _ingest_and_run(c, paths, all_urls, settings, defaults, fields, name_pattern, no_enrich)
    except KeyboardInterrupt:
        click.echo("interrupted: what was stored is kept; run the same command again to finish "
                   "(nothing is stored twice)", err=True)
        sys.exit(130)


def _ingest_and_run(c: Context, paths: tuple[str, ...], all_urls: list[str], settings: Any,
                    defaults: dict[str, Any], fields: tuple[str, ...], name_pattern: str | None,
                    no_enrich: bool) -> None:
    from .api import run_pipeline
    from .pipeline import ingest as do_ingest

    report = _with_progress(c, "ingest", lambda progress: do_ingest(
        c.store, paths, all_urls, settings=settings, defaults=defaults, fields=_parse_pairs(fields, "--field"),
        progress=progress, command="ingest " + " ".join(map(str, paths)), name_pattern=name_pattern))
    c.say(f"added {len(report.added)} article(s), skipped {report.duplicates} already stored, "
          f"rejected {len(report.rejected)}")
    for r in report.rejected[:20]:
        click.echo(f"  rejected {r.origin}{' ' + r.item if r.item else ''}: {r.reason}", err=True)
    if len(report.rejected) > 20:
        click.echo(f"  ... and {len(report.rejected) - 20} more: see `storyline rejects`", err=True)
    if not no_enrich:
        summary = run_pipeline(c.store, settings, progress_factory=lambda label: _bar(c, label))
        for line in summary.lines():
            c.say(line)
    sys.exit(1 if report.rejected else 0)


def _bar(c: Context, label: str) -> Any:
    """A progress bar on a terminal, nothing in pipes or with --quiet."""
    if c.quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(desc=label, unit="doc", file=sys.stderr, leave=False)


def _with_progress(c: Context, label: str, fn: Any) -> Any:
    bar = _bar(c, label)
    try:
        return fn(bar.update if bar else None)
    finally:
        if bar:
            bar.close()


@cli.command()
@click.option("--limit", default=50, show_default=True)
@click.option("--offset", default=0)
@click.option("--source", help="Only this outlet.")
@click.option("--language", help="Only this language.")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@pass_ctx
def articles(c: Context, limit: int, offset: int, source: str | None, language: str | None, as_json: bool) -> None:
    """List stored articles (publication order)."""
    rows = c.store.articles(limit=limit, offset=offset, source=source, language=language)
    if as_json:
        click.echo(json.dumps([_brief(a) for a in rows], ensure_ascii=False, indent=2))
        return
    from .analysis import published_label

    for a in rows:
        click.echo(f"{a.id}  {published_label(a):10}  {a.language or '--':3} {(a.source or '?')[:22]:22}  "
                   f"{(a.title or '')[:70]}")
    total = c.store.count_articles()
    c.say(f"({len(rows)} of {total} shown)", err=True)


def _brief(a: Any) -> dict[str, Any]:
    return {"id": a.id, "external_id": a.external_id, "source": a.source, "title": a.title,
            "published": a.published, "language": a.language, "url": a.url}


class DefaultGroup(click.Group):
    """A group whose first argument, when it is not a subcommand, goes to the ``show`` subcommand:
    ``storyline entity Shoigu`` shows, ``storyline entity merge A B`` merges."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["show", *args]
        elif args and args[0] in ("--json", "--why", "--raw"):
            args = ["show", *args]
        return super().parse_args(ctx, args)


@cli.group(cls=DefaultGroup)
def article() -> None:
    """Show one article (`storyline article ID`), or move it to another event."""


@article.command("show")
@click.argument("article_id")
@click.option("--raw", is_flag=True, help="Also print the raw text.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def article_show(c: Context, article_id: str, raw: bool, as_json: bool) -> None:
    """Show one article: metadata, clean text, what cleaning changed, and its event."""
    a = c.store.article(article_id)
    changes = c.store.article_changes(a.id)
    if as_json:
        from .export import article_record

        click.echo(json.dumps(article_record(a) | {"changes": changes}, ensure_ascii=False, indent=2))
        return
    click.echo(f"{a.title}\n")
    for label, value in [("id", a.id), ("external id", a.external_id), ("source", a.source),
                         ("published", a.published), ("language", a.language), ("url", a.url),
                         ("authors", ", ".join(a.authors)), ("origin", a.origin)]:
        if value:
            click.echo(f"  {label:12} {value}")
    for key, value in a.metadata.items():
        if key in ("format",):
            continue
        click.echo(f"  {key:12} {json.dumps(value, ensure_ascii=False)}")
    click.echo("\n" + "\n".join(textwrap.fill(p, 100) for p in a.text.split("\n")))
    if changes:
        click.echo(f"\nCleaning changed {len(changes)} thing(s):")
        for ch in sorted(changes, key=lambda ch: ch["raw_start"]):
            click.echo(f"  raw {ch['raw_start']}-{ch['raw_end']}: {ch['before']!r} -> {ch['after']!r}  ({ch['reason']})")
    member = c.store.event_member(a.id)
    if member:
        click.echo(f"\nEvent {member['event_id']} (score {member['score']:.2f}); why: `storyline event "
                   f"{member['event_id']} --why`")
    notes = c.store.stage_notes(a.id)
    for n in notes:
        click.echo(f"  {n['stage']}: {n['note']}")
    if raw:
        click.echo("\n--- raw text ---\n" + a.raw_text)


@article.command("move")
@click.argument("article_id")
@click.option("--to", "to_event", help="Target event id; omit to give the article an event of its own.")
@click.option("--note", help="Why (kept in the audit log).")
@click.option("--by", envvar="STORYLINE_USER", help="Who decides (kept in the audit log; env STORYLINE_USER).")
@pass_ctx
def article_move(c: Context, article_id: str, to_event: str | None, note: str | None, by: str | None) -> None:
    """Move an article to another event (kept by later runs)."""
    from .api import move_article

    event_id = move_article(c.store, article_id, to_event, note, by=by)
    click.echo(f"article {article_id} is now in {event_id}")


@cli.command()
@click.argument("query")
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.option("--semantic", is_flag=True,
              help="Sentences closest in meaning (any language), from the stored sentence vectors; "
                   "hits of at least 4 words.")
@click.option("--exact", is_flag=True, help="With --semantic: scan every vector instead of the index.")
@pass_ctx
def search(c: Context, query: str, limit: int, as_json: bool, semantic: bool, exact: bool) -> None:
    """Full-text search over titles and text, or with --semantic the sentences closest in
    meaning to QUERY.

    \b
    The query language, the same on SQLite and PostgreSQL:
      dam collapse              both words (AND is implied)
      dam OR spillway           either word
      dam NOT Seltva            dam, without Seltva (NOT needs a word before it; dam -Seltva too)
      "spillway gates"          the words in this order
      spill*                    words starting with spill
      (dam OR weir) AND burst   groups
    Operators are upper case. A word also finds its other forms (kill: killed, killing;
    граница: границе); words too common to index (the, и) are left out, and keep their place
    inside a phrase of other words. An empty query, one that only excludes, or one of common
    words only (even quoted) is refused."""
    if semantic:
        from .api import semantic_search

        found = semantic_search(c.store, query, limit, exact=exact)
        if as_json:
            click.echo(json.dumps([h.__dict__ for h in found], ensure_ascii=False, indent=2))
            return
        for s in found:
            click.echo(f"{s.article_id}:{s.start}:{s.end}  {s.score:.3f}  {(s.source or '?')[:20]:20} {s.title}\n"
                       f"    {s.text}")
        c.say(f"({len(found)} sentence(s))", err=True)
        return
    hits = c.store.search(query, limit, window=c.settings.search_rank_window or None)
    if as_json:
        click.echo(json.dumps([h.__dict__ for h in hits], ensure_ascii=False, indent=2))
        return
    for h in hits:
        click.echo(f"{h.article_id}  {(h.source or '?')[:20]:20} {h.title}\n    {h.snippet}")
    c.say(f"({len(hits)} hit(s))", err=True)


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def rejects(c: Context, as_json: bool) -> None:
    """What was refused, why, and how to fix it."""
    from .rejections import explain

    rows = [r | dict(zip(("cause", "fix"), explain(r["stage"], r["reason"]), strict=True))
            for r in c.store.rejections()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        click.echo(f"{r['origin']}{' ' + r['item'] if r['item'] else ''}  [{r['stage']}] {r['cause']}\n"
                   f"    fix: {r['fix']}")
    c.say(f"({len(rows)} rejection(s))", err=True)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl", "parquet"]), default="json", show_default=True,
              help="jsonl and parquet stream from the database in constant memory.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="File to write (default stdout); for parquet, the folder for one file per section.")
@click.option("--no-reports", is_flag=True,
              help="Leave out claims, discrepancies, quote groups and summaries.")
@click.option("--since", metavar="TIME",
              help="Only what changed after TIME (ISO 8601, UTC unless it says otherwise): articles ingested "
                   "after it with their annotations and entities, and the events they joined or whose report "
                   "was rebuilt.")
@pass_ctx
def export(c: Context, fmt: str, output: Path | None, no_reports: bool, since: str | None) -> None:
    """Export everything as storyline.export/1 JSON, JSON Lines or Parquet (see docs/export.md).

    Event reports are read from the store; only those of events that changed are rebuilt first."""
    from .export import iter_json, iter_jsonl, write_parquet

    if fmt == "parquet":
        if not output:
            raise click.UsageError("--format parquet writes a folder of files: give it with -o DIR")
        files = write_parquet(c.store, output, with_reports=not no_reports, since=since)
        c.say(f"wrote {len(files)} file(s) to {output}", err=True)
        return
    # Streamed piece by piece: an export of any size starts at once and never sits whole in
    # memory (the JSON document used to be built whole and indented: 100k articles did not fit).
    if fmt == "json":
        pieces: Any = iter_json(c.store, with_reports=not no_reports, since=since)
        end = ""
    else:
        pieces = iter_jsonl(c.store, with_reports=not no_reports, since=since)
        end = "\n"
    with (output.open("w", encoding="utf-8") if output else contextlib.nullcontext(sys.stdout)) as out:
        for piece in pieces:
            out.write(piece + end)
        if fmt == "json":
            out.write("\n")
    if output:
        c.say(f"wrote {output}", err=True)


@cli.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("storyline-demo"),
              show_default=True, help="Folder for the demo database and report.")
@pass_ctx
def demo(c: Context, out_dir: Path) -> None:
    """Run the whole pipeline on the bundled, invented demo corpus and summarise it.

    The demo always builds a fresh database in --out (OUT/storyline.db); --db is not used, so a store
    of yours is never overwritten."""
    from .api import run_demo

    root = click.get_current_context().find_root()
    if root.get_parameter_source("db") not in (None, click.core.ParameterSource.DEFAULT):
        c.say(f"note: --db / STORYLINE_DB is not used by the demo; it writes a fresh database to "
              f"{out_dir / 'storyline.db'}", err=True)

    result = run_demo(out_dir, c.settings, say=c.say, progress_factory=lambda label: _bar(c, label))
    for line in result.lines():
        click.echo(line)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; anything but loopback exposes the app to the network (a warning is printed).")
@click.option("--port", default=8000, show_default=True)
@click.option("--token", envvar="STORYLINE_TOKEN", metavar="TOKEN",
              help="Token for write actions (env STORYLINE_TOKEN); a random one is generated and printed if absent.")
@click.option("--allow-private", "--allow-private-urls", "allow_private_urls", is_flag=True,
              help="Let the web app fetch URLs on private and loopback addresses (refused by default).")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAME",
              envvar="STORYLINE_ALLOWED_HOSTS", help="Also serve requests for this Host name (repeatable; env "
              "STORYLINE_ALLOWED_HOSTS, space-separated). Loopback names and --host are always allowed.")
@pass_ctx
def serve(c: Context, host: str, port: int, token: str | None, allow_private_urls: bool,
          allowed_hosts: tuple[str, ...]) -> None:
    """Serve the web app (/), the HTTP API (/api/..., docs at /api/docs) for the database (needs the serve extra).

    Reading needs nothing; corrections and uploads need the token."""
    from .http import create_app
    from .web.security import new_token

    try:
        import uvicorn  # noqa: F401 - present? (a clear message if not)
    except ImportError:
        raise click.ClickException('`storyline serve` needs the serve extra: pip install -e ".[serve]"') from None
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: binding to {host} makes storyline reachable from the network; "
                   "anyone who can reach it can read the whole database", err=True)
    if not token:
        token = new_token()
        click.echo(f"write token (sign in at http://{host}:{port}/login): {token}", err=True)
    from .http_security import DEFAULT_ALLOWED_HOSTS
    from .http_security import serve as run_server

    hosts = [*DEFAULT_ALLOWED_HOSTS, *allowed_hosts, *([host] if host not in ("0.0.0.0", "::") else [])]
    app = create_app(c.db, token=token, settings=c.settings, allow_private_urls=allow_private_urls,
                     allowed_hosts=hosts)
    # Exits within 5 s of SIGTERM, whatever requests are still computing.
    run_server(app, host, port, log_level="warning" if c.quiet else "info")


def main() -> None:
    cli(prog_name="storyline")


from . import cli_analysis, cli_eval, cli_robustness, cli_spark, cli_store  # noqa: E402,F401  (register the analysis, eval, Spark and store commands on `cli`)

if __name__ == "__main__":  # pragma: no cover
    main()
