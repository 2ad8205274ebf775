/*
 * test_ios.c - the newer iOS facts of the XNU model (docs/xnu-model.md
 * §8) against hand-computed expectations: the iOS 26 and 15.4 profiles,
 * split user ranges (hardened-heap, web-browser-engine), xzone malloc,
 * the MAP_JIT rule of iOS 11 - 13, the 4 KiB physical page of A7/A8,
 * NUM_TINY_BLOCKS by release, the realloc tag, and how the fuzz encoding
 * carries the new entitlements.
 *
 * Every expected address and count is worked out by hand from the facts
 * (the comment next to it shows the arithmetic), never taken from a run.
 * The defaults of every layout: slide 0, binary 32 MiB at 0x100000000,
 * dyld 4 MiB at 0x102000000, the main stack [0x16FD00000, 0x16FE00000),
 * the shared region at 0x180000000.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "fuzz/fuzz.h"
#include "vmex.h"

#define GiB (1ull << 30)
#define MiB (1ull << 20)
#define MAXOPS 4096

typedef struct run {
    vmex_program p;
    vmex_layout L;
    vmex_result r;
    vmex_opres ops[MAXOPS];
    uint32_t nops;
} run;

static vmex_model *model;

static void record(void *ctx, const vmex_op *op, const vmex_opres *r)
{
    run *x = ctx;
    (void)op;
    if (x->nops < MAXOPS) x->ops[x->nops++] = *r;
}

static run *go(const char *text)
{
    static run x;
    vmex_error err = {0};
    vmex_program_free(&x.p);
    memset(&x, 0, sizeof x);
    vmex_program_init(&x.p);
    if (vmex_parse(text, strlen(text), "test", &x.p, &err)) {
        vmex_error_print(&err, stderr);
        fail_msg("parse failed");
    }
    if (vmex_layout_resolve(&x.p.cfg, NULL, 0, &x.L, &err)) {
        vmex_error_print(&err, stderr);
        fail_msg("resolve failed");
    }
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.on_op = record;
    o.ctx = &x;
    o.keep_going = 1;
    assert_int_equal(vmex_model_run(model, &x.L, &x.p, &o, &x.r), 0);
    return &x;
}

static void layout(const char *profile, uint32_t ents, vmex_layout *L)
{
    vmex_config c = {0};
    vmex_error err = {0};
    c.ents = ents;
    if (vmex_layout_resolve(&c, profile, 0, L, &err)) fail_msg("%s: %s", profile, err.msg);
}

/* ------------------------------------------------------------ profiles */
static void test_profiles(void **state)
{
    (void)state;
    const char *names[128];
    assert_int_equal(vmex_profile_list(names, 128), 72 + 6 + 8);   /* + ios26 (6 RAM classes) + ios15.4 (8) */
    assert_string_equal(names[72], "ios26-3gb");                     /* appended: the encoding carries the index */
    assert_string_equal(names[77], "ios26-16gb");
    assert_string_equal(names[78], "ios15.4-1gb");
    assert_false(vmex_profile_valid("ios26-1gb"));   /* no iOS 26 device has 1 or 2 GB */
    assert_false(vmex_profile_valid("ios26-2gb"));
    assert_true(vmex_profile_valid("ios26-12gb"));
    assert_false(vmex_profile_valid("ios25-3gb"));
    assert_false(vmex_profile_valid("ios15.5-3gb"));

    vmex_layout L;
    /* ARM64_MIN_MAX_ADDRESS = 0x180000000 + 0x180000000 + 0x20000000 = 0x320000000 */
    layout("ios26-3gb", 0, &L);
    assert_int_equal(L.max_offset, 0x320000000ull + 0x38000000ull);   /* 0x358000000 */
    assert_int_equal(L.shared_size, 0x180000000ull);
    assert_int_equal(L.era, 174);
    assert_true(L.xzone);
    assert_false(L.nano);   /* SecureAllocator_Nano: no nano region */
    for (uint32_t r = 4; r <= 16; r += r < 8 ? 2 : 4) {
        char p[32];
        snprintf(p, sizeof p, "ios26-%ugb", r);
        layout(p, 0, &L);
        assert_int_equal(L.max_offset, 0x320000000ull + 0x138000000ull);   /* 0x458000000 */
    }
    layout("ios26-3gb", VMEX_ENT_EXTENDED_VA, &L);
    assert_int_equal(L.max_offset, 0xFC0000000ull);
    /* iOS 15.4 is iOS 15's era: 4 GiB shared region, nano, the magazine allocator */
    layout("ios15.4-3gb", 0, &L);
    assert_int_equal(L.max_offset, 0x2D8000000ull);
    assert_int_equal(L.era, 12);
    assert_true(L.nano);
    assert_false(L.xzone);
    /* xzone by release (ios.c xzone_default): off to 17.4, on from 18 */
    layout("ios17.4-3gb", 0, &L);
    assert_false(L.xzone);
    layout("ios18-3gb", 0, &L);
    assert_true(L.xzone);
    assert_false(L.nano);
}

/* §8: increased-memory-limit grants jumbo from xnu-8020.101.4 (iOS 15.4) */
static void test_jumbo_154(void **state)
{
    (void)state;
    vmex_layout L;
    layout("ios15-3gb", VMEX_ENT_INCREASED_MEM, &L);
    assert_false(L.jumbo);
    layout("ios15.4-3gb", VMEX_ENT_INCREASED_MEM, &L);
    assert_true(L.jumbo);
    assert_int_equal(L.max_offset, 0xFC0000000ull);
    layout("ios15.4-3gb", VMEX_ENT_DEBUG_MEM, &L);   /* that one waits for iOS 18 */
    assert_false(L.jumbo);
}

static void test_settings(void **state)
{
    (void)state;
    run *x = go("vmex 1\nprofile ios26-3gb\nset xzone off\n");
    assert_false(x->L.xzone);
    assert_true(x->L.nano);   /* the magazine allocator and its nano region are back */
    x = go("vmex 1\nprofile ios17.4-3gb\nset xzone on\n");
    assert_true(x->L.xzone);
    assert_false(x->L.nano);
    x = go("vmex 1\nprofile ios17.4-3gb\nset xzone on\nset nano on\n");   /* nano on xzone (iOS 18.0 - 18.3) */
    assert_true(x->L.xzone);
    assert_true(x->L.nano);

    vmex_config c = {0};
    vmex_layout L;
    vmex_error err = {0};
    c.set[VMEX_SET_XZONE] = 1;
    c.set_mask = 1u << VMEX_SET_XZONE;
    assert_int_equal(vmex_layout_resolve(&c, "ios16-3gb", 0, &L, &err), -1);
    assert_non_null(strstr(err.msg, "iOS 17"));
    c.set[VMEX_SET_XZONE] = 0;
    assert_int_equal(vmex_layout_resolve(&c, "ios16-3gb", 0, &L, &err), 0);

    /* the entitlements' names, short and as plists spell them */
    uint32_t bit;
    assert_int_equal(vmex_ent_parse("hardened-heap", &bit), 0);
    assert_int_equal(bit, VMEX_ENT_HARDENED_HEAP);
    assert_int_equal(vmex_ent_parse("com.apple.security.hardened-process.hardened-heap", &bit), 0);
    assert_int_equal(bit, VMEX_ENT_HARDENED_HEAP);
    assert_int_equal(vmex_ent_parse("com.apple.developer.hardened-process.hardened-heap", &bit), 0);
    assert_int_equal(vmex_ent_parse("web-browser-engine", &bit), 0);
    assert_int_equal(bit, VMEX_ENT_BROWSER_ENGINE);
    assert_int_equal(vmex_ent_parse("com.apple.developer.web-browser-engine.webcontent", &bit), 0);
    assert_int_equal(bit, VMEX_ENT_BROWSER_ENGINE);
    assert_int_equal(vmex_ent_parse("com.apple.developer.web-browser-engine", &bit), -1);
    assert_string_equal(vmex_ent_name(4), "hardened-heap");
    assert_string_equal(vmex_ent_name(5), "web-browser-engine");

    /* any value parses: the kernel reduces it */
    uint64_t v;
    err.msg[0] = '\0';
    assert_int_equal(vmex_set_parse(VMEX_SET_JIT_SLIDE, "12345", &v, &err), 0);
    assert_int_equal(vmex_set_parse(VMEX_SET_DATA_SLIDE, "20g", &v, &err), 0);
    assert_int_equal(v, 20 * GiB);
    assert_int_equal(vmex_set_parse(VMEX_SET_DATA_SLIDE, "256t", &v, &err), -1);
}

/* ------------------------------------------------------------ the probe */
/* vm_allocate chunk until one fails: the count before the failure, the
 * class of that failure and the free space left. */
static uint32_t probe(const char *profile, uint32_t ents, uint64_t chunk, uint32_t max, int *cls, uint64_t *left)
{
    vmex_program p;
    vmex_program_init(&p);
    snprintf(p.cfg.profile, sizeof p.cfg.profile, "%s", profile);
    p.cfg.ents = ents;
    for (uint32_t i = 0; i < max; i++) {
        vmex_op op;
        vmex_op_init(&op, VMEX_OP_VM_ALLOCATE);
        op.size = chunk;
        assert_true(vmex_program_add(&p, &op) >= 0);
    }
    vmex_layout L;
    vmex_error err = {0};
    vmex_result r;
    assert_int_equal(vmex_layout_resolve(&p.cfg, NULL, 0, &L, &err), 0);
    assert_int_equal(vmex_model_run(model, &L, &p, NULL, &r), 0);
    vmex_program_free(&p);
    assert_true(r.at >= 0);
    *cls = r.verdict;
    *left = r.st.free;
    return (uint32_t)r.at;
}

/* vmex probe, 1 MiB chunks, every RAM class of the new releases, with and
 * without jumbo (each jumbo entitlement of the release once at least).
 * iOS 26 (xzone, no nano): the guarded range [0x102400000, 0x102800000) leaves
 * its 1 MiB carveout [0x102404000, 0x102504000); then the holes
 * [0x102800000, 0x16FD00000) = 0x6D500000 = 1749 MiB, [0x16FE00000, 0x180000000)
 * = 0x10200000 = 258 MiB, and [0x300000000, max): 3 GB 0x58000000 = 1408 MiB,
 * 4 GB and up 0x158000000 = 5504 MiB, jumbo 0xCC0000000 = 52224 MiB.
 * iOS 15.4 (nano at 0x280000000): 1753 + 258 MiB below the shared region, then
 * 0 / 896 / 4992 MiB above nano, jumbo 0xD20000000 = 53760 MiB. */
static void test_probe(void **state)
{
    (void)state;
    static const struct { const char *p; uint32_t e; uint32_t n; } t[] = {
        {"ios26-3gb", 0, 1 + 1749 + 258 + 1408},                          /* 3416 */
        {"ios26-4gb", 0, 1 + 1749 + 258 + 5504},                          /* 7512 */
        {"ios26-6gb", 0, 1 + 1749 + 258 + 5504},
        {"ios26-8gb", 0, 1 + 1749 + 258 + 5504},
        {"ios26-12gb", 0, 1 + 1749 + 258 + 5504},
        {"ios26-16gb", 0, 1 + 1749 + 258 + 5504},
        {"ios26-3gb", VMEX_ENT_EXTENDED_VA, 1 + 1749 + 258 + 52224},      /* 54232 */
        {"ios26-4gb", VMEX_ENT_EXTENDED_VA, 1 + 1749 + 258 + 52224},
        {"ios26-6gb", VMEX_ENT_EXTENDED_VA, 1 + 1749 + 258 + 52224},
        {"ios26-8gb", VMEX_ENT_INCREASED_MEM, 1 + 1749 + 258 + 52224},
        {"ios26-12gb", VMEX_ENT_DEBUG_MEM, 1 + 1749 + 258 + 52224},
        {"ios26-16gb", VMEX_ENT_JIT, 1 + 1749 + 258 + 52224},
        {"ios15.4-1gb", 0, 1753 + 258},                                   /* 2011 */
        {"ios15.4-2gb", 0, 1753 + 258 + 896},                             /* 2907 */
        {"ios15.4-3gb", 0, 1753 + 258 + 896},
        {"ios15.4-4gb", 0, 1753 + 258 + 4992},                            /* 7003 */
        {"ios15.4-6gb", 0, 1753 + 258 + 4992},
        {"ios15.4-8gb", 0, 1753 + 258 + 4992},
        {"ios15.4-12gb", 0, 1753 + 258 + 4992},
        {"ios15.4-16gb", 0, 1753 + 258 + 4992},
        {"ios15.4-1gb", VMEX_ENT_INCREASED_MEM, 1753 + 258 + 53760},      /* 55771 */
        {"ios15.4-2gb", VMEX_ENT_INCREASED_MEM, 1753 + 258 + 53760},
        {"ios15.4-3gb", VMEX_ENT_INCREASED_MEM, 1753 + 258 + 53760},
        {"ios15.4-4gb", VMEX_ENT_EXTENDED_VA, 1753 + 258 + 53760},
        {"ios15.4-6gb", VMEX_ENT_EXTENDED_VA, 1753 + 258 + 53760},
        {"ios15.4-8gb", VMEX_ENT_EXTENDED_VA, 1753 + 258 + 53760},
        {"ios15.4-12gb", VMEX_ENT_JIT, 1753 + 258 + 53760},
        {"ios15.4-16gb", VMEX_ENT_JIT, 1753 + 258 + 53760},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        int cls;
        uint64_t left;
        uint32_t n = probe(t[i].p, t[i].e, MiB, t[i].n + 1, &cls, &left);
        if (n != t[i].n) fail_msg("%s ents %u: %u chunks, want %u", t[i].p, t[i].e, n, t[i].n);
        assert_int_equal(cls, VMEX_EXHAUSTED);
        assert_int_equal(left, 0);
    }
}

/* ------------------------------------------------------------ split user ranges */
/* ios26-3gb with hardened-heap: default_end 0x358000000; the data range's
 * lowest place is roundup(0x358000000 + 16 KiB, 32 MiB) = 0x35A000000, its
 * span 0xFC0000000 - 10 GiB - 0x35A000000 = 0x9E6000000. */
static void test_split_layout(void **state)
{
    (void)state;
    vmex_layout L;
    layout("ios26-3gb", VMEX_ENT_HARDENED_HEAP, &L);
    assert_true(L.ranges);
    assert_true(L.jumbo);
    assert_int_equal(L.max_offset, 0xFC0000000ull);
    assert_int_equal(L.default_end, 0x358000000ull);
    assert_int_equal(L.data_min, 0x35A000000ull);
    assert_int_equal(L.data_max, 0x35A000000ull + 10 * GiB);   /* 0x5DA000000 */
    assert_int_equal(L.regions[L.nregions - 1].end, 0xFC0000000ull);
    assert_int_equal(L.regions[L.nregions - 1].kind, VMEX_R_GUARD);
    /* usable: the default range's 1 + 1749 + 258 + 1408 MiB and the 10 GiB */
    assert_int_equal(L.pristine_free, (1 + 1749 + 258 + 1408) * MiB + 10 * GiB);
    assert_int_equal(L.pristine_largest, 10 * GiB);

    run *x = go("vmex 1\nprofile ios26-3gb\nentitlement hardened-heap\nset data-slide 20g\n");
    assert_int_equal(x->L.data_min, 0x35A000000ull + 20 * GiB);   /* 20g < span: 0x85A000000 */
    /* span + 32m + 5: the remainder 32m + 5, truncated to 32 MiB */
    x = go("vmex 1\nprofile ios26-3gb\nentitlement hardened-heap\nset data-slide 0x9E8000005\n");
    assert_int_equal(x->L.data_min, 0x35A000000ull + 32 * MiB);

    /* who gets the split map */
    static const struct { const char *p; uint32_t e; int ranges; uint64_t max; } t[] = {
        {"ios17.4-3gb", VMEX_ENT_BROWSER_ENGINE, 1, 0xFC0000000ull},   /* xnu-10063.101 */
        {"ios18-1gb", VMEX_ENT_BROWSER_ENGINE, 1, 0xFC0000000ull},
        {"ios26-8gb", VMEX_ENT_BROWSER_ENGINE, 1, 0xFC0000000ull},
        {"ios17-3gb", VMEX_ENT_BROWSER_ENGINE, 0, 0x2D8000000ull},     /* platform binaries only */
        {"ios18-3gb", VMEX_ENT_HARDENED_HEAP, 0, 0x358000000ull},      /* hardened-heap: the iOS 26 tree */
        {"ios26-3gb", VMEX_ENT_HARDENED_HEAP | VMEX_ENT_EXTENDED_VA, 0, 0xFC0000000ull},   /* jumbo first */
        {"ios26-3gb", VMEX_ENT_HARDENED_HEAP | VMEX_ENT_JIT, 0, 0xFC0000000ull},
        {"ios17.4-3gb", VMEX_ENT_BROWSER_ENGINE | VMEX_ENT_EXTENDED_VA, 0, 0xFC0000000ull},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        layout(t[i].p, t[i].e, &L);
        assert_int_equal(L.ranges, t[i].ranges);
        assert_int_equal(L.max_offset, t[i].max);
    }
    /* 1 GB, 17.4: default_end 0x320000000 ends where nano ends; the data
     * range starts at roundup(0x320004000, 32m) = 0x322000000 */
    layout("ios18-1gb", VMEX_ENT_BROWSER_ENGINE, &L);
    assert_int_equal(L.data_min, 0x322000000ull);
}

/* Where each request goes: untagged mmap and heap tags to data, the rest
 * to the default range; from iOS 18 anything of 1 GiB or more to data. */
static void test_split_routing(void **state)
{
    (void)state;
    run *x = go("vmex 1\nprofile ios26-3gb\nentitlement hardened-heap\n"
                "a = mmap 64m\n"                          /* untagged mmap: data, 0x35A000000 */
                "b = mmap 64m tag 63\n"                   /* JSC: default, above the guarded range */
                "c = vm_allocate 1m\n"                    /* untagged vm_allocate: default, the carveout */
                "d = vm_allocate 1m tag 88\n"             /* IOSurface: data, after a */
                "e = mmap 1m tag 1\n"                     /* MALLOC stays in default: after b */
                "f = vm_allocate 1g\n"                    /* >= 1 GiB: data (xnu-11215+), after d */
                "g = mmap 1g tag 63\n"                    /* the same for any tag */
                "h = mmap 16k hint 0x200000000\n"         /* data: a hint below it starts at its start */
                "i = mmap 16k tag 63 hint 0x400000000\n"  /* default: a hint past it fails, bottom retry */
                "j = mmap 16k fixed 0x400000000\n"        /* fixed inside data */
                "k = mmap 16k fixed 0x358000000\n"        /* in the guard: no range holds it */
                "l = vm_allocate 16k fixed 0x5d9ffc000\n" /* the data range's last page */
                "m = mmap 32k fixed 0x5d9ffc000\n"        /* crosses data_max */
                "n = mmap 16k fixed 0x300000000\n");      /* default (no nano under xzone) */
    assert_int_equal(x->ops[0].addr, 0x35A000000ull);
    assert_int_equal(x->ops[1].addr, 0x102800000ull);
    assert_int_equal(x->ops[2].addr, 0x102404000ull);
    assert_int_equal(x->ops[3].addr, 0x35A000000ull + 64 * MiB);               /* 0x35E000000 */
    assert_int_equal(x->ops[4].addr, 0x102800000ull + 64 * MiB);               /* 0x106800000 */
    assert_int_equal(x->ops[5].addr, 0x35E000000ull + MiB);                    /* 0x35E100000 */
    assert_int_equal(x->ops[6].addr, 0x35E100000ull + GiB);                    /* 0x39E100000 */
    assert_int_equal(x->ops[7].addr, 0x39E100000ull + GiB);                    /* 0x3DE100000 */
    assert_int_equal(x->ops[8].addr, 0x106800000ull + MiB);                    /* 0x106900000 */
    assert_int_equal(x->ops[9].addr, 0x400000000ull);
    assert_int_equal(x->ops[10].why, VMEX_WHY_RANGE);
    assert_int_equal(x->ops[11].addr, 0x5D9FFC000ull);
    assert_int_equal(x->ops[12].why, VMEX_WHY_RANGE);
    assert_int_equal(x->ops[13].addr, 0x300000000ull);

    /* iOS 17.4 has no size rule: 1 GiB untagged vm_allocate stays in default */
    x = go("vmex 1\nprofile ios17.4-3gb\nentitlement web-browser-engine\na = vm_allocate 1g\nb = mmap 16k\n");
    assert_int_equal(x->ops[0].addr, 0x102400000ull);
    assert_int_equal(x->ops[1].addr, 0x35A000000ull);
}

/* The oracle judges a failed request in its range. */
static void test_split_oracle(void **state)
{
    (void)state;
    /* ios17.4-3gb, web-browser-engine: data [0x35A000000, 0x5DA000000) */
    run *x = go("vmex 1\nprofile ios17.4-3gb\nentitlement web-browser-engine\n"
                "arena = mmap 9g prot none noreserve\n"   /* [0x35A000000, 0x59A000000) */
                "a = mmap 384m tag 88\n"                  /* [0x59A000000, 0x5B2000000) */
                "b = mmap 256m tag 88\n"                  /* [0x5B2000000, 0x5C2000000) */
                "c = mmap 384m tag 88\n"                  /* [0x5C2000000, 0x5DA000000): full */
                "munmap a\nmunmap c\n"
                "m = malloc 512m\n");                     /* MALLOC_LARGE: data; holes 384m + 384m */
    assert_int_equal(x->ops[3].addr, 0x5C2000000ull);
    assert_int_equal(x->ops[6].cls, VMEX_FRAG);
    assert_int_equal(x->ops[6].req, 512 * MiB);
    assert_true(x->ops[6].margin > 1.4999 && x->ops[6].margin < 1.5001);   /* 768m / 512m */
    /* the whole map: the default range's 1753 + 258 + 896 MiB and the two holes */
    assert_int_equal(x->r.st.free, (1753 + 258 + 896 + 768) * MiB);

    /* the reverse: a 2 GiB vm_allocate never fits the default range
     * (largest 1753 MiB) while 10 GiB of data range is free: too-large,
     * margin = the default range's 2907 MiB / 2 GiB */
    x = go("vmex 1\nprofile ios17.4-3gb\nentitlement web-browser-engine\na = vm_allocate 2g\n");
    assert_int_equal(x->ops[0].cls, VMEX_TOO_LARGE);
    assert_true(x->ops[0].margin > 2907.0 / 2048 - 1e-9 && x->ops[0].margin < 2907.0 / 2048 + 1e-9);

    /* iOS 26: 1 GiB chunks go to the data range, ten of them, then it is exhausted */
    int cls;
    uint64_t left;
    assert_int_equal(probe("ios26-3gb", VMEX_ENT_HARDENED_HEAP, GiB, 11, &cls, &left), 10);
    assert_int_equal(cls, VMEX_EXHAUSTED);
    assert_int_equal(left, (1 + 1749 + 258 + 1408) * MiB);   /* the default range is untouched */
    /* 1 MiB chunks fill the default range only; exhausted there */
    assert_int_equal(probe("ios26-3gb", VMEX_ENT_HARDENED_HEAP, MiB, 3417, &cls, &left), 3416);
    assert_int_equal(cls, VMEX_EXHAUSTED);
    assert_int_equal(left, 10 * GiB);
}

/* The magazine allocator in a split map: mvm_aslr_init's probe puts the
 * entropic window at data_min + 8 GiB (limit) - 256 MiB. */
static void test_split_magazine(void **state)
{
    (void)state;
    run *x = go("vmex 1\nprofile ios17.4-3gb\nentitlement web-browser-engine\n"
                "a = malloc 100\n"     /* nano: its fixed region in the default range */
                "b = malloc 5000\n"    /* small: 8 MiB region at 0x35A000000 + 8g - 256m = 0x54A000000 */
                "c = malloc 100k\n");  /* large, 7 pages, after it */
    assert_int_equal(x->ops[0].addr, 0x300000000ull);
    assert_int_equal(x->ops[1].addr, 0x54A000000ull);
    assert_int_equal(x->ops[2].addr, 0x54A800000ull);
}

/* ------------------------------------------------------------ xzone */
/* ios26-3gb: the entropic window is limit 0x16FD00000 - 256 MiB = 0x15FD00000. */
static void test_xzone(void **state)
{
    (void)state;
    run *x = go("vmex 1\nprofile ios26-3gb\n"
                "a = malloc 100\n"    /* bin 112: a tiny chunk, in a pointer segment at 0x160000000 */
                "b = malloc 100\n"    /* the next block of the chunk: + 112 */
                "c = malloc 4000\n"   /* bin 4096 (step 512 above 2048): its own chunk, the next slice */
                "d = malloc 5000\n"   /* bin 5120: a 64 KiB small chunk, the next slice */
                "e = malloc 100k\n"   /* large, 7 slices: a data segment, the next 4m boundary */
                "f = malloc 3m\n"     /* huge: its own 4m-aligned mapping */
                "g = malloc 2m\n"     /* large (2 MiB is the limit): in e's segment after e */
                "free e\nfree g\n"    /* e's segment empties: unmapped */
                "h = malloc 5m\n"     /* huge: 0x160400000 is free again but f sits at 0x160800000 */
                "i = realloc d 6000\n"    /* bin 6144: a new small chunk after d's */
                "j = realloc i 3500\n"    /* still fits and at most half is wasted: stays */
                "k = realloc f 3584k\n"   /* huge grows into the free 512k after it */
                "l = realloc k 2m\n"      /* >= half of it and no larger: stays (no in-place rule for huge -> large) */
                "m = realloc l 1m\n"      /* less than half: moves to a large chunk */
                "check mapped >= 0\n");
    assert_int_equal(x->ops[0].addr, 0x160000000ull);   /* 0x15FD00000 rounded up to 4 MiB */
    assert_int_equal(x->ops[0].size, 112);
    assert_int_equal(x->ops[1].addr, 0x160000000ull + 112);
    assert_int_equal(x->ops[2].addr, 0x160004000ull);
    assert_int_equal(x->ops[2].size, 4096);
    assert_int_equal(x->ops[3].addr, 0x160008000ull);
    assert_int_equal(x->ops[3].size, 5120);
    assert_int_equal(x->ops[4].addr, 0x160400000ull);
    assert_int_equal(x->ops[4].size, 7 * 16384);
    assert_int_equal(x->ops[5].addr, 0x160800000ull);
    assert_int_equal(x->ops[6].addr, 0x160400000ull + 7 * 16384);   /* 0x16041C000 */
    assert_int_equal(x->ops[9].addr, 0x160C00000ull);               /* f ends at 0x160B00000 */
    assert_int_equal(x->ops[10].addr, 0x160008000ull + 65536);      /* 0x160018000 */
    assert_int_equal(x->ops[11].addr, 0x160018000ull);
    assert_int_equal(x->ops[11].size, 6144);
    assert_int_equal(x->ops[12].addr, 0x160800000ull);
    assert_int_equal(x->ops[12].size, 3584 * 1024);
    assert_int_equal(x->ops[13].addr, 0x160800000ull);
    /* m: 1 MiB is large: a data segment again, the first 4m-aligned hole
     * at the hint: 0x160400000 (k, freed, sat at 0x160800000) */
    assert_int_equal(x->ops[14].addr, 0x160400000ull);
    /* mapped: the pointer segment 4m + the data segment 4m + h 5m + the
     * guarded range's 16k + 4m - 16k - 1m - 16k ... = 3 MiB of PROT_NONE (MALLOC) */
    assert_int_equal(x->ops[15].value, 4 * MiB + 4 * MiB + 5 * MiB + 3 * MiB);
}

/* xzone in a split map: pointer chunks in the pointer range (bumped up from
 * its middle), large and huge blocks anywhere in the data range. */
static void test_xzone_split(void **state)
{
    (void)state;
    /* malloc-entropy 3, data-slide 0: the voids are [0x358000000, 0x35A000000)
     * and [0x5DA000000, 0xFC0000000).  lpad = 32m, lpad_start = 0x358000000;
     * rpad = 4g, rpad_limit = 0x6DA000000; data_span = 32m + 10g + 4g =
     * 0x382000000; usable = (0xFC0000000 - 0x358000000) - 0x382000000 =
     * 0x8E6000000; start = 0x358000000 + 3 x 32m = 0x35E000000 >= lpad_start,
     * so + data_span = 0x6E0000000; one range [0x6E0000000, 0xAE0000000);
     * the front starts at 0x6E0000000 + 8g + 16m = 0x8E1000000. */
    run *x = go("vmex 1\nprofile ios26-3gb\nentitlement hardened-heap\nset malloc-entropy 3\n"
                "a = malloc 100\nb = malloc 100k\nc = malloc 3m\nd = malloc 64\n");
    assert_int_equal(x->L.nptr, 1);
    assert_int_equal(x->L.ptr_min[0], 0x6E0000000ull);
    assert_int_equal(x->L.ptr_max[0], 0xAE0000000ull);
    assert_int_equal(x->ops[0].addr, 0x8E1000000ull);
    assert_int_equal(x->ops[1].addr, 0x35A000000ull);   /* a data segment: data_min */
    assert_int_equal(x->ops[2].addr, 0x35A400000ull);   /* huge: the next 4m boundary */
    assert_int_equal(x->ops[3].addr, 0x8E1004000ull);   /* bin 64: its own chunk, the next slice */

    /* malloc-entropy 2, data-slide 20g: data [0x85A000000, 0xADA000000);
     * left void [0x358000000, 0x85A000000): lpad 4g, lpad_start 0x75A000000;
     * right void [0xADA000000, 0xFC0000000): rpad 4g, rpad_limit 0xBDA000000;
     * start = 0x358000000 + 2 x 32m = 0x35C000000, limit + 16g = 0x75C000000
     * crosses lpad_start: [0x35C000000, 0x75A000000) and the rest, 32 MiB,
     * at [0xBDA000000, 0xBDC000000).  The front: 0x35C000000 + 8g + 16m. */
    x = go("vmex 1\nprofile ios26-3gb\nentitlement hardened-heap\nset malloc-entropy 2\nset data-slide 20g\n"
           "a = malloc 100\n");
    assert_int_equal(x->L.nptr, 2);
    assert_int_equal(x->L.ptr_min[0], 0x35C000000ull);
    assert_int_equal(x->L.ptr_max[0], 0x75A000000ull);
    assert_int_equal(x->L.ptr_min[1], 0xBDA000000ull);
    assert_int_equal(x->L.ptr_max[1], 0xBDC000000ull);
    assert_int_equal(x->ops[0].addr, 0x55D000000ull);
}

/* An xzone huge block needs a 4 MiB-aligned hole; a page-aligned one is not enough. */
static void test_xzone_huge_alignment(void **state)
{
    (void)state;
    run *x = go("vmex 1\nprofile ios26-3gb\n"
                "a = mmap 1749m\nb = mmap 258m\nc = mmap 1408m\n"   /* every hole but the carveout */
                "munmap a 16k 6m\n"        /* [0x102804000, 0x102E04000): 4m-aligned 0x102C00000 + 3m is past its end */
                "m = malloc 3m\n"
                "n = mmap 3m\n");          /* page-aligned: fits at 0x102804000 */
    assert_int_equal(x->ops[0].addr, 0x102800000ull);
    /* 6m + 1m are free, but at 4 MiB alignment only [0x102C00000, 0x102E04000)
     * is usable (the oracle's ceiling): 2m + 16k of the 3m, so exhausted */
    assert_int_equal(x->ops[4].cls, VMEX_EXHAUSTED);
    assert_true(x->ops[4].margin > 2113536.0 / 3145728 - 1e-9 && x->ops[4].margin < 2113536.0 / 3145728 + 1e-9);
    assert_int_equal(x->ops[5].addr, 0x102804000ull);
}

/* ------------------------------------------------------------ MAP_JIT, iOS 11 - 13 */
static void test_jit_random(void **state)
{
    (void)state;
    /* jit-slide 32g: 32g % (0xFC0000000 - 0x100000000 = 59g) = 32g: the pick
     * is 0x100000000 + 32g = 0x900000000, in the hole above nano */
    run *x = go("vmex 1\nprofile ios13-3gb\nentitlement dynamic-codesigning\nset jit-slide 32g\n"
                "jit = mmap 512m prot rx jit tag 64\n"
                "big = mmap 32g prot none\n"
                "check largest >= 0\n"
                "two = mmap 16k jit\n"
                "munmap jit\n"
                "three = mmap 16k jit\n");
    assert_int_equal(x->ops[0].addr, 0x900000000ull);
    /* holes: 0x2A0000000 .. 0x900000000 = 25.5g and 0x920000000 .. 0xFC0000000 = 26.5g */
    assert_int_equal(x->ops[1].cls, VMEX_FRAG);
    assert_int_equal(x->ops[2].value, 0xFC0000000ull - 0x920000000ull);
    assert_int_equal(x->ops[3].why, VMEX_WHY_JIT_ONCE);
    assert_int_equal(x->ops[5].why, VMEX_WHY_JIT_ONCE);   /* jit_entry_exists is never cleared */

    /* 60g: 60g % 59g = 1g: the pick 0x140000000 has 0x16FD00000 - 0x140000000 = 765 MiB after it */
    x = go("vmex 1\nprofile ios12-1gb\nentitlement dynamic-codesigning\nset jit-slide 60g\na = mmap 512m jit\n");
    assert_int_equal(x->ops[0].addr, 0x140000000ull);
    /* an aligned request goes first fit from the pick: 1088m gives
     * 0x100000000 + 0x44000000 = 0x144000000, rounded up to 256m */
    x = go("vmex 1\nprofile ios12-1gb\nentitlement dynamic-codesigning\nset jit-slide 1088m\n"
           "a = mmap 16m jit align 256m\n");
    assert_int_equal(x->ops[0].addr, 0x150000000ull);
    /* a pick that does not hold the request: the stream it seeds picks on,
     * the same way on every run, and the result lies in a hole */
    x = go("vmex 1\nprofile ios12-1gb\nentitlement dynamic-codesigning\nset jit-slide 60g\na = mmap 1g jit\n");
    uint64_t first = x->ops[0].addr;
    assert_int_equal(x->ops[0].status, VMEX_ST_OK);
    assert_true(first % 16384 == 0);
    assert_true((first >= 0x102400000ull && first + GiB <= 0x16FD00000ull) ||   /* the holes that hold 1g */
                (first >= 0x2A0000000ull && first + GiB <= 0xFC0000000ull));
    assert_true(first != 0x140000000ull);
    x = go("vmex 1\nprofile ios12-1gb\nentitlement dynamic-codesigning\nset jit-slide 60g\na = mmap 1g jit\n");
    assert_int_equal(x->ops[0].addr, first);
    /* nothing holds 60g: 1000 picks fail; no hole */
    x = go("vmex 1\nprofile ios12-1gb\nentitlement dynamic-codesigning\na = mmap 60g jit\n");
    assert_int_equal(x->ops[0].why, VMEX_WHY_NOSPACE);
    assert_int_equal(x->ops[0].cls, VMEX_TOO_LARGE);

    /* iOS 14: first fit, any number of JIT mappings */
    x = go("vmex 1\nprofile ios14-3gb\nentitlement dynamic-codesigning\nset jit-slide 32g\n"
           "a = mmap 512m jit\nb = mmap 16k jit\n");
    assert_int_equal(x->ops[0].addr, 0x102400000ull);
    assert_int_equal(x->ops[1].addr, 0x102400000ull + 512 * MiB);
}

/* ------------------------------------------------------------ small corrections */
/* A7/A8: 4 KiB physical pages: a touch dirties 4 KiB, the map still places in 16 KiB */
static void test_phys_page(void **state)
{
    (void)state;
    static const struct { const char *p; uint64_t page; } t[] = {
        {"ios11-1gb", 4096}, {"ios12-1gb", 4096}, {"ios12-2gb", 16384}, {"ios13-1gb", 16384}, {"ios26-3gb", 16384},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char text[160];
        snprintf(text, sizeof text, "vmex 1\nprofile %s\na = mmap 20k\ntouch a 0 1\ntouch a 8k 1\n", t[i].p);
        run *x = go(text);
        assert_int_equal(x->ops[0].size, 32768);    /* 20k rounds to two 16 KiB pages */
        assert_int_equal(x->ops[1].value, t[i].page);
        /* 8k lies in the first 16 KiB page, but in the third 4 KiB one */
        assert_int_equal(x->ops[2].value, t[i].page == 4096 ? 8192 : 16384);
        assert_int_equal(x->ops[2].addr, x->ops[0].addr + (t[i].page == 4096 ? 8192 : 0));
    }
}

/* NUM_TINY_BLOCKS: 64520 quanta on iOS 11 - 12, 64504 from iOS 13.  1024
 * blocks of 1008 bytes take 1032192 bytes: 64520 x 16 = 1032320 holds them,
 * 64504 x 16 = 1032064 holds 1023. */
static void test_tiny_blocks(void **state)
{
    (void)state;
    static const char *const p[] = {"ios12-3gb", "ios13-3gb"};
    for (int k = 0; k < 2; k++) {
        vmex_buf b = {0};
        assert_int_equal(vmex_buf_printf(&b, "vmex 1\nprofile %s\nset nano off\n", p[k]), 0);
        for (int i = 0; i < 1024; i++) assert_int_equal(vmex_buf_printf(&b, "b%d = malloc 1008\n", i), 0);
        run *x = go(b.p);
        vmex_buf_free(&b);
        if (k == 0) {
            assert_int_equal(x->ops[1023].addr, 0x15FD00000ull + 1023 * 1008);
            assert_int_equal(x->r.st.mapped, MiB);
        } else {
            assert_int_equal(x->ops[1023].addr, 0x15FE00000ull);   /* the next 1 MiB region */
            assert_int_equal(x->r.st.mapped, 2 * MiB);
        }
    }
}

typedef struct tag_at { uint64_t addr; int tag, kind; } tag_at;
static void find_tag(void *ctx, uint64_t s, uint64_t e, int kind, int tag, int prot)
{
    tag_at *t = ctx;
    (void)prot;
    if (t->addr >= s && t->addr < e) {
        t->tag = tag;
        t->kind = kind;
    }
}

/* magazine_large.c large_try_realloc_in_place(): the grown tail is a
 * VM_MEMORY_REALLOC (6) mapping */
static void test_realloc_tag(void **state)
{
    (void)state;
    run *x = go("vmex 1\nprofile ios16-3gb\na = malloc 100k\nb = realloc a 200k\n");
    /* 100k: 7 pages at 0x15FD00000; 200k: 13 pages, the tail from + 7 pages */
    assert_int_equal(x->ops[1].addr, 0x15FD00000ull);
    assert_int_equal(x->ops[1].size, 13 * 16384);
    tag_at t = {0x15FD00000ull + 7 * 16384, -1, -1};
    vmex_model_walk(model, find_tag, &t);
    assert_int_equal(t.tag, 6);
    assert_int_equal(t.kind, VMEX_R_MALLOC);
    t = (tag_at){0x15FD00000ull, -1, -1};
    vmex_model_walk(model, find_tag, &t);
    assert_int_equal(t.tag, 3);
}

/* ------------------------------------------------------------ the fuzz encoding */
static void hexbytes(const char *hex, uint8_t *b, size_t *n)
{
    *n = 0;
    for (const char *p = hex; *p;) {
        unsigned v;
        if (*p == ' ') {
            p++;
            continue;
        }
        assert_int_equal(sscanf(p, "%2x", &v), 1);
        b[(*n)++] = (uint8_t)v;
        p += 2;
    }
}

/* The v1 ents byte keeps the four first entitlements; the new ones ride in
 * ents_hi, after the set_mask_hi block (written, 0, when no key >= 8 is
 * set).  ios26-3gb is profile 72. */
static void test_encoding(void **state)
{
    (void)state;
    static const struct { const char *text, *hex; } t[] = {
        /* H = 9 + 1 (set_mask_hi) + 1 (ents_hi) = 11 */
        {"vmex 1\ntarget xnu\nprofile ios26-3gb\nentitlement hardened-heap\n", "01 0b 00 48 00 00 ff ff ff ff ff 00 01"},
        /* xzone is key 11: set_mask_hi bit 3, its value; ents 0x02, ents_hi 0x03 */
        {"vmex 1\ntarget xnu\nprofile ios26-3gb\nentitlement extended-virtual-addressing\n"
         "entitlement hardened-heap\nentitlement web-browser-engine\nset xzone off\n",
         "01 13 00 48 02 00 ff ff ff ff ff 08 00 00 00 00 00 00 00 00 03"},
        /* jit-slide (12) and data-slide (13) */
        {"vmex 1\ntarget xnu\nprofile ios13-3gb\nset jit-slide 32g\nset data-slide 1g\n",
         "01 1a 00 12 00 00 ff ff ff ff ff 30 00 00 00 00 08 00 00 00 00 00 00 40 00 00 00 00"},
    };
    vmex_layout L;
    vmex_program p, q;
    vmex_buf out = {0}, txt = {0};
    vmex_error err = {0};
    vmex_program_init(&p);
    vmex_program_init(&q);
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint8_t want[64];
        size_t n;
        hexbytes(t[i].hex, want, &n);
        assert_int_equal(vmex_parse(t[i].text, strlen(t[i].text), "t", &p, &err), 0);
        assert_int_equal(vmex_layout_resolve(&p.cfg, NULL, 0, &L, &err), 0);
        out.len = 0;
        assert_int_equal(vmex_encode(&p, &L, &out), 0);
        assert_int_equal(out.len, n);
        assert_memory_equal(out.p, want, n);
        assert_int_equal(vmex_decode(want, n, &L, &q), 0);
        txt.len = 0;
        assert_int_equal(vmex_print(&q, &txt, NULL, NULL, NULL), 0);
        assert_string_equal(txt.p, t[i].text);
    }
    /* an input of v1 with every ents bit set still grants the four of v1 */
    uint8_t old[] = {0x01, 0x09, 0x00, 0x05, 0xff, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff};
    vmex_config c;
    vmex_decode_config(old, sizeof old, &c);
    assert_int_equal(c.ents, 0x0f);
    vmex_buf_free(&out);
    vmex_buf_free(&txt);
    vmex_program_free(&p);
    vmex_program_free(&q);
}

static int setup(void **state)
{
    (void)state;
    model = vmex_model_new(VMEX_STORE_FAST);
    return model ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    vmex_model_free(model);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profiles),       cmocka_unit_test(test_jumbo_154),
        cmocka_unit_test(test_settings),       cmocka_unit_test(test_probe),
        cmocka_unit_test(test_split_layout),   cmocka_unit_test(test_split_routing),
        cmocka_unit_test(test_split_oracle),   cmocka_unit_test(test_split_magazine),
        cmocka_unit_test(test_xzone),          cmocka_unit_test(test_xzone_split),
        cmocka_unit_test(test_xzone_huge_alignment), cmocka_unit_test(test_jit_random),
        cmocka_unit_test(test_phys_page),      cmocka_unit_test(test_tiny_blocks),
        cmocka_unit_test(test_realloc_tag),    cmocka_unit_test(test_encoding),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
