/*
 * find.c - vmex_find: the first hunted finding of a program and its
 * signature, as every consumer of findings sees it: the fuzz targets
 * (targets/hunter.c), vmex minimize, vmex triage, vmex check of an
 * `expect diverge` reproducer; and the order findings are reported in,
 * the worst first.
 *
 * A hunt that names diverge first runs a program of a target with a real
 * kernel behind its model through vmex_diff_run: a divergence is the
 * finding.  Else, and when the hunt names other classes too, the program
 * runs on its layout under the hunt.  A hunt of diverge alone stops after
 * the diff: no run can find a divergence.  Nothing here allocates on the
 * way of a run (the diff's two result tables aside).
 */
#include "core/core.h"
#include "model/model.h"
#include "oracle/oracle.h"

#include <string.h>

/* does the hunt name diverge; *others: does it name another class too */
static int hunts_diverge(const vmex_hunt *h, int *others)
{
    int diverge = 0;
    *others = 0;
    for (uint32_t i = 0; h && i < h->n; i++) {
        if (h->c[i].cls == VMEX_DIVERGE) diverge = 1;
        else *others = 1;
    }
    return diverge;
}

int vmex_find_ex(vmex_model *m, vmex_model **real, const vmex_layout *L, const vmex_program *p,
                 const vmex_runopts *o, vmex_diff *d, vmex_result *res, char *sig, size_t n)
{
    int others;
    vmex_diff local;
    if (!d) d = &local;
    d->at = -1;
    _vmex_result_begin(res);
    if (hunts_diverge(o->hunt, &others) && vmex_target_real_of(L->target) >= 0) {
        if (!*real && !(*real = vmex_model_new(VMEX_STORE_FAST))) return -1;
        if (_vmex_diff_run_env(m, *real, p, o->env, d)) {
            _vmex_model_set_error(m, d->error, vmex_model_unavailable(*real));   /* for the caller */
            return -1;
        }
        if (d->at >= 0) {
            res->verdict = VMEX_DIVERGE;
            res->at = d->at;
            res->findings = 1;
            res->req_kind = p->ops[d->at].kind;
            res->req = _vmex_diff_req(p, d);
            res->st = d->real_state;
            vmex_diff_signature(p, d, sig, n);
            return 1;
        }
        if (!others) return 0;
    }
    if (vmex_model_run(m, L, p, o, res)) return -1;
    if (!res->findings) return 0;
    vmex_result_signature(res, L->profile, sig, n);
    return 1;
}

int vmex_find(vmex_model *m, vmex_model **real, const vmex_layout *L, const vmex_program *p, const vmex_hunt *h,
              vmex_result *res, char *sig, size_t n)
{
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.hunt = h;
    return vmex_find_ex(m, real, L, p, &o, NULL, res, sig, n);
}

int _vmex_badness_cmp(int ca, double ma, uint64_t ra, const char *sa, int cb, double mb, uint64_t rb, const char *sb)
{
    if (ca != cb) return ca < cb ? -1 : 1;
    if (ma != mb) return ma > mb ? -1 : 1;
    if (ra != rb) return ra > rb ? -1 : 1;
    return strcmp(sa, sb);
}
