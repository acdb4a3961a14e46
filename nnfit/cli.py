"""The command line: `nnfit [train] ...`, `nnfit predict`, `nnfit explain`, `nnfit compare`, `nnfit fit`.

argparse lives only here; it builds a Config and calls the library. Epoch lines go to stdout (so
that they can be compared with the tutorial's output); messages go to stderr. Every expected failure
is one line on stderr and a non-zero exit: 2 for a bad option, 1 for bad data, a bad model file, an
unusable output directory or a diverged run.
"""
import argparse
import difflib
import fractions
import math
import os
import re
import signal
import sys
import threading
import unicodedata
import warnings

from . import __version__
from .__main__ import ENDING_NAMES
from .config import ACTIVATION_NAMES, DEVICE_NAMES, DTYPE_NAMES, ENGINE_NAMES, Config, ConfigError, any_digits
from .i18n import _, argparse_speaks, ascii_hint, kept as kept_language, listed, system_reason, use as use_language

COMMANDS = ("train", "predict", "explain", "compare", "fit", "play", "export")


class Failure(Exception):
    """An expected failure: print `message` on one line and exit with `status`."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


def columns(text):
    """How many terminal columns text takes: 2 for a wide (Chinese) character, 1 for others."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class WideFormatter(argparse.HelpFormatter):
    """argparse's help, wrapped by the columns a text takes: argparse counts characters, and a Chinese line of
    80 characters is 160 columns wide. Text without wide characters is wrapped as argparse does."""
    UNITS = re.compile(r"\s+|[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]|[^\s\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]+")
    NO_START = set("，。；：、）》」』！？")  # a line never begins with closing punctuation,
    NO_END = set("（《「『")  # nor ends with opening punctuation: the unit before it, or it, goes to the next line

    def _split_lines(self, text, width):
        if columns(text) == len(text):
            return super()._split_lines(text, width)
        lines, line, space = [], [], False  # line: its units, each with the space before it
        for unit in self.UNITS.findall(" ".join(text.split())):
            if unit.isspace():
                space = True
                continue
            line.append((" " if space and line else "") + unit)
            space = False
            if len(line) > 1 and columns("".join(line)) > width:
                keep = len(line) - 1  # the units that stay: all but the new one,
                while keep > 1 and (line[keep][0] in self.NO_START or line[keep - 1][-1] in self.NO_END):
                    keep -= 1  # fewer where the break would begin a line with '，' or end one with '（'
                if keep == 1 and len(line) > 1 and line[1][0] in self.NO_START:  # one long word and its '，': they
                    keep = 2  # stay together, past the width (only where a word fills a line)
                lines.append("".join(line[:keep]))
                line = [line[keep].lstrip()] + line[keep + 1:] if keep < len(line) else []
        return lines + ["".join(line)] if line else lines

    def _fill_text(self, text, width, indent):  # (the description: argparse fills it by characters too)
        if columns(text) == len(text):
            return super()._fill_text(text, width, indent)
        return "\n".join(indent + line for line in self._split_lines(text, width - len(indent)))

    def _format_usage(self, usage, actions, groups, prefix):  # ("用法：" is 6 columns but 3 characters)
        label = prefix if prefix is not None else _("usage: ")
        extra = columns(label) - len(label)
        self._width -= extra
        try:
            text = super()._format_usage(usage, actions, groups, prefix)
        finally:
            self._width += extra
        first, *rest = text.split("\n")  # its continuation lines line up under the first's by columns too (helper-88)
        return "\n".join([first] + [" " * extra + line if line.strip() else line for line in rest])

    def format_help(self):  # a Chinese heading ends with '：', as "用法：" does (argparse writes "%s:"; helper-88)
        return "\n".join(line[:-1] + "：" if line.endswith(":") and not line[:1].isspace() and len(line) < columns(line) else line
                         for line in super().format_help().split("\n"))


class Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", WideFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message):  # one line, not argparse's usage block
        raise Failure(_("{message} (see {prog} --help)").format(message=message, prog=self.prog), 2)

    def parse_args(self, args=None, namespace=None):
        """As argparse's, with a guess at what an unrecognized argument meant (a misspelt option or command),
        and the command's own --help named."""
        args, extras = self.parse_known_args(args, namespace)
        extras = [a for a in extras if a != "--"]  # (a bare -- ends the options, with nothing after it or not)
        if extras:
            command = self._subparsers and next((choice for action in self._subparsers._group_actions
                                                 for name, choice in getattr(action, "choices", {}).items()
                                                 if name == getattr(args, "command", None)), None)
            parser = command or self
            guess = next(filter(None, (misspelt(a, parser) for a in extras)), "")
            raise Failure(_("unrecognized arguments: {arguments}{guess} (see {prog} --help)").format(
                arguments=" ".join(extras), guess=guess, prog=parser.prog), 2)
        return args


def misspelt(argument, parser):
    """ " (did you mean --hidden?)" for an argument close to one of the parser's long options, or to a command
    (`nnfit trian`); else ""."""
    if argument.startswith("--"):
        flag = argument.partition("=")[0]
        if len(flag) < 4:  # ("--", "--x": too short to tell what was meant)
            return ""
        if flag == "--version" and flag not in parser._option_string_actions:  # `nnfit fit --version`
            return _(" (--version comes before the command: nnfit --version)")
        if flag in parser._option_string_actions:  # itself, after a bare --: it ended the options
            return _(" (after --, nothing is an option: put {option} before the --)").format(option=flag)
        options = [o for o in parser._option_string_actions if o.startswith("--")] + ["--version"]  # (nnfit's own)
        close = difflib.get_close_matches(flag, options, n=1, cutoff=0.8)
        return _(" (did you mean {option}?)").format(option=close[0]) if close else ""
    from .data import TEXT_SUFFIXES
    command = (getattr(parser, "prog", "").split() or [""])[-1]
    if argument.endswith(".safetensors") and command in ("explain", "compare"):
        return _(" (nnfit {command} takes its points from --data, not a model file)").format(command=command)
    if argument.lower().endswith(TEXT_SUFFIXES) and command in ("nnfit", "train", "fit", "explain", "compare"):
        return _(" (a data file goes after --data: {prog} --data {file})").format(prog=parser.prog, file=argument)
    if argument in COMMANDS:  # `nnfit --seed 0 fit`: a command after options (taken as train's)
        return _(" (a command comes first: nnfit {command} ...)").format(command=argument)
    if not argument.strip():  # (`nnfit ''`: the message showed nothing; helper-87)
        return _(" (an empty argument: {text!r})").format(text=argument)
    if not argument.startswith("-"):  # (TRAIN: train)
        close = difflib.get_close_matches(argument.lower(), COMMANDS, n=1, cutoff=0.6)
        return _(" (did you mean the command {command}?)").format(command=close[0]) if close else ""
    return ""


class Once(argparse.Action):
    """--x and --y: given twice, a one-line error (argparse would keep the last and drop the first without a word,
    where several columns are one list: --x a,b)."""

    several = True  # the command takes several columns

    def __call__(self, parser, namespace, values, option_string=None):
        first = getattr(namespace, self.dest, None)
        if first is not None:
            raise Failure((_("{flag} is given twice ({first!r} and {second!r}): several columns are one list, "
                             "{flag} {joined}") if self.several and first != values and first.strip() and values.strip()
                           else _("{flag} is given twice ({first!r} and {second!r})") if self.several else
                           _("{flag} is given twice ({first!r} and {second!r}); it takes one column")).format(
                flag=option_string, first=first, second=values, joined=f"{first},{values}"), 2)
        setattr(namespace, self.dest, values)


class OnceOne(Once):
    several = False  # (train, explain, compare: one column each)


class Single(argparse.Action):
    """--data, --csv, --out, --to, -o: given twice, a one-line error (argparse kept the last without a word:
    `predict M --csv a.csv --csv b.csv` predicted b's points alone; helper-84)."""

    def __call__(self, parser, namespace, values, option_string=None):
        first = getattr(namespace, self.dest, None)
        if first is not None:
            raise Failure(_("{flag} is given twice ({first!r} and {second!r}); it takes one value").format(
                flag=option_string, first=first, second=values), 2)
        setattr(namespace, self.dest, values)


REAL = re.compile(r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)", re.IGNORECASE)


def real(text):
    """argparse type for numbers written in ASCII: 0.01, -1e-3, inf (float() would also take '١' and '1_0')."""
    if not REAL.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(_("must be a number, got {text!r}").format(text=text)
                                         + ascii_hint(text, lambda t: REAL.fullmatch(t.strip())))
    value = float(text)
    written = re.split(r"[eE]", text.strip())[0]
    if value == 0 and any(c in "123456789" for c in written):  # 1e-400: the typed value, not the 0.0 it became
        raise argparse.ArgumentTypeError(_("{text} is too small for a float (below 5e-324 it is 0)").format(text=text.strip()))
    if math.isinf(value) and "n" not in text.lower():           # 1e400 (but inf as written is left to the option's check)
        raise argparse.ArgumentTypeError(_("{text} is too large for a float (at most 1.8e308)").format(text=text.strip()))
    return value


def exact_value(text):
    """The number a decimal text means, exactly (a Fraction), or None: not a number, inf, nan, or an
    exponent past 400 (never computed)."""
    written = text.strip()
    if not REAL.fullmatch(written) or "n" in written.lower():
        return None
    mantissa, _e, exponent = written.lower().partition("e")
    with any_digits():  # (4400 zeros before the digits: int() refuses past 4300)
        if exponent and abs(int(exponent)) > 400:
            return None
        return fractions.Fraction(mantissa) * fractions.Fraction(10) ** int(exponent or 0)


def integer(text):
    """argparse type for counts and seeds: 1000 or 1e3 (an integral value), as a Python int."""
    if re.fullmatch(r"[+-]?[0-9]+", text.strip()):
        with any_digits():
            return int(text)  # exact, however many digits
    exact = exact_value(text)  # 9007199254740993e0 is that integer, not the float it rounds to; 1.5e0 refused
    if exact is None and REAL.fullmatch(text.strip()) and "n" not in text.lower():  # an exponent past 400, never computed:
        mantissa, _e, exponent = text.strip().lower().partition("e")
        if fractions.Fraction(mantissa) == 0:
            return 0
        if int(exponent) > 0:  # (1e-500 is not an integer)
            raise argparse.ArgumentTypeError((_("is too large, got {text!r}") if fractions.Fraction(mantissa) > 0 else
                                              _("is too small, got {text!r}")).format(text=text))
    if exact is None or exact.denominator != 1:
        raise argparse.ArgumentTypeError(_("must be an integer, got {text!r}").format(text=text) + ascii_hint(text, integer))
    return int(exact)


def add_training_options(p, hidden=()):
    """The training options; those in `hidden` are still read (their command refuses them in one line) but not
    listed in --help (compare's --engine, explain's --models)."""
    d = Config()
    g = p.add_argument_group(_("network and recipe (the tutorial's by default)"))
    g.add_argument("--hidden", type=integer, default=d.hidden, help=_("neurons in the hidden layer (default %(default)s)"))
    g.add_argument("--activation", default=d.activation, help=" | ".join(ACTIVATION_NAMES) + _(" (default %(default)s)"))
    g.add_argument("--lr", type=real, default=d.lr, help=_("learning rate (default %(default)s)"))
    g.add_argument("--epochs", type=integer, default=d.epochs, help=_("passes over the data (default %(default)s)"))
    g.add_argument("--batch-size", type=integer, default=d.batch_size, help=_("samples per SGD step (default %(default)s)"))
    g.add_argument("--shuffle", action="store_true", help=_("seeded random sample order each epoch (default: data order)"))
    g.add_argument("--seed", type=integer, help=_("seed of the start, as torch.manual_seed (default: drawn and printed)"))
    g.add_argument("--engine", default=d.engine, help=" | ".join(ENGINE_NAMES) + _(" (default %(default)s)"))
    g.add_argument("--dtype", default=d.dtype, help=" | ".join(DTYPE_NAMES) + _(" (default %(default)s)"))
    g.add_argument("--models", type=integer, default=d.models, help=_("train M models at once, model k from seed + k (default 1)"))
    g.add_argument("--device", default=d.device, help=" | ".join(DEVICE_NAMES) + _(", for the matrix engine (default cpu)"))
    g = p.add_argument_group(_("data"))
    g.add_argument("--data", action=Single, metavar="FILE.csv", help=_("your own points: two numeric columns, header optional"))
    g.add_argument("--x", action=OnceOne, help=_("the x column of --data, by name or 0-based index"))
    g.add_argument("--y", action=OnceOne, help=_("the y column of --data, by name or 0-based index"))
    for action in p._actions:
        if set(action.option_strings) & set(hidden):
            action.help = argparse.SUPPRESS


def add_output_options(p):
    g = p.add_argument_group(_("output"))
    g.add_argument("--out", action=Single, metavar="DIR", help=_("new directory for the run's files (default runs/NNN, the next free number)"))
    g.add_argument("--no-plot", action="store_true", help=_("do not draw the plots (fit.png, loss.png; fit's diagnostics.png)"))
    g.add_argument("--show", action="store_true", help=_("also open the plot in a window when there is a screen"))
    g.add_argument("--lang", default="zh", help=_("language of the plots and messages: zh | en (default zh for the plots, as in the tutorial)"))
    g.add_argument("--quiet", action="store_true", help=_("print nothing but warnings and errors"))


def build_parser():
    p = Parser(prog="nnfit", description=_("Watch a small neural network learn to fit a curve, then fit your own. "
                                            "With no command: nnfit train."))
    p.add_argument("--version", action="version", version=f"nnfit {__version__}",
                   help=_("show program's version number and exit"))
    p.add_argument("--lang", dest="top_lang", default=argparse.SUPPRESS, metavar="LANG",
                   help=_("zh | en: the language of the help and messages (before or after the command)"))
    sub = p.add_subparsers(dest="command", parser_class=Parser)
    t = sub.add_parser("train", help=_("train the tutorial's network (the default command)"))
    add_training_options(t)
    add_output_options(t)
    g = t.add_argument_group(_("watch it learn"))
    g.add_argument("--terms", action="store_true", help=_("draw each neuron's term a_i·σ(w_i x + b_i) in fit.png"))
    g.add_argument("--animate", action="store_true", help=_("also write train.gif, one frame per epoch (at most 100, evenly spaced)"))
    g.add_argument("--keep-grads", action="store_true", help=_("never zero the gradients, as the chapter's section-4 loop literally does (scalar engine)"))
    r = sub.add_parser("predict", help=_("print x,y lines from a saved model"))
    r.add_argument("model", help=_("a model.safetensors written by nnfit"))
    r.add_argument("xs", nargs="*", default=[], metavar="X", help=_("x values (negative ones too: -1e5); for a model with d inputs, "
                                                         "each X is one point's d numbers joined by commas: 1,-2.5,3"))
    r.add_argument("--csv", action=Single, metavar="FILE", help=_("read the points from a CSV file: the columns the model was fitted on, by "
                                                   "name, else its first column (d inputs: a file of d columns); or --x"))
    r.add_argument("--x", action=Once, help=_("the input column(s) of --csv, by name or 0-based index, comma-separated"))
    r.add_argument("--std", action="store_true", help=_("also each prediction's standard deviation (x,y,std lines; "
                                                          "Bayesian fits): y +- 1.96 std is a 95%% interval"))
    e = sub.add_parser("explain", help=_("the ledger of one SGD step: forward, every gradient three ways, the update"))
    e.add_argument("--epoch", type=integer, default=1, help=_("which epoch (default 1)"))
    e.add_argument("--sample", type=integer, default=1, help=_("which step within the epoch, from 1 (default 1)"))
    e.add_argument("--lang", default="zh", help=_("zh | en (default zh, as the plots)"))
    e.add_argument("--json", action="store_true", help=_("print the ledger as JSON (the numbers of the nnfit play page)"))
    add_training_options(e, hidden=("--models",))
    e.set_defaults(engine="scalar")  # the chapter's per-neuron autograd
    c = sub.add_parser("compare", help=_("train every engine from the same start and compare"))
    add_training_options(c, hidden=("--engine",))
    f = sub.add_parser("fit", help=_("find a good curve: Levenberg-Marquardt, many starts, scaling, regularization"))
    add_fit_options(f)
    add_output_options(f)
    w = sub.add_parser("play", help=_("a live page in the browser: watch the network learn, step by step"))
    w.add_argument("--port", type=integer, default=0, help=_("port to serve on (default: a free one)"))
    w.add_argument("--host", default="127.0.0.1", help=_("address to serve on (default %(default)s: this machine only)"))
    w.add_argument("--no-browser", action="store_true", help=_("only print the URL; do not open a browser"))
    x = sub.add_parser("export", help=_("write the model as a self-contained function: python, c, js, latex or onnx"))
    x.add_argument("model", help=_("a model.safetensors written by nnfit"))
    x.add_argument("--to", action=Single, required=True, metavar="TARGET", help=_("python | c | js | latex | onnx"))
    x.add_argument("-o", "--output", action=Single, metavar="FILE", help=_("a new file to write (never overwritten; default stdout; onnx needs it)"))
    for q in (r, x, c, w):
        q.add_argument("--lang", help=_("zh | en: the messages' language (default: the locale's)"))
    return p


def config_from(args, **overrides):
    cfg = Config(hidden=args.hidden, activation=args.activation, lr=args.lr, epochs=args.epochs,
                 batch_size=args.batch_size, shuffle=args.shuffle, seed=args.seed, engine=args.engine,
                 dtype=args.dtype, models=args.models, device=args.device,
                 keep_grads=getattr(args, "keep_grads", False), **overrides)
    return validated(cfg)


def validated(cfg):
    try:
        return cfg.validate()
    except ConfigError as e:
        raise Failure(f"--{e.option.replace('_', '-')} {e.message}", 2) from None


def load_points(args):
    """x, y and their columns' header names (None: the tutorial's data, or a file without a header)."""
    from .data import read_csv, tutorial_data
    if args.data is None:
        if args.x is not None or args.y is not None:
            raise Failure(_("--x and --y pick columns of --data; give --data FILE.csv"), 2)
        return (*tutorial_data(), None)
    return read_csv(args.data, args.x, args.y, names=True)


def poor_fit_hint(model, x, y):
    """A warning where train mode's network on the user's data explains less than a quarter of y's variance: the
    tutorial's plain SGD on unscaled data (helper-88: a temperature file ended at loss 9.1, silently), which
    nnfit fit scales and fits."""
    import numpy as np
    spread = float(np.var(y))
    far = max(float(np.max(np.abs(x))), float(np.max(np.abs(y)))) > 5  # (the play page's USEFUL_X: σ flat beyond)
    if far and spread > 0 and np.isfinite(model.final_loss) and model.final_loss > 0.75 * spread:  # (below a quarter:
        # the tutorial's own points from a CSV explain 31% on some seeds, and were warned about; helper-89)
        print(_("nnfit: warning: the network explains {share:.0f}% of y's variance: train mode is the tutorial's plain "
                "SGD on your data as they are, and learns slowly where x or y are far from [-1, 1]; nnfit fit scales "
                "the data and fits them (or try more --epochs, another --lr)").format(
            share=max(0.0, 100 * (1 - model.final_loss / spread))), file=sys.stderr)


def keep_names(model, names):
    """The columns' names in the model, as fit mode keeps them, so that `predict --csv` reads the column
    trained on; names a later --x could not pick again (a comma, a control character) are not kept."""
    from .data import unkeepable
    if names and names[0] != names[1] and not any(unkeepable(n) for n in names):
        model.x_names, model.y_names = [names[0]], [names[1]]
    elif names and None not in names:
        from .data import DataWarning
        warnings.warn(DataWarning(_("the columns' names {x!r} and {y!r} cannot pick them again (blank, repeated, a comma "
                                    "or an unprintable character), so the model keeps none (they are taken by "
                                    "position)").format(x=names[0], y=names[1])))


def check_lang(lang):
    if lang not in ("zh", "en"):
        raise Failure(_("--lang must be zh or en; got {lang!r}").format(lang=lang), 2)


def say(args, message):
    """A line for the person at the terminal (the drawn seed, where the files went): best effort, so that a
    full stderr (2>/dev/full) does not turn a run that was written into a failure."""
    if not getattr(args, "quiet", False):
        try:
            print(one_line(message), file=sys.stderr)
        except OSError:
            pass


def seeded(cfg, args):
    """Draw a seed when none was given, and say it, so that any run can be repeated."""
    if cfg.seed is None:
        from .train import draw_seed
        cfg.seed = draw_seed()
        say(args, _("seed {seed} (repeat this run with --seed {seed})").format(seed=cfg.seed))
    return cfg


def cmd_train(args):
    import numpy as np
    from .params import Params
    from .runs import NewRunDir
    from .train import run
    check_output_options(args)
    cfg = config_from(args)
    x, y, names = load_points(args)
    out = out_dir(args)
    NewRunDir(out, auto=args.out is None)  # fail before training if the directory exists
    seeded(cfg, args)
    frames = []  # with --animate: the parameters after each epoch, (H,) each
    record = (lambda epoch, p: frames.append(Params(*(np.array(v[0]) for v in p)))) if args.animate else None
    result = run(cfg, x, y, out=None if args.quiet else sys.stdout, on_epoch=record if cfg.models == 1 else None)
    model = result if cfg.models == 1 else result.best
    keep_names(model, names)
    if args.data is not None and cfg.epochs >= Config.epochs:  # (a run of a few epochs is known to be short)
        poor_fit_hint(model, x, y)
    if cfg.models > 1:
        say(args, _("best of {models} models: model {index} (seed {seed}), final loss {loss:.6f}").format(
            models=cfg.models, index=result.best_index, seed=model.config.seed, loss=model.final_loss))
        if args.animate:  # the best model again, alone (the same numbers), recording its epochs
            run(model.config, x, y, on_epoch=record)
    from .plot import animate_training, plot_loss  # matplotlib itself is imported only when drawing
    extra = {} if args.no_plot else {"loss.png": lambda path: plot_loss(path, args.lang, model.history)}
    if args.animate:
        extra["train.gif"] = lambda path: animate_training(model, frames, x, y, path, args.lang, check=check_received)
    write_run(out, model, x, y, args, models=result if cfg.models > 1 else None, extra_files=extra)
    return 0


def check_output_options(args):
    """--lang, and the plot options that --no-plot leaves nothing to do for (helper-82: --show --no-plot was silent)."""
    check_lang(args.lang)
    for flag in ("--terms", "--show"):
        if args.no_plot and getattr(args, flag[2:], False):
            raise Failure(_("{flag} draws in fit.png, which --no-plot leaves out; drop one of them").format(flag=flag), 2)


def out_dir(args):
    """--out, or the next runs/NNN."""
    from .runs import next_run_dir
    if args.out is not None and not args.out.strip():
        raise Failure(_("--out must name a directory, got {value!r}").format(value=args.out), 2)
    if args.out == "-":  # (export -o - is standard output; a run is several files, so a folder named "-" was a surprise)
        raise Failure(_("--out -: a run is a folder of files and cannot go to standard output; name a directory "
                        "(./- for one called \"-\")"), 2)
    return args.out or next_run_dir()


def write_run(out, model, x, y, args, models=None, extra_files=None):
    """The run's directory (runs.write_run), with fit.png unless --no-plot and the command's own files."""
    from .runs import write_run as write
    check_received()
    sys.stdout.flush()  # the lines printed so far are out (a full stdout fails here, before anything is written)
    files = {}
    if not args.no_plot and len(getattr(x, "shape", ())) < 2:  # one input and one output: the curve
        from .plot import plot_fit
        files["fit.png"] = lambda path: plot_fit(model, x, y, path, lang=args.lang, show=args.show and has_screen(),
                                                 terms=getattr(args, "terms", False))
    files.update(extra_files or {})
    out, names = write(out, model, files, models, auto=args.out is None, check=check_received)
    say(args, _("wrote {out}/: {names}").format(out=out, names=listed(names)))


def has_screen():
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or sys.platform in ("darwin", "win32")


def cmd_predict(args):
    import numpy as np
    from .model import load
    if args.lang is not None:
        check_lang(args.lang)
    if args.csv is None and not args.xs:
        raise Failure(_("give x values or --csv FILE"), 2)
    if args.x is not None and args.csv is None:
        raise Failure(_("--x picks a column of --csv; give --csv FILE"), 2)
    model = load(args.model)
    d = model.n_inputs
    del rounded_integers[:]
    xs = [point(text, d) for text in args.xs]
    if rounded_integers:
        import warnings
        from .data import DataWarning
        text, value = rounded_integers[0]
        warnings.warn(DataWarning(_("X {text} is an integer beyond 2**53, where float64 cannot hold every integer, and is "
                                    "read as {value} ({count} such values in all)").format(
                                        text=text, value=int(value), count=len(rounded_integers))))
    if args.csv is not None:
        xs.extend(read_inputs(args.csv, args.x, model))
    xs = np.array(xs, dtype=np.float64).reshape(-1, d) if d > 1 else np.array(xs, dtype=np.float64)
    reg = model.extra.get("regularization") if isinstance(model.extra.get("regularization"), dict) else {}
    if args.std and model.posterior is None and reg.get("no_posterior"):
        from .fit.driver import no_interval_words
        raise Failure(_("--std: {model} is a Bayesian fit that kept no posterior: {why}").format(
            model=args.model, why=no_interval_words(reg, model.n_outputs)), 2)
    if args.std and model.posterior is None and model.extra.get("bayes"):
        raise Failure(_("--std: {model} is a Bayesian fit that kept no posterior: its covariance could not be held in "
                        "float64 (with --scale none, x far from 0 for its spread, or beyond 1e140); fit with --scale "
                        "standard for intervals").format(model=args.model), 2)
    if args.std and model.posterior is None:
        raise Failure(_("--std needs a model from a Bayesian fit (nnfit fit, 20 points or more); {model} has no posterior")
                      .format(model=args.model), 2)
    with np.errstate(all="ignore"):
        columns = [model.predict(xs, return_std=True) if args.std else (model.predict(xs),)][0]
    rows = [v.reshape(len(xs), -1) for v in (xs, *columns)]  # x, y_hat (and std): one row per point
    bad = ~np.isfinite(np.hstack(rows[1:])).all(axis=1)
    if bad.any():  # nothing printed: a number past float64's range is no prediction
        i = int(np.argmax(bad))
        at = rows[0][i]
        where = _("outside the training range") if model.outside(at if d > 1 else at[0]) else _("inside the training range")
        what = _("the prediction") if not np.isfinite(rows[1][i]).all() else _("the standard deviation")
        if np.isnan(np.hstack(rows[1:])[i]).any():  # (inf - inf inside the network: no number at all)
            raise Failure(_("{what} at x = {x} is undefined (NaN: the network's sums overflowed float64 there), "
                            "{where}").format(what=what, x=",".join(f"{v:g}" for v in at), where=where))
        raise Failure(_("{what} at x = {x} is past float64's range (over 1.8e308 in size), {where}").format(
            what=what, x=",".join(f"{v:g}" for v in at), where=where))
    outside = model.outside(xs)
    if outside and d == 1:
        lo, hi = model.x_range
        print(_("nnfit: warning: {outside} of {n} x values lie outside the training range [{lo:g}, {hi:g}]; "
                "the curve there is an extrapolation").format(outside=outside, n=len(xs), lo=lo, hi=hi), file=sys.stderr)
    elif outside:
        print(_("nnfit: warning: {outside} of {n} points lie outside the training range of some input; "
                "the fit there is an extrapolation").format(outside=outside, n=len(xs)), file=sys.stderr)
    for row in np.hstack(rows):
        print(",".join(repr(float(v)) for v in row))
    return 0


rounded_integers = []  # (text, value) of X arguments past 2**53 that float64 rounded: cmd_predict warns once


def point(text, d):
    """One X argument: a number, or with d inputs d numbers separated by commas (1,-2.5,3e4)."""
    import math
    parts = text.split(",") if d > 1 else [text]
    if d == 1 and "," in text.translate({0xFF0C: ","}):  # (helper-69: '1,,2' and '1,abc' too; helper-70: '1，5')
        raise Failure(_("X must be one number (the model has one input; give each point as its own argument: 1 2 3), "
                        "got {text!r}").format(text=text), 2)
    if len(parts) != d:
        raise Failure(_("X must be {d} numbers separated by commas (the model has {d} inputs), got {text!r}").format(
            d=d, text=text) + ascii_hint(text, lambda t: point(t, d)), 2)
    values = []
    for part in parts:
        try:
            values.append(real(part.strip()))
        except argparse.ArgumentTypeError as e:
            if REAL.fullmatch(part.strip()):  # a number past float's range (1e400, 1e-400): say which
                raise Failure(_("X {message}").format(message=e), 2) from None
            raise Failure((_("X must be a number, got {text!r}").format(text=text) if d == 1 else
                           _("X {text!r}: its number {i} of {d}, {part!r}, is not a number").format(
                               text=text, i=len(values) + 1, d=d, part=part.strip()))
                          + ascii_hint(text, lambda t: point(t, d)), 2) from None
        exact = exact_value(part) if abs(values[-1]) >= 2**53 else None
        typed = re.sub(r"[^0-9]", "", re.split("[eE]", part)[0]).strip("0")  # the digits given: 16 for 9007199254740993e0,
        if (exact is not None and exact.denominator == 1 and exact != values[-1] and len(typed) > 15  # 1 for 1e160
                and fractions.Fraction(repr(values[-1])) != exact):  # (not repr's own text of the float it reads
            # as: 1.7976931348623157e+308 is a float typed as Python prints it, not an integer typed in full)
            rounded_integers.append((part.strip(), values[-1]))
        if not math.isfinite(values[-1]):
            raise Failure((_("X must be a finite number, got {text!r}").format(text=text) if d == 1 else
                           _("X {text!r}: its number {i} of {d}, {part!r}, is not a finite number").format(
                               text=text, i=len(values), d=d, part=part.strip())), 2)
    return values if d > 1 else values[0]


def read_inputs(path, x_cols, model):
    """The points to predict at from a CSV file. One input: --x, else the column named as in the training
    data when the file's header has it, else the first column. d inputs: --x,
    else the columns named as in the training data (when the model knows their names and the file
    has a header: every name must be there), else a file of exactly d columns, in order."""
    import numpy as np
    from .data import DataError, _column, column_list, comma_hint, read_table
    d = model.n_inputs
    if d == 1 and x_cols is None and model.x_names:  # the column the model was fitted on, when the header has it
        key = _("the model's input")  # (what a message names: the user gave no --x)

        def column(width, header, _where):
            if header and model.x_names[0] in header:
                return {key: model.x_names[0]}
            if header and model.y_names and header[0] == model.y_names[0]:  # the first column is what it predicts
                raise DataError(_("{path}: the header has no column {name!r} (the model's input), and its first column, "
                                  "{first!r}, is the model's output; choose the input with --x").format(
                                      path=path, name=model.x_names[0], first=header[0]))
            return {key: 0}
        return list(read_table(path, column)[1][key])
    if d == 1 and x_cols is not None and len(column_list(x_cols)) != 1:
        raise DataError(_("{path}: --x names {count} columns, but the model has one input").format(
            path=path, count=len(column_list(x_cols))))
    if d == 1:
        from .data import read_x_csv
        return list(read_x_csv(path, x_cols))
    chosen = column_list(x_cols)

    def columns(width, header, _where):
        if chosen is not None:
            if len(chosen) != d:
                raise DataError((_("{path}: --x names {count} column, but the model has {d} inputs") if len(chosen) == 1 else
                                 _("{path}: --x names {count} columns, but the model has {d} inputs")).format(
                    path=path, count=len(chosen), d=d) + comma_hint(x_cols, lambda parts: len(parts) == d and len(
                        {_column(path, header, width, c, "--x") for c in parts}) == d))
            index = [_column(path, header, width, c, "--x", several=True) for c in chosen]
            for j, i in enumerate(index):
                if i in index[:j]:
                    raise DataError(_("{path}: column {name!r} is chosen twice in {flag}").format(
                        path=path, name=header[i] if header else str(i), flag="--x"))
            return {("--x", j): i for j, i in enumerate(index)}
        if header and model.x_names:
            missing = [n for n in model.x_names if n not in header]
            if missing:
                raise DataError(_("{path}: has no column {name!r}, one of the model's inputs ({names}); its header has "
                                  "{header}; pick the columns with --x").format(
                                    path=path, name=missing[0], names=", ".join(model.x_names),
                                    header=", ".join(map(repr, header))))
            return {(_("the model's input"), j): n for j, n in enumerate(model.x_names)}
        if width != d:
            raise DataError(_("{path}: has {width} columns, but the model takes {d} inputs; pick them with --x").format(
                path=path, width=width, d=d))
        return {("--x", j): j for j in range(d)}
    _header, values = read_table(path, columns)
    return list(np.column_stack([values[key] for key in sorted(values, key=lambda key: key[1])]))


def cmd_explain(args):
    import json
    from .explain import check_step, explain, ledger
    check_lang(args.lang)
    if args.models != 1:  # (before the options' own checks: scalar's "one model at a time" would send you elsewhere)
        raise Failure(_("--models: explain follows one model; drop --models"), 2)
    cfg = config_from(args)
    x, y, _names = load_points(args)
    try:
        check_step(cfg, len(x), args.epoch, args.sample)  # before a drawn seed is announced
    except ValueError as e:
        if numba_threads_refused(e):  # (the environment's, not an option: the last-resort line, status 1)
            raise
        raise Failure(str(e), 2) from None
    seeded(cfg, args)
    try:
        if args.json:
            print(json.dumps(ledger(cfg, x, y, args.epoch, args.sample), ensure_ascii=False, allow_nan=False))
        else:
            print(explain(cfg, x, y, epoch=args.epoch, sample=args.sample, lang=args.lang))
    except ValueError as e:
        if numba_threads_refused(e):
            raise
        raise Failure(str(e), 2) from None
    return 0


def cmd_compare(args):
    from .compare import check_work, compare
    if args.lang is not None:
        check_lang(args.lang)
    if args.engine != "auto":
        raise Failure(_("--engine: compare runs every engine side by side; drop --engine"), 2)
    cfg = config_from(args)
    x, y, _names = load_points(args)
    try:
        check_work(cfg, len(x))  # before a drawn seed is announced
    except ValueError as e:
        raise Failure(str(e), 2) from None
    cfg = seeded(cfg, args)
    print(compare(cfg, x, y))
    return 0


def add_fit_options(p):
    from .fit.config import OPTIMIZERS, REGULARIZATIONS, SCALINGS, FitConfig
    d = FitConfig()
    g = p.add_argument_group(_("fit (every part overridable)"))
    g.add_argument("--hidden", type=integer, default=d.hidden, help=_("neurons in the hidden layer (default %(default)s)"))
    g.add_argument("--activation", default=d.activation, help=" | ".join(("auto",) + tuple(ACTIVATION_NAMES)) + _(" (default %(default)s)")
                   + _("; auto: with Bayesian regularization, half the starts sigmoid and half relu, the evidence picks; "
                       "otherwise sigmoid"))
    g.add_argument("--optimizer", default=d.optimizer, help=" | ".join(OPTIMIZERS) + _(" (default %(default)s)"))
    g.add_argument("--starts", type=integer, default=d.starts, help=_("random starts trained at once (default %(default)s)"))
    g.add_argument("--seed", type=integer, help=_("seed of the starts and the split (default: drawn and printed)"))
    g.add_argument("--epochs", type=integer, default=d.epochs, help=_("most iterations (default %(default)s)"))
    g.add_argument("--scale", default=d.scale, help=" | ".join(SCALINGS) + _(" (default %(default)s)"))
    g.add_argument("--regularization", default=d.regularization,
                   help=" | ".join(REGULARIZATIONS) + _(" (default auto: bayes with lm from 20 points, else none)"))
    g.add_argument("--val-fraction", type=real, default=d.val_fraction, help=_("validation share for early stopping (default %(default)s)"))
    g.add_argument("--test-fraction", type=real, help=_("test share (default: as --val-fraction; 0 with bayes)"))
    g.add_argument("--patience", type=integer, help=_("early-stopping patience in epochs (default: 6 with lm, as MATLAB's; "
                                                      "50 with lbfgs; 200 with adam, momentum and sgd)"))
    g.add_argument("--goal", type=real, default=d.goal, help=_("stop at this training MSE, scaled units (default %(default)s)"))
    g.add_argument("--min-grad", type=real, default=d.min_grad, help=_("stop a start below this gradient norm (default %(default)s)"))
    g.add_argument("--mu", type=real, default=d.mu, help=_("LM first damping (default %(default)s)"))
    g.add_argument("--mu-max", type=real, default=d.mu_max, help=_("LM largest damping (default %(default)g)"))
    g.add_argument("--lr", type=real, default=d.lr, help=_("adam / momentum / sgd learning rate (default %(default)s)"))
    g = p.add_argument_group(_("data"))
    g.add_argument("--data", action=Single, metavar="FILE.csv", help=_("your own points: numeric columns, header optional"))
    g.add_argument("--x", action=Once, help=_("the input columns of --data, by name or 0-based index, comma-separated: --x a,b,c "
                                 "(default: the first of two columns, or every column not in --y)"))
    g.add_argument("--y", action=Once, help=_("the output columns of --data, the same way (default: the column not in --x)"))


def cmd_fit(args):
    from dataclasses import fields
    from .fit import FitConfig, fit_points, summary
    from .fit.config import MIN_SPLIT_POINTS
    from .fit.driver import split_indices
    from .plot import kept_last, plot_diagnostics, plot_loss, plot_targets
    from .runs import NewRunDir
    check_output_options(args)
    cfg = validated(FitConfig(**{f.name: getattr(args, f.name) for f in fields(FitConfig) if hasattr(args, f.name)}))
    unused = (["--lr"] if cfg.optimizer in ("lm", "lbfgs") and cfg.lr != FitConfig.lr else []) + \
             [flag for flag, name in (("--mu", "mu"), ("--mu-max", "mu_max"))
              if cfg.optimizer != "lm" and getattr(cfg, name) != getattr(FitConfig, name)]
    if unused:  # (helper-67: set, and silently not used)
        print(_("nnfit: warning: the {optimizer} optimizer does not use {flags}").format(
            optimizer=cfg.optimizer, flags=" or ".join(unused)), file=sys.stderr)
    x, y, names = load_table(args)
    ignored = [flag for flag, given in (("--val-fraction", args.val_fraction != FitConfig.val_fraction),
                                        ("--patience", args.patience is not None)) if given]
    if ignored and cfg.bayes(len(x)):  # (helper-72: Bayesian regularization has no validation split to watch)
        print(_("nnfit: warning: Bayesian regularization trains on every point, with no validation split: {flags} "
                "not used (early stopping, --regularization none, watches a validation split)").format(
            flags=listed(ignored)), file=sys.stderr)
    elif ignored and len(x) < MIN_SPLIT_POINTS:  # (helper-74: nor is there a split below 20 points)
        print(_("nnfit: warning: {n} points are too few for a validation split (it needs {least} or more): {flags} "
                "not used").format(n=len(x), least=MIN_SPLIT_POINTS, flags=listed(ignored)), file=sys.stderr)
    if args.test_fraction != FitConfig.test_fraction and cfg.test_fraction and len(x) < MIN_SPLIT_POINTS:  # (helper-84)
        print(_("nnfit: warning: {n} points are too few for a test split (it needs {least} or more): --test-fraction "
                "not used").format(n=len(x), least=MIN_SPLIT_POINTS), file=sys.stderr)
    out = out_dir(args)
    NewRunDir(out, auto=args.out is None)
    from .fit.driver import check_fit, slow_words
    from .fit.network import Shape
    shape = Shape(x.shape[1], cfg.hidden, y.shape[1], bias=True)
    check_fit(cfg, len(x), shape)  # (before a drawn seed is said)
    seeded(cfg, args)
    slow = slow_words(cfg, len(x), shape)
    if slow:  # before the fit, which can take minutes (fit_points' own warning is not shown here: helper-69)
        print(_("nnfit: warning: {message}").format(message=one_line(slow)), file=sys.stderr)
    from .data import DataWarning
    with warnings.catch_warnings():  # the fit's own warnings (the constant kept) are in model.extra: printed below, once
        warnings.simplefilter("ignore", DataWarning)
        model = fit_points(cfg, x, y, progress=None if not args.quiet else False, names=names)
    if not args.quiet:
        print(summary(model))
    e = model.extra
    for warning in e["warnings"]:
        print(_("nnfit: warning: {message}").format(message=warning), file=sys.stderr)  # --quiet keeps warnings
    index = dict(zip(("train", "val", "test"), split_indices(cfg, len(x))))  # the points of each split
    assert [len(i) for i in index.values()] == e["split"]
    one = x.shape[1] == y.shape[1] == 1  # one input and one output: fit.png is the curve (write_run)
    plots = {} if args.no_plot else {
        **({} if one else {"fit.png": lambda path: plot_targets(model, x, y, index, path, args.lang, args.show and has_screen())}),
        "loss.png": lambda path: plot_loss(path, args.lang, model.history, e["val_history"] or None,
                                           e["test_history"] or None, e["best_epoch"], last=kept_last(e)),
        "diagnostics.png": lambda path: plot_diagnostics(model, x, y, index, path, args.lang)}
    write_run(out, model, x[:, 0] if one else x, y[:, 0] if one else y, args, extra_files=plots)
    return 0


def load_table(args):
    """Fit mode's data: x (N, d), y (N, k) and the columns' names (data.read_columns)."""
    from .data import read_columns, tutorial_data
    if args.data is None:
        if args.x is not None or args.y is not None:
            raise Failure(_("--x and --y pick columns of --data; give --data FILE.csv"), 2)
        x, y = tutorial_data()
        return x[:, None], y[:, None], (None, None)
    return read_columns(args.data, args.x, args.y)


def every_interface(host):
    """Whether --host binds every network interface: 0.0.0.0, ::, and their other spellings (0, ::0, 0:0:0:0:0:0:0:0)."""
    import ipaddress
    import socket
    try:  # (inet_aton's short forms too, as the bind reads them: 0.0, 00, 0x0; helper-70)
        return socket.inet_aton(host) == bytes(4) if host.strip() == host and host.isascii() else False
    except OSError:
        pass
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def cmd_play(args):
    from .config import shown_int
    if args.lang is not None:
        check_lang(args.lang)
    if not 0 <= args.port <= 65535:
        raise Failure(_("--port must be between 0 and 65535, got {port}").format(port=shown_int(args.port)), 2)
    if not args.host.strip():  # an empty host would listen on every interface, not this machine only
        raise Failure(_("--host must name an address (127.0.0.1 serves this machine only), got {host!r}").format(
            host=args.host), 2)
    try:
        import starlette, uvicorn  # noqa: F401  (the optional extra `play`)
    except ImportError as e:
        raise Failure(_("nnfit play needs its extra packages ({name} is missing): pip install 'nnfit[play]'").format(
            name=e.name)) from None
    from .play.server import URLUnseen, serve
    if every_interface(args.host):  # (on purpose only: docs/page.md; helper-68 found no word of it here)
        print(_("nnfit: warning: --host {host} serves every network interface: anyone who can reach this machine can "
                "use the page").format(host=args.host.strip()), file=sys.stderr)
    try:
        serve(args.host, args.port, open_browser=not args.no_browser and has_screen())
    except URLUnseen as e:  # (`nnfit play | true`: it served on, silently, on a port no one knew; helper-68)
        raise Failure(_("standard output's reader had left: no one could see the page's address ({url}), so it is not "
                        "served").format(url=e)) from None
    except OSError as e:
        if e.filename is not None:  # not the socket: standard output (Output names it), the browser's files
            raise
        where = f"--host {args.host}" + (f" --port {args.port}" if args.port else "")  # (port 0: any free one)
        raise Failure(_("{where}: cannot serve there: {error}").format(where=where, error=system_reason(e))) from None
    RECEIVED[:] = [sig for sig in RECEIVED if sig != signal.SIGINT]  # Ctrl-C is how the page's server stops
    return 0


def cmd_export(args):
    from .export import TARGETS, export, write_new
    from .model import load
    if args.lang is not None:
        check_lang(args.lang)
    if args.to not in TARGETS:
        raise Failure(_("--to must be one of {targets}; got {to!r}").format(targets=", ".join(TARGETS), to=args.to), 2)
    if args.to == "onnx" and args.output in (None, "-"):
        raise Failure(_("--to onnx writes a binary file: give -o FILE.onnx"), 2)
    if args.output is not None and not args.output.strip():
        raise Failure(_("-o must name a file, got {value!r}").format(value=args.output), 2)
    model = load(args.model)
    try:
        content = export(model, args.to, source=os.path.basename(args.model))
    except ModuleNotFoundError as e:
        if e.name != "onnx":
            raise
        raise Failure(_("--to onnx needs the onnx package, not installed here: pip install 'nnfit[export]'"), 2) from None
    if args.output in (None, "-"):  # -: stdout, as usual on a command line
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None or str(getattr(sys.stdout, "encoding", "utf-8")).lower().replace("-", "") == "utf8":
            sys.stdout.write(content)
        else:  # code is UTF-8 whatever the terminal's encoding (latin-1 made a Python export that does not import)
            sys.stdout.flush()
            try:
                buffer.write(content.encode("utf-8"))
                buffer.flush()
            except BrokenPipeError:
                sys.stdout.reader_left()
    else:
        write_new(args.output, content)
        print(_("wrote {file}").format(file=args.output), file=sys.stderr)  # (as train and fit say where their files went)
    return 0


def shows_chinese():
    """Whether standard output and standard error can both be written Chinese in their encodings
    (PYTHONIOENCODING=ascii or latin-1 cannot: the messages would be backslash escapes)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            "错误：".encode(getattr(stream, "encoding", None) or "utf-8")
        except (UnicodeEncodeError, LookupError):
            return False
    return True


def chosen_language(argv):
    """The value of --lang in argv when it is zh or en (before argparse, whose help it translates); the
    last one, as argparse takes it (`nnfit --lang zh train --lang en`: en)."""
    chosen = None
    for k, a in enumerate(argv):
        flag, eq, rest = a.partition("=")
        is_lang = len(flag) >= 4 and "--lang".startswith(flag)  # --la, --lan: argparse's abbreviations of --lang
        value = (argv[k + 1] if k + 1 < len(argv) else None) if is_lang and not eq else rest if is_lang else None
        if value in ("zh", "en"):
            chosen = value
    return chosen


def leading_languages(argv):
    """The values of the --lang options that begin argv, as prepare() leaves them before nnfit's own --help or
    --version (before a command it moves them after it, where the command checks them)."""
    values, i = [], 0
    while i < len(argv) and (argv[i] == "--lang" and i + 1 < len(argv) or argv[i].startswith("--lang=")):
        values.append(argv[i + 1] if argv[i] == "--lang" else argv[i].partition("=")[2])
        i += 2 if argv[i] == "--lang" else 1
    return values


NEGATIVE_NUMBER = re.compile(r"-(?:[0-9]|\.[0-9]|inf|nan)", re.IGNORECASE)
PREDICT_VALUE_OPTIONS = ("--csv", "--x", "--lang")


def prepare(argv):
    """argv as argparse should see it. `nnfit` alone, or `nnfit --seed 0`, is `nnfit train`; `--lang`
    before a command goes after it;
    `--lr -1e-3` becomes `--lr=-1e-3` (argparse takes -1e-3 for an option); `predict M -1e5 -2`
    gets its model and X values after `--`, so that negative and scientific numbers are values."""
    argv = [str(a) for a in argv]
    for i, a in enumerate(argv):  # a leading --la / --lan / --la=zh is --lang (argparse takes abbreviations)
        flag, eq, value = a.partition("=")
        if len(flag) >= 3 and "--lang".startswith(flag):
            argv[i] = flag and "--lang" + eq + value
        elif not (i and argv[i - 1] == "--lang"):
            break
    lead = 0  # the leading --lang options (one or several)
    while lead < len(argv) and (argv[lead] == "--lang" and lead + 1 < len(argv) or argv[lead].startswith("--lang=")):
        lead += 2 if argv[lead] == "--lang" else 1
    if lead and argv[lead:lead + 1] and argv[lead] in COMMANDS:  # `nnfit --lang zh fit ...`: the command first
        argv = [argv[lead]] + argv[:lead] + argv[lead + 1:]
    elif argv[lead:lead + 1] and argv[lead] in ("-h", "--help", "--version"):  # `nnfit --lang zh --help`: nnfit's own
        return argv
    elif argv[lead:lead + 1] and len(argv[lead]) >= 5 and "--version".startswith(argv[lead]):  # --ver, as argparse
        return argv[:lead] + ["--version"] + argv[lead + 1:]  # would take it were it not for the default command
    elif argv[lead:] == ["--lang"]:  # `nnfit --lang` with no value: nnfit's own option, so its error points at nnfit --help
        return argv
    if not argv or argv[0] not in COMMANDS + ("-h", "--help", "--version"):
        argv.insert(0, "train")
    if argv[0] == "predict":
        options, values, rest = [], [], argv[1:]
        while rest:
            a = rest.pop(0)
            if a == "--":
                values += rest
                break
            if a in PREDICT_VALUE_OPTIONS and rest:
                options += [a, rest.pop(0)]
            elif a.startswith("-") and a != "-" and not NEGATIVE_NUMBER.match(a):  # (- alone: a value)
                options.append(a)
            else:
                values.append(a)
        return ["predict"] + options + ["--"] + values
    out = []
    for a in argv:
        if out and out[-1].startswith("--") and "=" not in out[-1] and NEGATIVE_NUMBER.match(a):
            out[-1] = f"{out[-1]}={a}"
        else:
            out.append(a)
    return out


ENDING_SIGNALS = tuple(getattr(signal, name) for name in ENDING_NAMES if hasattr(signal, name))  # (__main__'s note)


class Terminated(BaseException):
    """An ending signal arrived; the status is 128 + its number, as the shell reports a process it killed."""

    def __init__(self, signum=signal.SIGTERM):
        super().__init__(signum)
        self.signum = signum

    def status(self):
        return 128 + int(self.signum)

    def message(self):
        if self.signum == signal.SIGTERM:
            return _("terminated")
        return _("terminated by {signal}").format(signal=signal.Signals(self.signum).name)


RECEIVED = []  # the ending signals and Ctrl-Cs that came during this command (one may be swallowed where it was raised)


def on_sigterm(signum, frame):
    RECEIVED.append(signum)
    raise Terminated(signum)


def on_sigint(signum, frame):
    RECEIVED.append(signum)
    raise KeyboardInterrupt


def check_received():
    """Raise Terminated (KeyboardInterrupt for a Ctrl-C) for a signal that came but whose exception something
    swallowed (an import machinery's or a library's handler, a garbage collection inside matplotlib while
    a plot is drawn): before a run is written, and between an animation's frames, so that it still ends
    the command."""
    if RECEIVED:
        if RECEIVED[0] == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated(RECEIVED[0])


class Output:
    """sys.stdout while a command runs. When its reader goes away (`nnfit train | head -1`), later
    lines are dropped and the command carries on: the run is still written, and the status is 0.
    A write that fails otherwise (/dev/full) raises, naming standard output, and what is still buffered
    is dropped, so that Python's own flush at exit does not fail a second time with a traceback."""

    def __init__(self, stream, program=False):
        self.stream, self.gone = stream, stream is None  # None: started with stdout closed
        self.program = program  # the nnfit command (__main__), not a Python caller of main()
        self.failed = None  # the error of a write that failed (argparse's --help and --version swallow it)

    def write(self, text):
        if not self.gone:
            try:
                return self.stream.write(text)
            except BrokenPipeError:
                self.reader_left()
            except OSError as e:  # /dev/full: say where
                self.fail(e)
        return len(text)

    def flush(self):
        if not self.gone:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self.reader_left()
            except OSError as e:
                self.fail(e)

    def fail(self, e):
        self.failed = OSError(e.errno, e.strerror, _("standard output"))
        self.reader_left()
        raise self.failed from None

    def reader_left(self):
        """What the stream still holds is dropped: for the nnfit command, by pointing its file descriptor at
        /dev/null for good (Python's own flush at exit then writes there, silently); for a Python caller of
        main(), by flushing it there and giving the descriptor back as it was (so that its flush at exit has
        nothing left to fail on, and its own later writes meet the stream as it is)."""
        self.gone = True
        try:
            fd, kept = self.stream.fileno(), None
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                if not self.program:
                    kept = os.dup(fd)
                os.dup2(null, fd)
                if kept is not None:
                    self.stream.flush()
            finally:
                os.close(null)
                if kept is not None:
                    os.dup2(kept, fd)
                    os.close(kept)
        except (OSError, ValueError, AttributeError):
            pass

    def __getattr__(self, name):
        return getattr(self.stream, name)


def show_warning(message, category, *rest, **kw):
    """A warning nnfit gives (a DataWarning: nnfit.data is not imported for it) as one line; any other is not for users."""
    if category.__name__ == "DataWarning" and category.__module__ == "nnfit.data":
        print(_("nnfit: warning: {message}").format(message=one_line(message)), file=sys.stderr)


def main(argv=None, program=False):
    """Run one command; return the exit status. Every failure is one line on stderr, never a traceback:
    2 for a bad option, 1 for bad data, model file, output directory or a diverged run, 1 and a request
    to report it for anything unexpected, 130 for Ctrl-C, 143 for SIGTERM (128 + the signal's number for
    SIGHUP, SIGUSR1, SIGUSR2 and SIGALRM). The language it chose is the caller's again when it returns, and
    standard output's file descriptor is left as it is (program: the nnfit command, `__main__`, whose output
    that could not be written is then dropped, so that Python's own flush at exit does not fail again)."""
    with kept_language():
        return run_command(argv, program)


def run_command(argv, program):
    argv = prepare(sys.argv[1:] if argv is None else argv)
    del RECEIVED[:]
    if use_language(chosen_language(argv)) == "zh" and not shows_chinese():  # help and messages: --lang zh|en, else
        use_language("en")  # the locale's; English where the terminal's encoding has no Chinese (helper-87: \uXXXX)
    stdout, sigterm = sys.stdout, None
    try:
        sys.stdout = Output(stdout, program)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # NumPy's floating-point warnings and the like: not for users
            warnings.filterwarnings("default", category=UserWarning)  # then shown only if nnfit's own DataWarning:
            warnings.showwarning = show_warning                        # matplotlib's point into nnfit's frames too
            if threading.current_thread() is threading.main_thread():
                sigterm = {sig: signal.signal(sig, on_sigterm) for sig in ENDING_SIGNALS  # (or __main__'s, until now)
                           if signal.getsignal(sig) == signal.SIG_DFL or getattr(signal.getsignal(sig), "nnfit_early", 0)}
                if callable(signal.getsignal(signal.SIGINT)):  # Python's (or __main__'s) handler, not ignored
                    sigterm[signal.SIGINT] = signal.signal(signal.SIGINT, on_sigint)
            for lang in leading_languages(argv):  # `nnfit --lang fr --help`: as a command's own --lang would be
                check_lang(lang)
            with argparse_speaks():  # argparse's own words in the chosen language too
                args = build_parser().parse_args(argv)
            try:
                os.getcwd()
            except FileNotFoundError:
                raise Failure(_("the current directory no longer exists (it was removed): cd to another one")) from None
            if stdout is None and (args.command in ("predict", "explain", "compare", "play")
                                   or args.command == "export" and not args.output):
                raise Failure(_("standard output is closed: nnfit {command} prints its result there").format(
                    command=args.command))
            status = globals()[f"cmd_{args.command}"](args)
            check_received()  # a signal that was swallowed on the way: the status says it came
            sys.stdout.flush()  # a full stdout fails here, in one line, not in Python's flush at exit
            return status
    except SystemExit as e:  # --help, --version
        code = e.code if isinstance(e.code, int) else 0 if e.code is None else 2
        try:
            sys.stdout.flush()  # the help is all out, or its error is known now (not at exit, unseen)
        except OSError:
            pass
        failed = getattr(sys.stdout, "failed", None)
        if code == 0 and stdout is None:  # started with stdout closed: the help or version went nowhere
            failed = Failure(_("standard output is closed: nnfit {command} prints its result there").format(
                command="--version" if "--version" in argv else "--help"))
        if code != 0 or failed is None:
            return code
        status, message = 1, str(failed) if isinstance(failed, Failure) else describe(failed)
    except Failure as e:
        status, message = e.status, str(e)
    except ConfigError as e:
        status, message = 2, f"--{e.option.replace('_', '-')} {e.message}"
    except (KeyboardInterrupt, Terminated) as e:
        status, message = (130, _("interrupted")) if isinstance(e, KeyboardInterrupt) else (e.status(), e.message())
    except BrokenPipeError:  # stdout's reader left while nothing was being written (Output covers the rest)
        return 0
    except Exception as e:
        from .__main__ import interrupted
        ended = cause_of_kind(e, Terminated)  # a signal inside matplotlib's writer, hidden by its IndexError
        status, message = ((130, _("interrupted")) if interrupted(e) else (ended.status(), ended.message()) if ended
                           else (1, describe(e)))  # Ctrl-C in an import
    finally:
        for sig, handler in (sigterm or {}).items():
            signal.signal(sig, handler)
        sys.stdout = stdout
        try:
            Output(stdout, program).flush()
        except OSError:  # (the command failed first, or --help's output: said below or by the status)
            pass
    try:
        print(_("nnfit: error: {message}").format(message=one_line(message)), file=sys.stderr)
    except OSError:  # a full stderr: the status still says what happened
        pass
    return status


def cause_of_kind(e, kind):
    """The exception of that kind among e and what caused it (its __cause__ / __context__ chain), or None."""
    seen = set()
    while e is not None and id(e) not in seen:
        if isinstance(e, kind):
            return e
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return None


def one_line(text):
    """text on one line: a line break (in a file name, an argument) written as \\n, never a second line, and
    other control characters (a file name's ESC [2J would clear the terminal) as Python writes them, \\x1b."""
    text = str(text).strip().replace("\r\n", "\n").replace("\r", "\\r").replace("\n", "\\n")
    return CONTROL.sub(lambda m: repr(m.group(0))[1:-1], text)


CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # (a tab is left as it is)


def numba_threads_refused(e):
    """Whether e is Numba refusing the environment's NUMBA_NUM_THREADS (a ValueError on its import)."""
    first = (str(e).strip().splitlines() or [""])[0]
    return isinstance(e, ValueError) and os.environ.get("NUMBA_NUM_THREADS") is not None and "threads" in first


def describe(e):
    """The line for an exception that is not a Failure or a ConfigError."""
    from .data import DataError
    from .model import ModelFileError
    from .runs import RunDirError
    from .train import TrainingDiverged
    first = (str(e).strip().splitlines() or [""])[0]  # for foreign messages (NumPy's, matplotlib's)
    if isinstance(e, (DataError, ModelFileError, RunDirError, TrainingDiverged)):
        return str(e)  # nnfit's own: whole (a file name may hold a line break; main writes it as \n)
    if isinstance(e, MemoryError):
        return _("out of memory; try fewer --models, --epochs or --hidden, or fewer points")
    if isinstance(e, ModuleNotFoundError) and e.name:  # an optional dependency that is not installed
        extra = {"torch": "torch", "starlette": "play", "uvicorn": "play", "websockets": "play", "onnx": "export",
                 "onnxruntime": "export"}.get(e.name.split(".")[0])
        package = {"PIL": "pillow", "yaml": "pyyaml", "sklearn": "scikit-learn"}.get(e.name.split(".")[0],
                                                                                  e.name.split(".")[0])  # (import names
        return _("{name} is not installed: pip install {package}").format(  # that are not their pip packages' names)
            name=e.name, package=f"'nnfit[{extra}]'" if extra else package)
    if isinstance(e, OSError) and e.strerror:  # (main writes a line break in the file name as \n)
        return _("{file}: {error}").format(file=e.filename, error=system_reason(e)) if e.filename else system_reason(e)
    threads = os.environ.get("NUMBA_NUM_THREADS")
    if numba_threads_refused(e):  # Numba's words
        return _("NUMBA_NUM_THREADS={value!r} in the environment is not a number of threads Numba can use: unset it, "
                 "or set it to 1 or more").format(value=threads)
    backend = os.environ.get("MPLBACKEND")
    if isinstance(e, ValueError) and backend and "backend" in first and repr(backend) in first:  # matplotlib's words
        return _("MPLBACKEND={backend!r} is not a matplotlib backend: unset it, or name one such as Agg").format(
            backend=backend)
    return _("internal error: {kind}: {message} (please report this)").format(kind=type(e).__name__, message=first)


if __name__ == "__main__":
    sys.exit(main())
