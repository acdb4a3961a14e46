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
    return known.get(e.errno, text)
