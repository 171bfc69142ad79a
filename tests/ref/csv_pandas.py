#!/usr/bin/python3
"""Reference values for tests/csv_test.c, produced by pandas (independent
CSV parser, with float_precision='round_trip', i.e. correctly rounded).

For each tests/data/csv/<name>.csv listed below writes <name>.ref:
    <ncols> <nrows>
    then per column: a line "<name>\t<kind>" (kind: num, bool, str) and one
    line per row: "NA" for missing, floats as float.hex(), bools as 0/1,
    strings with \\, \n, \r, \t escaped.
Run: /usr/bin/python3 tests/ref/csv_pandas.py   (from the repository root)
"""
import math
import os

import pandas as pd

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "csv")
FILES = ["quoting", "numbers"]


def esc(s):
    return (s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
            .replace("\t", "\\t"))


for name in FILES:
    df = pd.read_csv(os.path.join(HERE, name + ".csv"), keep_default_na=False,
                     na_values=["", "NA"], float_precision="round_trip",
                     # object columns stay strings; numbers as float64 so
                     # that int columns with NA and huge ints compare exactly
                     dtype=None)
    out = ["%d %d" % (df.shape[1], df.shape[0])]
    for col in df.columns:
        s = df[col]
        if s.dtype == bool:
            out.append("%s\tbool" % col)
            out += ["1" if v else "0" for v in s]
        elif s.dtype.kind in "if":
            out.append("%s\tnum" % col)
            for v in s:
                if isinstance(v, float) and math.isnan(v):
                    out.append("NA")
                else:
                    # ints as decimal (exact), floats as hex (exact)
                    out.append(str(int(v)) if s.dtype.kind == "i"
                               else float(v).hex())
        elif s.dtype == object and all(isinstance(v, bool) or
                                       (isinstance(v, float) and math.isnan(v))
                                       for v in s):
            out.append("%s\tbool" % col)
            out += ["NA" if isinstance(v, float) else ("1" if v else "0")
                    for v in s]
        else:
            out.append("%s\tstr" % col)
            for v in s:
                if isinstance(v, float) and math.isnan(v):
                    out.append("NA")
                else:
                    out.append(esc(str(v)))
    with open(os.path.join(HERE, name + ".ref"), "w") as f:
        f.write("\n".join(out) + "\n")
    print(name, df.dtypes.to_dict())
