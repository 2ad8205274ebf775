#!/usr/bin/env bash
# tests/e2e/nightly.sh - `ci/nightly --minutes 1` over two cells (ios16-3gb with
# and without extended-virtual-addressing, corpora copied to a temporary
# directory) must write report.html with the findings table and inline
# SVGs, and summary.json with findings > 0; a screenshot of the report in
# headless Chromium must show it (size 1400x2000, many distinct colours).
# Skips (77) without clang or when Chromium cannot be installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source ci/lib.sh
command -v clang >/dev/null || { echo "SKIP: clang is not installed"; exit 77; }
vmex_install_chromium >/dev/null 2>&1 || true
command -v chromium >/dev/null || { echo "SKIP: chromium is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; tail -n 40 "$tmp/out.txt"; exit 1; }
mkdir -p "$tmp/corpora"
cp -r corpora/fuzz_xnu "$tmp/corpora/"
seeds=$(find "$tmp/corpora/fuzz_xnu" -type f | wc -l)
printf 'fuzz_xnu ios16-3gb - -\nfuzz_xnu ios16-3gb extended-virtual-addressing -\n' > "$tmp/nightly.conf"
ci/nightly --minutes 1 --jobs 2 --config "$tmp/nightly.conf" --out "$tmp/run" --corpora "$tmp/corpora" \
  > "$tmp/out.txt" 2>&1 || fail "ci/nightly exited $?"
r=$tmp/run
[ -s "$r/report.html" ] || fail "no report.html"
grep -q '<table id="findings">' "$r/report.html" || fail "no findings table"
[ "$(grep -c '<svg' "$r/report.html")" -ge 5 ] || fail "fewer than 5 inline SVGs (charts, histogram, pictures)"
grep -Eq '(src|href)="(https?:)?//' "$r/report.html" && fail "report.html loads external resources"
grep -q 'elapsed .* exec/s .* findings' "$tmp/out.txt" || fail "no progress line"
python3 - "$r/summary.json" <<'PY' || fail "summary.json"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["findings"] > 0, s
print("summary.json: %d findings (%d new)" % (s["findings"], s["new"]))
PY
[ -s "$r/summary.txt" ] || fail "no summary.txt"
ls "$r"/reproducers/*.vmex >/dev/null 2>&1 || fail "no reproducers"
build/vmex check "$r/reproducers" >/dev/null || fail "vmex check rejects the reproducers"
[ "$(find "$tmp/corpora/fuzz_xnu" -type f | wc -l)" -ge "$seeds" ] || fail "seeds were deleted from the corpus"

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
echo "1 passed, 0 failed"
