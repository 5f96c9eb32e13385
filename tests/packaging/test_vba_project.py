"""Tests of the VBA project writer, checked with independent readers (olefile, oletools,
LibreOffice) and against the MS-OVBA specification's examples and xlwings' real project."""

from __future__ import annotations

import html
import random
import re
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

import olefile
import pytest
import xlwings
from oletools.olevba import VBA_Parser, VBA_Project, decompress_stream

from xl_kaohe.build.cfb import cfb_name_key, write_compound_file
from xl_kaohe.build.vba_project import (
    DEFAULT_REFERENCES,
    VbaModule,
    build_vba_project,
    compress,
    decompress,
    decrypt,
    project_id,
)

SAMPLE_XLSM = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"

MODULES = (
    VbaModule("ThisWorkbook", "document", "Option Explicit\n\nPrivate Sub Workbook_Open()\n    Sheet1.Activate\nEnd Sub\n"),
    VbaModule("Sheet1", "document", ""),
    VbaModule("Sheet2", "document", "Option Explicit\r\n' sheet two\r' old Mac line end\n"),
    VbaModule(
        "KaoheRibbon",
        "standard",
        "Option Explicit\n\nSub OnScore(control As IRibbonControl)\n"
        '    RunPython "import xl_kaohe; xl_kaohe.score()"\nEnd Sub\n',
    ),
    VbaModule(
        "Scorer",
        "class",
        "Option Explicit\nPrivate mTotal As Double\n\n"
        "Public Property Get Total() As Double\n    Total = mTotal\nEnd Property\n",
    ),
)


def oletools_decompress(data: bytes) -> bytes:
    return bytes(decompress_stream(bytearray(data)))


def strip_attributes(code: str) -> str:
    """Module code without its Attribute VB_ header, line endings normalised."""
    lines = code.replace("\r\n", "\n").split("\n")
    return "\n".join(line for line in lines if not line.startswith("Attribute VB_"))


def normalised(source: str) -> str:
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") or not text else text + "\n"


def dir_records(dir_stream: bytes) -> list[tuple[int, bytes]]:
    """Split a decompressed dir stream into (id, payload) records (MS-OVBA 2.3.4.2)."""
    records, pos = [], 0
    while pos < len(dir_stream):
        record_id, size = struct.unpack_from("<HI", dir_stream, pos)
        if record_id == 0x0009:  # PROJECTVERSION: "size" is a reserved 4, then 6 bytes
            size = 6
        records.append((record_id, dir_stream[pos + 6 : pos + 6 + size]))
        pos += 6 + size
    return records


# --------------------------------------------------------------------------------------
# compression (MS-OVBA 2.4.1)
# --------------------------------------------------------------------------------------


def _inputs() -> list[bytes]:
    rng = random.Random(20240611)
    text_alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,()=\"'_\r\n"
    vba_line = b'    If score(i) > 0 Then total = total + score(i) \' add\r\n'
    return [
        b"",
        b"a",
        b"ab",
        b"abc",
        b"aaaa",
        bytes(rng.choice(text_alphabet) for _ in range(4096)),
        bytes(rng.choice(text_alphabet) for _ in range(4097)),
        b"x" * 4096,
        b"x" * 4097,
        vba_line * 12,  # about 660 bytes: where ms-ovba-compression broke
        bytes(rng.choice(text_alphabet) for _ in range(659)),
        bytes(rng.choice(text_alphabet) for _ in range(660)),
        bytes(rng.choice(text_alphabet) for _ in range(20 * 1024)),
        bytes(rng.randrange(256) for _ in range(4096 * 3)),  # incompressible: raw chunks
        bytes(rng.randrange(256) for _ in range(4096 + 3000)),  # short tail fits compressed
        bytes(rng.randrange(256) for _ in range(4096 * 2 + 100)),
        b"ab" * 30_000,
        bytes(range(256)) * 40,
        vba_line * 2000,
        SAMPLE_XLSM.read_bytes()[:9000],  # binary zip data
    ]


@pytest.mark.parametrize("data", _inputs(), ids=lambda d: f"{len(d)}B")
def test_compress_round_trip_and_oletools_reads_it(data: bytes) -> None:
    packed = compress(data)
    assert packed[0] == 0x01
    assert decompress(packed) == data
    assert oletools_decompress(packed) == data  # an independent decompressor


def test_raw_chunks_are_exactly_4096_bytes_and_a_short_last_one_is_padded() -> None:
    """MS-OVBA 2.4.1.3.10: a chunk whose compressed form would exceed 4096 bytes is stored raw,
    as exactly 4096 bytes (a short last chunk padded with 0x00); 2.4.1.3.3: decompressing a raw
    chunk appends 4096 bytes, so the padding comes back too."""
    rng = random.Random(7)
    data = bytes(rng.randrange(256) for _ in range(4096 + 3808))
    # random bytes do not compress: 3808 literals need 476 flag bytes, 4284 > 4096
    packed = compress(data)
    # signature + two chunks of (2-byte header 0x3FFF: raw, size 4095 + 3) + 4096 bytes
    assert len(packed) == 1 + 2 * (2 + 4096)
    assert packed[1:3] == b"\xff\x3f" and packed[4099:4101] == b"\xff\x3f"
    assert packed[3:4099] == data[:4096]
    assert packed[4101:] == data[4096:] + bytes(4096 - 3808)
    assert decompress(packed) == data + bytes(288)
    assert oletools_decompress(packed) == data + bytes(288)  # an independent reader agrees


def test_compress_compresses_repetitive_text() -> None:
    data = b"    total = total + 1\r\n" * 1000
    assert len(compress(data)) < len(data) // 10


def test_spec_example_no_compression() -> None:
    # MS-OVBA 3.2.1 "No Compression Example" (as quoted in Kavod.Vba.Compression's tests)
    expected = bytes.fromhex("01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E")
    assert compress(b"abcdefghijklmnopqrstuv.") == expected
    assert decompress(expected) == b"abcdefghijklmnopqrstuv."


def test_spec_example_normal_compression() -> None:
    # MS-OVBA 3.2.2 "Normal Compression Example", bytes copied from the spec page
    data = b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa"
    expected = bytes.fromhex(
        "01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C"
        " 00 20 6D 6E 6F 70 06 71 02 70 04 00 72 73 74 75 76 10 77 78 79 7A 00 2C"
    )
    assert compress(data) == expected
    assert decompress(expected) == data


def test_decompress_reads_office_written_streams() -> None:
    """Our decompressor agrees with oletools on every stream Excel wrote in the sample."""
    ole = olefile.OleFileIO(zipfile.ZipFile(SAMPLE_XLSM).read("xl/vbaProject.bin"))
    dir_stream = decompress(ole.openstream("VBA/dir").read())
    assert dir_stream == oletools_decompress(ole.openstream("VBA/dir").read())
    offsets, name = {}, ""
    for rid, payload in dir_records(dir_stream):
        if rid == 0x001A:  # MODULESTREAMNAME
            name = payload.decode("ascii")
        elif rid == 0x0031:  # MODULEOFFSET: the sample has a performance cache first
            offsets[name] = struct.unpack("<I", payload)[0]
    assert len(offsets) == 6
    for name, offset in offsets.items():
        raw = ole.openstream(f"VBA/{name}").read()[offset:]
        assert decompress(raw) == oletools_decompress(raw)
        assert decompress(raw).startswith(f'Attribute VB_Name = "{name}"'.encode())


def test_decompress_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        decompress(b"\x02abc")
    with pytest.raises(ValueError):
        decompress(b"\x01\x00\x00")  # chunk signature bits are not 0b011


# --------------------------------------------------------------------------------------
# compound file (MS-CFB)
# --------------------------------------------------------------------------------------


def check_red_black_tree(ole: olefile.OleFileIO, child_sid: int) -> list[str]:
    """Check one storage's sibling tree (MS-CFB 2.6.4); return the names in order."""
    entries = ole.direntries
    NOSTREAM = 0xFFFFFFFF
    RED = 0

    def walk(sid: int) -> tuple[int, list[str]]:  # (black height, in-order names)
        if sid == NOSTREAM:
            return 1, []
        e = entries[sid]
        for kid in (e.sid_left, e.sid_right):
            if kid != NOSTREAM and e.color == RED:
                assert entries[kid].color != RED, f"red {e.name} has a red child"
        left_h, left = walk(e.sid_left)
        right_h, right = walk(e.sid_right)
        assert left_h == right_h, f"unequal black heights under {e.name}"
        return left_h + (e.color != RED), left + [e.name] + right

    if child_sid != NOSTREAM:
        assert entries[child_sid].color != RED, "tree root must be black"
    _, names = walk(child_sid)
    keys = [cfb_name_key(n) for n in names]
    assert keys == sorted(keys) and len(set(keys)) == len(keys), names
    return names


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 40])
def test_cfb_sibling_trees_are_valid_red_black_trees(count: int) -> None:
    rng = random.Random(count)
    names = [f"S{rng.randrange(10**rng.randrange(1, 6))}_{i}" for i in range(count)]
    streams = {f"Store/{n}": n.encode() * (i + 1) for i, n in enumerate(names)}
    ole = olefile.OleFileIO(write_compound_file(streams), raise_defects=olefile.DEFECT_INCORRECT)
    store = ole.direntries[ole.root.sid_child]
    assert store.name == "Store"
    assert sorted(check_red_black_tree(ole, store.sid_child)) == sorted(names)
    for name in names:
        assert ole.openstream(f"Store/{name}").read() == streams[f"Store/{name}"]


def test_cfb_stream_sizes_mini_and_regular() -> None:
    rng = random.Random(7)
    sizes = [0, 1, 63, 64, 65, 511, 512, 4095, 4096, 4097, 70_000, 300_000]
    streams = {f"D/s{n}": bytes(rng.randrange(256) for _ in range(n)) for n in sizes}
    streams["top"] = b"root level"
    data = write_compound_file(streams)
    assert len(data) % 512 == 0
    ole = olefile.OleFileIO(data, raise_defects=olefile.DEFECT_INCORRECT)
    for path, content in streams.items():
        assert ole.get_size(path) == len(content)
        assert ole.openstream(path).read() == content
    check_red_black_tree(ole, ole.root.sid_child)
    # more than 109 FAT sectors need DIFAT sectors, which this writer does not make
    with pytest.raises(ValueError, match="FAT sectors"):
        write_compound_file({"big": bytes(8 * 1024 * 1024)})


def test_cfb_rejects_bad_names() -> None:
    with pytest.raises(ValueError):
        write_compound_file({"A" * 32: b""})
    with pytest.raises(ValueError):
        write_compound_file({"x/Dir": b"1", "x/DIR": b"2"})


# --------------------------------------------------------------------------------------
# the VBA project
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project_bin() -> bytes:
    return build_vba_project(MODULES)


def test_olefile_opens_the_project(project_bin: bytes) -> None:
    assert olefile.isOleFile(project_bin)
    ole = olefile.OleFileIO(project_bin, raise_defects=olefile.DEFECT_INCORRECT)
    assert sorted("/".join(p) for p in ole.listdir()) == sorted(
        ["PROJECT", "PROJECTwm", "VBA/_VBA_PROJECT", "VBA/dir"] + [f"VBA/{m.name}" for m in MODULES]
    )
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000000")
    check_red_black_tree(ole, ole.root.sid_child)
    vba = next(e for e in ole.direntries if e is not None and e.name == "VBA")
    check_red_black_tree(ole, vba.sid_child)


def test_oletools_extracts_every_module_with_its_source(project_bin: bytes) -> None:
    parser = VBA_Parser("vbaProject.bin", data=project_bin, relaxed=False)
    assert parser.detect_vba_macros()
    found = {stream: code for _, stream, _, code in parser.extract_macros()}
    assert set(found) == {f"VBA/{m.name}" for m in MODULES}
    for m in MODULES:
        code = found[f"VBA/{m.name}"]
        assert code.startswith(f'Attribute VB_Name = "{m.name}"\r\n')
        assert "\n" not in code.replace("\r\n", "")  # CRLF only
        assert strip_attributes(code) == normalised(m.source)
        if m.kind == "document":
            base = "00020819" if m.name == "ThisWorkbook" else "00020820"
            assert f'Attribute VB_Base = "0{{{base}-0000-0000-C000-000000000046}}"' in code
            assert "Attribute VB_PredeclaredId = True" in code
            assert "Attribute VB_Exposed = True" in code
        elif m.kind == "class":
            assert "Attribute VB_PredeclaredId = False" in code
        else:
            assert code.count("Attribute ") == 1


def test_oletools_project_information(project_bin: bytes) -> None:
    ole = olefile.OleFileIO(project_bin)
    project = VBA_Project(ole, "", "PROJECT", "VBA/dir", relaxed=False)
    assert project.codepage == 1252
    assert project.lcid == 0x409
    assert project.syskind == 3
    assert project.projectname == "VBAProject"
    list(project.parse_modules())  # strict: raises on any unexpected record value
    assert project.modules_count == len(MODULES)
    names = [m.name for m in project.modules]
    assert names == [m.name for m in MODULES]
    assert all(m.textoffset == 0 for m in project.modules)
    for m, parsed in zip(MODULES, project.modules):
        assert parsed.type == (0x0021 if m.kind == "standard" else 0x0022)  # MODULETYPE
    references = [rid for rid, _ in dir_records(decompress(ole.openstream("VBA/dir").read()))]
    assert references.count(0x000D) == len(DEFAULT_REFERENCES) == 2


def test_dir_stream_records_follow_excels_order(project_bin: bytes) -> None:
    """Same record sequence as Excel's own source-only project (xlwings' sample)."""
    ours = dir_records(decompress(olefile.OleFileIO(project_bin).openstream("VBA/dir").read()))
    sample_ole = olefile.OleFileIO(zipfile.ZipFile(SAMPLE_XLSM).read("xl/vbaProject.bin"))
    theirs = dir_records(decompress(sample_ole.openstream("VBA/dir").read()))

    def shape(records: list[tuple[int, bytes]]) -> tuple[list[int], list[list[int]]]:
        ids = [rid for rid, _ in records]
        info = ids[: ids.index(0x0016)]  # PROJECTINFORMATION, up to the first reference
        modules, current = [], []
        for rid in ids[ids.index(0x0013) + 1 :]:
            current.append(rid)
            if rid == 0x002B:
                modules.append(current)
                current = []
        assert current == [0x0010]  # dir terminator
        return info, modules

    our_info, our_modules = shape(ours)
    their_info, their_modules = shape(theirs)
    assert our_info == their_info
    assert {tuple(m) for m in our_modules} == {tuple(m) for m in their_modules}
    libids = [payload[4:-6].decode("ascii") for rid, payload in ours if rid == 0x000D]
    assert libids == [r.libid for r in DEFAULT_REFERENCES]
    assert any("Microsoft Office 16.0 Object Library" in libid for libid in libids)


def test_project_stream(project_bin: bytes) -> None:
    text = olefile.OleFileIO(project_bin).openstream("PROJECT").read().decode("cp1252")
    lines = text.split("\r\n")
    pid = project_id(MODULES, "VBAProject")
    assert lines[0] == f'ID="{pid}"'
    assert re.fullmatch(r"\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}", pid)
    assert lines[1:6] == [
        "Document=ThisWorkbook/&H00000000",
        "Document=Sheet1/&H00000000",
        "Document=Sheet2/&H00000000",
        "Module=KaoheRibbon",
        "Class=Scorer",
    ]
    assert 'Name="VBAProject"' in lines
    assert 'VersionCompatible32="393222000"' in lines
    assert "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000" in lines
    assert lines.index("[Workspace]") < lines.index("ThisWorkbook=0, 0, 0, 0, C")
    fields = dict(line.split("=", 1) for line in lines if line[:4] in ("CMG=", "DPB=", "GC=\""))
    proj_key = sum(pid.encode()) & 0xFF
    assert decrypt(fields["CMG"].strip('"')) == (proj_key, bytes(4))  # not protected
    assert decrypt(fields["DPB"].strip('"')) == (proj_key, b"\x00")  # no password
    assert decrypt(fields["GC"].strip('"')) == (proj_key, b"\xff")  # visible
    # 2.3.1.15-17 ABNF lengths
    assert 22 <= len(fields["CMG"].strip('"')) <= 28
    assert 16 <= len(fields["DPB"].strip('"'))
    assert 16 <= len(fields["GC"].strip('"')) <= 22


def test_encryption_matches_excels_project_stream() -> None:
    """Our decrypt (mirror of our encrypt) reads the CMG/DPB/GC values Excel wrote."""
    text = olefile.OleFileIO(zipfile.ZipFile(SAMPLE_XLSM).read("xl/vbaProject.bin"))
    lines = text.openstream("PROJECT").read().decode("cp1252").split("\r\n")
    values = dict(line.split("=", 1) for line in lines if "=" in line)
    proj_key = sum(values["ID"].strip('"').encode()) & 0xFF
    assert decrypt(values["CMG"].strip('"')) == (proj_key, bytes(4))
    assert decrypt(values["DPB"].strip('"')) == (proj_key, b"\x00")
    assert decrypt(values["GC"].strip('"')) == (proj_key, b"\xff")


def test_projectwm_stream(project_bin: bytes) -> None:
    data = olefile.OleFileIO(project_bin).openstream("PROJECTwm").read()
    expected = b"".join(m.name.encode() + b"\0" + m.name.encode("utf-16-le") + b"\0\0" for m in MODULES)
    assert data == expected + b"\0\0"


def test_build_is_deterministic(project_bin: bytes) -> None:
    assert build_vba_project(MODULES) == project_bin
    assert build_vba_project(list(MODULES)) == project_bin
    renamed = build_vba_project(MODULES, project_name="Kaohe")
    assert renamed != project_bin and build_vba_project(MODULES, project_name="Kaohe") == renamed


def test_line_endings_become_crlf_and_other_controls_stay() -> None:
    source = "Sub A()\n' page\fbreak\r' x\r\nEnd Sub"
    data = build_vba_project(MODULES[:1] + (VbaModule("Util", "standard", source),))
    found = {s: c for _, s, _, c in VBA_Parser("x.bin", data=data, relaxed=False).extract_macros()}
    assert found["VBA/Util"] == 'Attribute VB_Name = "Util"\r\nSub A()\r\n\' page\fbreak\r\n\' x\r\nEnd Sub\r\n'


def test_big_modules_use_regular_sectors() -> None:
    """xlwings.bas is far larger than 4096 bytes compressed: a regular-sector stream."""
    bas = (Path(xlwings.__file__).parent / "xlwings.bas").read_text("ascii")
    source = "\n".join(bas.splitlines()[1:])  # drop its Attribute VB_Name line
    modules = MODULES + (VbaModule("xlwings", "standard", source),)
    data = build_vba_project(modules)
    ole = olefile.OleFileIO(data, raise_defects=olefile.DEFECT_INCORRECT)
    assert ole.get_size("VBA/xlwings") >= 4096
    found = {s: c for _, s, _, c in VBA_Parser("x.bin", data=data, relaxed=False).extract_macros()}
    assert strip_attributes(found["VBA/xlwings"]) == normalised(source)


@pytest.mark.parametrize(
    ("modules", "message"),
    [
        (MODULES + (VbaModule("Util", "standard", 'MsgBox "考核"\n'),), "non-ASCII"),
        (MODULES + (VbaModule("Util", "standard", "' caf\u00e9\n"),), "non-ASCII"),
        (MODULES + (VbaModule("Sheet1", "standard", ""),), "duplicate"),
        (MODULES + (VbaModule("SCORER", "class", ""),), "duplicate"),  # VBA is case-insensitive
        (MODULES + (VbaModule("VBAProject", "standard", ""),), "duplicate"),  # the project name
        (MODULES[1:], "ThisWorkbook"),
        ((VbaModule("ThisWorkbook", "standard", ""),) + MODULES[1:], "ThisWorkbook"),
        (MODULES + (VbaModule("1Bad", "standard", ""),), "invalid VBA module name"),
        (MODULES + (VbaModule("Bad Name", "standard", ""),), "invalid VBA module name"),
        (MODULES + (VbaModule("A" * 32, "standard", ""),), "invalid VBA module name"),
        (MODULES + (VbaModule("Modul\u00e9", "standard", ""),), "invalid VBA module name"),
        (MODULES + (VbaModule("dir", "standard", ""),), "clashes"),
        (MODULES + (VbaModule("Util", "standard", 'Attribute VB_Name = "Util"\nSub A()\nEnd Sub\n'),), "Attribute"),
        (MODULES + (VbaModule("Util", "form", ""),), "kind"),  # type: ignore[arg-type]
    ],
)
def test_invalid_input_is_rejected(modules: tuple[VbaModule, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_vba_project(modules)


def test_invalid_project_name_and_codepage_are_rejected() -> None:
    with pytest.raises(ValueError, match="project name"):
        build_vba_project(MODULES, project_name="My Project")
    with pytest.raises(ValueError, match="code page"):
        build_vba_project(MODULES, codepage=12345)


# --------------------------------------------------------------------------------------
# LibreOffice, an independent consumer of the whole package
# --------------------------------------------------------------------------------------


@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not on PATH")
def test_libreoffice_imports_the_project(project_bin: bytes, tmp_path: Path) -> None:
    """Put the project into xlwings' sample workbook (code names ThisWorkbook, Sheet1,
    Sheet2 match our document modules) and let LibreOffice convert it to .ods: the
    VBAProject Basic library then holds each module, with its type, and its code."""
    xlsm = tmp_path / "probe.xlsm"
    with zipfile.ZipFile(SAMPLE_XLSM) as zin, zipfile.ZipFile(xlsm, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = project_bin if info.filename == "xl/vbaProject.bin" else zin.read(info)
            zout.writestr(info, data)
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",  # own profile: no lock clash
            "--headless",
            "--convert-to",
            "ods",
            "--outdir",
            str(tmp_path),
            str(xlsm),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    with zipfile.ZipFile(tmp_path / "probe.ods") as ods:
        library = ods.read("Basic/VBAProject/script-lb.xml").decode()
        expected_type = {"standard": "normal", "class": "class", "document": "document"}
        for m in MODULES:
            assert f'library:name="{m.name}"' in library
            xml = ods.read(f"Basic/VBAProject/{m.name}.xml").decode()
            assert f'script:moduleType="{expected_type[m.kind]}"' in xml
            body = html.unescape(xml.split(">", 3)[-1])  # the text after <script:module ...>
            for line in normalised(m.source).splitlines():
                assert line in body, (m.name, line)
