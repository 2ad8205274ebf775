/*
 * cli_stress.c - `vmex stress`: parse the options, run the workload with
 * the stress library (stress/stress.h), and write into the run directory,
 * every file atomically:
 *   series.csv    ops,free,largest,frag,entries,mapped,footprint
 *   plot.svg      free and largest hole over ops, the finding marked
 *   summary.json  ops run, ops/s, the first failure, the worst
 *                 fragmentation seen, the final state
 *   finding.vmex  on a finding: the last K ops as a standalone program,
 *                 minimized (window.vmex: the same program before)
 * A progress line goes to stderr once a second.  SIGINT (Ctrl-C) ends the
 * run like its end, with every file written; the flag its handler sets is
 * this file's one piece of static state (a handler has no other way to
 * say it).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/core.h"
#include "report/plot.h"
#include "report/report.h"
#include "stress/stress.h"

#define STRESS_DEFAULT_HUNT   VMEX_DEFAULT_HUNT_STRESS

typedef struct sopts {
    const char *workload, *profile, *hunt, *out;
    uint32_t ents;
    uint64_t ops, seed, sample, window;
    double seconds;
    int json, ops_given;
} sopts;

static volatile sig_atomic_t interrupted;   /* set by SIGINT during the run */

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

enum { O_WORKLOAD, O_OPS, O_SECONDS, O_SEED, O_PROFILE, O_ENT, O_TARGET, O_HUNT, O_SAMPLE, O_WINDOW, O_OUT, O_JSON };
static const cli_opt opts[] = {
    [O_WORKLOAD] = {"workload", 0, "W", "the workload: a .vmexw file, or a name in corpora/workloads/"},
    [O_OPS] = {"ops", 0, "N", "the run's length (default 1000000 ops)"},
    [O_SECONDS] = {"seconds", 0, "S", "run for S seconds instead"},
    [O_SEED] = {"seed", 0, "N", "the workload's seed (default 1)"},
    [O_PROFILE] = {"profile", 0, "P", "override the workload's profile"},
    [O_ENT] = {"entitlement", 0, "E", "add an entitlement (repeatable)"},
    [O_TARGET] = {"target", 0, "T", "xnu (the only target stress runs on yet)"},
    [O_HUNT] = {"hunt", 0, "POLICY", "what is a finding (default " STRESS_DEFAULT_HUNT ")"},
    [O_SAMPLE] = {"sample", 0, "N", "sample every N ops (default: 1000 to 2000 samples)"},
    [O_WINDOW] = {"window", 0, "K", "K ops in finding.vmex (default 2000)"},
    [O_OUT] = {"out", 0, "DIR", "the output directory (default runs/stress-W-SEED)"},
    [O_JSON] = {"json", 0, NULL, "print summary.json instead of the summary"},
    {0},
};

CLI_COMMAND(stress, .usage = "stress --workload W", .opts = opts,
            .summary = "run a workload (corpora/workloads/*.vmexw) on the model,\n"
                       "sample free/largest/fragmentation, stop at the first\n"
                       "finding; writes series.csv, plot.svg, summary.json and\n"
                       "finding.vmex into --out DIR (runs/stress-W-SEED)");

static const char stress_usage[] =
    "usage: vmex stress --workload W [--profile P] [--entitlement E] [--target xnu]\n"
    "                   [--ops N | --seconds S] [--seed N] [--hunt POLICY] [--sample N]\n"
    "                   [--window K] [--out DIR] [--json]";

/* Option k's value.  0 or -1 (reported). */
static int option(sopts *o, int k, const char *v)
{
    uint32_t order[VMEX_ENT__COUNT];
    int nent = 0;
    char *end;
    switch (k) {
    case O_WORKLOAD: o->workload = v; return 0;
    case O_HUNT: o->hunt = v; return 0;
    case O_JSON: o->json = 1; return 0;
    case O_PROFILE: o->profile = v; return cli_check_profile(v);
    case O_ENT: return cli_parse_ent(v, &o->ents, order, &nent);
    case O_SAMPLE: return cli_parse_count("--sample", v, &o->sample, 1ull << 62);
    case O_WINDOW: return cli_parse_count("--window", v, &o->window, VMEX_STRESS_MAX_WINDOW);
    case O_OPS:
        o->ops_given = 1;
        return cli_parse_count("--ops", v, &o->ops, 1ull << 62);
    case O_TARGET:
        if (!strcmp(v, "xnu"))
            return 0;
        if (!strcmp(v, "linux-model") || !strcmp(v, "linux"))
            cli_errorf("--target %s is not available yet: stress runs on the xnu model only", v);
        else
            cli_errorf("unknown target '%s' (xnu, linux-model, linux)", v);
        return -1;
    case O_SECONDS:
        errno = 0;
        o->seconds = strtod(v, &end);
        if (end == v || *end || errno || !(o->seconds > 0) || o->seconds > 1e7) {
            cli_errorf("bad value '%s' for --seconds (a number of seconds above 0)", v);
            return -1;
        }
        return 0;
    case O_SEED:
        errno = 0;
        o->seed = strtoull(v, &end, 0);
        if (end == v || *end || errno || v[0] == '-') {
            cli_errorf("bad seed '%s' (a whole number, decimal or 0x hex)", v);
            return -1;
        }
        return 0;
    default:
        if (strlen(v) > 3000) {
            cli_errorf("--out path is too long");
            return -1;
        }
        o->out = v;
        return 0;
    }
}

/* The options.  0, 1 (--help, printed: *status), -1 (reported). */
static int parse_opts(int argc, char **argv, sopts *o, int *status)
{
    cli_args a;
    const char *v;
    memset(o, 0, sizeof *o);
    o->ops = VMEX_STRESS_DEFAULT_OPS;
    o->seed = 1;
    o->window = VMEX_STRESS_DEFAULT_WINDOW;
    int k = CLI_DONE, bad = cli_args_init(&a, &cli_stress_cmd, argc, argv);
    while (!bad && (k = cli_next(&a, &v)) != CLI_DONE && k != CLI_HELP) {
        if (k == CLI_BAD) {
            bad = 1;
        } else if (k == CLI_ARG) {
            cli_errorf("'vmex stress' takes no FILE argument ('%s'); the workload is --workload W", v);
            bad = 1;
        } else {
            bad = option(o, k, v) != 0;
        }
    }
    cli_args_free(&a);
    if (k == CLI_HELP) {
        *status = cli_help(&cli_stress_cmd);
        return 1;
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

/* ================================================================ the run */

typedef struct progress_ctx { int tty, shown; } progress_ctx;

static void progress(void *ctx, const vmex_stress *S, uint64_t ops, double rate, const vmex_stats *st)
{
    progress_ctx *pc = ctx;
    char pr[32] = "";
    if (rate > 0)
        snprintf(pr, sizeof pr, "%s ops/s  ", HC((uint64_t)rate));
    fprintf(stderr, "%sstress: %s ops  %sfree %s  largest %s  frag %.3f  entries %s  phase %s%s",
            pc->tty ? "\r" : "", HC(ops), pr, HS(st->free), HS(st->largest), vmex_stress_frag(st->free, st->largest),
            HC(st->entries), S->w->phases[vmex_gen_phase(S->g)].name, pc->tty ? "\033[K" : "\n");
    fflush(stderr);
    pc->shown = 1;
}

/* The run with SIGINT caught; 0 or -1 (reported). */
static int run(vmex_stress *S)
{
    progress_ctx pc = {isatty(2), 0};
    vmex_error err = {0};
    S->progress = progress;
    S->ctx = &pc;
    S->stop = &interrupted;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    sigaction(SIGINT, &sa, &old);
    int r = vmex_stress_run(S, &err);
    sigaction(SIGINT, &old, NULL);   /* a second Ctrl-C, while the reproducer is built, ends it all */
    if (pc.shown && pc.tty)
        fputc('\n', stderr);
    if (r)
        cli_errorf("%s", err.msg);
    return r;
}

/* finding.vmex and window.vmex, or no stale ones from an earlier run in
 * the same directory (no finding, or none made: on xzone malloc a failing
 * op that names a handle).  0 or -1 (reported). */
static int reproducer(vmex_stress *S)
{
    if (S->f.found) {
        vmex_error err = {0};
        if (S->f.at > 5000000)
            fprintf(stderr, "stress: rebuilding the state at op %s for the reproducer (a replay of the run)\n",
                    GR(vmex_stress_window_start(S)));
        if (vmex_stress_reproducer(S, &err)) {
            cli_errorf("%s", err.msg);
            return -1;
        }
    }
    const vmex_stress_repro *rp = &S->rp;
    if (!rp->made) {
        char path[4200];
        snprintf(path, sizeof path, "%s/finding.vmex", S->dir);
        int rc = cli_remove_output(path);
        snprintf(path, sizeof path, "%s/window.vmex", S->dir);
        return rc | cli_remove_output(path);
    }
    if (cli_write_atomic(rp->wpath, rp->window.p, rp->window.len) ||
        cli_write_atomic(rp->path, rp->finding.p, rp->finding.len))
        return -1;
    return 0;
}

/* dir/name from b (rc: how making b went).  0 or -1 (reported). */
static int write_file(const vmex_stress *S, const char *name, const vmex_buf *b, int rc)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", S->dir, name);
    if (rc) {
        cli_errorf("out of memory");
        return -1;
    }
    return cli_write_atomic(path, b->p ? b->p : "", b->len);
}

static void summary_text(const vmex_stress *X)
{
    const vmex_stress_finding *f = &X->f;
    const vmex_stress_repro *rp = &X->rp;
    char ents[160], mg[32];
    vmex_ents_text(X->L.ents, ents, sizeof ents);
    cli_outf("workload %s (%s), seed %" PRIu64 ", profile %s, entitlements %s\n", X->w->name, X->wpath, X->seed,
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
             HS(X->final.free), GR(X->final.holes), HS(X->final.largest), vmex_stress_frag(X->final.free, X->final.largest),
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

/* The settings of S from the options.  0, or -1 (reported). */
static int setup(vmex_stress *S, const sopts *o, vmex_workload *w)
{
    vmex_error err = {0};
    cli_workload_path(o->workload, S->wpath, sizeof S->wpath);
    if (vmex_workload_parse_file(S->wpath, w, &err)) {
        if (err.line > 0)
            vmex_error_print(&err, stderr);
        else
            cli_errorf("cannot read workload '%s': %s", S->wpath, err.msg);
        return -1;
    }
    S->w = w;
    const char *h = o->hunt ? o->hunt : STRESS_DEFAULT_HUNT;
    if (vmex_hunt_parse(h, &S->hunt, &err)) {
        cli_errorf("bad hunt policy '%s': %s", h, err.msg);
        return -1;
    }
    vmex_hunt_format(&S->hunt, S->hunt_text, sizeof S->hunt_text);
    if (vmex_layout_resolve(&w->cfg, o->profile, o->ents, &S->L, &err)) {
        size_t n = strlen(S->wpath) < sizeof err.file - 1 ? strlen(S->wpath) : sizeof err.file - 1;
        memcpy(err.file, S->wpath, n);
        err.file[n] = '\0';
        vmex_error_print(&err, stderr);
        return -1;
    }
    S->seed = o->seed;
    S->ops = o->ops;
    S->seconds = o->seconds;
    S->sample = o->sample;
    S->window = o->window;
    if (o->out)
        snprintf(S->dir, sizeof S->dir, "%s", o->out);
    else
        snprintf(S->dir, sizeof S->dir, "runs/stress-%s-%" PRIu64, w->name, o->seed);
    return cli_make_dirs(S->dir);
}

int cli_cmd_stress(int argc, char **argv)
{
    vmex_stress *S = calloc(1, sizeof *S);
    vmex_workload *w = calloc(1, sizeof *w);
    vmex_buf sj = {0}, series = {0}, pic = {0};
    vmex_error err = {0};
    sopts o;
    int status = 2;
    if (!S || !w) {
        cli_errorf("out of memory");
        goto out;
    }
    int pr = parse_opts(argc, argv, &o, &status);
    if (pr > 0) {
        free(S);
        free(w);
        return status;
    }
    if (pr || setup(S, &o, w))
        goto out;
    if (vmex_stress_start(S, &err)) {
        cli_errorf("%s", err.msg);
        goto out;
    }
    if (run(S) || reproducer(S))
        goto out;
    int rs = vmex_stress_summary(S, &sj);
    if (write_file(S, "series.csv", &series, vmex_stress_series(S, &series)) ||
        write_file(S, "plot.svg", &pic, vmex_stress_plot(S, &pic)) || write_file(S, "summary.json", &sj, rs))
        goto out;
    if (o.json)
        cli_outf("%s", sj.p);
    else
        summary_text(S);
    status = S->f.found ? 1 : 0;
out:
    vmex_buf_free(&sj);
    vmex_buf_free(&series);
    vmex_buf_free(&pic);
    if (S)
        vmex_stress_free(S);
    free(S);
    free(w);
    return status == 2 ? status : cli_finish(status);
}
