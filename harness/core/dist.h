/*
 * dist.h - random size and lifetime distributions over core/rng.h
 * (dist.c): a vmex_dist is what a .vmexw `size DIST` or `lifetime DIST`
 * says (lang/workload.h parses it), and the stress generator draws from it.
 * Every value drawn is an integer >= 1 and below VMEX_MAX_VALUE.
 */
#ifndef VMEX_DIST_H
#define VMEX_DIST_H

#include "vmex.h"
#include "core/rng.h"

#define VMEX_DIST_MAX_FIXED  16    /* values in `fixed A,B,...` */

enum vmex_dist_kind {
    VMEX_DIST_FIXED = 0,   /* fixed A[,B...]: one of the values, equally likely */
    VMEX_DIST_UNIFORM,     /* uniform MIN MAX: integers in [MIN, MAX] */
    VMEX_DIST_LOGNORMAL,   /* lognormal MEDIAN SIGMA [MIN MAX]: MEDIAN * e^(SIGMA * N(0,1)) */
    VMEX_DIST_POWERLAW,    /* powerlaw ALPHA MIN MAX: density ~ x^-ALPHA on [MIN, MAX] */
    VMEX_DIST_EXP,         /* exp MEAN: exponential with this mean */
    VMEX_DIST__COUNT
};
const char *vmex_dist_name(int kind);

typedef struct vmex_dist {
    uint8_t  kind;          /* enum vmex_dist_kind */
    uint8_t  n;             /* fixed: number of values */
    double   a, b;          /* lognormal: median, sigma; powerlaw: alpha; exp: mean */
    uint64_t min, max;      /* uniform, powerlaw: the bounds; lognormal: optional bounds (0 0: none) */
    uint64_t v[VMEX_DIST_MAX_FIXED];
    double   c0, c1, c2;    /* precomputed by vmex_dist_prepare() */
} vmex_dist;
/* Precompute constants after filling a vmex_dist by hand (the parser does it). */
void     vmex_dist_prepare(vmex_dist *d);
/* One value, rounded to an integer, at least 1 and below VMEX_MAX_VALUE;
 * lognormal values outside given bounds are drawn again (at most 16 times,
 * then clamped). */
uint64_t vmex_dist_sample(const vmex_dist *d, vmex_rng *r);

#endif
