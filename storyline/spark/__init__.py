"""Scale-out path: the heavy stages (cleaning, language, enrichment, embeddings) on Apache Spark.

``storyline spark ingest`` (``runner``) reads the inputs on the driver, cuts them into the same
cleaning batches ``storyline ingest`` makes, and runs the same pure stage functions on the
executors (``batches.process_batches`` inside ``mapPartitions``), writing one Parquet row per
input item. ``storyline load`` (``load``) brings those rows into any store through store
methods, marks the stages done, and leaves grouping to the online clusterer, run as the single
ordered consumer by ``run_pipeline``.

Only ``runner`` imports pyspark (an optional extra: ``pip install 'storyline[spark]'``); the
rest of this package needs only pyarrow, so ``storyline load`` runs where Spark is absent.
"""
