#!/usr/bin/env bash
# CLI consistency over every subcommand that `causal --help` lists (found
# at run time, so new commands are covered without editing this file):
#   - `causal --help` gives each command a one-line summary and documents
#     the exit codes;
#   - `causal CMD --help` exits 0 and shows a usage line, --json and
#     examples;
#   - an unknown flag exits with the usage code (2);
#   - at least one example from the help runs (from the source tree, with
#     --json added) and prints JSON that `python3 -m json.tool` accepts.
# usage: consistency_test.sh PATH/TO/causal SOURCE_ROOT
set -u
causal="$1"
case "$causal" in /*) ;; *) causal="$(pwd)/$causal" ;; esac
src="${2:-.}"
src="$(cd "$src" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

"$causal" --help >"$tmp/top" 2>&1 || bad "causal --help exit $?"
# commands: the indented lines after "commands:" up to the first blank line
cmds=$(awk '/^commands:/ {f = 1; next} f && /^$/ {exit} f {print $1}' \
  "$tmp/top")
[ -n "$cmds" ] && ok || bad "no commands listed by causal --help"
awk '/^commands:/ {f = 1; next} f && /^$/ {exit} f && NF < 2 {print}' \
  "$tmp/top" | grep -q . && bad "a command without a summary line" || ok
for want in "exit status" "0  success" "2  usage error" "--progress"; do
  grep -qF -- "$want" "$tmp/top" && ok || bad "causal --help lacks '$want'"
done
"$causal" no-such-command >/dev/null 2>&1
[ $? -eq 2 ] && ok || bad "unknown command: exit not 2"

# examples run in a scratch directory that sees the repository's data
for d in data tests examples; do
  [ -e "$src/$d" ] && ln -s "$src/$d" "$tmp/$d"
done
n=0
for c in $cmds; do
  n=$((n + 1))
  h="$tmp/help-$c"
  "$causal" "$c" --help >"$h" 2>&1
  [ $? -eq 0 ] && ok || bad "$c --help: exit not 0"
  grep -qi "usage" "$h" && ok || bad "$c --help: no usage line"
  grep -qi "example" "$h" && ok || bad "$c --help: no example"
  grep -qF -- "--json" "$h" && ok || bad "$c --help: --json not documented"
  "$causal" "$c" --no-such-flag-xyz >/dev/null 2>&1
  st=$?
  [ $st -eq 2 ] && ok || bad "$c --no-such-flag-xyz: exit $st, not 2"
  # example lines: "  causal CMD ..." with "\" continuations; output
  # redirections are dropped
  awk -v c="$c" '
    /^[Ee]xamples?:?[[:space:]]*$/ { ex = 1; next }
    !ex { next }
    /^[[:space:]]*causal / { if ($2 == c) { cur = $0; take = 1 } else take = 0 }
    take && !/^[[:space:]]*causal / { cur = cur " " $0 }
    take {
      if (cur ~ /\\[[:space:]]*$/) { sub(/\\[[:space:]]*$/, "", cur); next }
      sub(/ >.*/, "", cur); print cur; take = 0 }' "$h" >"$tmp/ex-$c"
  [ -s "$tmp/ex-$c" ] && ok || bad "$c --help: no example command line"
  runnable=0
  while IFS= read -r line; do
    args=$(echo "$line" | sed -E 's/^[[:space:]]*causal[[:space:]]+//')
    case " $args " in *" --json "*) ;; *) args="$args --json" ;; esac
    # word splitting as a shell would do it (quotes in examples honoured)
    if (cd "$tmp" && eval "\"\$causal\" $args" >"$tmp/out" 2>"$tmp/err"); then
      if python3 -m json.tool "$tmp/out" >/dev/null 2>&1; then
        runnable=$((runnable + 1))
      else
        bad "$c example '$line' --json: output is not JSON"
      fi
    fi
  done <"$tmp/ex-$c"
  [ $runnable -ge 1 ] && ok || bad "$c: no example runs from the source tree with --json"
done
[ $n -ge 10 ] && ok || bad "only $n commands listed"
echo "CLI consistency ($n commands): $pass passed, $fail failed"
[ "$fail" -eq 0 ]
