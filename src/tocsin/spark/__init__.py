"""Code, merge and export a corpus on Spark: the store's work (`tocsin ingest`) done on a
cluster, with the same results.

Files are read and coded on the executors, one coder per executor Python process; reports of
an event are merged and near-duplicate articles linked by the store's own rules
(`storage.rules`), group by group, without bringing events to the driver. The output is a
folder of Parquet tables with the store's columns (`events/` partitioned by day, `mentions/`,
`articles/`, `quotes/`), the inputs that could not be coded (`errors/`) and, on request, the
GDELT or PLOVER export. `tocsin ingest OUTPUT --db FILE` loads it into a store.

pyspark is an optional extra (`pip install 'tocsin[spark]'`) and is imported only here, when a
job runs: importing tocsin does not need it.
"""

from __future__ import annotations

from ._job import MARKER, SparkOptions, SparkSummary, run_job

__all__ = ["MARKER", "SparkOptions", "SparkSummary", "run_job"]
