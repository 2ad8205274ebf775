/*
 * triage_html.c - the page of `vmex triage --html` (triage.h): the table
 * of signatures, then per signature its reproducer, the what-if verdicts
 * (whatif.c) and the address space at the failure (picture.c), all inline.
 */
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "report/triage.h"
#include "report/whatif.h"

static const char style[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>vmex triage</title>\n<style>\n"
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1300px}\n"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:left}\n"
    "th{background:#eee}.crash{background:#f6c6c6}.ok{background:#c9ebc9}.new{color:#b00;font-weight:bold}\n"
    "pre{background:#f6f6f6;border:1px solid #ddd;padding:.6em;overflow:auto;max-height:30em;font-size:12px}\n"
    "section{border-top:2px solid #888;margin-top:2em}.summary{font-size:1.1em;font-style:italic}\n"
    "svg{max-width:100%;height:auto}\n</style></head><body>\n<h1>vmex triage</h1>\n<p>hunt policy ";

static int head(const vmex_triage *t, const vmex_hunt *h, vmex_buf *b)
{
    char hunt[256];
    vmex_hunt_format(h, hunt, sizeof hunt);
    int rc = vmex_buf_put(b, style, sizeof style - 1);
    rc |= vmex_xml_str(b, hunt);
    rc |= vmex_buf_printf(b, "; %zu signature(s)</p>\n<table><tr><th>signature</th><th>class</th><th>margin</th>"
                             "<th>ops</th><th>status</th><th>inputs</th></tr>\n",
                          t->ngroups);
    for (size_t g = 0; g < t->ngroups; g++) {
        const vmex_triage_group *gr = &t->groups[g];
        rc |= vmex_buf_printf(b, "<tr><td><a href=\"#sig%zu\">", g);
        rc |= vmex_xml_str(b, gr->sig);
        rc |= vmex_buf_printf(b, "</a></td><td>%s</td><td>%.2f</td><td>%u", vmex_class_name(gr->cls), gr->margin,
                              gr->ops_before);
        if (gr->minimized)
            rc |= vmex_buf_printf(b, " &rarr; %u", gr->ops_after);
        rc |= vmex_buf_printf(b, "</td><td%s>%s%s</td><td>%d</td></tr>\n", gr->known ? "" : " class=\"new\"",
                              gr->known ? "known" : "NEW", gr->flaky ? ", FLAKY" : "", gr->inputs);
    }
    return rc | vmex_buf_printf(b, "</table>\n");
}

/* the picture at the failure, on the program's own layout */
static int picture(vmex_model *m, const vmex_triage_input *in, const char *title, const vmex_hunt *h, vmex_buf *b)
{
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.hunt = h;
    vmex_result res;
    if (vmex_model_run(m, &in->L, &in->p, &o, &res) != 0)
        return 0;
    vmex_svg_info info = {title, &in->p, &res};
    vmex_buf pic = {0};
    int rc = -1;
    if (vmex_report_svg(m, &in->L, &info, &pic) == 0) {
        const char *svg = strstr(pic.p, "<svg");   /* drop any XML prolog */
        rc = vmex_buf_printf(b, "<h3>Address space at the failure</h3>\n<div class=\"pic\">%s</div>\n",
                             svg ? svg : pic.p);
    }
    vmex_buf_free(&pic);
    return rc;
}

/* One signature's section; the reproducer, when there is one, stands for
 * the input (rep: parsed from its text). */
static int section(vmex_model *m, const vmex_triage *t, size_t g, const vmex_triage_input *ins, const vmex_hunt *h,
                   const char *const *whatif, int nwhatif, vmex_buf *b)
{
    const vmex_triage_group *gr = &t->groups[g];
    vmex_triage_input rep;
    const vmex_triage_input *in = &ins[gr->best];
    vmex_error err = {0};
    int have_rep = 0, rc = 0;
    vmex_program_init(&rep.p);
    if (gr->minimized && gr->text) {
        have_rep = vmex_parse(gr->text, strlen(gr->text), gr->out, &rep.p, &err) == 0 &&
                   vmex_layout_resolve(&rep.p.cfg, NULL, 0, &rep.L, &err) == 0;
        if (have_rep)
            in = &rep;
    }
    rc |= vmex_buf_printf(b, "<section id=\"sig%zu\"><h2>", g);
    rc |= vmex_xml_str(b, gr->sig);
    rc |= vmex_buf_printf(b, "</h2>\n<p>class %s, margin %.2f, profile ", vmex_class_name(gr->cls), gr->margin);
    rc |= vmex_xml_str(b, in->L.profile);
    rc |= vmex_buf_printf(b, ", %s, from ", gr->known ? "known" : "NEW");
    rc |= vmex_xml_str(b, ins[gr->best].path);
    if (gr->known) {
        rc |= vmex_buf_printf(b, " (known as ");
        rc |= vmex_xml_str(b, gr->known_as);
        rc |= vmex_buf_printf(b, ")");
    }
    rc |= vmex_buf_printf(b, "</p>\n");
    /* what-if: verdicts first, so the summary leads the section */
    rc |= vmex_whatif_eva_html(m, &in->p, whatif, nwhatif, h, b);
    rc |= picture(m, in, have_rep ? gr->out : in->path, h, b);
    /* the reproducer's text */
    rc |= vmex_buf_printf(b, "<h3>Reproducer%s</h3>\n<pre>", have_rep ? "" : " (not minimized)");
    vmex_buf text = {0};
    if (have_rep)
        vmex_buf_put(&text, gr->text, strlen(gr->text));
    else
        vmex_print(&in->p, &text, "not minimized", NULL, NULL);
    if (text.p)
        rc |= vmex_xml_str(b, text.p);
    vmex_buf_free(&text);
    rc |= vmex_buf_printf(b, "</pre></section>\n");
    vmex_program_free(&rep.p);
    return rc;
}

int vmex_triage_html(const vmex_triage *t, const vmex_triage_input *ins, const vmex_hunt *h,
                     const char *const *whatif, int nwhatif, vmex_buf *b)
{
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    if (!m)
        return -1;
    int rc = head(t, h, b);
    for (size_t g = 0; g < t->ngroups && !rc; g++)
        rc |= section(m, t, g, ins, h, whatif, nwhatif, b);
    rc |= vmex_buf_printf(b, "</body></html>\n");
    vmex_model_free(m);
    return rc ? -1 : 0;
}
