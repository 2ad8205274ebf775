#!/usr/bin/env bash
# tests/e2e/defects.sh - one regression test per defect of the adversarial
# probe (issue "Hard to break"), each named after it: ctest defect_d4 ...
# Each command below is the one the issue shows, or a neighbour of it, with
# what it must give now: a located error and exit 2, or the right result;
# nothing destroyed, half-written or hung.  Every one of them failed on the
# tree the issue was filed against.
# Usage: tests/e2e/defects.sh PATH-TO-VMEX REPO-ROOT d4|d5|d6|d7|d8|d10|d11|d12
# Exit 77 (a ctest skip) when the defect needs target linux and it cannot
# run here.
set -u

VMEX=${1:?usage: tests/e2e/defects.sh PATH-TO-VMEX REPO-ROOT DEFECT}
ROOT=${2:?usage: tests/e2e/defects.sh PATH-TO-VMEX REPO-ROOT DEFECT}
D=${3:?usage: tests/e2e/defects.sh PATH-TO-VMEX REPO-ROOT DEFECT}
case $VMEX in /*) ;; *) VMEX=$PWD/$VMEX ;; esac
case $ROOT in /*) ;; *) ROOT=$PWD/$ROOT ;; esac
BUILD=$(dirname "$VMEX")

T=$(mktemp -d "${TMPDIR:-/tmp}/vmex-defect.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
source "$ROOT/tests/helpers/lib.sh"

# trun SECONDS CODE ARGS...: run, but a run over SECONDS is a failure (a hang)
trun() {
    local secs=$1 want=$2
    shift 2
    timeout -k 2 "$secs" "$VMEX" "$@" >"$T/out" 2>"$T/err"
    local got=$?
    [ "$got" -ne 124 ] && [ "$got" -ne 137 ] || fail "vmex $* ran over ${secs}s"
    [[ "|$want|" == *"|$got|"* ]] || fail "vmex $* exited $got, expected $want"
    ok
}
absent() { for p in "$@"; do [ ! -e "$p" ] || fail "'$p' exists, but nothing may be written"; done; ok; }
same() { cmp -s "$1" "$2" || fail "$1 changed"; ok; }
need_linux() {
    printf 'vmex 1\ntarget linux\nset window 64m\na = mmap 1m\n' >probe.vmex
    "$VMEX" run probe.vmex >probe.out 2>&1 || { echo "SKIP: target linux cannot run here: $(cat probe.out)"; exit 77; }
}

cp "$ROOT/reproducers/frag-64m-alternate-ios16-3gb.vmex" in.vmex
cp in.vmex orig.vmex

case $D in
d4)   # vmex triage DIR follows directory symlink cycles
    mkdir -p d/a
    cp in.vmex d/a/x.vmex
    for k in 1 2 3; do ln -s .. "d/a/up$k"; done
    trun 10 1 triage d -o t
    has out "1 inputs: 1 signatures"
    trun 10 0 check d
    has out "1 passed, 0 failed"
    # a file reached by two names is one input; a self-loop is a located error
    ln -s a/x.vmex d/y.vmex
    trun 10 1 triage d -o t2
    has out "1 inputs: 1 signatures"
    ln -s loop.vmex d/loop.vmex
    trun 10 2 check d
    has err "d/loop.vmex: error: cannot read: Too many levels of symbolic links"
    if [ -x "$BUILD/fuzz_text_replay" ]; then
        rm d/loop.vmex
        timeout 10 "$BUILD/fuzz_text_replay" d >out 2>err || fail "fuzz_text_replay d: exit $?"
        has out "1 passed, 0 failed"
    fi
    ;;
d5)   # a FIFO hangs every command, inside directories too
    mkfifo f
    cat >w.vmexw <<'EOF'
workload 1
phase a ops 10
  stream s mmap weight 1 size fixed 1m free fifo 1
EOF
    for cmd in "check f" "run f" "import f" "convert f out.vmex" "minimize f" "triage f -o t" "plot f" "diff f" \
               "stress --workload f --ops 10" "import --format strace f"; do
        # shellcheck disable=SC2086
        trun 10 2 $cmd
        has err "cannot read: a FIFO, not a regular file"
    done
    trun 10 2 triage in.vmex -o t --known f
    has err "cannot open directory 'f'"
    mkdir fd
    cp in.vmex fd/a.vmex
    mkfifo fd/b.vmex fd/c
    trun 10 2 check fd
    has err "fd/b.vmex: error: cannot read: a FIFO, not a regular file"
    trun 10 2 triage fd -o t   # either FIFO may be the first one read
    hasre err "fd/(b\.vmex|c): cannot read: a FIFO, not a regular file"
    # devices and directories are refused the same way
    trun 10 2 run /dev/zero
    has err "/dev/zero: cannot read: a character device, not a regular file"
    trun 10 2 minimize /dev/zero
    trun 10 2 run fd
    has err "fd: cannot read: a directory, not a regular file"
    absent out.vmex t
    ;;
d6)   # the hang limit covered the whole run, so the verdict moved with the machine's speed
    need_linux
    {
        printf 'vmex 1\ntarget linux\nset window 1g\n'
        for i in $(seq 0 299); do printf 'a%d = mmap 16m\ntouch a%d\nmunmap a%d\n' "$i" "$i" "$i"; done
    } >long.vmex
    start=$(date +%s%N)
    VMEX_HANG_MS=1500 trun 120 0 run long.vmex
    took=$(( ($(date +%s%N) - start) / 1000000 ))
    has out "verdict: ok"
    echo "900 ops in ${took} ms with a limit of 1500 ms per op"
    # an op that takes longer than the limit is a hang at that op, in every replay
    printf 'vmex 1\ntarget linux\nset window 1g\na = mmap 512m\nb = mmap 1m\ntouch a\nc = mmap 1m\n' >slow.vmex
    for k in 1 2 3; do
        VMEX_HANG_MS=50 trun 60 1 run --keep-going slow.vmex
        has out "verdict: hang at 2"
        has out "the run ended with the hang: 1 op not run"
        grep -q -- "--keep-going runs them" out && fail "a hang said --keep-going runs the rest"
    done
    ;;
d7)   # an output may name an input and destroy it
    mkdir sub
    cp "$ROOT/corpora/traces/python3-json.trace" in.trace
    cp in.trace orig.trace
    ln -s in.vmex link.vmex
    ln in.vmex hard.vmex
    trun 10 2 run --svg in.vmex in.vmex
    has err "refusing to write 'in.vmex': it is an input of this command"
    trun 20 2 import in.trace -o in.trace
    trun 20 2 import - -o in.trace <in.trace
    same in.trace orig.trace
    trun 10 2 triage in.vmex -o t --html in.vmex
    trun 10 2 convert in.vmex in.vmex
    trun 10 2 minimize in.vmex -o in.vmex
    trun 10 2 minimize in.vmex -o link.vmex
    trun 10 2 minimize in.vmex -o hard.vmex
    trun 10 2 minimize in.vmex -o ./sub/../in.vmex
    trun 10 2 triage in.vmex -o t --html t/triage.json
    has err "'t/triage.json' would be written twice"
    # a reproducer that would replace a --known input is refused too, and the rest is not written
    trun 10 1 triage in.vmex -o k
    cp k/triage.json k.json
    trun 10 2 triage in.vmex -o k --known k
    has err "refusing to write 'k/frag-mmap-2p27-ios16-3gb.vmex': it is an input of this command"
    same k/triage.json k.json
    same in.vmex orig.vmex
    absent t
    no_tmp
    # an output that is not an input is still written
    trun 10 0 minimize in.vmex -o sub/min.vmex
    [ -s sub/min.vmex ] || fail "minimize -o sub/min.vmex wrote nothing"
    # through a symlink (the link stays), and into /dev/fd/1 in place (no file is made in /proc)
    ln -s sub/min.vmex minlink.vmex
    rm sub/min.vmex && : >sub/min.vmex
    trun 10 0 minimize in.vmex -o minlink.vmex
    [ -L minlink.vmex ] && [ -s sub/min.vmex ] || fail "-o through a symlink replaced the link"
    ok
    "$VMEX" minimize in.vmex -o /dev/fd/1 >fd1.vmex 2>err || fail "minimize -o /dev/fd/1 failed"
    cmp -s fd1.vmex sub/min.vmex || fail "minimize -o /dev/fd/1 wrote something else"
    ok
    ;;
d8)   # a malformed .vmex was silently decoded as binary
    printf '\357\273\277' >bom.vmex
    cat in.vmex >>bom.vmex
    sed 's/^vmex 1$/vnex 1/' in.vmex >mutated.txt
    for f in bom.vmex mutated.txt; do
        trun 10 2 check "$f"
        for cmd in "convert $f out.bin" "minimize $f" "minimize $f -o m.vmex" "triage $f -o t"; do
            # shellcheck disable=SC2086
            trun 10 2 $cmd
            hasre err "^$f:[0-9]+:1: error: "
        done
    done
    # a .vmex file with a NUL byte or a binary-looking start is still text
    { printf '\001'; cat in.vmex; } >ctl.vmex
    trun 10 2 minimize ctl.vmex
    has err "ctl.vmex:1:1: error: invalid byte 0x01"
    absent out.bin m.vmex t
    # binary crash files still decode
    trun 10 0 convert "$ROOT/corpora/fuzz_xnu/dart-jsc-ios16-3gb.bin" back.vmex
    grep -q "^# converted from .*dart-jsc-ios16-3gb.bin (binary encoding v1" back.vmex || fail "back.vmex is not the decoded program"
    ok
    ;;
d10)  # set window 16t parsed, then the executor refused it, unlocated, and check skipped it
    need_linux
    printf 'vmex 1\ntarget linux\nset window 16t\na = mmap 1m\nexpect ok\n' >w16.vmex
    trun 30 0 run w16.vmex
    has out "linux-16t-kernel"
    has out "verdict: ok"
    trun 30 0 check w16.vmex
    has out "1 passed, 0 failed"
    grep -q SKIP out && fail "check skipped a 16t window"
    printf 'vmex 1\ntarget linux\nset window 16386g\n' >w17.vmex
    trun 10 2 run w17.vmex
    has err "w17.vmex:3:12: error: set window must be between 2m and 16t"
    ;;
d11)  # a touch-only workload phase parsed, then failed at run time with the wrong cause
    printf 'workload 1\nphase a ops 100\n  touch weight 1 size fixed 16k\n' >t.vmexw
    trun 10 2 stress --workload t.vmexw --ops 100 --out so
    has err "t.vmexw:3:3: error: phase 'a' only touches"
    grep -q "handle pool" err && fail "the error names the handle pool"
    absent so
    ;;
d12)  # partial output on exit 2
    trun 10 2 triage in.vmex -o t4 --html nodir/x.html
    has err "cannot write 'nodir/x.html'"
    absent t4
    # a write that fails at the end (a file size limit, as a full disk) leaves nothing either
    cp "$ROOT/corpora/workloads/jsc-flutter-app.vmexw" w.vmexw
    (ulimit -f 4; trun 20 2 triage in.vmex -o t5 --html page.html) || exit 1
    has err "File too large"
    (ulimit -f 4; trun 60 2 stress --workload w.vmexw --ops 20000 --out st) || exit 1
    absent t5 page.html st
    no_tmp
    trun 20 1 triage in.vmex -o t5 --html page.html
    [ -s t5/triage.json ] && [ -s page.html ] || fail "triage wrote nothing"
    # ci/nightly: a budget too short for its cells is refused before any folder is made
    (cd "$ROOT" && timeout 60 ci/nightly --seconds 1 --out "$T/X") >out 2>err
    [ $? -eq 2 ] || fail "ci/nightly --seconds 1 did not exit 2"
    has err "is too short"
    absent X
    ;;
*)
    echo "defects.sh: unknown defect '$D'" >&2
    exit 2
    ;;
esac
finish
