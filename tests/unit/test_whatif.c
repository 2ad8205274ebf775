/*
 * test_whatif.c - tests of the what-if analysis (report/whatif.c) and a
 * run in words (report/verdict.c): the entitlement subsets, the grid of a
 * program that fragments ios16-3gb's map but fits on ios16-4gb or with
 * extended-virtual-addressing (the verdicts worked out in tests/e2e/cli.sh's
 * frag.vmex), the table and the page's sentence about it.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmex.h"
#include "report/verdict.h"
#include "report/whatif.h"

/* 40 x 64m, every other one freed: 64m holes; 1500m no longer fits below
 * the shared region of ios16-3gb (frag at op 60) */
static void frag_program(vmex_program *p)
{
    vmex_buf t = {0};
    vmex_error err = {0};
    assert_int_equal(vmex_buf_printf(&t, "vmex 1\nprofile ios16-3gb\n"), 0);
    for (int i = 0; i < 40; i++)
        assert_int_equal(vmex_buf_printf(&t, "m%d = mmap 64m tag 63\n", i), 0);
    for (int i = 0; i < 40; i += 2)
        assert_int_equal(vmex_buf_printf(&t, "munmap m%d\n", i), 0);
    assert_int_equal(vmex_buf_printf(&t, "big = vm_allocate 1500m\nafter = mmap 16k\n"), 0);
    vmex_program_init(p);
    assert_int_equal(vmex_parse(t.p, t.len, "frag.vmex", p, &err), 0);
    vmex_buf_free(&t);
}

static void test_subsets(void **state)
{
    (void)state;
    uint32_t order[2] = {VMEX_ENT_EXTENDED_VA, VMEX_ENT_JIT}, sets[4];
    assert_int_equal(vmex_whatif_subsets(order, 2, sets), 4);
    assert_int_equal(sets[0], 0);
    assert_int_equal(sets[1], VMEX_ENT_EXTENDED_VA);
    assert_int_equal(sets[2], VMEX_ENT_JIT);
    assert_int_equal(sets[3], VMEX_ENT_EXTENDED_VA | VMEX_ENT_JIT);
    assert_int_equal(vmex_whatif_subsets(order, 0, sets), 1);
    assert_int_equal(sets[0], 0);
}

static void test_grid_and_table(void **state)
{
    (void)state;
    static const char *const profiles[2] = {"ios16-3gb", "ios16-4gb"};
    static const uint32_t sets[2] = {0, VMEX_ENT_EXTENDED_VA};
    vmex_program p;
    vmex_whatif_row rows[4];
    frag_program(&p);
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    vmex_whatif_grid(m, &p, profiles, 2, sets, 2, 0, NULL, rows);
    /* profile-major: 3gb none, 3gb eva, 4gb none, 4gb eva */
    assert_false(rows[0].error);
    assert_int_equal(rows[0].res.verdict, VMEX_FRAG);
    assert_int_equal(rows[0].res.at, 60);
    assert_int_equal(rows[1].res.verdict, VMEX_OK);
    assert_int_equal(rows[1].ents, VMEX_ENT_EXTENDED_VA);
    assert_int_equal(rows[2].res.verdict, VMEX_OK);
    assert_int_equal(rows[3].res.verdict, VMEX_OK);
    for (int i = 0; i < 4; i++)
        rows[i].file = "frag.vmex";
    vmex_buf b = {0};
    assert_int_equal(vmex_whatif_table(rows, 4, 1, &b), 0);
    assert_non_null(strstr(b.p, "frag.vmex\nprofile    entitlements "));
    assert_non_null(strstr(b.p, "\nios16-3gb  none "));
    assert_non_null(strstr(b.p, " frag           60 "));
    assert_non_null(strstr(b.p, "\n1 of 4 runs fails\n"));
    vmex_buf_free(&b);
    /* an unknown profile is a cell in error, not a failure */
    static const char *const bad[1] = {"ios99-1gb"};
    vmex_whatif_grid(m, &p, bad, 1, sets, 1, 0, NULL, rows);
    assert_true(rows[0].error);
    vmex_model_free(m);
    vmex_program_free(&p);
}

static void test_eva_sentence(void **state)
{
    (void)state;
    static const char *const profiles[2] = {"ios16-3gb", "ios16-4gb"};
    vmex_program p;
    vmex_buf b = {0};
    frag_program(&p);
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    assert_int_equal(vmex_whatif_eva_html(m, &p, profiles, 2, NULL, &b), 0);
    assert_non_null(strstr(b.p, "<p class=\"summary\">What if: crashes on ios16-3gb without the entitlement; "
                                "fixed by extended-virtual-addressing on ios16-3gb.</p>"));
    assert_non_null(strstr(b.p, "<tr><td>ios16-3gb</td><td class=\"crash\">frag</td><td class=\"ok\">ok</td></tr>"));
    assert_non_null(strstr(b.p, "<tr><td>ios16-4gb</td><td class=\"ok\">ok</td><td class=\"ok\">ok</td></tr>"));
    vmex_buf_free(&b);
    vmex_model_free(m);
    vmex_program_free(&p);
}

static void test_words(void **state)
{
    (void)state;
    char buf[64];
    vmex_margin_text(INFINITY, buf, sizeof buf);
    assert_string_equal(buf, "inf");
    vmex_margin_text(1435.2, buf, sizeof buf);
    assert_string_equal(buf, "1435");
    vmex_margin_text(11.2109, buf, sizeof buf);
    assert_string_equal(buf, "11.2");
    vmex_class_at_text(VMEX_FRAG, 60, buf, sizeof buf);
    assert_string_equal(buf, "frag at 60");
    vmex_class_at_text(VMEX_OK, -1, buf, sizeof buf);
    assert_string_equal(buf, "ok");
    vmex_result r = {.verdict = VMEX_JETSAM, .at = 12};
    vmex_verdict_text(&r, buf, sizeof buf);
    assert_string_equal(buf, "jetsam at 12 (touch passed the footprint limit)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subsets),
        cmocka_unit_test(test_grid_and_table),
        cmocka_unit_test(test_eva_sentence),
        cmocka_unit_test(test_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
