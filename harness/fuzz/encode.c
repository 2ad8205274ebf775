/*
 * encode.c - the canonical encoder of the byte encoding (format: codec.h):
 * the shortest form of every value that decodes to exactly that value,
 * and the normalization of what v1 cannot express.  Once shipped, the
 * format is frozen: the golden inputs of tests/unit/test_encode.c pin it, and a
 * change means version 2.
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "fuzz/codec.h"
#include "fuzz/fuzz.h"
#include "model/model.h"

/* ---------------------------------------------------------------- code lookups */

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
    return codec_msize_of_code(v);
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
        uint64_t l = codec_log2_q32(size / VMEX_PAGE);  /* v ~ l / lg x CODE_MAX */
        int64_t est = (int64_t)(((unsigned __int128)l * CODE_MAX + s->lg / 2) / s->lg);
        s->memo_size = size;
        s->memo_ok = find_code(size, est, 0, s, codec_size_of_code, &s->memo_code);
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
        uint64_t l = codec_log2_q32(n);
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
    return find_code(a, est, 0, s, codec_addr_of_code, code);
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
    v = codec_clamp(v, lo, MAXV);
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
    v = codec_clamp(v, 0, MAXV);
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
    v = codec_clamp(v, 0, MAXV);
    if (addr_code(s, v, &c))
        putle(w, c, 2);
    else {
        putle(w, ESC, 2);
        putle(w, v, 8);
    }
}

static void put_span(wr *w, uint64_t v, int plus)
{
    v = codec_clamp(v, (uint64_t)plus, MAXV);
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
        if (codec_default_layout(&def))
            return -1;
        L = &def;
    }
    scale s;
    codec_scale_init(&s, L);
    const vmex_config *c = &p->cfg;

    /* header */
    wr w = {.n = 0};
    int target = codec_target_runs(c->target) ? c->target : VMEX_TARGET_XNU;
    vmex_config hk = {.target = (uint8_t)target};   /* the keys kept, as the decoder sees them */
    for (int k = 0; k < VMEX_SET__COUNT && k < 16; k++)
        if ((c->set_mask >> k & 1) && codec_set_key_ok(&hk, k, c->set[k])) {
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
    int device = vmex_target_has(target, VMEX_CAP_DEVICE);
    put8(&w, device ? (uint32_t)profile_index(prof) : HDR_NONE8);
    put8(&w, device ? c->ents & ((1u << VMEX_ENT__COUNT) - 1) : 0);
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
        if (h >= 0 && codec_consumes(op))
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
