/*
 * cli_opt.c - the vmex command's options (cli.h): getopt_long driven by a
 * command's table, the help printed from the same table, and the parsers
 * of option values (sizes, entitlements, profiles, counts).
 *
 * getopt_long runs in "return in order" mode (optstring "-"), so options
 * and operands are seen in the order given and the first bad one is the
 * one reported; "--" ends the options.  It accepts unique abbreviations of
 * long names; vmex does not (an option that is a prefix of another today
 * could become ambiguous tomorrow), so each long option's text is checked
 * against its full name.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define VAL_LONG 0x1000     /* getopt_long's val for long option k: VAL_LONG + k */
#define VAL_HELP 0x0fff

int cli_args_init(cli_args *a, const cli_command *cmd, int argc, char **argv)
{
    size_t n = 0, s = 0;
    while (cmd->opts && cmd->opts[n].help)
        n++;
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    a->argc = argc;
    a->argv = argv;
    a->lo = calloc(n + 2, sizeof *a->lo);
    if (!a->lo || n > CLI_MAX_OPTS) {
        cli_errorf("out of memory");
        return -1;
    }
    a->shorts[s++] = '-';   /* operands in order, as option 1 */
    a->shorts[s++] = ':';   /* a missing value is ':' */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const cli_opt *o = &cmd->opts[i];
        if (o->short_name) {
            a->shorts[s++] = o->short_name;
            if (o->arg)
                a->shorts[s++] = ':';
        }
        if (o->name)
            a->lo[k++] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL, VAL_LONG + (int)i};
    }
    a->lo[k] = (struct option){"help", no_argument, NULL, VAL_HELP};
    optind = 0;     /* glibc: start over */
    opterr = 0;
    return 0;
}

void cli_args_free(cli_args *a)
{
    free(a->lo);
    a->lo = NULL;
}

static void unknown(const cli_args *a, const char *text)
{
    if (a->cmd->prefixed)
        cli_errorf("%s: unknown option '%s'", a->cmd->name, text);
    else
        cli_errorf("unknown option '%s' for 'vmex %s' (see 'vmex help %s')", text, a->cmd->name, a->cmd->name);
}

/* "--name" or "--name=..." in full */
static int whole(const char *text, const char *name)
{
    size_t n = strlen(name);
    return text[0] == '-' && text[1] == '-' && !strncmp(text + 2, name, n) && (text[2 + n] == '\0' || text[2 + n] == '=');
}

int cli_next(cli_args *a, const char **val)
{
    *val = NULL;
    if (a->rest) {
        if (optind >= a->argc)
            return CLI_DONE;
        *val = a->argv[optind++];
        return CLI_ARG;
    }
    int at = optind ? optind : 1;   /* the argument getopt looks at */
    int c = getopt_long(a->argc, a->argv, a->shorts, a->lo, NULL);
    if (c == -1) {                  /* "--" or the end */
        a->rest = 1;
        return cli_next(a, val);
    }
    const char *text = a->argv[at];
    if (c == 1) {
        *val = optarg;
        return CLI_ARG;
    }
    if (c == ':') {
        size_t n = strcspn(text, "=");
        cli_errorf("option '%.*s' needs a value", (int)n, text);
        return CLI_BAD;
    }
    if (c == VAL_HELP && whole(text, "help"))
        return CLI_HELP;
    int k = -1;
    if (c >= VAL_LONG) {
        k = c - VAL_LONG;
        if (!whole(text, a->cmd->opts[k].name))
            k = -1;
    } else if (c != '?' && c != VAL_HELP) {
        for (int i = 0; a->cmd->opts[i].help; i++)
            if (a->cmd->opts[i].short_name == c)
                k = i;
    }
    if (k < 0) {
        unknown(a, text);
        return CLI_BAD;
    }
    if (a->cmd->opts[k].arg && !*optarg && strchr(text, '=')) {   /* --name= */
        cli_errorf("option '%.*s' needs a value", (int)strcspn(text, "="), text);
        return CLI_BAD;
    }
    *val = optarg;
    return k;
}

/* ---------------------------------------------------------------- help */

/* text in a column: the first line after what is already there (padded to
 * col, or on a line of its own when it is past col - 2), the others at col */
static int column(vmex_buf *b, int used, int col, const char *text)
{
    int rc = 0;
    if (used > col - 2) {
        rc |= vmex_buf_printf(b, "\n");
        used = 0;
    }
    rc |= vmex_buf_printf(b, "%*s", col - used, "");
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        rc |= vmex_buf_printf(b, "%.*s\n", (int)n, p);
        p += n;
        if (*p) {
            p++;
            rc |= vmex_buf_printf(b, "%*s", col, "");
        }
    }
    return rc;
}

/* one option's line(s), its name at indent and its help at col */
static int opt_help(vmex_buf *b, const cli_opt *o, int indent, int col)
{
    char name[64];
    int n;
    if (o->short_name && o->name)
        n = snprintf(name, sizeof name, "-%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    else if (o->short_name)
        n = snprintf(name, sizeof name, "-%c%s%s", o->short_name, o->arg ? " " : "", o->arg ? o->arg : "");
    else
        n = snprintf(name, sizeof name, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    int rc = vmex_buf_printf(b, "%*s%s", indent, "", name);
    return rc | column(b, indent + n, col, o->help);
}

int cli_help_entry(const cli_command *cmd, vmex_buf *b)
{
    int rc = 0;
    const char *u = cmd->usage;
    for (;;) {   /* every form of the usage; the summary after the last */
        size_t n = strcspn(u, "\n");
        rc |= vmex_buf_printf(b, "  %.*s", (int)n, u);
        if (!u[n])
            break;
        rc |= vmex_buf_printf(b, "\n");
        u += n + 1;
    }
    rc |= column(b, 2 + (int)strcspn(u, "\n"), 28, cmd->summary);
    if (cmd->brief) {
        size_t n = strcspn(cmd->brief, "\n");
        rc |= vmex_buf_printf(b, "      %.*s", (int)n, cmd->brief);
        rc |= column(b, 6 + (int)n, 28, cmd->brief[n] ? cmd->brief + n + 1 : "");
    }
    for (int i = cmd->brief ? cmd->nbrief : 0; cmd->opts && cmd->opts[i].help; i++)
        rc |= opt_help(b, &cmd->opts[i], 6, 28);
    return rc;
}

int cli_help(const cli_command *cmd)
{
    vmex_buf *b = cli_out();
    int rc = 0;
    const char *u = cmd->usage;
    for (int first = 1; *u; first = 0) {
        size_t n = strcspn(u, "\n");
        rc |= vmex_buf_printf(b, "%s vmex %.*s\n", first ? "usage:" : "      ", (int)n, u);
        u += n + (u[n] != 0);
    }
    rc |= vmex_buf_printf(b, "\n%s\n", cmd->summary);
    rc |= vmex_buf_printf(b, "\noptions:\n");
    for (int i = 0; cmd->opts && cmd->opts[i].help; i++)
        rc |= opt_help(b, &cmd->opts[i], 2, 24);
    rc |= opt_help(b, &(cli_opt){"help", 0, NULL, "this help"}, 2, 24);
    cli_outb(rc);
    return cli_finish(0);
}

/* ---------------------------------------------------------------- values */

int cli_parse_size(const char *opt, const char *text, uint64_t *v, int allow_zero)
{
    int rc = vmex_parse_number(text, strlen(text), v);
    if (rc == -2 || (rc == 0 && *v >= VMEX_MAX_VALUE)) {
        cli_errorf("size '%s' for %s is too large (the limit is 256t)", text, opt);
        return -1;
    }
    if (rc != 0) {
        cli_errorf("bad size '%s' for %s (use e.g. 1m, 16k, 0x4000)", text, opt);
        return -1;
    }
    if (!allow_zero && *v == 0) {
        cli_errorf("%s must not be 0", opt);
        return -1;
    }
    return 0;
}

int cli_parse_ent(const char *text, uint32_t *ents, uint32_t *order, int *norder)
{
    /* a comma list is accepted too */
    const char *p = text;
    for (;;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        char name[128];
        if (n == 0 || n >= sizeof name) {
            cli_errorf("bad entitlement '%s'", text);
            return -1;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        uint32_t bit;
        if (vmex_ent_parse(name, &bit) != 0) {
            char known[256] = "";
            for (int k = 0; k < VMEX_ENT__COUNT; k++) {
                strncat(known, k ? ", " : "", sizeof known - strlen(known) - 1);
                strncat(known, vmex_ent_name(k), sizeof known - strlen(known) - 1);
            }
            cli_errorf("unknown entitlement '%s' (known: %s)", name, known);
            return -1;
        }
        if (!(*ents & bit)) {
            *ents |= bit;
            order[(*norder)++] = bit;
        }
        if (!c)
            break;
        p = c + 1;
    }
    return 0;
}

int cli_check_profile(const char *name)
{
    if (vmex_profile_valid(name))
        return 0;
    cli_errorf("unknown profile '%s' (see 'vmex profiles')", name);
    return -1;
}

/* the canonical name of one profile, into store */
static int one_profile(const char *name, char *store, size_t n)
{
    vmex_config cfg;
    vmex_layout L;
    vmex_error err;
    memset(&cfg, 0, sizeof cfg);
    memset(&err, 0, sizeof err);
    if (vmex_layout_resolve(&cfg, name, 0, &L, &err) != 0) {
        cli_errorf("%s", err.msg);
        return -1;
    }
    snprintf(store, n, "%s", L.profile);
    return 0;
}

int cli_parse_profiles(const char *text, const char **list, int *n)
{
    static char store[CLI_MAX_PROFILES][32];    /* canonical names */
    const char *p = text;
    for (;;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == 0 || len >= 32) {
            cli_errorf("bad profile list '%s'", text);
            return -1;
        }
        const char *names[CLI_MAX_PROFILES];
        size_t k = 1;
        char name[32];
        memcpy(name, p, len);
        name[len] = '\0';
        if (!strcmp(name, "all"))
            k = vmex_profile_list(names, CLI_MAX_PROFILES);
        for (size_t j = 0; j < k && j < CLI_MAX_PROFILES; j++) {
            if (*n >= CLI_MAX_PROFILES) {
                cli_errorf("too many profiles");
                return -1;
            }
            if (strcmp(name, "all")) {
                if (one_profile(name, store[*n], sizeof store[*n]))
                    return -1;
                list[*n] = store[*n];
                (*n)++;
            } else {
                list[(*n)++] = names[j];
            }
        }
        if (!c)
            break;
        p = c + 1;
    }
    return 0;
}

int cli_parse_count(const char *opt, const char *v, uint64_t *out, uint64_t max)
{
    uint64_t x = 0;
    if (!*v) {
        cli_errorf("%s needs a value", opt);
        return -1;
    }
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9') {
            cli_errorf("bad value '%s' for %s (a whole number, e.g. 1000000)", v, opt);
            return -1;
        }
        if (x > (UINT64_MAX - 9) / 10) {
            cli_errorf("%s %s is too large", opt, v);
            return -1;
        }
        x = x * 10 + (uint64_t)(*p - '0');
    }
    if (x == 0) {
        cli_errorf("%s must be greater than 0", opt);
        return -1;
    }
    if (x > max) {
        cli_errorf("%s %s is too large (the limit is %" PRIu64 ")", opt, v, max);
        return -1;
    }
    *out = x;
    return 0;
}
