#!/usr/bin/env python3
"""ci/report.py OUT --vmex VMEX --store DB --run ID --budget S --start T [--reason R]
- the report of a nightly run.

Reads OUT/samples.csv, OUT/cells/*/cell.json, the findings store DB
(`VMEX findings list --json`: the records run ID saw, and those it found
fixed) and OUT/reproducers/ (the run's findings, exported by ci/nightly:
SIGNATURE.vmex + SIGNATURE.json), draws each reproducer with
`VMEX run --svg`, and writes OUT/report.html (self-contained: inline CSS
and SVG), OUT/summary.json and OUT/summary.txt.  NEW means first seen by
this run (the store's first_run), so a signature is NEW once, whatever
later nights find.  Every file is written to a temporary name and
renamed; it can be rerun on a run's folder.  Exit status 0, 1 when
something could not be written, 2 on bad arguments.
"""
import argparse, csv, html, json, os, subprocess, sys, tempfile, time

ap = argparse.ArgumentParser(prog="ci/report.py", description="the report of a nightly run")
ap.add_argument("out")
ap.add_argument("--vmex", required=True)
ap.add_argument("--store", required=True)
ap.add_argument("--run", type=int, required=True)
ap.add_argument("--budget", type=int, required=True)
ap.add_argument("--start", type=int, required=True)
ap.add_argument("--reason", default="")
args = ap.parse_args()
out, vmex, run = args.out, args.vmex, args.run


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


def findings(*extra):
    """`vmex findings list --json` over the store: a list of records"""
    p = subprocess.run([vmex, "findings", "list", "--json", "--store", args.store] + list(extra),
                       capture_output=True, text=True)
    if p.returncode != 0:
        print("ci/report.py: error: %s" % (p.stderr.strip() or "vmex findings list failed"), file=sys.stderr)
        sys.exit(1)
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def when(t):
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(t)) if t else "-"


# ---------------------------------------------------------------- findings
cells = []
cells_dir = os.path.join(out, "cells")
for name in sorted(os.listdir(cells_dir)) if os.path.isdir(cells_dir) else []:
    try:
        cell = json.load(open(os.path.join(cells_dir, name, "cell.json")))
    except (OSError, ValueError):
        continue
    cell["name"] = name
    cells.append(cell)

seen = findings("--run", str(run))
fixed = [r for r in findings("--status", "fixed") if r.get("fixed_run") == run]
rep_dir = os.path.join(out, "reproducers")
svgs = {}
for r in seen:
    r["new"] = r["first_run"] == run
    r["reopened"] = r.get("reopened_run") == run
    r["label"] = ("NEW" if r["new"] else "reopened" if r["reopened"] else r["status"]) + (
        " (flaky)" if r["status"] == "flaky" and r["new"] else "")
    src = os.path.join(rep_dir, r["signature"] + ".vmex")
    r["reproducer"] = os.path.relpath(src, out) if os.path.exists(src) else None
    if not r["reproducer"]:
        continue
    pic = os.path.join(rep_dir, r["signature"] + ".svg")
    subprocess.run([vmex, "run", "--svg", pic + ".tmp", src], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if os.path.exists(pic + ".tmp"):
        os.replace(pic + ".tmp", pic)
        svgs[r["signature"]] = open(pic).read()

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
elapsed = int(time.time()) - args.start

# ---------------------------------------------------------------- drawing
# The charts are drawn by `vmex plot` (harness/report/chart.c), the SVG
# writer of the address-space pictures and the stress plots: one renderer.


def plot(pargs, prows):
    """`vmex plot ARGS -` over CSV rows (the first is the header) -> inline SVG"""
    data = "".join(",".join(str(v).replace(",", " ") for v in r) + "\n" for r in prows)
    p = subprocess.run([vmex, "plot"] + pargs + ["-"], input=data, capture_output=True, text=True)
    if p.returncode != 0:
        return "<p>chart not drawn: %s</p>" % esc(p.stderr.strip() or "vmex plot failed")
    return strip_prolog(p.stdout)


def line_chart(title, series):
    """series: [(label, [(x, y), ...])] -> inline SVG"""
    prows = [("series", "x", "y")] + [(label, x, y) for label, s in series for x, y in s]
    return plot(["--title", title, "--xunit", "s"], prows)


def histogram(title, values):
    return plot(["--histogram", "margin", "--title", title, "--xlabel", "margin (bin centres)", "--empty",
                 "no findings"], [("margin",)] + [(v,) for v in values])


def strip_prolog(svg):
    i = svg.find("<svg")
    return svg[i:] if i >= 0 else ""


def cells_text(r):
    return ", ".join("%s %s %s" % (c["target"], c["profile"], c["entitlements"]) for c in r["cells"]) or "-"


# ---------------------------------------------------------------- html
fl = sorted(seen, key=lambda r: (not r["new"], -r["best_margin"], r["signature"]))
new = sum(1 for r in fl if r["new"])
reopened = sum(1 for r in fl if r["reopened"])
flaky = sum(1 for r in fl if r["status"] == "flaky")
last = {}
for r in rows:
    last[(r["cell"], r["engine"])] = r
execs_total = sum(r["execs_per_sec"] for r in last.values())
reason = args.reason
bugs = []   # (cell, report, log): written by ci/nightly's sanitized checks
if os.path.exists(os.path.join(out, "harness-bugs.txt")):
    bugs = [l.rstrip("\n").split("\t") + ["", ""] for l in open(os.path.join(out, "harness-bugs.txt")) if l.strip()]
    bugs = [b[:3] for b in bugs]
state = "interrupted" if reason == "interrupted" else ("stopped: " + reason if reason else "complete")

H = ['<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>vmex nightly report</title>\n<style>',
     "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1340px}",
     "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:left;font-size:13px}",
     "th{background:#e8e8e8}.new{color:#b00;font-weight:bold}.charts{display:flex;flex-wrap:wrap;gap:12px}",
     ".finding{border-top:2px solid #888;margin-top:1.5em}.pic svg{max-width:100%;height:auto;border:1px solid #ccc}",
     "pre{background:#f6f6f6;border:1px solid #ddd;padding:.5em;font-size:12px;max-height:22em;overflow:auto}",
     "</style></head><body>",
     "<h1>vmex nightly report</h1>",
     "<p>Run %d, %d cell(s), budget %ds, ran %ds, %s. <b>%d finding(s)</b>: %d new (first seen by this run), "
     "%d seen before, %d reopened, %d flaky; %d fixed by this run; last exec/s %d.</p>" % (
         run, len(cells), args.budget, elapsed, esc(state), len(fl), new, len(fl) - new, reopened, flaky, len(fixed),
         execs_total),
     "<h2>Matrix</h2><table><tr><th>cell</th><th>target</th><th>profile</th><th>entitlements</th><th>hunt</th><th>seconds</th></tr>"]
for c in cells:
    H.append("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % tuple(
        esc(str(c.get(k) or "none")) for k in ("name", "target", "profile", "entitlements", "hunt", "seconds")))
H.append("</table>")
if bugs:
    H.append('<h2 class="new">Harness bugs</h2><p>A sanitizer report or a vmex-harness-bug line: a bug of vmex '
             "itself, not a finding.</p><table><tr><th>cell</th><th>report</th><th>log</th></tr>")
    H += ["<tr><td>%s</td><td>%s</td><td>%s</td></tr>" % (esc(c), esc(r), esc(os.path.relpath(l, out) if l.startswith(out) else l))
          for c, r, l in bugs]
    H.append("</table>")
H.append('<h2>Findings</h2><table id="findings"><tr><th>signature</th><th>class</th><th>best margin</th><th>cells</th>'
         "<th>first seen (UTC)</th><th>runs</th><th>ops</th><th>status</th><th>reproducer</th></tr>")
for i, r in enumerate(fl):
    H.append('<tr><td><a href="#f%d">%s</a></td><td>%s</td><td>%.2f</td><td>%s</td><td>%s (run %s)</td><td>%d</td>'
             '<td>%s</td><td class="%s">%s</td><td>%s</td></tr>' % (
                 i, esc(r["signature"]), esc(r["class"]), r["best_margin"], esc(cells_text(r)), when(r["first_seen"]),
                 r["first_run"] if r["first_run"] else "import", r["times_seen"],
                 r["reproducer_ops"] if r["reproducer_ops"] is not None else "-", "new" if r["new"] else "",
                 esc(r["label"]),
                 '<a href="%s">%s</a>' % (esc(r["reproducer"]), esc(os.path.basename(r["reproducer"]))) if r["reproducer"] else "-"))
if not fl:
    H.append('<tr><td colspan="9">no findings</td></tr>')
H.append("</table>")
if fixed:
    H.append("<h2>Fixed by this run</h2><p>Their stored reproducers no longer give their signature.</p><ul>")
    H += ["<li>%s (%s), first seen %s</li>" % (esc(r["signature"]), esc(r["class"]), when(r["first_seen"])) for r in fixed]
    H.append("</ul>")

H.append("<h2>Progress</h2><p>exec/s: libFuzzer's own figure; AFL++'s measured from its execs_done between "
         "two updates of fuzzer_stats (its execs_per_sec counts calibration).</p>")
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
H.append("<h2>Margins</h2>" + histogram("findings by best margin", [r["best_margin"] for r in fl]))

H.append("<h2>Address space at each failure</h2>")
for i, r in enumerate(fl):
    H.append('<div class="finding" id="f%d"><h3>%s</h3><p>%s, best margin %.2f, %s; first seen %s UTC (run %s), '
             'seen by %d run(s); cells %s</p>' % (
                 i, esc(r["signature"]), esc(r["class"]), r["best_margin"], esc(r["label"]), when(r["first_seen"]),
                 r["first_run"] if r["first_run"] else "import", r["times_seen"], esc(cells_text(r))))
    if r["signature"] in svgs:
        H.append('<div class="pic">%s</div>' % strip_prolog(svgs[r["signature"]]))
    if r["reproducer"]:
        H.append("<pre>%s</pre>" % esc(open(os.path.join(out, r["reproducer"])).read()))
    H.append("</div>")
H.append("</body></html>\n")

keys = ("signature", "class", "status", "first_seen", "first_run", "last_seen", "times_seen", "hits", "best_margin",
        "reproducer_ops", "cells")
summary = {"run": run, "cells": len(cells), "budget_seconds": args.budget, "elapsed_seconds": elapsed, "state": state,
           "findings": len(fl), "new": new, "known": len(fl) - new, "reopened": reopened, "flaky": flaky,
           "fixed": len(fixed), "samples": len(rows),
           "harness_bugs": [{"cell": c, "report": r, "log": l} for c, r, l in bugs],
           "signatures": [dict({k: r[k] for k in keys}, new=r["new"], reproducer=r["reproducer"]) for r in fl],
           "fixed_signatures": [r["signature"] for r in fixed]}
txt = ["vmex nightly run %d: %d cell(s), %ds of %ds, %s; %d finding(s): %d new, %d seen before, %d fixed" % (
    run, len(cells), elapsed, args.budget, state, len(fl), new, len(fl) - new, len(fixed))]
for r in fl:
    txt.append("  %-44s %-8s %7.2f %-8s %s" % (r["signature"], r["class"], r["best_margin"], r["label"],
                                               r["reproducer"] or "-"))
for r in fixed:
    txt.append("  %-44s %-8s %7s %-8s" % (r["signature"], r["class"], "", "FIXED"))
for c, r, l in bugs:
    txt.append("  HARNESS BUG in %s: %s (%s)" % (c, r, l))
write_atomic(os.path.join(out, "report.html"), "\n".join(H))
write_atomic(os.path.join(out, "summary.json"), json.dumps(summary, indent=1) + "\n")
write_atomic(os.path.join(out, "summary.txt"), "\n".join(txt) + "\n")
