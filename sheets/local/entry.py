"""What a typed value becomes and how a cell is shown: ``valueInputOption`` and render options.

``USER_ENTERED`` reads text as a person typing it into the sheet would: numbers
(a leading zero is lost, ``1,000`` keeps its grouping as a number format),
``TRUE``/``FALSE``, dates (kept as serial numbers with a date format, day first
unless the spreadsheet's locale is ``en_US``) and formulas. Formulas of plain
arithmetic on numbers (``+ - * /``, parentheses) are evaluated; any other formula
shows its own text.
"""
from __future__ import annotations

import ast
import math
import operator
import re
from datetime import date, timedelta
from typing import Any

from .grid import Cell, Formula, Typed

EPOCH = date(1899, 12, 30)  # serial number 0, as Lotus 1-2-3 and Google count
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?$")
_ISO_DATE = re.compile(r"^(\d{4})([-/])(\d{1,2})\2(\d{1,2})$")
_DATE = re.compile(r"^(\d{1,2})([/-])(\d{1,2})\2(\d{4})$")
_ARITHMETIC = re.compile(r"^[0-9.eE+\-*/()\s]+$")  # no ^: Sheets and Python disagree on -2^2
_OPS: dict[type, Any] = {ast.Add: operator.add, ast.Sub: operator.sub,
                         ast.Mult: operator.mul, ast.Div: operator.truediv,
                         ast.USub: operator.neg, ast.UAdd: operator.pos}


class InputError(ValueError):
    """A value no input option can store (a list or an object)."""


def parse_input(value: Any, option: str, month_first: bool = False) -> Cell:
    """Turn one input value into a stored cell (``None`` means skip the cell)."""
    if value is None:
        return None
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (list, dict)):
        raise InputError("Invalid values: a cell value must be a string, number or boolean.")
    text = str(value)
    if option == "RAW":
        return text
    if text.startswith("="):
        return Formula(text)
    if text.startswith("'"):
        return text[1:]
    stripped = text.strip()
    if stripped.upper() in ("TRUE", "FALSE"):
        return stripped.upper() == "TRUE"
    if stripped and any(ch.isdigit() for ch in stripped) and _NUMBER.match(stripped):
        plain = stripped.replace(",", "")
        number: int | float = int(plain) if re.match(r"^[+-]?\d+$", plain) else float(plain)
        if "," in stripped:
            decimals = len(plain.partition(".")[2]) if "e" not in plain.lower() else 0
            return Typed(number, "NUMBER", "#,##0" + ("." + "0" * decimals if decimals else ""))
        return number
    return _date(stripped, month_first) or text


def _date(text: str, month_first: bool) -> Typed | None:
    m = _ISO_DATE.match(text)
    if m:
        y, sep, mo, d = int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4))
        pattern = f"yyyy{sep}mm{sep}dd"
    else:
        m = _DATE.match(text)
        if not m:
            return None
        first, sep, second, y = m.group(1), m.group(2), m.group(3), int(m.group(4))
        short = len(first) == 1 or len(second) == 1
        day, month = ("d", "m") if short else ("dd", "mm")
        if month_first:
            mo, d, pattern = int(first), int(second), f"{month}{sep}{day}{sep}yyyy"
        else:
            d, mo, pattern = int(first), int(second), f"{day}{sep}{month}{sep}yyyy"
    try:
        when = date(y, mo, d)
    except ValueError:
        return None  # 31/02/2026 is not a date: it stays text, as in the sheet
    return Typed((when - EPOCH).days, "DATE", pattern)


def format_date(serial: float, pattern: str) -> str:
    """Show a serial number through a date pattern of ``yyyy``, ``mm``/``m`` and ``dd``/``d``."""
    when = EPOCH + timedelta(days=int(serial))
    parts = {"yyyy": f"{when.year:04d}", "mm": f"{when.month:02d}", "m": str(when.month),
             "dd": f"{when.day:02d}", "d": str(when.day)}
    return re.sub(r"yyyy|mm|m|dd|d", lambda t: parts[t.group(0)], pattern)


def evaluate(formula: str) -> int | float | str | None:
    """The value of a formula of arithmetic on numbers; ``None`` for any other formula."""
    text = formula[1:]
    if not _ARITHMETIC.match(text) or "**" in text:
        return None
    try:
        value = _arithmetic(ast.parse(text.strip(), mode="eval").body)
    except ZeroDivisionError:
        return "#DIV/0!"
    except (SyntaxError, ValueError, TypeError, OverflowError, RecursionError):
        return None
    if not math.isfinite(value):
        return "#NUM!"
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else value


def _arithmetic(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_arithmetic(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_arithmetic(node.left), _arithmetic(node.right))
    raise ValueError("not arithmetic")


def _number_text(number: float) -> str:
    if float(number).is_integer() and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.10f}".rstrip("0").rstrip(".")


def shown(cell: Cell) -> str:
    """The text the sheet shows (``FORMATTED_VALUE``)."""
    if cell is None:
        return ""
    if isinstance(cell, Formula):
        value = evaluate(cell)
        if value is None:
            return str(cell)
        return value if isinstance(value, str) else _number_text(value)
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, Typed):
        if cell.kind == "DATE":
            return format_date(cell, cell.pattern)
        decimals = len(cell.pattern.partition(".")[2])
        return f"{float(cell):,.{decimals}f}"
    if isinstance(cell, (int, float)):
        return _number_text(cell)
    return str(cell)


def render(cell: Cell, option: str, date_time: str = "SERIAL_NUMBER") -> Any:
    """Render a stored cell for ``valueRenderOption`` and ``dateTimeRenderOption``."""
    if option == "FORMATTED_VALUE" or cell is None:
        return shown(cell)
    if isinstance(cell, Formula):
        if option == "FORMULA":
            return str(cell)
        value = evaluate(cell)
        return str(cell) if value is None else value
    if isinstance(cell, Typed):
        if cell.kind == "DATE" and date_time == "FORMATTED_STRING":
            return shown(cell)
        return int(cell) if cell.is_integer() and abs(cell) < 2**53 else float(cell)
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 2**53:
        return int(cell)  # Google's JSON writes 2, never 2.0
    return cell
