import os
import sys

# before any test module imports openpyxl: its stdlib writer, as in xl_kaohe (deterministic bytes)
os.environ.setdefault("OPENPYXL_LXML", "False")
from pathlib import Path

# tests/ledgerkit.py is shared by the test folders
sys.path.insert(0, str(Path(__file__).parent))

import xl_kaohe  # noqa: E402,F401  (first: it keeps openpyxl off lxml before any test imports openpyxl)
