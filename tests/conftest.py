import sys
from pathlib import Path

# tests/ledgerkit.py is shared by the test folders
sys.path.insert(0, str(Path(__file__).parent))

import os

# SPEC §13 caps 参数 考核截止日期 at today: jobs run by the tests (CLI, ribbon, subprocesses)
# see a fixed today after the test ledgers' year, never the machine's date. Set at import, so
# module-scoped fixtures see it too.
TEST_TODAY = "2027-01-31"
os.environ["KAOHE_TODAY"] = TEST_TODAY
