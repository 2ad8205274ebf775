/*
 * whatif.c - the what-if analysis (whatif.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "report/verdict.h"
#include "report/whatif.h"

int vmex_whatif_subsets(const uint32_t *order, int n, uint32_t *sets)
{
    for (uint32_t s = 0; s < (1u << n); s++) {
        uint32_t e = 0;
        for (int k = 0; k < n; k++)
            if (s & (1u << k))
                e |= order[k];
        sets[s] = e;
    }
    return 1 << n;
}

int vmex_whatif_layout(const vmex_program *p, const char *profile, uint32_t drop, uint32_t add, vmex_layout *L,
                       vmex_error *err)
{
    vmex_config cfg = p->cfg;
    cfg.ents &= ~drop;
    return vmex_layout_resolve(&cfg, profile, add, L, err) ? -1 : 0;
}

void vmex_whatif_grid(vmex_model *m, const vmex_program *p, const char *const *profiles, int nprof,
                      const uint32_t *sets, int nsets, uint32_t drop, const vmex_hunt *h, vmex_whatif_row *rows)
{
    for (int k = 0; k < nprof; k++)
        for (int e = 0; e < nsets; e++) {
            vmex_whatif_row *row = &rows[k * nsets + e];
            vmex_layout L;
            vmex_error err = {0};
            memset(row, 0, sizeof *row);
            row->profile = profiles[k];
            row->ents = sets[e];
            row->error = 1;
            if (vmex_whatif_layout(p, profiles[k], drop, sets[e], &L, &err))
                continue;
            row->ents = L.ents;
            vmex_runopts o;
            vmex_runopts_init(&o);
            o.hunt = h;
            row->error = vmex_model_run(m, &L, p, &o, &row->res) != 0;
        }
}

/* ---------------------------------------------------------------- text */

int vmex_whatif_table(const vmex_whatif_row *rows, int n, int nfiles, vmex_buf *out)
{
    int wf = 4, wp = 7, we = 12, rc = 0;
    char et[160], mg[32], fr[32], lg[32];
    for (int i = 0; i < n; i++) {
        vmex_ents_text(rows[i].ents, et, sizeof et);
        int l = (int)strlen(rows[i].file);
        if (l > wf) wf = l;
        l = (int)strlen(rows[i].profile);
        if (l > wp) wp = l;
        l = (int)strlen(et);
        if (l > we) we = l;
    }
    int showfile = nfiles > 1;
    if (!showfile && n)
        rc |= vmex_buf_printf(out, "%s\n", rows[0].file);
    if (showfile)
        rc |= vmex_buf_printf(out, "%-*s  ", wf, "file");
    rc |= vmex_buf_printf(out, "%-*s  %-*s  %-9s  %6s  %7s  %8s  %8s\n", wp, "profile", we, "entitlements", "verdict",
                          "at", "margin", "free", "largest");
    int bad_rows = 0;
    for (int i = 0; i < n; i++) {
        const vmex_result *r = &rows[i].res;
        char at[16] = "-";
        snprintf(mg, sizeof mg, "-");
        vmex_ents_text(rows[i].ents, et, sizeof et);
        int hit = r->verdict != VMEX_OK && r->at >= 0;
        if (hit) {
            snprintf(at, sizeof at, "%" PRId32, r->at);
            vmex_margin_text(r->margin, mg, sizeof mg);
        }
        if (hit || r->checks_failed)
            bad_rows++;
        if (showfile)
            rc |= vmex_buf_printf(out, "%-*s  ", wf, rows[i].file);
        vmex_human_size(r->st.free, fr, sizeof fr);
        vmex_human_size(r->st.largest, lg, sizeof lg);
        rc |= vmex_buf_printf(out, "%-*s  %-*s  %-9s  %6s  %7s  %8s  %8s%s\n", wp, rows[i].profile, we, et,
                              vmex_class_name(r->verdict), at, mg, fr, lg,
                              r->checks_failed ? "  (check failed)" : "");
    }
    rc |= vmex_buf_printf(out, "%d of %d runs %s\n", bad_rows, n, bad_rows == 1 ? "fails" : "fail");
    return rc ? -1 : 0;
}

/* ---------------------------------------------------------------- HTML */

/* "a, b and c" from the profiles whose flag is set */
static int list_words(vmex_buf *b, const char *const *names, int n, const int *set)
{
    int total = 0, k = 0, rc = 0;
    for (int i = 0; i < n; i++)
        total += set[i] != 0;
    for (int i = 0; i < n; i++)
        if (set[i]) {
            k++;
            rc |= vmex_buf_printf(b, "%s%s", k == 1 ? "" : k == total ? " and " : ", ", names[i]);
        }
    return rc;
}

int vmex_whatif_eva_html(vmex_model *m, const vmex_program *p, const char *const *profiles, int nprof,
                         const vmex_hunt *h, vmex_buf *b)
{
    static const uint32_t sets[2] = {0, VMEX_ENT_EXTENDED_VA};
    vmex_whatif_row rows[2 * VMEX_WHATIF_MAX];
    int fail[2][VMEX_WHATIF_MAX], fixed[VMEX_WHATIF_MAX], still[VMEX_WHATIF_MAX], only[VMEX_WHATIF_MAX];
    int a = 0, bb = 0, nf = 0, ns = 0, no = 0, rc = 0;
    if (nprof > VMEX_WHATIF_MAX)
        nprof = VMEX_WHATIF_MAX;
    vmex_whatif_grid(m, p, profiles, nprof, sets, 2, VMEX_ENT_EXTENDED_VA, h, rows);
    for (int k = 0; k < nprof; k++) {
        for (int e = 0; e < 2; e++)
            fail[e][k] = !rows[2 * k + e].error && rows[2 * k + e].res.verdict != VMEX_OK;
        a += fail[0][k];
        bb += fail[1][k];
        nf += fixed[k] = fail[0][k] && !fail[1][k];
        ns += still[k] = fail[0][k] && fail[1][k];
        no += only[k] = !fail[0][k] && fail[1][k];
    }
    rc |= vmex_buf_printf(b, "<p class=\"summary\">What if: ");
    if (a) {
        rc |= vmex_buf_printf(b, "crashes on ");
        rc |= list_words(b, profiles, nprof, fail[0]);
        rc |= vmex_buf_printf(b, " without the entitlement");
    } else {
        rc |= vmex_buf_printf(b, "no failure on any profile listed without the entitlement");
    }
    if (nf) {
        rc |= vmex_buf_printf(b, "; fixed by extended-virtual-addressing on ");
        rc |= list_words(b, profiles, nprof, fixed);
    }
    if (ns) {
        rc |= vmex_buf_printf(b, "; still crashes with extended-virtual-addressing on ");
        rc |= list_words(b, profiles, nprof, still);
    }
    if (no) {
        rc |= vmex_buf_printf(b, "; crashes only with extended-virtual-addressing on ");
        rc |= list_words(b, profiles, nprof, only);
    }
    if (!a && !bb)
        rc |= vmex_buf_printf(b, " or with it");
    rc |= vmex_buf_printf(b, ".</p>\n<table><tr><th>profile</th><th>none</th><th>extended-virtual-addressing</th></tr>\n");
    for (int k = 0; k < nprof; k++) {
        const char *cls[2];
        for (int e = 0; e < 2; e++) {
            const vmex_whatif_row *r = &rows[2 * k + e];
            cls[e] = r->error ? "error" : r->res.verdict != VMEX_OK ? vmex_class_name(r->res.verdict) : "ok";
        }
        rc |= vmex_buf_printf(b, "<tr><td>%s</td><td class=\"%s\">%s</td><td class=\"%s\">%s</td></tr>\n",
                              profiles[k], fail[0][k] ? "crash" : "ok", cls[0], fail[1][k] ? "crash" : "ok", cls[1]);
    }
    rc |= vmex_buf_printf(b, "</table>\n");
    return rc ? -1 : 0;
}
