/*
 * cli_input.c - what the vmex command reads (cli.h): the .vmex files of a
 * directory, whole files, and the inputs of the fuzzing commands (minimize,
 * triage, convert): binary crash files or .vmex text, told apart by
 * content.  A binary input is decoded on the layout the fuzz run used:
 * --profile and --entitlement (what ci/fuzz recorded), else the input's
 * header, else the default profile; with --target, as that target's fuzz
 * target decodes it, its VMEX_* environment included.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
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
    for (size_t i = 0; i < pv->n; i++)
        free(pv->v[i]);
    free(pv->v);
    memset(pv, 0, sizeof *pv);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int cli_ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n > k && !strcmp(s + n - k, suf);
}

/* dir/name, or NULL (reported) */
static char *join(const char *dir, const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *full = malloc(len);
    if (!full) {
        cli_errorf("out of memory");
        return NULL;
    }
    int slash = dir[0] && dir[strlen(dir) - 1] == '/';
    snprintf(full, len, "%s%s%s", dir, slash ? "" : "/", name);
    return full;
}

/* *.vmex under dir, recursively, in sorted order (symlinked directories
 * are not followed, so there are no cycles). */
int cli_collect_dir(const char *dir, cli_pathv *out, int depth)
{
    if (depth > 64) {
        cli_errorf("'%s': directories nested too deeply", dir);
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        cli_errorf("cannot open directory '%s': %s", dir, strerror(errno));
        return -1;
    }
    cli_pathv names = {0};
    struct dirent *e;
    int rc = 0;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (cli_pathv_add(&names, e->d_name)) {
            cli_errorf("out of memory");
            rc = -1;
            break;
        }
    }
    if (!rc && errno) {
        cli_errorf("cannot read directory '%s': %s", dir, strerror(errno));
        rc = -1;
    }
    closedir(d);
    if (names.n)
        qsort(names.v, names.n, sizeof *names.v, cmp_str);
    for (size_t i = 0; i < names.n && !rc; i++) {
        char *full = join(dir, names.v[i]);
        struct stat st;
        if (!full) {
            rc = -1;
        } else if (lstat(full, &st) != 0) {
            cli_errorf("cannot open '%s': %s", full, strerror(errno));
            rc = -1;
        } else if (S_ISDIR(st.st_mode)) {
            rc = cli_collect_dir(full, out, depth + 1);
        } else if (cli_ends_with(names.v[i], ".vmex") && cli_pathv_add(out, full)) {
            cli_errorf("out of memory");
            rc = -1;
        }
        free(full);
    }
    cli_pathv_free(&names);
    return rc;
}

int cli_collect_all(const char *path, cli_pathv *out, int depth)
{
    struct stat st;
    if (stat(path, &st)) {
        cli_errorf("%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return cli_pathv_add(out, path) ? -1 : 0;
    if (depth > 32)
        return 0;
    DIR *d = opendir(path);
    if (!d) {
        cli_errorf("%s: %s", path, strerror(errno));
        return -1;
    }
    cli_pathv names = {0};
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && strcmp(e->d_name, "triage.json"))
            cli_pathv_add(&names, e->d_name);
    closedir(d);
    int rc = 0;
    for (size_t i = 0; i < names.n && !rc; i++) {
        size_t len = strlen(path) + strlen(names.v[i]) + 2;
        char *full = malloc(len);
        if (!full) {
            rc = -1;
            break;
        }
        snprintf(full, len, "%s/%s", path, names.v[i]);
        rc = cli_collect_all(full, out, depth + 1);
        free(full);
    }
    cli_pathv_free(&names);
    return rc;
}

int cli_read_file(const char *path, uint8_t **data, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_errorf("%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap || ferror(f))
            break;
        if (cap >= INPUT_LIMIT) {
            cli_errorf("%s: larger than 64 MiB", path);
            free(buf);
            fclose(f);
            return -1;
        }
        uint8_t *nb = realloc(buf, cap * 2);
        if (!nb)
            free(buf);
        buf = nb;
        cap *= 2;
    }
    int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        cli_errorf("%s: cannot read%s", path, buf ? "" : ": out of memory");
        free(buf);
        return -1;
    }
    *data = buf;
    *n = len;
    return 0;
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
            cli_errorf("unknown target '%s' (xnu, linux-model, linux)", v);
            return -1;
        }
        c->target = t;
        return 0;
    }
}

int cli_fuzz_hunt(cli_fuzz *c)
{
    vmex_error err = {0};
    const char *h = c->hunt_text ? c->hunt_text : getenv("VMEX_HUNT");
    if (!h || !*h)
        h = VMEX_DEFAULT_HUNT;
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
    in->binary = vmex_is_binary(data, n);
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
