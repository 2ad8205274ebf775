/*
 * record.c - the findings store's records (findings_db.h): recording a
 * sighting in one transaction, status changes, reading records back, and
 * what changed since a run or a date.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_int.h"

static const char *const statuses[] = {"new", "known", "flaky", "fixed"};

int vmex_fdb_status_bit(const char *status)
{
    for (int i = 0; status && i < 4; i++)
        if (!strcmp(status, statuses[i]))
            return i;
    return -1;
}

int vmex_fdb_status_valid(const char *status)
{
    return vmex_fdb_status_bit(status) >= 0;
}

int vmex_fdb_signature_valid(const char *sig)
{
    size_t n = sig ? strlen(sig) : 0;
    if (n == 0 || n > 127 || sig[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)sig[i]) && !strchr("._+-", sig[i]))
            return 0;
    return 1;
}

static int bad(vmex_error *err, const char *fmt, const char *what)
{
    memset(err, 0, sizeof *err);
    err->code = VMEX_E_INPUT;
    snprintf(err->msg, sizeof err->msg, fmt, what ? what : "(none)");
    return -1;
}

static int no_run(vmex_error *err, int64_t run)
{
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)run);
    return bad(err, "no run %s in the findings store", id);
}

/* Does sql (one ? for the signature, then extra) find a row? 1, 0, -1. */
static int exists(vmex_fdb *db, const char *sql, const vmex_fdb_sighting *s, int with_cell, vmex_error *err)
{
    sqlite3_stmt *st = _vmex_fdb_prep(db, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, s->run);
    _vmex_fdb_text(st, 2, s->signature);
    if (with_cell) {
        _vmex_fdb_text(st, 3, s->target);
        _vmex_fdb_text(st, 4, s->profile);
        _vmex_fdb_text(st, 5, s->ents);
    }
    int rc = sqlite3_step(st);
    int out = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : _vmex_fdb_fail(db, err, "cannot read the findings store");
    sqlite3_finalize(st);
    return out;
}

/* The old hits of this run's sighting on this cell (0 when none). */
static int64_t old_hits(vmex_fdb *db, const vmex_fdb_sighting *s, vmex_error *err)
{
    sqlite3_stmt *st = _vmex_fdb_prep(db,
                                      "SELECT hits FROM sightings WHERE run = ? AND signature = ? AND target = ?"
                                      " AND profile = ? AND entitlements = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, s->run);
    _vmex_fdb_text(st, 2, s->signature);
    _vmex_fdb_text(st, 3, s->target);
    _vmex_fdb_text(st, 4, s->profile);
    _vmex_fdb_text(st, 5, s->ents);
    int64_t h = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return h;
}

/* Bind the sighting's fields to the named parameters of st. */
static void bind_sighting(sqlite3_stmt *st, const vmex_fdb_sighting *s, int64_t new_run, int64_t new_cell,
                          int64_t hits_delta)
{
    struct {
        const char *name;
        const char *text;
    } texts[] = {{":sig", s->signature}, {":cls", s->cls}, {":target", s->target}, {":profile", s->profile},
                 {":ents", s->ents}, {":repro", s->reproducer}};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        int k = sqlite3_bind_parameter_index(st, texts[i].name);
        if (k)
            _vmex_fdb_text(st, k, texts[i].text);
    }
    struct {
        const char *name;
        int64_t v;
    } ints[] = {{":run", s->run}, {":seen", s->seen}, {":first", s->first && s->first < s->seen ? s->first : s->seen},
                {":hits", (int64_t)s->hits}, {":flaky", s->flaky != 0},
                {":ops", s->reproducer_ops}, {":newrun", new_run}, {":newcell", new_cell},
                {":dhits", hits_delta}};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        int k = sqlite3_bind_parameter_index(st, ints[i].name);
        if (k)
            sqlite3_bind_int64(st, k, ints[i].v);
    }
    int k = sqlite3_bind_parameter_index(st, ":margin");
    if (k)
        sqlite3_bind_double(st, k, s->margin);
}

/* The statements of one recording, in order. */
static const char *const record_sql[] = {
    /* the record, made on first sight */
    "INSERT OR IGNORE INTO findings(signature, class, status, first_seen, first_run, last_seen, last_run,"
    " best_margin) VALUES(:sig, :cls, CASE WHEN :flaky THEN 'flaky' ELSE 'new' END, :first, :run, :seen, :run,"
    " :margin)",
    /* a fixed record seen again: reopened */
    "UPDATE findings SET reopened_run = :run, reopened_at = :seen WHERE signature = :sig AND status = 'fixed'",
    /* status, times, counts, margin */
    "UPDATE findings SET"
    " status = CASE WHEN :flaky THEN 'flaky'"
    "   WHEN first_run = :run AND NOT imported AND status IN ('new', 'flaky') THEN 'new' ELSE 'known' END,"
    " first_seen = min(first_seen, :first),"
    " last_run = CASE WHEN :seen >= last_seen THEN :run ELSE last_run END,"
    " last_seen = max(last_seen, :seen),"
    " times_seen = times_seen + :newrun, hits = hits + :dhits,"
    " best_margin = max(best_margin, :margin)"
    " WHERE signature = :sig",
    /* the smaller reproducer */
    "UPDATE findings SET reproducer = :repro, reproducer_ops = :ops"
    " WHERE signature = :sig AND :repro IS NOT NULL AND (reproducer IS NULL OR :ops < reproducer_ops)",
    /* the cell */
    "INSERT INTO cells(signature, target, profile, entitlements, first_seen, last_seen, times_seen, best_margin)"
    " VALUES(:sig, :target, :profile, :ents, :first, :seen, 1, :margin)"
    " ON CONFLICT(signature, target, profile, entitlements) DO UPDATE SET"
    " first_seen = min(first_seen, :first), last_seen = max(last_seen, :seen),"
    " times_seen = times_seen + :newcell, best_margin = max(best_margin, :margin)",
    /* the sighting */
    "INSERT INTO sightings(run, signature, target, profile, entitlements, seen, margin, hits, flaky)"
    " VALUES(:run, :sig, :target, :profile, :ents, :seen, :margin, :hits, :flaky)"
    " ON CONFLICT(run, signature, target, profile, entitlements) DO UPDATE SET"
    " seen = max(seen, :seen), margin = max(margin, :margin), hits = max(hits, :hits), flaky = :flaky",
};

int vmex_fdb_add(vmex_fdb *db, const vmex_fdb_sighting *s, int *created, vmex_error *err)
{
    if (!vmex_fdb_signature_valid(s->signature))
        return bad(err, "bad signature '%s' (letters, digits and ._+- only, at most 127)", s->signature);
    if (!s->cls || !*s->cls || !s->target || !*s->target || !s->profile || !*s->profile || !s->ents || !*s->ents)
        return bad(err, "a sighting of %s needs a class and a cell (target, profile, entitlements)", s->signature);
    if (!(s->margin == s->margin))
        return bad(err, "a sighting of %s has no margin", s->signature);
    if (_vmex_fdb_begin(db, err))
        return -1;
    int rc = 0, seen_run = 0, seen_cell = 0;
    int64_t hits = 0;
    vmex_fdb_run run;
    int have = vmex_fdb_run_get(db, s->run, &run, err);
    if (have == 0)
        no_run(err, s->run);
    rc = have == 1 ? 0 : -1;
    if (!rc)
        rc = (seen_run = exists(db, "SELECT 1 FROM sightings WHERE run = ? AND signature = ?", s, 0, err)) < 0;
    if (!rc)
        rc = (seen_cell = exists(db, "SELECT 1 FROM sightings WHERE run = ? AND signature = ? AND target = ?"
                                     " AND profile = ? AND entitlements = ?", s, 1, err)) < 0;
    if (!rc)
        rc = (hits = old_hits(db, s, err)) < 0;
    int made = 0;
    for (size_t i = 0; !rc && i < sizeof record_sql / sizeof *record_sql; i++) {
        sqlite3_stmt *st = _vmex_fdb_prep(db, record_sql[i], err);
        if (!st) {
            rc = -1;
            break;
        }
        int64_t dh = (int64_t)s->hits > hits ? (int64_t)s->hits - hits : 0;
        bind_sighting(st, s, !seen_run, !seen_cell, dh);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = _vmex_fdb_fail(db, err, "cannot record the finding");
        else if (i == 0)
            made = sqlite3_changes(db->db) > 0;
        sqlite3_finalize(st);
    }
    if (rc) {
        _vmex_fdb_rollback(db);
        return -1;
    }
    if (_vmex_fdb_commit(db, err))
        return -1;
    if (created)
        *created = made;
    return 0;
}

/* Run one UPDATE of the record sig: ?1 the signature, ?2 text or an
 * integer, ?3 an integer.  1 changed, 0 not, -1 error. */
static int update(vmex_fdb *db, const char *sql, const char *sig, const char *text, int64_t x, int64_t y,
                  vmex_error *err)
{
    sqlite3_stmt *st = _vmex_fdb_prep(db, sql, err);
    if (!st)
        return -1;
    _vmex_fdb_text(st, 1, sig);
    if (text)
        _vmex_fdb_text(st, 2, text);
    else
        sqlite3_bind_int64(st, 2, x);
    sqlite3_bind_int64(st, 3, y);
    int rc = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(db->db) > 0
                                             : _vmex_fdb_fail(db, err, "cannot update the findings store");
    sqlite3_finalize(st);
    return rc;
}

int vmex_fdb_mark_fixed(vmex_fdb *db, const char *sig, int64_t run, int64_t when, vmex_error *err)
{
    vmex_fdb_run r;
    int have = vmex_fdb_run_get(db, run, &r, err);
    if (have <= 0)
        return have ? -1 : no_run(err, run);
    return update(db,
                  "UPDATE findings SET status = 'fixed', fixed_run = ?2, fixed_at = ?3"
                  " WHERE signature = ?1 AND status != 'fixed'",
                  sig, NULL, run, when, err);
}

int vmex_fdb_set_status(vmex_fdb *db, const char *sig, const char *status, vmex_error *err)
{
    if (!vmex_fdb_status_valid(status) || !strcmp(status, "fixed"))
        return bad(err, "status '%s': new, known or flaky (fixed comes from vmex findings recheck)", status);
    return update(db, "UPDATE findings SET status = ?2 WHERE signature = ?1 AND ?3 = 0", sig, status, 0, 0, err);
}

/* ---------------------------------------------------------------- reading */

void vmex_fdb_record_free(vmex_fdb_record *r)
{
    free(r->reproducer);
    free(r->cells);
    r->reproducer = NULL;
    r->cells = NULL;
    r->ncells = 0;
}

#define REC_COLS                                                                                      \
    "signature, class, status, first_seen, first_run, last_seen, last_run, times_seen, hits, best_margin," \
    " reproducer, reproducer_ops, fixed_run, fixed_at, reopened_run, reopened_at, imported"

static int cells_of(vmex_fdb *db, vmex_fdb_record *r, vmex_error *err)
{
    sqlite3_stmt *st = _vmex_fdb_prep(db,
                                      "SELECT target, profile, entitlements, first_seen, last_seen, times_seen,"
                                      " best_margin FROM cells WHERE signature = ?"
                                      " ORDER BY target, profile, entitlements", err);
    if (!st)
        return -1;
    _vmex_fdb_text(st, 1, r->signature);
    int rc;
    size_t cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (r->ncells == cap) {
            cap = cap ? 2 * cap : 4;
            vmex_fdb_cell *c = realloc(r->cells, cap * sizeof *c);
            if (!c) {
                sqlite3_finalize(st);
                return bad(err, "out of memory%s", "");
            }
            r->cells = c;
        }
        vmex_fdb_cell *c = &r->cells[r->ncells++];
        _vmex_fdb_col(st, 0, c->target, sizeof c->target);
        _vmex_fdb_col(st, 1, c->profile, sizeof c->profile);
        _vmex_fdb_col(st, 2, c->ents, sizeof c->ents);
        c->first_seen = sqlite3_column_int64(st, 3);
        c->last_seen = sqlite3_column_int64(st, 4);
        c->times_seen = sqlite3_column_int64(st, 5);
        c->best_margin = sqlite3_column_double(st, 6);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : _vmex_fdb_fail(db, err, "cannot read the cells");
}

static int kinds_of(vmex_fdb *db, vmex_fdb_record *r, vmex_error *err)
{
    sqlite3_stmt *st = _vmex_fdb_prep(db,
                                      "SELECT DISTINCT r.kind FROM sightings s JOIN runs r ON r.id = s.run"
                                      " WHERE s.signature = ? UNION SELECT 'import' WHERE ?"
                                      " ORDER BY 1", err);
    if (!st)
        return -1;
    _vmex_fdb_text(st, 1, r->signature);
    sqlite3_bind_int(st, 2, r->imported);
    int rc;
    r->kinds[0] = '\0';
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t n = strlen(r->kinds);
        snprintf(r->kinds + n, sizeof r->kinds - n, "%s%s", n ? "," : "", sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : _vmex_fdb_fail(db, err, "cannot read the sightings");
}

static int record_row(vmex_fdb *db, sqlite3_stmt *st, vmex_fdb_record *r, vmex_error *err)
{
    memset(r, 0, sizeof *r);
    _vmex_fdb_col(st, 0, r->signature, sizeof r->signature);
    _vmex_fdb_col(st, 1, r->cls, sizeof r->cls);
    _vmex_fdb_col(st, 2, r->status, sizeof r->status);
    r->first_seen = sqlite3_column_int64(st, 3);
    r->first_run = sqlite3_column_int64(st, 4);
    r->last_seen = sqlite3_column_int64(st, 5);
    r->last_run = sqlite3_column_int64(st, 6);
    r->times_seen = sqlite3_column_int64(st, 7);
    r->hits = sqlite3_column_int64(st, 8);
    r->best_margin = sqlite3_column_double(st, 9);
    const unsigned char *text = sqlite3_column_text(st, 10);
    if (text && !(r->reproducer = strdup((const char *)text)))
        return bad(err, "out of memory%s", "");
    r->reproducer_ops = sqlite3_column_int64(st, 11);
    r->fixed_run = sqlite3_column_int64(st, 12);
    r->fixed_at = sqlite3_column_int64(st, 13);
    r->reopened_run = sqlite3_column_int64(st, 14);
    r->reopened_at = sqlite3_column_int64(st, 15);
    r->imported = sqlite3_column_int(st, 16);
    if (cells_of(db, r, err) || kinds_of(db, r, err)) {
        vmex_fdb_record_free(r);
        return -1;
    }
    return 0;
}

int vmex_fdb_get(vmex_fdb *db, const char *sig, vmex_fdb_record *r, vmex_error *err)
{
    sqlite3_stmt *st = _vmex_fdb_prep(db, "SELECT " REC_COLS " FROM findings WHERE signature = ?", err);
    if (!st)
        return -1;
    _vmex_fdb_text(st, 1, sig);
    int rc = sqlite3_step(st), out;
    if (rc == SQLITE_ROW)
        out = record_row(db, st, r, err) ? -1 : 1;
    else
        out = rc == SQLITE_DONE ? 0 : _vmex_fdb_fail(db, err, "cannot read the findings store");
    sqlite3_finalize(st);
    return out;
}

/* Visit the records sql selects (with ?1 and ?2 bound to a and b). */
static int visit(vmex_fdb *db, const char *sql, int64_t a, int64_t b, unsigned mask,
                 int (*fn)(const vmex_fdb_record *r, void *ctx), void *ctx, vmex_error *err)
{
    sqlite3_stmt *st = _vmex_fdb_prep(db, sql, err);
    if (!st)
        return -1;
    if (sqlite3_bind_parameter_count(st) >= 1)
        sqlite3_bind_int64(st, 1, a);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, b);
    int rc, out = 0;
    while (!out && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        vmex_fdb_record r;
        if (record_row(db, st, &r, err)) {
            out = -1;
            break;
        }
        int bit = vmex_fdb_status_bit(r.status);
        if (!mask || (bit >= 0 && (mask >> bit) & 1))
            out = fn(&r, ctx);
        vmex_fdb_record_free(&r);
    }
    if (!out && rc != SQLITE_DONE)
        out = _vmex_fdb_fail(db, err, "cannot read the findings store");
    sqlite3_finalize(st);
    return out;
}

int vmex_fdb_each(vmex_fdb *db, const vmex_fdb_filter *f, int (*fn)(const vmex_fdb_record *r, void *ctx),
                  void *ctx, vmex_error *err)
{
    static const vmex_fdb_filter all = {0};
    if (!f)
        f = &all;
    return visit(db,
                 "SELECT " REC_COLS " FROM findings f WHERE (?1 = 0 OR EXISTS (SELECT 1 FROM sightings s"
                 " WHERE s.signature = f.signature AND s.run = ?1)) AND (?2 = 0 OR f.first_run = ?2)"
                 " ORDER BY signature",
                 f->seen_in_run, f->first_in_run, f->status_mask, fn, ctx, err);
}

typedef struct diff_ctx {
    const char *what;
    int (*fn)(const vmex_fdb_change *c, void *ctx);
    void *ctx;
} diff_ctx;

static int diff_one(const vmex_fdb_record *r, void *ctx)
{
    diff_ctx *d = ctx;
    vmex_fdb_change c = {r, d->what};
    return d->fn(&c, d->ctx);
}

int vmex_fdb_diff(vmex_fdb *db, int64_t since_run, int64_t since_time,
                  int (*fn)(const vmex_fdb_change *c, void *ctx), void *ctx, vmex_error *err)
{
    /* the same four questions, after a run or from a time on */
    static const char *const by_run[4] = {
        "first_run > ?1", "status = 'fixed' AND fixed_run > ?1", "reopened_run > ?1",
        "coalesce(first_run, 0) <= ?1 AND last_run > ?1 AND coalesce(reopened_run, 0) <= ?1"};
    static const char *const by_time[4] = {
        "first_seen >= ?1", "status = 'fixed' AND fixed_at >= ?1", "reopened_at >= ?1",
        "first_seen < ?1 AND last_seen >= ?1 AND coalesce(reopened_at, 0) < ?1"};
    static const char *const what[4] = {"new", "fixed", "reopened", "seen"};
    int rc = 0;
    for (int i = 0; i < 4 && !rc; i++) {
        char sql[512];
        snprintf(sql, sizeof sql, "SELECT " REC_COLS " FROM findings WHERE %s ORDER BY signature",
                 since_run > 0 ? by_run[i] : by_time[i]);
        diff_ctx d = {what[i], fn, ctx};
        rc = visit(db, sql, since_run > 0 ? since_run : since_time, 0, 0, diff_one, &d, err);
    }
    return rc;
}
