"""Phase timings shared by the peer scripts of benches/compare.sh.

A peer creates ``Phases()`` before its heavy imports, marks the end of each
phase (``imports``, ``read``, ``compute``, ``write``) and ends with
``emit()``, which prints one JSON line on stdout with the seconds of each
phase. They are measured inside the process, so the interpreter's own
start-up is not in them; the driver's wall time of the whole process is.
"""
import json
import math
import time


class Phases:
    """Seconds spent in consecutive named phases of one process."""

    def __init__(self):
        self.t = time.perf_counter()
        self.secs = {}
        self.extra = {}

    def mark(self, name):
        """Ends the phase ``name`` (it started at the previous mark)."""
        now = time.perf_counter()
        self.secs[name] = self.secs.get(name, 0.0) + now - self.t
        self.t = now

    def emit(self):
        """Prints the phases (and the ``extra`` fields) as one JSON line."""
        print(json.dumps({"phases": self.secs, **self.extra}), flush=True)


def _clean(v):
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if hasattr(v, "tolist"):  # NumPy arrays and scalars
        return _clean(v.tolist())
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def write_json(path, doc):
    """Writes ``doc`` as JSON, NumPy values as lists and numbers, NaN and
    infinities as null (as threatstat writes them)."""
    with open(path, "w") as f:
        json.dump(_clean(doc), f)
