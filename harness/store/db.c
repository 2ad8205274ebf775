/*
 * db.c - the findings store's database (findings_db.h): opening it (WAL
 * mode, the schema), transactions, and the runs table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/db_int.h"

/* The schema, version VMEX_FDB_SCHEMA.  Times are unix seconds; a run id
 * of NULL means none (an import). */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS runs("
    " id INTEGER PRIMARY KEY, kind TEXT NOT NULL, started INTEGER NOT NULL, ended INTEGER,"
    " budget INTEGER, git_commit TEXT, state TEXT, note TEXT);"
    "CREATE TABLE IF NOT EXISTS findings("
    " signature TEXT PRIMARY KEY, class TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK(status IN ('new','known','flaky','fixed')),"
    " first_seen INTEGER NOT NULL, first_run INTEGER REFERENCES runs(id),"
    " last_seen INTEGER NOT NULL, last_run INTEGER REFERENCES runs(id),"
    " times_seen INTEGER NOT NULL DEFAULT 0, hits INTEGER NOT NULL DEFAULT 0,"
    " best_margin REAL NOT NULL, reproducer TEXT, reproducer_ops INTEGER,"
    " fixed_run INTEGER REFERENCES runs(id), fixed_at INTEGER,"
    " reopened_run INTEGER REFERENCES runs(id), reopened_at INTEGER,"
    " imported INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS cells("
    " signature TEXT NOT NULL REFERENCES findings(signature) ON DELETE CASCADE,"
    " target TEXT NOT NULL, profile TEXT NOT NULL, entitlements TEXT NOT NULL,"
    " first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, times_seen INTEGER NOT NULL DEFAULT 0,"
    " best_margin REAL NOT NULL, PRIMARY KEY(signature, target, profile, entitlements));"
    "CREATE TABLE IF NOT EXISTS sightings("
    " run INTEGER NOT NULL REFERENCES runs(id),"
    " signature TEXT NOT NULL REFERENCES findings(signature) ON DELETE CASCADE,"
    " target TEXT NOT NULL, profile TEXT NOT NULL, entitlements TEXT NOT NULL,"
    " seen INTEGER NOT NULL, margin REAL NOT NULL, hits INTEGER NOT NULL, flaky INTEGER NOT NULL,"
    " PRIMARY KEY(run, signature, target, profile, entitlements));"
    "CREATE INDEX IF NOT EXISTS sightings_sig ON sightings(signature);"
    "INSERT OR IGNORE INTO meta VALUES('schema', '1');";

int _vmex_fdb_fail(vmex_fdb *db, vmex_error *err, const char *what)
{
    snprintf(err->file, sizeof err->file, "%s", db->path);
    err->line = err->col = 0;
    int code = sqlite3_errcode(db->db);
    err->code = code == SQLITE_NOTADB || code == SQLITE_CORRUPT ? VMEX_E_INPUT : VMEX_E_IO;
    snprintf(err->msg, sizeof err->msg, "%s: %s", what, sqlite3_errmsg(db->db));
    return -1;
}

sqlite3_stmt *_vmex_fdb_prep(vmex_fdb *db, const char *sql, vmex_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK) {
        _vmex_fdb_fail(db, err, "cannot read the findings store");
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

int _vmex_fdb_exec(vmex_fdb *db, const char *sql, vmex_error *err)
{
    if (sqlite3_exec(db->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return _vmex_fdb_fail(db, err, "cannot write the findings store");
    return 0;
}

int _vmex_fdb_begin(vmex_fdb *db, vmex_error *err)
{
    return _vmex_fdb_exec(db, "BEGIN IMMEDIATE", err);
}

int _vmex_fdb_commit(vmex_fdb *db, vmex_error *err)
{
    if (_vmex_fdb_exec(db, "COMMIT", err)) {
        _vmex_fdb_rollback(db);
        return -1;
    }
    return 0;
}

void _vmex_fdb_rollback(vmex_fdb *db)
{
    if (!sqlite3_get_autocommit(db->db))
        sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
}

void _vmex_fdb_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

void _vmex_fdb_id(sqlite3_stmt *st, int i, int64_t id)
{
    if (id > 0)
        sqlite3_bind_int64(st, i, id);
    else
        sqlite3_bind_null(st, i);
}

void _vmex_fdb_col(sqlite3_stmt *st, int i, char *dst, size_t n)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    snprintf(dst, n, "%s", s ? (const char *)s : "");
}

static void set_err(vmex_error *err, const char *path, int code, const char *msg)
{
    memset(err, 0, sizeof *err);
    snprintf(err->file, sizeof err->file, "%s", path);
    snprintf(err->msg, sizeof err->msg, "%s", msg);
    err->code = code;
}

/* The schema version of an open database: 1.., 0 for an empty database
 * (no tables), -1 for another kind of database or an error. */
static int schema_version(vmex_fdb *db, vmex_error *err)
{
    sqlite3_stmt *st = _vmex_fdb_prep(db, "SELECT count(*) FROM sqlite_master", err);
    if (!st)
        return -1;
    int rc = sqlite3_step(st), tables = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (tables < 0)
        return _vmex_fdb_fail(db, err, "not a findings store");
    if (tables == 0)
        return 0;
    st = _vmex_fdb_prep(db, "SELECT value FROM meta WHERE key = 'schema'", err);
    if (!st) {
        set_err(err, db->path, VMEX_E_INPUT, "an SQLite database, but not a findings store");
        return -1;
    }
    int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (v < 1) {
        set_err(err, db->path, VMEX_E_INPUT, "an SQLite database, but not a findings store");
        return -1;
    }
    return v;
}

vmex_fdb *vmex_fdb_open(const char *path, int create, vmex_error *err)
{
    struct stat sb;
    memset(err, 0, sizeof *err);
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        set_err(err, path, VMEX_E_INPUT, "not a regular file");
        return NULL;
    }
    if (!create && stat(path, &sb) != 0) {
        set_err(err, path, VMEX_E_INPUT, "no findings store here (one is made by the first run that records)");
        return NULL;
    }
    vmex_fdb *db = calloc(1, sizeof *db);
    if (!db) {
        set_err(err, path, VMEX_E_NOMEM, "out of memory");
        return NULL;
    }
    snprintf(db->path, sizeof db->path, "%s", path);
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &db->db, flags, NULL) != SQLITE_OK) {
        if (db->db)
            _vmex_fdb_fail(db, err, "cannot open the findings store");
        else
            set_err(err, path, VMEX_E_NOMEM, "out of memory");
        vmex_fdb_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db->db, 60000);   /* another writer: wait for it */
    sqlite3_extended_result_codes(db->db, 0);
    int v = schema_version(db, err);
    if (v < 0) {
        vmex_fdb_close(db);
        return NULL;
    }
    if (v > VMEX_FDB_SCHEMA) {
        set_err(err, path, VMEX_E_INPUT, "a findings store of a newer vmex (schema too new)");
        vmex_fdb_close(db);
        return NULL;
    }
    sqlite3_stmt *st = _vmex_fdb_prep(db, "PRAGMA journal_mode=WAL", err);
    int wal = st && sqlite3_step(st) == SQLITE_ROW &&
              !strcmp((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    if (!wal || _vmex_fdb_exec(db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON", err)) {
        if (!wal && st)
            _vmex_fdb_fail(db, err, "cannot switch the findings store to WAL mode");
        vmex_fdb_close(db);
        return NULL;
    }
    if (v == 0 && (_vmex_fdb_begin(db, err) || _vmex_fdb_exec(db, schema, err) || _vmex_fdb_commit(db, err))) {
        _vmex_fdb_rollback(db);
        vmex_fdb_close(db);
        return NULL;
    }
    return db;
}

void vmex_fdb_close(vmex_fdb *db)
{
    if (!db)
        return;
    sqlite3_close(db->db);
    free(db);
}

/* ---------------------------------------------------------------- runs */

int vmex_fdb_kind_valid(const char *kind)
{
    static const char *const kinds[] = {"nightly", "fuzz", "gate", "triage"};
    for (size_t i = 0; kind && i < sizeof kinds / sizeof *kinds; i++)
        if (!strcmp(kind, kinds[i]))
            return 1;
    return 0;
}

int vmex_fdb_run_begin(vmex_fdb *db, const vmex_fdb_run *r, int64_t *id, vmex_error *err)
{
    if (!vmex_fdb_kind_valid(r->kind)) {
        set_err(err, "", VMEX_E_INPUT, "a run's kind is one of " VMEX_FDB_KINDS);
        return -1;
    }
    sqlite3_stmt *st = _vmex_fdb_prep(
        db, "INSERT INTO runs(kind, started, budget, git_commit, note) VALUES(?, ?, ?, ?, ?)", err);
    if (!st)
        return -1;
    _vmex_fdb_text(st, 1, r->kind);
    sqlite3_bind_int64(st, 2, r->started);
    sqlite3_bind_int64(st, 3, r->budget);
    _vmex_fdb_text(st, 4, r->commit[0] ? r->commit : NULL);
    _vmex_fdb_text(st, 5, r->note[0] ? r->note : NULL);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : _vmex_fdb_fail(db, err, "cannot record the run");
    sqlite3_finalize(st);
    if (rc == 0)
        *id = sqlite3_last_insert_rowid(db->db);
    return rc;
}

int vmex_fdb_run_end(vmex_fdb *db, int64_t id, int64_t ended, const char *state, vmex_error *err)
{
    sqlite3_stmt *st = _vmex_fdb_prep(db, "UPDATE runs SET ended = ?, state = ? WHERE id = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, ended);
    _vmex_fdb_text(st, 2, state);
    sqlite3_bind_int64(st, 3, id);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : _vmex_fdb_fail(db, err, "cannot record the run's end");
    sqlite3_finalize(st);
    if (rc == 0 && sqlite3_changes(db->db) == 0) {
        set_err(err, db->path, VMEX_E_INPUT, "");
        snprintf(err->msg, sizeof err->msg, "no run %lld in the findings store", (long long)id);
        rc = -1;
    }
    return rc;
}

#define RUN_COLS "id, kind, started, ended, budget, git_commit, state, note"

static void run_row(sqlite3_stmt *st, vmex_fdb_run *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    _vmex_fdb_col(st, 1, r->kind, sizeof r->kind);
    r->started = sqlite3_column_int64(st, 2);
    r->ended = sqlite3_column_int64(st, 3);
    r->budget = sqlite3_column_int64(st, 4);
    _vmex_fdb_col(st, 5, r->commit, sizeof r->commit);
    _vmex_fdb_col(st, 6, r->state, sizeof r->state);
    _vmex_fdb_col(st, 7, r->note, sizeof r->note);
}

int vmex_fdb_run_get(vmex_fdb *db, int64_t id, vmex_fdb_run *r, vmex_error *err)
{
    sqlite3_stmt *st = _vmex_fdb_prep(db, "SELECT " RUN_COLS " FROM runs WHERE id = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        run_row(st, r);
    int out = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : _vmex_fdb_fail(db, err, "cannot read the runs");
    sqlite3_finalize(st);
    return out;
}

int vmex_fdb_runs(vmex_fdb *db, int (*fn)(const vmex_fdb_run *r, void *ctx), void *ctx, vmex_error *err)
{
    sqlite3_stmt *st = _vmex_fdb_prep(db, "SELECT " RUN_COLS " FROM runs ORDER BY id", err);
    if (!st)
        return -1;
    int rc, out = 0;
    while (!out && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        vmex_fdb_run r;
        run_row(st, &r);
        out = fn(&r, ctx);
    }
    if (!out && rc != SQLITE_DONE)
        out = _vmex_fdb_fail(db, err, "cannot read the runs");
    sqlite3_finalize(st);
    return out;
}
