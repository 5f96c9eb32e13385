import os
import sys

# before any test module imports openpyxl: its stdlib writer, as in xl_kaohe (deterministic bytes)
os.environ.setdefault("OPENPYXL_LXML", "False")
from pathlib import Path

# tests/ledgerkit.py is shared by the test folders
sys.path.insert(0, str(Path(__file__).parent))

# SPEC §13 caps 参数 考核截止日期 at today: jobs run by the tests (CLI, ribbon, subprocesses)
# see a fixed today after the test ledgers' year, never the machine's date. Set at import, so
# module-scoped fixtures see it too.
TEST_TODAY = "2027-01-31"
os.environ["KAOHE_TODAY"] = TEST_TODAY
import xl_kaohe  # noqa: E402,F401  (first: it keeps openpyxl off lxml before any test imports openpyxl)

import shutil  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture
def demo(tmp_path) -> Path:
    """A copy of the shipped demo workbook (workbook/考核台账.xlsm) to run jobs on."""
    from xl_kaohe.build.workbook import DEFAULT_PATH
    path = tmp_path / "考核台账.xlsm"
    shutil.copy(DEFAULT_PATH, path)
    return path
