/*
 * sim.c - the simulated address space of the model backends (xnu,
 * linux-model): the map, the handle slots and the ops that mean the same on
 * both; see sim.h.
 *
 * The store (fast or naive) only answers "where is the first fit" and
 * keeps the map; every rule of a kernel or an allocator lives in its
 * backend's vmex_sim_rules, shared by both stores.
 *
 * Footprint: `touch` dirties pages, each counted once; unmapping forgets
 * them.  A touch past the layout's footprint limit is jetsam (the layout of
 * a target without one has no limit).  `check` measures the map.
 */
#include "model/sim.h"
#include "oracle/oracle.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ lifecycle */
vmex_sim *_vmex_sim_get(vmex_model *m, const vmex_backend *bk, const vmex_sim_rules *rules)
{
    vmex_sim *s = m->state[bk->target];
    if (s) return s;
    s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->rules = rules;
    s->vt = m->store_kind == VMEX_STORE_NAIVE ? &vmex_store_naive : &vmex_store_fast;
    s->s = s->vt->create();
    if (!s->s) {
        free(s);
        return NULL;
    }
    m->state[bk->target] = s;
    return s;
}

void _vmex_sim_free(vmex_sim *s)
{
    if (!s) return;
    s->vt->destroy(s->s);
    free(s->slots);
    free(s);
}

/* the attributes of a pristine region: its kind, VM tag and protection */
static uint32_t region_attr(const vmex_region *r) { return VMEX_ATTR(r->kind, r->tag, r->prot); }

int _vmex_sim_reset(vmex_sim *s, const vmex_layout *L, uint32_t nslots)
{
    s->L = L;
    s->vt->reset(s->s, L->floor, L->max_offset);
    for (uint32_t i = 0; i < L->nregions; i++)
        s->vt->insert(s->s, L->regions[i].start, L->regions[i].end - L->regions[i].start, region_attr(&L->regions[i]));
    s->warned = 0;
    s->room_lo = s->room_hi = 0;
    s->jit_used = 0;
    s->jit_draws = 0;
    if (nslots > s->slots_cap) {
        vmex_slot *ns = realloc(s->slots, nslots * sizeof *ns);
        if (!ns) return -1;
        s->slots = ns;
        s->slots_cap = nslots;
    }
    if (nslots) memset(s->slots, 0, nslots * sizeof *s->slots);
    return 0;
}

/* ------------------------------------------------------------ helpers */
typedef struct span_ctx { uint64_t lo, hi, used; } span_ctx;
static void used_one(void *c, uint64_t lo, uint64_t hi, uint32_t attr)
{
    span_ctx *x = c;
    (void)attr;
    lo = lo > x->lo ? lo : x->lo;
    hi = hi < x->hi ? hi : x->hi;
    if (hi > lo) x->used += hi - lo;
}

/* the map as the ceiling reads it (oracle.h vmex_map_view) */
typedef struct walk_tramp { vmex_map_entry_fn cb; void *ctx; } walk_tramp;

static void tramp_one(void *c, uint64_t lo, uint64_t hi, uint32_t attr)
{
    const walk_tramp *t = c;
    t->cb(t->ctx, lo, hi, attr, VMEX_ATTR_IS_APP(attr));
}

static void walk_sim(const void *map, uint64_t lo, uint64_t hi, vmex_map_entry_fn cb, void *ctx)
{
    const vmex_sim *s = map;
    walk_tramp t = {cb, ctx};
    s->vt->walk(s->s, lo, hi, tramp_one, &t);
}

void _vmex_sim_nospace(vmex_sim *s, uint64_t req, uint64_t align, vmex_opres *r)
{
    r->status = VMEX_ST_FAILED;
    r->why = VMEX_WHY_NOSPACE;
    if (s->room_hi > s->room_lo) {   /* a split map: judged in its range */
        vmex_layout V;
        span_ctx x = {s->room_lo, s->room_hi, 0};
        s->vt->walk(s->s, x.lo, x.hi, used_one, &x);
        _vmex_layout_view(s->L, x.lo, x.hi, &V);
        _vmex_classify(&V, req, align, x.hi - x.lo - x.used, 0, r);
        return;
    }
    vmex_stats st;
    s->vt->stats(s->s, &st);
    vmex_map_view map = {s, walk_sim};
    _vmex_classify_map(s->L, req, align, &st, &map, r);
}

/* the page a write dirties: the physical page (4 KiB on A7/A8) */
static uint64_t touch_page(const vmex_layout *L) { return L->phys_page ? L->phys_page : L->page; }

void _vmex_sim_dirty(vmex_sim *s, uint64_t a, uint64_t n)
{
    if (!n) return;
    uint64_t pg = touch_page(s->L), lo = VMEX_ALIGN_DOWN(a, pg), hi = VMEX_ALIGN_UP(a + n, pg);
    s->vt->touch(s->s, lo, hi - lo);
}

static void not_rw(void *c, uint64_t lo, uint64_t hi, uint32_t attr)
{
    if (VMEX_ATTR_PROT(attr) != VMEX_PROT_RW) *(int *)c = 1;
}

/* may [lo, hi) be written (every entry read-write)? */
static int writable(const vmex_sim *s, uint64_t lo, uint64_t hi)
{
    int bad = 0;
    s->vt->walk(s->s, lo, hi, not_rw, &bad);
    return !bad;
}

static int op_range(const vmex_op *op, const vmex_slot *h, uint64_t *a, uint64_t *n)
{
    if (!(op->flags & VMEX_F_RANGE)) {
        *a = h->addr;
        *n = h->size;
        return 0;
    }
    if (op->off >= h->size || op->len > h->size - op->off || op->len == 0) return -1;
    *a = h->addr + op->off;
    *n = op->len;
    return 0;
}

static void failed(vmex_opres *r, int why)
{
    r->status = VMEX_ST_FAILED;
    r->why = (uint8_t)why;
}

/* ------------------------------------------------------------ ops */
static void run_malloc(vmex_sim *s, const vmex_op *op, vmex_opres *r, vmex_slot *got)
{
    uint64_t req, align;
    if (s->rules->malloc(s, op->size, got, &req, &align)) {
        _vmex_sim_nospace(s, req, align, r);
        return;
    }
    r->addr = got->addr;
    r->size = got->size;
}

static void run_realloc(vmex_sim *s, const vmex_op *op, vmex_slot *src, vmex_opres *r, vmex_slot *got)
{
    uint64_t req, align;
    int rc;
    if (src->kind != VMEX_SLOT_BLOCK) {
        failed(r, VMEX_WHY_KIND);
    } else if ((rc = s->rules->realloc(s, src, op->size, got, &req, &align)) == -1) {
        _vmex_sim_nospace(s, req, align, r);
    } else if (rc) {
        failed(r, VMEX_WHY_NOTMAPPED);
    } else {
        src->kind = VMEX_SLOT_NONE;
        r->addr = got->addr;
        r->size = got->size;
    }
}

static void run_munmap(vmex_sim *s, const vmex_op *op, vmex_slot *src, vmex_opres *r)
{
    uint64_t a, n;
    if (src->kind != VMEX_SLOT_MAP) {
        failed(r, VMEX_WHY_KIND);
    } else if (op_range(op, src, &a, &n) || a % s->L->page) {
        failed(r, VMEX_WHY_BADRANGE);
    } else {
        n = VMEX_ALIGN_UP(n, s->L->page);
        s->vt->remove(s->s, a, n);
        r->addr = a;
        r->size = n;
        if (!(op->flags & VMEX_F_RANGE)) src->kind = VMEX_SLOT_NONE;
    }
}

static void run_touch(vmex_sim *s, const vmex_op *op, const vmex_slot *src, vmex_opres *r)
{
    const vmex_layout *L = s->L;
    uint64_t a, n, lo, hi;
    if (op_range(op, src, &a, &n)) {
        failed(r, VMEX_WHY_BADRANGE);
        return;
    }
    lo = VMEX_ALIGN_DOWN(a, touch_page(L));
    hi = VMEX_ALIGN_UP(a + n, touch_page(L));
    r->addr = lo;
    r->size = hi - lo;
    if (!s->vt->is_mapped(s->s, lo, hi - lo) || (s->rules->write_faults && !writable(s, lo, hi))) {
        failed(r, VMEX_WHY_NOTMAPPED);
        return;
    }
    s->vt->touch(s->s, lo, hi - lo);
    vmex_stats st;
    s->vt->stats(s->s, &st);
    r->value = st.footprint;
    if (!s->warned && st.footprint >= L->footprint_warn) {
        s->warned = 1;
        r->warn = 1;
    }
    if (st.footprint > L->footprint_limit) {
        failed(r, VMEX_WHY_JETSAM);
        r->cls = VMEX_JETSAM;
        r->req = hi - lo;
        r->margin = (double)st.footprint / (double)L->footprint_limit;
    }
}

static void run_check(vmex_sim *s, const vmex_op *op, vmex_opres *r)
{
    vmex_stats st;
    s->vt->stats(s->s, &st);
    uint64_t v = op->metric == VMEX_M_FREE ? st.free : op->metric == VMEX_M_LARGEST ? st.largest
               : op->metric == VMEX_M_MAPPED ? st.mapped : st.footprint;
    r->value = v;
    if (op->cmp == VMEX_CMP_GE ? v < op->size : v > op->size) failed(r, VMEX_WHY_CHECK);
}

void _vmex_sim_step(vmex_model *m, const vmex_op *op, vmex_opres *r)
{
    vmex_sim *s = _vmex_backend_state(m);
    vmex_slot *src = op->src >= 0 ? &s->slots[op->src] : NULL;
    vmex_slot got = {0};
    s->room_lo = s->room_hi = 0;
    if (vmex_op_uses(op->kind) && (!src || src->kind == VMEX_SLOT_NONE)) {
        r->status = VMEX_ST_SKIPPED;
        r->why = VMEX_WHY_UNBOUND;
        if (op->dst >= 0) s->slots[op->dst].kind = VMEX_SLOT_NONE;
        return;
    }
    switch (op->kind) {
    case VMEX_OP_MMAP:
    case VMEX_OP_VM_ALLOCATE:
        s->rules->map(s, op, r, &got);
        break;
    case VMEX_OP_MALLOC:
        run_malloc(s, op, r, &got);
        break;
    case VMEX_OP_REALLOC:
        run_realloc(s, op, src, r, &got);
        break;
    case VMEX_OP_FREE:
        if (src->kind != VMEX_SLOT_BLOCK) {
            failed(r, VMEX_WHY_KIND);
            break;
        }
        r->addr = src->addr;
        r->size = src->size;
        s->rules->free(s, src);
        src->kind = VMEX_SLOT_NONE;
        break;
    case VMEX_OP_MUNMAP:
        run_munmap(s, op, src, r);
        break;
    case VMEX_OP_TOUCH:
        run_touch(s, op, src, r);
        break;
    case VMEX_OP_CHECK:
        run_check(s, op, r);
        break;
    default:   /* a JavaScriptCore op: target jsc alone runs them */
        failed(r, VMEX_WHY_TARGET);
    }
    if (op->dst >= 0) s->slots[op->dst] = r->status == VMEX_ST_OK ? got : (vmex_slot){0};
}

/* ------------------------------------------------------------ runs */
int _vmex_sim_run(vmex_model *m, const vmex_layout *L, const vmex_program *p, const vmex_runopts *o,
                  vmex_result *res)
{
    if (m->bk->start(m, L, p->nnames)) return -1;
    for (uint32_t i = 0; i < p->nops; i++) {
        vmex_opres r;
        memset(&r, 0, sizeof r);
        r.i = i;
        _vmex_sim_step(m, &p->ops[i], &r);
        r.finding = (uint8_t)_vmex_is_finding(&p->ops[i], &r, o);
        if (_vmex_result_add(res, &p->ops[i], &r, o)) break;
    }
    _vmex_sim_stats(m, &res->st);
    return 0;
}

void _vmex_sim_stats(const vmex_model *m, vmex_stats *st)
{
    const vmex_sim *s = _vmex_backend_state(m);
    if (s) s->vt->stats(s->s, st);
    else memset(st, 0, sizeof *st);   /* its start ran out of memory */
}

typedef struct walk_ctx { vmex_entry_fn cb; void *ctx; } walk_ctx;
static void walk_one(void *c, uint64_t lo, uint64_t hi, uint32_t attr)
{
    walk_ctx *w = c;
    w->cb(w->ctx, lo, hi, VMEX_ATTR_KIND(attr), VMEX_ATTR_TAG(attr), VMEX_ATTR_PROT(attr));
}

void _vmex_sim_walk(const vmex_model *m, vmex_entry_fn cb, void *ctx)
{
    const vmex_sim *s = _vmex_backend_state(m);
    walk_ctx w = {cb, ctx};
    if (s) s->vt->walk(s->s, 0, UINT64_MAX, walk_one, &w);
}
