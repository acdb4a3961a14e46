"""The data: the tutorial's 10 points, and the user's own points from a CSV file.

Everything that comes in is checked here, once; a problem raises DataError with one line that says
what is wrong, where (file, line, column) and the offending text.
"""
import csv
import io
import math
import os

import numpy as np

# The tutorial's samples (section 2 of the chapter).
TUTORIAL_X = (-10.0, -7.78, -5.56, -3.33, -1.11, 1.11, 3.33, 5.56, 7.78, 10.0)
TUTORIAL_Y = (0.9413, 1.1254, 1.2278, 1.1222, 1.1027, 0.4576, -0.1547, 0.4595, 0.9119, 0.9897)


class DataError(ValueError):
    """Bad input data; the message is one line that a user can act on."""


def tutorial_data():
    return np.array(TUTORIAL_X), np.array(TUTORIAL_Y)


def as_points(x, y):
    """Check in-memory x and y (lists or arrays) and return them as 1-D float64 arrays."""
    if x is None and y is None:
        return tutorial_data()
    if x is None or y is None:
        raise DataError("give both x and y, or neither for the tutorial's data")
    x, y = _vector(x, "x"), _vector(y, "y")
    if len(x) != len(y):
        raise DataError(f"x and y have different lengths: {len(x)} and {len(y)}")
    if len(x) < 2:
        raise DataError(f"need at least 2 points, got {len(x)}")
    return x, y


def _vector(v, name):
    try:
        arr = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise DataError(f"{name} must be numbers: {e}") from None
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1:
        raise DataError(f"{name} must be one-dimensional, got shape {arr.shape}")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise DataError(f"{name}[{bad[0]}] is {arr[bad[0]]}: every value must be a finite number")
    return arr


def read_text(path):
    """The text of a file, or DataError if it is missing, a directory, unreadable or not text."""
    if not os.path.exists(path):
        raise DataError(f"{path}: no such file")
    if os.path.isdir(path):
        raise DataError(f"{path}: is a directory, not a CSV file")
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise DataError(f"{path}: cannot read: {e.strerror}") from None
    if b"\x00" in raw:
        raise DataError(f"{path}: not a text file (it contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: not a UTF-8 text file (bad byte at offset {e.start})") from None


def read_table(path):
    """(header or None, [(line number, cells)], width) of a CSV file, checked for shape."""
    rows = [(n, r) for n, r in enumerate(csv.reader(io.StringIO(read_text(path))), start=1)
            if any(cell.strip() for cell in r)]  # blank lines are skipped
    if not rows:
        raise DataError(f"{path}: the file is empty")
    width = len(rows[0][1])
    for n, r in rows:
        if len(r) != width:
            raise DataError(f"{path}, line {n}: has {len(r)} columns, but line {rows[0][0]} has {width}")
    header = None
    if any(not _is_number(cell) for cell in rows[0][1]):  # a first row with text is a header
        header = [cell.strip() for cell in rows[0][1]]
        rows = rows[1:]
        if not rows:
            raise DataError(f"{path}: has a header but no rows of data")
    return header, rows, width


def read_csv(path, x_col=None, y_col=None):
    """Read points from a CSV file: two numeric columns, header optional.

    With more columns, x_col / y_col pick them by header name or 0-based index.
    Returns (x, y) as float64 arrays; raises DataError on anything bad.
    """
    header, rows, width = read_table(path)
    if width < 2 and (x_col is None or y_col is None or x_col == y_col):
        raise DataError(f"{path}: needs two columns (x, y), found {width}")
    if width > 2 and (x_col is None or y_col is None):
        raise DataError(f"{path}: has {width} columns; choose two with --x and --y (a name or 0-based index)")
    x = _values(path, header, rows, width, 0 if x_col is None else x_col, "--x")
    y = _values(path, header, rows, width, 1 if y_col is None else y_col, "--y")
    if len(x) < 2:
        raise DataError(f"{path}: needs at least 2 points, found {len(x)}")
    return x, y


def read_x_csv(path, x_col=None):
    """The x values to predict at, from a CSV file: its first column, or the one x_col picks."""
    header, rows, width = read_table(path)
    return _values(path, header, rows, width, 0 if x_col is None else x_col, "--x")


def _values(path, header, rows, width, col, flag):
    i = _column(path, header, width, col, flag)
    name = header[i] if header else str(i)
    return np.array([_number(path, n, name, r[i]) for n, r in rows])


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def _column(path, header, width, col, flag):
    """The index of a column chosen by 0-based index or header name."""
    if isinstance(col, int) or (isinstance(col, str) and col.strip().lstrip("-").isdigit()):
        i = int(col)
        if not 0 <= i < width:
            raise DataError(f"{path}: {flag} {col}: no such column (the file has columns 0 to {width - 1})")
        return i
    if header is None:
        raise DataError(f"{path}: {flag} {col!r}: the file has no header, so pick columns by 0-based index")
    if col not in header:
        raise DataError(f"{path}: {flag} {col!r}: no such column; the header has {', '.join(map(repr, header))}")
    return header.index(col)


def _number(path, line, column, text):
    where = f"{path}, line {line}, column {column!r}"
    if not text.strip():
        raise DataError(f"{where}: empty cell")
    try:
        v = float(text)
    except ValueError:
        raise DataError(f"{where}: not a number: {text.strip()!r}") from None
    if not math.isfinite(v):
        raise DataError(f"{where}: {text.strip()!r} is not a finite number")
    return v
