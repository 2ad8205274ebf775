/*
 * cli_findings.c - `vmex findings ACTION`: the findings store that
 * campaigns share (store/findings_db.h).  This file: the command's table,
 * its options, and the actions that read (list, show, diff, runs), make
 * runs (begin, end), mark and export; cli_findings_io.c ingests, imports
 * and rechecks.
 *
 * The store is --store FILE, else $VMEX_STORE, else
 * $VMEX_STATE/findings.db, else runs/campaign/findings.db (the campaign
 * state of ci/nightly, ci/fuzz and ci/gate: --state, $VMEX_STATE).
 * Reading actions need it to exist; writing ones make it.
 * Exit status: 0, 1 (diff: something changed; recheck: something fixed),
 * 2 usage, input or store error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli_findings.h"
#include "core/json.h"

enum {
    O_STORE = CLI_FUZZ__COUNT, O_RUN, O_KIND, O_BUDGET, O_COMMIT, O_NOTE, O_STATE, O_SINCE, O_STATUS, O_JSON,
    O_VERBOSE
};
static const cli_opt opts[] = {
    CLI_FUZZ_OPTS,
    [O_STORE] = {"store", 0, "FILE", "the store (default $VMEX_STORE, else $VMEX_STATE/findings.db,\n"
                                     "else " VMEX_FDB_DEFAULT ")"},
    [O_RUN] = {"run", 0, "ID", "list, export: the findings that run saw; ingest, recheck:\n"
                               "record under that run (default: a run of their own)"},
    [O_KIND] = {"kind", 0, "KIND", "begin: " VMEX_FDB_KINDS},
    [O_BUDGET] = {"budget", 0, "SECONDS", "begin: the run's time budget"},
    [O_COMMIT] = {"commit", 0, "SHA", "begin: the git commit it runs"},
    [O_NOTE] = {"note", 0, "TEXT", "begin: a note"},
    [O_STATE] = {"state", 0, "TEXT", "end: how it ended (default complete)"},
    [O_SINCE] = {"since", 0, "RUN|DATE", "diff: after run RUN, or from DATE on (YYYY-MM-DD[THH:MM[:SS]]\n"
                                         "UTC, or @UNIXTIME)"},
    [O_STATUS] = {"status", 0, "S[,S...]", "list, export: only these (new, known, flaky, fixed)"},
    [O_JSON] = {"json", 0, NULL, "list, show, diff, runs: JSON Lines"},
    [O_VERBOSE] = {"verbose", 0, NULL, "ingest: a line on stderr per finding recorded, as it commits"},
    {0},
};

CLI_COMMAND(findings,
            .usage = "findings list [--status S] [--run ID] [--json]\n"
                     "findings show SIGNATURE [--json]\n"
                     "findings diff --since RUN|DATE [--json]\n"
                     "findings runs [--json]\n"
                     "findings begin --kind KIND [--budget S] [--commit SHA] [--note T]\n"
                     "findings end ID [--state STATE]\n"
                     "findings ingest DIR... [--run ID] [--profile P] [--entitlement E] [--target T]\n"
                     "findings export DIR [--status S] [--run ID]\n"
                     "findings import DIR...\n"
                     "findings recheck [--run ID]\n"
                     "findings mark SIGNATURE new|known|flaky",
            .opts = opts, .prefixed = 1, .nbrief = O_VERBOSE + 1,
            .brief = "--store FILE, --run ID, --json, ...\nsee 'vmex help findings'",
            .summary = "the findings store campaigns share: a record\n"
                       "per signature (first and last seen, runs, cells,\n"
                       "hits, best margin, smallest reproducer, status\n"
                       "new/known/flaky/fixed) and the runs; ingest reads\n"
                       "findings folders (SIG.json + SIG.input) and triage\n"
                       "folders; export/import: SIG.json + SIG.vmex files;\n"
                       "recheck marks fixed what stopped reproducing");

/* ---------------------------------------------------------------- shared */

void cli_fdb_error(const vmex_error *err)
{
    if (err->file[0])
        cli_errorf("%s: %s", err->file, err->msg);
    else
        cli_errorf("%s", err->msg);
}

vmex_fdb *cli_fdb_open(const fargs *a, int create)
{
    vmex_error err;
    if (create) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", a->store);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
            *slash = '\0';
            if (cli_make_dirs_now(dir))
                return NULL;
        }
    }
    vmex_fdb *db = vmex_fdb_open(a->store, create, &err);
    if (!db)
        cli_fdb_error(&err);
    return db;
}

int cli_fdb_own_run(vmex_fdb *db, fargs *a, const char *kind, const char *note, int *made)
{
    vmex_error err;
    vmex_fdb_run r = {0};
    *made = 0;
    if (a->run) {
        int have = vmex_fdb_run_get(db, a->run, &r, &err);
        if (have == 0)
            cli_errorf("%s: no run %lld (see 'vmex findings runs')", a->store, (long long)a->run);
        if (have <= 0 && have < 0)
            cli_fdb_error(&err);
        return have == 1 ? 0 : -1;
    }
    snprintf(r.kind, sizeof r.kind, "%s", kind);
    snprintf(r.note, sizeof r.note, "%s", note);
    r.started = (int64_t)time(NULL);
    if (vmex_fdb_run_begin(db, &r, &a->run, &err)) {
        cli_fdb_error(&err);
        return -1;
    }
    *made = 1;
    return 0;
}

void cli_fdb_end_own(vmex_fdb *db, const fargs *a, int made, int failed)
{
    vmex_error err;
    if (made && vmex_fdb_run_end(db, a->run, (int64_t)time(NULL), failed ? "failed" : "complete", &err))
        cli_fdb_error(&err);
}

/* "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]" (UTC) or "@UNIX": 0 ok, -1 bad */
static int parse_date(const char *s, int64_t *t)
{
    struct tm tm = {0};
    int n = 0, y, mo, d, h = 0, mi = 0, sec = 0;
    char tail;
    if (s[0] == '@') {
        char *end;
        long long v = strtoll(s + 1, &end, 10);
        if (end == s + 1 || *end || v < 0)
            return -1;
        *t = v;
        return 0;
    }
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
        return -1;
    if (s[n] == 'T' || s[n] == ' ') {
        int m = 0;
        if (sscanf(s + n + 1, "%2d:%2d%n", &h, &mi, &m) != 2)
            return -1;
        n += 1 + m;
        if (s[n] == ':' && sscanf(s + n + 1, "%2d%n", &sec, &m) == 1)
            n += 1 + m;
    }
    if (sscanf(s + n, "%c", &tail) == 1 || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        sec > 60)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *t = (int64_t)timegm(&tm);
    return 0;
}

static const char *when(int64_t t, char *buf, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!t || !gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M", &tm))
        snprintf(buf, n, "-");
    return buf;
}
#define WHEN(t) when((t), (char[32]){0}, 32)

static int parse_id(const char *opt, const char *v, int64_t *out)
{
    uint64_t x;
    if (cli_parse_count(opt, v, &x, INT64_MAX))
        return -1;
    *out = (int64_t)x;
    return 0;
}

static int parse_status(fargs *a, const char *v)
{
    a->status_mask = 0;
    for (const char *p = v; *p;) {
        char s[16];
        size_t n = strcspn(p, ",");
        snprintf(s, sizeof s, "%.*s", (int)(n < sizeof s ? n : sizeof s - 1), p);
        int bit = n < sizeof s ? vmex_fdb_status_bit(s) : -1;
        if (bit < 0) {
            cli_errorf("--status: '%.*s' is not new, known, flaky or fixed", (int)n, p);
            return -1;
        }
        a->status_mask |= 1u << bit;
        p += n + (p[n] == ',');
    }
    return 0;
}

/* ---------------------------------------------------------------- reading */

static int list_header_done;

static int print_record(const vmex_fdb_record *r, void *ctx)
{
    const fargs *a = ctx;
    vmex_buf *out = cli_out();
    if (a->json) {
        cli_outb(vmex_fdb_record_json(r, out) || vmex_buf_put(out, "\n", 1));
        return 0;
    }
    if (!list_header_done++)
        cli_outf("%-44s %-10s %-6s %7s %5s  %-26s %-26s %s\n", "signature", "class", "status", "margin", "runs",
                 "first seen UTC (run)", "last seen UTC (run)", "cells");
    char first[40], last[40];
    snprintf(first, sizeof first, "%s (%lld)", WHEN(r->first_seen), (long long)r->first_run);
    snprintf(last, sizeof last, "%s (%lld)", WHEN(r->last_seen), (long long)r->last_run);
    if (!r->first_run)
        snprintf(first, sizeof first, "%s (import)", WHEN(r->first_seen));
    if (!r->last_run)
        snprintf(last, sizeof last, "%s (import)", WHEN(r->last_seen));
    cli_outf("%-44s %-10s %-6s %7.2f %5lld  %-26s %-26s %zu\n", r->signature, r->cls, r->status, r->best_margin,
             (long long)r->times_seen, first, last, r->ncells);
    return 0;
}

typedef struct counts {
    int n, by[4];
} counts;

static int count_record(const vmex_fdb_record *r, void *ctx)
{
    counts *c = ctx;
    int bit = vmex_fdb_status_bit(r->status);
    c->n++;
    if (bit >= 0)
        c->by[bit]++;
    return 0;
}

static int list(fargs *a, vmex_fdb *db)
{
    vmex_error err;
    vmex_fdb_filter f = {.status_mask = a->status_mask, .seen_in_run = a->run};
    counts c = {0};
    list_header_done = 0;
    if (vmex_fdb_each(db, &f, print_record, a, &err) || vmex_fdb_each(db, &f, count_record, &c, &err)) {
        cli_fdb_error(&err);
        return 2;
    }
    if (!a->json)
        cli_outf("%d finding(s): %d new, %d known, %d flaky, %d fixed\n", c.n, c.by[0], c.by[1], c.by[2], c.by[3]);
    return 0;
}

static int show(fargs *a, vmex_fdb *db)
{
    vmex_error err;
    vmex_fdb_record r;
    int have = vmex_fdb_get(db, a->operand[1], &r, &err);
    if (have <= 0) {
        if (have < 0)
            cli_fdb_error(&err);
        else
            cli_errorf("%s: no finding '%s' (see 'vmex findings list')", a->store, a->operand[1]);
        return 2;
    }
    vmex_buf *out = cli_out();
    if (a->json) {
        size_t at = out->len;
        int rc = vmex_fdb_record_json(&r, out);
        if (!rc && out->len > at) {
            out->len--;   /* the record's closing brace: the reproducer goes in */
            rc = vmex_buf_put(out, ",\"reproducer\":", 14) || vmex_json_str(out, r.reproducer) ||
                 vmex_buf_put(out, "}\n", 2);
        }
        cli_outb(rc);
    } else {
        cli_outf("signature     %s\nclass         %s\nstatus        %s\n", r.signature, r.cls, r.status);
        cli_outf("first seen    %s UTC, run %lld\nlast seen     %s UTC, run %lld\n", WHEN(r.first_seen),
                 (long long)r.first_run, WHEN(r.last_seen), (long long)r.last_run);
        cli_outf("runs          %lld (%s)\nhits          %lld\nbest margin   %.2f\n", (long long)r.times_seen,
                 r.kinds[0] ? r.kinds : "-", (long long)r.hits, r.best_margin);
        if (r.fixed_run)
            cli_outf("fixed         in run %lld, %s UTC\n", (long long)r.fixed_run, WHEN(r.fixed_at));
        if (r.reopened_run)
            cli_outf("reopened      in run %lld, %s UTC\n", (long long)r.reopened_run, WHEN(r.reopened_at));
        cli_outf("cells         %zu\n", r.ncells);
        for (size_t i = 0; i < r.ncells; i++)
            cli_outf("  %-12s %-18s %-30s seen %lld time(s), %s .. %s, best margin %.2f\n", r.cells[i].target,
                     r.cells[i].profile, r.cells[i].ents, (long long)r.cells[i].times_seen,
                     WHEN(r.cells[i].first_seen), WHEN(r.cells[i].last_seen), r.cells[i].best_margin);
        if (r.reproducer)
            cli_outf("reproducer    %lld ops\n%s%s", (long long)r.reproducer_ops, r.reproducer,
                     r.reproducer[0] && r.reproducer[strlen(r.reproducer) - 1] == '\n' ? "" : "\n");
        else
            cli_outf("reproducer    none\n");
    }
    vmex_fdb_record_free(&r);
    return 0;
}

typedef struct diff_out {
    const fargs *a;
    int n;
} diff_out;

static int print_change(const vmex_fdb_change *c, void *ctx)
{
    diff_out *d = ctx;
    const vmex_fdb_record *r = c->r;
    d->n++;
    if (d->a->json) {
        vmex_buf *out = cli_out();
        cli_outb(vmex_buf_printf(out, "{\"change\":\"%s\",\"record\":", c->what) || vmex_fdb_record_json(r, out) ||
                 vmex_buf_put(out, "}\n", 2));
        return 0;
    }
    char upper[16];
    size_t i = 0;
    for (; c->what[i] && i < sizeof upper - 1; i++)
        upper[i] = (char)(c->what[i] - 'a' + 'A');
    upper[i] = '\0';
    cli_outf("%-9s %-44s %-10s %7.2f  ", upper, r->signature, r->cls, r->best_margin);
    if (!strcmp(c->what, "fixed"))
        cli_outf("fixed in run %lld (%s)\n", (long long)r->fixed_run, WHEN(r->fixed_at));
    else if (!strcmp(c->what, "reopened"))
        cli_outf("seen again in run %lld (%s) after it was fixed\n", (long long)r->reopened_run, WHEN(r->reopened_at));
    else if (!strcmp(c->what, "new"))
        cli_outf("first seen in run %lld (%s)\n", (long long)r->first_run, WHEN(r->first_seen));
    else
        cli_outf("seen again, last in run %lld (%s)\n", (long long)r->last_run, WHEN(r->last_seen));
    return 0;
}

static int diff(fargs *a, vmex_fdb *db)
{
    vmex_error err;
    int64_t run = 0, t = 0;
    const char *s = a->since;
    if (!s) {
        cli_errorf("findings diff needs --since RUN|DATE");
        return 2;
    }
    if (s[0] >= '0' && s[0] <= '9' && !strchr(s, '-')) {
        vmex_fdb_run r;
        if (parse_id("--since", s, &run))
            return 2;
        int have = vmex_fdb_run_get(db, run, &r, &err);
        if (have <= 0) {
            if (have < 0)
                cli_fdb_error(&err);
            else
                cli_errorf("--since: no run %lld in %s (see 'vmex findings runs')", (long long)run, a->store);
            return 2;
        }
        if (!a->json)
            cli_outf("since run %lld (%s, started %s UTC):\n", (long long)run, r.kind, WHEN(r.started));
    } else if (parse_date(s, &t)) {
        cli_errorf("--since '%s': a run id, YYYY-MM-DD[THH:MM[:SS]] (UTC) or @UNIXTIME", s);
        return 2;
    } else if (!a->json) {
        cli_outf("since %s UTC:\n", WHEN(t));
    }
    diff_out d = {a, 0};
    if (vmex_fdb_diff(db, run, t, print_change, &d, &err)) {
        cli_fdb_error(&err);
        return 2;
    }
    if (!a->json)
        cli_outf("%d change(s)\n", d.n);
    return d.n ? 1 : 0;
}

static int print_run(const vmex_fdb_run *r, void *ctx)
{
    const fargs *a = ctx;
    if (a->json) {
        vmex_buf *out = cli_out();
        cli_outb(vmex_fdb_run_json(r, out) || vmex_buf_put(out, "\n", 1));
        return 0;
    }
    cli_outf("%5lld  %-8s %-17s %-17s %8lld  %-12.12s %-12s %s\n", (long long)r->id, r->kind, WHEN(r->started),
             r->ended ? WHEN(r->ended) : "(running)", (long long)r->budget, r->commit[0] ? r->commit : "-",
             r->state[0] ? r->state : "-", r->note);
    return 0;
}

static int runs(fargs *a, vmex_fdb *db)
{
    vmex_error err;
    if (!a->json)
        cli_outf("%5s  %-8s %-17s %-17s %8s  %-12s %-12s %s\n", "run", "kind", "started (UTC)", "ended", "budget",
                 "commit", "state", "note");
    if (vmex_fdb_runs(db, print_run, a, &err)) {
        cli_fdb_error(&err);
        return 2;
    }
    return 0;
}

/* ---------------------------------------------------------------- writing */

static int begin(fargs *a, vmex_fdb *db)
{
    vmex_error err;
    vmex_fdb_run r = {0};
    if (!a->kind) {
        cli_errorf("findings begin needs --kind (" VMEX_FDB_KINDS ")");
        return 2;
    }
    snprintf(r.kind, sizeof r.kind, "%s", a->kind);
    snprintf(r.commit, sizeof r.commit, "%s", a->commit ? a->commit : "");
    snprintf(r.note, sizeof r.note, "%s", a->note ? a->note : "");
    r.started = (int64_t)time(NULL);
    r.budget = a->budget;
    int64_t id;
    if (vmex_fdb_run_begin(db, &r, &id, &err)) {
        cli_fdb_error(&err);
        return 2;
    }
    cli_outf("%lld\n", (long long)id);
    return 0;
}

static int end(fargs *a, vmex_fdb *db)
{
    vmex_error err;
    int64_t id;
    if (parse_id("run id", a->operand[1], &id))
        return 2;
    if (vmex_fdb_run_end(db, id, (int64_t)time(NULL), a->state ? a->state : "complete", &err)) {
        cli_fdb_error(&err);
        return 2;
    }
    return 0;
}

static int mark(fargs *a, vmex_fdb *db)
{
    vmex_error err;
    int rc = vmex_fdb_set_status(db, a->operand[1], a->operand[2], &err);
    if (rc < 0)
        cli_fdb_error(&err);
    else if (rc == 0)
        cli_errorf("%s: no finding '%s'", a->store, a->operand[1]);
    return rc == 1 ? 0 : 2;
}

typedef struct export_ctx {
    const char *dir;
    int n, bad;
} export_ctx;

static int export_one(const vmex_fdb_record *r, void *ctx)
{
    export_ctx *e = ctx;
    vmex_buf j = {0};
    char path[4200];
    int rc = vmex_fdb_record_json(r, &j) || vmex_buf_put(&j, "\n", 1);
    if (rc)
        cli_errorf("out of memory");
    snprintf(path, sizeof path, "%s/%s.json", e->dir, r->signature);
    if (!rc)
        rc = cli_write_atomic(path, j.p, j.len);
    snprintf(path, sizeof path, "%s/%s.vmex", e->dir, r->signature);
    if (!rc && r->reproducer)
        rc = cli_write_atomic(path, r->reproducer, strlen(r->reproducer));
    vmex_buf_free(&j);
    e->n += !rc;
    e->bad |= rc != 0;
    return rc ? -1 : 0;
}

static int export(fargs *a, vmex_fdb *db)
{
    vmex_error err;
    export_ctx e = {a->operand[1], 0, 0};
    vmex_fdb_filter f = {.status_mask = a->status_mask, .seen_in_run = a->run};
    if (cli_make_dirs(e.dir))
        return 2;
    int rc = vmex_fdb_each(db, &f, export_one, &e, &err);
    if (rc && !e.bad)
        cli_fdb_error(&err);
    if (rc)
        return 2;
    cli_outf("exported %d finding(s) to %s/ (SIGNATURE.json + SIGNATURE.vmex)\n", e.n, e.dir);
    return 0;
}

/* ---------------------------------------------------------------- the command */

typedef struct action {
    const char *name;
    int operands;               /* after the action; -1: one or more */
    int create;                 /* makes the store (2: the action opens it itself, after
                                   checking its inputs) */
    unsigned allowed;           /* options beyond --store, as 1 << O_* */
    int (*fn)(fargs *a, vmex_fdb *db);
} action;

#define B(o) (1u << (o))
#define FUZZ_OPTS (B(CLI_FUZZ_PROFILE) | B(CLI_FUZZ_ENT) | B(CLI_FUZZ_HUNT) | B(CLI_FUZZ_TARGET))

static const action actions[] = {
    {"list", 0, 0, B(O_STATUS) | B(O_RUN) | B(O_JSON), list},
    {"show", 1, 0, B(O_JSON), show},
    {"diff", 0, 0, B(O_SINCE) | B(O_JSON), diff},
    {"runs", 0, 0, B(O_JSON), runs},
    {"begin", 0, 1, B(O_KIND) | B(O_BUDGET) | B(O_COMMIT) | B(O_NOTE), begin},
    {"end", 1, 1, B(O_STATE), end},
    {"mark", 2, 1, 0, mark},
    {"export", 1, 0, B(O_STATUS) | B(O_RUN), export},
    {"ingest", -1, 2, B(O_RUN) | B(O_VERBOSE) | FUZZ_OPTS, cli_findings_ingest},
    {"import", -1, 2, 0, cli_findings_import},
    {"recheck", 0, 2, B(O_RUN) | B(O_VERBOSE) | B(CLI_FUZZ_HUNT), cli_findings_recheck},
};

static int option(fargs *a, int k, const char *v, unsigned *given)
{
    *given |= B(k);
    switch (k) {
    case O_STORE: a->store = v; return 0;
    case O_RUN: return parse_id("--run", v, &a->run);
    case O_KIND:
        a->kind = v;
        if (vmex_fdb_kind_valid(v))
            return 0;
        cli_errorf("--kind '%s': one of " VMEX_FDB_KINDS, v);
        return -1;
    case O_BUDGET: {
        uint64_t x;
        if (cli_parse_count("--budget", v, &x, INT64_MAX))
            return -1;
        a->budget = (int64_t)x;
        return 0;
    }
    case O_COMMIT: a->commit = v; return 0;
    case O_NOTE: a->note = v; return 0;
    case O_STATE: a->state = v; return 0;
    case O_SINCE: a->since = v; return 0;
    case O_STATUS: a->status = v; return parse_status(a, v);
    case O_JSON: a->json = 1; return 0;
    case O_VERBOSE: a->verbose = 1; return 0;
    default: return cli_fuzz_opt(&a->c, k, v);
    }
}

int cli_cmd_findings(int argc, char **argv)
{
    fargs a;
    cli_args p;
    const char *v;
    unsigned given = 0;
    memset(&a, 0, sizeof a);
    a.c.target = -1;
    int k = CLI_DONE, bad = cli_args_init(&p, &cli_findings_cmd, argc, argv);
    while (!bad && (k = cli_next(&p, &v)) != CLI_DONE && k != CLI_HELP) {
        if (k == CLI_BAD)
            bad = 1;
        else if (k == CLI_ARG && a.noperand == (int)(sizeof a.operand / sizeof *a.operand))
            bad = 1, cli_errorf("findings: too many operands");
        else if (k == CLI_ARG)
            a.operand[a.noperand++] = v;
        else
            bad = option(&a, k, v, &given) != 0;
    }
    cli_args_free(&p);
    if (k == CLI_HELP)
        return cli_help(&cli_findings_cmd);
    if (bad)
        return 2;
    const action *act = NULL;
    for (size_t i = 0; a.noperand && i < sizeof actions / sizeof *actions; i++)
        if (!strcmp(actions[i].name, a.operand[0]))
            act = &actions[i];
    if (!act) {
        if (a.noperand)
            cli_errorf("findings: unknown action '%s' (see 'vmex help findings')", a.operand[0]);
        else
            cli_errorf("findings: which action? list, show, diff, runs, begin, end, ingest, export, import, "
                       "recheck, mark (see 'vmex help findings')");
        return 2;
    }
    int n = a.noperand - 1;
    if ((act->operands >= 0 && n != act->operands) || (act->operands < 0 && n < 1)) {
        cli_errorf("findings %s takes %s (see 'vmex help findings')", act->name,
                   act->operands == 0 ? "no operands" : act->operands == 1 ? "one operand"
                   : act->operands == 2 ? "two operands" : "one or more folders");
        return 2;
    }
    unsigned extra = given & ~(act->allowed | B(O_STORE));
    for (int o = 0; extra && o < (int)(sizeof opts / sizeof *opts) - 1; o++)
        if (extra & B(o)) {
            cli_errorf("findings %s does not take --%s", act->name, opts[o].name);
            return 2;
        }
    if (a.c.hunt_text && cli_fuzz_hunt(&a.c))
        return 2;
    char state_store[4096];
    const char *st = getenv("VMEX_STATE");
    if (!a.store && getenv("VMEX_STORE") && *getenv("VMEX_STORE"))
        a.store = getenv("VMEX_STORE");
    if (!a.store && st && *st) {
        snprintf(state_store, sizeof state_store, "%s/findings.db", st);
        a.store = state_store;
    }
    if (!a.store)
        a.store = VMEX_FDB_DEFAULT;
    vmex_fdb *db = NULL;
    if (act->create < 2 && !(db = cli_fdb_open(&a, act->create)))
        return 2;
    int status = act->fn(&a, db);
    vmex_fdb_close(db);
    if (status == 2) {
        cli_discard();
        return 2;
    }
    return cli_finish(status);
}
