#!/usr/bin/env bash
# Regenerate docs/reports/demo.png: the report of `causal demo` (default
# size and seed) rendered by headless Chromium, cropped to its content with
# Debian's python3-pil.
# usage: docs/reports/make_demo_screenshot.sh BUILD_DIR
set -eu
build="${1:?usage: make_demo_screenshot.sh BUILD_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$build/bindings/cli/causal" demo --out "$tmp/demo" >/dev/null
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --user-data-dir="$tmp/profile" --window-size=1200,5200 \
  --screenshot="$tmp/demo.png" "file://$tmp/demo/report.html" >/dev/null 2>&1
/usr/bin/python3 - "$tmp/demo.png" "$here/demo.png" <<'PY'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
w, h = im.size
px = im.load()
last = 0
for y in range(h):
    if any(px[x, y] != (255, 255, 255) for x in range(0, w, 3)):
        last = y
im.crop((0, 0, w, min(h, last + 24))).save(sys.argv[2], optimize=True)
PY
echo "docs/reports/demo.png"
