/*
 * encode.c - the fuzzer's byte encoding of a program, version 1: a total
 * decoder (every byte string, the empty one included, is a valid program;
 * nothing is read out of bounds; missing trailing bytes read as 0) and the
 * canonical encoder.  Once shipped, the layout below is frozen: the golden
 * inputs of tests/test_encode.c pin it, and a change means version 2.
 *
 * Layout (integers little-endian):
 *
 *   byte 0    version: 1 (any other value decodes as 1; the encoder writes 1)
 *   byte 1    H, the length of the header block
 *   header block, H bytes:
 *     target     u8   enum vmex_target (0 xnu, 1 linux-model, 2 linux); other
 *                     values decode as xnu
 *     profile    u8   index into vmex_profile_list() (ios16-3gb is 42); 0xFF,
 *                     or any index past the list: none (the environment or the
 *                     default decides).  The order of that list is part of v1.
 *     ents       u8   VMEX_ENT_* bits (unknown bits ignored)
 *     set_mask   u8   bit k: `set` key k (enum vmex_setkey) is given (unknown bits ignored)
 *     values     u64  one per key of set_mask, in key order; a value that
 *                     `set KEY` would reject drops the key
 *     expect     u8   enum vmex_class; 0xFF or unknown: none
 *     expect_at  u32  op index (of the decoded ops); 0xFFFFFFFF, an index past
 *                     the last op, or no expect: none
 *     set_mask_hi u8  bit k: `set` key 8 + k is given; its values (u64, in key
 *                     order) follow.  Written only when such a key is set.
 *     A field not wholly inside the block (H may be short, the input may end)
 *     takes its default (none, 0), so the empty input is the empty default
 *     program.  Bytes of the block past these fields are ignored (room for
 *     later fields).  The canonical encoder writes all fields: H = 9 + 8 x keys
 *     (+ 1 for set_mask_hi when a key >= 8 is set).  A key that does not
 *     apply to the target (or to its allocator) is dropped.
 *   ops, from byte 2 + H to the end of the input, one after another.
 *
 * An op is an opcode byte, kind in bits 0-2 (enum vmex_opkind) and flags
 * F0..F4 in bits 3-7, then its arguments in the order listed:
 *
 *   0 mmap         F0 align, F1 tag, F2 hint, F3 fixed (F2+F3: fixed), F4 ext byte
 *                  [ext] SIZE [ADDR if hint/fixed] [ALIGN] [TAG]
 *                  ext: bits 0-1 prot, bit 2 prot given (else prot is rw and
 *                  bits 0-1 are ignored), 3 noreserve, 4 jit, 5 shared, 6 try,
 *                  7 anonymous (binds no handle)
 *   1 vm_allocate  F0 align, F1 tag, F2 fixed, F3 try, F4 anonymous
 *                  SIZE [ADDR if fixed] [ALIGN] [TAG]
 *   2 malloc       F0 try, F1 anonymous (F2-F4 ignored)   MSIZE
 *   3 realloc      F0 try, F1 anonymous (F2-F4 ignored)   HANDLE MSIZE
 *   4 free         (F0-F4 ignored)                        HANDLE
 *   5 munmap       F0 range (F1-F4 ignored)               HANDLE [OFFSET LENGTH]
 *   6 touch        F0 range (F1-F4 ignored)               HANDLE [OFFSET LENGTH]
 *   7 check        F0-F1 metric (enum vmex_metric), F2 <= (else >=) (F3-F4 ignored)   SIZE
 *
 *   SIZE    u16 v.  v <= 0xFFFE: pages = round(2^(v/65534 x log2(M))), M =
 *           max_offset / page of the layout, clamped to [1, M] (v = 0xFFFE is
 *           M exactly); size = pages x 16k: log-uniform from one page to
 *           max_offset.  Computed in fixed point, never with floating point,
 *           so it is the same everywhere: log2(M) in Q32, the exponent
 *           v x log2(M) / 65534 in Q32 (truncated), 2^fraction as the product
 *           of the Q31 constants 2^(2^-i) of the fraction's set bits (each
 *           step truncated), rounded to pages.  v = 0xFFFF: a u64 exact value follows, clamped to
 *           [1, 2^48 - 1] (check: [0, 2^48 - 1]).
 *   MSIZE   u16 v.  0: 0 bytes; 1..0xFFFE: round(2^((v-1)/65533 x 26)) bytes,
 *           log-uniform from 1 byte to 64 MiB; 0xFFFF: u64 exact, clamped
 *           to [0, 2^48 - 1].
 *   ADDR    u16 v.  v <= 0xFFFE: floor + ((max_offset - floor) x v / 65535)
 *           rounded down to a page; 0xFFFF: u64 exact, clamped to [0, 2^48 - 1].
 *   ALIGN   u8 a: alignment 2^((a + 14) mod 48): 0 = 16k, 2 = 64k, 6 = 1m,
 *           16 = 1g, 34 = 1 byte.
 *   TAG     u8, the VM tag.
 *   HANDLE  LEB128 (at most 10 bytes), taken modulo the number of live
 *           handles at this op, counting back from the newest (0 = the most
 *           recently bound live handle).  Live: bound by mmap, vm_allocate,
 *           malloc or realloc (not anonymous), not yet consumed by free,
 *           munmap without a range, or realloc.  With no live handle the op
 *           decodes to nothing (its bytes are still consumed).
 *   OFFSET  LEB128 u: even: (u/2) pages; odd: (u-1)/2 bytes.
 *   LENGTH  LEB128 u: even: (u/2 + 1) pages; odd: (u-1)/2 + 1 bytes.
 *           Both clamped to [0 or 1, 2^48 - 1].
 *
 * Decoded names are h0, h1, ... in binding order; anonymous ops bind none.
 * Decoding stops at VMEX_MAX_OPS ops.  The layout (vmex_decode_layout)
 * scales SIZE and ADDR only: exact escapes and everything else do not
 * depend on it.
 *
 * The canonical encoder writes the shortest of these forms that decodes to
 * exactly the same value, and only canonical flag bits.  What a program can
 * hold but v1 cannot express is normalized:
 *   - a use of a name that is not live at that point (a second `munmap a`,
 *     a `free` after the handle's realloc, a name whose last binding op was
 *     itself dropped) is dropped; a binding op dropped that way leaves its
 *     name unbound, as the model does.  expect_at then moves to the next op
 *     kept (the last kept op when none follows, none when no op is kept);
 *   - names are renamed h0, h1, ... (a name bound twice becomes two handles);
 *   - a profile is written as the listed profile of the same version and RAM
 *     ("ios16.0-3gb" -> "ios16-3gb"), an unknown one as none;
 *   - flags that do not apply to the op kind (which the parser rejects) are
 *     dropped, as are a target this build cannot run and invalid values.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "core/core.h"
#include "model/model.h"

#define ESC       0xFFFFu
#define CODE_MAX  0xFFFEu
#define MSIZE_LG  26u                          /* malloc sizes up to 2^26 = 64 MiB */
#define MAXV      (VMEX_MAX_VALUE - 1)
#define HDR_NONE8 0xFFu
#define HDR_NONE32 0xFFFFFFFFu

/* opcode flag bits */
#define F0 0x08u
#define F1 0x10u
#define F2 0x20u
#define F3 0x40u
#define F4 0x80u
/* mmap ext byte */
#define X_PROT      0x04u
#define X_NORESERVE 0x08u
#define X_JIT       0x10u
#define X_SHARED    0x20u
#define X_TRY       0x40u
#define X_ANON      0x80u

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
static uint64_t log2_q32(uint64_t m)
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

typedef struct scale {
    uint64_t pages;      /* max_offset in pages, >= 1 */
    uint64_t lg;         /* log2(pages), Q32 */
    uint64_t floor, span;
    /* the encoder's memo of its last size and malloc size lookups */
    uint64_t memo_size, memo_msize;
    uint32_t memo_code, memo_mcode;
    int memo_ok, memo_mok;
} scale;

static void scale_init(scale *s, const vmex_layout *L)
{
    s->pages = (L->max_offset - L->base) / VMEX_PAGE;   /* base: 0 on xnu, the window's on linux */
    if (s->pages < 1)
        s->pages = 1;
    if (s->pages > VMEX_MAX_VALUE / VMEX_PAGE)
        s->pages = VMEX_MAX_VALUE / VMEX_PAGE;
    s->lg = log2_q32(s->pages);
    s->floor = L->floor < VMEX_MAX_VALUE ? L->floor : 0;
    s->span = L->max_offset > s->floor && L->max_offset <= VMEX_MAX_VALUE ? L->max_offset - s->floor : 0;
    s->memo_size = s->memo_msize = UINT64_MAX;
}

static uint64_t size_of_code(const scale *s, uint32_t v)
{
    if (v >= CODE_MAX)
        return s->pages * VMEX_PAGE;
    uint64_t pages = exp2_q32((uint64_t)v * s->lg / CODE_MAX);
    if (pages < 1)
        pages = 1;
    if (pages > s->pages)
        pages = s->pages;
    return pages * VMEX_PAGE;
}

static uint64_t msize_of_code(uint32_t v)
{
    if (v == 0)
        return 0;
    return exp2_q32((uint64_t)(v - 1) * ((uint64_t)MSIZE_LG << 32) / (CODE_MAX - 1));
}

static uint64_t addr_of_code(const scale *s, uint32_t v)
{
    return s->floor + VMEX_ALIGN_DOWN(s->span * v / 65535, VMEX_PAGE);
}

/* The smallest code in [est - 3, est + 3] ∩ [lo, CODE_MAX] whose value is
 * exactly x; 0 when none (the caller then writes the escape).  Values are
 * non-decreasing in the code, so the first code of the window with a value
 * >= x is found by walking from est (usually one or two evaluations). */
static int find_code(uint64_t x, int64_t est, uint32_t lo, const scale *s,
                     uint64_t (*val)(const scale *, uint32_t), uint32_t *code)
{
    int64_t a = est - 3 > (int64_t)lo ? est - 3 : (int64_t)lo, b = est + 3 < CODE_MAX ? est + 3 : CODE_MAX;
    if (a > b)
        return 0;
    int64_t v = est < a ? a : est > b ? b : est;
    uint64_t y = val(s, (uint32_t)v);
    if (y >= x) {
        while (v > a) {
            uint64_t z = val(s, (uint32_t)(v - 1));
            if (z < x)
                break;
            v--;
            y = z;
        }
    } else {
        while (y < x && v < b)
            y = val(s, (uint32_t)++v);
    }
    if (y != x)
        return 0;
    *code = (uint32_t)v;
    return 1;
}

static uint64_t msize_val(const scale *s, uint32_t v)
{
    (void)s;
    return msize_of_code(v);
}

static int size_code(scale *s, uint64_t size, uint32_t *code)
{
    if (size % VMEX_PAGE || size < VMEX_PAGE || size / VMEX_PAGE > s->pages)
        return 0;
    if (s->lg == 0) {                             /* one page is the whole map */
        *code = 0;
        return 1;
    }
    if (size != s->memo_size) {
        uint64_t l = log2_q32(size / VMEX_PAGE);  /* v ~ l / lg x CODE_MAX */
        int64_t est = (int64_t)(((unsigned __int128)l * CODE_MAX + s->lg / 2) / s->lg);
        s->memo_size = size;
        s->memo_ok = find_code(size, est, 0, s, size_of_code, &s->memo_code);
    }
    *code = s->memo_code;
    return s->memo_ok;
}

static int msize_code(scale *s, uint64_t n, uint32_t *code)
{
    if (n == 0) {
        *code = 0;
        return 1;
    }
    if (n > (1ull << MSIZE_LG))
        return 0;
    if (n != s->memo_msize) {
        uint64_t l = log2_q32(n);
        int64_t est = 1 + (int64_t)(((unsigned __int128)l * (CODE_MAX - 1) + ((uint64_t)MSIZE_LG << 31)) /
                                    ((uint64_t)MSIZE_LG << 32));
        s->memo_msize = n;
        s->memo_mok = find_code(n, est, 1, NULL, msize_val, &s->memo_mcode);
    }
    *code = s->memo_mcode;
    return s->memo_mok;
}

static int addr_code(const scale *s, uint64_t a, uint32_t *code)
{
    if (a < s->floor || a - s->floor >= s->span || a % VMEX_PAGE)
        return 0;
    int64_t est = (int64_t)((a - s->floor) * 65535 / s->span);
    return find_code(a, est, 0, s, addr_of_code, code);
}

/* ---------------------------------------------------------------- live handles */

/* The live handles, numbered in binding order: a Fenwick tree of alive
 * bits, so "the k-th live handle" and "how many are newer" are O(log n). */
typedef struct hset {
    uint32_t *t;         /* 1-based */
    uint32_t cap, top, created, nlive;
    uint32_t small[256];
} hset;

static int hset_init(hset *h, size_t cap)
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

static void hset_free(hset *h)
{
    if (h->t != h->small)
        free(h->t);
}

static void hset_add(hset *h, uint32_t i, int delta)
{
    for (uint32_t k = i + 1; k <= h->cap; k += k & -k)
        h->t[k] += (uint32_t)delta;
    h->nlive += (uint32_t)delta;
}

/* live handles in [0, i) */
static uint32_t hset_prefix(const hset *h, uint32_t i)
{
    uint32_t s = 0;
    for (uint32_t k = i; k; k -= k & -k)
        s += h->t[k];
    return s;
}

/* the k-th live handle (0 = oldest), k < nlive */
static uint32_t hset_kth(const hset *h, uint32_t k)
{
    uint32_t pos = 0;
    for (uint32_t step = h->top; step; step >>= 1)
        if (pos + step <= h->cap && h->t[pos + step] <= k) {
            pos += step;
            k -= h->t[pos];
        }
    return pos;
}

static int hset_alive(const hset *h, uint32_t i)
{
    return hset_prefix(h, i + 1) - hset_prefix(h, i);
}

/* a new live handle; -1 when the set is full (cannot happen: cap >= ops) */
static int32_t hset_bind(hset *h)
{
    if (h->created >= h->cap)
        return -1;
    hset_add(h, h->created, 1);
    return (int32_t)h->created++;
}

/* ---------------------------------------------------------------- reading */

typedef struct rd { const uint8_t *p; size_t n, i; } rd;

static uint8_t get8(rd *r)
{
    uint8_t b = r->i < r->n ? r->p[r->i] : 0;
    r->i++;
    return b;
}

static uint64_t getle(rd *r, int bytes)
{
    uint64_t v = 0;
    for (int k = 0; k < bytes; k++)
        v |= (uint64_t)get8(r) << (8 * k);
    return v;
}

static uint64_t getvar(rd *r)
{
    uint64_t v = 0;
    for (int k = 0; k < 10; k++) {
        uint8_t b = get8(r);
        if (k < 9 || (b & 0x7f) <= 1)
            v |= (uint64_t)(b & 0x7f) << (7 * k);
        if (!(b & 0x80))
            break;
    }
    return v;
}

static uint64_t clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static uint64_t get_size(rd *r, const scale *s, uint64_t lo)
{
    uint32_t v = (uint32_t)getle(r, 2);
    return v == ESC ? clamp(getle(r, 8), lo, MAXV) : size_of_code(s, v);
}

static uint64_t get_msize(rd *r)
{
    uint32_t v = (uint32_t)getle(r, 2);
    return v == ESC ? clamp(getle(r, 8), 0, MAXV) : msize_of_code(v);
}

static uint64_t get_addr(rd *r, const scale *s)
{
    uint32_t v = (uint32_t)getle(r, 2);
    return v == ESC ? clamp(getle(r, 8), 0, MAXV) : addr_of_code(s, v);
}

/* OFFSET (plus = 0) or LENGTH (plus = 1) */
static uint64_t get_span(rd *r, int plus)
{
    uint64_t u = getvar(r), k = u >> 1;
    if (u & 1)
        return clamp(k + (uint64_t)plus, 0, MAXV);
    k += (uint64_t)plus;
    return k > MAXV / VMEX_PAGE ? MAXV : k * VMEX_PAGE;
}

/* ---------------------------------------------------------------- header */

typedef struct header {
    vmex_config cfg;
    int expect;          /* -1 none */
    int64_t expect_at;   /* -1 none */
    size_t ops_at;       /* where the ops start (may be past the end) */
} header;

static int target_runs(int t)
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
static int set_key_ok(const vmex_config *c, int key, uint64_t v)
{
    if (!set_value_ok(key, v) || !vmex_set_applies(key, c->target)) return 0;
    uint64_t alloc = (c->set_mask >> VMEX_SET_ALLOCATOR & 1) ? c->set[VMEX_SET_ALLOCATOR] : VMEX_ALLOC_KERNEL;
    if (key == VMEX_SET_ALLOCATOR) return c->target == VMEX_TARGET_LINUX || v == VMEX_ALLOC_KERNEL;
    if (key == VMEX_SET_MMAP_THRESHOLD) return alloc == VMEX_ALLOC_GLIBC;
    if (key == VMEX_SET_RETAIN) return alloc == VMEX_ALLOC_JEMALLOC;
    return 1;
}

static void header_decode(const uint8_t *d, size_t n, header *h)
{
    memset(h, 0, sizeof *h);
    h->expect = -1;
    h->expect_at = -1;
    size_t hl = n > 1 ? d[1] : 0, lo = n < 2 ? n : 2;
    h->ops_at = 2 + hl;
    rd r = {d, lo + hl < n ? lo + hl : n, lo};   /* the block, cut at the input's end */
#define HAVE(k) (r.n - r.i >= (k))
    if (!HAVE(1))
        return;
    uint8_t t = get8(&r);
    h->cfg.target = target_runs(t) ? t : VMEX_TARGET_XNU;
    int xnu = h->cfg.target == VMEX_TARGET_XNU;   /* profile and entitlements are xnu's */
    if (!HAVE(1))
        return;
    uint8_t pi = get8(&r);
    const char *names[256];
    size_t np = vmex_profile_list(names, 256);
    if (pi < np && xnu)
        snprintf(h->cfg.profile, sizeof h->cfg.profile, "%s", names[pi]);
    if (!HAVE(1))
        return;
    h->cfg.ents = xnu ? get8(&r) & ((1u << VMEX_ENT__COUNT) - 1) : (get8(&r), 0u);
    if (!HAVE(1))
        return;
    uint32_t mask = get8(&r);
    for (int k = 0; k < 8 && k < VMEX_SET__COUNT; k++) {
        if (!(mask >> k & 1))
            continue;
        if (!HAVE(8))
            return;
        uint64_t v = getle(&r, 8);
        if (set_key_ok(&h->cfg, k, v)) {
            h->cfg.set[k] = v;
            h->cfg.set_mask |= 1u << k;
        }
    }
    if (!HAVE(1))
        return;
    uint8_t e = get8(&r);
    h->expect = e < VMEX_CLASS__COUNT ? e : -1;
    if (!HAVE(4))
        return;
    uint32_t at = (uint32_t)getle(&r, 4);
    h->expect_at = at == HDR_NONE32 || h->expect < 0 ? -1 : (int64_t)at;
    if (!HAVE(1))
        return;
    mask = get8(&r);
    for (int k = 8; k < 16 && k < VMEX_SET__COUNT; k++) {
        if (!(mask >> (k - 8) & 1))
            continue;
        if (!HAVE(8))
            return;
        uint64_t v = getle(&r, 8);
        if (set_key_ok(&h->cfg, k, v)) {
            h->cfg.set[k] = v;
            h->cfg.set_mask |= 1u << k;
        }
    }
#undef HAVE
}

void vmex_decode_config(const uint8_t *data, size_t n, vmex_config *cfg)
{
    header h;
    header_decode(data, n, &h);
    *cfg = h.cfg;
}

/* keep the keys of c that apply, in key order (later keys depend on the allocator) */
static void filter_sets(vmex_config *c)
{
    vmex_config k = *c;
    k.set_mask = 0;
    for (int i = 0; i < VMEX_SET__COUNT; i++)
        if ((c->set_mask >> i & 1) && set_key_ok(&k, i, c->set[i])) k.set_mask |= 1u << i;
    *c = k;
}

int vmex_decode_layout_env(const uint8_t *data, size_t n, const vmex_fuzz_env *e, vmex_layout *L,
                           vmex_config *eff)
{
    vmex_config cfg;
    vmex_error err;
    memset(&err, 0, sizeof err);
    const char *env_profile = e->profile[0] ? e->profile : NULL;
    vmex_decode_config(data, n, &cfg);
    if (e->target >= 0 && e->target < VMEX_TARGET__COUNT && cfg.target != e->target) {
        cfg.target = (uint8_t)e->target;
        if (cfg.target != VMEX_TARGET_XNU) {
            cfg.profile[0] = '\0';
            cfg.ents = 0;
        }
        filter_sets(&cfg);
    }
    if (cfg.target != VMEX_TARGET_XNU) {
        env_profile = NULL;
        for (int k = 0; k < VMEX_SET__COUNT; k++)
            if (e->set_mask >> k & 1) {
                cfg.set[k] = e->set[k];
                cfg.set_mask |= 1u << k;
            }
        filter_sets(&cfg);
    } else if (env_profile) {
        /* a run that names the device decides its entitlements too: a seed
         * recorded with extended-virtual-addressing must not grant it */
        cfg.ents = 0;
    }
    uint32_t ents = cfg.target == VMEX_TARGET_XNU ? e->ents : 0;
    int rc = vmex_layout_resolve(&cfg, env_profile, ents, L, &err);
    if (rc) {
        cfg.set_mask = 0;      /* no combination of valid values fails today; be safe */
        rc = vmex_layout_resolve(&cfg, env_profile, ents, L, &err);
    }
    if (!rc && eff) {
        *eff = cfg;
        if (env_profile) snprintf(eff->profile, sizeof eff->profile, "%s", env_profile);
        eff->ents = L->ents;
    }
    return rc;
}

int vmex_mutation_layout(const uint8_t *data, size_t n, const vmex_fuzz_env *e, vmex_layout *L)
{
    vmex_config eff;
    if (vmex_decode_layout_env(data, n, e, L, &eff)) return -1;
    if (L->target != VMEX_TARGET_LINUX) return 0;
    vmex_error err = {0};
    eff.target = VMEX_TARGET_LINUX_MODEL;
    eff.set_mask &= ~((1u << VMEX_SET_ALLOCATOR) | (1u << VMEX_SET_MMAP_THRESHOLD) | (1u << VMEX_SET_RETAIN));
    return vmex_layout_resolve(&eff, NULL, 0, L, &err);
}

int vmex_decode_layout(const uint8_t *data, size_t n, const char *env_profile, uint32_t env_ents,
                       vmex_layout *L)
{
    vmex_fuzz_env e;
    memset(&e, 0, sizeof e);
    e.target = -1;
    if (env_profile && *env_profile) {
        if (!vmex_profile_valid(env_profile)) return -1;
        snprintf(e.profile, sizeof e.profile, "%s", env_profile);
    }
    e.ents = env_ents;
    return vmex_decode_layout_env(data, n, &e, L, NULL);
}

int vmex_fuzz_env_read(int target, vmex_fuzz_env *e, vmex_error *err)
{
    memset(e, 0, sizeof *e);
    e->target = target;
    const char *s = getenv("VMEX_PROFILE");
    if (s && *s) {
        if (!vmex_profile_valid(s)) {
            vmex_error_set(err, 0, 0, "unknown profile in VMEX_PROFILE: '%s'", s);
            return -1;
        }
        snprintf(e->profile, sizeof e->profile, "%s", s);
    }
    s = getenv("VMEX_ENTITLEMENTS");
    if (s && *s) {
        char buf[512];
        snprintf(buf, sizeof buf, "%s", s);
        for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            uint32_t bit;
            if (vmex_ent_parse(tok, &bit)) {
                vmex_error_set(err, 0, 0, "unknown entitlement in VMEX_ENTITLEMENTS: '%s'", tok);
                return -1;
            }
            e->ents |= bit;
        }
    }
    static const struct { const char *var; int key; } vars[] = {
        {"VMEX_WINDOW", VMEX_SET_WINDOW}, {"VMEX_ALLOCATOR", VMEX_SET_ALLOCATOR},
        {"VMEX_THP_ALIGN", VMEX_SET_THP_ALIGN}, {"VMEX_MMAP_THRESHOLD", VMEX_SET_MMAP_THRESHOLD},
        {"VMEX_RETAIN", VMEX_SET_RETAIN},
    };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        s = getenv(vars[i].var);
        if (!s || !*s) continue;
        if (vmex_set_parse(vars[i].key, s, &e->set[vars[i].key], err)) {
            char m[sizeof err->msg];
            snprintf(m, sizeof m, "%s", err->msg);
            vmex_error_set(err, 0, 0, "%s: %s", vars[i].var, m);
            return -1;
        }
        e->set_mask |= 1u << vars[i].key;
    }
    return 0;
}

/* ---------------------------------------------------------------- decoding */

static int bind_name(vmex_program *p, uint32_t handle)
{
    char name[16], *e = name + sizeof name - 1;
    *e = '\0';
    do
        *--e = (char)('0' + handle % 10);
    while (handle /= 10);
    *--e = 'h';
    return vmex_program_name(p, e);
}

/* A live handle from an index (newest first); -1 when none is live. */
static int32_t pick(const hset *hs, uint64_t idx)
{
    if (!hs->nlive)
        return -1;
    uint32_t j = (uint32_t)(idx % hs->nlive);
    return (int32_t)hset_kth(hs, hs->nlive - 1 - j);
}

/* Decode one op at r.  *bind: the op binds a new handle.  Returns 1 when it
 * is an op, 0 when it decodes to nothing. */
static int decode_op(rd *r, const scale *s, const hset *hs, vmex_op *op, int *bind)
{
    uint8_t b = get8(r);
    int kind = b & 7;
    vmex_op_init(op, kind);
    *bind = 0;
    switch (kind) {
    case VMEX_OP_MMAP: {
        uint8_t x = b & F4 ? get8(r) : 0;
        op->size = get_size(r, s, 1);
        if (b & (F2 | F3)) {
            op->flags |= b & F3 ? VMEX_F_FIXED : VMEX_F_HINT;
            op->addr = get_addr(r, s);
        }
        if (b & F0) {
            op->flags |= VMEX_F_ALIGN;
            op->align = 1ull << ((get8(r) + 14u) % 48u);
        }
        if (b & F1) {
            op->flags |= VMEX_F_TAG;
            op->tag = get8(r);
        }
        if (x & X_PROT) {
            op->flags |= VMEX_F_PROT;
            op->prot = x & 3;
        }
        op->flags |= (x & X_NORESERVE ? VMEX_F_NORESERVE : 0) | (x & X_JIT ? VMEX_F_JIT : 0) |
                     (x & X_SHARED ? VMEX_F_SHARED : 0) | (x & X_TRY ? VMEX_F_TRY : 0);
        *bind = !(x & X_ANON);
        return 1;
    }
    case VMEX_OP_VM_ALLOCATE:
        op->size = get_size(r, s, 1);
        if (b & F2) {
            op->flags |= VMEX_F_FIXED;
            op->addr = get_addr(r, s);
        }
        if (b & F0) {
            op->flags |= VMEX_F_ALIGN;
            op->align = 1ull << ((get8(r) + 14u) % 48u);
        }
        if (b & F1) {
            op->flags |= VMEX_F_TAG;
            op->tag = get8(r);
        }
        if (b & F3)
            op->flags |= VMEX_F_TRY;
        *bind = !(b & F4);
        return 1;
    case VMEX_OP_MALLOC:
    case VMEX_OP_REALLOC:
        if (kind == VMEX_OP_REALLOC)
            op->src = pick(hs, getvar(r));
        op->size = get_msize(r);
        if (b & F0)
            op->flags |= VMEX_F_TRY;
        *bind = !(b & F1);
        return kind == VMEX_OP_MALLOC || op->src >= 0;
    case VMEX_OP_FREE:
        op->src = pick(hs, getvar(r));
        return op->src >= 0;
    case VMEX_OP_MUNMAP:
    case VMEX_OP_TOUCH:
        op->src = pick(hs, getvar(r));
        if (b & F0) {
            op->flags |= VMEX_F_RANGE;
            op->off = get_span(r, 0);
            op->len = get_span(r, 1);
        }
        return op->src >= 0;
    default: /* VMEX_OP_CHECK */
        op->metric = (b >> 3) & 3;
        op->cmp = b & F2 ? VMEX_CMP_LE : VMEX_CMP_GE;
        op->size = get_size(r, s, 0);
        return 1;
    }
}

/* does this (kept) use consume its handle? */
static int consumes(const vmex_op *op)
{
    return op->kind == VMEX_OP_FREE || op->kind == VMEX_OP_REALLOC ||
           (op->kind == VMEX_OP_MUNMAP && !(op->flags & VMEX_F_RANGE));
}

static int default_layout(vmex_layout *L)
{
    vmex_config cfg;
    vmex_error err;
    memset(&cfg, 0, sizeof cfg);
    memset(&err, 0, sizeof err);
    return vmex_layout_resolve(&cfg, VMEX_DEFAULT_PROFILE, 0, L, &err);
}

int vmex_decode(const uint8_t *data, size_t n, const vmex_layout *L, vmex_program *out)
{
    vmex_layout def;
    if (!L) {
        if (default_layout(&def))
            return -1;
        L = &def;
    }
    if (!data)
        n = 0;
    scale s;
    scale_init(&s, L);
    header h;
    header_decode(data, n, &h);
    vmex_program_reset(out);
    out->cfg = h.cfg;

    hset hs;
    if (hset_init(&hs, h.ops_at < n ? n - h.ops_at : 0))
        return -1;
    rd r = {data, n, h.ops_at};
    int rc = 0;
    while (r.i < n && out->nops < VMEX_MAX_OPS) {
        vmex_op op;
        int bind;
        if (!decode_op(&r, &s, &hs, &op, &bind))
            continue;
        if (op.src >= 0 && consumes(&op))
            hset_add(&hs, (uint32_t)op.src, -1);
        if (bind) {
            int32_t k = hset_bind(&hs);
            if (k < 0 || bind_name(out, (uint32_t)k) != k) {
                rc = -1;
                break;
            }
            op.dst = k;
        }
        if (vmex_program_add(out, &op) < 0) {
            rc = -1;
            break;
        }
    }
    hset_free(&hs);
    if (rc < 0) {
        vmex_program_reset(out);
        return -1;
    }
    out->expect = (int8_t)h.expect;
    out->expect_at = h.expect_at >= 0 && h.expect_at < out->nops ? (int32_t)h.expect_at : -1;
    return 0;
}

/* ---------------------------------------------------------------- encoding */

typedef struct wr { uint8_t b[40]; int n; } wr;

static void put8(wr *w, uint32_t v) { w->b[w->n++] = (uint8_t)v; }

static void putle(wr *w, uint64_t v, int bytes)
{
    for (int k = 0; k < bytes; k++)
        put8(w, (uint32_t)(v >> (8 * k)) & 0xff);
}

static void putvar(wr *w, uint64_t v)
{
    do {
        put8(w, (uint32_t)(v & 0x7f) | (v > 0x7f ? 0x80u : 0));
        v >>= 7;
    } while (v);
}

static void put_size(wr *w, scale *s, uint64_t v, uint64_t lo)
{
    uint32_t c;
    v = clamp(v, lo, MAXV);
    if (size_code(s, v, &c))
        putle(w, c, 2);
    else {
        putle(w, ESC, 2);
        putle(w, v, 8);
    }
}

static void put_msize(wr *w, scale *s, uint64_t v)
{
    uint32_t c;
    v = clamp(v, 0, MAXV);
    if (msize_code(s, v, &c))
        putle(w, c, 2);
    else {
        putle(w, ESC, 2);
        putle(w, v, 8);
    }
}

static void put_addr(wr *w, const scale *s, uint64_t v)
{
    uint32_t c;
    v = clamp(v, 0, MAXV);
    if (addr_code(s, v, &c))
        putle(w, c, 2);
    else {
        putle(w, ESC, 2);
        putle(w, v, 8);
    }
}

static void put_span(wr *w, uint64_t v, int plus)
{
    v = clamp(v, (uint64_t)plus, MAXV);
    if (v % VMEX_PAGE == 0 && v / VMEX_PAGE >= (uint64_t)plus)
        putvar(w, (v / VMEX_PAGE - (uint64_t)plus) << 1);
    else
        putvar(w, ((v - (uint64_t)plus) << 1) | 1);
}

static uint32_t align_byte(uint64_t a)
{
    int k = VMEX_IS_POW2(a) ? __builtin_ctzll(a) : a ? 63 - __builtin_clzll(a) : 0;
    if (k > 47)
        k = 47;
    return (uint32_t)(k + 34) % 48;
}

static int profile_index(const char *name)
{
    uint32_t v, ram, v2, ram2;
    if (!name[0] || _vmex_profile_parse(name, &v, &ram))
        return HDR_NONE8;
    const char *names[256];
    size_t np = vmex_profile_list(names, 256);
    for (size_t i = 0; i < np && i < HDR_NONE8; i++)
        if (!strcmp(names[i], name))
            return (int)i;
    for (size_t i = 0; i < np && i < HDR_NONE8; i++)   /* an alias: "ios16.0-3gb" */
        if (!_vmex_profile_parse(names[i], &v2, &ram2) && v2 == v && ram2 == ram)
            return (int)i;
    return HDR_NONE8;
}

/* The bytes of op (whose handle, if it uses one, is live: idx counts back
 * from the newest). */
static void encode_op(wr *w, scale *s, const vmex_op *op, uint32_t idx, int anon)
{
    unsigned f = op->flags;
    uint32_t b = op->kind;
    switch (op->kind) {
    case VMEX_OP_MMAP: {
        uint32_t x = (f & VMEX_F_PROT ? X_PROT | (op->prot & 3u) : 0) |
                     (f & VMEX_F_NORESERVE ? X_NORESERVE : 0) | (f & VMEX_F_JIT ? X_JIT : 0) |
                     (f & VMEX_F_SHARED ? X_SHARED : 0) | (f & VMEX_F_TRY ? X_TRY : 0) | (anon ? X_ANON : 0);
        b |= (f & VMEX_F_ALIGN ? F0 : 0) | (f & VMEX_F_TAG ? F1 : 0) |
             (f & VMEX_F_FIXED ? F3 : f & VMEX_F_HINT ? F2 : 0) | (x ? F4 : 0);
        put8(w, b);
        if (x)
            put8(w, x);
        put_size(w, s, op->size, 1);
        if (f & (VMEX_F_FIXED | VMEX_F_HINT))
            put_addr(w, s, op->addr);
        if (f & VMEX_F_ALIGN)
            put8(w, align_byte(op->align));
        if (f & VMEX_F_TAG)
            put8(w, op->tag);
        break;
    }
    case VMEX_OP_VM_ALLOCATE:
        b |= (f & VMEX_F_ALIGN ? F0 : 0) | (f & VMEX_F_TAG ? F1 : 0) | (f & VMEX_F_FIXED ? F2 : 0) |
             (f & VMEX_F_TRY ? F3 : 0) | (anon ? F4 : 0);
        put8(w, b);
        put_size(w, s, op->size, 1);
        if (f & VMEX_F_FIXED)
            put_addr(w, s, op->addr);
        if (f & VMEX_F_ALIGN)
            put8(w, align_byte(op->align));
        if (f & VMEX_F_TAG)
            put8(w, op->tag);
        break;
    case VMEX_OP_MALLOC:
    case VMEX_OP_REALLOC:
        put8(w, b | (f & VMEX_F_TRY ? F0 : 0) | (anon ? F1 : 0));
        if (op->kind == VMEX_OP_REALLOC)
            putvar(w, idx);
        put_msize(w, s, op->size);
        break;
    case VMEX_OP_FREE:
        put8(w, b);
        putvar(w, idx);
        break;
    case VMEX_OP_MUNMAP:
    case VMEX_OP_TOUCH:
        put8(w, b | (f & VMEX_F_RANGE ? F0 : 0));
        putvar(w, idx);
        if (f & VMEX_F_RANGE) {
            put_span(w, op->off, 0);
            put_span(w, op->len, 1);
        }
        break;
    case VMEX_OP_CHECK:
        put8(w, b | (uint32_t)(op->metric & 3) << 3 | (op->cmp == VMEX_CMP_LE ? F2 : 0));
        put_size(w, s, op->size, 0);
        break;
    }
}

int _vmex_encode_offsets(const vmex_program *p, const vmex_layout *L, vmex_buf *out, size_t *offs)
{
    vmex_layout def;
    if (!L) {
        if (default_layout(&def))
            return -1;
        L = &def;
    }
    scale s;
    scale_init(&s, L);
    const vmex_config *c = &p->cfg;

    /* header */
    wr w = {.n = 0};
    int target = target_runs(c->target) ? c->target : VMEX_TARGET_XNU;
    vmex_config hk = {.target = (uint8_t)target};   /* the keys kept, as the decoder sees them */
    for (int k = 0; k < VMEX_SET__COUNT && k < 16; k++)
        if ((c->set_mask >> k & 1) && set_key_ok(&hk, k, c->set[k])) {
            hk.set[k] = c->set[k];
            hk.set_mask |= 1u << k;
        }
    uint32_t mask = hk.set_mask & 0xFFu, mask_hi = hk.set_mask >> 8;
    put8(&w, VMEX_ENCODING_VERSION);
    put8(&w, 9 + 8 * (uint32_t)__builtin_popcount(hk.set_mask) + (mask_hi ? 1 : 0));
    put8(&w, (uint32_t)target);
    char prof[sizeof c->profile + 1];
    memcpy(prof, c->profile, sizeof c->profile);
    prof[sizeof c->profile] = '\0';
    put8(&w, target == VMEX_TARGET_XNU ? (uint32_t)profile_index(prof) : HDR_NONE8);
    put8(&w, target == VMEX_TARGET_XNU ? c->ents & ((1u << VMEX_ENT__COUNT) - 1) : 0);
    put8(&w, mask);
    if (vmex_buf_put(out, w.b, (size_t)w.n) < 0)
        return -1;
    for (int k = 0; k < 8; k++) {
        if (!(mask >> k & 1))
            continue;
        w.n = 0;
        putle(&w, c->set[k], 8);
        if (vmex_buf_put(out, w.b, 8) < 0)
            return -1;
    }
    int expect = p->expect >= 0 && p->expect < VMEX_CLASS__COUNT ? p->expect : -1;
    w.n = 0;
    put8(&w, expect >= 0 ? (uint32_t)expect : HDR_NONE8);
    putle(&w, HDR_NONE32, 4);                  /* patched below */
    size_t at_pos = out->len + 1;
    if (mask_hi) {
        put8(&w, mask_hi);
        for (int k = 8; k < 16; k++)
            if (mask_hi >> (k - 8) & 1)
                putle(&w, c->set[k], 8);
    }
    if (vmex_buf_put(out, w.b, (size_t)w.n) < 0)
        return -1;

    /* ops */
    int32_t *nh = NULL;                        /* name id -> its live handle, -1 */
    hset hs;
    if (hset_init(&hs, p->nops))
        return -1;
    if (p->nnames && !(nh = malloc((size_t)p->nnames * sizeof *nh))) {
        hset_free(&hs);
        return -1;
    }
    for (uint32_t i = 0; i < p->nnames; i++)
        nh[i] = -1;
    int64_t want_at = expect >= 0 && p->expect_at >= 0 && (uint32_t)p->expect_at < p->nops ? p->expect_at : -1;
    int64_t at = -1;
    uint32_t kept = 0;
    int rc = 0;
    for (uint32_t i = 0; i < p->nops; i++) {
        const vmex_op *op = &p->ops[i];
        int binds = op->kind < VMEX_OP__COUNT && vmex_op_binds(op->kind);
        int dst = binds && op->dst >= 0 && (uint32_t)op->dst < p->nnames ? op->dst : -1;
        int32_t h = -1;
        int keep = op->kind < VMEX_OP__COUNT;
        if (keep && vmex_op_uses(op->kind)) {
            h = op->src >= 0 && (uint32_t)op->src < p->nnames ? nh[op->src] : -1;
            keep = h >= 0 && hset_alive(&hs, (uint32_t)h);
        }
        if (i == want_at)
            at = kept;
        if (offs)
            offs[i] = keep ? out->len : SIZE_MAX;
        if (!keep) {
            if (dst >= 0)
                nh[dst] = -1;                  /* the model unbinds it too */
            continue;
        }
        uint32_t idx = h >= 0 ? hs.nlive - hset_prefix(&hs, (uint32_t)h + 1) : 0;
        w.n = 0;
        encode_op(&w, &s, op, idx, dst < 0);
        if (vmex_buf_put(out, w.b, (size_t)w.n) < 0) {
            rc = -1;
            break;
        }
        kept++;
        if (h >= 0 && consumes(op))
            hset_add(&hs, (uint32_t)h, -1);
        if (dst >= 0)
            nh[dst] = hset_bind(&hs);
    }
    free(nh);
    hset_free(&hs);
    if (rc < 0)
        return -1;
    if (at >= (int64_t)kept)
        at = (int64_t)kept - 1;
    if (at >= 0)
        for (int k = 0; k < 4; k++)
            out->p[at_pos + (size_t)k] = (char)(uint8_t)((uint64_t)at >> (8 * k));
    return 0;
}

int vmex_encode(const vmex_program *p, const vmex_layout *L, vmex_buf *out)
{
    return _vmex_encode_offsets(p, L, out, NULL);
}

/* ---------------------------------------------------------------- sniffing */

int vmex_is_binary(const uint8_t *d, size_t n)
{
    size_t i = 0;
    for (;;) {
        while (i < n && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r'))
            i++;
        if (i < n && d[i] == '#') {
            while (i < n && d[i] != '\n')
                i++;
            continue;
        }
        break;
    }
    if (n - i < 4 || memcmp(d + i, "vmex", 4))
        return 1;
    return !(n - i == 4 || d[i + 4] == ' ' || d[i + 4] == '\t' || d[i + 4] == '\n' || d[i + 4] == '\r');
}
