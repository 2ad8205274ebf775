/*
 * mutate.h - the mutator's insides, shared by its files (not installed;
 * the API is fuzz.h):
 *   mutctx.c     the context a call works in: its randomness, the program
 *                being edited, the names live at an op, the holes of the
 *                map at an op (run on the scratch model), sizes to try;
 *   mutations.c  the mutations, one function each, and how one is picked;
 *   mutate.c     vmex_mutate and vmex_crossover: decode, mutate or splice,
 *                and fit the canonical encoding into the size given.
 */
#ifndef VMEX_MUTATE_H
#define VMEX_MUTATE_H

#include "vmex.h"
#include "core/rng.h"

#define MAX_HOLES   65536u     /* holes kept per walk (the largest is always known) */
#define MAX_RUN     8u         /* ops in a duplicated or deleted run */
#define MAX_SPLICE  16u        /* ops in a spliced run */
#define MALLOC_MAX  (1ull << 26)

/* ---------------------------------------------------------------- randomness */
/* A splitmix64 stream seeded from the call's seed: the only randomness. */
typedef struct rng { uint64_t s; } rng;

/* uniform in [0, n); 0 when n is 0 */
static inline uint64_t below(rng *r, uint64_t n)
{
    return vmex_splitmix_below(&r->s, n);
}

static inline int chance(rng *r, unsigned num, unsigned den)
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

void mctx_init(mctx *m, vmex_program *p, const vmex_layout *L, vmex_model *scratch, unsigned seed);
void mctx_free(mctx *m);

/* program edits */
int mctx_insert_op(vmex_program *p, uint32_t pos, const vmex_op *op);   /* 0 or -1 */
void mctx_delete_ops(vmex_program *p, uint32_t pos, uint32_t n);
int32_t mctx_fresh_name(mctx *m);                                     /* -1 out of memory */

/* live names */
int mctx_consumes(const vmex_op *op);                /* a kept use that ends its handle */
int mctx_name_ok(const vmex_program *p, int32_t id);
int mctx_live_at(mctx *m, uint32_t at);              /* into m->lv; 0 or -1 */
int mctx_handle_kind(const mctx *m, uint32_t name);  /* H_MAP or H_BLOCK */
int32_t mctx_pick_live(mctx *m, int want, int32_t avoid);

/* holes of the map */
int mctx_holes_at(mctx *m, uint32_t at);             /* 0, or -1 without a scratch model */
void mctx_pick_hole(mctx *m, uint64_t *lo, uint64_t *hi);
uint64_t mctx_hole_size(mctx *m, uint32_t at);
uint64_t mctx_pick_addr(mctx *m, uint32_t at, uint64_t size, uint64_t align);

/* sizes and ops */
extern const uint64_t mctx_class_edges[3];
uint64_t mctx_max_map(const mctx *m);
uint64_t mctx_random_map_size(mctx *m);
uint64_t mctx_random_malloc_size(mctx *m);
int mctx_sized(int kind);
int mctx_is_map(int kind);
uint64_t mctx_fix_size(const mctx *m, int kind, uint64_t s);
int32_t mctx_find_op(mctx *m, unsigned mask);        /* a random op of a kind in mask; -1 */

#define K(x) (1u << (x))
#define SIZED_KINDS (K(VMEX_OP_MMAP) | K(VMEX_OP_VM_ALLOCATE) | K(VMEX_OP_MALLOC) | K(VMEX_OP_REALLOC) | K(VMEX_OP_CHECK) | \
                     JSC_SIZED_KINDS)
/* the JavaScriptCore ops with a size (bytes) or a count (objects, props) */
#define JSC_SIZED_KINDS (K(VMEX_OP_ARRAYBUFFER) | K(VMEX_OP_STRING) | K(VMEX_OP_ARRAY) | K(VMEX_OP_OBJECTS) | \
                         K(VMEX_OP_PROPS) | K(VMEX_OP_EVAL))
#define USE_KINDS (K(VMEX_OP_REALLOC) | K(VMEX_OP_FREE) | K(VMEX_OP_MUNMAP) | K(VMEX_OP_TOUCH) | K(VMEX_OP_RELEASE))

static inline uint64_t floor_pow2(uint64_t x)
{
    return x ? 1ull << (63 - __builtin_clzll(x)) : 0;
}

/* ---------------------------------------------------------------- mutations.c */
/* Each returns 1 when it changed the program, 0 when it did not apply. */
int mut_delete(mctx *m);
int mut_apply(mctx *m, int kind);   /* kind: enum vmex_mutation, not SPLICE or SHRINK */
int mut_pick(mctx *m);              /* a kind, by weight */

#endif
