/*
 * workload_parse.c - the .vmexw parser (the format: lang/workload.h).
 * Every field is validated; errors are FILE:LINE:COL at the offending
 * token, through the shared line lexer (lex.h).
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/file.h"
#include "lang/lex.h"
#include "lang/workload.h"

#define FILE_LIMIT (1u << 20)   /* a workload is small */
#define SHOW       40
#define MAX_WEIGHT 1e9

typedef vmex_tok tok;

typedef struct parser {
    vmex_lexer lx;                      /* line, tokens, errors */
    vmex_workload *w;
    int have_version, have_profile, repeat_line, repeat_col;
    char repeat_name[VMEX_WL_NAME_MAX];
    int stream_line[VMEX_WL_MAX_STREAMS];   /* where each stream was first declared */
    int touch_line[VMEX_WL_MAX_PHASES], touch_col[VMEX_WL_MAX_PHASES];   /* each phase's touch line */
} parser;

#define TQ(t) ((t)->len > SHOW ? SHOW : (t)->len), (t)->s

/* the lexer's reporting (lex.h), under this parser's short names */
#define fail       lx_fail
#define need       lx_need
#define unexpected lx_unexpected
#define endcol     lx_endcol
#define tokeq      vmex_tok_is

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
    while (kind < VMEX_DIST__COUNT && !tokeq(k, vmex_dist_name(kind)))
        kind++;
    if (kind == VMEX_DIST__COUNT)
        return fail(ps, k->col, "unknown distribution '%.*s' (fixed, uniform, lognormal, powerlaw, exp)", TQ(k));
    d->kind = (uint8_t)kind;
    int j = *i + 1;
    const char *kn = vmex_dist_name(kind);
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

/* The head of a stream or reserve line, "stream|reserve NAME KIND": its
 * phase in *ph, a NAME that is not already the other thing (streams and
 * reservations share one namespace), and the KIND, returned (-1: error).
 * needs: what the line needs after its keyword; kinds: the kinds, as
 * listed in its messages. */
static int name_and_kind(parser *ps, vmex_wl_phase **ph, const char *needs, const char *kinds)
{
    tok *t = ps->lx.t;
    int stream = tokeq(&t[0], "stream");
    if (!(*ph = cur_phase(ps, &t[0])))
        return -1;
    if (need(ps, 1, t[0].s, needs) < 0 || check_name(ps, &t[1]) < 0)
        return -1;
    if ((stream ? find_reserve(ps->w, t[1].s) : find_stream(ps->w, t[1].s)) >= 0)
        return fail(ps, t[1].col, "'%s' is already a %s", t[1].s, stream ? "reservation" : "stream");
    char what[64];
    snprintf(what, sizeof what, "a KIND (%s)", kinds);
    if (need(ps, 2, t[0].s, what) < 0)
        return -1;
    int kind = kind_of(&t[2]);
    if (kind < 0)
        return fail(ps, t[2].col, "unknown kind '%.*s' (%s)", TQ(&t[2]), kinds);
    return kind;
}

static int stream_line(parser *ps)
{
    vmex_workload *w = ps->w;
    tok *t = ps->lx.t;
    vmex_wl_phase *ph;
    int kind = name_and_kind(ps, &ph, "a NAME and a KIND", "malloc, mmap, vm_allocate");
    if (kind < 0)
        return -1;
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
    vmex_wl_phase *ph;
    int kind = name_and_kind(ps, &ph, "a NAME, a KIND and a SIZE", "mmap, vm_allocate, malloc");
    if (kind < 0)
        return -1;
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
    ps->touch_line[ps->w->nphases - 1] = ps->lx.line;
    ps->touch_col[ps->w->nphases - 1] = t[0].col;
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
        ps->have_version = 1;
        return _vmex_lex_version(&ps->lx, "workload", "workload version 1");
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
        double streams = 0;   /* the draws that make, free or resize a handle */
        for (uint32_t s = 0; s < ph->nstreams; s++)
            streams += ph->streams[s].weight + ph->streams[s].realloc_weight +
                       (ph->streams[s].has_lifetime ? 0 : ph->streams[s].free_weight);
        double mix = ph->touch_weight + streams;
        int len = ph->ops > 0 || ph->share > 0;
        ps->lx.line = ph->line;
        if (len && !(mix > 0))
            return fail(ps, 1, "phase '%s' runs ops but its op mix is empty (every weight is 0)", ph->name);
        if (!len && ph->nstreams)
            return fail(ps, 1, "phase '%s' has streams but no length ('ops N' or 'share F')", ph->name);
        if (!len && ph->touch_weight > 0)
            return fail(ps, 1, "phase '%s' has a touch line but no length ('ops N' or 'share F')", ph->name);
        if (len && ph->touch_weight > 0 && !(streams > 0)) {
            /* its only draw would be a touch, which needs a live handle of a stream: with none it is stuck */
            ps->lx.line = ps->touch_line[k];
            return fail(ps, ps->touch_col[k],
                        "phase '%s' only touches: a touch dirties a live handle of a stream, and the phase makes "
                        "none (%s)", ph->name, ph->nstreams ? "every stream's weights are 0" : "add a stream line");
        }
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
    ps->lx.show = SHOW;
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
