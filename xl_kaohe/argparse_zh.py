"""argparse in Chinese: usage, headings, help and every error message of the `kaohe` command.

argparse looks its texts up through the module-level ``argparse._`` / ``argparse.ngettext``
(gettext) each time it formats them. ``ChineseArgumentParser`` swaps in a lookup in ``MESSAGES``
only while one of its own methods runs, so other argparse users in the same process (pytest)
are untouched. Subparsers inherit the class (argparse's ``parser_class`` default), so a
subcommand added later with ``sub.add_parser(...)`` speaks Chinese without doing anything.
Texts of Python versions 3.10-3.13 are listed; an unknown text stays as argparse wrote it.
"""
from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from contextlib import contextmanager
from functools import wraps
from typing import Iterator

MESSAGES = {
    "usage: ": "用法：",
    "positional arguments": "参数",
    "options": "选项",
    "optional arguments": "选项",
    "subcommands": "命令",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "the following arguments are required: %s": "缺少必填的参数：%s",
    "one of the arguments %s is required": "以下参数必须填一个：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "没有 %(value)r 这一项（可选：%(choices)s）",
    "invalid choice: %(value)r, maybe you meant %(closest)r? (choose from %(choices)s)":
        "没有 %(value)r 这一项，是否想输入 %(closest)r？（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "取值 %(value)r 无效",
    "expected one argument": "后面需要跟一个值",
    "expected at most one argument": "后面最多跟一个值",
    "expected at least one argument": "后面至少需要跟一个值",
    "expected %s argument": "后面需要跟 %s 个值",
    "expected %s arguments": "后面需要跟 %s 个值",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ignored explicit argument %r": "多余的值 %r 已忽略",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是：%(matches)s",
    "unexpected option string: %s": "意外的选项：%s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "没有 %(parser_name)r 这个命令（可选：%(choices)s）",
    "can't open '%(filename)s': %(error)s": "无法打开“%(filename)s”：%(error)s",
    "argument \"-\" with mode %r": "参数“-”不能用于模式 %r",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "%(prog)s: warning: %(message)s\n": "%(prog)s：警告：%(message)s\n",
    "option '%(option)s' is deprecated": "选项 %(option)s 已过时",
    "command '%(parser_name)s' is deprecated": "命令 %(parser_name)s 已过时",
    "argument '%(argument_name)s' is deprecated": "参数 %(argument_name)s 已过时",
}

HINT = "（运行“{prog} -h”查看用法和全部参数）"


def translate(text: str | None) -> str | None:
    return MESSAGES.get(text, text) if text is not None else None


def ntranslate(singular: str, plural: str, n: int) -> str:
    return translate(singular if n == 1 else plural)


@contextmanager
def chinese() -> Iterator[None]:
    """argparse's texts in Chinese for the duration (re-entrant: restores what it found)."""
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = translate, ntranslate
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


def _in_chinese(method):
    @wraps(method)
    def wrapper(*args, **kwargs):
        with chinese():
            return method(*args, **kwargs)
    return wrapper


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# Default metavars for argument names, so a subcommand written without metavar= still shows
# Chinese placeholders (argparse would show the dest: "workbook", "OUTPUT").
METAVARS = {
    "workbook": "台账", "into": "台账", "ledger": "台账", "output": "文件", "path": "文件", "file": "文件",
    "export": "导出文件", "unit": "单位", "asof": "日期", "date": "日期", "json": "文件|-", "csv": "文件夹",
    "folder": "文件夹", "outdir": "文件夹", "year": "年度", "month": "月份", "quarter": "季度", "period": "期间",
    "days": "工作日数", "template": "模板", "sheet": "工作表", "limit": "数量", "top": "名额", "format": "格式",
    "docx": "文件", "pdf": "文件", "source": "来源", "appeal": "申诉", "order": "工单编号",
    "dir": "文件夹", "out": "文件", "name": "名称", "code": "编码", "id": "编号", "path|-": "文件|-",
    "file|-": "文件|-", "yyyy-mm-dd": "日期", "yyyy-mm": "月份", "yyyy": "年度", "xlsx": "文件", "xlsm": "台账",
}


class ChineseHelpFormatter(argparse.HelpFormatter):
    """Chinese placeholders and help texts; help wrapped and aligned by display width (a
    Chinese character takes two terminal columns), never breaking inside an option or a file
    name; section headings end with a full-width colon."""

    _token = re.compile(r"[!-~]+|\s+|.")  # a run of printable ASCII, a run of spaces, or one character

    def _get_default_metavar_for_optional(self, action) -> str:
        return METAVARS.get(action.dest, action.dest.upper())

    def _get_default_metavar_for_positional(self, action) -> str:
        return METAVARS.get(action.dest, action.dest)

    def _get_help_string(self, action) -> str:
        return translate(action.help)  # argparse's own defaults (--version) are not looked up

    def add_argument(self, action) -> None:
        super().add_argument(action)
        if action.help is not argparse.SUPPRESS:  # room for the widest invocation, in columns
            width = display_width(self._format_action_invocation(action)) + self._current_indent
            self._action_max_length = max(self._action_max_length, width)

    def _format_action(self, action) -> str:
        text = super()._format_action(action)
        invocation = self._format_action_invocation(action)
        extra = display_width(invocation) - len(invocation)  # argparse padded by characters
        head = " " * self._current_indent + invocation
        if extra and text.startswith(head) and text[len(head):].startswith(" " * (extra + 2)):
            text = head + text[len(head) + extra:]
        return text

    def format_help(self) -> str:
        return re.sub(r"^(\S[^\n]*):$", r"\1：", super().format_help(), flags=re.M)

    def _fill_text(self, text: str, width: int, indent: str) -> str:  # description and epilog
        return "\n".join(indent + line for line in self._split_lines(text, width - len(indent)))

    def _split_lines(self, text: str, width: int) -> list[str]:
        text = self._whitespace_matcher.sub(" ", text).strip()
        lines, line = [], ""
        for token in self._token.findall(text):
            if line and display_width(line + token.rstrip()) > width:
                lines.append(line.rstrip())
                line = "" if token.isspace() else token
            else:
                line += token
        if line.strip():
            lines.append(line.rstrip())
        return lines


class ChineseArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage, help and errors are Chinese (see the module doc).
    Errors print the usage, the message and how to get help, then exit with code 2."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        with chinese():  # the -h help text and the group titles are looked up here
            super().__init__(*args, **kwargs)

    @_in_chinese
    def add_argument(self, *names, **kwargs):
        metavar = kwargs.get("metavar")
        if isinstance(metavar, str) and metavar.lower() in METAVARS:  # e.g. metavar="WORKBOOK"
            kwargs["metavar"] = METAVARS[metavar.lower()]
        elif metavar is None and len(names) == 1 and not names[0].startswith(self.prefix_chars) \
                and kwargs.get("dest", names[0]) in METAVARS:  # a positional: errors name it by metavar
            kwargs["metavar"] = METAVARS[kwargs.get("dest", names[0])]
        return super().add_argument(*names, **kwargs)

    add_argument_group = _in_chinese(argparse.ArgumentParser.add_argument_group)
    add_subparsers = _in_chinese(argparse.ArgumentParser.add_subparsers)
    parse_args = _in_chinese(argparse.ArgumentParser.parse_args)
    parse_known_args = _in_chinese(argparse.ArgumentParser.parse_known_args)
    format_usage = _in_chinese(argparse.ArgumentParser.format_usage)
    format_help = _in_chinese(argparse.ArgumentParser.format_help)

    @_in_chinese
    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{message}\n{HINT.format(prog=self.prog)}\n")
