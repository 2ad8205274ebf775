/*
 * cli_import.c - `vmex import`: field data to .vmex programs.
 *
 *   vmex import INPUT [-o OUT.vmex] [--profile P] [--format F] [--max-ops N] [--pid N[:K]]
 *
 * INPUT "-" reads standard input.  What it holds is told by content:
 *   - an iOS crash report (.ips, legacy .crash, jetsam event report;
 *     import/crashreport.h): one program that rebuilds the address space
 *     at the crash, its header saying every choice;
 *   - a recorded trace (libvmex-record.so's vmex-trace) or strace output
 *     (import/import.h): a program per address space.  A strace log of
 *     several processes (strace -f) has several: -o p.vmex writes the
 *     first to p.vmex and each further one next to it as p-PID.vmex
 *     (p-PID.K.vmex for a pid's K-th, after an exec), all named in the
 *     summary; --pid N (N:K) picks one.
 * The programs go to OUT (written atomically, unless OUT is a device or a
 * pipe) or to standard output; a summary goes to stderr.  Bad input is
 * FILE:LINE:COL: error: ... with exit status 2, and nothing is written.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/file.h"
#include "import/crashreport.h"
#include "import/import.h"

#define IMPORT_TEXT_LIMIT (64u << 20)   /* what `vmex run` reads of a .vmex file */

enum { O_OUTPUT, O_PROFILE, O_FORMAT, O_MAX_OPS, O_PID };
static const cli_opt opts[] = {
    [O_OUTPUT] = {"output", 'o', "OUT", "write the program to OUT (default: standard output); a strace log\n"
                                        "of several processes: one file per address space next to it"},
    [O_PROFILE] = {"profile", 0, "P", "a trace: write a profile line; a crash report: run it on P\n"
                                      "(instead of the device's and the iOS version's)"},
    [O_FORMAT] = {"format", 0, "F", "auto (default: told by content), vmex-trace or strace"},
    [O_MAX_OPS] = {"max-ops", 0, "N", "import at most N ops per program (default and limit 4194304)"},
    [O_PID] = {"pid", 0, "N[:K]", "strace -f: the address space of pid N (its K-th, after K-1 execs)"},
    {0},
};

CLI_COMMAND(import, .usage = "import INPUT [-o OUT]", .opts = opts,
            .summary = "an iOS crash report (.ips, .crash, jetsam) or a recorded\n"
                       "trace (libvmex-record.so, or strace -f -e trace=mmap,munmap,\n"
                       "mremap,brk,clone,clone3,execve) to .vmex programs");

typedef struct args {
    const char *in, *out;
    vmex_import_opts o;
    int forced_format, max_ops;
} args;

/* --pid N or N:K; 0 or -1 (reported) */
static int parse_pid(const char *v, vmex_import_opts *o)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10), k = 0;
    if (*v >= '0' && *v <= '9' && *end == ':' && end[1] >= '0' && end[1] <= '9')
        k = strtoull(end + 1, &end, 10);
    if (*v < '0' || *v > '9' || *end || errno || n == 0 || n > 2147483647ull || (strchr(v, ':') && !k) ||
        k > 1000000) {
        cli_errorf("--pid takes a pid, or PID:K for its K-th address space (1, 2 after an exec, ...), not '%s'", v);
        return -1;
    }
    o->pid = (long)n;
    o->pid_seq = (uint32_t)k;
    return 0;
}

/* The value of option k.  0 or -1 (reported). */
static int option(int k, const char *v, args *a)
{
    char *end;
    unsigned long long n;
    switch (k) {
    case O_OUTPUT:
        a->out = v;
        return 0;
    case O_PROFILE:
        a->o.profile = v;
        return cli_check_profile(v);
    case O_FORMAT:
        if ((a->o.format = vmex_trace_format_parse(v)) >= 0) {
            a->forced_format = a->o.format != VMEX_TRACE_AUTO;
            return 0;
        }
        cli_errorf("unknown trace format '%s' (auto, vmex-trace, strace)", v);
        return -1;
    case O_PID:
        return parse_pid(v, &a->o);
    default:
        n = strtoull(v, &end, 10);
        if (*v < '0' || *v > '9' || *end || n == 0 || n > VMEX_MAX_OPS) {
            cli_errorf("--max-ops must be a number from 1 to %u", VMEX_MAX_OPS);
            return -1;
        }
        a->o.max_ops = (uint32_t)n;
        a->max_ops = 1;
        return 0;
    }
}

static void print_error(const vmex_error *err, const char *label)
{
    if (err->line > 0 || !err->file[0])
        vmex_error_print(err, stderr);      /* FILE:LINE:COL: error: ... */
    else
        cli_errorf("%s: %s", err->file[0] ? err->file : label, err->msg);
}

/* ---------------------------------------------------------------- crash reports */
static int import_report(FILE *f, const args *a, const char *label, const char *head, size_t nhead, int fmt)
{
    if (a->max_ops || a->o.pid) {
        cli_errorf("%s is a crash report (%s): --%s applies to traces only", label, vmex_report_format_name(fmt),
                   a->max_ops ? "max-ops" : "pid");
        return 2;
    }
    vmex_report r;
    vmex_program p;
    vmex_recon rc;
    vmex_error err;
    vmex_buf text = {0};
    int status = 2;
    vmex_report_init(&r);
    vmex_program_init(&p);
    vmex_recon_init(&rc);
    vmex_recon_opts ro = {a->o.profile};
    if (vmex_report_parse_stream(f, label, head, nhead, &r, &err) || vmex_report_to_program(&r, &ro, &p, &rc, &err)) {
        print_error(&err, label);
    } else if (vmex_print(&p, &text, rc.header.p, vmex_recon_comment, &rc)) {
        cli_errorf("out of memory");
    } else if ((status = a->out ? (cli_write_atomic(a->out, text.p, text.len) ? 2 : 0) : 0) == 0) {
        if (!a->out)
            cli_outf("%s", text.p);
        fprintf(stderr, "%s: %s report of %s, iOS %u.%u -> %s%s: %" PRIu32 " ops (%u mapped by estimate, %u at "
                        "their addresses); the request: %s%s%s%s%s\n",
                label, vmex_report_format_name(r.format), r.model[0] ? r.model : "an unknown device", r.os_major,
                r.os_minor, rc.profile, rc.stand_in ? " (standing in)" : "", p.nops, rc.estimated, rc.fixed,
                vmex_req_kind_name(rc.req_kind), rc.req_size ? " of " : "", rc.req_size ? HS(rc.req_size) : "",
                a->out ? " -> " : "", a->out ? a->out : "");
    }
    vmex_buf_free(&text);
    vmex_recon_free(&rc);
    vmex_program_free(&p);
    vmex_report_free(&r);
    return status;
}

/* ---------------------------------------------------------------- traces */
/* The text of address space k, its header included.  0 or -1 (reported). */
static int space_text(const vmex_import_space *s, const char *label, vmex_buf *text)
{
    vmex_buf head = {0};
    int rc = vmex_import_header(&s->st, label, &head) || vmex_print(&s->p, text, head.p, NULL, NULL) ? -1 : 0;
    vmex_buf_free(&head);
    if (rc)
        cli_errorf("out of memory");
    else if (text->len > IMPORT_TEXT_LIMIT) {
        cli_errorf("%s: the program would be %zu MiB, over the %u MiB a .vmex file may have; cut it with --max-ops "
                   "(it has %" PRIu32 " ops)", label, text->len >> 20, IMPORT_TEXT_LIMIT >> 20, s->p.nops);
        rc = -1;
    }
    return rc;
}

static uint64_t calls_of(const vmex_import_stats *st)
{
    uint64_t calls = 0;
    for (int k = 0; k < VMEX_TC__COUNT; k++)
        calls += st->calls[k];
    return calls;
}

/* The file of address space k of several: OUT for the first, OUT's stem
 * -PID[.SEQ] and its extension for the others. */
static void space_path(const char *out, const vmex_import_stats *st, char *buf, size_t n)
{
    if (st->space == 0) {
        snprintf(buf, n, "%s", out);
        return;
    }
    size_t len = strlen(out);
    const char *slash = strrchr(out, '/'), *dot = strrchr(out, '.');
    size_t stem = dot && dot > (slash ? slash + 1 : out) ? (size_t)(dot - out) : len;
    char seq[16] = "";
    if (st->space_seq > 1)
        snprintf(seq, sizeof seq, ".%u", st->space_seq);
    snprintf(buf, n, "%.*s-%ld%s%s", (int)stem, out, st->space_pid, seq, out + stem);
}

/* One line of the summary for an address space. */
static void space_line(const vmex_import_stats *st, const vmex_program *p, const char *path)
{
    char who[96];
    if (st->space_pid)
        snprintf(who, sizeof who, "pid %ld%s%s", st->space_pid, st->space_exe[0] ? " running " : "", st->space_exe);
    else
        snprintf(who, sizeof who, "the process without a pid prefix%s%s", st->space_exe[0] ? " running " : "",
                 st->space_exe);
    fprintf(stderr, "  %s: %s (%s), %u pid%s, %" PRIu64 " calls -> %" PRIu32 " ops\n", path, who,
            vmex_space_began_name(st->space_began), st->space_pids, st->space_pids == 1 ? "" : "s", calls_of(st),
            p->nops);
}

/* Several address spaces to their files: every text made first, then
 * written; when one cannot be written, the ones written are removed. */
static int write_spaces(const vmex_import_set *set, const args *a, const char *label)
{
    struct stat sb;
    if (stat(a->out, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        cli_errorf("%s holds %u address spaces, one file each: -o needs a file name, not '%s' (or pick one with "
                   "--pid)", label, set->n, a->out);
        return 2;
    }
    vmex_buf *texts = calloc(set->n, sizeof *texts);
    char (*paths)[1024] = calloc(set->n, sizeof *paths);
    uint32_t done = 0, k;
    int status = 2;
    if (!texts || !paths) {
        cli_errorf("out of memory");
        goto out;
    }
    for (k = 0; k < set->n; k++) {
        space_path(a->out, &set->v[k].st, paths[k], sizeof paths[k]);
        if (space_text(&set->v[k], label, &texts[k]))
            goto out;
    }
    for (done = 0; done < set->n; done++)
        if (cli_write_atomic(paths[done], texts[done].p, texts[done].len))
            break;
    if (done < set->n) {
        for (k = 0; k < done; k++)
            unlink(paths[k]);
        goto out;
    }
    const vmex_import_stats *st = &set->v[0].st;
    fprintf(stderr, "%s: strace, %" PRIu64 " lines, %u pid%s in %u address spaces:\n", label, st->lines, st->pids,
            st->pids == 1 ? "" : "s", st->spaces);
    for (k = 0; k < set->n; k++)
        space_line(&set->v[k].st, &set->v[k].p, paths[k]);
    status = 0;
out:
    for (k = 0; texts && k < set->n; k++)
        vmex_buf_free(&texts[k]);
    free(texts);
    free(paths);
    return status;
}

static int import_trace(FILE *f, const args *a, const char *label, const char *head, size_t nhead)
{
    vmex_import_set set;
    vmex_error err;
    if (vmex_import_stream_set(f, label, head, nhead, &a->o, &set, &err)) {
        print_error(&err, label);
        return 2;
    }
    int k = 0, status = 2;
    if (a->o.pid && (k = vmex_import_set_pick(&set, a->o.pid, a->o.pid_seq, label, &err)) < 0) {
        print_error(&err, label);
        vmex_import_set_free(&set);
        return 2;
    }
    if (set.n > 1 && !a->o.pid && a->out) {
        status = write_spaces(&set, a, label);
        vmex_import_set_free(&set);
        return status;
    }
    const vmex_import_space *s = &set.v[k];
    vmex_buf text = {0};
    if (space_text(s, label, &text) == 0) {
        if (a->out) {
            status = cli_write_atomic(a->out, text.p, text.len) ? 2 : 0;
        } else {
            cli_outf("%s", text.p);
            status = 0;
        }
    }
    if (status == 0) {
        fprintf(stderr, "%s: %s, %" PRIu64 " calls -> %" PRIu32 " ops%s%s%s\n", label,
                vmex_trace_format_name(s->st.format), calls_of(&s->st), s->p.nops,
                s->st.truncated_line ? " (truncated)" : "", a->out ? " -> " : "", a->out ? a->out : "");
        if (s->st.spaces > 1)
            fprintf(stderr, "%s: address space %u of %u (pid %ld)%s\n", label, s->st.space + 1, s->st.spaces,
                    s->st.space_pid, a->o.pid ? "" : "; -o FILE writes every one, --pid N picks one");
    }
    vmex_buf_free(&text);
    vmex_import_set_free(&set);
    return status;
}

int cli_cmd_import(int argc, char **argv)
{
    const char *v;
    args a;
    memset(&a, 0, sizeof a);
    cli_args ca;
    int k = CLI_DONE, bad = cli_args_init(&ca, &cli_import_cmd, argc, argv);
    while (!bad && (k = cli_next(&ca, &v)) != CLI_DONE && k != CLI_HELP) {
        if (k == CLI_BAD) {
            bad = 1;
        } else if (k == CLI_ARG && a.in) {
            cli_errorf("'vmex import' takes one INPUT");
            bad = 1;
        } else if (k == CLI_ARG) {
            a.in = v;
        } else {
            bad = option(k, v, &a) != 0;
        }
    }
    cli_args_free(&ca);
    if (k == CLI_HELP)
        return cli_help(&cli_import_cmd);
    if (bad)
        return 2;
    if (!a.in) {
        cli_errorf("usage: vmex import INPUT [-o OUT.vmex] [--profile P] [--format auto|vmex-trace|strace] "
                   "[--max-ops N] [--pid N[:K]]");
        return 2;
    }
    int is_stdin = !strcmp(a.in, "-");
    const char *label = is_stdin ? "<stdin>" : a.in;
    vmex_error err;
    if (is_stdin)
        vmex_file_note_fd(0);   /* stdin from a file is an input too: -o cannot name it */
    FILE *f = is_stdin ? stdin : vmex_file_open(a.in, &err);
    if (!f) {
        print_error(&err, label);
        return 2;
    }
    char *head = malloc(VMEX_REPORT_HEAD);
    size_t nhead = 0;
    int status = 2;
    if (!head) {
        cli_errorf("out of memory");
    } else if (vmex_report_head(f, head, VMEX_REPORT_HEAD, &nhead, label, &err)) {
        print_error(&err, label);
    } else {
        int fmt = a.forced_format ? VMEX_REPORT_NONE : vmex_report_detect(head, nhead);
        status = fmt != VMEX_REPORT_NONE ? import_report(f, &a, label, head, nhead, fmt)
                                         : import_trace(f, &a, label, head, nhead);
    }
    free(head);
    if (!is_stdin)
        fclose(f);
    if (status == 2) {
        cli_discard();
        return 2;
    }
    return cli_finish(status);
}
