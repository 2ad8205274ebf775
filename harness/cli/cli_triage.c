/*
 * cli_triage.c - `vmex triage INPUT... -o DIR`: findings grouped by
 * signature (report/triage.h), one minimized reproducer per signature into
 * DIR/<signature>.vmex, DIR/triage.json, a table on stdout, and with
 * --html one self-contained page.  Exit 1 when a signature is new (not in
 * the --known reproducers), 2 on bad input, when nothing is written.
 * Crash reports from the field (`vmex triage REPORT [--html FILE]`) are
 * told by content and triaged by cli_triage_report.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_triage_report.h"
#include "report/whatif.h"

#define WHATIF_DEFAULT "ios13-3gb,ios14-3gb,ios16-3gb,ios17.4-3gb"

enum { O_OUT = CLI_FUZZ__COUNT, O_KNOWN, O_HTML, O_WHATIF, O_STORE, O_RUN };
static const cli_opt opts[] = {
    CLI_FUZZ_OPTS,
    [O_OUT] = {NULL, 'o', "DIR", "the output directory (made if needed)"},
    [O_KNOWN] = {"known", 0, "DIR", "mark signatures that a reproducer there already has"},
    [O_HTML] = {"html", 0, "FILE", "also write one self-contained HTML page"},
    [O_WHATIF] = {"whatif", 0, "P,P...", "the profiles of the page's what-if table\n(default " WHATIF_DEFAULT ")"},
    [O_STORE] = {"store", 0, "FILE", "also record the signatures in this findings store\n(see vmex findings)"},
    [O_RUN] = {"run", 0, "ID", "with --store: as seen by this run (default: a run of its own)"},
    {0},
};

CLI_COMMAND(triage, .usage = "triage INPUT... -o DIR\ntriage REPORT... [--html FILE] [-o DIR] [--profile P]",
            .opts = opts, .prefixed = 1, .nbrief = CLI_FUZZ__COUNT, .brief = CLI_FUZZ_BRIEF,
            .summary = "replay findings twice, group by signature, minimize\n"
                       "one per signature into DIR/<signature>.vmex,\n"
                       "write DIR/triage.json; iOS crash reports (.ips, .crash,\n"
                       "jetsam): the verdict and the what-if of each");

typedef struct args {
    cli_fuzz c;
    const char *dir, *known, *html, *whatif, *store, *run;
    cli_pathv paths;
    char wnames[VMEX_WHATIF_MAX][32];
    const char *wlist[VMEX_WHATIF_MAX];
    int nwhatif;
} args;

/* the --whatif list; 0 or -1 (reported) */
static int whatif_profiles(args *a)
{
    const char *p = a->whatif ? a->whatif : WHATIF_DEFAULT;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char *name = a->wnames[a->nwhatif];
        if (len == 0 || len >= 32 || a->nwhatif == VMEX_WHATIF_MAX) {
            cli_errorf("bad --whatif list '%s'", p);
            return -1;
        }
        memcpy(name, p, len);
        name[len] = '\0';
        if (!vmex_profile_valid(name)) {
            cli_errorf("--whatif: unknown profile '%s' (see 'vmex profiles')", name);
            return -1;
        }
        a->wlist[a->nwhatif++] = name;
        p += len + (e != NULL);
    }
    return 0;
}

/* Crash reports: the options that do not apply to them */
static cli_report_opts report_opts(const args *a)
{
    cli_report_opts o = {a->dir, a->html, a->c.profile, NULL};
    o.bad_opt = a->known ? "--known" : a->whatif ? "--whatif" : a->c.hunt_text ? "--hunt"
              : a->c.target >= 0 ? "--target" : a->c.ents ? "--entitlement" : NULL;
    return o;
}

/* The options and inputs.  0, 1 (--help, printed: *status), 2 (crash
 * reports: *status), -1 (reported). */
static int parse(int argc, char **argv, args *a, int *status)
{
    cli_args p;
    const char *v;
    int k = CLI_DONE, bad = cli_args_init(&p, &cli_triage_cmd, argc, argv);
    while (!bad && (k = cli_next(&p, &v)) != CLI_DONE && k != CLI_HELP) {
        if (k == CLI_BAD) bad = 1;
        else if (k == CLI_ARG) bad = cli_collect_all(v, &a->paths, 0) != 0;
        else if (k == O_OUT) a->dir = v;
        else if (k == O_KNOWN) a->known = v;
        else if (k == O_HTML) a->html = v;
        else if (k == O_WHATIF) a->whatif = v;
        else if (k == O_STORE) a->store = v;
        else if (k == O_RUN) a->run = v;
        else bad = cli_fuzz_opt(&a->c, k, v) != 0;
    }
    cli_args_free(&p);
    if (k == CLI_HELP) {
        *status = cli_help(&cli_triage_cmd);
        return 1;
    }
    int reports = bad || !a->paths.n ? 0 : cli_report_inputs(&a->paths);
    if (reports) {
        if (reports > 0) {
            cli_report_opts o = report_opts(a);
            *status = cli_triage_reports(&a->paths, &o);
            return 2;
        }
        bad = 1;
    }
    if (!bad && (!a->dir || !a->paths.n)) {
        cli_errorf("usage: vmex triage INPUT... -o DIR [--known DIR] [--html FILE [--whatif P1,P2,...]] "
                   "[--profile P] [--entitlement E] [--hunt POLICY]");
        bad = 1;
    }
    if (!bad && a->run && !a->store) {
        cli_errorf("--run goes with --store");
        bad = 1;
    }
    if (!bad && a->store && cli_findings_store_ok(a->store, a->run))
        bad = 1;
    if (bad || cli_fuzz_hunt(&a->c))
        return -1;
    if (a->html)   /* a bad --whatif list is a usage error before anything is written */
        return whatif_profiles(a);
    if (a->whatif) {
        cli_errorf("--whatif goes with --html");
        return -1;
    }
    return 0;
}

static int cmp_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The signatures of the reproducers under dir, each run hunting its own
 * class (a reproducer carries its own profile).  0 or -1 (reported). */
static int known_signatures(const char *dir, const cli_fuzz *c, cli_pathv *sigs, cli_pathv *files)
{
    cli_pathv v = {0};
    if (cli_collect_dir(dir, &v, 0))
        return -1;
    cli_fuzz kc = *c;
    kc.profile = NULL;
    kc.ents = 0;
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST), *real = NULL;
    for (size_t i = 0; m && i < v.n; i++) {
        vmex_triage_input in;
        vmex_hunt h;
        vmex_error err;
        vmex_result res;
        char sig[128];
        if (cli_load(v.v[i], &kc, &in) == 0 && in.p.expect > VMEX_OK &&
            !vmex_hunt_parse(vmex_class_name(in.p.expect), &h, &err) &&
            vmex_triage_signature(m, &real, &in.p, &in.L, &h, sig, sizeof sig, &res)) {
            cli_pathv_add(sigs, sig);
            cli_pathv_add(files, v.v[i]);
        }
        cli_unload(&in);
    }
    cli_pathv_free(&v);
    vmex_model_free(m);
    vmex_model_free(real);
    return m ? 0 : -1;
}

/* Minimize each group that is not flaky into dir/<signature>.vmex.
 * Returns 1 when one of them is new. */
static int reproducers(vmex_triage *t, const vmex_triage_input *ins, const args *a)
{
    int new_found = 0;
    for (size_t g = 0; g < t->ngroups; g++) {
        vmex_triage_group *gr = &t->groups[g];
        if (gr->flaky)
            continue;   /* reported, never minimized from a moving target */
        snprintf(gr->out, sizeof gr->out, "%s/%s.vmex", a->dir, gr->sig);
        if (vmex_triage_minimize(t, g, ins, &a->c.hunt) == 0 &&
            cli_write_atomic(gr->out, gr->text, strlen(gr->text)) == 0)
            gr->minimized = 1;
        new_found |= !gr->known;
    }
    return new_found;
}

/* triage.json and the page.  0 or -1 (reported). */
static int write_reports(const vmex_triage *t, const vmex_triage_input *ins, const args *a)
{
    vmex_buf j = {0}, page = {0};
    char jpath[600];
    int rc = -1;
    snprintf(jpath, sizeof jpath, "%s/triage.json", a->dir);
    if (vmex_triage_json(t, ins, &a->c.hunt, &j))
        cli_errorf("out of memory");
    else if (cli_write_atomic(jpath, j.p, j.len) == 0)
        rc = 0;
    if (rc == 0 && a->html) {
        if (vmex_triage_html(t, ins, &a->c.hunt, a->wlist, a->nwhatif, &page)) {
            cli_errorf("out of memory");
            rc = -1;
        } else {
            rc = cli_write_atomic(a->html, page.p, page.len);
        }
    }
    vmex_buf_free(&j);
    vmex_buf_free(&page);
    return rc;
}

int cli_cmd_triage(int argc, char **argv)
{
    args a;
    cli_pathv ksigs = {0}, kfiles = {0};
    vmex_triage t = {0};
    vmex_triage_input *ins = NULL;
    size_t unreadable = 0;
    int status = 2;
    memset(&a, 0, sizeof a);
    a.c.target = -1;
    int pr = parse(argc, argv, &a, &status);
    if (pr)
        goto out;
    status = 2;
    qsort(a.paths.v, a.paths.n, sizeof *a.paths.v, cmp_path);
    if (a.known && known_signatures(a.known, &a.c, &ksigs, &kfiles))
        goto out;
    if (!(ins = calloc(a.paths.n, sizeof *ins))) {
        cli_errorf("out of memory");
        goto out;
    }
    /* every input must load before anything is written */
    for (size_t i = 0; i < a.paths.n; i++)
        unreadable += cli_load(a.paths.v[i], &a.c, &ins[i]) != 0;
    if (unreadable) {
        cli_errorf("%zu of %zu inputs could not be read; nothing written", unreadable, a.paths.n);
        goto out;
    }
    if (cli_make_dirs(a.dir))   /* made, with every file, only when all can be written */
        goto out;
    if (vmex_triage_group_inputs(ins, a.paths.n, &a.c.hunt, &t)) {
        cli_errorf("out of memory");
        goto out;
    }
    vmex_triage_mark_known(&t, ksigs.v, kfiles.v, ksigs.n);
    int new_found = reproducers(&t, ins, &a);
    cli_outb(vmex_triage_table(&t, a.dir, cli_out()));
    if (write_reports(&t, ins, &a) == 0 &&
        (!a.store || cli_findings_record_triage(a.store, a.run, &t, ins) == 0))
        status = new_found;
out:
    for (size_t i = 0; ins && i < a.paths.n; i++)
        cli_unload(&ins[i]);
    free(ins);
    vmex_triage_free(&t);
    cli_pathv_free(&a.paths);
    cli_pathv_free(&ksigs);
    cli_pathv_free(&kfiles);
    if (pr == 2 && status == 2)
        cli_discard();
    if (pr == 2 && status != 2)
        return cli_finish(status);
    if (pr > 0)
        return status;
    if (status == 2) {
        cli_discard();
        return 2;
    }
    return cli_finish(status);
}
