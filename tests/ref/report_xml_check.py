#!/usr/bin/python3
"""Independent checks of libcausal reports (standard library only).

report_xml_check.py DIR       every DIR/*.svg and DIR/*.html must be
                              well-formed XML (xml.etree); each <svg> must
                              have a <title>, role="img", only SVG elements
                              with numeric coordinates; no <script>, no
                              external references.
report_xml_check.py --png F   the screenshot F must not be blank: a PNG
                              decoder (zlib + scanline unfiltering) counts
                              the distinct colours and the non-white share.
"""
import glob
import os
import re
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

SVG = "{http://www.w3.org/2000/svg}"
XHTML = "{http://www.w3.org/1999/xhtml}"
SVG_TAGS = {"svg", "title", "desc", "g", "rect", "line", "polyline", "path",
            "circle", "text"}
NUM_ATTRS = {"x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width",
             "height"}


def check_svg(svg, where):
    errs = []
    if svg.get("role") != "img":
        errs.append("svg without role=img")
    title = svg.find(SVG + "title")
    if title is None or not (title.text or "").strip():
        errs.append("svg without a non-empty <title>")
    for el in svg.iter():
        tag = el.tag.replace(SVG, "")
        if tag not in SVG_TAGS:
            errs.append("unexpected element <%s>" % tag)
        for a, v in el.attrib.items():
            if "href" in a:
                errs.append("external reference %s=%s" % (a, v))
            if a in NUM_ATTRS and not v.endswith("%"):
                try:
                    float(v)
                except ValueError:
                    errs.append("<%s %s=%r> is not a number" % (tag, a, v))
        if tag == "polyline":
            for pt in el.get("points", "").split():
                x, y = pt.split(",")
                float(x), float(y)
    return ["%s: %s" % (where, e) for e in errs]


def check_file(path):
    text = open(path, "rb").read()
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        return ["%s: not well-formed XML: %s" % (path, e)]
    errs = []
    if b"<script" in text.lower():
        errs.append("%s: contains <script>" % path)
    if re.search(rb'(src|href)="(https?:|//)', text):
        errs.append("%s: external asset" % path)
    svgs = [root] if root.tag == SVG + "svg" else list(root.iter(SVG + "svg"))
    if path.endswith(".html"):
        if root.tag != XHTML + "html":
            errs.append("%s: root is %s" % (path, root.tag))
        if root.find(XHTML + "head/" + XHTML + "title") is None:
            errs.append("%s: no <title>" % path)
        n_expected = text.count(b"<svg ")
        if len(svgs) != n_expected:
            errs.append("%s: %d svg parsed, %d in text" %
                        (path, len(svgs), n_expected))
    for i, s in enumerate(svgs):
        errs += check_svg(s, "%s svg #%d" % (path, i + 1))
    return errs


def png_pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("unsupported PNG format %s" % (hdr,))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def check_png(path):
    w, h, bpp, rows = png_pixels(path)
    colours, nonwhite = set(), 0
    for y in range(0, h, 2):
        r = rows[y]
        for x in range(0, w, 2):
            px = r[x * bpp:x * bpp + 3]
            colours.add(px)
            nonwhite += px != b"\xff\xff\xff"
    share = nonwhite / float(((h + 1) // 2) * ((w + 1) // 2))
    errs = []
    if len(colours) < 16:
        errs.append("%s: blank-looking page (%d colours)" % (path, len(colours)))
    if share < 0.01:
        errs.append("%s: almost all white (%.4f non-white)" % (path, share))
    return errs


def main(argv):
    if len(argv) == 3 and argv[1] == "--png":
        errs = check_png(argv[2])
    else:
        files = sorted(glob.glob(os.path.join(argv[1], "*.svg")) +
                       glob.glob(os.path.join(argv[1], "*.html")))
        if not files:
            print("no files in", argv[1])
            return 1
        errs = []
        for f in files:
            errs += check_file(f)
        if not errs:
            print("report_xml_check: %d files well-formed" % len(files))
    for e in errs:
        print("FAIL:", e)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
