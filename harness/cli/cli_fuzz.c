/*
 * cli_fuzz.c - the fuzzing side of the vmex command: minimize, convert,
 * triage.
 *
 * Inputs are binary crash files or .vmex text, told apart by content.  A
 * binary input is decoded on the layout the fuzz run used: --profile and
 * --entitlement (what ci/fuzz recorded), else the input's header, else the
 * default profile.  Everything written goes through cli_write_atomic().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "fuzz/fuzz.h"
#include "core/core.h"
#include "fuzz/minimize.h"
#include "report/report.h"

#define INPUT_LIMIT (64u << 20)

typedef struct input {
    char *path;
    vmex_program p;
    vmex_layout L;
    int binary;
    int version;   /* of a binary input: 2, else 1 (codec.h) */
} input;

typedef struct common {
    const char *profile;
    uint32_t ents;
    int target;   /* --target: decode binary inputs as that hunter does, -1 by their header */
    vmex_hunt hunt;
    const char *hunt_text;
} common;

static int read_file(const char *path, uint8_t **data, size_t *n)
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
        if (len < cap || ferror(f)) break;
        if (cap >= INPUT_LIMIT) {
            cli_errorf("%s: larger than 64 MiB", path);
            free(buf);
            fclose(f);
            return -1;
        }
        uint8_t *nb = realloc(buf, cap * 2);
        if (!nb) free(buf);
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

/* Load a binary or text program and its layout.  0 or -1 (reported). */
static int load(const char *path, const common *c, input *in)
{
    uint8_t *data;
    size_t n;
    vmex_error err = {0};
    vmex_program_init(&in->p);
    in->path = strdup(path);
    if (!in->path || read_file(path, &data, &n)) return -1;
    in->binary = vmex_is_binary(data, n);
    in->version = n > 0 && (uint8_t)data[0] == 2 ? 2 : 1;
    int rc;
    if (in->binary && c->target >= 0) {
        /* as the fuzz target of that target decodes it: its fuzz environment
         * (VMEX_PROFILE, VMEX_WINDOW, ...), then --profile/--entitlement */
        vmex_fuzz_env env;
        vmex_config eff;
        if (vmex_fuzz_env_read(c->target, &env, &err)) {
            cli_errorf("%s", err.msg);
            free(data);
            return -1;
        }
        if (c->profile) snprintf(env.profile, sizeof env.profile, "%s", c->profile);
        if (c->ents) env.ents = c->ents;
        rc = vmex_decode_layout_env(data, n, &env, &in->L, &eff) || vmex_decode(data, n, &in->L, &in->p);
        if (rc) cli_errorf("%s: cannot decode", path);
        else in->p.cfg = eff;
    } else if (in->binary) {
        rc = vmex_decode_layout(data, n, c->profile, c->ents, &in->L) || vmex_decode(data, n, &in->L, &in->p);
        if (rc) cli_errorf("%s: cannot decode", path);
    } else {
        rc = vmex_parse((const char *)data, n, path, &in->p, &err) ||
             vmex_layout_resolve(&in->p.cfg, c->profile, c->ents, &in->L, &err);
        if (rc) {
            if (!err.file[0]) snprintf(err.file, sizeof err.file, "%s", path);
            vmex_error_print(&err, stderr);
        }
    }
    free(data);
    return rc ? -1 : 0;
}

static void unload(input *in)
{
    vmex_program_free(&in->p);
    free(in->path);
    in->path = NULL;
}

/* The options every command here takes.  1 when argv[*i] was one of them. */
static int common_opt(int argc, char **argv, int *i, common *c, int *bad)
{
    const char *v;
    if (cli_value_opt(argc, argv, i, "--profile", &v, bad)) {
        if (!*bad && !vmex_profile_valid(v)) {
            cli_errorf("unknown profile '%s' (see 'vmex profiles')", v);
            *bad = 1;
        }
        c->profile = v;
        return 1;
    }
    if (cli_value_opt(argc, argv, i, "--entitlement", &v, bad)) {
        uint32_t order[VMEX_ENT__COUNT];
        int norder = 0;
        if (!*bad && cli_parse_ent(v, &c->ents, order, &norder)) *bad = 1;
        return 1;
    }
    if (cli_value_opt(argc, argv, i, "--hunt", &v, bad)) {
        c->hunt_text = v;
        return 1;
    }
    if (cli_value_opt(argc, argv, i, "--target", &v, bad)) {
        int t = 0;
        while (t < VMEX_TARGET__COUNT && strcmp(v, vmex_target_name(t))) t++;
        if (!*bad && t == VMEX_TARGET__COUNT) {
            cli_errorf("unknown target '%s' (xnu, linux-model, linux)", v);
            *bad = 1;
        }
        c->target = t;
        return 1;
    }
    return 0;
}

static int common_finish(common *c)
{
    vmex_error err = {0};
    const char *h = c->hunt_text ? c->hunt_text : getenv("VMEX_HUNT");
    if (!h || !*h) h = VMEX_DEFAULT_HUNT;
    if (vmex_hunt_parse(h, &c->hunt, &err)) {
        cli_errorf("bad hunt policy '%s' at column %d: %s", h, err.col, err.msg);
        return -1;
    }
    return 0;
}

/* Make the program self-contained: the profile and entitlements it ran on
 * (xnu), the window and allocator (linux: a crash file's come from the
 * fuzz environment, VMEX_WINDOW and VMEX_ALLOCATOR). */
static void pin_layout(vmex_program *p, const vmex_layout *L)
{
    p->cfg.target = L->target;
    if (L->target != VMEX_TARGET_XNU) {
        p->cfg.set[VMEX_SET_WINDOW] = L->window;
        p->cfg.set_mask |= 1ull << VMEX_SET_WINDOW;
        if (vmex_set_applies(VMEX_SET_ALLOCATOR, L->target)) {   /* not on jsc: JavaScriptCore's own */
            p->cfg.set[VMEX_SET_ALLOCATOR] = L->allocator;
            p->cfg.set_mask |= 1ull << VMEX_SET_ALLOCATOR;
        }
        return;
    }
    snprintf(p->cfg.profile, sizeof p->cfg.profile, "%s", L->profile);
    p->cfg.ents = L->ents;
}

/* ------------------------------------------------------------ minimize */
int cli_cmd_minimize(int argc, char **argv)
{
    common c = {.target = -1};
    const char *in_path = NULL, *out_path = NULL;
    int bad = 0;
    for (int i = 1; i < argc && !bad; i++) {
        if (common_opt(argc, argv, &i, &c, &bad)) continue;
        const char *v;
        if (!strcmp(argv[i], "-o")) {
            if (i + 1 >= argc) {
                cli_errorf("option '-o' needs a value");
                return 2;
            }
            out_path = argv[++i];
            continue;
        }
        if (cli_value_opt(argc, argv, &i, "--output", &v, &bad)) {
            out_path = v;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1]) {
            cli_errorf("minimize: unknown option '%s'", argv[i]);
            return 2;
        }
        if (in_path) {
            cli_errorf("minimize takes one input");
            return 2;
        }
        in_path = argv[i];
    }
    if (bad) return 2;
    if (!in_path) {
        cli_errorf("usage: vmex minimize IN [-o OUT] [--profile P] [--entitlement E] [--hunt POLICY]");
        return 2;
    }
    if (common_finish(&c)) return 2;
    input in;
    if (load(in_path, &c, &in)) {
        unload(&in);
        return 2;
    }
    vmex_program out;
    vmex_program_init(&out);
    vmex_minimize_stats st;
    int rc = vmex_minimize(&in.p, &in.L, &c.hunt, &out, &st), status = 2;
    if (rc == 1) {
        char h[256];
        vmex_hunt_format(&c.hunt, h, sizeof h);
        cli_errorf("%s: no finding for the hunt policy %s on %s", in_path, h, in.L.profile);
        status = 1;
    } else if (rc == 0) {
        pin_layout(&out, &in.L);
        char header[512];
        snprintf(header, sizeof header,
                 "vmex minimize: %s, margin %.2f\nfrom %s: %u ops -> %u ops (%u runs)", st.signature, st.margin,
                 in_path, st.ops_before, st.ops_after, st.runs);
        vmex_buf text = {0};
        if (vmex_print_annotated(&out, &in.L, &c.hunt, header, &text)) {
            cli_errorf("out of memory");
        } else if (out_path) {
            status = cli_write_atomic(out_path, text.p, text.len) ? 2 : 0;
            if (!status) fprintf(stderr, "%s: %u ops -> %u ops, %s -> %s\n", in_path, st.ops_before, st.ops_after,
                                 st.signature, out_path);
        } else {
            cli_outf("%s", text.p);
            status = 0;
        }
        vmex_buf_free(&text);
    } else
        cli_errorf("out of memory");
    vmex_program_free(&out);
    unload(&in);
    return cli_finish(status);
}

/* ------------------------------------------------------------ convert */
int cli_cmd_convert(int argc, char **argv)
{
    common c = {.target = -1};
    const char *paths[2] = {0};
    int np = 0, bad = 0;
    for (int i = 1; i < argc && !bad; i++) {
        if (common_opt(argc, argv, &i, &c, &bad)) continue;
        if (argv[i][0] == '-' && argv[i][1]) {
            cli_errorf("convert: unknown option '%s'", argv[i]);
            return 2;
        }
        if (np == 2) {
            cli_errorf("convert takes IN and OUT");
            return 2;
        }
        paths[np++] = argv[i];
    }
    if (bad) return 2;
    if (np != 2) {
        cli_errorf("usage: vmex convert IN OUT [--profile P] [--entitlement E]");
        return 2;
    }
    input in;
    if (load(paths[0], &c, &in)) {
        unload(&in);
        return 2;
    }
    vmex_buf b = {0};
    int rc;
    if (in.binary) {
        char header[300];
        snprintf(header, sizeof header, "converted from %s (binary encoding v%d, decoded on %s)", paths[0],
                 in.version, in.L.profile);
        rc = vmex_print(&in.p, &b, header, NULL, NULL);
    } else {
        /* sizes are scaled by the layout: an override must be recorded too */
        if (c.profile || c.ents) pin_layout(&in.p, &in.L);
        rc = vmex_encode(&in.p, &in.L, &b);
    }
    int status = 2;
    if (rc)
        cli_errorf("%s: cannot convert", paths[0]);
    else
        status = cli_write_atomic(paths[1], b.p, b.len) ? 2 : 0;
    vmex_buf_free(&b);
    unload(&in);
    return status;
}

/* ------------------------------------------------------------ triage */
typedef struct replay {
    int found;
    char sig[128];
    double margin;
    int cls;
} replay;

/* real: the kernel side of a diverge hunt, made on first use */
static void replay_once(vmex_model *m, vmex_model **real, const input *in, const vmex_hunt *h, replay *r)
{
    vmex_result res;
    memset(r, 0, sizeof *r);
    if (vmex_find(m, real, &in->L, &in->p, h, &res, r->sig, sizeof r->sig) != 1) {
        r->sig[0] = '\0';
        return;
    }
    r->found = 1;
    r->cls = res.verdict;
    r->margin = res.margin;
}

/* every regular file under path (not hidden), sorted */
static int collect_all(const char *path, cli_pathv *out, int depth)
{
    struct stat st;
    if (stat(path, &st)) {
        cli_errorf("%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) return cli_pathv_add(out, path) ? -1 : 0;
    if (depth > 32) return 0;
    DIR *d = opendir(path);
    if (!d) {
        cli_errorf("%s: %s", path, strerror(errno));
        return -1;
    }
    cli_pathv names = {0};
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && strcmp(e->d_name, "triage.json")) cli_pathv_add(&names, e->d_name);
    closedir(d);
    int rc = 0;
    for (size_t i = 0; i < names.n; i++) {
        size_t len = strlen(path) + strlen(names.v[i]) + 2;
        char *full = malloc(len);
        if (!full) return -1;
        snprintf(full, len, "%s/%s", path, names.v[i]);
        if (!rc) rc = collect_all(full, out, depth + 1);
        free(full);
        free(names.v[i]);
    }
    free(names.v);
    return rc;
}

static int cmp_path(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

typedef struct group {
    char sig[128];
    int cls, flaky, known, inputs;
    double margin;
    size_t best;               /* index of the input with the fewest ops */
    uint32_t ops_before, ops_after;
    char known_as[512], out[768];
    int minimized;
} group;

/* signatures of the reproducers under dir: each run hunting its own class */
static int known_signatures(const char *dir, const common *c, cli_pathv *sigs, cli_pathv *files)
{
    cli_pathv v = {0};
    if (cli_collect_dir(dir, &v, 0)) return -1;
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST), *real = NULL;
    for (size_t i = 0; m && i < v.n; i++) {
        input in;
        common kc = *c;
        kc.profile = NULL;   /* a reproducer carries its own profile */
        kc.ents = 0;
        if (load(v.v[i], &kc, &in) == 0 && in.p.expect > VMEX_OK) {
            vmex_hunt h;
            vmex_error err;
            if (!vmex_hunt_parse(vmex_class_name(in.p.expect), &h, &err)) {
                replay r;
                replay_once(m, &real, &in, &h, &r);
                if (r.found) {
                    cli_pathv_add(sigs, r.sig);
                    cli_pathv_add(files, v.v[i]);
                }
            }
        }
        unload(&in);
        free(v.v[i]);
    }
    free(v.v);
    vmex_model_free(m);
    vmex_model_free(real);
    return m ? 0 : -1;
}

static void json_str(vmex_buf *b, const char *s)
{
    vmex_buf_put(b, "\"", 1);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') vmex_buf_printf(b, "\\%c", ch);
        else if (ch < 0x20) vmex_buf_printf(b, "\\u%04x", ch);
        else vmex_buf_put(b, s, 1);
    }
    vmex_buf_put(b, "\"", 1);
}

/* ------------------------------------------------------------ triage --html */
#define WHATIF_DEFAULT "ios13-3gb,ios14-3gb,ios16-3gb,ios17.4-3gb"
#define WHATIF_MAX 32

/* "a, b and c" from the names whose bit is set */
static void list_words(vmex_buf *b, char names[][32], int n, const int *set)
{
    int total = 0, k = 0;
    for (int i = 0; i < n; i++) total += set[i] != 0;
    for (int i = 0; i < n; i++)
        if (set[i]) {
            k++;
            vmex_buf_printf(b, "%s%s", k == 1 ? "" : k == total ? " and " : ", ", names[i]);
        }
}

/* the --whatif list into names; the count, or -1 (reported) */
static int whatif_profiles(const char *whatif, char names[][32])
{
    int nprof = 0;
    const char *p = whatif ? whatif : WHATIF_DEFAULT;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0 || len >= 32 || nprof == WHATIF_MAX) {
            cli_errorf("bad --whatif list '%s'", p);
            return -1;
        }
        memcpy(names[nprof], p, len);
        names[nprof][len] = '\0';
        if (!vmex_profile_valid(names[nprof])) {
            cli_errorf("--whatif: unknown profile '%s' (see 'vmex profiles')", names[nprof]);
            return -1;
        }
        nprof++;
        p += len + (e != NULL);
    }
    return nprof;
}

/* One self-contained page: per signature the reproducer, the address space
 * at the failure and the what-if verdicts over profiles x {none, extended-va}. */
static int triage_html(const char *path, const group *groups, size_t ngroups, const input *ins, const common *c,
                       const char *whatif)
{
    char names[WHATIF_MAX][32];
    int nprof = whatif_profiles(whatif, names);
    if (nprof < 0) return -1;
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    if (!m) {
        cli_errorf("out of memory");
        return -1;
    }
    char h[256];
    vmex_hunt_format(&c->hunt, h, sizeof h);
    vmex_buf b = {0};
    int oom = 0;
    oom |= vmex_buf_printf(&b,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>vmex triage</title>\n<style>\n"
        "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1300px}\n"
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:left}\n"
        "th{background:#eee}.crash{background:#f6c6c6}.ok{background:#c9ebc9}.new{color:#b00;font-weight:bold}\n"
        "pre{background:#f6f6f6;border:1px solid #ddd;padding:.6em;overflow:auto;max-height:30em;font-size:12px}\n"
        "section{border-top:2px solid #888;margin-top:2em}.summary{font-size:1.1em;font-style:italic}\n"
        "svg{max-width:100%%;height:auto}\n</style></head><body>\n<h1>vmex triage</h1>\n<p>hunt policy ");
    oom |= vmex_xml_str(&b, h);
    oom |= vmex_buf_printf(&b, "; %zu signature(s)</p>\n<table><tr><th>signature</th><th>class</th><th>margin</th>"
                               "<th>ops</th><th>status</th><th>inputs</th></tr>\n", ngroups);
    for (size_t g = 0; g < ngroups; g++) {
        const group *gr = &groups[g];
        oom |= vmex_buf_printf(&b, "<tr><td><a href=\"#sig%zu\">", g);
        oom |= vmex_xml_str(&b, gr->sig);
        oom |= vmex_buf_printf(&b, "</a></td><td>%s</td><td>%.2f</td><td>%u", vmex_class_name(gr->cls), gr->margin,
                               gr->ops_before);
        if (gr->minimized) oom |= vmex_buf_printf(&b, " &rarr; %u", gr->ops_after);
        oom |= vmex_buf_printf(&b, "</td><td%s>%s%s</td><td>%d</td></tr>\n", gr->known ? "" : " class=\"new\"",
                               gr->known ? "known" : "NEW", gr->flaky ? ", FLAKY" : "", gr->inputs);
    }
    oom |= vmex_buf_printf(&b, "</table>\n");

    for (size_t g = 0; g < ngroups && !oom; g++) {
        const group *gr = &groups[g];
        input rep, *in = (input *)&ins[gr->best];
        int have_rep = 0;
        if (gr->minimized) {
            common kc = *c;
            kc.profile = NULL;   /* the reproducer carries its layout */
            kc.ents = 0;
            have_rep = load(gr->out, &kc, &rep) == 0;
            if (have_rep) in = &rep;
            else unload(&rep);
        }
        oom |= vmex_buf_printf(&b, "<section id=\"sig%zu\"><h2>", g);
        oom |= vmex_xml_str(&b, gr->sig);
        oom |= vmex_buf_printf(&b, "</h2>\n<p>class %s, margin %.2f, profile ", vmex_class_name(gr->cls), gr->margin);
        oom |= vmex_xml_str(&b, in->L.profile);
        oom |= vmex_buf_printf(&b, ", %s, from ", gr->known ? "known" : "NEW");
        oom |= vmex_xml_str(&b, ins[gr->best].path);
        if (gr->known) {
            oom |= vmex_buf_printf(&b, " (known as ");
            oom |= vmex_xml_str(&b, gr->known_as);
            oom |= vmex_buf_printf(&b, ")");
        }
        oom |= vmex_buf_printf(&b, "</p>\n");

        /* what-if: verdicts first, so the summary leads the section */
        int fail[2][WHATIF_MAX];
        char cls[2][WHATIF_MAX][24];
        for (int e = 0; e < 2; e++)
            for (int k = 0; k < nprof; k++) {
                vmex_config cfg = in->p.cfg;
                cfg.ents &= ~VMEX_ENT_EXTENDED_VA;
                vmex_layout L;
                vmex_error err = {0};
                fail[e][k] = 0;
                snprintf(cls[e][k], sizeof cls[e][k], "error");
                if (vmex_layout_resolve(&cfg, names[k], e ? VMEX_ENT_EXTENDED_VA : 0, &L, &err)) continue;
                vmex_runopts o;
                vmex_runopts_init(&o);
                o.hunt = &c->hunt;
                vmex_result res;
                if (vmex_model_run(m, &L, &in->p, &o, &res)) continue;
                fail[e][k] = res.verdict != VMEX_OK;
                snprintf(cls[e][k], sizeof cls[e][k], "%s", res.verdict != VMEX_OK ? vmex_class_name(res.verdict) : "ok");
            }
        int a = 0, bb = 0, fixed[WHATIF_MAX], still[WHATIF_MAX], only[WHATIF_MAX], nf = 0, ns = 0, no = 0;
        for (int k = 0; k < nprof; k++) {
            a += fail[0][k];
            bb += fail[1][k];
            nf += fixed[k] = fail[0][k] && !fail[1][k];
            ns += still[k] = fail[0][k] && fail[1][k];
            no += only[k] = !fail[0][k] && fail[1][k];
        }
        oom |= vmex_buf_printf(&b, "<p class=\"summary\">What if: ");
        if (a) {
            oom |= vmex_buf_printf(&b, "crashes on ");
            list_words(&b, names, nprof, fail[0]);
            oom |= vmex_buf_printf(&b, " without the entitlement");
        } else
            oom |= vmex_buf_printf(&b, "no failure on any profile listed without the entitlement");
        if (nf) {
            oom |= vmex_buf_printf(&b, "; fixed by extended-virtual-addressing on ");
            list_words(&b, names, nprof, fixed);
        }
        if (ns) {
            oom |= vmex_buf_printf(&b, "; still crashes with extended-virtual-addressing on ");
            list_words(&b, names, nprof, still);
        }
        if (no) {
            oom |= vmex_buf_printf(&b, "; crashes only with extended-virtual-addressing on ");
            list_words(&b, names, nprof, only);
        }
        if (!a && !bb) oom |= vmex_buf_printf(&b, " or with it");
        oom |= vmex_buf_printf(&b, ".</p>\n<table><tr><th>profile</th><th>none</th><th>extended-virtual-addressing</th></tr>\n");
        for (int k = 0; k < nprof; k++)
            oom |= vmex_buf_printf(&b, "<tr><td>%s</td><td class=\"%s\">%s</td><td class=\"%s\">%s</td></tr>\n",
                                   names[k], fail[0][k] ? "crash" : "ok", cls[0][k], fail[1][k] ? "crash" : "ok",
                                   cls[1][k]);
        oom |= vmex_buf_printf(&b, "</table>\n");

        /* the picture at the failure, on the reproducer's own layout */
        vmex_runopts o;
        vmex_runopts_init(&o);
        o.hunt = &c->hunt;
        vmex_result res;
        if (vmex_model_run(m, &in->L, &in->p, &o, &res) == 0) {
            vmex_svg_info info = {have_rep ? gr->out : in->path, &in->p, &res};
            vmex_buf pic = {0};
            if (vmex_report_svg(m, &in->L, &info, &pic) == 0) {
                const char *svg = strstr(pic.p, "<svg");   /* drop any XML prolog */
                oom |= vmex_buf_printf(&b, "<h3>Address space at the failure</h3>\n<div class=\"pic\">%s</div>\n",
                                       svg ? svg : pic.p);
            } else
                oom = 1;
            vmex_buf_free(&pic);
        }

        /* the reproducer's text */
        oom |= vmex_buf_printf(&b, "<h3>Reproducer%s</h3>\n<pre>", have_rep ? "" : " (not minimized)");
        vmex_buf text = {0};
        if (have_rep) {
            uint8_t *data;
            size_t n;
            if (read_file(gr->out, &data, &n) == 0) {
                vmex_buf_put(&text, (const char *)data, n);
                free(data);
            }
        } else
            vmex_print(&in->p, &text, "not minimized", NULL, NULL);
        if (text.p) oom |= vmex_xml_str(&b, text.p);
        vmex_buf_free(&text);
        oom |= vmex_buf_printf(&b, "</pre></section>\n");
        if (have_rep) unload(&rep);
    }
    oom |= vmex_buf_printf(&b, "</body></html>\n");
    vmex_model_free(m);
    int rc = -1;
    if (oom) cli_errorf("out of memory");
    else rc = cli_write_atomic(path, b.p, b.len);
    vmex_buf_free(&b);
    return rc;
}

int cli_cmd_triage(int argc, char **argv)
{
    common c = {.target = -1};
    const char *dir = NULL, *known_dir = NULL, *html = NULL, *whatif = NULL;
    cli_pathv paths = {0}, ksigs = {0}, kfiles = {0};
    vmex_model *fresh = NULL, *shared = NULL, *shared_real = NULL;
    group *groups = NULL;
    input *ins = NULL;
    size_t ngroups = 0, clean = 0, unreadable = 0, flaky_inputs = 0;
    int bad = 0, status = 2;
    for (int i = 1; i < argc && !bad; i++) {
        const char *v;
        if (common_opt(argc, argv, &i, &c, &bad)) continue;
        if (!strcmp(argv[i], "-o")) {
            if (i + 1 >= argc) {
                cli_errorf("option '-o' needs a value");
                goto usage_error;
            }
            dir = argv[++i];
            continue;
        }
        if (cli_value_opt(argc, argv, &i, "--known", &v, &bad)) {
            known_dir = v;
            continue;
        }
        if (cli_value_opt(argc, argv, &i, "--html", &v, &bad)) {
            html = v;
            continue;
        }
        if (cli_value_opt(argc, argv, &i, "--whatif", &v, &bad)) {
            whatif = v;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1]) {
            cli_errorf("triage: unknown option '%s'", argv[i]);
            goto usage_error;
        }
        if (collect_all(argv[i], &paths, 0)) goto usage_error;
    }
    if (bad) goto usage_error;
    if (!dir || !paths.n) {
        cli_errorf("usage: vmex triage INPUT... -o DIR [--known DIR] [--html FILE [--whatif P1,P2,...]] [--profile P] [--entitlement E] [--hunt POLICY]");
        goto usage_error;
    }
    if (common_finish(&c)) goto usage_error;
    if (html) {   /* a bad --whatif list is a usage error before anything is written */
        char wnames[WHATIF_MAX][32];
        if (whatif_profiles(whatif, wnames) < 0) goto usage_error;
    } else if (whatif) {
        cli_errorf("--whatif goes with --html");
        goto usage_error;
    }
    qsort(paths.v, paths.n, sizeof *paths.v, cmp_path);
    if (known_dir && known_signatures(known_dir, &c, &ksigs, &kfiles)) goto usage_error;

    /* replay every input twice: a fresh model, then one that ran others */
    shared = vmex_model_new(VMEX_STORE_FAST);
    groups = calloc(paths.n, sizeof *groups);
    ins = calloc(paths.n, sizeof *ins);
    if (!shared || !groups || !ins) {
        cli_errorf("out of memory");
        goto usage_error;
    }
    /* every input must load before anything is written */
    for (size_t i = 0; i < paths.n; i++)
        if (load(paths.v[i], &c, &ins[i])) unreadable++;
    if (unreadable) {
        cli_errorf("%zu of %zu inputs could not be read; nothing written", unreadable, paths.n);
        goto usage_error;
    }
    if (mkdir(dir, 0777) && errno != EEXIST) {
        cli_errorf("cannot create '%s': %s", dir, strerror(errno));
        goto usage_error;
    }
    for (size_t i = 0; i < paths.n; i++) {
        replay r1, r2;
        fresh = vmex_model_new(VMEX_STORE_FAST);
        if (!fresh) {
            cli_errorf("out of memory");
            goto usage_error;
        }
        vmex_model *fresh_real = NULL;
        replay_once(fresh, &fresh_real, &ins[i], &c.hunt, &r1);
        vmex_model_free(fresh);
        vmex_model_free(fresh_real);
        replay_once(shared, &shared_real, &ins[i], &c.hunt, &r2);
        int flaky = r1.found != r2.found || strcmp(r1.sig, r2.sig) || r1.margin != r2.margin;
        flaky_inputs += flaky;
        if (!r1.found && !r2.found) {
            clean++;
            continue;
        }
        const replay *r = r1.found ? &r1 : &r2;
        size_t g = 0;
        while (g < ngroups && strcmp(groups[g].sig, r->sig)) g++;
        if (g == ngroups) {
            snprintf(groups[g].sig, sizeof groups[g].sig, "%s", r->sig);
            groups[g].cls = r->cls;
            groups[g].margin = r->margin;
            groups[g].best = i;
            ngroups++;
        }
        groups[g].inputs++;
        groups[g].flaky |= flaky;
        if (ins[i].p.nops < ins[groups[g].best].p.nops) groups[g].best = i;
    }

    int new_found = 0;
    for (size_t g = 0; g < ngroups; g++) {
        group *gr = &groups[g];
        input *in = &ins[gr->best];
        gr->ops_before = in->p.nops;
        for (size_t k = 0; k < ksigs.n; k++)
            if (!strcmp(ksigs.v[k], gr->sig)) {
                gr->known = 1;
                snprintf(gr->known_as, sizeof gr->known_as, "%s", kfiles.v[k]);
            }
        if (gr->flaky) continue;   /* reported, never minimized from a moving target */
        vmex_program out;
        vmex_minimize_stats st;
        vmex_program_init(&out);
        if (vmex_minimize(&in->p, &in->L, &c.hunt, &out, &st) == 0) {
            pin_layout(&out, &in->L);
            char header[1024];
            snprintf(header, sizeof header, "vmex triage: %s, margin %.2f\nfrom %s: %u ops -> %u ops%s%s", gr->sig,
                     st.margin, in->path, st.ops_before, st.ops_after, gr->known ? "\nknown as " : "",
                     gr->known ? gr->known_as : "");
            vmex_buf text = {0};
            snprintf(gr->out, sizeof gr->out, "%s/%s.vmex", dir, gr->sig);
            if (vmex_print_annotated(&out, &in->L, &c.hunt, header, &text) == 0 &&
                cli_write_atomic(gr->out, text.p, text.len) == 0) {
                gr->minimized = 1;
                gr->ops_after = st.ops_after;
            }
            vmex_buf_free(&text);
        }
        vmex_program_free(&out);
        new_found |= !gr->known;
    }

    /* the table */
    cli_outf("%-44s %-10s %7s %11s %-12s %-6s %s\n", "signature", "class", "margin", "ops", "reproducible", "status",
             "inputs");
    for (size_t g = 0; g < ngroups; g++) {
        const group *gr = &groups[g];
        char ops[32];
        if (gr->minimized) snprintf(ops, sizeof ops, "%u -> %u", gr->ops_before, gr->ops_after);
        else snprintf(ops, sizeof ops, "%u", gr->ops_before);
        cli_outf("%-44s %-10s %7.2f %11s %-12s %-6s %d\n", gr->sig, vmex_class_name(gr->cls), gr->margin, ops,
                 gr->flaky ? "FLAKY" : "yes", gr->known ? "known" : "NEW", gr->inputs);
    }
    cli_outf("%zu inputs: %zu signatures, %zu without a finding, %zu flaky, %zu unreadable; reproducers in %s/\n",
             paths.n, ngroups, clean, flaky_inputs, unreadable, dir);

    /* the same as JSON */
    vmex_buf j = {0};
    char h[256];
    vmex_hunt_format(&c.hunt, h, sizeof h);
    vmex_buf_printf(&j, "{\"inputs\":%zu,\"clean\":%zu,\"flaky_inputs\":%zu,\"unreadable\":%zu,\"hunt\":", paths.n,
                    clean, flaky_inputs, unreadable);
    json_str(&j, h);
    vmex_buf_printf(&j, ",\"signatures\":[");
    for (size_t g = 0; g < ngroups; g++) {
        const group *gr = &groups[g];
        vmex_buf_printf(&j, "%s\n {\"signature\":", g ? "," : "");
        json_str(&j, gr->sig);
        vmex_buf_printf(&j, ",\"class\":\"%s\",\"margin\":%.4f,\"ops_before\":%u,\"ops_after\":", vmex_class_name(gr->cls),
                        gr->margin, gr->ops_before);
        if (gr->minimized) vmex_buf_printf(&j, "%u", gr->ops_after);
        else vmex_buf_printf(&j, "null");
        vmex_buf_printf(&j, ",\"reproducible\":%s,\"flaky\":%s,\"known\":%s,\"inputs\":%d,\"example\":",
                        gr->flaky ? "false" : "true", gr->flaky ? "true" : "false", gr->known ? "true" : "false",
                        gr->inputs);
        json_str(&j, ins[gr->best].path);
        vmex_buf_printf(&j, ",\"profile\":");
        json_str(&j, ins[gr->best].L.profile);
        vmex_buf_printf(&j, ",\"reproducer\":");
        if (gr->minimized) json_str(&j, gr->out);
        else vmex_buf_printf(&j, "null");
        vmex_buf_printf(&j, ",\"known_as\":");
        if (gr->known) json_str(&j, gr->known_as);
        else vmex_buf_printf(&j, "null");
        vmex_buf_printf(&j, "}");
    }
    vmex_buf_printf(&j, "\n]}\n");
    char jpath[600];
    snprintf(jpath, sizeof jpath, "%s/triage.json", dir);
    status = cli_write_atomic(jpath, j.p, j.len) ? 2 : new_found;
    if (html && status != 2 && triage_html(html, groups, ngroups, ins, &c, whatif)) status = 2;
    vmex_buf_free(&j);
    if (0) {
usage_error:
        status = 2;
    }
    for (size_t i = 0; ins && i < paths.n; i++)
        unload(&ins[i]);
    for (size_t i = 0; i < paths.n; i++)
        free(paths.v[i]);
    for (size_t k = 0; k < ksigs.n; k++) {
        free(ksigs.v[k]);
        free(kfiles.v[k]);
    }
    free(ksigs.v);
    free(kfiles.v);
    free(paths.v);
    free(ins);
    free(groups);
    vmex_model_free(shared);
    vmex_model_free(shared_real);
    return status == 2 ? status : cli_finish(status);
}
