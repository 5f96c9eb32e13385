"""issue 10 item 2, the VBA side: 帮助 works without Python; every RunPython button turns an
xlwings failure into a Chinese message pointing at `kaohe doctor`; =KAOHE_* cells that cannot
reach Python show Chinese; the xlwings.conf sheet leaves the interpreter to each user's config."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import xlwings
from oletools.olevba import VBA_Parser

from xl_kaohe.build import vba_messages, vba_sources
from xl_kaohe.build.udf_wrappers import udf_descriptions
from xl_kaohe.build.workbook import build_addin
from xl_kaohe.io.vba_read import module_sources, xlwings_runtime_version

MODULES = {m.name: m.source for m in vba_sources.project_modules(["shX"])}
RIBBON = MODULES["Ribbon"]


def _sub(name: str, signature: str = r"\(control As IRibbonControl\)") -> str:
    return re.search(rf"^(?:Public )?Sub {name}{signature}\n(.*?)^End Sub", RIBBON, re.M | re.S).group(1)


def _decoded_texts(source: str) -> dict[str, str]:
    """What KaoheText(key) returns, decoded from the hex the module carries (as U() does)."""
    texts, key = {}, None
    for line in source.splitlines():
        case = re.match(r'\s+Case "(\w+)"$', line)
        if case:
            key = case.group(1)
            texts[key] = ""
        chunk = re.match(r'\s+s = s & U\("([0-9A-F ]+)"\)$', line)
        if chunk:
            texts[key] += "".join(chr(int(h, 16) & 0xFFFF) for h in chunk.group(1).split())
    return texts


JOBS = {"KaoheGenerateRanking": "generate_ranking", "KaoheCheckLedger": "check_ledger",
        "KaoheImportOrders": "import_orders", "KaoheUnitCard": "unit_card"}


def test_each_ribbon_callback_only_calls_its_public_macro():
    for name in list(JOBS) + ["KaoheShowHelp"]:
        run = name.replace("Kaohe", "KaoheRun", 1)
        assert [l.strip() for l in _sub(name).splitlines() if l.strip()] == [run], name
        assert re.search(rf"^Public Sub {run}\(\)$", RIBBON, re.M), run


def test_help_button_is_pure_vba():
    body = _sub("KaoheRunShowHelp", r"\(\)")
    assert "RunPython" not in body
    assert 'If sh.CodeName = "shHelp" Then' in body and "sh.Activate" in body
    assert 'KaoheSay KaoheText("Help"), vbInformation' in body
    from xl_kaohe.build.workbook import HELP_CODE_NAME
    assert HELP_CODE_NAME == "shHelp"


def test_every_python_button_catches_the_xlwings_failure():
    for name, job in JOBS.items():
        body = _sub(name.replace("Kaohe", "KaoheRun", 1), r"\(\)")
        lines = [l.strip() for l in body.splitlines() if l.strip()]
        assert lines[0] == "If Not KaohePythonReady() Then Exit Sub", name
        assert lines[1] == "On Error GoTo failed", name
        assert lines[2] == f'KaoheCheckResult RunPython("from xl_kaohe.excel import ribbon; ribbon.{job}()")', name
        assert lines[-2:] == ["failed:", "KaohePythonFailed Err.Description"], name


def test_messages_never_block_an_automated_caller():
    # every message goes through KaoheSay, which shows a box only while DisplayAlerts is on
    assert RIBBON.count("MsgBox ") == 1
    assert "If Application.DisplayAlerts Then MsgBox message, style" in RIBBON


def test_the_xlwings_functions_the_ribbon_relies_on_exist_and_are_public():
    xlwings_bas = MODULES["xlwings"]
    for name in ("GetConfig", "FileExists", "RunPython"):
        assert re.search(rf"^(Public )?Function {name}\(", xlwings_bas, re.M), name
    # RunPython returns -1 on failure (after xlwings' own message box): KaoheCheckResult relies on it
    assert "RunPython = -1" in xlwings_bas and "ExecuteWindows = -1" in xlwings_bas


def test_messages_decode_to_the_chinese_texts_and_fit_a_message_box():
    source = MODULES["KaoheMessages"]
    assert source.isascii() and max(len(l) for l in source.splitlines()) < 1023  # VBA's line limit
    assert _decoded_texts(source) == vba_messages.TEXTS
    # the longest box: PythonFailed + detail + hint + the doctor command; MsgBox shows 1024 characters
    assert len(vba_messages.HELP) < 1024
    assert len(vba_messages.PYTHON_FAILED + vba_messages.PYTHON_FAILED_HINT) + 300 < 1024
    help_text = vba_messages.HELP
    assert "kaohe doctor" in help_text and "使用说明" in help_text and xlwings.__version__ in help_text
    # the failure boxes end with the command, the workbook's own path filled in by VBA
    assert "使用说明" in vba_messages.PYTHON_FAILED_HINT and "使用说明" in vba_messages.NO_INTERPRETER_HINT
    assert RIBBON.count("& KaoheDoctorCommand()") == 2
    assert 'KaoheDoctorCommand = "kaohe doctor """ & ThisWorkbook.FullName & """"' in RIBBON


def test_udf_cells_show_chinese_when_python_is_unreachable():
    udfs = MODULES["xlwings_udfs"]
    failed = re.findall(r"^failed:\n\s+(\w+) = (.*)$", udfs, re.M)
    # every =KAOHE_* wrapper (the 8 of SPEC §7 and KAOHE_STATUS of §9) ends in the Chinese message
    assert sorted(name for name, _ in failed) == sorted(n for n, *_ in udf_descriptions())
    assert all(value == "KaoheUdfFailed(Err.Description)" for _, value in failed)
    assert "= Err.Description" not in udfs


def test_built_workbook_carries_the_modules_and_no_interpreter_row():
    data = build_addin()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        project = z.read("xl/vbaProject.bin")
    ours = module_sources(project)
    assert xlwings_runtime_version(ours) == xlwings.__version__
    # our reader agrees with oletools, an independent one
    parser = VBA_Parser("x.xlsm", data=data)
    theirs = {Path(stream).name: code for _, stream, _, code in parser.extract_macros()}
    parser.close()
    norm = lambda s: s.replace("\r\n", "\n").strip()
    for name in ("KaoheMessages", "Ribbon", "xlwings"):
        assert norm(theirs[name]).endswith(norm(ours[name].split("\n", 1)[1])), name
    from python_calamine import CalamineWorkbook
    conf = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("xlwings.conf").to_python()
    keys = [row[0] for row in conf if row and row[0]]
    assert "UDF Modules" in keys and not any(str(k).upper().startswith(("INTERPRETER", "CONDA")) for k in keys)
