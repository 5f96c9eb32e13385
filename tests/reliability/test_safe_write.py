"""The ledger is never lost: `kaohe rank` writes a temporary file beside the workbook and swaps it
in with one os.replace, refuses to write while Excel has the book open or the file is read-only,
and a failure anywhere leaves the original byte for byte and no temporary file behind.

Read-only files: CI runs as root, and root may write a 0o444 file (os.access says yes). The
refusal is therefore tested twice: with os.access monkeypatched to answer as it does for a normal
user (always runs), and with a real chmod (skipped when running as root).
"""
from __future__ import annotations

import errno
import os
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from ledgerkit import LedgerKit
from xl_kaohe.build.workbook import DEFAULT_PATH
from xl_kaohe.cli import main
from xl_kaohe.io import workbook as workbook_module
from xl_kaohe.io import xlsx_package
from xl_kaohe.io.workbook import read_grids

NAME = "考核台账.xlsm"
LOCK = "~$" + NAME
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def book(tmp_path) -> Path:
    folder = tmp_path / "台账"
    folder.mkdir()
    path = folder / NAME
    shutil.copy(DEFAULT_PATH, path)
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".~kaohe-"))


def refused(capsys, *words: str) -> str:
    """stderr of a run that could not run: one Chinese line saying why, no traceback."""
    err = capsys.readouterr().err
    assert "错误：" in err and "Traceback" not in err, err
    for word in words:
        assert word in err, (word, err)
    return err


# ---- failures while writing -------------------------------------------------------------------------

def test_the_temporary_file_is_complete_and_beside_the_workbook_when_it_replaces_it(book, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        src, dst = Path(src), Path(dst)
        with zipfile.ZipFile(src) as z:  # written and closed: a whole workbook, not a half one
            assert z.testzip() is None and "xl/vbaProject.bin" in z.namelist()
        seen.append((src, dst, src.read_bytes()))
        real_replace(src, dst)

    monkeypatch.setattr(workbook_module.os, "replace", spy)
    assert main(["rank", str(book)]) == 0
    [(src, dst, data)] = seen
    assert dst == book and src.parent == book.parent  # same folder: same file system, atomic rename
    assert src.name.startswith(".~kaohe-") and src.suffix == ".xlsm"
    assert book.read_bytes() == data
    assert leftovers(book.parent) == []


@pytest.mark.parametrize("error", [
    PermissionError(errno.EACCES, "Access is denied"),        # Windows: Excel/antivirus holds the file
    OSError(errno.ENOSPC, "No space left on device"),
    OSError(errno.EXDEV, "Invalid cross-device link"),
], ids=["permission", "disk-full", "cross-device"])
def test_failure_between_writing_and_replacing_keeps_the_original(book, monkeypatch, capsys, error):
    before = book.read_bytes()

    def boom(src, dst):
        assert Path(src).exists() and Path(src).stat().st_size > 0  # the temporary file was written
        raise error

    monkeypatch.setattr(workbook_module.os, "replace", boom)
    assert main(["rank", str(book)]) == 2
    refused(capsys)
    assert book.read_bytes() == before
    assert leftovers(book.parent) == []


def _half_writer(error: BaseException):
    def write_half_then_fail(src, dst, sheets):
        data = Path(src).read_bytes()
        with open(dst, "wb") as out:
            out.write(data[: len(data) // 2])
        raise error
    return write_half_then_fail


@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"), zipfile.BadZipFile("damaged"),
                                   ValueError("package too large for a zip without zip64")],
                         ids=["disk-full", "bad-zip", "too-large"])
def test_failure_inside_the_writer_keeps_the_original(book, monkeypatch, capsys, error):
    before = book.read_bytes()
    monkeypatch.setattr(xlsx_package, "write_output_sheets", _half_writer(error))
    assert main(["rank", str(book)]) == 2
    refused(capsys)
    assert book.read_bytes() == before
    assert leftovers(book.parent) == []


def test_an_unexpected_crash_inside_the_writer_keeps_the_original(book, monkeypatch):
    before = book.read_bytes()
    monkeypatch.setattr(xlsx_package, "write_output_sheets", _half_writer(RuntimeError("bug")))
    assert main(["rank", str(book)]) == 2  # a bug of ours: "could not run", not "rows had errors"
    assert book.read_bytes() == before
    assert leftovers(book.parent) == []


def test_ctrl_c_while_writing_keeps_the_original(book, monkeypatch, capsys):
    before = book.read_bytes()
    monkeypatch.setattr(xlsx_package, "write_output_sheets", _half_writer(KeyboardInterrupt()))
    assert main(["rank", str(book)]) == 2
    assert "已取消" in capsys.readouterr().err
    assert book.read_bytes() == before
    assert leftovers(book.parent) == []


def test_a_damaged_package_part_is_refused_not_crashed(book, capsys):
    """[Content_Types].xml that is not XML: calamine still reads the sheets, the writer cannot."""
    damaged = book.with_name("damaged.xlsm")
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(damaged, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, b"<Types" if info.filename == "[Content_Types].xml" else zin.read(info.filename))
    before = damaged.read_bytes()
    assert main(["rank", str(damaged)]) == 2
    refused(capsys, "damaged.xlsm")
    assert damaged.read_bytes() == before
    assert leftovers(book.parent) == []


# ---- Excel has the workbook open ----------------------------------------------------------------------

def test_excel_lock_file_refuses_and_names_the_lock(book, capsys):
    (book.parent / LOCK).write_bytes(b"owner")
    before = book.read_bytes()
    assert main(["rank", str(book)]) == 2
    err = refused(capsys, "正在 Excel 中打开", LOCK, "--output")
    assert NAME in err
    assert book.read_bytes() == before
    assert leftovers(book.parent) == []
    assert main(["unit", str(book), "示例市第一实验中学", "--write"]) == 2  # every command that writes
    assert book.read_bytes() == before


def test_excel_short_lock_name_of_a_long_file_name_refuses_too(book):
    """Excel drops two characters of long names in the owner file (~$台账.xlsm)."""
    (book.parent / ("~$" + NAME[2:])).write_bytes(b"owner")
    before = book.read_bytes()
    assert main(["rank", str(book)]) == 2
    assert book.read_bytes() == before


def test_with_the_lock_reading_and_writing_a_copy_still_work(book, tmp_path, capsys):
    (book.parent / LOCK).write_bytes(b"owner")
    before = book.read_bytes()
    assert main(["check", str(book)]) == 0
    copy = tmp_path / "副本" / "结果.xlsm"
    assert main(["rank", str(book), "--output", str(copy)]) == 0  # what the message suggests
    assert book.read_bytes() == before and copy.exists()
    # ... but not into a copy that is itself open in Excel
    (copy.parent / ("~$" + copy.name)).write_bytes(b"owner")
    copied = copy.read_bytes()
    assert main(["rank", str(book), "--output", str(copy)]) == 2
    assert copy.read_bytes() == copied


# ---- read-only files and folders --------------------------------------------------------------------

def _deny_write(monkeypatch, denied: Path) -> None:
    real_access = os.access

    def access(path, mode, *args, **kwargs):
        if Path(path) == denied and mode & os.W_OK:
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(workbook_module.os, "access", access)


def test_read_only_workbook_is_refused(book, monkeypatch, capsys):
    """As os.access answers for a normal user on a 0o444 file (works as root too)."""
    _deny_write(monkeypatch, book)
    before = book.read_bytes()
    assert main(["rank", str(book)]) == 2
    refused(capsys, "只读", NAME)
    assert book.read_bytes() == before
    assert leftovers(book.parent) == []


def test_read_only_folder_is_refused(book, monkeypatch, capsys):
    _deny_write(monkeypatch, book.parent)
    before = book.read_bytes()
    assert main(["rank", str(book)]) == 2
    refused(capsys, "没有写入权限")
    assert book.read_bytes() == before
    assert leftovers(book.parent) == []


@pytest.mark.skipif(AS_ROOT, reason="root may write a 0o444 file: covered by test_read_only_workbook_is_refused")
def test_read_only_workbook_is_refused_for_real(book, capsys):
    book.chmod(0o444)
    try:
        before = book.read_bytes()
        assert main(["rank", str(book)]) == 2
        refused(capsys, "只读")
        assert book.read_bytes() == before
        assert stat.S_IMODE(book.stat().st_mode) == 0o444
    finally:
        book.chmod(0o644)


def test_the_file_mode_is_kept(book):
    book.chmod(0o640)
    assert main(["rank", str(book)]) == 0
    assert stat.S_IMODE(book.stat().st_mode) == 0o640  # not the 0o600 of a fresh temporary file


# ---- nothing to work on -----------------------------------------------------------------------------

def _text(path: Path) -> None:
    path.write_text("工单编号,承办单位\nGD-1,甲校\n", encoding="utf-8")


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _truncated(path: Path) -> None:
    data = DEFAULT_PATH.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _plain_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "not a workbook")


def _ole(path: Path) -> None:  # an old .xls, or a workbook encrypted with a password to open
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504)


@pytest.mark.parametrize("make,words", [
    (_text, ["不是有效的 Excel 工作簿"]),
    (_empty, ["不是有效的 Excel 工作簿"]),
    (_truncated, ["不是有效的 Excel 工作簿"]),
    (_plain_zip, ["无法读取"]),
    (_ole, ["不是有效的 Excel 工作簿"]),
], ids=["text", "empty", "truncated", "zip-not-workbook", "ole"])
@pytest.mark.parametrize("command", ["rank", "check"])
def test_a_file_that_is_not_a_workbook_exits_2_untouched(tmp_path, capsys, make, words, command):
    path = tmp_path / NAME
    make(path)
    before = path.read_bytes()
    assert main([command, str(path)]) == 2
    refused(capsys, NAME, *words)
    assert path.read_bytes() == before
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("command", [["rank"], ["check"], ["unit"]])
def test_a_missing_workbook_exits_2(tmp_path, capsys, command):
    missing = tmp_path / "没有这个文件.xlsm"
    argv = command + [str(missing)] + (["甲校"] if command == ["unit"] else [])
    assert main(argv) == 2
    refused(capsys, "找不到工作簿", missing.name)
    assert list(tmp_path.iterdir()) == []  # nothing created


def test_a_folder_is_not_a_workbook(tmp_path, capsys):
    folder = tmp_path / "考核台账.xlsm"
    folder.mkdir()
    assert main(["rank", str(folder)]) == 2
    refused(capsys, "文件夹")
    assert list(folder.iterdir()) == []


# ---- --output -----------------------------------------------------------------------------------------

def test_output_into_new_folders_leaves_the_source_byte_identical(book, tmp_path, capsys):
    before = book.read_bytes()
    source_listing = sorted(p.name for p in book.parent.iterdir())
    target = tmp_path / "新文件夹" / "二级" / "结果.xlsm"
    assert main(["rank", str(book), "--output", str(target)]) == 0
    assert str(target) in capsys.readouterr().out
    assert book.read_bytes() == before
    assert sorted(p.name for p in book.parent.iterdir()) == source_listing
    assert sorted(p.name for p in target.parent.iterdir()) == ["结果.xlsm"]
    assert read_grids(target, ["排名"])["排名"][0][0].startswith("2026年度12345工作考核排名")
    # the copy is a full workbook: ranking it again in place works and gives the same file
    first = target.read_bytes()
    assert main(["rank", str(target)]) == 0
    assert target.read_bytes() == first


def test_rows_with_errors_still_write_safely(tmp_path):
    """Exit 1 (rows with errors) writes the ranking through the same temporary-file path."""
    kit = LedgerKit().unit("甲校")
    kit.order("GD-1", "甲校", "咨询", "2026-13-40 09:00")
    path = kit.save(tmp_path / "台账.xlsx")
    assert main(["rank", str(path)]) == 1
    assert "数据有误" in read_grids(path, ["排名"])["排名"][0][0]
    assert leftovers(tmp_path) == []


def test_nan_typed_as_bonus_points_is_a_row_error_not_a_crash(tmp_path):
    kit = LedgerKit().unit("甲校")
    kit.bonus("2026-03-02", "甲校", "III-16.1", None, "NaN")
    path = kit.save(tmp_path / "台账.xlsx")
    before = path.read_bytes()
    try:
        assert main(["rank", str(path)]) == 1
    finally:
        if path.read_bytes() == before:  # a crash must at least leave the file alone
            assert leftovers(tmp_path) == []
    checks = read_grids(path, ["校验"])["校验"]
    assert any(row[1] == "加分事件" and row[3] == "分值" for row in checks[1:])
