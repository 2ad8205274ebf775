/*
 * cli_check.c - `vmex check PATH...`: replay .vmex files (directories:
 * *.vmex, recursively, in sorted order) against their expect and check
 * lines; one PASS/FAIL line each and a summary.  A file that does not
 * parse is a FAIL and makes the exit status 2; a target linux program
 * where the real backend cannot run is a SKIP.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "report/report.h"
#include "report/verdict.h"

CLI_COMMAND(check, .usage = "check PATH...",
            .summary = "replay .vmex files (directories: *.vmex, recursively)\n"
                       "against their expect and check lines");

/* the first failed check and the value it measured */
typedef struct first_check {
    int32_t at;
    uint64_t value;
} first_check;

static void on_op(void *ctx, const vmex_op *op, const vmex_opres *r)
{
    first_check *c = ctx;
    if (op->kind == VMEX_OP_CHECK && r->status == VMEX_ST_FAILED && c->at < 0) {
        c->at = (int32_t)r->i;
        c->value = r->value;
    }
}

/* vmex_error_print's format, into a string */
static void error_text(const vmex_error *e, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
#define APPEND(...) do { int k_ = snprintf(buf + len, n - len, __VA_ARGS__); \
        if (k_ > 0) len = (size_t)k_ < n - len ? len + (size_t)k_ : n - 1; } while (0)
    if (e->file[0])
        APPEND("%s:", e->file);
    if (e->line > 0) {
        APPEND("%d:", e->line);
        if (e->col > 0)
            APPEND("%d:", e->col);
    }
    APPEND("%serror: %s", (e->file[0] || e->line > 0) ? " " : "", e->msg);
#undef APPEND
}

/* The paths, directories expanded.  0, 1 (--help, printed), -1 (reported). */
static int collect(int argc, char **argv, cli_pathv *files, int *status)
{
    cli_args p;
    const char *v;
    int k = CLI_DONE, bad = 0, npaths = 0;
    if (cli_args_init(&p, &cli_check_cmd, argc, argv))
        return -1;
    while (!bad && (k = cli_next(&p, &v)) != CLI_DONE && k != CLI_HELP) {
        struct stat st;
        if (k == CLI_BAD) {
            bad = 1;
        } else if (npaths++, stat(v, &st) != 0) {
            cli_errorf("cannot open '%s': %s", v, strerror(errno));
            bad = 1;
        } else if (S_ISDIR(st.st_mode)) {
            bad = cli_collect_dir(v, files, 0) != 0;
        } else if (cli_pathv_add(files, v)) {
            cli_errorf("out of memory");
            bad = 1;
        }
    }
    cli_args_free(&p);
    if (k == CLI_HELP) {
        *status = cli_help(&cli_check_cmd);
        return 1;
    }
    if (!bad && npaths == 0) {
        cli_errorf("'vmex check' needs at least one PATH (see 'vmex help check')");
        bad = 1;
    }
    return bad ? -1 : 0;
}

/* The FAIL line of a program that ran to r. */
static void fail_line(const char *path, const vmex_program *prog, const vmex_result *r, const first_check *c,
                      const char *got)
{
    int want = prog->expect >= 0 ? prog->expect : VMEX_OK;
    if (r->verdict != want || (prog->expect_at >= 0 && r->at != prog->expect_at)) {
        char ex[64];
        vmex_class_at_text(want, prog->expect_at, ex, sizeof ex);
        cli_outf("FAIL %s: expected %s%s, got %s\n", path, ex, prog->expect < 0 ? " (no expect line)" : "", got);
    } else if (r->checks_failed) {
        vmex_buf t = {0};
        const vmex_op *op = c->at >= 0 ? &prog->ops[c->at] : NULL;
        if (op)
            cli_outb(vmex_print_op(prog, op, &t));
        cli_outf("FAIL %s: %" PRIu32 " check%s failed, the first at op %" PRId32 "%s%s%s", path, r->checks_failed,
                 r->checks_failed == 1 ? "" : "s", r->first_check_failed, op ? " (" : "", op && t.p ? t.p : "",
                 op ? "" : "\n");
        if (op) {
            if (op->line)
                cli_outf(", line %" PRIu32, op->line);
            cli_outf(": measured %s)\n", HS(c->value));
        }
        vmex_buf_free(&t);
    } else {
        cli_outf("FAIL %s: got %s\n", path, got);
    }
}

typedef struct tally { unsigned passed, failed, skipped, bad_inputs; } tally;

/* One file.  0, or -1 when the run itself failed (reported). */
static int check_one(const char *path, vmex_model *m, vmex_model **real, vmex_program *prog, tally *t)
{
    vmex_error err = {0};
    vmex_layout L;
    vmex_program_reset(prog);
    int unreadable = vmex_parse_file(path, prog, &err) != 0;
    if (!unreadable && vmex_layout_resolve(&prog->cfg, NULL, 0, &L, &err) != 0) {
        snprintf(err.file, sizeof err.file, "%s", path);
        unreadable = 1;
    }
    if (unreadable) {   /* bad input: reported in the table and on stderr, exit 2 */
        char et[600];
        error_text(&err, et, sizeof et);
        cli_outf("FAIL %s: %s\n", path, et);
        vmex_error_print(&err, stderr);
        t->failed++;
        t->bad_inputs++;
        return 0;
    }
    first_check c = {-1, 0};
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.on_op = on_op;
    o.ctx = &c;
    vmex_result r;
    int run_rc;
    if (prog->expect == VMEX_DIVERGE) {   /* an open model bug: model and kernel still disagree */
        vmex_hunt dh = {1, {{VMEX_DIVERGE, 0, 0}}};
        char sig[128];
        run_rc = vmex_find(m, real, &L, prog, &dh, &r, sig, sizeof sig) < 0;
    } else {
        /* a RangeError is a finding only when hunted: its expect line hunts it */
        static const vmex_hunt rh = {1, {{VMEX_RANGE_ERROR, 0, 0}}};
        if (prog->expect == VMEX_RANGE_ERROR)
            o.hunt = &rh;
        run_rc = vmex_model_run(m, &L, prog, &o, &r);
    }
    if (run_rc && vmex_model_unavailable(m)) {   /* not this program's fault: said, not failed */
        cli_outf("SKIP %s: %s\n", path, vmex_model_error(m));
        t->skipped++;
        return 0;
    }
    if (run_rc) {
        cli_errorf("%s: the run failed: %s", path, vmex_model_error(m));
        return -1;
    }
    char got[64], mg[32];
    vmex_margin_text(r.margin, mg, sizeof mg);
    vmex_class_at_text(r.verdict, r.verdict != VMEX_OK ? r.at : -1, got, sizeof got);
    if (!vmex_result_matches(prog, &r)) {
        t->failed++;
        fail_line(path, prog, &r, &c, got);
    } else if (t->passed++, r.verdict != VMEX_OK && r.at >= 0) {
        cli_outf("PASS %s  (verdict %s, margin %s)\n", path, got, mg);
    } else {
        cli_outf("PASS %s  (verdict %s)\n", path, got);
    }
    return 0;
}

int cli_cmd_check(int argc, char **argv)
{
    cli_pathv files = {0};
    int status = 2, bad = collect(argc, argv, &files, &status);
    if (bad > 0)
        return status;
    vmex_model *m = NULL, *real = NULL;   /* real: the kernel side of `expect diverge` */
    if (!bad && !(m = vmex_model_new(VMEX_STORE_FAST))) {
        cli_errorf("out of memory");
        bad = 1;
    }
    tally t = {0};
    vmex_program prog;
    vmex_program_init(&prog);
    for (size_t i = 0; i < files.n && !bad; i++)
        bad = check_one(files.v[i], m, &real, &prog, &t) != 0;
    vmex_program_free(&prog);
    vmex_model_free(m);
    vmex_model_free(real);
    cli_pathv_free(&files);
    if (bad) {
        cli_discard();
        return 2;
    }
    if (t.skipped)   /* target linux could not run here */
        cli_outf("%u passed, %u failed, %u skipped\n", t.passed, t.failed, t.skipped);
    else
        cli_outf("%u passed, %u failed\n", t.passed, t.failed);
    return cli_finish(t.bad_inputs ? 2 : t.failed ? 1 : 0);
}
