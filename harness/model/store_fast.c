/*
 * store_fast.c - the VA store on three interval trees.
 *
 *   holes:   the free ranges of [lo, hi), maximal (never adjacent); first
 *            fit descends the tree by "longest hole in the subtree";
 *   entries: the map entries with their attributes;
 *   dirty:   the dirty (touched) pages, coalesced.
 *
 * Every operation is O(log n) expected, plus O(k) for the k entries an
 * unmap removes.  reset() allocates nothing.  Checked op-for-op against
 * store_naive.c in tests/unit/test_store.c.
 */
#include "core/core.h"
#include "model/store.h"

#include <stdlib.h>

struct vmex_store {
    vmex_ivtree holes, entries, dirty;
    uint64_t lo, hi;
    uint64_t app_bytes;
};

static vmex_store *fast_create(void)
{
    vmex_store *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    _vmex_ivt_init(&s->holes);
    _vmex_ivt_init(&s->entries);
    _vmex_ivt_init(&s->dirty);
    return s;
}

static void fast_destroy(vmex_store *s)
{
    if (!s) return;
    _vmex_ivt_free(&s->holes);
    _vmex_ivt_free(&s->entries);
    _vmex_ivt_free(&s->dirty);
    free(s);
}

static void fast_reset(vmex_store *s, uint64_t lo, uint64_t hi)
{
    _vmex_ivt_clear(&s->holes);
    _vmex_ivt_clear(&s->entries);
    _vmex_ivt_clear(&s->dirty);
    s->lo = lo;
    s->hi = hi;
    s->app_bytes = 0;
    _vmex_ivt_insert(&s->holes, lo, hi, 0);
}

static int fast_fit(vmex_store *s, uint64_t from, uint64_t size, uint64_t align, uint64_t *addr)
{
    return _vmex_ivt_fit(&s->holes, from, size, align, addr) ? 0 : -1;
}

static int fast_fit_top(vmex_store *s, uint64_t size, uint64_t align, uint64_t *addr)
{
    return _vmex_ivt_fit_top(&s->holes, size, align, addr) ? 0 : -1;
}

static int fast_is_free(const vmex_store *s, uint64_t start, uint64_t size)
{
    uint32_t h = _vmex_ivt_find(&s->holes, start);
    return h && s->holes.v[h].hi >= start + size;
}

static int fast_is_mapped(const vmex_store *s, uint64_t start, uint64_t size)
{
    if (start < s->lo || start + size > s->hi) return 0;
    uint32_t h = _vmex_ivt_first_above(&s->holes, start);
    return !h || s->holes.v[h].lo >= start + size;
}

#ifdef VMEX_DEBUG_TREES
#include <stdio.h>
static void check_all(const vmex_store *s, const char *where)
{
    if (_vmex_ivt_check(&s->holes) || _vmex_ivt_check(&s->entries) || _vmex_ivt_check(&s->dirty)) {
        fprintf(stderr, "vmex: corrupt tree after %s\n", where);
        VMEX_FATAL("interval tree invariant broken");
    }
}
#define CHECK(s, w) check_all(s, w)
#else
#define CHECK(s, w) ((void)0)
#endif

static void fast_insert(vmex_store *s, uint64_t start, uint64_t size, uint32_t attr)
{
    _vmex_ivt_cut(&s->holes, start, start + size, NULL, NULL);
    _vmex_ivt_insert(&s->entries, start, start + size, attr);
    if (VMEX_ATTR_IS_APP(attr)) s->app_bytes += size;
    CHECK(s, "insert");
}

static void count_app(void *ctx, uint64_t lo, uint64_t hi, uint32_t attr)
{
    if (VMEX_ATTR_IS_APP(attr)) *(uint64_t *)ctx += hi - lo;
}

static void fast_remove(vmex_store *s, uint64_t start, uint64_t size)
{
    uint64_t a = start > s->lo ? start : s->lo, b = start + size < s->hi ? start + size : s->hi;
    if (a >= b) return;
    uint64_t app = 0;
    _vmex_ivt_cut(&s->entries, a, b, count_app, &app);
    s->app_bytes -= app;
    _vmex_ivt_cut(&s->dirty, a, b, NULL, NULL);
    _vmex_ivt_unite(&s->holes, a, b);
    CHECK(s, "remove");
}

static void fast_touch(vmex_store *s, uint64_t start, uint64_t size)
{
    _vmex_ivt_unite(&s->dirty, start, start + size);
    CHECK(s, "touch");
}

static void fast_stats(const vmex_store *s, vmex_stats *st)
{
    st->free = s->holes.sum;
    st->largest = _vmex_ivt_maxlen(&s->holes);
    st->mapped = s->app_bytes;
    st->footprint = s->dirty.sum;
    st->entries = s->entries.count;
    st->holes = s->holes.count;
}

static void fast_walk(const vmex_store *s, uint64_t lo, uint64_t hi, vmex_store_entry_fn cb, void *ctx)
{
    _vmex_ivt_walk(&s->entries, lo, hi, cb, ctx);
}

const vmex_store_vt vmex_store_fast = {
    "fast", fast_create, fast_destroy, fast_reset, fast_fit, fast_fit_top, fast_is_free, fast_is_mapped,
    fast_insert, fast_remove, fast_touch, fast_stats, fast_walk,
};
