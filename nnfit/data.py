"""The data: the tutorial's 10 points, and the user's own points from a CSV file.

Everything that comes in is checked here, once; a problem raises DataError with one line that says
what is wrong, where (file, line, column) and the offending text.

A CSV file: comma-separated, UTF-8 (a BOM is fine; UTF-16 with a BOM too), any line endings, blank
lines skipped, cells may be quoted and padded with spaces. Numbers are written with ASCII digits
(1, -2.5, 3e-4); the first line is a header when none of its cells is a number. A first line that
mixes numbers and text where the next line has numbers is a typo, not a header, and is refused.
"""
import array
import codecs
import collections.abc
import contextlib
import csv
import decimal
import difflib
import errno
import itertools
import math
import numbers
import os
import re
import sys
import stat
import warnings

import numpy as np

from .config import any_digits, is_numeric
from .i18n import _, ascii_hint, system_reason

# The tutorial's samples (section 2 of the chapter).
TUTORIAL_X = (-10.0, -7.78, -5.56, -3.33, -1.11, 1.11, 3.33, 5.56, 7.78, 10.0)
TUTORIAL_Y = (0.9413, 1.1254, 1.2278, 1.1222, 1.1027, 0.4576, -0.1547, 0.4595, 0.9119, 0.9897)

NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")  # ASCII digits only
NOT_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
INTEGER = re.compile(r"[+-]?[0-9]+")
INDEX = re.compile(r"[0-9]+")  # a column picked by 0-based index (ASCII digits; "²" is a name)
MAX_BYTES = 2**30  # larger files are refused: the points must fit in memory many times over
GBK_CHECK_BYTES = 2**26  # files up to this size that are not UTF-8 are read as GBK where they are GB2312 text
MAX_MAGNITUDE = 1e150  # larger values are refused: a fit squares its errors and sums them over the points, and
                       # beyond this float64 overflows (y ~ 1e300 gave a NaN model, exit 0; y ~ 1e307 hung)
MIN_SPREAD = 1e-150    # a column whose values differ by less (but not 0) is refused: their squared differences
                       # underflow (y = i*1e-200 fit as a constant, denormal values broke the histogram)


class DataError(ValueError):
    """Bad input data; the message is one line that a user can act on."""


class DataTypeError(DataError, TypeError):
    """Bad input data of a type that cannot be numbers (a dict in X): a TypeError too, as scikit-learn expects."""


class DataWarning(UserWarning):
    """Data that can be used but probably not as meant (e.g. x values that float32 cannot tell apart)."""


def warn_data(message):
    """A DataWarning that points at the caller's own line: the first frame outside the nnfit package (as
    Python 3.12's skip_file_prefixes would), however deep inside nnfit it was raised."""
    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame, level = sys._getframe(1), 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    warnings.warn(DataWarning(message), stacklevel=level)


def tutorial_data():
    return np.array(TUTORIAL_X), np.array(TUTORIAL_Y)


def as_points(x, y):
    """Check in-memory x and y (lists or arrays) and return them as 1-D float64 arrays."""
    if x is None and y is None:
        return tutorial_data()
    if x is None or y is None:
        raise DataError(_("give both x and y, or neither for the tutorial's data"))
    x, y = _vector(x, "x"), _vector(y, "y")
    if len(x) != len(y):
        raise DataError(_("x and y have different lengths: {x} and {y}").format(x=len(x), y=len(y)))
    if len(x) < 2:
        raise DataError(_("need at least 2 points, got {count}").format(count=len(x)))
    check_spread(x, "x")
    check_spread(y, "y")
    return x, y


def as_table(x, y):
    """Check in-memory data for fit mode and return x (N, d) and y (N, k) as float64 arrays.

    x: (N,) for one input or (N, d); y: (N,) for one output or (N, k). The tutorial's points when
    both are None."""
    if x is None and y is None:
        x, y = tutorial_data()
    if x is None or y is None:
        raise DataError(_("give both x and y, or neither for the tutorial's data"))
    x, y = _matrix(x, "x"), _matrix(y, "y")
    if len(x) != len(y):
        raise DataError(_("x and y have different numbers of points: {x} and {y}").format(x=len(x), y=len(y)))
    if len(x) < 2:
        raise DataError(_("need at least 2 points, got {count}").format(count=len(x)))
    for name, arr in (("x", x), ("y", y)):
        if arr.shape[1] == 0:
            raise DataError(_("{name} has no columns").format(name=name))
        for j in range(arr.shape[1]):
            check_spread(arr[:, j], name if arr.shape[1] == 1 else f"{name}[:, {j}]")
    return x, y


def column_where(path, header, i):
    """How a message names a file's column: by its header name, else by its 0-based index."""
    return _("{path}, column {column!r}").format(path=path, column=header[i] if header else str(i))


def check_spread(values, where):
    """DataError when a column's values differ, but by less than MIN_SPREAD: the mirror of MAX_MAGNITUDE."""
    lo, hi = float(values.min()), float(values.max())
    if 0 < hi - lo < MIN_SPREAD:
        raise DataError(_("{where}: the values differ by only {spread:g} (from {lo!r} to {hi!r}): below {limit:g}, "
                          "the smallest spread nnfit works with (squared differences would be 0 in float64); "
                          "rescale the column").format(where=where, spread=hi - lo, lo=lo, hi=hi, limit=MIN_SPREAD))


def _matrix(v, name):
    """v as a 2-D float64 array (N, columns): a 1-D v is one column."""
    arr = _numbers(v, name)
    if arr.ndim not in (1, 2):
        raise DataError(_("{name} must be one- or two-dimensional (points, columns), got shape {shape}").format(
            name=name, shape=arr.shape))
    _finite_or_error(arr, name)
    return arr[:, None] if arr.ndim == 1 else arr


def _numbers(v, name):
    """v as a float64 array of any shape: real numbers only (not strings, bools, dicts or ragged lists)."""
    if _is_sparse(v):  # (np.asarray makes it a 0-d array of one object; a dok_matrix is also a dict)
        raise DataError(_("{name} is a sparse matrix ({type}): nnfit needs dense numbers, e.g. {name}.toarray()").format(
            name=name, type=type(v).__name__))
    if isinstance(v, (str, bytes, bytearray, dict, set, collections.abc.Iterator)):  # (a generator: NumPy makes it one
        # object; a bytearray its bytes as integers)
        raise DataError(_("{name} must be a list or array of numbers, got {type}").format(name=name, type=type(v).__name__))
    reject_masked(v, name)
    try:
        arr = np.asarray(v)
    except (TypeError, ValueError, RuntimeError) as e:  # RuntimeError: a torch tensor that requires grad
        raise DataError(_("{name} must be a list or array of numbers: {error}").format(
            name=name, error=str(e).splitlines()[0])) from None
    given = arr  # (its integers, before float64 rounds them: _warn_rounded_integers)
    if arr.dtype.kind == "O" and all(is_real(e) for e in arr.flat):
        big = next((i for i, e in enumerate(arr.flat) if too_large(e)), None)
        if big is not None:  # an int like 10**400, a Fraction or a Decimal past float64, where it is, as given
            where = ", ".join(map(str, np.unravel_index(big, arr.shape)))
            raise DataError(_("{where} is {value}: too large for float64 (at most about 1.8e308)").format(
                where=f"{name}[{where}]" if where else name, value=_short(str(arr.flat[big]))))
        tiny = next((i for i, e in enumerate(arr.flat) if too_small(e)), None)
        if tiny is not None:  # a Fraction(1, 10**400) or Decimal('1e-400'): float64 would make it 0, silently
            where = ", ".join(map(str, np.unravel_index(tiny, arr.shape)))
            raise DataError(_("{where} is {value}: too small for float64, which would make it 0 (at least about "
                              "4.9e-324 from 0)").format(where=f"{name}[{where}]" if where else name,
                                                         value=_short(str(arr.flat[tiny]))))
        arr = arr.astype(np.float64)  # e.g. Fractions or Decimals
    if arr.dtype.kind in "OUS" and arr.size:  # the first value that is not a real number, where it is (a pandas NA,
        # or the text among numbers that made NumPy read them all as text)
        mixed = arr
        if arr.dtype.kind in "US" and not isinstance(v, np.ndarray):
            with contextlib.suppress(TypeError, ValueError):
                mixed = np.asarray(v, dtype=object)
            mixed = mixed if mixed.shape == arr.shape else arr
        bad = next((i for i, e in enumerate(mixed.flat) if not is_real(e)), None)
        if bad is not None:
            where = ", ".join(map(str, np.unravel_index(bad, arr.shape)))
            value = mixed.flat[bad]
            value = value.item() if isinstance(value, np.generic) else value  # '1', not np.str_('1')
            raise DataError(_("{where} is {value}: every value must be a real number").format(
                where=f"{name}[{where}]" if where else name, value=_short(" ".join(repr(value).split()))))
    if arr.dtype.kind == "c" and arr.size:  # complex numbers: the first with an imaginary part, where it is
        with np.errstate(invalid="ignore"):
            bad = int(np.argmax(np.ravel(arr.imag != 0)))
        where = ", ".join(map(str, np.unravel_index(bad, arr.shape)))
        raise DataError(_("{where} is {value}: every value must be a real number").format(
            where=f"{name}[{where}]" if where else name, value=_short(repr(complex(arr.flat[bad])))))
    if arr.dtype.kind not in "iuf":
        raise DataError(_("{name} must be real numbers, got an array of {dtype} {sample}").format(
            name=name, dtype=arr.dtype, sample=_sample(arr)))
    if isinstance(v, (list, tuple)) and arr.size and _holds_bool(v):  # a True among numbers, which NumPy makes 1 (a
        objects = np.empty(0)  # bool array is refused above: helper-86)
        with contextlib.suppress(TypeError, ValueError):
            objects = np.asarray(v, dtype=object)
        flag = next((i for i, e in enumerate(objects.flat) if isinstance(e, (bool, np.bool_))), None) \
            if objects.shape == arr.shape else None
        if flag is not None:
            where = ", ".join(map(str, np.unravel_index(flag, arr.shape)))
            raise DataError(_("{where} is {value}: every value must be a real number").format(
                where=f"{name}[{where}]" if where else name, value=repr(bool(objects.flat[flag]))))
    with np.errstate(over="ignore"):  # a long double beyond float64 becomes inf without a warning: refused here
        out = arr.astype(np.float64)
    if given.dtype.kind == "f" and isinstance(v, (list, tuple)) and np.any(np.abs(out) >= 2**53):
        given = np.asarray(v, dtype=object)  # a list of floats and ints: NumPy made it float64 at once
    if given.dtype.kind in "iuO" and given.shape == out.shape:
        _warn_rounded_integers(given, out, name)
    if arr.dtype.kind == "f" and arr.dtype.itemsize > 8:
        huge = np.argwhere(np.isinf(out) & np.isfinite(arr))
        if len(huge):
            index = ", ".join(map(str, huge[0]))
            raise DataError(_("{where} is {value}: too large for float64 (at most about 1.8e308)").format(
                where=f"{name}[{index}]" if index else name, value=str(arr[tuple(huge[0])])))  # format() shows inf
        tiny = np.argwhere((out == 0) & (arr != 0))  # (1e-4000 as a long double: 0 in float64, silently; helper-84)
        if len(tiny):
            index = ", ".join(map(str, tiny[0]))
            raise DataError(_("{where} is {value}: too small for float64, which would make it 0 (at least about "
                              "4.9e-324 from 0)").format(where=f"{name}[{index}]" if index else name,
                                                         value=str(arr[tuple(tiny[0])])))
    return out


def is_real(value):
    """A real number for nnfit: an int, float, Fraction, Decimal or NumPy number, not a bool (nor a Decimal's
    signaling NaN, which float() refuses: helper-82)."""
    return (isinstance(value, (numbers.Real, decimal.Decimal)) and not isinstance(value, (bool, np.bool_))
            and not (isinstance(value, decimal.Decimal) and value.is_snan()))


def _holds_bool(v):
    """Whether the list (or tuple) v holds a bool, in it or in its lists (a quick pass over the types)."""
    types = set(map(type, v))
    if bool in types or np.bool_ in types:
        return True
    return (list in types or tuple in types) and any(_holds_bool(e) for e in v if isinstance(e, (list, tuple)))


def _holds_complex(v):
    """Whether the list (or tuple) v holds a complex number, in it or in its lists, or an array of them (a list
    of arrays, tensors or Series: helper-91)."""
    types = set(map(type, v))
    if any(issubclass(t, (complex, np.complexfloating)) for t in types):
        return True
    held = [t for t in types if t in (list, tuple) or (hasattr(t, "dtype") and not issubclass(t, np.generic))]
    return bool(held) and any(_holds_complex(e) if isinstance(e, (list, tuple)) else "complex" in str(getattr(e, "dtype", ""))
                              for e in v if type(e) in held)


def _is_sparse(v):
    """Whether v is a SciPy sparse matrix or array (without importing SciPy)."""
    return type(v).__module__.startswith("scipy.sparse") and hasattr(v, "toarray")


def _warn_rounded_integers(arr, out, name):
    """A DataWarning where integers beyond 2**53 were rounded on the way to float64 (as read_csv warns for such
    cells): x = 2**53 + 3k, k = 0..29, is then not 30 distinct values 3 apart."""
    big = np.flatnonzero(np.abs(out.ravel()) >= 2**53)
    rounded = [i for i in big if isinstance(arr.flat[i], numbers.Integral) and int(arr.flat[i]) != int(out.flat[i])]
    if rounded:
        where = ", ".join(map(str, np.unravel_index(rounded[0], arr.shape)))
        warn_data(_("{where} is the integer {text}, beyond 2**53, where float64 cannot hold every integer, and is "
                    "used as {value} ({count} such values in all); subtract an offset first if their differences "
                    "matter").format(where=f"{name}[{where}]" if where else name, text=_short(str(int(arr.flat[rounded[0]]))),
                                     value=int(out.flat[rounded[0]]), count=len(rounded)))


def reject_masked(v, name):
    """DataError at the first masked value of v: np.asarray would drop the mask and use the values under it."""
    if np.ma.is_masked(v):
        where = ", ".join(map(str, np.argwhere(np.ma.getmaskarray(v))[0]))
        raise DataError(_("{name}[{index}] is masked: fill or drop the masked values first").format(name=name, index=where))


def _finite_or_error(arr, name):
    """DataError at the first value that is not finite, or beyond MAX_MAGNITUDE."""
    bad = np.argwhere(~np.isfinite(arr))
    if len(bad):
        where = ", ".join(map(str, bad[0]))
        raise DataError(_("{name}[{index}] is {value}: every value must be a finite number").format(
            name=name, index=where, value=arr[tuple(bad[0])]))
    huge = np.argwhere(np.abs(arr) > MAX_MAGNITUDE)
    if len(huge):
        raise DataError(_("{name}[{index}] is {value:g}: {beyond}").format(
            name=name, index=", ".join(map(str, huge[0])), value=arr[tuple(huge[0])], beyond=beyond()))


def beyond():
    return _("beyond ±{limit:g}, the largest size nnfit works with (squared errors must fit in float64); "
             "rescale the column").format(limit=MAX_MAGNITUDE)


def _vector(v, name):
    """v as a 1-D float64 array (a row or a column is one too)."""
    arr = _numbers(v, name)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1:
        raise DataError(_("{name} must be one-dimensional, got shape {shape}").format(name=name, shape=arr.shape))
    _finite_or_error(arr, name)
    return arr


def _sample(arr):
    first = next(iter(arr.flat), None) if arr.size else None
    first = first.item() if isinstance(first, np.generic) else first  # '1', not np.str_('1')
    return _("(first value {value!r})").format(value=first) if first is not None else _("(empty)")


def open_text(path):
    """A text stream over a regular file, or DataError if it is missing, a directory, a FIFO or
    device (never waited on), unreadable or too large. UTF-8, or UTF-16 or UTF-32 when the file starts with its BOM."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise DataError(_("a CSV file name must be a string or path, got {path!r}").format(path=path))
    path = os.fspath(path)
    if not path:
        raise DataError(_("the file name is empty; give a CSV file"))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO opens without waiting
    except ValueError:  # os.open's "embedded null byte"
        raise DataError(_("{path!r}: not a file name (it contains a NUL character)").format(path=path)) from None
    except FileNotFoundError:
        raise DataError(_("{path}: no such file").format(path=path)) from None
    except IsADirectoryError:
        raise DataError(_("{path}: is a directory, not a CSV file").format(path=path)) from None
    except OSError as e:
        if e.errno == errno.ENXIO:  # a socket, or a device with nothing behind it
            raise DataError(_("{path}: is not a regular file (a pipe, device or socket); give a CSV file").format(path=path)) from None
        raise DataError(_("{path}: cannot read: {reason}").format(path=path, reason=system_reason(e))) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise DataError(_("{path}: is a directory; give a CSV file").format(path=path))
        raise DataError(_("{path}: is not a regular file (a pipe, device or socket); give a CSV file").format(path=path))
    if info.st_size > MAX_BYTES:
        os.close(fd)
        raise DataError(_("{path}: is {size:.1f} GiB; nnfit reads CSV files up to 1 GiB").format(path=path, size=info.st_size / 2**30))
    try:
        head = os.read(fd, 4096)
        os.lseek(fd, 0, os.SEEK_SET)
    except OSError as e:
        os.close(fd)
        raise DataError(_("{path}: cannot read: {reason}").format(path=path, reason=system_reason(e))) from None
    encoding = ("utf-32" if head[:4] in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)  # before UTF-16: FF FE 00 00
                else "utf-16" if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig")
    if b"\x00" in head and encoding == "utf-8-sig":
        os.close(fd)
        raise DataError(_("{path}: not a text file (it contains NUL bytes)").format(path=path))
    first = is_gbk(fd, path) if encoding == "utf-8-sig" and info.st_size <= GBK_CHECK_BYTES else None
    if first is not None:  # (its first line as read, so that a Korean or Japanese file, whose bytes GB2312 takes too,
        encoding = "gbk"   # shows at once what it became: helper-89)
        warn_data(_("{path} is not UTF-8: it was read as GBK (Excel's CSV on Chinese Windows), its first line as "
                    "{line!r}; if that is not its text, save it as \"CSV UTF-8\"").format(path=path, line=first))
    return open(fd, encoding=encoding, newline="")  # newline="": the csv module sees \r, \n and \r\n


def is_gbk(fd, path):
    """The first line (60 characters at most) of the open file read as GBK where it is not UTF-8 but GB2312 text,
    GBK's common core (what Excel writes on Chinese Windows; both bytes of each character from 0xA1, which Latin-1
    or Shift-JIS text rarely is, though Korean and Japanese EUC text is), as the live page reads such a file
    (helper-88: the command line refused it); else None. The file is read whole once and left at its start."""
    try:
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        os.lseek(fd, 0, os.SEEK_SET)
    except OSError as e:
        os.close(fd)
        raise DataError(_("{path}: cannot read: {reason}").format(path=path, reason=system_reason(e))) from None
    raw = b"".join(chunks)
    if raw.isascii():
        return None
    try:
        raw.decode("utf-8-sig")
        return None
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb2312")
    except UnicodeDecodeError:
        return None
    return (text.splitlines() or [""])[0][:60]


def rows_of(path):
    """(line number, cells) for each non-blank row of a CSV file, checked as it is read."""
    f = open_text(path)
    with f:
        raw = []  # the line the reader took last
        reader = csv.reader(_lines(path, f, f.encoding in ("utf-16", "utf-32"), raw))
        last = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                if "field larger than field limit" in str(e):
                    raise DataError(_("{path}, line {line}: a cell is longer than {limit} characters; not a number").format(
                        path=path, line=reader.line_num, limit=csv.field_size_limit())) from None
                raise DataError(_("{path}, line {line}: not valid CSV ({error})").format(path=path, line=reader.line_num, error=e)) from None
            multiline = any("\n" in cell or "\r" in cell for cell in row)
            if reader.line_num == last + 1 and (multiline or '"' in raw[-1]):
                _strictly(path, reader.line_num, raw[-1])
            if multiline:
                raise DataError(_("{path}, line {line}: a quoted cell runs on to line {end} (a quote that is not closed?)").format(
                    path=path, line=last + 1, end=reader.line_num))
            last = reader.line_num
            if any(cell.strip() for cell in row):  # blank lines are skipped
                yield reader.line_num, [cell.strip() for cell in row]


def _strictly(path, line, text):
    """DataError where one line of CSV with quotes in it is not valid read strictly: a quoted cell left open
    (at the end of the file the lenient reader takes the rest as the cell; "3,4 on the last line read as
    one cell), or text after a closing quote ("2"3 read as 23). A quote inside an unquoted cell (5'11") is
    a character, as the lenient reader takes it."""
    try:
        next(csv.reader([text], strict=True), None)
    except csv.Error as e:
        if "unexpected end of data" in str(e):
            raise DataError(_("{path}, line {line}: a quote that is not closed").format(path=path, line=line)) from None
        raise DataError(_("{path}, line {line}: not valid CSV ({error})").format(path=path, line=line, error=e)) from None


def _lines(path, f, wide, raw):
    """The file's lines, refusing NUL bytes (a binary file) and bytes that are not UTF-8; raw holds the
    last one given."""
    n = 0
    try:
        for n, line in enumerate(f, start=1):
            if "\x00" in line and not wide:
                raise DataError(_("{path}: not a text file (it contains NUL bytes, line {line})").format(path=path, line=n))
            raw[:] = [line]
            yield line
    except OSError as e:  # a read that fails midway (a disk error, a file on a dying mount)
        raise DataError(_("{path}: cannot read: {reason}").format(path=path, reason=system_reason(e))) from None
    except UnicodeDecodeError as e:
        if wide:  # UTF-16 or UTF-32 (a BOM said so): a lone surrogate, a cut-off last character
            line, unit = bad_wide(path, f.encoding, n + 1, e.object[e.start:e.end])
            raise DataError(_("{path}, line {line}: not valid {encoding} text (bad bytes {unit!r})").format(
                path=path, line=line, encoding=f.encoding.upper(), unit=unit)) from None
        line, byte, gbk = bad_utf8(path, n + 1, e.object[e.start:e.start + 1])
        raise DataError(_("{path}, line {line}: not a UTF-8 text file (bad byte {byte!r})").format(
            path=path, line=line, byte=byte) + (_("; it may be GBK (Excel's CSV on Chinese Windows): save it as "
                                                  "\"CSV UTF-8\", or convert it: iconv -f GBK -t UTF-8") if gbk else
                                                _("; save it as UTF-8"))) from None


def bad_wide(path, encoding, line, unit):
    """As bad_utf8, for a UTF-16 or UTF-32 file: the line and the bytes where it stops being valid."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
        raw.decode(encoding)
    except UnicodeDecodeError as e:
        return raw[:e.start].decode(encoding, errors="replace").count("\n") + 1, e.object[e.start:e.end]
    except OSError:
        pass
    return line, unit


def bad_utf8(path, line, byte):
    """The line and the byte where a file stops being UTF-8 (the text reader decodes in chunks, so
    its own position is a chunk's, not the byte's), and whether the file reads as GBK (what Excel writes on
    Chinese Windows): read again as bytes, on this error path only."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        head = e.object[:e.start]
        ends = head.count(b"\n") or head.count(b"\r")
        try:  # (GB2312 text, GBK's common core, is read as GBK: open_text; a file with GBK's other characters is not)
            gbk = bool(raw.decode("gbk"))
        except UnicodeDecodeError:
            gbk = False
        return ends + 1, e.object[e.start:e.start + 1], gbk
    except OSError:
        pass
    return line, byte, False


def is_number(text):
    return NUMBER.fullmatch(text.strip()) is not None


def unkeepable(name):
    """Whether a column's name is one a model does not keep: one that a CSV header would not give back, or a
    later --x could not pick again (not a string, blank, spaces around it, a comma, a control character, a
    number: a header line of numbers is read as data)."""
    return not (isinstance(name, str) and name and name.strip() == name and name.isprintable() and "," not in name
                and not is_number(name))


def keepable_names(names):
    """names (a list of strings) where a model keeps them: every one keepable and each one once; else None."""
    return names if names and len(set(names)) == len(names) and not any(unkeepable(c) for c in names) else None


def read_table(path, columns):
    """Read the columns that `columns(width, header, where)` picks ({flag: name or index}; a flag is the
    option that named the column, or a tuple (option, position)) as float64 arrays.

    Returns (header or None, {flag: array}). Every row must have the first row's width.
    """
    rows = rows_of(path)
    first = next(rows, None)
    if first is None:
        with open_text(path) as f:
            cells = "," in f.read(65536)
        raise DataError((_("{path}: no values: every line is blank or holds only empty cells") if cells
                         else _("{path}: the file is empty")).format(path=path))
    line, cells = first
    width = len(cells)
    second = next(rows, None)
    for sep, name in ((";", "';'"), ("\t", _("tabs")), ("，", _("full-width commas '，'")), ("|", "'|'"), (" ", _("spaces"))):
        # Excel in many locales writes ';', copied tables tabs, a Chinese input method '，' (which is also a Chinese
        # header's punctuation: a separator only where the next line has it too, or the first line's parts are
        # numbers), a printed table '|' or spaces (helper-87: no hint; a name may hold either, so the same rule)
        parts = cells[0].split() if sep == " " else cells[0].split(sep)
        if width == 1 and sep in cells[0].strip() and (sep in ";\t" or all(is_number(c) for c in parts) or (
                second is not None and len(second[1]) == 1 and sep in second[1][0].strip())):
            raise DataError(_("{path}, line {line}: one column, {text!r}; nnfit reads values separated by commas, "
                              "and this file seems to separate them by {sep}: save it as CSV with commas").format(
                                path=path, line=line, text=_short(cells[0]), sep=name))
    if re.fullmatch(r"sep=.?", ",".join(cells).strip().lower()):  # Excel's "sep=," line (it named line 2's x a column)
        raise DataError(_("{path}, line {line}: {text!r} is Excel's separator line, neither data nor a header: remove it "
                          "(nnfit reads values separated by commas)").format(path=path, line=line, text=",".join(cells)))
    header = None
    if not any(is_number(c) for c in cells) and not all(NOT_FINITE.fullmatch(c.strip()) for c in cells):
        header = cells  # (a first line of nan and inf alone is data, refused below as data is: helper-72)
    elif second is not None and not all(is_number(c) for c in cells):
        for i, c in enumerate(cells):  # a data row with a typo, unless the next row has text there too
            if not (is_number(c) or NOT_FINITE.fullmatch(c.strip())) and len(second[1]) == width and is_number(second[1][i]):
                raise DataError(_("{path}, line {line}, column {column!r}: not a number: {text!r} (the other cells of "
                                  "line {line} are numbers; a header line names every column)").format(
                                    path=path, line=line, column=str(i), text=c))
    comment = ""  # "# my data": a comment, as some tools write them
    if width == 1 and cells[0].lstrip().startswith("#"):
        comment = _(" (line {line} is {text!r}: nnfit reads no comment lines; remove it)").format(
            line=line, text=_short(",".join(cells)))
    try:
        chosen = columns(width, header, _("{path}, line {line}").format(path=path, line=line))
    except DataError as e:
        if width > 1 and not cells[-1]:  # "1,2," on every line: a third, empty column
            raise DataError(str(e) + _(" (line {line} ends with a comma: its last column is empty; remove the commas at "
                                       "the ends of the lines)").format(line=line)) from None
        if comment:
            raise DataError(str(e) + comment) from None
        if width == 1 and (second is None or len(second[1]) != 1):  # '３，４' on line 1 of a file of two columns:
            # the hint the same row gets after a header (helper-92); not where every line is one cell
            hint = ascii_hint(cells[0], lambda t: len(next(csv.reader([t]))) == (len(second[1]) if second else 2))
            if hint:
                raise DataError(str(e) + hint) from None
        raise
    picked = {flag: _column(path, header, width, col, flag if isinstance(flag, str) else flag[0])
              for flag, col in chosen.items()}
    values = {flag: array.array("d") for flag in picked}  # 8 bytes a value, however long the file
    data = ([] if header else [first]) + ([second] if second else [])
    count, rounded = 0, []
    for n, row in itertools.chain(data, rows):
        if len(row) != width:
            raise DataError((_("{path}, line {line}: {text!r} has {count} columns, but line {first} has {width}")
                             if len(row) != 1 else
                             _("{path}, line {line}: {text!r} has 1 column, but line {first} has {width}")).format(
                path=path, line=n, text=_short(",".join(row)), count=len(row), first=line, width=width)
                + (comment or ascii_hint(",".join(row), lambda t: len(next(csv.reader([t]))) == width)))
        for flag, i in picked.items():
            v = _number(path, n, header[i] if header else str(i), row[i])
            values[flag].append(v)
            if abs(v) >= 2**53 and INTEGER.fullmatch(row[i]):  # float64 skips integers there
                with any_digits():
                    if int(row[i]) != v:
                        rounded.append((n, header[i] if header else str(i), row[i], v))
        count += 1
    if rounded:
        n, column, text, v = rounded[0]
        warn_data(_("{path}, line {line}, column {column!r}: the integer {text} is beyond 2**53, where float64 cannot "
                    "hold every integer, and is read as {value} ({count} such cells in all); subtract an offset first if "
                    "their differences matter").format(path=path, line=n, column=column, text=_short(text), value=int(v),
                                                       count=len(rounded)))
    if header and not count:
        raise DataError(_("{path}: has a header but no rows of data").format(path=path))
    return header, {flag: np.array(v, dtype=np.float64) for flag, v in values.items()}


def read_csv(path, x_col=None, y_col=None, names=False, pick=None):
    """Read points from a CSV file: two numeric columns, header optional.

    With more columns, x_col / y_col pick them by header name or 0-based index.
    Returns (x, y) as float64 arrays (and, with names, the two columns' header names, or None
    without a header); raises DataError on anything bad. pick: what a file of more columns is told to
    do (the command line's: choose two with --x and --y).
    """
    chosen_columns = {}

    def columns(width, _header, where):
        if width < 2 and (x_col is None or y_col is None or str(x_col) == str(y_col)):
            raise DataError(_("{where}: the first row has {width} column, and every row needs two (x, y)").format(
                where=where, width=width))
        if width > 2 and (x_col is None or y_col is None):
            if pick is not None:
                raise DataError(_("{path}: has {width} columns; {pick}").format(path=path, width=width, pick=pick))
            raise DataError(_("{path}: has {width} columns; choose two with --x and --y (a name or 0-based index)").format(
                path=path, width=width))
        given = {flag: _column(path, _header, width, col, flag) for flag, col in (("--x", x_col), ("--y", y_col))
                 if col is not None}
        # of two columns, one picked: the other is the other one (as nnfit fit's --x or --y alone), else x 0, y 1
        other = next(iter(given.values())) if len(given) == 1 and width == 2 else None
        picked = {flag: given[flag] if flag in given else (1 - other if other is not None else default)
                  for flag, default in (("--x", 0), ("--y", 1))}
        if picked["--x"] == picked["--y"]:
            name = _header[picked["--x"]] if _header else str(picked["--x"])
            raise DataError(_("{path}: column {name!r} is chosen twice ({first} and {second})").format(
                path=path, name=name, first="--x", second="--y"))
        chosen_columns.update(picked)
        return picked
    _header, values = read_table(path, columns)
    x, y = values["--x"], values["--y"]
    if len(x) < 2:
        raise DataError(_("{path}: needs at least 2 points, found {count}").format(path=path, count=len(x)))
    for flag, values_ in (("--x", x), ("--y", y)):
        check_spread(values_, column_where(path, _header, chosen_columns[flag]))
    if names:
        return x, y, (_header[chosen_columns["--x"]], _header[chosen_columns["--y"]]) if _header else None
    return x, y


def read_x_csv(path, x_col=None):
    """The x values to predict at, from a CSV file: its first column, or the one x_col picks."""
    _header, values = read_table(path, lambda width, _header, _where: {"--x": 0 if x_col is None else x_col})
    return values["--x"]


def column_list(text):
    """--x a,b,c: the names or 0-based indices, in order (None stays None)."""
    if text is None or isinstance(text, (list, tuple)):
        return text
    return [c.strip() for c in str(text).split(",")]


def read_columns(path, x_cols=None, y_cols=None, flags=("--x", "--y")):
    """Fit mode's data from a CSV file: x (N, d), y (N, k) and the columns' names (None without a
    header). x_cols, y_cols: lists of names or 0-based indices (or "a,b,c"). Two columns and no
    choice: x, then y. With only y chosen, every other column is an input; with only x chosen, the
    one column left is the output."""
    typed = {flags[0]: x_cols, flags[1]: y_cols}  # (as given, for messages)
    x_cols, y_cols = column_list(x_cols), column_list(y_cols)
    chosen = {}

    def columns(width, header, where):
        xs, ys = x_cols, y_cols
        if xs is None and ys is None:
            if width < 2:
                raise DataError(_("{where}: the first row has {width} column, and every row needs two (x, y)").format(
                    where=where, width=width))
            if width > 2:
                raise DataError(_("{path}: has {width} columns; choose them with --x and --y (names or 0-based indices, "
                                  "comma-separated: --x a,b --y c; --y alone takes every other column as x)").format(
                                    path=path, width=width))
            xs, ys = [0], [1]
        for flag, cols in zip(flags, (xs, ys)):
            if cols is not None and any(not str(c).strip() for c in cols):
                raise DataError(_("{path}: {flag} {cols!r} has an empty column name (a comma too many?)").format(
                    path=path, flag=flag, cols=typed[flag] if isinstance(typed[flag], str) else ",".join(map(str, cols))))
        index = {flag: [_column(path, header, width, c, flag, several=True) for c in cols]
                 for flag, cols in zip(flags, (xs, ys)) if cols is not None}
        if ys is None:
            rest = [i for i in range(width) if i not in index[flags[0]]]
            if not rest:
                raise DataError(_("{path}: every column is in {flag}; none is left for the output ({other})").format(
                    path=path, flag=flags[0], other=flags[1]))
            if len(rest) != 1:
                raise DataError(_("{path}: {count} columns are not in {flag}; choose the output with {other}").format(
                    path=path, count=len(rest), flag=flags[0], other=flags[1]))
            index[flags[1]] = rest
        if xs is None:
            index[flags[0]] = [i for i in range(width) if i not in index[flags[1]]]
            if not index[flags[0]]:
                raise DataError(_("{path}: no column is left for x; choose them with {flag}").format(path=path, flag=flags[0]))
        seen = {}
        for flag in flags:
            for i in index[flag]:
                if i in seen:
                    name = header[i] if header else str(i)
                    if seen[i] == flag:
                        raise DataError(_("{path}: column {name!r} is chosen twice in {flag}").format(
                            path=path, name=name, flag=flag))
                    raise DataError(_("{path}: column {name!r} is chosen twice ({first} and {second})").format(
                        path=path, name=name, first=seen[i], second=flag))
                seen[i] = flag
        chosen.update(index)
        return {(flag, j): i for flag in flags for j, i in enumerate(index[flag])}

    header, values = read_table(path, columns)
    x, y = (np.column_stack([values[(flag, j)] for j in range(len(chosen[flag]))]) for flag in flags)
    if len(x) < 2:
        raise DataError(_("{path}: needs at least 2 points, found {count}").format(path=path, count=len(x)))
    for flag, table in zip(flags, (x, y)):
        for j, i in enumerate(chosen[flag]):
            check_spread(table[:, j], column_where(path, header, i))
    names = tuple([header[i] for i in chosen[flag]] if header else None for flag in flags)
    if names[0] and names[1] and set(names[0]) & set(names[1]):  # a header x,x: an input and an output of one name
        warn_data(_("{path}: the column name {name!r} is an input's and an output's, so the model keeps no column names "
                    "(they are taken by position)").format(path=path, name=sorted(set(names[0]) & set(names[1]))[0]))
        names = (None, None)
    kept = tuple(keepable_names(n) for n in names)  # names that could not pick the columns again are not kept
    for flag, n, k in zip(flags, names, kept):
        if n and not k:
            odd = next((c for c in n if unkeepable(c)), None)
            warn_data((_("{path}: the {flag} column {name!r} has a name that could not pick it again (blank, a comma or "
                         "an unprintable character), so the model keeps no names for its {flag} columns (they are taken "
                         "by position)").format(path=path, flag=flag, name=odd)
                       if odd is not None else
                       _("{path}: a {flag} column name is repeated, so the model keeps no names for its {flag} columns "
                         "(they are taken by position)").format(path=path, flag=flag)))
    return x, y, kept


FULL_WIDTH_COMMA = re.compile("[\uff0c\u3001]")  # ， and 、, a Chinese input method's commas


def comma_hint(text, valid):
    """ " (full-width characters: did you mean 'a,b'?)" where text holds a Chinese input method's commas (，、)
    and the list with ASCII commas passes valid(list of names) (a hint never suggests what is refused again)."""
    if not isinstance(text, str) or not FULL_WIDTH_COMMA.search(text):
        return ""
    parts = [c.strip() for c in FULL_WIDTH_COMMA.split(text)]
    try:
        if not valid(parts):
            return ""
    except Exception:  # (valid may raise what the names would raise)
        return ""
    return _(" (full-width characters: did you mean {text!r}?)").format(text=",".join(parts))


def _column(path, header, width, col, flag, several=False):
    """The index of a column chosen by 0-based index or header name; a name typed with full-width characters
    ('０', 'ｘ') that picks a column in ASCII is refused with that hint, and where the command takes several
    columns (several), a list joined by full-width commas ('a，b') whose names each pick one."""
    try:
        return _pick(path, header, width, col, flag)
    except DataError as e:
        hint = ascii_hint(col, lambda plain: _pick(path, header, width, plain, flag) + 1) if isinstance(col, str) else ""
        if not hint and several:
            hint = comma_hint(col, lambda parts: len({_column(path, header, width, c, flag) for c in parts}) == len(parts)
                              < width)  # (a column left for the other side: helper-88's two-column file)
        if not hint:
            raise
        raise DataError(str(e) + hint) from None


def _pick(path, header, width, col, flag):
    if is_numeric(col, numbers.Integral):
        col = str(int(col))
    if not isinstance(col, str):
        raise DataError(_("{path}: {flag} must be a column name or 0-based index, got {col!r}").format(path=path, flag=flag, col=col))
    name = col.strip()
    if re.fullmatch(r"-[0-9]+", name) and (header is None or name not in header):
        raise DataError(_("{path}: {flag} {col}: column indices start at 0 (the file has columns 0 to {last})").format(
            path=path, flag=flag, col=_short(col), last=width - 1))
    if INDEX.fullmatch(name) and (header is None or name not in header):
        i = int(name) if len(name) <= 20 else None  # (int() refuses past 4300 digits; no file has 10**20 columns)
        if i is None or not i < width:
            raise DataError(_("{path}: {flag} {col}: no such column (the file has columns 0 to {last})").format(
                path=path, flag=flag, col=_short(col), last=width - 1))
        return i
    if "," in name and all(INDEX.fullmatch(part.strip()) or header and part.strip() in header for part in name.split(",")):
        raise DataError(_("{path}: {flag} {col!r}: this command takes one column (nnfit fit takes several, "
                          "separated by commas)").format(path=path, flag=flag, col=col))
    if header is None:
        raise DataError(_("{path}: {flag} {col!r}: the file has no header, so pick columns by 0-based index").format(
            path=path, flag=flag, col=col))
    commas = [i for i, h in enumerate(header) if "," in h and name in (part.strip() for part in h.split(","))]
    if name not in header and commas:  # --x splits "a,b" at its comma: that column is reached by its index only
        raise DataError(_("{path}: {flag} {col!r}: no such column; the header's {name!r} has a comma, which {flag} "
                          "splits names at: pick that column by its index, {index}").format(
                            path=path, flag=flag, col=col, name=header[commas[0]], index=commas[0]))
    if name not in header:
        raise DataError(_("{path}: {flag} {col!r}: no such column; the header has {names}").format(
            path=path, flag=flag, col=col, names=shown_names(header, name)))
    if header.count(name) > 1:
        where = [i for i, h in enumerate(header) if h == name]
        raise DataError(_("{path}: {flag} {col!r}: columns {first} and {second} of the header both have that name; "
                          "pick one by its 0-based index").format(path=path, flag=flag, col=col, first=where[0], second=where[1]))
    return header.index(name)


def shown_names(header, wanted, limit=20):
    """A header's names for a message: all of them up to `limit`, else the closest to `wanted` and how many."""
    if len(header) <= limit:
        return ", ".join(map(repr, header))
    close = difflib.get_close_matches(wanted, header, n=5, cutoff=0.5) or header[:5]
    return _("{count} columns, among them {names}").format(count=len(header), names=", ".join(map(repr, close)))


def _number(path, line, column, text):
    where = _("{path}, line {line}, column {column!r}").format(path=path, line=line, column=column)
    if not text:
        raise DataError(_("{where}: empty cell").format(where=where))
    if NOT_FINITE.fullmatch(text):
        raise DataError(_("{where}: {text!r} is not a finite number").format(where=where, text=text))
    if not NUMBER.fullmatch(text):
        raise DataError(_("{where}: not a number: {text!r}").format(where=where, text=_short(text))
                        + ascii_hint(text, NUMBER.fullmatch))
    v = float(text)
    if not math.isfinite(v):
        raise DataError(_("{where}: {text!r} is too large for a number").format(where=where, text=_short(text)))
    if v == 0 and any(c in "123456789" for c in re.split("[eE]", text)[0]):  # 1e-400: not the 0 it would become
        raise DataError(_("{where}: {text!r} is too small for a number (below 5e-324 it is 0)").format(
            where=where, text=_short(text)))
    if abs(v) > MAX_MAGNITUDE:
        raise DataError(_("{where}: {text!r} is {beyond}").format(where=where, text=_short(text), beyond=beyond()))
    return v


TEXT_SUFFIXES = (".csv", ".tsv", ".txt")  # a data file's name, where a model file or a command was expected (a hint)


def too_small(e):
    """Whether the real number e (a Fraction, Decimal, long double, ...) is not 0 but float() makes it 0 (1e-400)."""
    try:
        return e != 0 and float(e) == 0.0
    except (TypeError, ValueError, OverflowError, decimal.InvalidOperation):
        return False


def too_large(e):
    """Whether the real number e (an int, Fraction, Decimal, ...) is finite but past float64's range: float()
    refuses it (an int like 10**400, a Fraction) or makes it inf (a Decimal)."""
    try:
        f = float(e)
    except OverflowError:
        return True
    except (TypeError, ValueError):
        return False
    return math.isinf(f) and isinstance(e, decimal.Decimal) and e.is_finite()


def _short(text, limit=60):
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"
