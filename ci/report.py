#!/usr/bin/env python3
"""ci/report.py OUT VMEX BUDGET START [REASON] - the report of a nightly run.

Reads OUT/samples.csv and OUT/cells/*/{cell.json,triage/triage.json},
copies every minimized reproducer into OUT/reproducers/ (one per
signature), draws each with `VMEX run --svg`, and writes OUT/report.html
(self-contained: inline CSS and SVG), OUT/summary.json and OUT/summary.txt.
Every file is written to a temporary name and renamed.  Exit status 0, or
1 when something could not be written.
"""
import csv, html, json, os, re, subprocess, sys, tempfile, time

out, vmex, budget, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
reason = sys.argv[5] if len(sys.argv) > 5 else ""


def write_atomic(path, data, mode="w"):
    d = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".tmp.", dir=d)
    try:
        with os.fdopen(fd, mode) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


esc = html.escape


def on_error(kind, value, tb):   # a full disk and the like: one clear line, exit 1
    if issubclass(kind, OSError):
        print("ci/report.py: error: %s%s" % (value.strerror or value, " (%s)" % value.filename if value.filename else ""),
              file=sys.stderr)
        sys.exit(1)
    sys.__excepthook__(kind, value, tb)


sys.excepthook = on_error

# ---------------------------------------------------------------- findings
cells, findings = [], {}
cells_dir = os.path.join(out, "cells")
for name in sorted(os.listdir(cells_dir)) if os.path.isdir(cells_dir) else []:
    cdir = os.path.join(cells_dir, name)
    try:
        cell = json.load(open(os.path.join(cdir, "cell.json")))
    except (OSError, ValueError):
        continue
    cell["name"] = name
    cells.append(cell)
    try:
        tri = json.load(open(os.path.join(cdir, "triage", "triage.json")))
    except (OSError, ValueError):
        continue
    for s in tri.get("signatures", []):
        try:
            seen = os.path.getmtime(s["example"]) - start
        except OSError:
            seen = None
        sig = s["signature"]
        f = findings.get(sig)
        if f and (seen is None or (f["first_seen"] is not None and f["first_seen"] <= seen)):
            f["cells"].append(name)
            continue
        findings[sig] = {
            "signature": sig, "class": s["class"], "margin": s["margin"], "profile": s.get("profile"),
            "entitlements": cell.get("entitlements") or "none", "first_seen": seen,
            "ops_before": s["ops_before"], "ops_after": s["ops_after"], "known": s["known"],
            "known_as": s.get("known_as"), "flaky": s["flaky"], "cell": name,
            "cells": (f["cells"] if f else []) + [name], "source": s.get("reproducer"), "reproducer": None,
        }

rep_dir = os.path.join(out, "reproducers")
os.makedirs(rep_dir, exist_ok=True)
svgs = {}
for sig, f in sorted(findings.items()):
    if not f["source"]:
        continue
    dest = os.path.join(rep_dir, sig + ".vmex")
    write_atomic(dest, open(f["source"]).read())
    f["reproducer"] = os.path.relpath(dest, out)
    pic = os.path.join(rep_dir, sig + ".svg")
    subprocess.run([vmex, "run", "--svg", pic + ".tmp", dest], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if os.path.exists(pic + ".tmp"):
        os.replace(pic + ".tmp", pic)
        svgs[sig] = open(pic).read()

# ---------------------------------------------------------------- samples
rows = []
try:
    with open(os.path.join(out, "samples.csv")) as fh:
        for r in csv.DictReader(fh):
            try:
                rows.append({k: (int(v) if k not in ("cell", "target", "engine") else v) for k, v in r.items()})
            except (ValueError, TypeError):
                pass
except OSError:
    pass
elapsed = int(time.time()) - start

# ---------------------------------------------------------------- drawing
# The charts are drawn by `vmex plot` (harness/report/chart.c), the SVG
# writer of the address-space pictures and the stress plots: one renderer.


def plot(args, rows):
    """`vmex plot ARGS -` over CSV rows (the first is the header) -> inline SVG"""
    data = "".join(",".join(str(v).replace(",", " ") for v in r) + "\n" for r in rows)
    p = subprocess.run([vmex, "plot"] + args + ["-"], input=data, capture_output=True, text=True)
    if p.returncode != 0:
        return "<p>chart not drawn: %s</p>" % esc(p.stderr.strip() or "vmex plot failed")
    return strip_prolog(p.stdout)


def line_chart(title, series):
    """series: [(label, [(x, y), ...])] -> inline SVG"""
    rows = [("series", "x", "y")] + [(label, x, y) for label, s in series for x, y in s]
    return plot(["--title", title, "--xunit", "s"], rows)


def histogram(title, values):
    return plot(["--histogram", "margin", "--title", title, "--xlabel", "margin (bin centres)", "--empty",
                 "no findings"], [("margin",)] + [(v,) for v in values])


def strip_prolog(svg):
    i = svg.find("<svg")
    return svg[i:] if i >= 0 else ""


# ---------------------------------------------------------------- html
fl = sorted(findings.values(), key=lambda f: (f["first_seen"] is None, f["first_seen"] or 0, f["signature"]))
new = sum(1 for f in fl if not f["known"])
last = {}
for r in rows:
    last[(r["cell"], r["engine"])] = r
execs_total = sum(r["execs_per_sec"] for r in last.values())
state = "interrupted" if reason == "interrupted" else ("stopped: " + reason if reason else "complete")

H = ['<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>vmex nightly report</title>\n<style>',
     "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1340px}",
     "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:left;font-size:13px}",
     "th{background:#e8e8e8}.new{color:#b00;font-weight:bold}.charts{display:flex;flex-wrap:wrap;gap:12px}",
     ".finding{border-top:2px solid #888;margin-top:1.5em}.pic svg{max-width:100%;height:auto;border:1px solid #ccc}",
     "pre{background:#f6f6f6;border:1px solid #ddd;padding:.5em;font-size:12px;max-height:22em;overflow:auto}",
     "</style></head><body>",
     "<h1>vmex nightly report</h1>",
     "<p>%d cell(s), budget %ds, ran %ds, %s. <b>%d finding(s)</b> (%d new, %d known); last exec/s %d.</p>" % (
         len(cells), budget, elapsed, esc(state), len(fl), new, len(fl) - new, execs_total),
     "<h2>Matrix</h2><table><tr><th>cell</th><th>target</th><th>profile</th><th>entitlements</th><th>hunt</th><th>seconds</th></tr>"]
for c in cells:
    H.append("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % tuple(
        esc(str(c.get(k) or "none")) for k in ("name", "target", "profile", "entitlements", "hunt", "seconds")))
H.append("</table>")
H.append('<h2>Findings</h2><table id="findings"><tr><th>signature</th><th>class</th><th>margin</th><th>profile</th>'
         "<th>entitlements</th><th>first seen</th><th>ops after minimization</th><th>status</th><th>reproducer</th></tr>")
for i, f in enumerate(fl):
    H.append('<tr><td><a href="#f%d">%s</a></td><td>%s</td><td>%.2f</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>'
             '<td class="%s">%s</td><td>%s</td></tr>' % (
                 i, esc(f["signature"]), esc(f["class"]), f["margin"], esc(f["profile"] or ""), esc(f["entitlements"]),
                 "%ds" % f["first_seen"] if f["first_seen"] is not None else "?",
                 "%s &rarr; %s" % (f["ops_before"], f["ops_after"]) if f["ops_after"] is not None else "%s (not minimized)" % f["ops_before"],
                 "" if f["known"] else "new", "known" if f["known"] else "NEW" + (" (flaky)" if f["flaky"] else ""),
                 '<a href="%s">%s</a>' % (esc(f["reproducer"]), esc(os.path.basename(f["reproducer"]))) if f["reproducer"] else "-"))
if not fl:
    H.append('<tr><td colspan="9">no findings</td></tr>')
H.append("</table>")

H.append("<h2>Progress</h2>")
targets = sorted({r["target"] for r in rows})
for t in targets:
    H.append("<h3>%s</h3><div class=\"charts\">" % esc(t))
    for key, title in (("execs_per_sec", "exec/s"), ("features", "features (libFuzzer ft / AFL++ edges)"), ("corpus", "corpus size")):
        series = {}
        for r in rows:
            if r["target"] == t:
                series.setdefault("%s %s" % (r["cell"][3:], r["engine"]), []).append((r["time"], r[key]))
        H.append(line_chart("%s: %s" % (t, title), sorted(series.items())))
    H.append("</div>")
if not targets:
    H.append("<p>no samples</p>")
H.append("<h2>Margins</h2>" + histogram("findings by margin", [f["margin"] for f in fl]))

H.append("<h2>Address space at each failure</h2>")
for i, f in enumerate(fl):
    H.append('<div class="finding" id="f%d"><h3>%s</h3><p>%s, margin %.2f, on %s (%s), first seen %s, cells %s</p>' % (
        i, esc(f["signature"]), esc(f["class"]), f["margin"], esc(f["profile"] or ""), esc(f["entitlements"]),
        "%ds" % f["first_seen"] if f["first_seen"] is not None else "?", esc(", ".join(f["cells"]))))
    if f["signature"] in svgs:
        H.append('<div class="pic">%s</div>' % strip_prolog(svgs[f["signature"]]))
    if f["reproducer"]:
        H.append("<pre>%s</pre>" % esc(open(os.path.join(out, f["reproducer"])).read()))
    H.append("</div>")
H.append("</body></html>\n")

summary = {"cells": len(cells), "budget_seconds": budget, "elapsed_seconds": elapsed, "state": state,
           "findings": len(fl), "new": new, "known": len(fl) - new, "samples": len(rows),
           "signatures": [{k: f[k] for k in ("signature", "class", "margin", "profile", "entitlements", "first_seen",
                                              "ops_before", "ops_after", "known", "flaky", "reproducer", "cells")} for f in fl]}
txt = ["vmex nightly: %d cell(s), %ds of %ds, %s; %d finding(s): %d new, %d known" % (
    len(cells), elapsed, budget, state, len(fl), new, len(fl) - new)]
for f in fl:
    txt.append("  %-44s %-8s %7.2f %-5s %s" % (f["signature"], f["class"], f["margin"], "known" if f["known"] else "NEW",
                                                f["reproducer"] or "-"))
write_atomic(os.path.join(out, "report.html"), "\n".join(H))
write_atomic(os.path.join(out, "summary.json"), json.dumps(summary, indent=1) + "\n")
write_atomic(os.path.join(out, "summary.txt"), "\n".join(txt) + "\n")
