/*
 * snapshot.c - a stress run's state and the program that re-creates it
 * (snapshot.h has the plan, step by step).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "model/model.h"
#include "stress/snapshot.h"

/* libmalloc's region classes, as the model has them (model.h): index 0
 * tiny, 1 small.  A "keeper" is the smallest block that falls in a class
 * (one byte over the class below). */
enum { RC_TINY = 0, RC_SMALL };
static const vmex_malloc_class *const rclass = &_vmex_malloc_classes[1];
static uint64_t keeper(int c) { return _vmex_malloc_classes[c].max + 1; }

/* ---------------------------------------------------------------- vectors */

static void rv_append(vmex_rangev *rv, uint64_t s, uint64_t e)
{
    if (rv->n == rv->cap) {
        size_t cap = rv->cap ? rv->cap * 2 : 256;
        vmex_range *nv = realloc(rv->v, cap * sizeof *nv);
        if (!nv) {
            rv->err = 1;
            return;
        }
        rv->v = nv;
        rv->cap = cap;
    }
    rv->v[rv->n++] = (vmex_range){s, e};
}

void vmex_rangev_push(vmex_rangev *rv, uint64_t s, uint64_t e)
{
    if (rv->err || s >= e)
        return;
    if (rv->n && rv->v[rv->n - 1].e == s)   /* adjacent: one range */
        rv->v[rv->n - 1].e = e;
    else
        rv_append(rv, s, e);
}

void vmex_rangev_push_apart(vmex_rangev *rv, uint64_t s, uint64_t e)
{
    if (!rv->err && s < e)
        rv_append(rv, s, e);
}

static void handle_cb(void *ctx, const vmex_gen_handle *h)
{
    vmex_handlev *hv = ctx;
    if (hv->err)
        return;
    if (hv->n == hv->cap) {
        size_t cap = hv->cap ? hv->cap * 2 : 1024;
        vmex_gen_handle *nv = realloc(hv->v, cap * sizeof *nv);
        if (!nv) {
            hv->err = 1;
            return;
        }
        hv->v = nv;
        hv->cap = cap;
    }
    hv->v[hv->n++] = *h;
}

/* ---------------------------------------------------------------- the snapshot */

static void ent_cb(void *ctx, uint64_t s, uint64_t e, int kind, int tag, int prot)
{
    vmex_snap *sn = ctx;
    (void)prot;
    if (kind != VMEX_R_APP && kind != VMEX_R_MALLOC)
        return;
    vmex_rangev_push(&sn->occ, s, e);
    for (int c = 0; c < 2; c++)
        if (kind == VMEX_R_MALLOC && tag == rclass[c].tag && e - s == rclass[c].region)
            vmex_rangev_push_apart(&sn->regions[c], s, e);
}

void vmex_snap_free(vmex_snap *s)
{
    free(s->occ.v);
    free(s->regions[0].v);
    free(s->regions[1].v);
    free(s->live.v);
    free(s->dirty);
    memset(s, 0, sizeof *s);
}

int vmex_snap_take(vmex_snap *s, const vmex_model *m, const vmex_gen *g)
{
    memset(s, 0, sizeof *s);
    vmex_stats st;
    vmex_model_stats(m, &st);
    s->footprint = st.footprint;
    vmex_model_walk(m, ent_cb, s);
    vmex_gen_walk(g, handle_cb, &s->live);
    return s->occ.err || s->regions[0].err || s->regions[1].err || s->live.err ? -1 : 0;
}

int vmex_snap_block_class(const vmex_layout *L, const vmex_gen_handle *h)
{
    if (h->req > VMEX_MALLOC_LARGE)
        return 2;
    for (uint32_t k = 0; k < L->nregions; k++)
        if (L->regions[k].kind == VMEX_R_NANO && h->addr >= L->regions[k].start && h->addr < L->regions[k].end)
            return -1;
    return h->req <= rclass[RC_TINY].max ? RC_TINY : RC_SMALL;
}

/* The class a malloc of n bytes goes to (as vmex_snap_block_class). */
static int size_class(const vmex_layout *L, uint64_t n)
{
    if (n > VMEX_MALLOC_LARGE)
        return 2;
    if (n <= 256 && L->nano)
        return -1;
    return n <= rclass[RC_TINY].max ? RC_TINY : RC_SMALL;
}

static int find_range(const vmex_rangev *rv, uint64_t s)
{
    size_t lo = 0, hi = rv->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (rv->v[mid].s < s) lo = mid + 1;
        else hi = mid;
    }
    return lo < rv->n && rv->v[lo].s == s ? (int)lo : -1;
}

static int cmp_addr_desc(const void *a, const void *b)
{
    const vmex_gen_handle *x = *(const vmex_gen_handle *const *)a, *y = *(const vmex_gen_handle *const *)b;
    return x->addr < y->addr ? 1 : x->addr > y->addr ? -1 : 0;
}

static int cmp_range(const void *a, const void *b)
{
    const vmex_range *x = a, *y = b;
    return x->s < y->s ? -1 : x->s > y->s;
}

/* ---------------------------------------------------------------- the program */

/* What the steps of vmex_snap_program share. */
typedef struct builder {
    const vmex_workload *w;
    const vmex_layout *L;
    const vmex_snap *S;
    vmex_program *P;
    int err;
    uint8_t *seen;                  /* per slot: 1 rebound in the window, 2 used before that */
    int32_t *cur;                   /* slot -> name id + 1 */
    uint8_t *pick[2];               /* per region: 1 holds a used block, 2 re-opened */
    const vmex_gen_handle **large;  /* the large blocks the window uses */
    size_t nlarge;
    int want[2];                    /* tiny, small: the window needs the class */
    uint64_t on_blockers;           /* footprint to put on blockers */
    vmex_rangev rec, blk, opened[2];
    vmex_rangev pristine;           /* what the layout itself occupies at the start (xzone's reservations) */
} builder;

static int32_t name(builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int32_t name(builder *b, const char *fmt, ...)
{
    char text[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    int id = vmex_program_name(b->P, text);
    if (id < 0)
        b->err = 1;
    return id;
}

/* A handle's name: the reservation's name, or STREAM_SLOT. */
static int32_t handle_name(builder *b, const char *origin, uint32_t slot)
{
    for (uint32_t i = 0; origin[0] && i < b->w->nreserves; i++)
        if (!strcmp(b->w->reserves[i], origin))
            return name(b, "%s", origin);
    return name(b, "%s_%u", origin[0] ? origin : "h", slot);
}

static const char *origin_of(const vmex_workload *w, const vmex_gen_handle *h)
{
    if (h->stream >= 0)
        return w->streams[h->stream].name;
    if (h->reserve >= 0)
        return w->reserves[h->reserve];
    return "";
}

static void add(builder *b, const vmex_op *op)
{
    if (!b->err && vmex_program_add(b->P, op) < 0)
        b->err = 1;
}

static void add_fixed(builder *b, int32_t dst, uint64_t addr, uint64_t size)
{
    vmex_op op;
    vmex_op_init(&op, VMEX_OP_MMAP);
    op.dst = dst;
    op.size = size;
    op.addr = addr;
    op.flags = VMEX_F_FIXED;
    add(b, &op);
}

static void add_munmap(builder *b, int32_t src)
{
    vmex_op op;
    vmex_op_init(&op, VMEX_OP_MUNMAP);
    op.src = src;
    add(b, &op);
}

/* malloc a live handle's block again, under its name */
static void add_malloc(builder *b, const vmex_gen_handle *h)
{
    vmex_op op;
    vmex_op_init(&op, VMEX_OP_MALLOC);
    op.dst = handle_name(b, origin_of(b->w, h), h->slot);
    op.size = h->req;
    add(b, &op);
    b->cur[h->slot] = op.dst + 1;
}

/* a live handle the window uses (and does not rebind first) */
static int used(const builder *b, const vmex_gen_handle *h)
{
    return (b->seen[h->slot] & 2) != 0;
}

/* touch the first `dirty` bytes of name id src (all of a `size` mapping) */
static void add_touch(builder *b, int32_t src, uint64_t dirty, uint64_t size)
{
    vmex_op op;
    vmex_op_init(&op, VMEX_OP_TOUCH);
    op.src = src;
    if (dirty < size) {
        op.flags = VMEX_F_RANGE;
        op.off = 0;
        op.len = dirty;
    }
    add(b, &op);
}

/* Which handles and classes the window uses. */
static void scan_window(builder *b, const vmex_wop *ops, size_t nops)
{
    for (size_t i = 0; i < nops; i++) {
        const vmex_op *op = &ops[i].op;
        if (op->src >= 0 && !(b->seen[op->src] & 1))
            b->seen[op->src] |= 2;
        if (op->dst >= 0)
            b->seen[op->dst] |= 1;
        if (op->kind == VMEX_OP_MALLOC || op->kind == VMEX_OP_REALLOC) {
            int c = size_class(b->L, op->size);
            if (c == RC_TINY || c == RC_SMALL)
                b->want[c] = 1;
        }
    }
}

/* The ranges re-created one by one (rec): used mappings, large blocks, and
 * the regions the used small blocks and the window's mallocs go to. */
static void plan(builder *b, vmex_snap_info *info)
{
    const vmex_snap *S = b->S;
    uint64_t used_bytes[2] = {0, 0};
    for (size_t k = 0; k < S->live.n; k++) {
        const vmex_gen_handle *h = &S->live.v[k];
        if (!used(b, h))
            continue;
        info->used++;
        int c = h->kind == VMEX_OP_MALLOC ? vmex_snap_block_class(b->L, h) : 3;
        if (c >= 2)
            vmex_rangev_push_apart(&b->rec, h->addr, h->addr + h->size);
        if (c == 2)
            b->large[b->nlarge++] = h;
        if (c == RC_TINY || c == RC_SMALL) {
            b->want[c] = 1;
            used_bytes[c] += h->size;
            int r = find_range(&S->regions[c], VMEX_ALIGN_DOWN(h->addr, rclass[c].region));
            if (r >= 0)
                b->pick[c][r] = 1;
        }
    }
    for (int c = 0; c < 2; c++) {
        if (!b->want[c])
            continue;
        uint64_t bytes = (used_bytes[c] + keeper(c)) * 11 / 10;
        uint64_t need = (bytes + rclass[c].usable - 1) / rclass[c].usable, got = 0;
        for (int pass = 1; pass >= 0; pass--)   /* regions holding used blocks first */
            for (size_t r = 0; r < S->regions[c].n && got < need; r++)
                if (b->pick[c][r] == pass) {
                    b->pick[c][r] = 2;
                    got++;
                }
        for (size_t r = 0; r < S->regions[c].n; r++)
            if (b->pick[c][r] == 2) {
                vmex_rangev_push_apart(&b->opened[c], S->regions[c].v[r].s, S->regions[c].v[r].e);
                vmex_rangev_push_apart(&b->rec, S->regions[c].v[r].s, S->regions[c].v[r].e);
            }
        info->regions += (uint32_t)got;
    }
    if (b->rec.n)
        qsort(b->rec.v, b->rec.n, sizeof *b->rec.v, cmp_range);
}

/* 1. blockers: occupied ranges minus the re-created ones; the footprint
 * the used handles do not hold goes on them (which then get names) */
/* out = a minus sub (both sorted, disjoint) */
static void subtract(const vmex_rangev *a, const vmex_rangev *sub, vmex_rangev *out)
{
    size_t r = 0;
    for (size_t k = 0; k < a->n; k++) {
        uint64_t s = a->v[k].s, e = a->v[k].e;
        while (r < sub->n && sub->v[r].e <= s)
            r++;
        for (size_t q = r; q < sub->n && sub->v[q].s < e; q++) {
            vmex_rangev_push(out, s, sub->v[q].s > s ? sub->v[q].s : s);
            if (sub->v[q].e > s)
                s = sub->v[q].e;
        }
        vmex_rangev_push(out, s, e);
    }
}

static void pristine_cb(void *ctx, uint64_t s, uint64_t e, int kind, int tag, int prot)
{
    (void)tag;
    (void)prot;
    if (kind == VMEX_R_APP || kind == VMEX_R_MALLOC)
        vmex_rangev_push(ctx, s, e);
}

/* What the layout occupies before any op (xzone malloc reserves its
 * ranges at the start): a fixed mapping there would fail, and the program
 * makes it anyway.  0, or -1 no memory. */
static int take_pristine(builder *b)
{
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    int rc = !m || vmex_model_start(m, b->L, 1) ? -1 : 0;
    if (!rc)
        vmex_model_walk(m, pristine_cb, &b->pristine);
    vmex_model_free(m);
    return rc || b->pristine.err ? -1 : 0;
}

static void add_blockers(builder *b, vmex_snap_info *info)
{
    const vmex_snap *S = b->S;
    vmex_rangev occ = {0};
    subtract(&S->occ, &b->pristine, &occ);
    subtract(&occ, &b->rec, &b->blk);
    if (occ.err)
        b->err = 1;
    free(occ.v);
    if (b->blk.err) {
        b->err = 1;
        return;
    }
    info->blockers = (uint32_t)b->blk.n;
    b->on_blockers = S->footprint;
    for (size_t k = 0; S->dirty && k < S->live.n; k++)
        if (used(b, &S->live.v[k]))
            b->on_blockers -= S->dirty[k] < b->on_blockers ? S->dirty[k] : b->on_blockers;
    uint64_t dirty_left = b->on_blockers;
    for (size_t k = 0; k < b->blk.n; k++) {
        vmex_op op;
        vmex_op_init(&op, VMEX_OP_MMAP);
        op.size = b->blk.v[k].e - b->blk.v[k].s;
        op.addr = b->blk.v[k].s;
        op.flags = VMEX_F_FIXED;
        if (dirty_left) {
            op.dst = name(b, "pre%zu", k);
            dirty_left -= dirty_left < op.size ? dirty_left : op.size;
        }
        add(b, &op);
    }
}

/* 2. the mappings the window uses, at their addresses */
static void add_mappings(builder *b)
{
    const vmex_snap *S = b->S;
    for (size_t k = 0; k < S->live.n; k++) {
        const vmex_gen_handle *h = &S->live.v[k];
        if (!used(b, h) || h->kind == VMEX_OP_MALLOC)
            continue;
        vmex_op op;
        vmex_op_init(&op, h->kind);
        op.dst = handle_name(b, origin_of(b->w, h), h->slot);
        op.size = h->size;
        op.addr = h->addr;
        uint16_t keep = h->kind == VMEX_OP_MMAP ? VMEX_F_TAG | VMEX_F_PROT | VMEX_F_NORESERVE | VMEX_F_JIT : VMEX_F_TAG;
        op.flags = VMEX_F_FIXED | (h->flags & keep);
        op.tag = h->tag;
        op.prot = h->prot;
        add(b, &op);
        b->cur[h->slot] = op.dst + 1;
    }
}

/* The holes of the layout between fixed regions and occupied ranges. */
static int find_holes(const builder *b, vmex_rangev *holes)
{
    const vmex_layout *L = b->L;
    vmex_rangev fix = {0};
    for (uint32_t k = 0; k < L->nregions; k++)
        vmex_rangev_push_apart(&fix, L->regions[k].start, L->regions[k].end);
    for (size_t k = 0; k < b->S->occ.n; k++)
        vmex_rangev_push_apart(&fix, b->S->occ.v[k].s, b->S->occ.v[k].e);
    if (fix.err) {
        free(fix.v);
        return -1;
    }
    qsort(fix.v, fix.n, sizeof *fix.v, cmp_range);
    uint64_t at = L->floor;
    for (size_t k = 0; k <= fix.n; k++) {
        uint64_t s = k < fix.n ? fix.v[k].s : L->max_offset;
        if (s > at)
            vmex_rangev_push_apart(holes, at, s);
        if (k < fix.n && fix.v[k].e > at)
            at = fix.v[k].e;
    }
    free(fix.v);
    return holes->err ? -1 : 0;
}

/* 3. libmalloc's memory, each piece made the only free range that fits
 * before the malloc that maps it: fillers over the holes and over every
 * range to re-create, then one range (or one class's regions) at a time */
static void add_malloc_memory(builder *b)
{
    const vmex_snap *S = b->S;
    if (!b->nlarge && !b->opened[0].n && !b->opened[1].n)
        return;
    vmex_rangev holes = {0};
    if (find_holes(b, &holes)) {
        b->err = 1;
        free(holes.v);
        return;
    }
    for (size_t k = 0; k < holes.n; k++)
        add_fixed(b, name(b, "hole%zu", k), holes.v[k].s, holes.v[k].e - holes.v[k].s);
    qsort(b->large, b->nlarge, sizeof *b->large, cmp_addr_desc);
    for (size_t k = 0; k < b->nlarge; k++)
        add_fixed(b, name(b, "fill%zu", k), b->large[k]->addr, b->large[k]->size);
    for (int c = 0; c < 2; c++)
        for (size_t k = 0; k < b->opened[c].n; k++)
            add_fixed(b, name(b, "%sregion%zu", rclass[c].name, k), b->opened[c].v[k].s,
                      b->opened[c].v[k].e - b->opened[c].v[k].s);
    for (size_t k = 0; k < b->nlarge; k++) {   /* from the top down, as libmalloc's hint moves */
        add_munmap(b, name(b, "fill%zu", k));
        add_malloc(b, b->large[k]);
    }
    for (int c = 0; c < 2; c++) {
        if (!b->opened[c].n)
            continue;
        for (size_t k = 0; k < b->opened[c].n; k++)
            add_munmap(b, name(b, "%sregion%zu", rclass[c].name, k));
        /* a keeper block that is never freed keeps the first region, as
         * the blocks the window does not use kept it; then the used ones */
        vmex_op op;
        vmex_op_init(&op, VMEX_OP_MALLOC);
        op.dst = name(b, "keep%s", rclass[c].name);
        op.size = keeper(c);
        add(b, &op);
        for (size_t k = 0; k < S->live.n; k++) {
            const vmex_gen_handle *h = &S->live.v[k];
            if (used(b, h) && h->kind == VMEX_OP_MALLOC && vmex_snap_block_class(b->L, h) == c)
                add_malloc(b, h);
        }
    }
    for (size_t k = 0; k < holes.n; k++)
        add_munmap(b, name(b, "hole%zu", k));
    free(holes.v);
}

/* 4. blocks in the nano region (no VA of their own) */
static void add_nano(builder *b)
{
    const vmex_snap *S = b->S;
    for (size_t k = 0; k < S->live.n; k++) {
        const vmex_gen_handle *h = &S->live.v[k];
        if (used(b, h) && h->kind == VMEX_OP_MALLOC && vmex_snap_block_class(b->L, h) == -1)
            add_malloc(b, h);
    }
}

/* 5. the footprint: the used handles' dirty bytes, then the blockers */
static void add_footprint(builder *b)
{
    const vmex_snap *S = b->S;
    for (size_t k = 0; S->dirty && k < S->live.n; k++) {
        const vmex_gen_handle *h = &S->live.v[k];
        if (used(b, h) && S->dirty[k] && b->cur[h->slot])
            add_touch(b, b->cur[h->slot] - 1, S->dirty[k], h->size);
    }
    uint64_t dirty_left = b->on_blockers;
    for (size_t k = 0; k < b->blk.n && dirty_left; k++) {
        uint64_t len = b->blk.v[k].e - b->blk.v[k].s;
        add_touch(b, name(b, "pre%zu", k), dirty_left, len);
        dirty_left -= dirty_left < len ? dirty_left : len;
    }
}

/* 6. the window; -1 when an op uses a handle that does not exist */
static int add_window(builder *b, const vmex_wop *ops, size_t nops, vmex_error *err)
{
    for (size_t i = 0; i < nops && !b->err; i++) {
        vmex_op op = ops[i].op;
        op.line = 0;
        if (op.src >= 0) {
            if (!b->cur[op.src]) {
                err->code = VMEX_E_INTERNAL;
                vmex_error_set(err, 0, 0, "internal error: window op %zu uses a handle that does not exist", i);
                return -1;
            }
            op.src = b->cur[op.src] - 1;
        }
        if (op.dst >= 0) {
            uint32_t slot = (uint32_t)op.dst;
            op.dst = handle_name(b, ops[i].origin, slot);
            b->cur[slot] = op.dst + 1;
        }
        add(b, &op);
    }
    return 0;
}

int vmex_snap_program(const vmex_workload *w, const vmex_layout *L, const vmex_snap *S, const vmex_wop *ops,
                      size_t nops, vmex_program *P, vmex_snap_info *info, vmex_error *err)
{
    builder b = {.w = w, .L = L, .S = S, .P = P};
    int rc = -1;
    memset(info, 0, sizeof *info);
    vmex_program_reset(P);
    memset(&P->cfg, 0, sizeof P->cfg);
    snprintf(P->cfg.profile, sizeof P->cfg.profile, "%s", L->profile);
    P->cfg.ents = L->ents;
    b.seen = calloc(VMEX_GEN_DEFAULT_SLOTS, 1);
    b.cur = calloc(VMEX_GEN_DEFAULT_SLOTS, sizeof *b.cur);
    b.large = malloc((S->live.n + 1) * sizeof *b.large);
    b.pick[0] = calloc(S->regions[0].n + 1, 1);
    b.pick[1] = calloc(S->regions[1].n + 1, 1);
    if (b.seen && b.cur && b.large && b.pick[0] && b.pick[1]) {
        scan_window(&b, ops, nops);
        plan(&b, info);
        if (b.rec.err || b.opened[0].err || b.opened[1].err || take_pristine(&b))
            b.err = 1;
        if (!b.err)
            add_blockers(&b, info);
        if (!b.err) {
            add_mappings(&b);
            add_malloc_memory(&b);
            add_nano(&b);
            add_footprint(&b);
        }
        rc = b.err ? -1 : add_window(&b, ops, nops, err);
        if (rc == 0 && b.err)
            rc = -1;
    }
    if (rc && (b.err || !b.seen || !b.cur || !b.large || !b.pick[0] || !b.pick[1])) {
        err->code = VMEX_E_NOMEM;
        vmex_error_set(err, 0, 0, "out of memory");
    }
    free(b.seen);
    free(b.cur);
    free(b.large);
    free(b.pick[0]);
    free(b.pick[1]);
    free(b.rec.v);
    free(b.blk.v);
    free(b.pristine.v);
    free(b.opened[0].v);
    free(b.opened[1].v);
    return rc;
}
