/*
 * test_model.c - the XNU model against hand-computed expectations.
 *
 * Every expected address and size below is worked out by hand from
 * docs/xnu-model.md (the comment next to it shows the sum), not taken from
 * a run of the model.  The newer facts (§8) are tested in test_ios.c.
 */

#include "helpers/fixture.h"

#define GiB (1ull << 30)
#define MiB (1ull << 20)

static void layout(const char *profile, uint32_t ents, vmex_layout *L)
{
    vmex_config c = {0};
    vmex_error err = {0};
    c.ents = ents;
    assert_int_equal(vmex_layout_resolve(&c, profile, 0, L, &err), 0);
}

/* §1 table: max_offset per era and RAM class, and the jumbo size. */
static void test_bounds(void **state)
{
    static const struct { const char *p; uint64_t max; } t[] = {
        {"ios11-1gb", 0x1E0000000ull}, {"ios11-2gb", 0x218000000ull}, {"ios11-3gb", 0x218000000ull},
        {"ios11-4gb", 0x318000000ull}, {"ios12-1gb", 0x2A0000000ull}, {"ios13-3gb", 0x2D8000000ull},
        {"ios16-3gb", 0x2D8000000ull}, {"ios16-6gb", 0x3D8000000ull}, {"ios17-16gb", 0x3D8000000ull},
        {"ios17.4-1gb", 0x320000000ull}, {"ios17.4-2gb", 0x358000000ull}, {"ios18-8gb", 0x458000000ull},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        vmex_layout L;
        layout(t[i].p, 0, &L);
        assert_int_equal(L.max_offset, t[i].max);
        assert_int_equal(L.min_offset, 0x100000000ull);
        assert_false(L.jumbo);
    }
}

/* Every listed profile is valid and resolves, in both entitlement states. */
static void test_profile_list(void **state)
{
    const char *names[128];
    size_t n = vmex_profile_list(names, 128);
    assert_int_equal(n, 9 * 8 + 6 + 8);   /* 9 versions x 8 RAM sizes, iOS 26 x 6, iOS 15.4 x 8 */
    for (size_t i = 0; i < n; i++) {
        vmex_layout L;
        assert_true(vmex_profile_valid(names[i]));
        layout(names[i], 0, &L);
        assert_string_equal(L.profile, names[i]);
        assert_true(L.pristine_largest > 0 && L.pristine_largest <= L.pristine_free);
        layout(names[i], VMEX_ENT_JIT, &L);
        assert_int_equal(L.max_offset, 0xFC0000000ull);
    }
    assert_false(vmex_profile_valid("ios17.5-3gb"));
    assert_false(vmex_profile_valid("ios16-5gb"));
    assert_false(vmex_profile_valid("ios016-3gb"));
    assert_false(vmex_profile_valid("ios16-3gbx"));
}

/* §2: what grants jumbo, era by era. */
static void test_jumbo_rules(void **state)
{
    static const struct { const char *p; uint32_t e; int jumbo; } t[] = {
        {"ios11-3gb", VMEX_ENT_JIT, 1},
        {"ios13-3gb", VMEX_ENT_EXTENDED_VA, 0},     /* extended-VA does nothing before 14 */
        {"ios14-3gb", VMEX_ENT_EXTENDED_VA, 1},
        {"ios15-3gb", VMEX_ENT_INCREASED_MEM, 0},
        {"ios16-3gb", VMEX_ENT_INCREASED_MEM, 1},
        {"ios17-3gb", VMEX_ENT_DEBUG_MEM, 0},
        {"ios18-3gb", VMEX_ENT_DEBUG_MEM, 1},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        vmex_layout L;
        layout(t[i].p, t[i].e, &L);
        assert_int_equal(L.jumbo, t[i].jumbo);
        assert_int_equal(L.max_offset == 0xFC0000000ull, t[i].jumbo);
    }
}

/* §4: the pristine layout of ios16-3gb. */
static void test_pristine(void **state)
{
    vmex_layout L;
    layout("ios16-3gb", 0, &L);
    assert_int_equal(L.nregions, 5);
    assert_int_equal(L.regions[0].start, 0x100000000ull);  /* binary 32m */
    assert_int_equal(L.regions[1].start, 0x102000000ull);  /* dyld 4m */
    assert_int_equal(L.regions[1].end, 0x102400000ull);
    assert_int_equal(L.regions[2].start, 0x16FD00000ull);  /* stack, 1m below USRSTACK64 */
    assert_int_equal(L.regions[3].start, 0x180000000ull);  /* shared region, 4g */
    assert_int_equal(L.regions[3].end, 0x280000000ull);
    assert_int_equal(L.regions[4].end, 0x2A0000000ull);    /* nano, 512m */
    /* holes: 0x16FD00000-0x102400000 = 0x6D900000, 0x180000000-0x16FE00000 = 0x10200000,
     * 0x2D8000000-0x2A0000000 = 0x38000000 */
    assert_int_equal(L.pristine_largest, 0x6D900000ull);
    assert_int_equal(L.pristine_free, 0x6D900000ull + 0x10200000ull + 0x38000000ull);

    /* slide 32m moves min_offset up and the stack down */
    run *x = go("vmex 1\nset slide 32m\nset nano off\na = mmap 16k\n");
    assert_int_equal(x->L.min_offset, 0x102000000ull);
    assert_int_equal(x->L.regions[2].end, 0x16FE00000ull - 32 * MiB);
    assert_int_equal(x->L.nregions, 4);
    assert_int_equal(x->ops[0].addr, 0x102000000ull + 36 * MiB);
}

static void test_first_fit(void **state)
{
    run *x = go("vmex 1\nprofile ios16-3gb\n"
                "a = mmap 1m\n"                  /* first hole starts after dyld */
                "b = mmap 1m align 8m\n"         /* 0x102500000 aligned up to 8m */
                "c = vm_allocate 16k\n"          /* back-fills at the bottom */
                "d = mmap 1m hint 0x170000000\n" /* inside the hole above the stack */
                "e = mmap 300m hint 0x16fe00000\n" /* the 258m hole is too small: continues upward */
                "f = mmap 1g hint 0x2a0000000\n" /* 896m above nano fails: mmap retries from the bottom */
                "g = mmap 16k hint 0x2d8000000\n" /* hint at max fails, bottom retry */
                "h = mmap 16k\n");
    assert_int_equal(x->r.verdict, VMEX_OK);
    assert_int_equal(x->ops[0].addr, 0x102400000ull);
    assert_int_equal(x->ops[1].addr, 0x102800000ull);
    assert_int_equal(x->ops[2].addr, 0x102500000ull);
    assert_int_equal(x->ops[3].addr, 0x170000000ull);
    assert_int_equal(x->ops[4].addr, 0x2A0000000ull);
    /* bottom retry: the first hole that holds 1g starts at b's end, 0x102900000 */
    assert_int_equal(x->ops[5].addr, 0x102900000ull);
    assert_int_equal(x->ops[6].addr, 0x102504000ull);
    assert_int_equal(x->ops[7].addr, 0x102508000ull);
    /* 300m spans three entries (128m + 128m + 44m), 1g eight */
    assert_int_equal(x->r.st.entries, 5 + 1 + 1 + 1 + 1 + 3 + 8 + 1 + 1);
}

static void test_fixed(void **state)
{
    run *x = go("vmex 1\n"
                "a = mmap 1m fixed 0x110000000\n"
                "b = vm_allocate 16k fixed 0x110004000\n"   /* occupied: vm_allocate fails */
                "c = mmap 16k fixed 0x110004000 tag 63\n"   /* mmap MAP_FIXED overwrites */
                "d = mmap 16k fixed 0x200000000\n"          /* the shared region is refused */
                "e = mmap 16k fixed 0x110002000\n"          /* unaligned */
                "f = mmap 16k fixed 0x2d8000000\n"          /* at max */
                "g = vm_allocate 1m fixed 0x120000000\n"
                "check mapped >= 2m\ncheck mapped <= 2m\n");
    assert_int_equal(x->ops[0].addr, 0x110000000ull);
    assert_int_equal(x->ops[1].status, VMEX_ST_FAILED);
    assert_int_equal(x->ops[1].why, VMEX_WHY_OCCUPIED);
    assert_int_equal(x->ops[2].status, VMEX_ST_OK);
    assert_int_equal(x->ops[2].addr, 0x110004000ull);
    assert_int_equal(x->ops[3].why, VMEX_WHY_OCCUPIED);
    assert_int_equal(x->ops[4].why, VMEX_WHY_RANGE);
    assert_int_equal(x->ops[5].why, VMEX_WHY_RANGE);
    assert_int_equal(x->ops[6].addr, 0x120000000ull);
    assert_int_equal(x->r.checks_failed, 0);
    /* a's 1m entry was cut in two around c: 5 pristine + 2 + 1 (c) + 1 (g) */
    assert_int_equal(x->r.st.entries, 9);
}

static void test_munmap(void **state)
{
    run *x = go("vmex 1\n"
                "a = mmap 48k\n"
                "munmap a 16k 16k\n"      /* punch the middle page */
                "b = mmap 16k\n"          /* first fit: the punched page */
                "munmap a\n"              /* munmap(addr, 48k): takes b's page too */
                "munmap a\n"              /* a is unbound now: skipped */
                "munmap b 16k 16k\n"      /* outside b */
                "free b\n");              /* b is a mapping */
    assert_int_equal(x->ops[2].addr, 0x102404000ull);
    assert_int_equal(x->ops[3].status, VMEX_ST_OK);
    assert_int_equal(x->ops[4].status, VMEX_ST_SKIPPED);
    assert_int_equal(x->ops[4].why, VMEX_WHY_UNBOUND);
    assert_int_equal(x->ops[5].why, VMEX_WHY_BADRANGE);
    assert_int_equal(x->ops[6].why, VMEX_WHY_KIND);
    assert_int_equal(x->r.st.mapped, 0);
    assert_int_equal(x->r.st.entries, 5);
}

/* The oracle's three classes, on ios16-3gb (holes 0x6D900000, 0x10200000, 0x38000000). */
static void test_oracle(void **state)
{
    run *x = go("vmex 1\na = mmap 2g\n");   /* > largest pristine hole (1.71g) */
    assert_int_equal(x->r.verdict, VMEX_TOO_LARGE);
    assert_int_equal(x->r.at, 0);

    x = go("vmex 1\na = mmap 1536m\nb = mmap 1536m\n");  /* free after a: 2.84g - 1.5g = 1.34g < 1.5g */
    assert_int_equal(x->r.verdict, VMEX_EXHAUSTED);
    assert_int_equal(x->r.at, 1);

    /* 1.84g free but no packing of the first 1g leaves room for a second
     * (2g > the 1753m hole, and the others hold no 1g): exhausted (the
     * ceiling, oracle/ceiling.c) */
    x = go("vmex 1\na = mmap 1g\nb = mmap 1g\nexpect exhausted at 1\n");
    assert_int_equal(x->r.verdict, VMEX_EXHAUSTED);
    /* free = 0x6D900000 - 1g + 0x10200000 + 0x38000000 = 0x75B00000 */
    assert_int_equal(x->r.st.free, 0x75B00000ull);
    assert_true(x->r.margin > 1.8388 && x->r.margin < 1.8390); /* 0x75B00000 / 2^30 = 1883/1024 */
    assert_true(vmex_result_matches(&x->p, &x->r));

    /* fill the three holes exactly; a 16k request then fails as exhausted,
     * but below the 1m large threshold it is recorded, not a finding */
    x = go("vmex 1\na = mmap 1753m\nb = mmap 258m\nc = mmap 896m\nd = mmap 16k\n");
    assert_int_equal(x->r.st.free, 0);
    assert_int_equal(x->ops[3].cls, VMEX_EXHAUSTED);
    assert_int_equal(x->ops[3].finding, 0);
    assert_int_equal(x->r.verdict, VMEX_OK);
    assert_int_equal(x->r.ops_failed, 1);

    /* over-aligned: no pristine hole of ios16-3gb holds a 4g-aligned start
     * (0x100000000 is the binary, 0x200000000 the shared region), so it can
     * never fit: too-large, not frag */
    x = go("vmex 1\na = mmap 1m align 4g\n");
    assert_int_equal(x->r.verdict, VMEX_TOO_LARGE);
    /* with the jumbo map 0x300000000 is free: it fits */
    x = go("vmex 1\nentitlement extended-virtual-addressing\na = mmap 1m align 4g\n");
    assert_int_equal(x->ops[0].addr, 0x300000000ull);

    /* runs stop at the first finding */
    x = go("vmex 1\na = mmap 2g\nb = mmap 16k\n");
    assert_int_equal(x->r.ops_run, 1);
}

/* §5: the entropic hint and the size classes. */
static void test_libmalloc(void **state)
{
    run *x = go("vmex 1\n"
                "a = malloc 100\n"        /* nano: inside the nano region */
                "b = malloc 1000\n"       /* tiny: a 1m region at entropic_address */
                "c = malloc 2000\n"       /* small: 8m region, 8m aligned above it */
                "d = malloc 100k\n"       /* large: 7 pages after the tiny region */
                "e = malloc 1000\n"       /* next tiny block: b + 1008 */
                "free b\nf = malloc 16\n" /* nano, after a's 112 bytes */
                "g = realloc e 2000\n");  /* moves to small: after c */
    assert_int_equal(x->ops[0].addr, 0x280000000ull);
    /* entropic_limit = 0x16FE00000 - 1m = 0x16FD00000; address = limit - 256m = 0x15FD00000 */
    assert_int_equal(x->ops[1].addr, 0x15FD00000ull);
    assert_int_equal(x->ops[2].addr, 0x160000000ull);   /* 0x15FD00000 aligned up to 8m */
    assert_int_equal(x->ops[3].addr, 0x15FE00000ull);
    assert_int_equal(x->ops[3].size, 7 * 16384);
    assert_int_equal(x->ops[4].addr, 0x15FD00000ull + 1008);
    assert_int_equal(x->ops[6].addr, 0x280000000ull + 112);
    assert_int_equal(x->ops[7].addr, 0x160000000ull + 2048);
    /* mapped: 1m tiny + 8m small + 112k large */
    assert_int_equal(x->r.st.mapped, 1 * MiB + 8 * MiB + 7 * 16384);

    x = go("vmex 1\nset malloc-entropy 3\nset nano off\na = malloc 16\n");
    /* limit = 0x16FD00000 - (3 << 25) = 0x169D00000; address = 0x159D00000 */
    assert_int_equal(x->ops[0].addr, 0x159D00000ull);
}

/* A tiny region whose blocks are all free stays while the depot holds
 * fewer than two empty regions; the third empty region is released. */
static void test_libmalloc_release(void **state)
{
    vmex_program p;
    vmex_program_init(&p);
    char nm[16];
    vmex_op op;
    /* 1023 blocks of 1008 bytes fill a region (64504 quanta / 63 on iOS 13+):
     * 3072 blocks take four regions, the last with 3 blocks */
    for (int i = 0; i < 3 * 1024; i++) {
        vmex_op_init(&op, VMEX_OP_MALLOC);
        op.size = 1008;
        snprintf(nm, sizeof nm, "b%d", i);
        op.dst = vmex_program_name(&p, nm);
        assert_true(vmex_program_add(&p, &op) >= 0);
    }
    for (int i = 0; i < 3 * 1024; i++) {
        vmex_op_init(&op, VMEX_OP_FREE);
        snprintf(nm, sizeof nm, "b%d", i);
        op.src = vmex_program_find_name(&p, nm);
        assert_true(vmex_program_add(&p, &op) >= 0);
    }
    p.cfg.set[VMEX_SET_NANO] = 0;
    p.cfg.set_mask |= 1u << VMEX_SET_NANO;
    vmex_layout L;
    vmex_error err;
    assert_int_equal(vmex_layout_resolve(&p.cfg, NULL, 0, &L, &err), 0);
    vmex_result r;
    int rc = vmex_model_run(model, &L, &p, NULL, &r);
    vmex_program_free(&p);
    assert_int_equal(rc, 0);
    assert_int_equal(r.verdict, VMEX_OK);
    assert_int_equal(r.st.mapped, 2 * MiB);   /* two retained, two released */
}

static void test_footprint(void **state)
{
    run *x = go("vmex 1\nset footprint-limit 32m\n"
                "a = mmap 64m\n"
                "touch a 0 1m\ntouch a 0 1m\n"   /* counted once */
                "touch a 1m 8k\n"                /* one new page */
                "check footprint >= 1040k\ncheck footprint <= 1040k\n"
                "munmap a 0 16m\n"               /* forgets the dirty pages */
                "check footprint <= 0\n"
                "touch a 16m 26m\n"              /* 26m >= warn = max(80% of 32m, 32m - 100m) = 25.6m */
                "touch a 42m 8m\n"               /* 34m > 32m: jetsam */
                "expect jetsam at 9\n");
    assert_int_equal(x->ops[1].value, 1 * MiB);
    assert_int_equal(x->ops[2].value, 1 * MiB);
    assert_int_equal(x->ops[3].value, 1 * MiB + 16384);
    assert_int_equal(x->r.checks_failed, 0);
    assert_int_equal(x->r.warn_at, 8);
    assert_int_equal(x->r.verdict, VMEX_JETSAM);
    assert_int_equal(x->r.at, 9);
    assert_true(vmex_result_matches(&x->p, &x->r));

    x = go("vmex 1\na = mmap 1m\nmunmap a 0 512k\ntouch a\n");
    assert_int_equal(x->ops[2].why, VMEX_WHY_NOTMAPPED);
}

static void test_jit(void **state)
{
    run *x = go("vmex 1\na = mmap 16k jit\n");
    assert_int_equal(x->ops[0].why, VMEX_WHY_JIT);
    x = go("vmex 1\nentitlement dynamic-codesigning\na = mmap 16k jit\n");
    assert_int_equal(x->ops[0].status, VMEX_ST_OK);
    /* kern_mman.c mmap(): MAP_JIT with MAP_FIXED or MAP_SHARED is EINVAL,
     * checked before the entitlement; the JIT mapping after them is the
     * process's first (iOS 11 - 13 allow one) */
    x = go("vmex 1\nprofile ios12-3gb\nentitlement dynamic-codesigning\n"
           "a = mmap 16k jit fixed 0x200000000\nb = mmap 16k jit shared\nc = mmap 16k jit\n");
    assert_int_equal(x->ops[0].why, VMEX_WHY_JIT_FLAGS);
    assert_int_equal(x->ops[1].why, VMEX_WHY_JIT_FLAGS);
    assert_int_equal(x->ops[2].status, VMEX_ST_OK);
    x = go("vmex 1\na = mmap 16k jit shared\n");
    assert_int_equal(x->ops[0].why, VMEX_WHY_JIT_FLAGS);
}

/* §7: xnu's jumbo test maps 1 GiB chunks until failure. */
static void test_jumbo_capacity(void **state)
{
    static const struct { const char *p; int min; } t[] = {{"ios16-3gb", 53}, {"ios17.4-3gb", 51}};
    for (size_t k = 0; k < 2; k++) {
        char text[256];
        snprintf(text, sizeof text, "vmex 1\nprofile %s\nentitlement extended-virtual-addressing\n", t[k].p);
        vmex_program p;
        vmex_error err;
        vmex_program_init(&p);
        assert_int_equal(vmex_parse(text, strlen(text), "t", &p, &err), 0);
        for (int i = 0; i < 64; i++) {
            vmex_op op;
            vmex_op_init(&op, VMEX_OP_MMAP);
            op.size = GiB;
            op.prot = VMEX_PROT_NONE;
            op.flags = VMEX_F_PROT;
            vmex_program_add(&p, &op);
        }
        vmex_layout L;
        vmex_result r;
        assert_int_equal(vmex_layout_resolve(&p.cfg, NULL, 0, &L, &err), 0);
        assert_int_equal(vmex_model_run(model, &L, &p, NULL, &r), 0);
        assert_true(r.at >= t[k].min);
        vmex_program_free(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bounds),       cmocka_unit_test(test_profile_list),
        cmocka_unit_test(test_jumbo_rules),
        cmocka_unit_test(test_pristine),     cmocka_unit_test(test_first_fit),
        cmocka_unit_test(test_fixed),        cmocka_unit_test(test_munmap),
        cmocka_unit_test(test_oracle),       cmocka_unit_test(test_libmalloc),
        cmocka_unit_test(test_libmalloc_release), cmocka_unit_test(test_footprint),
        cmocka_unit_test(test_jit),          cmocka_unit_test(test_jumbo_capacity),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
