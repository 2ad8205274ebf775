/*
 * mutations.c - the mutations of the structure-aware mutator (mutate.h):
 * ops inserted, deleted, duplicated, swapped; sizes scaled, snapped to
 * powers of two, to page edges, to holes of the map, across malloc size
 * classes; uses retargeted; flags and ranges changed.  How often each is
 * picked is its weight below.
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "fuzz/fuzz.h"
#include "fuzz/mutate.h"

const char *vmex_mutation_name(int m)
{
    static const char *const t[VMEX_MUT__COUNT] = {
        [VMEX_MUT_INSERT] = "insert", [VMEX_MUT_DELETE] = "delete", [VMEX_MUT_DUPLICATE] = "duplicate",
        [VMEX_MUT_SWAP] = "swap", [VMEX_MUT_SIZE_LOG] = "size-log", [VMEX_MUT_SIZE_POW2] = "size-pow2",
        [VMEX_MUT_SIZE_EDGE] = "size-edge", [VMEX_MUT_SIZE_HOLE] = "size-hole",
        [VMEX_MUT_RETARGET] = "retarget", [VMEX_MUT_FLAGS] = "flags",
        [VMEX_MUT_MALLOC_CLASS] = "malloc-class", [VMEX_MUT_RANGE] = "range",
        [VMEX_MUT_SPLICE] = "splice", [VMEX_MUT_SHRINK] = "shrink",
    };
    return m >= 0 && m < VMEX_MUT__COUNT ? t[m] : "?";
}

/* ---------------------------------------------------------------- mutations */

/* Each returns 1 when it changed the program, 0 when it did not apply. */

static int set_range(mctx *m, vmex_op *op, uint64_t hsize);

/* A JavaScriptCore op at pos (target jsc): allocations of 1 KiB to 256 MiB,
 * counts up to 2^17 (one in 16 up to 2^20: a million property names take
 * 1.5 s, and an input of several stays under libFuzzer's 10 s slow-unit
 * report only when most are smaller), eval up to 1 MiB (one in 16 up to
 * 16 MiB), releases and collections. */
static int insert_jsc(mctx *m, uint32_t pos)
{
    static const uint8_t kinds[] = {
        VMEX_OP_ARRAYBUFFER, VMEX_OP_ARRAYBUFFER, VMEX_OP_ARRAYBUFFER, VMEX_OP_STRING, VMEX_OP_STRING, VMEX_OP_ARRAY,
        VMEX_OP_OBJECTS, VMEX_OP_OBJECTS, VMEX_OP_PROPS, VMEX_OP_PROPS, VMEX_OP_EVAL, VMEX_OP_RELEASE,
        VMEX_OP_RELEASE, VMEX_OP_GC,
    };
    int kind = kinds[below(&m->r, sizeof kinds)];
    vmex_op op;
    if (kind == VMEX_OP_RELEASE && (mctx_live_at(m, pos) || (op.src = mctx_pick_live(m, H_BLOCK, -1)) < 0))
        kind = VMEX_OP_GC;                     /* nothing to release */
    int32_t src = kind == VMEX_OP_RELEASE ? op.src : -1;
    vmex_op_init(&op, kind);
    op.src = src;
    int big = chance(&m->r, 1, 16);
    if (kind == VMEX_OP_OBJECTS || kind == VMEX_OP_PROPS)
        op.size = 1 + below(&m->r, 1ull << below(&m->r, big ? 21 : 18));
    else if (kind == VMEX_OP_EVAL)
        op.size = 1024 + below(&m->r, 1ull << (10 + below(&m->r, big ? 15 : 11)));
    else if (kind != VMEX_OP_RELEASE && kind != VMEX_OP_GC)
        op.size = (1ull << (10 + below(&m->r, 19))) + below(&m->r, 1ull << 10);
    if (vmex_op_binds(kind) && chance(&m->r, 9, 10) && (op.dst = mctx_fresh_name(m)) < 0)
        return 0;
    if (mctx_insert_op(m->p, pos, &op)) {
        m->oom = 1;
        return 0;
    }
    return 1;
}

static int mut_insert(mctx *m)
{
    vmex_program *p = m->p;
    uint32_t pos = (uint32_t)below(&m->r, (uint64_t)p->nops + 1);
    if (vmex_target_has(p->cfg.target, VMEX_CAP_JSC) && chance(&m->r, 1, 2))
        return insert_jsc(m, pos);
    static const uint8_t kinds[] = {
        VMEX_OP_MMAP, VMEX_OP_MMAP, VMEX_OP_MMAP, VMEX_OP_MMAP, VMEX_OP_MMAP, VMEX_OP_MMAP,
        VMEX_OP_VM_ALLOCATE, VMEX_OP_VM_ALLOCATE, VMEX_OP_MALLOC, VMEX_OP_MALLOC, VMEX_OP_MALLOC,
        VMEX_OP_REALLOC, VMEX_OP_FREE, VMEX_OP_FREE, VMEX_OP_MUNMAP, VMEX_OP_MUNMAP, VMEX_OP_MUNMAP,
        VMEX_OP_TOUCH, VMEX_OP_TOUCH, VMEX_OP_MMAP,
    };
    /* checks are rare: a failed check is never a finding */
    int kind = chance(&m->r, 1, 40) ? VMEX_OP_CHECK : kinds[below(&m->r, sizeof kinds)];
    vmex_op op;
    vmex_op_init(&op, kind);
    if (vmex_op_uses(kind)) {
        if (mctx_live_at(m, pos))
            return 0;
        int want = kind == VMEX_OP_MUNMAP ? H_MAP : kind == VMEX_OP_TOUCH ? 0 : H_BLOCK;
        int32_t h = mctx_pick_live(m, want, -1);
        if (h < 0) {
            kind = VMEX_OP_MMAP;               /* nothing to use: map instead */
            vmex_op_init(&op, kind);
        } else {
            op.src = h;
        }
    }
    switch (kind) {
    case VMEX_OP_MMAP:
    case VMEX_OP_VM_ALLOCATE: {
        uint64_t s = chance(&m->r, 1, 2) ? mctx_hole_size(m, pos) : 0;
        op.size = mctx_fix_size(m, kind, s ? s : mctx_random_map_size(m));
        if (kind == VMEX_OP_MMAP && chance(&m->r, 1, 4))
            op.flags |= VMEX_F_PROT | VMEX_F_NORESERVE, op.prot = VMEX_PROT_NONE;
        if (chance(&m->r, 1, 8)) {
            op.flags |= VMEX_F_TAG;
            op.tag = (uint8_t)(1 + below(&m->r, 99));
        }
        if (chance(&m->r, 9, 10) && (op.dst = mctx_fresh_name(m)) < 0)
            return 0;
        break;
    }
    case VMEX_OP_MALLOC:
    case VMEX_OP_REALLOC:
        op.size = mctx_random_malloc_size(m);
        if (chance(&m->r, 19, 20) && (op.dst = mctx_fresh_name(m)) < 0)
            return 0;
        break;
    case VMEX_OP_MUNMAP:
    case VMEX_OP_TOUCH:
        if (chance(&m->r, 1, 3)) {
            const vmex_op *b = &p->ops[m->bop[op.src]];
            set_range(m, &op, mctx_is_map(b->kind) ? VMEX_ALIGN_UP(b->size, VMEX_PAGE) : b->size);
        }
        break;
    case VMEX_OP_CHECK:
        op.metric = (uint8_t)below(&m->r, VMEX_M__COUNT);
        op.cmp = (uint8_t)below(&m->r, 2);
        op.size = mctx_random_map_size(m);
        break;
    default: /* free */
        break;
    }
    if (mctx_insert_op(p, pos, &op)) {
        m->oom = 1;
        return 0;
    }
    return 1;
}

int mut_delete(mctx *m)
{
    uint32_t n = m->p->nops;
    if (!n)
        return 0;
    uint32_t i = (uint32_t)below(&m->r, n), len = 1;
    if (chance(&m->r, 1, 4))
        len = 2 + (uint32_t)below(&m->r, MAX_RUN - 1);
    mctx_delete_ops(m->p, i, len);
    return 1;
}

/* copy ops[i, i+len) to pos with fresh names for what the copy binds */
static int mut_duplicate(mctx *m)
{
    vmex_program *p = m->p;
    uint32_t n = p->nops;
    if (!n)
        return 0;
    uint32_t i = (uint32_t)below(&m->r, n), len = 1;
    if (chance(&m->r, 2, 5))
        len = 2 + (uint32_t)below(&m->r, MAX_RUN - 1);
    if (len > n - i)
        len = n - i;
    uint32_t pos = chance(&m->r, 1, 2) ? i + len : (uint32_t)below(&m->r, (uint64_t)n + 1);
    vmex_op run[MAX_RUN];
    memcpy(run, &p->ops[i], len * sizeof *run);
    int32_t from[MAX_RUN], to[MAX_RUN];
    uint32_t nmap = 0;
    if (mctx_live_at(m, pos))
        return 0;
    for (uint32_t k = 0; k < len; k++) {
        vmex_op *op = &run[k];
        int mapped = 0;
        for (uint32_t j = nmap; j-- > 0 && !mapped;)
            if (op->src >= 0 && op->src == from[j]) {
                op->src = to[j];
                mapped = 1;
            }
        if (!mapped && vmex_op_uses(op->kind) && mctx_consumes(op)) {
            /* a second free of the same handle would be dropped: another one */
            int32_t h = mctx_pick_live(m, op->kind == VMEX_OP_MUNMAP ? H_MAP : H_BLOCK, op->src);
            if (h >= 0)
                op->src = h;
        }
        if (op->dst >= 0) {
            int32_t d = mctx_fresh_name(m);
            if (d < 0)
                return 0;
            from[nmap] = op->dst;
            to[nmap++] = d;
            op->dst = d;
        }
    }
    for (uint32_t k = 0; k < len; k++)
        if (mctx_insert_op(p, pos + k, &run[k])) {
            m->oom = 1;
            return 0;
        }
    return 1;
}

static int mut_swap(mctx *m)
{
    uint32_t n = m->p->nops;
    if (n < 2)
        return 0;
    uint32_t i = (uint32_t)below(&m->r, n), j;
    if (chance(&m->r, 1, 2))
        j = i + 1 < n ? i + 1 : i - 1;
    else if ((j = (uint32_t)below(&m->r, n - 1)) >= i)
        j++;
    vmex_op t = m->p->ops[i];
    m->p->ops[i] = m->p->ops[j];
    m->p->ops[j] = t;
    return memcmp(&m->p->ops[i], &m->p->ops[j], sizeof t) != 0;
}

/* the size-like field of op to mutate: its size, or a range's length/offset */
static uint64_t *size_field(mctx *m, vmex_op *op, int *kind)
{
    *kind = op->kind;
    if (mctx_sized(op->kind))
        return &op->size;
    if ((op->kind == VMEX_OP_MUNMAP || op->kind == VMEX_OP_TOUCH) && (op->flags & VMEX_F_RANGE)) {
        *kind = VMEX_OP_CHECK;             /* plain bytes */
        return chance(&m->r, 2, 3) ? &op->len : &op->off;
    }
    return NULL;
}

static int32_t find_sized(mctx *m)
{
    unsigned mask = chance(&m->r, 1, 4) ? SIZED_KINDS : SIZED_KINDS & ~K(VMEX_OP_CHECK);
    if (chance(&m->r, 1, 4))
        mask |= K(VMEX_OP_MUNMAP) | K(VMEX_OP_TOUCH);
    for (int tries = 0; tries < 4; tries++) {
        int32_t i = mctx_find_op(m, mask);
        if (i < 0)
            return -1;
        int k;
        if (size_field(m, &m->p->ops[i], &k))
            return i;
    }
    return mctx_find_op(m, SIZED_KINDS);
}

static int apply_size(mctx *m, vmex_op *op, uint64_t *f, int kind, uint64_t s)
{
    s = mctx_fix_size(m, kind, s);
    if (f == &op->len && s == 0)
        s = 1;
    if (s == *f)
        return 0;
    *f = s;
    return 1;
}

static int mut_size_log(mctx *m)
{
    int32_t i = find_sized(m);
    if (i < 0)
        return 0;
    vmex_op *op = &m->p->ops[i];
    int kind;
    uint64_t *f = size_field(m, op, &kind), s = *f;
    if (chance(&m->r, 1, 2)) {
        unsigned k = 1 + (unsigned)below(&m->r, 4);
        s = chance(&m->r, 1, 2) ? (s >> k) : (s > (VMEX_MAX_VALUE >> k) ? VMEX_MAX_VALUE - 1 : s << k);
    } else {
        uint64_t unit = mctx_is_map(kind) || kind == VMEX_OP_CHECK ? VMEX_PAGE
                      : s > 15 * 1024 ? VMEX_PAGE : s > 1008 ? 512 : 16;
        uint64_t d = unit * (1 + below(&m->r, 4));
        s = chance(&m->r, 1, 2) ? s + d : s > d ? s - d : 0;
    }
    return apply_size(m, op, f, kind, s);
}

static int mut_size_pow2(mctx *m)
{
    int32_t i = find_sized(m);
    if (i < 0)
        return 0;
    vmex_op *op = &m->p->ops[i];
    int kind;
    uint64_t *f = size_field(m, op, &kind), s = floor_pow2(*f);
    if (!s)
        s = mctx_is_map(kind) ? VMEX_PAGE : 1;
    if (s == *f || chance(&m->r, 1, 2))
        s = s < (VMEX_MAX_VALUE >> 1) ? s * 2 : s;
    if (s == *f)
        s >>= 1;
    return apply_size(m, op, f, kind, s);
}

static int mut_size_edge(mctx *m)
{
    int32_t i = find_sized(m);
    if (i < 0)
        return 0;
    vmex_op *op = &m->p->ops[i];
    int kind;
    uint64_t *f = size_field(m, op, &kind), p2 = floor_pow2(*f);
    if (p2 < VMEX_PAGE * 2)
        p2 = VMEX_PAGE * 2;
    int64_t shift = (int64_t)below(&m->r, 3) - 1;
    p2 = shift < 0 ? p2 >> 1 : shift > 0 && p2 < (VMEX_MAX_VALUE >> 1) ? p2 << 1 : p2;
    uint64_t unit = kind == VMEX_OP_MALLOC || kind == VMEX_OP_REALLOC ? (chance(&m->r, 1, 2) ? 16 : VMEX_PAGE)
                                                                         : VMEX_PAGE;
    uint64_t s = chance(&m->r, 1, 2) ? p2 + unit : p2 - unit;
    return apply_size(m, op, f, kind, s);
}

static int mut_size_hole(mctx *m)
{
    int32_t i = mctx_find_op(m, chance(&m->r, 4, 5) ? K(VMEX_OP_MMAP) | K(VMEX_OP_VM_ALLOCATE)
                                                : K(VMEX_OP_MALLOC) | K(VMEX_OP_REALLOC));
    if (i < 0)
        return 0;
    uint64_t s = mctx_hole_size(m, (uint32_t)i);
    if (!s)
        return 0;
    vmex_op *op = &m->p->ops[i];
    return apply_size(m, op, &op->size, op->kind, s);
}

static int mut_retarget(mctx *m)
{
    int32_t i = mctx_find_op(m, USE_KINDS);
    if (i < 0 || mctx_live_at(m, (uint32_t)i))
        return 0;
    vmex_op *op = &m->p->ops[i];
    int want = op->kind == VMEX_OP_MUNMAP ? H_MAP : op->kind == VMEX_OP_TOUCH ? 0 : H_BLOCK;
    int32_t h = mctx_pick_live(m, want, op->src);
    if (h < 0 || h == op->src)
        return 0;
    op->src = h;
    return 1;
}

static int mut_flags(mctx *m)
{
    int32_t i = mctx_find_op(m, K(VMEX_OP_MMAP) | K(VMEX_OP_VM_ALLOCATE) | K(VMEX_OP_MALLOC) |
                               K(VMEX_OP_REALLOC) | K(VMEX_OP_MUNMAP) | K(VMEX_OP_TOUCH) | K(VMEX_OP_CHECK));
    if (i < 0)
        return 0;
    vmex_op *op = &m->p->ops[i], old = *op;
    int32_t olddst = op->dst;
    switch (op->kind) {
    case VMEX_OP_MMAP:
    case VMEX_OP_VM_ALLOCATE: {
        int mm = op->kind == VMEX_OP_MMAP;
        switch (below(&m->r, mm ? 10 : 5)) {
        case 0:   /* align */
            if ((op->flags & VMEX_F_ALIGN) && chance(&m->r, 1, 3))
                op->flags &= (uint16_t)~VMEX_F_ALIGN, op->align = 0;
            else
                op->flags |= VMEX_F_ALIGN, op->align = 1ull << (14 + below(&m->r, 17));
            break;
        case 1:   /* tag */
            if ((op->flags & VMEX_F_TAG) && chance(&m->r, 1, 2))
                op->flags &= (uint16_t)~VMEX_F_TAG, op->tag = 0;
            else
                op->flags |= VMEX_F_TAG, op->tag = (uint8_t)below(&m->r, 256);
            break;
        case 2:   /* fixed */
            if ((op->flags & VMEX_F_FIXED) && chance(&m->r, 1, 2)) {
                op->flags &= (uint16_t)~VMEX_F_FIXED;
                op->addr = 0;
            } else {
                op->flags = (uint16_t)((op->flags & ~VMEX_F_HINT) | VMEX_F_FIXED);
                op->addr = mctx_pick_addr(m, (uint32_t)i, op->size, op->flags & VMEX_F_ALIGN ? op->align : 0);
            }
            break;
        case 3:   /* try */
            op->flags ^= VMEX_F_TRY;
            break;
        case 4:   /* anonymous or not */
            if (op->dst >= 0)
                op->dst = -1;
            else if ((op->dst = mctx_fresh_name(m)) < 0)
                op->dst = -1;
            break;
        case 5:   /* hint */
            if ((op->flags & VMEX_F_HINT) && chance(&m->r, 1, 2)) {
                op->flags &= (uint16_t)~VMEX_F_HINT;
                op->addr = 0;
            } else {
                op->flags = (uint16_t)((op->flags & ~VMEX_F_FIXED) | VMEX_F_HINT);
                op->addr = mctx_pick_addr(m, (uint32_t)i, op->size, 0);
            }
            break;
        case 6:   /* prot */
            if ((op->flags & VMEX_F_PROT) && chance(&m->r, 1, 3))
                op->flags &= (uint16_t)~VMEX_F_PROT, op->prot = 0;
            else
                op->flags |= VMEX_F_PROT, op->prot = (uint8_t)below(&m->r, 4);
            break;
        case 7: op->flags ^= VMEX_F_NORESERVE; break;
        case 8: op->flags ^= VMEX_F_JIT; break;
        default: op->flags ^= VMEX_F_SHARED; break;
        }
        break;
    }
    case VMEX_OP_MALLOC:
    case VMEX_OP_REALLOC:
        if (chance(&m->r, 1, 2))
            op->flags ^= VMEX_F_TRY;
        else if (op->dst >= 0)
            op->dst = -1;
        else if ((op->dst = mctx_fresh_name(m)) < 0)
            op->dst = -1;
        break;
    case VMEX_OP_MUNMAP:
    case VMEX_OP_TOUCH:
        if (op->flags & VMEX_F_RANGE) {
            op->flags &= (uint16_t)~VMEX_F_RANGE;
            op->off = op->len = 0;
        } else {
            op->flags |= VMEX_F_RANGE;
            op->off = 0;
            op->len = VMEX_PAGE;
        }
        break;
    default: /* check */
        if (chance(&m->r, 1, 2))
            op->metric = (uint8_t)((op->metric + 1 + below(&m->r, VMEX_M__COUNT - 1)) % VMEX_M__COUNT);
        else
            op->cmp ^= 1;
        break;
    }
    return memcmp(&old, op, sizeof old) != 0 || olddst != op->dst;
}

static int mut_malloc_class(mctx *m)
{
    int32_t i = mctx_find_op(m, K(VMEX_OP_MALLOC) | K(VMEX_OP_REALLOC));
    if (i < 0)
        return 0;
    vmex_op *op = &m->p->ops[i];
    uint64_t e = mctx_class_edges[below(&m->r, 3)];
    static const int64_t d[] = {-512, -16, -1, 0, 1, 16, 512};
    uint64_t s = (uint64_t)((int64_t)e + d[below(&m->r, 7)]);
    if (s == op->size)
        s = op->size <= e ? e + 1 : e;       /* cross the boundary */
    op->size = s;
    return 1;
}

/* a page-aligned head, tail or middle of a handle of hsize bytes, or the
 * whole (no range) */
static int set_range(mctx *m, vmex_op *op, uint64_t hsize)
{
    uint64_t pages = (hsize + VMEX_PAGE - 1) / VMEX_PAGE;
    uint64_t off0 = op->off, len0 = op->len;
    uint16_t f0 = op->flags;
    if (pages < 2 || chance(&m->r, 1, 8)) {
        op->flags &= (uint16_t)~VMEX_F_RANGE;
        op->off = op->len = 0;
    } else {
        uint64_t k = 1 + below(&m->r, pages - 1);        /* 1 .. pages-1 */
        op->flags |= VMEX_F_RANGE;
        switch (below(&m->r, 3)) {
        case 0: op->off = 0; op->len = k * VMEX_PAGE; break;                          /* head */
        case 1: op->off = k * VMEX_PAGE; op->len = (pages - k) * VMEX_PAGE; break;    /* tail */
        default:                                                                       /* middle */
            op->off = k * VMEX_PAGE;
            op->len = (1 + below(&m->r, pages - k)) * VMEX_PAGE;
            break;
        }
    }
    return op->off != off0 || op->len != len0 || op->flags != f0;
}

static int mut_range(mctx *m)
{
    int32_t i = mctx_find_op(m, K(VMEX_OP_MUNMAP) | K(VMEX_OP_TOUCH));
    if (i < 0 || mctx_live_at(m, (uint32_t)i))
        return 0;
    vmex_op *op = &m->p->ops[i];
    if (!mctx_name_ok(m->p, op->src) || !m->live[op->src])
        return 0;
    const vmex_op *b = &m->p->ops[m->bop[op->src]];
    return set_range(m, op, mctx_is_map(b->kind) ? VMEX_ALIGN_UP(b->size, VMEX_PAGE) : b->size);
}

typedef int (*mut_fn)(mctx *);
static const mut_fn muts[VMEX_MUT__COUNT] = {
    [VMEX_MUT_INSERT] = mut_insert, [VMEX_MUT_DELETE] = mut_delete,
    [VMEX_MUT_DUPLICATE] = mut_duplicate, [VMEX_MUT_SWAP] = mut_swap,
    [VMEX_MUT_SIZE_LOG] = mut_size_log, [VMEX_MUT_SIZE_POW2] = mut_size_pow2,
    [VMEX_MUT_SIZE_EDGE] = mut_size_edge, [VMEX_MUT_SIZE_HOLE] = mut_size_hole,
    [VMEX_MUT_RETARGET] = mut_retarget, [VMEX_MUT_FLAGS] = mut_flags,
    [VMEX_MUT_MALLOC_CLASS] = mut_malloc_class, [VMEX_MUT_RANGE] = mut_range,
};
/* relative weights of the mutations mutate() picks from */
static const uint8_t weights[VMEX_MUT__COUNT] = {
    [VMEX_MUT_INSERT] = 16, [VMEX_MUT_DELETE] = 9, [VMEX_MUT_DUPLICATE] = 8, [VMEX_MUT_SWAP] = 5,
    [VMEX_MUT_SIZE_LOG] = 10, [VMEX_MUT_SIZE_POW2] = 4, [VMEX_MUT_SIZE_EDGE] = 5,
    [VMEX_MUT_SIZE_HOLE] = 10, [VMEX_MUT_RETARGET] = 7, [VMEX_MUT_FLAGS] = 10,
    [VMEX_MUT_MALLOC_CLASS] = 4, [VMEX_MUT_RANGE] = 7,
};

int mut_pick(mctx *m)
{
    unsigned total = 0;
    for (int k = 0; k < VMEX_MUT__COUNT; k++)
        total += weights[k];
    unsigned x = (unsigned)below(&m->r, total);
    for (int k = 0; k < VMEX_MUT__COUNT; k++) {
        if (x < weights[k])
            return k;
        x -= weights[k];
    }
    return VMEX_MUT_INSERT;
}

int mut_apply(mctx *m, int kind)
{
    return kind >= 0 && kind < VMEX_MUT__COUNT && muts[kind] ? muts[kind](m) : 0;
}
