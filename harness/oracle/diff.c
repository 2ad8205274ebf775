/*
 * diff.c - linux-model against the real kernel, op by op.
 *
 * The program runs to its end on both (every op, no hunt), with the kernel
 * as the allocator on the real side.  The first op whose outcome differs
 * is the divergence: status, reason, where it landed and how big, and for
 * a failed request its class.  When every op agrees, the end states must
 * too: free bytes, the largest hole, mapped bytes and the hole count (not
 * the entry count: the kernel merges neighbouring VMAs, the model does not;
 * not footprint: see differ()).
 */
#include "core/core.h"
#include "oracle/oracle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct side { vmex_opres *r; uint32_t n; } side;

static void collect(void *ctx, const vmex_op *op, const vmex_opres *r)
{
    side *s = ctx;
    s->r[s->n++] = *r;
}

/* 0 when both sides did the same; else a description in buf */
static int differ(const vmex_program *p, const vmex_op *op, const vmex_opres *a, const vmex_opres *b, char *buf,
                  size_t n)
{
    char sa[32], sb[32];
    if (op->kind == VMEX_OP_CHECK && op->metric == VMEX_M_FOOTPRINT) return 0;
    if (a->status != b->status || a->why != b->why) {
        snprintf(buf, n, "model: %s (%s), kernel: %s (%s)", a->status == VMEX_ST_OK ? "ok" : "failed",
                 vmex_reason_text(a->why), b->status == VMEX_ST_OK ? "ok" : "failed", vmex_reason_text(b->why));
        return 1;
    }
    if (a->status == VMEX_ST_OK && vmex_op_places(op->kind) && (a->addr != b->addr || a->size != b->size)) {
        vmex_format_size(a->size, sa, sizeof sa);
        vmex_format_size(b->size, sb, sizeof sb);
        snprintf(buf, n, "model: %s at 0x%llx, kernel: %s at 0x%llx", sa, (unsigned long long)a->addr, sb,
                 (unsigned long long)b->addr);
        return 1;
    }
    if (a->cls != b->cls) {
        snprintf(buf, n, "model: %s, kernel: %s", vmex_class_name(a->cls), vmex_class_name(b->cls));
        return 1;
    }
    /* footprint is not compared: a touch in a THP-eligible range makes the
     * kernel fault in a whole 2 MiB page where the model counts one page */
    if (op->kind == VMEX_OP_CHECK && op->metric != VMEX_M_FOOTPRINT && a->value != b->value) {
        snprintf(buf, n, "check %s: model %llu, kernel %llu", vmex_metric_name(op->metric),
                 (unsigned long long)a->value, (unsigned long long)b->value);
        return 1;
    }
    return 0;
}

int vmex_diff_run(vmex_model *model, vmex_model *real, const vmex_program *prog, vmex_diff *d)
{
    return _vmex_diff_run_env(model, real, prog, NULL, d);
}

int _vmex_diff_run_env(vmex_model *model, vmex_model *real, const vmex_program *prog, const vmex_run_env *env,
                       vmex_diff *d)
{
    memset(d, 0, sizeof *d);
    d->at = -1;
    vmex_error err = {0};
    vmex_config cfg = prog->cfg;
    int model_t = vmex_target_model_of(cfg.target), real_t = vmex_target_real_of(cfg.target);
    if (real_t < 0) {   /* no real kernel behind this target's model */
        snprintf(d->error, sizeof d->error, "vmex diff runs linux programs (target linux-model or linux)");
        return -1;
    }
    cfg.target = (uint8_t)model_t;
    if (vmex_layout_resolve(&cfg, NULL, 0, &d->Lmodel, &err)) {
        snprintf(d->error, sizeof d->error, "%s", err.msg);
        return -1;
    }
    cfg.target = (uint8_t)real_t;
    if (vmex_layout_resolve(&cfg, NULL, 0, &d->Lreal, &err)) {
        snprintf(d->error, sizeof d->error, "%s", err.msg);
        return -1;
    }
    side a = {calloc(prog->nops + 1, sizeof *a.r), 0}, b = {calloc(prog->nops + 1, sizeof *b.r), 0};
    int rc = -1;
    if (!a.r || !b.r) {
        snprintf(d->error, sizeof d->error, "out of memory");
        goto out;
    }
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.keep_going = 1;
    o.env = env;
    o.on_op = collect;
    o.ctx = &a;
    vmex_result ra, rb;
    if (vmex_model_run(model, &d->Lmodel, prog, &o, &ra)) {
        snprintf(d->error, sizeof d->error, "%s", vmex_model_error(model));
        goto out;
    }
    o.ctx = &b;
    if (vmex_model_run(real, &d->Lreal, prog, &o, &rb)) {
        snprintf(d->error, sizeof d->error, "%s", vmex_model_error(real));
        goto out;
    }
    rc = 0;
    d->model_state = ra.st;
    d->real_state = rb.st;
    for (uint32_t i = 0; i < a.n && i < b.n; i++) {
        if (differ(prog, &prog->ops[i], &a.r[i], &b.r[i], d->what, sizeof d->what)) {
            d->at = (int32_t)i;
            d->model = a.r[i];
            d->real = b.r[i];
            goto out;
        }
    }
    if (a.n != b.n) {   /* one side stopped early: the executor died or hung */
        uint32_t i = a.n < b.n ? a.n : b.n;
        d->at = (int32_t)(i < prog->nops ? i : prog->nops - 1);
        snprintf(d->what, sizeof d->what, "the %s stopped after %u ops", a.n < b.n ? "model" : "kernel",
                 a.n < b.n ? a.n : b.n);
        if (i < b.n) d->real = b.r[i];
        goto out;
    }
    const vmex_stats *x = &ra.st, *y = &rb.st;
    if (x->free != y->free || x->largest != y->largest || x->mapped != y->mapped || x->holes != y->holes) {
        d->at = prog->nops ? (int32_t)prog->nops - 1 : 0;
        d->end_state = 1;
        snprintf(d->what, sizeof d->what,
                 "end state: model free %llu largest %llu mapped %llu holes %u; kernel free %llu largest %llu "
                 "mapped %llu holes %u",
                 (unsigned long long)x->free, (unsigned long long)x->largest, (unsigned long long)x->mapped, x->holes,
                 (unsigned long long)y->free, (unsigned long long)y->largest, (unsigned long long)y->mapped,
                 y->holes);
    }
out:
    free(a.r);
    free(b.r);
    return rc;
}

/* the size a divergence is filed under: the model's request, else its size */
uint64_t _vmex_diff_req(const vmex_program *p, const vmex_diff *d)
{
    return d->model.req ? d->model.req : d->model.size ? d->model.size : p->ops[d->at].size;
}

void vmex_diff_signature(const vmex_program *p, const vmex_diff *d, char *sig, size_t n)
{
    vmex_signature(VMEX_DIVERGE, p->ops[d->at].kind, _vmex_diff_req(p, d), d->Lreal.profile, sig, n);
}
