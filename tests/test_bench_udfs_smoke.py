"""benchmarks/bench_udfs.py runs and reports its figures (correctness of the script, no timing)."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_udf_benchmark_smoke():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_udfs.py"), "--rows", "300", "--json", "-"],
                          capture_output=True, timeout=300, check=True)
    text = done.stdout.decode("utf-8")
    figures = json.loads(text)
    assert figures["rows"] == 300
    assert figures["score_cached_us"] > 0 and figures["latedays_column_s"] > 0
    assert set(figures["targets"]) == {"score_cached_us<=50", "date_columns_s<=0.5"}
