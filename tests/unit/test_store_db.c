/*
 * test_store_db.c - tests of the findings store (store/findings_db.h): the
 * store is SQLite in WAL mode; recording a signature over runs and cells
 * (first/last seen, times seen, hits, best margin, the smaller reproducer,
 * status new -> known, flaky, fixed and reopened); filters and what changed
 * since a run or a time; the JSON of a record, its import (idempotent) and
 * a findings folder's SIG.json; bad input; four processes writing at once
 * lose nothing; a writer killed with SIGKILL mid-stream leaves a store that
 * passes PRAGMA integrity_check and holds every finding it committed.
 * (tests/test_store.c is the model's VA store, another thing.)
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "store/findings_db.h"

static char dir[64], path[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/vmex-test-store-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/findings.db", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static vmex_fdb *open_db(void)
{
    vmex_error err;
    vmex_fdb *db = vmex_fdb_open(path, 1, &err);
    if (!db)
        fprintf(stderr, "%s: %s\n", err.file, err.msg);
    assert_non_null(db);
    return db;
}

static int64_t begin(vmex_fdb *db, const char *kind, int64_t when)
{
    vmex_fdb_run r = {0};
    vmex_error err;
    int64_t id = 0;
    snprintf(r.kind, sizeof r.kind, "%s", kind);
    r.started = when;
    r.budget = 60;
    snprintf(r.commit, sizeof r.commit, "0123abc");
    assert_int_equal(vmex_fdb_run_begin(db, &r, &id, &err), 0);
    return id;
}

/* a sighting of sig by run on ios16-3gb (ents "none" unless given) */
static vmex_fdb_sighting seen(const char *sig, int64_t run, int64_t when, double margin, uint64_t hits)
{
    vmex_fdb_sighting s = {sig, "frag", "xnu", "ios16-3gb", "none", run, when, 0, margin, hits, 0, NULL, 0};
    return s;
}

static void rec(vmex_fdb *db, const vmex_fdb_sighting *s, int want_created)
{
    vmex_error err;
    int created = -1;
    int rc = vmex_fdb_add(db, s, &created, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(created, want_created);
}

static void get(vmex_fdb *db, const char *sig, vmex_fdb_record *r)
{
    vmex_error err;
    assert_int_equal(vmex_fdb_get(db, sig, r, &err), 1);
}

static void test_open_wal(void **state)
{
    (void)state;
    vmex_fdb *db = open_db();
    vmex_fdb_close(db);
    /* the file is a WAL database whose schema says 1 */
    sqlite3 *s;
    assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(s, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(s, "SELECT value FROM meta WHERE key='schema'", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "1");
    sqlite3_finalize(st);
    sqlite3_close(s);
    /* opened again, it is the same store */
    db = open_db();
    assert_int_equal(begin(db, "nightly", 100), 1);
    vmex_fdb_close(db);
}

static void test_record_over_runs(void **state)
{
    (void)state;
    vmex_fdb *db = open_db();
    int64_t r1 = begin(db, "nightly", 1000), r2 = begin(db, "nightly", 2000);
    vmex_fdb_sighting s = seen("frag-mmap-2p27-ios16-3gb", r1, 1010, 2.5, 7);
    s.reproducer = "vmex 1\n# 12 ops\n";
    s.reproducer_ops = 12;
    rec(db, &s, 1);
    /* the same sighting again: nothing changes (hits stay 7, times 1) */
    rec(db, &s, 0);
    /* the same run and cell, more hits and a better margin: maxima */
    s.hits = 9;
    s.margin = 3.0;
    s.seen = 1020;
    rec(db, &s, 0);
    vmex_fdb_record r;
    get(db, s.signature, &r);
    assert_string_equal(r.status, "new");
    assert_string_equal(r.cls, "frag");
    assert_int_equal(r.first_seen, 1010);
    assert_int_equal(r.last_seen, 1020);
    assert_int_equal(r.first_run, r1);
    assert_int_equal(r.last_run, r1);
    assert_int_equal(r.times_seen, 1);
    assert_int_equal(r.hits, 9);            /* max(7, 9) within one run and cell */
    assert_true(r.best_margin == 3.0);
    assert_int_equal(r.reproducer_ops, 12);
    assert_string_equal(r.kinds, "nightly");
    assert_int_equal(r.ncells, 1);
    assert_int_equal(r.cells[0].times_seen, 1);
    vmex_fdb_record_free(&r);

    /* the second run sees it on two cells, with a worse margin and a
     * smaller reproducer: known, seen by 2 runs, 9 + 4 + 5 hits */
    vmex_fdb_sighting t = seen(s.signature, r2, 2010, 2.1, 4);
    t.reproducer = "vmex 1\n# 5 ops\n";
    t.reproducer_ops = 5;
    rec(db, &t, 0);
    t.ents = "extended-virtual-addressing";
    t.hits = 5;
    t.reproducer = "vmex 1\n# 8 ops\n";   /* larger than 5: not taken */
    t.reproducer_ops = 8;
    rec(db, &t, 0);
    get(db, s.signature, &r);
    assert_string_equal(r.status, "known");
    assert_int_equal(r.first_run, r1);
    assert_int_equal(r.last_run, r2);
    assert_int_equal(r.first_seen, 1010);
    assert_int_equal(r.last_seen, 2010);
    assert_int_equal(r.times_seen, 2);
    assert_int_equal(r.hits, 9 + 4 + 5);
    assert_true(r.best_margin == 3.0);
    assert_string_equal(r.reproducer, "vmex 1\n# 5 ops\n");
    assert_int_equal(r.reproducer_ops, 5);
    assert_int_equal(r.ncells, 2);
    /* cells sorted: "extended-..." before "none" */
    assert_string_equal(r.cells[0].ents, "extended-virtual-addressing");
    assert_int_equal(r.cells[0].times_seen, 1);
    assert_true(r.cells[0].best_margin == 2.1);
    assert_string_equal(r.cells[1].ents, "none");
    assert_int_equal(r.cells[1].times_seen, 2);
    assert_int_equal(r.cells[1].first_seen, 1010);
    assert_int_equal(r.cells[1].last_seen, 2010);
    vmex_fdb_record_free(&r);
    vmex_fdb_close(db);
}

static void test_status(void **state)
{
    (void)state;
    vmex_fdb *db = open_db();
    vmex_error err;
    int64_t r1 = begin(db, "fuzz", 10), r2 = begin(db, "nightly", 20), r3 = begin(db, "gate", 30);
    vmex_fdb_sighting s = seen("exhausted-mmap-2p30-ios16-3gb", r1, 11, 1.0, 1);
    s.cls = "exhausted";
    s.flaky = 1;
    rec(db, &s, 1);
    vmex_fdb_record r;
    get(db, s.signature, &r);
    assert_string_equal(r.status, "flaky");
    vmex_fdb_record_free(&r);
    /* replayed reliably in its first run after all: new */
    s.flaky = 0;
    rec(db, &s, 0);
    get(db, s.signature, &r);
    assert_string_equal(r.status, "new");
    vmex_fdb_record_free(&r);
    /* fixed in run 2, seen again by run 3: known, reopened in 3 */
    assert_int_equal(vmex_fdb_mark_fixed(db, s.signature, r2, 25, &err), 1);
    assert_int_equal(vmex_fdb_mark_fixed(db, s.signature, r2, 25, &err), 0);   /* already */
    get(db, s.signature, &r);
    assert_string_equal(r.status, "fixed");
    assert_int_equal(r.fixed_run, r2);
    assert_int_equal(r.fixed_at, 25);
    vmex_fdb_record_free(&r);
    s.run = r3;
    s.seen = 31;
    rec(db, &s, 0);
    get(db, s.signature, &r);
    assert_string_equal(r.status, "known");
    assert_int_equal(r.reopened_run, r3);
    assert_int_equal(r.reopened_at, 31);
    assert_string_equal(r.kinds, "fuzz,gate");
    vmex_fdb_record_free(&r);
    /* by hand */
    assert_int_equal(vmex_fdb_set_status(db, s.signature, "flaky", &err), 1);
    assert_int_equal(vmex_fdb_set_status(db, "no-such-sig", "known", &err), 0);
    assert_int_equal(vmex_fdb_set_status(db, s.signature, "fixed", &err), -1);
    assert_int_equal(vmex_fdb_set_status(db, s.signature, "gone", &err), -1);
    assert_int_equal(vmex_fdb_mark_fixed(db, s.signature, 99, 40, &err), -1);   /* no run 99 */
    vmex_fdb_close(db);
}

typedef struct names {
    char v[8][160];
    int n;
} names;

static int collect(const vmex_fdb_record *r, void *ctx)
{
    names *n = ctx;
    snprintf(n->v[n->n++], 160, "%s", r->signature);
    return 0;
}

static int collect_change(const vmex_fdb_change *c, void *ctx)
{
    names *n = ctx;
    snprintf(n->v[n->n++], 160, "%s %s", c->what, c->r->signature);
    return 0;
}

static void test_filters_and_diff(void **state)
{
    (void)state;
    vmex_fdb *db = open_db();
    vmex_error err;
    int64_t r1 = begin(db, "nightly", 100), r2 = begin(db, "nightly", 200), r3 = begin(db, "nightly", 300);
    vmex_fdb_sighting a = seen("a", r1, 110, 2, 1), b = seen("b", r1, 120, 2, 1), c = seen("c", r2, 210, 2, 1);
    rec(db, &a, 1);
    rec(db, &b, 1);
    rec(db, &c, 1);
    a.run = r2;
    a.seen = 220;
    rec(db, &a, 0);   /* a: seen again by run 2 */
    assert_int_equal(vmex_fdb_mark_fixed(db, "b", r3, 310, &err), 1);
    names n = {0};
    vmex_fdb_filter f = {0};
    f.first_in_run = r2;
    assert_int_equal(vmex_fdb_each(db, &f, collect, &n, &err), 0);
    assert_int_equal(n.n, 1);
    assert_string_equal(n.v[0], "c");
    memset(&n, 0, sizeof n);
    f.first_in_run = 0;
    f.seen_in_run = r2;
    assert_int_equal(vmex_fdb_each(db, &f, collect, &n, &err), 0);
    assert_int_equal(n.n, 2);
    assert_string_equal(n.v[0], "a");
    assert_string_equal(n.v[1], "c");
    memset(&n, 0, sizeof n);
    vmex_fdb_filter g = {.status_mask = 1u << VMEX_FDB_S_FIXED};
    assert_int_equal(vmex_fdb_each(db, &g, collect, &n, &err), 0);
    assert_int_equal(n.n, 1);
    assert_string_equal(n.v[0], "b");
    /* since run 1: c is new, b fixed, a seen again */
    memset(&n, 0, sizeof n);
    assert_int_equal(vmex_fdb_diff(db, r1, 0, collect_change, &n, &err), 0);
    assert_int_equal(n.n, 3);
    assert_string_equal(n.v[0], "new c");
    assert_string_equal(n.v[1], "fixed b");
    assert_string_equal(n.v[2], "seen a");
    /* since time 215: nothing new (c came at 210), b fixed at 310, a seen at 220 */
    memset(&n, 0, sizeof n);
    assert_int_equal(vmex_fdb_diff(db, 0, 215, collect_change, &n, &err), 0);
    assert_int_equal(n.n, 2);
    assert_string_equal(n.v[0], "fixed b");
    assert_string_equal(n.v[1], "seen a");
    vmex_fdb_close(db);
}

static void test_json_import(void **state)
{
    (void)state;
    vmex_fdb *db = open_db();
    vmex_error err;
    int64_t r1 = begin(db, "nightly", 100);
    vmex_fdb_sighting s = seen("frag-mmap-2p26-ios16-3gb", r1, 150, 2.41, 40);
    s.reproducer = "vmex 1\n";
    s.reproducer_ops = 9;
    rec(db, &s, 1);
    vmex_fdb_record r, back;
    get(db, s.signature, &r);
    vmex_buf j = {0};
    assert_int_equal(vmex_fdb_record_json(&r, &j), 0);
    assert_non_null(strstr(j.p, "\"format\":\"vmex-finding 1\""));
    assert_non_null(strstr(j.p, "\"cells\":[{\"target\":\"xnu\",\"profile\":\"ios16-3gb\",\"entitlements\":\"none\""));
    assert_int_equal(vmex_fdb_record_parse(j.p, j.len, "x.json", &back, &err), 0);
    assert_string_equal(back.signature, r.signature);
    assert_int_equal(back.first_seen, 150);
    assert_int_equal(back.hits, 40);
    assert_int_equal(back.ncells, 1);
    vmex_fdb_close(db);

    /* into another store: known, imported, the same counts; twice: the same */
    snprintf(path, sizeof path, "%s/other.db", dir);
    db = open_db();
    back.reproducer = strdup("vmex 1\n# imported\n");
    back.reproducer_ops = 9;
    assert_int_equal(vmex_fdb_import(db, &back, &err), 0);
    assert_int_equal(vmex_fdb_import(db, &back, &err), 0);
    vmex_fdb_record got;
    get(db, r.signature, &got);
    assert_string_equal(got.status, "known");
    assert_int_equal(got.imported, 1);
    assert_int_equal(got.first_run, 0);
    assert_int_equal(got.times_seen, 1);
    assert_int_equal(got.hits, 40);
    assert_string_equal(got.kinds, "import");
    assert_int_equal(got.ncells, 1);
    assert_int_equal(got.cells[0].times_seen, 1);
    assert_string_equal(got.reproducer, "vmex 1\n# imported\n");
    vmex_fdb_record_free(&got);
    /* a record first seen here in a run: an import makes it known */
    int64_t rr = begin(db, "fuzz", 500);
    vmex_fdb_sighting t = seen("x-new", rr, 510, 3, 1);
    rec(db, &t, 1);
    vmex_fdb_record xr;
    get(db, "x-new", &xr);
    xr.first_seen = 50;   /* the other machine saw it earlier */
    assert_int_equal(vmex_fdb_import(db, &xr, &err), 0);
    vmex_fdb_record_free(&xr);
    get(db, "x-new", &xr);
    assert_string_equal(xr.status, "known");
    assert_int_equal(xr.first_seen, 50);
    assert_string_equal(xr.kinds, "fuzz,import");
    vmex_fdb_record_free(&xr);
    vmex_fdb_record_free(&back);
    vmex_fdb_record_free(&r);
    vmex_buf_free(&j);
    vmex_fdb_close(db);
}

static void test_json_bad(void **state)
{
    (void)state;
    vmex_error err;
    vmex_fdb_record r;
    static const char *const bad[] = {
        "", "[]", "{", "{\"format\":\"vmex-finding 2\"}",
        "{\"format\":\"vmex-finding 1\",\"signature\":\"../x\",\"class\":\"frag\",\"status\":\"new\","
        "\"first_seen\":1,\"last_seen\":1,\"best_margin\":1}",
        "{\"format\":\"vmex-finding 1\",\"signature\":\"s\",\"class\":\"frag\",\"status\":\"gone\","
        "\"first_seen\":1,\"last_seen\":1,\"best_margin\":1}",
        "{\"format\":\"vmex-finding 1\",\"signature\":\"s\",\"class\":\"frag\",\"status\":\"new\","
        "\"first_seen\":2,\"last_seen\":1,\"best_margin\":1}",
        "{\"format\":\"vmex-finding 1\",\"signature\":\"s\",\"class\":\"frag\",\"status\":\"new\","
        "\"first_seen\":1,\"last_seen\":1,\"best_margin\":-1}",
        "{\"format\":\"vmex-finding 1\",\"signature\":\"s\",\"class\":\"frag\",\"status\":\"new\","
        "\"first_seen\":1,\"last_seen\":1,\"best_margin\":1,\"cells\":[{\"target\":\"xnu\"}]}",
        "{\"format\":\"vmex-finding 1\",\"signature\":\"s\",\"class\":\"frag\",\"status\":\"new\","
        "\"first_seen\":1,\"last_seen\":1,\"best_margin\":1} x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(vmex_fdb_record_parse(bad[i], strlen(bad[i]), "bad.json", &r, &err), -1);
        assert_string_equal(err.file, "bad.json");
        assert_true(err.msg[0] != '\0');
    }
    /* a findings folder's SIG.json (issue "Findings are results, not crashes") */
    vmex_fdb_folder_entry e;
    const char *ok = "{\"signature\":\"frag-mmap-2p27-ios16-3gb\",\"class\":\"frag\",\"margin\":2.21,\"ops\":37,"
                     "\"req\":134217728,\"hits\":40,\"target\":\"fuzz_xnu\",\"profile\":\"ios16-3gb\","
                     "\"first_unix\":1700000000,\"last_unix\":1700000100}\n";
    assert_int_equal(vmex_fdb_folder_entry_parse(ok, strlen(ok), "f.json", &e, &err), 0);
    assert_string_equal(e.target, "fuzz_xnu");
    assert_int_equal(e.ops, 37);
    assert_int_equal(e.req, 134217728);
    assert_int_equal(e.hits, 40);
    assert_int_equal(e.last_unix, 1700000100);
    assert_int_equal(e.have_ents, 0);
    const char *ents = "{\"signature\":\"s\",\"class\":\"frag\",\"margin\":2,\"target\":\"fuzz_xnu\","
                       "\"entitlements\":\"\",\"first_unix\":1,\"last_unix\":2}";
    assert_int_equal(vmex_fdb_folder_entry_parse(ents, strlen(ents), "f.json", &e, &err), 0);
    assert_int_equal(e.have_ents, 1);
    assert_string_equal(e.ents, "");
    const char *nosig = "{\"class\":\"frag\",\"margin\":2,\"target\":\"fuzz_xnu\",\"first_unix\":1,\"last_unix\":2}";
    assert_int_equal(vmex_fdb_folder_entry_parse(nosig, strlen(nosig), "f.json", &e, &err), -1);
    assert_string_equal(err.msg, "missing \"signature\"");
}

static void test_bad_input(void **state)
{
    (void)state;
    vmex_error err;
    vmex_fdb *db = open_db();
    int64_t r1 = begin(db, "nightly", 1);
    vmex_fdb_sighting s = seen("../etc/passwd", r1, 2, 2, 1);
    assert_int_equal(vmex_fdb_add(db, &s, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "bad signature"));
    s = seen("ok-sig", 42, 2, 2, 1);   /* no run 42 */
    assert_int_equal(vmex_fdb_add(db, &s, NULL, &err), -1);
    assert_string_equal(err.msg, "no run 42 in the findings store");
    s = seen("ok-sig", r1, 2, 2, 1);
    s.profile = "";
    assert_int_equal(vmex_fdb_add(db, &s, NULL, &err), -1);
    vmex_fdb_run bad = {0};
    snprintf(bad.kind, sizeof bad.kind, "party");
    int64_t id;
    assert_int_equal(vmex_fdb_run_begin(db, &bad, &id, &err), -1);
    assert_int_equal(vmex_fdb_run_end(db, 77, 5, "complete", &err), -1);
    assert_int_equal(vmex_fdb_run_end(db, r1, 5, "complete", &err), 0);
    vmex_fdb_run r;
    assert_int_equal(vmex_fdb_run_get(db, r1, &r, &err), 1);
    assert_int_equal(r.ended, 5);
    assert_string_equal(r.state, "complete");
    assert_string_equal(r.commit, "0123abc");
    vmex_fdb_close(db);

    /* not a store: a text file, another SQLite database, a directory, nothing */
    char p[160];
    snprintf(p, sizeof p, "%s/text.db", dir);
    FILE *f = fopen(p, "w");
    fputs("this is not a database, it is a text file of some length.........................\n", f);
    fclose(f);
    assert_null(vmex_fdb_open(p, 1, &err));
    assert_string_equal(err.file, p);
    assert_int_equal(err.code, VMEX_E_INPUT);
    snprintf(p, sizeof p, "%s/other-sqlite.db", dir);
    sqlite3 *s3;
    assert_int_equal(sqlite3_open(p, &s3), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s3, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s3);
    assert_null(vmex_fdb_open(p, 1, &err));
    assert_string_equal(err.msg, "an SQLite database, but not a findings store");
    assert_null(vmex_fdb_open(dir, 1, &err));
    assert_string_equal(err.msg, "not a regular file");
    snprintf(p, sizeof p, "%s/missing.db", dir);
    assert_null(vmex_fdb_open(p, 0, &err));
    assert_int_equal(err.code, VMEX_E_INPUT);
}

/* four processes record 150 signatures each, one of them shared by all,
 * into one store at the same time */
static void test_parallel_writers(void **state)
{
    (void)state;
    vmex_fdb *db = open_db();
    int64_t run = begin(db, "nightly", 1);
    vmex_fdb_close(db);
    static const char *const ents[4] = {"none", "a", "b", "c"};
    pid_t pids[4];
    for (int w = 0; w < 4; w++) {
        if ((pids[w] = fork()) == 0) {
            vmex_error err;
            vmex_fdb *d = vmex_fdb_open(path, 1, &err);
            int bad = !d;
            for (int i = 0; !bad && i < 150; i++) {
                char sig[64];
                if (i == 0)
                    snprintf(sig, sizeof sig, "shared");
                else
                    snprintf(sig, sizeof sig, "w%d-sig%d", w, i);
                vmex_fdb_sighting s = seen(sig, run, 10 + i, 2 + w, 1);
                s.ents = ents[w];
                bad = vmex_fdb_add(d, &s, NULL, &err) != 0;
                if (bad)
                    fprintf(stderr, "writer %d: %s\n", w, err.msg);
            }
            vmex_fdb_close(d);
            _exit(bad);
        }
        assert_true(pids[w] > 0);
    }
    for (int w = 0; w < 4; w++) {
        int st;
        assert_int_equal(waitpid(pids[w], &st, 0), pids[w]);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    db = open_db();
    names n = {0};
    vmex_error err;
    int count = 0;
    vmex_fdb_record r;
    for (int w = 0; w < 4; w++)
        for (int i = 1; i < 150; i++) {
            char sig[64];
            snprintf(sig, sizeof sig, "w%d-sig%d", w, i);
            count += vmex_fdb_get(db, sig, &r, &err) == 1;
            vmex_fdb_record_free(&r);
        }
    assert_int_equal(count, 4 * 149);
    get(db, "shared", &r);
    assert_int_equal(r.ncells, 4);        /* one per writer's cell */
    assert_int_equal(r.times_seen, 1);    /* one run */
    assert_int_equal(r.hits, 4);          /* one per cell */
    assert_true(r.best_margin == 5);      /* 2 + 3 */
    vmex_fdb_record_free(&r);
    (void)n;
    vmex_fdb_close(db);
}

/* a writer killed with SIGKILL while recording */
static void test_killed_writer(void **state)
{
    (void)state;
    vmex_fdb *db = open_db();
    int64_t run = begin(db, "nightly", 1);
    vmex_fdb_close(db);
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        vmex_error err;
        vmex_fdb *d = vmex_fdb_open(path, 1, &err);
        char big[8192];
        memset(big, 'x', sizeof big - 1);
        big[sizeof big - 1] = '\0';
        for (int i = 0; d; i++) {
            char sig[32];
            snprintf(sig, sizeof sig, "k%d", i);
            vmex_fdb_sighting s = seen(sig, run, i, 2, 1);
            s.reproducer = big;   /* pages of writing per finding */
            s.reproducer_ops = 1;
            if (vmex_fdb_add(d, &s, NULL, &err))
                _exit(1);
            if (write(fd[1], &i, sizeof i) != sizeof i)   /* committed */
                _exit(1);
        }
        _exit(1);
    }
    close(fd[1]);
    int last = -1, got;
    while (last < 300 && read(fd[0], &got, sizeof got) == sizeof got)
        last = got;
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    assert_true(WIFSIGNALED(st));
    while (read(fd[0], &got, sizeof got) == sizeof got)   /* committed before the kill */
        last = got;
    close(fd[0]);
    sqlite3 *s3;
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_open(path, &s3), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(s3, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
    sqlite3_finalize(q);
    sqlite3_close(s3);
    db = open_db();
    vmex_error err;
    for (int i = 0; i <= last; i++) {
        char sig[32];
        vmex_fdb_record r;
        snprintf(sig, sizeof sig, "k%d", i);
        assert_int_equal(vmex_fdb_get(db, sig, &r, &err), 1);
        vmex_fdb_record_free(&r);
    }
    vmex_fdb_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_wal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_over_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filters_and_diff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_import, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_bad, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parallel_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_writer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
