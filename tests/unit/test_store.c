/*
 * test_store.c - the fast store against the naive reference.
 *
 * 1. Store level: long random sequences of fit/insert/remove/touch with
 *    thousands of live entries, comparing every answer, the stats, and the
 *    full entry list.
 * 2. Model level: 10,000 random programs over every op, option and several
 *    profiles run on both models; every op must land at the same address
 *    with the same status, reason and class, and the end states must match.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/core.h"
#include "model/store.h"

static uint64_t rng_state;
static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}
static uint64_t below(uint64_t n) { return n ? rnd() % n : 0; }

/* a page count spread log-uniformly over 1 .. 2^maxlog pages */
static uint64_t pages_log(int maxlog)
{
    int e = (int)below((uint64_t)maxlog + 1);
    uint64_t lo = 1ull << e, span = lo;
    return lo + below(span);
}

typedef struct { uint64_t lo, hi; uint32_t attr; } ent;
typedef struct { ent v[100000]; size_t n; } entlist;
static void collect(void *ctx, uint64_t lo, uint64_t hi, uint32_t attr)
{
    entlist *l = ctx;
    if (l->n < 100000) l->v[l->n++] = (ent){lo, hi, attr};
}
static entlist la, lb;

static void same_state(const vmex_store_vt *A, vmex_store *a, const vmex_store_vt *B, vmex_store *b)
{
    vmex_stats sa, sb;
    A->stats(a, &sa);
    B->stats(b, &sb);
    assert_int_equal(sa.free, sb.free);
    assert_int_equal(sa.largest, sb.largest);
    assert_int_equal(sa.mapped, sb.mapped);
    assert_int_equal(sa.footprint, sb.footprint);
    assert_int_equal(sa.entries, sb.entries);
    assert_int_equal(sa.holes, sb.holes);
    la.n = lb.n = 0;
    A->walk(a, 0, UINT64_MAX, collect, &la);
    B->walk(b, 0, UINT64_MAX, collect, &lb);
    assert_int_equal(la.n, lb.n);
    assert_memory_equal(la.v, lb.v, la.n * sizeof(ent));
}

static void test_store_random(void **state)
{
    const vmex_store_vt *A = &vmex_store_fast, *B = &vmex_store_naive;
    vmex_store *a = A->create(), *b = B->create();
    const uint64_t P = VMEX_PAGE, lo = 0x100000000ull, hi = lo + (1ull << 36);
    rng_state = 0x1234567887654321ull;
    for (int round = 0; round < 6; round++) {
        A->reset(a, lo, hi);
        B->reset(b, lo, hi);
        for (int i = 0; i < 6000; i++) {
            uint64_t k = below(100);
            if (k < 55) { /* first fit + insert */
                uint64_t size = pages_log(12) * P, align = P << below(round < 3 ? 1 : 10);
                uint64_t from = below(3) ? lo : lo + below(hi - lo) / P * P, x = 0, y = 0;
                int ra = A->fit(a, from, size, align, &x), rb = B->fit(b, from, size, align, &y);
                assert_int_equal(ra, rb);
                if (ra == 0) {
                    assert_int_equal(x, y);
                    uint32_t attr = VMEX_ATTR(below(2), below(256), below(4));
                    A->insert(a, x, size, attr);
                    B->insert(b, x, size, attr);
                }
            } else if (k < 85) { /* remove a random range, often around an entry */
                uint64_t s = lo + below(hi - lo) / P * P, n = pages_log(14) * P;
                la.n = 0;
                A->walk(a, s, UINT64_MAX, collect, &la);
                if (la.n && below(2)) s = la.v[0].lo + below((la.v[0].hi - la.v[0].lo) / P) * P;
                A->remove(a, s, n);
                B->remove(b, s, n);
            } else if (k < 95) { /* touch a mapped range */
                la.n = 0;
                A->walk(a, lo + below(hi - lo), UINT64_MAX, collect, &la);
                if (la.n) {
                    uint64_t s = la.v[0].lo, n = (la.v[0].hi - s) / P;
                    uint64_t off = below(n), len = 1 + below(n - off);
                    assert_true(A->is_mapped(a, s + off * P, len * P));
                    A->touch(a, s + off * P, len * P);
                    B->touch(b, s + off * P, len * P);
                }
            } else { /* queries */
                uint64_t s = lo + below(hi - lo) / P * P, n = pages_log(8) * P;
                assert_int_equal(A->is_free(a, s, n), B->is_free(b, s, n));
                assert_int_equal(A->is_mapped(a, s, n), B->is_mapped(b, s, n));
            }
            if (i % 500 == 0) same_state(A, a, B, b);
        }
        same_state(A, a, B, b);
    }
    A->destroy(a);
    B->destroy(b);
}

/* ------------------------------------------------------------ programs */
static const char *profiles[] = {"ios16-3gb", "ios13-1gb", "ios17.4-6gb", "ios11-2gb", "ios18-16gb"};

static void random_program(vmex_program *p)
{
    vmex_program_reset(p);
    snprintf(p->cfg.profile, sizeof p->cfg.profile, "%s", profiles[below(5)]);
    if (below(4) == 0) p->cfg.ents |= VMEX_ENT_EXTENDED_VA;
    if (below(4) == 0) p->cfg.ents |= VMEX_ENT_JIT;
    if (below(3) == 0) {
        p->cfg.set[VMEX_SET_NANO] = 0;
        p->cfg.set_mask |= 1u << VMEX_SET_NANO;
    }
    if (below(3) == 0) {
        p->cfg.set[VMEX_SET_MALLOC_ENTROPY] = below(128);
        p->cfg.set_mask |= 1u << VMEX_SET_MALLOC_ENTROPY;
    }
    if (below(3) == 0) {
        p->cfg.set[VMEX_SET_FOOTPRINT_LIMIT] = (1 + below(64)) << 20;
        p->cfg.set_mask |= 1u << VMEX_SET_FOOTPRINT_LIMIT;
    }
    int nops = 20 + (int)below(180), nnames = 0;
    char nm[16];
    for (int i = 0; i < nops; i++) {
        vmex_op op;
        uint64_t k = below(100);
        int kind = k < 35 ? VMEX_OP_MMAP : k < 45 ? VMEX_OP_VM_ALLOCATE : k < 60 ? VMEX_OP_MALLOC
                 : k < 65 ? VMEX_OP_REALLOC : k < 72 ? VMEX_OP_FREE : k < 88 ? VMEX_OP_MUNMAP
                 : k < 97 ? VMEX_OP_TOUCH : VMEX_OP_CHECK;
        if (vmex_op_uses(kind) && nnames == 0) kind = VMEX_OP_MMAP;
        vmex_op_init(&op, kind);
        if (vmex_op_uses(kind)) {
            snprintf(nm, sizeof nm, "h%d", (int)below((uint64_t)nnames));
            op.src = vmex_program_find_name(p, nm);
        }
        if (vmex_op_binds(kind)) {
            /* sometimes rebind an old name */
            int id = nnames && below(8) == 0 ? (int)below((uint64_t)nnames) : nnames++;
            snprintf(nm, sizeof nm, "h%d", id);
            op.dst = vmex_program_name(p, nm);
        }
        switch (kind) {
        case VMEX_OP_MMAP:
        case VMEX_OP_VM_ALLOCATE:
            op.size = pages_log(16) * VMEX_PAGE - (below(4) == 0 ? below(VMEX_PAGE) : 0);
            if (below(5) == 0) {
                op.flags |= VMEX_F_ALIGN;
                op.align = VMEX_PAGE << below(12);
            }
            if (below(8) == 0) {
                op.flags |= VMEX_F_FIXED;
                op.addr = 0x100000000ull + below(0x300000000ull) / VMEX_PAGE * VMEX_PAGE;
            } else if (kind == VMEX_OP_MMAP && below(4) == 0) {
                op.flags |= VMEX_F_HINT;
                op.addr = below(0x400000000ull);
            }
            if (kind == VMEX_OP_MMAP) {
                if (below(4) == 0) { op.flags |= VMEX_F_TAG; op.tag = (uint8_t)below(256); }
                if (below(4) == 0) { op.flags |= VMEX_F_PROT; op.prot = (uint8_t)below(4); }
                if (below(10) == 0) op.flags |= VMEX_F_JIT;
            }
            break;
        case VMEX_OP_MALLOC:
        case VMEX_OP_REALLOC: {
            int c = (int)below(4);
            op.size = c == 0 ? below(257) : c == 1 ? below(1009) : c == 2 ? below(15 * 1024 + 1)
                    : below(64ull << 20);
            break;
        }
        case VMEX_OP_MUNMAP:
        case VMEX_OP_TOUCH:
            if (below(2)) {
                op.flags |= VMEX_F_RANGE;
                op.off = below(4) * VMEX_PAGE + (below(6) == 0 ? 1 : 0);
                op.len = 1 + below(4 * VMEX_PAGE);
            }
            break;
        case VMEX_OP_CHECK:
            op.metric = (uint8_t)below(VMEX_M__COUNT);
            op.cmp = (uint8_t)below(2);
            op.size = below(4ull << 30);
            break;
        }
        assert_true(vmex_program_add(p, &op) >= 0);
    }
}

typedef struct { vmex_opres v[256]; uint32_t n; } trace;
static int same_opres(const vmex_opres *a, const vmex_opres *b)
{
    return a->i == b->i && a->status == b->status && a->why == b->why && a->cls == b->cls &&
           a->finding == b->finding && a->warn == b->warn && a->addr == b->addr && a->size == b->size &&
           a->req == b->req && a->margin == b->margin && a->value == b->value;
}
static void rec(void *ctx, const vmex_op *op, const vmex_opres *r)
{
    trace *t = ctx;
    if (t->n < 256) t->v[t->n++] = *r;
}
static void rec_entry(void *ctx, uint64_t s, uint64_t e, int kind, int tag, int prot)
{
    collect(ctx, s, e, VMEX_ATTR(kind, tag, prot));
}

static void test_model_differential(void **state)
{
    vmex_model *fast = vmex_model_new(VMEX_STORE_FAST), *naive = vmex_model_new(VMEX_STORE_NAIVE);
    vmex_program p;
    vmex_program_init(&p);
    static trace ta, tb;
    rng_state = 0xC0FFEE1234ull;
    uint64_t findings = 0, placed = 0;
    for (int n = 0; n < 10000; n++) {
        random_program(&p);
        vmex_layout L;
        vmex_error err;
        assert_int_equal(vmex_layout_resolve(&p.cfg, NULL, 0, &L, &err), 0);
        vmex_runopts o;
        vmex_runopts_init(&o);
        o.keep_going = 1;
        o.large = below(2) ? 0 : VMEX_DEFAULT_LARGE;
        o.on_op = rec;
        vmex_result ra, rb;
        ta.n = tb.n = 0;
        o.ctx = &ta;
        assert_int_equal(vmex_model_run(fast, &L, &p, &o, &ra), 0);
        o.ctx = &tb;
        assert_int_equal(vmex_model_run(naive, &L, &p, &o, &rb), 0);
        assert_int_equal(ta.n, tb.n);
        for (uint32_t i = 0; i < ta.n; i++) {
            if (!same_opres(&ta.v[i], &tb.v[i])) {
                print_error("program %d op %u: fast %d/%d addr %#llx, naive %d/%d addr %#llx\n", n, i,
                            ta.v[i].status, ta.v[i].why, (unsigned long long)ta.v[i].addr, tb.v[i].status,
                            tb.v[i].why, (unsigned long long)tb.v[i].addr);
                fail();
            }
            placed += ta.v[i].status == VMEX_ST_OK;
        }
        assert_memory_equal(&ra, &rb, sizeof ra);
        findings += ra.findings;
        la.n = lb.n = 0;
        vmex_model_walk(fast, rec_entry, &la);
        vmex_model_walk(naive, rec_entry, &lb);
        assert_int_equal(la.n, lb.n);
        assert_memory_equal(la.v, lb.v, la.n * sizeof(ent));
    }
    /* the random programs must actually reach failures and placements */
    assert_true(findings > 1000);
    assert_true(placed > 500000);
    vmex_program_free(&p);
    vmex_model_free(fast);
    vmex_model_free(naive);
}

/* Same program, same model: same result every time (and after other runs). */
static void test_determinism(void **state)
{
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    vmex_program p, q;
    vmex_program_init(&p);
    vmex_program_init(&q);
    rng_state = 99;
    random_program(&p);
    vmex_layout L;
    vmex_error err;
    assert_int_equal(vmex_layout_resolve(&p.cfg, NULL, 0, &L, &err), 0);
    static trace t1, t2;
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.keep_going = 1;
    o.on_op = rec;
    vmex_result r1, r2;
    o.ctx = &t1;
    vmex_model_run(m, &L, &p, &o, &r1);
    for (int i = 0; i < 50; i++) { /* dirty the model with other programs */
        vmex_layout L2;
        random_program(&q);
        assert_int_equal(vmex_layout_resolve(&q.cfg, NULL, 0, &L2, &err), 0);
        vmex_model_run(m, &L2, &q, NULL, &r2);
    }
    o.ctx = &t2;
    vmex_model_run(m, &L, &p, &o, &r2);
    assert_int_equal(t1.n, t2.n);
    for (uint32_t i = 0; i < t1.n; i++) assert_true(same_opres(&t1.v[i], &t2.v[i]));
    assert_memory_equal(&r1, &r2, sizeof r1);
    vmex_program_free(&p);
    vmex_program_free(&q);
    vmex_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_random),
        cmocka_unit_test(test_model_differential),
        cmocka_unit_test(test_determinism),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
