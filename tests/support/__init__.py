"""Test and benchmark support, kept out of the installed package: synthetic ledgers (synth) and
the per-order reference for deadlines (baseline). Importable as ``support`` once tests/ is on
sys.path (tests/conftest.py, benchmarks/*.py)."""
