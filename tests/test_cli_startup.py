"""`kaohe rank` starts reading its workbook before it imports the scoring code (issue 14: the
parse overlaps the start-up): the command line stays light, only the named command's parser is
built, a read started ahead is taken once and never for a changed file, and the process exits
without freeing what it built but with every stream flushed."""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest

from xl_kaohe.cli import OWN_COMMANDS, build_parser
from xl_kaohe.io import workbook
from xl_kaohe.io.workbook import BookError, prefetch, read_grids


def _choices(parser: argparse.ArgumentParser) -> list[str]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return list(action.choices)


def test_the_command_line_imports_no_scoring_code():
    code = ("import sys, xl_kaohe.cli as c; c.build_parser('rank').parse_args(['rank', 'x.xlsm']); "
            "print(sorted(m for m in ('numpy', 'xl_kaohe.core.engine', 'xl_kaohe.jobs.rank', 'python_calamine') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_only_the_named_command_parser_is_built_and_it_parses_the_same():
    full, rank_only = build_parser(), build_parser("rank")
    assert _choices(full)[:len(OWN_COMMANDS)] == list(OWN_COMMANDS)
    assert {"import", "holidays", "notice", "report"} <= set(_choices(full))
    assert "import" not in _choices(rank_only)
    argv = ["rank", "台账.xlsm", "--asof", "2026-06-30", "--output", "副本.xlsm", "--json", "-"]
    a, b = full.parse_args(argv), rank_only.parse_args(argv)
    assert vars(a) == vars(b)
    # a command of a job module (or a typo) gets the full parser
    assert "import" in _choices(build_parser("import")) and "report" in _choices(build_parser("rnak"))


def test_a_read_started_ahead_is_taken_once(demo, monkeypatch):
    calls = []
    real = workbook._read_grids

    def counted(path, sheets):
        calls.append(threading.current_thread().name)
        return real(path, sheets)

    monkeypatch.setattr(workbook, "_read_grids", counted)
    direct = real(demo, workbook.READ_SHEETS)
    with prefetch(demo):
        grids = read_grids(demo)
    assert len(calls) == 1 and calls[0].startswith("kaohe-read")  # read once, on the read-ahead thread
    assert dict(grids) == dict(direct) and grids.uncalculated == direct.uncalculated
    assert read_grids(demo) is not grids and len(calls) == 2  # outside the block: an ordinary read


def test_a_file_changed_after_the_read_ahead_is_read_again(demo, tmp_path, monkeypatch):
    book = tmp_path / "台账.xlsm"
    shutil.copy(demo, book)
    calls = []
    real = workbook._read_grids
    monkeypatch.setattr(workbook, "_read_grids", lambda p, s: calls.append(1) or real(p, s))
    with prefetch(book):
        while not workbook._PREFETCHED[workbook._prefetch_key(book, workbook.READ_SHEETS)][1].done():
            time.sleep(0.01)
        stat = book.stat()
        os.utime(book, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # saved again meanwhile
        read_grids(book)
    assert len(calls) == 2  # the read ahead, then the file as it is now


def test_a_missing_file_raises_the_same_error_through_the_read_ahead(tmp_path):
    missing = tmp_path / "没有.xlsm"
    with pytest.raises(BookError) as direct:
        read_grids(missing)
    with prefetch(missing), pytest.raises(BookError) as ahead:
        read_grids(missing)
    assert str(ahead.value) == str(direct.value) == f"找不到工作簿：{missing}"


def test_leaving_the_block_waits_for_the_read(demo):
    with prefetch(demo):
        pass  # nobody asked for the grids (e.g. a bad --json target): the read still ends here
    assert not [t for t in threading.enumerate() if t.name.startswith("kaohe-read")]


def test_the_kaohe_process_flushes_its_output_and_keeps_the_exit_code(demo, tmp_path):
    out = tmp_path / "副本.xlsm"
    done = subprocess.run([sys.executable, "-m", "xl_kaohe.cli", "rank", str(demo), "--output", str(out)],
                          capture_output=True, text=True)
    # the demo ledger scores clean: 0; the table, then the written file's name, both flushed
    assert done.returncode == 0
    assert "12345工作考核排名" in done.stdout and done.stdout.rstrip().endswith(f"已写入：{out}")
    assert out.exists()
    failed = subprocess.run([sys.executable, "-m", "xl_kaohe.cli", "rank", str(tmp_path / "没有.xlsm")],
                            capture_output=True, text=True)
    assert failed.returncode == 2 and "找不到工作簿" in failed.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_the_kaohe_process_shares_one_c_heap_between_its_threads():
    # in a process of its own (the setting is process-wide): glibc accepts it (mallopt returns 1)
    done = subprocess.run([sys.executable, "-c", "from xl_kaohe.io.workbook import one_malloc_arena as f; print(f())"],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"


def test_ctrl_c_does_not_wait_for_the_read_ahead(demo, monkeypatch):
    release = threading.Event()
    real = workbook._read_grids

    def slow(path, sheets):  # a read that takes as long as the test wants (a 1M-order ledger)
        release.wait(10)
        return real(path, sheets)

    monkeypatch.setattr(workbook, "_read_grids", slow)
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        with prefetch(demo):
            raise KeyboardInterrupt
    assert time.perf_counter() - start < 5  # left at once, not after the 10 s read
    reader = next(t for t in threading.enumerate() if t.name.startswith("kaohe-read"))
    release.set()
    reader.join(10)  # the thread ends on its own
    assert not reader.is_alive()
