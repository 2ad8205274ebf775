/*
 * cli_triage_report.c - `vmex triage REPORT... [--html FILE] [-o DIR]
 * [--profile P]` (cli_triage_report.h): each iOS crash report is read
 * (import/crashreport.h), its address space at the crash rebuilt and
 * judged; the verdict goes to stdout: the cause with its evidence, the
 * largest hole at the crash, and the what-if across entitlements and
 * neighbouring devices in words.  --html writes the same as one page
 * with the address space at the crash (report/verdict_html.h); -o DIR
 * writes each reconstruction as DIR/<report name>.vmex.  Every report
 * must read and reconstruct before anything is written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli_triage_report.h"
#include "core/file.h"
#include "model/devices.h"
#include "report/verdict_html.h"

/* One report and what became of it. */
typedef struct one {
    vmex_report r;
    vmex_program p;
    vmex_recon rc;
    vmex_verdict v;
} one;

int cli_report_inputs(const cli_pathv *paths)
{
    char *head = malloc(VMEX_REPORT_HEAD);
    size_t reports = 0, first_other = paths->n, first_report = paths->n;
    int rc = 0;
    if (!head) {
        cli_errorf("out of memory");
        return -1;
    }
    for (size_t i = 0; i < paths->n && !rc; i++) {
        vmex_error err;
        size_t n = 0;
        FILE *f = vmex_file_open(paths->v[i], &err);
        if (!f || vmex_report_head(f, head, VMEX_REPORT_HEAD, &n, paths->v[i], &err)) {
            cli_errorf("%s: %s", paths->v[i], err.msg);
            rc = -1;
        } else if (vmex_report_detect(head, n) != VMEX_REPORT_NONE) {
            reports++;
            first_report = first_report < i ? first_report : i;
        } else {
            first_other = first_other < i ? first_other : i;
        }
        if (f)
            fclose(f);
    }
    free(head);
    if (!rc && reports && reports < paths->n) {
        cli_errorf("%s is a crash report and %s is not: triage crash reports apart from fuzzing inputs",
                   paths->v[first_report], paths->v[first_other]);
        rc = -1;
    }
    return rc ? -1 : (int)reports;
}

/* "dir/Report-2023.ips" -> "Report-2023" */
static size_t stem_len(const char *path, const char **base)
{
    const char *b = strrchr(path, '/');
    *base = b = b ? b + 1 : path;
    const char *dot = strrchr(b, '.');
    return dot && dot > b ? (size_t)(dot - b) : strlen(b);
}

/* The file of report i in dir: its stem, and -K when an earlier report
 * had the same stem (reports of the same name from two folders). */
static void out_path(const cli_pathv *paths, size_t i, const char *dir, char *buf, size_t n)
{
    const char *b, *c;
    size_t len = stem_len(paths->v[i], &b), same = 0;
    for (size_t k = 0; k < i; k++)
        same += stem_len(paths->v[k], &c) == len && !memcmp(b, c, len);
    if (same)
        snprintf(buf, n, "%s/%.*s-%zu.vmex", dir, (int)len, b, same + 1);
    else
        snprintf(buf, n, "%s/%.*s.vmex", dir, (int)len, b);
}

/* The reconstructions into dir (made now: everything else worked); when
 * one cannot be written, the ones written are removed.  0 or -1. */
static int write_programs(const cli_pathv *paths, one *all, const char *dir)
{
    if (cli_make_dirs(dir))
        return -1;
    size_t i;
    int rc = 0;
    char path[1024];
    for (i = 0; i < paths->n && !rc; i++) {
        vmex_buf text = {0};
        out_path(paths, i, dir, path, sizeof path);
        rc = vmex_print(&all[i].p, &text, all[i].rc.header.p, vmex_recon_comment, &all[i].rc);
        if (rc)
            cli_errorf("out of memory");
        else
            rc = cli_write_atomic(path, text.p, text.len);
        vmex_buf_free(&text);
    }
    for (size_t k = 0; rc && k + 1 < i; k++) {
        out_path(paths, k, dir, path, sizeof path);
        unlink(path);
    }
    return rc ? -1 : 0;
}

int cli_triage_reports(const cli_pathv *paths, const cli_report_opts *o)
{
    if (o->bad_opt) {
        cli_errorf("%s does not apply to crash reports (they take --html FILE, -o DIR and --profile P)", o->bad_opt);
        return 2;
    }
    one *all = calloc(paths->n, sizeof *all);
    vmex_verdict_item *items = calloc(paths->n, sizeof *items);
    vmex_buf page = {0};
    int status = 2;
    size_t done = 0;
    if (!all || !items) {
        cli_errorf("out of memory");
        goto out;
    }
    vmex_recon_opts ro = {o->profile};
    for (; done < paths->n; done++) {
        one *x = &all[done];
        vmex_error err;
        vmex_report_init(&x->r);
        vmex_program_init(&x->p);
        vmex_recon_init(&x->rc);
        if (vmex_report_parse_file(paths->v[done], &x->r, &err) ||
            vmex_report_to_program(&x->r, &ro, &x->p, &x->rc, &err) ||
            vmex_report_verdict(&x->r, &x->rc, &x->p, &x->v, &err)) {
            if (err.line > 0 || !err.file[0])
                vmex_error_print(&err, stderr);
            else
                cli_errorf("%s: %s", err.file, err.msg);
            done++;
            goto out;
        }
        items[done] = (vmex_verdict_item){paths->v[done], &x->r, &x->rc, &x->p, &x->v};
    }
    vmex_buf *b = cli_out();
    for (size_t i = 0; i < paths->n; i++) {
        const one *x = &all[i];
        char dev[96] = "";
        if (x->rc.device)
            snprintf(dev, sizeof dev, " (%s)", x->rc.device->name);
        cli_outb(vmex_buf_printf(b, "%s%s: %s%s, %s; modelled on %s%s\n", i ? "\n" : "", paths->v[i],
                                 x->r.model[0] ? x->r.model : "an unknown device", dev,
                                 x->r.os[0] ? x->r.os : "no OS version", x->rc.profile,
                                 x->rc.stand_in ? " (standing in)" : ""));
        cli_outb(vmex_report_verdict_text(&x->v, b));
    }
    if (o->html && vmex_verdict_html(items, paths->n, &page)) {
        cli_errorf("out of memory");
        goto out;
    }
    if (o->html && cli_write_atomic(o->html, page.p, page.len))
        goto out;
    if (o->dir && write_programs(paths, all, o->dir)) {
        if (o->html)
            unlink(o->html);                  /* all or nothing */
        goto out;
    }
    status = 0;
out:
    for (size_t i = 0; all && i < done; i++) {
        vmex_report_free(&all[i].r);
        vmex_program_free(&all[i].p);
        vmex_recon_free(&all[i].rc);
    }
    free(all);
    free(items);
    vmex_buf_free(&page);
    return status;
}
