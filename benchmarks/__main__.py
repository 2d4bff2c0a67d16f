"""Measure lossbook against keras.losses, and the time to execute each notebook.

    python -m benchmarks [--quick] [--json PATH]

Times are medians of repeated runs. Machines here are shared and noisy, so every number is
reported next to a reference measured in the same run: Keras on the same arrays for the losses,
and a bare `python -c "import tensorflow"` for the notebooks.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks import notebooks
from benchmarks.cases import keras_function, make_case

ROOT = Path(__file__).resolve().parents[1]
SIZES = (10**3, 10**4, 10**5, 10**6, 10**7)
QUICK_SIZES = (10**3, 10**5, 10**6)


def paired_medians(ours, theirs, n: int) -> tuple[float, float]:
    """Median wall times of one call of each, with fewer repeats for the big arrays.

    The calls alternate, ours then theirs, so that a burst of load from another process on a
    shared machine slows both instead of one of them.
    """
    ours(), theirs()  # warm-up: imports, tracing, caches
    repeats = 7 if n >= 10**7 else 21
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for fn, out in ((ours, times[0]), (theirs, times[1])):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def bench_losses(sizes, names=None) -> list[dict]:
    from lossbook import losses
    from lossbook.session import import_tensorflow

    tf, keras = import_tensorflow()
    rows = []
    for name in names or losses.LOSSES:
        for n in sizes:
            case = make_case(name, n)
            # Keras gets tensors made once, outside the timed region.
            tensors = [tf.constant(a) for a in case.args]
            ours = losses.LOSSES[name]
            theirs = keras_function(name, keras)
            rows.append({
                "loss": name,
                "n": n,  # the size asked for; the inputs' shapes round it (see cases.py)
                "elements": int(case.size),
                "keras": name in losses.KERAS_NAMES,
            })
            rows[-1]["lossbook_s"], rows[-1]["keras_s"] = paired_medians(
                lambda: ours(*case.args, **case.opts),
                lambda: np.asarray(theirs(*tensors, **case.opts)),
                n,
            )
            row = rows[-1]
            print(f"  {name:38s} n={row['elements']:>9,d}  lossbook {row['lossbook_s'] * 1e3:9.3f} ms"
                  f"  keras {row['keras_s'] * 1e3:9.3f} ms  ratio "
                  f"{row['lossbook_s'] / row['keras_s']:.2f}", file=sys.stderr, flush=True)
    return rows


def scaling_exponent(rows: list[dict], key: str, lo: int, hi: int) -> float:
    t = {r["n"]: r[key] for r in rows}
    return math.log(t[hi] / t[lo]) / math.log(hi / lo)


def print_tables(result: dict) -> None:
    by_loss: dict[str, list[dict]] = {}
    for row in result["losses"]:
        by_loss.setdefault(row["loss"], []).append(row)
    sizes = sorted({r["n"] for r in result["losses"]})
    if sizes:
        print_loss_table(by_loss, sizes)
    if result["notebooks"]:
        notebooks.print_table(result["notebooks"], result["tf_import_s"])


def print_loss_table(by_loss: dict[str, list[dict]], sizes: list[int]) -> None:
    print("\nlossbook / keras, median time ratio (below 1: lossbook is faster)")
    print(f"{'loss':34s}" + "".join(f"{n:>10.0e}" for n in sizes) + "   exponent lossbook / keras")
    for name, rows in by_loss.items():
        ratios = {r["n"]: r["lossbook_s"] / r["keras_s"] for r in rows}
        line = f"{name:34s}" + "".join(f"{ratios[n]:>10.2f}" for n in sizes)
        ns = [r["n"] for r in rows]
        lo, hi = min((n for n in ns if n >= 10**5), default=None), max(ns)
        if lo is not None and hi > lo:
            line += (f"   {scaling_exponent(rows, 'lossbook_s', lo, hi):.2f} / "
                     f"{scaling_exponent(rows, 'keras_s', lo, hi):.2f}")
        print(line)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes; under three minutes")
    parser.add_argument("--json", type=Path, help="write the raw results to this file")
    parser.add_argument("--no-notebooks", action="store_true", help="skip notebook timings")
    parser.add_argument("--notebooks-only", action="store_true", help="skip the loss timings")
    parser.add_argument("--losses", nargs="+", metavar="NAME", help="time only these losses")
    args = parser.parse_args(argv)

    result = {"losses": [], "notebooks": []}
    if not args.notebooks_only:
        print("timing losses...", file=sys.stderr)
        result["losses"] = bench_losses(QUICK_SIZES if args.quick else SIZES, args.losses)
    result["tf_import_s"] = notebooks.tf_import_seconds()
    if not args.no_notebooks:
        print("timing notebooks...", file=sys.stderr)
        result["notebooks"] = notebooks.notebook_seconds()
    result["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                         "numpy": np.__version__}
    print_tables(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
