#!/usr/bin/env bash
# tests/e2e/jsc.sh VMEX SRC - target jsc: JavaScriptCore and libpas in a confined
# window.  Every shipped jsc reproducer gives the same verdict, op, frame and
# numbers 20 times in a row, and 16 random 100-op programs 3 times; the Dart
# reproducer passes without Dart's
# reservation; a RangeError is a finding only when hunted; bad input is a
# located error.  Skips (77) with the reason when target jsc cannot run here
# (no executor: libjavascriptcoregtk-4.1-dev missing; confinement refused).
set -euo pipefail
vmex=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'vmex 1\ntarget jsc\nset window 64m\na = arraybuffer 1m\n' >"$tmp/probe.vmex"
if ! "$vmex" run "$tmp/probe.vmex" >"$tmp/probe.out" 2>&1; then
  echo "SKIP: target jsc cannot run here: $(cat "$tmp/probe.out")"; exit 77
fi
fail=0
check() { if "$@"; then echo "PASS $*"; else echo "FAIL $*"; fail=1; fi; }

# 20 runs of each reproducer: the whole output (every op's outcome, the
# failing op, its signal and frame, free and largest hole, libpas's
# counters) is the same every time
for f in "$src"/reproducers/jsc-*.vmex; do
  n=$(basename "$f" .vmex)
  "$vmex" run "$f" >"$tmp/$n.0" || true   # a finding exits 1
  for i in $(seq 1 19); do
    "$vmex" run "$f" >"$tmp/$n.i" || true
    cmp -s "$tmp/$n.0" "$tmp/$n.i" || { echo "run $i of $n differs:"; diff "$tmp/$n.0" "$tmp/$n.i" | head; fail=1; break; }
  done
  echo "PASS $n: 20 identical runs: $(grep '^verdict' "$tmp/$n.0")"
  check "$vmex" check "$f"
done
# random 100-op programs (bash's RANDOM, seeded), in 1 GiB and 256 MiB
# windows: three runs of each give the same --json output, every byte (the
# exact counters: rounding in the text output hid a one-page drift)
randprog() {   # randprog SEED WINDOW
  RANDOM=$1
  printf 'vmex 1\ntarget jsc\nset window %s\n' "$2"
  local i h live=() ops=(arraybuffer string array objects props eval mmap)
  for i in $(seq 0 99); do
    h=$((RANDOM % 24))
    if [ -n "${live[$h]:-}" ]; then
      [ "${live[$h]}" = m ] && echo "munmap h$h" || echo "release h$h"
      live[$h]=""
    elif [ $((RANDOM % 20)) = 0 ]; then
      echo gc
    else
      local k=${ops[$((RANDOM % 7))]}
      case $k in
        objects|props) echo "h$h = $k $((RANDOM % 20000 + 1))" ;;
        eval) echo "h$h = eval $((RANDOM % 64 + 1))k" ;;
        mmap) echo "h$h = mmap $((RANDOM % 32 + 1))m" ;;
        *) echo "h$h = $k $((RANDOM % 16384 + 1))k" ;;
      esac
      [ "$k" = mmap ] && live[$h]=m || live[$h]=j
    fi
  done
}
for seed in 1 2 3 4 5 6 7 8; do
  for w in 1g 256m; do
    randprog "$seed" "$w" >"$tmp/r.vmex"
    "$vmex" run --json --keep-going "$tmp/r.vmex" >"$tmp/r.0" 2>&1 || true
    same=1
    for i in 1 2; do
      "$vmex" run --json --keep-going "$tmp/r.vmex" >"$tmp/r.i" 2>&1 || true
      cmp -s "$tmp/r.0" "$tmp/r.i" || { same=0; diff "$tmp/r.0" "$tmp/r.i" | head -5; }
    done
    check test "$same" = 1
    echo "  seed $seed window $w: $(grep -o '^{"verdict":"[^"]*","at":[0-9a-z]*' "$tmp/r.0")"
  done
done

# the crashes name their frame
check grep -q 'pas-panic: .* in WTF::fastZeroedMalloc' "$tmp/jsc-dart-reservation.0"
check grep -q 'pas-panic: .* in WTF::StringImpl::create' "$tmp/jsc-pas-panic-frag.0"
check grep -q 'gc-abort: .* in JSC::LocalAllocator::allocateSlowCase' "$tmp/jsc-gc-abort-frag.0"

# the same JavaScript without Dart's reservation passes
grep -v '^d[24] = \|^expect' "$src/reproducers/jsc-dart-reservation.vmex" >"$tmp/nodart.vmex"
"$vmex" run "$tmp/nodart.vmex" >"$tmp/nodart.out"
check grep -q '^verdict: ok' "$tmp/nodart.out"

# a RangeError is recorded, and a finding only when hunted (its expect line
# hunts it in vmex check; vmex run hunts nothing)
grep -v '^expect' "$src/reproducers/jsc-rangeerror-frag.vmex" >"$tmp/range.vmex"
"$vmex" run "$tmp/range.vmex" >"$tmp/range.out"
check grep -q 'FAILED range-error: .*margin 1\.68.*not a finding' "$tmp/range.out"
check grep -q '^verdict: ok' "$tmp/range.out"

# the signatures name the outcome, the op and the frame; minimize hunts
# what the program's target hunts by default (no --hunt needed)
"$vmex" minimize "$src/reproducers/jsc-pas-panic-frag.vmex" -o "$tmp/min.vmex" >"$tmp/min.out" 2>&1 || true
check grep -q 'pas-panic-frag-props-2p25-jsc-256m-WTF.StringImpl.create' "$tmp/min.out"
check "$vmex" check "$tmp/min.vmex"

# vmex diff --target jsc: JavaScriptCore's own mmap calls against the
# model's JSC scenario (by default corpora/workloads/jsc-flutter-app.vmexw
# from the folder it runs in, as vmex stress finds workloads: a 128 MiB prot none
# reservation and 16 MiB megapages 16 MiB aligned).  Expected from
# linux-real.md §7's measurements: libpas asks 32 MiB for a megapage (size
# + alignment), the 128 MiB and 8 GiB reservations are made at start-up,
# and each 64 MiB ArrayBuffer is a mapping of its own size
set +e
(cd "$src" && "$vmex" diff --target jsc reproducers/jsc-dart-reservation.vmex) >"$tmp/diff.out" 2>"$tmp/diff.err"; rc=$?
set -e
check test "$rc" -eq 1
check grep -q '^  megapages (line [0-9]*): the model maps 16m align 16m$' "$tmp/diff.out"
check grep -q 'never asked 16m; it asked 32m rw noreserve (16m + the 16m alignment' "$tmp/diff.out"
check grep -q 'JavaScriptCore asked 128m rw noreserve 1 time(s), first at start-up' "$tmp/diff.out"
check grep -q '^    8g rw noreserve 1 time(s), first at start-up' "$tmp/diff.out"
check grep -q '^    64m rw noreserve 15 time(s), first in op 2$' "$tmp/diff.out"
check grep -q 'differs (2 of 2 claims differ)' "$tmp/diff.out"
"$vmex" diff --target jsc --json --scenario "$src/corpora/workloads/jsc-flutter-app.vmexw" \
  "$src/reproducers/jsc-dart-reservation.vmex" >"$tmp/diff.json" || true
check python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert not d["agrees"]; assert [c["verdict"] for c in d["claims"]] == ["protection", "size+alignment"]; assert d["claims"][1]["padded"] >= 1' "$tmp/diff.json"
# a scenario that claims what JavaScriptCore does agrees (exit 0)
printf 'workload 1\nphase launch ops 10\n  reserve pas mmap 128m tag 63\n  stream chunks mmap weight 1 size fixed 32m tag 63 lifetime exp 5\n' >"$tmp/agree.vmexw"
"$vmex" diff --target jsc --scenario "$tmp/agree.vmexw" "$src/reproducers/jsc-dart-reservation.vmex" >"$tmp/diff.out"
check grep -q 'agrees (0 of 2 claims differ)' "$tmp/diff.out"
# what it cannot compare is an error
printf 'workload 1\nphase a ops 10\n  stream m mmap weight 1 size fixed 32m lifetime exp 5\n' >"$tmp/none.vmexw"
set +e
"$vmex" diff --target jsc --scenario "$tmp/none.vmexw" "$src/reproducers/jsc-dart-reservation.vmex" >/dev/null 2>"$tmp/diff.err"; rc=$?
set -e
check test "$rc" -eq 2
check grep -q 'none.vmexw claims no JavaScriptCore mapping' "$tmp/diff.err"
set +e
"$vmex" diff --target jsc --scenario "$tmp/agree.vmexw" "$src/reproducers/linux-hole-punch.vmex" >/dev/null 2>"$tmp/diff.err"; rc=$?
set -e
check test "$rc" -eq 2
check grep -q 'takes programs of target jsc, not linux' "$tmp/diff.err"

# bad input: located errors, exit 2
bad() {   # bad TEXT MESSAGE
  printf '%b' "$1" >"$tmp/bad.vmex"
  set +e
  "$vmex" run "$tmp/bad.vmex" >"$tmp/bad.out" 2>"$tmp/bad.err"; rc=$?
  set -e
  check test "$rc" -eq 2
  check grep -qF "$2" "$tmp/bad.err"
}
bad 'vmex 1\na = arraybuffer 1m\n' 'bad.vmex:2:5: error: arraybuffer runs on target jsc only'
bad 'vmex 1\ntarget linux\ngc\n' 'bad.vmex:3:1: error: gc runs on target jsc only'
bad 'vmex 1\ntarget jsc\nset allocator glibc\n' 'bad.vmex:3:5: error: set allocator does not apply to target jsc'
bad 'vmex 1\ntarget jsc\no = objects 1000001\n' 'bad.vmex:3:13: error: objects makes at most 1000000'
bad 'vmex 1\ntarget jsc\ne = eval 65m\n' 'bad.vmex:3:10: error: eval takes at most 64m of source'
bad 'vmex 1\ntarget jsc\nrelease x\n' "bad.vmex:3:9: error: unknown name 'x'"
bad 'vmex 1\ntarget jsc\ns = string\n' 'bad.vmex:3:'
exit $fail
