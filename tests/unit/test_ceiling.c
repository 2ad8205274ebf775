/*
 * test_ceiling.c - the ceiling a failed request on a model is judged
 * against (harness/oracle/ceiling.c): the room it could use at its
 * alignment, and whether the same live set packed tightly leaves a hole
 * for it in the pristine layout.
 *
 * Hand-computed cases on the pristine ios16-3gb layout:
 *   H1 [0x102400000, 0x16FD00000) 1753 MiB  (dyld end .. stack)
 *   H2 [0x16FE00000, 0x180000000)  258 MiB  (stack end .. shared region)
 *   H3 [0x2A0000000, 0x2D8000000)  896 MiB  (nano end .. max_offset)
 * and with extended-virtual-addressing (the jumbo map, max 0xFC0000000):
 *   H3 [0x2A0000000, 0xFC0000000) 53.5 GiB
 * Then random programs against an exhaustive reference: whenever the
 * ceiling says frag, some placement of the live pieces and the request in
 * the pristine holes exists (the ceiling is sound), and the margin is the
 * usable room counted hole by hole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vmex.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

/* Run text; the outcome of op `at` into *r (its class, margin, request). */
static void run_op(const char *text, int store, uint32_t at, vmex_opres *out)
{
    vmex_program p;
    vmex_layout L;
    vmex_error err = {0};
    vmex_program_init(&p);
    assert_int_equal(vmex_parse(text, strlen(text), "test", &p, &err), 0);
    assert_int_equal(vmex_layout_resolve(&p.cfg, NULL, 0, &L, &err), 0);
    vmex_model *m = vmex_model_new(store);
    assert_non_null(m);
    assert_int_equal(vmex_model_start(m, &L, p.nnames), 0);
    vmex_runopts o;
    vmex_runopts_init(&o);
    for (uint32_t i = 0; i <= at; i++) vmex_model_step(m, &p.ops[i], i, &o, out);
    vmex_model_free(m);
    vmex_program_free(&p);
}

static vmex_opres failed(const char *text, uint32_t at)
{
    vmex_opres r, n;
    run_op(text, VMEX_STORE_FAST, at, &r);
    run_op(text, VMEX_STORE_NAIVE, at, &n);   /* both stores judge alike */
    assert_int_equal(r.status, VMEX_ST_FAILED);
    assert_int_equal(r.why, VMEX_WHY_NOSPACE);
    assert_int_equal(n.cls, r.cls);
    assert_true(n.margin == r.margin);
    return r;
}

/* The nightly's finding: a 32 GiB mapping takes the only 32 GiB-aligned
 * address below max (0x800000000; 0x1000000000 is past 0xFC0000000).
 *   h21 = mmap 32g   -> [0x2A0000000, 0xAA0000000), first fit in H3
 * Free: H1 1753m + H2 258m + [0xAA0000000, 0xFC0000000) 22016m = 24027m,
 * which the old margin divided by 16m (1501.7).  Usable at 32g alignment:
 *   H1: align_up(0x102400000, 32g) = 0x800000000 > 0x16FD00000 -> 0
 *   H2: 0x800000000 > 0x180000000 -> 0
 *   [0xAA0000000, 0xFC0000000): 0x1000000000 > 0xFC0000000 -> 0
 * room 0 < 16m: exhausted, margin 0.  (Packing agrees: with the request
 * at 0x800000000 the halves of H3 are 0x560000000 = 21.5g and
 * 0x7BF000000 = 30.98g, neither holds 32g.) */
static void test_over_aligned(void **state)
{
    const char *text = "vmex 1\nprofile ios16-3gb\nentitlement extended-virtual-addressing\n"
                       "h21 = mmap 32g\nx = mmap 16m align 32g\n";
    vmex_opres r = failed(text, 1);
    assert_int_equal(r.req, 16 * MiB);
    assert_int_equal(r.cls, VMEX_EXHAUSTED);
    assert_true(r.margin == 0);
    /* the pristine layout holds it: not too-large */
    vmex_opres ok;
    run_op("vmex 1\nprofile ios16-3gb\nentitlement extended-virtual-addressing\nx = mmap 16m align 32g\n",
           VMEX_STORE_FAST, 0, &ok);
    assert_int_equal(ok.status, VMEX_ST_OK);
    assert_int_equal(ok.addr, 0x800000000ull);
}

/* mmap 1g lands at the bottom of H1 and leaves 729m there; 898m fits no
 * hole (729, 258, 896).  Free 729 + 258 + 896 = 1883m >= 898m, but no
 * compaction helps: 1024m + 898m = 1922m > 1753m (H1), and neither H2
 * (258m) nor H3 (896m) holds the 1g mapping or the request alone beside
 * it.  Exhausted, margin 1883/898. */
static void test_two_ops_exhausted(void **state)
{
    vmex_opres r = failed("vmex 1\nprofile ios16-3gb\na = mmap 1g\nb = mmap 898m\n", 1);
    assert_int_equal(r.cls, VMEX_EXHAUSTED);
    assert_true(r.margin == 1883.0 / 898.0);
}

/* 256m at the hint 0x140000000 splits H1 into
 *   [0x102400000, 0x140000000) = 0x3DC00000 = 988m
 *   [0x150000000, 0x16FD00000) = 0x1FD00000 = 509m
 * and 1g fits nowhere (988, 509, 258, 896).  Free 988 + 509 + 258 + 896 =
 * 2651m.  Packed tightly, the 256m piece goes beside the 1g request in H1
 * (1753 - 1024 = 729 >= 256): frag, margin 2651/1024. */
static void test_two_ops_frag(void **state)
{
    vmex_opres r = failed("vmex 1\nprofile ios16-3gb\na = mmap 256m hint 0x140000000\nb = mmap 1g\n", 1);
    assert_int_equal(r.cls, VMEX_FRAG);
    assert_true(r.margin == 2651.0 / 1024.0);
}

/* 16m at 0x130000000, 0x150000000 and 0x2B0000000 break every 512m-aligned
 * 512m block ([0x120000000, 0x140000000), [0x140000000, 0x160000000),
 * [0x2A0000000, 0x2C0000000)).  512m align 512m fails.  Usable room, hole
 * by hole, from the first 512m-aligned address:
 *   [0x102400000, 0x130000000): from 0x120000000: 0x10000000 = 256m
 *   [0x131000000, 0x150000000): from 0x140000000: 0x10000000 = 256m
 *   [0x151000000, 0x16FD00000): from 0x160000000: 0x0FD00000 = 253m
 *   [0x16FE00000, 0x180000000): from 0x180000000: 0
 *   [0x2A0000000, 0x2B0000000): from 0x2A0000000: 0x10000000 = 256m
 *   [0x2B1000000, 0x2D8000000): from 0x2C0000000: 0x18000000 = 384m
 * = 1405m: margin 1405/512 (the free space, 2907 - 48 = 2859m, would say
 * 5.58).  Packed, the three 16m pieces go anywhere: frag. */
static void test_aligned_margin(void **state)
{
    vmex_opres r = failed("vmex 1\nprofile ios16-3gb\na = mmap 16m hint 0x130000000\nb = mmap 16m hint 0x150000000\n"
                          "d = mmap 16m hint 0x2B0000000\nc = mmap 512m align 512m\n",
                          3);
    assert_int_equal(r.cls, VMEX_FRAG);
    assert_true(r.margin == 1405.0 / 512.0);
}

/* Dart's 1 GiB + 16k heap and eighteen 96m buffers leave 155m - 16k in
 * three holes (57m - 16k, 66m, 32m); the 128m request cannot be had by any packing:
 * in H1 it leaves 1625m for the heap (1024m) and 6 buffers, in H2 130m for
 * one, in H3 768m for 8; 18 buffers need the 7 + 2 + 9 places they have.
 * Exhausted, margin (155m - 16k) / 128m. */
static void test_dart_jsc(void **state)
{
    char text[2048] = "vmex 1\nprofile ios16-3gb\ndart = mmap 1073758208 prot none noreserve\n";
    for (int i = 0; i < 18; i++) snprintf(text + strlen(text), sizeof text - strlen(text), "i%d = mmap 96m tag 88\n", i);
    strcat(text, "jsc = mmap 128m tag 63 prot none\n");
    vmex_opres r = failed(text, 19);
    assert_int_equal(r.cls, VMEX_EXHAUSTED);
    assert_true(r.margin == (155.0 * MiB - 16384) / (128.0 * MiB));
}

/* linux-model: one window, no pristine regions, so the live set packs
 * whenever held + request <= window.  64m window, four 16m maps top-down
 * [48,64) [32,48) [16,32) [0,16); unmapping the 2nd and 4th leaves two
 * 16m holes: 32m fails, 32m free, 32m held: frag, margin 1. */
static void test_window(void **state)
{
    vmex_opres r = failed("vmex 1\ntarget linux-model\nset window 64m\nm0 = mmap 16m\nm1 = mmap 16m\nm2 = mmap 16m\n"
                          "m3 = mmap 16m\nmunmap m1\nmunmap m3\nx = mmap 32m\n",
                          6);
    assert_int_equal(r.cls, VMEX_FRAG);
    assert_true(r.margin == 1.0);
}

/* ------------------------------------------------------------ the reference */

typedef struct piece { uint64_t lo, hi; int kind, tag, prot; } piece;
typedef struct mapview {
    piece e[64];
    int n;
} mapview;

static void collect(void *c, uint64_t lo, uint64_t hi, int kind, int tag, int prot)
{
    mapview *v = c;
    assert_true(v->n < 64);
    v->e[v->n++] = (piece){lo, hi, kind, tag, prot};
}

/* Can the pieces (sizes p[0..np)) be assigned to the holes so that one
 * hole also takes req at align, the pieces around it?  Exhaustive: every
 * assignment, and in the request's hole every split of its pieces into
 * those below and those above the request. */
static int reference_packs(const uint64_t *hlo, const uint64_t *hhi, int nh, const uint64_t *p, int np,
                           uint64_t req, uint64_t align)
{
    int total = 1;
    for (int i = 0; i < np; i++) total *= nh;
    for (int a = 0; a < total; a++) {
        int where[8], x = a;
        uint64_t used[8] = {0};
        for (int i = 0; i < np; i++) {
            where[i] = x % nh;
            x /= nh;
            used[where[i]] += p[i];
        }
        int over = 0;
        for (int k = 0; k < nh; k++) over |= used[k] > hhi[k] - hlo[k];
        if (over) continue;
        for (int k = 0; k < nh; k++) {
            int mine[8], nm = 0;
            for (int i = 0; i < np; i++)
                if (where[i] == k) mine[nm++] = i;
            for (int s = 0; s < (1 << nm); s++) {
                uint64_t below = 0;
                for (int j = 0; j < nm; j++)
                    if (s >> j & 1) below += p[mine[j]];
                uint64_t at = (hlo[k] + below + align - 1) & ~(align - 1);
                if (at + req + (used[k] - below) <= hhi[k]) return 1;
            }
        }
    }
    return 0;
}

static uint64_t rnd_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(uint64_t n)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state % n;
}

/* A random program of mmaps (some at hints, some aligned) and munmaps on
 * ios16-3gb; at every failed request, compare with the reference. */
static void test_random_against_reference(void **state)
{
    static const uint64_t sizes[] = {16 * MiB, 64 * MiB, 96 * MiB, 200 * MiB, 256 * MiB, 500 * MiB, 700 * MiB,
                                     900 * MiB, 1 * GiB, 1200 * MiB};
    static const uint64_t aligns[] = {0, 0, 0, 32 * MiB, 256 * MiB, 512 * MiB, 1 * GiB};
    vmex_error err = {0};
    vmex_config c = {.target = VMEX_TARGET_XNU};
    vmex_layout L;
    assert_int_equal(vmex_layout_resolve(&c, "ios16-3gb", 0, &L, &err), 0);
    uint64_t hlo[8], hhi[8];
    int nh = 0;
    uint64_t at = L.floor;
    for (uint32_t i = 0; i <= L.nregions; i++) {
        uint64_t end = i < L.nregions ? L.regions[i].start : L.max_offset;
        if (end > at) {
            hlo[nh] = at;
            hhi[nh++] = end;
        }
        if (i < L.nregions && L.regions[i].end > at) at = L.regions[i].end;
    }
    assert_int_equal(nh, 3);
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    vmex_runopts o;
    vmex_runopts_init(&o);
    int checked = 0, frag = 0, missed = 0;
    for (int prog = 0; prog < 3000; prog++) {
        vmex_program p;
        vmex_program_init(&p);
        snprintf(p.cfg.profile, sizeof p.cfg.profile, "ios16-3gb");
        assert_int_equal(vmex_model_start(m, &L, 8), 0);
        int live[8] = {0};
        for (int i = 0; i < 12; i++) {
            vmex_op op;
            int slot = (int)rnd(8);
            if (live[slot] && rnd(3) == 0) {
                vmex_op_init(&op, VMEX_OP_MUNMAP);
                op.src = slot;
            } else if (!live[slot]) {
                vmex_op_init(&op, VMEX_OP_MMAP);
                op.dst = slot;
                op.size = sizes[rnd(sizeof sizes / sizeof sizes[0])];
                uint64_t a = aligns[rnd(sizeof aligns / sizeof aligns[0])];
                if (a) {
                    op.flags |= VMEX_F_ALIGN;
                    op.align = a;
                }
                if (rnd(3) == 0) {
                    op.flags |= VMEX_F_HINT;
                    op.addr = hlo[rnd(3)] + rnd(64) * 16 * MiB;
                }
            } else {
                continue;
            }
            vmex_opres r;
            vmex_model_step(m, &op, (uint32_t)i, &o, &r);
            if (op.kind == VMEX_OP_MUNMAP) live[slot] = 0;
            else if (r.status == VMEX_ST_OK) live[slot] = 1;
            if (r.status != VMEX_ST_FAILED || r.why != VMEX_WHY_NOSPACE || r.cls == VMEX_TOO_LARGE) continue;
            /* the map now: pieces (touching entries alike in kind, tag,
             * protection) and the usable room at the request's alignment */
            mapview v = {.n = 0};
            vmex_model_walk(m, collect, &v);
            uint64_t align = op.flags & VMEX_F_ALIGN ? op.align : L.page, room = 0, end = L.floor, p_sz[8];
            int np = 0;
            for (int e = 0; e < v.n; e++) {
                if (v.e[e].lo > end) {
                    uint64_t a0 = (end + align - 1) & ~(align - 1);
                    if (a0 < v.e[e].lo) room += v.e[e].lo - a0;
                }
                if (v.e[e].hi > end) end = v.e[e].hi;
                if (v.e[e].kind > VMEX_R_MALLOC) continue;
                int joins = np && e && v.e[e - 1].hi == v.e[e].lo && v.e[e - 1].kind == v.e[e].kind &&
                            v.e[e - 1].tag == v.e[e].tag && v.e[e - 1].prot == v.e[e].prot;
                if (joins) p_sz[np - 1] += v.e[e].hi - v.e[e].lo;
                else {
                    assert_true(np < 8);
                    p_sz[np++] = v.e[e].hi - v.e[e].lo;
                }
            }
            if (L.max_offset > end) {
                uint64_t a0 = (end + align - 1) & ~(align - 1);
                if (a0 < L.max_offset) room += L.max_offset - a0;
            }
            assert_true(r.margin == (double)room / (double)r.req);
            int ref = room >= r.req && reference_packs(hlo, hhi, nh, p_sz, np, r.req, align);
            checked++;
            if (r.cls == VMEX_FRAG) {
                frag++;
                assert_true(ref);   /* sound: frag only when a packing exists */
            } else {
                assert_int_equal(r.cls, VMEX_EXHAUSTED);
                missed += ref;
            }
        }
        vmex_program_free(&p);
    }
    vmex_model_free(m);
    printf("random: %d failed requests judged, %d frag; %d exhausted that the exhaustive search packs\n", checked,
           frag, missed);
    assert_true(checked > 1000 && frag > 100);
    /* the test is not complete, but close: it places the request only at
     * the ends of a hole, and packs greedily */
    assert_true(missed * 20 <= frag);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_over_aligned),   cmocka_unit_test(test_two_ops_exhausted),
        cmocka_unit_test(test_two_ops_frag),   cmocka_unit_test(test_aligned_margin),
        cmocka_unit_test(test_dart_jsc),       cmocka_unit_test(test_window),
        cmocka_unit_test(test_random_against_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
