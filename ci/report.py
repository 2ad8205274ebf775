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
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"]


def nice(v):
    for unit, d in (("g", 1e9), ("m", 1e6), ("k", 1e3)):
        if abs(v) >= d:
            return ("%.1f" % (v / d)).rstrip("0").rstrip(".") + unit
    return "%d" % v


def line_chart(title, series, w=640, h=260):
    """series: [(label, [(x, y), ...])] -> inline SVG"""
    ml, mr, mt, mb = 60, 10, 24, 34
    pts = [p for _, s in series for p in s]
    xmax = max([p[0] for p in pts] + [1])
    ymax = max([p[1] for p in pts] + [1])
    sx = lambda x: ml + (w - ml - mr) * x / xmax
    sy = lambda y: h - mb - (h - mt - mb) * y / ymax
    o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" class="chart">' % (w, h + 18 * ((len(series) + 1) // 2), w, h + 18 * ((len(series) + 1) // 2))]
    o.append('<rect width="100%%" height="100%%" fill="#fff"/><text x="%d" y="16" font-size="13" font-weight="bold">%s</text>' % (ml, esc(title)))
    for i in range(5):
        y = ymax * i / 4
        o.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" font-size="10" text-anchor="end">%s</text>' % (ml, w - mr, sy(y), sy(y), ml - 4, sy(y) + 3, nice(y)))
        x = xmax * i / 4
        o.append('<text x="%.1f" y="%d" font-size="10" text-anchor="middle">%ss</text>' % (sx(x), h - mb + 14, nice(x)))
    o.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#444"/><line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#444"/>' % (ml, w - mr, h - mb, h - mb, ml, ml, mt, h - mb))
    for i, (label, s) in enumerate(series):
        c = PALETTE[i % len(PALETTE)]
        if s:
            o.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>' % (c, " ".join("%.1f,%.1f" % (sx(x), sy(y)) for x, y in s)))
        lx, ly = ml + (i % 2) * (w - ml) // 2, h + 4 + 18 * (i // 2)
        o.append('<rect x="%d" y="%d" width="12" height="4" fill="%s"/><text x="%d" y="%d" font-size="10">%s</text>' % (lx, ly + 4, c, lx + 16, ly + 9, esc(label)))
    o.append("</svg>")
    return "\n".join(o)


def histogram(title, values, w=640, h=240):
    ml, mr, mt, mb = 50, 10, 34, 34
    o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" class="chart">' % (w, h, w, h),
         '<rect width="100%%" height="100%%" fill="#fff"/><text x="%d" y="16" font-size="13" font-weight="bold">%s</text>' % (ml, esc(title))]
    if not values:
        o.append('<text x="%d" y="%d" font-size="12">no findings</text></svg>' % (ml, h // 2))
        return "\n".join(o)
    lo, hi = min(values), max(values)
    nb = 10
    width = (hi - lo) / nb or 1.0
    counts = [0] * nb
    for v in values:
        counts[min(nb - 1, int((v - lo) / width))] += 1
    cmax = max(counts)
    bw = (w - ml - mr) / nb
    for i, n in enumerate(counts):
        bh = (h - mt - mb) * n / cmax
        x = ml + i * bw
        o.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#4a7fb5" stroke="#fff"/>' % (x, h - mb - bh, bw, bh))
        if n:
            o.append('<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle">%d</text>' % (x + bw / 2, h - mb - bh - 3, n))
        o.append('<text x="%.1f" y="%d" font-size="9" text-anchor="middle">%.2f</text>' % (x + bw / 2, h - mb + 12, lo + (i + .5) * width))
    o.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#444"/><text x="%d" y="%d" font-size="10" text-anchor="middle">margin (bin centres)</text></svg>' % (ml, w - mr, h - mb, h - mb, (w + ml) // 2, h - 6))
    return "\n".join(o)


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
