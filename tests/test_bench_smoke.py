"""The benchmark script runs and reports what it promises (JSON shape, baseline check), and the
synthetic ledgers it measures are real, deterministic ledgers. Correctness only: no timing is
asserted here (timings belong to benchmarks/README.md)."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from support import synth
from xl_kaohe.core import schema as S
from xl_kaohe.core.engine import assess
from xl_kaohe.io.workbook import read_grids

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks" / "bench.py"

STAGES = {"raw_read", "read", "validate", "timeliness", "score", "sheets", "write", "kaohe_rank", "kaohe_import",
          "late_raw_read", "late_kaohe_rank", "warnings", "kaohe_warn", "rank_job_trend", "rank_job_no_trend"}
RATIOS = {"baseline_a_over_timeliness", "baseline_a_over_score", "kaohe_rank_over_raw_read", "read_over_raw_read",
          "late_rank_over_raw_read", "kaohe_rank_cpu_over_raw_read_cpu", "late_rank_cpu_over_raw_read_cpu",
          "import_rss_over_rank_rss", "kaohe_warn_over_raw_read", "rank_with_trend_over_without",
          "kaohe_rank_over_raw_read_process", "late_rank_over_raw_read_process"}


def run_bench(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BENCH), *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)


@pytest.fixture(scope="module")
def smoke(tmp_path_factory) -> tuple[dict, str]:
    out = tmp_path_factory.mktemp("bench") / "report.json"
    proc = run_bench("--smoke", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text(encoding="utf-8")), proc.stdout


def test_smoke_report_shape(smoke):
    report, _ = smoke
    assert set(report) == {"machine", "config", "results", "targets"}
    assert report["config"]["smoke"] is True and report["config"]["sizes"] == [300]
    assert {"cpus", "python", "numpy", "python_calamine"} <= set(report["machine"])
    (result,) = report["results"]
    assert result["orders"] == 300 and 0 < result["orders_scored"] <= 300
    assert result["units"] >= 10 and result["events"] > 0 and result["file_mb"] > 0
    assert set(result["stages_s"]) == STAGES
    assert all(isinstance(v, float) and v >= 0 for v in result["stages_s"].values())
    assert set(result["baselines_s"]) == {"a_per_order_deadlines", "b_raw_calamine_read"}
    assert result["baselines_s"]["b_raw_calamine_read"] == result["stages_s"]["raw_read"]
    assert set(result["ratios"]) == RATIOS and all(v > 0 for v in result["ratios"].values())
    assert set(result["memory_mb"]) == {"kaohe_rank_peak_rss", "kaohe_import_peak_rss", "late_kaohe_rank_peak_rss",
                                        "kaohe_warn_peak_rss", "worker_peak_rss", "python_heap_peak"}
    assert set(result["cpu_s"]) == {"raw_read", "kaohe_rank", "kaohe_import", "late_raw_read", "late_kaohe_rank"}
    assert result["memory_mb"]["kaohe_import_peak_rss"] > 0 and result["checks"]["import_rows"] == 150  # 300 / 2
    assert result["memory_mb"]["kaohe_rank_peak_rss"] > 0 and result["memory_mb"]["python_heap_peak"] > 0


def test_smoke_checks_the_fast_path_against_the_baseline(smoke):
    report, _ = smoke
    checks = report["results"][0]["checks"]
    assert checks["baseline_equal"] is True
    assert checks["kaohe_rank_exit"] == 1  # noise=True: the synthetic ledger carries a few bad rows
    assert checks["late_orders"] > 0 and checks["audit_lines"] > 0 and checks["problems"] > 0
    assert report["targets"] == []  # targets are judged at 100k orders only


def test_smoke_prints_a_table_and_the_same_json(smoke):
    report, stdout = smoke
    table, _, text = stdout.partition("\n{")
    assert "kaohe rank, whole process" in table and "(a) per-order baseline deadlines" in table
    assert "raw python-calamine read" in table and "targets: set for 100,000 orders" in table
    assert "import peak RSS / rank peak RSS" in table and "late-heavy: kaohe rank / its raw read" in table
    assert json.loads("{" + text) == report


def test_sizes_and_writer_options():
    proc = run_bench("--sizes", "120,240", "--repeat", "1", "--writer", "fast", "--no-trace", "--json", "-")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert [r["orders"] for r in report["results"]] == [120, 240]
    assert {r["writer"] for r in report["results"]} == {"fast"}
    assert all(r["memory_mb"]["python_heap_peak"] is None for r in report["results"])
    assert all(r["checks"]["baseline_equal"] for r in report["results"])


# ---- the synthetic ledgers -------------------------------------------------------------------------

def test_generation_is_deterministic(tmp_path):
    a, b = synth.generate(800, seed=3), synth.generate(800, seed=3)
    assert a.grids == b.grids and a.counts == b.counts
    assert synth.generate(800, seed=4).grids != a.grids
    a.save(tmp_path / "a.xlsm", engine="fast")
    b.save(tmp_path / "b.xlsm", engine="fast")
    assert (tmp_path / "a.xlsm").read_bytes() == (tmp_path / "b.xlsm").read_bytes()


def test_sheets_follow_the_schema():
    ledger = synth.generate(500)
    for spec in S.INPUT_SHEETS:
        assert tuple(ledger.grids[spec.name][0]) == spec.columns
    assert ledger.counts[S.ORDERS] == 500 and ledger.n_orders == 500
    types = {row[2] for row in ledger.grids[S.ORDERS][1:]}
    assert {"咨询", "办理", "紧急", "投诉", "表扬"} <= types


def test_fast_writer_reads_back_exactly_as_generated(tmp_path):
    ledger = synth.generate(700, seed=9)
    path = ledger.save(tmp_path / "ledger.xlsm", engine="fast")
    assert ledger.engine == "fast"
    assert read_grids(path) == {name: grid for name, grid in ledger.grids.items()}


@pytest.mark.parametrize("engine", ["template", "openpyxl"])
def test_other_writers_give_the_same_assessment(tmp_path, engine):
    if engine == "template" and synth._template() is None:
        pytest.skip("xl_kaohe.io.template is not available")
    ledger = synth.generate(400, seed=2)
    path = ledger.save(tmp_path / f"ledger-{engine}.xlsm", engine=engine)
    today = date(2026, 12, 31)
    assert assess(read_grids(path), today=today).json() == assess(ledger.grids, today=today).json()


def test_the_generated_ledger_is_scored_with_its_planted_problems():
    a = assess(synth.generate(1000).grids, today=date(2026, 12, 31))
    messages = " ".join(p.message for p in a.result.problems)
    for planted in ("不在「单位」表中", "不是存在的日期", "重复", "早于受理时间", "紧急类工单必须填写办理时限",
                    "不在考核期内", "回访结果不在满意口径", "无法识别"):
        assert planted in messages, planted
    ranked = [u for u in a.ordered if u.rank is not None]
    assert ranked and any(u.rank is None for u in a.ordered)  # a unit with 参与考核 = 否
    assert len({u.total for u in ranked}) > 1


def test_processes_only_gives_the_scale_curve_figures():
    proc = run_bench("--sizes", "200", "--repeat", "1", "--processes-only", "--writer", "fast", "--json", "-")
    assert proc.returncode == 0, proc.stderr
    (result,) = json.loads(proc.stdout)["results"]
    assert result["orders_scored"] is None and result["baselines_s"]["a_per_order_deadlines"] is None
    assert {"kaohe_rank_over_raw_read", "late_rank_over_raw_read", "import_rss_over_rank_rss"} <= set(result["ratios"])


def test_late_heavy_and_platform_export_generators():
    from xl_kaohe.core.timeliness import compute_timeliness
    from xl_kaohe.core.validate import load_ledger

    def late_orders(ledger) -> int:
        led = load_ledger(ledger.grids, today=date(2026, 12, 31))
        return int(compute_timeliness(led.orders, led.rubric, led.calendar, led.params).late.sum())

    plain, late = synth.generate(2000, seed=5), synth.generate(2000, seed=5, p_late=0.40)
    a, b = late_orders(plain), late_orders(late)
    assert b > 0.3 * 2000 and b > 5 * a  # 40 % asked for (less the open orders) vs ~3 %
    export = synth.platform_export(plain, 100)
    assert export[0][0] == "诉求编号" and len(export) == 101
    known = {row[0] for row in plain.grids[S.ORDERS][1:]}
    assert sum(row[0] in known for row in export[1:]) == 50  # half known, half new
