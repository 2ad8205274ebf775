/*
 * workload.c - stress workloads (workload.h): the .vmexw parser, the PRNG
 * and distributions, and the deterministic op generator behind
 * `vmex stress`.
 *
 * ---------------------------------------------------------------- format
 * A workload is a small declarative text file, version 1.  Line-based, LF
 * line endings, `#` starts a comment (comments may hold UTF-8; code is
 * ASCII), tokens are separated by blanks, indentation means nothing.  The
 * first non-comment line is `workload 1`.  Numbers (sizes, op counts) are
 * written as in .vmex: decimal or 0x hex with an optional binary suffix
 * k m g t (so 16k = 16384).  Weights, SIGMA, ALPHA and shares are decimals
 * (0.05, 60).  Names match [a-z_][a-z0-9_]* with at most 23 characters.
 *
 *   workload 1
 *   profile ios16-3gb              # optional; --profile overrides it
 *   entitlement NAME               # optional, repeatable (as in .vmex)
 *
 *   phase NAME [ops N | share F]
 *     reserve NAME KIND SIZE [tag N] [prot none|r|rw|rx] [align A] [noreserve] [jit] [try] [halve MIN]
 *     release NAME
 *     stream NAME KIND weight W size DIST (lifetime DIST | free fifo|lifo|random W)
 *            [max N] [realloc W] [dirty] [tag N] [prot P] [align A] [noreserve]
 *     touch weight W [size DIST]
 *
 *   repeat PHASE                   # optional; after the last phase the run goes
 *                                  # back to PHASE (default: the first phase)
 *
 *   KIND: malloc, mmap or vm_allocate.
 *   DIST: fixed SIZE[,SIZE...]           one of the values, equally likely (at most 16)
 *         uniform MIN MAX                an integer in [MIN, MAX]
 *         lognormal MEDIAN SIGMA [MIN MAX]  MEDIAN * e^(SIGMA * N(0,1)); outside the
 *                                        optional bounds it is drawn again
 *         powerlaw ALPHA MIN MAX         density proportional to x^-ALPHA on [MIN, MAX]
 *         exp MEAN                       exponential with this mean
 *
 * Phases run in file order, then from the `repeat` phase to the last one
 * again and again, so a run can go on for billions of ops.  When a phase
 * starts, its `reserve` and `release` lines are done first, in order, one
 * op each (a `release` of a stream frees every live handle of it, oldest
 * first; a `reserve` of a name that is still live releases it first);
 * then the phase runs N ops (`ops N`; `share F`, 0 < F <= 1 or a percent,
 * is F times the run's --ops, or 1000000 with --seconds).  A phase without
 * a length runs only its reserve and release lines and has no streams.
 *
 * A `reserve` is one big mapping or block under a workload-wide name; it
 * lives until a `release` of the name.  `halve MIN` retries a failed
 * reservation with half the size (rounded up to a page) while that is at
 * least MIN, as the Dart VM does for its heap; all attempts but the last
 * are `try` (a failure the app handles is not a finding).
 *
 * A `stream` is a population of handles made by one kind of op.  Each op
 * of a phase is drawn from its op mix: every stream's `weight` (allocate),
 * `free ... W` (release: free or munmap) and `realloc W` (malloc streams),
 * and the phase's `touch weight W`, all in proportion.  Sizes come from
 * `size DIST`.  Handles are released in one of two ways: `free ORDER W`
 * releases one handle per draw, chosen by ORDER (fifo: the oldest, lifo:
 * the newest, random); `lifetime DIST` gives every handle a lifetime in
 * ops at its birth, and the generator releases it when that many ops have
 * passed (such releases come before the mix; they count as ops of the
 * phase).  `max N` caps the stream's live handles: at the cap an
 * allocation draw releases one instead (fifo with a lifetime).  `dirty`
 * touches every new handle whole right after it is made (decoded images,
 * written buffers).  `realloc W` resizes a random live block to a new size
 * from DIST.  `touch weight W` dirties SIZE bytes (default the whole
 * handle) at a random page of a random live handle, of any stream that is
 * never `prot none`.  A stream keeps its name, kind and live handles
 * across phases; a phase that does not mention it leaves its handles alone
 * (lifetimes still expire).  The mapping options tag, prot, align and
 * noreserve are those of .vmex.
 *
 * A draw that cannot be done turns into the nearest one that can: a
 * release with nothing live allocates instead, an allocation with the
 * handle pool full releases instead, and a touch with nothing to touch
 * takes the next entry of the mix.
 *
 * Every field is validated; errors are FILE:LINE:COL: error: ... at the
 * offending token.
 *
 * ---------------------------------------------------------------- generator
 * The generator keeps, per handle slot, where the handle landed and its
 * place in its stream (an array for random picks, a list in birth order for
 * fifo and lifo) and in a 4-ary heap of deadlines for lifetimes; all of it
 * allocated once in vmex_gen_new().  Every choice comes from one xoshiro256**
 * PRNG seeded with the run's seed.
 */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/file.h"
#include "lang/lex.h"
#include "stress/workload.h"

#define FILE_LIMIT (1u << 20)   /* a workload is small */
#define SHOW       40
#define NIL        UINT32_MAX
#define MAX_WEIGHT 1e9

/* ================================================================ distributions */

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

/* ================================================================ parser */

typedef vmex_tok tok;

typedef struct parser {
    vmex_lexer lx;                      /* line, tokens, errors */
    vmex_workload *w;
    int have_version, have_profile, repeat_line, repeat_col;
    char repeat_name[VMEX_WL_NAME_MAX];
    int stream_line[VMEX_WL_MAX_STREAMS];   /* where each stream was first declared */
} parser;

#define TQ(t) ((t)->len > SHOW ? SHOW : (t)->len), (t)->s

__attribute__((format(printf, 3, 4)))
static int fail(parser *ps, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _vmex_lex_vfail(&ps->lx, col, fmt, ap);
    va_end(ap);
    return -1;
}

static int tokeq(const tok *t, const char *s) { return strcmp(t->s, s) == 0; }
static int endcol(const parser *ps, int i) { return ps->lx.t[i - 1].col + ps->lx.t[i - 1].len; }
static int unexpected(parser *ps, int i) { return fail(ps, ps->lx.t[i].col, "unexpected '%.*s'", TQ(&ps->lx.t[i])); }

static int need(parser *ps, int i, const char *what, const char *arg)
{
    return i < ps->lx.nt ? 0 : fail(ps, endcol(ps, i), "%s needs %s", what, arg);
}

/* An integer (SIZE or count) in [lo, hi]. */
static int number(parser *ps, int i, uint64_t *v, const char *what, uint64_t lo, uint64_t hi)
{
    const tok *t = &ps->lx.t[i];
    int r = vmex_parse_number(t->s, (size_t)t->len, v);
    if (r == -1)
        return fail(ps, t->col, "bad %s '%.*s'", what, TQ(t));
    if (r == -2 || *v > hi) {
        char h[32];
        vmex_format_size(hi, h, sizeof h);
        return fail(ps, t->col, "%s '%.*s' is too large (the limit is %s)", what, TQ(t), r == -2 ? "256t" : h);
    }
    if (*v < lo)
        return fail(ps, t->col, lo == 1 ? "%s must be greater than 0" : "%s is too small", what);
    return 0;
}

/* A decimal in [lo, hi]: digits, an optional fraction; with pct a trailing
 * '%' divides by 100. */
static int decimal(parser *ps, int i, double *v, const char *what, double lo, double hi, int pct)
{
    const tok *t = &ps->lx.t[i];
    const char *s = t->s;
    int n = t->len, k = 0, digits = 0;
    double scale = 1;
    if (pct && n > 1 && s[n - 1] == '%') {
        scale = 0.01;
        n--;
    }
    while (k < n && s[k] >= '0' && s[k] <= '9')
        k++, digits++;
    if (k < n && s[k] == '.') {
        k++;
        while (k < n && s[k] >= '0' && s[k] <= '9')
            k++, digits++;
    }
    if (!digits || k != n || n > 32)
        return fail(ps, t->col, "bad %s '%.*s' (a decimal like 0.5 or 60)", what, TQ(t));
    char tmp[40];
    memcpy(tmp, s, (size_t)n);
    tmp[n] = '\0';
    *v = strtod(tmp, NULL) * scale;
    if (!(*v >= lo) || *v > hi)
        return fail(ps, t->col, "%s %.*s is out of range (%g to %g)", what, TQ(t), lo, hi);
    return 0;
}

static int check_name(parser *ps, const tok *t)
{
    for (int i = 0; i < t->len; i++) {
        char c = t->s[i];
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (i > 0 && c >= '0' && c <= '9')))
            return fail(ps, t->col, "bad name '%.*s' (use [a-z_][a-z0-9_]*)", TQ(t));
    }
    if (t->len >= VMEX_WL_NAME_MAX)
        return fail(ps, t->col, "name too long (the limit is %d chars)", VMEX_WL_NAME_MAX - 1);
    return 0;
}

static int find_stream(const vmex_workload *w, const char *s)
{
    for (uint32_t i = 0; i < w->nstreams; i++)
        if (!strcmp(w->streams[i].name, s))
            return (int)i;
    return -1;
}

static int find_reserve(const vmex_workload *w, const char *s)
{
    for (uint32_t i = 0; i < w->nreserves; i++)
        if (!strcmp(w->reserves[i], s))
            return (int)i;
    return -1;
}

static int kind_of(const tok *t)
{
    if (tokeq(t, "malloc")) return VMEX_OP_MALLOC;
    if (tokeq(t, "mmap")) return VMEX_OP_MMAP;
    if (tokeq(t, "vm_allocate")) return VMEX_OP_VM_ALLOCATE;
    return -1;
}

/* DIST from token *i on; *i moves past it.  what: "size" or "lifetime". */
static int dist(parser *ps, int *i, vmex_dist *d, const char *what)
{
    memset(d, 0, sizeof *d);
    char ctx[32];
    snprintf(ctx, sizeof ctx, "'%s'", what);
    if (need(ps, *i, ctx, "a distribution (fixed, uniform, lognormal, powerlaw, exp)") < 0)
        return -1;
    const tok *k = &ps->lx.t[*i];
    int kind = 0;
    while (kind < VMEX_DIST__COUNT && !tokeq(k, dist_names[kind]))
        kind++;
    if (kind == VMEX_DIST__COUNT)
        return fail(ps, k->col, "unknown distribution '%.*s' (fixed, uniform, lognormal, powerlaw, exp)", TQ(k));
    d->kind = (uint8_t)kind;
    int j = *i + 1;
    const char *kn = dist_names[kind];
    uint64_t lim = VMEX_MAX_VALUE - 1;
    switch (kind) {
    case VMEX_DIST_FIXED: {
        if (need(ps, j, kn, "a value or a comma list of values") < 0)
            return -1;
        /* split the token at commas, each part a number */
        const tok *t = &ps->lx.t[j];
        int start = 0;
        for (int p = 0; p <= t->len; p++) {
            if (p < t->len && t->s[p] != ',')
                continue;
            if (d->n == VMEX_DIST_MAX_FIXED)
                return fail(ps, t->col + start, "at most %d values", VMEX_DIST_MAX_FIXED);
            uint64_t v = 0;
            int r = p > start ? vmex_parse_number(t->s + start, (size_t)(p - start), &v) : -1;
            if (r == -1)
                return fail(ps, t->col + start, "bad value '%.*s' in the list", p - start, t->s + start);
            if (r == -2 || v > lim)
                return fail(ps, t->col + start, "value too large (the limit is 256t)");
            if (v == 0)
                return fail(ps, t->col + start, "values must be greater than 0");
            d->v[d->n++] = v;
            start = p + 1;
        }
        j++;
        break;
    }
    case VMEX_DIST_UNIFORM:
    case VMEX_DIST_POWERLAW:
        if (kind == VMEX_DIST_POWERLAW) {
            if (need(ps, j, kn, "ALPHA MIN MAX") < 0 || decimal(ps, j, &d->a, "alpha", 0, 10, 0) < 0)
                return -1;
            j++;
        }
        if (need(ps, j, kn, kind == VMEX_DIST_UNIFORM ? "MIN MAX" : "ALPHA MIN MAX") < 0 ||
            number(ps, j, &d->min, "minimum", 1, lim) < 0 || need(ps, j + 1, kn, "a MAX after the MIN") < 0 ||
            number(ps, j + 1, &d->max, "maximum", 1, lim) < 0)
            return -1;
        if (d->max < d->min)
            return fail(ps, ps->lx.t[j + 1].col, "maximum is below the minimum");
        j += 2;
        break;
    case VMEX_DIST_LOGNORMAL: {
        uint64_t med;
        if (need(ps, j, kn, "MEDIAN SIGMA") < 0 || number(ps, j, &med, "median", 1, lim) < 0 ||
            need(ps, j + 1, kn, "a SIGMA after the MEDIAN") < 0 || decimal(ps, j + 1, &d->b, "sigma", 0, 10, 0) < 0)
            return -1;
        d->a = (double)med;
        j += 2;
        /* optional MIN MAX: two numbers */
        if (j < ps->lx.nt && ps->lx.t[j].s[0] >= '0' && ps->lx.t[j].s[0] <= '9') {
            if (number(ps, j, &d->min, "minimum", 1, lim) < 0 || need(ps, j + 1, kn, "a MAX after the MIN") < 0 ||
                number(ps, j + 1, &d->max, "maximum", 1, lim) < 0)
                return -1;
            if (d->max < d->min)
                return fail(ps, ps->lx.t[j + 1].col, "maximum is below the minimum");
            if (med < d->min || med > d->max)
                return fail(ps, ps->lx.t[j - 2].col, "the median is outside [MIN, MAX]");
            j += 2;
        }
        break;
    }
    case VMEX_DIST_EXP: {
        uint64_t mean;
        if (need(ps, j, kn, "a MEAN") < 0 || number(ps, j, &mean, "mean", 1, lim) < 0)
            return -1;
        d->a = (double)mean;
        j++;
        break;
    }
    }
    vmex_dist_prepare(d);
    *i = j;
    return 0;
}

static vmex_wl_phase *cur_phase(parser *ps, const tok *kw)
{
    if (!ps->w->nphases) {
        fail(ps, kw->col, "'%s' outside a phase (a 'phase' line comes first)", kw->s);
        return NULL;
    }
    return &ps->w->phases[ps->w->nphases - 1];
}

/* A prot name. */
static int prot_of(parser *ps, int i, uint8_t *prot)
{
    for (int k = 0; k < 4; k++)
        if (tokeq(&ps->lx.t[i], vmex_prot_name(k))) {
            *prot = (uint8_t)k;
            return 0;
        }
    return fail(ps, ps->lx.t[i].col, "unknown prot '%.*s' (none, r, rw, rx)", TQ(&ps->lx.t[i]));
}

/* Mapping options shared by stream and reserve lines (tag, prot, align,
 * noreserve, jit, try): 1 when token *i was one (consumed), 0 when not,
 * -1 on error.  allowed: the VMEX_F_* this line and kind accept. */
static int map_option(parser *ps, int *i, unsigned allowed, const char *kindname, uint16_t *flags, uint8_t *tag,
                      uint8_t *prot, uint64_t *align)
{
    static const char *const names[] = {"tag", "prot", "align", "noreserve", "jit", "try"};
    static const uint16_t fl[] = {VMEX_F_TAG, VMEX_F_PROT, VMEX_F_ALIGN, VMEX_F_NORESERVE, VMEX_F_JIT, VMEX_F_TRY};
    const tok *t = &ps->lx.t[*i];
    int o = 0;
    while (o < 6 && !tokeq(t, names[o]))
        o++;
    if (o == 6)
        return 0;
    if (!(allowed & fl[o]))
        return fail(ps, t->col, "option '%s' does not apply to %s", t->s, kindname);
    if (*flags & fl[o])
        return fail(ps, t->col, "duplicate option '%s'", t->s);
    *flags |= fl[o];
    (*i)++;
    if (fl[o] & (VMEX_F_NORESERVE | VMEX_F_JIT | VMEX_F_TRY))
        return 1;
    if (need(ps, *i, t->s, "a value") < 0)
        return -1;
    uint64_t v;
    if (fl[o] == VMEX_F_PROT) {
        if (prot_of(ps, *i, prot) < 0)
            return -1;
    } else if (fl[o] == VMEX_F_TAG) {
        if (number(ps, *i, &v, "tag", 0, 255) < 0)
            return -1;
        *tag = (uint8_t)v;
    } else {
        if (number(ps, *i, &v, "align", 1, 1ull << 40) < 0)
            return -1;
        if (!VMEX_IS_POW2(v))
            return fail(ps, ps->lx.t[*i].col, "align must be a power of two");
        *align = v;
    }
    (*i)++;
    return 1;
}

static unsigned options_for(int kind)
{
    if (kind == VMEX_OP_MMAP)
        return VMEX_F_TAG | VMEX_F_PROT | VMEX_F_ALIGN | VMEX_F_NORESERVE | VMEX_F_JIT | VMEX_F_TRY;
    if (kind == VMEX_OP_VM_ALLOCATE)
        return VMEX_F_TAG | VMEX_F_ALIGN | VMEX_F_TRY;
    return VMEX_F_TRY;
}

static int phase_line(parser *ps)
{
    vmex_workload *w = ps->w;
    tok *t = ps->lx.t;
    if (need(ps, 1, "phase", "a NAME") < 0 || check_name(ps, &t[1]) < 0)
        return -1;
    for (uint32_t k = 0; k < w->nphases; k++)
        if (!strcmp(w->phases[k].name, t[1].s))
            return fail(ps, t[1].col, "duplicate phase '%s' (the first is on line %d)", t[1].s, w->phases[k].line);
    if (w->nphases == VMEX_WL_MAX_PHASES)
        return fail(ps, t[0].col, "too many phases (the limit is %d)", VMEX_WL_MAX_PHASES);
    vmex_wl_phase *ph = &w->phases[w->nphases++];
    memset(ph, 0, sizeof *ph);
    memcpy(ph->name, t[1].s, (size_t)t[1].len + 1);
    ph->line = ps->lx.line;
    int i = 2;
    if (i < ps->lx.nt) {
        if (tokeq(&t[i], "ops")) {
            if (need(ps, i + 1, "ops", "a count") < 0 || number(ps, i + 1, &ph->ops, "op count", 1, 1ull << 46) < 0)
                return -1;
        } else if (tokeq(&t[i], "share")) {
            if (need(ps, i + 1, "share", "a fraction of the run (0.25 or 25%)") < 0 ||
                decimal(ps, i + 1, &ph->share, "share", 0, 1, 1) < 0)
                return -1;
            if (ph->share <= 0)
                return fail(ps, t[i + 1].col, "share must be greater than 0");
        } else {
            return fail(ps, t[i].col, "expected 'ops N' or 'share F' after the phase name, not '%.*s'", TQ(&t[i]));
        }
        i += 2;
    }
    return i < ps->lx.nt ? unexpected(ps, i) : 0;
}

static int stream_line(parser *ps)
{
    vmex_workload *w = ps->w;
    tok *t = ps->lx.t;
    vmex_wl_phase *ph = cur_phase(ps, &t[0]);
    if (!ph)
        return -1;
    if (need(ps, 1, "stream", "a NAME and a KIND") < 0 || check_name(ps, &t[1]) < 0)
        return -1;
    if (find_reserve(w, t[1].s) >= 0)
        return fail(ps, t[1].col, "'%s' is already a reservation", t[1].s);
    if (need(ps, 2, "stream", "a KIND (malloc, mmap, vm_allocate)") < 0)
        return -1;
    int kind = kind_of(&t[2]);
    if (kind < 0)
        return fail(ps, t[2].col, "unknown kind '%.*s' (malloc, mmap, vm_allocate)", TQ(&t[2]));
    int id = find_stream(w, t[1].s);
    if (id >= 0) {
        if (w->streams[id].kind != kind)
            return fail(ps, t[2].col, "stream '%s' is %s on line %d", t[1].s, vmex_opkind_name(w->streams[id].kind),
                        ps->stream_line[id]);
        for (uint32_t k = 0; k < ph->nstreams; k++)
            if (ph->streams[k].id == id)
                return fail(ps, t[1].col, "duplicate stream '%s' in phase '%s'", t[1].s, ph->name);
    } else {
        if (w->nstreams == VMEX_WL_MAX_STREAMS)
            return fail(ps, t[1].col, "too many streams (the limit is %d)", VMEX_WL_MAX_STREAMS);
        id = (int)w->nstreams++;
        memcpy(w->streams[id].name, t[1].s, (size_t)t[1].len + 1);
        w->streams[id].kind = (uint8_t)kind;
        w->streams[id].untouchable = 0;
        ps->stream_line[id] = ps->lx.line;
    }
    if (ph->nstreams == VMEX_WL_MAX_STREAMS)
        return fail(ps, t[1].col, "too many streams in phase '%s'", ph->name);
    vmex_wl_stream *s = &ph->streams[ph->nstreams];
    memset(s, 0, sizeof *s);
    s->id = (uint8_t)id;
    s->kind = (uint8_t)kind;
    s->line = ps->lx.line;
    int have_weight = 0, have_size = 0, have_free = 0, have_max = 0, have_realloc = 0;
    const char *kn = vmex_opkind_name(kind);
    unsigned allowed = options_for(kind) & ~(unsigned)(VMEX_F_TRY | VMEX_F_JIT);
    for (int i = 3; i < ps->lx.nt;) {
        const tok *k = &t[i];
        int r = map_option(ps, &i, allowed, kind == VMEX_OP_MALLOC ? "malloc streams" : kn, &s->flags, &s->tag,
                           &s->prot, &s->align);
        if (r < 0)
            return -1;
        if (r)
            continue;
        if (tokeq(k, "weight")) {
            if (have_weight++)
                return fail(ps, k->col, "duplicate 'weight'");
            if (need(ps, i + 1, "weight", "a decimal") < 0 ||
                decimal(ps, i + 1, &s->weight, "weight", 0, MAX_WEIGHT, 0) < 0)
                return -1;
            i += 2;
        } else if (tokeq(k, "size")) {
            if (have_size++)
                return fail(ps, k->col, "duplicate 'size'");
            i++;
            if (dist(ps, &i, &s->size, "size") < 0)
                return -1;
        } else if (tokeq(k, "lifetime") || tokeq(k, "free")) {
            if (have_free++)
                return fail(ps, k->col, "a stream has one of 'lifetime' and 'free'");
            if (tokeq(k, "lifetime")) {
                s->has_lifetime = 1;
                i++;
                if (dist(ps, &i, &s->lifetime, "lifetime") < 0)
                    return -1;
            } else {
                if (need(ps, i + 1, "free", "an ORDER (fifo, lifo, random) and a WEIGHT") < 0)
                    return -1;
                const tok *o = &t[i + 1];
                if (tokeq(o, "fifo")) s->order = VMEX_WL_FIFO;
                else if (tokeq(o, "lifo")) s->order = VMEX_WL_LIFO;
                else if (tokeq(o, "random")) s->order = VMEX_WL_RANDOM;
                else return fail(ps, o->col, "unknown free order '%.*s' (fifo, lifo, random)", TQ(o));
                if (need(ps, i + 2, "free ORDER", "a WEIGHT") < 0 ||
                    decimal(ps, i + 2, &s->free_weight, "weight", 0, MAX_WEIGHT, 0) < 0)
                    return -1;
                i += 3;
            }
        } else if (tokeq(k, "max")) {
            uint64_t v;
            if (have_max++)
                return fail(ps, k->col, "duplicate 'max'");
            if (need(ps, i + 1, "max", "a count") < 0 || number(ps, i + 1, &v, "count", 1, UINT32_MAX - 1) < 0)
                return -1;
            s->max_live = (uint32_t)v;
            i += 2;
        } else if (tokeq(k, "realloc")) {
            if (kind != VMEX_OP_MALLOC)
                return fail(ps, k->col, "option 'realloc' does not apply to %s", kn);
            if (have_realloc++)
                return fail(ps, k->col, "duplicate 'realloc'");
            if (need(ps, i + 1, "realloc", "a weight") < 0 ||
                decimal(ps, i + 1, &s->realloc_weight, "weight", 0, MAX_WEIGHT, 0) < 0)
                return -1;
            i += 2;
        } else if (tokeq(k, "dirty")) {
            if (s->dirty++)
                return fail(ps, k->col, "duplicate 'dirty'");
            i++;
        } else {
            return unexpected(ps, i);
        }
    }
    if (!have_weight)
        return fail(ps, endcol(ps, ps->lx.nt), "stream needs 'weight W'");
    if (!have_size)
        return fail(ps, endcol(ps, ps->lx.nt), "stream needs 'size DIST'");
    if (!have_free)
        return fail(ps, endcol(ps, ps->lx.nt), "stream needs 'lifetime DIST' or 'free ORDER WEIGHT'");
    if (s->prot == VMEX_PROT_NONE && (s->flags & VMEX_F_PROT)) {
        w->streams[id].untouchable = 1;
        if (s->dirty)
            return fail(ps, t[0].col, "a 'prot none' stream cannot be 'dirty'");
    }
    ph->nstreams++;
    return 0;
}

static int reserve_line(parser *ps)
{
    vmex_workload *w = ps->w;
    tok *t = ps->lx.t;
    vmex_wl_phase *ph = cur_phase(ps, &t[0]);
    if (!ph)
        return -1;
    if (need(ps, 1, "reserve", "a NAME, a KIND and a SIZE") < 0 || check_name(ps, &t[1]) < 0)
        return -1;
    if (find_stream(w, t[1].s) >= 0)
        return fail(ps, t[1].col, "'%s' is already a stream", t[1].s);
    if (need(ps, 2, "reserve", "a KIND (mmap, vm_allocate, malloc)") < 0)
        return -1;
    int kind = kind_of(&t[2]);
    if (kind < 0)
        return fail(ps, t[2].col, "unknown kind '%.*s' (mmap, vm_allocate, malloc)", TQ(&t[2]));
    if (ph->nactions == VMEX_WL_MAX_ACTIONS)
        return fail(ps, t[0].col, "too many reserve and release lines in phase '%s' (the limit is %d)", ph->name,
                    VMEX_WL_MAX_ACTIONS);
    int id = find_reserve(w, t[1].s);
    if (id < 0) {
        if (w->nreserves == VMEX_WL_MAX_RESERVES)
            return fail(ps, t[1].col, "too many reservations (the limit is %d)", VMEX_WL_MAX_RESERVES);
        id = (int)w->nreserves++;
        memcpy(w->reserves[id], t[1].s, (size_t)t[1].len + 1);
    }
    for (uint32_t k = 0; k < ph->nactions; k++)
        if (!ph->actions[k].release && ph->actions[k].id == id)
            return fail(ps, t[1].col, "duplicate reservation '%s' in phase '%s'", t[1].s, ph->name);
    vmex_wl_action *a = &ph->actions[ph->nactions];
    memset(a, 0, sizeof *a);
    a->id = (uint8_t)id;
    a->kind = (uint8_t)kind;
    a->line = ps->lx.line;
    if (need(ps, 3, "reserve", "a SIZE") < 0 || number(ps, 3, &a->size, "size", 1, VMEX_MAX_VALUE - 1) < 0)
        return -1;
    const char *kn = vmex_opkind_name(kind);
    for (int i = 4; i < ps->lx.nt;) {
        int r = map_option(ps, &i, options_for(kind), kn, &a->flags, &a->tag, &a->prot, &a->align);
        if (r < 0)
            return -1;
        if (r)
            continue;
        if (tokeq(&t[i], "halve")) {
            if (a->halve)
                return fail(ps, t[i].col, "duplicate 'halve'");
            if (need(ps, i + 1, "halve", "a MIN size") < 0 || number(ps, i + 1, &a->halve, "size", 1, a->size) < 0)
                return -1;
            i += 2;
        } else {
            return unexpected(ps, i);
        }
    }
    ph->nactions++;
    return 0;
}

static int release_line(parser *ps)
{
    vmex_workload *w = ps->w;
    tok *t = ps->lx.t;
    vmex_wl_phase *ph = cur_phase(ps, &t[0]);
    if (!ph)
        return -1;
    if (need(ps, 1, "release", "a NAME") < 0 || check_name(ps, &t[1]) < 0)
        return -1;
    if (ph->nactions == VMEX_WL_MAX_ACTIONS)
        return fail(ps, t[0].col, "too many reserve and release lines in phase '%s' (the limit is %d)", ph->name,
                    VMEX_WL_MAX_ACTIONS);
    vmex_wl_action *a = &ph->actions[ph->nactions];
    memset(a, 0, sizeof *a);
    a->release = 1;
    a->line = ps->lx.line;
    int id = find_reserve(w, t[1].s);
    if (id < 0) {
        id = find_stream(w, t[1].s);
        if (id < 0)
            return fail(ps, t[1].col, "unknown reservation or stream '%.*s' (declare it on an earlier line)", TQ(&t[1]));
        a->is_stream = 1;
    }
    a->id = (uint8_t)id;
    if (ps->lx.nt > 2)
        return unexpected(ps, 2);
    ph->nactions++;
    return 0;
}

static int touch_line(parser *ps)
{
    tok *t = ps->lx.t;
    vmex_wl_phase *ph = cur_phase(ps, &t[0]);
    if (!ph)
        return -1;
    if (ph->touch_weight > 0 || ph->touch_sized)
        return fail(ps, t[0].col, "duplicate 'touch' line in phase '%s'", ph->name);
    if (need(ps, 1, "touch", "'weight W'") < 0)
        return -1;
    if (!tokeq(&t[1], "weight"))
        return fail(ps, t[1].col, "expected 'weight', not '%.*s'", TQ(&t[1]));
    if (need(ps, 2, "weight", "a decimal") < 0 || decimal(ps, 2, &ph->touch_weight, "weight", 0, MAX_WEIGHT, 0) < 0)
        return -1;
    int i = 3;
    if (i < ps->lx.nt) {
        if (!tokeq(&t[i], "size"))
            return unexpected(ps, i);
        i++;
        if (dist(ps, &i, &ph->touch_size, "size") < 0)
            return -1;
        ph->touch_sized = 1;
    }
    return i < ps->lx.nt ? unexpected(ps, i) : 0;
}

static int header_line(parser *ps)
{
    vmex_workload *w = ps->w;
    tok *t = ps->lx.t;
    if (w->nphases)
        return fail(ps, t[0].col, "'%s' must come before the first phase", t[0].s);
    if (need(ps, 1, t[0].s, "a NAME") < 0)
        return -1;
    if (tokeq(&t[0], "profile")) {
        if (ps->have_profile)
            return fail(ps, t[0].col, "duplicate 'profile' line");
        if ((size_t)t[1].len >= sizeof w->cfg.profile || !vmex_profile_valid(t[1].s))
            return fail(ps, t[1].col, "unknown profile '%.*s' (see 'vmex profiles')", TQ(&t[1]));
        memcpy(w->cfg.profile, t[1].s, (size_t)t[1].len + 1);
        ps->have_profile = 1;
    } else {
        uint32_t bit;
        if (vmex_ent_parse(t[1].s, &bit) < 0) {
            char known[160] = "";
            for (int k = 0; k < VMEX_ENT__COUNT; k++)
                snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", k ? ", " : "", vmex_ent_name(k));
            return fail(ps, t[1].col, "unknown entitlement '%.*s' (known: %s)", TQ(&t[1]), known);
        }
        w->cfg.ents |= bit;
    }
    return ps->lx.nt > 2 ? unexpected(ps, 2) : 0;
}

static int parse_line(parser *ps)
{
    tok *t = ps->lx.t;
    if (!ps->have_version) {
        if (!tokeq(&t[0], "workload"))
            return fail(ps, t[0].col, "expected 'workload 1' first");
        if (need(ps, 1, "workload", "a version") < 0)
            return -1;
        if (!tokeq(&t[1], "1"))
            return fail(ps, t[1].col, "unsupported version %.*s (this vmex reads workload version 1)", TQ(&t[1]));
        ps->have_version = 1;
        return ps->lx.nt > 2 ? unexpected(ps, 2) : 0;
    }
    if (tokeq(&t[0], "workload"))
        return fail(ps, t[0].col, "duplicate 'workload' line");
    if (tokeq(&t[0], "profile") || tokeq(&t[0], "entitlement"))
        return header_line(ps);
    if (tokeq(&t[0], "phase"))
        return phase_line(ps);
    if (tokeq(&t[0], "stream"))
        return stream_line(ps);
    if (tokeq(&t[0], "reserve"))
        return reserve_line(ps);
    if (tokeq(&t[0], "release"))
        return release_line(ps);
    if (tokeq(&t[0], "touch"))
        return touch_line(ps);
    if (tokeq(&t[0], "repeat")) {
        if (ps->repeat_line)
            return fail(ps, t[0].col, "duplicate 'repeat' line (the first is on line %d)", ps->repeat_line);
        if (need(ps, 1, "repeat", "a PHASE") < 0 || check_name(ps, &t[1]) < 0)
            return -1;
        memcpy(ps->repeat_name, t[1].s, (size_t)t[1].len + 1);
        ps->repeat_line = ps->lx.line;
        ps->repeat_col = t[1].col;
        return ps->lx.nt > 2 ? unexpected(ps, 2) : 0;
    }
    return fail(ps, t[0].col,
                "unknown line '%.*s' (expected phase, stream, reserve, release, touch, repeat, profile or entitlement)",
                TQ(&t[0]));
}

static int on_line(void *ctx) { return parse_line(ctx); }

/* Checks that need the whole file. */
static int finish(parser *ps)
{
    vmex_workload *w = ps->w;
    if (!ps->have_version) {
        ps->lx.line = 1;
        return fail(ps, 1, "empty workload: expected 'workload 1'");
    }
    if (!w->nphases) {
        ps->lx.line = ps->lx.line ? ps->lx.line : 1;
        return fail(ps, 1, "no phase: a workload needs at least one 'phase' line");
    }
    for (uint32_t k = 0; k < w->nphases; k++) {
        vmex_wl_phase *ph = &w->phases[k];
        double mix = ph->touch_weight;
        for (uint32_t s = 0; s < ph->nstreams; s++)
            mix += ph->streams[s].weight + ph->streams[s].realloc_weight +
                   (ph->streams[s].has_lifetime ? 0 : ph->streams[s].free_weight);
        int len = ph->ops > 0 || ph->share > 0;
        ps->lx.line = ph->line;
        if (len && !(mix > 0))
            return fail(ps, 1, "phase '%s' runs ops but its op mix is empty (every weight is 0)", ph->name);
        if (!len && ph->nstreams)
            return fail(ps, 1, "phase '%s' has streams but no length ('ops N' or 'share F')", ph->name);
        if (!len && ph->touch_weight > 0)
            return fail(ps, 1, "phase '%s' has a touch line but no length ('ops N' or 'share F')", ph->name);
        if (!len && !ph->nactions)
            return fail(ps, 1, "phase '%s' does nothing: give it a length and streams, or reserve/release lines",
                        ph->name);
    }
    w->repeat = 0;
    if (ps->repeat_line) {
        uint32_t k = 0;
        while (k < w->nphases && strcmp(w->phases[k].name, ps->repeat_name))
            k++;
        ps->lx.line = ps->repeat_line;
        if (k == w->nphases)
            return fail(ps, ps->repeat_col, "unknown phase '%s'", ps->repeat_name);
        w->repeat = k;
    }
    int runs = 0;
    for (uint32_t k = w->repeat; k < w->nphases; k++)
        runs |= w->phases[k].ops > 0 || w->phases[k].share > 0;
    if (!runs) {
        ps->lx.line = ps->repeat_line ? ps->repeat_line : w->phases[w->repeat].line;
        return fail(ps, ps->repeat_line ? ps->repeat_col : 1,
                    "the phases that repeat (from '%s' on) run no ops: give one a length and streams",
                    w->phases[w->repeat].name);
    }
    return 0;
}

int vmex_workload_parse(const char *text, size_t len, const char *file, vmex_workload *w, vmex_error *err)
{
    memset(err, 0, sizeof *err);
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    memset(w, 0, sizeof *w);
    snprintf(w->file, sizeof w->file, "%s", file ? file : "");
    const char *base = file ? strrchr(file, '/') : NULL;
    base = base ? base + 1 : file ? file : "workload";
    snprintf(w->name, sizeof w->name, "%s", base);
    size_t bl = strlen(w->name);
    if (bl > 6 && !strcmp(w->name + bl - 6, ".vmexw"))
        w->name[bl - 6] = '\0';
    parser *ps = calloc(1, sizeof *ps);
    if (!ps)
        return vmex_error_nomem(err);
    ps->w = w;
    ps->lx.err = err;
    int rc = _vmex_lex(&ps->lx, text, len, on_line, ps);
    if (rc == 0)
        rc = finish(ps);
    free(ps);
    return rc;
}

int vmex_workload_parse_file(const char *path, vmex_workload *w, vmex_error *err)
{
    char *data;
    size_t n;
    if (vmex_file_read(path, FILE_LIMIT, &data, &n, err))
        return -1;
    int rc = vmex_workload_parse(data, n, path, w, err);
    free(data);
    return rc;
}

uint64_t vmex_workload_phase_len(const vmex_workload *w, uint32_t phase, uint64_t run_ops)
{
    const vmex_wl_phase *ph = &w->phases[phase];
    if (ph->ops)
        return ph->ops;
    if (ph->share <= 0)
        return 0;
    double x = ph->share * (double)run_ops + 0.5;
    return x < 1 ? 1 : (uint64_t)x;
}

/* ================================================================ generator */

enum { GS_FREE = 0, GS_PENDING, GS_LIVE };
enum { P_NONE = 0, P_ALLOC, P_REALLOC, P_RELEASE, P_TOUCH, P_RESERVE };
enum { MIX_ALLOC = 0, MIX_FREE, MIX_REALLOC, MIX_TOUCH };

typedef struct gslot {
    uint64_t addr, size, req;
    uint32_t prev, next;      /* the stream's birth order */
    uint32_t pos;             /* index in the stream's live array */
    int16_t  stream, reserve;
    uint8_t  state, kind, tag, prot;
    uint16_t flags;
} gslot;

typedef struct gstream {
    uint32_t *live, nlive;
    uint32_t head, tail;
} gstream;


typedef struct mixent { double cum; uint8_t type, s; } mixent;

struct vmex_gen {
    const vmex_workload *w;
    vmex_rng rng;
    uint32_t nslots;
    gslot *slots;
    uint32_t *freestack, nfree;
    gstream streams[VMEX_WL_MAX_STREAMS];
    uint64_t *hwhen;          /* the deadline heap: keys ... */
    uint32_t *hslot;          /* ... and their slots, apart so a sift-down reads keys only */
    uint32_t *hpos;           /* per slot: index in the heap + 1; 0: none (apart: hot) */
    uint32_t nheap;
    uint32_t reserve_slot[VMEX_WL_MAX_RESERVES];
    uint64_t run_ops, n;
    /* the current phase */
    uint32_t phase;
    const vmex_wl_phase *ph;
    uint64_t phase_len, phase_done;
    uint32_t action;          /* next action of the phase */
    int      act_released;    /* the current reserve's old binding is released */
    uint64_t act_size;        /* the current reserve attempt's size (0: not started) */
    mixent   mix[3 * VMEX_WL_MAX_STREAMS + 1];
    uint32_t nmix;
    double   total;
    int      started;
    /* the op awaiting its result */
    uint8_t  pend, pend_dirty, pend_lifetime;
    uint32_t pend_slot, pend_src;
    const vmex_wl_stream *pend_stream;
    uint32_t dirty_slot;      /* a new handle to touch whole next, or NIL */
    int16_t  origin_stream, origin_reserve;
    uint32_t origin_phase;
};

/* ---- deadline heap: 4-ary (the children of i are 4i+1..4i+4, one cache
 * line); removal moves the hole down to a leaf and sifts the last entry up */
static void heap_set(vmex_gen *g, uint32_t i, uint64_t when, uint32_t slot)
{
    g->hwhen[i] = when;
    g->hslot[i] = slot;
    g->hpos[slot] = i + 1;
}

static void heap_up(vmex_gen *g, uint32_t i, uint64_t when, uint32_t slot)
{
    while (i > 0) {
        uint32_t p = (i - 1) / 4;
        if (g->hwhen[p] <= when)
            break;
        heap_set(g, i, g->hwhen[p], g->hslot[p]);
        i = p;
    }
    heap_set(g, i, when, slot);
}

static void heap_push(vmex_gen *g, uint32_t slot, uint64_t when)
{
    heap_up(g, g->nheap++, when, slot);
}

static void heap_remove(vmex_gen *g, uint32_t slot)
{
    uint32_t i = g->hpos[slot];
    if (!i)
        return;
    i--;
    g->hpos[slot] = 0;
    uint32_t n = --g->nheap;
    uint64_t lw = g->hwhen[n];
    uint32_t ls = g->hslot[n];
    if (i == n)
        return;
    /* the hole goes down along the smallest children ... */
    for (;;) {
        uint32_t c = 4 * i + 1;
        if (c >= n)
            break;
        uint32_t end = c + 4 < n ? c + 4 : n, m = c;
        uint64_t mv = g->hwhen[c];
        for (uint32_t k = c + 1; k < end; k++) {   /* branchless: the order is random */
            uint64_t v = g->hwhen[k];
            int lt = v < mv;
            m = lt ? k : m;
            mv = lt ? v : mv;
        }
        if (mv >= lw)
            break;
        heap_set(g, i, mv, g->hslot[m]);
        i = m;
    }
    /* ... until the last entry fits there, or above it */
    heap_up(g, i, lw, ls);
}

/* ---- stream membership */
static void stream_add(vmex_gen *g, uint32_t slot)
{
    gslot *s = &g->slots[slot];
    gstream *st = &g->streams[s->stream];
    s->pos = st->nlive;
    st->live[st->nlive++] = slot;
    s->next = NIL;
    s->prev = st->tail;
    if (st->tail != NIL)
        g->slots[st->tail].next = slot;
    else
        st->head = slot;
    st->tail = slot;
}

static void stream_remove(vmex_gen *g, uint32_t slot)
{
    gslot *s = &g->slots[slot];
    gstream *st = &g->streams[s->stream];
    uint32_t last = st->live[--st->nlive];
    st->live[s->pos] = last;
    g->slots[last].pos = s->pos;
    if (s->prev != NIL) g->slots[s->prev].next = s->next;
    else st->head = s->next;
    if (s->next != NIL) g->slots[s->next].prev = s->prev;
    else st->tail = s->prev;
}

/* slot `to` takes the place of `from` in its stream and the heap (realloc) */
static void stream_replace(vmex_gen *g, uint32_t from, uint32_t to)
{
    gslot *a = &g->slots[from], *b = &g->slots[to];
    gstream *st = &g->streams[a->stream];
    b->pos = a->pos;
    st->live[a->pos] = to;
    b->prev = a->prev;
    b->next = a->next;
    if (a->prev != NIL) g->slots[a->prev].next = to;
    else st->head = to;
    if (a->next != NIL) g->slots[a->next].prev = to;
    else st->tail = to;
    g->hpos[to] = g->hpos[from];
    if (g->hpos[from]) g->hslot[g->hpos[from] - 1] = to;
    g->hpos[from] = 0;
}

static uint32_t slot_pop(vmex_gen *g)
{
    uint32_t s = g->freestack[--g->nfree];
    g->slots[s].state = GS_PENDING;
    return s;
}

static void slot_push(vmex_gen *g, uint32_t s)
{
    g->slots[s].state = GS_FREE;
    g->freestack[g->nfree++] = s;
}

/* ---- lifecycle */
vmex_gen *vmex_gen_new(const vmex_workload *w, uint64_t seed, uint32_t nslots, uint64_t run_ops)
{
    if (!nslots || nslots > (1u << 24))
        return NULL;
    vmex_gen *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->w = w;
    g->nslots = nslots;
    g->run_ops = run_ops;
    vmex_rng_seed(&g->rng, seed);
    g->slots = calloc(nslots, sizeof *g->slots);
    g->freestack = malloc(nslots * sizeof *g->freestack);
    g->hwhen = malloc(nslots * sizeof *g->hwhen);
    g->hslot = malloc(nslots * sizeof *g->hslot);
    g->hpos = calloc(nslots, sizeof *g->hpos);
    int ok = g->slots && g->freestack && g->hwhen && g->hslot && g->hpos;
    for (uint32_t i = 0; ok && i < w->nstreams; i++) {
        g->streams[i].live = malloc(nslots * sizeof(uint32_t));
        g->streams[i].head = g->streams[i].tail = NIL;
        ok = g->streams[i].live != NULL;
    }
    if (!ok) {
        vmex_gen_free(g);
        return NULL;
    }
    for (uint32_t i = 0; i < nslots; i++)   /* slot 0 is taken first */
        g->freestack[i] = nslots - 1 - i;
    g->nfree = nslots;
    for (uint32_t i = 0; i < VMEX_WL_MAX_RESERVES; i++)
        g->reserve_slot[i] = NIL;
    g->dirty_slot = NIL;
    g->origin_stream = g->origin_reserve = -1;
    return g;
}

void vmex_gen_free(vmex_gen *g)
{
    if (!g)
        return;
    for (uint32_t i = 0; i < VMEX_WL_MAX_STREAMS; i++)
        free(g->streams[i].live);
    free(g->slots);
    free(g->freestack);
    free(g->hwhen);
    free(g->hslot);
    free(g->hpos);
    free(g);
}

static void enter_phase(vmex_gen *g, uint32_t k)
{
    g->phase = k;
    g->ph = &g->w->phases[k];
    g->phase_len = vmex_workload_phase_len(g->w, k, g->run_ops);
    g->phase_done = 0;
    g->action = 0;
    g->act_released = 0;
    g->act_size = 0;
    g->nmix = 0;
    double cum = 0;
    for (uint32_t s = 0; s < g->ph->nstreams; s++) {
        const vmex_wl_stream *st = &g->ph->streams[s];
        double wts[3] = {st->weight, st->has_lifetime ? 0 : st->free_weight, st->realloc_weight};
        for (int t = 0; t < 3; t++)
            if (wts[t] > 0) {
                cum += wts[t];
                g->mix[g->nmix++] = (mixent){cum, (uint8_t)t, (uint8_t)s};
            }
    }
    if (g->ph->touch_weight > 0) {
        cum += g->ph->touch_weight;
        g->mix[g->nmix++] = (mixent){cum, MIX_TOUCH, 0};
    }
    g->total = cum;
}

/* ---- op builders */
static void set_origin(vmex_gen *g, const gslot *s)
{
    g->origin_stream = s->stream;
    g->origin_reserve = s->reserve;
}

/* release a live handle: free or munmap */
static void emit_release(vmex_gen *g, uint32_t slot, vmex_op *op)
{
    gslot *s = &g->slots[slot];
    if (s->stream >= 0)
        stream_remove(g, slot);
    else if (s->reserve >= 0)
        g->reserve_slot[s->reserve] = NIL;
    heap_remove(g, slot);
    s->state = GS_PENDING;
    vmex_op_init(op, s->kind == VMEX_OP_MALLOC ? VMEX_OP_FREE : VMEX_OP_MUNMAP);
    op->src = (int32_t)slot;
    set_origin(g, s);
    g->pend = P_RELEASE;
    g->pend_slot = slot;
}

static void emit_alloc(vmex_gen *g, const vmex_wl_stream *st, vmex_op *op)
{
    uint32_t slot = slot_pop(g);
    gslot *s = &g->slots[slot];
    s->stream = st->id;
    s->reserve = -1;
    s->kind = st->kind;
    s->tag = st->tag;
    s->prot = st->prot;
    s->flags = st->flags;
    vmex_op_init(op, st->kind);
    op->dst = (int32_t)slot;
    op->size = vmex_dist_sample(&st->size, &g->rng);
    op->flags = st->flags;
    op->tag = st->tag;
    op->prot = st->prot;
    op->align = st->align;
    set_origin(g, s);
    g->pend = P_ALLOC;
    g->pend_slot = slot;
    g->pend_stream = st;
}

static void emit_realloc(vmex_gen *g, const vmex_wl_stream *st, uint32_t victim, vmex_op *op)
{
    uint32_t slot = slot_pop(g);
    gslot *s = &g->slots[slot];
    s->stream = st->id;
    s->reserve = -1;
    s->kind = VMEX_OP_MALLOC;
    s->tag = s->prot = 0;
    s->flags = 0;
    vmex_op_init(op, VMEX_OP_REALLOC);
    op->dst = (int32_t)slot;
    op->src = (int32_t)victim;
    op->size = vmex_dist_sample(&st->size, &g->rng);
    set_origin(g, s);
    g->pend = P_REALLOC;
    g->pend_slot = slot;
    g->pend_src = victim;
    g->pend_stream = st;
}

static void emit_touch(vmex_gen *g, uint32_t slot, const vmex_dist *size, vmex_op *op)
{
    gslot *s = &g->slots[slot];
    vmex_op_init(op, VMEX_OP_TOUCH);
    op->src = (int32_t)slot;
    if (size) {
        uint64_t len = vmex_dist_sample(size, &g->rng);
        if (len < s->size) {
            uint64_t pages = (s->size - len) / VMEX_PAGE + 1;
            op->flags |= VMEX_F_RANGE;
            op->off = vmex_rng_below(&g->rng, pages) * VMEX_PAGE;
            op->len = len;
        }
    }
    set_origin(g, s);
    g->pend = P_TOUCH;
}

/* the victim of a release draw of stream st, by its order */
static uint32_t victim(vmex_gen *g, const vmex_wl_stream *st)
{
    gstream *gs = &g->streams[st->id];
    if (st->has_lifetime || st->order == VMEX_WL_FIFO)
        return gs->head;
    if (st->order == VMEX_WL_LIFO)
        return gs->tail;
    return gs->live[vmex_rng_below(&g->rng, gs->nlive)];
}

/* a touchable live handle, or NIL: a stream by live count, then uniform */
static uint32_t touch_pick(vmex_gen *g)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < g->w->nstreams; i++)
        if (!g->w->streams[i].untouchable)
            total += g->streams[i].nlive;
    if (!total)
        return NIL;
    uint64_t k = vmex_rng_below(&g->rng, total);
    for (uint32_t i = 0; i < g->w->nstreams; i++) {
        if (g->w->streams[i].untouchable)
            continue;
        if (k < g->streams[i].nlive)
            return g->streams[i].live[k];
        k -= g->streams[i].nlive;
    }
    return NIL;
}

/* Try mix entry e; 1 when an op was emitted. */
static int try_mix(vmex_gen *g, const mixent *e, vmex_op *op)
{
    if (e->type == MIX_TOUCH) {
        uint32_t s = touch_pick(g);
        if (s == NIL)
            return 0;
        emit_touch(g, s, g->ph->touch_sized ? &g->ph->touch_size : NULL, op);
        return 1;
    }
    const vmex_wl_stream *st = &g->ph->streams[e->s];
    gstream *gs = &g->streams[st->id];
    int type = e->type;
    if (type == MIX_REALLOC && (!gs->nlive || !g->nfree))
        type = MIX_ALLOC;
    if (type == MIX_FREE && !gs->nlive)
        type = MIX_ALLOC;
    if (type == MIX_ALLOC && ((st->max_live && gs->nlive >= st->max_live) || !g->nfree)) {
        if (!gs->nlive)
            return 0;
        type = MIX_FREE;
    }
    switch (type) {
    case MIX_ALLOC:
        emit_alloc(g, st, op);
        return 1;
    case MIX_FREE:
        emit_release(g, victim(g, st), op);
        return 1;
    default:
        emit_realloc(g, st, gs->live[vmex_rng_below(&g->rng, gs->nlive)], op);
        return 1;
    }
}

/* The next op of the phase's actions; 0 when they are done. */
static int next_action(vmex_gen *g, vmex_op *op)
{
    while (g->action < g->ph->nactions) {
        const vmex_wl_action *a = &g->ph->actions[g->action];
        if (a->release) {
            if (a->is_stream) {
                gstream *gs = &g->streams[a->id];
                if (gs->nlive) {
                    emit_release(g, gs->head, op);
                    return 1;
                }
            } else if (g->reserve_slot[a->id] != NIL) {
                emit_release(g, g->reserve_slot[a->id], op);
                g->action++;
                return 1;
            }
            g->action++;
            continue;
        }
        /* reserve: release an old binding first, then the attempts */
        if (!g->act_released) {
            g->act_released = 1;
            if (g->reserve_slot[a->id] != NIL) {
                emit_release(g, g->reserve_slot[a->id], op);
                return 1;
            }
        }
        if (!g->nfree) {   /* no slot: the reservation cannot be made */
            g->action++;
            g->act_released = 0;
            g->act_size = 0;
            continue;
        }
        if (!g->act_size)
            g->act_size = a->size;
        uint64_t next = VMEX_ALIGN_UP(g->act_size / 2, VMEX_PAGE);
        int more = a->halve && next >= a->halve && next < g->act_size;
        uint32_t slot = slot_pop(g);
        gslot *s = &g->slots[slot];
        s->stream = -1;
        s->reserve = (int16_t)a->id;
        s->kind = a->kind;
        s->tag = a->tag;
        s->prot = a->prot;
        s->flags = a->flags & (uint16_t)~VMEX_F_TRY;
        vmex_op_init(op, a->kind);
        op->dst = (int32_t)slot;
        op->size = g->act_size;
        op->flags = a->flags | (more ? VMEX_F_TRY : 0);
        if (a->kind == VMEX_OP_MALLOC)
            op->flags &= VMEX_F_TRY;
        op->tag = a->tag;
        op->prot = a->prot;
        op->align = a->align;
        set_origin(g, s);
        g->pend = P_RESERVE;
        g->pend_slot = slot;
        return 1;
    }
    return 0;
}

int vmex_gen_next(vmex_gen *g, vmex_op *op)
{
    if (!g->started) {
        g->started = 1;
        enter_phase(g, 0);
    }
    g->pend = P_NONE;
    g->origin_stream = g->origin_reserve = -1;
    for (int guard = 0;; guard++) {
        if (g->dirty_slot != NIL) {
            uint32_t s = g->dirty_slot;
            g->dirty_slot = NIL;
            if (g->slots[s].state == GS_LIVE) {
                emit_touch(g, s, NULL, op);
                g->phase_done++;
                break;
            }
        }
        if (g->action < g->ph->nactions) {
            if (next_action(g, op))
                break;
            continue;
        }
        if (g->phase_done >= g->phase_len) {
            if (guard > 2 * VMEX_WL_MAX_PHASES + 2)
                return -1;   /* cannot happen: validated */
            enter_phase(g, g->phase + 1 < g->w->nphases ? g->phase + 1 : g->w->repeat);
            continue;
        }
        if (g->nheap && g->hwhen[0] <= g->n) {
            emit_release(g, g->hslot[0], op);
            if (g->nheap)   /* the next handle to expire: its record is a cache miss away */
                __builtin_prefetch(&g->slots[g->hslot[0]]);
            g->phase_done++;
            break;
        }
        if (!g->nmix)
            return -1;
        double u = vmex_rng_unit(&g->rng) * g->total;
        uint32_t k = 0;
        while (k + 1 < g->nmix && g->mix[k].cum <= u)
            k++;
        uint32_t tried = 0;
        while (tried < g->nmix && !try_mix(g, &g->mix[(k + tried) % g->nmix], op))
            tried++;
        if (tried == g->nmix)
            return -1;
        g->phase_done++;
        break;
    }
    g->origin_phase = g->phase;
    g->n++;
    return 0;
}

void vmex_gen_result(vmex_gen *g, const vmex_op *op, const vmex_opres *r)
{
    int ok = r->status == VMEX_ST_OK;
    uint32_t slot = g->pend_slot;
    gslot *s = &g->slots[slot];
    switch (g->pend) {
    case P_ALLOC:
        if (!ok) {
            slot_push(g, slot);
            break;
        }
        s->state = GS_LIVE;
        s->addr = r->addr;
        s->size = r->size;
        s->req = op->size;
        stream_add(g, slot);
        if (g->pend_stream->has_lifetime)
            heap_push(g, slot, g->n - 1 + vmex_dist_sample(&g->pend_stream->lifetime, &g->rng));   /* born at op n - 1 */
        if (g->pend_stream->dirty)
            g->dirty_slot = slot;
        break;
    case P_REALLOC:
        if (!ok) {
            slot_push(g, slot);
            break;
        }
        s->state = GS_LIVE;
        s->addr = r->addr;
        s->size = r->size;
        s->req = op->size;
        stream_replace(g, g->pend_src, slot);
        slot_push(g, g->pend_src);
        break;
    case P_RELEASE:
        slot_push(g, slot);
        break;
    case P_RESERVE: {
        const vmex_wl_action *a = &g->ph->actions[g->action];
        if (ok) {
            s->state = GS_LIVE;
            s->addr = r->addr;
            s->size = r->size;
            s->req = op->size;
            g->reserve_slot[a->id] = slot;
        } else {
            slot_push(g, slot);
            if (op->flags & VMEX_F_TRY && a->halve) {   /* try half the size next */
                uint64_t next = VMEX_ALIGN_UP(g->act_size / 2, VMEX_PAGE);
                if (next >= a->halve && next < g->act_size) {
                    g->act_size = next;
                    break;
                }
            }
        }
        g->action++;
        g->act_released = 0;
        g->act_size = 0;
        break;
    }
    default:
        break;
    }
    g->pend = P_NONE;
}

/* ---- introspection */
uint64_t vmex_gen_count(const vmex_gen *g) { return g->n; }
uint32_t vmex_gen_live(const vmex_gen *g) { return g->nslots - g->nfree; }
uint32_t vmex_gen_phase(const vmex_gen *g) { return g->origin_phase; }

uint32_t vmex_gen_stream_live(const vmex_gen *g, uint32_t stream)
{
    return stream < g->w->nstreams ? g->streams[stream].nlive : 0;
}

const char *vmex_gen_origin(const vmex_gen *g)
{
    if (g->origin_stream >= 0)
        return g->w->streams[g->origin_stream].name;
    if (g->origin_reserve >= 0)
        return g->w->reserves[g->origin_reserve];
    return "";
}

int vmex_gen_handle_info(const vmex_gen *g, uint32_t slot, vmex_gen_handle *h)
{
    if (slot >= g->nslots || g->slots[slot].state != GS_LIVE)
        return -1;
    const gslot *s = &g->slots[slot];
    h->slot = slot;
    h->kind = s->kind;
    h->stream = s->stream;
    h->reserve = s->reserve;
    h->tag = s->tag;
    h->prot = s->prot;
    h->flags = s->flags;
    h->addr = s->addr;
    h->size = s->size;
    h->req = s->req;
    return 0;
}

void vmex_gen_walk(const vmex_gen *g, void (*cb)(void *ctx, const vmex_gen_handle *h), void *ctx)
{
    vmex_gen_handle h;
    for (uint32_t i = 0; i < g->nslots; i++)
        if (g->slots[i].state == GS_LIVE && vmex_gen_handle_info(g, i, &h) == 0)
            cb(ctx, &h);
}
