"""Benchmark of the Excel worksheet functions' Python side (what each Excel call costs us).

    .venv/bin/python benchmarks/bench_udfs.py [--rows 100000] [--json -]

- a cached =KAOHE_SCORE call (ledger unchanged): target <= 50 us; baseline in the same run: the
  same call with the cache defeated (re-score of the ledger per call, what a naive UDF does);
- the date functions over one 100k-row column (one Excel call): target <= 0.5 s each; baseline:
  a per-row loop calling chinese_calendar day by day (tests/support/baseline.py).
COM transfer time inside Excel is not included: it cannot be measured here (no Excel).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # tests/support: synth, baseline

import udfs.kaohe_udfs as U  # noqa: E402
from support import synth  # noqa: E402
from xl_kaohe.core import schema as S  # noqa: E402
from xl_kaohe.excel.cache import LedgerCache  # noqa: E402

VERSIONS = "bench|" + ";".join(f"{code}=0" for code in S.LEDGER_CODE_NAMES.values())
CALLER = SimpleNamespace(sheet=SimpleNamespace(book=SimpleNamespace(fullname="bench.xlsm")))


def timed(fn, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()

    ledger = synth.generate(args.rows)
    grids = ledger.grids
    U.CACHE = LedgerCache(lambda book, sheets: {s: grids[s] for s in sheets if s in grids},
                          today=lambda: date(2026, 12, 31))
    first_unit = grids[S.UNITS][1][0]
    cold, _ = timed(lambda: U.KAOHE_SCORE(first_unit, None, CALLER, VERSIONS), repeat=1)
    n = 20_000
    t = time.perf_counter()
    for _ in range(n):
        U.KAOHE_SCORE(first_unit, None, CALLER, VERSIONS)
    cached_us = (time.perf_counter() - t) / n * 1e6
    uncached, _ = timed(lambda: U.KAOHE_SCORE(first_unit, None, CALLER, "nocache"), repeat=1)

    header = grids[S.ORDERS][0]
    rows = grids[S.ORDERS][1:args.rows + 1]
    col = {h: [[r[header.index(h)]] for r in rows] for h in ("受理时间", "工单类型", "办理时限", "办结时间")}
    due_s, due = timed(lambda: U.KAOHE_DUE(col["受理时间"], col["工单类型"], col["办理时限"], CALLER, VERSIONS))
    late_s, _ = timed(lambda: U.KAOHE_LATEDAYS(col["受理时间"], col["工单类型"], col["办结时间"], col["办理时限"],
                                                None, CALLER, VERSIONS))
    work_s, _ = timed(lambda: U.KAOHE_WORKDAYS(col["受理时间"], col["办结时间"], CALLER, VERSIONS))
    isw_s, _ = timed(lambda: U.KAOHE_ISWORKDAY(col["受理时间"], CALLER, VERSIONS))

    # baseline: the same column through the per-order, day-by-day implementation
    from support import baseline
    from xl_kaohe.core import functions as F
    ctx = U.CACHE.date_context("bench.xlsm", VERSIONS)
    orders, _, _ = F._orders(ctx, [r[0] for r in col["受理时间"]], [r[0] for r in col["工单类型"]],
                             [r[0] for r in col["办理时限"]], [r[0] for r in col["办结时间"]])
    base_s, _ = timed(lambda: baseline.baseline_timeliness(orders, ctx.rubric, ctx.calendar, ctx.params), repeat=1)

    figures = {
        "rows": len(rows),
        "score_cached_us": round(cached_us, 2),
        "score_first_call_s": round(cold, 3),
        "score_uncached_s": round(uncached, 3),
        "uncached_over_cached": round(uncached / (cached_us / 1e6), 0),
        "due_column_s": round(due_s, 3),
        "latedays_column_s": round(late_s, 3),
        "workdays_column_s": round(work_s, 3),
        "isworkday_column_s": round(isw_s, 3),
        "latedays_baseline_per_order_loop_s": round(base_s, 2),
        "baseline_over_latedays": round(base_s / late_s, 1),
        "targets": {"score_cached_us<=50": cached_us <= 50,
                    "date_columns_s<=0.5": max(due_s, late_s, work_s, isw_s) <= 0.5},
    }
    table = sys.stderr if args.json == "-" else sys.stdout  # stdout carries only JSON then
    print(f"{'UDF':36}{'figure':>12}", file=table)
    for key, value in figures.items():
        if key != "targets":
            print(f"{key:36}{value!s:>12}", file=table)
    print("targets met:", figures["targets"], file=table)
    if args.json:
        text = json.dumps(figures, ensure_ascii=False, indent=2)
        print(text) if args.json == "-" else Path(args.json).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
