/*
 * backend.c - the one list of backends, and the model API of vmex.h that
 * dispatches through it (see backend.h).
 *
 * A model remembers the backend of its last run or start: vmex_model_stats,
 * vmex_model_walk and vmex_model_step go to it.  Each backend keeps its own
 * state in the model (a map, an executor), made on its first use and kept
 * until vmex_model_free, so a model that runs programs of several targets
 * in turn resets rather than rebuilds.
 */
#include "model/backend.h"
#include "model/model.h"
#include "oracle/oracle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const vmex_backend *const backends[VMEX_TARGET__COUNT] = {
    [VMEX_TARGET_XNU] = &_vmex_backend_xnu,
    [VMEX_TARGET_LINUX_MODEL] = &_vmex_backend_linux_model,
    [VMEX_TARGET_LINUX] = &_vmex_backend_linux,
    [VMEX_TARGET_JSC] = &_vmex_backend_jsc,
};

const vmex_backend *_vmex_backend(int target)
{
    return target >= 0 && target < VMEX_TARGET__COUNT ? backends[target] : NULL;
}

/* ------------------------------------------------------------ what a target is */
int vmex_target_model_of(int t)
{
    const vmex_backend *b = _vmex_backend(t);
    return b ? b->model_of : -1;
}

int vmex_target_real_of(int t)
{
    const vmex_backend *b = _vmex_backend(t);
    return b ? b->real_of : -1;
}

int vmex_target_runs_allocator(int t, int a)
{
    const vmex_backend *b = _vmex_backend(t);
    return b && a >= 0 && a < VMEX_ALLOC__COUNT && (b->allocators >> a & 1);
}

/* ------------------------------------------------------------ lifecycle */
vmex_model *vmex_model_new(int store_kind)
{
    vmex_model *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->store_kind = store_kind;
    return m;
}

void vmex_model_free(vmex_model *m)
{
    if (!m) return;
    for (int t = 0; t < VMEX_TARGET__COUNT; t++)
        if (m->state[t]) backends[t]->release(m->state[t]);
    free(m);
}

const char *vmex_model_error(const vmex_model *m) { return m->error[0] ? m->error : "out of memory"; }
int vmex_model_unavailable(const vmex_model *m) { return m->unavailable; }

void _vmex_model_set_error(vmex_model *m, const char *msg, int unavailable)
{
    snprintf(m->error, sizeof m->error, "%s", msg);
    m->unavailable = unavailable;
}

/* ------------------------------------------------------------ runs */
void vmex_runopts_init(vmex_runopts *o)
{
    memset(o, 0, sizeof *o);
    o->large = VMEX_DEFAULT_LARGE;
}

int vmex_layout_resolve(const vmex_config *cfg, const char *profile, uint32_t extra_ents, vmex_layout *L,
                        vmex_error *err)
{
    const vmex_backend *b = _vmex_backend(cfg->target);
    memset(L, 0, sizeof *L);
    if (!b) {
        vmex_error_set(err, 0, 0, "unknown target %d", cfg->target);
        return -1;
    }
    for (int k = 0; k < VMEX_SET__COUNT; k++)
        if ((cfg->set_mask >> k & 1) && !vmex_set_applies(k, cfg->target)) {
            vmex_error_set(err, 0, 0, "set %s does not apply to target %s", vmex_set_name(k),
                           vmex_target_name(cfg->target));
            return -1;
        }
    return b->resolve(cfg, profile, extra_ents, L, err);
}

int vmex_model_start(vmex_model *m, const vmex_layout *L, uint32_t nslots)
{
    m->error[0] = '\0';
    m->bk = _vmex_backend(L->target);
    return m->bk->start(m, L, nslots);
}

void vmex_model_step(vmex_model *m, const vmex_op *op, uint32_t i, const vmex_runopts *o, vmex_opres *r)
{
    memset(r, 0, sizeof *r);
    r->i = i;
    m->bk->step(m, op, r);
    r->finding = (uint8_t)_vmex_is_finding(op, r, o);
}

int vmex_model_run(vmex_model *m, const vmex_layout *L, const vmex_program *p, const vmex_runopts *o,
                   vmex_result *res)
{
    vmex_runopts def;
    if (!o) {
        vmex_runopts_init(&def);
        o = &def;
    }
    _vmex_result_begin(res);
    m->error[0] = '\0';
    m->unavailable = 0;
    m->bk = _vmex_backend(L->target);
    return m->bk->run(m, L, p, o, res);
}

void vmex_model_stats(const vmex_model *m, vmex_stats *st)
{
    if (m->bk) m->bk->stats(m, st);
    else memset(st, 0, sizeof *st);
}

void vmex_model_walk(const vmex_model *m, vmex_entry_fn cb, void *ctx)
{
    if (m->bk) m->bk->walk(m, cb, ctx);
}
