/*
 * cli_diff_jsc.c - `vmex diff --target jsc [--scenario W] FILE...`: each
 * jsc program runs on the real JavaScriptCore, and the mmap calls
 * JavaScriptCore made (its start-up's and the run's) are held against the
 * mappings the model's JSC scenario claims (oracle/diff_jsc.h; W is a
 * workload, default jsc-flutter-app).  Exit 0 when every claim agrees, 1
 * when one differs, 2 on bad input or when target jsc cannot run here.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/core.h"
#include "core/fmt.h"
#include "core/json.h"
#include "oracle/diff_jsc.h"

static const char *prot_text(int p)
{
    static const char *const t[8] = {"none", "r", "w", "rw", "x", "rx", "wx", "rwx"};
    return p >= 0 && p < 8 ? t[p] : "?";
}

/* "rw", "rw noreserve", ... of an mmap call */
static const char *call_text(int prot, int flags, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s", prot_text(prot), flags & MAP_NORESERVE ? " noreserve" : "");
    return buf;
}

static void where(int32_t op, char *buf, size_t n)
{
    if (op == VMEX_JSC_STARTUP)
        snprintf(buf, n, "at start-up (outside the window)");
    else if (op == VMEX_JSC_CONTEXT)
        snprintf(buf, n, "making the run's context");
    else
        snprintf(buf, n, "in op %" PRId32, op);
}

static const char *const verdict_word[] = {"agrees", "differs: protection", "differs: size + alignment",
                                           "differs: never asked"};

static void say_claim(const vmex_jclaim *c)
{
    char size[32], align[32], pad[32], at[64], how[32];
    vmex_format_size(c->size, size, sizeof size);
    vmex_format_size(c->align, align, sizeof align);
    vmex_format_size(c->size + c->align, pad, sizeof pad);
    where(c->first_op, at, sizeof at);
    cli_outf("  %s (line %d): the model %s %s%s%s%s%s\n", c->name, c->line, c->reserve ? "reserves" : "maps", size,
             c->align ? " align " : "", c->align ? align : "", c->prot >= 0 ? " prot " : "",
             c->prot >= 0 ? prot_text(c->prot) : "");
    switch (c->verdict) {
    case VMEX_JCLAIM_AGREES:
    case VMEX_JCLAIM_PROT:
        cli_outf("    JavaScriptCore asked %s %s %" PRIu32 " time(s), first %s\n", size,
                 call_text(c->real_prot, c->real_flags, how, sizeof how), c->exact, at);
        break;
    case VMEX_JCLAIM_PADDED:
        cli_outf("    JavaScriptCore never asked %s; it asked %s %s (%s + the %s alignment, aligned by itself) %" PRIu32
                 " time(s), first %s: it needs %s of one hole where the model needs %s\n",
                 size, pad, call_text(c->real_prot, c->real_flags, how, sizeof how), size, align, c->padded, at, pad,
                 size);
        break;
    default:
        cli_outf("    JavaScriptCore asked no %s%s%s in this program\n", size, c->align ? " nor " : "",
                 c->align ? pad : "");
    }
    cli_outf("    -> %s\n", verdict_word[c->verdict]);
}

static void say_text(const char *file, const char *scenario, const vmex_jdiff *d)
{
    cli_outf("%s: JavaScriptCore made %" PRIu32 " mmap and %" PRIu32 " munmap calls; the model's JSC scenario %s"
             " claims %" PRIu32 " mapping(s) (tag %d)\n",
             file, d->nmaps, d->nunmaps, scenario, d->nclaims, VMEX_JSC_TAG);
    for (uint32_t i = 0; i < d->nclaims; i++)
        say_claim(&d->claims[i]);
    if (d->nothers) {
        cli_outf("  not in the scenario:\n");
        for (uint32_t i = 0; i < d->nothers; i++) {
            const vmex_jother *o = &d->others[i];
            char len[32], at[64], how[32];
            vmex_format_size(o->len, len, sizeof len);
            where(o->first_op, at, sizeof at);
            cli_outf("    %s %s %" PRIu32 " time(s)%s, first %s\n", len, call_text(o->prot, o->flags, how, sizeof how),
                     o->count,
                     o->failed ? " (some failed)" : "", at);
        }
        if (d->others_left_out)
            cli_outf("    and %" PRIu32 " more sizes\n", d->others_left_out);
    }
    uint32_t bad = 0;
    for (uint32_t i = 0; i < d->nclaims; i++)
        bad += d->claims[i].verdict != VMEX_JCLAIM_AGREES;
    cli_outf("%s: %s (%" PRIu32 " of %" PRIu32 " claims differ)\n", file, bad ? "differs" : "agrees", bad, d->nclaims);
}

static int say_json(const char *file, const char *scenario, const vmex_jdiff *d)
{
    vmex_buf b = {0};
    int rc = vmex_buf_printf(&b, "{\"program\":");
    rc |= vmex_json_str(&b, file);
    rc |= vmex_buf_printf(&b, ",\"scenario\":");
    rc |= vmex_json_str(&b, scenario);
    rc |= vmex_buf_printf(&b, ",\"agrees\":%s,\"mmaps\":%" PRIu32 ",\"munmaps\":%" PRIu32 ",\"claims\":[",
                          vmex_jdiff_agrees(d) ? "true" : "false", d->nmaps, d->nunmaps);
    static const char *const v[] = {"agrees", "protection", "size+alignment", "never"};
    for (uint32_t i = 0; i < d->nclaims; i++) {
        const vmex_jclaim *c = &d->claims[i];
        rc |= vmex_buf_printf(&b, "%s{\"name\":", i ? "," : "");
        rc |= vmex_json_str(&b, c->name);
        rc |= vmex_buf_printf(&b,
                              ",\"line\":%d,\"reserve\":%s,\"size\":%" PRIu64 ",\"align\":%" PRIu64
                              ",\"prot\":\"%s\",\"verdict\":\"%s\",\"exact\":%" PRIu32 ",\"padded\":%" PRIu32
                              ",\"real_prot\":\"%s\",\"real_noreserve\":%s,\"first_op\":%" PRId32 "}",
                              c->line, c->reserve ? "true" : "false", c->size, c->align,
                              c->prot >= 0 ? prot_text(c->prot) : "", v[c->verdict], c->exact, c->padded,
                              c->real_prot >= 0 ? prot_text(c->real_prot) : "",
                              c->real_flags >= 0 && (c->real_flags & MAP_NORESERVE) ? "true" : "false", c->first_op);
    }
    rc |= vmex_buf_printf(&b, "],\"others\":[");
    for (uint32_t i = 0; i < d->nothers; i++) {
        const vmex_jother *o = &d->others[i];
        rc |= vmex_buf_printf(&b, "%s{\"len\":%" PRIu64 ",\"prot\":\"%s\",\"noreserve\":%s,\"count\":%" PRIu32
                                  ",\"failed\":%" PRIu32 ",\"first_op\":%" PRId32 "}",
                              i ? "," : "", o->len, prot_text(o->prot), o->flags & MAP_NORESERVE ? "true" : "false",
                              o->count, o->failed, o->first_op);
    }
    rc |= vmex_buf_printf(&b, "]}\n");
    if (!rc) cli_outf("%s", b.p);
    vmex_buf_free(&b);
    return rc ? -1 : 0;
}

int cli_diff_jsc(char *const *files, size_t nfiles, const char *scenario, int json)
{
    char path[4096];
    cli_workload_path(scenario, path, sizeof path);
    vmex_workload *w = calloc(1, sizeof *w);
    vmex_jdiff *d = calloc(1, sizeof *d);
    vmex_jsc_call *calls = calloc(VMEX_JSC_MAX_CALLS, sizeof *calls);
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    vmex_program p;
    vmex_program_init(&p);
    vmex_error err = {0};
    int status = 2;
    if (!w || !d || !calls || !m) {
        cli_errorf("out of memory");
        goto out;
    }
    if (access(path, R_OK) != 0) {
        cli_errorf("--scenario %s: cannot read %s%s", scenario, path,
                   strchr(scenario, '/') ? "" : " (a bare name is corpora/workloads/NAME.vmexw under the current folder: "
                                                "run from the top of the source tree, or give the file)");
        goto out;
    }
    if (vmex_workload_parse_file(path, w, &err) || vmex_jdiff_claims(w, d, &err)) {
        vmex_error_print(&err, stderr);
        goto out;
    }
    status = 0;
    for (size_t i = 0; i < nfiles && status < 2; i++) {
        vmex_layout L;
        vmex_result res;
        vmex_runopts o = {0};
        if (vmex_parse_file(files[i], &p, &err) || vmex_layout_resolve(&p.cfg, NULL, 0, &L, &err)) {
            vmex_error_print(&err, stderr);
            status = 2;
        } else if (p.cfg.target != VMEX_TARGET_JSC) {
            cli_errorf("%s: vmex diff --target jsc takes programs of target jsc, not %s", files[i],
                       vmex_target_name(p.cfg.target));
            status = 2;
        } else if (vmex_model_run(m, &L, &p, &o, &res)) {
            cli_errorf("%s: %s", files[i], vmex_model_error(m));
            status = 2;
        } else {
            size_t n = vmex_jsc_calls(m, calls, VMEX_JSC_MAX_CALLS);
            vmex_jdiff_compare(calls, n < VMEX_JSC_MAX_CALLS ? n : VMEX_JSC_MAX_CALLS, d);
            if (json ? say_json(files[i], path, d) : (say_text(files[i], path, d), 0)) {
                cli_errorf("out of memory");
                status = 2;
            } else if (!vmex_jdiff_agrees(d)) {
                status = 1;
            }
        }
    }
out:
    vmex_program_free(&p);
    vmex_model_free(m);
    free(calls);
    free(d);
    free(w);
    return status;
}
