"""The default serving configuration follows the machine (claimgraph/sizing.py)."""

from __future__ import annotations

from claimgraph.sizing import MIB_PER_WORKER, available_mib, cores, plan


def test_one_worker_per_two_cores_with_executors_for_the_cores_when_memory_allows() -> None:
    chosen = plan(2, 16_000)
    assert (chosen.workers, chosen.executors, chosen.threads) == (1, 3, 8)
    assert (plan(1, 16_000).workers, plan(1, 16_000).executors) == (1, 2)  # never fewer than two
    assert (plan(8, 64_000).workers, plan(8, 64_000).executors) == (4, 3)


def test_memory_caps_the_workers_and_their_executors_cover_the_cores() -> None:
    small = plan(8, 2 * MIB_PER_WORKER)
    assert small.workers == 2
    assert small.executors == 5  # nine over both workers, rounded up
    assert plan(4, 100).workers == 1  # never none


def test_given_workers_keep_executors_in_step() -> None:
    assert plan(4, 64_000, workers=1).executors == 5
    assert plan(4, 64_000, workers=4).executors == 2


def test_the_machine_is_read() -> None:
    assert cores() >= 1
    assert available_mib() > 0
    assert plan().describe().startswith(f"{plan().workers} worker(s)")
