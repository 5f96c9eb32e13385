"""`kaohe`: the headless front end (SPEC §7). Exit codes: 0 clean, 1 rows with errors (the
ranking is still written, marked 数据有误), 2 could not run (file missing, locked, not a ledger)."""
from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

# Only light modules at the top: the scoring code (numpy, ~0.1 s of imports) is imported by the
# commands, after `kaohe rank` has started reading its workbook (io.workbook.prefetch).
from . import __version__
from .jobs import EXIT_FAILED, EXIT_OK, EXIT_ROW_ERRORS
from .core.dates import DateError, parse_date
from .core.rates import percent_text
from .core.report import text_width
from .argparse_zh import ChineseArgumentParser
from .io.workbook import (BookError, FileBook, check_file_target, check_folder_target, one_malloc_arena,
                          prefetch)

if TYPE_CHECKING:
    from .core.engine import Assessment

SHOWN_PROBLEMS = 20


class Console:
    """Human-readable output; goes to stderr when stdout carries JSON."""

    def __init__(self, to_stderr: bool = False):
        self.stream = sys.stderr if to_stderr else sys.stdout

    def say(self, text: str = "") -> None:
        print(text, file=self.stream, flush=True)

    def progress(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(width - text_width(text), 0)
    return gap + text if right else text + gap


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    widths = [max([text_width(h)] + [text_width(r[i]) for r in rows]) for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, widths[i], i in right) for i, h in enumerate(headers)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(c, widths[i], i in right) for i, c in enumerate(row)) for row in rows]
    return "\n".join(lines)


def _score(value) -> str:
    return f"{value:.2f}"


def ranking_text(assessment: Assessment) -> str:
    from .core.outputs import ranking_title, remarks

    rows = []
    for unit in assessment.ordered:
        rows.append([
            "" if unit.rank is None else str(unit.rank), unit.name, _score(unit.total), _score(unit.bonus),
            percent_text(unit.rates.satisfaction), percent_text(unit.rates.completion),
            percent_text(unit.rates.timely), remarks(unit),
        ])
    headers = ["排名", "单位名称", "总分", "加分", "满意率", "办结率", "及时办理率", "备注"]
    return ranking_title(assessment.result) + "\n" + format_table(headers, rows, right={0, 2, 3, 4, 5, 6})


def problems_text(assessment: Assessment, limit: int = SHOWN_PROBLEMS) -> str:
    from .core.ledger import ERROR, WARNING

    problems = assessment.result.problems
    errors = sum(p.level == ERROR for p in problems)
    warnings = sum(p.level == WARNING for p in problems)
    if not problems:
        return "校验通过：没有发现问题。"
    ordered = sorted(problems, key=lambda p: p.level != ERROR)
    lines = [f"发现 {errors} 个错误、{warnings} 个警告（完整清单见「校验」表）："]
    for p in ordered[:limit]:
        value = f"“{p.value}”" if p.value else ""
        lines.append(f"  [{p.level}] {p.where()} {value} {p.message}")
    if len(problems) > limit:
        lines.append(f"  …… 另有 {len(problems) - limit} 条")
    return "\n".join(lines)


def _write_json(data: dict, target: str) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if target == "-":
        sys.stdout.write(text + "\n")
    else:
        Path(target).write_text(text + "\n", encoding="utf-8")


def _asof(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return parse_date(text)
    except DateError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _check_targets(args) -> None:
    """--json and --csv targets are checked before the ledger is rewritten."""
    from .core.schema import OUTPUT_SHEETS

    if getattr(args, "json", None) and args.json != "-":
        check_file_target(args.json, "--json")
    if getattr(args, "csv", None):
        check_folder_target(args.csv, "--csv", [f"{name}.csv" for name in OUTPUT_SHEETS])


def cmd_rank(args) -> int:
    console = Console(to_stderr=args.json == "-")
    _check_targets(args)
    book = FileBook(args.workbook, args.output)
    with prefetch(book.path):  # read while the scoring code is imported
        from .jobs import rank as app
        assessment = app.rank(book, asof=args.asof, progress=console.progress)
    _keep(assessment)
    console.say(ranking_text(assessment))
    console.say()
    console.say(problems_text(assessment))
    console.say(f"已写入：{book.output}")
    if args.json:
        _write_json(assessment.json(), args.json)
    if args.csv:
        from .io.frames import write_csv
        paths = write_csv(assessment.sheets(), args.csv)
        console.say(f"已导出 CSV：{', '.join(p.name for p in paths)}（{Path(args.csv)}）")
    return EXIT_ROW_ERRORS if assessment.has_errors else EXIT_OK


def cmd_check(args) -> int:
    console = Console(to_stderr=args.json == "-")
    _check_targets(args)
    with prefetch(args.workbook):
        from .jobs import rank as app
        assessment = app.check(FileBook(args.workbook), asof=args.asof, progress=console.progress)
    console.say(problems_text(assessment, limit=10**9))
    if args.json:
        data = assessment.json()
        _write_json({"year": data["year"], "asof": data["asof"], "problems": data["problems"]}, args.json)
    return EXIT_ROW_ERRORS if assessment.has_errors else EXIT_OK


def cmd_unit(args) -> int:
    """单位明细 on the command line: the unit's score card, optionally written as a sheet."""
    from .core.outputs import unit_card_sheet

    book = FileBook(args.workbook, args.output)
    with prefetch(book.path):
        from .jobs import rank as app
        assessment = app.check(book, asof=args.asof, progress=Console().progress)
    unit = assessment.unit(args.unit.strip())
    if unit is None:
        print(f"错误：台账中没有单位“{args.unit}”（也不是任何单位的别名）", file=sys.stderr)
        return EXIT_FAILED
    card = unit_card_sheet(assessment.result, unit)
    rows = [["" if v is None else (f"{v:.2f}" if not isinstance(v, (str, int)) else str(v)) for v in row]
            for row in card.rows]
    print(card.title)
    print(format_table([c.header for c in card.columns], rows, right={2, 3, 4}))
    if args.write:
        book.write_outputs([card])
        print(f"已写入「{card.name}」表：{book.output}")
    return EXIT_ROW_ERRORS if unit.has_errors else EXIT_OK


def _asof_moment(text: str | None):
    """--asof of kaohe warn: a date (its end) or a date-time such as 2026-12-01 09:30."""
    if not text:
        return None
    from .core.dates import parse_datetime
    try:
        moment, has_time = parse_datetime(text)
    except (DateError, TypeError) as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return moment if has_time or ":" in text else moment.date()


def _days(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"“{text}”不是非负整数")
    return int(text)


def cmd_warn(args) -> int:
    """预警清单: orders 已超期 / 即将到期 at the as-of moment, per unit."""
    from .core.schema import WARN_READ

    console = Console(to_stderr=args.json == "-")
    book = FileBook(args.workbook, args.output)
    with prefetch(book.path, WARN_READ):  # read while the scoring code is imported
        from .jobs.warn import warn, warnings_text
        run = warn(book, asof=args.asof, days=args.days, write=args.write, progress=console.progress)
    console.say(warnings_text(run))
    if args.write:
        console.say(f"已写入「预警」「催办单」：{book.output}")
    if args.json:
        _write_json(run.warnings.as_json(), args.json)
    return EXIT_ROW_ERRORS if run.has_errors else EXIT_OK


def cmd_new(args) -> int:
    from .io.template import new_ledger

    try:
        if Path(args.path).suffix.lower() == ".xlsm":  # macro-enabled: the full add-in workbook
            from .build.workbook import new_addin
            path = new_addin(args.path, year=args.year, demo=args.demo)
        else:
            path = new_ledger(args.path, year=args.year, demo=args.demo)
    except ValueError as e:  # a wrong extension, or --demo for a year without demo data
        print(f"错误：{e}", file=sys.stderr)
        return EXIT_FAILED
    print(f"已创建{'示例' if args.demo else '空白'}台账：{path}")
    return EXIT_OK


def cmd_build(args) -> int:
    from .build.workbook import DEFAULT_PATH, build_addin

    if args.output:
        target = Path(args.output)
    elif DEFAULT_PATH.parent.is_dir():  # a source checkout: the shipped workbook/考核台账.xlsm
        target = DEFAULT_PATH
    elif args.check:  # an installed package carries no workbook/ folder
        print("错误：安装版不带 workbook/考核台账.xlsm，请用 --output 指定要检查的工作簿", file=sys.stderr)
        return EXIT_FAILED
    else:
        target = Path(DEFAULT_PATH.name)  # into the current folder
    data = build_addin(year=2026, demo=True)
    if args.check:
        same = target.exists() and target.read_bytes() == data
        print(f"{target}：{'与源代码构建结果一致' if same else '与源代码构建结果不一致，请运行 kaohe build-workbook'}")
        return EXIT_OK if same else EXIT_ROW_ERRORS
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    print(f"已构建：{target}（{len(data)} 字节）")
    return EXIT_OK


WORKBOOK_HELP = "考核台账 .xlsm/.xlsx"
ASOF_HELP = "考核截止日期，如 2026-12-31（默认取「参数」表，否则今天，不超过年底）"
JSON_HELP = "另存 JSON 结果到此文件；- 表示输出到屏幕（标准输出）"


def cmd_doctor(args) -> int:
    from .jobs.doctor import doctor
    return doctor(args.workbook, today=args.today)


# Commands whose parsers live here; the others come with their job modules, which import the
# scoring code: `kaohe rank` builds only its own parser, so its workbook is being read before
# that code is imported (cmd_rank's prefetch).
OWN_COMMANDS = ("rank", "check", "unit", "warn", "new", "build-workbook", "doctor")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``command`` one of OWN_COMMANDS, only that command's sub-parser is
    complete (what it parses is the same; the job modules are not imported)."""
    parser = ChineseArgumentParser(prog="kaohe", description="常州市教育局 12345 工作考核台账：校验、计分、排名",
                                   epilog="每个命令的参数：kaohe 命令 -h，例如 kaohe rank -h")
    parser.add_argument("--version", action="version", version=f"kaohe {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令")

    p = sub.add_parser("rank", help="校验、计分，把 排名、得分明细、扣分依据、校验 等结果表写入工作簿",
                       description="校验台账、计分，把 排名、得分明细、扣分依据、校验、趋势、预警、催办单 写入工作簿（有「看板」的台账同时刷新看板的数值）。",
                       epilog="例：kaohe rank 考核台账.xlsm --asof 2026-12-31 --output 排名副本.xlsm")
    p.add_argument("workbook", metavar="台账", help=WORKBOOK_HELP)
    p.add_argument("--asof", type=_asof, metavar="日期", help=ASOF_HELP)
    p.add_argument("--output", metavar="文件", help="写到另一个文件（原台账不改动）")
    p.add_argument("--json", metavar="文件|-", help=JSON_HELP)
    p.add_argument("--csv", metavar="文件夹", help="另把四张结果表导出为 CSV（UTF-8，Excel/WPS 可直接打开）")
    p.set_defaults(run=cmd_rank)

    p = sub.add_parser("check", help="只校验台账，不写入", description="只校验台账，列出问题，不写入任何文件。",
                       epilog="例：kaohe check 考核台账.xlsm")
    p.add_argument("workbook", metavar="台账", help=WORKBOOK_HELP)
    p.add_argument("--asof", type=_asof, metavar="日期", help=ASOF_HELP)
    p.add_argument("--json", metavar="文件|-", help=JSON_HELP)
    p.set_defaults(run=cmd_check)

    p = sub.add_parser("unit", help="单位明细：列出某单位每一分的扣分或加分及其来源",
                       description="单位明细：列出某单位每一分的扣分或加分及其来源。",
                       epilog="例：kaohe unit 考核台账.xlsm 实验小学 --write")
    p.add_argument("workbook", metavar="台账", help=WORKBOOK_HELP)
    p.add_argument("unit", metavar="单位", help="单位名称或别名")
    p.add_argument("--asof", type=_asof, metavar="日期", help=ASOF_HELP)
    p.add_argument("--write", action="store_true", help="同时把「单位明细」表写入工作簿")
    p.add_argument("--output", metavar="文件", help="与 --write 一起用：写到另一个文件")
    p.set_defaults(run=cmd_unit)

    p = sub.add_parser("warn", help="预警清单：列出已超期和即将到期的工单（按单位），可写出「预警」「催办单」",
                       description="预警清单：按单位列出已超期和即将到期的工单、已扣分和再拖一日的扣分，可写出「预警」「催办单」两张表。",
                       epilog='例：kaohe warn 考核台账.xlsm --asof "2026-12-01 09:30" --write')
    p.add_argument("workbook", metavar="台账", help=WORKBOOK_HELP)
    p.add_argument("--asof", type=_asof_moment, metavar="时刻", help="截止时刻：日期（取当天结束）或日期时间，如 \"2026-12-01 09:30\"（默认：现在）")
    p.add_argument("--days", type=_days, metavar="N", help="即将到期的工作日数 N（默认取 参数 表 预警工作日数）")
    p.add_argument("--json", metavar="文件|-", help=JSON_HELP)
    p.add_argument("--write", action="store_true", help="把「预警」「催办单」两张表写入工作簿")
    p.add_argument("--output", metavar="文件", help="与 --write 一起用：写到另一个文件（原台账不改动）")
    p.set_defaults(run=cmd_warn)

    p = sub.add_parser("new", help="从模板新建台账", description="从模板新建台账；已有同名文件时不覆盖。",
                       epilog="例：kaohe new 2027台账.xlsm --year 2027")
    p.add_argument("path", metavar="文件", help="新台账的文件名：.xlsm 带宏和功能区（Excel 用），.xlsx 为普通台账")
    p.add_argument("--demo", action="store_true", help="带虚构的示例数据")
    p.add_argument("--year", type=int, default=None, metavar="年度", help="考核年度（默认今年）")
    p.set_defaults(run=cmd_new)

    p = sub.add_parser("build-workbook", help="从源代码构建带宏和功能区的 workbook/考核台账.xlsm",
                       description="从源代码构建带宏和功能区的示例工作簿（开发用）。")
    p.add_argument("--output", metavar="文件", help="输出路径（默认：源代码目录中的 workbook/考核台账.xlsm；安装版为当前文件夹）")
    p.add_argument("--check", action="store_true", help="只检查已有文件是否与构建结果逐字节一致")
    p.set_defaults(run=cmd_build)

    p = sub.add_parser("doctor", help="检查本机能否使用台账（Python、xlwings、节假日数据等），并说明怎么处理",
                       description="检查本机使用考核台账所需的条件，每个问题都说明怎么处理。退出码 0 表示没有需要处理的问题，1 表示有。",
                       epilog="例：kaohe doctor 考核台账.xlsm")
    p.add_argument("workbook", nargs="?", metavar="台账", help="同时检查这个台账（内嵌的 xlwings 版本、解释器设置、节假日表、文件夹权限）")
    p.add_argument("--today", type=_asof, metavar="日期", help="按这一天检查今年和明年的节假日数据（默认今天）")
    p.set_defaults(run=cmd_doctor)

    if command in OWN_COMMANDS:
        return parser
    from .jobs.importing import add_import_command
    add_import_command(sub)
    from .jobs.holidays import add_holidays_command
    add_holidays_command(sub)
    from .jobs.notice import add_notice_command
    add_notice_command(sub)
    from .jobs.report import add_report_command
    add_report_command(sub, _asof)
    return parser


OS_ERRORS = {
    errno.ENOENT: "找不到文件或文件夹", errno.EACCES: "没有权限", errno.EPERM: "没有权限",
    errno.ENOSPC: "磁盘空间不足", errno.EROFS: "磁盘是只读的", errno.EEXIST: "文件已存在",
    errno.EISDIR: "这是文件夹，不是文件", errno.ENOTDIR: "路径中有一项不是文件夹", errno.EBUSY: "文件正被其他程序占用",
    errno.ENAMETOOLONG: "文件名太长", errno.EINVAL: "文件名无效", errno.EIO: "读写磁盘出错",
}
WIN_ERRORS = {32: "文件正被其他程序占用（例如在 Excel 或 WPS 中打开）", 33: "文件的一部分被其他程序锁定"}


def os_error_text(e: OSError) -> str:
    """An OSError in Chinese (Python's own text is English); our own messages pass through."""
    what = WIN_ERRORS.get(getattr(e, "winerror", None)) or OS_ERRORS.get(e.errno)
    if what is None:
        return str(e) if e.errno is None else f"无法读写文件（系统错误 {e.errno}）：{e.filename or ''}"
    names = [str(n) for n in (e.filename, e.filename2) if n]
    return f"{what}：{' → '.join(names)}" if names else what


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    argv = sys.argv[1:] if argv is None else list(argv)
    # the only options before the command are -h and --version, which take no value
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(command)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except BookError as e:
        print(f"错误：{e}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as e:  # disk full, file held by another program …
        print(f"错误：{os_error_text(e)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return EXIT_FAILED
    except Exception as e:  # a bug of ours: exit 2 (not 1, which means "rows had errors")
        from .core.validate import LedgerError
        if isinstance(e, LedgerError):  # the ledger cannot be scored at all (its message says why)
            print(f"错误：{e}", file=sys.stderr)
            return EXIT_FAILED
        if os.environ.get("KAOHE_DEBUG"):
            raise
        print(f"错误：程序内部出错（{type(e).__name__}: {e}）。设置环境变量 KAOHE_DEBUG=1 可显示详细信息，"
              f"请把它和台账一起反馈给维护人员。", file=sys.stderr)
        return EXIT_FAILED


# What a run built (the assessment: ~10^6 objects on a big ledger), kept alive until the
# process ends when the process is the `kaohe` command: freeing it would take ~0.05 s more,
# and the operating system takes the memory back at once.
_PROCESS_RESULTS: list | None = None


def _keep(result) -> None:
    if _PROCESS_RESULTS is not None:
        _PROCESS_RESULTS.append(result)


def entry() -> None:
    """The `kaohe` command (console script and ``python -m xl_kaohe.cli``): main(), then exit
    without freeing what the run built. Everything is written, closed and renamed before
    main() returns; only the standard streams are left to flush."""
    global _PROCESS_RESULTS
    _PROCESS_RESULTS = []
    one_malloc_arena()
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (kaohe rank … | head): nothing more to say
            pass
    os._exit(code)


if __name__ == "__main__":
    entry()
