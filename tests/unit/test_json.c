/*
 * test_json.c - tests of core/json.h, core/xml.h and core/utf8.h: string
 * escaping (quotes, controls, invalid UTF-8 as U+FFFD, valid multibyte
 * text kept), doubles, the writer's commas and colons, and XML entities.
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

#include "core/json.h"
#include "core/utf8.h"
#include "core/xml.h"

static void check(int (*fn)(vmex_buf *, const char *), const char *in, const char *want)
{
    vmex_buf b = {0};
    assert_int_equal(fn(&b, in), 0);
    assert_string_equal(b.p, want);
    vmex_buf_free(&b);
}

static void test_json_str(void **state)
{
    (void)state;
    check(vmex_json_str, "", "\"\"");
    check(vmex_json_str, "plain", "\"plain\"");
    check(vmex_json_str, "a\"b\\c", "\"a\\\"b\\\\c\"");
    check(vmex_json_str, "\n\r\t\x01\x1f\x7f", "\"\\n\\r\\t\\u0001\\u001f\\u007f\"");
    check(vmex_json_str, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    check(vmex_json_str, "\xff", "\"\\ufffd\"");
    check(vmex_json_str, "a\xc3", "\"a\\ufffd\"");                 /* cut sequence */
    check(vmex_json_str, "\xc0\xaf", "\"\\ufffd\\ufffd\"");        /* overlong: each byte */
    check(vmex_json_str, "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""); /* a surrogate */
    vmex_buf b = {0};
    assert_int_equal(vmex_json_str(&b, NULL), 0);
    assert_string_equal(b.p, "null");
    vmex_buf_free(&b);
}

static void test_json_double(void **state)
{
    (void)state;
    static const struct { double v; const char *want; } t[] = {
        {0, "0"}, {1.5, "1.5"}, {-2, "-2"}, {1e6, "1e+06"}, {0.1234567, "0.123457"},
        {INFINITY, "null"}, {NAN, "null"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        vmex_buf b = {0};
        assert_int_equal(vmex_json_double(&b, t[i].v), 0);
        assert_string_equal(b.p, t[i].want);
        vmex_buf_free(&b);
    }
}

static void test_writer(void **state)
{
    (void)state;
    vmex_buf b = {0};
    vmex_jw w;
    vmex_jw_init(&w, &b);
    vmex_jw_open(&w, '{');
    vmex_jw_key(&w, "verdict");
    vmex_jw_str(&w, "frag");
    vmex_jw_key(&w, "at");
    vmex_jw_i64(&w, -1);
    vmex_jw_key(&w, "free");
    vmex_jw_u64(&w, UINT64_MAX);
    vmex_jw_key(&w, "margin");
    vmex_jw_double(&w, 0.25);
    vmex_jw_key(&w, "ents");
    vmex_jw_open(&w, '[');
    vmex_jw_str(&w, "jit");
    vmex_jw_str(&w, NULL);
    vmex_jw_open(&w, '{');
    vmex_jw_close(&w, '}');
    vmex_jw_open(&w, '[');
    vmex_jw_close(&w, ']');
    vmex_jw_close(&w, ']');
    vmex_jw_key(&w, "ok");
    vmex_jw_bool(&w, 1);
    vmex_jw_key(&w, "no");
    vmex_jw_bool(&w, 0);
    vmex_jw_key(&w, "none");
    vmex_jw_null(&w);
    vmex_jw_key(&w, "raw");
    vmex_jw_raw(&w, "{\"k\":1}");
    vmex_jw_close(&w, '}');
    assert_int_equal(w.rc, 0);
    assert_int_equal(w.depth, 0);
    assert_string_equal(b.p, "{\"verdict\":\"frag\",\"at\":-1,\"free\":18446744073709551615,\"margin\":0.25,"
                             "\"ents\":[\"jit\",null,{},[]],\"ok\":true,\"no\":false,\"none\":null,\"raw\":{\"k\":1}}");
    /* top-level values follow each other without commas (JSON Lines adds its own newlines) */
    b.len = 0;
    vmex_jw_init(&w, &b);
    vmex_jw_u64(&w, 1);
    vmex_jw_open(&w, '[');
    vmex_jw_u64(&w, 2);
    vmex_jw_u64(&w, 3);
    vmex_jw_close(&w, ']');
    assert_string_equal(b.p, "1[2,3]");
    vmex_buf_free(&b);
}

static void test_xml(void **state)
{
    (void)state;
    check(vmex_xml_str, "", "");
    check(vmex_xml_str, "a<b>&\"c'", "a&lt;b&gt;&amp;&quot;c&apos;");
    check(vmex_xml_str, "tab\tnl\n", "tab\tnl\n");
    check(vmex_xml_str, "\x01\r", "\xef\xbf\xbd\xef\xbf\xbd");    /* XML 1.0 forbids them */
    check(vmex_xml_str, "\xef\xbf\xbe", "\xef\xbf\xbd");          /* U+FFFE */
    check(vmex_xml_str, "x\xffy", "x\xef\xbf\xbdy");
    check(vmex_xml_str, "caf\xc3\xa9", "caf\xc3\xa9");
}

static void test_utf8_len(void **state)
{
    (void)state;
    uint32_t cp = 0;
    assert_int_equal(vmex_utf8_len((const unsigned char *)"A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(vmex_utf8_len((const unsigned char *)"\xe2\x82\xac", 3, &cp), 3);
    assert_int_equal(cp, 0x20ac);
    assert_int_equal(vmex_utf8_len((const unsigned char *)"\xe2\x82\xac", 2, &cp), 0);
    assert_int_equal(vmex_utf8_len((const unsigned char *)"\xf4\x90\x80\x80", 4, &cp), 0);   /* > U+10FFFF */
    assert_int_equal(vmex_utf8_len((const unsigned char *)"\x80", 1, &cp), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_str),
        cmocka_unit_test(test_json_double),
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_xml),
        cmocka_unit_test(test_utf8_len),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
