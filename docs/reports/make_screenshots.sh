#!/usr/bin/env bash
# Regenerate the screenshots in docs/reports/ with headless Chromium: the
# report gallery (tests/report_gallery.c) and the reports of the CLI
# commands (cli_*.png); pages are cropped to their content with Debian's
# python3-pil.
# usage: docs/reports/make_screenshots.sh BUILD_DIR
set -eu
build="${1:?usage: make_screenshots.sh BUILD_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
causal="$(cd "$build" && pwd)/bindings/cli/causal"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

shot() { # shot FILE.html NAME [HEIGHT]
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$tmp/profile" --window-size=1000,"${3:-1600}" \
    --screenshot="$tmp/$2.png" "file://$1" >/dev/null 2>&1
  /usr/bin/python3 - "$tmp/$2.png" "$here/$2.png" <<'PY'
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
  echo "docs/reports/$2.png"
}

"$build/tests/report_gallery" "$tmp"
for html in "$tmp"/*.html; do
  shot "$html" "$(basename "$html" .html)"
done

# CLI reports (the pictures sit at the top of each page)
cli() { # cli NAME ARGS...
  local name="$1"
  shift
  (cd "$root" && "$causal" "$@" --report "$tmp/$name.html" >/dev/null 2>&1)
  shot "$tmp/$name.html" "$name" 1400
}
cli cli_sequential sequential --k 5 --z 0.9,1.8,2.4
cli cli_sequential_futility sequential --sides 1 --alpha 0.025 \
  --spending hsd --param -4 --futility hsd --futility-param -2 --k 4 \
  --z 0.5,1.4
cli cli_bayes bayes --a 120,1000 --b 145,1000
cli cli_ipw ipw --data data/lalonde.csv --treatment treat \
  --outcome re78 --covariates age,educ,race,married,nodegree,re74,re75
cli cli_psm psm --data data/lalonde.csv --treatment treat --outcome re78 \
  --covariates age,educ,race,married,nodegree,re74,re75
cli cli_fuse fuse --rct 0.05,0.01 --obs 0.09,0.004 --obs 0.08,0.006 \
  --method power-prior --bias-var 0.0004
