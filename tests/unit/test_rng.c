/*
 * test_rng.c - tests of core/rng.h: splitmix64 gives the published
 * reference stream, xoshiro256** and its draws give the values recorded
 * runs depend on (a change here changes every stress series and every
 * mutation), the same seed the same stream, bounded draws stay in range
 * and are about uniform, normals come in cached pairs.
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

#include "core/rng.h"

static void test_splitmix_reference(void **state)
{
    (void)state;
    /* the reference implementation (Steele, Lea, Flood; Vigna's C) from 0 */
    static const uint64_t want[] = {0xe220a8397b1dcdafull, 0x6e789e6aa1b965f4ull, 0x06c45d188009454full};
    uint64_t x = 0;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_true(vmex_splitmix64(&x) == want[i]);
    assert_true(x == 3 * VMEX_GOLDEN_GAMMA);
    /* below: modulo of the stream, 0 for n = 0 without a draw */
    uint64_t s = 1, t = 1;
    for (int i = 0; i < 100; i++)
        assert_true(vmex_splitmix_below(&s, 1000) == vmex_splitmix64(&t) % 1000);
    assert_true(vmex_splitmix_below(&s, 0) == 0 && s == t);
}

static void test_xoshiro_pinned(void **state)
{
    (void)state;
    static const uint64_t want[] = {0x15780b2e0c2ec716ull, 0x6104d9866d113a7eull, 0xae17533239e499a1ull};
    vmex_rng r;
    vmex_rng_seed(&r, 42);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_true(vmex_rng_next(&r) == want[i]);
    vmex_rng_seed(&r, 7);
    double a = vmex_rng_normal(&r), b = vmex_rng_normal(&r);   /* one pair: the second is the cached one */
    assert_true(fabs(a - -0.27902399102519809) < 1e-15 && fabs(b - 1.5277231859624536) < 1e-15);
    assert_true(fabs(vmex_rng_unit(&r) - 0.83962746187641979) < 1e-15);
}

static void test_rng_streams(void **state)
{
    (void)state;
    vmex_rng a, b, c;
    vmex_rng_seed(&a, 42);
    vmex_rng_seed(&b, 42);
    vmex_rng_seed(&c, 43);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = vmex_rng_next(&a);
        assert_true(x == vmex_rng_next(&b));
        differ |= x != vmex_rng_next(&c);
    }
    assert_true(differ);
    /* below: in range and about uniform */
    unsigned counts[10] = {0};
    for (int i = 0; i < 100000; i++) {
        uint64_t v = vmex_rng_below(&a, 10);
        assert_true(v < 10);
        counts[v]++;
    }
    for (int k = 0; k < 10; k++)
        assert_true(counts[k] > 9500 && counts[k] < 10500);
    assert_true(vmex_rng_below(&a, 0) == 0 && vmex_rng_below(&a, 1) == 0);
    for (int i = 0; i < 1000; i++) {
        double u = vmex_rng_unit(&a);
        assert_true(u >= 0 && u < 1);
    }
    /* normals: mean about 0, variance about 1 */
    double sum = 0, sq = 0;
    for (int i = 0; i < 100000; i++) {
        double z = vmex_rng_normal(&a);
        sum += z;
        sq += z * z;
    }
    assert_true(fabs(sum / 100000) < 0.02 && fabs(sq / 100000 - 1) < 0.02);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_splitmix_reference),
        cmocka_unit_test(test_xoshiro_pinned),
        cmocka_unit_test(test_rng_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
