/*
 * verdict_html.c - the page of `vmex triage REPORT --html`
 * (verdict_html.h).  The picture is the reconstruction run on its own
 * profile up to the failing request (the request drawn over the hole it
 * did not fit), or up to just before it when it fits.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "model/devices.h"
#include "report/report.h"
#include "report/verdict_html.h"

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>vmex triage: crash reports</title>\n"
    "<style>\nbody{font-family:system-ui,sans-serif;margin:2em auto;color:#222;max-width:1280px;padding:0 1em}\n"
    "h1{font-size:1.6em}h2{border-top:2px solid #888;padding-top:.8em}\n"
    ".cause{font-size:1.25em;font-weight:bold;padding:.4em .7em;border-radius:4px;display:inline-block}\n"
    ".space{background:#f6c6c6}.frag{background:#fde3b5}.jetsam{background:#d7e3fb}.other{background:#e4e4e4}\n"
    "table.w{border-collapse:collapse;margin:.6em 0}table.w td,table.w th{border:1px solid #bbb;padding:3px 9px}\n"
    "table.w th{background:#eee;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "tr.fixed td{background:#c9ebc9}tr.crash td{background:#f6d5d5}tr.base td{font-weight:bold}\n"
    "ul.says li.fixed{font-weight:bold}dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 14px}\n"
    "dl.facts dt{color:#555}dl.facts dd{margin:0}\n"
    "pre{background:#f6f6f6;border:1px solid #ddd;padding:.6em;overflow:auto;max-height:32em;font-size:12px}\n"
    "svg{max-width:100%;height:auto}\n</style></head><body>\n<h1>vmex triage: crash reports</h1>\n";

static int esc(vmex_buf *b, const char *s)
{
    return vmex_xml_str(b, s ? s : "");
}

static const char *cause_class(int cause)
{
    return cause == VMEX_CAUSE_EXHAUSTED ? "space" : cause == VMEX_CAUSE_FRAG ? "frag"
         : cause == VMEX_CAUSE_JETSAM    ? "jetsam" : "other";
}

/* the facts the report gave: device, OS, process, exception */
static int facts(const vmex_verdict_item *it, vmex_buf *b)
{
    const vmex_report *r = it->r;
    const vmex_recon *rc = it->rc;
    int e = vmex_buf_printf(b, "<dl class=\"facts\"><dt>report</dt><dd>%s", vmex_report_format_name(r->format));
    if (r->bug_type)
        e |= vmex_buf_printf(b, " (bug_type %d)", r->bug_type);
    e |= vmex_buf_printf(b, "</dd><dt>device</dt><dd>");
    e |= esc(b, r->model[0] ? r->model : "not given");
    if (rc->device) {
        e |= vmex_buf_printf(b, ", ");
        e |= esc(b, rc->device->name);
        e |= vmex_buf_printf(b, ", %u GB", rc->device->ram_gb);
    }
    e |= vmex_buf_printf(b, "</dd><dt>OS</dt><dd>");
    e |= esc(b, r->os[0] ? r->os : "not given");
    e |= vmex_buf_printf(b, "</dd><dt>process</dt><dd>");
    e |= esc(b, r->process[0] ? r->process : "not given");
    e |= vmex_buf_printf(b, "</dd><dt>exception</dt><dd>");
    e |= esc(b, r->exc_type[0] ? r->exc_type : "none");
    if (r->exc_signal[0]) {
        e |= vmex_buf_printf(b, " (");
        e |= esc(b, r->exc_signal);
        e |= vmex_buf_printf(b, ")");
    }
    e |= vmex_buf_printf(b, "</dd><dt>modelled on</dt><dd>");
    e |= esc(b, rc->profile);
    if (rc->stand_in)
        e |= vmex_buf_printf(b, " (standing in: vmex has no profile of iOS %u yet)", r->os_major);
    return e | vmex_buf_printf(b, "</dd></dl>\n");
}

static int whatif_table(const vmex_verdict *v, vmex_buf *b)
{
    int jetsam = v->cause == VMEX_CAUSE_JETSAM, e = 0;
    char ents[160];
    e |= vmex_buf_printf(b, "<h3>What if</h3>\n<table class=\"w\"><tr><th>profile</th><th>entitlements</th>"
                            "<th>a device like it</th><th>verdict</th><th>%s</th>%s</tr>\n",
                         jetsam ? "footprint limit" : "free at the request", jetsam ? "" : "<th>largest hole</th>");
    for (uint32_t i = 0; i < v->nrows; i++) {
        const vmex_whatif *w = &v->rows[i];
        char x[32], y[32];
        vmex_ents_text(w->ents, ents, sizeof ents);
        vmex_human_size(jetsam ? w->limit : w->free_before, x, sizeof x);
        if (jetsam)
            y[0] = '\0';
        else
            vmex_human_size(w->largest_before, y, sizeof y);
        /* green: the crash would not have happened; red: it would; a probe
         * (no request named) fixes nothing and fails nowhere */
        const char *row = w->fixed ? "fixed" : w->misfits || w->cls != VMEX_OK ? "crash" : "probe";
        e |= vmex_buf_printf(b, "<tr class=\"%s%s\"><td>%s</td><td>", row, w->base && w->crash_device ? " base" : "",
                             w->profile);
        e |= esc(b, ents);
        e |= vmex_buf_printf(b, "</td><td>");
        e |= esc(b, w->device[0] ? w->device : "-");
        e |= vmex_buf_printf(b, "%s</td><td>%s</td><td class=\"num\">%s</td>", w->crash_device ? " (this device)" : "",
                             w->fixed ? "ok" : w->misfits ? "misfits" : vmex_class_name(w->cls), x);
        e |= jetsam ? vmex_buf_printf(b, "</tr>\n") : vmex_buf_printf(b, "<td class=\"num\">%s</td></tr>\n", y);
    }
    e |= vmex_buf_printf(b, "</table>\n<ul class=\"says\">\n");
    for (uint32_t i = 0; i < v->nrows; i++) {
        e |= vmex_buf_printf(b, "<li%s>", v->rows[i].fixed && !v->rows[i].base ? " class=\"fixed\"" : "");
        e |= esc(b, v->rows[i].says);
        e |= vmex_buf_printf(b, "</li>\n");
    }
    return e | vmex_buf_printf(b, "</ul>\n");
}

/* The address space at the crash: the program run on its profile to the
 * request (drawn where it did not fit), or to just before it when it
 * fits.  0, or -1 out of memory; a picture that cannot be made is said. */
static int picture(vmex_model *m, const vmex_verdict_item *it, vmex_buf *b)
{
    vmex_program q;
    vmex_layout L;
    vmex_error err = {0};
    vmex_program_init(&q);
    if (vmex_program_copy(&q, it->p))
        return -1;
    q.expect = -1;
    q.expect_at = -1;
    int e = 0;
    if (vmex_layout_resolve(&q.cfg, NULL, 0, &L, &err)) {
        e = vmex_buf_printf(b, "<p>No picture: %s</p>\n", err.msg);
        vmex_program_free(&q);
        return e;
    }
    uint32_t req = it->rc->req_at >= 0 ? (uint32_t)it->rc->req_at : q.nops;
    vmex_runopts o;
    vmex_runopts_init(&o);
    vmex_result res;
    const char *when = "at the crash";
    if (req + it->rc->req_ops < q.nops)
        q.nops = req + it->rc->req_ops;
    if (vmex_model_run(m, &L, &q, &o, &res) == 0 && res.verdict == VMEX_OK && req < q.nops) {
        q.nops = req;                           /* the request fits: the state before it */
        when = "just before the request (it fits in the reconstruction)";
        if (vmex_model_run(m, &L, &q, &o, &res))
            res.verdict = VMEX_OK;
    }
    vmex_buf pic = {0};
    vmex_svg_info info = {it->file, &q, &res};
    char ents[160];
    vmex_ents_text(q.cfg.ents, ents, sizeof ents);
    e |= vmex_buf_printf(b, "<h3>Address space %s</h3>\n<p>The reconstruction on %s (entitlements: %s); what the "
                            "report did not place is an estimate (the program's comments say which).</p>\n",
                         when, L.profile, ents);
    if (vmex_report_svg(m, &L, &info, &pic) == 0) {
        const char *svg = strstr(pic.p, "<svg");   /* drop any XML prolog */
        e |= vmex_buf_printf(b, "<div class=\"pic\">%s</div>\n", svg ? svg : pic.p);
    } else {
        e = -1;
    }
    vmex_buf_free(&pic);
    vmex_program_free(&q);
    return e;
}

static int section(vmex_model *m, const vmex_verdict_item *it, size_t k, vmex_buf *b)
{
    const vmex_verdict *v = it->v;
    int e = vmex_buf_printf(b, "<section id=\"report%zu\"><h2>", k);
    e |= esc(b, it->file);
    e |= vmex_buf_printf(b, "</h2>\n");
    e |= facts(it, b);
    e |= vmex_buf_printf(b, "<p><span class=\"cause %s\">%s</span></p>\n<p>", cause_class(v->cause),
                         vmex_cause_name(v->cause));
    e |= esc(b, v->headline);
    e |= vmex_buf_printf(b, "</p>\n");
    if (v->nevidence)
        e |= vmex_buf_printf(b, "<h3>Evidence</h3>\n<ul>\n");
    for (uint32_t i = 0; i < v->nevidence; i++) {
        e |= vmex_buf_printf(b, "<li>");
        e |= esc(b, v->evidence[i]);
        e |= vmex_buf_printf(b, "</li>\n");
    }
    if (v->nevidence)
        e |= vmex_buf_printf(b, "</ul>\n");
    if (v->has_state) {
        char f[32], l[32], pf[32], pl[32], ents[160];
        vmex_human_size(v->free_at_crash, f, sizeof f);
        vmex_human_size(v->largest_at_crash, l, sizeof l);
        vmex_human_size(v->pristine_free, pf, sizeof pf);
        vmex_human_size(v->pristine_largest, pl, sizeof pl);
        vmex_ents_text(v->ents, ents, sizeof ents);
        e |= vmex_buf_printf(b, "<p>At the crash on %s (%s): <b>%s free, the largest hole %s</b> (a fresh "
                                "process has %s free, the largest hole %s).</p>\n", v->profile, ents, f, l, pf, pl);
    }
    if (v->nrows)
        e |= whatif_table(v, b);
    e |= picture(m, it, b);
    if (it->r->notes.len) {
        e |= vmex_buf_printf(b, "<h3>Read with a caveat</h3>\n<pre>");
        e |= esc(b, it->r->notes.p);
        e |= vmex_buf_printf(b, "</pre>\n");
    }
    vmex_buf text = {0};
    if (vmex_print(it->p, &text, it->rc->header.p, vmex_recon_comment, (void *)it->rc) == 0) {
        e |= vmex_buf_printf(b, "<details><summary>The reconstruction (<code>vmex import</code> writes it)"
                                "</summary>\n<pre>");
        e |= esc(b, text.p);
        e |= vmex_buf_printf(b, "</pre></details>\n");
    } else {
        e = -1;
    }
    vmex_buf_free(&text);
    return e | vmex_buf_printf(b, "</section>\n");
}

int vmex_verdict_html(const vmex_verdict_item *items, size_t n, vmex_buf *out)
{
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    if (!m)
        return -1;
    int e = vmex_buf_put(out, page_head, sizeof page_head - 1);
    if (n > 1) {
        e |= vmex_buf_printf(out, "<ul>\n");
        for (size_t k = 0; k < n; k++) {
            e |= vmex_buf_printf(out, "<li><a href=\"#report%zu\">", k);
            e |= esc(out, items[k].file);
            e |= vmex_buf_printf(out, "</a>: %s</li>\n", vmex_cause_name(items[k].v->cause));
        }
        e |= vmex_buf_printf(out, "</ul>\n");
    }
    for (size_t k = 0; k < n && !e; k++)
        e |= section(m, &items[k], k, out);
    e |= vmex_buf_printf(out, "</body></html>\n");
    vmex_model_free(m);
    return e ? -1 : 0;
}
