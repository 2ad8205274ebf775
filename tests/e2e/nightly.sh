#!/usr/bin/env bash
# tests/e2e/nightly.sh MODE [ROOT] - ci/nightly (and ci/fuzz's lock) end to end.
# ROOT is the tree whose ci/ scripts run (default: this one); the defect
# modes take another so that they can be shown failing on an older tree.
#
#   report   two `ci/nightly --minutes 1` on one campaign state (two cells:
#            ios16-3gb without and with extended-virtual-addressing): each
#            ends within 10% of its minute, merge and report included; the
#            first reports every finding NEW; the second reports NEW only
#            the signatures the first did not see; the store has both runs,
#            and each signature both saw has last seen = run 2 and 2 runs;
#            AFL++'s exec/s in samples.csv are real (never above 3x the
#            cell's average from execs_done, so no calibration spike);
#            report.html, summary.json and a headless-Chromium screenshot.
#   kill     a nightly killed with SIGKILL (script and writer) during its
#            second cell's triage: the store passes PRAGMA integrity_check
#            and holds every signature the first cell's triage recorded.
#   d2       SIGINT to the nightly's process group (Ctrl-C) while it
#            triages: the triage finishes, report.html, summary.* and
#            reproducers/ are written, exit 130 (issue "Hard to break" D2).
#   d13      an AFL++ worker killed with SIGKILL while its target's
#            children are stopped: the nightly restarts it and ends, and no
#            process of the run is left (D13).
#   d14      a second ci/fuzz with the same --out while one runs, and a
#            second ci/nightly on the same --out: refused, exit 2, saying
#            so, the first's fuzz.log untouched (D14).
#   harness  a copy of ROOT whose fuzz_xnu reads past a heap block on
#            200+ byte inputs: the nightly lists the harness bug (found by
#            its sanitized libFuzzer run and the sanitized replay of what
#            AFL++ found) in harness-bugs.txt, summary.* and report.html.
# The campaign state is a temporary folder (VMEX_STATE).  Skips (77)
# without clang or afl-fuzz (report: also without Chromium).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
mode=${1:?usage: tests/e2e/nightly.sh report|kill|d2|d13|d14|harness [ROOT]}
root=$(cd "${2:-$here}" && pwd)
cd "$root"
source "$here/ci/lib.sh"
command -v clang >/dev/null || { echo "SKIP: clang is not installed"; exit 77; }
vmex_install_afl >/dev/null 2>&1 || true
command -v afl-fuzz >/dev/null || { echo "SKIP: afl-fuzz is not installed"; exit 77; }
tmp=$(mktemp -d)
export VMEX_STATE=$tmp/state
leftovers() {   # processes of the run: using the temporary folder, or a fuzz target of ROOT's builds
  local p
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = "$$" ] && continue
    { readlink "$p/cwd"; readlink "$p/exe"; ls -l "$p/fd" 2>/dev/null; tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null |
      grep -qE "$tmp|^$root/build-(afl|libfuzzer)/" && echo "${p#/proc/}"
  done
}
cleanup() {
  local p
  for p in $(leftovers); do kill -CONT "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -n 30 "$tmp/out.txt" 2>/dev/null; exit 1; }
one_cell() { printf 'fuzz_xnu ios16-3gb - -\n' > "$tmp/one.conf"; }
# CMD... as a terminal runs a foreground job: in a process group of its own,
# SIGINT not ignored (a background job of a script starts with it ignored)
foreground() {
  exec setsid python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}

case "$mode" in
report)
  vmex_install_chromium >/dev/null 2>&1 || true
  command -v chromium >/dev/null || { echo "SKIP: chromium is not installed"; exit 77; }
  printf 'fuzz_xnu ios16-3gb - -\nfuzz_xnu ios16-3gb extended-virtual-addressing -\n' > "$tmp/nightly.conf"
  for k in 1 2; do
    t=$(date +%s%N)
    ci/nightly --minutes 1 --jobs 2 --config "$tmp/nightly.conf" --state "$tmp/state" --out "$tmp/run$k" \
      > "$tmp/out.txt" 2>&1 || fail "ci/nightly $k exited $?"
    ms=$(( ($(date +%s%N) - t) / 1000000 ))
    # a first build longer than a tenth of the budget moves the end by what
    # ci/nightly says ("the build took Ns; the run ends Ms after its budget")
    late_s=$(sed -n 's/.*the build took [0-9]*s; the run ends \([0-9]*\)s after its budget.*/\1/p' "$tmp/out.txt" | head -n 1)
    [ -n "$late_s" ] && ms=$((ms - late_s * 1000))
    echo "nightly $k: ${ms} ms for a budget of 60 s${late_s:+ (less the ${late_s} s a first build added)}"
    [ "$ms" -ge 54000 ] && [ "$ms" -le 66000 ] || fail "nightly $k took ${ms} ms, not within 10% of 60 s"
    cp "$tmp/out.txt" "$tmp/out$k.txt"
  done
  r=$tmp/run2
  [ -s "$r/report.html" ] || fail "no report.html"
  grep -q '<table id="findings">' "$r/report.html" || fail "no findings table"
  [ "$(grep -c '<svg' "$r/report.html")" -ge 5 ] || fail "fewer than 5 inline SVGs (charts, histogram, pictures)"
  grep -Eq '(src|href)="(https?:)?//' "$r/report.html" && fail "report.html loads external resources"
  grep -q 'elapsed .* exec/s .* findings' "$tmp/out2.txt" || fail "no progress line"
  [ -s "$r/summary.txt" ] || fail "no summary.txt"
  ls "$r"/reproducers/*.vmex >/dev/null 2>&1 || fail "no reproducers"
  build/vmex check "$r/reproducers" >/dev/null || fail "vmex check rejects the reproducers"
  build/vmex findings list --json --store "$tmp/state/findings.db" > "$tmp/records.json"
  build/vmex findings runs --json --store "$tmp/state/findings.db" > "$tmp/runs.json"
  python3 - "$tmp/run1/summary.json" "$tmp/run2/summary.json" "$tmp/records.json" "$tmp/runs.json" \
    "$tmp/run1" "$tmp/run2" <<'PY' || fail "NEW, the store, or AFL++'s exec/s"
import csv, glob, json, os, sys
s1, s2 = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
recs = {r["signature"]: r for r in map(json.loads, open(sys.argv[3]))}
runs = [json.loads(l) for l in open(sys.argv[4])]
assert [r["kind"] for r in runs] == ["nightly", "nightly"] and all(r["state"] == "complete" for r in runs), runs
r1, r2 = runs[0]["id"], runs[1]["id"]
assert s1["run"] == r1 and s2["run"] == r2
assert s1["findings"] > 0 and s2["findings"] > 0, (s1["findings"], s2["findings"])
first = {x["signature"] for x in s1["signatures"]}
# run 1 on an empty state: everything it saw is new
assert s1["new"] == s1["findings"] and all(x["new"] for x in s1["signatures"]), s1
for x in s2["signatures"]:
    sig = x["signature"]
    assert x["new"] == (sig not in first), (sig, x["new"])
    r = recs[sig]
    assert r["last_run"] == r2, r
    if sig in first:
        assert r["first_run"] == r1 and r["times_seen"] == 2 and r["status"] in ("known", "flaky"), r
    else:
        assert r["first_run"] == r2 and r["times_seen"] == 1, r
for sig in first - {x["signature"] for x in s2["signatures"]}:
    assert recs[sig]["last_run"] == r1 and recs[sig]["times_seen"] == 1, recs[sig]
both = len(first & {x["signature"] for x in s2["signatures"]})
print("run 1: %d findings, all new; run 2: %d findings, %d new, %d seen by both (2 runs, last seen run 2)"
      % (s1["findings"], s2["findings"], s2["new"], both))
# AFL++'s exec/s: real figures, no calibration spike
for run in sys.argv[5:7]:
    rows = [r for r in csv.DictReader(open(os.path.join(run, "samples.csv"))) if r["engine"] == "afl"]
    for cell in {r["cell"] for r in rows}:
        c = json.load(open(os.path.join(run, "cells", cell, "cell.json")))
        cr = [r for r in rows if r["cell"] == cell]
        avg = max(int(r["execs"]) for r in cr) / max(1, c["seconds"])
        top = max(int(r["execs_per_sec"]) for r in cr)
        assert top <= 3 * avg + 100, (cell, top, avg)
        print("%s %s: AFL++ exec/s at most %d, average from execs_done %.0f" % (os.path.basename(run), cell, top, avg))
PY
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$tmp/chrome" --screenshot="$tmp/report.png" \
    --window-size=1400,2000 "file://$r/report.html" > "$tmp/chrome.log" 2>&1 || true
  [ -s "$tmp/report.png" ] || { cat "$tmp/chrome.log"; fail "no screenshot"; }
  python3 - "$tmp/report.png" <<'PY' || fail "the screenshot"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
assert (w, h) == (1400, 2000), "size %dx%d" % (w, h)
assert depth == 8 and ctype in (2, 6), "colour type %d" % ctype
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, colours, nonwhite = bytearray(stride), set(), 0
i = 0
for y in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b, c = prev[x], (prev[x - bpp] if x >= bpp else 0)
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    if y % 4 == 0:
        for x in range(0, stride, bpp * 2):
            px = bytes(line[x:x + 3])
            colours.add(px)
            nonwhite += px != b"\xff\xff\xff"
print("screenshot: %dx%d, %d distinct colours, %d non-white samples" % (w, h, len(colours), nonwhite))
assert len(colours) >= 50, "only %d colours: blank?" % len(colours)
assert nonwhite >= 5000, "mostly white"
PY
  ;;
kill)
  printf 'fuzz_xnu ios16-3gb - -\nfuzz_xnu ios16-3gb extended-virtual-addressing -\n' > "$tmp/two.conf"
  setsid ci/nightly --seconds 40 --jobs 2 --config "$tmp/two.conf" --out "$tmp/run" > "$tmp/out.txt" 2>&1 &
  nightly=$!
  writer=""
  for _ in $(seq 1 1200); do   # the second cell's triage, writing to the store
    writer=$(pgrep -f "vmex (triage|findings ingest).*$tmp/run/cells/02-" | head -n 1)
    [ -n "$writer" ] && break
    kill -0 $nightly 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$writer" ] || fail "never saw the second cell's triage"
  kill -KILL "$writer" $nightly 2>/dev/null
  wait $nightly 2>/dev/null
  [ -s "$tmp/run/cells/01-fuzz_xnu-ios16-3gb-none/triage/triage.json" ] || fail "the first cell recorded nothing"
  python3 - "$tmp/state/findings.db" "$tmp/run/cells/01-fuzz_xnu-ios16-3gb-none/triage/triage.json" <<'PY' ||
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
assert not c.execute("PRAGMA foreign_key_check").fetchall()
have = {r[0] for r in c.execute("select signature from findings")}
want = {s["signature"] for s in json.load(open(sys.argv[2]))["signatures"]}
assert want <= have, want - have
print("killed: integrity ok, the first cell's %d signatures in the store (%d in all)" % (len(want), len(have)))
PY
    fail "the store after SIGKILL"
  build/vmex findings list --store "$tmp/state/findings.db" > /dev/null || fail "the store does not list"
  ;;
d2)
  one_cell
  foreground ci/nightly --seconds 30 --jobs 2 --config "$tmp/one.conf" --out "$tmp/run" > "$tmp/out.txt" 2>&1 &
  nightly=$!
  seen=""
  for _ in $(seq 1 1200); do
    seen=$(pgrep -f "vmex triage.*$tmp/run" | head -n 1)
    [ -n "$seen" ] && break
    kill -0 $nightly 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$seen" ] || fail "never saw the triage run (no findings?)"
  kill -INT -- -$nightly   # Ctrl-C: the whole foreground process group
  wait $nightly
  rc=$?
  [ $rc -eq 130 ] || fail "exit $rc after SIGINT, not 130"
  for f in report.html summary.json summary.txt; do [ -s "$tmp/run/$f" ] || fail "no $f after SIGINT during triage"; done
  ls "$tmp"/run/reproducers/*.vmex >/dev/null 2>&1 || fail "no reproducers after SIGINT during triage"
  [ -s "$tmp"/run/cells/*/triage/triage.json ] || fail "the triage was cut short"
  grep -q '"state": "interrupted"' "$tmp/run/summary.json" || fail "summary.json does not say interrupted"
  echo "SIGINT during triage: exit 130 with report.html, summary.*, $(ls "$tmp"/run/reproducers/*.vmex | wc -l) reproducer(s)"
  ;;
d13)
  one_cell
  ci/nightly --seconds 40 --jobs 2 --config "$tmp/one.conf" --out "$tmp/run" > "$tmp/out.txt" 2>&1 &
  nightly=$!
  afl=""
  for _ in $(seq 1 600); do
    afl=$(pgrep -f "afl-fuzz .*$tmp/run" | head -n 1)
    # its target's children are there once it fuzzes
    [ -n "$afl" ] && [ -n "$(pgrep -P "$(pgrep -P "$afl" | head -n 1)" 2>/dev/null)" ] && break
    sleep 0.1
  done
  [ -n "$afl" ] || fail "no AFL++ worker seen"
  sleep 2
  kids=$(pgrep -P "$afl"; for k in $(pgrep -P "$afl"); do pgrep -P "$k"; done)
  # the persistent-mode child stops itself between runs: make sure it is stopped now
  for k in $kids; do kill -STOP "$k" 2>/dev/null; done
  kill -KILL "$afl"
  echo "killed AFL++ worker $afl with its target's processes $(echo $kids) stopped"
  wait $nightly
  rc=$?
  [ $rc -eq 0 ] || fail "the nightly exited $rc"
  grep -q "restarted afl" "$tmp/run/restarts.log" 2>/dev/null || fail "the worker was not restarted"
  sleep 1
  left=$(leftovers)
  if [ -n "$left" ]; then
    ps -o pid,ppid,stat,args -p "$(echo $left | tr ' ' ,)" 2>/dev/null
    fail "processes of the run outlived it: $left"
  fi
  echo "worker restarted ($(cat "$tmp/run/restarts.log")); nothing left after the run"
  ;;
d14)
  mkdir -p "$tmp/f"
  ci/fuzz --seconds 40 --out "$tmp/f" > "$tmp/first.txt" 2>&1 &
  first=$!
  for _ in $(seq 1 600); do [ -s "$tmp/f/fuzz.log" ] && break; sleep 0.1; done
  [ -s "$tmp/f/fuzz.log" ] || fail "the first ci/fuzz did not start"
  sleep 1
  size=$(stat -c %s "$tmp/f/fuzz.log") ino=$(stat -c %i "$tmp/f/fuzz.log")
  rc=0
  timeout 120 ci/fuzz --seconds 5 --out "$tmp/f" > "$tmp/out.txt" 2>&1 || rc=$?
  [ $rc -eq 2 ] || fail "a second ci/fuzz with the same --out exited $rc, not 2"
  grep -q "in use by another ci/fuzz" "$tmp/out.txt" || fail "no clear message: $(cat "$tmp/out.txt")"
  [ "$(stat -c %i "$tmp/f/fuzz.log")" = "$ino" ] && [ "$(stat -c %s "$tmp/f/fuzz.log")" -ge "$size" ] ||
    fail "the first run's fuzz.log was replaced"
  echo "second ci/fuzz: $(grep -o 'in use by.*' "$tmp/out.txt" | head -c 120)"
  kill -TERM $first 2>/dev/null
  wait $first
  # the nightly: the same --out twice
  one_cell
  ci/nightly --seconds 30 --jobs 2 --config "$tmp/one.conf" --out "$tmp/run" > "$tmp/n1.txt" 2>&1 &
  first=$!
  for _ in $(seq 1 600); do [ -s "$tmp/run/samples.csv" ] && break; sleep 0.1; done
  rc=0
  timeout 120 ci/nightly --seconds 30 --jobs 2 --config "$tmp/one.conf" --out "$tmp/run" > "$tmp/out.txt" 2>&1 || rc=$?
  [ $rc -eq 2 ] || fail "a second ci/nightly on the same --out exited $rc, not 2"
  grep -q "in use by another" "$tmp/out.txt" || fail "no clear message: $(cat "$tmp/out.txt")"
  echo "second ci/nightly: $(grep -o 'in use by.*' "$tmp/out.txt" | head -c 120)"
  kill -TERM $first 2>/dev/null
  wait $first
  ;;
harness)
  # a copy of ROOT whose fuzz_xnu reads a byte past a heap block on inputs
  # of 200+ bytes: AFL++ (no sanitizers) runs over it, libFuzzer's
  # sanitized build and the sanitized replay of AFL++'s findings see it
  copy=$tmp/repo
  mkdir -p "$copy"
  (cd "$root" && git ls-files -co --exclude-standard -z |
    while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done | xargs -0 cp --parents -t "$copy")
  root=$copy   # what is left of the run is the copy's (other tests' fuzzers of this tree run beside it)
  python3 - "$copy/targets/hunter.c" <<'PY' || fail "could not plant the bug"
import re, sys
p = sys.argv[1]; s = open(p).read()
s, n = re.subn(r"(int LLVMFuzzerTestOneInput\(const uint8_t \*data, size_t size\)\s*\{)",
               lambda m: m.group(1) + "\n    if (size >= 200) { char *planted = malloc(8); volatile char c = planted[8]; (void)c; free(planted); }",
               s, count=1)
assert n == 1
if "#include <stdlib.h>" not in s:
    s = "#include <stdlib.h>\n" + s
open(p, "w").write(s)
PY
  one_cell
  rc=0
  "$copy/ci/nightly" --seconds 20 --jobs 2 --config "$tmp/one.conf" --out "$tmp/run" > "$tmp/out.txt" 2>&1 || rc=$?
  [ $rc -eq 0 ] || fail "the nightly exited $rc"
  [ -s "$tmp/run/harness-bugs.txt" ] || fail "no harness bug listed in harness-bugs.txt"
  grep -aEq 'AddressSanitizer|runtime error' "$tmp/run/harness-bugs.txt" || fail "the listed bug is no sanitizer report"
  grep -q 'HARNESS BUG in ' "$tmp/run/summary.txt" || fail "summary.txt does not show the harness bug"
  grep -q '<h2 class="new">Harness bugs</h2>' "$tmp/run/report.html" || fail "report.html does not show the harness bug"
  python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["harness_bugs"]' "$tmp/run/summary.json" ||
    fail "summary.json has no harness_bugs"
  echo "planted heap read: $(wc -l < "$tmp/run/harness-bugs.txt") harness bug line(s): $(cut -f1,2 "$tmp/run/harness-bugs.txt" | head -n 2 | cut -c1-160 | tr '\n' ';')"
  ;;
*) echo "usage: tests/e2e/nightly.sh report|kill|d2|d13|d14|harness [ROOT]"; exit 2 ;;
esac
echo "1 passed, 0 failed"
