/*
 * ceiling.c - the ceiling a failed request on a model's map is judged
 * against (xnu, linux-model), so that no program can game the margin.
 *
 * A request of R bytes at alignment A that found no hole is
 *   too-large  when no hole of the pristine layout holds it at A;
 *   exhausted  when the room it could use is less than R, or when the live
 *              set and the request do not fit the pristine layout together,
 *              however the live set were packed;
 *   frag       otherwise: some compaction of the same live set would leave
 *              a hole for it, and it failed only because of where things
 *              lie.
 * Its margin is room / R, where room counts only the free bytes the
 * request could use at its alignment: of each hole [lo, hi), the bytes
 * from its first A-aligned address on, hi - align_up(lo, A) (0 when that
 * is past hi).  At page alignment that is all the free space.  A hole with
 * no A-aligned address in it adds nothing, so `mmap 32g` then `mmap 16m
 * align 32g` on a 63 GiB map has room 0: exhausted, margin 0.
 *
 * The live set is every entry that is not a pristine region (the app's
 * mappings and libmalloc's), taken as runs: entries that touch and carry
 * the same kind, tag and protection are one piece.  An anonymous mapping
 * over 128 MiB is several entries and a compaction moves a mapping whole;
 * the map does not say where one mapping ends and a neighbour just like
 * it begins, so two such neighbours count as one piece (which only makes
 * frag harder to reach).  "Packed tightly" packs the pieces
 * at page granularity into the pristine holes with the request placed in
 * one of them at A, at its lowest or its highest aligned address (the
 * placements that leave the most uneven, most useful halves).  Packing is
 * bin packing; the test here is sound, not complete: the 64 largest pieces
 * are placed one at a time, largest first, each into the fullest bin that
 * takes it; the rest fit when, bin by bin, the space left less the largest
 * of them adds up to their total (a bin can waste no more than one piece).
 * When the test cannot show a packing, the request is exhausted: the
 * ceiling errs on the side of exhausted, never of frag.  Cheap bounds
 * decide most requests without looking at the pieces.
 *
 * Nothing here allocates: the pieces kept are on the stack.
 */
#include "core/core.h"
#include "oracle/oracle.h"

#include <string.h>

#define TOP 64   /* pieces placed one by one; the rest are bounded */
#define MAXHOLES (sizeof ((vmex_layout *)0)->regions / sizeof ((vmex_layout *)0)->regions[0] + 1)

typedef struct hole { uint64_t lo, hi; } hole;

/* The holes of the pristine layout, in address order; returns the count. */
static uint32_t pristine_holes(const vmex_layout *L, hole *h)
{
    uint32_t n = 0;
    uint64_t at = L->floor;
    for (uint32_t i = 0; i <= L->nregions; i++) {
        uint64_t end = i < L->nregions ? L->regions[i].start : L->max_offset;
        if (end > L->max_offset) end = L->max_offset;
        if (end > at) h[n++] = (hole){at, end};
        if (i < L->nregions && L->regions[i].end > at) at = L->regions[i].end;
    }
    return n;
}

/* bytes of [lo, hi) from its first aligned address on */
static uint64_t usable(uint64_t lo, uint64_t hi, uint64_t align)
{
    uint64_t a = VMEX_ALIGN_UP(lo, align);
    return a < hi && a >= lo ? hi - a : 0;
}

/* ------------------------------------------------------------ the map */

/* What one walk of the map gathers: the usable room, the live pieces'
 * total, and the TOP largest pieces (a min-heap). */
typedef struct gather {
    const vmex_layout *L;
    uint64_t align, at, room;
    uint64_t run_lo, run_hi;    /* the run being built; empty when equal */
    uint32_t run_attr;          /* the attributes of its entries */
    uint64_t total;             /* of all pieces */
    uint64_t top[TOP];
    uint32_t ntop;
} gather;

static void heap_push(gather *g, uint64_t v)
{
    uint64_t *h = g->top;
    uint32_t i;
    if (g->ntop < TOP) {
        i = g->ntop++;
    } else {
        if (v <= h[0]) return;
        /* replace the smallest and sift it down */
        i = 0;
        for (;;) {
            uint32_t c = 2 * i + 1;
            if (c >= TOP) break;
            if (c + 1 < TOP && h[c + 1] < h[c]) c++;
            if (h[c] >= v) break;
            h[i] = h[c];
            i = c;
        }
        h[i] = v;
        return;
    }
    while (i && h[(i - 1) / 2] > v) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = v;
}

static void close_run(gather *g)
{
    if (g->run_hi > g->run_lo) {
        g->total += g->run_hi - g->run_lo;
        heap_push(g, g->run_hi - g->run_lo);
    }
    g->run_lo = g->run_hi = 0;
}

static void on_entry(void *c, uint64_t lo, uint64_t hi, uint32_t attr, int app)
{
    gather *g = c;
    if (lo > g->at) g->room += usable(g->at, lo, g->align);   /* the hole before it */
    if (hi > g->at) g->at = hi;
    if (!app) {   /* a pristine region ends a run */
        close_run(g);
        return;
    }
    if (lo != g->run_hi || attr != g->run_attr || g->run_hi == g->run_lo) {
        close_run(g);
        g->run_lo = lo;
        g->run_attr = attr;
    }
    g->run_hi = hi;
}

static void walk_map(const vmex_layout *L, uint64_t align, const vmex_map_view *map, gather *g)
{
    memset(g, 0, sizeof *g);
    g->L = L;
    g->align = align;
    g->at = L->floor;
    map->walk(map->map, L->floor, L->max_offset, on_entry, g);
    if (L->max_offset > g->at) g->room += usable(g->at, L->max_offset, align);
    close_run(g);
}

/* ------------------------------------------------------------ packing */

/* The bins when the request takes [a, a + req) of pristine hole k. */
static uint32_t bins_with(const hole *h, uint32_t nh, uint32_t k, uint64_t a, uint64_t req, uint64_t *bin)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < nh; i++)
        if (i != k) bin[n++] = h[i].hi - h[i].lo;
    bin[n++] = a - h[k].lo;
    bin[n++] = h[k].hi - a - req;
    return n;
}

/* Pieces of total `total`, none over `largest`, fit the bins whatever
 * their sizes: filled one after the other, a bin is left only for a piece
 * it cannot take, so it wastes less than min(bin, largest). */
static int fits_any_order(const uint64_t *bin, uint32_t n, uint64_t total, uint64_t largest)
{
    uint64_t sure = 0;
    for (uint32_t i = 0; i < n; i++) sure += bin[i] - (bin[i] < largest ? bin[i] : largest);
    return total <= sure;
}

static int fits_fluid(const uint64_t *bin, uint32_t n, uint64_t total, uint64_t largest)
{
    uint64_t sum = 0, max = 0;
    for (uint32_t i = 0; i < n; i++) {
        sum += bin[i];
        if (bin[i] > max) max = bin[i];
    }
    return total <= sum && largest <= max;
}

/* The sorted top pieces (descending) one at a time into the fullest bin
 * that takes each, then the rest (of total rest, none over the smallest
 * top piece) bounded as in fits_any_order. */
static int fits_pieces(uint64_t *bin, uint32_t n, const uint64_t *top, uint32_t ntop, uint64_t rest)
{
    for (uint32_t p = 0; p < ntop; p++) {
        uint32_t best = n;
        for (uint32_t i = 0; i < n; i++)
            if (bin[i] >= top[p] && (best == n || bin[i] < bin[best])) best = i;
        if (best == n) return 0;
        bin[best] -= top[p];
    }
    return fits_any_order(bin, n, rest, ntop ? top[ntop - 1] : rest);
}

/* Does the live set (total bytes, no piece over largest) pack into the
 * pristine holes h with the request in one of them?  Without the pieces
 * (top NULL) only the bounds: 1 it packs, 0 it cannot, -1 undecided.  With
 * them (top: the ntop largest, descending, of which largest is the first):
 * 1 or 0. */
static int packs(const hole *h, uint32_t nh, uint64_t req, uint64_t align, uint64_t total, uint64_t largest,
                 const uint64_t *top, uint32_t ntop)
{
    int open = 0;
    uint64_t rest = total;
    for (uint32_t p = 0; top && p < ntop; p++) rest -= top[p];
    for (uint32_t k = 0; k < nh; k++) {
        uint64_t lo = VMEX_ALIGN_UP(h[k].lo, align);
        if (lo < h[k].lo || lo > h[k].hi || h[k].hi - lo < req) continue;
        uint64_t at[2] = {lo, VMEX_ALIGN_DOWN(h[k].hi - req, align)};
        for (int e = 0; e < 2; e++) {
            uint64_t bin[MAXHOLES + 1];
            uint32_t n = bins_with(h, nh, k, at[e], req, bin);
            if (!fits_fluid(bin, n, total, top ? largest : 0)) continue;
            if (fits_any_order(bin, n, total, largest)) return 1;
            if (!top) open = 1;
            else if (fits_pieces(bin, n, top, ntop, rest)) return 1;
        }
    }
    return open ? -1 : 0;
}

static void sort_desc(uint64_t *v, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        uint64_t x = v[i];
        uint32_t j = i;
        for (; j && v[j - 1] < x; j--) v[j] = v[j - 1];
        v[j] = x;
    }
}

void _vmex_classify_map(const vmex_layout *L, uint64_t req, uint64_t align, const vmex_stats *st,
                        const vmex_map_view *map, vmex_opres *r)
{
    hole h[MAXHOLES];
    uint32_t nh = pristine_holes(L, h);
    if (align < L->page) align = L->page;
    r->req = req;
    /* at page alignment the room is the free space, and the live set is
     * what is mapped: bounds first, the walk only when they leave it open */
    gather g;
    int walked = 0;
    uint64_t room = st->free, total = st->mapped;
    if (align > L->page) {
        walk_map(L, align, map, &g);
        walked = 1;
        room = g.room;
        total = g.total;
    }
    r->margin = req ? (double)room / (double)req : 0;
    if (!req || req > L->pristine_largest || !_vmex_fits_pristine(L, req, align)) {
        r->cls = VMEX_TOO_LARGE;
        return;
    }
    if (req > room) {
        r->cls = VMEX_EXHAUSTED;
        return;
    }
    uint64_t bound = total < L->pristine_largest ? total : L->pristine_largest;   /* no piece is bigger */
    int p = walked ? -1 : packs(h, nh, req, align, total, bound, NULL, 0);
    if (p < 0) {
        if (!walked) walk_map(L, align, map, &g);
        uint64_t top[TOP];
        memcpy(top, g.top, g.ntop * sizeof *top);
        sort_desc(top, g.ntop);
        p = !g.ntop || packs(h, nh, req, align, g.total, top[0], top, g.ntop);
    }
    r->cls = p ? VMEX_FRAG : VMEX_EXHAUSTED;
}
