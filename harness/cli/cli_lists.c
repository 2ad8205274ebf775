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
#include <stdio.h>
#include <stdlib.h>
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

enum { T_JSON };
static const cli_opt targets_opts[] = {
    [T_JSON] = {"json", 0, NULL, "JSON Lines, with each target's default hunt (null: none)"},
    {0},
};
CLI_COMMAND(targets, .usage = "targets [--json] [NAME...]", .opts = targets_opts,
            .summary = "the fuzz targets (targets/targets.txt), a line each: NAME BACKEND INPUT\n"
                       "HUNTS ABOUT.  BACKEND: xnu, linux-model, linux or none; INPUT: program\n"
                       "or text; HUNTS: policy, diverge (linux-model against the kernel) or -\n"
                       "(nothing: a crash is a harness bug)");

enum { C_JSON };
static const cli_opt classes_opts[] = {
    [C_JSON] = {"json", 0, NULL, "JSON Lines"},
    {0},
};
CLI_COMMAND(classes, .usage = "classes [--json]", .opts = classes_opts,
            .summary = "the verdict classes (core/classes.def) in the order of their values,\n"
                       "a line each: NAME DESCRIPTION; ok is no finding, every other class is one");

enum { H_DEFAULT, H_FOR };
static const cli_opt hunt_opts[] = {
    [H_DEFAULT] = {"default", 0, NULL, "print a default hunt policy"},
    [H_FOR] = {"for", 0, "stress|TARGET", "with --default: of vmex stress, or of a fuzz target"},
    {0},
};
CLI_COMMAND(hunt, .usage = "hunt --default [--for stress|TARGET]\nhunt POLICY", .opts = hunt_opts,
            .summary = "print the default hunt policy (of fuzzing, of stress, of a fuzz target),\n"
                       "or check a POLICY and print it in full (a bad one: exit 2)");

/* Parse a command's options with flags only (k < nflags sets flag[k]) and
 * collect its operands.  Returns CLI_DONE, or the exit status + 1000 to end
 * with (help printed, or an error reported). */
static int parse_flags(const cli_command *cmd, int argc, char **argv, int *flag, const char **val,
                       const char **operand, int *noperand)
{
    cli_args a;
    const char *v;
    int k;
    *noperand = 0;
    if (cli_args_init(&a, cmd, argc, argv))
        return 1002;
    while ((k = cli_next(&a, &v)) >= 0 || k == CLI_ARG) {
        if (k == CLI_ARG) {
            operand[(*noperand)++] = v;
            continue;
        }
        flag[k] = 1;
        if (val)
            val[k] = v;
    }
    cli_args_free(&a);
    if (k == CLI_HELP)
        return 1000 + cli_help(cmd);
    return k == CLI_DONE ? CLI_DONE : 1002;
}

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
    int b = 0;
    while (b < VMEX_TARGET__COUNT && strcmp(t->backend, vmex_target_name(b)))
        b++;
    return vmex_default_hunt(b);
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
    int flag[1] = {0}, n, rc;
    const char **names = calloc((size_t)argc + 1, sizeof *names);
    if (!names)
        return 2;
    if ((rc = parse_flags(&cli_targets_cmd, argc, argv, flag, NULL, names, &n)) != CLI_DONE) {
        free(names);
        return rc - 1000;
    }
    int json = flag[T_JSON];
    for (int i = 0; i < n; i++)
        if (!find_target(names[i])) {
            unknown_target(names[i]);
            free(names);
            return 2;
        }
    int w[4] = {0, 0, 0, 0};   /* the columns line up over the whole table */
    for (size_t i = 0; i < NTARGETS; i++) {
        const char *col[4] = {targets[i].name, targets[i].backend, targets[i].input, targets[i].hunts};
        for (int k = 0; k < 4; k++)
            if ((int)strlen(col[k]) > w[k]) w[k] = (int)strlen(col[k]);
    }
    if (n == 0)
        for (size_t i = 0; i < NTARGETS; i++) print_target(&targets[i], json, w);
    for (int i = 0; i < n; i++) print_target(find_target(names[i]), json, w);
    free(names);
    return cli_finish(0);
}

int cli_cmd_classes(int argc, char **argv)
{
    int flag[1] = {0}, n, rc;
    const char *operand[1];
    if (argc > 2) {   /* classes takes one flag and no operands */
        cli_errorf("'vmex classes' takes no arguments (see 'vmex help classes')");
        return 2;
    }
    if ((rc = parse_flags(&cli_classes_cmd, argc, argv, flag, NULL, operand, &n)) != CLI_DONE)
        return rc - 1000;
    if (n) {
        cli_errorf("'vmex classes' takes no arguments ('%s')", operand[0]);
        return 2;
    }
    int json = flag[C_JSON];
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
    int flag[2] = {0, 0}, operands, rc;
    const char *val[2] = {NULL, NULL}, *operand[4];
    if (argc > 4) {
        cli_errorf("usage: vmex hunt --default [--for stress|TARGET] | vmex hunt POLICY");
        return 2;
    }
    if ((rc = parse_flags(&cli_hunt_cmd, argc, argv, flag, val, operand, &operands)) != CLI_DONE)
        return rc - 1000;
    int dflt = flag[H_DEFAULT];
    const char *what = val[H_FOR];
    if (dflt ? operands != 0 : (operands != 1 || what)) {
        cli_errorf("usage: vmex hunt --default [--for stress|TARGET] | vmex hunt POLICY");
        return 2;
    }
    if (!dflt) {
        vmex_hunt h;
        vmex_error err = {0};
        if (vmex_hunt_parse(operand[0], &h, &err)) {
            cli_errorf("bad hunt policy '%s': %s", operand[0], err.msg);
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
