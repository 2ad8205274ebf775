/*
 * test_linux_model.c - target linux-model against hand-computed placements.
 *
 * The window is [B, B + W) with B = VMEX_LINUX_BASE (0x300000000000).
 * Linux places top-down (docs/linux-real.md): the highest hole that fits, at
 * its top.  With the 2 MiB rule (kernels >= 6.7), an anonymous map whose
 * length is a multiple of 2 MiB and that has no hint goes into the highest
 * hole of length >= len + 2 MiB, at rounddown(hole top - len, 2 MiB).
 * Every expected address below is that arithmetic, done by hand.  Then
 * the fast store is checked against the naive one on random programs.
 */

#include "fuzz/fuzz.h"
#include "helpers/fixture.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define B VMEX_LINUX_BASE

static void test_layout(void **state)
{
    run *x = go("vmex 1\ntarget linux-model\nset window 256m\n");
    assert_int_equal(x->L.target, VMEX_TARGET_LINUX_MODEL);
    assert_int_equal(x->L.page, 4096);
    assert_int_equal(x->L.min_offset, B);
    assert_int_equal(x->L.max_offset, B + 256 * MiB);
    assert_string_equal(x->L.profile, "linux-256m-kernel");
    assert_int_equal(x->r.st.free, 256 * MiB);
    vmex_error err = {0};
    vmex_config c = {.target = VMEX_TARGET_LINUX_MODEL};
    c.set[VMEX_SET_ALLOCATOR] = VMEX_ALLOC_GLIBC;
    c.set_mask = 1u << VMEX_SET_ALLOCATOR;
    vmex_layout L;
    assert_int_equal(vmex_layout_resolve(&c, NULL, 0, &L, &err), -1);
    assert_non_null(strstr(err.msg, "models the kernel alone"));
}

/* top-down, 4 KiB pages, no 2 MiB rule */
static void test_top_down(void **state)
{
    run *x = go("vmex 1\ntarget linux-model\nset window 1g\nset thp-align off\n"
                "a = mmap 5000\n"      /* 8k: [B+1g-8k, B+1g) */
                "b = mmap 64m\n"       /* below a: B+1g-8k-64m */
                "munmap a\n"
                "c = mmap 4k\n"        /* the hole a left, at its top: B+1g-4k */
                "d = malloc 1\n"       /* one page: the rest of a's hole, B+1g-8k */
                "e = malloc 10000\n"); /* 12k below b */
    assert_int_equal(x->ops[0].addr, B + GiB - 8 * KiB);
    assert_int_equal(x->ops[0].size, 8 * KiB);
    assert_int_equal(x->ops[1].addr, B + GiB - 8 * KiB - 64 * MiB);
    assert_int_equal(x->ops[3].addr, B + GiB - 4 * KiB);
    assert_int_equal(x->ops[4].addr, B + GiB - 8 * KiB);
    assert_int_equal(x->ops[5].addr, B + GiB - 8 * KiB - 64 * MiB - 12 * KiB);
}

/* the 2 MiB rule: len + 2 MiB searched, address rounded down to 2 MiB */
static void test_thp_rule(void **state)
{
    run *x = go("vmex 1\ntarget linux-model\nset window 1g\nset thp-align on\n"
                "a = mmap 4k\n"        /* B+1g-4k (not a 2 MiB multiple: plain) */
                "b = mmap 2m\n"        /* hole [B, B+1g-4k): rounddown(B+1g-4k-2m, 2m) = B+1g-4m */
                "c = mmap 4m\n"        /* hole [B, B+1g-4m): top-aligned already: B+1g-8m */
                "d = mmap 6m\n");      /* B+1g-14m */
    assert_int_equal(x->ops[0].addr, B + GiB - 4 * KiB);
    assert_int_equal(x->ops[1].addr, B + GiB - 4 * MiB);
    assert_int_equal(x->ops[2].addr, B + GiB - 8 * MiB);
    assert_int_equal(x->ops[3].addr, B + GiB - 14 * MiB);
    /* the same without the rule packs them: b right below a */
    x = go("vmex 1\ntarget linux-model\nset window 1g\nset thp-align off\na = mmap 4k\nb = mmap 2m\n");
    assert_int_equal(x->ops[1].addr, B + GiB - 4 * KiB - 2 * MiB);
}

/* the padded search skips a higher hole that holds len but not len + 2 MiB,
 * and falls back to the plain search when no hole is that long */
static void test_thp_padded_search(void **state)
{
    run *x = go("vmex 1\ntarget linux-model\nset window 64m\nset thp-align on\n"
                "a = mmap 60m fixed 0x300000000000\n"  /* [B, B+60m) taken */
                "b = mmap 2m fixed 0x300003e00000\n"   /* [B+62m, B+64m): hole [B+60m, B+62m) of 2m */
                "munmap b\n"                            /* hole [B+60m, B+64m) of 4m */
                "c = mmap 2m fixed 0x300003d00000\n"   /* [B+61m, B+63m): holes 1m below, 1m above */
                "munmap a\n"                            /* holes [B, B+61m) and [B+63m, B+64m) */
                "d = mmap 2m\n");                       /* padded 4m: only the low hole; top B+61m: B+58m */
    assert_int_equal(x->ops[3].status, VMEX_ST_OK);
    assert_int_equal(x->ops[5].addr, B + 58 * MiB);
    x = go("vmex 1\ntarget linux-model\nset window 4m\nset thp-align on\n"
           "a = mmap 4k\n"          /* B+4m-4k */
           "b = mmap 2m\n");        /* padded 4m does not fit in 4m-4k: plain, B+4m-4k-2m */
    assert_int_equal(x->ops[1].addr, B + 4 * MiB - 4 * KiB - 2 * MiB);
}

/* a shared anonymous map is shmem's: the plain search, never the 2 MiB rule
 * (found by fuzz_linux_diff: the model had put it where a private one goes) */
static void test_shared_plain(void **state)
{
    const char *head = "vmex 1\ntarget linux-model\nset window 256m\nset thp-align on\n"
                       "a = mmap 64m\n"   /* padded 66m: rounddown(B+256m-64m, 2m) = B+192m */
                       "b = mmap 64m\n"   /* the highest hole >= 66m is [B, B+192m): B+128m */
                       "munmap a\n";      /* holes [B, B+128m) and [B+192m, B+256m), exactly 64m */
    char text[512];
    snprintf(text, sizeof text, "%sc = mmap 64m\n", head);   /* private: 66m fits only low: B+64m */
    run *x = go(text);
    assert_int_equal(x->ops[0].addr, B + 192 * MiB);
    assert_int_equal(x->ops[1].addr, B + 128 * MiB);
    assert_int_equal(x->ops[3].addr, B + 64 * MiB);
    snprintf(text, sizeof text, "%sd = mmap 64m shared\n", head);   /* shared: the top hole, B+192m */
    x = go(text);
    assert_int_equal(x->ops[3].addr, B + 192 * MiB);
}

/* a hint is taken when its range is free, else the plain search (no 2 MiB rule) */
static void test_hint_fixed_align(void **state)
{
    run *x = go("vmex 1\ntarget linux-model\nset window 1g\nset thp-align on\n"
                "a = mmap 2m hint 0x300000001000\n"     /* free: taken as is */
                "b = mmap 2m hint 0x300000002000\n"     /* overlaps a: top-down, plain: B+1g-2m */
                "c = mmap 4k fixed 0x300000001000\n"    /* NOREPLACE over a: occupied */
                "d = mmap 4k fixed 0x2fffffffe000\n"    /* below the window: range */
                "e = mmap 1m align 1m\n"                /* maps 2m-4k top-down (plain), keeps the 1m-aligned part */
                "f = mmap 1m\n");
    assert_int_equal(x->ops[0].addr, B + 4 * KiB);
    assert_int_equal(x->ops[1].addr, B + GiB - 2 * MiB);
    assert_int_equal(x->ops[2].why, VMEX_WHY_OCCUPIED);
    assert_int_equal(x->ops[3].why, VMEX_WHY_RANGE);
    /* e: 2m-4k at B+1g-2m-(2m-4k) = B+1g-4m+4k; aligned up to 1m: B+1g-3m, [B+1g-3m, B+1g-2m) */
    assert_int_equal(x->ops[4].addr, B + GiB - 3 * MiB);
    /* the trimmed head [B+1g-4m+4k, B+1g-3m) joined the hole below it, so
     * the highest hole now ends at B+1g-3m: f at B+1g-4m */
    assert_int_equal(x->ops[5].addr, B + GiB - 4 * MiB);
}

/* the hole-punch: 16 x 64m, every other one unmapped, 128m fails as frag */
static void test_hole_punch(void **state)
{
    char text[2048];
    int n = snprintf(text, sizeof text, "vmex 1\ntarget linux-model\nset window 1g\n");
    for (int i = 0; i < 16; i++) n += snprintf(text + n, sizeof text - (size_t)n, "b%d = mmap 64m\n", i);
    for (int i = 0; i < 16; i += 2) n += snprintf(text + n, sizeof text - (size_t)n, "munmap b%d\n", i);
    snprintf(text + n, sizeof text - (size_t)n, "big = mmap 128m\n");
    run *x = go(text);
    for (int i = 0; i < 16; i++) assert_int_equal(x->ops[i].addr, B + GiB - (uint64_t)(i + 1) * 64 * MiB);
    const vmex_opres *r = &x->ops[24];
    assert_int_equal(r->status, VMEX_ST_FAILED);
    assert_int_equal(r->cls, VMEX_FRAG);
    assert_true(r->margin == 4.0);   /* 512m free / 128m */
    assert_int_equal(x->r.verdict, VMEX_FRAG);
    assert_int_equal(x->r.at, 24);
    /* 1g + 4k can never fit; 600m is more than the 512m free */
    x = go("vmex 1\ntarget linux-model\nset window 1g\na = mmap 1g\nmunmap a\nb = mmap 0x40001000\n"
           "c = mmap 400m\nd = mmap 700m\n");
    assert_int_equal(x->ops[2].cls, VMEX_TOO_LARGE);
    assert_int_equal(x->ops[4].cls, VMEX_EXHAUSTED);
}

/* touch needs a writable mapping; realloc maps, copies, unmaps */
static void test_touch_realloc(void **state)
{
    run *x = go("vmex 1\ntarget linux-model\nset window 64m\nset thp-align off\n"
                "a = mmap 8k prot none\n"
                "touch a\n"
                "b = malloc 100\n"          /* B+64m-12k */
                "touch b\n"
                "c = realloc b 5000\n"      /* 8k below: B+64m-20k, then b's page is free */
                "d = malloc 1\n");          /* b's old page */
    assert_int_equal(x->ops[1].status, VMEX_ST_FAILED);
    assert_int_equal(x->ops[1].why, VMEX_WHY_NOTMAPPED);
    assert_int_equal(x->ops[2].addr, B + 64 * MiB - 12 * KiB);
    assert_int_equal(x->ops[4].addr, B + 64 * MiB - 20 * KiB);
    assert_int_equal(x->ops[5].addr, B + 64 * MiB - 12 * KiB);
    assert_int_equal(x->r.st.footprint, 4 * KiB);   /* the copy dirtied c's first page; b's went with it */
}

typedef struct col { vmex_opres r[4096]; uint32_t n; } col;
static void collect(void *ctx, const vmex_op *op, const vmex_opres *r)
{
    col *c = ctx;
    if (c->n < 4096) c->r[c->n++] = *r;
}

/* fast and naive stores agree op for op on random linux-model programs */
static void test_fast_vs_naive(void **state)
{
    static col a, b;
    vmex_model *fast = vmex_model_new(VMEX_STORE_FAST), *naive = vmex_model_new(VMEX_STORE_NAIVE);
    vmex_program p, hdr;
    vmex_program_init(&p);
    vmex_program_init(&hdr);
    uint64_t s = 42;
    for (int k = 0; k < 500; k++) {
        hdr.cfg.target = VMEX_TARGET_LINUX_MODEL;
        hdr.cfg.set[VMEX_SET_WINDOW] = (k % 3 + 1) * 64 * MiB;
        hdr.cfg.set[VMEX_SET_THP_ALIGN] = k % 2 ? VMEX_THP_ON : VMEX_THP_OFF;
        hdr.cfg.set_mask = (1u << VMEX_SET_WINDOW) | (1u << VMEX_SET_THP_ALIGN);
        vmex_layout L;
        vmex_error err = {0};
        vmex_buf enc = {0};
        assert_int_equal(vmex_layout_resolve(&hdr.cfg, NULL, 0, &L, &err), 0);
        assert_int_equal(vmex_encode(&hdr, &L, &enc), 0);
        uint8_t buf[1200];
        memcpy(buf, enc.p, enc.len);
        size_t n = enc.len;
        vmex_buf_free(&enc);
        while (n < sizeof buf) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            buf[n++] = (uint8_t)(s >> 32);
        }
        assert_int_equal(vmex_decode(buf, n, &L, &p), 0);
        vmex_runopts o;
        vmex_runopts_init(&o);
        o.keep_going = 1;
        o.on_op = collect;
        vmex_result ra, rb;
        a.n = b.n = 0;
        o.ctx = &a;
        assert_int_equal(vmex_model_run(fast, &L, &p, &o, &ra), 0);
        o.ctx = &b;
        assert_int_equal(vmex_model_run(naive, &L, &p, &o, &rb), 0);
        assert_int_equal(a.n, b.n);
        for (uint32_t i = 0; i < a.n; i++) {
            assert_int_equal(a.r[i].status, b.r[i].status);
            assert_int_equal(a.r[i].addr, b.r[i].addr);
            assert_int_equal(a.r[i].cls, b.r[i].cls);
        }
        assert_memory_equal(&ra.st, &rb.st, sizeof ra.st);
    }
    vmex_program_free(&p);
    vmex_program_free(&hdr);
    vmex_model_free(fast);
    vmex_model_free(naive);
}

int main(void)
{
    fx_keep_going = 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),        cmocka_unit_test(test_top_down),
        cmocka_unit_test(test_thp_rule),      cmocka_unit_test(test_thp_padded_search),
        cmocka_unit_test(test_hint_fixed_align), cmocka_unit_test(test_hole_punch),
        cmocka_unit_test(test_touch_realloc), cmocka_unit_test(test_fast_vs_naive),
        cmocka_unit_test(test_shared_plain),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
