#!/usr/bin/env bash
# Renders the report gallery (tests/report_gallery.c) and checks every
# document: SVG and XHTML well-formedness with Python's XML parser
# (tests/ref/report_xml_check.py), then headless Chromium: no console
# errors, the DOM holds the svg elements, and the screenshot is not blank.
# With CAUSAL_CLI=path/to/causal in the environment the --report pages of
# the CLI commands are checked the same way.
# usage: report_render_test.sh REPORT_GALLERY [KEEP_DIR]
set -u
gallery="${1:?usage: report_render_test.sh REPORT_GALLERY}"
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${2:-$(mktemp -d)}"
mkdir -p "$out"
[ -n "${2:-}" ] || trap 'rm -rf "$out"' EXIT
py=/usr/bin/python3
status=0
"$gallery" "$out" || { echo "FAIL: report_gallery"; exit 1; }
# with CAUSAL_CLI set (tests/meson.build): the reports of the CLI commands
# whose pictures are drawn from their results
if [ -n "${CAUSAL_CLI:-}" ]; then
  root="$(cd "$here/.." && pwd)"
  lalonde="--data $root/data/lalonde.csv --treatment treat --outcome re78 --covariates age,educ,race,married,nodegree,re74,re75"
  while read -r name args; do
    # shellcheck disable=SC2086
    "$CAUSAL_CLI" $args --report "$out/$name.html" >/dev/null 2>&1 ||
      { echo "FAIL: causal $args --report"; status=1; }
  done <<EOF_CLI
cli_sequential sequential --k 5 --z 0.9,1.8,2.4
cli_bayes bayes --a 120,1000 --b 145,1000
cli_psm psm $lalonde
cli_ipw ipw $lalonde
cli_fuse fuse --rct 0.05,0.01 --obs 0.09,0.004 --obs 0.08,0.006 --method power-prior --bias-var 0.0004
EOF_CLI
fi
"$py" "$here/ref/report_xml_check.py" "$out" || status=1

chrome=""
for c in /usr/bin/chromium /usr/bin/chromium-browser; do
  [ -x "$c" ] && { chrome="$c"; break; }
done
if [ -z "$chrome" ]; then
  # In CI the browser check is part of the gate: a missing browser fails.
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL: chromium not installed (scripts/install-deps.sh --test installs it)"
    exit 1
  fi
  echo "SKIP: chromium not installed (scripts/install-deps.sh --test)"
  exit $status
fi
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars
       --no-first-run --disable-extensions --disable-dev-shm-usage
       --user-data-dir="$out/profile")
for html in "$out"/*.html; do
  name="$(basename "$html" .html)"
  # 1. DOM and console: every chart's svg must be in the rendered DOM
  "$chrome" "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom \
    "file://$html" >"$out/$name.dom" 2>"$out/$name.log"
  if grep -E 'CONSOLE|Uncaught|ERROR:.*(console|CONSOLE)' "$out/$name.log" \
      | grep -v -E 'dbus|gpu|GPU|vaapi|Fontconfig|sandbox|crashpad' >/dev/null; then
    echo "FAIL: $name: console errors:"; grep -E 'CONSOLE|Uncaught' "$out/$name.log"
    status=1
  fi
  want="$(grep -o '<svg ' "$html" | wc -l)"
  got="$(grep -o '<svg ' "$out/$name.dom" | wc -l)"
  if [ "$want" -ne "$got" ] || ! grep -q '<h1>' "$out/$name.dom"; then
    echo "FAIL: $name: rendered DOM has $got of $want svg elements"
    status=1
  fi
  # 2. screenshot: not blank (many distinct colours, not one uniform page)
  "$chrome" "${flags[@]}" --window-size=1000,1100 \
    --screenshot="$out/$name.png" "file://$html" >/dev/null 2>&1
  "$py" "$here/ref/report_xml_check.py" --png "$out/$name.png" || status=1
done
[ $status -eq 0 ] && echo "report_render: all documents OK"
exit $status
