/*
 * cli_findings_io.c - the writing actions of `vmex findings` that read
 * files (cli_findings.c has the command):
 *
 *   ingest DIR...   findings folders (a hunting target's SIG.json +
 *                   SIG.input, issue "Findings are results, not crashes")
 *                   and triage folders (`vmex triage -o DIR`: triage.json
 *                   + SIG.vmex), one sighting per signature and cell
 *   import DIR...   exported records (SIG.json + SIG.vmex), or bare .vmex
 *                   reproducers with an expect line (their signature is
 *                   what they give when run)
 *   recheck         replay every reproducer that is not fixed: one that no
 *                   longer gives its signature is marked fixed in the run
 *
 * and the hook of `vmex triage --store`.  Every input is read and checked
 * before the store is opened, so bad input writes nothing (exit 2); then
 * each finding is one transaction.  A cell is what a program ran on
 * (cli_fdb_cell): the target, the profile (linux: linux-WINDOW-ALLOCATOR)
 * and the entitlements.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli_findings.h"
#include "core/fmt.h"
#include "oracle/minimize.h"

/* targets/targets.txt, as CMake read it (the rows `vmex targets` prints) */
typedef struct target_row {
    const char *name, *backend, *input, *hunts, *about;
} target_row;
static const target_row targets[] = {
#include "vmex_targets.inc"
};

/* A sighting read from a file, with its own copies of the texts. */
typedef struct pending {
    char sig[128], cls[32], target[32], profile[64], ents[256];
    double margin;
    uint64_t hits;
    int64_t first, seen;
    int flaky;
    char *repro;
    uint32_t ops;
} pending;

typedef struct pendv {
    pending *v;
    size_t n, cap;
} pendv;

/* One more zeroed element at the end of the array *v of *n (capacity *cap)
 * of elements of size sz; NULL (reported) out of memory. */
static void *grow(void *v, size_t *n, size_t *cap, size_t sz)
{
    void **pv = v;
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 32;
        void *nv = realloc(*pv, c * sz);
        if (!nv) {
            cli_errorf("out of memory");
            return NULL;
        }
        *pv = nv;
        *cap = c;
    }
    char *e = (char *)*pv + (*n)++ * sz;
    memset(e, 0, sz);
    return e;
}

static pending *pend_add(pendv *pv)
{
    return grow(&pv->v, &pv->n, &pv->cap, sizeof *pv->v);
}

static void pend_free(pendv *pv)
{
    for (size_t i = 0; i < pv->n; i++)
        free(pv->v[i].repro);
    free(pv->v);
    memset(pv, 0, sizeof *pv);
}

void cli_fdb_cell(const vmex_layout *L, char *target, size_t nt, char *profile, size_t np, char *ents, size_t ne)
{
    snprintf(target, nt, "%s", vmex_target_name(L->target));
    if (vmex_target_has(L->target, VMEX_CAP_DEVICE))
        snprintf(profile, np, "%s", L->profile);
    else
        snprintf(profile, np, "linux-%s-%s", HS(L->window), vmex_allocator_name(L->allocator));
    vmex_ents_text(L->ents, ents, ne);
}

static void cell_of(pending *p, const vmex_layout *L)
{
    cli_fdb_cell(L, p->target, sizeof p->target, p->profile, sizeof p->profile, p->ents, sizeof p->ents);
}

static int64_t mtime_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_mtime : (int64_t)time(NULL);
}

/* The text of p as a reproducer of sig: run with its class hunted (as
 * `vmex triage --known` runs reproducers); when it gives sig, with its
 * expect line, annotated.  NULL when it does not (*got: what it gave). */
static char *reproducer_text(vmex_program *p, const vmex_layout *L, const char *sig, const char *cls,
                             const char *header, char *got, size_t ngot)
{
    vmex_hunt h;
    vmex_error err = {0};
    vmex_result res;
    char found[128] = "";
    int c = vmex_class_parse(cls);
    snprintf(got, ngot, "nothing");
    if (c < 0 || vmex_hunt_parse(cls, &h, &err))
        return NULL;
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST), *real = NULL;
    int f = m ? vmex_find(m, &real, L, p, &h, &res, found, sizeof found) : -1;
    vmex_model_free(m);
    vmex_model_free(real);
    if (f < 0)
        snprintf(got, ngot, "an error (the target cannot run here?)");
    else if (f == 1)
        snprintf(got, ngot, "%s", found);
    if (f != 1 || strcmp(found, sig))
        return NULL;
    p->expect = (int8_t)res.verdict;
    p->expect_at = res.at;
    vmex_buf b = {0};
    if (vmex_print_annotated(p, L, &h, header, &b)) {
        vmex_buf_free(&b);
        return NULL;
    }
    return b.p;
}

/* ---------------------------------------------------------------- ingest */

static const target_row *target_named(const char *name)
{
    for (size_t i = 0; i < sizeof targets / sizeof *targets; i++)
        if (!strcmp(targets[i].name, name))
            return &targets[i];
    return NULL;
}

static int backend_of(const target_row *t)
{
    for (int b = 0; b < VMEX_TARGET__COUNT; b++)
        if (!strcmp(vmex_target_name(b), t->backend))
            return b;
    return -1;
}

/* dir/name into buf */
static const char *path_in(char *buf, size_t n, const char *dir, const char *name)
{
    snprintf(buf, n, "%s/%s", dir, name);
    return buf;
}

/* One SIG.json of a findings folder (with SIG.input beside it). */
static int folder_entry(const fargs *a, const char *dir, const char *json_name, pendv *pv)
{
    char jpath[4200], ipath[4200], sig[160];
    uint8_t *text;
    size_t n;
    vmex_error err;
    vmex_fdb_folder_entry e;
    path_in(jpath, sizeof jpath, dir, json_name);
    snprintf(sig, sizeof sig, "%.*s", (int)(strlen(json_name) - 5), json_name);
    if (cli_read_file(jpath, &text, &n))
        return -1;
    int rc = vmex_fdb_folder_entry_parse((const char *)text, n, jpath, &e, &err);
    free(text);
    if (rc) {
        cli_fdb_error(&err);
        return -1;
    }
    if (strcmp(e.signature, sig)) {
        cli_errorf("%s: holds signature '%s', not '%s'", jpath, e.signature, sig);
        return -1;
    }
    const target_row *t = target_named(e.target);
    int backend = t ? backend_of(t) : -1;
    if (backend < 0 || !strcmp(t->hunts, "-")) {
        cli_errorf("%s: target '%s' is not a hunting fuzz target (see 'vmex targets')", jpath, e.target);
        return -1;
    }
    cli_fuzz c = a->c;
    c.target = backend;
    uint32_t order[VMEX_ENT__COUNT];
    int norder = 0;
    if (!c.profile && e.profile[0] && vmex_target_has(backend, VMEX_CAP_DEVICE)) {
        if (cli_check_profile(e.profile))
            return -1;
        c.profile = e.profile;
    }
    if (!c.ents && e.have_ents && e.ents[0] && strcmp(e.ents, "none") &&
        cli_parse_ent(e.ents, &c.ents, order, &norder))
        return -1;
    vmex_triage_input in;
    path_in(ipath, sizeof ipath, dir, sig);
    strncat(ipath, ".input", sizeof ipath - strlen(ipath) - 1);
    if (cli_load(ipath, &c, &in)) {
        cli_unload(&in);
        return -1;
    }
    pending *p = pend_add(pv);
    if (!p) {
        cli_unload(&in);
        return -1;
    }
    snprintf(p->sig, sizeof p->sig, "%s", e.signature);
    snprintf(p->cls, sizeof p->cls, "%s", e.cls);
    cell_of(p, &in.L);
    p->margin = e.margin;
    p->hits = e.hits ? e.hits : 1;
    p->first = e.first_unix;
    p->seen = e.last_unix > e.first_unix ? e.last_unix : e.first_unix;
    vmex_pin_layout(&in.p, &in.L);
    char header[4400], got[160];
    snprintf(header, sizeof header, "vmex findings: %s, margin %.2f\nfrom %s (target %s): %u ops, not minimized",
             sig, e.margin, ipath, e.target, in.p.nops);
    p->repro = reproducer_text(&in.p, &in.L, sig, e.cls, header, got, sizeof got);
    p->ops = in.p.nops;
    if (!p->repro)
        fprintf(stderr, "vmex: warning: %s gives %s on replay, not %s: recorded without a reproducer\n", ipath, got,
                sig);
    cli_unload(&in);
    return 0;
}

/* A triage folder: triage.json and the SIG.vmex reproducers beside it. */
static int triage_folder(const fargs *a, const char *dir, pendv *pv)
{
    char jpath[4200], rpath[4200];
    uint8_t *text;
    size_t n, k;
    vmex_error err;
    vmex_fdb_triage_entry *es;
    path_in(jpath, sizeof jpath, dir, "triage.json");
    if (cli_read_file(jpath, &text, &n))
        return -1;
    int rc = vmex_fdb_triage_parse((const char *)text, n, jpath, &es, &k, &err);
    free(text);
    if (rc) {
        cli_fdb_error(&err);
        return -1;
    }
    int64_t when = mtime_of(jpath);
    for (size_t i = 0; !rc && i < k; i++) {
        vmex_fdb_triage_entry *e = &es[i];
        pending *p = pend_add(pv);
        if (!p) {
            rc = -1;
            break;
        }
        snprintf(p->sig, sizeof p->sig, "%s", e->signature);
        snprintf(p->cls, sizeof p->cls, "%s", e->cls);
        p->margin = e->margin;
        p->hits = (uint64_t)e->inputs;
        p->flaky = e->flaky;
        p->seen = when;
        snprintf(rpath, sizeof rpath, "%s/%s.vmex", dir, e->signature);
        struct stat st;
        vmex_triage_input in;
        cli_fuzz c = a->c;
        if (!e->flaky && stat(rpath, &st) == 0) {
            /* the minimized reproducer pins its target and layout */
            c.profile = NULL;
            c.ents = 0;
            if (cli_load(rpath, &c, &in) || cli_read_file(rpath, (uint8_t **)&p->repro, &n)) {
                rc = -1;
            } else {
                p->ops = e->ops_after >= 0 ? (uint32_t)e->ops_after : in.p.nops;
                cell_of(p, &in.L);
            }
        } else if (cli_load(e->example, &c, &in) == 0) {
            cell_of(p, &in.L);   /* flaky: no reproducer; the cell of its input */
        } else {
            cli_errorf("%s: %s has no reproducer and its input cannot be read", jpath, e->signature);
            rc = -1;
        }
        cli_unload(&in);
    }
    free(es);
    return rc;
}

static int cmp_name(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The names in dir ending in suffix, sorted (hidden ones left out). */
static int names_in(const char *dir, const char *suffix, cli_pathv *out)
{
    DIR *d = opendir(dir);
    if (!d) {
        cli_errorf("cannot open directory '%s'", dir);
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d)))
        if (e->d_name[0] != '.' && cli_ends_with(e->d_name, suffix))
            rc = cli_pathv_add(out, e->d_name);
    closedir(d);
    if (rc)
        cli_errorf("out of memory");
    if (out->n)
        qsort(out->v, out->n, sizeof *out->v, cmp_name);
    return rc;
}

static int is_dir(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return 1;
    cli_errorf("'%s' is not a directory", path);
    return 0;
}

/* Record every pending sighting under a->run: one transaction each. */
static int record_all(fargs *a, vmex_fdb *db, const pendv *pv, int *created_total)
{
    vmex_error err;
    for (size_t i = 0; i < pv->n; i++) {
        const pending *p = &pv->v[i];
        vmex_fdb_sighting s = {p->sig, p->cls, p->target, p->profile, p->ents, a->run, p->seen, p->first,
                               p->margin, p->hits, p->flaky, p->repro, p->ops};
        int created = 0;
        if (vmex_fdb_add(db, &s, &created, &err)) {
            cli_fdb_error(&err);
            return -1;
        }
        *created_total += created;
        if (a->verbose)
            fprintf(stderr, "recorded %s %s\n", p->sig, created ? "(new to the store)" : "(seen before)");
    }
    return 0;
}

int cli_findings_ingest(fargs *a, vmex_fdb *db)
{
    pendv pv = {0};
    int rc = 0, made = 0, created = 0;
    for (int i = 1; !rc && i < a->noperand; i++) {
        const char *dir = a->operand[i];
        char jpath[4200];
        struct stat st;
        if (!is_dir(dir)) {
            rc = -1;
        } else if (stat(path_in(jpath, sizeof jpath, dir, "triage.json"), &st) == 0) {
            rc = triage_folder(a, dir, &pv);
        } else {
            cli_pathv js = {0};
            rc = names_in(dir, ".json", &js);
            for (size_t k = 0; !rc && k < js.n; k++)
                rc = folder_entry(a, dir, js.v[k], &pv);
            cli_pathv_free(&js);
        }
    }
    if (!rc && !(db = cli_fdb_open(a, 1)))
        rc = -1;
    if (!rc)
        rc = cli_fdb_own_run(db, a, "fuzz", "vmex findings ingest", &made);
    if (!rc)
        rc = record_all(a, db, &pv, &created);
    if (db)
        cli_fdb_end_own(db, a, made, rc != 0);
    if (!rc)
        cli_outf("ingested %zu finding(s) from %d folder(s) into %s (run %lld): %d new to the store\n", pv.n,
                 a->noperand - 1, a->store, (long long)a->run, created);
    vmex_fdb_close(db);
    pend_free(&pv);
    return rc ? 2 : 0;
}

int cli_findings_store_ok(const char *store, const char *run)
{
    fargs a;
    struct stat st;
    memset(&a, 0, sizeof a);
    a.store = store;
    if (run) {
        uint64_t id;
        if (cli_parse_count("--run", run, &id, INT64_MAX))
            return -1;
        a.run = (int64_t)id;
    }
    if (stat(store, &st) != 0 && !a.run)
        return 0;   /* made by the first recording */
    vmex_fdb *db = cli_fdb_open(&a, 0);
    int made = 0, rc = db ? cli_fdb_own_run(db, &a, "triage", "", &made) : -1;
    vmex_fdb_close(db);
    return rc;
}

/* `vmex triage --store FILE [--run ID]`: the groups of t, each a sighting. */
int cli_findings_record_triage(const char *store, const char *run, const vmex_triage *t,
                               const vmex_triage_input *ins)
{
    fargs a;
    pendv pv = {0};
    memset(&a, 0, sizeof a);
    a.store = store;
    int rc = 0, made = 0, created = 0;
    if (run) {
        uint64_t id;
        if (cli_parse_count("--run", run, &id, INT64_MAX))
            return -1;
        a.run = (int64_t)id;
    }
    for (size_t g = 0; !rc && g < t->ngroups; g++) {
        const vmex_triage_group *gr = &t->groups[g];
        pending *p = pend_add(&pv);
        if (!p) {
            rc = -1;
            break;
        }
        snprintf(p->sig, sizeof p->sig, "%s", gr->sig);
        snprintf(p->cls, sizeof p->cls, "%s", vmex_class_name(gr->cls));
        cell_of(p, &ins[gr->best].L);
        p->margin = gr->margin;
        p->hits = (uint64_t)gr->inputs;
        p->flaky = gr->flaky;
        p->seen = (int64_t)time(NULL);
        if (gr->minimized && gr->text && !(p->repro = strdup(gr->text)))
            rc = -1;
        p->ops = gr->ops_after;
    }
    vmex_fdb *db = rc ? NULL : cli_fdb_open(&a, 1);
    rc = rc || !db || cli_fdb_own_run(db, &a, "triage", "vmex triage", &made) || record_all(&a, db, &pv, &created);
    if (db)
        cli_fdb_end_own(db, &a, made, rc != 0);
    vmex_fdb_close(db);
    pend_free(&pv);
    return rc ? -1 : 0;
}

/* ---------------------------------------------------------------- import */

typedef struct recv {
    vmex_fdb_record *v;
    size_t n, cap;
} recv;

static vmex_fdb_record *rec_add(recv *rv)
{
    return grow(&rv->v, &rv->n, &rv->cap, sizeof *rv->v);
}

/* SIG.vmex beside an exported SIG.json: must be a program. */
static int exported_reproducer(const char *path, vmex_fdb_record *r)
{
    uint8_t *text;
    size_t n;
    vmex_program p;
    vmex_error err = {0};
    if (cli_read_file(path, &text, &n))
        return -1;
    vmex_program_init(&p);
    if (vmex_parse((const char *)text, n, path, &p, &err)) {
        if (!err.file[0])
            snprintf(err.file, sizeof err.file, "%.200s", path);
        vmex_error_print(&err, stderr);
        free(text);
        vmex_program_free(&p);
        return -1;
    }
    if (!r->reproducer_ops)
        r->reproducer_ops = p.nops;
    vmex_program_free(&p);
    r->reproducer = (char *)text;
    return 0;
}

/* A bare .vmex: its signature is what it gives, hunting its expect class. */
static int bare_reproducer(const fargs *a, const char *path, vmex_fdb_record *r)
{
    vmex_triage_input in;
    cli_fuzz c = a->c;
    uint8_t *text;
    size_t n;
    int rc = cli_load(path, &c, &in);
    if (!rc && in.p.expect <= VMEX_OK) {
        cli_errorf("%s: no expect line naming a class: cannot tell its signature", path);
        rc = -1;
    }
    vmex_hunt h;
    vmex_error err = {0};
    vmex_result res;
    char sig[128] = "";
    if (!rc && vmex_hunt_parse(vmex_class_name(in.p.expect), &h, &err) == 0) {
        vmex_model *m = vmex_model_new(VMEX_STORE_FAST), *real = NULL;
        if (!m || vmex_find(m, &real, &in.L, &in.p, &h, &res, sig, sizeof sig) != 1) {
            cli_errorf("%s: gives no %s finding here: not imported", path, vmex_class_name(in.p.expect));
            rc = -1;
        }
        vmex_model_free(m);
        vmex_model_free(real);
    }
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if (!rc && strncmp(base, sig, strlen(sig)) != 0)
        fprintf(stderr, "vmex: warning: %s gives %s here: imported as that\n", path, sig);
    if (!rc && !cli_read_file(path, &text, &n)) {
        int64_t t = mtime_of(path);
        snprintf(r->signature, sizeof r->signature, "%s", sig);
        snprintf(r->cls, sizeof r->cls, "%s", vmex_class_name(res.verdict));
        snprintf(r->status, sizeof r->status, "known");
        r->first_seen = r->last_seen = t;
        r->best_margin = res.margin;
        r->reproducer = (char *)text;
        r->reproducer_ops = in.p.nops;
        if ((r->cells = calloc(1, sizeof *r->cells))) {
            vmex_fdb_cell *cell = &r->cells[r->ncells++];
            cli_fdb_cell(&in.L, cell->target, sizeof cell->target, cell->profile, sizeof cell->profile, cell->ents,
                         sizeof cell->ents);
            cell->first_seen = cell->last_seen = t;
            cell->best_margin = res.margin;
        }
    } else if (!rc) {
        rc = -1;
    }
    cli_unload(&in);
    return rc;
}

static int import_dir(const fargs *a, const char *dir, recv *rv)
{
    cli_pathv js = {0}, vs = {0};
    char path[4200];
    int rc = names_in(dir, ".json", &js) || names_in(dir, ".vmex", &vs);
    for (size_t i = 0; !rc && i < js.n; i++) {
        uint8_t *text;
        size_t n;
        vmex_error err;
        vmex_fdb_record *r = rec_add(rv);
        if (!r || cli_read_file(path_in(path, sizeof path, dir, js.v[i]), &text, &n)) {
            rc = -1;
            break;
        }
        rc = vmex_fdb_record_parse((const char *)text, n, path, r, &err);
        free(text);
        if (rc) {
            cli_fdb_error(&err);
            break;
        }
        snprintf(path, sizeof path, "%s/%s.vmex", dir, r->signature);
        struct stat st;
        if (stat(path, &st) == 0)
            rc = exported_reproducer(path, r);
    }
    for (size_t i = 0; !rc && i < vs.n; i++) {
        char base[200];
        snprintf(base, sizeof base, "%.*s.json", (int)(strlen(vs.v[i]) - 5), vs.v[i]);
        size_t k = 0;
        while (k < js.n && strcmp(js.v[k], base))
            k++;
        if (k < js.n)
            continue;   /* the reproducer of an exported record */
        vmex_fdb_record *r = rec_add(rv);
        rc = !r || bare_reproducer(a, path_in(path, sizeof path, dir, vs.v[i]), r);
    }
    cli_pathv_free(&js);
    cli_pathv_free(&vs);
    return rc ? -1 : 0;
}

int cli_findings_import(fargs *a, vmex_fdb *db)
{
    recv rv = {0};
    int rc = 0;
    for (int i = 1; !rc && i < a->noperand; i++)
        rc = is_dir(a->operand[i]) ? import_dir(a, a->operand[i], &rv) : -1;
    if (!rc && !(db = cli_fdb_open(a, 1)))
        rc = -1;
    for (size_t i = 0; !rc && i < rv.n; i++) {
        vmex_error err;
        if ((rc = vmex_fdb_import(db, &rv.v[i], &err)))
            cli_fdb_error(&err);
    }
    if (!rc)
        cli_outf("imported %zu record(s) into %s\n", rv.n, a->store);
    for (size_t i = 0; i < rv.n; i++)
        vmex_fdb_record_free(&rv.v[i]);
    free(rv.v);
    vmex_fdb_close(db);
    return rc ? 2 : 0;
}

/* ---------------------------------------------------------------- recheck */

static int collect_live(const vmex_fdb_record *r, void *ctx)
{
    recv *rv = ctx;
    if (!r->reproducer || !strcmp(r->status, "fixed"))
        return 0;
    vmex_fdb_record *c = rec_add(rv);
    if (!c)
        return -1;
    *c = *r;
    c->cells = NULL;
    c->ncells = 0;
    return (c->reproducer = strdup(r->reproducer)) ? 0 : -1;
}

int cli_findings_recheck(fargs *a, vmex_fdb *db)
{
    recv rv = {0};
    vmex_error err;
    int made = 0, fixed = 0, still = 0, skipped = 0;
    if (!(db = cli_fdb_open(a, 0)))
        return 2;
    int rc = vmex_fdb_each(db, NULL, collect_live, &rv, &err);
    if (rc)
        cli_fdb_error(&err);
    if (!rc)
        rc = cli_fdb_own_run(db, a, "triage", "vmex findings recheck", &made);
    for (size_t i = 0; !rc && i < rv.n; i++) {
        vmex_fdb_record *r = &rv.v[i];
        vmex_program p;
        vmex_layout L;
        vmex_hunt h;
        vmex_result res;
        char name[200], sig[128] = "";
        snprintf(name, sizeof name, "%s:%s", a->store, r->signature);
        vmex_program_init(&p);
        const char *hunt = a->c.hunt_text ? a->c.hunt_text : r->cls;
        int f = vmex_parse(r->reproducer, strlen(r->reproducer), name, &p, &err) ||
                        vmex_layout_resolve(&p.cfg, NULL, 0, &L, &err) || vmex_hunt_parse(hunt, &h, &err)
                    ? -1
                    : -2;
        if (f == -2) {
            vmex_model *m = vmex_model_new(VMEX_STORE_FAST), *real = NULL;
            f = m ? vmex_find(m, &real, &L, &p, &h, &res, sig, sizeof sig) : -1;
            vmex_model_free(m);
            vmex_model_free(real);
        }
        vmex_program_free(&p);
        if (f < 0) {
            skipped++;
            cli_outf("SKIP   %-44s its reproducer cannot run here\n", r->signature);
        } else if (f == 1 && !strcmp(sig, r->signature)) {
            still++;
            if (a->verbose)
                cli_outf("still  %s\n", r->signature);
        } else {
            int m = vmex_fdb_mark_fixed(db, r->signature, a->run, (int64_t)time(NULL), &err);
            if (m < 0) {
                cli_fdb_error(&err);
                rc = -1;
            }
            fixed += m == 1;
            cli_outf("FIXED  %-44s its reproducer now gives %s (run %lld)\n", r->signature, f == 1 ? sig : "no finding",
                     (long long)a->run);
        }
    }
    cli_fdb_end_own(db, a, made, rc != 0);
    if (!rc)
        cli_outf("rechecked %zu reproducer(s): %d still reproduce, %d fixed, %d skipped\n", rv.n, still, fixed,
                 skipped);
    for (size_t i = 0; i < rv.n; i++)
        vmex_fdb_record_free(&rv.v[i]);
    free(rv.v);
    vmex_fdb_close(db);
    return rc ? 2 : fixed ? 1 : 0;
}
