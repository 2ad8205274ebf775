/*
 * cli_convert.c - `vmex convert IN OUT`: a binary program (a crash file)
 * to .vmex text, or .vmex text to the binary encoding, by IN's content.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "fuzz/fuzz.h"

static const cli_opt opts[] = {
    CLI_FUZZ_OPTS,
    {0},
};

CLI_COMMAND(convert, .usage = "convert IN OUT", .opts = opts, .prefixed = 1, .nbrief = CLI_FUZZ__COUNT,
            .brief = CLI_FUZZ_BRIEF,
            .summary = "binary program <-> .vmex text (by IN's content);\n"
                       "--profile, --entitlement and --target say how a\n"
                       "binary input is decoded (--hunt is ignored)");

int cli_cmd_convert(int argc, char **argv)
{
    cli_fuzz c = {.target = -1};
    const char *paths[2] = {0}, *v;
    cli_args p;
    int np = 0, k = CLI_DONE, bad = cli_args_init(&p, &cli_convert_cmd, argc, argv);
    while (!bad && (k = cli_next(&p, &v)) != CLI_DONE && k != CLI_HELP) {
        if (k == CLI_BAD) {
            bad = 1;
        } else if (k == CLI_ARG && np == 2) {
            cli_errorf("convert takes IN and OUT");
            bad = 1;
        } else if (k == CLI_ARG) {
            paths[np++] = v;
        } else {
            bad = cli_fuzz_opt(&c, k, v) != 0;
        }
    }
    cli_args_free(&p);
    if (k == CLI_HELP)
        return cli_help(&cli_convert_cmd);
    if (!bad && np != 2) {
        cli_errorf("usage: vmex convert IN OUT [--profile P] [--entitlement E]");
        bad = 1;
    }
    vmex_triage_input in;
    if (bad || cli_load(paths[0], &c, &in)) {
        if (!bad)
            cli_unload(&in);
        return 2;
    }
    vmex_buf b = {0};
    int rc;
    if (in.binary) {
        char header[300];
        snprintf(header, sizeof header, "converted from %s (binary encoding v%d, decoded on %s)", paths[0], in.version,
                 in.L.profile);
        rc = vmex_print(&in.p, &b, header, NULL, NULL);
    } else {
        /* sizes are scaled by the layout: an override must be recorded too */
        if (c.profile || c.ents)
            vmex_pin_layout(&in.p, &in.L);
        rc = vmex_encode(&in.p, &in.L, &b);
    }
    int status = 2;
    if (rc)
        cli_errorf("%s: cannot convert", paths[0]);
    else
        status = cli_write_atomic(paths[1], b.p, b.len) ? 2 : 0;
    vmex_buf_free(&b);
    cli_unload(&in);
    return status;
}
