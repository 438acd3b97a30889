"""Reading an uploaded CSV or XLSX file of values into rows, with every problem found reported at once.
Pure: the standard library and openpyxl, no I/O beyond the bytes given."""

import csv
import io
import zipfile
from dataclasses import dataclass

from openpyxl import load_workbook

from npd_benchmark.catalogue.domain import ValueProblem

MAX_BYTES = 2_000_000
MAX_ROWS = 2_000
REQUIRED = ("kpi_id", "value")
KNOWN = (*REQUIRED, "unit", "explanation")


@dataclass(frozen=True)
class Row:
    """One value as the client gave it: `row` and columns are where it came from, for error messages."""

    kpi_id: str
    value: float | None
    unit: str | None
    explanation: str | None
    row: int | None = None
    raw: str = ""


class UnreadableFile(Exception):
    """The file as a whole cannot be read: each problem says why."""

    def __init__(self, problems: list[ValueProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _problem(reason: str, row: int | None = None, column: str | None = None) -> ValueProblem:
    return ValueProblem(None, reason, row=row, column=column)


def read_upload(data: bytes, filename: str) -> tuple[list[Row], list[ValueProblem]]:
    """The rows of the file and the problems with single cells (a number that is not one, say)."""
    if not data:
        raise UnreadableFile([_problem("the file is empty")])
    if len(data) > MAX_BYTES:
        raise UnreadableFile([_problem(f"the file has {len(data)} bytes; at most {MAX_BYTES} are accepted")])
    table = _xlsx_table(data) if filename.lower().endswith(".xlsx") or data[:2] == b"PK" else _csv_table(data)
    return _rows(table)


def _csv_table(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            [_problem(f"the file is not UTF-8 (byte {exc.start} is 0x{data[exc.start]:02x}); save it as CSV UTF-8")]
        ) from None
    if "\x00" in text:
        raise UnreadableFile([_problem("the file holds NUL characters: it is not a CSV text file")])
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in row)]


def _xlsx_table(data: bytes) -> list[list[str]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile([_problem(f"the file is not a readable XLSX workbook ({exc})")]) from None
    sheet = book.worksheets[0]
    table: list[list[str]] = []
    for values in sheet.iter_rows(values_only=True):
        if len(table) > MAX_ROWS + 1:
            break
        cells = ["" if v is None else (repr(v) if isinstance(v, float) else str(v)) for v in values]
        if any(c.strip() for c in cells):
            table.append(cells)
    book.close()
    return table


def _rows(table: list[list[str]]) -> tuple[list[Row], list[ValueProblem]]:
    if not table:
        raise UnreadableFile([_problem("the file has no header row and no values")])
    header = [h.strip().lower() for h in table[0]]
    problems = [_problem(f"required column {c!r} is missing", row=1) for c in REQUIRED if c not in header]
    problems += [
        _problem(f"unknown column {h!r}; the columns are {', '.join(KNOWN)}", row=1, column=h)
        for h in header
        if h and h not in KNOWN
    ]
    if problems:
        raise UnreadableFile(problems)
    if len(table) - 1 > MAX_ROWS:
        raise UnreadableFile([_problem(f"the file has {len(table) - 1} rows; at most {MAX_ROWS} are accepted")])
    if len(table) == 1:
        raise UnreadableFile([_problem("the file has a header but no values", row=1)])
    at = {name: header.index(name) for name in KNOWN if name in header}
    rows: list[Row] = []
    cell_problems: list[ValueProblem] = []
    for number, cells in enumerate(table[1:], start=2):

        def cell(name: str, cells: list[str] = cells) -> str | None:
            i = at.get(name)
            return cells[i].strip() if i is not None and i < len(cells) and cells[i].strip() else None

        kpi_id, raw = cell("kpi_id") or "", cell("value") or ""
        value = _number(raw)
        if not kpi_id:
            cell_problems.append(ValueProblem(None, "no KPI id", row=number, column="kpi_id"))
            continue
        if value is None:
            reason = "no value" if not raw else f"{raw!r} is not a number"
            cell_problems.append(ValueProblem(kpi_id, reason, row=number, column="value"))
        rows.append(Row(kpi_id, value, cell("unit"), cell("explanation"), number, raw))
    return rows, cell_problems


def _number(raw: str) -> float | None:
    """A number as people type it: a decimal point or a decimal comma; no thousands separators."""
    text = raw.replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None
