/*
 * mutate.c - the structure-aware mutator and crossover of binary inputs
 * (libFuzzer's LLVMFuzzerCustomMutator/CrossOver and AFL++'s custom
 * mutator both call these).
 *
 * A call decodes its input (encode.c), mutates the program (ops, sizes,
 * handles, flags; never the header: config and expect are kept), and
 * writes the canonical encoding back.  Invariants:
 *   - the output always decodes (every output is a canonical encoding) and
 *     fits the size given; when the input is larger than that (libFuzzer's
 *     -minimize_crash), ops are dropped until it fits;
 *   - deterministic in (input, seed, layout): the only randomness is a
 *     splitmix64 stream seeded from `seed`; no global state;
 *   - mutations work on the program with its names: a mutation may leave a
 *     use of a name that is no longer live (an op deleted or moved); the
 *     encoder drops such uses, exactly as it does for text programs.
 * Hole-based mutations run a prefix of the program on the caller's scratch
 * model and read the map's holes (gaps between entries in [floor,
 * max_offset)) with vmex_model_walk.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "core/core.h"
#include "core/rng.h"

#define MAX_HOLES   65536u     /* holes kept per walk (the largest is always known) */
#define MAX_RUN     8u         /* ops in a duplicated or deleted run */
#define MAX_SPLICE  16u        /* ops in a spliced run */
#define MALLOC_MAX  (1ull << 26)

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

/* ---------------------------------------------------------------- randomness */

typedef struct rng { uint64_t s; } rng;

/* uniform in [0, n); 0 when n is 0 */
static uint64_t below(rng *r, uint64_t n)
{
    return vmex_splitmix_below(&r->s, n);
}

static int chance(rng *r, unsigned num, unsigned den)
{
    return below(r, den) < num;
}

/* ---------------------------------------------------------------- context */

enum { H_MAP = 1, H_BLOCK = 2 };

typedef struct mctx {
    vmex_program *p;
    const vmex_layout *L;
    vmex_model *scratch;
    rng r;
    uint32_t fresh;           /* next candidate for a fresh name */
    uint64_t lg_pages;        /* floor(log2(max_offset / page)) */
    /* live analysis */
    int8_t *live;             /* per name id */
    int32_t *bop;             /* per name id: the op that bound it */
    uint32_t *lv;             /* live names at the point asked, in binding order */
    uint32_t nlv, cap_names;
    /* holes */
    uint64_t *hlo, *hhi;
    uint32_t nholes, hcap;
    uint64_t largest_lo, largest_hi, hole_prev;
    int oom;
} mctx;

static void ctx_init(mctx *m, vmex_program *p, const vmex_layout *L, vmex_model *scratch, unsigned seed)
{
    memset(m, 0, sizeof *m);
    m->p = p;
    m->L = L;
    m->scratch = L->target == VMEX_TARGET_LINUX ? NULL : scratch;   /* never the real backend: linux-model's holes come from vmex_mutation_layout */
    m->r.s = 0x5eed5eed00000000ull ^ (uint64_t)seed * VMEX_GOLDEN_GAMMA;
    uint64_t pages = (L->max_offset - L->base) / VMEX_PAGE;
    m->lg_pages = pages > 1 ? (uint64_t)(63 - __builtin_clzll(pages)) : 0;
}

static void ctx_free(mctx *m)
{
    free(m->live);
    free(m->bop);
    free(m->lv);
    free(m->hlo);
    free(m->hhi);
}

/* ---------------------------------------------------------------- program edits */

static int insert_op(vmex_program *p, uint32_t pos, const vmex_op *op)
{
    if (vmex_program_add(p, op) < 0)
        return -1;
    memmove(&p->ops[pos + 1], &p->ops[pos], (size_t)(p->nops - 1 - pos) * sizeof *p->ops);
    p->ops[pos] = *op;
    return 0;
}

static void delete_ops(vmex_program *p, uint32_t pos, uint32_t n)
{
    if (pos >= p->nops)
        return;
    if (n > p->nops - pos)
        n = p->nops - pos;
    memmove(&p->ops[pos], &p->ops[pos + n], (size_t)(p->nops - pos - n) * sizeof *p->ops);
    p->nops -= n;
}

/* a name no op uses yet; -1 out of memory */
static int32_t fresh_name(mctx *m)
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

static int consumes(const vmex_op *op)
{
    return op->kind == VMEX_OP_FREE || op->kind == VMEX_OP_REALLOC ||
           (op->kind == VMEX_OP_MUNMAP && !(op->flags & VMEX_F_RANGE));
}

static int name_ok(const vmex_program *p, int32_t id)
{
    return id >= 0 && (uint32_t)id < p->nnames;
}

/* The names live just before op `at` (as the encoder sees them), in
 * binding order, into m->lv[0, m->nlv).  0 or -1. */
static int live_at(mctx *m, uint32_t at)
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
        int dst = op->kind < VMEX_OP__COUNT && vmex_op_binds(op->kind) && name_ok(p, op->dst) ? op->dst : -1;
        if (op->kind >= VMEX_OP__COUNT)
            continue;
        if (vmex_op_uses(op->kind)) {
            if (!name_ok(p, op->src) || !m->live[op->src]) {
                if (dst >= 0)
                    m->live[dst] = 0;
                continue;
            }
            if (consumes(op))
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
        if (op->kind < VMEX_OP__COUNT && vmex_op_binds(op->kind) && name_ok(p, op->dst) &&
            m->live[op->dst] && m->bop[op->dst] == (int32_t)j)
            m->lv[m->nlv++] = (uint32_t)op->dst;
    }
    return 0;
}

static int handle_kind(const mctx *m, uint32_t name)
{
    int k = m->p->ops[m->bop[name]].kind;
    return k == VMEX_OP_MMAP || k == VMEX_OP_VM_ALLOCATE ? H_MAP : H_BLOCK;
}

/* A live name from m->lv (after live_at): of kind `want` (0: any) when
 * there is one, mostly; half the time one of the three newest; never
 * `avoid`.  -1 when none. */
static int32_t pick_live(mctx *m, int want, int32_t avoid)
{
    uint32_t n = m->nlv;
    if (!n)
        return -1;
    int strict = want && chance(&m->r, 7, 8);
    if (chance(&m->r, 1, 2)) {
        uint64_t skip = below(&m->r, 3);
        for (uint32_t k = 0; k < n; k++) {
            int32_t name = (int32_t)m->lv[n - 1 - k];
            if (name == avoid || (strict && handle_kind(m, (uint32_t)name) != want))
                continue;
            if (skip-- == 0)
                return name;
        }
    }
    uint32_t start = (uint32_t)below(&m->r, n);
    for (int pass = 0; pass < 2; pass++, strict = 0)
        for (uint32_t k = 0; k < n; k++) {
            int32_t name = (int32_t)m->lv[(start + k) % n];
            if (name != avoid && (!strict || handle_kind(m, (uint32_t)name) == want))
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
static int holes_at(mctx *m, uint32_t at)
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
static void pick_hole(mctx *m, uint64_t *lo, uint64_t *hi)
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
static uint64_t hole_size(mctx *m, uint32_t at)
{
    if (holes_at(m, at))
        return 0;
    uint64_t lo, hi;
    pick_hole(m, &lo, &hi);
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
static uint64_t pick_addr(mctx *m, uint32_t at, uint64_t size, uint64_t align)
{
    uint64_t a;
    if (align < VMEX_PAGE)
        align = VMEX_PAGE;
    if (chance(&m->r, 3, 4) && holes_at(m, at) == 0) {
        uint64_t lo, hi;
        pick_hole(m, &lo, &hi);
        a = chance(&m->r, 1, 2) || hi - lo < size ? lo : hi - VMEX_ALIGN_UP(size, VMEX_PAGE);
    } else {
        uint64_t span = m->L->max_offset > m->L->floor ? m->L->max_offset - m->L->floor : VMEX_PAGE;
        a = m->L->floor + below(&m->r, span);
    }
    return VMEX_ALIGN_UP(a, align) < VMEX_MAX_VALUE ? VMEX_ALIGN_UP(a, align) : VMEX_ALIGN_DOWN(a, align);
}

/* ---------------------------------------------------------------- sizes */

static uint64_t max_map(const mctx *m)
{
    uint64_t span = m->L->max_offset - m->L->base;
    return span > VMEX_PAGE ? span : VMEX_PAGE;
}

/* log-uniform pages from one to the map's size; powers of two often */
static uint64_t random_map_size(mctx *m)
{
    uint64_t k = below(&m->r, m->lg_pages + 1), base = 1ull << k;
    uint64_t pages = chance(&m->r, 1, 3) ? base : base + below(&m->r, base);
    uint64_t s = pages * VMEX_PAGE;
    return s > max_map(m) ? max_map(m) : s;
}

static const uint64_t class_edges[] = {256, 1008, 15 * 1024};

static uint64_t random_malloc_size(mctx *m)
{
    if (chance(&m->r, 2, 5)) {
        uint64_t e = class_edges[below(&m->r, 3)];
        static const int64_t d[] = {-16, 0, 1, 16, 512};
        return (uint64_t)((int64_t)e + d[below(&m->r, 5)]);
    }
    uint64_t k = below(&m->r, 27), base = 1ull << k;
    return base + below(&m->r, base);
}

static int sized(int kind)
{
    return kind == VMEX_OP_MMAP || kind == VMEX_OP_VM_ALLOCATE || kind == VMEX_OP_MALLOC ||
           kind == VMEX_OP_REALLOC || kind == VMEX_OP_CHECK;
}

static int is_map(int kind)
{
    return kind == VMEX_OP_MMAP || kind == VMEX_OP_VM_ALLOCATE;
}

/* keep a size in its field's range: mapping sizes page multiples in [page,
 * max_offset], malloc sizes in [0, 64 MiB x 4], check values in [0, 2^48) */
static uint64_t fix_size(const mctx *m, int kind, uint64_t s)
{
    if (is_map(kind)) {
        s = VMEX_ALIGN_UP(s ? s : 1, VMEX_PAGE);
        return s > max_map(m) ? max_map(m) : s;
    }
    if (kind == VMEX_OP_MALLOC || kind == VMEX_OP_REALLOC)
        return s > 4 * MALLOC_MAX ? 4 * MALLOC_MAX : s;
    return s >= VMEX_MAX_VALUE ? VMEX_MAX_VALUE - 1 : s;
}

/* a random op whose kind is in `mask` (bit per kind), from a random start; -1 */
static int32_t find_op(mctx *m, unsigned mask)
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

#define K(x) (1u << (x))
#define SIZED_KINDS (K(VMEX_OP_MMAP) | K(VMEX_OP_VM_ALLOCATE) | K(VMEX_OP_MALLOC) | K(VMEX_OP_REALLOC) | K(VMEX_OP_CHECK))
#define USE_KINDS (K(VMEX_OP_REALLOC) | K(VMEX_OP_FREE) | K(VMEX_OP_MUNMAP) | K(VMEX_OP_TOUCH))

static uint64_t floor_pow2(uint64_t x)
{
    return x ? 1ull << (63 - __builtin_clzll(x)) : 0;
}

/* ---------------------------------------------------------------- mutations */

/* Each returns 1 when it changed the program, 0 when it did not apply. */

static int set_range(mctx *m, vmex_op *op, uint64_t hsize);

static int mut_insert(mctx *m)
{
    vmex_program *p = m->p;
    uint32_t pos = (uint32_t)below(&m->r, (uint64_t)p->nops + 1);
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
        if (live_at(m, pos))
            return 0;
        int want = kind == VMEX_OP_MUNMAP ? H_MAP : kind == VMEX_OP_TOUCH ? 0 : H_BLOCK;
        int32_t h = pick_live(m, want, -1);
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
        uint64_t s = chance(&m->r, 1, 2) ? hole_size(m, pos) : 0;
        op.size = fix_size(m, kind, s ? s : random_map_size(m));
        if (kind == VMEX_OP_MMAP && chance(&m->r, 1, 4))
            op.flags |= VMEX_F_PROT | VMEX_F_NORESERVE, op.prot = VMEX_PROT_NONE;
        if (chance(&m->r, 1, 8)) {
            op.flags |= VMEX_F_TAG;
            op.tag = (uint8_t)(1 + below(&m->r, 99));
        }
        if (chance(&m->r, 9, 10) && (op.dst = fresh_name(m)) < 0)
            return 0;
        break;
    }
    case VMEX_OP_MALLOC:
    case VMEX_OP_REALLOC:
        op.size = random_malloc_size(m);
        if (chance(&m->r, 19, 20) && (op.dst = fresh_name(m)) < 0)
            return 0;
        break;
    case VMEX_OP_MUNMAP:
    case VMEX_OP_TOUCH:
        if (chance(&m->r, 1, 3)) {
            const vmex_op *b = &p->ops[m->bop[op.src]];
            set_range(m, &op, is_map(b->kind) ? VMEX_ALIGN_UP(b->size, VMEX_PAGE) : b->size);
        }
        break;
    case VMEX_OP_CHECK:
        op.metric = (uint8_t)below(&m->r, VMEX_M__COUNT);
        op.cmp = (uint8_t)below(&m->r, 2);
        op.size = random_map_size(m);
        break;
    default: /* free */
        break;
    }
    if (insert_op(p, pos, &op)) {
        m->oom = 1;
        return 0;
    }
    return 1;
}

static int mut_delete(mctx *m)
{
    uint32_t n = m->p->nops;
    if (!n)
        return 0;
    uint32_t i = (uint32_t)below(&m->r, n), len = 1;
    if (chance(&m->r, 1, 4))
        len = 2 + (uint32_t)below(&m->r, MAX_RUN - 1);
    delete_ops(m->p, i, len);
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
    if (live_at(m, pos))
        return 0;
    for (uint32_t k = 0; k < len; k++) {
        vmex_op *op = &run[k];
        int mapped = 0;
        for (uint32_t j = nmap; j-- > 0 && !mapped;)
            if (op->src >= 0 && op->src == from[j]) {
                op->src = to[j];
                mapped = 1;
            }
        if (!mapped && vmex_op_uses(op->kind) && consumes(op)) {
            /* a second free of the same handle would be dropped: another one */
            int32_t h = pick_live(m, op->kind == VMEX_OP_MUNMAP ? H_MAP : H_BLOCK, op->src);
            if (h >= 0)
                op->src = h;
        }
        if (op->dst >= 0) {
            int32_t d = fresh_name(m);
            if (d < 0)
                return 0;
            from[nmap] = op->dst;
            to[nmap++] = d;
            op->dst = d;
        }
    }
    for (uint32_t k = 0; k < len; k++)
        if (insert_op(p, pos + k, &run[k])) {
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
    if (sized(op->kind))
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
        int32_t i = find_op(m, mask);
        if (i < 0)
            return -1;
        int k;
        if (size_field(m, &m->p->ops[i], &k))
            return i;
    }
    return find_op(m, SIZED_KINDS);
}

static int apply_size(mctx *m, vmex_op *op, uint64_t *f, int kind, uint64_t s)
{
    s = fix_size(m, kind, s);
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
        uint64_t unit = is_map(kind) || kind == VMEX_OP_CHECK ? VMEX_PAGE
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
        s = is_map(kind) ? VMEX_PAGE : 1;
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
    int32_t i = find_op(m, chance(&m->r, 4, 5) ? K(VMEX_OP_MMAP) | K(VMEX_OP_VM_ALLOCATE)
                                                : K(VMEX_OP_MALLOC) | K(VMEX_OP_REALLOC));
    if (i < 0)
        return 0;
    uint64_t s = hole_size(m, (uint32_t)i);
    if (!s)
        return 0;
    vmex_op *op = &m->p->ops[i];
    return apply_size(m, op, &op->size, op->kind, s);
}

static int mut_retarget(mctx *m)
{
    int32_t i = find_op(m, USE_KINDS);
    if (i < 0 || live_at(m, (uint32_t)i))
        return 0;
    vmex_op *op = &m->p->ops[i];
    int want = op->kind == VMEX_OP_MUNMAP ? H_MAP : op->kind == VMEX_OP_TOUCH ? 0 : H_BLOCK;
    int32_t h = pick_live(m, want, op->src);
    if (h < 0 || h == op->src)
        return 0;
    op->src = h;
    return 1;
}

static int mut_flags(mctx *m)
{
    int32_t i = find_op(m, K(VMEX_OP_MMAP) | K(VMEX_OP_VM_ALLOCATE) | K(VMEX_OP_MALLOC) |
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
                op->addr = pick_addr(m, (uint32_t)i, op->size, op->flags & VMEX_F_ALIGN ? op->align : 0);
            }
            break;
        case 3:   /* try */
            op->flags ^= VMEX_F_TRY;
            break;
        case 4:   /* anonymous or not */
            if (op->dst >= 0)
                op->dst = -1;
            else if ((op->dst = fresh_name(m)) < 0)
                op->dst = -1;
            break;
        case 5:   /* hint */
            if ((op->flags & VMEX_F_HINT) && chance(&m->r, 1, 2)) {
                op->flags &= (uint16_t)~VMEX_F_HINT;
                op->addr = 0;
            } else {
                op->flags = (uint16_t)((op->flags & ~VMEX_F_FIXED) | VMEX_F_HINT);
                op->addr = pick_addr(m, (uint32_t)i, op->size, 0);
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
        else if ((op->dst = fresh_name(m)) < 0)
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
    int32_t i = find_op(m, K(VMEX_OP_MALLOC) | K(VMEX_OP_REALLOC));
    if (i < 0)
        return 0;
    vmex_op *op = &m->p->ops[i];
    uint64_t e = class_edges[below(&m->r, 3)];
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
    int32_t i = find_op(m, K(VMEX_OP_MUNMAP) | K(VMEX_OP_TOUCH));
    if (i < 0 || live_at(m, (uint32_t)i))
        return 0;
    vmex_op *op = &m->p->ops[i];
    if (!name_ok(m->p, op->src) || !m->live[op->src])
        return 0;
    const vmex_op *b = &m->p->ops[m->bop[op->src]];
    return set_range(m, op, is_map(b->kind) ? VMEX_ALIGN_UP(b->size, VMEX_PAGE) : b->size);
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

static int pick_mutation(mctx *m)
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

/* ---------------------------------------------------------------- fitting */

/* Encode m->p into enc; drop ops until it fits max (a random run whose bytes
 * cover the excess, or the tail).  Returns the size, or 0 when even the
 * header does not fit (or out of memory). */
static size_t fit(mctx *m, vmex_buf *enc, size_t max, vmex_mutate_stats *st)
{
    vmex_program *p = m->p;
    size_t *offs = NULL, ocap = 0;
    int shrunk = 0;
    size_t n = 0;
    for (;;) {
        if (p->nops > ocap) {
            free(offs);
            ocap = p->nops;
            if (!(offs = malloc(ocap * sizeof *offs)))
                break;
        }
        enc->len = 0;
        if (_vmex_encode_offsets(p, m->L, enc, offs))
            break;
        if (enc->len <= max) {
            n = enc->len;
            break;
        }
        if (!p->nops)
            break;                               /* the header alone is too large */
        shrunk = 1;
        size_t excess = enc->len - max;
        if (chance(&m->r, 1, 4)) {
            /* the longest prefix that fits (a prefix encodes as a prefix);
             * end: the bytes of ops [0, k) */
            uint32_t k = p->nops;
            size_t end = enc->len;
            do {
                k--;
                if (offs[k] != SIZE_MAX)
                    end = offs[k];
            } while (k > 0 && end > max);
            p->nops = k;
        } else {
            /* a run from a random op whose bytes cover the excess */
            uint32_t i = (uint32_t)below(&m->r, p->nops), j = i;
            size_t start = SIZE_MAX;
            for (; j < p->nops; j++) {
                if (offs[j] == SIZE_MAX)
                    continue;
                if (start == SIZE_MAX)
                    start = offs[j];
                else if (offs[j] - start >= excess)
                    break;
            }
            delete_ops(p, i, j - i);
        }
    }
    free(offs);
    if (shrunk && st)
        st->applied[VMEX_MUT_SHRINK]++;
    return n;
}

static size_t emit(const vmex_buf *enc, size_t n, uint8_t *out)
{
    if (n)
        memcpy(out, enc->p, n);
    return n;
}

/* ---------------------------------------------------------------- mutate */

/* L, or the default profile's layout in *def when L is NULL */
static const vmex_layout *layout_or_default(const vmex_layout *L, vmex_layout *def)
{
    vmex_config cfg;
    vmex_error err;
    if (L)
        return L;
    memset(&cfg, 0, sizeof cfg);
    memset(&err, 0, sizeof err);
    return vmex_layout_resolve(&cfg, VMEX_DEFAULT_PROFILE, 0, def, &err) ? NULL : def;
}

size_t vmex_mutate_ex(uint8_t *data, size_t size, size_t max_size, unsigned seed, const vmex_layout *L,
                      vmex_model *scratch, vmex_mutate_stats *st)
{
    vmex_program p;
    vmex_buf orig = {0}, enc = {0};
    vmex_layout def;
    mctx m;
    size_t n = 0;
    if (!(L = layout_or_default(L, &def)))
        return 0;
    vmex_program_init(&p);
    ctx_init(&m, &p, L, scratch, seed);
    if (st)
        st->calls++;
    if (vmex_decode(data, size, L, &p) || vmex_encode(&p, L, &orig))
        goto out;

    int minimize = max_size < size;
    for (int round = 0; round < 4; round++) {
        int nmut = minimize && chance(&m.r, 3, 4) ? 0 : 1;
        if (!minimize && chance(&m.r, 1, 3))
            nmut += 1 + (int)below(&m.r, 3);
        if (minimize && nmut == 0 && p.nops) {
            mut_delete(&m);                   /* shrinking: drop, and let fit() do the rest */
            if (st)
                st->applied[VMEX_MUT_DELETE]++;
        }
        for (int k = 0; k < nmut; k++)
            for (int attempt = 0; attempt < 8; attempt++) {
                int mu = pick_mutation(&m);
                if (mu == VMEX_MUT_SIZE_HOLE && !scratch)
                    continue;
                if (muts[mu](&m)) {
                    if (st)
                        st->applied[mu]++;
                    break;
                }
                if (m.oom)
                    goto out;
            }
        n = fit(&m, &enc, max_size, st);
        if (!n || enc.len != orig.len || memcmp(enc.p, orig.p, enc.len))
            break;
    }
    if (n && st && (enc.len != orig.len || memcmp(enc.p, orig.p, enc.len)))
        st->changed++;
    n = emit(&enc, n, data);
out:
    ctx_free(&m);
    vmex_buf_free(&orig);
    vmex_buf_free(&enc);
    vmex_program_free(&p);
    return n;
}

size_t vmex_mutate(uint8_t *data, size_t size, size_t max_size, unsigned seed, const vmex_layout *L,
                   vmex_model *scratch)
{
    return vmex_mutate_ex(data, size, max_size, seed, L, scratch, NULL);
}

/* ---------------------------------------------------------------- crossover */

/* Insert b's ops [i, i+len) into m->p at pos: what the run binds gets fresh
 * names; what it uses but does not bind maps to a handle live at pos. */
static int splice(mctx *m, const vmex_program *b, uint32_t i, uint32_t len, uint32_t pos)
{
    int32_t *map = b->nnames ? malloc(b->nnames * sizeof *map) : NULL;
    if (b->nnames && !map)
        return -1;
    for (uint32_t k = 0; k < b->nnames; k++)
        map[k] = -1;
    if (live_at(m, pos)) {
        free(map);
        return -1;
    }
    int rc = 0;
    for (uint32_t k = 0; k < len && !rc; k++) {
        vmex_op op = b->ops[i + k];
        if (vmex_op_uses(op.kind)) {
            if (name_ok(b, op.src) && map[op.src] >= 0)
                op.src = map[op.src];
            else {
                int want = op.kind == VMEX_OP_MUNMAP ? H_MAP : op.kind == VMEX_OP_TOUCH ? 0 : H_BLOCK;
                op.src = pick_live(m, want, -1);   /* -1: the encoder drops it */
            }
        }
        if (op.dst >= 0 && name_ok(b, op.dst)) {
            int32_t d = fresh_name(m);
            if (d < 0)
                rc = -1;
            map[op.dst] = d;
            op.dst = d;
        } else {
            op.dst = -1;
        }
        if (!rc && insert_op(m->p, pos + k, &op))
            rc = -1;
    }
    free(map);
    return rc;
}

size_t vmex_crossover_ex(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2, uint8_t *out,
                         size_t max_out, unsigned seed, const vmex_layout *L, vmex_mutate_stats *st)
{
    vmex_program a, b;
    vmex_buf enc = {0}, orig = {0};
    vmex_layout def;
    mctx m;
    size_t n = 0;
    if (!(L = layout_or_default(L, &def)))
        return 0;
    vmex_program_init(&a);
    vmex_program_init(&b);
    ctx_init(&m, &a, L, NULL, seed);
    if (st)
        st->calls++;
    if (vmex_decode(d1, s1, L, &a) || vmex_decode(d2, s2, L, &b) || vmex_encode(&a, L, &orig))
        goto out;
    if (b.nops) {
        uint32_t i = (uint32_t)below(&m.r, b.nops), len, pos;
        if (chance(&m.r, 1, 3) && a.nops) {
            /* a's prefix, b's suffix */
            pos = (uint32_t)below(&m.r, (uint64_t)a.nops + 1);
            a.nops = pos;
            len = b.nops - i;
        } else {
            len = 1 + (uint32_t)below(&m.r, MAX_SPLICE);
            if (len > b.nops - i)
                len = b.nops - i;
            pos = (uint32_t)below(&m.r, (uint64_t)a.nops + 1);
        }
        if (splice(&m, &b, i, len, pos))
            goto out;
        if (st)
            st->applied[VMEX_MUT_SPLICE]++;
    } else {
        for (int attempt = 0; attempt < 8; attempt++) {
            int mu = pick_mutation(&m);
            if (mu != VMEX_MUT_SIZE_HOLE && muts[mu](&m)) {
                if (st)
                    st->applied[mu]++;
                break;
            }
        }
    }
    n = emit(&enc, fit(&m, &enc, max_out, st), out);
    if (n && st && (enc.len != orig.len || memcmp(enc.p, orig.p, enc.len)))
        st->changed++;
out:
    ctx_free(&m);
    vmex_buf_free(&orig);
    vmex_buf_free(&enc);
    vmex_program_free(&a);
    vmex_program_free(&b);
    return n;
}

size_t vmex_crossover(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2, uint8_t *out,
                      size_t max_out, unsigned seed, const vmex_layout *L)
{
    return vmex_crossover_ex(d1, s1, d2, s2, out, max_out, seed, L, NULL);
}
