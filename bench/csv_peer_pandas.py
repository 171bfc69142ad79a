#!/usr/bin/python3
"""Time pandas.read_csv on a file (called by bench/csv_vs_peers.sh).
Prints: pandas <wall s> <cpu s> <rows> <cols>"""
import sys
import time

import pandas as pd

path = sys.argv[1]
t0, c0 = time.perf_counter(), time.process_time()
df = pd.read_csv(path)  # default C engine, default float parser
t, c = time.perf_counter() - t0, time.process_time() - c0
print("pandas %.4f %.4f %d %d" % (t, c, df.shape[0], df.shape[1]))
