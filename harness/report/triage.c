/*
 * triage.c - grouping findings by signature, and the table and JSON of a
 * triage (triage.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracle/minimize.h"
#include "oracle/oracle.h"
#include "report/report.h"
#include "report/triage.h"

#define PUTS(b, lit) vmex_buf_put((b), (lit), sizeof(lit) - 1)

/* One replay's finding. */
typedef struct hit {
    int found, cls;
    double margin;
    uint64_t req;
    char sig[128];
} hit;

int vmex_triage_signature(vmex_model *m, vmex_model **real, const vmex_program *p, const vmex_layout *L,
                          const vmex_hunt *h, char *sig, size_t n, vmex_result *res)
{
    if (vmex_find(m, real, L, p, h, res, sig, n) != 1) {
        sig[0] = '\0';
        return 0;
    }
    return 1;
}

static void replay(vmex_model *m, vmex_model **real, const vmex_triage_input *in, const vmex_hunt *h, hit *r)
{
    vmex_result res;
    memset(r, 0, sizeof *r);
    if (!vmex_triage_signature(m, real, &in->p, &in->L, h, r->sig, sizeof r->sig, &res))
        return;
    r->found = 1;
    r->cls = res.verdict;
    r->margin = res.margin;
    r->req = res.req;
}

/* the worse first: class, margin, request size, signature */
static int by_badness(const void *a, const void *b)
{
    const vmex_triage_group *x = a, *y = b;
    return _vmex_badness_cmp(x->cls, x->margin, x->req, x->sig, y->cls, y->margin, y->req, y->sig);
}

int vmex_triage_group_inputs(const vmex_triage_input *ins, size_t n, const vmex_hunt *h, vmex_triage *t)
{
    vmex_model *shared = vmex_model_new(VMEX_STORE_FAST), *shared_real = NULL;
    memset(t, 0, sizeof *t);
    t->inputs = n;
    t->groups = calloc(n ? n : 1, sizeof *t->groups);
    int rc = shared && t->groups ? 0 : -1;
    for (size_t i = 0; i < n && !rc; i++) {
        hit r1, r2;
        vmex_model *fresh = vmex_model_new(VMEX_STORE_FAST), *fresh_real = NULL;
        if (!fresh) {
            rc = -1;
            break;
        }
        replay(fresh, &fresh_real, &ins[i], h, &r1);
        vmex_model_free(fresh);
        vmex_model_free(fresh_real);
        replay(shared, &shared_real, &ins[i], h, &r2);
        int flaky = r1.found != r2.found || strcmp(r1.sig, r2.sig) || r1.margin != r2.margin;
        t->flaky_inputs += flaky;
        if (!r1.found && !r2.found) {
            t->clean++;
            continue;
        }
        const hit *r = r1.found ? &r1 : &r2;
        size_t g = 0;
        while (g < t->ngroups && strcmp(t->groups[g].sig, r->sig))
            g++;
        vmex_triage_group *gr = &t->groups[g];
        if (g == t->ngroups) {
            snprintf(gr->sig, sizeof gr->sig, "%s", r->sig);
            gr->cls = r->cls;
            gr->margin = r->margin;
            gr->req = r->req;
            gr->best = i;
            t->ngroups++;
        }
        gr->inputs++;
        gr->flaky |= flaky;
        if (r->margin > gr->margin) { /* a group is as bad as its worst input */
            gr->margin = r->margin;
            gr->req = r->req;
        }
        if (ins[i].p.nops < ins[gr->best].p.nops)
            gr->best = i;
    }
    for (size_t g = 0; g < t->ngroups; g++)
        t->groups[g].ops_before = ins[t->groups[g].best].p.nops;
    qsort(t->groups, t->ngroups, sizeof *t->groups, by_badness);
    vmex_model_free(shared);
    vmex_model_free(shared_real);
    return rc;
}

void vmex_triage_mark_known(vmex_triage *t, char *const *sigs, char *const *files, size_t n)
{
    for (size_t g = 0; g < t->ngroups; g++)
        for (size_t k = 0; k < n; k++)
            if (!strcmp(sigs[k], t->groups[g].sig)) {
                t->groups[g].known = 1;
                snprintf(t->groups[g].known_as, sizeof t->groups[g].known_as, "%s", files[k]);
            }
}

int vmex_triage_minimize(vmex_triage *t, size_t g, const vmex_triage_input *ins, const vmex_hunt *h)
{
    vmex_triage_group *gr = &t->groups[g];
    const vmex_triage_input *in = &ins[gr->best];
    vmex_program out;
    vmex_minimize_stats st;
    vmex_program_init(&out);
    int rc = vmex_minimize(&in->p, &in->L, h, &out, &st);
    if (rc == 0) {
        vmex_pin_layout(&out, &in->L);
        char header[1024];
        snprintf(header, sizeof header, "vmex triage: %s, margin %.2f\nfrom %s: %u ops -> %u ops%s%s", gr->sig,
                 st.margin, in->path, st.ops_before, st.ops_after, gr->known ? "\nknown as " : "",
                 gr->known ? gr->known_as : "");
        vmex_buf text = {0};
        if (vmex_print_annotated(&out, &in->L, h, header, &text) == 0 && text.p) {
            free(gr->text);
            gr->text = text.p;
            gr->ops_after = st.ops_after;
        } else {
            vmex_buf_free(&text);
            rc = -1;
        }
    }
    vmex_program_free(&out);
    return rc;
}

void vmex_triage_free(vmex_triage *t)
{
    for (size_t g = 0; t->groups && g < t->ngroups; g++)
        free(t->groups[g].text);
    free(t->groups);
    memset(t, 0, sizeof *t);
}

void vmex_pin_layout(vmex_program *p, const vmex_layout *L)
{
    p->cfg.target = L->target;
    if (vmex_target_has(L->target, VMEX_CAP_WINDOW)) {
        p->cfg.set[VMEX_SET_WINDOW] = L->window;
        p->cfg.set_mask |= 1ull << VMEX_SET_WINDOW;
        if (vmex_set_applies(VMEX_SET_ALLOCATOR, L->target)) {   /* not on jsc: JavaScriptCore's own */
            p->cfg.set[VMEX_SET_ALLOCATOR] = L->allocator;
            p->cfg.set_mask |= 1ull << VMEX_SET_ALLOCATOR;
        }
        return;
    }
    snprintf(p->cfg.profile, sizeof p->cfg.profile, "%s", L->profile);
    p->cfg.ents = L->ents;
}

/* ---------------------------------------------------------------- reports */

int vmex_triage_table(const vmex_triage *t, const char *dir, vmex_buf *out)
{
    int rc = vmex_buf_printf(out, "%-44s %-10s %7s %11s %-12s %-6s %s\n", "signature", "class", "margin", "ops",
                             "reproducible", "status", "inputs");
    for (size_t g = 0; g < t->ngroups; g++) {
        const vmex_triage_group *gr = &t->groups[g];
        char ops[32];
        if (gr->minimized)
            snprintf(ops, sizeof ops, "%u -> %u", gr->ops_before, gr->ops_after);
        else
            snprintf(ops, sizeof ops, "%u", gr->ops_before);
        rc |= vmex_buf_printf(out, "%-44s %-10s %7.2f %11s %-12s %-6s %d\n", gr->sig, vmex_class_name(gr->cls),
                              gr->margin, ops, gr->flaky ? "FLAKY" : "yes", gr->known ? "known" : "NEW", gr->inputs);
    }
    rc |= vmex_buf_printf(out,
                          "%zu inputs: %zu signatures, %zu without a finding, %zu flaky, %zu unreadable; "
                          "reproducers in %s/\n",
                          t->inputs, t->ngroups, t->clean, t->flaky_inputs, t->unreadable, dir);
    return rc ? -1 : 0;
}

/* a JSON string member value, or null */
static int str_or_null(vmex_buf *b, int have, const char *s)
{
    return have ? vmex_json_str(b, s) : PUTS(b, "null");
}

int vmex_triage_json(const vmex_triage *t, const vmex_triage_input *ins, const vmex_hunt *h, vmex_buf *j)
{
    char hunt[256];
    vmex_hunt_format(h, hunt, sizeof hunt);
    int rc = vmex_buf_printf(j, "{\"inputs\":%zu,\"clean\":%zu,\"flaky_inputs\":%zu,\"unreadable\":%zu,\"hunt\":",
                             t->inputs, t->clean, t->flaky_inputs, t->unreadable);
    rc |= vmex_json_str(j, hunt);
    rc |= PUTS(j, ",\"signatures\":[");
    for (size_t g = 0; g < t->ngroups; g++) {
        const vmex_triage_group *gr = &t->groups[g];
        rc |= vmex_buf_printf(j, "%s\n {\"signature\":", g ? "," : "");
        rc |= vmex_json_str(j, gr->sig);
        rc |= vmex_buf_printf(j, ",\"class\":\"%s\",\"margin\":%.4f,\"ops_before\":%u,\"ops_after\":",
                              vmex_class_name(gr->cls), gr->margin, gr->ops_before);
        rc |= gr->minimized ? vmex_buf_printf(j, "%u", gr->ops_after) : PUTS(j, "null");
        rc |= vmex_buf_printf(j, ",\"reproducible\":%s,\"flaky\":%s,\"known\":%s,\"inputs\":%d,\"example\":",
                              gr->flaky ? "false" : "true", gr->flaky ? "true" : "false", gr->known ? "true" : "false",
                              gr->inputs);
        rc |= vmex_json_str(j, ins[gr->best].path);
        rc |= PUTS(j, ",\"profile\":");
        rc |= vmex_json_str(j, ins[gr->best].L.profile);
        rc |= PUTS(j, ",\"reproducer\":");
        rc |= str_or_null(j, gr->minimized, gr->out);
        rc |= PUTS(j, ",\"known_as\":");
        rc |= str_or_null(j, gr->known, gr->known_as);
        rc |= PUTS(j, "}");
    }
    rc |= PUTS(j, "\n]}\n");
    return rc ? -1 : 0;
}
