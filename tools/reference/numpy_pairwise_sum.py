"""Reference sums for threatstat-acf's `pairwise_sum` (numeric.rs tests):
NumPy's np.add.reduce of contiguous float64 arrays, printed as exact bits.

x_i = ((i * 7919) % 1013 - 506) / (37 * (1 + i % 5)): one correctly rounded
division per value, so Rust builds the same array bit for bit.
Run: python3 -m venv /tmp/v && /tmp/v/bin/pip install numpy && /tmp/v/bin/python this.py
"""
import struct

import numpy as np

for n in [1, 2, 7, 8, 9, 15, 16, 17, 127, 128, 129, 255, 256, 257, 1000, 4097]:
    x = np.array([((i * 7919) % 1013 - 506) / (37 * (1 + i % 5)) for i in range(n)], dtype=np.float64)
    naive = 0.0
    for v in x:
        naive += float(v)
    s = float(np.add.reduce(x))
    bits = struct.unpack("<Q", struct.pack("<d", s))[0]
    note = "naive sum equal" if s == naive else "naive sum differs"
    print(f"({n}, 0x{bits:016x}), // {s!r}, {note}; numpy {np.__version__}")
