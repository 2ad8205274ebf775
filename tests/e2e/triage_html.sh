#!/usr/bin/env bash
# tests/e2e/triage_html.sh VMEX SRCDIR - `vmex triage --html` on two crash files
# (binary encodings of shipped reproducers) writes one self-contained HTML
# page that holds every signature of triage.json, an inline <svg> per
# signature, the what-if table and its summary in words; a bad --whatif
# profile is a usage error (2) that writes no page.
set -euo pipefail
vmex=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$vmex" convert "$src/reproducers/frag-64m-alternate-ios16-3gb.vmex" "$tmp/crash-a"
"$vmex" convert "$src/reproducers/malloc-large-churn-ios16-3gb.vmex" "$tmp/crash-b"
rc=0
"$vmex" triage "$tmp/crash-a" "$tmp/crash-b" -o "$tmp/r" --profile ios16-3gb --hunt frag --html "$tmp/t.html" \
  > "$tmp/out.txt" || rc=$?
[ $rc -le 1 ] || fail "triage exited $rc"
[ -s "$tmp/t.html" ] || fail "no HTML"
python3 - "$tmp/t.html" "$tmp/r/triage.json" <<'PY' || fail "the page"
import json, sys
from html.parser import HTMLParser
page = open(sys.argv[1]).read()
sigs = [s["signature"] for s in json.load(open(sys.argv[2]))["signatures"]]
assert len(sigs) == 2, sigs
class P(HTMLParser):
    void = {"meta", "br", "img", "hr", "input", "link"}
    def __init__(self):
        super().__init__(); self.stack = []; self.svgs = 0
    def handle_starttag(self, t, a):
        if t == "svg": self.svgs += 1
        if t not in self.void: self.stack.append(t)
    def handle_startendtag(self, t, a): pass
    def handle_endtag(self, t):
        assert self.stack and self.stack[-1] == t, "unbalanced </%s> after %s" % (t, self.stack[-3:])
        self.stack.pop()
p = P(); p.feed(page); p.close()
assert p.stack == [], p.stack
assert page.startswith("<!DOCTYPE html>")
assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "").replace("http://www.w3.org/1999/xlink", ""), "external resource"
for s in sigs:
    assert s in page, s
assert p.svgs >= len(sigs), p.svgs
assert page.count("What if: ") == len(sigs)
assert "fixed by extended-virtual-addressing on" in page
for prof in ("ios13-3gb", "ios14-3gb", "ios16-3gb", "ios17.4-3gb"):
    assert "<td>%s</td>" % prof in page, prof
print("%d signatures, %d svgs" % (len(sigs), p.svgs))
PY
grep -o 'What if: [^<]*' "$tmp/t.html" | head -n 1
rc=0
"$vmex" triage "$tmp/crash-a" -o "$tmp/r2" --html "$tmp/t2.html" --whatif ios16-3gb,nosuch 2>/dev/null || rc=$?
[ ! -e "$tmp/r2" ] && [ ! -e "$tmp/t2.html" ] || fail "a bad --whatif wrote something"
[ $rc = 2 ] || fail "bad --whatif: exit $rc, want 2"
echo "1 passed, 0 failed"
