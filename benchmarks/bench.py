"""Benchmark: a year of a big bureau's work orders, stage by stage, against two baselines.

    .venv/bin/python benchmarks/bench.py                      # 1k, 10k, 100k orders
    .venv/bin/python benchmarks/bench.py --sizes 1000,10000   # chosen sizes
    .venv/bin/python benchmarks/bench.py --smoke --json -     # CI: tiny, fast, JSON only

For each size a synthetic ledger (tests/support/synth.py, seeded) is written as a real .xlsm into a
temporary folder, then measured in fresh processes:

- a worker process times each stage (best of --repeat): the raw python-calamine read of the
  same sheets (baseline b, the floor), read_grids, validate (load_ledger), deadlines and days
  late (compute_timeliness), score (all rules), ranking + output sheets, writing the output
  sheets into a copy; then baseline a (tests/support/baseline.py: per order, day by day, through
  chinese_calendar.is_workday) on the same validated orders, checked equal to the fast path;
  then one traced pass for the Python heap peak (tracemalloc);
- `kaohe rank LEDGER --output COPY` runs as its own process (what staff wait for after
  clicking 生成排名): wall time from start to exit, peak RSS from os.wait4 (through a small
  launcher process, so the driver's memory is not counted). Each run is paired with a raw
  read in a fresh process, so the ratio compares timings taken under the same machine load;
  baseline b is the best raw read seen;
- `kaohe warn LEDGER --asof "<as-of> 09:30" --write --output COPY` (预警清单, pressed every
  morning: writes 预警 and 催办单) the same way; and the rank job with and without 趋势
  (SPEC §10: twelve month-ends from one validation pass, target ≤ 1.3×);
- `kaohe import` of a platform export of n/2 rows (half of them orders the ledger has) into a
  copy of the ledger: its peak RSS against `kaohe rank`'s on the same ledger;
- a late-heavy ledger (40 % of orders late: ~80k 扣分依据 lines at 100k) ranked the same way;
- CPU seconds (user + system) of each process beside the wall time: on a loaded machine the
  CPU ratio is the steadier figure. `--processes-only` skips the worker (the scale curve at
  300k / 1M orders: `--sizes 300000,1000000 --repeat 1 --processes-only`).

Prints a table and the same numbers as JSON (to stdout, or to --json PATH). Targets are
judged at 100k orders (or the largest size run). Timings are of this machine; nothing here
asserts them -- tests/test_bench_smoke.py checks only that the script runs and its JSON shape.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
for _p in (ROOT, ROOT / "tests"):  # the package, and tests/support (synth, baseline)
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

DEFAULT_SIZES = (1000, 10_000, 100_000)
SMOKE_SIZES = (300,)
SEED = 20260101
TARGET_SIZE = 100_000
P_LATE_HEAVY = 0.40  # the late-heavy ledger: ~40 % of orders late, ~80k 扣分依据 lines at 100k
# The synthetic year is scored as of its end whatever the machine's date: 考核截止日期 after
# today would be capped at today (SPEC §13) and the workload would shrink.
BENCH_TODAY = date(2027, 1, 31)
TARGETS = {  # name -> (limit, how it is compared)
    "score_seconds": (1.0, "<="),
    "baseline_a_over_score": (50.0, ">="),
    "kaohe_rank_over_raw_read": (1.8, "<="),
    "late_rank_over_raw_read": (2.0, "<="),
    "import_rss_over_rank_rss": (1.25, "<="),
    "peak_rss_mb": (500.0, "<="),
    "rank_with_trend_over_without": (1.3, "<="),
}


# =============================================================================================
# Worker: one ledger file, every in-process stage
# =============================================================================================

def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def _rss_mb(usage) -> float:
    # ru_maxrss is KiB on Linux, bytes on macOS
    return usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)


def raw_read(path: Path) -> dict[str, Any]:
    """Baseline (b): python-calamine straight into Python lists, the sheets kaohe reads."""
    from python_calamine import CalamineWorkbook

    from xl_kaohe.io.workbook import READ_SHEETS

    wb = CalamineWorkbook.from_path(str(path))
    names = set(wb.sheet_names)
    grids = {n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in READ_SHEETS if n in names}
    wb.close()
    return grids


def warn_moment(asof):
    """The 预警清单 run of the benchmark: 09:30 on the ledger's as-of date."""
    from datetime import datetime, time as clock
    return datetime.combine(asof, clock(9, 30))


def worker(path: Path, repeat: int, baseline_repeat: int, trace: bool) -> dict[str, Any]:
    import numpy as np

    from support.baseline import baseline_timeliness
    from xl_kaohe.core.outputs import output_sheets
    from xl_kaohe.core.ranking import rank_units
    from xl_kaohe.core.scoring import score
    from xl_kaohe.core.timeliness import compute_timeliness
    from xl_kaohe.core.validate import load_ledger
    from xl_kaohe.core.warnings import compute_warnings
    from xl_kaohe.io.workbook import FileBook

    out_dir = Path(tempfile.mkdtemp(prefix="kaohe-bench-out-"))
    try:
        book = FileBook(path, out_dir / path.name)

        stages: dict[str, float] = {}
        stages["raw_read"], _ = _best(lambda: raw_read(path), repeat)
        stages["read"], grids = _best(book.read_grids, repeat)
        stages["validate"], ledger = _best(lambda: load_ledger(grids, today=BENCH_TODAY), repeat)
        args = (ledger.orders, ledger.rubric, ledger.calendar, ledger.params)
        stages["timeliness"], fast = _best(lambda: compute_timeliness(*args), repeat)
        stages["score"], result = _best(lambda: score(ledger), repeat)
        moment = warn_moment(ledger.params.asof)
        stages["warnings"], warned = _best(lambda: compute_warnings(ledger, moment), repeat)
        stages["sheets"], sheets = _best(lambda: output_sheets(result, rank_units(result.units)), repeat)
        stages["write"], _ = _best(lambda: book.write_outputs(sheets), repeat)
        base_seconds, slow = _best(lambda: baseline_timeliness(*args), baseline_repeat)
        equal = all(np.array_equal(getattr(fast, f), getattr(slow, f)) for f in fast.__dataclass_fields__)

        summary = {
            "stages_s": stages,
            "baseline_a_s": base_seconds,
            "baseline_equal": bool(equal),
            "orders_scored": len(ledger.orders),
            "late_orders": int(fast.late.sum()),
            "open_overdue": int(fast.late_open.sum()),
            "warned_orders": len(warned.orders),
            "audit_lines": sum(len(u.lines) for u in result.units),
            "problems": len(result.problems),
        }
        del warned
        summary["python_heap_peak_mb"] = None
        if trace:  # one more whole run (read -> write) with every Python allocation traced
            import tracemalloc

            from xl_kaohe.jobs import rank as app

            del grids, ledger, result, sheets, fast, slow, args
            tracemalloc.start()
            app.rank(book)
            summary["python_heap_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        summary["worker_peak_rss_mb"] = _rss_mb(resource.getrusage(resource.RUSAGE_SELF))
        return summary
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


# =============================================================================================
# Driver
# =============================================================================================

_PYCACHE: list[str] = []  # the bytecode folder of this run (bytecode_cache)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    if _PYCACHE:  # measured processes load compiled bytecode, as from an installed package
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = _PYCACHE[0]
    env.setdefault("PYTHONHASHSEED", "0")
    env.setdefault("KAOHE_TODAY", BENCH_TODAY.isoformat())  # `kaohe rank` scores the same year
    return env


def bytecode_cache(folder: Path) -> None:
    """Compile the package once into a folder of this run, used by every measured process.
    pip compiles an installed package when it installs it; a source checkout run with
    PYTHONDONTWRITEBYTECODE=1 (CI machines set it) would otherwise compile every module in
    every process (~0.05 s of each `kaohe` run) -- a cost no user pays. Nothing is written
    into the checkout."""
    _PYCACHE[:] = [str(folder / "pycache")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "xl_kaohe"), str(ROOT / "tests" / "support")],
                   check=True, env=_env(), cwd=ROOT, stdout=subprocess.DEVNULL)
    # the prefix holds the bytecode of every module, the standard library's and numpy's too
    warm = ("import xl_kaohe.cli, xl_kaohe.jobs.rank, xl_kaohe.jobs.warn, xl_kaohe.jobs.importing, "
            "xl_kaohe.io.xlsx_package, xl_kaohe.io.import_write, xl_kaohe.core.trend, python_calamine")
    subprocess.run([sys.executable, "-c", warm], check=True, env=_env(), cwd=ROOT)


def launch(cmd: list[str]) -> dict[str, Any]:
    """Run cmd as a child of this (small) process: wall time from start to exit, the child's
    own peak RSS and CPU time (os.wait4), exit code. A child forked from a big process would
    count the parent's pages in its peak RSS, hence this separate launcher. CPU seconds (user +
    system) are the figure that holds on a loaded machine, where wall time is mostly waiting."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: stop Popen from waiting again
    return {"wall_s": wall, "rss_mb": _rss_mb(usage), "cpu_s": usage.ru_utime + usage.ru_stime,
            "exit": proc.returncode, "stderr": err[-4000:]}


def _launch(cmd: list[str]) -> dict[str, Any]:
    launcher = [sys.executable, str(Path(__file__).resolve()), "--launch", "--", *cmd]
    proc = subprocess.run(launcher, capture_output=True, text=True, env=_env(), cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"launcher failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


def _run_timed(cmd: list[str]) -> tuple[float, float, int, str]:
    """(wall seconds, peak RSS MB, exit code, stderr) of cmd, through the launcher."""
    got = _launch(cmd)
    return got["wall_s"], got["rss_mb"], got["exit"], got["stderr"]


def processes(path: Path, folder: Path, repeat: int, label: str,
              export: Path | None = None) -> dict[str, Any]:
    """Whole processes on one ledger, each `kaohe rank` run paired with a bare read of the same
    file (python-calamine, all sheets kaohe reads; also as a whole process, for the CPU ratio);
    with ``export``, `kaohe import` of it into a copy. Best time, highest RSS of each."""
    out = folder / f"ranked-{label}{path.suffix}"
    rank_cmd = [sys.executable, "-m", "xl_kaohe.cli", "rank", str(path), "--output", str(out)]
    read_cmd = [sys.executable, str(Path(__file__).resolve()), "--raw-read", str(path)]
    ranks, reads, floors, imports = [], [], [], []
    for _ in range(max(1, repeat)):
        ranks.append(_launch(rank_cmd))
        proc = subprocess.run(read_cmd, capture_output=True, text=True, env=_env(), cwd=ROOT)
        if proc.returncode != 0:
            raise RuntimeError(f"raw read failed for {path.name}:\n{proc.stderr}")
        floors.append(json.loads(proc.stdout)["seconds"])
        reads.append(_launch(read_cmd))
        if export is not None:
            copy = folder / f"imported-{label}{path.suffix}"
            imports.append(_launch([sys.executable, "-m", "xl_kaohe.cli", "import", str(export),
                                    "--into", str(path), "--output", str(copy)]))
    for run in ranks + imports:
        if run["exit"] not in (0, 1):  # 1 = rows with errors (the synthetic ledger has a few)
            raise RuntimeError(f"kaohe failed ({run['exit']}) on {path.name}:\n{run['stderr']}")
    got = {"rank_s": min(r["wall_s"] for r in ranks), "rank_cpu_s": min(r["cpu_s"] for r in ranks),
           "rank_rss_mb": max(r["rss_mb"] for r in ranks), "raw_read_s": min(floors),
           "raw_read_cpu_s": min(r["cpu_s"] for r in reads), "raw_read_process_s": min(r["wall_s"] for r in reads),
           "rank_exit": ranks[0]["exit"]}
    if imports:
        got.update(import_s=min(r["wall_s"] for r in imports), import_cpu_s=min(r["cpu_s"] for r in imports),
                   import_rss_mb=max(r["rss_mb"] for r in imports))
    return got


def measure(n: int, folder: Path, *, repeat: int, writer: str, trace: bool,
            processes_only: bool = False) -> dict[str, Any]:
    from support import synth

    t0 = time.perf_counter()
    ledger = synth.generate(n, seed=SEED)
    t1 = time.perf_counter()
    path = ledger.save(folder / f"ledger-{n}.xlsm", engine=writer)
    t2 = time.perf_counter()
    units, events, engine, asof = ledger.counts[synth.S.UNITS], ledger.n_events, ledger.engine, ledger.asof
    # a platform export of n/2 rows: half orders the ledger has (some with a new 回访结果), half new
    export = synth.write_workbook(folder / f"export-{n}.xlsx",
                                  {"工单导出": synth.platform_export(ledger, max(n // 2, 1))})
    del ledger  # keep the driver small while it measures

    work = None
    if not processes_only:
        baseline_repeat = 1 if n >= 50_000 else repeat
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(path), "--repeat", str(repeat),
               "--baseline-repeat", str(baseline_repeat)] + ([] if trace else ["--no-trace"])
        proc = subprocess.run(cmd, capture_output=True, text=True, env=_env(), cwd=ROOT)
        if proc.returncode != 0:
            raise RuntimeError(f"benchmark worker failed for {n} orders:\n{proc.stderr}")
        work = json.loads(proc.stdout)

    plain = processes(path, folder, repeat, str(n), export)
    late_ledger = synth.generate(n, seed=SEED, p_late=P_LATE_HEAVY)
    late_path = late_ledger.save(folder / f"late-{n}.xlsm", engine=writer)
    del late_ledger
    late = processes(late_path, folder, repeat, f"late-{n}")

    # the rank job with and without 趋势 (SPEC §10), interleaved, each in a fresh process
    job = [sys.executable, str(Path(__file__).resolve()), "--rank-job", str(path),
           str(folder / f"job-{n}{path.suffix}")]
    with_trend, without_trend = [], []
    for _ in range(max(1, repeat)):
        with_trend.append(_launch(job)["wall_s"])
        without_trend.append(_launch(job + ["--without-trend"])["wall_s"])
    # kaohe warn (预警清单), the morning run
    warn_cmd = [sys.executable, "-m", "xl_kaohe.cli", "warn", str(path), "--write", "--output",
                str(folder / f"warned-{n}.xlsm"), "--asof", warn_moment(asof).strftime("%Y-%m-%d %H:%M")]
    warns = [_launch(warn_cmd) for _ in range(max(1, repeat))]
    for run in warns:
        if run["exit"] not in (0, 1):
            raise RuntimeError(f"kaohe warn failed ({run['exit']}) for {n} orders:\n{run['stderr']}")

    stages = dict(work["stages_s"]) if work else {}
    stages["raw_read"] = min(plain["raw_read_s"], stages.get("raw_read", float("inf")))
    stages["kaohe_rank"] = plain["rank_s"]
    stages["kaohe_import"] = plain["import_s"]
    stages["late_raw_read"] = late["raw_read_s"]
    stages["late_kaohe_rank"] = late["rank_s"]
    stages["kaohe_warn"] = min(r["wall_s"] for r in warns)
    stages["rank_job_trend"] = min(with_trend)
    stages["rank_job_no_trend"] = min(without_trend)
    base_a = work["baseline_a_s"] if work else None
    base_b = stages["raw_read"]
    ratios = {
        "kaohe_rank_over_raw_read": plain["rank_s"] / base_b,
        "late_rank_over_raw_read": late["rank_s"] / late["raw_read_s"],
        "kaohe_rank_cpu_over_raw_read_cpu": plain["rank_cpu_s"] / plain["raw_read_cpu_s"],
        # both as whole processes (interpreter start and imports on both sides)
        "kaohe_rank_over_raw_read_process": plain["rank_s"] / plain["raw_read_process_s"],
        "late_rank_over_raw_read_process": late["rank_s"] / late["raw_read_process_s"],
        "late_rank_cpu_over_raw_read_cpu": late["rank_cpu_s"] / late["raw_read_cpu_s"],
        "import_rss_over_rank_rss": plain["import_rss_mb"] / plain["rank_rss_mb"],
        "kaohe_warn_over_raw_read": stages["kaohe_warn"] / base_b,
        "rank_with_trend_over_without": stages["rank_job_trend"] / stages["rank_job_no_trend"],
    }
    if work:
        ratios.update(baseline_a_over_timeliness=base_a / stages["timeliness"],
                      baseline_a_over_score=base_a / stages["score"],
                      read_over_raw_read=stages["read"] / base_b)
    return {
        "orders": n,
        "orders_scored": work["orders_scored"] if work else None,
        "units": units,
        "events": events,
        "file_mb": round(path.stat().st_size / 2**20, 2),
        "writer": engine,
        "setup_s": {"generate": t1 - t0, "save": t2 - t1},
        "stages_s": stages,
        "cpu_s": {"raw_read": plain["raw_read_cpu_s"], "kaohe_rank": plain["rank_cpu_s"],
                  "kaohe_import": plain["import_cpu_s"], "late_raw_read": late["raw_read_cpu_s"],
                  "late_kaohe_rank": late["rank_cpu_s"]},
        "baselines_s": {"a_per_order_deadlines": base_a, "b_raw_calamine_read": base_b},
        "ratios": ratios,
        "memory_mb": {
            "kaohe_rank_peak_rss": plain["rank_rss_mb"],
            "kaohe_import_peak_rss": plain["import_rss_mb"],
            "late_kaohe_rank_peak_rss": late["rank_rss_mb"],
            "kaohe_warn_peak_rss": max(r["rss_mb"] for r in warns),
            "worker_peak_rss": work["worker_peak_rss_mb"] if work else None,
            "python_heap_peak": work["python_heap_peak_mb"] if work else None,
        },
        "checks": {
            "baseline_equal": work["baseline_equal"] if work else None,
            "kaohe_rank_exit": plain["rank_exit"],
            "late_orders": work["late_orders"] if work else None,
            "open_overdue": work["open_overdue"] if work else None,
            "warned_orders": work["warned_orders"] if work else None,
            "audit_lines": work["audit_lines"] if work else None,
            "problems": work["problems"] if work else None,
            "import_rows": max(n // 2, 1),
        },
    }


def judge(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The targets are set for a big bureau's year: judged at 100k orders (or more), else none."""
    big = [r for r in results if r["orders"] >= TARGET_SIZE]
    if not big:
        return []
    at = next((r for r in big if r["orders"] == TARGET_SIZE), big[0])
    values = {
        "score_seconds": at["stages_s"].get("score"),
        "baseline_a_over_score": at["ratios"].get("baseline_a_over_score"),
        "kaohe_rank_over_raw_read": at["ratios"]["kaohe_rank_over_raw_read"],
        "late_rank_over_raw_read": at["ratios"]["late_rank_over_raw_read"],
        "import_rss_over_rank_rss": at["ratios"]["import_rss_over_rank_rss"],
        "peak_rss_mb": at["memory_mb"]["kaohe_rank_peak_rss"],
        "rank_with_trend_over_without": at["ratios"]["rank_with_trend_over_without"],
    }
    out = []
    for name, (limit, op) in TARGETS.items():
        value = values[name]
        if value is None:  # --processes-only: no in-process stages
            continue
        met = value <= limit if op == "<=" else value >= limit
        out.append({"name": name, "orders": at["orders"], "value": value, "limit": limit, "op": op, "met": met})
    return out


# ---- the table ---------------------------------------------------------------------------------

ROWS = [
    ("stages (seconds, best of repeat)", None),
    ("(b) raw python-calamine read [floor]", ("stages_s", "raw_read")),
    ("read_grids", ("stages_s", "read")),
    ("validate (load_ledger)", ("stages_s", "validate")),
    ("score (all rules)", ("stages_s", "score")),
    ("  of which deadlines + days late", ("stages_s", "timeliness")),
    ("rank + output sheets", ("stages_s", "sheets")),
    ("write output sheets (xlsx_package)", ("stages_s", "write")),
    ("kaohe rank, whole process", ("stages_s", "kaohe_rank")),
    ("kaohe import of n/2 rows, whole process", ("stages_s", "kaohe_import")),
    ("late-heavy ledger: raw read", ("stages_s", "late_raw_read")),
    ("late-heavy ledger: kaohe rank", ("stages_s", "late_kaohe_rank")),
    ("warnings (compute_warnings, 09:30)", ("stages_s", "warnings")),
    ("kaohe warn --write, whole process", ("stages_s", "kaohe_warn")),
    ("(a) per-order baseline deadlines", ("baselines_s", "a_per_order_deadlines")),
    ("ratios", None),
    ("(a) / score", ("ratios", "baseline_a_over_score")),
    ("(a) / deadlines + days late", ("ratios", "baseline_a_over_timeliness")),
    ("kaohe rank / (b)", ("ratios", "kaohe_rank_over_raw_read")),
    ("late-heavy: kaohe rank / its raw read", ("ratios", "late_rank_over_raw_read")),
    ("kaohe rank / raw read, both whole processes", ("ratios", "kaohe_rank_over_raw_read_process")),
    ("late-heavy, both whole processes", ("ratios", "late_rank_over_raw_read_process")),
    ("CPU: kaohe rank / raw read process", ("ratios", "kaohe_rank_cpu_over_raw_read_cpu")),
    ("CPU late-heavy: rank / raw read", ("ratios", "late_rank_cpu_over_raw_read_cpu")),
    ("import peak RSS / rank peak RSS", ("ratios", "import_rss_over_rank_rss")),
    ("kaohe warn / (b)", ("ratios", "kaohe_warn_over_raw_read")),
    ("rank with 趋势 / without", ("ratios", "rank_with_trend_over_without")),
    ("read_grids / (b)", ("ratios", "read_over_raw_read")),
    ("memory (MB)", None),
    ("kaohe rank peak RSS", ("memory_mb", "kaohe_rank_peak_rss")),
    ("kaohe import peak RSS", ("memory_mb", "kaohe_import_peak_rss")),
    ("late-heavy kaohe rank peak RSS", ("memory_mb", "late_kaohe_rank_peak_rss")),
    ("kaohe warn peak RSS", ("memory_mb", "kaohe_warn_peak_rss")),
    ("Python heap peak (tracemalloc)", ("memory_mb", "python_heap_peak")),
    ("data", None),
    ("units / event rows", None),
    ("orders scored / late / audit lines", None),
    ("fast == baseline (a)", ("checks", "baseline_equal")),
    ("file MB / writer", None),
]


def _fmt(value: Any, section: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if section == "ratios":
        return f"{value:.1f}x"
    if section == "memory_mb":
        return f"{value:.0f}"
    if isinstance(value, float):
        return f"{value:.3f}" if value < 10 else f"{value:.1f}"
    return str(value)


def table(report: dict[str, Any]) -> str:
    results = report["results"]
    head = ["orders"] + [f"{r['orders']:,}" for r in results]
    lines = []
    for label, key in ROWS:
        if key is None and label in ("stages (seconds, best of repeat)", "ratios", "memory (MB)", "data"):
            lines.append([label] + [""] * len(results))
            continue
        if label == "units / event rows":
            cells = [f"{r['units']} / {r['events']:,}" for r in results]
        elif label == "orders scored / late / audit lines":
            cells = [f"{r['orders_scored']:,} / {r['checks']['late_orders']:,} / {r['checks']['audit_lines']:,}"
                     if r["orders_scored"] is not None else "-" for r in results]
        elif label == "file MB / writer":
            cells = [f"{r['file_mb']} / {r['writer']}" for r in results]
        else:
            section, field = key
            cells = [_fmt(r[section].get(field), section) for r in results]
        lines.append(["  " + label] + cells)
    widths = [max(len(row[i]) for row in [head] + lines) for i in range(len(head))]
    text = ["  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row))
            for row in [head] + lines]
    text.insert(1, "-" * len(text[0]))
    m = report["machine"]
    text.insert(0, f"kaohe benchmark — {m['cpus']} CPUs, Python {m['python']}, numpy {m['numpy']}, "
                   f"python-calamine {m['python_calamine']}, repeat {report['config']['repeat']}")
    if not report["targets"]:
        text.append("")
        text.append(f"targets: set for {TARGET_SIZE:,} orders (add {TARGET_SIZE} to --sizes to judge them)")
    else:
        text.append("")
        text.append(f"targets (at {report['targets'][0]['orders']:,} orders):")
        for t in report["targets"]:
            text.append(f"  {'MET ' if t['met'] else 'MISS'}  {t['name']}: {t['value']:.3g} {t['op']} {t['limit']:g}")
    return "\n".join(text)


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "numpy": _version("numpy"), "python_calamine": _version("python-calamine"),
            "chinese_calendar": _version("chinesecalendar", "chinese-calendar")}


def _version(*dists: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    for dist in dists:
        try:
            return version(dist)
        except PackageNotFoundError:
            pass
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", help="comma-separated order counts (default 1000,10000,100000)")
    parser.add_argument("--smoke", action="store_true", help="one tiny size, one repeat (for CI)")
    parser.add_argument("--repeat", type=int, default=None, help="timing repeats, best taken (default 3)")
    parser.add_argument("--writer", default="auto", choices=("auto", "fast", "template", "openpyxl"),
                        help="how the ledger file is written (synth.SynthLedger.save)")
    parser.add_argument("--json", metavar="PATH|-", help="write the JSON report there (- = stdout only)")
    parser.add_argument("--keep", metavar="DIR", help="keep the generated workbooks in DIR")
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc pass")
    parser.add_argument("--processes-only", action="store_true",
                        help="only the whole-process figures (rank, import, late-heavy): for the 300k/1M scale curve")
    parser.add_argument("--worker", metavar="LEDGER", help=argparse.SUPPRESS)
    parser.add_argument("--launch", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--raw-read", metavar="LEDGER", help=argparse.SUPPRESS)
    parser.add_argument("command", nargs="*", help=argparse.SUPPRESS)
    parser.add_argument("--baseline-repeat", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--rank-job", nargs=2, metavar=("LEDGER", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--without-trend", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.rank_job:
        from xl_kaohe.io.workbook import FileBook
        from xl_kaohe.jobs.rank import rank
        rank(FileBook(args.rank_job[0], args.rank_job[1]), trend=not args.without_trend)
        return 0

    if args.raw_read:
        seconds, _ = _best(lambda: raw_read(Path(args.raw_read)), 1)
        print(json.dumps({"seconds": seconds}))
        return 0
    if args.launch:
        print(json.dumps(launch(args.command)))
        return 0
    if args.worker:
        print(json.dumps(worker(Path(args.worker), args.repeat or 1, args.baseline_repeat, not args.no_trace)))
        return 0

    sizes = SMOKE_SIZES if args.smoke else DEFAULT_SIZES
    if args.sizes:
        sizes = tuple(int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip())
    repeat = args.repeat or (1 if args.smoke else 3)
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="kaohe-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    bytecode_cache(folder)
    try:
        results = [measure(n, folder, repeat=repeat, writer=args.writer, trace=not args.no_trace,
                           processes_only=args.processes_only) for n in sizes]
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    report = {
        "machine": machine(),
        "config": {"sizes": list(sizes), "repeat": repeat, "seed": SEED, "writer": args.writer, "smoke": args.smoke,
                   "processes_only": args.processes_only},
        "results": results,
        "targets": judge(results),
    }
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if args.json == "-":
        print(text)
        return 0
    print(table(report))
    print()
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
