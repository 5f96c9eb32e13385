"""issue 10 item 4: the `kaohe` command speaks Chinese (argparse's usage, headings, help and
errors), refuses before writing anything when an export target is bad, gives new files the
permissions of any new file, and respects the lock files of Excel, WPS and LibreOffice."""
from __future__ import annotations

import argparse
import os
import re
import stat
import sys

import pytest

from xl_kaohe.argparse_zh import ChineseArgumentParser, ChineseHelpFormatter
from xl_kaohe.cli import build_parser, main, os_error_text
from xl_kaohe.io.workbook import excel_lock

# argparse's English, as it would appear in usage, headings, help and errors
ENGLISH = re.compile(r"\b(usage|invalid|required|error|options|optional|positional|arguments?|choices?|choose|"
                     r"expected|unrecognized|show|program|message|ambiguous|exit)\b", re.I)


def _run(argv, capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as e:  # argparse exits for -h and for usage errors
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


def _subcommands() -> list[str]:
    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return list(action.choices)


@pytest.mark.parametrize("argv", [["--help"], ["rank", "--help"], ["rank"], ["foo"], [], ["rank", "a.xlsm", "--bogus"],
                                  ["new", "x.xlsm", "--year", "abc"], ["rank", "--json"]])
def test_usage_help_and_errors_are_chinese(argv, capsys):
    code, out, err = _run(argv, capsys)
    text = out + err
    assert code == (0 if "--help" in argv else 2)
    assert ENGLISH.findall(text) == [], text
    assert text.startswith("用法：kaohe")


def test_the_messages_say_what_is_wrong(capsys):
    assert "缺少必填的参数：台账" in _run(["rank"], capsys)[2]
    err = _run(["foo"], capsys)[2]
    assert "没有 'foo' 这一项" in err and "'rank'" in err and "kaohe -h" in err
    assert "无法识别的参数：--bogus" in _run(["rank", "a.xlsm", "--bogus"], capsys)[2]
    assert "参数 --year：取值 'abc' 无效" in _run(["new", "x.xlsm", "--year", "abc"], capsys)[2]
    assert "参数 --json：后面需要跟一个值" in _run(["rank", "--json"], capsys)[2]
    out = _run(["--help"], capsys)[1]
    assert "\n参数：\n" in out and "\n选项：\n" in out and "显示本帮助并退出" in out and "显示版本号并退出" in out


def test_every_subcommand_documents_every_argument_in_chinese(capsys):
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert {"rank", "check", "unit", "new", "build-workbook", "import"} <= set(subparsers.choices)
    for name, sub in subparsers.choices.items():
        assert isinstance(sub, ChineseArgumentParser)  # subcommands added later inherit the class
        undocumented = [a.dest for a in sub._actions if not a.help]
        assert undocumented == [], name
        code, out, _ = _run([name, "--help"], capsys)
        assert code == 0 and ENGLISH.findall(out) == [], out
        usage = out.splitlines()[0]
        assert not re.search(r"\b[A-Z]{3,}\b", usage), usage  # no argparse placeholder like WORKBOOK


def test_other_argparse_users_stay_english(capsys):
    _run(["rank"], capsys)
    assert argparse._("usage: ") == "usage: "  # pytest's own parser is untouched
    plain = argparse.ArgumentParser(prog="p")
    assert "usage: p" in plain.format_usage()


def test_help_wraps_by_display_width():
    formatter = ChineseHelpFormatter("kaohe")
    # a Chinese character takes 2 columns: 10 columns hold 5 characters
    assert formatter._split_lines("一二三四五六七", 10) == ["一二三四五", "六七"]
    # an option is never cut: "写到 --output" is 4 + 1 + 8 = 13 columns > 10
    assert formatter._split_lines("写到 --output 文件", 10) == ["写到", "--output", "文件"]


def test_a_csv_given_to_rank_points_to_import(tmp_path, capsys):
    export = tmp_path / "导出.csv"
    export.write_text("工单编号,承办单位\n", encoding="utf-8")
    code, _, err = _run(["rank", str(export)], capsys)
    assert code == 2 and "kaohe import 导出.csv --into" in err


def test_bad_csv_target_is_refused_before_the_ledger_is_written(demo, capsys):
    before = demo.read_bytes()
    occupied = demo.with_name("结果")
    occupied.write_text("a file, not a folder")
    code, out, err = _run(["rank", str(demo), "--csv", str(occupied)], capsys)
    assert code == 2 and "--csv" in err and "已写入" not in out
    assert demo.read_bytes() == before


def test_bad_json_target_is_refused_before_the_ledger_is_written(demo, capsys):
    before = demo.read_bytes()
    code, _, err = _run(["rank", str(demo), "--json", str(demo.parent / "没有这个文件夹" / "r.json")], capsys)
    assert code == 2 and "不存在" in err
    assert demo.read_bytes() == before
    code, _, err = _run(["check", str(demo), "--json", str(demo.parent)], capsys)
    assert code == 2 and "这是文件夹" in err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_output_copy_gets_the_mode_of_a_new_file(demo, tmp_path, mask, mode):
    old = os.umask(mask)
    try:
        target = tmp_path / "共享" / "副本.xlsm"
        assert main(["rank", str(demo), "--output", str(target)]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == mode  # 0o666 & ~umask, e.g. 0o666 & ~0o022 = 0o644


@pytest.mark.parametrize("lock_name, program", [
    ("~$考核台账.xlsm", "Excel"),            # Excel, and WPS on Windows
    ("~$台账.xlsm", "Excel"),                # Excel drops the first two characters of long names
    (".~lock.考核台账.xlsm#", "LibreOffice"),
    (".~考核台账.xlsm", "WPS"),              # WPS on Linux (信创 desktops)
])
def test_office_lock_files_stop_the_write(demo, capsys, lock_name, program):
    lock = demo.with_name(lock_name)
    lock.write_bytes(b"owner")
    assert excel_lock(demo) == lock  # the import job checks the same function
    before = demo.read_bytes()
    code, _, err = _run(["rank", str(demo)], capsys)
    assert code == 2 and f"正在 {program} 中打开" in err and lock_name in err and "--output" in err
    assert demo.read_bytes() == before and not list(demo.parent.glob(".~kaohe-*"))


def test_no_lock_means_no_refusal(demo):
    assert excel_lock(demo) is None
    demo.with_name(".~lock.别的文件.xlsm#").write_bytes(b"")  # another workbook's lock does not count
    assert excel_lock(demo) is None


def test_system_errors_are_chinese():
    assert os_error_text(FileNotFoundError(2, "No such file or directory", "a.xlsm")) == "找不到文件或文件夹：a.xlsm"
    assert os_error_text(PermissionError(13, "Permission denied", "b")) == "没有权限：b"
    assert os_error_text(OSError(28, "No space left on device")) == "磁盘空间不足"
    assert os_error_text(FileExistsError("文件已存在：x.xlsm。")) == "文件已存在：x.xlsm。"  # ours pass through


def test_a_later_subcommand_is_chinese_without_doing_anything(capsys):
    """What another job's subparser gets for free: English placeholders mapped, messages Chinese."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    p = sub.add_parser("demo", help="示例命令")
    p.add_argument("workbook", help="台账")
    p.add_argument("--month", help="月份")
    p.add_argument("--asof", metavar="YYYY-MM-DD", help="日期")
    p.add_argument("--json", metavar="PATH|-", help="结果")
    usage = p.format_usage()
    assert usage == "用法：kaohe demo [-h] [--month 月份] [--asof 日期] [--json 文件|-] 台账\n"
    with pytest.raises(SystemExit):
        parser.parse_args(["demo"])
    assert "缺少必填的参数：台账" in capsys.readouterr().err


def test_help_fits_the_terminal_in_display_columns(monkeypatch):
    from xl_kaohe.argparse_zh import display_width
    monkeypatch.setenv("COLUMNS", "60")  # argparse sizes its help to the terminal (COLUMNS)
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, p in [("kaohe", parser)] + list(sub.choices.items()):
        body = p.format_help().split("\n\n", 1)[1]  # after the usage paragraph
        too_wide = [line for line in body.splitlines() if display_width(line) > 60]
        assert too_wide == [], name
