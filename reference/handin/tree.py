"""The hand-in's readable files: every .py and .ipynb under the submission's folder, and inside each .zip
there (unpacked in memory: nothing is written, no path leaves the archive, links and encrypted members are
not read, every member and the whole read within caps, so a zip bomb costs at most those caps).
Left out as debris: `__MACOSX/`, `__pycache__/`, hidden files and folders (`.ipynb_checkpoints/`, `._*`).
"""
import io
import os
import posixpath
import stat
import struct
import zipfile
from dataclasses import dataclass, field

READ = (".py", ".ipynb")
MEMBER_BYTES = 16 * 2**20  # a member read from an archive, uncompressed
ARCHIVE_READ_BYTES = 64 * 2**20  # all members read from all archives
ARCHIVE_MEMBERS = 10_000  # listed per archive
DIRECTORY_ENTRY_BYTES = 256  # a central directory entry and its name, generously: a bigger directory is refused
ARCHIVE_DEPTH = 2  # a zip inside a zip is read; one inside that is not
DEBRIS = ("__MACOSX", "__pycache__")
LISTED = 40  # other files named in a message


@dataclass
class Tree:
    """files: {path: bytes}, path relative to the submission ('/'-separated; an archive's members under its
    own path, e.g. 'hw2.zip/hw2/layers.py'); others: the paths of what was found but not read; notes: what
    was refused, for the student."""
    files: dict = field(default_factory=dict)
    others: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    archive_bytes: int = 0


def is_debris(path):
    return any(part in DEBRIS or part.startswith(".") for part in path.split("/"))


def read_tree(directory):
    """The Tree of the folder `directory` (or of the one file it names: a .zip, .ipynb or .py handed in
    alone)."""
    tree = Tree()
    if os.path.isfile(directory):
        _add(tree, os.path.basename(directory), lambda: _read(directory), depth=0)
        return tree
    for relative, path in walk(directory):
        if not is_debris(relative):
            try:
                _add(tree, relative, lambda path=path: _read(path), depth=0)
            except OSError as error:
                tree.notes.append(f"{relative}: could not be read ({error.strerror or error})")
    return tree


FOLDER_DEPTH = 32  # a hand-in's folders deeper than this are not looked into


def walk(directory, depth=FOLDER_DEPTH):
    """(relative path with '/', path) of every regular file under `directory`, sorted, following no link,
    at most `depth` folders down, hidden folders and debris left out: iterative (a tree thousands of
    folders deep is no recursion)."""
    pending = [(directory, "", 0)]
    while pending:
        folder, prefix, level = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name, reverse=True)
        except OSError:
            continue
        files, folders = [], []
        for entry in entries:
            try:
                if entry.is_symlink():
                    continue
                if entry.is_dir():
                    if level < depth and not is_debris(entry.name):
                        folders.append((entry.path, f"{prefix}{entry.name}/", level + 1))
                elif entry.is_file():
                    files.append((f"{prefix}{entry.name}", entry.path))
            except OSError:
                continue
        yield from reversed(files)
        pending.extend(folders)


def _read(path):
    with open(path, "rb") as file:
        return file.read()


def _add(tree, path, read, depth):
    if path.endswith(READ):
        tree.files[path] = read()
    elif path.lower().endswith(".zip"):
        if depth >= ARCHIVE_DEPTH:
            tree.notes.append(f"{path}: an archive inside an archive inside an archive: not opened")
        else:
            _unzip(tree, path, read(), depth + 1)
    elif len(tree.others) < LISTED:
        tree.others.append(path)


def _declared_members(data):
    """The member count the archive's end record declares (read before its directory is: a directory of a
    million entries would cost the worker's memory to list), or None when there is no end record."""
    try:
        end = zipfile._EndRecData(io.BytesIO(data))
    except (OSError, ValueError, struct.error):
        return None
    if not end:
        return None
    # the directory's own size bounds what listing it costs, whatever count the record claims
    return max(int(end[zipfile._ECD_ENTRIES_TOTAL]), int(end[zipfile._ECD_SIZE]) // DIRECTORY_ENTRY_BYTES)


def _unzip(tree, path, data, depth):
    declared = _declared_members(data)
    if declared is not None and declared > ARCHIVE_MEMBERS:
        tree.notes.append(f"{path}: {declared} members, more than {ARCHIVE_MEMBERS}: not opened")
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, MemoryError) as error:
        tree.notes.append(f"{path}: not a readable zip archive ({type(error).__name__}): not opened")
        return
    if len(members) > ARCHIVE_MEMBERS:
        tree.notes.append(f"{path}: {len(members)} members, more than {ARCHIVE_MEMBERS}: not opened")
        return
    refused = []
    for member in members:
        name = member.filename.replace("\\", "/")
        inner = posixpath.normpath(name)
        if member.is_dir() or is_debris(inner):
            continue
        if name.startswith("/") or inner.startswith("..") or ":" in inner.split("/")[0]:
            refused.append(f"{member.filename!r} (a path outside the archive)")
            continue
        wanted = inner.endswith(READ) or inner.lower().endswith(".zip")
        if not wanted:
            if len(tree.others) < LISTED:
                tree.others.append(f"{path}/{inner}")
            continue
        if stat.S_ISLNK(member.external_attr >> 16):
            refused.append(f"{inner} (a link)")
        elif member.flag_bits & 0x1:
            refused.append(f"{inner} (encrypted)")
        elif member.file_size > MEMBER_BYTES or tree.archive_bytes + member.file_size > ARCHIVE_READ_BYTES:
            refused.append(f"{inner} (too large: {member.file_size} bytes)")
        else:
            content = _member(archive, member, tree)
            if content is None:
                refused.append(f"{inner} (unreadable, or larger than it says)")
            else:
                _add(tree, f"{path}/{inner}", lambda content=content: content, depth)
    if refused:
        tree.notes.append(f"{path}: not read: " + "; ".join(refused[:5]) + (" ..." if len(refused) > 5 else ""))


def _member(archive, member, tree):
    """The member's bytes, reading at most what it declares (and the caps): None when it holds more (a
    header that lies) or cannot be read."""
    room = min(MEMBER_BYTES, ARCHIVE_READ_BYTES - tree.archive_bytes, member.file_size)
    try:
        with archive.open(member) as stream:
            content = stream.read(room + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        return None
    tree.archive_bytes += len(content)
    return None if len(content) > room else content
