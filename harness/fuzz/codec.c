/*
 * codec.c - what the decoder and the encoder of the byte encoding share
 * (codec.h): fixed-point arithmetic (no floating point: a code means the
 * same size on every machine), the scales, the live-handle set, and the
 * header's rules.
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "fuzz/codec.h"

/* ---------------------------------------------------------------- fixed point */

/* 2^(2^-(i+1)) in Q31, rounded */
static const uint32_t exp2_frac[32] = {
    0xb504f334u, 0x9837f052u, 0x8b95c1e4u, 0x85aac368u, 0x82cd8699u, 0x8164d1f4u,
    0x80b1ed50u, 0x8058d7d3u, 0x802c6437u, 0x8016302fu, 0x800b179du, 0x80058bafu,
    0x8002c5d0u, 0x800162e6u, 0x8000b173u, 0x800058b9u, 0x80002c5du, 0x8000162eu,
    0x80000b17u, 0x8000058cu, 0x800002c6u, 0x80000163u, 0x800000b1u, 0x80000059u,
    0x8000002cu, 0x80000016u, 0x8000000bu, 0x80000006u, 0x80000003u, 0x80000001u,
    0x80000001u, 0x80000000u,
};

/* round(2^x), x in Q32 with x < 2^32 * 62: 2^fraction is the product of
 * exp2_frac[i] for the fraction's set bits, most significant first, each
 * step truncated to Q31 */
static uint64_t exp2_q32(uint64_t x)
{
    uint32_t ip = (uint32_t)(x >> 32), frac = (uint32_t)x;
    uint64_t f = 1ull << 31;                       /* Q31, stays in [1, 2) */
    while (frac) {
        int i = __builtin_clz(frac);
        f = (f * exp2_frac[i]) >> 31;
        frac &= ~(0x80000000u >> i);
    }
    if (ip >= 31)
        return f << (ip - 31);
    return (f + (1ull << (30 - ip))) >> (31 - ip);
}

/* log2(m) in Q32 for m >= 1 (truncated) */
uint64_t codec_log2_q32(uint64_t m)
{
    int n = 63 - __builtin_clzll(m);
    uint64_t y = n >= 31 ? m >> (n - 31) : m << (31 - n);  /* Q31 in [1, 2) */
    uint32_t frac = 0;
    for (int i = 0; i < 32 && y != 1ull << 31; i++) {   /* 1.0 stays 1.0: no more bits */
        y = (y * y) >> 31;
        if (y >= (2ull << 31)) {
            y >>= 1;
            frac |= 0x80000000u >> i;
        }
    }
    return ((uint64_t)n << 32) | frac;
}

/* ---------------------------------------------------------------- scales */

static uint64_t pages_of_code(uint64_t pages, uint64_t lg, uint32_t v)
{
    uint64_t n = exp2_q32((uint64_t)v * lg / CODE_MAX);
    return n < 1 ? 1 : n > pages ? pages : n;
}

/* The pages of the codes of a scale, each computed once, when first asked
 * (0: not yet; a code is worth at least one page): a code's value costs up
 * to 32 multiplications, the decoder asks one per op and the encoder a
 * few.  A fuzz run meets few scales (one per profile and entitlement set of
 * its corpus), so the tables of the last SIZE_TABLES scales are kept
 * (512 KiB of address space each, its pages touched as codes are asked).
 * NULL when there is no memory: the values are then computed each time. */
#define SIZE_TABLES 64
static uint64_t *size_table(uint64_t pages, uint64_t lg)
{
    static struct { uint64_t pages, lg; uint64_t *v; } t[SIZE_TABLES];
    static unsigned next;
    for (unsigned i = 0; i < SIZE_TABLES; i++)
        if (t[i].v && t[i].pages == pages && t[i].lg == lg)
            return t[i].v;
    uint64_t *v = calloc(CODE_MAX, sizeof *v);
    if (!v)
        return NULL;
    unsigned i = next++ % SIZE_TABLES;
    free(t[i].v);
    t[i].pages = pages;
    t[i].lg = lg;
    t[i].v = v;
    return v;
}

void codec_scale_init(scale *s, const vmex_layout *L)
{
    s->pages = (L->max_offset - L->base) / VMEX_PAGE;   /* base: 0 on xnu, the window's on linux */
    if (s->pages < 1)
        s->pages = 1;
    if (s->pages > VMEX_MAX_VALUE / VMEX_PAGE)
        s->pages = VMEX_MAX_VALUE / VMEX_PAGE;
    s->lg = codec_log2_q32(s->pages);
    s->sizes = size_table(s->pages, s->lg);
    s->floor = L->floor < VMEX_MAX_VALUE ? L->floor : 0;
    s->span = L->max_offset > s->floor && L->max_offset <= VMEX_MAX_VALUE ? L->max_offset - s->floor : 0;
    s->memo_size = s->memo_msize = UINT64_MAX;
}

uint64_t codec_size_of_code(const scale *s, uint32_t v)
{
    if (v >= CODE_MAX)
        return s->pages * VMEX_PAGE;
    if (!s->sizes)
        return pages_of_code(s->pages, s->lg, v) * VMEX_PAGE;
    if (!s->sizes[v])
        s->sizes[v] = pages_of_code(s->pages, s->lg, v);
    return s->sizes[v] * VMEX_PAGE;
}

uint64_t codec_msize_of_code(uint32_t v)
{
    if (v == 0)
        return 0;
    return exp2_q32((uint64_t)(v - 1) * ((uint64_t)MSIZE_LG << 32) / (CODE_MAX - 1));
}

uint64_t codec_addr_of_code(const scale *s, uint32_t v)
{
    return s->floor + VMEX_ALIGN_DOWN(s->span * v / 65535, VMEX_PAGE);
}

/* ---------------------------------------------------------------- live handles */

int hset_init(hset *h, size_t cap)
{
    if (cap > VMEX_MAX_OPS)
        cap = VMEX_MAX_OPS;
    h->cap = (uint32_t)cap;
    h->created = h->nlive = 0;
    h->top = 1;
    while (h->top * 2 <= h->cap)
        h->top *= 2;
    if (cap + 1 <= sizeof h->small / sizeof h->small[0]) {
        h->t = h->small;
        memset(h->small, 0, sizeof h->small);
    } else if (!(h->t = calloc(cap + 1, sizeof *h->t))) {
        return -1;
    }
    return 0;
}

void hset_free(hset *h)
{
    if (h->t != h->small)
        free(h->t);
}

void hset_add(hset *h, uint32_t i, int delta)
{
    for (uint32_t k = i + 1; k <= h->cap; k += k & -k)
        h->t[k] += (uint32_t)delta;
    h->nlive += (uint32_t)delta;
}

/* live handles in [0, i) */
uint32_t hset_prefix(const hset *h, uint32_t i)
{
    uint32_t s = 0;
    for (uint32_t k = i; k; k -= k & -k)
        s += h->t[k];
    return s;
}

/* the k-th live handle (0 = oldest), k < nlive */
uint32_t hset_kth(const hset *h, uint32_t k)
{
    uint32_t pos = 0;
    for (uint32_t step = h->top; step; step >>= 1)
        if (pos + step <= h->cap && h->t[pos + step] <= k) {
            pos += step;
            k -= h->t[pos];
        }
    return pos;
}

int hset_alive(const hset *h, uint32_t i)
{
    return hset_prefix(h, i + 1) - hset_prefix(h, i);
}

/* a new live handle; -1 when the set is full (cannot happen: cap >= ops) */
int32_t hset_bind(hset *h)
{
    if (h->created >= h->cap)
        return -1;
    hset_add(h, h->created, 1);
    return (int32_t)h->created++;
}

/* ---------------------------------------------------------------- header */

int codec_target_runs(int t)
{
    return t >= 0 && t < VMEX_TARGET__COUNT;   /* keep in step with text.c's target_supported() */
}

/* would `set KEY` accept v, exactly as given? */
static int set_value_ok(int key, uint64_t v)
{
    char buf[64];
    vmex_error e;
    uint64_t w;
    memset(&e, 0, sizeof e);
    vmex_set_format(key, v, buf, sizeof buf);
    return vmex_set_parse(key, buf, &w, &e) == 0 && w == v;
}

/* may the config (its target and keys decoded so far) take set KEY v? */
int codec_set_key_ok(const vmex_config *c, int key, uint64_t v)
{
    if (!set_value_ok(key, v) || !vmex_set_applies(key, c->target)) return 0;
    uint64_t alloc = (c->set_mask >> VMEX_SET_ALLOCATOR & 1) ? c->set[VMEX_SET_ALLOCATOR] : VMEX_ALLOC_KERNEL;
    if (key == VMEX_SET_ALLOCATOR) return vmex_target_runs_allocator(c->target, (int)v);
    if (key == VMEX_SET_MMAP_THRESHOLD) return alloc == VMEX_ALLOC_GLIBC;
    if (key == VMEX_SET_RETAIN) return alloc == VMEX_ALLOC_JEMALLOC;
    return 1;
}

/* does this (kept) use consume its handle? */
int codec_consumes(const vmex_op *op)
{
    return op->kind == VMEX_OP_FREE || op->kind == VMEX_OP_REALLOC || op->kind == VMEX_OP_RELEASE ||
           (op->kind == VMEX_OP_MUNMAP && !(op->flags & VMEX_F_RANGE));
}

int codec_default_layout(vmex_layout *L)
{
    vmex_config cfg;
    vmex_error err;
    memset(&cfg, 0, sizeof cfg);
    memset(&err, 0, sizeof err);
    return vmex_layout_resolve(&cfg, VMEX_DEFAULT_PROFILE, 0, L, &err);
}
