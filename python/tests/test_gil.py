"""The GIL is released while the library computes: another Python thread
keeps running during a long call. The main thread spins and records the
longest pause between its iterations while a worker thread is inside the
call; holding the GIL for the whole call would make that pause as long as
the call (checked with ``sorted``, which holds the GIL, as the control)."""

import threading
import time

import numpy as np

from threatstat.stats import mannwhitneyu


def _longest_pause(work):
    done = threading.Event()
    took = []

    def run():
        t0 = time.perf_counter()
        work()
        took.append(time.perf_counter() - t0)
        done.set()

    th = threading.Thread(target=run)
    last = time.perf_counter()
    gap = 0.0
    th.start()
    while not done.is_set():
        now = time.perf_counter()
        gap = max(gap, now - last)
        last = now
    th.join()
    return gap, took[0]


def test_gil_released_during_computation():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=1_000_000), rng.normal(size=1_000_000)
    gap, took = _longest_pause(lambda: mannwhitneyu(x, y))
    assert took > 0.05, took
    assert gap < took / 2, (gap, took)


def test_control_holding_the_gil_pauses_other_threads():
    data = list(np.random.default_rng(4).normal(size=1_000_000))
    gap, took = _longest_pause(lambda: sorted(data))
    assert gap > took / 2, (gap, took)
