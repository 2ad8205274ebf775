#!/usr/bin/env bash
# tests/e2e/import_defects.sh - regression tests of the defects the adversarial
# probe found in the trace importer (issue "Hard to break"), one per mode:
#   d3   a 20-digit pid overflowed a signed long (UBSan; the plain build
#        wrapped it and imported): now a located error, exit 2
#   d9   unfinished calls that never resume made the import quadratic (25k
#        lines 0.5 s, 100k 8.1 s): now linear; 200,000 of them must import
#        within 20 s of CPU (they take well under a second; the quadratic
#        importer needed minutes)
#   d15  errors on lines cut by "strace: Process N attached" had no column:
#        now FILE:LINE:COL of the piece the error is in
# Usage: tests/e2e/import_defects.sh PATH-TO-VMEX d3|d9|d15
set -u

VMEX=${1:?usage: tests/e2e/import_defects.sh PATH-TO-VMEX d3|d9|d15}
MODE=${2:?usage: tests/e2e/import_defects.sh PATH-TO-VMEX d3|d9|d15}
case $VMEX in /*) ;; *) VMEX=$PWD/$VMEX ;; esac
PY=${PYTHON:-python3}
command -v "$PY" >/dev/null 2>&1 || { echo "SKIP: no $PY"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/vmex-defects.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() {
    failed=$((failed + 1))
    echo "FAIL $*"
    for f in out err; do
        [ -s "$T/$f" ] && { echo "--- std$f:"; head -c 2000 "$T/$f"; echo; }
    done
}
# refused FILE WHERE MESSAGE: exit 2, "FILE:WHERE: error: MESSAGE", nothing written
refused() {
    rm -f out.vmex
    timeout 60 "$VMEX" import "$1" -o out.vmex >"$T/out" 2>"$T/err"
    local rc=$?
    if [ $rc -eq 2 ] && grep -qF -- "$1:$2: error: $3" "$T/err" && [ ! -e out.vmex ] &&
       [ -z "$(ls out.vmex.tmp.* 2>/dev/null)" ]; then
        pass "$1: $2: $3"
    else
        fail "$1: want exit 2 and $1:$2: error: $3 (exit $rc)"
    fi
}
imports() {   # imports FILE NAME: exit 0
    timeout 60 "$VMEX" import "$1" -o out.vmex >"$T/out" 2>"$T/err" && pass "$2" || fail "$2"
}
MMAP='mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000'

case $MODE in
d3)
    # the probe's line: a pid of 20 digits (-o FILE form) and in brackets
    echo "12345678901234567890 $MMAP" >pid20.strace
    refused pid20.strace 1:1 "pid '12345678901234567890' is out of range (a pid is at most 2147483647)"
    echo "[pid 12345678901234567890] $MMAP" >pid20b.strace
    refused pid20b.strace 1:6 "pid '12345678901234567890' is out of range"
    echo "99999999999999999999999999 $MMAP" >pid26.strace
    refused pid26.strace 1:1 "pid '99999999999999999999999999' is out of range"
    # the edge: pid_t's largest imports, one more does not
    echo "2147483647 $MMAP" >pidmax.strace
    imports pidmax.strace "pid 2147483647 imports"
    grep -q "^m0 = mmap 4k$" out.vmex && pass "... as its mapping" || fail "pid 2147483647: the mapping"
    echo "2147483648 $MMAP" >pidmax1.strace
    refused pidmax1.strace 1:1 "pid '2147483648' is out of range"
    # the note that names a pid, and a SIGCHLD that does
    printf 'brk(NULL) = 0x1000\nstrace: Process 12345678901234567890 attached\n' >note.strace
    refused note.strace 2:17 "pid '12345678901234567890' is out of range"
    printf '%s\n--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=12345678901234567890, si_uid=0} ---\n' \
        "$MMAP" >sig.strace
    imports sig.strace "a SIGCHLD naming an impossible pid is read as no pid"
    # a timestamp of 20 digits is text, never arithmetic: it imports
    echo "100  12345678901234567890.123456 $MMAP" >ts20.strace
    imports ts20.strace "a 20-digit -ttt timestamp imports"
    # vmex-trace: its header's pid, and the recorder's counts at the end
    printf 'vmex-trace 1 pid 99999999999999999999 prog x\nM 1 100\n' >t1.trace
    refused t1.trace 1:18 "pid '99999999999999999999' overflows 64 bits"
    printf 'vmex-trace 1 pid 4294967296 prog x\nM 1 100\n' >t2.trace
    refused t2.trace 1:18 "pid 4294967296 is out of range (a pid is at most 2147483647)"
    printf 'vmex-trace 1 pid 1 prog x\nM 1 100\n# end unknown-free 123456789012345678901234567890\n' >t3.trace
    imports t3.trace "a recorder count past 64 bits imports"
    grep -q "recorder: frees of memory it never saw 18446744073709551615," out.vmex &&
        pass "... and is read as the most there is, not wrapped" || fail "the recorder's count wrapped"
    ;;
d9)
    n=200000
    "$PY" - $n >many.strace <<'EOF'
import sys
n = int(sys.argv[1])
out = sys.stdout
for p in range(n):   # every pid begins a call and never comes back
    out.write("%d  mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0 <unfinished ...>\n" % (100000 + p))
out.write("1  mmap(NULL, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n")
EOF
    start=$(date +%s.%N)
    (ulimit -t 20; "$VMEX" import many.strace -o out.vmex) >"$T/out" 2>"$T/err"
    rc=$?
    end=$(date +%s.%N)
    echo "import of $n never-resumed calls: $(echo "$end - $start" | bc 2>/dev/null || echo '?') s (exit $rc)"
    [ $rc -eq 0 ] && pass "$n unfinished calls that never resume import within 20 s of CPU" ||
        fail "$n unfinished calls: exit $rc (killed at 20 s of CPU: quadratic?)"
    grep -q "^# dropped ($n): calls <unfinished ...> and never resumed$" out.vmex && pass "... all counted" ||
        fail "... not all counted"
    grep -q "^m0 = mmap 16k$" out.vmex && pass "... and the call that finished is the program" || fail "the program"
    ;;
d15)
    # an error in the piece before the note: its line and column
    printf '[pid   123] mmap(NULL, 4k, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0strace: Process 125 attached\n) = 0x7f0000000000\n' >cut1.strace
    col=$("$PY" -c 'import sys; print(open(sys.argv[1]).readline().index("4k") + 1)' cut1.strace)
    refused cut1.strace "1:$col" "mmap: bad length '4k'"
    # an error in the piece after it: the next line's column
    printf '[pid   123] munmap(0x7f0000000000, 8192strace: Process 125 attached\n) = zero\n' >cut2.strace
    refused cut2.strace 2:5 "munmap: bad result 'zero'"
    # a line cut twice: the middle piece
    printf 'mmap(NULL, 4096, PROT_READstrace: Process 7 attached\n|BOGUS, MAP_PRIVATEstrace: Process 8 attached\n, -1, 0) = 0x1000\n' >cut3.strace
    refused cut3.strace 2:2 "mmap: bad protection 'PROT_READ|BOGUS'"
    # a cut line that is a call begun <unfinished ...>, resumed later: the
    # error in its arguments points where they were written
    printf '[pid 9] mmap(NULL, 4x, PROT_READstrace: Process 10 attached\n <unfinished ...>\n[pid 10] brk(NULL) = 0x1000\n[pid 9] <... mmap resumed>, MAP_PRIVATE, -1, 0) = 0x1000\n' >cut4.strace
    col=$("$PY" -c 'import sys; print(open(sys.argv[1]).readline().index("4x") + 1)' cut4.strace)
    refused cut4.strace "1:$col" "mmap: bad length '4x'"
    # a line cut a dozen times: the piece the bad flag is in
    "$PY" - >many.strace <<'EOF'
s = "mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|BOGUS, -1, 0) = 0x1000"
print("".join(c + ("strace: Process %d attached\n" % (100 + i) if i % 6 == 5 else "") for i, c in enumerate(s)))
EOF
    at=$("$PY" -c 'import sys
for n, l in enumerate(open(sys.argv[1]), 1):
    if "BOG" in l: print("%d:%d" % (n, l.index("B") + 1))' many.strace)
    refused many.strace "$at" "mmap: bad flags 'MAP_PRIVATE|BOGUS'"
    # a cut line that is fine imports
    printf '[pid   123] munmap(0x7f0000000000, 8192strace: Process 125 attached\n) = 0\n' >ok.strace
    imports ok.strace "a cut line that is fine imports"
    ;;
*)
    echo "usage: tests/e2e/import_defects.sh PATH-TO-VMEX d3|d9|d15" >&2
    exit 2
    ;;
esac

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
