"""Shared by the tests of engine processes (executors, processes started ahead for writes)."""

from __future__ import annotations

import time
from collections.abc import Callable

import psutil


def until(condition: Callable[[], bool], seconds: float = 30.0) -> bool:
    """Whether ``condition`` holds within ``seconds`` (polled): a bound on a wait for a process to
    start or stop, never an assertion about how long it took."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie waiting for its parent's ``wait`` does not; one reaped
    between the two looks does not either)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
