/*
 * workload.c - the stress generator (workload.h): a workload and a seed
 * in, an endless, deterministic stream of ops out.
 *
 * The generator keeps, per handle slot, where the handle landed and its
 * place in its stream (an array for random picks, a list in birth order for
 * fifo and lifo) and in a 4-ary heap of deadlines for lifetimes; all of it
 * allocated once in vmex_gen_new().  Every choice comes from one xoshiro256**
 * PRNG seeded with the run's seed.
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "stress/workload.h"

#define NIL UINT32_MAX

uint64_t vmex_workload_phase_len(const vmex_workload *w, uint32_t phase, uint64_t run_ops)
{
    const vmex_wl_phase *ph = &w->phases[phase];
    if (ph->ops)
        return ph->ops;
    if (ph->share <= 0)
        return 0;
    double x = ph->share * (double)run_ops + 0.5;
    return x < 1 ? 1 : (uint64_t)x;
}

enum { GS_FREE = 0, GS_PENDING, GS_LIVE };
enum { P_NONE = 0, P_ALLOC, P_REALLOC, P_RELEASE, P_TOUCH, P_RESERVE };
enum { MIX_ALLOC = 0, MIX_FREE, MIX_REALLOC, MIX_TOUCH };

typedef struct gslot {
    uint64_t addr, size, req;
    uint32_t prev, next;      /* the stream's birth order */
    uint32_t pos;             /* index in the stream's live array */
    int16_t  stream, reserve;
    uint8_t  state, kind, tag, prot;
    uint16_t flags;
} gslot;

typedef struct gstream {
    uint32_t *live, nlive;
    uint32_t head, tail;
} gstream;


typedef struct mixent { double cum; uint8_t type, s; } mixent;

struct vmex_gen {
    const vmex_workload *w;
    vmex_rng rng;
    uint32_t nslots;
    gslot *slots;
    uint32_t *freestack, nfree;
    gstream streams[VMEX_WL_MAX_STREAMS];
    uint64_t *hwhen;          /* the deadline heap: keys ... */
    uint32_t *hslot;          /* ... and their slots, apart so a sift-down reads keys only */
    uint32_t *hpos;           /* per slot: index in the heap + 1; 0: none (apart: hot) */
    uint32_t nheap;
    uint32_t reserve_slot[VMEX_WL_MAX_RESERVES];
    uint64_t run_ops, n;
    /* the current phase */
    uint32_t phase;
    const vmex_wl_phase *ph;
    uint64_t phase_len, phase_done;
    uint32_t action;          /* next action of the phase */
    int      act_released;    /* the current reserve's old binding is released */
    uint64_t act_size;        /* the current reserve attempt's size (0: not started) */
    mixent   mix[3 * VMEX_WL_MAX_STREAMS + 1];
    uint32_t nmix;
    double   total;
    int      started;
    /* the op awaiting its result */
    uint8_t  pend, pend_dirty, pend_lifetime;
    uint32_t pend_slot, pend_src;
    const vmex_wl_stream *pend_stream;
    uint32_t dirty_slot;      /* a new handle to touch whole next, or NIL */
    int16_t  origin_stream, origin_reserve;
    uint32_t origin_phase;
};

/* ---- deadline heap: 4-ary (the children of i are 4i+1..4i+4, one cache
 * line); removal moves the hole down to a leaf and sifts the last entry up */
static void heap_set(vmex_gen *g, uint32_t i, uint64_t when, uint32_t slot)
{
    g->hwhen[i] = when;
    g->hslot[i] = slot;
    g->hpos[slot] = i + 1;
}

static void heap_up(vmex_gen *g, uint32_t i, uint64_t when, uint32_t slot)
{
    while (i > 0) {
        uint32_t p = (i - 1) / 4;
        if (g->hwhen[p] <= when)
            break;
        heap_set(g, i, g->hwhen[p], g->hslot[p]);
        i = p;
    }
    heap_set(g, i, when, slot);
}

static void heap_push(vmex_gen *g, uint32_t slot, uint64_t when)
{
    heap_up(g, g->nheap++, when, slot);
}

static void heap_remove(vmex_gen *g, uint32_t slot)
{
    uint32_t i = g->hpos[slot];
    if (!i)
        return;
    i--;
    g->hpos[slot] = 0;
    uint32_t n = --g->nheap;
    uint64_t lw = g->hwhen[n];
    uint32_t ls = g->hslot[n];
    if (i == n)
        return;
    /* the hole goes down along the smallest children ... */
    for (;;) {
        uint32_t c = 4 * i + 1;
        if (c >= n)
            break;
        uint32_t end = c + 4 < n ? c + 4 : n, m = c;
        uint64_t mv = g->hwhen[c];
        for (uint32_t k = c + 1; k < end; k++) {   /* branchless: the order is random */
            uint64_t v = g->hwhen[k];
            int lt = v < mv;
            m = lt ? k : m;
            mv = lt ? v : mv;
        }
        if (mv >= lw)
            break;
        heap_set(g, i, mv, g->hslot[m]);
        i = m;
    }
    /* ... until the last entry fits there, or above it */
    heap_up(g, i, lw, ls);
}

/* ---- stream membership */
static void stream_add(vmex_gen *g, uint32_t slot)
{
    gslot *s = &g->slots[slot];
    gstream *st = &g->streams[s->stream];
    s->pos = st->nlive;
    st->live[st->nlive++] = slot;
    s->next = NIL;
    s->prev = st->tail;
    if (st->tail != NIL)
        g->slots[st->tail].next = slot;
    else
        st->head = slot;
    st->tail = slot;
}

static void stream_remove(vmex_gen *g, uint32_t slot)
{
    gslot *s = &g->slots[slot];
    gstream *st = &g->streams[s->stream];
    uint32_t last = st->live[--st->nlive];
    st->live[s->pos] = last;
    g->slots[last].pos = s->pos;
    if (s->prev != NIL) g->slots[s->prev].next = s->next;
    else st->head = s->next;
    if (s->next != NIL) g->slots[s->next].prev = s->prev;
    else st->tail = s->prev;
}

/* slot `to` takes the place of `from` in its stream and the heap (realloc) */
static void stream_replace(vmex_gen *g, uint32_t from, uint32_t to)
{
    gslot *a = &g->slots[from], *b = &g->slots[to];
    gstream *st = &g->streams[a->stream];
    b->pos = a->pos;
    st->live[a->pos] = to;
    b->prev = a->prev;
    b->next = a->next;
    if (a->prev != NIL) g->slots[a->prev].next = to;
    else st->head = to;
    if (a->next != NIL) g->slots[a->next].prev = to;
    else st->tail = to;
    g->hpos[to] = g->hpos[from];
    if (g->hpos[from]) g->hslot[g->hpos[from] - 1] = to;
    g->hpos[from] = 0;
}

static uint32_t slot_pop(vmex_gen *g)
{
    uint32_t s = g->freestack[--g->nfree];
    g->slots[s].state = GS_PENDING;
    return s;
}

static void slot_push(vmex_gen *g, uint32_t s)
{
    g->slots[s].state = GS_FREE;
    g->freestack[g->nfree++] = s;
}

/* ---- lifecycle */
vmex_gen *vmex_gen_new(const vmex_workload *w, uint64_t seed, uint32_t nslots, uint64_t run_ops)
{
    if (!nslots || nslots > (1u << 24))
        return NULL;
    vmex_gen *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->w = w;
    g->nslots = nslots;
    g->run_ops = run_ops;
    vmex_rng_seed(&g->rng, seed);
    g->slots = calloc(nslots, sizeof *g->slots);
    g->freestack = malloc(nslots * sizeof *g->freestack);
    g->hwhen = malloc(nslots * sizeof *g->hwhen);
    g->hslot = malloc(nslots * sizeof *g->hslot);
    g->hpos = calloc(nslots, sizeof *g->hpos);
    int ok = g->slots && g->freestack && g->hwhen && g->hslot && g->hpos;
    for (uint32_t i = 0; ok && i < w->nstreams; i++) {
        g->streams[i].live = malloc(nslots * sizeof(uint32_t));
        g->streams[i].head = g->streams[i].tail = NIL;
        ok = g->streams[i].live != NULL;
    }
    if (!ok) {
        vmex_gen_free(g);
        return NULL;
    }
    for (uint32_t i = 0; i < nslots; i++)   /* slot 0 is taken first */
        g->freestack[i] = nslots - 1 - i;
    g->nfree = nslots;
    for (uint32_t i = 0; i < VMEX_WL_MAX_RESERVES; i++)
        g->reserve_slot[i] = NIL;
    g->dirty_slot = NIL;
    g->origin_stream = g->origin_reserve = -1;
    return g;
}

void vmex_gen_free(vmex_gen *g)
{
    if (!g)
        return;
    for (uint32_t i = 0; i < VMEX_WL_MAX_STREAMS; i++)
        free(g->streams[i].live);
    free(g->slots);
    free(g->freestack);
    free(g->hwhen);
    free(g->hslot);
    free(g->hpos);
    free(g);
}

static void enter_phase(vmex_gen *g, uint32_t k)
{
    g->phase = k;
    g->ph = &g->w->phases[k];
    g->phase_len = vmex_workload_phase_len(g->w, k, g->run_ops);
    g->phase_done = 0;
    g->action = 0;
    g->act_released = 0;
    g->act_size = 0;
    g->nmix = 0;
    double cum = 0;
    for (uint32_t s = 0; s < g->ph->nstreams; s++) {
        const vmex_wl_stream *st = &g->ph->streams[s];
        double wts[3] = {st->weight, st->has_lifetime ? 0 : st->free_weight, st->realloc_weight};
        for (int t = 0; t < 3; t++)
            if (wts[t] > 0) {
                cum += wts[t];
                g->mix[g->nmix++] = (mixent){cum, (uint8_t)t, (uint8_t)s};
            }
    }
    if (g->ph->touch_weight > 0) {
        cum += g->ph->touch_weight;
        g->mix[g->nmix++] = (mixent){cum, MIX_TOUCH, 0};
    }
    g->total = cum;
}

/* ---- op builders */
static void set_origin(vmex_gen *g, const gslot *s)
{
    g->origin_stream = s->stream;
    g->origin_reserve = s->reserve;
}

/* release a live handle: free or munmap */
static void emit_release(vmex_gen *g, uint32_t slot, vmex_op *op)
{
    gslot *s = &g->slots[slot];
    if (s->stream >= 0)
        stream_remove(g, slot);
    else if (s->reserve >= 0)
        g->reserve_slot[s->reserve] = NIL;
    heap_remove(g, slot);
    s->state = GS_PENDING;
    vmex_op_init(op, s->kind == VMEX_OP_MALLOC ? VMEX_OP_FREE : VMEX_OP_MUNMAP);
    op->src = (int32_t)slot;
    set_origin(g, s);
    g->pend = P_RELEASE;
    g->pend_slot = slot;
}

static void emit_alloc(vmex_gen *g, const vmex_wl_stream *st, vmex_op *op)
{
    uint32_t slot = slot_pop(g);
    gslot *s = &g->slots[slot];
    s->stream = st->id;
    s->reserve = -1;
    s->kind = st->kind;
    s->tag = st->tag;
    s->prot = st->prot;
    s->flags = st->flags;
    vmex_op_init(op, st->kind);
    op->dst = (int32_t)slot;
    op->size = vmex_dist_sample(&st->size, &g->rng);
    op->flags = st->flags;
    op->tag = st->tag;
    op->prot = st->prot;
    op->align = st->align;
    set_origin(g, s);
    g->pend = P_ALLOC;
    g->pend_slot = slot;
    g->pend_stream = st;
}

static void emit_realloc(vmex_gen *g, const vmex_wl_stream *st, uint32_t victim, vmex_op *op)
{
    uint32_t slot = slot_pop(g);
    gslot *s = &g->slots[slot];
    s->stream = st->id;
    s->reserve = -1;
    s->kind = VMEX_OP_MALLOC;
    s->tag = s->prot = 0;
    s->flags = 0;
    vmex_op_init(op, VMEX_OP_REALLOC);
    op->dst = (int32_t)slot;
    op->src = (int32_t)victim;
    op->size = vmex_dist_sample(&st->size, &g->rng);
    set_origin(g, s);
    g->pend = P_REALLOC;
    g->pend_slot = slot;
    g->pend_src = victim;
    g->pend_stream = st;
}

static void emit_touch(vmex_gen *g, uint32_t slot, const vmex_dist *size, vmex_op *op)
{
    gslot *s = &g->slots[slot];
    vmex_op_init(op, VMEX_OP_TOUCH);
    op->src = (int32_t)slot;
    if (size) {
        uint64_t len = vmex_dist_sample(size, &g->rng);
        if (len < s->size) {
            uint64_t pages = (s->size - len) / VMEX_PAGE + 1;
            op->flags |= VMEX_F_RANGE;
            op->off = vmex_rng_below(&g->rng, pages) * VMEX_PAGE;
            op->len = len;
        }
    }
    set_origin(g, s);
    g->pend = P_TOUCH;
}

/* the victim of a release draw of stream st, by its order */
static uint32_t victim(vmex_gen *g, const vmex_wl_stream *st)
{
    gstream *gs = &g->streams[st->id];
    if (st->has_lifetime || st->order == VMEX_WL_FIFO)
        return gs->head;
    if (st->order == VMEX_WL_LIFO)
        return gs->tail;
    return gs->live[vmex_rng_below(&g->rng, gs->nlive)];
}

/* a touchable live handle, or NIL: a stream by live count, then uniform */
static uint32_t touch_pick(vmex_gen *g)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < g->w->nstreams; i++)
        if (!g->w->streams[i].untouchable)
            total += g->streams[i].nlive;
    if (!total)
        return NIL;
    uint64_t k = vmex_rng_below(&g->rng, total);
    for (uint32_t i = 0; i < g->w->nstreams; i++) {
        if (g->w->streams[i].untouchable)
            continue;
        if (k < g->streams[i].nlive)
            return g->streams[i].live[k];
        k -= g->streams[i].nlive;
    }
    return NIL;
}

/* Try mix entry e; 1 when an op was emitted. */
static int try_mix(vmex_gen *g, const mixent *e, vmex_op *op)
{
    if (e->type == MIX_TOUCH) {
        uint32_t s = touch_pick(g);
        if (s == NIL)
            return 0;
        emit_touch(g, s, g->ph->touch_sized ? &g->ph->touch_size : NULL, op);
        return 1;
    }
    const vmex_wl_stream *st = &g->ph->streams[e->s];
    gstream *gs = &g->streams[st->id];
    int type = e->type;
    if (type == MIX_REALLOC && (!gs->nlive || !g->nfree))
        type = MIX_ALLOC;
    if (type == MIX_FREE && !gs->nlive)
        type = MIX_ALLOC;
    if (type == MIX_ALLOC && ((st->max_live && gs->nlive >= st->max_live) || !g->nfree)) {
        if (!gs->nlive)
            return 0;
        type = MIX_FREE;
    }
    switch (type) {
    case MIX_ALLOC:
        emit_alloc(g, st, op);
        return 1;
    case MIX_FREE:
        emit_release(g, victim(g, st), op);
        return 1;
    default:
        emit_realloc(g, st, gs->live[vmex_rng_below(&g->rng, gs->nlive)], op);
        return 1;
    }
}

/* The next op of the phase's actions; 0 when they are done. */
static int next_action(vmex_gen *g, vmex_op *op)
{
    while (g->action < g->ph->nactions) {
        const vmex_wl_action *a = &g->ph->actions[g->action];
        if (a->release) {
            if (a->is_stream) {
                gstream *gs = &g->streams[a->id];
                if (gs->nlive) {
                    emit_release(g, gs->head, op);
                    return 1;
                }
            } else if (g->reserve_slot[a->id] != NIL) {
                emit_release(g, g->reserve_slot[a->id], op);
                g->action++;
                return 1;
            }
            g->action++;
            continue;
        }
        /* reserve: release an old binding first, then the attempts */
        if (!g->act_released) {
            g->act_released = 1;
            if (g->reserve_slot[a->id] != NIL) {
                emit_release(g, g->reserve_slot[a->id], op);
                return 1;
            }
        }
        if (!g->nfree) {   /* no slot: the reservation cannot be made */
            g->action++;
            g->act_released = 0;
            g->act_size = 0;
            continue;
        }
        if (!g->act_size)
            g->act_size = a->size;
        uint64_t next = VMEX_ALIGN_UP(g->act_size / 2, VMEX_PAGE);
        int more = a->halve && next >= a->halve && next < g->act_size;
        uint32_t slot = slot_pop(g);
        gslot *s = &g->slots[slot];
        s->stream = -1;
        s->reserve = (int16_t)a->id;
        s->kind = a->kind;
        s->tag = a->tag;
        s->prot = a->prot;
        s->flags = a->flags & (uint16_t)~VMEX_F_TRY;
        vmex_op_init(op, a->kind);
        op->dst = (int32_t)slot;
        op->size = g->act_size;
        op->flags = a->flags | (more ? VMEX_F_TRY : 0);
        if (a->kind == VMEX_OP_MALLOC)
            op->flags &= VMEX_F_TRY;
        op->tag = a->tag;
        op->prot = a->prot;
        op->align = a->align;
        set_origin(g, s);
        g->pend = P_RESERVE;
        g->pend_slot = slot;
        return 1;
    }
    return 0;
}

int vmex_gen_next(vmex_gen *g, vmex_op *op)
{
    if (!g->started) {
        g->started = 1;
        enter_phase(g, 0);
    }
    g->pend = P_NONE;
    g->origin_stream = g->origin_reserve = -1;
    for (int guard = 0;; guard++) {
        if (g->dirty_slot != NIL) {
            uint32_t s = g->dirty_slot;
            g->dirty_slot = NIL;
            if (g->slots[s].state == GS_LIVE) {
                emit_touch(g, s, NULL, op);
                g->phase_done++;
                break;
            }
        }
        if (g->action < g->ph->nactions) {
            if (next_action(g, op))
                break;
            continue;
        }
        if (g->phase_done >= g->phase_len) {
            if (guard > 2 * VMEX_WL_MAX_PHASES + 2)
                return -1;   /* cannot happen: validated */
            enter_phase(g, g->phase + 1 < g->w->nphases ? g->phase + 1 : g->w->repeat);
            continue;
        }
        if (g->nheap && g->hwhen[0] <= g->n) {
            emit_release(g, g->hslot[0], op);
            if (g->nheap)   /* the next handle to expire: its record is a cache miss away */
                __builtin_prefetch(&g->slots[g->hslot[0]]);
            g->phase_done++;
            break;
        }
        if (!g->nmix)
            return -1;
        double u = vmex_rng_unit(&g->rng) * g->total;
        uint32_t k = 0;
        while (k + 1 < g->nmix && g->mix[k].cum <= u)
            k++;
        uint32_t tried = 0;
        while (tried < g->nmix && !try_mix(g, &g->mix[(k + tried) % g->nmix], op))
            tried++;
        if (tried == g->nmix)
            return -1;
        g->phase_done++;
        break;
    }
    g->origin_phase = g->phase;
    g->n++;
    return 0;
}

void vmex_gen_result(vmex_gen *g, const vmex_op *op, const vmex_opres *r)
{
    int ok = r->status == VMEX_ST_OK;
    uint32_t slot = g->pend_slot;
    gslot *s = &g->slots[slot];
    switch (g->pend) {
    case P_ALLOC:
        if (!ok) {
            slot_push(g, slot);
            break;
        }
        s->state = GS_LIVE;
        s->addr = r->addr;
        s->size = r->size;
        s->req = op->size;
        stream_add(g, slot);
        if (g->pend_stream->has_lifetime)
            heap_push(g, slot, g->n - 1 + vmex_dist_sample(&g->pend_stream->lifetime, &g->rng));   /* born at op n - 1 */
        if (g->pend_stream->dirty)
            g->dirty_slot = slot;
        break;
    case P_REALLOC:
        if (!ok) {
            slot_push(g, slot);
            break;
        }
        s->state = GS_LIVE;
        s->addr = r->addr;
        s->size = r->size;
        s->req = op->size;
        stream_replace(g, g->pend_src, slot);
        slot_push(g, g->pend_src);
        break;
    case P_RELEASE:
        slot_push(g, slot);
        break;
    case P_RESERVE: {
        const vmex_wl_action *a = &g->ph->actions[g->action];
        if (ok) {
            s->state = GS_LIVE;
            s->addr = r->addr;
            s->size = r->size;
            s->req = op->size;
            g->reserve_slot[a->id] = slot;
        } else {
            slot_push(g, slot);
            if (op->flags & VMEX_F_TRY && a->halve) {   /* try half the size next */
                uint64_t next = VMEX_ALIGN_UP(g->act_size / 2, VMEX_PAGE);
                if (next >= a->halve && next < g->act_size) {
                    g->act_size = next;
                    break;
                }
            }
        }
        g->action++;
        g->act_released = 0;
        g->act_size = 0;
        break;
    }
    default:
        break;
    }
    g->pend = P_NONE;
}

/* ---- introspection */
uint64_t vmex_gen_count(const vmex_gen *g) { return g->n; }
uint32_t vmex_gen_live(const vmex_gen *g) { return g->nslots - g->nfree; }
uint32_t vmex_gen_phase(const vmex_gen *g) { return g->origin_phase; }

uint32_t vmex_gen_stream_live(const vmex_gen *g, uint32_t stream)
{
    return stream < g->w->nstreams ? g->streams[stream].nlive : 0;
}

const char *vmex_gen_origin(const vmex_gen *g)
{
    if (g->origin_stream >= 0)
        return g->w->streams[g->origin_stream].name;
    if (g->origin_reserve >= 0)
        return g->w->reserves[g->origin_reserve];
    return "";
}

int vmex_gen_handle_info(const vmex_gen *g, uint32_t slot, vmex_gen_handle *h)
{
    if (slot >= g->nslots || g->slots[slot].state != GS_LIVE)
        return -1;
    const gslot *s = &g->slots[slot];
    h->slot = slot;
    h->kind = s->kind;
    h->stream = s->stream;
    h->reserve = s->reserve;
    h->tag = s->tag;
    h->prot = s->prot;
    h->flags = s->flags;
    h->addr = s->addr;
    h->size = s->size;
    h->req = s->req;
    return 0;
}

void vmex_gen_walk(const vmex_gen *g, void (*cb)(void *ctx, const vmex_gen_handle *h), void *ctx)
{
    vmex_gen_handle h;
    for (uint32_t i = 0; i < g->nslots; i++)
        if (g->slots[i].state == GS_LIVE && vmex_gen_handle_info(g, i, &h) == 0)
            cb(ctx, &h);
}
