"""``storyline spark ingest`` (the heavy stages on Apache Spark, results as Parquet) and
``storyline load`` (those results into the store, then the corpus-wide stages)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli import Context, _bar, _parse_pairs, _with_progress, cli, pass_ctx


@cli.group("spark")
def spark_group() -> None:
    """Run the heavy stages (cleaning, language, enrichment, embeddings) on Apache Spark.

    Needs the `spark` extra (pip install 'storyline[spark]') and Java 17. Bring the results
    into a store with `storyline load OUT`."""


@spark_group.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="A new folder for the Parquet results.")
@click.option("--master", default="local[2]", show_default=True, envvar="STORYLINE_SPARK_MASTER",
              help="Spark master: local[N], spark://host:7077, yarn, k8s://... (or set STORYLINE_SPARK_MASTER).")
@click.option("--source", help="Outlet for every article that does not name one.")
@click.option("--published", help="Publication date (ISO) for articles that have none.")
@click.option("--language", help="Language code for articles that have none (else detected).")
@click.option("--field", "fields", multiple=True, metavar="OURS=THEIRS",
              help="Map a record key onto a storyline field, e.g. --field text=body.")
@click.option("--name-pattern", metavar="PATTERN", help="Read metadata from file names, as in `storyline ingest`.")
@click.option("--wave", "wave_batches", type=int, help="Ingest batches per Spark job (default 4 per core).")
@pass_ctx
def spark_ingest(c: Context, paths: tuple[str, ...], out_dir: Path, master: str, source: str | None,
                 published: str | None, language: str | None, fields: tuple[str, ...], name_pattern: str | None,
                 wave_batches: int | None) -> None:
    """Clean, detect language, enrich and embed files, folders, JSONL and Parquet on Spark.

    The same stage functions as `storyline ingest` run on the executors, one ingest batch per
    task (article vectors, and the reports' sentence vectors unless reports are off); one
    Parquet row per input item (article or rejection) goes to OUT. No store is touched: load
    the results with `storyline load OUT`."""
    from .spark.runner import spark_ingest as run

    if "" in paths:
        raise click.UsageError("an empty path was given (an unset variable?); name a file or folder")
    defaults = {k: v for k, v in {"source": source, "published": published, "language": language}.items() if v}
    report = _with_progress(c, "spark ingest", lambda progress: run(
        paths, out_dir, c.settings, master=master, defaults=defaults, fields=_parse_pairs(fields, "--field"),
        name_pattern=name_pattern, wave_batches=wave_batches, progress=progress))
    c.say(f"wrote {report.articles} article(s) and {report.rejected} rejection(s) in {report.waves} wave(s) to "
          f"{out_dir} in {report.seconds:.1f} s on {report.master}; load them with: storyline load {out_dir}")


@spark_group.command("group")
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--master", default="local[2]", show_default=True, envvar="STORYLINE_SPARK_MASTER",
              help="Spark master: local[N], spark://host:7077, yarn, k8s://... (or set STORYLINE_SPARK_MASTER).")
@click.option("--partitions", type=click.IntRange(min=1),
              help="Independent topic partitions, one Spark task each (default: twice the cores; 1 gives the "
                   "online clusterer's result).")
@pass_ctx
def spark_group_events(c: Context, out_dir: Path, master: str, partitions: int | None) -> None:
    """Group the results of `storyline spark ingest` into events on Spark (batch grouping).

    The dated articles are split into topic partitions by their vectors; each partition is
    grouped by its own online clusterer in publication order, with word and entity rarity
    counted over the whole input. `storyline load OUT` then applies the events: an article near
    events of other partitions (or of the store) is placed as the online clusterer would place
    it, the others keep their partition's decision; undated articles are left to the online
    clusterer. Give the store the events will be loaded into (--db or STORYLINE_DB): its word
    and entity frequencies are counted first, as the online clusterer counts them."""
    from .spark.grouping import spark_group

    report = spark_group(out_dir, c.settings, master=master, partitions=partitions, store=c.store)
    c.say(f"grouped {report.articles} dated article(s) into {report.events} event(s) in {report.partitions} "
          f"partition(s) in {report.seconds:.1f} s on {report.master}; {report.undated} undated article(s) are left "
          f"to the online clusterer; apply them with: storyline load {out_dir}")


@cli.command("load")
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--no-run", is_flag=True, help="Only load; skip the remaining stages (grouping, reports).")
@pass_ctx
def load(c: Context, out_dir: Path, no_run: bool) -> None:
    """Bring the results of `storyline spark ingest` into the store, then run the remaining stages.

    Articles, annotations and vectors are stored and the stages Spark ran are marked done, so
    only the corpus-wide stages run here: entity resolution, grouping into events by the online
    clusterer (in publication order) and reports. When `storyline spark group OUT` ran, its events
    are applied instead. Loading twice adds nothing."""
    from .api import run_pipeline
    from .spark.load import load_results

    report = load_results(c.store, out_dir, command=f"load {out_dir}")
    c.say(f"loaded {len(report.added)} article(s), skipped {report.duplicates} already stored, "
          f"rejected {len(report.rejected)}")
    for r in report.rejected[:20]:
        click.echo(f"  rejected {r.origin}{' ' + r.item if r.item else ''}: {r.reason}", err=True)
    if not no_run:
        from .spark.groups import apply_groups, is_grouped

        if is_grouped(out_dir):
            grouped = _with_progress(c, "events", lambda progress: apply_groups(c.store, out_dir, c.settings,
                                                                               progress=progress))
            c.say(f"applied the events of `storyline spark group` to {grouped['applied']} article(s)"
                  if grouped["applied"] else f"events of `storyline spark group` not applied: {grouped['reason']}")
        summary = run_pipeline(c.store, c.settings, progress_factory=lambda label: _bar(c, label))
        for line in summary.lines():
            c.say(line)
    sys.exit(1 if report.rejected else 0)
