/*
 * test_oracle.c - the oracle's judgement, the same for every backend
 * (oracle/oracle.h): the class of a failed request, the finding decision,
 * how ops add up to a run's result, and vmex_find_ex.
 *
 * Expected values are worked out by hand from the pristine ios16-3gb
 * layout (as in test_hunt.c):
 *   H1 [0x102400000, 0x16FD00000) 1753 MiB  (dyld end .. stack)
 *   H2 [0x16FE00000, 0x180000000)  258 MiB  (stack end .. shared region)
 *   H3 [0x2A0000000, 0x2D8000000)  896 MiB  (nano end .. max_offset)
 * and a 1 GiB linux window at 0x300000000000 (1 GiB aligned).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "oracle/oracle.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

static vmex_layout ios, window;

static void layouts(void)
{
    vmex_error err = {0};
    vmex_config c = {.target = VMEX_TARGET_XNU};
    assert_int_equal(vmex_layout_resolve(&c, "ios16-3gb", 0, &ios, &err), 0);
    assert_int_equal(ios.pristine_largest, 1753 * MiB);
    assert_int_equal(ios.pristine_free, 2907 * MiB);
    c.target = VMEX_TARGET_LINUX;
    assert_int_equal(vmex_layout_resolve(&c, NULL, 0, &window, &err), 0);
    assert_int_equal(window.window, 1 * GiB);
}

static vmex_opres classify(const vmex_layout *L, uint64_t req, uint64_t align, uint64_t room, int map_count)
{
    vmex_opres r;
    memset(&r, 0, sizeof r);
    _vmex_classify(L, req, align, room, map_count, &r);
    assert_int_equal(r.req, req);
    return r;
}

/* ------------------------------------------------------------ classes */
static void test_classes_model(void **state)
{
    layouts();
    /* 1g fits H1; 2907m of room: frag, margin 2907/1024 */
    vmex_opres r = classify(&ios, 1 * GiB, VMEX_PAGE, 2907 * MiB, 0);
    assert_int_equal(r.cls, VMEX_FRAG);
    assert_true(r.margin == 2907.0 / 1024.0);
    /* the same request with 512m of room: exhausted */
    assert_int_equal(classify(&ios, 1 * GiB, VMEX_PAGE, 512 * MiB, 0).cls, VMEX_EXHAUSTED);
    /* room == request is frag (not more than the room) */
    assert_int_equal(classify(&ios, 1 * GiB, VMEX_PAGE, 1 * GiB, 0).cls, VMEX_FRAG);
    /* bigger than H1: never fits */
    assert_int_equal(classify(&ios, 1753 * MiB + VMEX_PAGE, VMEX_PAGE, 2907 * MiB, 0).cls, VMEX_TOO_LARGE);
    assert_int_equal(classify(&ios, 1753 * MiB, VMEX_PAGE, 2907 * MiB, 0).cls, VMEX_FRAG);
    /* 1700m at 1g alignment: H1 from 0x140000000 ends at 0x1AA400000 >
     * 0x16FD00000, H3 from 0x2C0000000 past 0x2D8000000: never fits */
    assert_int_equal(classify(&ios, 1700 * MiB, 1 * GiB, 2907 * MiB, 0).cls, VMEX_TOO_LARGE);
    /* 512m at 1g alignment: H1 from 0x140000000 to 0x160000000 */
    assert_int_equal(classify(&ios, 512 * MiB, 1 * GiB, 2907 * MiB, 0).cls, VMEX_FRAG);
    /* a zero request has no margin */
    assert_true(classify(&ios, 0, VMEX_PAGE, 2907 * MiB, 0).margin == 0);
}

static void test_classes_window(void **state)
{
    layouts();
    /* the real kernel: room = window - held */
    assert_int_equal(classify(&window, 1 * GiB + 4096, window.page, 1 * GiB, 0).cls, VMEX_TOO_LARGE);
    assert_int_equal(classify(&window, 1 * GiB, window.page, 1 * GiB, 0).cls, VMEX_FRAG);
    assert_int_equal(classify(&window, 512 * MiB, window.page, 256 * MiB, 0).cls, VMEX_EXHAUSTED);
    vmex_opres r = classify(&window, 256 * MiB, window.page, 768 * MiB, 0);
    assert_int_equal(r.cls, VMEX_FRAG);
    assert_true(r.margin == 3.0);
    /* at vm.max_map_count: map-count whatever the room, but never for a
     * request that cannot fit at all */
    assert_int_equal(classify(&window, 256 * MiB, window.page, 768 * MiB, 1).cls, VMEX_MAP_COUNT);
    assert_int_equal(classify(&window, 512 * MiB, window.page, 256 * MiB, 1).cls, VMEX_MAP_COUNT);
    assert_int_equal(classify(&window, 2 * GiB, window.page, 1 * GiB, 1).cls, VMEX_TOO_LARGE);
}

/* ------------------------------------------------------------ findings */
static int finding(int cls, uint64_t req, double margin, uint16_t flags, const vmex_hunt *h)
{
    vmex_op op;
    vmex_op_init(&op, VMEX_OP_MMAP);
    op.flags = flags;
    vmex_opres r;
    memset(&r, 0, sizeof r);
    r.status = cls == VMEX_OK ? VMEX_ST_OK : VMEX_ST_FAILED;
    r.cls = (uint8_t)cls;
    r.req = req;
    r.margin = margin;
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.hunt = h;
    return _vmex_is_finding(&op, &r, &o);
}

static vmex_hunt hunt(const char *text)
{
    vmex_hunt h;
    vmex_error err = {0};
    assert_int_equal(vmex_hunt_parse(text, &h, &err), 0);
    return h;
}

static void test_finding_large(void **state)
{
    /* no hunt: requests of 1m and up, and every jetsam */
    assert_true(finding(VMEX_FRAG, 1 * MiB, 1.5, 0, NULL));
    assert_false(finding(VMEX_FRAG, 1 * MiB - 1, 9, 0, NULL));
    assert_true(finding(VMEX_EXHAUSTED, 2 * MiB, 0.5, 0, NULL));
    assert_true(finding(VMEX_JETSAM, VMEX_PAGE, 1.01, 0, NULL));
    assert_false(finding(VMEX_OK, 1 * GiB, 0, 0, NULL));
    /* the app handles it */
    assert_false(finding(VMEX_FRAG, 1 * GiB, 3, VMEX_F_TRY, NULL));
    assert_false(finding(VMEX_JETSAM, VMEX_PAGE, 1.01, VMEX_F_TRY, NULL));
    /* crash and hang: always, even in a try */
    assert_true(finding(VMEX_CRASH, 0, 0, 0, NULL));
    assert_true(finding(VMEX_HANG, 0, 0, VMEX_F_TRY, NULL));
}

static void test_finding_hunt(void **state)
{
    vmex_hunt h = hunt(VMEX_DEFAULT_HUNT);   /* frag:margin>=2,size>=1m */
    assert_true(finding(VMEX_FRAG, 1 * MiB, 2, 0, &h));
    assert_false(finding(VMEX_FRAG, 1 * MiB, 1.99, 0, &h));
    assert_false(finding(VMEX_FRAG, 1 * MiB - 1, 3, 0, &h));
    assert_false(finding(VMEX_EXHAUSTED, 1 * GiB, 3, 0, &h));
    assert_false(finding(VMEX_JETSAM, VMEX_PAGE, 1.5, 0, &h));
    assert_false(finding(VMEX_FRAG, 1 * GiB, 3, VMEX_F_TRY, &h));
    /* crash and hang only when the hunt names them */
    assert_false(finding(VMEX_CRASH, 0, 0, 0, &h));
    h = hunt("frag;crash;hang");
    assert_true(finding(VMEX_CRASH, 0, 0, 0, &h));
    assert_true(finding(VMEX_HANG, 0, 0, VMEX_F_TRY, &h));
    assert_false(finding(VMEX_MAP_COUNT, 1 * GiB, 3, 0, &h));
}

/* ------------------------------------------------------------ a run's result */
static int seen;
static void count_op(void *ctx, const vmex_op *op, const vmex_opres *r) { seen++; }

static void test_result(void **state)
{
    vmex_result res;
    vmex_op op[4];
    vmex_opres r[4];
    memset(r, 0, sizeof r);
    for (int i = 0; i < 4; i++) {
        vmex_op_init(&op[i], i == 0 ? VMEX_OP_CHECK : VMEX_OP_MMAP);
        r[i].i = (uint32_t)i;
    }
    r[0].status = VMEX_ST_FAILED;
    r[0].why = VMEX_WHY_CHECK;
    r[1].status = VMEX_ST_SKIPPED;
    r[1].warn = 1;
    r[2] = (vmex_opres){.i = 2, .status = VMEX_ST_FAILED, .why = VMEX_WHY_NOSPACE, .cls = VMEX_FRAG, .finding = 1,
                        .req = 64 * MiB, .margin = 2.5};
    r[3] = (vmex_opres){.i = 3, .status = VMEX_ST_FAILED, .why = VMEX_WHY_NOSPACE, .cls = VMEX_EXHAUSTED,
                        .finding = 1, .req = 1 * GiB};
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.on_op = count_op;
    for (int keep = 0; keep < 2; keep++) {
        o.keep_going = keep;
        seen = 0;
        _vmex_result_begin(&res);
        assert_int_equal(res.at, -1);
        assert_int_equal(res.first_check_failed, -1);
        assert_int_equal(res.warn_at, -1);
        int i = 0, stop = 0;
        while (i < 4 && !(stop = _vmex_result_add(&res, &op[i], &r[i], &o))) i++;
        assert_int_equal(stop, !keep);
        assert_int_equal(seen, keep ? 4 : 3);   /* on_op sees the finding op too */
        assert_int_equal(res.ops_run, keep ? 4 : 3);
        assert_int_equal(res.ops_failed, keep ? 3 : 2);
        assert_int_equal(res.ops_skipped, 1);
        assert_int_equal(res.checks_failed, 1);
        assert_int_equal(res.first_check_failed, 0);
        assert_int_equal(res.warn_at, 1);
        assert_int_equal(res.findings, keep ? 2 : 1);
        /* the first finding is the verdict */
        assert_int_equal(res.verdict, VMEX_FRAG);
        assert_int_equal(res.at, 2);
        assert_int_equal(res.req, 64 * MiB);
        assert_true(res.margin == 2.5);
        assert_int_equal(res.req_kind, VMEX_OP_MMAP);
    }
}

/* ------------------------------------------------------------ vmex_find_ex */
static void parse(const char *text, vmex_program *p, vmex_layout *L)
{
    vmex_error err = {0};
    vmex_program_init(p);
    assert_int_equal(vmex_parse(text, strlen(text), "test", p, &err), 0);
    assert_int_equal(vmex_layout_resolve(&p->cfg, NULL, 0, L, &err), 0);
}

/* H1 and H3 filled but for holes of 600m and 500m, H2 free: 1358m of room */
static const char *const frag_program =
    "vmex 1\na = mmap 1153m\nb = mmap 600m\nc = mmap 396m\nd = mmap 500m\nmunmap b\nmunmap d\nx = mmap 700m\n";

static void test_find(void **state)
{
    vmex_program p;
    vmex_layout L;
    parse(frag_program, &p, &L);
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST), *real = NULL;
    vmex_hunt h = hunt("frag:margin>=1.5");
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.hunt = &h;
    o.on_op = count_op;
    seen = 0;
    vmex_result res, res2;
    vmex_diff d;
    char sig[128], sig2[128];
    assert_int_equal(vmex_find_ex(m, &real, &L, &p, &o, &d, &res, sig, sizeof sig), 1);
    assert_int_equal(seen, 7);      /* the run's every op, up to the finding */
    assert_int_equal(d.at, -1);     /* no diff on xnu */
    assert_null(real);
    assert_int_equal(res.verdict, VMEX_FRAG);
    assert_int_equal(res.at, 6);
    assert_true(res.margin == 1358.0 / 700.0);
    assert_string_equal(sig, "frag-mmap-2p29-ios16-3gb");   /* 700m: 2^29 <= 700m < 2^30 */
    /* vmex_find is vmex_find_ex under the hunt alone */
    assert_int_equal(vmex_find(m, &real, &L, &p, &h, &res2, sig2, sizeof sig2), 1);
    assert_string_equal(sig, sig2);
    assert_int_equal(res.at, res2.at);
    /* above the margin: nothing */
    h = hunt("frag:margin>=2");
    assert_int_equal(vmex_find(m, &real, &L, &p, &h, &res, sig, sizeof sig), 0);
    assert_int_equal(res.verdict, VMEX_OK);
    assert_int_equal(res.ops_run, 7);
    /* diverge alone on xnu: no real kernel to diff with; the program runs
     * and finds nothing */
    h = hunt("diverge");
    assert_int_equal(vmex_find(m, &real, &L, &p, &h, &res, sig, sizeof sig), 0);
    assert_int_equal(res.ops_run, 7);
    assert_null(real);
    vmex_model_free(m);
    vmex_program_free(&p);
}

/* A hunt of diverge alone stops after the diff: the program does not run again. */
static void test_find_diverge_only(void **state)
{
    vmex_program p;
    vmex_layout L;
    parse("vmex 1\ntarget linux-model\nset window 64m\na = mmap 1m\nb = mmap 2m\nmunmap a\n", &p, &L);
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST), *real = NULL;
    vmex_hunt h = hunt("diverge");
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.hunt = &h;
    o.on_op = count_op;
    seen = 0;
    vmex_result res;
    vmex_diff d;
    char sig[128];
    int rc = vmex_find_ex(m, &real, &L, &p, &o, &d, &res, sig, sizeof sig);
    if (rc < 0 && vmex_model_unavailable(m)) {
        printf("SKIP: the real backend cannot run here: %s\n", vmex_model_error(m));
    } else {
        assert_non_null(real);
        assert_int_equal(rc, 0);        /* the model and the kernel agree on it */
        assert_int_equal(d.at, -1);
        assert_int_equal(seen, 0);      /* the diff's own runs report to the diff, not to o */
        assert_int_equal(res.ops_run, 0);
        assert_int_equal(res.verdict, VMEX_OK);
    }
    vmex_model_free(m);
    vmex_model_free(real);
    vmex_program_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classes_model), cmocka_unit_test(test_classes_window),
        cmocka_unit_test(test_finding_large), cmocka_unit_test(test_finding_hunt),
        cmocka_unit_test(test_result),        cmocka_unit_test(test_find),
        cmocka_unit_test(test_find_diverge_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
