"""Help texts and messages in Chinese with --lang zh or a zh_* locale, English otherwise (gettext)."""
import argparse
import ast
import gettext
import os
import subprocess
import sys

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
