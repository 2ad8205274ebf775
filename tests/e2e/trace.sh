#!/usr/bin/env bash
# tests/e2e/trace.sh - real traces end to end: record a small C program with
# libvmex-record.so (LD_PRELOAD), import the trace, replay it with
# `vmex run --json`, and check the call counts and the live-byte curve
# against what the program is known to do; record a threaded program that
# forks (every trace must import: no lost or doubled handle); record
# python3; import the shipped trace and the strace fixture; bad traces.
# Usage: tests/e2e/trace.sh PATH-TO-VMEX REPO-ROOT PATH-TO-LIBVMEX-RECORD.SO
# Exits 77 (skipped) when there is no C compiler or LD_PRELOAD does not
# take effect here (a static or setuid shell, musl without preload, ...).
set -u

VMEX=${1:?usage: tests/e2e/trace.sh PATH-TO-VMEX REPO-ROOT PATH-TO-LIBVMEX-RECORD.SO}
ROOT=${2:?usage: tests/e2e/trace.sh PATH-TO-VMEX REPO-ROOT PATH-TO-LIBVMEX-RECORD.SO}
LIB=${3:?usage: tests/e2e/trace.sh PATH-TO-VMEX REPO-ROOT PATH-TO-LIBVMEX-RECORD.SO}
case $VMEX in /*) ;; *) VMEX=$PWD/$VMEX ;; esac
case $LIB in /*) ;; *) LIB=$PWD/$LIB ;; esac
[ -x "$VMEX" ] || { echo "trace.sh: $VMEX is not executable" >&2; exit 1; }
[ -f "$LIB" ] || { echo "trace.sh: $LIB does not exist" >&2; exit 1; }
PY=${PYTHON:-python3}
CC=${CC:-cc}
command -v "$CC" >/dev/null 2>&1 || { echo "SKIP: no C compiler ($CC)"; exit 77; }
command -v "$PY" >/dev/null 2>&1 || { echo "SKIP: no $PY for the JSON checks"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/vmex-trace.XXXXXX")
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
# check NAME COMMAND...: one test, its output in $T/out and $T/err
check() {
    local name=$1
    shift
    if "$@" >"$T/out" 2>"$T/err"; then pass "$name"; else fail "$name"; fi
}

# ---------------------------------------------------------------- a known program
# Sizes the model keeps as they are (nano/tiny 16 B, small 512 B, large
# 16 KiB quanta), so the replay's sizes are the program's.  The two
# malloc(MARK) calls fence the sequence off from anything libc does.
cat >seq.c <<'EOF'
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/mman.h>
#define MARK 999984
int main(void)
{
    free(malloc(MARK));
    char *a = malloc(96);                                       /* 96 */
    char *b = malloc(4096);                                     /* 4192 */
    char *c = calloc(10, 48);                                   /* 4672 */
    char *d = malloc(49152);                                    /* 53824 */
    a = realloc(a, 3072);                                       /* 56800 */
    free(b);                                                    /* 52704 */
    char *m1 = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *m2 = mmap(NULL, 256 << 10, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    munmap(m1 + (64 << 10), 64 << 10);                          /* a hole in m1 */
    void *e = NULL;
    if (posix_memalign(&e, 64, 2048))                           /* 54752 */
        return 1;
    munmap(m1, 1 << 20);                                        /* the rest: two pieces */
    free(c);                                                    /* 54272 */
    free(d);                                                    /* 5120 */
    char *m3 = mmap(NULL, 64 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    m3 = mremap(m3, 64 << 10, 512 << 10, MREMAP_MAYMOVE);
    free(e);                                                    /* 3072 */
    free(a);                                                    /* 0 */
    munmap(m2, 256 << 10);
    munmap(m3, 512 << 10);
    free(malloc(MARK));
    return 0;
}
EOF
if ! "$CC" -O0 -o seq seq.c 2>"$T/err"; then
    echo "SKIP: $CC cannot build a test program"; cat "$T/err"; exit 77
fi
LD_PRELOAD=$LIB VMEX_TRACE=$T/seq.trace ./seq
if [ ! -s seq.trace ]; then
    echo "SKIP: LD_PRELOAD recording does not work on this machine (no trace written)"
    exit 77
fi

check "the trace has a header and an end line" $PY - seq.trace <<'EOF'
import sys
lines = open(sys.argv[1]).read().split("\n")
assert lines[0].startswith("vmex-trace 1 pid ") and " prog seq" in lines[0], lines[0]
assert any(l.startswith("# end calls ") for l in lines), "no end line"
EOF

# the calls between the markers, as the recorder wrote them
check "the recorder wrote the program's calls" $PY - seq.trace <<'EOF'
import sys
calls = [l.split() for l in open(sys.argv[1]) if l[:1] not in ("#", "v", "\n")]
marks = [i for i, c in enumerate(calls) if c[0] == "M" and c[2] == "999984"]
assert len(marks) == 2, marks
window = [c[0] for c in calls[marks[0] + 2:marks[1]]]
want = ["M", "M", "c", "M", "r", "f", "m", "m", "u", "a", "u", "u", "f", "f", "m", "R", "f", "f", "u", "u"]
assert window == want, (window, want)
EOF

check "vmex import" "$VMEX" import seq.trace -o seq.vmex
check "the import header counts the calls" grep -qF "# calls: malloc 5, calloc 1, aligned 1, realloc 1, free 7, mmap 3, munmap 5, mremap 1" seq.vmex

"$VMEX" run --json seq.vmex >run.json 2>"$T/err"
check "vmex run --json: ok" test $? -eq 0
check "live-byte curve and op counts match the program" $PY - run.json <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ops, final = rows[:-1], rows[-1]
assert final["verdict"] == "ok", final
assert all(r["ok"] for r in ops), [r for r in ops if not r["ok"]]
marks = [i for i, r in enumerate(ops) if r["op"] == "malloc" and r["size"] == 1015808]
assert len(marks) == 2, marks
window = ops[marks[0] + 2:marks[1]]
# malloc bytes live after each malloc/realloc/free op, from the replay
size, live, curve = {}, 0, []
for r in window:
    if r["op"] == "malloc":
        size[r["name"]] = r["size"]; live += r["size"]
    elif r["op"] == "realloc":
        live += r["size"] - size[r["uses"]]; size[r["name"]] = r["size"]
    elif r["op"] == "free":
        live -= size.pop(r["uses"])
    else:
        continue
    curve.append(live)
# ... and from the program's known sequence (see seq.c)
want = [96, 4192, 4672, 53824, 56800, 52704, 54752, 54272, 5120, 3072, 0]
assert curve == want, (curve, want)
counts = {}
for r in window:
    counts[r["op"]] = counts.get(r["op"], 0) + 1
# 5 allocations (malloc, calloc, posix_memalign), 1 realloc, 5 frees; 3
# mmaps + the mremap's new mapping; munmaps: the hole, the two pieces left of
# m1, the mremap's old range, m2, m3
want_counts = {"malloc": 5, "realloc": 1, "free": 5, "mmap": 4, "munmap": 6}
assert counts == want_counts, (counts, want_counts)
# mapped bytes of the program's own mappings come back to zero
mapped = {}
for r in window:
    if r["op"] == "mmap":
        mapped[r["name"]] = r["size"]
    elif r["op"] == "munmap":
        mapped[r["uses"]] -= r["size"]
assert all(v == 0 for v in mapped.values()), mapped
EOF

# ---------------------------------------------------------------- threads and fork
cat >thr.c <<'EOF'
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
static void *worker(void *arg)
{
    unsigned s = (unsigned)(size_t)arg * 2654435761u + 1;
    void *live[64] = {0};
    for (int i = 0; i < 20000; i++) {
        s = s * 1103515245u + 12345u;
        int k = (s >> 8) & 63;
        if (live[k] && (s >> 20) & 1) {
            free(live[k]);
            live[k] = NULL;
        } else if (live[k]) {
            void *q = realloc(live[k], ((s >> 4) & 4095) + 1);
            if (q) live[k] = q;
        } else if ((s >> 16 & 15) == 0) {
            char *m = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            munmap(m + 16384, 16384);
            munmap(m, 65536);
        } else {
            live[k] = malloc(((s >> 4) & 8191) + 1);
        }
    }
    for (int k = 0; k < 64; k++) free(live[k]);
    return NULL;
}
int main(void)
{
    pthread_t t[4];
    for (long i = 0; i < 4; i++) pthread_create(&t[i], NULL, worker, (void *)i);
    pid_t c = fork();
    if (c == 0) { worker((void *)9); exit(0); }
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    waitpid(c, NULL, 0);
    return 0;
}
EOF
if "$CC" -O1 -pthread -o thr thr.c 2>"$T/err"; then
    LD_PRELOAD=$LIB VMEX_TRACE=$T/thr.trace ./thr
    check "threads: the parent's trace imports (every free matches a live handle)" "$VMEX" import thr.trace -o thr.vmex
    check "threads: 4 x 20000 steps recorded, the process exited normally" $PY - thr.vmex <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
assert "no end line" not in text
calls = dict((k, int(v)) for k, v in re.findall(r"(\w+) (\d+)", text.split("# calls:")[1].split("\n")[0]))
assert calls["malloc"] + calls["realloc"] + calls["free"] > 40000, calls
assert calls["munmap"] == 3 * calls["mmap"], calls   # each mmap: a hole, then two pieces
EOF
    child=$(ls thr.trace.* 2>/dev/null | head -1)
    check "fork: the child wrote its own trace" test -n "$child"
    if [ -n "$child" ]; then
        check "fork: the child's trace names its parent and imports" sh -c \
            "grep -q '^# parent ' '$child' && '$VMEX' import '$child' -o child.vmex"
    fi
    check "threads: the replay runs" "$VMEX" run thr.vmex
else
    fail "cannot build the threaded test program"
fi

# ---------------------------------------------------------------- python3
if [ -x /usr/bin/python3 ]; then
    LD_PRELOAD=$LIB VMEX_TRACE=$T/py.trace /usr/bin/python3 -S "$ROOT/corpora/traces/python3-json.py" >/dev/null
    check "python3: recorded and imported" "$VMEX" import py.trace -o py.vmex
    check "python3: the trace is complete and has its arenas" sh -c \
        "grep -q '^# end calls' py.trace && grep -q '^m [0-9]* 1048576 rw- pa' py.trace"
fi

# ---------------------------------------------------------------- shipped traces
check "the shipped trace imports" "$VMEX" import "$ROOT/corpora/traces/python3-json.trace" -o shipped.vmex --profile ios16-3gb
check "the shipped trace's program is the reproducer's" $PY - shipped.vmex "$ROOT/reproducers/trace-python3-json-ios16-3gb.vmex" <<'EOF'
import sys
def ops(path):
    return [l.split("#")[0].strip() for l in open(path)
            if l.strip() and not l.startswith("#") and not l.split()[0] in ("check", "expect", "entitlement")]
assert ops(sys.argv[1]) == ops(sys.argv[2])
EOF
check "the what-if table of the shipped trace" sh -c \
    "'$VMEX' run --profile ios16-3gb,ios16-3gb --entitlement extended-virtual-addressing shipped.vmex >wi.txt && grep -q '0 of 4 runs fail' wi.txt"
check "an imported program seeds the fuzzer corpus" sh -c \
    "'$VMEX' convert shipped.vmex shipped.bin && '$VMEX' convert shipped.bin back.vmex && test -s back.vmex"
check "the strace fixture imports" "$VMEX" import "$ROOT/tests/fixtures/strace-sample.txt" -o strace.vmex
check "the strace fixture's program" sh -c \
    "grep -q '^# calls: mmap 7, munmap 4, mremap 1, brk 4' strace.vmex && '$VMEX' run strace.vmex >/dev/null"
check "strace from standard input" sh -c "'$VMEX' import - <'$ROOT/tests/fixtures/strace-sample.txt' | grep -q '^m3 = mmap 128m prot none noreserve'"

# ---------------------------------------------------------------- bad traces
printf 'vmex-trace 1 pid 1 prog x\nM 1 100\nf 2\n' >bad.trace
"$VMEX" import bad.trace -o bad.vmex >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 2 ] && grep -qF "bad.trace:3:3: error: handle 2 is not live" "$T/err" && [ ! -e bad.vmex ] &&
   [ -z "$(ls bad.vmex.tmp.* 2>/dev/null)" ]; then
    pass "a bad trace: located error, exit 2, nothing written"
else
    fail "a bad trace: exit $rc"
fi
"$VMEX" import "$ROOT/README.md" >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "README.md:1:1: error: not an strace line" "$T/err" && [ ! -s "$T/out" ]; then
    pass "not a trace at all"
else
    fail "not a trace at all: exit $rc"
fi
mkfifo fifo && { cat fifo >fifo.out & }
"$VMEX" import seq.trace -o fifo >"$T/out" 2>"$T/err"
rc=$?
wait
if [ $rc -eq 0 ] && [ -p fifo ] && grep -q '^vmex 1$' fifo.out; then
    pass "-o a pipe (or /dev/null) writes into it, never replaces it"
else
    fail "-o a pipe: exit $rc"
fi
"$VMEX" import --format nope seq.trace >"$T/out" 2>"$T/err"
[ $? -eq 2 ] && pass "a bad --format" || fail "a bad --format"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
