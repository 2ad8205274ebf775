/*
 * cli_diff.c - `vmex diff`: linux-model against the real kernel, or
 * (--target jsc, cli_diff_jsc.c) JavaScriptCore's mmap calls against the
 * model's JSC scenario.
 *
 *   vmex diff [--json] FILE...            each .vmex file (directories: *.vmex)
 *   vmex diff --random N [--seed S] [--bytes B] [--window W] [-o DIR]
 *   vmex diff --target jsc [--scenario W] [--json] FILE...
 *
 * A file must be a linux program (target linux-model or linux) with the
 * kernel as its allocator.  Random programs are random byte strings
 * decoded as programs (the fuzzer's total decoding), so every op kind and
 * option turns up; with -o, a program that diverges is written to DIR as
 * .vmex.  Exit 0 when all agree, 1 when one diverges, 2 on bad input or
 * when the real backend cannot run here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "fuzz/fuzz.h"
#include "core/core.h"
#include "report/report.h"

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void say(const char *label, const vmex_program *p, const vmex_diff *d, int json)
{
    if (json) {
        vmex_buf b = {0};
        int rc = vmex_buf_printf(&b, "{\"program\":");
        rc |= vmex_json_str(&b, label);
        rc |= vmex_buf_printf(&b, ",\"ops\":%" PRIu32 ",\"agree\":%s", p->nops, d->at < 0 ? "true" : "false");
        if (d->at >= 0) {
            rc |= vmex_buf_printf(&b, ",\"at\":%" PRId32 ",\"end_state\":%s,\"what\":", d->at,
                                  d->end_state ? "true" : "false");
            rc |= vmex_json_str(&b, d->what);
            if (p->ops[d->at].line) rc |= vmex_buf_printf(&b, ",\"line\":%" PRIu32, p->ops[d->at].line);
        }
        rc |= vmex_buf_printf(&b, "}\n");
        if (!rc) cli_outf("%s", b.p);
        vmex_buf_free(&b);
        return;
    }
    if (d->at < 0) {
        cli_outf("%s: agree (%" PRIu32 " ops)\n", label, p->nops);
        return;
    }
    vmex_buf op = {0};
    vmex_print_op(p, &p->ops[d->at], &op);
    if (d->end_state)
        cli_outf("%s: %s\n", label, d->what);
    else if (p->ops[d->at].line)
        cli_outf("%s:%" PRIu32 ": op %" PRId32 " '%s' differs: %s\n", label, p->ops[d->at].line, d->at,
                 op.p ? op.p : "", d->what);
    else
        cli_outf("%s: op %" PRId32 " '%s' differs: %s\n", label, d->at, op.p ? op.p : "", d->what);
    vmex_buf_free(&op);
}

/* A diverging random program, annotated, to dir/diverge-SEED-K.vmex. */
static int save(const char *dir, uint64_t seed, uint32_t k, const vmex_program *p, const vmex_diff *d)
{
    char path[4096], head[512];
    snprintf(path, sizeof path, "%s/diverge-%" PRIu64 "-%" PRIu32 ".vmex", dir, seed, k);
    snprintf(head, sizeof head, "vmex diff --random: program %" PRIu32 " of seed %" PRIu64 "\nop %" PRId32 ": %s",
             k, seed, d->at, d->what);
    vmex_buf b = {0};
    int rc = vmex_print(p, &b, head, NULL, NULL) || cli_write_atomic(path, b.p, b.len);
    vmex_buf_free(&b);
    if (!rc) cli_outf("wrote %s\n", path);
    return rc;
}

enum { O_JSON, O_RANDOM, O_SEED, O_BYTES, O_WINDOW, O_OUT, O_TARGET, O_SCENARIO };
static const cli_opt opts[] = {
    [O_JSON] = {"json", 0, NULL, "one JSON object per program"},
    [O_RANDOM] = {"random", 0, "N", "N random programs instead of FILEs"},
    [O_SEED] = {"seed", 0, "S", "the random programs' seed (default 1)"},
    [O_BYTES] = {"bytes", 0, "B", "their length in bytes before decoding (default 400)"},
    [O_WINDOW] = {"window", 0, "W", "their window (default 1g)"},
    [O_OUT] = {NULL, 'o', "DIR", "write the random programs that diverge to DIR"},
    [O_TARGET] = {"target", 0, "T", "linux (default): linux-model against the kernel;\n"
                                    "jsc: JavaScriptCore's mmap calls against the scenario"},
    [O_SCENARIO] = {"scenario", 0, "W", "with --target jsc: the workload whose tag-63 lines are\n"
                                        "the model's JSC (default jsc-flutter-app)"},
    {0},
};

CLI_COMMAND(diff, .usage = "diff [--json] FILE...\ndiff --target jsc [--scenario W] [--json] FILE...", .opts = opts,
            .summary = "run linux programs on linux-model and on the real\n"
                       "kernel; report the first op where they disagree;\n"
                       "or JavaScriptCore's requests against the model's");

typedef struct args {
    int json, jsc;
    const char *scenario;
    uint64_t nrandom, seed, bytes, window;
    const char *outdir;
    cli_pathv files;
} args;

/* One option's value, or an operand.  0 or -1 (reported). */
static int option(args *a, int k, const char *v)
{
    struct stat st;
    vmex_error e = {0};
    switch (k) {
    case O_JSON:
        a->json = 1;
        return 0;
    case O_RANDOM:
        return cli_parse_size("--random", v, &a->nrandom, 0);
    case O_SEED:
        return cli_parse_size("--seed", v, &a->seed, 1);
    case O_BYTES:
        if (cli_parse_size("--bytes", v, &a->bytes, 0))
            return -1;
        if (a->bytes > (1u << 20)) {
            cli_errorf("--bytes must be at most 1m");
            return -1;
        }
        return 0;
    case O_WINDOW:
        if (vmex_set_parse(VMEX_SET_WINDOW, v, &a->window, &e)) {
            cli_errorf("--window: %s", e.msg);
            return -1;
        }
        return 0;
    case O_OUT:
        a->outdir = v;
        return 0;
    case O_TARGET:
        if (strcmp(v, "linux") && strcmp(v, "jsc")) {
            cli_errorf("--target: linux or jsc, not '%s'", v);
            return -1;
        }
        a->jsc = !strcmp(v, "jsc");
        return 0;
    case O_SCENARIO:
        a->scenario = v;
        return 0;
    default:   /* a FILE or a directory of them */
        if (stat(v, &st) != 0) {
            cli_errorf("cannot open '%s': %s", v, strerror(errno));
            return -1;
        }
        return S_ISDIR(st.st_mode) ? cli_collect_dir(v, &a->files, 0) : cli_pathv_add(&a->files, v);
    }
}

/* The models and the tally of a diff run. */
typedef struct differ {
    const args *a;
    vmex_model *model, *real;
    vmex_program p;
    uint32_t agreed, diverged;
} differ;

/* Each FILE.  0, 1 a divergence, or 2 (reported). */
static int diff_files(differ *D)
{
    const args *a = D->a;
    vmex_diff d;
    int status = 0;
    for (size_t i = 0; i < a->files.n; i++) {
        vmex_error err = {0};
        if (vmex_parse_file(a->files.v[i], &D->p, &err)) {
            vmex_error_print(&err, stderr);
            return 2;
        }
        if (vmex_diff_run(D->model, D->real, &D->p, &d)) {
            cli_errorf("%s: %s", a->files.v[i], d.error);
            return 2;
        }
        say(a->files.v[i], &D->p, &d, a->json);
        if (d.at >= 0) {
            D->diverged++;
            status = 1;
        } else {
            D->agreed++;
        }
    }
    return status;
}

/* The next random program into D->p: random bytes after a linux-model header,
 * decoded as the fuzzer decodes.  0 or -1 (reported). */
static int random_program(differ *D, uint8_t *buf, uint64_t *s)
{
    vmex_program hdr;
    vmex_program_init(&hdr);
    hdr.cfg.target = VMEX_TARGET_LINUX_MODEL;
    hdr.cfg.set[VMEX_SET_WINDOW] = D->a->window;
    hdr.cfg.set_mask = 1u << VMEX_SET_WINDOW;
    vmex_layout L;
    vmex_error err = {0};
    vmex_buf enc = {0};
    int rc = vmex_layout_resolve(&hdr.cfg, NULL, 0, &L, &err) || vmex_encode(&hdr, &L, &enc);
    if (!rc) {
        uint64_t bytes = D->a->bytes;
        size_t n = enc.len, len = (size_t)(bytes / 2 + rng(s) % (bytes + 1));
        memcpy(buf, enc.p, n);
        for (size_t j = 0; j < len; j++)
            buf[n + j] = (uint8_t)(rng(s) >> 24);
        rc = vmex_decode(buf, n + len, &L, &D->p);
    }
    vmex_buf_free(&enc);
    vmex_program_free(&hdr);
    if (rc)
        cli_errorf("out of memory");
    return rc ? -1 : 0;
}

/* --random N.  0, 1 a divergence, or 2 (reported). */
static int diff_random(differ *D)
{
    const args *a = D->a;
    uint8_t *buf = malloc(2 * a->bytes + 256);   /* header + up to 1.5 x bytes */
    uint64_t s = a->seed * 0x9e3779b97f4a7c15ull + 1;
    vmex_diff d;
    int status = 0;
    if (!buf) {
        cli_errorf("out of memory");
        return 2;
    }
    for (uint64_t k = 0; k < a->nrandom && status < 2; k++) {
        if (random_program(D, buf, &s)) {
            status = 2;
        } else if (vmex_diff_run(D->model, D->real, &D->p, &d)) {
            cli_errorf("random program %" PRIu64 ": %s", k, d.error);
            status = 2;
        } else if (d.at < 0) {
            D->agreed++;
        } else {
            char label[64];
            snprintf(label, sizeof label, "random program %" PRIu64 " (seed %" PRIu64 ")", k, a->seed);
            say(label, &D->p, &d, a->json);
            D->diverged++;
            status = 1;
            if (a->outdir && save(a->outdir, a->seed, (uint32_t)k, &D->p, &d))
                status = 2;
        }
    }
    free(buf);
    return status;
}

int cli_cmd_diff(int argc, char **argv)
{
    args a = {.seed = 1, .bytes = 400, .window = 1ull << 30};
    cli_args p;
    const char *v;
    int k = CLI_DONE, bad = cli_args_init(&p, &cli_diff_cmd, argc, argv);
    while (!bad && (k = cli_next(&p, &v)) != CLI_DONE && k != CLI_HELP)
        bad = k == CLI_BAD || option(&a, k == CLI_ARG ? -1 : k, v) != 0;
    cli_args_free(&p);
    if (k == CLI_HELP) {
        cli_pathv_free(&a.files);
        return cli_help(&cli_diff_cmd);
    }
    if (!bad && !a.nrandom && !a.files.n) {
        cli_errorf("'vmex diff' needs FILEs or --random N (see 'vmex help diff')");
        bad = 1;
    }
    if (!bad && a.jsc && (a.nrandom || a.outdir)) {
        cli_errorf("--target jsc takes FILEs (no --random, -o)");
        bad = 1;
    }
    if (!bad && a.scenario && !a.jsc) {
        cli_errorf("--scenario goes with --target jsc");
        bad = 1;
    }
    if (!bad && a.jsc) {
        int st = cli_diff_jsc(a.files.v, a.files.n, a.scenario ? a.scenario : "jsc-flutter-app", a.json);
        cli_pathv_free(&a.files);
        return cli_finish(st);
    }
    struct stat st;
    if (!bad && a.outdir && (stat(a.outdir, &st) != 0 || !S_ISDIR(st.st_mode))) {
        cli_errorf("-o %s: not a directory", a.outdir);
        bad = 1;
    }
    differ D = {.a = &a};
    vmex_program_init(&D.p);
    if (!bad && (!(D.model = vmex_model_new(VMEX_STORE_FAST)) || !(D.real = vmex_model_new(VMEX_STORE_FAST)))) {
        cli_errorf("out of memory");
        bad = 1;
    }
    int status = bad ? 2 : diff_files(&D);
    if (status < 2 && a.nrandom) {
        int r = diff_random(&D);
        status = r > status ? r : status;
    }
    if (status < 2 && !a.json)
        cli_outf("%" PRIu32 " agree, %" PRIu32 " diverge\n", D.agreed, D.diverged);
    vmex_program_free(&D.p);
    vmex_model_free(D.model);
    vmex_model_free(D.real);
    cli_pathv_free(&a.files);
    return cli_finish(status);
}
