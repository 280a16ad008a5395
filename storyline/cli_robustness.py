"""``storyline eval robustness`` (each stage clean vs corrupted), ``storyline train boilerplate``,
``storyline train attribution`` and ``storyline train speakers``."""

from __future__ import annotations

import json

import click

from .cli import Context, pass_ctx
from .cli_eval import eval_group, train_group
from .corrupt import KINDS


@eval_group.command("robustness")
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False), default="../shared/data",
              show_default=True, help="The shared datasets folder (reads ggt-quotes/articles.jsonl).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the corruptions (and the sample).")
@click.option("--limit", type=int, help="Only this many articles (seeded sample), for quick runs.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(KINDS),
              help="Corruptions to apply (default: all); metadata is always stripped.")
@click.option("--ecb-topics", type=click.IntRange(min=0),
              help="Also score events and entity chains on this many ECB+ dev topics (seeded; default all "
                   "eight; 0 skips them).")
@click.option("--polnear", is_flag=True, help="Also score PolNeAR dev attributions (content F1).")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def eval_robustness(ctx: Context, data_dir: str, seed: int, limit: int | None, kinds: tuple[str, ...],
                    ecb_topics: int | None, polnear: bool, as_json: bool) -> None:
    """Clean vs corrupted, through the product path.

    The GGT sample is ingested twice into temporary stores by the same code and settings as
    `storyline ingest`: once as given, once with metadata stripped and the text corrupted
    (boilerplate lines from a catalogue, machine-translation punctuation, print hyphenation,
    OCR slips and hard wraps, transliterated name spellings; seeded). Each stage's score is
    printed for both runs with the drop. ECB+ dev goes through the same two runs with
    clustering on, for events (B-cubed) and entity chains."""
    from .robustness import evaluate_robustness

    report = evaluate_robustness(data_dir, ctx.settings, seed=seed, limit=limit, kinds=kinds or KINDS,
                                 say=None if as_json else click.echo, ecb_topics=ecb_topics, polnear=polnear)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
        return
    click.echo(f"{report.dataset}: {report.articles} articles, seed {report.seed}, {report.seconds:.0f}s")
    click.echo(f"{'stage':20} {'metric':40} {'clean':>7} {'corrupt':>7} {'drop':>7} {'n':>6}")
    for s in report.scores:
        def fmt(x: float | None) -> str:
            return "      -" if x is None else f"{x:7.3f}"
        click.echo(f"{s.stage:20} {s.metric:40} {fmt(s.clean)} {fmt(s.corrupted)} {fmt(s.drop)} {s.count:6d}")


@train_group.command("boilerplate")
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False), default="../shared/data",
              show_default=True, help="The shared datasets folder.")
@click.option("--out", type=click.Path(dir_okay=False), required=True,
              help="Model file to write (the packaged one is storyline/clean/models/boilerplate-lines-v1.json).")
@click.option("--seed", type=int, default=7, show_default=True)
def train_boilerplate(data_dir: str, out: str, seed: int) -> None:
    """The boilerplate line classifier: a logistic regression over line features, trained on
    the corruption catalogue's lines inserted into the shared data's articles, and measured
    on held-out datasets, seeds and catalogue templates (needs scikit-learn)."""
    from .clean.train_lines import train_line_model

    train_line_model(data_dir, out, seed=seed, say=click.echo)


@train_group.command("attribution")
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False), default="../shared/data",
              show_default=True, help="The shared datasets folder (reads polnear/train only).")
@click.option("--out", type=click.Path(dir_okay=False), required=True,
              help="Model file to write (the packaged one is storyline/enrich/models/attribution-v1.json).")
@click.option("--seed", type=int, default=11, show_default=True, help="Seed of the cross-validation folds.")
@click.option("--limit", type=int, help="Only the first N train articles, for quick runs.")
def train_attribution(data_dir: str, out: str, seed: int, limit: int | None) -> None:
    """The attribution tagger that adds to the quote rules: a logistic regression over the
    parse's (cue, content, source) frames, trained on PolNeAR train; regularisation and
    threshold chosen by cross-validation on train (needs scikit-learn)."""
    from .enrich.train_attribution import train_attribution_model

    train_attribution_model(data_dir, out, seed=seed, limit=limit, say=click.echo)


@train_group.command("speakers")
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False), default="../shared/data",
              show_default=True, help="The shared datasets folder (reads ggt-quotes/articles.jsonl).")
@click.option("--out", type=click.Path(dir_okay=False), required=True,
              help="Model file to write (the packaged one is storyline/enrich/models/speakers-v1.json).")
@click.option("--seed", type=int, default=13, show_default=True, help="Seed of the cross-validation folds.")
def train_speakers(data_dir: str, out: str, seed: int) -> None:
    """The speaker ranker that picks each quote's speaker among the people and noun phrases
    around it: a logistic regression over candidate features, trained on every Gender Gap
    Tracker article; regularisation chosen by cross-validation (needs scikit-learn). Its
    held-out figure is `python benchmarks/eval_quotes.py ggt --folds 5`, which trains one
    ranker per fold on the other folds."""
    from .enrich.train_speakers import train_speaker_model

    train_speaker_model(data_dir, out, seed=seed, say=click.echo)
