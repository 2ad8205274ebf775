#!/usr/bin/env python3
"""tests/e2e/probe.py - the standing adversarial probe (issue "Hard to break"),
in the spirit of SQLite's fuzzcheck: every parser and input path of vmex
fed bad input, each run judged.

Usage: tests/e2e/probe.py BUILD-DIR REPO-ROOT [--libfuzzer DIR] [--jobs N]
       (--libfuzzer defaults to $VMEX_PROBE_LIBFUZZER)

What it runs (in a scratch folder, two at a time):
  - the shipped mutated inputs, tests/probe/<format>/ (tests/helpers/mkprobe.py
    made them): .vmex through check, run, minimize, convert and triage;
    .vmexw through stress; strace and vmex-trace files through import;
    crash reports, binary crash files and CSV tables through the commands
    that take them;
  - special files for every command that reads a file: a FIFO (alone and in
    a directory), a directory, a symlink cycle, a symlink loop, a dangling
    symlink, /dev/zero, /dev/null, an empty file, NUL bytes, a byte order
    mark, a line of 1 MiB, a file over 64 MiB;
  - bad arguments for every command;
  - the replay engines of the fuzz targets (BUILD-DIR/fuzz_*_replay) over
    the mutants of their format, and with --libfuzzer DIR the libFuzzer
    builds of the text-format targets over their corpora and the mutants
    (-runs=0).
A run fails the probe when it exits with anything but 0, 1 or 2 (a signal,
a sanitizer's exit code), prints a sanitizer report ("ERROR:
AddressSanitizer", "runtime error:", LeakSanitizer) or a fatal error, exits
2 without saying why on stderr, or takes more than 10 s; and a command that
takes a .vmex mutant that `vmex check` refuses fails it too (every command
gives a file the same verdict).  The tree must be
as clean after the probe as before it.  Built with VMEX_SANITIZE=ON (ci/test
--sanitize) this is the probe under ASan and UBSan; with a plain build it
still catches crashes, hangs and exit codes.  Exit 0 when every run passed,
1 otherwise; the slowest runs and the total time are printed.
"""
import concurrent.futures as cf
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time

LIMIT = 10.0                 # seconds a run may take
SANITIZER = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:", "vmex: fatal:",
             "vmex-harness-bug", "ERROR: libFuzzer")


def main():
    args = sys.argv[1:]
    lf, jobs = None, 2
    while args and args[0].startswith("--") or len(args) > 2 and args[2].startswith("--"):
        i = 0 if args[0].startswith("--") else 2
        opt, val = args[i], args[i + 1]
        del args[i:i + 2]
        if opt == "--libfuzzer":
            lf = os.path.abspath(val)
        elif opt == "--jobs":
            jobs = int(val)
        else:
            sys.exit("probe.py: unknown option " + opt)
    lf = lf or os.environ.get("VMEX_PROBE_LIBFUZZER") or None   # ci/test --sanitize sets it
    if len(args) != 2:
        sys.exit("usage: tests/e2e/probe.py BUILD-DIR REPO-ROOT [--libfuzzer DIR] [--jobs N]")
    build, root = (os.path.abspath(a) for a in args)
    vmex = os.path.join(build, "vmex")
    probe = os.path.join(root, "tests", "probe")
    scratch = tempfile.mkdtemp(prefix="vmex-probe.")
    try:
        return run(vmex, build, root, probe, scratch, lf, jobs)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def tree_state(root):
    try:
        return subprocess.run(["git", "-C", root, "status", "--porcelain"], capture_output=True, text=True,
                              timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None


def special_files(d):
    """Bad files of every kind, in d; returns their paths."""
    p = lambda n: os.path.join(d, n)
    os.mkfifo(p("fifo.vmex"))
    os.makedirs(p("withfifo"))
    shutil.copy(p("ok.vmex"), p("withfifo/a.vmex"))
    os.mkfifo(p("withfifo/b.vmex"))
    os.makedirs(p("dir.vmex"))
    os.makedirs(p("cycle/a"))
    shutil.copy(p("ok.vmex"), p("cycle/a/x.vmex"))
    for k in range(3):
        os.symlink("..", p("cycle/a/up%d" % k))
    os.symlink("loop.vmex", p("loop.vmex"))
    os.symlink("nowhere.vmex", p("dangling.vmex"))
    os.symlink("/dev/zero", p("zero-link.vmex"))
    open(p("empty.vmex"), "wb").close()
    open(p("nul.vmex"), "wb").write(b"\0" * 4096)
    open(p("bom.vmex"), "wb").write(b"\xef\xbb\xbf" + open(p("ok.vmex"), "rb").read())
    open(p("bomonly.vmex"), "wb").write(b"\xef\xbb\xbf")
    open(p("hugeline.vmex"), "wb").write(b"vmex 1\n# " + b"x" * (1 << 20) + b"\n")
    open(p("nolf.vmex"), "wb").write(b"vmex 1\na = mmap 1m")
    with open(p("big.vmex"), "wb") as f:   # sparse: it reads as 64 MiB of NUL bytes and more
        f.truncate((64 << 20) + 4096)
    return [p(n) for n in ("fifo.vmex", "withfifo", "dir.vmex", "cycle", "loop.vmex", "dangling.vmex",
                           "zero-link.vmex", "empty.vmex", "nul.vmex", "bom.vmex", "bomonly.vmex",
                           "hugeline.vmex", "nolf.vmex", "big.vmex")] + ["/dev/zero", "/dev/null"]


def bad_arguments(d):
    ok, out = os.path.join(d, "ok.vmex"), os.path.join(d, "out")
    return [
        [], ["nope"], ["--nope"], ["run"], ["run", "--profile"], ["run", "--profile", "ios99-3gb", ok],
        ["run", "--large", "-1", ok], ["run", "--large", "99999999999999999999999", ok], ["run", "--json", "--map", ok],
        ["run", "--entitlement", "", ok], ["run", "--svg", "", ok], ["run", "--svg", d, ok], ["run", "--prof", "x", ok],
        ["run", "--", "--json"], ["check"], ["check", "--json"], ["probe", "--chunk", "0"], ["probe", "--chunk", "1t"],
        ["probe", "--profile", ",,,"], ["profiles", "x"], ["minimize"], ["minimize", ok, "-o"], ["minimize", ok, "-o", d],
        ["minimize", ok, "--hunt", "frag:margin>=nan"], ["minimize", ok, "--hunt", ";;;"],
        ["minimize", ok, "--target", "nope"], ["triage", ok], ["triage", "-o", out],
        ["triage", ok, "-o", out, "--whatif", "x"], ["triage", ok, "-o", out, "--html", d],
        ["triage", ok, "-o", os.path.join(d, "ok.vmex", "x")], ["convert", ok], ["convert", ok, ok, ok],
        ["import"], ["import", ok, "--format", "x"], ["import", ok, "--max-ops", "-5"],
        ["import", ok, "--max-ops", "99999999999999999999"], ["stress"], ["stress", "--workload", "nope"],
        ["stress", "--workload", "jsc-flutter-app", "--ops", "0"], ["stress", "--workload", "x", "--seconds", "nan"],
        ["stress", "--workload", "x", "--seconds", "-1"], ["stress", "--workload", "x", "--ops", "1", "--seconds", "1"],
        ["stress", "--workload", "x", "--seed", "-1"], ["stress", "--workload", "x", "--sample", "0"],
        ["stress", "--workload", "x", "--target", "linux"], ["plot"], ["plot", "--histogram", "", ok],
        ["diff"], ["diff", "--random", "0"], ["diff", "--random", "-1"], ["diff", "--random", "1", "--bytes", "0"],
        ["diff", "--random", "1", "--window", "1"], ["diff", "--random", "1", "-o", ok], ["bench", "--live", "0"],
        ["bench", "--ops", "x"], ["targets", "nope"], ["classes", "x"], ["hunt"], ["hunt", "x:y"],
        ["hunt", "--default", "--for", "nope"], ["help", "nope"], ["help", "run", "x"], ["run", "--help", "x"],
    ]


def mutant_jobs(vmex, probe, d):
    """(argv, workdir) of every mutant through the commands that read its format."""
    jobs = []
    ls = lambda fmt: sorted(os.path.join(probe, fmt, n) for n in os.listdir(os.path.join(probe, fmt)))
    out = lambda k, ext="": os.path.join(d, "out-%d%s" % (k, ext))
    for k, m in enumerate(ls("vmex")):
        jobs.append(["check", m])
        jobs.append([["run", "--json"], ["run", "--map", "--keep-going"], ["minimize", "-o", out(k, ".vmex")],
                     ["convert", "--profile", "ios14-2gb"], ["triage", "-o", out(k)]][k % 5] + [m])
        if k % 5 == 3:
            jobs[-1].append(out(k, ".bin"))
    for k, m in enumerate(ls("vmexw")):
        jobs.append(["stress", "--workload", m, "--ops", "3000", "--out", out(k)])
    for k, m in enumerate(ls("strace")):
        jobs.append(["import", m] if k % 2 else ["import", "--format", "strace", m, "-o", out(k, ".vmex")])
    for k, m in enumerate(ls("trace")):
        jobs.append(["import", m])
    for k, m in enumerate(ls("crash")):
        jobs.append(["import", m] if k % 2 else ["triage", m, "-o", out(k)])
    for k, m in enumerate(ls("bin")):
        jobs.append([["minimize", m], ["convert", m, out(k, ".vmex")], ["triage", m, "-o", out(k)]][k % 3])
    for k, m in enumerate(ls("csv")):
        jobs.append(["plot", m, "-o", out(k, ".svg")])
    return [[vmex] + j for j in jobs]


def special_jobs(vmex, d, files):
    jobs = []
    for k, f in enumerate(files):
        o = os.path.join(d, "sp-%d" % k)
        for j in (["check", f], ["run", f], ["minimize", f], ["convert", f, o + ".out"], ["triage", f, "-o", o],
                  ["import", f], ["stress", "--workload", f, "--ops", "100", "--out", o], ["plot", f], ["diff", f],
                  ["triage", os.path.join(d, "ok.vmex"), "-o", o, "--known", f]):
            jobs.append([vmex] + j)
    # outputs that are inputs, or cannot be written
    ok = os.path.join(d, "ok.vmex")
    for j in (["run", "--svg", ok, ok], ["minimize", ok, "-o", ok], ["convert", ok, ok], ["triage", ok, "-o", d, "--html", ok],
              ["minimize", ok, "-o", os.path.join(d, "fifo.vmex")], ["minimize", ok, "-o", "/dev/full"],
              ["minimize", ok, "-o", os.path.join(d, "nodir", "x.vmex")]):
        jobs.append([vmex] + j)
    return jobs


def replay_jobs(build, probe, d, lf, root):
    """The fuzz targets over the mutants of their format (raw bytes: no .vmex names)."""
    jobs = []
    for target, fmt in (("fuzz_text", "vmex"), ("fuzz_workload", "vmexw"), ("fuzz_strace", "strace"),
                        ("fuzz_trace", "trace"), ("fuzz_crash", "crash"), ("fuzz_roundtrip", "bin"),
                        ("fuzz_xnu", "bin")):
        raw = os.path.join(d, "raw-" + fmt)
        if not os.path.isdir(raw):
            os.makedirs(raw)
            for n in os.listdir(os.path.join(probe, fmt)):
                shutil.copy(os.path.join(probe, fmt, n), os.path.join(raw, os.path.splitext(n)[0]))
        exe = os.path.join(build, target + "_replay")
        if os.path.exists(exe):
            jobs.append([exe] + (["--findings-ok"] if target == "fuzz_xnu" else []) + [raw])
        if lf and os.path.exists(os.path.join(lf, target)) and fmt != "bin":
            art = os.path.join(d, "artifacts-" + target) + "/"
            os.makedirs(art, exist_ok=True)
            corpus = [c for c in (os.path.join(root, "corpora", target),) if os.path.isdir(c)]
            jobs.append([os.path.join(lf, target), "-runs=0", "-artifact_prefix=" + art] + corpus + [raw])
    return jobs


def judge(argv, cwd, env):
    t0 = time.monotonic()
    try:
        p = subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=LIMIT)
        rc, err, out = p.returncode, p.stderr.decode("utf-8", "replace"), p.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        rc, err, out = None, (e.stderr or b"").decode("utf-8", "replace"), ""
    took = time.monotonic() - t0
    why = None
    if rc is None:
        why = "ran over %.0f s" % LIMIT
    elif any(s in err or s in out for s in SANITIZER):
        why = "a sanitizer or fatal report"
    elif os.path.basename(argv[0]) == "vmex" and rc not in (0, 1, 2):
        why = "exit %d" % rc
    elif os.path.basename(argv[0]) != "vmex" and rc != 0:
        why = "exit %d" % rc
    elif rc == 2 and not err.strip():
        why = "exit 2 with nothing on stderr"
    elif took > LIMIT:
        why = "took %.1f s" % took
    return argv, rc, took, why, err


def run(vmex, build, root, probe, scratch, lf, jobs):
    if not os.access(vmex, os.X_OK):
        print("probe.py: %s is not executable" % vmex, file=sys.stderr)
        return 1
    before = tree_state(root)
    d = os.path.join(scratch, "w")
    os.makedirs(d)
    shutil.copy(os.path.join(root, "reproducers", "frag-64m-alternate-ios16-3gb.vmex"), os.path.join(d, "ok.vmex"))
    env = dict(os.environ)
    env.update(ASAN_OPTIONS="exitcode=99:detect_leaks=1:allocator_may_return_null=1",
               UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=98",
               VMEX_HANG_MS="3000", TMPDIR=scratch)
    env.pop("VMEX_HUNT", None)
    work = [[vmex] + a for a in bad_arguments(d)]
    work += special_jobs(vmex, d, special_files(d))
    work += mutant_jobs(vmex, probe, d)
    work += replay_jobs(build, probe, d, lf, root)
    t0 = time.monotonic()
    results = []
    with cf.ThreadPoolExecutor(max_workers=jobs) as ex:
        for r in ex.map(lambda a: judge(a, d, env), work):
            results.append(r)
    total = time.monotonic() - t0
    # one verdict per file (D8): a .vmex mutant that `check` refuses (exit 2) is refused by every command
    refused = {r[0][-1] for r in results
               if r[0][1:2] == ["check"] and r[1] == 2 and r[0][-1].startswith(os.path.join(probe, "vmex"))}
    for i, (argv, rc, took, why, err) in enumerate(results):
        m = [a for a in argv[2:] if a in refused]
        if m and argv[1] != "check" and not why and rc != 2:
            results[i] = (argv, rc, took, "check refuses %s, but this took it (exit %d)" % (os.path.basename(m[0]), rc),
                          err)
    bad = [r for r in results if r[3]]
    after = tree_state(root)
    short = lambda argv: " ".join(os.path.relpath(a, d) if a.startswith(d) else
                                  os.path.relpath(a, root) if a.startswith(root) else a for a in argv)
    for argv, rc, took, why, err in bad:
        print("FAIL %s: %s (exit %s, %.2f s)" % (short(argv), why, rc, took))
        for line in err.strip().splitlines()[:25]:
            print("    " + line)
    if before is not None and after != before:
        print("FAIL the source tree changed:\n" + after)
        bad.append(None)
    codes = {}
    for r in results:
        codes[r[1]] = codes.get(r[1], 0) + 1
    print("slowest: " + ", ".join("%s %.2f s" % (short(r[0])[:60], r[2])
                                  for r in sorted(results, key=lambda r: -r[2])[:5]))
    print("%d runs in %.1f s (exit codes %s): %d passed, %d failed" %
          (len(results), total, ", ".join("%s: %d" % (k, v) for k, v in sorted(codes.items(), key=str)),
           len(results) - len([b for b in bad if b]), len(bad)))
    return 1 if bad else 0


sys.exit(main())
