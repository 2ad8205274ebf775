/*
 * cli_minimize.c - `vmex minimize IN [-o OUT]`: shrink a crash file or a
 * .vmex program to a small reproducer of the same finding (its signature),
 * annotated, its layout pinned so it stands alone.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "oracle/minimize.h"

enum { O_OUTPUT = CLI_FUZZ__COUNT };
static const cli_opt opts[] = {
    CLI_FUZZ_OPTS,
    [O_OUTPUT] = {"output", 'o', "OUT", "write the reproducer to OUT (default: standard output)"},
    {0},
};

CLI_COMMAND(minimize, .usage = "minimize IN [-o OUT]", .opts = opts, .prefixed = 1,
            .summary = "shrink a crash file or .vmex to a small reproducer\n"
                       "of the same finding (signature)");

/* The options.  0, 1 (--help, printed: *status), -1 (reported). */
static int parse(int argc, char **argv, cli_fuzz *c, const char **in, const char **out, int *status)
{
    cli_args p;
    const char *v;
    int k = CLI_DONE, bad = cli_args_init(&p, &cli_minimize_cmd, argc, argv);
    while (!bad && (k = cli_next(&p, &v)) != CLI_DONE && k != CLI_HELP) {
        if (k == CLI_BAD) {
            bad = 1;
        } else if (k == CLI_ARG && *in) {
            cli_errorf("minimize takes one input");
            bad = 1;
        } else if (k == CLI_ARG) {
            *in = v;
        } else if (k == O_OUTPUT) {
            *out = v;
        } else {
            bad = cli_fuzz_opt(c, k, v) != 0;
        }
    }
    cli_args_free(&p);
    if (k == CLI_HELP) {
        *status = cli_help(&cli_minimize_cmd);
        return 1;
    }
    if (!bad && !*in) {
        cli_errorf("usage: vmex minimize IN [-o OUT] [--profile P] [--entitlement E] [--hunt POLICY]");
        bad = 1;
    }
    return bad || cli_fuzz_hunt(c) ? -1 : 0;
}

int cli_cmd_minimize(int argc, char **argv)
{
    cli_fuzz c = {.target = -1};
    const char *in_path = NULL, *out_path = NULL;
    int status = 2, pr = parse(argc, argv, &c, &in_path, &out_path, &status);
    if (pr)
        return pr > 0 ? status : 2;
    vmex_triage_input in;
    /* no hunt given: the default of the program's own target (a jsc
     * program hunts JavaScriptCore's crashes) */
    if (cli_load(in_path, &c, &in) || (!cli_fuzz_hunt_given(&c) && cli_fuzz_hunt_for(&c, in.L.target))) {
        cli_unload(&in);
        return 2;
    }
    vmex_program out;
    vmex_program_init(&out);
    vmex_minimize_stats st;
    int rc = vmex_minimize(&in.p, &in.L, &c.hunt, &out, &st);
    if (rc == 1) {
        char h[256];
        vmex_hunt_format(&c.hunt, h, sizeof h);
        cli_errorf("%s: no finding for the hunt policy %s on %s", in_path, h, in.L.profile);
        status = 1;
    } else if (rc == 0) {
        vmex_pin_layout(&out, &in.L);
        char header[512];
        snprintf(header, sizeof header, "vmex minimize: %s, margin %.2f\nfrom %s: %u ops -> %u ops (%u runs)",
                 st.signature, st.margin, in_path, st.ops_before, st.ops_after, st.runs);
        vmex_buf text = {0};
        if (vmex_print_annotated(&out, &in.L, &c.hunt, header, &text)) {
            cli_errorf("out of memory");
        } else if (out_path) {
            status = cli_write_atomic(out_path, text.p, text.len) ? 2 : 0;
            if (!status)
                fprintf(stderr, "%s: %u ops -> %u ops, %s -> %s\n", in_path, st.ops_before, st.ops_after,
                        st.signature, out_path);
        } else {
            cli_outf("%s", text.p);
            status = 0;
        }
        vmex_buf_free(&text);
    } else {
        cli_errorf("out of memory");
    }
    vmex_program_free(&out);
    cli_unload(&in);
    return cli_finish(status);
}
