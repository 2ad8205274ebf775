/*
 * mutate.c - the structure-aware mutator and crossover of binary inputs
 * (libFuzzer's LLVMFuzzerCustomMutator/CrossOver and AFL++'s custom
 * mutator both call these).
 *
 * A call decodes its input (decode.c), mutates the program (ops, sizes,
 * handles, flags; never the header: config and expect are kept), and
 * writes the canonical encoding back.  Invariants:
 *   - the output always decodes (every output is a canonical encoding) and
 *     fits the size given; when the input is larger than that (libFuzzer's
 *     -minimize_crash), ops are dropped until it fits;
 *   - deterministic in (input, seed, layout): the only randomness is a
 *     splitmix64 stream seeded from `seed`; no global state;
 *   - mutations work on the program with its names: a mutation may leave a
 *     use of a name that is no longer live (an op deleted or moved); the
 *     encoder drops such uses, exactly as it does for text programs.
 * Hole-based mutations run a prefix of the program on the caller's scratch
 * model and read the map's holes (gaps between entries in [floor,
 * max_offset)) with vmex_model_walk.  The mutations are mutations.c, the
 * context they work in mutctx.c (mutate.h).
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "fuzz/fuzz.h"
#include "fuzz/mutate.h"

/* ---------------------------------------------------------------- fitting */

/* Encode m->p into enc; drop ops until it fits max (a random run whose bytes
 * cover the excess, or the tail).  Returns the size, or 0 when even the
 * header does not fit (or out of memory). */
static size_t fit(mctx *m, vmex_buf *enc, size_t max, vmex_mutate_stats *st)
{
    vmex_program *p = m->p;
    size_t *offs = NULL, ocap = 0;
    int shrunk = 0;
    size_t n = 0;
    for (;;) {
        if (p->nops > ocap) {
            free(offs);
            ocap = p->nops;
            if (!(offs = malloc(ocap * sizeof *offs)))
                break;
        }
        enc->len = 0;
        if (_vmex_encode_offsets(p, m->L, enc, offs))
            break;
        if (enc->len <= max) {
            n = enc->len;
            break;
        }
        if (!p->nops)
            break;                               /* the header alone is too large */
        shrunk = 1;
        size_t excess = enc->len - max;
        if (chance(&m->r, 1, 4)) {
            /* the longest prefix that fits (a prefix encodes as a prefix);
             * end: the bytes of ops [0, k) */
            uint32_t k = p->nops;
            size_t end = enc->len;
            do {
                k--;
                if (offs[k] != SIZE_MAX)
                    end = offs[k];
            } while (k > 0 && end > max);
            p->nops = k;
        } else {
            /* a run from a random op whose bytes cover the excess */
            uint32_t i = (uint32_t)below(&m->r, p->nops), j = i;
            size_t start = SIZE_MAX;
            for (; j < p->nops; j++) {
                if (offs[j] == SIZE_MAX)
                    continue;
                if (start == SIZE_MAX)
                    start = offs[j];
                else if (offs[j] - start >= excess)
                    break;
            }
            mctx_delete_ops(p, i, j - i);
        }
    }
    free(offs);
    if (shrunk && st)
        st->applied[VMEX_MUT_SHRINK]++;
    return n;
}

static size_t emit(const vmex_buf *enc, size_t n, uint8_t *out)
{
    if (n)
        memcpy(out, enc->p, n);
    return n;
}

/* ---------------------------------------------------------------- mutate */

/* L, or the default profile's layout in *def when L is NULL */
static const vmex_layout *layout_or_default(const vmex_layout *L, vmex_layout *def)
{
    vmex_config cfg;
    vmex_error err;
    if (L)
        return L;
    memset(&cfg, 0, sizeof cfg);
    memset(&err, 0, sizeof err);
    return vmex_layout_resolve(&cfg, VMEX_DEFAULT_PROFILE, 0, def, &err) ? NULL : def;
}

size_t vmex_mutate_ex(uint8_t *data, size_t size, size_t max_size, unsigned seed, const vmex_layout *L,
                      vmex_model *scratch, vmex_mutate_stats *st)
{
    vmex_program p;
    vmex_buf orig = {0}, enc = {0};
    vmex_layout def;
    mctx m;
    size_t n = 0;
    if (!(L = layout_or_default(L, &def)))
        return 0;
    vmex_program_init(&p);
    mctx_init(&m, &p, L, scratch, seed);
    if (st)
        st->calls++;
    if (vmex_decode(data, size, L, &p) || vmex_encode(&p, L, &orig))
        goto out;

    int minimize = max_size < size;
    for (int round = 0; round < 4; round++) {
        int nmut = minimize && chance(&m.r, 3, 4) ? 0 : 1;
        if (!minimize && chance(&m.r, 1, 3))
            nmut += 1 + (int)below(&m.r, 3);
        if (minimize && nmut == 0 && p.nops) {
            mut_delete(&m);                   /* shrinking: drop, and let fit() do the rest */
            if (st)
                st->applied[VMEX_MUT_DELETE]++;
        }
        for (int k = 0; k < nmut; k++)
            for (int attempt = 0; attempt < 8; attempt++) {
                int mu = mut_pick(&m);
                if (mu == VMEX_MUT_SIZE_HOLE && !scratch)
                    continue;
                if (mut_apply(&m, mu)) {
                    if (st)
                        st->applied[mu]++;
                    break;
                }
                if (m.oom)
                    goto out;
            }
        n = fit(&m, &enc, max_size, st);
        if (!n || enc.len != orig.len || memcmp(enc.p, orig.p, enc.len))
            break;
    }
    if (n && st && (enc.len != orig.len || memcmp(enc.p, orig.p, enc.len)))
        st->changed++;
    n = emit(&enc, n, data);
out:
    mctx_free(&m);
    vmex_buf_free(&orig);
    vmex_buf_free(&enc);
    vmex_program_free(&p);
    return n;
}

size_t vmex_mutate(uint8_t *data, size_t size, size_t max_size, unsigned seed, const vmex_layout *L,
                   vmex_model *scratch)
{
    return vmex_mutate_ex(data, size, max_size, seed, L, scratch, NULL);
}

/* ---------------------------------------------------------------- crossover */

/* Insert b's ops [i, i+len) into m->p at pos: what the run binds gets fresh
 * names; what it uses but does not bind maps to a handle live at pos. */
static int splice(mctx *m, const vmex_program *b, uint32_t i, uint32_t len, uint32_t pos)
{
    int32_t *map = b->nnames ? malloc(b->nnames * sizeof *map) : NULL;
    if (b->nnames && !map)
        return -1;
    for (uint32_t k = 0; k < b->nnames; k++)
        map[k] = -1;
    if (mctx_live_at(m, pos)) {
        free(map);
        return -1;
    }
    int rc = 0;
    for (uint32_t k = 0; k < len && !rc; k++) {
        vmex_op op = b->ops[i + k];
        if (vmex_op_uses(op.kind)) {
            if (mctx_name_ok(b, op.src) && map[op.src] >= 0)
                op.src = map[op.src];
            else {
                int want = op.kind == VMEX_OP_MUNMAP ? H_MAP : op.kind == VMEX_OP_TOUCH ? 0 : H_BLOCK;
                op.src = mctx_pick_live(m, want, -1);   /* -1: the encoder drops it */
            }
        }
        if (op.dst >= 0 && mctx_name_ok(b, op.dst)) {
            int32_t d = mctx_fresh_name(m);
            if (d < 0)
                rc = -1;
            map[op.dst] = d;
            op.dst = d;
        } else {
            op.dst = -1;
        }
        if (!rc && mctx_insert_op(m->p, pos + k, &op))
            rc = -1;
    }
    free(map);
    return rc;
}

size_t vmex_crossover_ex(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2, uint8_t *out,
                         size_t max_out, unsigned seed, const vmex_layout *L, vmex_mutate_stats *st)
{
    vmex_program a, b;
    vmex_buf enc = {0}, orig = {0};
    vmex_layout def;
    mctx m;
    size_t n = 0;
    if (!(L = layout_or_default(L, &def)))
        return 0;
    vmex_program_init(&a);
    vmex_program_init(&b);
    mctx_init(&m, &a, L, NULL, seed);
    if (st)
        st->calls++;
    if (vmex_decode(d1, s1, L, &a) || vmex_decode(d2, s2, L, &b) || vmex_encode(&a, L, &orig))
        goto out;
    if (b.nops) {
        uint32_t i = (uint32_t)below(&m.r, b.nops), len, pos;
        if (chance(&m.r, 1, 3) && a.nops) {
            /* a's prefix, b's suffix */
            pos = (uint32_t)below(&m.r, (uint64_t)a.nops + 1);
            a.nops = pos;
            len = b.nops - i;
        } else {
            len = 1 + (uint32_t)below(&m.r, MAX_SPLICE);
            if (len > b.nops - i)
                len = b.nops - i;
            pos = (uint32_t)below(&m.r, (uint64_t)a.nops + 1);
        }
        if (splice(&m, &b, i, len, pos))
            goto out;
        if (st)
            st->applied[VMEX_MUT_SPLICE]++;
    } else {
        for (int attempt = 0; attempt < 8; attempt++) {
            int mu = mut_pick(&m);
            if (mu != VMEX_MUT_SIZE_HOLE && mut_apply(&m, mu)) {
                if (st)
                    st->applied[mu]++;
                break;
            }
        }
    }
    n = emit(&enc, fit(&m, &enc, max_out, st), out);
    if (n && st && (enc.len != orig.len || memcmp(enc.p, orig.p, enc.len)))
        st->changed++;
out:
    mctx_free(&m);
    vmex_buf_free(&orig);
    vmex_buf_free(&enc);
    vmex_program_free(&a);
    vmex_program_free(&b);
    return n;
}

size_t vmex_crossover(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2, uint8_t *out,
                      size_t max_out, unsigned seed, const vmex_layout *L)
{
    return vmex_crossover_ex(d1, s1, d2, s2, out, max_out, seed, L, NULL);
}
