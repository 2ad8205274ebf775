/*
 * cli_lists.c - the commands that print vmex's lists and defaults, for
 * people and for the ci/ scripts, which ask them instead of keeping copies:
 *
 *   vmex targets [--json] [NAME...]             the fuzz targets
 *   vmex classes [--json]                       the verdict classes
 *   vmex hunt --default [--for stress|TARGET]   a default hunt policy
 *   vmex hunt POLICY                            a policy checked, in full
 *
 * The targets are targets/targets.txt as CMake read it (vmex_targets.inc in
 * the build tree), the classes core/classes.def, the defaults vmex.h's
 * VMEX_DEFAULT_HUNT*.  Text output is one line per entry, columns
 * separated by spaces (`read -r NAME BACKEND INPUT HUNTS ABOUT`); --json is
 * JSON Lines.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "vmex.h"

typedef struct target_row {
    const char *name, *backend, *input, *hunts, *about;
} target_row;

static const target_row targets[] = {
#include "vmex_targets.inc"
};
#define NTARGETS (sizeof targets / sizeof targets[0])

static const char targets_usage[] =
    "usage: vmex targets [--json] [NAME...]\n"
    "The fuzz targets (targets/targets.txt), all or the named ones, a line each:\n"
    "NAME BACKEND INPUT HUNTS ABOUT.  BACKEND: xnu, linux-model, linux or none;\n"
    "INPUT: program or text; HUNTS: policy (its hunt policy's findings), diverge\n"
    "(linux-model against the kernel) or - (nothing: a crash is a harness bug).\n"
    "  --json    JSON Lines, with each target's default hunt (null: none)\n";
static const char classes_usage[] =
    "usage: vmex classes [--json]\n"
    "The verdict classes (core/classes.def), in the order of their values, a line\n"
    "each: NAME DESCRIPTION.  ok is no finding; every other class is one.\n"
    "  --json    JSON Lines\n";
static const char hunt_usage[] =
    "usage: vmex hunt --default [--for stress|TARGET]\n"
    "       vmex hunt POLICY\n"
    "Print the default hunt policy: of fuzzing (no --for), of vmex stress, or\n"
    "of a fuzz target (see vmex targets).  With a POLICY, check it and print\n"
    "it in full (every bound written out); a bad one is an error (exit 2).\n";

/* The next option (getopt_long over argv, argv[0] the command, stopping at
 * the first operand): its value, or -1 at the end of the options, -2 after
 * printing the usage (--help), -3 after a usage error. */
static int next_opt(int argc, char **argv, const struct option *opts, const char *usage)
{
    opterr = 0;
    int c = getopt_long(argc, argv, "+:h", opts, NULL);
    if (c == 'h') {
        cli_outf("%s", usage);
        return -2;
    }
    if (c == '?' || c == ':') {
        cli_errorf("%s: %s '%s' (see 'vmex %s --help')", argv[0],
                   c == ':' ? "a value is missing after" : "unknown option", argv[optind - 1], argv[0]);
        return -3;
    }
    return c;
}

/* the exit status after next_opt returned c < -1 */
#define OPT_EXIT(c) ((c) == -2 ? cli_finish(0) : 2)

static const target_row *find_target(const char *name)
{
    for (size_t i = 0; i < NTARGETS; i++)
        if (!strcmp(targets[i].name, name)) return &targets[i];
    return NULL;
}

static void unknown_target(const char *name)
{
    char known[512] = "";
    for (size_t i = 0, at = 0; i < NTARGETS && at < sizeof known; i++)
        at += (size_t)snprintf(known + at, sizeof known - at, "%s%s", i ? ", " : "", targets[i].name);
    cli_errorf("unknown target '%s' (targets: %s)", name, known);
}

/* The hunt policy a target runs with when none is given; NULL when it
 * hunts nothing. */
static const char *target_hunt(const target_row *t)
{
    if (!strcmp(t->hunts, "diverge")) return vmex_class_name(VMEX_DIVERGE);
    if (strcmp(t->hunts, "policy")) return NULL;
    if (!strcmp(t->backend, vmex_target_name(VMEX_TARGET_JSC))) return VMEX_DEFAULT_HUNT_JSC;
    return strcmp(t->backend, vmex_target_name(VMEX_TARGET_LINUX)) ? VMEX_DEFAULT_HUNT : VMEX_DEFAULT_HUNT_LINUX;
}

/* w: the widths of the first four columns */
static void print_target(const target_row *t, int json, const int w[4])
{
    if (json) {
        const char *h = target_hunt(t);
        /* CMake refuses quotes and backslashes in the table: no escaping */
        cli_outf("{\"name\":\"%s\",\"backend\":\"%s\",\"input\":\"%s\",\"hunts\":\"%s\",\"default_hunt\":%s%s%s,"
                 "\"about\":\"%s\"}\n",
                 t->name, t->backend, t->input, t->hunts, h ? "\"" : "", h ? h : "null", h ? "\"" : "", t->about);
        return;
    }
    cli_outf("%-*s  %-*s  %-*s  %-*s  %s\n", w[0], t->name, w[1], t->backend, w[2], t->input, w[3], t->hunts,
             t->about);
}

int cli_cmd_targets(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0}};
    int json = 0, c;
    optind = 1;
    while ((c = next_opt(argc, argv, opts, targets_usage)) != -1) {
        if (c < -1) return OPT_EXIT(c);
        json = 1;
    }
    for (int i = optind; i < argc; i++)
        if (!find_target(argv[i])) {
            unknown_target(argv[i]);
            return 2;
        }
    int w[4] = {0, 0, 0, 0};   /* the columns line up over the whole table */
    for (size_t i = 0; i < NTARGETS; i++) {
        const char *col[4] = {targets[i].name, targets[i].backend, targets[i].input, targets[i].hunts};
        for (int k = 0; k < 4; k++)
            if ((int)strlen(col[k]) > w[k]) w[k] = (int)strlen(col[k]);
    }
    if (optind == argc)
        for (size_t i = 0; i < NTARGETS; i++) print_target(&targets[i], json, w);
    for (int i = optind; i < argc; i++) print_target(find_target(argv[i]), json, w);
    return cli_finish(0);
}

int cli_cmd_classes(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0}};
    int json = 0, c;
    optind = 1;
    while ((c = next_opt(argc, argv, opts, classes_usage)) != -1) {
        if (c < -1) return OPT_EXIT(c);
        json = 1;
    }
    if (optind < argc) {
        cli_errorf("classes: unexpected '%s' (see 'vmex classes --help')", argv[optind]);
        return 2;
    }
#define CLASS_ROW(E, id, name, desc) {VMEX_##E, name, desc},
    static const struct { int value; const char *name, *desc; } rows[] = {VMEX_CLASSES(CLASS_ROW)};
#undef CLASS_ROW
    int w = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if ((int)strlen(rows[i].name) > w) w = (int)strlen(rows[i].name);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (json)
            cli_outf("{\"name\":\"%s\",\"value\":%d,\"finding\":%s,\"about\":\"%s\"}\n", rows[i].name, rows[i].value,
                     rows[i].value != VMEX_OK ? "true" : "false", rows[i].desc);
        else
            cli_outf("%-*s  %s\n", w, rows[i].name, rows[i].desc);
    }
    return cli_finish(0);
}

int cli_cmd_hunt(int argc, char **argv)
{
    static const struct option opts[] = {{"default", no_argument, NULL, 'd'},
                                         {"for", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    int dflt = 0, c;
    const char *what = NULL;
    optind = 1;
    while ((c = next_opt(argc, argv, opts, hunt_usage)) != -1) {
        if (c < -1) return OPT_EXIT(c);
        if (c == 'd') dflt = 1;
        else what = optarg;
    }
    int operands = argc - optind;
    if (dflt ? operands != 0 : (operands != 1 || what)) {
        cli_errorf("usage: vmex hunt --default [--for stress|TARGET] | vmex hunt POLICY");
        return 2;
    }
    if (!dflt) {
        vmex_hunt h;
        vmex_error err = {0};
        if (vmex_hunt_parse(argv[optind], &h, &err)) {
            cli_errorf("bad hunt policy '%s': %s", argv[optind], err.msg);
            return 2;
        }
        char text[512];
        vmex_hunt_format(&h, text, sizeof text);
        cli_outf("%s\n", text);
        return cli_finish(0);
    }
    const char *h = VMEX_DEFAULT_HUNT;
    if (what && !strcmp(what, "stress"))
        h = VMEX_DEFAULT_HUNT_STRESS;
    else if (what) {
        const target_row *t = find_target(what);
        if (!t) {
            unknown_target(what);
            return 2;
        }
        if (!(h = target_hunt(t))) {
            cli_errorf("%s hunts nothing: any crash of it is a harness bug", t->name);
            return 2;
        }
    }
    cli_outf("%s\n", h);
    return cli_finish(0);
}
