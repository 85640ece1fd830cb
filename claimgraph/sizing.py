"""How many processes and threads to serve with, from the machine rather than fixed counts.

The engine's work is done by the query executors; a gunicorn worker only moves requests and
answers (about 0.75 ms of CPU per request, GIL-bound), so one worker keeps several executors
busy, and on few cores more workers only add memory. Every executor is a Python with its own
read-only store handle and RocksDB block cache: at 1 M quads about 36 MiB idle and 85 MiB once
scan-heavy queries have filled its cache, a worker about 45 MiB, the master about 48 MiB
(docs/benchmarks.md, "Memory"). Measured side by side with the Oxigraph server on the 2-core
machine, 32 clients, 1 M quads: 2 workers x 2 executors 0.48x its throughput at 530 MiB, 1 x 3
0.58x at 384 MiB, 1 x 4 0.57x at 480 MiB. Hence: one worker per two cores, executors for
about one per core plus one over all workers (at least two per worker, so that one heavy
query does not hold a worker's light ones). These are the most at once: a worker starts
with one and starts the others when queries run at once (graph/store/embedded/executor.py,
``ExecutorPool``). Threads wait on executors and cost little (slow clients no longer hold
them: server/worker.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass

#: What one worker and its executors may need, with room for queries' working memory.
MIB_PER_WORKER = 400
MAX_WORKERS = 16


@dataclass(frozen=True)
class Plan:
    cores: int
    available_mib: int
    workers: int
    threads: int
    executors: int  # query executor processes per worker

    def describe(self) -> str:
        return (
            f"{self.workers} worker(s) x {self.threads} threads, {self.executors} query executor(s) "
            f"per worker (machine: {self.cores} core(s), {self.available_mib} MiB available)"
        )


def cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def available_mib() -> int:
    """Memory available to new processes (MemAvailable), or physical memory when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError, AttributeError):
        return 1024


def plan(n_cores: int | None = None, mib: int | None = None, workers: int | None = None) -> Plan:
    """Workers (unless given): one per two cores, as many as memory allows (at least one);
    executors: about one per core plus one over all workers, at least two per worker; threads:
    eight."""
    n_cores = cores() if n_cores is None else n_cores
    mib = available_mib() if mib is None else mib
    if workers is None:
        workers = max(1, min(n_cores // 2, MAX_WORKERS, mib // MIB_PER_WORKER))
    executors = max(2, min(8, -(-(n_cores + 1) // workers)))
    return Plan(cores=n_cores, available_mib=mib, workers=workers, threads=8, executors=executors)
