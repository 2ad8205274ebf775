/*
 * ivtree.c - a set of disjoint intervals in a treap.
 *
 * Keyed by interval start; every node also holds the longest interval of
 * its subtree, so "the lowest interval at or above X that can hold N bytes
 * at alignment A" is a single descent (O(log n) expected).  Priorities come
 * from a per-tree xorshift reset by clear(), and freed nodes go to a free
 * list, so the shape of the tree is a pure function of the operations:
 * runs are deterministic.  Nodes live in one growable arena addressed by
 * 32-bit indices; clear() empties it without freeing anything.
 *
 * Aborts (out of memory) only when the arena cannot grow.
 */
#include "core/core.h"
#include "model/store.h"

#include <stdlib.h>
#include <string.h>

#define V (t->v)

static uint32_t rng_next(vmex_ivtree *t)
{
    uint32_t x = t->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return t->rng = x;
}

void _vmex_ivt_init(vmex_ivtree *t)
{
    memset(t, 0, sizeof *t);
    _vmex_ivt_clear(t);
}

void _vmex_ivt_free(vmex_ivtree *t)
{
    free(t->v);
    memset(t, 0, sizeof *t);
}

void _vmex_ivt_clear(vmex_ivtree *t)
{
    t->n = 1;               /* node 0 is nil */
    t->freel = 0;
    t->root = 0;
    t->rng = 0x9E3779B9u;
    t->count = 0;
    t->sum = 0;
    if (t->v) memset(&t->v[0], 0, sizeof t->v[0]);
}

static uint32_t node_new(vmex_ivtree *t, uint64_t lo, uint64_t hi, uint32_t attr)
{
    uint32_t x;
    if (t->freel) {
        x = t->freel;
        t->freel = V[x].l;
    } else {
        if (t->n >= t->cap) {
            uint32_t cap = t->cap ? t->cap * 2 : 1024;
            vmex_ivnode *nv = realloc(t->v, (size_t)cap * sizeof *nv);
            if (!nv) VMEX_FATAL("out of memory growing an interval tree");
            if (!t->v) memset(&nv[0], 0, sizeof nv[0]);
            t->v = nv;
            t->cap = cap;
        }
        x = t->n++;
    }
    V[x] = (vmex_ivnode){lo, hi, hi - lo, 0, 0, rng_next(t), attr};
    t->count++;
    t->sum += hi - lo;
    return x;
}

static void node_free(vmex_ivtree *t, uint32_t x)
{
    t->count--;
    t->sum -= V[x].hi - V[x].lo;
    V[x].l = t->freel;
    t->freel = x;
}

static inline void pull(vmex_ivtree *t, uint32_t x)
{
    uint64_t m = V[x].hi - V[x].lo, a = V[V[x].l].maxlen, b = V[V[x].r].maxlen;
    if (a > m) m = a;
    if (b > m) m = b;
    V[x].maxlen = m;
}

/* l: nodes with lo < key; r: the rest */
static void split(vmex_ivtree *t, uint32_t x, uint64_t key, uint32_t *l, uint32_t *r)
{
    if (!x) {
        *l = *r = 0;
        return;
    }
    if (V[x].lo < key) {
        uint32_t a, b;
        split(t, V[x].r, key, &a, &b);
        V[x].r = a;
        *l = x;
        *r = b;
    } else {
        uint32_t a, b;
        split(t, V[x].l, key, &a, &b);
        V[x].l = b;
        *l = a;
        *r = x;
    }
    pull(t, x);
}

static uint32_t merge(vmex_ivtree *t, uint32_t a, uint32_t b)
{
    if (!a) return b;
    if (!b) return a;
    if (V[a].pri > V[b].pri) {
        V[a].r = merge(t, V[a].r, b);
        pull(t, a);
        return a;
    }
    V[b].l = merge(t, a, V[b].l);
    pull(t, b);
    return b;
}

/* Descents record their path so the subtree maxima can be fixed bottom-up
 * without recursion.  A treap deeper than PATH_MAX (astronomically
 * unlikely: expected depth is ~3 ln n) falls back to a full recompute. */
#define PATH_MAX_DEPTH 256

/* Pull the nodes of path[0..depth) bottom-up.  The structure above the
 * deepest one is unchanged, so once a node's maximum stays the same, its
 * ancestors' do too. */
static void pull_path(vmex_ivtree *t, const uint32_t *path, int depth)
{
    while (depth-- > 0) {
        uint64_t old = V[path[depth]].maxlen;
        pull(t, path[depth]);
        if (V[path[depth]].maxlen == old) return;
    }
}

static void pull_all(vmex_ivtree *t, uint32_t x)
{
    if (!x) return;
    pull_all(t, V[x].l);
    pull_all(t, V[x].r);
    pull(t, x);
}

/* link child c where the descent ended: below path[depth-1], or as root */
static void relink(vmex_ivtree *t, const uint32_t *path, int depth, uint64_t key, uint32_t c)
{
    if (!depth) t->root = c;
    else if (key < V[path[depth - 1]].lo) V[path[depth - 1]].l = c;
    else V[path[depth - 1]].r = c;
}

static void insert_node(vmex_ivtree *t, uint32_t n)
{
    uint32_t path[PATH_MAX_DEPTH], x = t->root;
    int depth = 0;
    uint64_t key = V[n].lo;
    while (x && V[x].pri >= V[n].pri) {
        if (depth == PATH_MAX_DEPTH) { /* degenerate: split/merge the whole tree */
            uint32_t a, b;
            split(t, t->root, key, &a, &b);
            t->root = merge(t, merge(t, a, n), b);
            return;
        }
        path[depth++] = x;
        x = key < V[x].lo ? V[x].l : V[x].r;
    }
    uint32_t a, b;
    split(t, x, key, &a, &b);
    V[n].l = a;
    V[n].r = b;
    pull(t, n);
    relink(t, path, depth, key, n);
    pull_path(t, path, depth);
}

void _vmex_ivt_insert(vmex_ivtree *t, uint64_t lo, uint64_t hi, uint32_t attr)
{
    if (hi <= lo) return;
    insert_node(t, node_new(t, lo, hi, attr));
}

/* node with the greatest lo <= x, or 0 */
static uint32_t find_le(const vmex_ivtree *t, uint64_t x)
{
    uint32_t c = t->root, best = 0;
    while (c) {
        if (V[c].lo <= x) {
            best = c;
            c = V[c].r;
        } else
            c = V[c].l;
    }
    return best;
}

uint32_t _vmex_ivt_find(const vmex_ivtree *t, uint64_t x)
{
    uint32_t c = find_le(t, x);
    return c && V[c].hi > x ? c : 0;
}

uint32_t _vmex_ivt_first_above(const vmex_ivtree *t, uint64_t x)
{
    uint32_t c = t->root, best = 0;
    while (c) {
        if (V[c].hi > x) {
            best = c;
            c = V[c].l;
        } else
            c = V[c].r;
    }
    return best;
}

static int fit_rec(const vmex_ivtree *t, uint32_t x, uint64_t from, uint64_t size, uint64_t align,
                   uint64_t *addr)
{
    while (x && V[x].maxlen >= size) {
        /* nodes left of x end at or below V[x].lo: useful only if above from */
        if (V[x].lo > from && fit_rec(t, V[x].l, from, size, align, addr)) return 1;
        if (V[x].hi > from && V[x].hi - V[x].lo >= size) {
            uint64_t s = VMEX_ALIGN_UP(V[x].lo > from ? V[x].lo : from, align);
            if (s + size <= V[x].hi) {
                *addr = s;
                return 1;
            }
        }
        x = V[x].r;
    }
    return 0;
}

int _vmex_ivt_fit(const vmex_ivtree *t, uint64_t from, uint64_t size, uint64_t align, uint64_t *addr)
{
    return fit_rec(t, t->root, from, size, align, addr);
}

/* the mirror of fit_rec: right subtree first, then the node, then left */
static int fit_top_rec(const vmex_ivtree *t, uint32_t x, uint64_t size, uint64_t align, uint64_t *addr)
{
    while (x && V[x].maxlen >= size) {
        if (fit_top_rec(t, V[x].r, size, align, addr)) return 1;
        if (V[x].hi - V[x].lo >= size) {
            uint64_t s = VMEX_ALIGN_DOWN(V[x].hi - size, align);
            if (s >= V[x].lo) {
                *addr = s;
                return 1;
            }
        }
        x = V[x].l;
    }
    return 0;
}

int _vmex_ivt_fit_top(const vmex_ivtree *t, uint64_t size, uint64_t align, uint64_t *addr)
{
    return fit_top_rec(t, t->root, size, align, addr);
}

/* recompute maxlen on the path to the node keyed `key` */
static void fix_path(vmex_ivtree *t, uint64_t key)
{
    uint32_t path[PATH_MAX_DEPTH], x = t->root;
    int depth = 0;
    while (x) {
        if (depth == PATH_MAX_DEPTH) {
            pull_all(t, t->root);
            return;
        }
        path[depth++] = x;
        if (key == V[x].lo) break;
        x = key < V[x].lo ? V[x].l : V[x].r;
    }
    pull_path(t, path, depth);
}

/* One descent toward `key`, recording the path.  The search path of a key
 * passes through its floor (greatest lo <= key) and its ceiling (least
 * lo > key): their depths in the path are returned (0 = absent), so the
 * caller can modify or erase either and fix only that prefix. */
typedef struct descent {
    uint32_t path[PATH_MAX_DEPTH];
    int depth, le, gt;   /* le/gt: 1-based positions in path, 0 if none */
} descent;

static int descend(const vmex_ivtree *t, uint64_t key, descent *d)
{
    uint32_t x = t->root;
    d->depth = d->le = d->gt = 0;
    while (x) {
        if (d->depth == PATH_MAX_DEPTH) return -1;
        d->path[d->depth++] = x;
        if (V[x].lo <= key) {   /* no early stop on equality: the ceiling may lie below */
            d->le = d->depth;
            x = V[x].r;
        } else {
            d->gt = d->depth;
            x = V[x].l;
        }
    }
    return 0;
}

/* erase the node at (1-based) position pos of a recorded path */
static void erase_at(vmex_ivtree *t, const descent *d, int pos)
{
    uint32_t x = d->path[pos - 1];
    uint64_t key = V[x].lo;
    uint32_t m = merge(t, V[x].l, V[x].r);
    node_free(t, x);
    relink(t, d->path, pos - 1, key, m);
    pull_path(t, d->path, pos - 1);
}

static void free_subtree(vmex_ivtree *t, uint32_t x, uint64_t lo, uint64_t hi, vmex_iv_fn cb, void *ctx)
{
    while (x) {
        free_subtree(t, V[x].l, lo, hi, cb, ctx);
        uint32_t r = V[x].r;
        if (cb) {
            uint64_t a = V[x].lo > lo ? V[x].lo : lo, b = V[x].hi < hi ? V[x].hi : hi;
            if (a < b) cb(ctx, a, b, V[x].attr);
        }
        node_free(t, x);
        x = r;
    }
}

void _vmex_ivt_cut(vmex_ivtree *t, uint64_t lo, uint64_t hi, vmex_iv_fn cb, void *ctx)
{
    if (hi <= lo) return;
    /* fast paths: nothing to cut, or [lo, hi) inside one interval */
    descent d;
    if (descend(t, lo, &d) == 0) {
        int pos = d.le && V[d.path[d.le - 1]].hi > lo ? d.le : d.gt;
        uint32_t f = pos ? d.path[pos - 1] : 0;
        if (!f || V[f].lo >= hi) return;
        if (V[f].lo <= lo && V[f].hi >= hi) {
            uint64_t flo = V[f].lo, fhi = V[f].hi;
            uint32_t attr = V[f].attr;
            if (cb) cb(ctx, lo, hi, attr);
            if (flo == lo && fhi == hi) {
                erase_at(t, &d, pos);
            } else if (flo == lo) {    /* the key moves up; the order cannot change */
                V[f].lo = hi;
                t->sum -= hi - lo;
                pull_path(t, d.path, pos);
            } else {
                V[f].hi = lo;
                t->sum -= fhi - lo;
                pull_path(t, d.path, pos);
                if (fhi > hi) _vmex_ivt_insert(t, hi, fhi, attr);
            }
            return;
        }
    }
    /* the intervals straddling the edges keep their outer pieces */
    uint32_t p = find_le(t, lo), q = find_le(t, hi - 1);
    int keep_left = p && V[p].lo < lo && V[p].hi > lo;
    int keep_right = q && V[q].hi > hi;
    vmex_ivnode left = keep_left ? V[p] : (vmex_ivnode){0};
    vmex_ivnode right = keep_right ? V[q] : (vmex_ivnode){0};
    uint64_t from = keep_left ? left.lo : lo;
    uint32_t a, b, m, c;
    split(t, t->root, from, &a, &b);
    split(t, b, hi, &m, &c);
    free_subtree(t, m, lo, hi, cb, ctx);
    t->root = merge(t, a, c);
    if (keep_left) _vmex_ivt_insert(t, left.lo, lo, left.attr);
    if (keep_right) _vmex_ivt_insert(t, hi, right.hi, right.attr);
}

void _vmex_ivt_unite(vmex_ivtree *t, uint64_t lo, uint64_t hi)
{
    if (hi <= lo) return;
    descent d;
    if (descend(t, lo, &d)) d.le = d.gt = -1;
    uint32_t p = d.le > 0 ? d.path[d.le - 1] : 0, r = d.gt > 0 ? d.path[d.gt - 1] : 0;
    if (d.le >= 0 && (!r || V[r].lo >= hi)) {  /* fast path: at most p before and r right after */
        int left = p && V[p].hi >= lo, right = r && V[r].lo == hi;
        if (left && V[p].hi >= hi) return;   /* already inside p */
        if (left && right) {
            uint64_t rhi = V[r].hi, plo = V[p].lo;
            erase_at(t, &d, d.gt);          /* may reshape p's subtree: fix p by key */
            t->sum += rhi - V[p].hi;        /* erase_at already took r out of the sum */
            V[p].hi = rhi;
            fix_path(t, plo);
        } else if (left) {
            t->sum += hi - V[p].hi;
            V[p].hi = hi;
            pull_path(t, d.path, d.le);
        } else if (right) {
            t->sum += hi - lo;
            V[r].lo = lo;
            pull_path(t, d.path, d.gt);
        } else
            _vmex_ivt_insert(t, lo, hi, 0);
        return;
    }
    p = find_le(t, lo);
    uint32_t q = find_le(t, hi);
    uint64_t nlo = lo, nhi = hi;
    if (p && V[p].hi >= lo) nlo = V[p].lo;
    if (q && V[q].hi > nhi) nhi = V[q].hi;
    uint32_t a, b, m, c;
    split(t, t->root, nlo, &a, &b);
    split(t, b, hi + 1, &m, &c);  /* every node starting in [nlo, hi] merges */
    free_subtree(t, m, 0, 0, NULL, NULL);
    t->root = merge(t, a, c);
    _vmex_ivt_insert(t, nlo, nhi, 0);
}

static void walk_rec(const vmex_ivtree *t, uint32_t x, uint64_t lo, uint64_t hi, vmex_iv_fn cb, void *ctx)
{
    while (x) {
        if (V[x].lo > lo) walk_rec(t, V[x].l, lo, hi, cb, ctx);
        if (V[x].lo >= hi) return;
        if (V[x].hi > lo) cb(ctx, V[x].lo, V[x].hi, V[x].attr);
        x = V[x].r;
    }
}

void _vmex_ivt_walk(const vmex_ivtree *t, uint64_t lo, uint64_t hi, vmex_iv_fn cb, void *ctx)
{
    walk_rec(t, t->root, lo, hi, cb, ctx);
}

/* ------------------------------------------------------------ validation */
static int check_rec(const vmex_ivtree *t, uint32_t x, uint64_t lo_bound, uint64_t hi_bound, uint32_t depth,
                     uint32_t *count, uint64_t *sum)
{
    if (!x) return 0;
    if (depth > t->n || x >= t->n) return -1;   /* a cycle or a stray index */
    const vmex_ivnode *v = &V[x];
    if (v->lo >= v->hi || v->lo < lo_bound || v->hi > hi_bound) return -1;
    if ((v->l && V[v->l].pri > v->pri) || (v->r && V[v->r].pri > v->pri)) return -1;
    uint64_t m = v->hi - v->lo;
    if (v->l && V[v->l].maxlen > m) m = V[v->l].maxlen;
    if (v->r && V[v->r].maxlen > m) m = V[v->r].maxlen;
    if (m != v->maxlen) return -1;
    (*count)++;
    *sum += v->hi - v->lo;
    if (check_rec(t, v->l, lo_bound, v->lo, depth + 1, count, sum)) return -1;
    return check_rec(t, v->r, v->hi, hi_bound, depth + 1, count, sum);
}

int _vmex_ivt_check(const vmex_ivtree *t)
{
    uint32_t count = 0;
    uint64_t sum = 0;
    if (check_rec(t, t->root, 0, UINT64_MAX, 0, &count, &sum)) return -1;
    return count == t->count && sum == t->sum ? 0 : -1;
}
