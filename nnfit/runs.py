"""Where a run's files go: a new directory, filled completely or not at all.

Files are written into a hidden temporary directory beside the target, which is renamed into place
only when every file is written; an existing directory is never touched. Whatever stops the writing
(an error, Ctrl-C, SIGTERM turned into an exception by the CLI) removes the temporary directory, with
those signals held back meanwhile. Directories and files get the user's umask, as `mkdir` would, once
the run is written (meanwhile its folders are 0o700, so that a umask such as 777 cannot lock nnfit out).
Only SIGKILL (or a power cut) can leave a temporary directory behind: its name carries the host and the
process id, and the next run written beside it removes it once that process is gone (sweep_orphans).
"""
import errno
import hashlib
import os
import re
import secrets
import shutil
import signal
import socket
import stat
import tempfile
import time

from .i18n import _, system_reason


ORPHAN_AGE = 600  # seconds: a run's temporary directory left this long by a process that is gone is removed
TMP_NAME = re.compile(r"\.nnfit-(?P<host>[A-Za-z0-9.-]*)-(?P<pid>[0-9]+)-[0-9a-f]{8}")


def this_host():
    """The host's name as a temporary directory's name carries it: its letters, digits, '.' and '-' (at most 24),
    then 8 hex digits of its SHA-1, so that hosts whose names differ only in other characters (node_1, node1, or two
    names in Chinese) are told apart (helper-91)."""
    name = socket.gethostname()
    return re.sub(r"[^A-Za-z0-9.-]", "", name)[:24] + "." + hashlib.sha1(name.encode("utf-8", "surrogateescape")).hexdigest()[:8]


def alive(pid):
    """Whether process pid exists on this host (another user's counts: kill answers EPERM)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OverflowError, ValueError):
        return False  # (no such pid can exist)
    except OSError:
        return True
    return True


def sweep_orphans(parent, now=None):
    """Remove the temporary directories in parent that a run on this host left when it was killed (SIGKILL:
    nothing else stops it without its cleanup): its process is gone and the folder is ORPHAN_AGE old. A
    writer's temporary directory lives seconds; a folder of another host, or from before names carried a
    process id, is left alone. Errors are ignored: the sweep is housekeeping, never a reason to fail."""
    now, host = time.time() if now is None else now, this_host()
    try:
        names = os.listdir(parent)
    except OSError:
        return
    for name in names:
        found = TMP_NAME.fullmatch(name)
        if not found or found["host"] != host or int(found["pid"]) == os.getpid() or alive(int(found["pid"])):
            continue
        path = os.path.join(parent, name)
        try:
            info = os.lstat(path)
            if not stat.S_ISDIR(info.st_mode) or now - info.st_mtime < ORPHAN_AGE:  # (a link or a file: not ours)
                continue
            os.chmod(path, 0o700)  # (it may have been given the umask's mode, 0o000 under umask 777, already)
        except OSError:
            continue
        shutil.rmtree(path, ignore_errors=True)


class RunDirError(ValueError):
    """The output directory cannot be used; one line."""


def next_run_dir(root="runs"):
    """runs/001, runs/002, ...: one past the highest number there."""
    numbers = [int(n) for n in os.listdir(root) if re.fullmatch(r"[0-9]+", n)] if os.path.isdir(root) else []
    return os.path.join(root, f"{max(numbers, default=0) + 1:03d}")


def check_new(path, taken_ok=False):
    """RunDirError now, before any work, if `path` exists (unless taken_ok: a runs/NNN that nnfit chose,
    which moves on to the next number if it is taken) or could not be created."""
    if os.path.lexists(path) and not taken_ok:
        dangling(path, "--out")
        raise RunDirError(_("{path}: already exists; nnfit never overwrites a run, give a new --out directory").format(path=path))
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(parent):  # the nearest folder that exists must take new entries
        if os.path.lexists(parent):  # a link to nothing, or a loop of links: nothing can be created below it
            raise RunDirError(_("{path}: cannot create: {parent} is a symbolic link that leads nowhere ({target})").format(
                path=path, parent=parent, target=link_target(parent)))
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise RunDirError(_("{path}: cannot create: {parent} is not a directory").format(path=path, parent=parent))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise RunDirError(_("{path}: cannot create: {parent} is not writable").format(path=path, parent=parent))
    try:  # a name or path too long fails now, not after the training
        longest, whole = os.pathconf(parent, "PC_NAME_MAX"), os.pathconf(parent, "PC_PATH_MAX")
    except (OSError, ValueError, AttributeError):
        longest, whole = 255, 4096
    full = os.path.abspath(path)
    if len(os.fsencode(full)) + 20 >= whole or any(len(os.fsencode(part)) > longest for part in full.split(os.sep)):
        raise RunDirError(_("{path}: cannot create: {reason}").format(path=path, reason=system_reason(OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG)))))
    # what access() cannot tell (/proc, a read-only mount for root, a quota): found by trying
    probe = os.path.join(parent, f".nnfit_probe_{secrets.token_hex(4)}")
    try:
        with held_signals():
            os.mkdir(probe)
            os.rmdir(probe)
    except OSError as e:
        raise RunDirError(_("{path}: cannot create: {reason}").format(path=path, reason=system_reason(e))) from None


def dangling(path, option):
    """RunDirError where path is a symbolic link that leads nowhere: it exists, though nothing is there."""
    if os.path.islink(path) and not os.path.exists(path):
        raise RunDirError(_("{path}: already exists, as a symbolic link that leads nowhere ({target}); nnfit never "
                            "writes through it: give a new {option}").format(path=path, target=link_target(path),
                                                                             option=option))


def link_target(path):
    """What a link points to, as a message shows it ("a loop of links" when it leads back to itself)."""
    try:
        os.stat(path)
    except OSError as e:
        if e.errno == errno.ELOOP:
            return _("a loop of links")
    try:
        return "-> " + os.readlink(path)
    except OSError as e:
        return system_reason(e)


class NewRunDir:
    """with NewRunDir(path) as tmp: write files into tmp; on success tmp becomes path. auto: path is
    the next runs/NNN that nnfit chose (no --out): if another run takes that number meanwhile (two
    runs started together), this one becomes the next free number instead (self.path says which)."""

    def __init__(self, path, auto=False):
        self.auto = auto
        check_new(path, taken_ok=auto)  # a number another run took (meanwhile, too): __exit__ moves on to the next
        self.path = path

    def __enter__(self):
        parent = os.path.dirname(os.path.abspath(self.path))
        self.tmp = os.path.join(parent, f".nnfit-{this_host()}-{os.getpid()}-{secrets.token_hex(4)}")
        sweep_orphans(parent)
        self.made = []  # the folders above the run that this run creates, deepest first: removed if it fails
        missing = parent
        while not os.path.lexists(missing):
            self.made.append(missing)
            missing = os.path.dirname(missing)
        try:
            for folder in reversed(self.made):  # outermost first, as makedirs would
                writable_mkdir(folder, exist_ok=True)  # another run may make it meanwhile
            writable_mkdir(self.tmp)
        except OSError as e:
            self._remove()
            raise RunDirError(_("{path}: cannot create: {reason}").format(path=self.path, reason=system_reason(e))) from None
        except BaseException:  # a signal between mkdir and the `with` body
            self._remove()
            raise
        return self.tmp

    def __exit__(self, kind, value, tb):
        with held_signals():
            if kind is None:
                try:
                    follow_umask(self.tmp)
                    os.chmod(self.tmp, 0o777 & ~umask())  # as mkdir would have made it; renaming needs no access to it
                    for _attempt in range(1000):
                        try:
                            # atomic; fails if path appeared meanwhile (not empty). To the place check_new and
                            # __enter__ chose, as abspath reads it: nope/../made is ./made (the kernel found no nope/)
                            os.rename(self.tmp, os.path.abspath(self.path))
                            break
                        except OSError as e:
                            if not self.auto or e.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                                raise
                            self.path = next_run_dir(os.path.dirname(self.path))  # taken by a run started alongside
                    else:
                        raise OSError(errno.EEXIST, os.strerror(errno.EEXIST))
                except OSError as e:
                    self._remove()
                    if e.errno in (errno.EEXIST, errno.ENOTEMPTY):  # a run given the same --out, finished first
                        raise RunDirError(_("{path}: already exists; nnfit never overwrites a run, give a new --out "
                                            "directory").format(path=self.path)) from None
                    raise RunDirError(_("{path}: cannot create: {reason}").format(path=self.path, reason=system_reason(e))) from None
                for folder in self.made:  # deepest first, while the folders above can still be entered
                    try:
                        os.chmod(folder, 0o777 & ~umask())
                    except OSError:
                        pass  # the run is in place; a folder above it that another user took over keeps its mode
                return False
            self._remove()  # the run failed: nothing of it stays
            return False

    def _remove(self):
        """Nothing of a failed run is left: its temporary folder, and the folders made for it."""
        with held_signals():
            try:
                os.chmod(self.tmp, 0o700)  # it may have been given the umask's mode (0o000 under umask 777) already
            except OSError:
                pass
            shutil.rmtree(self.tmp, ignore_errors=True)
            for folder in getattr(self, "made", []):
                try:
                    os.rmdir(folder)  # only if empty: another run may have written there meanwhile
                except OSError:
                    break


def writable_mkdir(path, exist_ok=False):
    """mkdir a folder that nnfit can write into whatever the umask (0o700; umask 777 would make it 0o000);
    NewRunDir gives it the umask's mode once the run is written."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        if not exist_ok:
            raise
        return
    os.chmod(path, 0o700)  # mkdir's mode is masked by the umask; chmod's is not


def follow_umask(folder):
    """Give the files in `folder` the mode a new file gets (0o666 less the umask): some writers
    (safetensors) create theirs 0o600 whatever the umask."""
    mode = 0o666 & ~umask()
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if os.path.isfile(path) and not os.path.islink(path):
            os.chmod(path, mode)


def umask():
    """The process's umask, read without changing it where Linux shows it."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1], 8) for line in f if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError, IndexError):
        mask = os.umask(0o022)  # elsewhere the only way to read it is to set it and set it back
        os.umask(mask)
        return mask


class held_signals:
    """Hold back SIGINT and SIGTERM (they arrive afterwards) while the run directory changes state."""

    SIGNALS = {signal.SIGINT, signal.SIGTERM}

    def __enter__(self):
        self.old = signal.pthread_sigmask(signal.SIG_BLOCK, self.SIGNALS) if hasattr(signal, "pthread_sigmask") else None

    def __exit__(self, *exc):
        if self.old is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, self.old)
        return False


def write_run(out, model, files=None, models=None, auto=False, check=None):
    """Write a run into the new directory `out`, all or nothing: model.safetensors, history.csv,
    models.csv (with `models`, many models trained at once) and `files` ({name: write(path)}, e.g. the
    plots). auto: `out` is the runs/NNN nnfit chose (NewRunDir). check: called when every file is written,
    before the directory takes its name; what it raises removes the run (the CLI: a signal that came while
    a plot was drawn and was lost inside matplotlib). Returns the directory and the names written."""
    jobs = {"model.safetensors": model.save, "history.csv": lambda path: write_history(path, model)}
    if models is not None:
        jobs["models.csv"] = lambda path: write_models(path, models)
    jobs.update(files or {})
    from .model import ModelFileError
    run = NewRunDir(out, auto)
    with run as tmp:
        for name, write in jobs.items():
            try:
                write(os.path.join(tmp, name))
            except OSError as e:  # a full disk, a quota: which file, not just the reason (the run is removed)
                raise RunDirError(_("{path}: cannot write: {reason}").format(
                    path=os.path.join(run.path, name), reason=system_reason(e))) from None
            except ModelFileError as e:  # named in the run's folder, not the temporary one (removed)
                raise RunDirError(str(e).replace(tmp, run.path)) from None
        if check is not None:
            check()
    return run.path, list(jobs)


def write_models(path, models):
    """models.csv: each model's seed and final loss (many models trained at once)."""
    with open(path, "w") as f:
        f.write("model,seed,final_loss\n")
        for k, loss in enumerate(models.final_losses):
            f.write(f"{k},{models.config.seed + k},{float(loss)!r}\n")


def write_history(path, model):
    """history.csv: epoch, the training loss, and (fit mode) the validation and test losses."""
    columns = {"loss": model.history}
    for name in ("val", "test"):
        if model.extra.get(f"{name}_history"):
            columns[f"{name}_loss"] = model.extra[f"{name}_history"]
    with open(path, "w") as f:
        f.write(",".join(["epoch", *columns]) + "\n")
        for i in range(len(model.history)):
            f.write(",".join([str(i + 1), *(repr(c[i]) if i < len(c) else "" for c in columns.values())]) + "\n")


def private_temp_dir(name):
    """A folder of this user's alone under the system's temporary directory, kept between runs, for a
    cache that has nowhere else to go (Numba's kernels, matplotlib's font list): nnfit-NAME-UID, 0o700;
    if that name is taken by another user, a link or a folder others may write, a new one."""
    path = os.path.join(tempfile.gettempdir(), f"nnfit-{name}-{os.getuid()}")
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        st = os.lstat(path)
        if st.st_uid != os.getuid() or st.st_mode & 0o077 or not os.path.isdir(path) or os.path.islink(path):
            path = tempfile.mkdtemp(prefix=f"nnfit-{name}-")
    return path
