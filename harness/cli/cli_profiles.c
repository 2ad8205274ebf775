/*
 * cli_profiles.c - `vmex profiles`: the device profiles and their address
 * spaces, without and with the jumbo map of extended-virtual-addressing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "report/report.h"

enum { O_JSON };
static const cli_opt opts[] = {
    [O_JSON] = {"json", 0, NULL, "JSON Lines: one object per profile"},
    {0},
};

CLI_COMMAND(profiles, .usage = "profiles [--json]", .opts = opts,
            .summary = "list the device profiles and their address spaces");

static void print_json(const vmex_layout *L, const vmex_layout *J, int jumbo)
{
    cli_outb(vmex_buf_put(cli_out(), "{\"profile\":", 11) | vmex_json_str(cli_out(), L->profile));
    cli_outb(vmex_buf_put(cli_out(), ",\"source\":", 10) | vmex_json_str(cli_out(), vmex_profile_source(L->profile)));
    cli_outf(",\"version_x10\":%" PRIu32 ",\"ram_gb\":%" PRIu32 ",\"min_offset\":%" PRIu64 ",\"max_offset\":%" PRIu64
             ",\"usable\":%" PRIu64 ",\"largest\":%" PRIu64 ",\"shared_size\":%" PRIu64
             ",\"footprint_limit\":%" PRIu64 ",\"footprint_warn\":%" PRIu64,
             L->version_x10, L->ram_gb, L->min_offset, L->max_offset, L->pristine_free, L->pristine_largest,
             L->shared_size, L->footprint_limit, L->footprint_warn);
    if (jumbo)
        cli_outf(",\"jumbo_max_offset\":%" PRIu64 ",\"jumbo_usable\":%" PRIu64 ",\"jumbo_largest\":%" PRIu64 "}\n",
                 J->max_offset, J->pristine_free, J->pristine_largest);
    else
        cli_outf(",\"jumbo_max_offset\":null,\"jumbo_usable\":null,\"jumbo_largest\":null}\n");
}

static void print_text(const vmex_layout *L, const vmex_layout *J, int jumbo)
{
    char jm[32] = "-", ju[32] = "-";
    if (jumbo) {
        snprintf(jm, sizeof jm, "0x%012" PRIx64, J->max_offset);
        vmex_human_size(J->pristine_free, ju, sizeof ju);
    }
    cli_outf("%-14s  0x%012" PRIx64 "  0x%012" PRIx64 "  %7s  %7s  %-14s  %7s  %9s  %s\n", L->profile, L->min_offset,
             L->max_offset, HS(L->pristine_free), HS(L->pristine_largest), jm, ju, HS(L->footprint_limit),
             vmex_profile_source(L->profile));
}

int cli_cmd_profiles(int argc, char **argv)
{
    cli_args p;
    const char *v;
    int k, json = 0;
    if (cli_args_init(&p, &cli_profiles_cmd, argc, argv))
        return 2;
    while ((k = cli_next(&p, &v)) == O_JSON)
        json = 1;
    cli_args_free(&p);
    if (k == CLI_HELP)
        return cli_help(&cli_profiles_cmd);
    if (k == CLI_ARG)
        cli_errorf("'vmex profiles' takes no arguments ('%s')", v);
    if (k != CLI_DONE)
        return 2;
    const char *names[CLI_MAX_PROFILES];
    size_t n = vmex_profile_list(names, CLI_MAX_PROFILES);
    if (n > CLI_MAX_PROFILES)
        n = CLI_MAX_PROFILES;
    if (!json)
        cli_outf("%-14s  %-14s  %-14s  %7s  %7s  %-14s  %7s  %9s  %s\n", "profile", "min_offset", "max_offset", "usable",
                 "largest", "jumbo max", "jumbo", "footprint", "source");
    for (size_t i = 0; i < n; i++) {
        vmex_config cfg;
        memset(&cfg, 0, sizeof cfg);
        snprintf(cfg.profile, sizeof cfg.profile, "%s", names[i]);
        vmex_layout L, J;
        vmex_error err = {0};
        if (vmex_layout_resolve(&cfg, NULL, 0, &L, &err) != 0) {
            cli_errorf("profile '%s': %s", names[i], err.msg);
            cli_discard();
            return 2;
        }
        int jumbo = vmex_layout_resolve(&cfg, NULL, VMEX_ENT_EXTENDED_VA, &J, &err) == 0 && J.jumbo;
        if (json)
            print_json(&L, &J, jumbo);
        else
            print_text(&L, &J, jumbo);
    }
    if (!json)
        cli_outf("jumbo: the map with extended-virtual-addressing (iOS 14+), '-' when not granted\n");
    return cli_finish(0);
}
