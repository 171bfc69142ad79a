#!/usr/bin/python3
"""Independent check of causal_result_to_json with Python's json module.

Usage: /usr/bin/python3 tests/ref/json_check.py [path/to/libcausal.so]

Builds results through the C API (ctypes), serializes them, parses the text
with json.loads (strict: control characters in strings are rejected) and
checks that
  - every finite double round-trips bit-exactly (17 significant digits),
  - NaN/Infinity/-Infinity arrive as the strings "NaN"/"Infinity"/"-Infinity",
  - strings, including invalid UTF-8, decode to what Python's own
    bytes.decode("utf-8", "replace") gives (maximal-subpart replacement),
  - the structure is the documented one (types, nrow/ncol, row-major
    nesting, names or null, warnings array).
Exits non-zero on the first mismatch. Meant for CI next to the C suite.
"""
import ctypes
import json
import math
import os
import random
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_LIB = os.path.join(HERE, "..", "..", "build-h", "lib", "libcausal.so")


def load(path):
    lib = ctypes.CDLL(path)
    P = ctypes.c_void_p
    D = ctypes.c_double
    S = ctypes.c_size_t
    C = ctypes.c_char_p
    DP = ctypes.POINTER(ctypes.c_double)
    CP = ctypes.POINTER(ctypes.c_char_p)
    sig = {
        "causal_result_new": ([ctypes.POINTER(P), C], ctypes.c_int),
        "causal_result_free": ([P], None),
        "causal_result_set_scalar": ([P, C, D], ctypes.c_int),
        "causal_result_set_string": ([P, C, C], ctypes.c_int),
        "causal_result_set_vector": ([P, C, DP, S, CP], ctypes.c_int),
        "causal_result_set_matrix": ([P, C, DP, S, S, CP, CP], ctypes.c_int),
        "causal_result_set_table": ([P, C, CP, S, DP, DP, DP, DP, DP, DP],
                                    ctypes.c_int),
        "causal_result_add_warning": ([P, C], ctypes.c_int),
        "causal_result_to_json": ([P, ctypes.POINTER(P), ctypes.POINTER(S)],
                                  ctypes.c_int),
        "causal_free": ([P], None),
        "causal_last_error": ([], C),
        "causal_version_string": ([], C),
    }
    for name, (args, res) in sig.items():
        fn = getattr(lib, name)
        fn.argtypes = args
        fn.restype = res
    return lib


def darr(xs):
    return (ctypes.c_double * max(len(xs), 1))(*xs)


def sarr(xs):
    return (ctypes.c_char_p * max(len(xs), 1))(*xs)


def check(lib, rc):
    if rc != 0:
        raise SystemExit("libcausal error %d: %s" % (rc, lib.causal_last_error()))


def to_json(lib, r):
    buf = ctypes.c_void_p()
    n = ctypes.c_size_t()
    check(lib, lib.causal_result_to_json(r, ctypes.byref(buf), ctypes.byref(n)))
    raw = ctypes.string_at(buf, n.value)
    lib.causal_free(buf)
    return raw


def expect_num(got, want, where):
    if math.isnan(want):
        ok = got == "NaN"
    elif math.isinf(want):
        ok = got == ("Infinity" if want > 0 else "-Infinity")
    else:
        ok = isinstance(got, (int, float)) and \
            struct.pack("<d", float(got)) == struct.pack("<d", want)
    if not ok:
        raise SystemExit("%s: got %r, expected %r" % (where, got, want))


def main():
    lib = load(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_LIB)
    rng = random.Random(20240521)
    r = ctypes.c_void_p()
    check(lib, lib.causal_result_new(ctypes.byref(r), b"check"))

    values = [0.0, -0.0, 0.1, 1 / 3, 5e-324, 1.7976931348623157e308,
              float("nan"), float("inf"), float("-inf"), 2.0 ** 53 + 2]
    while len(values) < 3000:
        d = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        if math.isfinite(d):
            values.append(d)
    check(lib, lib.causal_result_set_vector(r, b"v", darr(values), len(values),
                                            None))
    strings = {
        b"ctl": b"a\"b\\c\n\t\r\x01\x1f\x7f",
        b"utf8": "café € 😀".encode(),
        b"ls": "x\u2028y\u2029z".encode(),
        b"bad\xff": b"a\xffz",
        b"trunc": b"a\xe2\x82",
        b"trunc2": b"a\xe2\x82z",
        b"overlong": b"\xc0\xaf|\xe0\x80\xaf",
        b"surrogate": b"\xed\xa0\x80",
        b"toobig": b"\xf4\x90\x80\x80",
        b"cont": b"\x80\xbf",
        b"mixed": b"\xf0\x9f\x98\xf0\x9f\x98\x80\xe0\xa0",
    }
    for k, v in strings.items():
        check(lib, lib.causal_result_set_string(r, k, v))
    m = [rng.uniform(-1e6, 1e6) for _ in range(12)]  # 3 x 4 column-major
    m[5] = float("nan")
    rn = [b"r0", b"r\xfe1", b"r2"]
    cn = [b"c0", b"c1", b"c2", b"c3"]
    check(lib, lib.causal_result_set_matrix(r, b"M", darr(m), 3, 4, sarr(rn),
                                            sarr(cn)))
    terms = [b"(Intercept)", b"x:region[north]"]
    cols = [[rng.gauss(0, 1) for _ in range(2)] for _ in range(4)]
    check(lib, lib.causal_result_set_table(r, b"coef", sarr(terms), 2,
                                           *[darr(c) for c in cols], None,
                                           None))
    check(lib, lib.causal_result_add_warning(r, b"warn \x02 \xc3"))

    raw = to_json(lib, r)
    text = raw.decode("utf-8")  # strict: raises on invalid UTF-8
    doc = json.loads(text)  # strict: raises on control characters
    lib.causal_result_free(r)

    dec = lambda b: b.decode("utf-8", "replace")
    assert doc["libcausal"] == lib.causal_version_string().decode()
    assert doc["kind"] == "check"
    ent = doc["entries"]
    names = list(ent.keys())
    want_names = ["v"] + [dec(k) for k in strings] + ["M", "coef"]
    assert names == want_names, (names, want_names)
    v = ent["v"]
    assert v["type"] == "vector" and v["names"] is None
    assert len(v["values"]) == len(values)
    for i, (g, w) in enumerate(zip(v["values"], values)):
        expect_num(g, w, "v[%d]" % i)
    for k, val in strings.items():
        got = ent[dec(k)]
        if got != dec(val):
            raise SystemExit("string %r: got %r, expected %r"
                             % (k, got, dec(val)))
    M = ent["M"]
    assert M["type"] == "matrix" and M["nrow"] == 3 and M["ncol"] == 4
    assert M["rownames"] == [dec(x) for x in rn]
    assert M["colnames"] == [dec(x) for x in cn]
    for i in range(3):
        for j in range(4):
            expect_num(M["values"][i][j], m[j * 3 + i], "M[%d,%d]" % (i, j))
    T = ent["coef"]
    assert T["type"] == "table" and T["nrow"] == 2 and T["ncol"] == 6
    assert T["rownames"] == [t.decode() for t in terms]
    assert T["colnames"] == ["estimate", "std_error", "statistic", "p_value",
                             "conf_low", "conf_high"]
    for i in range(2):
        for j in range(4):
            expect_num(T["values"][i][j], cols[j][i], "coef[%d,%d]" % (i, j))
        assert T["values"][i][4] == "NaN" and T["values"][i][5] == "NaN"
    assert doc["warnings"] == [dec(b"warn \x02 \xc3")]
    print("json_check: OK (%d bytes, %d numbers)" % (len(raw), len(values)))


if __name__ == "__main__":
    main()
