/*
 * store.h - the VA store: the map of one address space (not installed).
 *
 * Entries (mapped ranges with attributes), the holes between them, and the
 * dirty pages.  Two stores implement the same table of operations: the fast
 * one (balanced trees, O(log n) first fit) and the naive one (sorted
 * arrays, O(n)), which is the reference the fast one is tested against.
 * Everything above the store (XNU placement rules, libmalloc, the oracle)
 * is shared by both, so a difference between them can only be a store bug.
 */
#ifndef VMEX_STORE_H
#define VMEX_STORE_H

#include "core/core.h"

/* Entry attributes, packed in 32 bits. */
#define VMEX_ATTR(kind, tag, prot) ((uint32_t)(tag) | ((uint32_t)(kind) << 8) | ((uint32_t)(prot) << 12))
#define VMEX_ATTR_TAG(a)  ((int)((a) & 0xff))
#define VMEX_ATTR_KIND(a) ((int)(((a) >> 8) & 0xf))
#define VMEX_ATTR_PROT(a) ((int)(((a) >> 12) & 0x3))
#define VMEX_ATTR_IS_APP(a) (VMEX_ATTR_KIND(a) <= VMEX_R_MALLOC)   /* counts as mapped */

typedef struct vmex_store vmex_store;
typedef void (*vmex_store_entry_fn)(void *ctx, uint64_t start, uint64_t end, uint32_t attr);

typedef struct vmex_store_vt {
    const char *name;
    vmex_store *(*create)(void);
    void (*destroy)(vmex_store *s);
    /* Forget everything: [lo, hi) is one hole, nothing is mapped or dirty.
     * Allocates nothing per entry (arenas are kept). */
    void (*reset)(vmex_store *s, uint64_t lo, uint64_t hi);
    /* First fit: the lowest a >= from with a % align == 0 and [a, a+size)
     * inside one hole (so a+size <= hi).  align is a power of two >= page.
     * Returns 0 and *addr, or -1. */
    int  (*fit)(vmex_store *s, uint64_t from, uint64_t size, uint64_t align, uint64_t *addr);
    /* Top-down fit (Linux): the highest a with a % align == 0 and
     * [a, a+size) inside one hole.  Returns 0 and *addr, or -1. */
    int  (*fit_top)(vmex_store *s, uint64_t size, uint64_t align, uint64_t *addr);
    int  (*is_free)(const vmex_store *s, uint64_t start, uint64_t size);    /* wholly in one hole */
    int  (*is_mapped)(const vmex_store *s, uint64_t start, uint64_t size);  /* no hole inside; inside [lo,hi) */
    /* Map one entry over [start, start+size); the range must be free. */
    void (*insert)(vmex_store *s, uint64_t start, uint64_t size, uint32_t attr);
    /* Unmap [start, start+size) ∩ [lo, hi): entries are cut at the edges,
     * holes coalesce, dirty pages in the range are forgotten. */
    void (*remove)(vmex_store *s, uint64_t start, uint64_t size);
    /* Dirty the pages of [start, start+size) (page-aligned; must be mapped). */
    void (*touch)(vmex_store *s, uint64_t start, uint64_t size);
    /* free = sum of holes, largest hole, mapped = bytes of VMEX_R_APP entries,
     * (mapped: kinds VMEX_R_APP and VMEX_R_MALLOC), footprint = dirty bytes, entries = all entries, holes = hole count. */
    void (*stats)(const vmex_store *s, vmex_stats *st);
    /* the entries overlapping [lo, hi), in address order, unclipped */
    void (*walk)(const vmex_store *s, uint64_t lo, uint64_t hi, vmex_store_entry_fn cb, void *ctx);
} vmex_store_vt;

/* ivtree.c: a set of disjoint intervals [lo, hi) in a treap keyed by lo,
 * each node holding the longest interval of its subtree.  Nodes live in an
 * index arena (node 0 is nil) that clear() empties without freeing. */
typedef struct vmex_ivnode {
    uint64_t lo, hi, maxlen;
    uint32_t l, r, pri, attr;
} vmex_ivnode;
typedef struct vmex_ivtree {
    vmex_ivnode *v;
    uint32_t n, cap, freel, root, rng, count;
    uint64_t sum;           /* total length of the intervals */
} vmex_ivtree;
typedef void (*vmex_iv_fn)(void *ctx, uint64_t lo, uint64_t hi, uint32_t attr);

void     _vmex_ivt_init(vmex_ivtree *t);
void     _vmex_ivt_free(vmex_ivtree *t);
void     _vmex_ivt_clear(vmex_ivtree *t);
uint32_t _vmex_ivt_find(const vmex_ivtree *t, uint64_t x);        /* node containing x, or 0 */
uint32_t _vmex_ivt_first_above(const vmex_ivtree *t, uint64_t x); /* lowest node with hi > x, or 0 */
/* lowest aligned a >= from with [a, a+size) inside one interval */
int      _vmex_ivt_fit(const vmex_ivtree *t, uint64_t from, uint64_t size, uint64_t align, uint64_t *addr);
/* highest aligned a with [a, a+size) inside one interval */
int      _vmex_ivt_fit_top(const vmex_ivtree *t, uint64_t size, uint64_t align, uint64_t *addr);
/* add [lo, hi), which must not overlap the set (no coalescing) */
void     _vmex_ivt_insert(vmex_ivtree *t, uint64_t lo, uint64_t hi, uint32_t attr);
/* remove [lo, hi) from the set, cutting intervals at the edges; removed
 * pieces (clipped to [lo, hi)) are reported to cb when non-NULL */
void     _vmex_ivt_cut(vmex_ivtree *t, uint64_t lo, uint64_t hi, vmex_iv_fn cb, void *ctx);
/* add [lo, hi), coalescing with overlapping and adjacent intervals (attr 0) */
void     _vmex_ivt_unite(vmex_ivtree *t, uint64_t lo, uint64_t hi);
/* the intervals overlapping [lo, hi), in order, unclipped */
void     _vmex_ivt_walk(const vmex_ivtree *t, uint64_t lo, uint64_t hi, vmex_iv_fn cb, void *ctx);
/* 0 when the tree is well formed: order, disjointness, heap priorities,
 * subtree maxima, count and sum (tests and debug builds) */
int      _vmex_ivt_check(const vmex_ivtree *t);
static inline uint64_t _vmex_ivt_maxlen(const vmex_ivtree *t) { return t->root ? t->v[t->root].maxlen : 0; }

extern const vmex_store_vt vmex_store_fast;
extern const vmex_store_vt vmex_store_naive;

#endif
