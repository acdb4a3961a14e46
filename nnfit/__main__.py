"""`python -m nnfit` and the `nnfit` command (pyproject.toml's [project.scripts] points here).

Only `sys` is imported before the CLI, inside a handler for Ctrl-C: an interrupt while the rest
loads ends the command quietly, with status 130, instead of printing a traceback; one after the
command is done is ignored (ignore_late_signals).
"""
import sys

PYTHON_HOOK = sys.unraisablehook  # read here, not in run(): there every statement is inside the try
# Signals whose default is to end the process at once (SIGQUIT, SIGXCPU, ...: with a core dump): they unwind like
# Ctrl-C instead, so that a run being written is removed (SIGHUP: the terminal closed or ssh dropped; SIGXCPU: a CPU
# time limit, ulimit -t; helper-87: SIGQUIT and SIGXCPU left a half-written run, silently)
ENDING_NAMES = ("SIGTERM", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGQUIT", "SIGXCPU", "SIGVTALRM", "SIGPROF")


def run():
    seen = []  # a Ctrl-C has come: the first one is noted, then raised as Python's own handler does
    loaded = []  # the CLI, once imported: from then on its own handler answers every failure
    try:
        import signal

        def note_interrupt(signum, frame):
            seen.append(signum)
            raise KeyboardInterrupt

        note_interrupt.nnfit_early = True  # (the CLI's own handlers replace it once it is loaded)
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, note_interrupt)
        for name in ENDING_NAMES:  # (helper-87: a SIGTERM in the first 0.3 s ended the command silently)
            sig = getattr(signal, name, None)
            if sig is not None and signal.getsignal(sig) == signal.SIG_DFL:
                signal.signal(sig, note_interrupt)
        # Ctrl-C that lands inside one of the import system's callbacks cannot stop anything: Python
        # reports it as "Exception ignored" with a traceback and goes on. Say nothing instead (the command
        # goes on as Python does; a second Ctrl-C stops it). Everything else goes to Python's own hook.
        def quiet_interrupts(unraisable):
            ended = unraisable.exc_value
            if type(ended).__name__ == "Terminated" and hasattr(ended, "signum"):
                pass  # SIGTERM, SIGHUP... raised inside a callback (a garbage collection in matplotlib while a
                # plot is drawn) is lost there; the CLI noted it and raises it again before the run's directory
                # takes its name (runs.NewRunDir's check), so the run is still removed
            elif not isinstance(ended, KeyboardInterrupt):
                PYTHON_HOOK(unraisable)

        sys.unraisablehook = quiet_interrupts
        speak_any_encoding()
        from .cli import main
        loaded.append(main)
        return main(program=True)
    except BaseException as e:  # Python wraps a Ctrl-C inside a class body's __set_name__ in a RuntimeError,
        if not (interrupted(e) or seen):  # and NumPy's C import of datetime turns one into an ImportError
            if loaded or not isinstance(e, Exception):  # that no longer carries it (seen: it came all the same)
                raise
            print(cannot_start(e), file=sys.stderr)  # (the CLI's own handler is not loaded yet)
            return 1
        import signal
        signum = seen[0] if seen else signal.SIGINT
        if signum == signal.SIGINT:
            print("nnfit: error: interrupted", file=sys.stderr)
        else:  # (the CLI's words for them are not loaded yet)
            print("nnfit: error: terminated" if signum == signal.SIGTERM else
                  f"nnfit: error: terminated by {signal.Signals(signum).name}", file=sys.stderr)
        return 128 + int(signum)
    finally:
        sys.unraisablehook = PYTHON_HOOK
        drop_what_cannot_be_written()
        ignore_late_signals()


def cannot_start(e):
    """One line for a failure while the CLI loads: with `python -m nnfit` the current folder comes first on
    Python's path, so a signal.py or numpy.py there hides the real module (helper-82: a traceback)."""
    import os
    first = (str(e).splitlines() or [""])[0]
    try:
        mine = sorted(name[:-3] for name in os.listdir(".") if name.endswith(".py")
                      and name[:-3] in set(sys.stdlib_module_names) | {"numpy", "scipy", "torch", "numba", "matplotlib",
                                                                        "safetensors", "nnfit"})
    except OSError:
        mine = []
    hint = (f"; the current folder's {', '.join(m + '.py' for m in mine)} hides Python's own module of that name: "
            "run nnfit from another folder, or rename the file" if mine else "")
    return f"nnfit: error: could not start: {type(e).__name__}: {first}{hint}"


def drop_what_cannot_be_written():
    """What Python would flush at exit into a stream that can no longer take it (`nnfit train 2>&1 | head -1`:
    stderr's reader gone too) goes to /dev/null now: Python's own flush would fail and end the command with
    status 120 after its work was done."""
    import os
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            try:
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, stream.fileno())
                os.close(null)
            except (OSError, ValueError, AttributeError):
                pass


def ignore_late_signals():
    """The command is done: what is left is Python's shutdown. A Ctrl-C (or SIGTERM, SIGHUP...) that came now
    could only interrupt that, and Python, half torn down, would report it as "lost sys.stderr" and die
    of the signal (status -2) after the work was written. Ignore them instead: the status is the
    command's."""
    import signal
    if not hasattr(signal, "SIGINT"):  # (a signal.py in the current folder, with python -m nnfit: cannot_start said so)
        return
    for sig in (signal.SIGINT, *(getattr(signal, name) for name in ENDING_NAMES if hasattr(signal, name))):
        try:
            signal.signal(sig, signal.SIG_IGN)
        except (ValueError, OSError):  # not the main thread: nothing to ignore there
            pass


def interrupted(e):
    """Whether exception e is, or was caused by, a Ctrl-C."""
    seen = set()
    while e is not None and id(e) not in seen:
        if isinstance(e, KeyboardInterrupt):
            return True
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return False


def speak_any_encoding():
    """Text that the terminal's encoding cannot show (PYTHONIOENCODING=latin-1 and a Chinese message
    or a column named 时间) is written as backslash escapes instead of ending the command with an
    internal error; with stderr closed (2>&-) messages go nowhere rather than into stdout."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    if sys.stderr is None:
        import os
        sys.stderr = open(os.devnull, "w")


if __name__ == "__main__":
    sys.exit(run())
