"""VBA modules checked by an independent grammar: the ANTLR4 VBA grammar of the ``antlr4-vba``
package (MS-VBAL, generated lexers and parsers), not our own code.

Two steps, as VBA itself does:

1. the conditional-compilation grammar (``vba_cc``) parses the module as a whole: every
   ``#Const`` / ``#If`` / ``#ElseIf`` / ``#Else`` / ``#End If`` is well formed and nested;
2. the lines active under one set of compilation constants (Windows 64-bit Excel, 32-bit, Mac:
   each branch Excel can take) go through the VBA grammar (``vba``); inactive and directive
   lines become empty lines so error line numbers are the module's own.

The header is the module stream's (MS-OVBA 2.3.4.3). MS-VBAL 4.2 knows VB_Name, VB_GlobalNameSpace,
VB_Creatable, VB_PredeclaredId, VB_Exposed and VB_Customizable; VB_Base and VB_TemplateDerived are
Office's (host) attributes, so those two lines are left out before the VBA grammar sees the text,
and a class or document module gets the ``VERSION 1.0 CLASS`` / ``BEGIN … END`` block its .cls
export starts with (the grammar tells class from procedural modules by it).
"""
from __future__ import annotations

import re

from antlr4 import CommonTokenStream, InputStream
from antlr4.error.ErrorListener import ErrorListener
from antlr4_vba.vba_ccLexer import vba_ccLexer
from antlr4_vba.vba_ccParser import vba_ccParser
from antlr4_vba.vbaLexer import vbaLexer
from antlr4_vba.vbaParser import vbaParser

# the compilation environments of Excel for which the source must be valid
ENVIRONMENTS = {
    "win64": {"VBA7": True, "WIN64": True, "WIN32": True, "MAC": False, "MAC_OFFICE_VERSION": 0},
    "win32": {"VBA7": True, "WIN64": False, "WIN32": True, "MAC": False, "MAC_OFFICE_VERSION": 0},
    "mac": {"VBA7": True, "WIN64": False, "WIN32": False, "MAC": True, "MAC_OFFICE_VERSION": 16},
}
CLASS_FILE_HEADER = "VERSION 1.0 CLASS\nBEGIN\n  MultiUse = -1  'True\nEND\n"
HOST_ATTRIBUTES = re.compile(r"^Attribute VB_(Base|TemplateDerived) = .*$", re.M)


class _Collect(ErrorListener):
    def __init__(self) -> None:
        self.errors: list[str] = []

    def syntaxError(self, recognizer, symbol, line, column, message, e):  # noqa: N802 (antlr API)
        self.errors.append(f"{line}:{column}: {message}")


def _parse(lexer_cls, parser_cls, text: str) -> list[str]:
    errors = _Collect()
    lexer = lexer_cls(InputStream(text))
    lexer.removeErrorListeners()
    lexer.addErrorListener(errors)
    parser = parser_cls(CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(errors)
    parser.startRule()
    return errors.errors


def _cc_value(expression: str, constants: dict) -> object:
    """A #If expression: names, string literals, = <> >= <= > <, Not / And / Or."""
    tokens = re.findall(r'"[^"]*"|[A-Za-z_]\w*|<>|>=|<=|[=<>()]|\d+', expression)
    python = []
    for token in tokens:
        upper = token.upper()
        if upper in ("NOT", "AND", "OR"):
            python.append(upper.lower())
        elif upper == "TRUE" or upper == "FALSE":
            python.append(upper.title())
        elif token == "=":
            python.append("==")
        elif token == "<>":
            python.append("!=")
        elif token[0].isalpha() or token[0] == "_":
            python.append(repr(constants.get(upper, False)))
        else:
            python.append(token)
    return eval(" ".join(python), {"__builtins__": {}})  # noqa: S307 (our own token list)


def active_source(text: str, environment: dict) -> str:
    """The module with only the lines compiled under `environment` (others blanked)."""
    constants = dict(environment)
    out, stack = [], []  # stack of (this branch active, some branch taken, parent active)
    active = True
    for line in text.split("\n"):
        directive = line.strip()
        word = directive.split(" ", 1)[0].upper() if directive.startswith("#") else ""
        body = directive.split("'", 1)[0] if word else ""
        if word == "#CONST":
            m = re.match(r"#Const\s+(\w+)\s*=\s*(.+)", body.strip(), re.I)
            if active:
                constants[m.group(1).upper()] = _cc_value(m.group(2), constants)
        elif word == "#IF":
            cond = active and bool(_cc_value(re.sub(r"(?i)^#If\s+|\s+Then\s*$", "", body.strip()), constants))
            stack.append((cond, cond, active))
            active = cond
        elif word == "#ELSEIF":
            _, taken, parent = stack.pop()
            cond = parent and not taken and bool(
                _cc_value(re.sub(r"(?i)^#ElseIf\s+|\s+Then\s*$", "", body.strip()), constants))
            stack.append((cond, taken or cond, parent))
            active = cond
        elif word == "#ELSE":
            _, taken, parent = stack.pop()
            stack.append((parent and not taken, True, parent))
            active = parent and not taken
        elif word == "#END":
            _, _, parent = stack.pop()
            active = parent
        else:
            out.append(line if active else "")
            continue
        out.append("")
    assert not stack, "unclosed #If"
    return "\n".join(out)


def module_errors(stored_text: str, kind: str, environments=tuple(ENVIRONMENTS)) -> list[str]:
    """Grammar errors of a module as stored in its stream (CRLF lines, attribute header);
    kind is standard, class or document (line numbers count from the module's first line)."""
    text = stored_text.replace("\r\n", "\n")
    errors = [f"cc {e}" for e in _parse(vba_ccLexer, vba_ccParser, text)]
    source = HOST_ATTRIBUTES.sub("", text)
    if kind != "standard":
        source = CLASS_FILE_HEADER + source
    for name in environments:
        errors += [f"{name} {e}" for e in _parse(vbaLexer, vbaParser, active_source(source, ENVIRONMENTS[name]))]
    return errors
