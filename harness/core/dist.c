/*
 * dist.c - the distributions (dist.h).  Which draws a sample makes, and in
 * what order, is part of every recorded stress run (tests/golden/).
 */
#include <math.h>

#include "core/dist.h"

static const char *const dist_names[VMEX_DIST__COUNT] = {"fixed", "uniform", "lognormal", "powerlaw", "exp"};

const char *vmex_dist_name(int kind)
{
    return kind >= 0 && kind < VMEX_DIST__COUNT ? dist_names[kind] : "?";
}

void vmex_dist_prepare(vmex_dist *d)
{
    d->c0 = d->c1 = d->c2 = 0;
    if (d->kind == VMEX_DIST_LOGNORMAL) {
        d->c0 = log(d->a);
    } else if (d->kind == VMEX_DIST_POWERLAW) {
        double lo = (double)d->min, hi = (double)d->max;
        if (fabs(d->a - 1.0) < 1e-12) {
            d->c0 = log(lo);
            d->c1 = log(hi) - log(lo);   /* x = e^(c0 + u c1) */
        } else {
            double e = 1.0 - d->a;
            d->c0 = pow(lo, e);
            d->c1 = pow(hi, e) - d->c0;  /* x = (c0 + u c1)^(1/e) */
            d->c2 = 1.0 / e;
        }
    }
}

static uint64_t to_count(double x)
{
    if (!(x >= 1.0))
        return 1;
    if (x >= (double)(VMEX_MAX_VALUE - 1))
        return VMEX_MAX_VALUE - 1;
    return (uint64_t)(x + 0.5);
}

uint64_t vmex_dist_sample(const vmex_dist *d, vmex_rng *r)
{
    switch (d->kind) {
    case VMEX_DIST_FIXED:
        return d->n <= 1 ? d->v[0] : d->v[vmex_rng_below(r, d->n)];
    case VMEX_DIST_UNIFORM:
        return d->min + vmex_rng_below(r, d->max - d->min + 1);
    case VMEX_DIST_LOGNORMAL: {
        uint64_t x = 0;
        for (int tries = 0; tries < 16; tries++) {
            x = to_count(exp(d->c0 + d->b * vmex_rng_normal(r)));
            if (!d->max || (x >= d->min && x <= d->max))
                return x;
        }
        return x < d->min ? d->min : x > d->max ? d->max : x;
    }
    case VMEX_DIST_POWERLAW: {
        double u = vmex_rng_unit(r), x;
        if (d->c2 == 0)
            x = exp(d->c0 + u * d->c1);
        else
            x = pow(d->c0 + u * d->c1, d->c2);
        uint64_t v = to_count(x);
        return v < d->min ? d->min : v > d->max ? d->max : v;
    }
    case VMEX_DIST_EXP:
        return to_count(ceil(-d->a * log(1.0 - vmex_rng_unit(r))));
    }
    return 1;
}
