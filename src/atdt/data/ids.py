"""Sample ids stay inside their dataset's folder.

An id (a line of a world ``<split>.txt``, a path of a file list, a split name) becomes part of
file names that are read, and of names that ``atdt proxy-depth`` or ``atdt translate`` write.
``check_id`` is the one test every loader applies: an id that is absolute or climbs out with
``..`` is refused when the dataset is opened, naming the list file and the id, before anything
reads or writes through it. Writers check their targets again (``atdt.data.io.output_path``).
``read_split_list`` is the one reader of split lists (the world's and your own data's).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path, PurePosixPath, PureWindowsPath

from atdt.data.errors import DatasetError


def leaves_folder(value: str) -> bool:
    """True if ``value`` used as a path below a folder would not stay below it: empty, absolute
    (``/x``, ``C:\\x``), or with a ``..`` part. Purely lexical: links are the writers' check."""
    if not value or "\0" in value:
        return True
    posix, windows = PurePosixPath(value), PureWindowsPath(value)
    if posix.is_absolute() or windows.is_absolute() or windows.drive or windows.root:
        return True
    return ".." in posix.parts or ".." in windows.parts


def check_id(value: str, source: str | Path, what: str = "sample id", line: int | None = None) -> str:
    """``value`` if it names a path inside the dataset's folder, else DatasetError naming
    ``source`` (the list file) and the id."""
    if leaves_folder(value):
        where = f"line {line}: " if line is not None else ""
        raise DatasetError(source, f"{where}{what} {value!r} leaves the dataset's folder (absolute, empty or '..'); "
                                   "ids are paths relative to the dataset's root")
    return value


def refuse_repeats(values, source: str | Path, what: str = "sample id(s)") -> None:
    """DatasetError naming ``source`` (the list file) when a value is listed twice: one sample
    counted twice would weigh double in training, and proxy depth would write it once."""
    twice = sorted(str(v) for v, n in Counter(values).items() if n > 1)
    if twice:
        raise DatasetError(source, f"{what} listed more than once: {', '.join(twice[:10])}"
                                   f"{' ...' if len(twice) > 10 else ''}")


def read_split_list(path: str | Path, *, comments: bool = False) -> list[str]:
    """The sample ids of a split list (separated by spaces or lines; with ``comments``, a line whose
    first character other than a space is '#' is skipped), each ``check_id``-ed; DatasetError
    naming the file when it is not text or lists an id twice (``refuse_repeats``)."""
    try:
        lines = Path(path).read_text().splitlines()
    except UnicodeDecodeError:
        raise DatasetError(path, "not a text file (a split list names one sample id a line)") from None
    ids = [check_id(i, path) for line in lines if not (comments and line.lstrip().startswith("#")) for i in line.split()]
    refuse_repeats(ids, path)
    return ids
