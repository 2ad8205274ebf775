/*
 * diff_jsc.c - JavaScriptCore's own mmap calls against the mappings the
 * model's JSC scenario claims (diff_jsc.h).
 */
#include "oracle/diff_jsc.h"
#include "core/core.h"

#include <string.h>

/* enum vmex_prot as mmap's PROT_* bits (1 read, 2 write, 4 execute) */
static int prot_bits(int p)
{
    return p == VMEX_PROT_NONE ? 0 : p == VMEX_PROT_R ? 1 : p == VMEX_PROT_RX ? 5 : 3;
}

static void add_claim(vmex_jdiff *d, const char *name, int line, int reserve, uint64_t size, uint16_t flags,
                      uint64_t align, uint8_t prot)
{
    if (d->nclaims >= VMEX_JDIFF_MAX) return;
    for (uint32_t i = 0; i < d->nclaims; i++)   /* a stream in several phases: one claim */
        if (!strcmp(d->claims[i].name, name) && d->claims[i].size == size) return;
    vmex_jclaim *c = &d->claims[d->nclaims++];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->line = line;
    c->reserve = reserve;
    c->size = size;
    c->align = flags & VMEX_F_ALIGN ? align : 0;
    c->prot = flags & VMEX_F_PROT ? prot_bits(prot) : -1;
    c->real_prot = c->real_flags = -1;
}

int vmex_jdiff_claims(const vmex_workload *w, vmex_jdiff *d, vmex_error *err)
{
    memset(d, 0, sizeof *d);
    for (uint32_t p = 0; p < w->nphases; p++) {
        const vmex_wl_phase *ph = &w->phases[p];
        for (uint32_t k = 0; k < ph->nactions; k++) {
            const vmex_wl_action *a = &ph->actions[k];
            if (a->release || a->kind == VMEX_OP_MALLOC || !(a->flags & VMEX_F_TAG) || a->tag != VMEX_JSC_TAG)
                continue;
            add_claim(d, w->reserves[a->id], a->line, 1, a->size, a->flags, a->align, a->prot);
        }
        for (uint32_t k = 0; k < ph->nstreams; k++) {
            const vmex_wl_stream *s = &ph->streams[k];
            if (s->kind == VMEX_OP_MALLOC || !(s->flags & VMEX_F_TAG) || s->tag != VMEX_JSC_TAG ||
                s->size.kind != VMEX_DIST_FIXED || s->size.n != 1)
                continue;
            add_claim(d, w->streams[s->id].name, s->line, 0, s->size.v[0], s->flags, s->align, s->prot);
        }
    }
    if (d->nclaims == 0) {
        vmex_error_set(err, 0, 0,
                       "%s claims no JavaScriptCore mapping (no reserve or stream line of one size with tag %d)",
                       w->file, VMEX_JSC_TAG);
        return -1;
    }
    return 0;
}

static int explained(const vmex_jdiff *d, uint64_t len)
{
    for (uint32_t i = 0; i < d->nclaims; i++)
        if (len == d->claims[i].size || (d->claims[i].align && len == d->claims[i].size + d->claims[i].align))
            return 1;
    return 0;
}

static void other(vmex_jdiff *d, const vmex_jsc_call *c)
{
    for (uint32_t i = 0; i < d->nothers; i++) {
        vmex_jother *o = &d->others[i];
        if (o->len == c->len && o->prot == c->prot && o->flags == c->flags) {
            o->count++;
            o->failed += c->err != 0;
            return;
        }
    }
    if (d->nothers >= VMEX_JDIFF_MAX) {
        d->others_left_out++;
        return;
    }
    d->others[d->nothers++] = (vmex_jother){c->len, c->prot, c->flags, 1, c->err != 0, c->op};
}

void vmex_jdiff_compare(const vmex_jsc_call *calls, size_t n, vmex_jdiff *d)
{
    d->ncalls = (uint32_t)n;
    d->nothers = d->others_left_out = d->nmaps = d->nunmaps = 0;
    for (uint32_t i = 0; i < d->nclaims; i++) {
        vmex_jclaim *c = &d->claims[i];
        c->exact = c->padded = 0;
        c->real_prot = c->real_flags = -1;
        c->first_op = 0;
        int exact_prot = -1, padded_prot = -1, exact_flags = -1, padded_flags = -1;
        int32_t exact_op = 0, padded_op = 0;
        for (size_t k = 0; k < n; k++) {
            const vmex_jsc_call *x = &calls[k];
            if (x->unmap) continue;
            if (x->len == c->size) {
                if (!c->exact++) exact_prot = x->prot, exact_flags = x->flags, exact_op = x->op;
                if (c->prot >= 0 && x->prot == c->prot) exact_prot = x->prot, exact_flags = x->flags;
            } else if (c->align && x->len == c->size + c->align) {
                if (!c->padded++) padded_prot = x->prot, padded_flags = x->flags, padded_op = x->op;
            }
        }
        if (c->exact) {
            c->real_prot = exact_prot;
            c->real_flags = exact_flags;
            c->first_op = exact_op;
            c->verdict = c->prot < 0 || exact_prot == c->prot ? VMEX_JCLAIM_AGREES : VMEX_JCLAIM_PROT;
        } else if (c->padded) {
            c->real_prot = padded_prot;
            c->real_flags = padded_flags;
            c->first_op = padded_op;
            c->verdict = VMEX_JCLAIM_PADDED;
        } else {
            c->verdict = VMEX_JCLAIM_UNSEEN;
        }
    }
    for (size_t k = 0; k < n; k++) {
        if (calls[k].unmap) {
            d->nunmaps++;
            continue;
        }
        d->nmaps++;
        if (!explained(d, calls[k].len)) other(d, &calls[k]);
    }
}

int vmex_jdiff_agrees(const vmex_jdiff *d)
{
    for (uint32_t i = 0; i < d->nclaims; i++)
        if (d->claims[i].verdict != VMEX_JCLAIM_AGREES) return 0;
    return 1;
}
