"""Benchmark: `tocsin spark code` on local[1] against local[2], over the same corpus.

    python dev/bench_spark.py [--corpus PATH] [--articles N] [--partitions N] [--repeat N]

The VOA stories are repeated under new ids (each copy with a line of its own, so that it is a
new article to the store and a near-duplicate of the first) up to at least N articles. Each
run is a job of its own; Spark's start-up (the JVM, the session) is left out of its time, the
workers' loading of the model is not. Reports each run's time, articles per second and cost
per article (core-seconds), and the speed-up of two cores over one (bar: 1.6). With
`--repeat`, the runs alternate between the two and each keeps its fastest, so that a burst of
other work on the machine weighs less; the load average before and after tells whether others
were using the cores. Skips cleanly when the corpus is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "voa_stories.jsonl"
SPEEDUP_BAR = 1.6


def corpus(source: Path, articles: int, target: Path) -> int:
    """At least `articles` stories: the corpus repeated, each copy under a new id and URL."""
    stories = [json.loads(line) for line in source.read_text().splitlines() if line.strip()]
    written = 0
    with target.open("w") as out:
        copy = 0
        while written < articles:
            for story in stories:
                text = story["text"] if copy == 0 else f"{story['text']}\n\nCopy {copy}."
                url = f"{story['url']}#copy-{copy}" if story.get("url") else None
                row = dict(story, id=f"{story.get('id', written)}-{copy}", url=url, text=text)
                out.write(json.dumps(row) + "\n")
                written += 1
            copy += 1
    return written


def run(master: str, source: Path, output: Path, args: argparse.Namespace) -> dict[str, Any]:
    """One job in a process of its own; its summary as it wrote it."""
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    command = [sys.executable, "-m", "tocsin.cli", "spark", "code", str(source), str(output)]
    command += ["--master", master, "--partitions", str(args.partitions)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if not (output / "_tocsin").is_dir():
        raise SystemExit(f"the job on {master} failed:\n{done.stderr[-2000:]}")
    summary: dict[str, Any] = json.loads(next((output / "_tocsin").glob("part-*")).read_text())
    return summary


def report(cores: int, summary: dict[str, Any]) -> float:
    """Print one run's numbers; its seconds."""
    took = float(summary["seconds"])
    coded = int(summary["coded"])
    print(
        f"local[{cores}]: {took:.1f} s (Spark start-up {summary['startup_seconds']} s left out), "
        f"{coded / took:.2f} articles/s, {1000 * took * cores / coded:.0f} ms of a core per "
        f"article; {summary['events']} events, {summary['near_duplicates']} near-duplicates"
    )
    print("  steps: " + ", ".join(f"{name} {step:.1f} s" for name, step in summary["steps"]))
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    if not args.corpus.is_file():
        print(f"benchmark skipped: corpus {args.corpus} not found")
        return 0
    before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="tocsin-bench-spark-") as folder:
        work = Path(folder)
        count = corpus(args.corpus, args.articles, work / "corpus.jsonl")
        print(f"{count} articles ({args.corpus.name} repeated), {args.partitions} partitions")
        seconds: dict[int, float] = {}
        for attempt in range(args.repeat):
            for cores in (1, 2):
                output = work / f"out-{cores}-{attempt}"
                took = report(cores, run(f"local[{cores}]", work / "corpus.jsonl", output, args))
                seconds[cores] = min(took, seconds.get(cores, took))
    speedup = seconds[1] / seconds[2]
    after = os.getloadavg()[0]
    verdict = "meets" if speedup >= SPEEDUP_BAR else "misses"
    print(f"speed-up on two cores: {speedup:.2f}x ({verdict} the {SPEEDUP_BAR}x bar)")
    print(f"load average before {before:.1f}, after {after:.1f} (above 2 means shared cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
