/*
 * cli_stress.c - `vmex stress`: run a workload (workload.h) on the XNU
 * model for N ops or S seconds at the model's full speed, sample the
 * address space at regular intervals, stop at the first finding of the
 * hunt policy, and write into the run directory, every file atomically:
 *   series.csv    ops,free,largest,frag,entries,mapped,footprint
 *   plot.svg      free and largest hole over ops, the finding marked
 *   summary.json  ops run, ops/s, the first failure, the worst
 *                 fragmentation seen, the final state
 *   finding.vmex  on a finding: the last K ops as a standalone program,
 *                 minimized (window.vmex: the same program before)
 *
 * The run loop allocates nothing and prints nothing per op: a generator
 * step, a model step and a few loads for the statistics.  The clock is
 * read every 1024 ops for the progress line and --seconds and decides
 * nothing else, so the same workload, seed and profile give the same
 * series.csv byte for byte.  SIGINT (Ctrl-C) ends the run like its end,
 * with every file written; the flag its handler sets is this file's one
 * piece of static state (a handler has no other way to say it).
 *
 * The reproducer.  The window's ops use handles made before it, and mean
 * the same thing only on the model's state at the window start.  The run
 * is deterministic, so that state is rebuilt by replaying the generator on
 * a second model up to the window start (once, after the run; it costs as
 * much as the run up to the finding).  The program is then:
 *   1. every mapped range at the window start that the window does not
 *      use, as `mmap SIZE fixed ADDR` blockers (adjacent ranges as one);
 *   2. the mappings the window uses, at their addresses (`fixed`);
 *   3. libmalloc's memory through libmalloc: temporary fixed fillers over
 *      every hole and every range to re-create; then each large block the
 *      window uses gets its range unmapped and is malloc'd into it (from the
 *      top down, as the entropic hint moves), and per class enough of the
 *      tiny and small regions of the window start (those holding used
 *      blocks first) are unmapped for a keeper block and the used blocks,
 *      which libmalloc maps there; the hole fillers go last;
 *   4. blocks in the nano region (no VA of their own), by malloc;
 *   5. for a jetsam finding, each used handle's dirty bytes (measured on
 *      another replay by unmapping it) and the rest of the footprint on
 *      blockers;
 *   6. the window's ops.
 * Blocks inside regions (packed, not at their old offsets) and libmalloc's
 * entropic hint are approximations, so the program is run: when its first
 * hunted finding has the same signature it is minimized (vmex_minimize
 * keeps the signature).  Otherwise the state right before the failing op
 * (the run's own model) and the failing op alone are used, which
 * reproduces a failed mapping request exactly.  Earlier failures that the
 * hunt ignores but `vmex check` would stop at are marked `try`.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/core.h"
#include "model/model.h"
#include "fuzz/minimize.h"
#include "report/report.h"
#include "stress/workload.h"

#define STRESS_DEFAULT_OPS    1000000ull
#define STRESS_DEFAULT_HUNT   VMEX_DEFAULT_HUNT_STRESS
#define STRESS_DEFAULT_WINDOW 2000ull
#define STRESS_MAX_WINDOW     1000000ull
#define STRESS_SAMPLES        1000ull        /* about this many samples per run */
#define SMALL_MAX             VMEX_MALLOC_LARGE   /* larger mallocs are large blocks */
#define PUTS(b, lit) vmex_buf_put((b), (lit), sizeof(lit) - 1)

typedef struct sample {
    uint64_t ops, free, largest, mapped, footprint;
    uint32_t entries;
} sample;

typedef struct sopts {
    const char *workload, *profile, *hunt, *out;
    uint32_t ents;
    uint64_t ops, seed, sample, window;
    double seconds;
    int json, ops_given;
} sopts;

typedef struct finding {
    int found;
    uint64_t at;                       /* 0-based index of the failing op */
    vmex_op op;
    vmex_opres r;
    vmex_stats st;                     /* the state when it failed */
    char sig[128], origin[VMEX_WL_NAME_MAX];
    uint32_t phase;
} finding;

typedef struct repro {
    int made, reproduces, minimized, state_only;
    uint64_t from;                     /* first op of the window */
    uint32_t ops_before, ops_after, runs, blockers, used;
    char path[4200], wpath[4200];
} repro;

typedef struct stress {
    sopts o;
    vmex_workload *w;
    char wpath[4096];
    vmex_layout L;
    vmex_hunt hunt;
    char hunt_text[256];
    vmex_runopts ro;
    vmex_model *m;
    vmex_gen *g;
    uint64_t run_ops;                  /* the length shares are taken of */
    sample *s;
    size_t ns, cap;
    uint64_t every;
    int adaptive;
    uint64_t ops_run, failed;
    uint32_t live;                     /* live handles at the end */
    int interrupted;                   /* SIGINT ended the run */
    double elapsed;
    finding f;
    double worst;
    uint64_t worst_at;
    vmex_stats worst_st;
    vmex_stats final;
    repro rp;
    char dir[4096];
} stress;

/* ================================================================ helpers */

static volatile sig_atomic_t interrupted;   /* set by SIGINT during the run */

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char *hs(uint64_t v, char *buf, size_t n)
{
    vmex_human_size(v, buf, n);
    return buf;
}
#define HS(v) hs((v), (char[32]){0}, 32)

/* An op count with decimal units: "950", "12.3k", "4.5M", "1.2G". */
static const char *hc(uint64_t v, char *buf, size_t n)
{
    static const char suf[] = "kMGT";
    if (v < 1000) {
        snprintf(buf, n, "%" PRIu64, v);
        return buf;
    }
    double x = (double)v;
    int u = -1;
    while (x >= 999.95 && u < 3) {
        x /= 1000;
        u++;
    }
    char tmp[32];
    snprintf(tmp, sizeof tmp, x < 9.995 ? "%.2f" : x < 99.95 ? "%.1f" : "%.0f", x);
    char *dot = strchr(tmp, '.');
    if (dot) {
        char *e = tmp + strlen(tmp);
        while (e > dot + 1 && e[-1] == '0')
            *--e = '\0';
        if (e == dot + 1)
            *dot = '\0';
    }
    snprintf(buf, n, "%s%c", tmp, suf[u]);
    return buf;
}
#define HC(v) hc((v), (char[32]){0}, 32)

/* 1234567 -> "1,234,567" */
static const char *grouped(uint64_t v, char *buf, size_t n)
{
    char tmp[32];
    int len = snprintf(tmp, sizeof tmp, "%" PRIu64, v), o = 0;
    for (int i = 0; i < len && (size_t)o + 2 < n; i++) {
        if (i && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = '\0';
    return buf;
}
#define GR(v) grouped((v), (char[40]){0}, 40)

static double frag_of(uint64_t free, uint64_t largest)
{
    return free ? 1.0 - (double)largest / (double)free : 0.0;
}

/* A whole number > 0 for OPT: decimal digits only. */
static int parse_count(const char *opt, const char *v, uint64_t *out, uint64_t max)
{
    uint64_t x = 0;
    if (!*v) {
        cli_errorf("%s needs a value", opt);
        return -1;
    }
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9') {
            cli_errorf("bad value '%s' for %s (a whole number, e.g. 1000000)", v, opt);
            return -1;
        }
        if (x > (UINT64_MAX - 9) / 10) {
            cli_errorf("%s %s is too large", opt, v);
            return -1;
        }
        x = x * 10 + (uint64_t)(*p - '0');
    }
    if (x == 0) {
        cli_errorf("%s must be greater than 0", opt);
        return -1;
    }
    if (x > max) {
        cli_errorf("%s %s is too large (the limit is %" PRIu64 ")", opt, v, max);
        return -1;
    }
    *out = x;
    return 0;
}

/* mkdir -p */
static int make_dirs(const char *path)
{
    char tmp[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof tmp) {
        cli_errorf("bad output directory '%s'", path);
        return -1;
    }
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0')
            continue;
        char c = tmp[i];
        tmp[i] = '\0';
        if (mkdir(tmp, 0777) != 0 && errno != EEXIST) {
            cli_errorf("cannot create '%s': %s", tmp, strerror(errno));
            return -1;
        }
        tmp[i] = c;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cli_errorf("'%s' is not a directory", path);
        return -1;
    }
    return 0;
}

/* ================================================================ options */

static const char stress_usage[] =
    "usage: vmex stress --workload W [--profile P] [--entitlement E] [--target xnu]\n"
    "                   [--ops N | --seconds S] [--seed N] [--hunt POLICY] [--sample N]\n"
    "                   [--window K] [--out DIR] [--json]";

static int parse_opts(int argc, char **argv, sopts *o)
{
    int bad = 0, nent = 0;
    uint32_t order[VMEX_ENT__COUNT];
    const char *v;
    memset(o, 0, sizeof *o);
    o->ops = STRESS_DEFAULT_OPS;
    o->seed = 1;
    o->window = STRESS_DEFAULT_WINDOW;
    for (int i = 1; i < argc && !bad; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--json")) {
            o->json = 1;
        } else if (cli_value_opt(argc, argv, &i, "--workload", &v, &bad)) {
            o->workload = v;
        } else if (cli_value_opt(argc, argv, &i, "--profile", &v, &bad)) {
            if (!bad && !vmex_profile_valid(v)) {
                cli_errorf("unknown profile '%s' (see 'vmex profiles')", v);
                bad = 1;
            }
            o->profile = v;
        } else if (cli_value_opt(argc, argv, &i, "--entitlement", &v, &bad)) {
            if (!bad && cli_parse_ent(v, &o->ents, order, &nent))
                bad = 1;
        } else if (cli_value_opt(argc, argv, &i, "--target", &v, &bad)) {
            if (bad)
                break;
            if (!strcmp(v, "linux-model") || !strcmp(v, "linux")) {
                cli_errorf("--target %s is not available yet: stress runs on the xnu model only", v);
                bad = 1;
            } else if (strcmp(v, "xnu") != 0) {
                cli_errorf("unknown target '%s' (xnu, linux-model, linux)", v);
                bad = 1;
            }
        } else if (cli_value_opt(argc, argv, &i, "--ops", &v, &bad)) {
            if (!bad && parse_count("--ops", v, &o->ops, 1ull << 62))
                bad = 1;
            o->ops_given = 1;
        } else if (cli_value_opt(argc, argv, &i, "--seconds", &v, &bad)) {
            char *end;
            errno = 0;
            double s = bad ? 0 : strtod(v, &end);
            if (!bad && (end == v || *end || errno || !(s > 0) || s > 1e7)) {
                cli_errorf("bad value '%s' for --seconds (a number of seconds above 0)", v);
                bad = 1;
            }
            o->seconds = s;
        } else if (cli_value_opt(argc, argv, &i, "--seed", &v, &bad)) {
            char *end;
            errno = 0;
            unsigned long long s = bad ? 0 : strtoull(v, &end, 0);
            if (!bad && (end == v || *end || errno || v[0] == '-')) {
                cli_errorf("bad seed '%s' (a whole number, decimal or 0x hex)", v);
                bad = 1;
            }
            o->seed = s;
        } else if (cli_value_opt(argc, argv, &i, "--hunt", &v, &bad)) {
            o->hunt = v;
        } else if (cli_value_opt(argc, argv, &i, "--sample", &v, &bad)) {
            if (!bad && parse_count("--sample", v, &o->sample, 1ull << 62))
                bad = 1;
        } else if (cli_value_opt(argc, argv, &i, "--window", &v, &bad)) {
            if (!bad && parse_count("--window", v, &o->window, STRESS_MAX_WINDOW))
                bad = 1;
        } else if (cli_value_opt(argc, argv, &i, "--out", &v, &bad)) {
            if (!bad && strlen(v) > 3000) {
                cli_errorf("--out path is too long");
                bad = 1;
            }
            o->out = v;
        } else if (a[0] == '-') {
            cli_errorf("unknown option '%s' for 'vmex stress' (see 'vmex help')", a);
            bad = 1;
        } else {
            cli_errorf("'vmex stress' takes no FILE argument ('%s'); the workload is --workload W", a);
            bad = 1;
        }
    }
    if (bad)
        return -1;
    if (!o->workload) {
        cli_errorf("'vmex stress' needs --workload W\n%s", stress_usage);
        return -1;
    }
    if (o->ops_given && o->seconds > 0) {
        cli_errorf("--ops and --seconds cannot be combined");
        return -1;
    }
    return 0;
}

/* The workload file: W itself, else corpora/workloads/W.vmexw for a bare name. */
static int find_workload(const char *arg, char *path, size_t n)
{
    struct stat st;
    if (stat(arg, &st) == 0 || strchr(arg, '/')) {
        snprintf(path, n, "%s", arg);
        return 0;
    }
    snprintf(path, n, "corpora/workloads/%s.vmexw", arg);
    if (stat(path, &st) == 0)
        return 0;
    snprintf(path, n, "%s", arg);
    return 0;
}

/* ================================================================ the run */

/* A sample at `ops`; last: the run's final state, kept off the grid too. */
static int add_sample(stress *S, uint64_t ops, const vmex_stats *st, int last)
{
    if (S->adaptive && S->ns >= 2 * STRESS_SAMPLES) {
        /* keep the samples on the doubled grid */
        size_t k = 0;
        for (size_t i = 0; i < S->ns; i++)
            if (S->s[i].ops % (2 * S->every) == 0)
                S->s[k++] = S->s[i];
        S->ns = k;
        S->every *= 2;
        if (!last && ops % S->every)
            return 0;
    }
    if (S->ns == S->cap) {
        size_t cap = S->cap ? S->cap * 2 : 1024;
        sample *ns = realloc(S->s, cap * sizeof *ns);
        if (!ns)
            return -1;
        S->s = ns;
        S->cap = cap;
    }
    S->s[S->ns++] = (sample){ops, st->free, st->largest, st->mapped, st->footprint, st->entries};
    return 0;
}

static void progress(const stress *S, uint64_t ops, double rate, const vmex_stats *st, int tty)
{
    char pr[32] = "";
    if (rate > 0)
        snprintf(pr, sizeof pr, "%s ops/s  ", HC((uint64_t)rate));
    fprintf(stderr, "%sstress: %s ops  %sfree %s  largest %s  frag %.3f  entries %s  phase %s%s",
            tty ? "\r" : "", HC(ops), pr, HS(st->free), HS(st->largest), frag_of(st->free, st->largest),
            HC(st->entries), S->w->phases[vmex_gen_phase(S->g)].name, tty ? "\033[K" : "\n");
    fflush(stderr);
}

static int run_loop(stress *S)
{
    vmex_op op;
    vmex_opres r;
    vmex_stats st;
    const int tty = isatty(2);
    const uint64_t limit = S->o.seconds > 0 ? UINT64_MAX : S->o.ops;
    const double t0 = now(), deadline = t0 + S->o.seconds;
    double next_progress = t0 + 1, last_t = t0;
    uint64_t last_ops = 0, i = 0;
    int shown = 0;

    vmex_model_stats(S->m, &st);
    if (add_sample(S, 0, &st, 0))
        return -1;
    uint64_t next_sample = S->every;
    S->worst = -1;
    while (i < limit) {
        if (vmex_gen_next(S->g, &op)) {
            if (shown && tty)
                fputc('\n', stderr);
            cli_errorf("the workload is stuck at op %" PRIu64 ": the handle pool (%u) is full and phase '%s' "
                       "cannot release a handle",
                       i, VMEX_GEN_DEFAULT_SLOTS, S->w->phases[vmex_gen_phase(S->g)].name);
            return -2;
        }
        vmex_model_step(S->m, &op, (uint32_t)i, &S->ro, &r);
        vmex_gen_result(S->g, &op, &r);
        i++;
        vmex_model_stats(S->m, &st);
        double fr = frag_of(st.free, st.largest);
        if (fr > S->worst) {
            S->worst = fr;
            S->worst_at = i - 1;
            S->worst_st = st;
        }
        if (r.status == VMEX_ST_FAILED) {
            S->failed++;
            if (r.finding) {
                finding *f = &S->f;
                f->found = 1;
                f->at = i - 1;
                f->op = op;
                f->r = r;
                f->st = st;
                f->phase = vmex_gen_phase(S->g);
                snprintf(f->origin, sizeof f->origin, "%s", vmex_gen_origin(S->g));
                vmex_signature(r.cls, op.kind, r.req, S->L.profile, f->sig, sizeof f->sig);
                break;
            }
        }
        if (i == next_sample) {
            if (add_sample(S, i, &st, 0))
                return -1;
            next_sample = (i / S->every + 1) * S->every;
        }
        if ((i & 1023) == 0) {
            double t = now();
            if (S->o.seconds > 0 && t >= deadline)
                break;
            if (interrupted) {
                S->interrupted = 1;
                break;
            }
            if (t >= next_progress) {
                progress(S, i, (double)(i - last_ops) / (t - last_t), &st, tty);
                shown = 1;
                last_ops = i;
                last_t = t;
                next_progress = t + 1;
            }
        }
    }
    S->elapsed = now() - t0;
    S->ops_run = i;
    S->final = st;
    S->live = vmex_gen_live(S->g);
    if (S->s[S->ns - 1].ops != i && add_sample(S, i, &st, 1))
        return -1;
    if (shown && tty)
        fputc('\n', stderr);
    return 0;
}

/* ================================================================ the reproducer */

typedef struct range { uint64_t s, e; } range;
typedef struct rangev { range *v; size_t n, cap; int err; } rangev;

static void rv_push(rangev *rv, uint64_t s, uint64_t e)
{
    if (rv->err || s >= e)
        return;
    if (rv->n && rv->v[rv->n - 1].e == s) {   /* adjacent: one range */
        rv->v[rv->n - 1].e = e;
        return;
    }
    if (rv->n == rv->cap) {
        size_t cap = rv->cap ? rv->cap * 2 : 256;
        range *nv = realloc(rv->v, cap * sizeof *nv);
        if (!nv) {
            rv->err = 1;
            return;
        }
        rv->v = nv;
        rv->cap = cap;
    }
    rv->v[rv->n++] = (range){s, e};
}

/* a range kept apart from its neighbours (a malloc region) */
static void rv_push_apart(rangev *rv, uint64_t s, uint64_t e)
{
    size_t n = rv->n;
    rv_push(rv, s, e);
    if (!rv->err && rv->n == n) {   /* it was fused: undo and append */
        rv->v[n - 1].e = s;
        if (rv->n == rv->cap) {
            size_t cap = rv->cap * 2;
            range *nv = realloc(rv->v, cap * sizeof *nv);
            if (!nv) {
                rv->err = 1;
                return;
            }
            rv->v = nv;
            rv->cap = cap;
        }
        rv->v[rv->n++] = (range){s, e};
    }
}

typedef struct hvec { vmex_gen_handle *v; size_t n, cap; int err; } hvec;

static void handle_cb(void *ctx, const vmex_gen_handle *h)
{
    hvec *hv = ctx;
    if (hv->err)
        return;
    if (hv->n == hv->cap) {
        size_t cap = hv->cap ? hv->cap * 2 : 1024;
        vmex_gen_handle *nv = realloc(hv->v, cap * sizeof *nv);
        if (!nv) {
            hv->err = 1;
            return;
        }
        hv->v = nv;
        hv->cap = cap;
    }
    hv->v[hv->n++] = *h;
}

/* The state a window starts from. */
typedef struct snap {
    rangev occ;                 /* app and malloc memory, coalesced, by address */
    rangev regions[2];          /* libmalloc's tiny and small regions, by address */
    hvec live;                  /* live handles, by slot */
    uint64_t *dirty;            /* jetsam: dirty bytes of each live handle (NULL: unknown) */
    uint64_t footprint;         /* dirty bytes (re-created for a jetsam finding only) */
} snap;

/* libmalloc's region classes, as the model has them (xnu.c); a "keeper"
 * is the smallest block that falls in the class (one byte over the class
 * below) */
enum { RC_TINY = 0, RC_SMALL };
static const vmex_malloc_class *const rclass = &_vmex_malloc_classes[1];
static uint64_t keeper(int c) { return _vmex_malloc_classes[c].max + 1; }

static void ent_cb(void *ctx, uint64_t s, uint64_t e, int kind, int tag, int prot)
{
    snap *sn = ctx;
    (void)prot;
    if (kind != VMEX_R_APP && kind != VMEX_R_MALLOC)
        return;
    rv_push(&sn->occ, s, e);
    for (int c = 0; c < 2; c++)
        if (kind == VMEX_R_MALLOC && tag == rclass[c].tag && e - s == rclass[c].region)
            rv_push_apart(&sn->regions[c], s, e);
}

static void snap_free(snap *s)
{
    free(s->occ.v);
    free(s->regions[0].v);
    free(s->regions[1].v);
    free(s->live.v);
    free(s->dirty);
    memset(s, 0, sizeof *s);
}

static int snap_take(snap *s, const vmex_model *m, const vmex_gen *g)
{
    memset(s, 0, sizeof *s);
    vmex_stats st;
    vmex_model_stats(m, &st);
    s->footprint = st.footprint;
    vmex_model_walk(m, ent_cb, s);
    vmex_gen_walk(g, handle_cb, &s->live);
    return s->occ.err || s->regions[0].err || s->regions[1].err || s->live.err ? -1 : 0;
}

/* A window op and the stream or reservation its handle belongs to. */
typedef struct wop {
    vmex_op op;
    char origin[VMEX_WL_NAME_MAX];
} wop;

static int is_reserve(const vmex_workload *w, const char *name)
{
    for (uint32_t i = 0; i < w->nreserves; i++)
        if (!strcmp(w->reserves[i], name))
            return 1;
    return 0;
}

/* A handle's name in the program: the reservation's name, or STREAM_SLOT. */
static void handle_name(const vmex_workload *w, const char *origin, uint32_t slot, char *buf, size_t n)
{
    if (origin[0] && is_reserve(w, origin))
        snprintf(buf, n, "%s", origin);
    else
        snprintf(buf, n, "%s_%u", origin[0] ? origin : "h", slot);
}

static const char *origin_of(const vmex_workload *w, const vmex_gen_handle *h)
{
    if (h->stream >= 0)
        return w->streams[h->stream].name;
    if (h->reserve >= 0)
        return w->reserves[h->reserve];
    return "";
}

typedef struct pb {
    vmex_program *P;
    int err;
} pb;

static int32_t pb_name(pb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int32_t pb_name(pb *b, const char *fmt, ...)
{
    char name[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    int id = vmex_program_name(b->P, name);
    if (id < 0)
        b->err = 1;
    return id;
}

static void pb_add(pb *b, const vmex_op *op)
{
    if (!b->err && vmex_program_add(b->P, op) < 0)
        b->err = 1;
}

static void pb_fixed(pb *b, int kind, int32_t dst, uint64_t addr, uint64_t size)
{
    vmex_op op;
    vmex_op_init(&op, kind);
    op.dst = dst;
    op.size = size;
    op.addr = addr;
    op.flags = VMEX_F_FIXED;
    pb_add(b, &op);
}

static void pb_release(pb *b, int kind, int32_t src)
{
    vmex_op op;
    vmex_op_init(&op, kind);
    op.src = src;
    pb_add(b, &op);
}

static int cmp_addr_desc(const void *a, const void *b)
{
    const vmex_gen_handle *x = *(const vmex_gen_handle *const *)a, *y = *(const vmex_gen_handle *const *)b;
    return x->addr < y->addr ? 1 : x->addr > y->addr ? -1 : 0;
}

static int cmp_range(const void *a, const void *b)
{
    const range *x = a, *y = b;
    return x->s < y->s ? -1 : x->s > y->s;
}

typedef struct build_info { uint32_t blockers, used, regions; } build_info;

/* The class of a live block: RC_TINY, RC_SMALL, 2 large, -1 nano. */
static int block_class(const vmex_layout *L, const vmex_gen_handle *h)
{
    if (h->req > SMALL_MAX)
        return 2;
    for (uint32_t k = 0; k < L->nregions; k++)
        if (L->regions[k].kind == VMEX_R_NANO && h->addr >= L->regions[k].start && h->addr < L->regions[k].end)
            return -1;
    return h->req <= rclass[RC_TINY].max ? RC_TINY : RC_SMALL;
}

/* The class a malloc of n bytes goes to. */
static int size_class(const vmex_layout *L, uint64_t n)
{
    if (n > SMALL_MAX)
        return 2;
    if (n <= 256 && L->nano)
        return -1;
    return n <= rclass[RC_TINY].max ? RC_TINY : RC_SMALL;
}

static int find_range(const rangev *rv, uint64_t s)
{
    size_t lo = 0, hi = rv->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (rv->v[mid].s < s) lo = mid + 1;
        else hi = mid;
    }
    return lo < rv->n && rv->v[lo].s == s ? (int)lo : -1;
}

/* The program: the state in S re-created, then the ops.  0, or -1 (no
 * memory, or an op that uses an unknown handle: reported). */
static int build_program(const stress *X, const snap *S, const wop *ops, size_t nops, vmex_program *P,
                         build_info *bi)
{
    const vmex_workload *w = X->w;
    const vmex_layout *L = &X->L;
    uint32_t nslots = VMEX_GEN_DEFAULT_SLOTS;
    uint8_t *seen = calloc(nslots, 1);          /* 1 rebound in the window, 2 used before that */
    int32_t *cur = calloc(nslots, sizeof *cur); /* slot -> name id + 1 */
    uint8_t *pick[2] = {NULL, NULL};            /* per region: 1 holds a used block, 2 re-opened */
    const vmex_gen_handle **large = NULL;
    rangev rec = {0}, blk = {0}, holes = {0}, fix = {0}, opened[2] = {{0}, {0}};
    size_t nlarge = 0;
    uint64_t used_bytes[2] = {0, 0};
    int want[2] = {0, 0};
    int rc = -1;
    char name[64];
    pb b = {P, 0};
    memset(bi, 0, sizeof *bi);
    vmex_program_reset(P);
    memset(&P->cfg, 0, sizeof P->cfg);
    snprintf(P->cfg.profile, sizeof P->cfg.profile, "%s", L->profile);
    P->cfg.ents = L->ents;
    large = malloc((S->live.n + 1) * sizeof *large);
    pick[0] = calloc(S->regions[0].n + 1, 1);
    pick[1] = calloc(S->regions[1].n + 1, 1);
    if (!seen || !cur || !large || !pick[0] || !pick[1])
        goto done;
    for (size_t i = 0; i < nops; i++) {
        const vmex_op *op = &ops[i].op;
        if (op->src >= 0 && !(seen[op->src] & 1))
            seen[op->src] |= 2;
        if (op->dst >= 0)
            seen[op->dst] |= 1;
        if (op->kind == VMEX_OP_MALLOC || op->kind == VMEX_OP_REALLOC) {
            int c = size_class(L, op->size);
            if (c == RC_TINY || c == RC_SMALL)
                want[c] = 1;
        }
    }

    /* the ranges re-created one by one: used mappings, large blocks, and
     * the regions the used small blocks and the window's mallocs go to */
    for (size_t k = 0; k < S->live.n; k++) {
        const vmex_gen_handle *h = &S->live.v[k];
        if (!(seen[h->slot] & 2))
            continue;
        bi->used++;
        int c = h->kind == VMEX_OP_MALLOC ? block_class(L, h) : 3;
        if (c >= 2)
            rv_push_apart(&rec, h->addr, h->addr + h->size);
        if (c == 2)
            large[nlarge++] = h;
        if (c == RC_TINY || c == RC_SMALL) {
            want[c] = 1;
            used_bytes[c] += h->size;
            int r = find_range(&S->regions[c], VMEX_ALIGN_DOWN(h->addr, rclass[c].region));
            if (r >= 0)
                pick[c][r] = 1;
        }
    }
    for (int c = 0; c < 2; c++) {
        if (!want[c])
            continue;
        uint64_t bytes = (used_bytes[c] + keeper(c)) * 11 / 10;
        uint64_t need = (bytes + rclass[c].usable - 1) / rclass[c].usable, got = 0;
        for (int pass = 1; pass >= 0; pass--)   /* regions holding used blocks first */
            for (size_t r = 0; r < S->regions[c].n && got < need; r++)
                if (pick[c][r] == pass) {
                    pick[c][r] = 2;
                    got++;
                }
        for (size_t r = 0; r < S->regions[c].n; r++)
            if (pick[c][r] == 2) {
                rv_push_apart(&opened[c], S->regions[c].v[r].s, S->regions[c].v[r].e);
                rv_push_apart(&rec, S->regions[c].v[r].s, S->regions[c].v[r].e);
            }
        bi->regions += (uint32_t)got;
    }
    if (rec.err || opened[0].err || opened[1].err)
        goto done;
    if (rec.n)
        qsort(rec.v, rec.n, sizeof *rec.v, cmp_range);

    /* 1. blockers: occupied ranges minus the re-created ones */
    size_t r = 0;
    for (size_t k = 0; k < S->occ.n; k++) {
        uint64_t s = S->occ.v[k].s, e = S->occ.v[k].e;
        while (r < rec.n && rec.v[r].e <= s)
            r++;
        for (size_t q = r; q < rec.n && rec.v[q].s < e; q++) {
            rv_push(&blk, s, rec.v[q].s > s ? rec.v[q].s : s);
            if (rec.v[q].e > s)
                s = rec.v[q].e;
        }
        rv_push(&blk, s, e);
    }
    if (blk.err)
        goto done;
    bi->blockers = (uint32_t)blk.n;
    /* the footprint: the used handles' own dirty bytes on them, the rest on
     * blockers (which then get names) */
    uint64_t on_blockers = S->footprint;
    for (size_t k = 0; S->dirty && k < S->live.n; k++)
        if (seen[S->live.v[k].slot] & 2)
            on_blockers -= S->dirty[k] < on_blockers ? S->dirty[k] : on_blockers;
    uint64_t dirty_left = on_blockers;
    for (size_t k = 0; k < blk.n; k++) {
        vmex_op op;
        vmex_op_init(&op, VMEX_OP_MMAP);
        op.size = blk.v[k].e - blk.v[k].s;
        op.addr = blk.v[k].s;
        op.flags = VMEX_F_FIXED;
        if (dirty_left) {
            op.dst = pb_name(&b, "pre%zu", k);
            dirty_left -= dirty_left < op.size ? dirty_left : op.size;
        }
        pb_add(&b, &op);
    }

    /* 2. the mappings the window uses, at their addresses */
    for (size_t k = 0; k < S->live.n; k++) {
        const vmex_gen_handle *h = &S->live.v[k];
        if (!(seen[h->slot] & 2) || h->kind == VMEX_OP_MALLOC)
            continue;
        handle_name(w, origin_of(w, h), h->slot, name, sizeof name);
        vmex_op op;
        vmex_op_init(&op, h->kind);
        op.dst = pb_name(&b, "%s", name);
        op.size = h->size;
        op.addr = h->addr;
        uint16_t keep = h->kind == VMEX_OP_MMAP ? VMEX_F_TAG | VMEX_F_PROT | VMEX_F_NORESERVE | VMEX_F_JIT : VMEX_F_TAG;
        op.flags = VMEX_F_FIXED | (h->flags & keep);
        op.tag = h->tag;
        op.prot = h->prot;
        pb_add(&b, &op);
        cur[h->slot] = op.dst + 1;
    }

    /* 3. libmalloc's memory, each piece made the only free range that fits
     * before the malloc that maps it: fillers over the holes and over every
     * range to re-create, then one range (or one class's regions) at a time */
    if (nlarge || opened[0].n || opened[1].n) {
        for (uint32_t k = 0; k < L->nregions; k++)
            rv_push_apart(&fix, L->regions[k].start, L->regions[k].end);
        for (size_t k = 0; k < S->occ.n; k++)
            rv_push_apart(&fix, S->occ.v[k].s, S->occ.v[k].e);
        if (fix.err)
            goto done;
        qsort(fix.v, fix.n, sizeof *fix.v, cmp_range);
        uint64_t at = L->floor;
        for (size_t k = 0; k <= fix.n; k++) {
            uint64_t s = k < fix.n ? fix.v[k].s : L->max_offset;
            if (s > at)
                rv_push_apart(&holes, at, s);
            if (k < fix.n && fix.v[k].e > at)
                at = fix.v[k].e;
        }
        if (holes.err)
            goto done;
        for (size_t k = 0; k < holes.n; k++)
            pb_fixed(&b, VMEX_OP_MMAP, pb_name(&b, "hole%zu", k), holes.v[k].s, holes.v[k].e - holes.v[k].s);
        qsort(large, nlarge, sizeof *large, cmp_addr_desc);
        for (size_t k = 0; k < nlarge; k++)
            pb_fixed(&b, VMEX_OP_MMAP, pb_name(&b, "fill%zu", k), large[k]->addr, large[k]->size);
        for (int c = 0; c < 2; c++)
            for (size_t k = 0; k < opened[c].n; k++)
                pb_fixed(&b, VMEX_OP_MMAP, pb_name(&b, "%sregion%zu", rclass[c].name, k), opened[c].v[k].s,
                         opened[c].v[k].e - opened[c].v[k].s);
        for (size_t k = 0; k < nlarge; k++) {   /* from the top down, as libmalloc's hint moves */
            pb_release(&b, VMEX_OP_MUNMAP, pb_name(&b, "fill%zu", k));
            handle_name(w, origin_of(w, large[k]), large[k]->slot, name, sizeof name);
            vmex_op op;
            vmex_op_init(&op, VMEX_OP_MALLOC);
            op.dst = pb_name(&b, "%s", name);
            op.size = large[k]->req;
            pb_add(&b, &op);
            cur[large[k]->slot] = op.dst + 1;
        }
        for (int c = 0; c < 2; c++) {
            if (!opened[c].n)
                continue;
            for (size_t k = 0; k < opened[c].n; k++)
                pb_release(&b, VMEX_OP_MUNMAP, pb_name(&b, "%sregion%zu", rclass[c].name, k));
            /* a keeper block that is never freed keeps the first region, as
             * the blocks the window does not use kept it; then the used ones */
            vmex_op op;
            vmex_op_init(&op, VMEX_OP_MALLOC);
            op.dst = pb_name(&b, "keep%s", rclass[c].name);
            op.size = keeper(c);
            pb_add(&b, &op);
            for (size_t k = 0; k < S->live.n; k++) {
                const vmex_gen_handle *h = &S->live.v[k];
                if (!(seen[h->slot] & 2) || h->kind != VMEX_OP_MALLOC || block_class(L, h) != c)
                    continue;
                handle_name(w, origin_of(w, h), h->slot, name, sizeof name);
                vmex_op_init(&op, VMEX_OP_MALLOC);
                op.dst = pb_name(&b, "%s", name);
                op.size = h->req;
                pb_add(&b, &op);
                cur[h->slot] = op.dst + 1;
            }
        }
        for (size_t k = 0; k < holes.n; k++)
            pb_release(&b, VMEX_OP_MUNMAP, pb_name(&b, "hole%zu", k));
    }

    /* 4. blocks in the nano region (no VA of their own) */
    for (size_t k = 0; k < S->live.n; k++) {
        const vmex_gen_handle *h = &S->live.v[k];
        if (!(seen[h->slot] & 2) || h->kind != VMEX_OP_MALLOC || block_class(L, h) != -1)
            continue;
        handle_name(w, origin_of(w, h), h->slot, name, sizeof name);
        vmex_op op;
        vmex_op_init(&op, VMEX_OP_MALLOC);
        op.dst = pb_name(&b, "%s", name);
        op.size = h->req;
        pb_add(&b, &op);
        cur[h->slot] = op.dst + 1;
    }

    /* 5. the footprint: the used handles' dirty bytes, then the blockers */
    for (size_t k = 0; S->dirty && k < S->live.n; k++) {
        const vmex_gen_handle *h = &S->live.v[k];
        if (!(seen[h->slot] & 2) || !S->dirty[k] || !cur[h->slot])
            continue;
        vmex_op op;
        vmex_op_init(&op, VMEX_OP_TOUCH);
        op.src = cur[h->slot] - 1;
        if (S->dirty[k] < h->size) {
            op.flags = VMEX_F_RANGE;
            op.off = 0;
            op.len = S->dirty[k];
        }
        pb_add(&b, &op);
    }
    dirty_left = on_blockers;
    for (size_t k = 0; k < blk.n && dirty_left; k++) {
        uint64_t len = blk.v[k].e - blk.v[k].s;
        vmex_op op;
        vmex_op_init(&op, VMEX_OP_TOUCH);
        op.src = pb_name(&b, "pre%zu", k);
        if (dirty_left < len) {
            op.flags = VMEX_F_RANGE;
            op.off = 0;
            op.len = dirty_left;
        }
        dirty_left -= dirty_left < len ? dirty_left : len;
        pb_add(&b, &op);
    }

    /* 6. the window */
    for (size_t i = 0; i < nops && !b.err; i++) {
        vmex_op op = ops[i].op;
        op.line = 0;
        if (op.src >= 0) {
            if (!cur[op.src]) {
                cli_errorf("internal error: window op %zu uses a handle that does not exist", i);
                goto done;
            }
            op.src = cur[op.src] - 1;
        }
        if (op.dst >= 0) {
            uint32_t slot = (uint32_t)op.dst;
            handle_name(w, ops[i].origin, slot, name, sizeof name);
            op.dst = pb_name(&b, "%s", name);
            cur[slot] = op.dst + 1;
        }
        pb_add(&b, &op);
    }
    rc = b.err ? -1 : 0;
done:
    free(seen);
    free(cur);
    free(large);
    free(pick[0]);
    free(pick[1]);
    free(rec.v);
    free(blk.v);
    free(holes.v);
    free(fix.v);
    free(opened[0].v);
    free(opened[1].v);
    return rc;
}

/* Does P's first hunted finding have the run's signature?  *at: its op. */
static int reproduces(const stress *X, vmex_model *m, const vmex_program *P, int32_t *at)
{
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.hunt = &X->hunt;
    vmex_result res;
    if (vmex_model_run(m, &X->L, P, &o, &res) || !res.findings)
        return 0;
    char sig[128];
    vmex_signature(res.verdict, res.req_kind, res.req, X->L.profile, sig, sizeof sig);
    if (strcmp(sig, X->f.sig))
        return 0;
    if (at)
        *at = res.at;
    return 1;
}

typedef struct tryctx { vmex_program *P; int32_t at; uint32_t marked; } tryctx;

static void mark_try_op(void *ctx, const vmex_op *op, const vmex_opres *r)
{
    tryctx *t = ctx;
    (void)op;
    if ((int32_t)r->i < t->at && r->finding) {
        t->P->ops[r->i].flags |= VMEX_F_TRY;
        t->marked++;
    }
}

/* Mark `try` the failures before op `at` that `vmex check` (no hunt policy)
 * would stop at, and give P its expect line: then `vmex check` agrees with
 * the hunt. */
static void settle_expect(const stress *X, vmex_model *m, vmex_program *P, int32_t at)
{
    tryctx t = {P, at, 0};
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.keep_going = 1;
    o.on_op = mark_try_op;
    o.ctx = &t;
    vmex_result res;
    if (vmex_model_run(m, &X->L, P, &o, &res) == 0) {
        P->expect = (int8_t)X->f.r.cls;
        P->expect_at = at;
        /* check it: the default run must now stop at `at` with the class */
        vmex_runopts_init(&o);
        if (vmex_model_run(m, &X->L, P, &o, &res) != 0 || !vmex_result_matches(P, &res)) {
            P->expect = res.verdict;
            P->expect_at = res.verdict != VMEX_OK ? res.at : -1;
        }
    }
}

/* Replay the run up to the finding: the state at op `from` and the ops
 * from there to the finding.  0, -1 no memory, -2 the replay diverged. */
static int replay(const stress *X, uint64_t from, snap *S, wop **opsp, size_t *nopsp)
{
    vmex_gen *g = vmex_gen_new(X->w, X->o.seed, VMEX_GEN_DEFAULT_SLOTS, X->run_ops);
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    size_t n = (size_t)(X->f.at - from + 1);
    wop *ops = calloc(n, sizeof *ops);
    int rc = -1;
    if (!g || !m || !ops || vmex_model_start(m, &X->L, VMEX_GEN_DEFAULT_SLOTS))
        goto done;
    vmex_op op;
    vmex_opres r;
    for (uint64_t i = 0; i < from; i++) {
        if (vmex_gen_next(g, &op))
            goto diverged;
        vmex_model_step(m, &op, (uint32_t)i, &X->ro, &r);
        vmex_gen_result(g, &op, &r);
        if (r.finding)
            goto diverged;
    }
    if (snap_take(S, m, g))
        goto done;
    for (uint64_t i = from; i <= X->f.at; i++) {
        if (vmex_gen_next(g, &op))
            goto diverged;
        ops[i - from].op = op;
        snprintf(ops[i - from].origin, sizeof ops[i - from].origin, "%s", vmex_gen_origin(g));
        vmex_model_step(m, &op, (uint32_t)i, &X->ro, &r);
        vmex_gen_result(g, &op, &r);
        if (r.finding != (i == X->f.at))
            goto diverged;
    }
    if (r.cls != X->f.r.cls || r.req != X->f.r.req)
        goto diverged;
    *opsp = ops;
    *nopsp = n;
    ops = NULL;
    rc = 0;
    goto done;
diverged:
    rc = -2;
done:
    free(ops);
    vmex_gen_free(g);
    vmex_model_free(m);
    return rc;
}

/* Jetsam: the dirty bytes of each live handle the window uses, measured on
 * another replay to the window start by unmapping the handles one by one
 * (small blocks own no pages: 0).  0, -1 no memory, -2 diverged. */
static int measure_dirty(const stress *X, uint64_t from, snap *S, const wop *ops, size_t nops)
{
    vmex_gen *g = vmex_gen_new(X->w, X->o.seed, VMEX_GEN_DEFAULT_SLOTS, X->run_ops);
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    uint8_t *seen = calloc(VMEX_GEN_DEFAULT_SLOTS, 1);
    int rc = -1;
    S->dirty = calloc(S->live.n + 1, sizeof *S->dirty);
    if (!g || !m || !seen || !S->dirty || vmex_model_start(m, &X->L, VMEX_GEN_DEFAULT_SLOTS))
        goto done;
    vmex_op op;
    vmex_opres r;
    for (uint64_t i = 0; i < from; i++) {
        if (vmex_gen_next(g, &op)) {
            rc = -2;
            goto done;
        }
        vmex_model_step(m, &op, (uint32_t)i, &X->ro, &r);
        vmex_gen_result(g, &op, &r);
    }
    for (size_t i = 0; i < nops; i++) {
        if (ops[i].op.src >= 0 && !(seen[ops[i].op.src] & 1))
            seen[ops[i].op.src] |= 2;
        if (ops[i].op.dst >= 0)
            seen[ops[i].op.dst] |= 1;
    }
    for (size_t k = 0; k < S->live.n; k++) {
        const vmex_gen_handle *h = &S->live.v[k];
        if (!(seen[h->slot] & 2) || (h->kind == VMEX_OP_MALLOC && h->req <= SMALL_MAX))
            continue;
        vmex_stats before, after;
        vmex_model_stats(m, &before);
        vmex_op_init(&op, h->kind == VMEX_OP_MALLOC ? VMEX_OP_FREE : VMEX_OP_MUNMAP);
        op.src = (int32_t)h->slot;
        vmex_model_step(m, &op, 0, &X->ro, &r);
        vmex_model_stats(m, &after);
        S->dirty[k] = before.footprint > after.footprint ? before.footprint - after.footprint : 0;
    }
    rc = 0;
done:
    free(seen);
    vmex_gen_free(g);
    vmex_model_free(m);
    return rc;
}

static int write_program(const char *path, const vmex_program *P, const vmex_layout *L, const vmex_hunt *h,
                         const char *header, int annotated)
{
    vmex_buf text = {0};
    int rc = annotated ? vmex_print_annotated(P, L, h, header, &text) : vmex_print(P, &text, header, NULL, NULL);
    if (rc) {
        cli_errorf("out of memory");
        vmex_buf_free(&text);
        return -1;
    }
    rc = cli_write_atomic(path, text.p, text.len);
    vmex_buf_free(&text);
    return rc;
}

/* finding.vmex and window.vmex.  0, or -1 (reported). */
static int make_reproducer(stress *X)
{
    repro *rp = &X->rp;
    uint64_t K = X->o.window;
    uint64_t from = X->f.at + 1 > K ? X->f.at + 1 - K : 0;
    snap S;
    wop *ops = NULL;
    size_t nops = 0;
    vmex_program P, Q, out;
    vmex_program_init(&P);
    vmex_program_init(&Q);
    vmex_program_init(&out);
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    build_info bi;
    int32_t at = -1;
    int rc = -1;
    memset(&S, 0, sizeof S);
    if (!m) {
        cli_errorf("out of memory");
        goto done;
    }
    if (X->f.at > 5000000)
        fprintf(stderr, "stress: rebuilding the state at op %s for the reproducer (a replay of the run)\n", GR(from));
    int r = replay(X, from, &S, &ops, &nops);
    if (r == -2) {
        cli_errorf("internal error: the replay of the run diverged (the run is not deterministic)");
        goto done;
    }
    if (r) {
        cli_errorf("out of memory");
        goto done;
    }
    rp->from = from;
    if (X->f.r.cls != VMEX_JETSAM) {
        S.footprint = 0;   /* dirty pages matter to jetsam only */
    } else if ((r = measure_dirty(X, from, &S, ops, nops)) != 0) {
        cli_errorf(r == -2 ? "internal error: the replay of the run diverged" : "out of memory");
        goto done;
    }
    if (build_program(X, &S, ops, nops, &P, &bi))
        goto oom;
    rp->blockers = bi.blockers;
    rp->used = bi.used;
    rp->made = 1;
    snprintf(rp->wpath, sizeof rp->wpath, "%s/window.vmex", X->dir);
    snprintf(rp->path, sizeof rp->path, "%s/finding.vmex", X->dir);
    int32_t wat = -1;
    int wrep = reproduces(X, m, &P, &wat);
    vmex_program *C = &P;   /* the program to minimize */
    if (!wrep) {
        /* the state right before the failing op and the failing op alone */
        snap T;
        wop one = {X->f.op, ""};
        snprintf(one.origin, sizeof one.origin, "%s", X->f.origin);
        if (snap_take(&T, X->m, X->g)) {
            snap_free(&T);
            goto oom;
        }
        /* before a failing touch: its footprint less the range it dirtied */
        T.footprint = X->f.r.cls != VMEX_JETSAM ? 0 : X->f.r.value > X->f.r.req ? X->f.r.value - X->f.r.req : 0;
        build_info bq;
        int br = build_program(X, &T, &one, 1, &Q, &bq);
        snap_free(&T);
        if (br)
            goto oom;
        if (reproduces(X, m, &Q, &at)) {
            C = &Q;
            rp->state_only = 1;
        }
    } else {
        at = wat;
    }
    rp->reproduces = wrep || rp->state_only;

    /* window.vmex: the window program as built, with the expect line
     * `vmex check` agrees with */
    char header[6144], line2[1024], ents[160], mg[32];
    vmex_ents_text(X->L.ents, ents, sizeof ents);
    snprintf(mg, sizeof mg, "%.2f", X->f.r.margin);
    snprintf(line2, sizeof line2,
             "%s at op %" PRIu64 ": %s %s from '%s' in phase '%s', margin %s (%s)", vmex_class_name(X->f.r.cls),
             X->f.at, vmex_opkind_name(X->f.op.kind), HS(X->f.r.req), X->f.origin, X->w->phases[X->f.phase].name, mg,
             X->f.sig);
    if (wrep) {
        settle_expect(X, m, &P, wat);
    } else {
        vmex_runopts o;
        vmex_runopts_init(&o);
        vmex_result res;
        if (vmex_model_run(m, &X->L, &P, &o, &res) == 0) {
            P.expect = (int8_t)res.verdict;
            P.expect_at = res.verdict != VMEX_OK ? res.at : -1;
        }
    }
    rp->ops_before = C->nops;
    snprintf(header, sizeof header,
             "vmex stress: workload %s (%s), seed %" PRIu64 ", profile %s, entitlements %s\n%s\n"
             "ops %" PRIu64 "-%" PRIu64 " of the run as a standalone program: the live state at op %" PRIu64 "\n"
             "re-created first (%" PRIu32 " blockers at their addresses, %" PRIu32 " handles the window uses)%s",
             X->w->name, X->wpath, X->o.seed, X->L.profile, ents, line2, from, X->f.at, from, bi.blockers, bi.used,
             wrep ? "" : "\nthis window does not reproduce the signature on the model (libmalloc's inner state\n"
                         "is approximated); see finding.vmex");
    if (write_program(rp->wpath, &P, &X->L, &X->hunt, header, 0))
        goto done;

    if (!rp->reproduces) {   /* nothing to minimize: the window as it is */
        rp->ops_after = P.nops;
        rc = write_program(rp->path, &P, &X->L, &X->hunt, header, 1) ? -1 : 0;
        goto done;
    }
    if (rp->state_only) {
        snprintf(header, sizeof header,
                 "vmex stress: workload %s (%s), seed %" PRIu64 ", profile %s, entitlements %s\n%s\n"
                 "the state right before the failing op (blockers at their addresses), then that op;\n"
                 "the window of ops before it (window.vmex) did not reproduce the signature",
                 X->w->name, X->wpath, X->o.seed, X->L.profile, ents, line2);
    }
    vmex_minimize_stats ms;
    int mr = vmex_minimize(C, &X->L, &X->hunt, &out, &ms);
    if (mr < 0)
        goto oom;
    if (mr == 1 || !reproduces(X, m, &out, &at)) {   /* cannot happen: C reproduces */
        if (vmex_program_copy(&out, C))
            goto oom;
        out.expect = -1;
        out.expect_at = -1;
    } else {
        rp->minimized = 1;
        rp->runs = ms.runs;
    }
    settle_expect(X, m, &out, at);
    rp->ops_after = out.nops;
    size_t hl = strlen(header);
    snprintf(header + hl, sizeof header - hl, "\nminimized: %u ops -> %u ops (%u runs); 'vmex check' replays it",
             rp->ops_before, rp->ops_after, rp->runs);
    rc = write_program(rp->path, &out, &X->L, &X->hunt, header, 1) ? -1 : 0;
    goto done;
oom:
    cli_errorf("out of memory");
done:
    snap_free(&S);
    free(ops);
    vmex_program_free(&P);
    vmex_program_free(&Q);
    vmex_program_free(&out);
    vmex_model_free(m);
    return rc;
}

/* ================================================================ outputs */

static int write_file(const stress *X, const char *name, vmex_buf *b, int rc)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", X->dir, name);
    if (rc) {
        cli_errorf("out of memory");
        return -1;
    }
    return cli_write_atomic(path, b->p ? b->p : "", b->len);
}

static int write_series(const stress *X)
{
    vmex_buf b = {0};
    int rc = PUTS(&b, "ops,free,largest,frag,entries,mapped,footprint\n");
    for (size_t i = 0; i < X->ns && !rc; i++) {
        const sample *s = &X->s[i];
        rc = vmex_buf_printf(&b, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.6f,%" PRIu32 ",%" PRIu64 ",%" PRIu64 "\n",
                             s->ops, s->free, s->largest, frag_of(s->free, s->largest), s->entries, s->mapped,
                             s->footprint);
    }
    rc = write_file(X, "series.csv", &b, rc);
    vmex_buf_free(&b);
    return rc;
}

/* ---------------------------------------------------------------- plot */

#define PLOT_FONT "DejaVu Sans, Helvetica, Arial, sans-serif"
#define C_FREE    "#4e79a7"
#define C_LARGEST "#f28e2b"
#define C_FRAG    "#59a14f"
#define C_FOOT    "#b07aa1"
#define C_FIND    "#c0392b"

typedef struct plot {
    vmex_buf *b;
    int rc;
    double x0, x1, y0, y1;   /* the bytes panel */
    double fy0, fy1;         /* the fragmentation strip below it */
    uint64_t xmax;
    int lmin, lmax;          /* the y axis: log2 of bytes, from 2^lmin to 2^lmax */
} plot;

static void pf(plot *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pf(plot *p, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp || vmex_buf_put(p->b, tmp, (size_t)n) < 0)
        p->rc = -1;
}

/* <text>; rot: degrees (0 none); halo: a white outline for legibility */
static void ptext(plot *p, double x, double y, const char *anchor, double size, const char *fill, int bold, double rot,
                  int halo, const char *s)
{
    pf(p, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%g\" fill=\"%s\" text-anchor=\"%s\"%s", x, y, size, fill, anchor,
       bold ? " font-weight=\"bold\"" : "");
    if (rot != 0)
        pf(p, " transform=\"rotate(%g %.1f %.1f)\"", rot, x, y);
    if (halo)
        pf(p, " stroke=\"#ffffff\" stroke-width=\"4\" stroke-linejoin=\"round\" paint-order=\"stroke\"");
    pf(p, ">");
    if (vmex_xml_str(p->b, s) < 0)
        p->rc = -1;
    pf(p, "</text>\n");
}

static double px(const plot *p, uint64_t ops)
{
    return p->x0 + (p->x1 - p->x0) * (double)ops / (double)p->xmax;
}

/* bytes on a log scale: the largest hole against a request is what matters,
 * from megabytes up to the gigabytes of free space; 0 sits on the axis */
static double py(const plot *p, uint64_t v)
{
    double l = v ? log2((double)v) : p->lmin;
    if (l < p->lmin)
        l = p->lmin;
    return p->y1 - (p->y1 - p->y0) * (l - p->lmin) / (p->lmax - p->lmin);
}

static int ilog2_floor(uint64_t v)
{
    int l = 0;
    while (l < 63 && (2ull << l) <= v)
        l++;
    return l;
}

static double pyf(const plot *p, double frag)
{
    return p->fy1 - (p->fy1 - p->fy0) * frag;
}

/* field 0 free, 1 largest, 2 footprint */
static void polyline(plot *p, const stress *X, int field, const char *color, double width, const char *dash)
{
    pf(p, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%g\" stroke-linejoin=\"round\"%s%s%s%s points=\"", color,
       width, dash ? " stroke-dasharray=\"" : "", dash ? dash : "", dash ? "\"" : "",
       field == 3 ? " stroke-opacity=\"0.75\"" : "");
    for (size_t i = 0; i < X->ns; i++) {
        const sample *s = &X->s[i];
        double y = field == 0 ? py(p, s->free) : field == 1 ? py(p, s->largest)
                 : field == 2 ? py(p, s->footprint) : pyf(p, frag_of(s->free, s->largest));
        pf(p, "%s%.1f,%.1f", i ? " " : "", px(p, s->ops), y);
    }
    pf(p, "\"/>\n");
}

static void hline(plot *p, double x0, double x1, double y, const char *color, double w, const char *dash)
{
    pf(p, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%g\"%s%s%s/>\n", x0, y, x1,
       y, color, w, dash ? " stroke-dasharray=\"" : "", dash ? dash : "", dash ? "\"" : "");
}

static void vline(plot *p, double x, double y0, double y1, const char *color, double w, const char *dash)
{
    pf(p, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%g\"%s%s%s/>\n", x, y0, x,
       y1, color, w, dash ? " stroke-dasharray=\"" : "", dash ? dash : "", dash ? "\"" : "");
}

/* plot.svg: the bytes panel (free, largest hole, the failed request; the
 * footprint when it matters) on a log scale over ops, a strip with the
 * fragmentation below, the first finding as a vertical line through both. */
static int write_plot(const stress *X)
{
    vmex_buf b = {0};
    const int W = 960, H = 580;
    plot p = {&b, 0, 96, 868, 92, 372, 392, 462, X->ops_run ? X->ops_run : 1, 0, 1};
    const finding *f = &X->f;
    uint64_t ymax = 1, ymin = UINT64_MAX, fmax = 0;
    for (size_t i = 0; i < X->ns; i++) {
        const sample *s = &X->s[i];
        if (s->free > ymax) ymax = s->free;
        if (s->footprint > fmax) fmax = s->footprint;
        if (s->largest && s->largest < ymin) ymin = s->largest;
    }
    int reqline = f->found && f->r.cls != VMEX_JETSAM;
    int limline = f->found && f->r.cls == VMEX_JETSAM;
    int foot = limline || fmax >= X->L.footprint_limit / 2;   /* jetsam is near */
    if (reqline) {
        if (f->r.req > ymax) ymax = f->r.req;
        if (f->r.req < ymin) ymin = f->r.req;
    }
    if (foot && fmax > ymax) ymax = fmax;
    if (limline && X->L.footprint_limit > ymax) ymax = X->L.footprint_limit;
    /* y: powers of two from below the smallest hole or request (at least a
     * page, at most 2^24 below the top) to above the most free space;
     * ticks every 1, 2 or 4 powers */
    p.lmax = ilog2_floor(ymax) + 1;
    p.lmin = ymin == UINT64_MAX ? p.lmax - 8 : ilog2_floor(ymin) - 1;
    if (p.lmin < 14) p.lmin = 14;
    if (p.lmin > p.lmax - 4) p.lmin = p.lmax - 4;
    if (p.lmin < p.lmax - 24) p.lmin = p.lmax - 24;
    int lstep = p.lmax - p.lmin <= 8 ? 1 : p.lmax - p.lmin <= 16 ? 2 : 4;
    p.lmin -= p.lmin % lstep;
    /* x ticks: 1, 2 or 5 times a power of ten, at most 8 intervals */
    uint64_t xstep = 1;
    for (uint64_t dec = 1;; dec *= 10) {
        if ((p.xmax + dec - 1) / dec <= 8) { xstep = dec; break; }
        if ((p.xmax + 2 * dec - 1) / (2 * dec) <= 8) { xstep = 2 * dec; break; }
        if ((p.xmax + 5 * dec - 1) / (5 * dec) <= 8) { xstep = 5 * dec; break; }
    }

    pf(&p, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
           "font-family=\"" PLOT_FONT "\">\n"
           "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
       W, H, W, H, W, H);
    char ents[160], line[512], mg[32];
    vmex_ents_text(X->L.ents, ents, sizeof ents);
    snprintf(line, sizeof line, "vmex stress: %s on %s%s%s, seed %" PRIu64, X->w->name, X->L.profile,
             X->L.ents ? " + " : "", X->L.ents ? ents : "", X->o.seed);
    ptext(&p, p.x0, 30, "start", 17, "#222", 1, 0, 0, line);
    if (f->found) {
        snprintf(mg, sizeof mg, "%.2f", f->r.margin);
        if (f->r.cls == VMEX_JETSAM)
            snprintf(line, sizeof line, "jetsam at op %s: a touch took the footprint to %s (limit %s)", GR(f->at),
                     HS(f->r.value), HS(X->L.footprint_limit));
        else
            snprintf(line, sizeof line, "%s at op %s: %s %s from '%s' failed with %s free, largest hole %s (margin %s)",
                     vmex_class_name(f->r.cls), GR(f->at), vmex_opkind_name(f->op.kind), HS(f->r.req), f->origin,
                     HS(f->st.free), HS(f->st.largest), mg);
    } else {
        snprintf(line, sizeof line, "no finding in %s ops (hunt %s)", GR(X->ops_run), X->hunt_text);
    }
    ptext(&p, p.x0, 52, "start", 13, f->found ? C_FIND : "#2e7d32", 0, 0, 0, line);
    snprintf(line, sizeof line, "worst fragmentation %.3f at op %s (free %s, largest %s); %s samples, one every %s ops",
             X->worst < 0 ? 0 : X->worst, GR(X->worst_at), HS(X->worst_st.free), HS(X->worst_st.largest), GR(X->ns),
             GR(X->every));
    ptext(&p, p.x0, 71, "start", 12, "#555", 0, 0, 0, line);

    /* grids and axes */
    for (int l = p.lmin; l <= p.lmax; l += lstep) {
        double y = py(&p, 1ull << l);
        hline(&p, p.x0, p.x1, y, l > p.lmin ? "#e6e6e6" : "#999999", 1, NULL);
        ptext(&p, p.x0 - 8, y + 4, "end", 12, "#333", 0, 0, 0, HS(1ull << l));
    }
    for (int k = 0; k <= 2; k++) {
        double y = pyf(&p, k / 2.0);
        hline(&p, p.x0, p.x1, y, k ? "#e6e6e6" : "#999999", 1, NULL);
        snprintf(line, sizeof line, "%d%%", k * 50);
        ptext(&p, p.x0 - 8, y + 4, "end", 12, C_FRAG, 0, 0, 0, line);
    }
    for (uint64_t v = 0; v <= p.xmax; v += xstep) {
        double x = px(&p, v);
        vline(&p, x, p.y0, p.y1, v ? "#eeeeee" : "#999999", 1, NULL);
        vline(&p, x, p.fy0, p.fy1, v ? "#eeeeee" : "#999999", 1, NULL);
        vline(&p, x, p.fy1, p.fy1 + 5, "#999999", 1, NULL);
        ptext(&p, x, p.fy1 + 20, "middle", 12, "#333", 0, 0, 0, HC(v));
        if (xstep > p.xmax - v)
            break;
    }
    pf(&p, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#999999\"/>\n", p.x0, p.y0,
       p.x1 - p.x0, p.y1 - p.y0);
    pf(&p, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#999999\"/>\n", p.x0,
       p.fy0, p.x1 - p.x0, p.fy1 - p.fy0);
    ptext(&p, (p.x0 + p.x1) / 2, p.fy1 + 42, "middle", 13, "#333", 0, 0, 0, "ops run");
    ptext(&p, 24, (p.y0 + p.y1) / 2, "middle", 13, "#333", 0, -90, 0, "bytes (log scale)");
    ptext(&p, 24, (p.fy0 + p.fy1) / 2, "middle", 12, C_FRAG, 0, -90, 0, "fragmentation");
    ptext(&p, p.x1, p.fy0 - 5, "end", 11.5, C_FRAG, 0, 0, 0, "1 - largest/free");

    /* reference lines, then the series */
    if (reqline) {
        double y = py(&p, f->r.req);
        hline(&p, p.x0, p.x1, y, C_FIND, 1.2, "2 3");
        snprintf(line, sizeof line, "request %s", HS(f->r.req));
        ptext(&p, p.x0 + 6, y - 5, "start", 12, C_FIND, 0, 0, 1, line);
    }
    if (limline) {
        double y = py(&p, X->L.footprint_limit);
        hline(&p, p.x0, p.x1, y, C_FOOT, 1.2, "2 3");
        snprintf(line, sizeof line, "jetsam limit %s", HS(X->L.footprint_limit));
        ptext(&p, p.x0 + 6, y - 5, "start", 12, C_FOOT, 0, 0, 1, line);
    }
    polyline(&p, X, 3, C_FRAG, 1.2, NULL);
    if (foot)
        polyline(&p, X, 2, C_FOOT, 1.6, NULL);
    polyline(&p, X, 0, C_FREE, 2.2, NULL);
    polyline(&p, X, 1, C_LARGEST, 2.2, NULL);

    /* the finding */
    if (f->found) {
        double x = px(&p, f->at + 1);
        vline(&p, x, p.y0, p.fy1, C_FIND, 1.8, "6 4");
        if (f->r.cls != VMEX_JETSAM)
            pf(&p, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"" C_FIND "\"/>\n", x, py(&p, f->st.largest));
        if (f->r.cls == VMEX_JETSAM)
            snprintf(line, sizeof line, "jetsam at op %s", GR(f->at));
        else
            snprintf(line, sizeof line, "%s at op %s: %s %s", vmex_class_name(f->r.cls), GR(f->at),
                     vmex_opkind_name(f->op.kind), HS(f->r.req));
        int left = x > (p.x0 + p.x1) / 2;
        ptext(&p, left ? x - 7 : x + 7, p.y0 + 18, left ? "end" : "start", 13, C_FIND, 1, 0, 1, line);
    }

    /* legend */
    struct { const char *label, *color; double w; int show; } items[] = {
        {"free (sum of holes)", C_FREE, 2.2, 1},
        {"largest hole", C_LARGEST, 2.2, 1},
        {"footprint (dirty)", C_FOOT, 1.6, foot},
        {"fragmentation", C_FRAG, 1.2, 1},
    };
    double lx = p.x0, ly = H - 22;
    for (size_t k = 0; k < sizeof items / sizeof items[0]; k++) {
        if (!items[k].show)
            continue;
        hline(&p, lx, lx + 26, ly - 4, items[k].color, items[k].w + 0.8, NULL);
        ptext(&p, lx + 32, ly, "start", 12.5, "#333", 0, 0, 0, items[k].label);
        lx += 48 + 7.2 * (double)strlen(items[k].label);
    }
    if (f->found) {
        vline(&p, lx + 13, ly - 12, ly + 3, C_FIND, 1.8, "6 4");
        ptext(&p, lx + 24, ly, "start", 12.5, "#333", 0, 0, 0, "first finding");
    }
    pf(&p, "</svg>\n");
    int rc = write_file(X, "plot.svg", &b, p.rc);
    vmex_buf_free(&b);
    return rc;
}

/* ---------------------------------------------------------------- summary */

static void json_stats(vmex_buf *b, int *rc, const vmex_stats *st)
{
    *rc |= vmex_buf_printf(b, "{\"free\":%" PRIu64 ",\"largest\":%" PRIu64 ",\"frag\":", st->free, st->largest);
    *rc |= vmex_json_double(b, frag_of(st->free, st->largest));
    *rc |= vmex_buf_printf(b, ",\"holes\":%" PRIu32 ",\"entries\":%" PRIu32 ",\"mapped\":%" PRIu64
                              ",\"footprint\":%" PRIu64 "}",
                           st->holes, st->entries, st->mapped, st->footprint);
}

static int summary_json(const stress *X, vmex_buf *b)
{
    const finding *f = &X->f;
    const repro *rp = &X->rp;
    int rc = PUTS(b, "{\"workload\":");
    rc |= vmex_json_str(b, X->w->name);
    rc |= PUTS(b, ",\"file\":");
    rc |= vmex_json_str(b, X->wpath);
    rc |= PUTS(b, ",\"target\":\"xnu\",\"profile\":");
    rc |= vmex_json_str(b, X->L.profile);
    rc |= PUTS(b, ",\"entitlements\":[");
    for (int i = 0, first = 1; i < VMEX_ENT__COUNT; i++)
        if (X->L.ents & (1u << i)) {
            rc |= first ? 0 : PUTS(b, ",");
            rc |= vmex_json_str(b, vmex_ent_name(i));
            first = 0;
        }
    rc |= vmex_buf_printf(b, "],\"seed\":%" PRIu64 ",\"hunt\":", X->o.seed);
    rc |= vmex_json_str(b, X->hunt_text);
    if (X->o.seconds > 0) {
        rc |= PUTS(b, ",\"ops_limit\":null,\"seconds_limit\":");
        rc |= vmex_json_double(b, X->o.seconds);
    } else {
        rc |= vmex_buf_printf(b, ",\"ops_limit\":%" PRIu64 ",\"seconds_limit\":null", X->o.ops);
    }
    rc |= vmex_buf_printf(b, ",\"ops_run\":%" PRIu64 ",\"interrupted\":%s,\"elapsed_s\":", X->ops_run,
                          X->interrupted ? "true" : "false");
    rc |= vmex_json_double(b, X->elapsed);
    rc |= PUTS(b, ",\"ops_per_s\":");
    rc |= vmex_json_double(b, X->elapsed > 0 ? (double)X->ops_run / X->elapsed : 0);
    rc |= vmex_buf_printf(b, ",\"ops_failed\":%" PRIu64 ",\"samples\":%zu,\"sample_every\":%" PRIu64, X->failed, X->ns,
                          X->every);
    rc |= PUTS(b, ",\"finding\":");
    if (f->found) {
        rc |= vmex_buf_printf(b, "{\"op\":%" PRIu64 ",\"class\":", f->at);
        rc |= vmex_json_str(b, vmex_class_name(f->r.cls));
        rc |= PUTS(b, ",\"kind\":");
        rc |= vmex_json_str(b, vmex_opkind_name(f->op.kind));
        rc |= PUTS(b, ",\"stream\":");
        rc |= vmex_json_str(b, f->origin);
        rc |= PUTS(b, ",\"phase\":");
        rc |= vmex_json_str(b, X->w->phases[f->phase].name);
        rc |= vmex_buf_printf(b, ",\"request\":%" PRIu64 ",\"margin\":", f->r.req);
        rc |= vmex_json_double(b, f->r.margin);
        rc |= PUTS(b, ",\"signature\":");
        rc |= vmex_json_str(b, f->sig);
        rc |= PUTS(b, ",\"state\":");
        json_stats(b, &rc, &f->st);
        rc |= PUTS(b, "}");
    } else {
        rc |= PUTS(b, "null");
    }
    rc |= PUTS(b, ",\"worst_frag\":{\"frag\":");
    rc |= vmex_json_double(b, X->worst < 0 ? 0 : X->worst);
    rc |= vmex_buf_printf(b, ",\"op\":%" PRIu64 ",\"state\":", X->worst_at);
    json_stats(b, &rc, &X->worst_st);
    rc |= PUTS(b, "},\"final\":");
    json_stats(b, &rc, &X->final);
    rc |= vmex_buf_printf(b, ",\"live_handles\":%" PRIu32, X->live);
    rc |= PUTS(b, ",\"reproducer\":");
    if (rp->made) {
        rc |= PUTS(b, "{\"file\":");
        rc |= vmex_json_str(b, rp->path);
        rc |= PUTS(b, ",\"window_file\":");
        rc |= vmex_json_str(b, rp->wpath);
        rc |= vmex_buf_printf(b,
                              ",\"window\":%" PRIu64 ",\"from_op\":%" PRIu64 ",\"to_op\":%" PRIu64
                              ",\"kind\":\"%s\",\"reproduces\":%s,\"minimized\":%s,\"blockers\":%" PRIu32
                              ",\"handles_used\":%" PRIu32 ",\"ops_before\":%" PRIu32 ",\"ops_after\":%" PRIu32 "}",
                              X->o.window, rp->from, f->at, rp->state_only ? "state" : "window",
                              rp->reproduces ? "true" : "false", rp->minimized ? "true" : "false", rp->blockers,
                              rp->used, rp->ops_before, rp->ops_after);
    } else {
        rc |= PUTS(b, "null");
    }
    rc |= PUTS(b, ",\"dir\":");
    rc |= vmex_json_str(b, X->dir);
    rc |= PUTS(b, "}\n");
    return rc ? -1 : 0;
}

static void summary_text(const stress *X)
{
    const finding *f = &X->f;
    const repro *rp = &X->rp;
    char ents[160], mg[32];
    vmex_ents_text(X->L.ents, ents, sizeof ents);
    cli_outf("workload %s (%s), seed %" PRIu64 ", profile %s, entitlements %s\n", X->w->name, X->wpath, X->o.seed,
             X->L.profile, ents);
    cli_outf("hunt: %s\n", X->hunt_text);
    uint64_t quiet = X->failed - (f->found ? 1 : 0);
    cli_outf("ran %s ops in %.2f s: %s ops/s", GR(X->ops_run), X->elapsed,
             GR(X->elapsed > 0 ? (uint64_t)((double)X->ops_run / X->elapsed) : 0));
    if (quiet)
        cli_outf(" (%s failed request%s the hunt did not take)", GR(quiet), quiet == 1 ? "" : "s");
    cli_outf("%s\n", X->interrupted ? "; interrupted (SIGINT)" : "");
    if (f->found) {
        snprintf(mg, sizeof mg, "%.2f", f->r.margin);
        if (f->r.cls == VMEX_JETSAM)
            cli_outf("first failure: jetsam at op %s: a touch from '%s' in phase '%s' took the footprint to %s "
                     "(limit %s)\n",
                     GR(f->at), f->origin, X->w->phases[f->phase].name, HS(f->r.value), HS(X->L.footprint_limit));
        else
            cli_outf("first failure: %s at op %s: %s %s from '%s' in phase '%s', free %s, largest %s, margin %s\n",
                     vmex_class_name(f->r.cls), GR(f->at), vmex_opkind_name(f->op.kind), HS(f->r.req), f->origin,
                     X->w->phases[f->phase].name, HS(f->st.free), HS(f->st.largest), mg);
        cli_outf("  signature %s\n", f->sig);
    } else {
        cli_outf("first failure: none\n");
    }
    cli_outf("worst fragmentation: %.3f at op %s (free %s, largest %s)\n", X->worst < 0 ? 0 : X->worst,
             GR(X->worst_at), HS(X->worst_st.free), HS(X->worst_st.largest));
    cli_outf("final: free %s in %s holes, largest %s, frag %.3f, mapped %s, footprint %s, entries %s, handles %s\n",
             HS(X->final.free), GR(X->final.holes), HS(X->final.largest), frag_of(X->final.free, X->final.largest),
             HS(X->final.mapped), HS(X->final.footprint), GR(X->final.entries), GR(X->live));
    if (rp->made) {
        if (rp->reproduces)
            cli_outf("reproducer: %s: %s, %u ops -> %u ops%s\n", rp->path,
                     rp->state_only ? "the state before the failing op and the op"
                                    : "the window of ops with the live state at its start re-created",
                     rp->ops_before, rp->ops_after, rp->minimized ? " (minimized)" : "");
        else
            cli_outf("reproducer: %s: the window does not reproduce the signature (not minimized)\n", rp->path);
    }
    cli_outf("output: %s/{series.csv,plot.svg,summary.json%s}\n", X->dir, rp->made ? ",finding.vmex,window.vmex" : "");
}

/* ================================================================ the command */

int cli_cmd_stress(int argc, char **argv)
{
    stress *X = calloc(1, sizeof *X);
    int status = 2;
    vmex_error err;
    memset(&err, 0, sizeof err);
    if (!X) {
        cli_errorf("out of memory");
        return 2;
    }
    if (parse_opts(argc, argv, &X->o))
        goto out;
    find_workload(X->o.workload, X->wpath, sizeof X->wpath);
    if (!(X->w = calloc(1, sizeof *X->w))) {
        cli_errorf("out of memory");
        goto out;
    }
    if (vmex_workload_parse_file(X->wpath, X->w, &err)) {
        if (err.line > 0)
            vmex_error_print(&err, stderr);
        else
            cli_errorf("cannot read workload '%s': %s", X->wpath, err.msg);
        goto out;
    }
    const char *h = X->o.hunt ? X->o.hunt : STRESS_DEFAULT_HUNT;
    if (vmex_hunt_parse(h, &X->hunt, &err)) {
        cli_errorf("bad hunt policy '%s': %s", h, err.msg);
        goto out;
    }
    vmex_hunt_format(&X->hunt, X->hunt_text, sizeof X->hunt_text);
    if (vmex_layout_resolve(&X->w->cfg, X->o.profile, X->o.ents, &X->L, &err)) {
        size_t n = strlen(X->wpath) < sizeof err.file - 1 ? strlen(X->wpath) : sizeof err.file - 1;
        memcpy(err.file, X->wpath, n);
        err.file[n] = '\0';
        vmex_error_print(&err, stderr);
        goto out;
    }
    X->run_ops = X->o.seconds > 0 ? STRESS_DEFAULT_OPS : X->o.ops;
    /* samples: every --sample ops; by default every op at first, and the
     * spacing doubles (every other sample dropped) whenever there are
     * 2 x STRESS_SAMPLES: 1000 to 2000 samples, whatever the run's length */
    X->every = X->o.sample ? X->o.sample : 1;
    X->adaptive = !X->o.sample;
    if (X->o.out)
        snprintf(X->dir, sizeof X->dir, "%s", X->o.out);
    else
        snprintf(X->dir, sizeof X->dir, "runs/stress-%s-%" PRIu64, X->w->name, X->o.seed);
    if (make_dirs(X->dir))
        goto out;
    if (X->adaptive || X->o.seconds <= 0) {   /* the samples, allocated up front */
        X->cap = X->adaptive ? 2 * STRESS_SAMPLES + 2 : (size_t)(X->o.ops / X->every + 3);
        if (!(X->s = malloc(X->cap * sizeof *X->s))) {
            cli_errorf("out of memory");
            goto out;
        }
    }
    X->m = vmex_model_new(VMEX_STORE_FAST);
    X->g = vmex_gen_new(X->w, X->o.seed, VMEX_GEN_DEFAULT_SLOTS, X->run_ops);
    if (!X->m || !X->g || vmex_model_start(X->m, &X->L, VMEX_GEN_DEFAULT_SLOTS)) {
        cli_errorf("out of memory");
        goto out;
    }
    vmex_runopts_init(&X->ro);
    X->ro.hunt = &X->hunt;

    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    sigaction(SIGINT, &sa, &old);
    int r = run_loop(X);
    sigaction(SIGINT, &old, NULL);   /* a second Ctrl-C, while the reproducer is built, ends it all */
    if (r == -1)
        cli_errorf("out of memory");
    if (r)
        goto out;
    if (X->f.found && !X->L.xzone) {   /* the rebuild knows the magazine allocator, not xzone */
        if (make_reproducer(X))
            goto out;
    } else {   /* no stale reproducer from an earlier run in the same directory */
        char path[4200];
        snprintf(path, sizeof path, "%s/finding.vmex", X->dir);
        unlink(path);
        snprintf(path, sizeof path, "%s/window.vmex", X->dir);
        unlink(path);
    }
    vmex_buf sj = {0};
    int rc = summary_json(X, &sj);
    if (write_series(X) || write_plot(X) || write_file(X, "summary.json", &sj, rc)) {
        vmex_buf_free(&sj);
        goto out;
    }
    if (X->o.json)
        cli_outf("%s", sj.p);
    else
        summary_text(X);
    vmex_buf_free(&sj);
    status = X->f.found ? 1 : 0;
out:
    if (X) {
        vmex_gen_free(X->g);
        vmex_model_free(X->m);
        free(X->w);
        free(X->s);
        free(X);
    }
    return status == 2 ? status : cli_finish(status);
}
