/*
 * mutctx.c - the context a mutator call works in (mutate.h): the program
 * being edited, the names live before an op (as the encoder sees them),
 * the holes of the map before an op, read from the scratch model
 * (vmex_model_walk), and sizes worth trying.
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "fuzz/mutate.h"

/* ---------------------------------------------------------------- context */

void mctx_init(mctx *m, vmex_program *p, const vmex_layout *L, vmex_model *scratch, unsigned seed)
{
    memset(m, 0, sizeof *m);
    m->p = p;
    m->L = L;
    m->scratch = vmex_target_has(L->target, VMEX_CAP_STEPS) ? scratch : NULL;   /* never the real backend: linux-model's holes come from vmex_mutation_layout */
    m->r.s = 0x5eed5eed00000000ull ^ (uint64_t)seed * VMEX_GOLDEN_GAMMA;
    uint64_t pages = (L->max_offset - L->base) / VMEX_PAGE;
    m->lg_pages = pages > 1 ? (uint64_t)(63 - __builtin_clzll(pages)) : 0;
}

void mctx_free(mctx *m)
{
    free(m->live);
    free(m->bop);
    free(m->lv);
    free(m->hlo);
    free(m->hhi);
}

/* ---------------------------------------------------------------- program edits */

int mctx_insert_op(vmex_program *p, uint32_t pos, const vmex_op *op)
{
    if (vmex_program_add(p, op) < 0)
        return -1;
    memmove(&p->ops[pos + 1], &p->ops[pos], (size_t)(p->nops - 1 - pos) * sizeof *p->ops);
    p->ops[pos] = *op;
    return 0;
}

void mctx_delete_ops(vmex_program *p, uint32_t pos, uint32_t n)
{
    if (pos >= p->nops)
        return;
    if (n > p->nops - pos)
        n = p->nops - pos;
    memmove(&p->ops[pos], &p->ops[pos + n], (size_t)(p->nops - pos - n) * sizeof *p->ops);
    p->nops -= n;
}

/* a name no op uses yet; -1 out of memory */
int32_t mctx_fresh_name(mctx *m)
{
    char name[16];
    for (;;) {
        snprintf(name, sizeof name, "m%u", m->fresh++);
        if (vmex_program_find_name(m->p, name) < 0)
            break;
    }
    int id = vmex_program_name(m->p, name);
    if (id < 0)
        m->oom = 1;
    return id;
}

/* ---------------------------------------------------------------- live names */

int mctx_consumes(const vmex_op *op)
{
    return op->kind == VMEX_OP_FREE || op->kind == VMEX_OP_REALLOC ||
           (op->kind == VMEX_OP_MUNMAP && !(op->flags & VMEX_F_RANGE));
}

int mctx_name_ok(const vmex_program *p, int32_t id)
{
    return id >= 0 && (uint32_t)id < p->nnames;
}

/* The names live just before op `at` (as the encoder sees them), in
 * binding order, into m->lv[0, m->nlv).  0 or -1. */
int mctx_live_at(mctx *m, uint32_t at)
{
    vmex_program *p = m->p;
    if (p->nnames > m->cap_names) {
        free(m->live);
        free(m->bop);
        free(m->lv);
        m->live = malloc(p->nnames * sizeof *m->live);
        m->bop = malloc(p->nnames * sizeof *m->bop);
        m->lv = malloc(p->nnames * sizeof *m->lv);
        if (!m->live || !m->bop || !m->lv) {
            m->cap_names = 0;
            m->oom = 1;
            return -1;
        }
        m->cap_names = p->nnames;
    }
    if (p->nnames)
        memset(m->live, 0, p->nnames);
    if (at > p->nops)
        at = p->nops;
    for (uint32_t j = 0; j < at; j++) {
        const vmex_op *op = &p->ops[j];
        int dst = op->kind < VMEX_OP__COUNT && vmex_op_binds(op->kind) && mctx_name_ok(p, op->dst) ? op->dst : -1;
        if (op->kind >= VMEX_OP__COUNT)
            continue;
        if (vmex_op_uses(op->kind)) {
            if (!mctx_name_ok(p, op->src) || !m->live[op->src]) {
                if (dst >= 0)
                    m->live[dst] = 0;
                continue;
            }
            if (mctx_consumes(op))
                m->live[op->src] = 0;
        }
        if (dst >= 0) {
            m->live[dst] = 1;
            m->bop[dst] = (int32_t)j;
        }
    }
    m->nlv = 0;
    for (uint32_t j = 0; j < at; j++) {
        const vmex_op *op = &p->ops[j];
        if (op->kind < VMEX_OP__COUNT && vmex_op_binds(op->kind) && mctx_name_ok(p, op->dst) &&
            m->live[op->dst] && m->bop[op->dst] == (int32_t)j)
            m->lv[m->nlv++] = (uint32_t)op->dst;
    }
    return 0;
}

int mctx_handle_kind(const mctx *m, uint32_t name)
{
    int k = m->p->ops[m->bop[name]].kind;
    return k == VMEX_OP_MMAP || k == VMEX_OP_VM_ALLOCATE ? H_MAP : H_BLOCK;
}

/* A live name from m->lv (after live_at): of kind `want` (0: any) when
 * there is one, mostly; half the time one of the three newest; never
 * `avoid`.  -1 when none. */
int32_t mctx_pick_live(mctx *m, int want, int32_t avoid)
{
    uint32_t n = m->nlv;
    if (!n)
        return -1;
    int strict = want && chance(&m->r, 7, 8);
    if (chance(&m->r, 1, 2)) {
        uint64_t skip = below(&m->r, 3);
        for (uint32_t k = 0; k < n; k++) {
            int32_t name = (int32_t)m->lv[n - 1 - k];
            if (name == avoid || (strict && mctx_handle_kind(m, (uint32_t)name) != want))
                continue;
            if (skip-- == 0)
                return name;
        }
    }
    uint32_t start = (uint32_t)below(&m->r, n);
    for (int pass = 0; pass < 2; pass++, strict = 0)
        for (uint32_t k = 0; k < n; k++) {
            int32_t name = (int32_t)m->lv[(start + k) % n];
            if (name != avoid && (!strict || mctx_handle_kind(m, (uint32_t)name) == want))
                return name;
        }
    return -1;
}

/* ---------------------------------------------------------------- holes */

static void hole_add(mctx *m, uint64_t lo, uint64_t hi)
{
    if (lo < m->L->floor)
        lo = m->L->floor;
    if (hi > m->L->max_offset)
        hi = m->L->max_offset;
    if (hi <= lo)
        return;
    if (hi - lo > m->largest_hi - m->largest_lo) {
        m->largest_lo = lo;
        m->largest_hi = hi;
    }
    if (m->nholes == m->hcap) {
        if (m->hcap >= MAX_HOLES)
            return;
        uint32_t c = m->hcap ? m->hcap * 2 : 256;
        uint64_t *a = realloc(m->hlo, c * sizeof *a), *b = a ? realloc(m->hhi, c * sizeof *b) : NULL;
        if (a)
            m->hlo = a;
        if (!b)
            return;
        m->hhi = b;
        m->hcap = c;
    }
    m->hlo[m->nholes] = lo;
    m->hhi[m->nholes++] = hi;
}

static void hole_entry(void *ctx, uint64_t start, uint64_t end, int kind, int tag, int prot)
{
    mctx *m = ctx;
    (void)kind, (void)tag, (void)prot;
    if (start > m->hole_prev)
        hole_add(m, m->hole_prev, start);
    if (end > m->hole_prev)
        m->hole_prev = end;
}

/* The holes of the map just before op `at`; 0, or -1 without a scratch model. */
int mctx_holes_at(mctx *m, uint32_t at)
{
    if (!m->scratch)
        return -1;
    vmex_program view = *m->p;
    view.nops = at < m->p->nops ? at : m->p->nops;
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.keep_going = 1;
    vmex_result res;
    if (vmex_model_run(m->scratch, m->L, &view, &o, &res))
        return -1;
    m->nholes = 0;
    m->largest_lo = m->largest_hi = 0;
    m->hole_prev = m->L->floor;
    vmex_model_walk(m->scratch, hole_entry, m);
    hole_add(m, m->hole_prev, m->L->max_offset);
    return m->nholes ? 0 : -1;
}

/* a hole: the largest one a third of the time, else any */
void mctx_pick_hole(mctx *m, uint64_t *lo, uint64_t *hi)
{
    if (chance(&m->r, 1, 3) || !m->nholes) {
        *lo = m->largest_lo;
        *hi = m->largest_hi;
    } else {
        uint32_t i = (uint32_t)below(&m->r, m->nholes);
        *lo = m->hlo[i];
        *hi = m->hhi[i];
    }
}

/* A request size after the holes before op `at`: one that just fits a hole,
 * or just misses it (a page more), or just misses the largest.  0 when
 * there are no holes. */
uint64_t mctx_hole_size(mctx *m, uint32_t at)
{
    if (mctx_holes_at(m, at))
        return 0;
    uint64_t lo, hi;
    mctx_pick_hole(m, &lo, &hi);
    uint64_t s = hi - lo;
    switch (below(&m->r, 4)) {
    case 0: return s;
    case 1: return s + VMEX_PAGE;
    case 2: return s > VMEX_PAGE ? s - VMEX_PAGE : s;
    default: return m->largest_hi - m->largest_lo + VMEX_PAGE;
    }
}

/* an address for hint/fixed: a hole's start (or end minus the size), else
 * anywhere in [floor, max_offset), page-aligned */
uint64_t mctx_pick_addr(mctx *m, uint32_t at, uint64_t size, uint64_t align)
{
    uint64_t a;
    if (align < VMEX_PAGE)
        align = VMEX_PAGE;
    if (chance(&m->r, 3, 4) && mctx_holes_at(m, at) == 0) {
        uint64_t lo, hi;
        mctx_pick_hole(m, &lo, &hi);
        a = chance(&m->r, 1, 2) || hi - lo < size ? lo : hi - VMEX_ALIGN_UP(size, VMEX_PAGE);
    } else {
        uint64_t span = m->L->max_offset > m->L->floor ? m->L->max_offset - m->L->floor : VMEX_PAGE;
        a = m->L->floor + below(&m->r, span);
    }
    return VMEX_ALIGN_UP(a, align) < VMEX_MAX_VALUE ? VMEX_ALIGN_UP(a, align) : VMEX_ALIGN_DOWN(a, align);
}

/* ---------------------------------------------------------------- sizes */

uint64_t mctx_max_map(const mctx *m)
{
    uint64_t span = m->L->max_offset - m->L->base;
    return span > VMEX_PAGE ? span : VMEX_PAGE;
}

/* log-uniform pages from one to the map's size; powers of two often */
uint64_t mctx_random_map_size(mctx *m)
{
    uint64_t k = below(&m->r, m->lg_pages + 1), base = 1ull << k;
    uint64_t pages = chance(&m->r, 1, 3) ? base : base + below(&m->r, base);
    uint64_t s = pages * VMEX_PAGE;
    return s > mctx_max_map(m) ? mctx_max_map(m) : s;
}

/* malloc size class edges (tiny, small, large): sizes around them matter */
const uint64_t mctx_class_edges[3] = {256, 1008, 15 * 1024};

uint64_t mctx_random_malloc_size(mctx *m)
{
    if (chance(&m->r, 2, 5)) {
        uint64_t e = mctx_class_edges[below(&m->r, 3)];
        static const int64_t d[] = {-16, 0, 1, 16, 512};
        return (uint64_t)((int64_t)e + d[below(&m->r, 5)]);
    }
    uint64_t k = below(&m->r, 27), base = 1ull << k;
    return base + below(&m->r, base);
}

int mctx_sized(int kind)
{
    return kind == VMEX_OP_MMAP || kind == VMEX_OP_VM_ALLOCATE || kind == VMEX_OP_MALLOC ||
           kind == VMEX_OP_REALLOC || kind == VMEX_OP_CHECK;
}

int mctx_is_map(int kind)
{
    return kind == VMEX_OP_MMAP || kind == VMEX_OP_VM_ALLOCATE;
}

/* keep a size in its field's range: mapping sizes page multiples in [page,
 * max_offset], malloc sizes in [0, 64 MiB x 4], check values in [0, 2^48) */
uint64_t mctx_fix_size(const mctx *m, int kind, uint64_t s)
{
    if (mctx_is_map(kind)) {
        s = VMEX_ALIGN_UP(s ? s : 1, VMEX_PAGE);
        return s > mctx_max_map(m) ? mctx_max_map(m) : s;
    }
    if (kind == VMEX_OP_MALLOC || kind == VMEX_OP_REALLOC)
        return s > 4 * MALLOC_MAX ? 4 * MALLOC_MAX : s;
    return s >= VMEX_MAX_VALUE ? VMEX_MAX_VALUE - 1 : s;
}

/* a random op whose kind is in `mask` (bit per kind), from a random start; -1 */
int32_t mctx_find_op(mctx *m, unsigned mask)
{
    uint32_t n = m->p->nops;
    if (!n)
        return -1;
    uint32_t start = (uint32_t)below(&m->r, n);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = (start + k) % n;
        if (mask >> m->p->ops[i].kind & 1)
            return (int32_t)i;
    }
    return -1;
}
