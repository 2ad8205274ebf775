/*
 * test_feedback.c - the fuzzer features of a run (feedback.c).
 *
 * The layout documented in feedback.h and feedback.c, by range:
 *   CLASSES    failed request >= 1m: BLOCK(class) + margin bucket * 16
 *              + live-bytes bucket, BLOCK(c) = (c - 1) * 512
 *                margin bucket = 0 below 1, else min(31, floor(1 + 2 log2 m))
 *                live-bytes bucket = 15 - min(15, floor(log2(mapped MiB)))
 *                                    (15 when nothing is mapped)
 *   HOLES      end: min(15, floor(log2(holes + 1))) * 16 + min(15, floor(16 largest / free))
 *   ENTRIES    end: min(31, floor(log2(entries + 1)))
 *   FOOTPRINT  end: min(31, floor(16 footprint / limit))
 *   BEST       best margin bucket * 16 + (15 - min(15, floor(log2(ops to reach it))))
 * Each index below is computed by hand from those formulas (the comment
 * shows the sum) on the pristine ios16-3gb layout: holes of 1753m
 * (0x102400000), 258m and 896m; 5 pristine entries (binary, dyld, stack,
 * shared region, nano).
 */

#include "helpers/fixture.h"
#include "fuzz/feedback.h"

#define MiB (1ull << 20)

/* the ranges of the counter array, as [lo, hi) argument pairs */
#define CLASSES   0, VMEX_FB_HOLES
#define HOLES     VMEX_FB_HOLES, VMEX_FB_ENTRIES
#define ENTRIES   VMEX_FB_ENTRIES, VMEX_FB_FOOTPRINT
#define FOOTPRINT VMEX_FB_FOOTPRINT, VMEX_FB_BEST
#define BEST      VMEX_FB_BEST, VMEX_FEATURES
/* the first index of class c's block */
#define BLOCK(c) (((c) - 1) * VMEX_FB_CLASS_BLOCK)

static uint8_t ctr[VMEX_FEATURES];

/* Run text (no hunt: the default rule stops at the first failure >= 1m)
 * with the feedback, into the zeroed counters. */
static vmex_result run_fb(const char *text)
{
    vmex_program p;
    vmex_layout L;
    vmex_error err = {0};
    vmex_program_init(&p);
    if (vmex_parse(text, strlen(text), "test", &p, &err)) {
        vmex_error_print(&err, stderr);
        fail_msg("parse failed");
    }
    assert_int_equal(vmex_layout_resolve(&p.cfg, NULL, 0, &L, &err), 0);
    memset(ctr, 0, sizeof ctr);
    vmex_feedback fb;
    vmex_feedback_begin(&fb, ctr, model, &L);
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.on_op = vmex_feedback_op;
    o.ctx = &fb;
    vmex_result r;
    assert_int_equal(vmex_model_run(model, &L, &p, &o, &r), 0);
    vmex_feedback_end(&fb, &r);
    vmex_program_free(&p);
    return r;
}

/* the indices in [lo, hi) with a nonzero counter: how many, and the first */
static int set_in(unsigned lo, unsigned hi, unsigned *first)
{
    int n = 0;
    for (unsigned i = lo; i < hi; i++)
        if (ctr[i]) {
            if (!n && first) *first = i;
            n++;
        }
    return n;
}

/* exactly one counter in [lo, hi), at `want`, with the value 1 */
static void assert_one(unsigned lo, unsigned hi, unsigned want)
{
    unsigned at = 0;
    int n = set_in(lo, hi, &at);
    if (n != 1 || at != want) fail_msg("[%u, %u): %d counters set, first %u; expected only %u", lo, hi, n, at, want);
    assert_int_equal(ctr[want], 1);
}

static void assert_none(unsigned lo, unsigned hi)
{
    unsigned at = 0;
    int n = set_in(lo, hi, &at);
    if (n) fail_msg("[%u, %u): %d counters set, first %u; expected none", lo, hi, n, at);
}

/* the ranges follow each other, sized as feedback.h says */
static void test_layout(void **state)
{
    assert_int_equal(VMEX_FB_CLASS_BLOCK, 32 * 16);
    assert_int_equal(VMEX_FB_HOLES, (VMEX_CLASS__COUNT - 1) * VMEX_FB_CLASS_BLOCK);
    assert_int_equal(VMEX_FB_ENTRIES - VMEX_FB_HOLES, 16 * 16);
    assert_int_equal(VMEX_FB_FOOTPRINT - VMEX_FB_ENTRIES, 32);
    assert_int_equal(VMEX_FB_BEST - VMEX_FB_FOOTPRINT, 32);
    assert_int_equal(VMEX_FEATURES - VMEX_FB_BEST, 32 * 16);
}

static void test_no_failure(void **state)
{
    vmex_result r = run_fb("vmex 1\nprofile ios16-3gb\na = mmap 1m\n");
    assert_int_equal(r.ops_failed, 0);
    assert_none(CLASSES);
    assert_none(BEST);   /* no failure: no best margin */
    /* end state: holes 1752m, 258m, 896m: 3 holes; free 2906m, largest 1752m.
     * holes: floor(log2(3 + 1)) = 2; ratio floor(16 * 1752 / 2906) = floor(9.65) = 9
     * -> HOLES + 2 * 16 + 9 */
    assert_int_equal(r.st.holes, 3);
    assert_int_equal(r.st.free, 2906 * MiB);
    assert_int_equal(r.st.largest, 1752 * MiB);
    assert_one(HOLES, VMEX_FB_HOLES + 2 * 16 + 9);
    /* entries: 5 pristine + a = 6; floor(log2(7)) = 2 -> ENTRIES + 2 */
    assert_int_equal(r.st.entries, 6);
    assert_one(ENTRIES, VMEX_FB_ENTRIES + 2);
    /* footprint 0 -> FOOTPRINT + 0 */
    assert_one(FOOTPRINT, VMEX_FB_FOOTPRINT);

    /* a failure below 1m is no feature: fill everything, then 16k fails */
    r = run_fb("vmex 1\na = mmap 1753m\nb = mmap 258m\nc = mmap 896m\nd = mmap 16k\n");
    assert_int_equal(r.ops_failed, 1);
    assert_none(CLASSES);
    assert_none(BEST);
    /* free 0: no holes, ratio 0 -> HOLES + 0 + 0 */
    assert_one(HOLES, VMEX_FB_HOLES);
}

/*
 * frag, margin 1.5: a, b, c fill H1..H3, two 96m holes punched into a.
 * At the failure: mapped = 2907m - 192m = 2715m; floor(log2(2715)) = 11
 * (2048 <= 2715 < 4096): live-bytes bucket 15 - 11 = 4.
 * margin bucket: floor(1 + 2 log2 1.5) = floor(1 + 1.1699) = 2.
 * -> BLOCK(frag) + 2 * 16 + 4
 */
static const char frag15[] =
    "vmex 1\nprofile ios16-3gb\n"
    "a = mmap 1753m\nb = mmap 258m\nc = mmap 896m\n"
    "munmap a 0 96m\nmunmap a 256m 96m\n"
    "x = mmap 128m\n";

static void test_frag_feature(void **state)
{
    vmex_result r = run_fb(frag15);
    assert_int_equal(r.verdict, VMEX_FRAG);
    assert_int_equal(r.at, 5);
    assert_true(r.margin == 1.5);
    assert_int_equal(r.st.mapped, 2715 * MiB);
    assert_one(CLASSES, BLOCK(VMEX_FRAG) + 2 * 16 + 4);
    /* end: 2 holes of 96m: floor(log2(3)) = 1; ratio 16 * 96 / 192 = 8 -> HOLES + 16 + 8 */
    assert_int_equal(r.st.holes, 2);
    assert_one(HOLES, VMEX_FB_HOLES + 16 + 8);
    /* best margin 1.5 (bucket 2), reached at op 5: 6 ops, floor(log2(6)) = 2,
     * ops bucket 15 - 2 = 13 -> BEST + 2 * 16 + 13 */
    assert_one(BEST, VMEX_FB_BEST + 2 * 16 + 13);
    assert_int_equal(set_in(ENTRIES, NULL), 1);
    assert_one(FOOTPRINT, VMEX_FB_FOOTPRINT);   /* nothing touched */
}

static void test_higher_margin(void **state)
{
    /* four 96m holes: free 384m, margin 384/128 = 3; bucket floor(1 + 2 log2 3)
     * = floor(4.17) = 4.  mapped 2907m - 384m = 2523m: log2 11, bucket 4.
     * -> BLOCK(frag) + 4 * 16 + 4 (the 1.5 case was + 2 * 16 + 4: a higher margin bucket) */
    vmex_result r = run_fb("vmex 1\nprofile ios16-3gb\n"
                           "a = mmap 1753m\nb = mmap 258m\nc = mmap 896m\n"
                           "munmap a 0 96m\nmunmap a 256m 96m\nmunmap a 512m 96m\nmunmap a 768m 96m\n"
                           "x = mmap 128m\n");
    assert_int_equal(r.at, 7);
    assert_true(r.margin == 3.0);
    assert_one(CLASSES, BLOCK(VMEX_FRAG) + 4 * 16 + 4);
    /* best margin bucket 4, 8 ops: log2 3, bucket 12 -> BEST + 64 + 12 */
    assert_one(BEST, VMEX_FB_BEST + 64 + 12);
    /* end: 4 holes: floor(log2(5)) = 2; ratio 16 * 96 / 384 = 4 -> HOLES + 32 + 4 */
    assert_one(HOLES, VMEX_FB_HOLES + 32 + 4);
}

static void test_fewer_bytes(void **state)
{
    /* the same margin 1.5 with fewer bytes mapped: two 480m holes in a
     * (offsets 0 and 1000m, 520m apart), free 960m, request 640m:
     * 960/640 = 1.5, bucket 2; mapped 2907m - 960m = 1947m: floor(log2(1947))
     * = 10 (1024 <= 1947 < 2048), bucket 15 - 10 = 5 -> BLOCK(frag) + 32 + 5
     * (frag15: + 32 + 4) */
    vmex_result r = run_fb("vmex 1\nprofile ios16-3gb\n"
                           "a = mmap 1753m\nb = mmap 258m\nc = mmap 896m\n"
                           "munmap a 0 480m\nmunmap a 1000m 480m\n"
                           "x = mmap 640m\n");
    assert_int_equal(r.verdict, VMEX_FRAG);
    assert_true(r.margin == 1.5);
    assert_int_equal(r.st.mapped, 1947 * MiB);
    assert_one(CLASSES, BLOCK(VMEX_FRAG) + 32 + 5);
    assert_one(BEST, VMEX_FB_BEST + 2 * 16 + 13);   /* best margin: the same bucket and op count as frag15 */
}

static void test_other_classes(void **state)
{
    /* exhausted: everything filled, 2m fails with free 0: margin 0, bucket 0;
     * mapped 2907m: log2 11, bucket 4 -> BLOCK(exhausted) + 0 + 4 */
    vmex_result r = run_fb("vmex 1\na = mmap 1753m\nb = mmap 258m\nc = mmap 896m\nd = mmap 2m\n");
    assert_int_equal(r.verdict, VMEX_EXHAUSTED);
    assert_one(CLASSES, BLOCK(VMEX_EXHAUSTED) + 4);
    assert_none(BEST);   /* margin 0 is no best margin */

    /* exhausted with a margin between 0 and 1: still margin bucket 0.
     * free 96m, request 384m: margin 0.25; mapped 2907m - 96m = 2811m:
     * log2 11, bucket 4 -> BLOCK(exhausted) + 0 + 4 */
    r = run_fb("vmex 1\na = mmap 1753m\nb = mmap 258m\nc = mmap 896m\nmunmap a 0 96m\nd = mmap 384m\n");
    assert_int_equal(r.verdict, VMEX_EXHAUSTED);
    assert_true(r.margin == 0.25);
    assert_one(CLASSES, BLOCK(VMEX_EXHAUSTED) + 4);
    /* best margin bucket 0 (0.25 < 1), at op 4: 5 ops, log2 2, bucket 13 -> BEST + 0 + 13 */
    assert_one(BEST, VMEX_FB_BEST + 13);

    /* too-large on the pristine map: 2g > 1753m; margin 2907/2048 = 1.419,
     * bucket floor(1 + 2 * 0.5053) = 2; nothing mapped: bucket 15
     * -> BLOCK(too-large) + 2 * 16 + 15 */
    r = run_fb("vmex 1\na = mmap 2g\n");
    assert_int_equal(r.verdict, VMEX_TOO_LARGE);
    assert_one(CLASSES, BLOCK(VMEX_TOO_LARGE) + 2 * 16 + 15);
    /* best margin bucket 2 at op 0: 1 op, log2 0, bucket 15 -> BEST + 32 + 15 */
    assert_one(BEST, VMEX_FB_BEST + 32 + 15);

    /* jetsam: limit 32m, a 34m touch of a 64m mapping:
     * margin 34/32 = 1.0625, bucket floor(1 + 2 * 0.0875) = 1; mapped 64m:
     * log2 6, bucket 9 -> BLOCK(jetsam) + 16 + 9 */
    r = run_fb("vmex 1\nset footprint-limit 32m\na = mmap 64m\ntouch a 0 34m\n");
    assert_int_equal(r.verdict, VMEX_JETSAM);
    assert_one(CLASSES, BLOCK(VMEX_JETSAM) + 16 + 9);
    /* footprint 34m / 32m * 16 = 17 -> FOOTPRINT + 17 */
    assert_one(FOOTPRINT, VMEX_FB_FOOTPRINT + 17);
}

/* Every finding class has its own feature block: the same failure (margin,
 * live bytes) of two classes is two features.  (The blocks were once picked
 * by class & 3, so map-count landed in frag's block, crash in exhausted's,
 * hang in too-large's and diverge in jetsam's.) */
static void test_class_blocks(void **state)
{
    run_fb("vmex 1\na = mmap 1m\n");   /* a model with a state for vmex_feedback_op */
    vmex_layout L;
    vmex_config cfg = {0};
    vmex_error err = {0};
    assert_int_equal(vmex_layout_resolve(&cfg, NULL, 0, &L, &err), 0);
    unsigned at[VMEX_CLASS__COUNT];
    for (int c = VMEX_OK + 1; c < VMEX_CLASS__COUNT; c++) {
        memset(ctr, 0, sizeof ctr);
        vmex_feedback fb;
        vmex_feedback_begin(&fb, ctr, model, &L);
        /* margin 1.5: bucket 2; 64m live: log2 6, bucket 9 */
        vmex_opres r = {.cls = (uint8_t)c, .req = 2 * MiB, .margin = 1.5, .live = 64 * MiB};
        vmex_feedback_op(&fb, NULL, &r);
        if (set_in(0, VMEX_FEATURES, &at[c]) != 1) fail_msg("class %s: not one feature", vmex_class_name(c));
        /* margin bucket 2, live-bytes bucket 9, in the class's own block */
        assert_int_equal(at[c], BLOCK(c) + 2 * 16 + 9);
        for (int d = VMEX_OK + 1; d < c; d++)
            if (at[d] == at[c])
                fail_msg("classes %s and %s share the feature %u", vmex_class_name(d), vmex_class_name(c), at[c]);
    }
}

static void test_footprint_level(void **state)
{
    /* limit 32m, 8m touched: 16 * 8 / 32 = 4 -> FOOTPRINT + 4 */
    vmex_result r = run_fb("vmex 1\nset footprint-limit 32m\na = mmap 16m\ntouch a 0 8m\n");
    assert_int_equal(r.st.footprint, 8 * MiB);
    assert_one(FOOTPRINT, VMEX_FB_FOOTPRINT + 4);
    assert_none(CLASSES);
    /* 5 pristine entries + 59 one-page mappings, one entry each (the model
     * does not coalesce neighbours: see test_model.c's test_first_fit) = 64;
     * floor(log2(64 + 1)) = 6 -> ENTRIES + 6 */
    char text[4096];
    size_t at = (size_t)snprintf(text, sizeof text, "vmex 1\n");
    for (int i = 0; i < 59; i++) at += (size_t)snprintf(text + at, sizeof text - at, "m%d = mmap 16k\n", i);
    r = run_fb(text);
    assert_int_equal(r.st.entries, 64);
    assert_one(ENTRIES, VMEX_FB_ENTRIES + 6);
}

static void test_saturates(void **state)
{
    /* the counters are bytes: they stop at 255 */
    vmex_program p;
    vmex_layout L;
    vmex_error err = {0};
    vmex_program_init(&p);
    assert_int_equal(vmex_parse(frag15, strlen(frag15), "t", &p, &err), 0);
    assert_int_equal(vmex_layout_resolve(&p.cfg, NULL, 0, &L, &err), 0);
    memset(ctr, 0, sizeof ctr);
    for (int k = 0; k < 300; k++) {
        vmex_feedback fb;
        vmex_feedback_begin(&fb, ctr, model, &L);
        vmex_runopts o;
        vmex_runopts_init(&o);
        o.on_op = vmex_feedback_op;
        o.ctx = &fb;
        vmex_result r;
        assert_int_equal(vmex_model_run(model, &L, &p, &o, &r), 0);
        vmex_feedback_end(&fb, &r);
    }
    assert_int_equal(ctr[BLOCK(VMEX_FRAG) + 2 * 16 + 4], 255);
    assert_int_equal(set_in(CLASSES, NULL), 1);
    vmex_program_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),        cmocka_unit_test(test_no_failure),    cmocka_unit_test(test_frag_feature),
        cmocka_unit_test(test_higher_margin), cmocka_unit_test(test_fewer_bytes),
        cmocka_unit_test(test_other_classes), cmocka_unit_test(test_footprint_level),
        cmocka_unit_test(test_saturates),     cmocka_unit_test(test_class_blocks),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
