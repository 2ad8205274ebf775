/*
 * store_naive.c - the reference VA store: sorted arrays, O(n) everything.
 *
 * Holes are never stored: they are the gaps between sorted entries, found
 * by scanning.  Dirty pages are a sorted array of disjoint ranges rebuilt
 * on every change.  It shares no code with store_fast.c on purpose: it is
 * the independent model the fast store is checked against.
 */
#include "core/core.h"
#include "model/store.h"

#include <stdlib.h>
#include <string.h>

typedef struct { uint64_t lo, hi; uint32_t attr; } range;
typedef struct { range *v; size_t n, cap; } vec;

struct vmex_store {
    vec ent, dirty, tmp;
    uint64_t lo, hi;
};

static void vec_push(vec *a, uint64_t lo, uint64_t hi, uint32_t attr)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 256;
        range *nv = realloc(a->v, cap * sizeof *nv);
        if (!nv) VMEX_FATAL("out of memory growing the naive store");
        a->v = nv;
        a->cap = cap;
    }
    a->v[a->n++] = (range){lo, hi, attr};
}

static vmex_store *naive_create(void) { return calloc(1, sizeof(vmex_store)); }

static void naive_destroy(vmex_store *s)
{
    if (!s) return;
    free(s->ent.v);
    free(s->dirty.v);
    free(s->tmp.v);
    free(s);
}

static void naive_reset(vmex_store *s, uint64_t lo, uint64_t hi)
{
    s->ent.n = s->dirty.n = 0;
    s->lo = lo;
    s->hi = hi;
}

/* gap i: between entry i-1 and entry i (gap 0 starts at lo, gap n ends at hi) */
static int gap(const vmex_store *s, size_t i, uint64_t *glo, uint64_t *ghi)
{
    *glo = i == 0 ? s->lo : s->ent.v[i - 1].hi;
    *ghi = i == s->ent.n ? s->hi : s->ent.v[i].lo;
    return *ghi > *glo;
}

static int naive_fit(vmex_store *s, uint64_t from, uint64_t size, uint64_t align, uint64_t *addr)
{
    for (size_t i = 0; i <= s->ent.n; i++) {
        uint64_t glo, ghi;
        if (!gap(s, i, &glo, &ghi) || ghi <= from) continue;
        uint64_t a = glo > from ? glo : from;
        a = (a + align - 1) / align * align;
        if (a >= glo && a + size <= ghi) {
            *addr = a;
            return 0;
        }
    }
    return -1;
}

static int naive_fit_top(vmex_store *s, uint64_t size, uint64_t align, uint64_t *addr)
{
    for (size_t i = s->ent.n + 1; i-- > 0;) {
        uint64_t glo, ghi;
        if (!gap(s, i, &glo, &ghi) || ghi - glo < size) continue;
        uint64_t a = (ghi - size) / align * align;
        if (a >= glo) {
            *addr = a;
            return 0;
        }
    }
    return -1;
}

static int naive_is_free(const vmex_store *s, uint64_t start, uint64_t size)
{
    if (start < s->lo || start + size > s->hi) return 0;
    for (size_t i = 0; i < s->ent.n; i++)
        if (s->ent.v[i].lo < start + size && s->ent.v[i].hi > start) return 0;
    return 1;
}

static int naive_is_mapped(const vmex_store *s, uint64_t start, uint64_t size)
{
    if (start < s->lo || start + size > s->hi) return 0;
    uint64_t at = start, end = start + size;
    for (size_t i = 0; i < s->ent.n && at < end; i++) {
        if (s->ent.v[i].hi <= at) continue;
        if (s->ent.v[i].lo > at) return 0;
        at = s->ent.v[i].hi;
    }
    return at >= end;
}

static void naive_insert(vmex_store *s, uint64_t start, uint64_t size, uint32_t attr)
{
    size_t i = 0;
    while (i < s->ent.n && s->ent.v[i].lo < start) i++;
    vec_push(&s->ent, 0, 0, 0);
    memmove(&s->ent.v[i + 1], &s->ent.v[i], (s->ent.n - 1 - i) * sizeof(range));
    s->ent.v[i] = (range){start, start + size, attr};
}

/* keep the parts of every range outside [a, b) */
static void subtract(vec *v, vec *tmp, uint64_t a, uint64_t b)
{
    tmp->n = 0;
    for (size_t i = 0; i < v->n; i++) {
        range r = v->v[i];
        if (r.hi <= a || r.lo >= b) {
            vec_push(tmp, r.lo, r.hi, r.attr);
            continue;
        }
        if (r.lo < a) vec_push(tmp, r.lo, a, r.attr);
        if (r.hi > b) vec_push(tmp, b, r.hi, r.attr);
    }
    vec t = *v;
    *v = *tmp;
    *tmp = t;
}

static void naive_remove(vmex_store *s, uint64_t start, uint64_t size)
{
    uint64_t a = start > s->lo ? start : s->lo, b = start + size < s->hi ? start + size : s->hi;
    if (a >= b) return;
    subtract(&s->ent, &s->tmp, a, b);
    subtract(&s->dirty, &s->tmp, a, b);
}

static void naive_touch(vmex_store *s, uint64_t start, uint64_t size)
{
    /* insert in order, then merge overlapping or adjacent ranges */
    uint64_t lo = start, hi = start + size;
    s->tmp.n = 0;
    int placed = 0;
    for (size_t i = 0; i < s->dirty.n; i++) {
        if (!placed && s->dirty.v[i].lo > lo) {
            vec_push(&s->tmp, lo, hi, 0);
            placed = 1;
        }
        vec_push(&s->tmp, s->dirty.v[i].lo, s->dirty.v[i].hi, 0);
    }
    if (!placed) vec_push(&s->tmp, lo, hi, 0);
    s->dirty.n = 0;
    for (size_t i = 0; i < s->tmp.n; i++) {
        range r = s->tmp.v[i];
        if (s->dirty.n && s->dirty.v[s->dirty.n - 1].hi >= r.lo) {
            if (r.hi > s->dirty.v[s->dirty.n - 1].hi) s->dirty.v[s->dirty.n - 1].hi = r.hi;
        } else
            vec_push(&s->dirty, r.lo, r.hi, 0);
    }
}

static void naive_stats(const vmex_store *s, vmex_stats *st)
{
    *st = (vmex_stats){0};
    for (size_t i = 0; i <= s->ent.n; i++) {
        uint64_t glo, ghi;
        if (!gap(s, i, &glo, &ghi)) continue;
        st->free += ghi - glo;
        st->holes++;
        if (ghi - glo > st->largest) st->largest = ghi - glo;
    }
    for (size_t i = 0; i < s->ent.n; i++)
        if (VMEX_ATTR_IS_APP(s->ent.v[i].attr)) st->mapped += s->ent.v[i].hi - s->ent.v[i].lo;
    for (size_t i = 0; i < s->dirty.n; i++) st->footprint += s->dirty.v[i].hi - s->dirty.v[i].lo;
    st->entries = (uint32_t)s->ent.n;
}

static void naive_walk(const vmex_store *s, uint64_t lo, uint64_t hi, vmex_store_entry_fn cb, void *ctx)
{
    for (size_t i = 0; i < s->ent.n; i++)
        if (s->ent.v[i].lo < hi && s->ent.v[i].hi > lo) cb(ctx, s->ent.v[i].lo, s->ent.v[i].hi, s->ent.v[i].attr);
}

const vmex_store_vt vmex_store_naive = {
    "naive", naive_create, naive_destroy, naive_reset, naive_fit, naive_fit_top, naive_is_free, naive_is_mapped,
    naive_insert, naive_remove, naive_touch, naive_stats, naive_walk,
};
