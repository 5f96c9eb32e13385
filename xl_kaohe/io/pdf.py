""".docx → PDF through LibreOffice headless (`soffice --headless --convert-to pdf`).

Each conversion gets its own LibreOffice user profile (-env:UserInstallation) in a temporary
folder: two conversions at once (two users, a test run beside the ribbon) would otherwise
fight over the one profile, and the second would silently do nothing.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

SOFFICE_NAMES = ("soffice", "libreoffice", "soffice.exe")
WINDOWS_PATHS = (r"C:\Program Files\LibreOffice\program\soffice.exe",
                 r"C:\Program Files (x86)\LibreOffice\program\soffice.exe")


class PdfUnavailable(RuntimeError):
    """LibreOffice is not installed (or not found): the .docx is still written."""


class PdfFailed(RuntimeError):
    """LibreOffice ran but did not produce the PDF."""


def find_soffice() -> str | None:
    env = os.environ.get("KAOHE_SOFFICE")
    if env:
        return env if Path(env).exists() or shutil.which(env) else None
    for name in SOFFICE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in WINDOWS_PATHS if Path(p).exists()), None)


def to_pdf(docx_path: str | os.PathLike, outdir: str | os.PathLike | None = None,
           timeout: float = 180) -> Path:
    """Convert `docx_path` to a PDF beside it (or in `outdir`); returns the PDF's path."""
    source = Path(docx_path).resolve()
    target_dir = Path(outdir).resolve() if outdir else source.parent
    soffice = find_soffice()
    if soffice is None:
        raise PdfUnavailable("未找到 LibreOffice（soffice），无法生成 PDF；已生成的 .docx 不受影响。"
                             "请安装 LibreOffice，或用 Word/WPS 打开 .docx 另存为 PDF。")
    target = target_dir / (source.stem + ".pdf")
    with tempfile.TemporaryDirectory(prefix="kaohe-lo-") as profile:
        cmd = [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
               "--norestore", "--convert-to", "pdf", "--outdir", str(target_dir), str(source)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise PdfFailed(f"LibreOffice 转换超时（{timeout:.0f} 秒）：{source.name}") from None
        except OSError as exc:
            raise PdfUnavailable(f"无法启动 LibreOffice（{soffice}）：{exc}") from None
    if done.returncode != 0 or not target.exists():
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise PdfFailed(f"LibreOffice 未能把 {source.name} 转为 PDF"
                        + (f"：{detail[-1]}" if detail else ""))
    return target
