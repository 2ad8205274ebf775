#!/usr/bin/env bash
# tests/e2e/findings.sh VMEX SRCDIR - `vmex findings` end to end, on findings
# folders made here by the contract of issue "Findings are results, not
# crashes" (SIG.json + SIG.input, the input a shipped reproducer encoded):
# ingest over two runs (first/last seen, runs, hits, status new -> known),
# a triage folder and `vmex triage --store`, export and import (twice: the
# same), bare reproducers imported by what they give, recheck marking a
# reproducer that stopped reproducing fixed and a later sighting reopening
# it, diff since a run and a date, bad input (exit 2, nothing written), and
# an ingest killed with SIGKILL while recording: the store passes PRAGMA
# integrity_check and holds every finding it reported committed.
set -uo pipefail
vmex=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
export VMEX_STORE=$tmp/state/findings.db
pass=0 fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
no() { echo "FAIL $1"; fail=$((fail + 1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else no "$name"; fi; }
sql() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print("\n".join("|".join(str(x) for x in r) for r in c.execute(sys.argv[2])))' "$VMEX_STORE" "$1"; }

sig=frag-mmap-2p27-ios16-3gb   # what reproducers/frag-64m-alternate gives (triage, README)
mkdir -p f1
"$vmex" convert "$src/reproducers/frag-64m-alternate-ios16-3gb.vmex" f1/$sig.input
entry() {   # DIR SIG HITS FIRST LAST [TARGET]
  printf '{"signature":"%s","class":"frag","margin":11.21,"ops":71,"req":134217728,"hits":%s,"target":"%s","profile":"ios16-3gb","first_unix":%s,"last_unix":%s}\n' \
    "$2" "$3" "${6:-fuzz_xnu}" "$4" "$5" > "$1/$2.json"
}
entry f1 $sig 40 1000 2000

# reading a store that is not there
"$vmex" findings list > out 2> err; rc=$?
check "missing store: exit 2, said" test $rc -eq 2 -a ! -e "$VMEX_STORE" -a -s err

# run 1 ingests the folder: new
r1=$("$vmex" findings begin --kind nightly --budget 60 --commit abc123)
"$vmex" findings ingest f1 --run "$r1" > out 2>&1
check "ingest: one new finding" grep -q "ingested 1 finding(s) from 1 folder(s) .*(run $r1): 1 new" out
"$vmex" findings show $sig > show.txt
check "show: new, first/last seen from the folder's times, 40 hits" \
  grep -q "^status        new" show.txt
check "show: first seen 1970-01-01 00:16 (1000 s), last 00:33 (2000 s)" \
  grep -q "first seen    1970-01-01 00:16 UTC, run $r1" show.txt
check "show: last seen 00:33" grep -q "last seen     1970-01-01 00:33 UTC, run $r1" show.txt
check "show: hits 40" grep -q "^hits          40$" show.txt
check "show: the cell xnu ios16-3gb none" grep -Eq '^  xnu +ios16-3gb +none ' show.txt
check "show: the input as a reproducer with its expect line" grep -q "^expect frag at " show.txt
"$vmex" findings end "$r1" --state complete

# run 2 sees it again with 50 hits: known, 2 runs, 90 hits, last seen 3000
r2=$("$vmex" findings begin --kind nightly)
entry f1 $sig 50 2500 3000
"$vmex" findings ingest f1 --run "$r2" > /dev/null 2>&1
"$vmex" findings list --json > list.json
check "run 2: known, seen by 2 runs, 90 hits, last run $r2" python3 - list.json "$r1" "$r2" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert len(r) == 1, r
r = r[0]
assert r["status"] == "known" and r["times_seen"] == 2 and r["hits"] == 90, r
assert r["first_run"] == int(sys.argv[2]) and r["last_run"] == int(sys.argv[3]), r
assert r["first_seen"] == 1000 and r["last_seen"] == 3000, r
assert r["cells"][0]["times_seen"] == 2 and r["kinds"] == ["nightly"], r
PY
# ingesting the same folder again in run 2 changes nothing
"$vmex" findings ingest f1 --run "$r2" > /dev/null 2>&1
"$vmex" findings list --json > list2.json
check "the same sighting twice: nothing changes" cmp -s list.json list2.json

# an entry whose input does not give its signature: recorded, no reproducer
mkdir -p f2
cp f1/$sig.input f2/frag-mmap-2p20-ios16-3gb.input
entry f2 frag-mmap-2p20-ios16-3gb 1 100 200
"$vmex" findings ingest f2 > out 2>&1
check "an input that does not replay: a warning, no reproducer" \
  bash -c "grep -q 'gives $sig on replay, not frag-mmap-2p20' out && '$vmex' findings show frag-mmap-2p20-ios16-3gb | grep -q '^reproducer    none'"

# bad input: exit 2, and nothing written (no run made)
runs_before=$(sql 'select count(*) from runs')
mkdir -p bad1 bad2 bad3 bad4
echo '{"signature":' > bad1/x.json
entry bad2 other-name 1 1 2; mv bad2/other-name.json bad2/renamed.json
entry bad3 $sig 1 1 2 fuzz_text; cp f1/$sig.input bad3/
entry bad4 $sig 1 1 2   # no .input
touch notadir
for b in bad1 bad2 bad3 bad4 notadir nosuchdir; do
  "$vmex" findings ingest f1 "$b" > out 2> err; rc=$?
  check "bad ingest input $b: exit 2, said" test $rc -eq 2 -a -s err
done
check "bad input wrote no run" test "$(sql 'select count(*) from runs')" = "$runs_before"
"$vmex" findings frobnicate > /dev/null 2>&1; check "unknown action: exit 2" test $? -eq 2
"$vmex" findings list --kind nightly > /dev/null 2>&1; check "an option of another action: exit 2" test $? -eq 2
"$vmex" findings diff --since yesterday > /dev/null 2>&1; check "a bad date: exit 2" test $? -eq 2
"$vmex" findings begin --kind party > /dev/null 2>&1; check "a bad run kind: exit 2" test $? -eq 2
echo "not a database at all, just text that is long enough to be read as a header" > notdb
"$vmex" findings list --store notdb > /dev/null 2> err; rc=$?
check "not a store: exit 2, said" bash -c "test $rc -eq 2 && grep -q 'notdb' err"

# vmex triage --store: the triage's signatures, with their minimized reproducers
"$vmex" triage "$src/reproducers/malloc-large-churn-ios16-3gb.vmex" -o tri --store "$VMEX_STORE" > /dev/null
"$vmex" findings show frag-malloc-2p30-ios16-3gb > show.txt
check "triage --store: recorded by a triage run, minimized" \
  bash -c "grep -q '(triage)' show.txt && grep -q '^# vmex triage: frag-malloc-2p30-ios16-3gb' show.txt"
"$vmex" findings ingest tri > /dev/null
check "a triage folder ingests: seen by 2 runs" \
  bash -c "'$vmex' findings show frag-malloc-2p30-ios16-3gb | grep -q '^runs          2 '"

# triage --store with a run the store lacks, or a file that is no store: nothing written
"$vmex" triage "$src/reproducers/malloc-large-churn-ios16-3gb.vmex" -o tri2 --store "$VMEX_STORE" --run 999 > out 2> err; rc=$?
check "triage --run of no run: exit 2, nothing written" test $rc -eq 2 -a ! -e tri2
"$vmex" triage "$src/reproducers/malloc-large-churn-ios16-3gb.vmex" -o tri2 --store notdb > out 2> err; rc=$?
check "triage --store of a file that is no store: exit 2, nothing written" test $rc -eq 2 -a ! -e tri2

# export, import into another store, twice: the same records
"$vmex" findings export ex > /dev/null
check "export: a .json per signature, a .vmex per reproducer" \
  test "$(ls ex/*.json | wc -l)" = 3 -a "$(ls ex/*.vmex | wc -l)" = 2
"$vmex" findings import ex --store other.db > /dev/null
"$vmex" findings list --json --store other.db > i1.json
"$vmex" findings import ex --store other.db > /dev/null
"$vmex" findings list --json --store other.db > i2.json
check "import twice: the same" cmp -s i1.json i2.json
check "imported records are known, imported, their counts kept" python3 - i1.json <<'PY'
import json, sys
r = {x["signature"]: x for x in map(json.loads, open(sys.argv[1]))}
s = r["frag-mmap-2p27-ios16-3gb"]
assert s["status"] == "known" and s["imported"] and s["times_seen"] == 2 and s["hits"] == 90, s
assert s["first_run"] is None and s["kinds"] == ["import"], s
PY
# bare reproducers: their signature is what they give
mkdir -p bare
cp "$src/reproducers/frag-64m-alternate-ios16-3gb.vmex" "$src/reproducers/malloc-large-churn-ios16-3gb.vmex" bare/
"$vmex" findings import bare --store bare.db > out 2>&1
check "bare reproducers import as the signatures they give" \
  bash -c "'$vmex' findings list --store bare.db | grep -q '^$sig .* known' && '$vmex' findings list --store bare.db | grep -q '^2 finding(s): 0 new, 2 known'"
printf 'vmex 1\nprofile ios16-3gb\na = mmap 1m\n' > bare/noexpect.vmex
"$vmex" findings import bare --store bare2.db > out 2> err; rc=$?
check "a bare reproducer without expect: exit 2, nothing written" test $rc -eq 2 -a ! -e bare2.db

# recheck: a reproducer that stopped reproducing is fixed; seen again, reopened
mkdir -p ex2
cp ex/$sig.json ex2/
# the failing 128m mmap asks for 16m instead: it fits
sed 's/= mmap 128m\(.*\)# FINDING.*/= mmap 16m/' ex/$sig.vmex > ex2/$sig.vmex
cmp -s ex/$sig.vmex ex2/$sig.vmex && no "could not plant the fix"
"$vmex" findings import ex2 --store fixed.db > /dev/null
"$vmex" findings recheck --store fixed.db > out; rc=$?
check "recheck: FIXED, exit 1" bash -c "test $rc -eq 1 && grep -q '^FIXED  $sig' out"
check "recheck: status fixed with its run" bash -c "'$vmex' findings show $sig --store fixed.db | grep -q '^fixed         in run 1'"
"$vmex" findings ingest f1 --store fixed.db > /dev/null 2>&1
"$vmex" findings diff --since 1 --store fixed.db > out; rc=$?
check "seen again after the fix: reopened" bash -c "test $rc -eq 1 && grep -q '^REOPENED  $sig' out"
check "reopened: known again" bash -c "'$vmex' findings show $sig --store fixed.db | grep -q '^status        known'"
"$vmex" findings diff --since 2030-01-01 --store fixed.db > out; rc=$?
check "nothing since a future date: exit 0" bash -c "test $rc -eq 0 && grep -q '^0 change(s)' out"
"$vmex" findings mark $sig flaky --store fixed.db && \
  check "mark by hand" bash -c "'$vmex' findings show $sig --store fixed.db | grep -q '^status        flaky'"

# SIGKILL while recording: consistent, nothing committed lost
mkdir -p big
python3 - big "$sig" <<'PY'
import sys, os, shutil
d, sig = sys.argv[1], sys.argv[2]
for i in range(4000):
    s = "k%05d-%s" % (i, sig)
    open(os.path.join(d, s + ".json"), "w").write(
        '{"signature":"%s","class":"frag","margin":2,"target":"fuzz_xnu","profile":"ios16-3gb","first_unix":1,"last_unix":2}\n' % s)
    shutil.copy(os.path.join("f1", sig + ".input"), os.path.join(d, s + ".input"))
PY
"$vmex" findings ingest big --verbose --store kill.db > /dev/null 2> kill.log &
pid=$!
for _ in $(seq 1 600); do
  [ "$(grep -c '^recorded ' kill.log 2>/dev/null)" -ge 100 ] && break
  sleep 0.05
done
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
n=$(grep -c '^recorded ' kill.log)
check "the ingest was killed mid-way ($n of 4000 recorded)" test "$n" -ge 100 -a "$n" -lt 4000
check "killed: PRAGMA integrity_check ok, every reported finding there" python3 - kill.db kill.log <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
have = {r[0] for r in c.execute("select signature from findings")}
said = [l.split()[1] for l in open(sys.argv[2]) if l.startswith("recorded ")]
missing = [s for s in said if s not in have]
assert not missing, missing[:5]
print("  integrity ok; %d reported, %d in the store" % (len(said), len(have)))
PY
"$vmex" findings list --store kill.db > /dev/null
check "the killed store opens and lists" test $? -eq 0

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
