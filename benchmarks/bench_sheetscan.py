"""Benchmark: the scan for formula cells without a cached value (xl_kaohe/io/sheetscan.py).

    .venv/bin/python benchmarks/bench_sheetscan.py [--rows 100000]

Three 工单-like sheet parts of N rows: no formulas (the usual ledger: one find() per part),
a formula in every row with its cached value (a ledger saved by Excel), and a formula in every
row without one (written by a script). Prints seconds and the per-row cost; the scan must stay
linear in the size of the part (a quadratic scan took minutes at 100k rows).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xl_kaohe.io.sheetscan import uncalculated_cells  # noqa: E402


def part(rows: int, cell: bytes) -> bytes:
    body = b"".join(b'<row r="%d"><c r="A%d" s="1" t="inlineStr"><is><t>GD-%d</t></is></c>%s</row>'
                    % (i, i, i, cell.replace(b"#", b"%d" % i)) for i in range(2, rows + 2))
    return b"<worksheet><sheetData>" + body + b"</sheetData></worksheet>"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    rows = parser.parse_args().rows
    cases = {
        "no formulas": b'<c r="B#"><v>46082.5</v></c>',
        "formulas, cached": b'<c r="B#"><f>C#+3</f><v>46082.5</v></c>',
        "formulas, no value": b'<c r="B#"><f>C#+3</f><v/></c>',
    }
    print(f"sheetscan over {rows:,} rows")
    for name, cell in cases.items():
        data = part(rows, cell)
        best = min(_timed(data) for _ in range(3))
        print(f"  {name:<20} {len(data) / 1e6:6.1f} MB  {best:7.3f} s  {best / rows * 1e6:6.2f} µs/row")


def _timed(data: bytes) -> float:
    start = time.perf_counter()
    uncalculated_cells(data)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
