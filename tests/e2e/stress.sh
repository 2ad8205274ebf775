#!/usr/bin/env bash
# tests/e2e/stress.sh - `vmex stress` end to end: every shipped workload for a
# short run, twice with one seed (byte-identical series.csv) and once with
# another (a different series); the output files and their formats; the
# reproducer of a finding passes `vmex check`; bad input exits 2 with a
# located error and writes nothing; files are written atomically.
# Usage: tests/e2e/stress.sh PATH-TO-VMEX REPO-ROOT
set -u

VMEX=${1:?usage: tests/e2e/stress.sh PATH-TO-VMEX REPO-ROOT}
ROOT=${2:?usage: tests/e2e/stress.sh PATH-TO-VMEX REPO-ROOT}
case $VMEX in /*) ;; *) VMEX=$PWD/$VMEX ;; esac
case $ROOT in /*) ;; *) ROOT=$PWD/$ROOT ;; esac
[ -x "$VMEX" ] || { echo "stress.sh: $VMEX is not executable" >&2; exit 1; }
WL=$ROOT/corpora/workloads
OPS=200000

T=$(mktemp -d "${TMPDIR:-/tmp}/vmex-stress.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1

source "$ROOT/tests/helpers/lib.sh"

# check_run DIR CODE: the files of a run and their formats
check_run() {
    local d=$1 code=$2
    for f in series.csv plot.svg summary.json; do
        [ -s "$d/$f" ] || fail "$d/$f is missing or empty"
    done
    ok
    head -1 "$d/series.csv" | grep -qx 'ops,free,largest,frag,entries,mapped,footprint' ||
        fail "$d/series.csv: bad header"
    ok
    $PY - "$d" "$code" <<'EOF' || fail "$d: the files do not agree"
import csv, json, sys, xml.etree.ElementTree as ET
d, code = sys.argv[1], int(sys.argv[2])
rows = list(csv.DictReader(open(d + "/series.csv")))
assert len(rows) >= 2, "too few samples"
ops = [int(r["ops"]) for r in rows]
assert ops[0] == 0 and ops == sorted(set(ops)), "ops not increasing from 0"
for r in rows:
    free, largest = int(r["free"]), int(r["largest"])
    assert largest <= free
    want = 1 - largest / free if free else 0
    assert abs(float(r["frag"]) - want) < 1e-5, r
s = json.load(open(d + "/summary.json"))
assert s["ops_run"] == ops[-1], (s["ops_run"], ops[-1])
assert s["samples"] == len(rows)
assert s["ops_per_s"] > 0
assert (s["finding"] is not None) == (code == 1), "exit status and finding disagree"
assert 0 <= s["worst_frag"]["frag"] <= 1
if s["finding"]:
    f = s["finding"]
    assert f["op"] == s["ops_run"] - 1
    assert f["class"] in ("frag", "exhausted", "jetsam"), f
    r = s["reproducer"]
    assert r and r["reproduces"] and r["minimized"], r
    assert r["to_op"] == f["op"] and r["from_op"] == max(0, f["op"] + 1 - r["window"])
    assert r["ops_after"] <= r["ops_before"]
svg = ET.parse(d + "/plot.svg").getroot()
assert svg.tag.endswith("svg") and svg.get("viewBox")
text = open(d + "/plot.svg").read()
assert "polyline" in text and "largest hole" in text
if s["finding"]:
    assert "first finding" in text
EOF
    ok
    if [ "$code" = 1 ]; then
        [ -s "$d/finding.vmex" ] && [ -s "$d/window.vmex" ] || fail "$d: a finding but no finding.vmex/window.vmex"
        ok
        "$VMEX" check "$d/finding.vmex" "$d/window.vmex" >"$T/chk" 2>&1 || {
            cat "$T/chk" >&2
            fail "$d: the reproducers do not pass vmex check"
        }
        ok
        grep -q '^expect ' "$d/finding.vmex" || fail "$d/finding.vmex has no expect line"
        ok
    else
        [ ! -e "$d/finding.vmex" ] || fail "$d: no finding but a finding.vmex"
        ok
    fi
}

# ---------------------------------------------------------------- the shipped workloads
n=0
findings=0
for w in "$WL"/*.vmexw; do
    name=$(basename "$w" .vmexw)
    n=$((n + 1))
    run "0|1" stress --workload "$w" --ops $OPS --seed 1 --out "a-$name"
    c1=$last
    has out "workload $name"
    hasre out '^ran [0-9,]+ ops in [0-9.]+ s: [0-9,]+ ops/s'
    check_run "a-$name" "$c1"
    [ "$c1" = 1 ] && findings=$((findings + 1))
    run "0|1" stress --workload "$w" --ops $OPS --seed 1 --out "b-$name"
    [ "$last" = "$c1" ] || fail "$name: seed 1 exits $c1 and then $last"
    cmp -s "a-$name/series.csv" "b-$name/series.csv" || fail "$name: seed 1 twice gives different series.csv"
    ok
    if [ "$c1" = 1 ]; then   # the reproducer is deterministic too
        cmp -s "a-$name/finding.vmex" "b-$name/finding.vmex" || fail "$name: seed 1 twice gives different finding.vmex"
        ok
    fi
    cmp -s "a-$name/plot.svg" "b-$name/plot.svg" || fail "$name: seed 1 twice gives different plot.svg"
    ok
    run "0|1" stress --workload "$w" --ops $OPS --seed 2 --out "c-$name"
    check_run "c-$name" "$last"
    cmp -s "a-$name/series.csv" "c-$name/series.csv" && fail "$name: seeds 1 and 2 give the same series.csv"
    ok
done
[ "$n" -ge 4 ] || fail "only $n workloads in $WL"
ok
[ "$findings" -ge 1 ] || fail "no shipped workload has a finding in $OPS ops: the reproducer path is untested"
ok
no_tmp

# ---------------------------------------------------------------- options
# --json: the summary on stdout, as summary.json
run 1 stress --workload "$WL/game-streamer.vmexw" --ops $OPS --json --out j
$PY -c 'import json,sys; a=json.load(open("out")); b=json.load(open("j/summary.json")); assert a==b' ||
    fail "--json output differs from summary.json"
ok
# a bare name is looked up in corpora/workloads/; the default directory
(cd "$ROOT" && "$VMEX" stress --workload game-streamer --ops 1000 --out "$T/bare" >"$T/out" 2>"$T/err")
[ $? -le 1 ] && [ -s bare/summary.json ] || fail "--workload game-streamer (a bare name) did not run"
ok
run "0|1" stress --workload "$WL/game-streamer.vmexw" --ops 500 --seed 7
[ -s runs/stress-game-streamer-7/series.csv ] || fail "no default directory runs/stress-game-streamer-7"
ok
# --sample and --window
run "0|1" stress --workload "$WL/powerlaw-malloc.vmexw" --ops 20000 --sample 100 --out s
[ "$(wc -l <s/series.csv)" -ge 201 ] || fail "--sample 100: too few samples"
ok
run 1 stress --workload "$WL/game-streamer.vmexw" --ops $OPS --window 50 --out win
$PY -c 'import json; r=json.load(open("win/summary.json"))["reproducer"]; assert r["window"]==50 and r["reproduces"], r' ||
    fail "--window 50"
ok
"$VMEX" check win/finding.vmex >/dev/null || fail "--window 50: finding.vmex fails vmex check"
ok
# xzone malloc (iOS 26): the reproducer is the state before the failing op
# and that op, minimized; it gives the run's signature back under vmex check
run 1 stress --workload "$WL/jsc-flutter-app.vmexw" --profile ios26-3gb --ops 1200000 --out xz
$PY -c '
import json
s = json.load(open("xz/summary.json"))
r, f = s["reproducer"], s["finding"]
assert f["signature"] == "frag-mmap-2p23-ios26-3gb" and f["op"] == 1172156, f
assert r["reproduces"] and r["kind"] == "state" and r["minimized"], r' || fail "xzone reproducer: $(cat xz/summary.json | head -c 600)"
ok
grep -q "^# xzone malloc: no window of ops before it" xz/finding.vmex || fail "xzone: the header does not say why"
ok
"$VMEX" check xz/finding.vmex xz/window.vmex >"$T/chk" 2>&1 || fail "xzone: $(cat "$T/chk")"
grep -q "verdict frag at" "$T/chk" || fail "xzone: the reproducer is no frag"
ok
# --seconds: progress lines on a non-terminal stderr, a run of about that long
run 0 stress --workload "$WL/browser-session.vmexw" --seconds 1.5 --hunt 'too-large:size>=255t' --out sec
hasre err '^stress: [0-9.]+[kMG]? ops  [0-9.]+[kMG]? ops/s  free '
$PY -c 'import json; s=json.load(open("sec/summary.json")); assert s["ops_limit"] is None and s["seconds_limit"]==1.5 and s["ops_run"]>0 and s["finding"] is None' ||
    fail "--seconds: bad summary"
ok
# SIGINT ends a run like its end: every file written
"$VMEX" stress --workload "$WL/browser-session.vmexw" --seconds 60 --hunt 'too-large:size>=255t' --out int >"$T/out" 2>"$T/err" &
pid=$!
sleep 1.5
kill -INT $pid
wait $pid
[ $? = 0 ] || fail "an interrupted run did not exit 0"
ok
has out "interrupted (SIGINT)"
$PY -c 'import json; s=json.load(open("int/summary.json")); assert s["interrupted"] and s["ops_run"]>0' ||
    fail "an interrupted run: bad summary"
ok
check_run int 0
# a run without a finding removes an older finding.vmex from its directory
run 1 stress --workload "$WL/game-streamer.vmexw" --ops $OPS --out reuse
run 0 stress --workload "$WL/game-streamer.vmexw" --ops 100 --out reuse
[ ! -e reuse/finding.vmex ] && [ ! -e reuse/window.vmex ] || fail "a stale finding.vmex was left"
ok
# --profile and --entitlement override the workload's
run "0|1" stress --workload "$WL/jsc-flutter-app.vmexw" --ops 1000 --profile ios17-4gb --entitlement extended-virtual-addressing --out prof
has out "profile ios17-4gb, entitlements extended-virtual-addressing"
run "0|1" stress --workload "$WL/jsc-flutter-app.vmexw" --ops 1000 --target xnu --out tx
no_tmp

# ---------------------------------------------------------------- bad input: exit 2, a located error, nothing written
printf 'workload 1\nphase p ops 10\n  stream s malloc weight x size fixed 1 free fifo 1\n' >bad-field.vmexw
run 2 stress --workload bad-field.vmexw --out bad1
has err "bad-field.vmexw:3:26: error: bad weight 'x'"
printf 'workload 1\nphase p ops 10\n  stream s malloc weight 1 size lognormal 64 free fifo 1\n' >bad-dist.vmexw
run 2 stress --workload bad-dist.vmexw --out bad1
has err "bad-dist.vmexw:3:46: error: bad sigma 'free'"
printf 'workload 2\n' >bad-version.vmexw
run 2 stress --workload bad-version.vmexw --out bad1
has err "bad-version.vmexw:1:10: error: unsupported version 2"
run 2 stress --workload no-such-workload.vmexw --out bad1
has err "vmex: error: cannot read workload 'no-such-workload.vmexw'"
run 2 stress --workload nonesuch --out bad1
has err "cannot read workload 'nonesuch'"
run 2 stress --workload "$WL/game-streamer.vmexw" --target linux --out bad1
has err "--target linux is not available yet"
run 2 stress --workload "$WL/game-streamer.vmexw" --target linux-model --out bad1
has err "--target linux-model is not available yet"
run 2 stress --workload "$WL/game-streamer.vmexw" --target windows --out bad1
has err "unknown target 'windows'"
run 2 stress --workload "$WL/game-streamer.vmexw" --ops 0 --out bad1
has err "vmex: error: --ops must be greater than 0"
run 2 stress --workload "$WL/game-streamer.vmexw" --ops 1e6 --out bad1
has err "bad value '1e6' for --ops"
run 2 stress --workload "$WL/game-streamer.vmexw" --ops 10 --seconds 1 --out bad1
has err "--ops and --seconds cannot be combined"
run 2 stress --workload "$WL/game-streamer.vmexw" --seconds -1 --out bad1
has err "bad value '-1' for --seconds"
run 2 stress --workload "$WL/game-streamer.vmexw" --seed x1 --out bad1
has err "bad seed 'x1'"
run 2 stress --workload "$WL/game-streamer.vmexw" --window 0 --out bad1
has err "--window must be greater than 0"
run 2 stress --workload "$WL/game-streamer.vmexw" --sample 0 --out bad1
has err "--sample must be greater than 0"
run 2 stress --workload "$WL/game-streamer.vmexw" --hunt fragg --out bad1
has err "bad hunt policy 'fragg'"
run 2 stress --workload "$WL/game-streamer.vmexw" --profile ios99-1gb --out bad1
has err "unknown profile 'ios99-1gb'"
run 2 stress --workload "$WL/game-streamer.vmexw" --entitlement jumbo --out bad1
has err "unknown entitlement 'jumbo'"
run 2 stress --workload "$WL/game-streamer.vmexw" --bogus --out bad1
has err "unknown option '--bogus' for 'vmex stress'"
run 2 stress --workload "$WL/game-streamer.vmexw" extra.vmexw --out bad1
has err "takes no FILE argument"
run 2 stress --ops 10
has err "'vmex stress' needs --workload W"
run 2 stress --workload
has err "option '--workload' needs a value"
[ ! -e bad1 ] || fail "bad input created the output directory"
ok
# an output directory that cannot be made
: >a-file
run 2 stress --workload "$WL/game-streamer.vmexw" --ops 10 --out a-file/sub
has err "vmex: error: cannot create 'a-file/sub'"
no_tmp

echo "$passed passed, 0 failed"
