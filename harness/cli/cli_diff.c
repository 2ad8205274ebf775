/*
 * cli_diff.c - `vmex diff`: linux-model against the real kernel.
 *
 *   vmex diff [--json] FILE...            each .vmex file (directories: *.vmex)
 *   vmex diff --random N [--seed S] [--bytes B] [--window W] [-o DIR]
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

int cli_cmd_diff(int argc, char **argv)
{
    int bad = 0, json = 0;
    uint64_t nrandom = 0, seed = 1, bytes = 400, window = 1ull << 30;
    const char *outdir = NULL, *v;
    cli_pathv files = {0};
    for (int i = 1; i < argc && !bad; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--json")) {
            json = 1;
        } else if (cli_value_opt(argc, argv, &i, "--random", &v, &bad)) {
            if (!bad && cli_parse_size("--random", v, &nrandom, 0)) bad = 1;
        } else if (cli_value_opt(argc, argv, &i, "--seed", &v, &bad)) {
            if (!bad && cli_parse_size("--seed", v, &seed, 1)) bad = 1;
        } else if (cli_value_opt(argc, argv, &i, "--bytes", &v, &bad)) {
            if (!bad && cli_parse_size("--bytes", v, &bytes, 0)) bad = 1;
            if (!bad && bytes > (1u << 20)) {
                cli_errorf("--bytes must be at most 1m");
                bad = 1;
            }
        } else if (cli_value_opt(argc, argv, &i, "--window", &v, &bad)) {
            vmex_error e = {0};
            if (!bad && vmex_set_parse(VMEX_SET_WINDOW, v, &window, &e)) {
                cli_errorf("--window: %s", e.msg);
                bad = 1;
            }
        } else if (cli_value_opt(argc, argv, &i, "-o", &v, &bad)) {
            outdir = v;
        } else if (a[0] == '-' && a[1]) {
            cli_errorf("unknown option '%s' for 'vmex diff' (see 'vmex help')", a);
            bad = 1;
        } else {
            struct stat st;
            if (stat(a, &st) != 0) {
                cli_errorf("cannot open '%s': %s", a, strerror(errno));
                bad = 1;
            } else if (S_ISDIR(st.st_mode) ? cli_collect_dir(a, &files, 0) : cli_pathv_add(&files, a)) {
                bad = 1;
            }
        }
    }
    if (!bad && !nrandom && !files.n) {
        cli_errorf("'vmex diff' needs FILEs or --random N (see 'vmex help')");
        bad = 1;
    }
    if (!bad && outdir) {
        struct stat st;
        if (stat(outdir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            cli_errorf("-o %s: not a directory", outdir);
            bad = 1;
        }
    }
    vmex_model *model = bad ? NULL : vmex_model_new(VMEX_STORE_FAST);
    vmex_model *real = bad ? NULL : vmex_model_new(VMEX_STORE_FAST);
    if (!bad && (!model || !real)) {
        cli_errorf("out of memory");
        bad = 1;
    }
    int status = bad ? 2 : 0;
    uint32_t agreed = 0, diverged = 0;
    vmex_program p;
    vmex_program_init(&p);
    vmex_diff d;
    for (size_t i = 0; i < files.n && status < 2; i++) {
        vmex_error err = {0};
        if (vmex_parse_file(files.v[i], &p, &err)) {
            vmex_error_print(&err, stderr);
            status = 2;
            break;
        }
        if (vmex_diff_run(model, real, &p, &d)) {
            cli_errorf("%s: %s", files.v[i], d.error);
            status = 2;
            break;
        }
        say(files.v[i], &p, &d, json);
        if (d.at >= 0) {
            diverged++;
            status = 1;
        } else {
            agreed++;
        }
    }
    /* random programs: random bytes, a linux-model header, the fuzzer's decoding */
    uint8_t *buf = nrandom && status < 2 ? malloc(2 * bytes + 256) : NULL;   /* header + up to 1.5 x bytes */
    if (nrandom && status < 2 && !buf) {
        cli_errorf("out of memory");
        status = 2;
    }
    uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
    for (uint64_t k = 0; k < nrandom && status < 2; k++) {
        vmex_program hdr;
        vmex_program_init(&hdr);
        hdr.cfg.target = VMEX_TARGET_LINUX_MODEL;
        hdr.cfg.set[VMEX_SET_WINDOW] = window;
        hdr.cfg.set_mask = 1u << VMEX_SET_WINDOW;
        vmex_layout L;
        vmex_error err = {0};
        vmex_buf enc = {0};
        if (vmex_layout_resolve(&hdr.cfg, NULL, 0, &L, &err) || vmex_encode(&hdr, &L, &enc)) {
            cli_errorf("out of memory");
            status = 2;
            vmex_program_free(&hdr);
            break;
        }
        size_t n = enc.len, len = (size_t)(bytes / 2 + rng(&s) % (bytes + 1));
        memcpy(buf, enc.p, n);
        for (size_t j = 0; j < len; j++) buf[n + j] = (uint8_t)(rng(&s) >> 24);
        vmex_buf_free(&enc);
        vmex_program_free(&hdr);
        if (vmex_decode(buf, n + len, &L, &p)) {
            cli_errorf("out of memory");
            status = 2;
            break;
        }
        if (vmex_diff_run(model, real, &p, &d)) {
            cli_errorf("random program %" PRIu64 ": %s", k, d.error);
            status = 2;
            break;
        }
        if (d.at >= 0) {
            char label[64];
            snprintf(label, sizeof label, "random program %" PRIu64 " (seed %" PRIu64 ")", k, seed);
            say(label, &p, &d, json);
            diverged++;
            status = 1;
            if (outdir && save(outdir, seed, (uint32_t)k, &p, &d)) {
                status = 2;
                break;
            }
        } else {
            agreed++;
        }
    }
    if (status < 2 && !json)
        cli_outf("%" PRIu32 " agree, %" PRIu32 " diverge\n", agreed, diverged);
    free(buf);
    vmex_program_free(&p);
    vmex_model_free(model);
    vmex_model_free(real);
    for (size_t i = 0; i < files.n; i++) free(files.v[i]);
    free(files.v);
    return cli_finish(status);
}
