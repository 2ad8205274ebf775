/*
 * internal.h - cross-file internals of the vmex library (not installed).
 *
 * The VA store is the map of one address space: entries (mapped ranges with
 * attributes), the holes between them, and the dirty pages.  Two stores
 * implement the same table of operations: the fast one (balanced trees,
 * O(log n) first fit) and the naive one (sorted arrays, O(n)), which is the
 * reference the fast one is tested against.  Everything above the store
 * (XNU placement rules, libmalloc, the oracle) is shared by both, so a
 * difference between them can only be a store bug.
 */
#ifndef VMEX_INTERNAL_H
#define VMEX_INTERNAL_H

#include <stdarg.h>

#include "vmex.h"

#define VMEX_ALIGN_UP(x, a)   (((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define VMEX_ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define VMEX_IS_POW2(x)       ((x) != 0 && ((x) & ((x) - 1)) == 0)

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

/* bench.c: `vmex bench [--json]` (argv[0] is "bench"); returns an exit status */
int _vmex_bench_main(int argc, char **argv);

/* xnu.c: libmalloc's size classes as the model has them (xnu-model.md §5;
 * the block counts from libmalloc's magazine_zone.h).  Index 0 nano, 1
 * tiny, 2 small; a malloc above VMEX_MALLOC_LARGE is a large block. */
#define VMEX_MALLOC_LARGE (15 * 1024)
typedef struct vmex_malloc_class {
    const char *name;
    uint8_t tag;              /* VM tag of its regions */
    uint64_t quantum, max;    /* block granularity; the largest block */
    uint64_t region, usable;  /* region size (and alignment), usable bytes; 0 for nano */
} vmex_malloc_class;
extern const vmex_malloc_class _vmex_malloc_classes[3];

/* lex.c: the line lexer of the text formats (see lex.c for the rules) */
#define VMEX_LEX_LINE 4096   /* bytes in a line, without the LF */
#define VMEX_LEX_TOKS 64     /* words in a line */
typedef struct vmex_tok { const char *s; int len, col; } vmex_tok;
typedef struct vmex_lexer {
    vmex_error *err;         /* where errors go (line, column, message) */
    int line;                /* 1-based number of the current line */
    int nt;                  /* tokens of the current line */
    vmex_tok t[VMEX_LEX_TOKS];
    char buf[VMEX_LEX_LINE + 1];
} vmex_lexer;
/* Split text into lines and tokens, calling on_line(ctx) for every line
 * with at least one token; stops at the first nonzero return. */
int _vmex_lex(vmex_lexer *lx, const char *text, size_t len, int (*on_line)(void *ctx), void *ctx);
int _vmex_lex_fail(vmex_lexer *lx, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int _vmex_lex_vfail(vmex_lexer *lx, int col, const char *fmt, va_list ap);

/* xnu.c: set what vmex_model_error(m) and vmex_model_unavailable(m) say */
void _vmex_model_set_error(vmex_model *m, const char *msg, int unavailable);

/* linux.c: target linux, through the executor (exec/proto.h) */
struct vmex_linux;
/* _vmex_linux_run: 0, -1 with err, or -2 with err when the executor cannot
 * start on this machine (not built, no memfd, confinement refused) */
int  _vmex_linux_run(struct vmex_linux **x, const vmex_layout *L, const vmex_program *p, const vmex_runopts *o,
                     vmex_result *res, char *err, size_t errn);
void _vmex_linux_free(struct vmex_linux *x);
void _vmex_linux_stats(const struct vmex_linux *x, vmex_stats *st);
void _vmex_linux_walk(const struct vmex_linux *x, vmex_entry_fn cb, void *ctx);
/* the running executor's kernel facts and the last run's time; -1 when none runs */
int  _vmex_linux_info(const struct vmex_linux *x, uint32_t *thp, uint32_t *max_map_count, uint64_t *run_ns);

/* profile.c */
int _vmex_profile_parse(const char *name, uint32_t *version_x10, uint32_t *ram_gb);

#endif
