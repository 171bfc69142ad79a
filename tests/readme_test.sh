#!/usr/bin/env bash
# The README's C example is docs/examples/readme.c verbatim, and it runs.
# usage: readme_test.sh PATH/TO/readme_example
set -u
root="$(cd "$(dirname "$0")/.." && pwd)"
ok=0
python3 - "$root/README.md" "$root/docs/examples/readme.c" <<'PY' || ok=1
import sys
readme, example = open(sys.argv[1]).read(), open(sys.argv[2]).read()
if "```c\n" + example + "```" not in readme:
    sys.exit("README.md does not contain docs/examples/readme.c verbatim in a ```c block")
PY
out="$("$1" "$root/data/lalonde.csv")" || ok=1
echo "$out"
# Known values for LaLonde re78 (R: mean(lalonde$re78), sd(lalonde$re78)).
case "$out" in
  "re78: mean 6792.83, sd 7470.73 over 614 rows") ;;
  *) echo "unexpected output"; ok=1 ;;
esac
[ $ok -eq 0 ] && echo "readme: 1 passed, 0 failed" || echo "readme: 0 passed, 1 failed"
exit $ok
