/*
 * test_chart.c - tests of the CSV charts (report/chart.c) and the SVG
 * writer under them (report/svg.c): CSV with CRLF and blank lines, located
 * errors, a line chart's series in order of first appearance, a
 * histogram's bins, and the axis arithmetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmex.h"
#include "report/chart.h"
#include "report/svg.h"

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, what)); p++)
        n++;
    return n;
}

static void test_csv(void **state)
{
    (void)state;
    static const char text[] = "series,x,y\r\na,0,1\r\n\r\nb,0,2\na,10,3\n";
    vmex_table t;
    vmex_error err = {0};
    assert_int_equal(vmex_table_parse(text, strlen(text), "t.csv", &t, &err), 0);
    assert_int_equal(t.ncols, 3);
    assert_int_equal(t.nrows, 3);
    assert_int_equal(vmex_table_col(&t, "y"), 2);
    assert_int_equal(vmex_table_col(&t, "z"), -1);
    assert_string_equal(t.cells[2 * 3 + 1], "10");
    vmex_table_free(&t);

    static const char short_row[] = "x,y\n1,2\n3\n";
    assert_int_equal(vmex_table_parse(short_row, strlen(short_row), "t.csv", &t, &err), -1);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.file, "t.csv");
    assert_int_equal(err.code, VMEX_E_INPUT);
    static const char quoted[] = "x,y\n\"1\",2\n";
    assert_int_equal(vmex_table_parse(quoted, strlen(quoted), "t.csv", &t, &err), -1);
    assert_int_equal(err.line, 2);
    assert_int_equal(vmex_table_parse("", 0, "t.csv", &t, &err), -1);
}

static void test_lines(void **state)
{
    (void)state;
    static const char text[] = "series,x,y\nslow,0,1\nfast,0,2\nslow,60,1500\nfast,60,2100\n";
    vmex_table t;
    vmex_error err = {0};
    vmex_buf b = {0};
    assert_int_equal(vmex_table_parse(text, strlen(text), "t.csv", &t, &err), 0);
    vmex_chart c = {.title = "exec/s", .x = "x", .y = "y", .series = "series", .xunit = "s"};
    assert_int_equal(vmex_chart_lines(&t, &c, &b, &err), 0);
    assert_int_equal(count(b.p, "<polyline"), 2);
    assert_true(strstr(b.p, ">slow</text>") < strstr(b.p, ">fast</text>"));   /* first appearance */
    assert_non_null(strstr(b.p, ">60s</text>"));                               /* x ticks end at the last x */
    assert_non_null(strstr(b.p, ">3k</text>"));                                /* y: 0..3000 by 1000 */
    assert_non_null(strstr(b.p, ">exec/s</text>"));
    b.len = 0;
    c.y = "nope";
    assert_int_equal(vmex_chart_lines(&t, &c, &b, &err), -1);
    assert_non_null(strstr(err.msg, "no column 'nope'"));
    vmex_buf_free(&b);
    vmex_table_free(&t);

    /* a value past 2^53 is refused at its line: axes of steps that large never ended (the probe) */
    static const char huge[] = "series,x,y\na,0,1\na,1,1e308\n";
    assert_int_equal(vmex_table_parse(huge, strlen(huge), "t.csv", &t, &err), 0);
    c.y = "y";
    assert_int_equal(vmex_chart_lines(&t, &c, &b, &err), -1);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.msg, "number out of range"));
    vmex_buf_free(&b);
    vmex_table_free(&t);
    /* steps near the top of 64 bits: no overflow, no endless search */
    assert_int_equal(vmex_svg_step(UINT64_MAX, 4), 5000000000000000000ull);
    assert_int_equal(vmex_svg_step(3000, 4), 1000);
    assert_int_equal(vmex_svg_step(0, 4), 1);
}

static void test_histogram(void **state)
{
    (void)state;
    static const char text[] = "margin\n1\n1.5\n2\n10\n";
    vmex_table t;
    vmex_error err = {0};
    vmex_buf b = {0};
    assert_int_equal(vmex_table_parse(text, strlen(text), "t.csv", &t, &err), 0);
    /* 3 bins of width 3 from 1: [1,4) holds three, [7,10] one */
    vmex_chart c = {.value = "margin", .bins = 3, .xlabel = "margin"};
    assert_int_equal(vmex_chart_histogram(&t, &c, &b, &err), 0);
    assert_int_equal(count(b.p, "fill=\"#4a7fb5\""), 3);
    assert_non_null(strstr(b.p, ">3</text>"));
    assert_non_null(strstr(b.p, ">2.50</text>"));
    assert_non_null(strstr(b.p, ">8.50</text>"));
    vmex_buf_free(&b);
    vmex_table_free(&t);
}

static void test_axes(void **state)
{
    (void)state;
    assert_int_equal(vmex_svg_step(8, 8), 1);
    assert_int_equal(vmex_svg_step(9, 8), 2);
    assert_int_equal(vmex_svg_step(300000, 8), 50000);
    assert_int_equal(vmex_svg_step(2100, 4), 1000);
    assert_int_equal(vmex_svg_ilog2(1), 0);
    assert_int_equal(vmex_svg_ilog2(1ull << 40), 40);
    assert_int_equal(vmex_svg_ilog2((1ull << 40) + 1), 40);
    assert_true(vmex_svg_scale(5, 10, 100, 200) == 150);
    assert_true(vmex_svg_scale(5, 10, 200, 100) == 150);
    /* escaping: markup characters as entities */
    vmex_buf b = {0};
    vmex_svg g = {.b = &b};
    vmex_svg_text(&g, 1, 2, &(vmex_svg_font){.size = 12, .fill = "#333", .anchor = "end", .bold = 1}, "a<b&c");
    assert_int_equal(g.rc, 0);
    assert_string_equal(b.p, "<text x=\"1.0\" y=\"2.0\" font-size=\"12\" fill=\"#333\" text-anchor=\"end\" "
                             "font-weight=\"bold\">a&lt;b&amp;c</text>\n");
    vmex_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_axes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
