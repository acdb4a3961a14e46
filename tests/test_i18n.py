"""Help texts and messages in Chinese with --lang zh or a zh_* locale, English otherwise (gettext)."""
import argparse
import ast
import gettext
import os
import re
import string
import subprocess
import sys

import pytest

from nnfit import i18n

PO = os.path.join(i18n.LOCALE_DIR, "zh_CN", "LC_MESSAGES", "nnfit.po")
MO = PO[:-2] + "mo"


def read_po(path):
    """{msgid: msgstr} of a .po file (plain entries, strings possibly split over lines)."""
    catalog, key, current = {}, None, None
    entries = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith(("msgid ", "msgstr ")):
                key, text = line.split(" ", 1)
                current = [key, ast.literal_eval(text)]
                entries.append(current)
            elif line.startswith('"') and current is not None:
                current[1] += ast.literal_eval(line)
    for (k1, msgid), (k2, msgstr) in zip(entries[::2], entries[1::2]):
        assert (k1, k2) == ("msgid", "msgstr")
        if msgid:
            catalog[msgid] = msgstr
    return catalog


def run_nnfit(env_lang, *argv):
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    env["LANG"] = env_lang
    return subprocess.run([sys.executable, "-m", "nnfit", *argv], env=env, capture_output=True, text=True, timeout=60)


def test_help_follows_the_locale():
    zh = run_nnfit("zh_CN.UTF-8", "--help")
    assert zh.returncode == 0 and "用法：" in zh.stdout and "显示本帮助并退出" in zh.stdout, zh.stdout + zh.stderr
    en = run_nnfit("C", "--help")
    assert en.returncode == 0 and "usage:" in en.stdout and "用法" not in en.stdout, en.stdout + en.stderr


def test_chinese_falls_back_to_english_where_the_terminal_has_no_chinese(monkeypatch):
    """A Chinese locale (or --lang zh) whose stdout and stderr are ASCII or Latin-1 (PYTHONIOENCODING): the messages are
    English, not backslash escapes (helper-87); a UTF-8 one keeps Chinese."""
    for encoding, argv in (("ascii", ("fit", "--hidden", "0")), ("latin-1", ("train", "--lang", "zh", "--hidden", "0"))):
        monkeypatch.setenv("PYTHONIOENCODING", encoding)
        run = run_nnfit("zh_CN.UTF-8", *argv)
        assert (run.returncode, run.stderr) == (2, "nnfit: error: --hidden must be >= 1, got 0\n"), run.stderr
    monkeypatch.setenv("PYTHONIOENCODING", "utf-8")
    run = run_nnfit("zh_CN.UTF-8", "fit", "--hidden", "0")
    assert (run.returncode, run.stderr) == (2, "nnfit：错误：--hidden 必须 >= 1，收到的是 0\n"), run.stderr


def test_lang_option_wins_over_the_locale(cli, monkeypatch):
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C")
    status, out, err = cli("train", "--lang", "zh", "--help")
    assert status == 0 and "用法：" in out and "隐藏层神经元个数" in out, out
    status, out, err = cli("train", "--lang", "zh", "--hidden", "0", "--no-plot")
    assert status == 2 and err.startswith("nnfit：错误："), err
    monkeypatch.setenv("LANG", "zh_TW.UTF-8")
    status, out, err = cli("train", "--lang", "en", "--hidden", "0", "--no-plot")
    assert status == 2 and err.startswith("nnfit: error: "), err
    assert argparse._ is gettext.gettext  # argparse is left as it was


def test_chinese_lists_use_the_full_width_comma(cli, tmp_path):
    """helper-88: the files written were listed with ASCII commas inside a Chinese line."""
    status, out, err = cli("train", "--lang", "zh", "--epochs", "1", "--no-plot", "--out", str(tmp_path / "r"))
    assert status == 0 and err.endswith("/：model.safetensors，history.csv\n"), err


def test_chinese_help_text(capsys, monkeypatch):
    from nnfit.cli import main
    monkeypatch.setenv("LANGUAGE", "zh_CN")
    assert main(["train", "--help"]) == 0
    out = capsys.readouterr().out
    assert "隐藏层" in out and "学习率" in out and "--keep-grads" in out, out


def test_locale_language():
    assert i18n.locale_language({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert i18n.locale_language({"LANGUAGE": "zh_TW:en", "LANG": "C"}) == "zh"
    assert i18n.locale_language({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en"
    assert i18n.locale_language({}) == "en"


def test_catalog_covers_the_cli_and_is_compiled():
    po = read_po(PO)
    with open(MO, "rb") as f:
        mo = gettext.GNUTranslations(f)
    assert {k: mo.gettext(k) for k in po} == po, "nnfit.mo is older than nnfit.po: run msgfmt (see nnfit/i18n.py)"
    with open(os.path.join(os.path.dirname(i18n.__file__), "cli.py"), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    wrapped = {node.args[0].value for node in ast.walk(tree) if isinstance(node, ast.Call)
               and getattr(node.func, "id", None) == "_" and node.args and isinstance(node.args[0], ast.Constant)}
    missing = sorted(m for m in wrapped if not po.get(m))
    assert len(wrapped) > 40 and not missing, missing


CJK = re.compile(r"[\u4e00-\u9fff]")
LIBRARY_ERRORS = [  # (argv, the locale, status, the English line); predict has no --lang: the locale chooses
    (["train", "--lr", "0", "--no-plot"], "C.UTF-8", 2, "nnfit: error: --lr must be a finite number > 0, got 0.0"),
    (["train", "--data", "bad.csv", "--no-plot"], "C.UTF-8", 1,
     "nnfit: error: bad.csv, line 3, column 'y': not a number: 'abc'"),
    (["predict", "bad.safetensors", "1"], None, 1, "nnfit: error: bad.safetensors: not a readable safetensors model file ("),
    (["train", "--lr", "1e6", "--seed", "0", "--no-plot", "--quiet"], "C.UTF-8", 1,
     "nnfit: error: the loss became nan at epoch 1 with lr 1e+06; try a smaller learning rate (--lr 0.1 does not diverge from "
     "this start in 50 epochs) or scaled data"),
]


def test_library_errors_follow_the_language(cli, monkeypatch):
    """The library's own messages (ConfigError, DataError, ModelFileError, TrainingDiverged) in Chinese
    under --lang zh or a Chinese locale, one line, the same status; English word for word otherwise."""
    with open("bad.csv", "w") as f:
        f.write("x,y\n1,2\n3,abc\n4,5\n")
    with open("bad.safetensors", "w") as f:
        f.write("junk\n")
    for argv, locale, status, english in LIBRARY_ERRORS:
        monkeypatch.setenv("LANG", locale or "zh_CN.UTF-8")
        got, out, err = cli(*argv, *(["--lang", "zh"] if locale else []))
        lines = err.splitlines()
        assert got == status and len(lines) == 1 and lines[0].startswith("nnfit：错误："), (argv, got, err)
        assert CJK.search(lines[0][len("nnfit：错误："):]) and "Traceback" not in out + err, err
        monkeypatch.setenv("LANG", locale or "C")
        got, out, err = cli(*argv, *(["--lang", "en"] if locale else []))
        assert got == status and err.startswith(english) and err.count("\n") == 1 and not CJK.search(err), (argv, got, err)
    missing = os.path.abspath("missing.csv")
    zh = run_nnfit("zh_CN.UTF-8", "train", "--data", missing, "--no-plot")  # the locale, in a fresh process
    assert zh.returncode == 1 and zh.stderr == f"nnfit：错误：{missing}：文件不存在\n", zh.stderr


def test_the_systems_reasons_speak_the_language(cli, monkeypatch):
    """An error the system reports (a model path through a file, a run folder inside one) gives its reason
    in Chinese under --lang zh, as the rest of the line (it stayed English: helper-79); English is the
    system's own words. Every errno the catalog knows has a Chinese text."""
    import errno
    with open("plain.txt", "w") as f:
        f.write("x\n")
    for argv, reason_zh, reason_en in ((["predict", "plain.txt/m.safetensors", "1"], "不是目录", os.strerror(errno.ENOTDIR)),):
        got, out, err = cli(*argv, "--lang", "zh")
        assert got == 1 and err.startswith("nnfit：错误：") and err.rstrip().endswith(reason_zh), err
        got, out, err = cli(*argv, "--lang", "en")
        assert got == 1 and err.rstrip().endswith(reason_en) and not CJK.search(err), err
    i18n.use("zh")
    try:
        for code in (errno.ENOENT, errno.EACCES, errno.EISDIR, errno.ENOSPC, errno.EROFS, errno.ELOOP, errno.EADDRINUSE):
            assert CJK.search(i18n.system_reason(OSError(code, os.strerror(code)))), code
        assert i18n.system_reason(OSError(errno.ECHILD, "No child processes")) == "No child processes"  # not in the catalog
    finally:
        i18n.use("en")
    assert i18n.system_reason(OSError(errno.ENOENT, "No such file or directory")) == "No such file or directory"


def test_safetensors_words_speak_the_language(cli):
    """safetensors' own words inside a line (a damaged model file, a write that fails) are Chinese under --lang zh, an
    OS error's "(os error N)" the system's reason (helper-87); English keeps the library's words."""
    import socket
    assert cli("train", "--seed", "0", "--epochs", "2", "--no-plot", "--out", "m", "--quiet")[0] == 0
    data = open("m/model.safetensors", "rb").read()
    with open("big.safetensors", "wb") as f:
        f.write(b"\xff" * 8 + data[8:])  # a header length past the file
    got, out, err = cli("predict", "big.safetensors", "1", "--lang", "zh")
    assert got == 1 and "（无法读取文件头：文件头过大）" in err, err
    got, out, err = cli("predict", "big.safetensors", "1", "--lang", "en")
    assert got == 1 and "(Error while deserializing header: header too large)" in err and not CJK.search(err), err
    i18n.use("zh")
    try:
        assert i18n.library_reason("Error while serializing: I/O error: File too large (os error 27)") == \
            "无法写入：输入输出错误：文件过大"
        assert i18n.library_reason("Error while deserializing header: invalid offset for tensor `w`") == \
            "无法读取文件头：偏移无效，张量 `w`"
        assert i18n.library_reason("something else entirely") == "something else entirely"
        assert i18n.system_reason(socket.gaierror(socket.EAI_NONAME, "Name or service not known")) == "未知的名称或服务"
    finally:
        i18n.use("en")
    assert i18n.library_reason("Error while serializing: I/O error: File too large (os error 27)") == \
        "Error while serializing: I/O error: File too large (os error 27)"


def test_library_messages_in_chinese_keep_their_values():
    i18n.use("zh")
    try:
        from nnfit.config import ConfigError, check_number
        from nnfit.data import DataError, read_csv
        with pytest.raises(ConfigError) as e:
            check_number("lr", 0.0, 0, low_open=True)
        assert str(e.value) == "lr 必须是有限数 > 0，收到的是 0.0"
        with pytest.raises(DataError) as e:
            read_csv("no-such-file.csv")
        assert str(e.value) == "no-such-file.csv：文件不存在"
    finally:
        i18n.use("en")
    with pytest.raises(ConfigError, match=r"^lr must be a finite number > 0, got 0\.0$"):
        check_number("lr", 0.0, 0, low_open=True)


def library_msgids():
    """{msgid: 'file:line'} of every _("...") constant in nnfit/ (the command line and the library)."""
    found = {}
    root = os.path.dirname(i18n.__file__)
    for folder, _dirs, files in os.walk(root):
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as f:
                    tree = ast.parse(f.read())
                for node in ast.walk(tree):
                    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_" and node.args \
                            and isinstance(node.args[0], ast.Constant):
                        found.setdefault(node.args[0].value, f"{os.path.relpath(path, root)}:{node.lineno}")
    return found


def test_catalog_covers_the_library():
    po = read_po(PO)
    found = library_msgids()
    missing = sorted(f"{where}: {m!r}" for m, where in found.items() if not po.get(m))
    assert len(found) > 140 and not missing, missing
    fields = lambda s: sorted((n, c, spec) for _t, n, spec, c in string.Formatter().parse(s) if n is not None)
    for msgid, msgstr in po.items():  # a translation keeps every {placeholder} of its template, nothing else
        if "{" in msgid:
            assert fields(msgid) == fields(msgstr), (msgid, msgstr)


def test_no_module_rebinds_the_underscore():
    """`_` is gettext's in every module that imports it: `_, x = ...` there would shadow it."""
    root = os.path.dirname(i18n.__file__)
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            if not name.endswith(".py") or name == "i18n.py":
                continue
            with open(path, encoding="utf-8") as f:
                source = f.read()
            if "i18n import _" not in source and "i18n import (_" not in source:
                continue
            for node in ast.walk(ast.parse(source)):
                assert not (isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store)), \
                    f"{path}:{node.lineno}"
                assert not (isinstance(node, ast.arg) and node.arg == "_"), f"{path}:{node.lineno}"


def line_points():
    """100 noisy points of 2x + 1 (tests/test_line.py's seed 0), where a fit keeps the straight line."""
    import numpy as np
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 100)
    return x, 2 * x + 1 + rng.normal(0, 0.1, 100)


def test_fit_summary_in_chinese():
    """The fit summary (nnfit fit's report) in Chinese under zh: no English words left but the names of
    options, activations and metrics, whatever stopped the kept start; English word for word otherwise."""
    import numpy as np
    import nnfit
    from nnfit.fit.report import summary
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, 60)
    y = np.sin(x) + rng.normal(0, 0.1, 60)
    fits = [nnfit.fit(seed=0), nnfit.fit(x, y, seed=0), nnfit.fit(x, y, seed=0, regularization="none"),
            nnfit.fit(x, y, seed=0, epochs=2), nnfit.fit(x, y, seed=0, optimizer="lbfgs", regularization="none"),
            nnfit.fit(np.c_[x, x ** 2], np.c_[y, y], seed=0, epochs=3, x_names=["a", "b"]),
            nnfit.fit(x, np.abs(x) + np.random.default_rng(2).normal(0, 0.1, 60), seed=2, hidden=10),  # auto picks relu
            nnfit.fit(*line_points(), seed=0, hidden=10)]  # the straight line kept
    assert fits[-2].extra["activation"]["chosen"] == "relu" and fits[-1].extra["line"]["kept"]
    allowed = {"lm", "lbfgs", "sigmoid", "relu", "standard", "MSE", "RMSE", "E_D", "gamma", "mu", "mu_max", "min_grad", "epochs",
               "BFGS"}
    i18n.use("zh")
    try:
        texts = [summary(m) for m in fits]
    finally:
        i18n.use("en")
    for m, text in zip(fits, texts):
        english = set(re.findall(r"[A-Za-z_]{2,}", text)) - allowed
        assert not english and CJK.search(text), (english, m.extra["stopped"], text)
        assert summary(m).startswith("fit: ") and not CJK.search(summary(m))
    assert len({m.extra["stopped"].split(" (")[0] for m in fits}) >= 4  # the kept starts stopped for different reasons


def test_chinese_help_fits_the_terminals_columns(cli, monkeypatch):
    """argparse wraps help by characters; a Chinese character takes two columns (helper-54: 109 columns at 80).
    Every line of every command's Chinese help but the usage fits in COLUMNS; the English help is argparse's own."""
    import unicodedata
    from nnfit.cli import COMMANDS
    width = lambda line: sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
    words = {}
    for columns in (1000, 80, 61, 47, 33):
        monkeypatch.setenv("COLUMNS", str(columns))
        for command in (None,) + COMMANDS:
            status, out, _err = cli("--lang", "zh", *([command] if command else []), "--help")
            assert status == 0 and "显示本帮助并退出" in out
            words.setdefault(command, "".join(out.split()))
            assert "".join(out.split()) == words[command]  # nothing lost or repeated by the wrapping
            lines = [line for line in out.splitlines() if line.strip()]
            # the lines of Chinese text (argparse's own "--activation ACTIVATION" or "{train,...}" it never breaks)
            assert all(width(line) <= columns for line in lines if width(line) > len(line)), (
                columns, command, [line for line in lines if width(line) > columns])
            assert not any(line.lstrip()[0] in "，。；：、）" or line.rstrip()[-1] in "（《" for line in lines), (columns, command)
    monkeypatch.setenv("COLUMNS", "80")  # the usage's lines line up by columns, and headings end as "用法：" does (helper-88)
    status, out, _err = cli("--lang", "zh", "train", "--help")
    usage = out.splitlines()
    assert usage[0].startswith("用法：nnfit train [-h]") and usage[1].startswith(" " * width("用法：nnfit train ") + "[--")
    assert "\n选项：\n" in out and "\n网络与训练方法（默认同教程）：\n" in out and ":\n" not in out
