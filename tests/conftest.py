import sys
from pathlib import Path

# tests/ledgerkit.py is shared by the test folders
sys.path.insert(0, str(Path(__file__).parent))

import xl_kaohe  # noqa: E402,F401  (first: it keeps openpyxl off lxml before any test imports openpyxl)
