"""Immutable versions of the on-disk store: why every write is all or nothing.

pyoxigraph documents that opening a store read-only while another process writes it is
undefined behaviour, and its fast bulk loader is not transactional. So claimgraph never
writes a database that a reader may have open. A write copies the current version (Oxigraph's
own ``Store.backup``: a RocksDB checkpoint made of hard links, a few milliseconds whatever the
size), changes the copy, closes it, and publishes it by atomically replacing one symlink::

    DIR/oxigraph -> versions/7       the current version (a symlink, swapped with rename(2))
    DIR/versions/7/                  a RocksDB database, never written again once published
    DIR/versions/7/claimgraph.pin    readers hold a shared flock() on it while they use 7
    DIR/versions/7/claimgraph-search.sqlite   7's full-text index, written before 7 is published
    DIR/versions/.staging-*          a write in progress (garbage once its writer is gone)
    DIR/generation                   "7": readers poll it and reopen when it changes

A writer killed at any point leaves the symlink on the old version: the store is exactly as it
was and the next writer removes the leftovers. A reader resolves the symlink once and opens the
resolved directory, so it sees one complete version, never a half-swapped one. Old versions are
deleted by the next writer as soon as no reader pins them.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import shutil
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

T = TypeVar("T")

PIN = "claimgraph.pin"
LINK = "oxigraph"
VERSIONS = "versions"
STAGING_PREFIX = ".staging-"


class Snapshot:
    """A read-only handle on one published version, pinned so it is not collected meanwhile."""

    def __init__(self, store: ox.Store, path: Path, pin_fd: int | None) -> None:
        self.store = store
        self.path = path
        self._pin_fd = pin_fd

    def close(self) -> None:
        """Drop the handle and the pin (safe to call twice)."""
        self.store = None  # type: ignore[assignment]
        fd, self._pin_fd = self._pin_fd, None
        if fd is not None:
            os.close(fd)  # releases the shared lock

    def __enter__(self) -> "Snapshot":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def pinned_version(db_link: Path | str, attempts: int = 50) -> Iterator[Path]:
    """The current version's folder, pinned while the block runs, without opening RocksDB
    (for files written beside the database, such as the search index)."""
    db_link = Path(db_link)
    for _ in range(attempts):
        target = Path(os.path.realpath(db_link))
        if not db_link.is_symlink():
            yield target
            return
        try:
            fd = os.open(target / PIN, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            if not (target / PIN).exists():
                continue  # collected while we waited for the lock
            yield target
            return
        finally:
            os.close(fd)
    raise OSError(f"the store at {db_link} changed too often while opening it")


def open_snapshot(db_link: Path | str, attempts: int = 50) -> Snapshot:
    """Open the current version read-only and pin it (used by query executors and dumps)."""
    db_link = Path(db_link)
    for _ in range(attempts):
        target = Path(os.path.realpath(db_link))
        if not db_link.is_symlink():
            # A store written before versions existed: a plain directory, no pin.
            return Snapshot(ox.Store.read_only(str(target)), target, None)
        try:
            fd = os.open(target / PIN, os.O_RDONLY)
        except FileNotFoundError:
            continue  # collected between readlink and open: the link points further now
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            if not (target / PIN).exists():
                os.close(fd)
                continue  # collected while we waited for the lock
            return Snapshot(ox.Store.read_only(str(target)), target, fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.close(fd)
            raise
    raise OSError(f"the store at {db_link} changed too often while opening it")


def current_version(directory: Path) -> int | None:
    """The number of the published version, or None for a legacy or missing store."""
    link = directory / LINK
    if not link.is_symlink():
        return None
    return int(Path(os.readlink(link)).name)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class VersionedStore:
    """The writer's side: copy, change, publish. Callers hold ``write.lock``."""

    def __init__(self, directory: Path, before_publish: Callable[[Path], None] | None = None) -> None:
        """``before_publish(staging)`` runs on each closed copy just before it is published
        (the embedded store writes the copy's search index there); if it raises, nothing is
        published."""
        self.directory = directory
        self.before_publish = before_publish
        self.link = directory / LINK
        self.versions = directory / VERSIONS
        self.gen_path = directory / "generation"

    def exists(self) -> bool:
        return self.link.exists()

    def commit(self, change: Callable[[ox.Store], T], fresh: bool = False) -> T:
        """Apply ``change`` to a copy of the current version (an empty store when ``fresh``)
        and publish the copy; on any exception nothing is published. Returns what ``change``
        returned."""
        staging = self.stage(fresh)
        try:
            result = _apply(staging, change)
            self.publish(staging)
        except BaseException:
            self.discard(staging)
            raise
        self.collect()
        return result

    def stage(self, fresh: bool = False) -> Path:
        """A private copy of the current version (or an empty folder) to write into."""
        self.versions.mkdir(parents=True, exist_ok=True)
        self.collect(staging_only=True)
        staging = self.versions / f"{STAGING_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            if fresh or not self.link.exists():
                staging.mkdir()
            else:
                with open_snapshot(self.link) as snap:
                    snap.store.backup(str(staging))
        except BaseException:
            self.discard(staging)
            raise
        return staging

    def discard(self, staging: Path) -> None:
        shutil.rmtree(staging, ignore_errors=True)

    def publish(self, staging: Path) -> None:
        """Make a closed staging copy the current version (the atomic step)."""
        if self.before_publish is not None:
            self.before_publish(staging)
        (staging / PIN).touch()
        self._publish(staging)

    def repair(self) -> None:
        """Make ``generation`` match the symlink (a writer may have died between the two)."""
        version = current_version(self.directory)
        if version is not None and _read(self.gen_path) != str(version):
            self._write_generation(version)

    # -- internals ---------------------------------------------------------------------

    def _next_version(self) -> int:
        numbers = [int(p.name) for p in self.versions.iterdir() if p.name.isdigit()]
        current = current_version(self.directory) or 0
        return max([current, *numbers]) + 1

    def _publish(self, staging: Path) -> None:
        if self.link.exists() and not self.link.is_symlink():
            self._adopt_legacy()
        number = self._next_version()
        final = self.versions / str(number)
        os.rename(staging, final)
        _fsync_dir(self.versions)
        tmp_link = self.directory / f".{LINK}.{os.getpid()}.new"
        with contextlib.suppress(FileNotFoundError):
            tmp_link.unlink()
        os.symlink(f"{VERSIONS}/{number}", tmp_link)
        os.replace(tmp_link, self.link)  # the commit point
        _fsync_dir(self.directory)
        self._write_generation(number)

    def _adopt_legacy(self) -> None:
        """Turn a pre-versions store (``DIR/oxigraph`` a plain directory) into version 0."""
        legacy = self.versions / "0"
        (self.link / PIN).touch()
        os.rename(self.link, legacy)
        os.symlink(f"{VERSIONS}/0", self.link)
        _fsync_dir(self.directory)

    def _write_generation(self, number: int) -> None:
        tmp = self.gen_path.with_name(f".generation.{os.getpid()}.tmp")
        tmp.write_text(str(number))
        os.replace(tmp, self.gen_path)

    def collect(self, staging_only: bool = False) -> None:
        """Delete abandoned staging copies and unpinned old versions."""
        if not self.versions.exists():
            return
        current = current_version(self.directory)
        for path in self.versions.iterdir():
            if path.name.startswith(STAGING_PREFIX):
                shutil.rmtree(path, ignore_errors=True)  # we hold write.lock: its writer is gone
            elif not staging_only and path.name.isdigit() and int(path.name) != current:
                _remove_if_unpinned(path)


def _apply(path: Path, change: Callable[[ox.Store], T]) -> T:
    """Open ``path`` read-write, run ``change`` and close the database before returning.

    RocksDB writes when it closes, so the database must be closed before it is published;
    pyoxigraph closes it when the last reference goes, hence the care with references."""
    store = ox.Store(str(path))
    try:
        result = change(store)
        store.flush()
    except BaseException as exc:
        if exc.__traceback__ is not None:
            traceback.clear_frames(exc.__traceback__)  # frames hold the store open
        del store
        gc.collect()
        raise
    held = references(store) > ONE_NAME
    del store
    if held:  # something else holds it (a cycle?): a full collection, slow in a busy worker
        gc.collect()
    return result


def references(obj: object) -> int:
    """``sys.getrefcount`` through one call, compared with :data:`ONE_NAME`: pyoxigraph's
    Store supports no weakref, so this is how a writer knows whether deleting its one name
    closes the database (and a ``gc.collect()`` of the whole worker can be skipped)."""
    return sys.getrefcount(obj)


def _one_name() -> int:
    probe = object()
    return references(probe)


#: What :func:`references` says of an object that one local name alone holds (measured: the
#: figure depends on the Python version).
ONE_NAME = _one_name()


def _remove_if_unpinned(path: Path) -> None:
    try:
        fd = os.open(path / PIN, os.O_RDONLY)
    except FileNotFoundError:
        shutil.rmtree(path, ignore_errors=True)
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # a reader still uses it; a later writer will retry
        (path / PIN).unlink()
        shutil.rmtree(path, ignore_errors=True)
    finally:
        os.close(fd)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""


class LockTimeout(OSError):
    """Another writer held the store for longer than this writer may wait."""


@contextlib.contextmanager
def write_lock(lock_path: Path, timeout: float | None = None) -> Iterator[None]:
    """Exclusive across processes: one writer at a time per store directory.

    With ``timeout`` (seconds), give up with :class:`LockTimeout` instead of waiting for as
    long as another writer (a bulk load, say) takes."""
    with open(lock_path, "a+") as lock:
        if timeout is None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        else:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LockTimeout(f"another write has held the store for over {timeout:g} s") from None
                    time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
