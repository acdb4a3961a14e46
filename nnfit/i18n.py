"""The command line's language: Chinese help texts and messages through the standard gettext machinery.

The catalog is nnfit/locale/zh_CN/LC_MESSAGES/nnfit.po; its compiled nnfit.mo is committed beside it.
After editing the .po, compile it again with GNU gettext's msgfmt (Debian package `gettext`):

    msgfmt -o nnfit/locale/zh_CN/LC_MESSAGES/nnfit.mo nnfit/locale/zh_CN/LC_MESSAGES/nnfit.po

(tests/test_i18n.py fails when the two disagree, and names every _("...") of nnfit/cli.py that the .po
lacks: add those entries by hand). The .po also holds argparse's own words ("usage: ", "options", its
error messages), which argparse_speaks() routes through the same catalog. `_()` translates once `use("zh")` was called, or when
no language was chosen and the locale is Chinese: the first of LANGUAGE, LC_ALL, LC_MESSAGES, LANG that
is set, as gettext reads them, starting with zh (zh_CN, zh_TW, ...). English otherwise.
"""
from contextlib import contextmanager
import errno
import gettext
import os

LOCALE_DIR = os.path.join(os.path.dirname(__file__), "locale")
_translation = None  # the chosen catalog; None until use() or the first _()


def locale_language(environ=os.environ):
    """'zh' when the locale gettext would read is Chinese, else 'en'."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return "zh" if value.split(":")[0].lower().startswith("zh") else "en"
    return "en"


def use(lang=None):
    """Choose the language of _(): 'zh', 'en', or None for the locale's."""
    global _translation
    lang = lang or locale_language()
    _translation = gettext.translation("nnfit", LOCALE_DIR, languages=["zh_CN"], fallback=True) \
        if lang == "zh" else gettext.NullTranslations()
    return lang


@contextmanager
def speaking(lang):
    """_() in `lang` ('zh' or 'en') for the duration, then the language chosen before (the live page answers
    each message in both languages; its messages are carried out one at a time, on one thread)."""
    global _translation
    saved = _translation
    use(lang)
    try:
        yield
    finally:
        _translation = saved


@contextmanager
def kept():
    """The language chosen before the block, again after it (nnfit.cli.main chooses its command's, and a Python
    caller's later messages keep theirs)."""
    global _translation
    saved = _translation
    try:
        yield
    finally:
        _translation = saved


def _(message):
    """The message in the chosen language (itself when the catalog has no translation)."""
    if _translation is None:
        use()
    return _translation.gettext(message)


def listed(items):
    """The items as a list in the chosen language: "a, b" in English, "a，b" (full-width) in Chinese."""
    return _(", ").join(items)


@contextmanager
def argparse_speaks():
    """argparse's own words ('usage:', 'options', its error messages) through _() while the parser is
    built and used, then argparse as it was: argparse looks up its module-level `_` on each call."""
    import argparse
    saved = argparse._
    argparse._ = _
    try:
        yield
    finally:
        argparse._ = saved


FULL_WIDTH = {**{chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}, "\u3000": " ", "。": "."}


def ascii_hint(text, valid):
    """ " (full-width characters: did you mean '1.5'?)" where text has a Chinese or Japanese input method's
    full-width characters ('１．５', '３，４', '１。５') and nothing else beyond ASCII, and their ASCII form passes
    valid(plain) (a hint never suggests what would be refused again); else ""."""
    if text.isascii() or not all(c.isascii() or c in FULL_WIDTH for c in text):
        return ""
    plain = "".join(FULL_WIDTH.get(c, c) for c in text)
    try:
        result = valid(plain)  # (a match, a value: 0 too; None or False where it is not valid)
    except Exception:  # (valid may raise what the value would raise)
        return ""
    if result is None or result is False:
        return ""
    shown = plain if len(plain) <= 60 else plain[:60] + "..."
    return _(" (full-width characters: did you mean {text!r}?)").format(text=shown)


def system_reason(e):
    """An OSError's reason in the chosen language: the system's own words (its strerror) in English, and
    for the errors a file or a port meets most, the same words from the catalog otherwise (the system's
    stay English in a Chinese message when Python runs under another locale, as it mostly does)."""
    text = e.strerror or str(e)
    if _translation is None:
        use()
    if type(_translation) is gettext.NullTranslations:  # English (or no catalog)
        return text
    known = {
        errno.ENOENT: _("No such file or directory"), errno.EACCES: _("Permission denied"),
        errno.EPERM: _("Operation not permitted"), errno.EISDIR: _("Is a directory"),
        errno.ENOTDIR: _("Not a directory"), errno.EEXIST: _("File exists"),
        errno.ENOSPC: _("No space left on device"), errno.EROFS: _("Read-only file system"),
        errno.ELOOP: _("Too many levels of symbolic links"), errno.ENAMETOOLONG: _("File name too long"),
        errno.EIO: _("Input/output error"), errno.EPIPE: _("Broken pipe"), errno.EINVAL: _("Invalid argument"),
        errno.ENXIO: _("No such device or address"), errno.EBUSY: _("Device or resource busy"),
        errno.EDQUOT: _("Disk quota exceeded"), errno.EFBIG: _("File too large"),
        errno.EADDRINUSE: _("Address already in use"), errno.EADDRNOTAVAIL: _("Cannot assign requested address"),
        errno.ENOTEMPTY: _("Directory not empty"), errno.EXDEV: _("Invalid cross-device link"),
        errno.EMFILE: _("Too many open files"),
    }
    if type(e).__name__ == "gaierror":  # (a host name that does not resolve: getaddrinfo's own codes, below 0)
        import socket
        known = {getattr(socket, name): words for name, words in (
            ("EAI_NONAME", _("Name or service not known")), ("EAI_AGAIN", _("Temporary failure in name resolution")),
            ("EAI_NODATA", _("No address associated with hostname")), ("EAI_FAIL", _("Non-recoverable failure in name resolution")),
            ("EAI_FAMILY", _("Address family for hostname not supported"))) if hasattr(socket, name)}
    return known.get(e.errno, text)


# safetensors' own words (its Rust errors) in a message, and their Chinese: the first pattern that matches the start of
# the rest of the text, in turn; what follows a known start (a tensor's name, serde's detail) is kept as it is
LIBRARY_WORDS = (
    (r"Error while deserializing header: ", "cannot read the file's header: "),
    (r"Error while serializing: ", "cannot write: "),
    (r"header too large", "the header is too large"),
    (r"header too small", "the header is too small"),
    (r"invalid header length", "the header's length is not valid"),
    (r"invalid header start", "the header's start is not valid"),
    (r"invalid header deserialization", "the header cannot be decoded"),
    (r"invalid shape, data type, or offset for tensor ", "the shape, data type or offset is not valid for tensor "),
    (r"invalid offset for tensor ", "the offset is not valid for tensor "),
    (r"incomplete metadata, file not fully covered", "incomplete metadata: the tensors do not cover the file"),
    (r"invalid JSON in header: ", "the header is not valid JSON: "),
    (r"I/O error: ", "input/output error: "),
)


def library_reason(text):
    """A library's error text (safetensors': "Error while deserializing header: header too large") in the chosen
    language: in Chinese its known parts from the catalog, and an OS error's "(os error N)" as system_reason says N;
    English keeps the library's words (helper-87: English inside a Chinese line)."""
    import re
    if _translation is None:
        use()
    if type(_translation) is gettext.NullTranslations:
        return text
    os_error = re.fullmatch(r"(.*?I/O error: ).*\(os error (\d+)\)", text, re.S)
    if os_error:  # "I/O error: File too large (os error 27)": the system's reason for errno 27, from the catalog
        number = int(os_error.group(2))
        return library_reason(os_error.group(1)) + system_reason(OSError(number, os.strerror(number)))
    out, rest = "", text
    while rest:
        known = next(((start, words) for start, words in LIBRARY_WORDS if rest.startswith(start)), None)
        if known is None:
            break
        out, rest = out + _(known[1]), rest[len(known[0]):]
    return out + rest
