#!/usr/bin/env bash
# tests/e2e/golden.sh - behaviour that a restructuring must not move, byte for byte.
#
#   tests/e2e/golden.sh VMEX SOURCE_DIR            compare with tests/golden/
#   tests/e2e/golden.sh VMEX SOURCE_DIR --record   write tests/golden/ anew
#
# What is pinned: every shipped reproducer's `vmex run --json --keep-going`
# (target linux ones only where the executor runs here, else they are
# skipped and said so), `vmex run --map` and `--svg` of two of them, `vmex
# probe` on profiles of every era, `vmex profiles --json`, and the stress
# output of every shipped workload at one seed (series.csv, plot.svg,
# finding.vmex, window.vmex, summary.json without its two timing fields).
#
# Recording is a deliberate act: the diff of tests/golden/ in a commit shows
# exactly which outputs a change moved.
set -uo pipefail
vmex=$1 src=$2 mode=${3:-}
case $vmex in /*) ;; *) vmex=$PWD/$vmex ;; esac
case $src in /*) ;; *) src=$PWD/$src ;; esac
golden=$src/tests/golden
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

linux_ok=1
if "$vmex" check "$src/reproducers/linux-hole-punch.vmex" 2>&1 | grep -q '^SKIP'; then
  linux_ok=0
fi

for f in "$src"/reproducers/*.vmex; do
  b=$(basename "$f" .vmex)
  if [ $linux_ok = 0 ] && grep -q '^target linux$' "$f"; then
    echo "skip $b: target linux cannot run here"
    continue
  fi
  "$vmex" run --json --keep-going "$f" > "$out/run-$b.jsonl" 2>&1
  echo "exit $?" >> "$out/run-$b.jsonl"
done
for b in dart-jsc-ios16-3gb frag-64m-alternate-ios16-3gb; do
  "$vmex" run --map "$src/reproducers/$b.vmex" > "$out/map-$b.txt" 2>&1
  ( cd "$out" && "$vmex" run --svg "svg-$b.svg" "$src/reproducers/$b.vmex" >/dev/null 2>&1 )
done
for p in ios11-2gb ios12-1gb ios14-4gb ios16-3gb ios17.4-6gb ios18-8gb; do
  "$vmex" probe --json --profile "$p" > "$out/probe-$p.json" 2>&1
  "$vmex" probe --json --profile "$p" --entitlement extended-virtual-addressing --chunk 64m \
    > "$out/probe-$p-eva.json" 2>&1
done
"$vmex" profiles --json > "$out/profiles.json" 2>&1
for w in "$src"/corpora/workloads/*.vmexw; do
  b=$(basename "$w" .vmexw)
  ( cd "$out" && "$vmex" stress --workload "$w" --seed 3 --ops 300000 --out "stress-$b" >/dev/null 2>&1 )
  d=$out/stress-$b
  for f in series.csv plot.svg finding.vmex window.vmex; do
    [ -f "$d/$f" ] && sed "s#$src/##g" "$d/$f" > "$out/stress-$b-$f"
  done
  sed -e 's/"elapsed_s":[^,]*,//' -e 's/"ops_per_s":[^,]*,//' -e 's/"dir":"[^"]*"//' \
      -e "s#$src/##g" "$d/summary.json" > "$out/stress-$b-summary.json"
  rm -rf "$d"
done
# paths of the source tree are not part of the behaviour
for f in "$out"/*; do [ -f "$f" ] && sed -i "s#$src/##g" "$f"; done

if [ "$mode" = "--record" ]; then
  rm -rf "$golden"
  mkdir -p "$golden"
  for f in "$out"/*; do
    # outputs over 256 KiB (the 56k-op probe replays) are pinned by hash
    if [ "$(stat -c %s "$f")" -gt 262144 ]; then
      (cd "$out" && sha256sum "$(basename "$f")") > "$golden/$(basename "$f").sha256"
    else
      cp "$f" "$golden"/
    fi
  done
  echo "recorded $(ls "$golden" | wc -l) golden files"
  exit 0
fi
fail=0 pass=0
for f in "$golden"/*; do
  b=$(basename "$f" .sha256)
  if [ ! -f "$out/$b" ]; then
    case $b in run-linux-*) [ $linux_ok = 0 ] && continue ;; esac
    echo "FAIL $b: not produced"; fail=$((fail + 1)); continue
  fi
  if [ "$f" != "$golden/$b" ]; then
    if (cd "$out" && sha256sum --quiet -c "$f" >/dev/null 2>&1); then pass=$((pass + 1))
    else echo "FAIL $b differs (pinned by hash)"; fail=$((fail + 1)); fi
  elif cmp -s "$f" "$out/$b"; then pass=$((pass + 1))
  else echo "FAIL $b differs:"; diff "$f" "$out/$b" | head -20; fail=$((fail + 1)); fi
done
for f in "$out"/*; do
  [ -f "$golden/$(basename "$f")" ] || [ -f "$golden/$(basename "$f").sha256" ] || { echo "FAIL $(basename "$f"): no golden file"; fail=$((fail + 1)); }
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
