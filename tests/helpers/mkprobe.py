#!/usr/bin/env python3
"""tests/helpers/mkprobe.py - make the shipped mutated inputs of the probe
(tests/probe/<format>/), in the spirit of SQLite's fuzzcheck: damaged
copies of real inputs of every format vmex reads, kept in the tree so every
run of the probe (tests/e2e/probe.py) feeds the same bytes.

Usage: tests/helpers/mkprobe.py REPO-ROOT   (rewrites tests/probe/; deterministic)

Each mutant is a seed file with one to three mutations drawn with a fixed
seed: a byte flipped, random bytes (NUL, 0xff, CR, control bytes) inserted,
a span deleted or duplicated, the text cut short, a number made huge,
negative or 20 digits long, two lines swapped, a line repeated, a UTF-8 byte
order mark, CRLF line ends, a line of 5000 bytes, a word replaced by another
of the file.  The file name says the seed and the mutations.
"""
import os
import random
import re
import shutil
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "."
R = lambda *p: os.path.join(root, *p)

# format: (extension, seeds, mutants per seed)
SEEDS = {
    "vmex": ("vmex", [R("reproducers", n) for n in (
        "frag-64m-alternate-ios16-3gb.vmex", "dart-jsc-ios16-3gb.vmex", "malloc-large-churn-ios16-3gb.vmex",
        "linux-hole-punch.vmex", "linux-glibc-heap-unmapped.vmex", "linux-jemalloc-retain.vmex")], 12),
    "vmexw": ("vmexw", [R("corpora", "workloads", n) for n in (
        "browser-session.vmexw", "jsc-flutter-app.vmexw", "powerlaw-malloc.vmexw", "game-streamer.vmexw")], 10),
    "strace": ("strace", [R("corpora", "fuzz_strace", n) for n in ("threads.strace", "one-pid.strace")], 15),
    "trace": ("trace", [R("corpora", "fuzz_trace", "small-ended.trace")], 25),
    "crash": ("ips", [R("corpora", "fuzz_crash", n) for n in (
        "jsc-oom-3gb.ips", "jetsam-ios16.ips", "handmade.ips", "badaccess-ios14.crash")], 8),
    "bin": ("bin", [R("corpora", "fuzz_xnu", n) for n in (
        "frag-64m-alternate-ios16-3gb.bin", "dart-jsc-ios16-3gb.bin")] +
        [R("corpora", "fuzz_linux", "linux-hole-punch.bin")], 8),
    "csv": ("csv", [R("tests", "probe", "seed.csv")], 12),
}


def numbers(b):
    return [m.span() for m in re.finditer(rb"[0-9]+", b)]


def mutate(b, rng):
    kind = rng.choice(["flip", "insert", "delete", "dup", "cut", "number", "swap", "repeat", "bom", "crlf",
                       "longline", "word"])
    n = len(b)
    at = rng.randrange(n + 1) if n else 0
    if kind == "flip" and n:
        i = rng.randrange(n)
        b = b[:i] + bytes([rng.randrange(256)]) + b[i + 1:]
    elif kind == "insert":
        junk = bytes(rng.choice([0, 0xff, 0x0d, 0x01, 0x7f, 0x80, 0xc3, ord("#"), ord(" ")]) for _ in range(rng.randint(1, 4)))
        b = b[:at] + junk + b[at:]
    elif kind == "delete" and n:
        b = b[:at] + b[at + rng.randint(1, 64):]
    elif kind == "dup" and n:
        b = b[:at] + b[at:at + rng.randint(1, 200)] * rng.randint(2, 5) + b[at:]
    elif kind == "cut":
        b = b[:at]
    elif kind == "number":
        spans = numbers(b)
        if spans:
            s, e = rng.choice(spans)
            new = rng.choice([b"12345678901234567890", b"99999999999999999999999", b"0", b"-1", b"18446744073709551615",
                              b"4294967296", b"281474976710656", b"0x7fffffffffffffff", b"1e308", b"00000000000001"])
            b = b[:s] + new + b[e:]
    elif kind == "swap":
        lines = b.split(b"\n")
        if len(lines) > 2:
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            b = b"\n".join(lines)
    elif kind == "repeat":
        lines = b.split(b"\n")
        i = rng.randrange(len(lines))
        lines[i:i + 1] = [lines[i]] * rng.randint(2, 40)
        b = b"\n".join(lines)
    elif kind == "bom":
        b = b"\xef\xbb\xbf" + b
    elif kind == "crlf":
        b = b.replace(b"\n", b"\r\n")
    elif kind == "longline":
        b = b[:at] + b"a" * 5000 + b"\n" + b[at:]
    elif kind == "word":
        words = re.findall(rb"[A-Za-z_][A-Za-z0-9_.-]*", b)
        if len(words) > 1:
            w1, w2 = rng.choice(words), rng.choice(words)
            b = b.replace(w1, w2, 1)
    return b, kind


def main():
    out = R("tests", "probe")
    for fmt, (ext, seeds, per) in SEEDS.items():
        d = os.path.join(out, fmt)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        rng = random.Random("vmex-probe-" + fmt)
        k = 0
        for seed in seeds:
            data = open(seed, "rb").read()
            if fmt in ("trace", "strace", "crash", "vmex") and len(data) > 8192:
                data = data[:8192]
            base = os.path.splitext(os.path.basename(seed))[0]
            for _ in range(per):
                b, kinds = data, []
                for _ in range(rng.randint(1, 3)):
                    b, kind = mutate(b, rng)
                    kinds.append(kind)
                name = "%03d-%s-%s.%s" % (k, base, "-".join(kinds), ext)
                with open(os.path.join(d, name), "wb") as f:
                    f.write(b)
                k += 1
        print("%s: %d mutants" % (fmt, k))


main()
