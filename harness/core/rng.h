/*
 * rng.h - vmex's pseudo-random numbers: every random choice a run, a
 * mutation or a test makes comes from one of these, seeded by the caller,
 * never from a clock or global state, so the same seed gives the same
 * choices on every machine.
 *
 *   splitmix64     a 64-bit counter through a mixer: the fuzzer's mutator
 *                  (a fresh stream per call, cheap to seed) and the seeding
 *                  of xoshiro256**.  Header-only (static inline), so the
 *                  executor, which is built without the library, can use it.
 *   vmex_rng       xoshiro256** (rng.c): the stress generator's stream, with
 *                  unbiased bounded draws, [0, 1) doubles and normals.
 */
#ifndef VMEX_RNG_H
#define VMEX_RNG_H

#include <stdint.h>

#define VMEX_GOLDEN_GAMMA 0x9e3779b97f4a7c15ull   /* 2^64 / phi: splitmix's step */

/* The next value of the splitmix64 stream whose state is *x. */
static inline uint64_t vmex_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += VMEX_GOLDEN_GAMMA);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* [0, n) by modulo (slightly biased for huge n; what the mutator's and the
 * tests' recorded streams are made of); 0 when n is 0. */
static inline uint64_t vmex_splitmix_below(uint64_t *x, uint64_t n)
{
    return n ? vmex_splitmix64(x) % n : 0;
}

/* xoshiro256** seeded through splitmix64.  spare: the second normal of the
 * last Box-Muller pair, handed out by the next vmex_rng_normal(). */
typedef struct vmex_rng { uint64_t s[4]; double spare; int has_spare; } vmex_rng;
void     vmex_rng_seed(vmex_rng *r, uint64_t seed);
uint64_t vmex_rng_next(vmex_rng *r);
double   vmex_rng_unit(vmex_rng *r);                /* [0, 1), 53 bits */
uint64_t vmex_rng_below(vmex_rng *r, uint64_t n);   /* [0, n), unbiased; 0 when n is 0 */
double   vmex_rng_normal(vmex_rng *r);              /* a standard normal (Box-Muller) */

#endif
