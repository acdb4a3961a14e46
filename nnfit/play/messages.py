"""The page's messages: every one checked (size, JSON, type, fields, ranges), then carried out.

A message is a JSON object with a "type":
    {"type": "state"}                                   resend everything
    {"type": "settings", "seed": 0, "hidden": 5, ...}   any of seed, hidden, activation, lr, batch_size,
                                                        shuffle; restarts from the seed's start
    {"type": "reset"}                                   restart from the seed's start
    {"type": "step"}                                    one SGD step (one sample or mini-batch)
    {"type": "epoch", "count": 1}                       finish the epoch in progress, then more (1-1000)
    {"type": "points", "x": [...], "y": [...]}          replace the points (2-2000)
    {"type": "csv", "name": "a.csv", "text": "..."}     points from a CSV file's text
    {"type": "tutorial"}                                the tutorial's 10 points again
Optional "history_from": N asks for the loss history from epoch N on (what the page lacks).
The answer is the session's state, or {"type": "error", "en": ..., "zh": ..., "request": type}.
"""
import json
import warnings

from ..config import ConfigError
from ..data import DataError
from ..i18n import speaking
from .session import MAX_EPOCHS_PER_CALL, MAX_POINTS, Refused

MAX_MESSAGE = 256 * 1024  # characters; a CSV of MAX_POINTS lines fits
FIELDS = {
    "state": set(), "reset": set(), "step": set(), "tutorial": set(),
    "settings": {"seed", "hidden", "activation", "lr", "batch_size", "shuffle"},
    "epoch": {"count"}, "points": {"x", "y"}, "csv": {"name", "text"},
}


def answer(session, text):
    """The reply (a dict) to one message's text; never raises for anything a client can send."""
    request = None
    try:
        message = parse(text)
        request = message.pop("type")
        history_from = message.pop("history_from", 0)
        if isinstance(history_from, bool) or not isinstance(history_from, int) or history_from < 0:
            raise Refused("history_from must be an integer >= 0", "history_from 必须是 ≥ 0 的整数")
        try:
            with speaking("en"):
                carry_out(session, request, dict(message))
        except (ConfigError, DataError) as e:  # nnfit's own checks: the same message in Chinese too (a refused
            english = e  # change leaves the session as it was, so it is made again, in Chinese, to be refused)
            try:
                with speaking("zh"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # (its warnings were given once already, in English)
                    carry_out(session, request, dict(message))
            except (ConfigError, DataError) as chinese:
                raise Both(english, chinese) from None
            raise
        return session.state(min(history_from, len(session.history)) if request not in ("reset", "settings") else 0)
    except Refused as e:
        return error(e.en, e.zh, request)
    except Both as e:
        if isinstance(e.en, ConfigError):
            return error(f"{label(e.en.option, 'en')}: {e.en.message}",
                         f"{label(e.zh.option, 'zh')}：{e.zh.message}", request)
        return error(f"bad points: {e.en}", f"数据有误：{e.zh}", request)
    except ConfigError as e:  # (where the Chinese attempt was not refused alike: English in both)
        return error(f"{e.option} {e.message}", f"设置 {e.option} 无效：{e.message}", request)
    except DataError as e:
        return error(f"bad points: {e}", f"数据有误：{e}", request)


class Both(Exception):
    """One refusal, as nnfit's checks word it in English (en) and in Chinese (zh)."""

    def __init__(self, en, zh):
        super().__init__(str(en))
        self.en, self.zh = en, zh


LABELS = {"seed": ("Seed", "随机种子"), "hidden": ("Hidden neurons", "隐藏神经元数"), "activation": ("Activation", "激活函数"),
          "lr": ("Learning rate lr", "学习率 lr"), "batch_size": ("Batch size", "批大小"),
          "shuffle": ("Shuffle the samples each epoch", "每轮打乱样本顺序")}  # (the controls' labels, static/i18n.js)


def label(option, lang):
    """A setting as the page's controls name it."""
    names = LABELS.get(option)
    return names[lang == "zh"] if names else option


def parse(text):
    if not isinstance(text, str):
        raise Refused("messages must be JSON text, not binary", "消息必须是 JSON 文本，不能是二进制")
    if len(text) > MAX_MESSAGE:
        raise Refused(f"message too large: {len(text)} characters, at most {MAX_MESSAGE}",
                      f"消息太大：{len(text)} 个字符，最多 {MAX_MESSAGE}")
    try:
        message = json.loads(text, parse_constant=reject_constant, parse_int=small_int)
    except json.JSONDecodeError as e:  # (Python's own words are English: the place is said in both languages)
        raise Refused(f"not valid JSON: {e}", f"不是有效的 JSON：第 {e.lineno} 行第 {e.colno} 列出错") from None
    except (ValueError, RecursionError) as e:
        raise Refused(f"not valid JSON: {e}", f"不是有效的 JSON：{e}") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str) or message["type"] not in FIELDS:
        raise Refused(f"a message is a JSON object whose type is one of {', '.join(FIELDS)}",
                      f"消息必须是 JSON 对象，type 为 {', '.join(FIELDS)} 之一")
    if not valid_unicode(message):  # a lone surrogate ("\ud800" is valid JSON) cannot be written or sent back
        raise Refused("text in a message must be valid Unicode (no lone surrogates such as \\ud800)",
                      "消息中的文本必须是有效的 Unicode（不能有 \\ud800 这样单独的代理码位）")
    extra = sorted(set(message) - FIELDS[message["type"]] - {"type", "history_from"})
    if extra:
        raise Refused(f"{message['type']}: unknown field {extra[0]!r}", f"{message['type']}：未知字段 {extra[0]!r}")
    return message


def valid_unicode(message):
    """Whether every string in the message (keys too, at any depth) can be encoded as UTF-8."""
    stack = [message]
    while stack:  # a loop, not recursion: JSON nests deeper than Python's recursion limit allows
        value = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(value, dict):
            stack.extend(value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return True


def reject_constant(name):
    raise ValueError(f"{name} is not a number JSON allows")


def small_int(digits):
    if len(digits.lstrip("-")) > 20:
        raise ValueError(f"an integer of {len(digits)} digits is too long")
    return int(digits)


def carry_out(session, request, m):
    if request == "settings":
        session.settings(**m)
    elif request == "reset":
        session.restart()
    elif request == "step":
        session.step()
    elif request == "epoch":
        count = m.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_EPOCHS_PER_CALL:
            raise Refused(f"count must be an integer from 1 to {MAX_EPOCHS_PER_CALL}, got {count!r}",
                          f"count 必须是 1 到 {MAX_EPOCHS_PER_CALL} 的整数，收到 {count!r}")
        session.epochs(count)
    elif request == "points":
        x, y = m.get("x"), m.get("y")
        for name, v in (("x", x), ("y", y)):
            if not isinstance(v, list) or len(v) > MAX_POINTS or \
                    not all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in v):
                raise Refused(f"{name} must be a list of at most {MAX_POINTS} numbers",
                              f"{name} 必须是最多 {MAX_POINTS} 个数的列表")
        session.set_points(x, y)
    elif request == "csv":
        name, text = m.get("name", "points.csv"), m.get("text")
        if not isinstance(name, str) or len(name) > 200 or not isinstance(text, str):
            raise Refused("csv needs a name (text, at most 200 characters) and the file's text",
                          "csv 需要文件名（最多 200 个字符）和文件内容")
        session.load_csv(name, text)
    elif request == "tutorial":
        session.tutorial_points()


def error(en, zh, request=None):
    short = lambda text: text if len(text) <= 300 else text[:300] + "…"  # it may quote what was sent
    return {"type": "error", "en": short(en), "zh": short(zh), "request": request}
