/*
 * decode.c - the total decoder of the byte encoding (format: codec.h):
 * every byte string, the empty one included, is a valid program; nothing
 * is read out of bounds; missing trailing bytes read as 0.  Also the
 * sniffing of binary inputs from .vmex text.
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "fuzz/codec.h"
#include "fuzz/fuzz.h"

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

static uint64_t get_size(rd *r, const scale *s, uint64_t lo)
{
    uint32_t v = (uint32_t)getle(r, 2);
    return v == ESC ? codec_clamp(getle(r, 8), lo, MAXV) : codec_size_of_code(s, v);
}

static uint64_t get_msize(rd *r)
{
    uint32_t v = (uint32_t)getle(r, 2);
    return v == ESC ? codec_clamp(getle(r, 8), 0, MAXV) : codec_msize_of_code(v);
}

static uint64_t get_addr(rd *r, const scale *s)
{
    uint32_t v = (uint32_t)getle(r, 2);
    return v == ESC ? codec_clamp(getle(r, 8), 0, MAXV) : codec_addr_of_code(s, v);
}

/* OFFSET (plus = 0) or LENGTH (plus = 1) */
static uint64_t get_span(rd *r, int plus)
{
    uint64_t u = getvar(r), k = u >> 1;
    if (u & 1)
        return codec_clamp(k + (uint64_t)plus, 0, MAXV);
    k += (uint64_t)plus;
    return k > MAXV / VMEX_PAGE ? MAXV : k * VMEX_PAGE;
}

/* ---------------------------------------------------------------- header */

typedef struct header {
    int v2;              /* version byte 2: full-byte op kinds, target jsc, its classes */
    vmex_config cfg;
    int expect;          /* -1 none */
    int64_t expect_at;   /* -1 none */
    size_t ops_at;       /* where the ops start (may be past the end) */
} header;

/* The values of set keys first .. first + 7 whose bits mask has, each kept
 * when valid: 0, or -1 when the block ends inside them. */
static int set_values(rd *r, uint32_t mask, int first, vmex_config *c)
{
    for (int k = first; k < first + 8 && k < VMEX_SET__COUNT; k++) {
        if (!(mask >> (k - first) & 1))
            continue;
        if (r->n - r->i < 8)
            return -1;
        uint64_t v = getle(r, 8);
        if (codec_set_key_ok(c, k, v)) {
            c->set[k] = v;
            c->set_mask |= 1u << k;
        }
    }
    return 0;
}

static void header_decode(const uint8_t *d, size_t n, header *h)
{
    memset(h, 0, sizeof *h);
    h->expect = -1;
    h->expect_at = -1;
    size_t hl = n > 1 ? d[1] : 0, lo = n < 2 ? n : 2;
    h->ops_at = 2 + hl;
    rd r = {d, lo + hl < n ? lo + hl : n, lo};   /* the block, cut at the input's end */
    h->v2 = n > 0 && d[0] == 2;
#define HAVE(k) (r.n - r.i >= (k))
    if (!HAVE(1))
        return;
    uint8_t t = get8(&r);
    h->cfg.target = codec_target_runs(t) && (h->v2 || t < VMEX_CODEC_V1_TARGETS) ? t : VMEX_TARGET_XNU;
    int xnu = vmex_target_has(h->cfg.target, VMEX_CAP_DEVICE);   /* profile and entitlements are xnu's */
    if (!HAVE(1))
        return;
    uint8_t pi = get8(&r);
    const char *names[256];
    size_t np = vmex_profile_list(names, 256);
    if (pi < np && xnu)
        snprintf(h->cfg.profile, sizeof h->cfg.profile, "%s", names[pi]);
    if (!HAVE(1))
        return;
    h->cfg.ents = xnu ? get8(&r) & HDR_ENTS_LO_MASK : (get8(&r), 0u);
    if (!HAVE(1))
        return;
    if (set_values(&r, get8(&r), 0, &h->cfg))
        return;
    if (!HAVE(1))
        return;
    uint8_t e = get8(&r);
    h->expect = e < (h->v2 ? VMEX_CLASS__COUNT : VMEX_CODEC_V1_CLASSES) ? e : -1;
    if (!HAVE(4))
        return;
    uint32_t at = (uint32_t)getle(&r, 4);
    h->expect_at = at == HDR_NONE32 || h->expect < 0 ? -1 : (int64_t)at;
    if (!HAVE(1))
        return;
    if (set_values(&r, get8(&r), 8, &h->cfg))
        return;
    if (!HAVE(1))
        return;
    uint32_t hi = get8(&r);
    if (xnu)
        h->cfg.ents |= (hi << HDR_ENTS_LO) & HDR_ENTS_ALL;
#undef HAVE
}

void vmex_decode_config(const uint8_t *data, size_t n, vmex_config *cfg)
{
    header h;
    header_decode(data, n, &h);
    *cfg = h.cfg;
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

/* A JavaScriptCore op (v2): 1, or 0 when it decodes to nothing (no live
 * handle to release, or a target that does not run it: jsc is 0). */
static int decode_jsc_op(rd *r, const hset *hs, uint8_t b, int jsc, vmex_op *op, int *bind)
{
    switch (op->kind) {
    case VMEX_OP_RELEASE:
        op->src = pick(hs, getvar(r));
        return jsc && op->src >= 0;
    case VMEX_OP_GC:
        return jsc;
    case VMEX_OP_OBJECTS:
    case VMEX_OP_PROPS:
        op->size = codec_clamp(getvar(r), 0, VMEX_JSC_MAX_COUNT);
        break;
    default:   /* arraybuffer, string, array, eval: bytes */
        op->size = get_msize(r);
        if (op->kind == VMEX_OP_EVAL && op->size > VMEX_JSC_MAX_EVAL)
            op->size = VMEX_JSC_MAX_EVAL;
    }
    *bind = !(b & F1);
    return jsc;
}

/* Decode one op at r.  *bind: the op binds a new handle.  Returns 1 when it
 * is an op, 0 when it decodes to nothing.  v2: a kind byte (past the last
 * op: nothing), then the flags byte (bits 3-7 as in v1); jsc: the target
 * runs JavaScriptCore ops. */
static int decode_op(rd *r, const scale *s, const hset *hs, int v2, int jsc, vmex_op *op, int *bind)
{
    int k = v2 ? get8(r) : 0;
    uint8_t b = get8(r);
    int kind = v2 ? k : b & 7;
    *bind = 0;
    if (kind >= VMEX_OP__COUNT)
        return 0;
    vmex_op_init(op, kind);
    if (VMEX_OP_IS_JSC(kind))
        return decode_jsc_op(r, hs, b, jsc, op, bind);
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

int vmex_decode(const uint8_t *data, size_t n, const vmex_layout *L, vmex_program *out)
{
    vmex_layout def;
    if (!L) {
        if (codec_default_layout(&def))
            return -1;
        L = &def;
    }
    if (!data)
        n = 0;
    scale s;
    codec_scale_init(&s, L);
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
        if (!decode_op(&r, &s, &hs, h.v2, vmex_target_has(h.cfg.target, VMEX_CAP_JSC), &op, &bind))
            continue;
        if (op.src >= 0 && codec_consumes(&op))
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
