/*
 * cli.c - main() of the `vmex` command: the table of commands, `vmex
 * help` and `vmex --version`.  Each command lives in its own file
 * (cli_<command>.c) with the table of its options (cli.h).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#define VMEX_VERSION "0.1.0"

/* In the order `vmex help` lists them. */
static const cli_command *const commands[] = {
    &cli_run_cmd,
    &cli_check_cmd,
    &cli_probe_cmd,
    &cli_profiles_cmd,
    &cli_minimize_cmd,
    &cli_triage_cmd,
    &cli_convert_cmd,
    &cli_import_cmd,
    &cli_stress_cmd,
    &cli_diff_cmd,
    &cli_bench_cmd,
    &cli_plot_cmd,
    &cli_targets_cmd,
    &cli_classes_cmd,
    &cli_hunt_cmd,
    &cli_findings_cmd,
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const char intro[] =
    "usage: vmex COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "vmex stresses virtual address spaces: a .vmex program of mapping ops runs on\n"
    "a model of an iOS app's XNU vm_map (target xnu), on Linux's placement\n"
    "(target linux-model) or on the real kernel and allocators in a confined\n"
    "window (target linux), and every failed request is classified (frag,\n"
    "exhausted, too-large, jetsam, map-count; crash and hang on target linux).\n"
    "\n"
    "commands:\n";

static const char outro[] =
    "  help [COMMAND], --help    this text, or COMMAND's options (also: vmex COMMAND --help)\n"
    "  --version                 print the version\n"
    "\n"
    "sizes: decimal or 0x hex with an optional k/m/g/t suffix (binary units).\n"
    "entitlements: dynamic-codesigning, extended-virtual-addressing,\n"
    "  increased-memory-limit, increased-debugging-memory-limit (or the full\n"
    "  com.apple.developer.kernel.* names).\n"
    "hunt policies: CLASS[:margin>=X,size>=SIZE][;...], default " VMEX_DEFAULT_HUNT "\n"
    "exit status: 0 ok, 1 a finding or a failed check/expect (minimize: no finding,\n"
    "  triage: a new signature), 2 usage or input error.\n";

/* The whole of `vmex help`, from the commands' tables. */
static int usage(vmex_buf *b)
{
    int rc = vmex_buf_put(b, intro, sizeof intro - 1);
    for (size_t i = 0; i < NCOMMANDS; i++)
        rc |= cli_help_entry(commands[i], b);
    return rc | vmex_buf_put(b, outro, sizeof outro - 1);
}

static const cli_command *find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i]->name, name))
            return commands[i];
    return NULL;
}

/* `vmex help [COMMAND]`, `vmex --help` */
static int help(int argc, char **argv)
{
    const char *cmd = argv[1];
    if (argc > 2 && strcmp(cmd, "help") != 0) {
        cli_errorf("'%s' takes no arguments", cmd);
        return 2;
    }
    if (argc > 3) {
        cli_errorf("'vmex help' takes one COMMAND");
        return 2;
    }
    if (argc == 3) {
        const cli_command *c = find(argv[2]);
        if (c)
            return cli_help(c);
        cli_errorf("unknown command '%s' (see 'vmex help')", argv[2]);
        return 2;
    }
    cli_outb(usage(cli_out()));
    return cli_finish(0);
}

int main(int argc, char **argv)
{
    /* a file size limit must give a clean error, not a killed process */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2) {
        vmex_buf b = {0};
        if (usage(&b) == 0)
            fputs(b.p, stderr);
        vmex_buf_free(&b);
        return 2;
    }
    const char *cmd = argv[1];
    const cli_command *c = find(cmd);
    if (c)   /* the files a command staged but did not commit are written or dropped */
        return cli_files_end(c->run(argc - 1, argv + 1));
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h"))
        return help(argc, argv);
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        cli_outf("vmex %s\n", VMEX_VERSION);
        return cli_finish(0);
    }
    if (cmd[0] == '-')
        cli_errorf("unknown option '%s' (see 'vmex help')", cmd);
    else
        cli_errorf("unknown command '%s' (see 'vmex help')", cmd);
    return 2;
}
