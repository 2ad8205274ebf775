/*
 * cli_run.c - `vmex run`: run programs and print every op and the verdict
 * (or JSON Lines), the map and picture of the address space after the
 * run; with a list of profiles, one run per profile and subset of the
 * given entitlements, and the what-if table (report/whatif.h).
 *
 * Every file is parsed and every layout resolved before the first run: an
 * input error leaves no partial output.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "report/report.h"
#include "report/verdict.h"
#include "report/whatif.h"

enum { O_JSON, O_MAP, O_SVG, O_KEEP_GOING, O_LARGE, O_PROFILE, O_ENT };
static const cli_opt opts[] = {
    [O_JSON] = {"json", 0, NULL, "JSON Lines: one object per op, then one per run"},
    [O_MAP] = {"map", 0, NULL, "print the address space after the run (not with --json)"},
    [O_SVG] = {"svg", 0, "FILE", "draw the address space (FILE.N.svg for several runs)"},
    [O_KEEP_GOING] = {"keep-going", 0, NULL, "do not stop at the first finding"},
    [O_LARGE] = {"large", 0, "SIZE", "smaller failed requests are not findings (default 1m)"},
    [O_PROFILE] = {"profile", 0, "P[,P...]", "override the profile; a list (or 'all') prints a\n"
                                             "what-if table, one row per profile"},
    [O_ENT] = {"entitlement", 0, "E", "add an entitlement (repeatable); with a profile list\n"
                                      "every subset of the given entitlements gets a row"},
    {0},
};

CLI_COMMAND(run, .usage = "run [OPTIONS] FILE...", .opts = opts,
            .summary = "run programs, print every op and the verdict");

typedef struct args {
    int json, map, keep_going;
    const char *svg;
    uint64_t large;
    const char *profiles[CLI_MAX_PROFILES];
    int nprof;
    uint32_t ents, ent_order[VMEX_ENT__COUNT];
    int nent;
    const char **files;
    int nfiles;
} args;

/* The options and files.  0, 1 (--help, printed: *status), or -1 (reported). */
static int parse(int argc, char **argv, args *a, int *status)
{
    cli_args p;
    const char *v;
    int k = CLI_DONE, bad = 0;
    memset(a, 0, sizeof *a);
    a->large = VMEX_DEFAULT_LARGE;
    a->files = calloc((size_t)argc + 1, sizeof *a->files);
    if (!a->files)
        cli_errorf("out of memory");
    if (!a->files || cli_args_init(&p, &cli_run_cmd, argc, argv))
        return -1;
    while (!bad && (k = cli_next(&p, &v)) != CLI_DONE) {
        if (k == CLI_ARG) a->files[a->nfiles++] = v;
        else if (k == CLI_BAD) bad = 1;
        else if (k == CLI_HELP) break;
        else if (k == O_JSON) a->json = 1;
        else if (k == O_MAP) a->map = 1;
        else if (k == O_KEEP_GOING) a->keep_going = 1;
        else if (k == O_SVG && strlen(v) > 4000) {
            cli_errorf("--svg path is too long");
            bad = 1;
        } else if (k == O_SVG) a->svg = v;
        else if (k == O_LARGE) bad = cli_parse_size("--large", v, &a->large, 1) != 0;
        else if (k == O_PROFILE) bad = cli_parse_profiles(v, a->profiles, &a->nprof) != 0;
        else if (k == O_ENT) bad = cli_parse_ent(v, &a->ents, a->ent_order, &a->nent) != 0;
    }
    cli_args_free(&p);
    if (k == CLI_HELP) {
        *status = cli_help(&cli_run_cmd);
        return 1;
    }
    if (!bad && a->nfiles == 0) {
        cli_errorf("'vmex run' needs at least one FILE (see 'vmex help run')");
        bad = 1;
    }
    if (!bad && a->json && a->map) {
        cli_errorf("--map and --json cannot be combined (the map is text; --svg draws it)");
        bad = 1;
    }
    return bad ? -1 : 0;
}

/* ---------------------------------------------------------------- per op */

typedef struct run_ctx {
    const vmex_program *p;
    const vmex_layout *L;
    const vmex_model *m;
    int json;                /* 1 JSON Lines, 0 text, -1 quiet */
    int width;               /* of the op index column */
    int opw;                 /* of the op text column */
    uint32_t calls;
    int gone;                /* the last op ended the process: VMEX_CRASH or VMEX_HANG, else 0 */
    vmex_buf tmp;
} run_ctx;

static void on_op(void *vctx, const vmex_op *op, const vmex_opres *r)
{
    run_ctx *c = vctx;
    c->calls++;
    c->gone = r->status == VMEX_ST_FAILED && (r->cls == VMEX_CRASH || r->cls == VMEX_HANG) ? r->cls : 0;
    if (c->json < 0)
        return;
    if (c->json) {
        cli_outb(vmex_json_op(cli_out(), c->p, op, r));
        return;
    }
    c->tmp.len = 0;
    cli_outb(vmex_print_op(c->p, op, &c->tmp));
    cli_outf("%*" PRIu32 "  %-*s -> ", c->width, r->i, c->opw, c->tmp.p ? c->tmp.p : "");
    c->tmp.len = 0;
    cli_outb(vmex_outcome_text(&c->tmp, op, r, c->L, c->m));
    cli_outf("%s\n", c->tmp.p ? c->tmp.p : "");
}

static int digits(uint32_t n)
{
    int d = 1;
    for (; n >= 10; n /= 10)
        d++;
    return d;
}

/* width of the op text column: the longest op, within [16, 40] */
static int op_width(const vmex_program *p, vmex_buf *tmp)
{
    int w = 16;
    for (uint32_t i = 0; i < p->nops && w < 40; i++) {
        tmp->len = 0;
        if (vmex_print_op(p, &p->ops[i], tmp) == 0 && (int)tmp->len > w)
            w = (int)tmp->len;
    }
    return w > 40 ? 40 : w;
}

/* ---------------------------------------------------------------- per run */

typedef struct runner {
    const args *a;
    vmex_model *m;
    int whatif, nruns, runidx;
    uint32_t sets[1u << VMEX_ENT__COUNT];
    int nsets;
    vmex_whatif_row *rows;
    vmex_buf maps, svgs;     /* what-if mode: printed after the table */
    run_ctx c;
} runner;

/* FILE with ".IDX" inserted before the extension of its last component. */
static void indexed_path(const char *path, int idx, char *buf, size_t n)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        snprintf(buf, n, "%s.%d", path, idx);
    else
        snprintf(buf, n, "%.*s.%d%s", (int)(dot - path), path, idx, dot);
}

/* the picture into svgpath; 0 or -1 (reported) */
static int picture(runner *R, const char *file, const vmex_program *prog, const vmex_layout *L,
                   const vmex_result *res, char *svgpath, size_t n)
{
    if (R->nruns > 1)
        indexed_path(R->a->svg, R->runidx, svgpath, n);
    else
        snprintf(svgpath, n, "%s", R->a->svg);
    vmex_buf pic = {0};
    vmex_svg_info info = {file, prog, res};
    int rc = vmex_report_svg(R->m, L, &info, &pic);
    if (rc)
        cli_errorf("out of memory");
    else
        rc = cli_write_atomic(svgpath, pic.p, pic.len);
    vmex_buf_free(&pic);
    return rc;
}

/* the final JSON object of a run, with "svg" when a picture was written */
static void json_final(const vmex_result *res, const vmex_layout *L, const char *file, const char *svgpath)
{
    vmex_buf e = {0};
    if (svgpath)
        cli_outb(vmex_buf_put(&e, "\"svg\":", 6) | vmex_json_str(&e, svgpath));
    cli_outb(vmex_json_result(cli_out(), res, L, file, e.p));
    vmex_buf_free(&e);
}

/* The text after a run's ops: the verdict, checks, expect, warnings, the
 * state, the map. */
static void text_after(runner *R, const vmex_program *prog, const vmex_layout *L, const vmex_result *res)
{
    char vd[200], ex[64];
    uint32_t left = prog->nops - R->c.calls;
    if (R->c.calls < prog->nops && R->c.gone)
        /* the process is gone: no option runs the rest */
        cli_outf("  ... the run ended with the %s: %" PRIu32 " op%s not run\n", vmex_class_name(R->c.gone), left,
                 left == 1 ? "" : "s");
    else if (R->c.calls < prog->nops)
        cli_outf("  ... stopped at the first finding: %" PRIu32 " op%s not run (--keep-going runs them)\n", left,
                 left == 1 ? "" : "s");
    vmex_verdict_text(res, vd, sizeof vd);
    cli_outf("verdict: %s", vd);
    if (res->findings > 1)
        cli_outf(", %" PRIu32 " findings", res->findings);
    cli_outf("\n");
    if (res->checks_failed)
        cli_outf("checks: %" PRIu32 " failed, the first at op %" PRId32 "\n", res->checks_failed,
                 res->first_check_failed);
    if (prog->expect >= 0) {
        vmex_class_at_text(prog->expect, prog->expect_at, ex, sizeof ex);
        cli_outf("expect: %s: %s\n", ex, vmex_result_matches(prog, res) ? "matches" : "DOES NOT MATCH");
    }
    if (res->warn_at >= 0)
        cli_outf("memory warning at op %" PRId32 " (warning level %s, jetsam limit %s)\n", res->warn_at,
                 HS(L->footprint_warn), HS(L->footprint_limit));
    cli_outb(vmex_state_text(cli_out(), &res->st));
    if (R->a->map) {
        cli_outf("\n");
        cli_outb(vmex_report_map(R->m, L, cli_out()));
    }
}

/* One run of file f on profile p with entitlement set s.  0, or 2 (reported). */
static int run_one(runner *R, const char *file, const vmex_program *prog, int p, int s, int *finding)
{
    const args *a = R->a;
    vmex_layout L;
    vmex_error err = {0};
    vmex_result res;
    if (vmex_whatif_layout(prog, a->nprof ? a->profiles[p] : NULL, 0, R->sets[s], &L, &err)) {
        vmex_error_print(&err, stderr);
        return 2;
    }
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.large = a->large;
    o.keep_going = a->keep_going;
    o.on_op = on_op;
    o.ctx = &R->c;
    R->c.p = prog;
    R->c.L = &L;
    R->c.m = R->m;
    R->c.json = R->whatif ? -1 : a->json;
    R->c.width = digits(prog->nops ? prog->nops - 1 : 0);
    if (R->c.width < 3)
        R->c.width = 3;
    R->c.opw = R->whatif || a->json ? 0 : op_width(prog, &R->c.tmp);
    R->c.calls = 0;
    R->c.gone = 0;
    char ents[160], svgpath[4096] = "";
    vmex_ents_text(L.ents, ents, sizeof ents);
    if (!R->whatif && !a->json && !vmex_target_has(L.target, VMEX_CAP_DEVICE))
        cli_outf("%s%s: %s, %" PRIu32 " ops\n", R->runidx ? "\n" : "", file, L.profile, prog->nops);
    else if (!R->whatif && !a->json)
        cli_outf("%s%s: profile %s, entitlements %s, %" PRIu32 " ops\n", R->runidx ? "\n" : "", file, L.profile,
                 ents, prog->nops);
    if (vmex_model_run(R->m, &L, prog, &o, &res) != 0) {
        cli_errorf("%s: the run failed: %s", file, vmex_model_error(R->m));
        return 2;
    }
    if (res.verdict != VMEX_OK || res.checks_failed)
        *finding = 1;
    if (a->svg && picture(R, file, prog, &L, &res, svgpath, sizeof svgpath))
        return 2;
    if (a->json)
        json_final(&res, &L, file, a->svg ? svgpath : NULL);
    if (!R->whatif) {
        if (!a->json)
            text_after(R, prog, &L, &res);
        if (!a->json && a->svg)
            cli_outf("svg: %s\n", svgpath);
        return 0;
    }
    R->rows[R->runidx] = (vmex_whatif_row){file, a->profiles[p], L.ents, 0, res};
    if (a->map && !a->json) {
        cli_outb(vmex_buf_printf(&R->maps, "\n%s:\n", file));
        cli_outb(vmex_report_map(R->m, &L, &R->maps));
    }
    if (a->svg && !a->json)
        cli_outb(vmex_buf_printf(&R->svgs, "svg %s: %s, %s, entitlements %s\n", svgpath, file, L.profile, ents));
    return 0;
}

/* Parse every file and resolve every layout.  0, or 2 (reported). */
static int load_all(const runner *R, vmex_program *progs)
{
    const args *a = R->a;
    int nprof = a->nprof ? a->nprof : 1;
    for (int f = 0; f < a->nfiles; f++) {
        vmex_error err = {0};
        if (vmex_parse_file(a->files[f], &progs[f], &err) != 0) {
            if (err.line > 0)
                vmex_error_print(&err, stderr);                /* FILE:LINE:COL: error: ... */
            else
                cli_errorf("%s: %s", a->files[f], err.msg);    /* cannot read, too large */
            return 2;
        }
        for (int p = 0; p < nprof; p++)
            for (int s = 0; s < R->nsets; s++) {
                vmex_layout L;
                memset(&err, 0, sizeof err);
                if (vmex_whatif_layout(&progs[f], a->nprof ? a->profiles[p] : NULL, 0, R->sets[s], &L, &err)) {
                    snprintf(err.file, sizeof err.file, "%s", a->files[f]);
                    vmex_error_print(&err, stderr);
                    return 2;
                }
            }
    }
    return 0;
}

int cli_cmd_run(int argc, char **argv)
{
    args a;
    runner R;
    int status = 2, finding = 0;
    memset(&R, 0, sizeof R);
    R.a = &a;
    int pr = parse(argc, argv, &a, &status);
    vmex_program *progs = pr ? NULL : calloc((size_t)a.nfiles, sizeof *progs);
    if (pr || !progs) {
        if (!pr)
            cli_errorf("out of memory");
        free(progs);
        free(a.files);
        return pr > 0 ? status : 2;
    }
    for (int f = 0; f < a.nfiles; f++)
        vmex_program_init(&progs[f]);
    /* entitlement sets: every subset of the given ones in what-if mode */
    R.whatif = a.nprof > 1;
    if (R.whatif)
        R.nsets = vmex_whatif_subsets(a.ent_order, a.nent, R.sets);
    else
        R.sets[R.nsets++] = a.ents;
    int nprof = a.nprof ? a.nprof : 1;
    R.nruns = a.nfiles * nprof * R.nsets;
    status = load_all(&R, progs);
    if (!status && !(R.m = vmex_model_new(VMEX_STORE_FAST))) {
        cli_errorf("out of memory");
        status = 2;
    }
    if (!status && R.whatif && !(R.rows = calloc((size_t)R.nruns, sizeof *R.rows))) {
        cli_errorf("out of memory");
        status = 2;
    }
    for (int f = 0; f < a.nfiles && !status; f++)
        for (int p = 0; p < nprof && !status; p++)
            for (int s = 0; s < R.nsets && !status; s++, R.runidx++)
                status = run_one(&R, a.files[f], &progs[f], p, s, &finding);
    if (R.whatif && !status && !a.json) {
        cli_outb(vmex_whatif_table(R.rows, R.nruns, a.nfiles, cli_out()));
        cli_outb(vmex_buf_put(cli_out(), R.svgs.p ? R.svgs.p : "", R.svgs.len));
        cli_outb(vmex_buf_put(cli_out(), R.maps.p ? R.maps.p : "", R.maps.len));
    }
    vmex_buf_free(&R.maps);
    vmex_buf_free(&R.svgs);
    vmex_buf_free(&R.c.tmp);
    free(R.rows);
    vmex_model_free(R.m);
    for (int f = 0; f < a.nfiles; f++)
        vmex_program_free(&progs[f]);
    free(progs);
    free(a.files);
    if (status) {
        cli_discard();
        return 2;
    }
    return cli_finish(finding ? 1 : 0);
}
