"""`kaohe doctor [台账]`: checks what a PC needs to use the ledger, in Chinese, each failure
with what to do. ``gather(...)`` collects the facts of this machine and workbook (I/O);
``findings(facts)`` judges them (pure, so every branch is testable on Linux with injected
facts); ``doctor(...)`` prints and returns the exit code: 0 nothing to fix, 1 something to fix
(提示 lines never change the exit code).

How the workbook finds Python mirrors xlwings' own VBA (xlwings.bas GetConfig / XLPyLoadDLL
of the pinned version): the ``xlwings.conf`` sheet first (a key present there wins even when
its value is empty), then ``xlwings.conf`` beside the workbook, then the user's
``%USERPROFILE%\\.xlwings\\xlwings.conf``; without Interpreter_Win it runs ``pythonw`` from PATH
and Windows finds ``xlwings64-<version>.dll`` on PATH; with an explicit interpreter the DLL is
loaded from its folder or the folder above (a venv).
"""
from __future__ import annotations

import csv
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

from . import EXIT_OK, EXIT_ROW_ERRORS

OK, NOTE, FIX = "通过", "提示", "需处理"
MIN_PYTHON = (3, 10)
HELP_POINTER = "详见台账的「使用说明」表和 README 的“部署到多台电脑”一节。"


@dataclass(frozen=True)
class Finding:
    level: str      # 通过 / 提示 / 需处理
    topic: str
    detail: str
    todo: str = ""  # what to do (for 需处理 and 提示)


@dataclass
class Facts:
    today: date
    platform: str = sys.platform
    python: tuple[int, int, int] = tuple(sys.version_info[:3])
    bits: int = struct.calcsize("P") * 8
    executable: str = sys.executable
    xlwings: str | None = None                  # installed xlwings version
    pinned_xlwings: str | None = None           # what this package requires
    workbook: Path | None = None
    workbook_problem: str | None = None         # missing, unreadable …
    has_vba: bool = False
    runtime: str | None = None                  # xlwings runtime version inside the workbook's VBA
    vba_differs: list[str] | None = None        # our modules whose source differs from this install's build
    conf_sheet: dict[str, str] | None = None    # the workbook's xlwings.conf sheet (upper-case keys)
    conf_files: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (where, settings), in order
    interpreter: str = "pythonw"                # what the workbook will run
    interpreter_source: str = "默认"
    interpreter_path: Path | None = None        # resolved (PATH lookup), None when not found
    probe: str | None = None                    # the interpreter's answer: "xlwings=… xl_kaohe=…" or an error
    dll_folders: list[Path] = field(default_factory=list)
    dlls: list[str] = field(default_factory=list)     # xlwings DLL files found there
    calendar_years: tuple[int, ...] = ()
    holiday_years: frozenset[int] = frozenset()
    soffice: str | None = None
    folder_writable: bool | None = None
    lock: Path | None = None
    lock_program: str = ""
    zone_id: int | None = None                  # Windows "Mark of the Web" (3 = Internet)

    @property
    def windows(self) -> bool:
        return self.platform == "win32"


# ---- judging (pure) -------------------------------------------------------------------------

def _python(f: Facts) -> Finding:
    version = ".".join(map(str, f.python))
    detail = f"{version}（{f.bits} 位）：{f.executable}"
    if f.python[:2] < MIN_PYTHON:
        return Finding(FIX, "Python 版本", detail, "请安装 Python 3.10 或更新版本（python.org 安装程序选“为当前用户安装”，"
                                                  "不需要管理员权限）")
    return Finding(OK, "Python 版本", detail)


def _xlwings(f: Facts) -> Finding:
    pin = f.pinned_xlwings or f.runtime
    if f.xlwings is None:
        return Finding(FIX, "xlwings", "没有安装", f"运行 pip install xlwings=={pin or '（与台账一致的版本）'}"
                                                  "，或按 README 从离线安装包安装")
    if pin and f.xlwings != pin:
        return Finding(FIX, "xlwings", f"已安装 {f.xlwings}，本软件需要 {pin}",
                       f"运行 pip install xlwings=={pin}（工作簿中的 VBA 按版本号加载 xlwings 的 DLL，版本必须完全一致）")
    return Finding(OK, "xlwings", f"已安装 {f.xlwings}")


def _workbook(f: Facts) -> Finding:
    topic = "台账的 xlwings 运行库"
    if f.workbook is None:
        return Finding(NOTE, topic, "未指定台账", "运行 kaohe doctor 台账.xlsm 可同时检查台账本身")
    if f.workbook_problem:
        todo = ("检查文件名和路径" if f.workbook_problem.startswith("找不到") else
                "确认它是考核台账（.xlsm/.xlsx）并能用 Excel 或 WPS 打开；文件损坏时改用最近的备份")
        return Finding(FIX, topic, f.workbook_problem, todo)
    if not f.has_vba:
        return Finding(NOTE, topic, f"{f.workbook.name} 不带宏（普通 .xlsx 台账）：只能用 kaohe 命令，没有 Excel 功能区",
                       "需要功能区时用 kaohe new 新台账.xlsm 新建带宏的台账，再把数据复制过去")
    if f.runtime is None:
        return Finding(FIX, topic, "工作簿的 VBA 中找不到 xlwings 运行库", "用 kaohe new 新台账.xlsm 新建台账，再把数据复制过去")
    if f.xlwings and f.runtime != f.xlwings:
        return Finding(FIX, topic, f"工作簿内嵌 xlwings {f.runtime}，本机安装的是 {f.xlwings}",
                       f"两者必须一致：运行 pip install xlwings=={f.runtime}，或用本机的 kaohe new 新建台账后把数据复制过去")
    return Finding(OK, topic, f"xlwings {f.runtime}（与本机一致）")


def _vba(f: Facts) -> list[Finding]:
    if f.workbook is None or f.workbook_problem or not f.has_vba or f.vba_differs is None:
        return []
    if not f.vba_differs:
        return [Finding(OK, "台账的宏", "与本软件生成的完全一致")]
    return [Finding(NOTE, "台账的宏", f"与本软件生成的不同：{'、'.join(f.vba_differs)}（台账由另一版本生成，或宏被改过）",
                    "按钮和公式可能与说明不符（例如旧台账没有中文出错提示）：用 kaohe new 新台账.xlsm 新建台账，"
                    "再把各数据表的内容复制过去")]


def _interpreter(f: Facts) -> list[Finding]:
    topic = "工作簿使用的 Python"
    out = []
    where = f"{f.interpreter}（来自{f.interpreter_source}）"
    sheet = f.conf_sheet or {}
    if "INTERPRETER_WIN" in sheet:
        if sheet["INTERPRETER_WIN"]:
            out.append(Finding(NOTE, "共享台账中的解释器路径", f"「xlwings.conf」表写着 {sheet['INTERPRETER_WIN']}",
                               "每台电脑的 Python 位置不同：建议删除该行，改在每台电脑的用户配置 "
                               "%USERPROFILE%\\.xlwings\\xlwings.conf 中填写 INTERPRETER_WIN"))
        elif any("INTERPRETER_WIN" in conf for _, conf in f.conf_files):
            out.append(Finding(FIX, "共享台账中的解释器路径", "「xlwings.conf」表有空的 Interpreter_Win 行，它会盖过用户配置",
                               "删除「xlwings.conf」表中的 Interpreter_Win 整行（下面各行上移，A 列不能留空行）"))
    if not f.windows:
        out.append(Finding(NOTE, topic, f"在 Windows 上将使用 {where}",
                           "本机不是 Windows：Excel 功能区不在这里运行；kaohe 命令用的是当前的 Python"))
        return out
    if f.interpreter_path is None:
        out.append(Finding(FIX, topic, f"找不到 {where}",
                           "安装 Python 时勾选 Add Python to PATH，或在用户配置 %USERPROFILE%\\.xlwings\\xlwings.conf "
                           "中写一行 \"INTERPRETER_WIN\",\"C:\\…\\pythonw.exe\""))
        return out
    probe = f.probe or ""
    if not probe.startswith("xlwings="):
        out.append(Finding(FIX, topic, f"{f.interpreter_path} 无法载入本软件：{probe[:200]}",
                           f"用这个 Python 安装本软件：\"{f.interpreter_path.with_name('python.exe')}\" -m pip install xl-kaohe"
                           "（离线安装见 README）"))
        return out
    versions = dict(part.split("=", 1) for part in probe.split())
    want = f.runtime or f.pinned_xlwings
    if want and versions.get("xlwings") != want:
        out.append(Finding(FIX, topic, f"{f.interpreter_path} 中的 xlwings 是 {versions.get('xlwings')}，台账需要 {want}",
                           f"\"{f.interpreter_path.with_name('python.exe')}\" -m pip install xlwings=={want}"))
    else:
        out.append(Finding(OK, topic, f"{f.interpreter_path}（来自{f.interpreter_source}）：{probe}"))
    return out


def _dll(f: Facts) -> Finding:
    topic = "xlwings DLL"
    if not f.windows:
        return Finding(NOTE, topic, "不需要：kaohe 命令不用 xlwings 的 DLL，只有 Windows 上的 Excel 需要")
    version = f.runtime or f.xlwings or f.pinned_xlwings or "?"
    if f.dlls:
        return Finding(OK, topic, "、".join(f.dlls))
    folders = "、".join(str(p) for p in f.dll_folders) or "PATH 上的文件夹"
    return Finding(FIX, topic, f"在 {folders} 中找不到 xlwings64-{version}.dll / xlwings32-{version}.dll",
                   f"用工作簿所用的 Python 重新运行 pip install --force-reinstall xlwings=={version}"
                   "（DLL 随 xlwings 装在 Python 目录中；若被杀毒软件删除，请让信息科把它加入白名单）")


def _calendar(f: Facts) -> list[Finding]:
    out = []
    for year in (f.today.year, f.today.year + 1):
        topic = f"{year}年节假日"
        if year in f.calendar_years:
            out.append(Finding(OK, topic, "chinese-calendar 已包含"))
        elif year in f.holiday_years:
            out.append(Finding(OK, topic, "由台账「节假日」表提供"))
        else:
            level = FIX if year == f.today.year else NOTE
            have = f"chinese-calendar 只到 {f.calendar_years[-1]} 年" if f.calendar_years else "没有节假日数据"
            out.append(Finding(level, topic, have + ("，台账「节假日」表中也没有" if f.workbook else ""),
                               f"国务院办公厅公布{year}年放假安排后，把放假日和调休上班日填入「节假日」表"
                               "（类型填 放假 或 上班）；在此之前该年的工单会被列为错误，不会被猜测"))
    return out


def _soffice(f: Facts) -> Finding:
    if f.soffice:
        return Finding(OK, "LibreOffice（导出 PDF）", f.soffice)
    return Finding(NOTE, "LibreOffice（导出 PDF）", "未找到",
                   "只有把通报等文档转成 PDF 时需要：安装 LibreOffice，或用 WPS/Word 打开 .docx 后另存为 PDF")


def _folder(f: Facts) -> list[Finding]:
    if f.workbook is None or f.workbook_problem:
        return []
    out = []
    if f.folder_writable is False:
        out.append(Finding(FIX, "台账文件夹的写权限", f"不能在 {f.workbook.parent} 中写文件",
                           "把台账复制到自己有写权限的文件夹（如“文档”），或请信息科开放该共享文件夹的修改权限"))
    else:
        out.append(Finding(OK, "台账文件夹的写权限", str(f.workbook.parent)))
    if f.lock is not None:
        out.append(Finding(NOTE, "锁文件", f"{f.workbook.name} 正在 {f.lock_program} 中打开（{f.lock.name}）",
                           "kaohe 命令不会写入打开中的台账：先保存并关闭；若没人打开（程序曾意外退出），删除该锁文件"))
    if f.zone_id is not None and f.zone_id >= 3:
        out.append(Finding(FIX, "来自网络的文件", f"{f.workbook.name} 带有“网络标记”（来自邮件或网页下载），Excel 会阻止其中的宏",
                           "右键文件 › 属性 › 勾选“解除锁定” › 确定；或把台账放到受信任位置（文件 › 选项 › 信任中心 › 受信任位置）"))
    return out


def findings(f: Facts) -> list[Finding]:
    return [_python(f), _xlwings(f), _workbook(f), *_vba(f), *_interpreter(f), _dll(f), *_calendar(f), _soffice(f), *_folder(f)]


def report(results: list[Finding]) -> tuple[str, int]:
    lines = ["kaohe doctor：检查本机使用考核台账所需的条件", ""]
    for r in results:
        lines.append(f"[{r.level}] {r.topic}：{r.detail}")
        if r.todo and r.level != OK:
            lines.append(f"        → {r.todo}")
    to_fix = sum(r.level == FIX for r in results)
    lines.append("")
    lines.append(f"有 {to_fix} 项需要处理（见“→”后的说明）。{HELP_POINTER}" if to_fix else
                 f"没有需要处理的问题。{HELP_POINTER}")
    return "\n".join(lines), (EXIT_ROW_ERRORS if to_fix else EXIT_OK)


# ---- gathering (I/O) ------------------------------------------------------------------------

def read_conf_file(path: Path) -> dict[str, str] | None:
    """xlwings.conf lines "KEY","value" (what VBA's Input # reads); keys upper-cased."""
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return None
    rows = csv.reader(text.splitlines())
    return {row[0].strip().upper(): row[1].strip() for row in rows if len(row) >= 2 and row[0].strip()}


def conf_sheet_settings(grid: list[list]) -> dict[str, str]:
    """The xlwings.conf sheet as xlwings reads it: keys from A1 down to the first empty cell."""
    settings = {}
    for row in grid:
        key = row[0] if row else None
        if key in (None, ""):
            break
        value = row[1] if len(row) > 1 and row[1] not in (None,) else ""
        settings[str(key).upper()] = "" if value is None else str(value)
    return settings


def _expand(value: str, env: dict[str, str]) -> str:
    return re.sub(r"%(\w+)%", lambda m: env.get(m.group(1), env.get(m.group(1).upper(), m.group(0))), value)


def resolve_interpreter(facts: Facts, env: dict[str, str]) -> None:
    """xlwings' GetConfig order: sheet, the workbook's folder, the user's file; then pythonw."""
    layers = ([("工作簿「xlwings.conf」表", facts.conf_sheet)] if facts.conf_sheet is not None else []) + facts.conf_files
    for key in ("INTERPRETER_WIN", "INTERPRETER"):
        for where, settings in layers:
            if key in settings:
                if settings[key] or key == "INTERPRETER":
                    facts.interpreter = _expand(settings[key], env) or "pythonw"
                    facts.interpreter_source = where
                    return
                break  # present but empty: xlwings stops here and falls back to INTERPRETER
    facts.interpreter, facts.interpreter_source = "pythonw", "默认设置：PATH 上的 pythonw"


def _probe(python: Path, runner: Callable) -> str:
    console = python.with_name("python.exe") if python.name.lower() == "pythonw.exe" else python
    code = "import xlwings, xl_kaohe; print('xlwings=' + xlwings.__version__, 'xl_kaohe=' + xl_kaohe.__version__)"
    try:
        done = runner([str(console), "-c", code], capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        return f"无法运行（{type(e).__name__}）"
    text = (done.stdout or b"").decode("utf-8", "replace").strip()
    if done.returncode == 0 and text:
        return text
    error = (done.stderr or b"").decode("utf-8", "replace").strip().splitlines()
    return error[-1] if error else f"退出码 {done.returncode}"


def _zone_id(path: Path) -> int | None:
    try:
        text = Path(str(path) + ":Zone.Identifier").read_text(errors="replace")  # an NTFS alternate stream
    except OSError:
        return None
    match = re.search(r"ZoneId=(\d+)", text)
    return int(match.group(1)) if match else None


def _writable(folder: Path) -> bool:
    try:  # really create a file: os.access does not see Windows ACLs
        with tempfile.TemporaryFile(dir=folder, prefix=".~kaohe-doctor-"):
            return True
    except OSError:
        return False


def _pinned_xlwings() -> str | None:
    from importlib import metadata
    try:
        requires = metadata.requires("xl-kaohe") or []
    except metadata.PackageNotFoundError:
        return None
    for line in requires:
        match = re.match(r"xlwings\s*==\s*([\w.]+)", line)
        if match:
            return match.group(1)
    return None


def _soffice_path() -> str | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found or sys.platform != "win32":
        return found
    for root in (os.environ.get("ProgramFiles", ""), os.environ.get("ProgramFiles(x86)", ""),
                 os.environ.get("LOCALAPPDATA", "") + r"\Programs"):
        candidate = Path(root) / "LibreOffice" / "program" / "soffice.exe"
        if root and candidate.exists():
            return str(candidate)
    return None


def _source(text: str) -> str:
    lines = text.replace("\r\n", "\n").strip().split("\n")
    while lines and lines[0].startswith("Attribute VB_"):
        lines.pop(0)
    return "\n".join(line.rstrip() for line in lines).strip()


def _differing_modules(modules: dict[str, str]) -> list[str] | None:
    """Our standard modules whose source is not what this install would build (None: cannot tell)."""
    try:
        from ..build.vba_sources import project_modules
        expected = {m.name: m.source for m in project_modules([]) if m.kind == "standard"}
    except Exception:  # building needs the UDF module and xlwings' generator: never fail the doctor
        return None
    return [name for name, source in expected.items()
            if name not in modules or _source(modules[name]) != _source(source)]


def _workbook_facts(facts: Facts, path: Path) -> None:
    from ..core import schema as S
    from ..core.validate import Collector, read_holidays
    from ..io.vba_read import workbook_modules, xlwings_runtime_version
    from ..io.workbook import BookError, excel_lock, lock_program, read_grids

    facts.workbook = path = path.resolve()
    if not path.is_file():
        facts.workbook_problem = f"找不到台账 {path}"
        return
    try:
        grids = read_grids(path, [S.HOLIDAYS, S.XLWINGS_CONF])
        if path.suffix.lower() == ".xlsm":
            modules = workbook_modules(path)
            facts.has_vba = modules is not None
            facts.runtime = xlwings_runtime_version(modules) if modules else None
            facts.vba_differs = _differing_modules(modules) if modules else None
    except (BookError, OSError, ValueError, KeyError) as e:
        facts.workbook_problem = f"无法读取 {path.name}（{e}）"
        return
    if S.XLWINGS_CONF in grids:
        facts.conf_sheet = conf_sheet_settings(grids[S.XLWINGS_CONF])
    calendar = read_holidays(grids.get(S.HOLIDAYS), Collector())
    facts.holiday_years = frozenset(d.year for d in calendar.overrides)
    facts.folder_writable = _writable(path.parent)
    facts.lock = excel_lock(path)
    facts.lock_program = lock_program(facts.lock) if facts.lock else ""
    facts.zone_id = _zone_id(path) if sys.platform == "win32" else None


def gather(workbook: str | Path | None, *, today: date, env: dict[str, str] | None = None,
           runner: Callable = subprocess.run) -> Facts:
    from ..core.calendar import covered_years

    env = dict(os.environ if env is None else env)
    facts = Facts(today=today, calendar_years=covered_years(), pinned_xlwings=_pinned_xlwings(),
                  soffice=_soffice_path())
    try:
        import xlwings
        facts.xlwings = xlwings.__version__
    except Exception:  # broken installs raise more than ImportError
        facts.xlwings = None
    if workbook is not None:
        _workbook_facts(facts, Path(workbook))
    home = Path(env.get("USERPROFILE") or env.get("HOME") or Path.home())
    for where, conf in (("台账所在文件夹的 xlwings.conf", facts.workbook.parent / "xlwings.conf" if facts.workbook else None),
                        (f"用户配置 {home / '.xlwings' / 'xlwings.conf'}", home / ".xlwings" / "xlwings.conf")):
        settings = read_conf_file(conf) if conf is not None and conf.is_file() else None
        if settings is not None:
            facts.conf_files.append((where, settings))
    resolve_interpreter(facts, env)
    if facts.windows:
        _windows_facts(facts, runner)
    return facts


def _windows_facts(facts: Facts, runner: Callable) -> None:
    found = Path(facts.interpreter) if Path(facts.interpreter).is_absolute() else None
    if found is None:
        which = shutil.which(facts.interpreter)
        found = Path(which) if which else None
        facts.dll_folders = [Path(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    elif found.exists():
        facts.dll_folders = [found.parent, found.parent.parent]
    facts.interpreter_path = found if found is not None and found.exists() else None
    if facts.interpreter_path is not None:
        facts.probe = _probe(facts.interpreter_path, runner)
    version = facts.runtime or facts.xlwings or facts.pinned_xlwings
    names = [f"xlwings64-{version}.dll", f"xlwings32-{version}.dll"]
    facts.dlls = [str(folder / name) for folder in facts.dll_folders for name in names if (folder / name).is_file()]


def doctor(workbook: str | Path | None, *, today: date | None = None, out=None) -> int:
    results = findings(gather(workbook, today=today or date.today()))
    text, code = report(results)
    print(text, file=out or sys.stdout)
    return code
