/*
 * minimize.c - shrink a program to a small reproducer of the same finding,
 * and print programs annotated with where each op landed.
 *
 * The finding is identified by its signature (class, op kind, log2 size
 * class of the request, profile); a candidate is kept only when its first
 * hunted finding has the same signature, so minimization never drifts to
 * another bug.  Steps, each to a fixed point:
 *   1. cut everything after the finding op;
 *   2. delta debugging over ops: chunks (halving), then single ops from the
 *      end.  Handle-aware: dropping an op drops every later op that uses a
 *      name it bound (transitively, until the name is bound again);
 *   3. fusing neighbouring mappings whose second name is unused into one of
 *      the summed size (many blockers of one hole become one op);
 *   4. argument shrinking: round sizes (1g, 1m, 64k, page multiples, powers
 *      of two), drop options (hint, align, tag, prot, noreserve, jit,
 *      shared, try, sub-ranges).
 * Deterministic: no randomness, candidates in a fixed order.
 */
#include "core/core.h"
#include "oracle/minimize.h"

#include <stdlib.h>
#include <string.h>

typedef struct mctx {
    vmex_model *m, *real;   /* real: the kernel side of a diverge hunt */
    const vmex_layout *L;
    const vmex_hunt *hunt;
    char sig[128];
    uint32_t runs;
    vmex_program cand;
} mctx;

static int finding_sig(mctx *c, const vmex_program *p, char *sig, size_t n, vmex_result *res)
{
    c->runs++;
    return vmex_find(c->m, &c->real, c->L, p, c->hunt, res, sig, n) == 1 ? 0 : -1;
}

/* 1 when p still gives the signature; then *at is the finding's op */
static int same(mctx *c, const vmex_program *p, int32_t *at)
{
    char sig[128];
    vmex_result res;
    if (finding_sig(c, p, sig, sizeof sig, &res) || strcmp(sig, c->sig)) return 0;
    if (at) *at = res.at;
    return 1;
}

/* Build c->cand = p without the ops marked in drop (and their dependents). */
static int without(mctx *c, const vmex_program *p, uint8_t *drop)
{
    uint8_t *dead = calloc(p->nnames ? p->nnames : 1, 1);
    if (!dead) return -1;
    for (uint32_t i = 0; i < p->nops; i++) {
        const vmex_op *op = &p->ops[i];
        if (!drop[i] && op->src >= 0 && dead[op->src]) drop[i] = 1;
        if (op->dst >= 0) dead[op->dst] = drop[i];
    }
    free(dead);
    vmex_program *q = &c->cand;
    if (vmex_program_copy(q, p)) return -1;
    q->nops = 0;
    for (uint32_t i = 0; i < p->nops; i++)
        if (!drop[i]) q->ops[q->nops++] = p->ops[i];
    q->expect = -1;
    q->expect_at = -1;
    return 0;
}

static int swap_in(mctx *c, vmex_program *p)
{
    vmex_program t = *p;
    *p = c->cand;
    c->cand = t;
    return 0;
}

/* Try dropping ops [a, b); keep the result when the finding stays. */
static int try_drop(mctx *c, vmex_program *p, uint32_t a, uint32_t b, uint8_t *drop)
{
    memset(drop, 0, p->nops);
    for (uint32_t i = a; i < b && i < p->nops; i++) drop[i] = 1;
    if (without(c, p, drop)) return -1;
    if (c->cand.nops == p->nops || !same(c, &c->cand, NULL)) return 0;
    swap_in(c, p);
    return 1;
}

static int reduce_ops(mctx *c, vmex_program *p)
{
    uint8_t *drop = malloc(p->nops ? p->nops : 1);
    if (!drop) return -1;
    /* chunks: ddmin's complement steps, granularity doubling */
    uint32_t n = 2;
    while (p->nops >= 2 && n <= p->nops) {
        uint32_t chunk = (p->nops + n - 1) / n, hit = 0;
        for (uint32_t a = 0; a < p->nops; a += chunk) {
            int r = try_drop(c, p, a, a + chunk, drop);
            if (r < 0) goto oom;
            if (r) {
                hit = 1;
                n = n > 2 ? n - 1 : 2;
                break;
            }
        }
        if (!hit) {
            if (n >= p->nops) break;
            n = n * 2 < p->nops ? n * 2 : p->nops;
        }
    }
    /* single ops from the end, until nothing more goes */
    for (int changed = 1; changed;) {
        changed = 0;
        for (uint32_t i = p->nops; i-- > 0;) {
            if (i >= p->nops) continue;
            int r = try_drop(c, p, i, i + 1, drop);
            if (r < 0) goto oom;
            changed |= r;
        }
    }
    free(drop);
    return 0;
oom:
    free(drop);
    return -1;
}

static int tz(uint64_t v) { return v ? __builtin_ctzll(v) : 64; }

/* Candidate sizes, roundest first: only strictly rounder ones (more
 * trailing zero bits) within 1/8 of v, or the powers of two around it, so
 * each size changes a bounded number of times. */
static int size_candidates(uint64_t v, int bytes, uint64_t *out)
{
    static const uint64_t units[] = {1ull << 30, 1ull << 20, 64ull << 10, 16ull << 10, 4096, 1024, 16};
    int n = 0;
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
        uint64_t u = units[k];
        if (!bytes && u < VMEX_PAGE) break;
        uint64_t dn = v / u * u, up = dn + u;
        if (dn && tz(dn) > tz(v) && (v - dn) * 8 <= v) out[n++] = dn;
        if (up < VMEX_MAX_VALUE && tz(up) > tz(v) && (up - v) * 8 <= v) out[n++] = up;
    }
    uint64_t p2 = 1;
    while (p2 < v && p2 < (1ull << 47)) p2 <<= 1;
    if (tz(p2) > tz(v)) out[n++] = p2;
    if (p2 / 2 && tz(p2 / 2) > tz(v)) out[n++] = p2 / 2;
    return n;
}

/* is the name bound by op i used by a later op (before it is bound again)? */
static int name_used_later(const vmex_program *p, uint32_t i)
{
    int32_t id = p->ops[i].dst;
    if (id < 0) return 0;
    for (uint32_t k = i + 1; k < p->nops; k++) {
        if (p->ops[k].src == id) return 1;
        if (p->ops[k].dst == id) return 0;
    }
    return 0;
}

/* Fuse neighbouring mappings of the same kind and options into one of the
 * summed size when the second's name is not used later: many blockers
 * filling a hole become one. */
static int fuse_maps(mctx *c, vmex_program *p)
{
    for (uint32_t i = 0; i + 1 < p->nops;) {
        vmex_op *a = &p->ops[i], *b = &p->ops[i + 1];
        int mapping = a->kind == VMEX_OP_MMAP || a->kind == VMEX_OP_VM_ALLOCATE;
        if (!mapping || b->kind != a->kind || ((a->flags | b->flags) & (VMEX_F_FIXED | VMEX_F_HINT)) ||
            a->flags != b->flags || a->tag != b->tag || a->prot != b->prot || a->align != b->align ||
            name_used_later(p, i + 1) || i + 1 == p->nops - 1) {
            i++;
            continue;
        }
        uint64_t sum = VMEX_ALIGN_UP(a->size, VMEX_PAGE) + VMEX_ALIGN_UP(b->size, VMEX_PAGE);
        if (vmex_program_copy(&c->cand, p)) return -1;
        c->cand.ops[i].size = sum;
        memmove(&c->cand.ops[i + 1], &c->cand.ops[i + 2], (p->nops - i - 2) * sizeof(vmex_op));
        c->cand.nops--;
        if (same(c, &c->cand, NULL))
            swap_in(c, p);   /* stay at i: fuse the next one too */
        else
            i++;
    }
    return 0;
}

static int shrink_args(mctx *c, vmex_program *p)
{
    static const uint16_t flags[] = {VMEX_F_HINT, VMEX_F_ALIGN, VMEX_F_TAG, VMEX_F_PROT, VMEX_F_NORESERVE,
                                     VMEX_F_JIT, VMEX_F_SHARED, VMEX_F_TRY, VMEX_F_RANGE};
    for (int changed = 1; changed;) {
        changed = 0;
        for (uint32_t i = 0; i < p->nops; i++) {
            vmex_op *op = &p->ops[i];
            for (size_t f = 0; f < sizeof flags / sizeof flags[0]; f++) {
                if (!(op->flags & flags[f])) continue;
                vmex_op keep = *op;
                op->flags &= (uint16_t)~flags[f];
                if (flags[f] == VMEX_F_HINT) op->addr = 0;
                if (flags[f] == VMEX_F_ALIGN) op->align = 0;
                if (flags[f] == VMEX_F_TAG) op->tag = 0;
                if (flags[f] == VMEX_F_PROT) op->prot = VMEX_PROT_RW;
                if (flags[f] == VMEX_F_RANGE) op->off = op->len = 0;
                if (same(c, p, NULL)) changed = 1;
                else *op = keep;
            }
            int bytes = op->kind == VMEX_OP_MALLOC || op->kind == VMEX_OP_REALLOC;
            if (op->kind == VMEX_OP_MMAP || op->kind == VMEX_OP_VM_ALLOCATE || bytes) {
                uint64_t cand[24];
                int n = size_candidates(op->size, bytes, cand);
                for (int k = 0; k < n; k++) {
                    uint64_t keep = op->size;
                    op->size = cand[k];
                    if (same(c, p, NULL)) {
                        changed = 1;
                        break;
                    }
                    op->size = keep;
                }
            }
        }
    }
    return 0;
}

int vmex_minimize(const vmex_program *in, const vmex_layout *L, const vmex_hunt *hunt, vmex_program *out,
                  vmex_minimize_stats *st)
{
    mctx c;
    memset(&c, 0, sizeof c);
    memset(st, 0, sizeof *st);
    c.L = L;
    c.hunt = hunt;
    c.m = vmex_model_new(VMEX_STORE_FAST);
    if (!c.m) return -1;
    vmex_program_init(&c.cand);
    int rc = -1;
    vmex_result res;
    if (vmex_program_copy(out, in)) goto done;
    out->expect = -1;
    out->expect_at = -1;
    if (finding_sig(&c, out, c.sig, sizeof c.sig, &res)) {
        rc = 1;   /* nothing to minimize: no hunted finding */
        goto done;
    }
    st->ops_before = in->nops;
    out->nops = (uint32_t)res.at + 1;   /* nothing after the finding matters */
    if (reduce_ops(&c, out) || fuse_maps(&c, out) || reduce_ops(&c, out) || shrink_args(&c, out) ||
        reduce_ops(&c, out))
        goto done;
    int32_t at;
    if (!same(&c, out, &at)) goto done;   /* cannot happen: every step keeps it */
    out->expect = (int8_t)res.verdict;
    out->expect_at = at;
    st->ops_after = out->nops;
    st->runs = c.runs;
    snprintf(st->signature, sizeof st->signature, "%s", c.sig);
    finding_sig(&c, out, c.sig, sizeof c.sig, &res);
    st->margin = res.margin;
    st->cls = res.verdict;
    rc = 0;
done:
    vmex_program_free(&c.cand);
    vmex_model_free(c.m);
    vmex_model_free(c.real);
    return rc;
}

/* ------------------------------------------------------------ annotation */
typedef struct ann {
    vmex_opres *r;
    uint32_t n;
    vmex_model *m;
    const vmex_layout *L;
    vmex_stats *st;
    char text[256];
} ann;

static void ann_op(void *ctx, const vmex_op *op, const vmex_opres *r)
{
    ann *a = ctx;
    if (r->i < a->n) {
        a->r[r->i] = *r;
        if (r->cls != VMEX_OK) vmex_model_stats(a->m, &a->st[r->i]);
    }
}

static const char *ann_comment(void *ctx, uint32_t i)
{
    ann *a = ctx;
    const vmex_opres *r = &a->r[i];
    char s1[32], s2[32], s3[32];
    if (r->i != i) return "not run";
    switch (r->status) {
    case VMEX_ST_OK:
        if (r->addr && r->size) {
            vmex_format_size(r->size, s1, sizeof s1);
            snprintf(a->text, sizeof a->text, "-> 0x%09llx (%s)", (unsigned long long)r->addr, s1);
            return a->text;
        }
        return NULL;
    case VMEX_ST_SKIPPED:
        snprintf(a->text, sizeof a->text, "skipped: %s", vmex_reason_text(r->why));
        return a->text;
    default:
        if (r->cls != VMEX_OK && vmex_target_has(a->L->target, VMEX_CAP_REAL)) {
            /* the real kernel is judged against what the program holds (oracle/classify.c) */
            vmex_format_size(r->live, s1, sizeof s1);
            vmex_format_size(a->L->window, s2, sizeof s2);
            vmex_format_size(r->req, s3, sizeof s3);
            snprintf(a->text, sizeof a->text, "%s %s: request %s, held %s of %s, margin %.2f",
                     r->finding ? "FINDING" : "failed", vmex_class_name(r->cls), s3, s1, s2, r->margin);
        } else if (r->cls != VMEX_OK) {
            vmex_format_size(a->st[i].free, s1, sizeof s1);
            vmex_format_size(a->st[i].largest, s2, sizeof s2);
            vmex_format_size(r->req, s3, sizeof s3);
            snprintf(a->text, sizeof a->text, "%s %s: request %s, free %s, largest hole %s, margin %.2f",
                     r->finding ? "FINDING" : "failed", vmex_class_name(r->cls), s3, s1, s2, r->margin);
        } else
            snprintf(a->text, sizeof a->text, "failed: %s", vmex_reason_text(r->why));
        return a->text;
    }
}

int vmex_print_annotated(const vmex_program *p, const vmex_layout *L, const vmex_hunt *hunt, const char *header,
                         vmex_buf *out)
{
    ann a = {0};
    a.n = p->nops;
    a.r = calloc(p->nops ? p->nops : 1, sizeof *a.r);
    a.st = calloc(p->nops ? p->nops : 1, sizeof *a.st);
    a.m = vmex_model_new(VMEX_STORE_FAST);
    a.L = L;
    int rc = -1;
    if (a.r && a.st && a.m) {
        for (uint32_t i = 0; i < a.n; i++) a.r[i].i = UINT32_MAX;
        vmex_runopts o;
        vmex_runopts_init(&o);
        o.hunt = hunt;
        o.on_op = ann_op;
        o.ctx = &a;
        vmex_result res;
        if (vmex_model_run(a.m, L, p, &o, &res) == 0) rc = vmex_print(p, out, header, ann_comment, &a);
    }
    vmex_model_free(a.m);
    free(a.r);
    free(a.st);
    return rc;
}
