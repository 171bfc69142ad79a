#!/usr/bin/env bash
# Regenerate the screenshots in docs/reports/ from the report gallery
# (tests/report_gallery.c) with headless Chromium; pages are cropped to
# their content with Debian's python3-pil.
# usage: docs/reports/make_screenshots.sh BUILD_DIR
set -eu
build="${1:?usage: make_screenshots.sh BUILD_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$build/tests/report_gallery" "$tmp"
for html in "$tmp"/*.html; do
  name="$(basename "$html" .html)"
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$tmp/profile" --window-size=1000,1600 \
    --screenshot="$tmp/$name.png" "file://$html" >/dev/null 2>&1
  /usr/bin/python3 - "$tmp/$name.png" "$here/$name.png" <<'PY'
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
  echo "docs/reports/$name.png"
done
