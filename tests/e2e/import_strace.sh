#!/usr/bin/env bash
# tests/e2e/import_strace.sh - strace logs of several processes: a shell that
# runs python3 several times (tests/fixtures/strace/shell-python3.sh, as
# `strace -f -e trace=mmap,munmap,mremap,brk,clone,clone3,execve`: once with
# -o, once to stderr with [pid N] prefixes and "Process N attached" notes
# cutting lines) imports to one program per address space.  The address
# spaces, their pids and their calls are checked against a reference
# reading of the log written here from the rules (a clone with CLONE_VM
# shares, an execve or a brk(NULL) answered with another break begins a new
# one); no mapping is bigger than the log's largest mmap or heap growth;
# each program replays; --pid picks one; the same log without clone and
# execve traced; and, where strace runs here, a log recorded now.
# Usage: tests/e2e/import_strace.sh PATH-TO-VMEX REPO-ROOT
set -u

VMEX=${1:?usage: tests/e2e/import_strace.sh PATH-TO-VMEX REPO-ROOT}
ROOT=${2:?usage: tests/e2e/import_strace.sh PATH-TO-VMEX REPO-ROOT}
case $VMEX in /*) ;; *) VMEX=$PWD/$VMEX ;; esac
case $ROOT in /*) ;; *) ROOT=$PWD/$ROOT ;; esac
PY=${PYTHON:-python3}
command -v "$PY" >/dev/null 2>&1 || { echo "SKIP: no $PY for the checks"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/vmex-strace.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
F=$ROOT/tests/fixtures/strace
LOG=$F/shell-python3.strace
TTY=$F/shell-python3-tty.strace

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() {
    failed=$((failed + 1))
    echo "FAIL $*"
    for f in out err; do
        [ -s "$T/$f" ] && { echo "--- std$f:"; head -c 3000 "$T/$f"; echo; }
    done
}
run() {   # run STATUS NAME COMMAND...
    local want=$1 name=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    if [ "$rc" -eq "$want" ]; then pass "$name"; else fail "$name (exit $rc, want $want)"; fi
}
has() {
    if grep -qF -- "$2" "$1"; then pass "$(basename "$1") has '$2'"; else fail "$(basename "$1") lacks '$2'"; fi
}

# The reference: the address spaces of an `strace -f -o` log by the rules,
# as lines "PID EXE CALLS" in the order they begin, then "BOUND N": the
# largest mapping the log justifies (mmap/mremap lengths, heap growth of an
# address space above its first break), in 16 KiB pages.
cat >ref.py <<'EOF'
import re, sys
pend, spaces, cur, inherit, exe = {}, [], {}, {}, {}
bound = 0
def space(pid):
    if cur.get(pid) is None:
        brk = inherit.pop(pid, None)
        spaces.append({"pid": pid, "exe": exe.get(pid, "-"), "calls": 0, "brk": brk, "base": brk})
        cur[pid] = len(spaces) - 1
    return spaces[cur[pid]]
for line in open(sys.argv[1]).read().splitlines():
    m = re.match(r"^(\d+) +(.*)$", line)
    assert m, line
    pid, rest = int(m.group(1)), m.group(2)
    if rest.startswith("<... "):
        k = rest.index(" resumed>")
        name = rest[5:k]
        if pid not in pend:
            continue
        rest = name + "(" + pend.pop(pid) + rest[k + 9:]
    elif rest.endswith(" <unfinished ...>"):
        pend[pid] = rest[rest.index("(") + 1:-len(" <unfinished ...>")]
        continue
    m = re.match(r"^(\w+)\((.*)\) += (\S+)", rest)
    if not m:
        continue                          # signals, exits
    name, args, res = m.groups()
    if name in ("clone", "clone3") and res.isdigit():
        child = int(res)
        if re.search(r"CLONE_VM\b", args):
            space(pid)
            cur[child] = cur[pid]
        else:
            cur[child] = None
            if cur.get(pid) is not None and spaces[cur[pid]]["brk"] is not None:
                inherit[child] = spaces[cur[pid]]["brk"]
    elif name == "execve" and res == "0":
        cur[pid] = None
        inherit.pop(pid, None)
        exe[pid] = re.match(r'"([^"]*)"', args).group(1).split("/")[-1]
    elif name in ("mmap", "munmap", "mremap", "brk"):
        a = space(pid)
        if name == "brk":
            v = int(res, 16)
            if args == "NULL" and a["brk"] is not None and v != a["brk"]:
                cur[pid] = None           # an exec
                exe.pop(pid, None)
                a = space(pid)
            if a["base"] is None:
                a["base"] = v
            a["brk"] = v
            bound = max(bound, v - a["base"])
        elif name == "mmap" and not res.startswith("-"):
            bound = max(bound, int(args.split(",")[1], 0))
        elif name == "mremap" and not res.startswith("-"):
            bound = max(bound, int(args.split(",")[2], 0))
        a["calls"] += 1
for a in spaces:
    if a["calls"]:
        print(a["pid"], a["exe"], a["calls"])
print("BOUND", (bound + 16383) // 16384 * 16384)
EOF

# "  p-4103.vmex: pid 4103 running cat (execve), 1 pid, 27 calls -> 21 ops" -> "4103 cat 27"
summary() {
    sed -n 's/^  \([^:]*\): pid \([0-9]*\)\( running \([^ ]*\)\)\{0,1\} (.*, \([0-9]*\) calls -> .*/\2 \4 \5 \1/p' "$1" |
        awk '{ if (NF == 3) print $1, "-", $2, $3; else print $1, $2, $3, $4 }'
}

# ---------------------------------------------------------------- -o FILE format
run 0 "import a log of 11 pids" "$VMEX" import "$LOG" -o p.vmex
cp "$T/err" sum.txt
has sum.txt "shell-python3.strace: strace, 574 lines, 11 pids in 10 address spaces:"
"$PY" ref.py "$LOG" >ref.txt || fail "the reference cannot read the log"
summary sum.txt >got.txt
if [ "$(cut -d' ' -f1-3 got.txt)" = "$(grep -v BOUND ref.txt)" ]; then
    pass "address spaces, their pids, programs and calls are the reference's"
else
    fail "address spaces differ from the reference"; diff <(cut -d' ' -f1-3 got.txt) <(grep -v BOUND ref.txt)
fi
n=$(wc -l <got.txt)
[ "$n" -eq 10 ] && pass "10 files named in the summary" || fail "the summary names $n files"
files_ok=1
while read -r pid exe calls file; do
    [ -s "$file" ] || { files_ok=0; echo "missing $file"; continue; }
    grep -q "^# address space [0-9]* of 10: pid $pid" "$file" || { files_ok=0; echo "$file: header"; }
done <got.txt
[ "$files_ok" -eq 1 ] && pass "each file exists and says which address space it is" || fail "files"
[ "$(ls p*.vmex | wc -l)" -eq 10 ] && pass "nothing else written" || fail "other files written"
# the fork child that exec'd has two: before (fork) and after (python3)
has sum.txt "p-4108.vmex: pid 4108 (fork)"
has sum.txt "p-4108.2.vmex: pid 4108 running python3 (execve)"
# python3 with a thread: one address space, two pids
has sum.txt "p-4110.vmex: pid 4110 running python3 (execve), 2 pids"

# no invented mapping: no op asks more than the log's largest mmap or heap growth
bound=$(sed -n 's/^BOUND //p' ref.txt)
if "$PY" - "$bound" p*.vmex <<'EOF' >"$T/out" 2>&1; then pass "no mapping over the log's largest ($bound bytes)"; else fail "an invented mapping"; fi
import re, sys
units = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
bound = int(sys.argv[1])
for path in sys.argv[2:]:
    for line in open(path):
        m = re.match(r"^\w+ = (?:mmap|vm_allocate|malloc) (\d+)([kmgt]?)\b", line)
        if m:
            size = int(m.group(1)) * units[m.group(2)]
            assert size <= bound, (path, line, size, bound)
    peak = re.search(r"peak: malloc \S+, mappings (\S+)", open(path).read()).group(1)
    m = re.match(r"([\d.]+)([kmgt]?)$", peak)
    # the most live at once: python3's thread reserves a 128 MiB malloc arena
    assert float(m.group(1)) * units[m.group(2)] <= 256 << 20, (path, peak)
EOF
replay_ok=1
for f in p*.vmex; do
    "$VMEX" run "$f" >/dev/null 2>"$T/err" || { replay_ok=0; echo "$f does not replay"; }
done
[ "$replay_ok" -eq 1 ] && pass "each program replays (ok on the default profile)" || fail "a program does not replay"

# --pid
run 2 "--pid of a pid with two address spaces asks which" "$VMEX" import "$LOG" --pid 4108
has "$T/err" "pid 4108 has 2 address spaces (it exec'd): pick one with --pid 4108:1 (fork, line"
run 0 "--pid 4108:2" "$VMEX" import "$LOG" --pid 4108:2 -o one.vmex
cmp -s one.vmex p-4108.2.vmex && pass "--pid N:K writes that address space's file" || fail "--pid N:K differs"
run 0 "--pid of a thread gives the address space it ran in" "$VMEX" import "$LOG" --pid 4111 -o thr.vmex
cmp -s thr.vmex p-4110.vmex && pass "thread 4111 ran in 4110's" || fail "--pid of a thread"
run 2 "--pid not in the log" "$VMEX" import "$LOG" --pid 99
has "$T/err" "pid 99 ran in no address space"
run 2 "--pid 0 is refused" "$VMEX" import "$LOG" --pid 0
# without -o: the first address space, and a word on the others
run 0 "import to stdout" "$VMEX" import "$LOG"
has "$T/err" "address space 1 of 10 (pid 4101); -o FILE writes every one, --pid N picks one"
cmp -s "$T/out" p.vmex && pass "stdout has the first address space" || fail "stdout differs from p.vmex"
# several address spaces and -o a pipe: there is no file name to put them next to
mkfifo fifo
run 2 "-o a pipe with several address spaces" timeout 20 "$VMEX" import "$LOG" -o fifo
has "$T/err" "-o needs a file name"

# ---------------------------------------------------------------- strace to stderr ([pid N], notes)
mkdir tty && run 0 "import the same script traced to stderr" "$VMEX" import "$TTY" -o tty/t.vmex
cp "$T/err" tsum.txt
has tsum.txt "11 pids in 10 address spaces:"
# the same programs ran: the same executables with the same calls
if [ "$(summary tsum.txt | cut -d' ' -f2-3 | sort)" = "$(cut -d' ' -f2-3 got.txt | sort)" ]; then
    pass "prefixes, unprefixed lines and cut lines give the same address spaces"
else
    fail "the stderr log differs"; diff <(summary tsum.txt | cut -d' ' -f2-3 | sort) <(cut -d' ' -f2-3 got.txt | sort)
fi

# ---------------------------------------------------------------- without clone and execve traced
# (the command of the issue: trace=mmap,munmap,mremap,brk): every pid is a
# process of its own, said in the header; a brk(NULL) with another break
# still begins a new address space; still no invented mapping
grep -vE '^[0-9]+ +(clone|clone3|execve)\(|^[0-9]+ +<\.\.\. (clone|clone3|execve) resumed>' "$LOG" >noclone.strace
"$PY" ref.py noclone.strace >nref.txt
run 0 "import without clone and execve" "$VMEX" import noclone.strace -o n.vmex
summary "$T/err" >ngot.txt
if [ "$(cut -d' ' -f1-3 ngot.txt)" = "$(grep -v BOUND nref.txt)" ]; then
    pass "without clone: the reference's address spaces"
else
    fail "without clone"; diff <(cut -d' ' -f1-3 ngot.txt) <(grep -v BOUND nref.txt)
fi
has n.vmex "pids no traced clone made, each taken as a process of its own"
grep -q "^4111 " ngot.txt && pass "the thread is its own address space (the rule said)" || fail "the thread"
nbound=$(sed -n 's/^BOUND //p' nref.txt)
ok=1
for f in n*.vmex; do
    "$VMEX" run "$f" >/dev/null 2>&1 || ok=0
    grep -qE "^# live at the end: .*peak: malloc [^,]*, mappings [0-9.]+[km]?$" "$f" || ok=0
done
[ "$ok" -eq 1 ] && pass "each replays, peaks in KiB or MiB (the invented 603 GiB peak is gone)" || fail "replay or peak"

# ---------------------------------------------------------------- recorded here
if command -v strace >/dev/null 2>&1 && [ -x /usr/bin/python3 ] &&
   strace -f -o live.strace -e trace=mmap,munmap,mremap,brk,clone,clone3,execve \
       /bin/sh -c '/usr/bin/python3 -S -c pass; /usr/bin/python3 -S -c "print(1)"' >/dev/null 2>"$T/err"; then
    "$PY" ref.py live.strace >lref.txt
    run 0 "a log recorded now imports" "$VMEX" import live.strace -o live.vmex
    summary "$T/err" >lgot.txt
    [ "$(cut -d' ' -f1-3 lgot.txt)" = "$(grep -v BOUND lref.txt)" ] && pass "recorded now: the reference's address spaces" ||
        fail "recorded now"
    [ "$(grep -c ' python3 ' lgot.txt)" -eq 2 ] && pass "recorded now: two python3 address spaces" || fail "python3 twice"
    ok=1
    for f in live*.vmex; do "$VMEX" run "$f" >/dev/null 2>&1 || ok=0; done
    [ "$ok" -eq 1 ] && pass "recorded now: each replays" || fail "recorded now: replay"
else
    echo "(strace cannot trace here: the log recorded now is left out)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
