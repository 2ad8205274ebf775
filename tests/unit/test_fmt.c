/*
 * test_fmt.c - tests of core/fmt.h, values as text for people: sizes with
 * binary units and three significant digits, counts with decimal units,
 * grouped digits, entitlement sets; every one stays NUL-terminated in a
 * short buffer.  (Exact sizes and their parser: test_text.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/fmt.h"

static void test_human_size(void **state)
{
    (void)state;
    static const struct { uint64_t v; const char *want; } t[] = {
        {0, "0"},
        {512, "512"},
        {1023, "1023"},
        {1024, "1k"},
        {16384, "16k"},
        {1536, "1.5k"},
        {1025, "1k"},                      /* 1.0009...: trailing zeros dropped */
        {10 * 1024 + 512, "10.5k"},
        {1023 * 1024, "1023k"},
        {1024 * 1024 - 1, "1024k"},        /* 1023.999k rounds, stays in k */
        {1ull << 20, "1m"},
        {258ull << 20, "258m"},
        {(1ull << 30) + (717ull << 20), "1.7g"},
        {1836098355ull, "1.71g"},
        {(1ull << 40) * 3, "3t"},
        {(1ull << 40) * 5000, "5000t"},    /* t is the last unit */
        {(1ull << 40) + 1, "1t"},
        {UINT64_MAX, "16777216t"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char buf[32];
        vmex_human_size(t[i].v, buf, sizeof buf);
        assert_string_equal(buf, t[i].want);
    }
    char small[3];
    vmex_human_size(1836098355ull, small, sizeof small);
    assert_string_equal(small, "1.");
}

static void test_human_count(void **state)
{
    (void)state;
    static const struct { uint64_t v; const char *want; } t[] = {
        {0, "0"},          {999, "999"},        {1000, "1k"},          {1234, "1.23k"},
        {12345, "12.3k"},  {999499, "999k"},    {999950, "1M"},        {4500000, "4.5M"},
        {1200000000, "1.2G"}, {3000000000000ull, "3T"}, {UINT64_MAX, "18446744T"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char buf[32];
        vmex_human_count(t[i].v, buf, sizeof buf);
        assert_string_equal(buf, t[i].want);
    }
}

static void test_grouped(void **state)
{
    (void)state;
    static const struct { uint64_t v; const char *want; } t[] = {
        {0, "0"}, {999, "999"}, {1000, "1,000"}, {1234567, "1,234,567"},
        {UINT64_MAX, "18,446,744,073,709,551,615"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char buf[40];
        vmex_grouped(t[i].v, buf, sizeof buf);
        assert_string_equal(buf, t[i].want);
    }
    char small[4];
    vmex_grouped(1234567, small, sizeof small);
    assert_string_equal(small, "1,2");
}

static void test_ents_text(void **state)
{
    (void)state;
    char buf[160];
    vmex_ents_text(0, buf, sizeof buf);
    assert_string_equal(buf, "none");
    vmex_ents_text(VMEX_ENT_JIT | VMEX_ENT_EXTENDED_VA, buf, sizeof buf);
    assert_string_equal(buf, "dynamic-codesigning+extended-virtual-addressing");
    vmex_ents_text((1u << VMEX_ENT__COUNT) - 1, buf, sizeof buf);
    assert_int_equal(strchr(buf, '+') != NULL, 1);
    char small[24];
    vmex_ents_text(VMEX_ENT_JIT | VMEX_ENT_EXTENDED_VA, small, sizeof small);
    assert_string_equal(small, "dynamic-codesigning+ext");   /* cut, still terminated */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_human_size),
        cmocka_unit_test(test_human_count),
        cmocka_unit_test(test_grouped),
        cmocka_unit_test(test_ents_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
