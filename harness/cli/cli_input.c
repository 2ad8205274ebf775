/*
 * cli_input.c - what the vmex command reads (cli.h): the .vmex files of a
 * directory, whole files, and the inputs of the fuzzing commands (minimize,
 * triage, convert): binary crash files or .vmex text, told apart by
 * content.  A binary input is decoded on the layout the fuzz run used:
 * --profile and --entitlement (what ci/fuzz recorded), else the input's
 * header, else the default profile; with --target, as that target's fuzz
 * target decodes it, its VMEX_* environment included.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "core/file.h"
#include "fuzz/fuzz.h"

#define INPUT_LIMIT (64u << 20)

/* ---------------------------------------------------------------- paths */

int cli_pathv_add(cli_pathv *pv, const char *s)
{
    if (pv->n == pv->cap) {
        size_t cap = pv->cap ? pv->cap * 2 : 64;
        char **v = realloc(pv->v, cap * sizeof *v);
        if (!v)
            return -1;
        pv->v = v;
        pv->cap = cap;
    }
    if (!(pv->v[pv->n] = strdup(s)))
        return -1;
    pv->n++;
    return 0;
}

void cli_pathv_free(cli_pathv *pv)
{
    vmex_walk_free(pv);
}

int cli_ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n > k && !strcmp(s + n - k, suf);
}

static int want_vmex(const char *name) { return cli_ends_with(name, ".vmex"); }

/* a triage input: not triage's own triage.json, nor the README.txt AFL++
 * leaves in every crashes/ directory */
static int want_input(const char *name) { return strcmp(name, "triage.json") && strcmp(name, "README.txt"); }

static int walk(const char *path, cli_pathv *out, vmex_walk_want want)
{
    vmex_error err;
    if (vmex_walk_path(out, path, want, &err) == 0)
        return 0;
    cli_errorf("%s: %s", err.file[0] ? err.file : path, err.msg);
    return -1;
}

int cli_collect_dir(const char *dir, cli_pathv *out, int depth)
{
    struct stat st;
    (void)depth;
    int e = stat(dir, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
    if (e) {
        cli_errorf("cannot open directory '%s': %s", dir, strerror(e));
        return -1;
    }
    return walk(dir, out, want_vmex);
}

int cli_collect_all(const char *path, cli_pathv *out, int depth)
{
    (void)depth;
    return walk(path, out, want_input);
}

int cli_read_file(const char *path, uint8_t **data, size_t *n)
{
    vmex_error err;
    if (vmex_file_read(path, INPUT_LIMIT, (char **)data, n, &err) == 0)
        return 0;
    cli_errorf("%s: %s", path, err.msg);
    return -1;
}

/* ---------------------------------------------------------------- fuzzing inputs */

int cli_fuzz_opt(cli_fuzz *c, int k, const char *v)
{
    uint32_t order[VMEX_ENT__COUNT];
    int norder = 0, t = 0;
    switch (k) {
    case CLI_FUZZ_PROFILE:
        c->profile = v;
        return cli_check_profile(v);
    case CLI_FUZZ_ENT:
        return cli_parse_ent(v, &c->ents, order, &norder);
    case CLI_FUZZ_HUNT:
        c->hunt_text = v;
        return 0;
    default:
        while (t < VMEX_TARGET__COUNT && strcmp(v, vmex_target_name(t)))
            t++;
        if (t == VMEX_TARGET__COUNT) {
            char known[128] = "";
            for (int i = 0, at = 0; i < VMEX_TARGET__COUNT && at < (int)sizeof known; i++)
                at += snprintf(known + at, sizeof known - (size_t)at, "%s%s", i ? ", " : "", vmex_target_name(i));
            cli_errorf("unknown target '%s' (%s)", v, known);
            return -1;
        }
        c->target = t;
        return 0;
    }
}

int cli_fuzz_hunt(cli_fuzz *c)
{
    return cli_fuzz_hunt_for(c, c->target >= 0 ? c->target : VMEX_TARGET_XNU);
}

int cli_fuzz_hunt_given(const cli_fuzz *c)
{
    const char *h = getenv("VMEX_HUNT");
    return c->hunt_text || (h && *h);
}

int cli_fuzz_hunt_for(cli_fuzz *c, int target)
{
    vmex_error err = {0};
    const char *h = c->hunt_text ? c->hunt_text : getenv("VMEX_HUNT");
    if (!h || !*h)
        h = vmex_default_hunt(target);
    if (vmex_hunt_parse(h, &c->hunt, &err)) {
        cli_errorf("bad hunt policy '%s' at column %d: %s", h, err.col, err.msg);
        return -1;
    }
    return 0;
}

/* A crash file decoded as the fuzz target of c->target decodes it: its
 * fuzz environment (VMEX_PROFILE, VMEX_WINDOW, ...), then --profile and
 * --entitlement.  0, or -1 (reported). */
static int decode_as_target(const uint8_t *data, size_t n, const cli_fuzz *c, vmex_triage_input *in)
{
    vmex_fuzz_env env;
    vmex_config eff;
    vmex_error err = {0};
    if (vmex_fuzz_env_read(c->target, &env, &err)) {
        cli_errorf("%s", err.msg);
        return -1;
    }
    if (c->profile)
        snprintf(env.profile, sizeof env.profile, "%s", c->profile);
    if (c->ents)
        env.ents = c->ents;
    if (vmex_decode_layout_env(data, n, &env, &in->L, &eff) || vmex_decode(data, n, &in->L, &in->p)) {
        cli_errorf("%s: cannot decode", in->path);
        return -1;
    }
    in->p.cfg = eff;
    return 0;
}

int cli_load(const char *path, const cli_fuzz *c, vmex_triage_input *in)
{
    uint8_t *data;
    size_t n;
    vmex_error err = {0};
    int rc;
    memset(in, 0, sizeof *in);
    vmex_program_init(&in->p);
    in->path = strdup(path);
    if (!in->path || cli_read_file(path, &data, &n))
        return -1;
    /* a file that looks like text is text, and says what is wrong with it */
    in->binary = !cli_ends_with(path, ".vmex") && !vmex_looks_like_text(data, n);
    in->version = n > 0 && (uint8_t)data[0] == 2 ? 2 : 1;
    if (in->binary && c->target >= 0) {
        rc = decode_as_target(data, n, c, in);
    } else if (in->binary) {
        rc = vmex_decode_layout(data, n, c->profile, c->ents, &in->L) || vmex_decode(data, n, &in->L, &in->p);
        if (rc)
            cli_errorf("%s: cannot decode", path);
    } else {
        rc = vmex_parse((const char *)data, n, path, &in->p, &err) ||
             vmex_layout_resolve(&in->p.cfg, c->profile, c->ents, &in->L, &err);
        if (rc) {
            if (!err.file[0])
                snprintf(err.file, sizeof err.file, "%s", path);
            vmex_error_print(&err, stderr);
        }
    }
    free(data);
    return rc ? -1 : 0;
}

void cli_unload(vmex_triage_input *in)
{
    vmex_program_free(&in->p);
    free(in->path);
    in->path = NULL;
}

/* The workload file: W itself, else corpora/workloads/W.vmexw for a bare name. */
int cli_workload_path(const char *arg, char *path, size_t n)
{
    struct stat st;
    if (stat(arg, &st) == 0 || strchr(arg, '/')) {
        snprintf(path, n, "%s", arg);
        return 0;
    }
    snprintf(path, n, "corpora/workloads/%s.vmexw", arg);
    if (stat(path, &st) == 0)
        return 0;
    snprintf(path, n, "%s", arg);
    return 0;
}
