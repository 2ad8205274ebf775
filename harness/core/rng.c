/*
 * rng.c - xoshiro256** (rng.h): the stress generator's PRNG.  Its output
 * for a seed is part of every recorded stress run (tests/golden/): the
 * algorithm, the seeding and the order of draws inside each function must
 * not change.
 */
#include <math.h>

#include "core/rng.h"

void vmex_rng_seed(vmex_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = vmex_splitmix64(&x);
    r->spare = 0;
    r->has_spare = 0;
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t vmex_rng_next(vmex_rng *r)
{
    uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

double vmex_rng_unit(vmex_rng *r) { return (double)(vmex_rng_next(r) >> 11) * 0x1.0p-53; }

uint64_t vmex_rng_below(vmex_rng *r, uint64_t n)
{
    if (n <= 1)
        return 0;
    /* Lemire's multiply-shift with rejection */
    __uint128_t m = (__uint128_t)vmex_rng_next(r) * n;
    uint64_t lo = (uint64_t)m;
    if (lo < n) {
        uint64_t t = -n % n;
        while (lo < t) {
            m = (__uint128_t)vmex_rng_next(r) * n;
            lo = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

double vmex_rng_normal(vmex_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u1 = 1.0 - vmex_rng_unit(r), u2 = vmex_rng_unit(r);   /* u1 in (0, 1] */
    double rad = sqrt(-2.0 * log(u1)), s, c;
    sincos(6.283185307179586 * u2, &s, &c);
    r->spare = rad * s;
    r->has_spare = 1;
    return rad * c;
}
