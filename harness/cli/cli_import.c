/*
 * cli_import.c - `vmex import`: a recorded trace (libvmex-record.so's
 * vmex-trace, or strace output) to a .vmex program.
 *
 *   vmex import TRACE [-o OUT.vmex] [--profile P] [--format F] [--max-ops N]
 *
 * TRACE "-" reads standard input.  The program goes to OUT (written
 * atomically, unless OUT is a device or a pipe) or to standard output,
 * with a header comment saying what the trace held and what was dropped;
 * a one-line summary goes to stderr.  A bad trace is reported as
 * FILE:LINE:COL: error: ... with exit status 2, and nothing is written.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/file.h"
#include "import/import.h"

#define IMPORT_TEXT_LIMIT (64u << 20)   /* what `vmex run` reads of a .vmex file */

enum { O_OUTPUT, O_PROFILE, O_FORMAT, O_MAX_OPS };
static const cli_opt opts[] = {
    [O_OUTPUT] = {"output", 'o', "OUT", "write the program to OUT (default: standard output)"},
    [O_PROFILE] = {"profile", 0, "P", "write a profile line"},
    [O_FORMAT] = {"format", 0, "F", "auto (default), vmex-trace or strace"},
    [O_MAX_OPS] = {"max-ops", 0, "N", "import at most N ops (default and limit 4194304)"},
    {0},
};

CLI_COMMAND(import, .usage = "import TRACE [-o OUT]", .opts = opts,
            .summary = "a recorded trace (libvmex-record.so, or strace -e\n"
                       "trace=mmap,munmap,mremap,brk) to a .vmex program");

/* The value of option k.  0 or -1 (reported). */
static int option(int k, const char *v, vmex_import_opts *o, const char **out)
{
    char *end;
    unsigned long long n;
    switch (k) {
    case O_OUTPUT:
        *out = v;
        return 0;
    case O_PROFILE:
        o->profile = v;
        return cli_check_profile(v);
    case O_FORMAT:
        if ((o->format = vmex_trace_format_parse(v)) >= 0)
            return 0;
        cli_errorf("unknown trace format '%s' (auto, vmex-trace, strace)", v);
        return -1;
    default:
        n = strtoull(v, &end, 10);
        if (*v < '0' || *v > '9' || *end || n == 0 || n > VMEX_MAX_OPS) {
            cli_errorf("--max-ops must be a number from 1 to %u", VMEX_MAX_OPS);
            return -1;
        }
        o->max_ops = (uint32_t)n;
        return 0;
    }
}

int cli_cmd_import(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *v;
    vmex_import_opts o = {0};
    cli_args a;
    int k = CLI_DONE, bad = cli_args_init(&a, &cli_import_cmd, argc, argv);
    while (!bad && (k = cli_next(&a, &v)) != CLI_DONE && k != CLI_HELP) {
        if (k == CLI_BAD) {
            bad = 1;
        } else if (k == CLI_ARG && in) {
            cli_errorf("'vmex import' takes one TRACE");
            bad = 1;
        } else if (k == CLI_ARG) {
            in = v;
        } else {
            bad = option(k, v, &o, &out) != 0;
        }
    }
    cli_args_free(&a);
    if (k == CLI_HELP)
        return cli_help(&cli_import_cmd);
    if (bad)
        return 2;
    if (!in) {
        cli_errorf("usage: vmex import TRACE [-o OUT.vmex] [--profile P] [--format auto|vmex-trace|strace] "
                   "[--max-ops N]");
        return 2;
    }

    vmex_program p;
    vmex_program_init(&p);
    vmex_import_stats st;
    vmex_error err;
    memset(&err, 0, sizeof err);
    if (!strcmp(in, "-"))
        vmex_file_note_fd(0);   /* stdin from a file is an input too: -o cannot name it */
    int rc = !strcmp(in, "-") ? vmex_import_stream(stdin, "<stdin>", &o, &p, &st, &err)
                              : vmex_import_file(in, &o, &p, &st, &err);
    if (rc) {
        if (err.line > 0 || !err.file[0])
            vmex_error_print(&err, stderr);      /* FILE:LINE:COL: error: ... */
        else
            cli_errorf("%s: %s", err.file, err.msg);
        vmex_program_free(&p);
        return 2;
    }
    vmex_buf head = {0}, text = {0};
    int status = 2;
    if (vmex_import_header(&st, !strcmp(in, "-") ? "<stdin>" : in, &head) ||
        vmex_print(&p, &text, head.p, NULL, NULL)) {
        cli_errorf("out of memory");
    } else if (text.len > IMPORT_TEXT_LIMIT) {
        cli_errorf("%s: the program would be %zu MiB, over the %u MiB a .vmex file may have; "
                   "cut it with --max-ops (it has %" PRIu32 " ops)",
                   in, text.len >> 20, IMPORT_TEXT_LIMIT >> 20, p.nops);
    } else if (out) {
        status = cli_write_atomic(out, text.p, text.len) ? 2 : 0;
    } else {
        cli_outf("%s", text.p);
        status = 0;
    }
    if (status == 0) {
        uint64_t calls = 0;
        for (int k = 0; k < VMEX_TC__COUNT; k++)
            calls += st.calls[k];
        fprintf(stderr, "%s: %s, %" PRIu64 " calls -> %" PRIu32 " ops%s%s%s\n", in,
                vmex_trace_format_name(st.format), calls, p.nops, st.truncated_line ? " (truncated)" : "",
                out ? " -> " : "", out ? out : "");
    }
    vmex_buf_free(&head);
    vmex_buf_free(&text);
    vmex_program_free(&p);
    return cli_finish(status);
}
