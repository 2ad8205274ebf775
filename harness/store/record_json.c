/*
 * record_json.c - the findings store's records as JSON (findings_db.h):
 * written with core/json.h, read with json-c; importing an exported
 * record; reading a findings folder's SIG.json.
 */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "store/db_int.h"

#define FORMAT "vmex-finding 1"

static void key_i64(vmex_jw *w, const char *k, int64_t v)
{
    vmex_jw_key(w, k);
    vmex_jw_i64(w, v);
}

/* a run id or a time: null when 0 */
static void key_opt(vmex_jw *w, const char *k, int64_t v)
{
    vmex_jw_key(w, k);
    if (v)
        vmex_jw_i64(w, v);
    else
        vmex_jw_null(w);
}

int vmex_fdb_record_json(const vmex_fdb_record *r, vmex_buf *out)
{
    vmex_jw w;
    vmex_jw_init(&w, out);
    vmex_jw_open(&w, '{');
    vmex_jw_key(&w, "format");
    vmex_jw_str(&w, FORMAT);
    vmex_jw_key(&w, "signature");
    vmex_jw_str(&w, r->signature);
    vmex_jw_key(&w, "class");
    vmex_jw_str(&w, r->cls);
    vmex_jw_key(&w, "status");
    vmex_jw_str(&w, r->status);
    key_i64(&w, "first_seen", r->first_seen);
    key_opt(&w, "first_run", r->first_run);
    key_i64(&w, "last_seen", r->last_seen);
    key_opt(&w, "last_run", r->last_run);
    key_i64(&w, "times_seen", r->times_seen);
    key_i64(&w, "hits", r->hits);
    vmex_jw_key(&w, "best_margin");
    vmex_jw_double(&w, r->best_margin);
    key_opt(&w, "reproducer_ops", r->reproducer ? r->reproducer_ops : 0);
    key_opt(&w, "fixed_run", r->fixed_run);
    key_opt(&w, "fixed_at", r->fixed_at);
    key_opt(&w, "reopened_run", r->reopened_run);
    key_opt(&w, "reopened_at", r->reopened_at);
    vmex_jw_key(&w, "imported");
    vmex_jw_bool(&w, r->imported);
    vmex_jw_key(&w, "kinds");
    vmex_jw_open(&w, '[');
    for (const char *k = r->kinds; *k;) {
        char kind[16];
        size_t n = strcspn(k, ",");
        snprintf(kind, sizeof kind, "%.*s", (int)(n < sizeof kind ? n : sizeof kind - 1), k);
        vmex_jw_str(&w, kind);
        k += n + (k[n] == ',');
    }
    vmex_jw_close(&w, ']');
    vmex_jw_key(&w, "cells");
    vmex_jw_open(&w, '[');
    for (size_t i = 0; i < r->ncells; i++) {
        const vmex_fdb_cell *c = &r->cells[i];
        vmex_jw_open(&w, '{');
        vmex_jw_key(&w, "target");
        vmex_jw_str(&w, c->target);
        vmex_jw_key(&w, "profile");
        vmex_jw_str(&w, c->profile);
        vmex_jw_key(&w, "entitlements");
        vmex_jw_str(&w, c->ents);
        key_i64(&w, "first_seen", c->first_seen);
        key_i64(&w, "last_seen", c->last_seen);
        key_i64(&w, "times_seen", c->times_seen);
        vmex_jw_key(&w, "best_margin");
        vmex_jw_double(&w, c->best_margin);
        vmex_jw_close(&w, '}');
    }
    vmex_jw_close(&w, ']');
    vmex_jw_close(&w, '}');
    return w.rc;
}

int vmex_fdb_run_json(const vmex_fdb_run *r, vmex_buf *out)
{
    vmex_jw w;
    vmex_jw_init(&w, out);
    vmex_jw_open(&w, '{');
    key_i64(&w, "id", r->id);
    vmex_jw_key(&w, "kind");
    vmex_jw_str(&w, r->kind);
    key_i64(&w, "started", r->started);
    key_opt(&w, "ended", r->ended);
    key_opt(&w, "budget", r->budget);
    vmex_jw_key(&w, "commit");
    vmex_jw_str(&w, r->commit[0] ? r->commit : NULL);
    vmex_jw_key(&w, "state");
    vmex_jw_str(&w, r->state[0] ? r->state : NULL);
    vmex_jw_key(&w, "note");
    vmex_jw_str(&w, r->note[0] ? r->note : NULL);
    vmex_jw_close(&w, '}');
    return w.rc;
}

/* ---------------------------------------------------------------- reading */

typedef struct jctx {
    const char *name;
    vmex_error *err;
} jctx;

static int jfail(jctx *c, const char *fmt, const char *what)
{
    memset(c->err, 0, sizeof *c->err);
    snprintf(c->err->file, sizeof c->err->file, "%s", c->name);
    snprintf(c->err->msg, sizeof c->err->msg, fmt, what);
    c->err->code = VMEX_E_INPUT;
    return -1;
}

static json_object *jget(json_object *o, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) && !json_object_is_type(v, json_type_null) ? v : NULL;
}

/* a string field into dst; 0 ok, 1 absent (optional: 1, or 2 when it may
 * also be empty), -1 reported */
static int jstr(jctx *c, json_object *o, const char *key, char *dst, size_t n, int optional)
{
    json_object *v = jget(o, key);
    if (!v)
        return optional ? 1 : jfail(c, "missing \"%s\"", key);
    if (!json_object_is_type(v, json_type_string) || (size_t)json_object_get_string_len(v) >= n ||
        (json_object_get_string_len(v) == 0 && optional != 2))
        return jfail(c, "\"%s\" is not a short nonempty string", key);
    snprintf(dst, n, "%s", json_object_get_string(v));
    return 0;
}

/* a whole number >= 0 (optional ones default to 0) */
static int jint(jctx *c, json_object *o, const char *key, int64_t *dst, int optional)
{
    json_object *v = jget(o, key);
    *dst = 0;
    if (!v)
        return optional ? 0 : jfail(c, "missing \"%s\"", key);
    if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
        return jfail(c, "\"%s\" is not a whole number >= 0", key);
    *dst = json_object_get_int64(v);
    return 0;
}

static int jnum(jctx *c, json_object *o, const char *key, double *dst)
{
    json_object *v = jget(o, key);
    if (!v || !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
        return jfail(c, "\"%s\" is missing or not a number", key);
    *dst = json_object_get_double(v);
    if (!isfinite(*dst) || *dst < 0)
        return jfail(c, "\"%s\" is not a finite number >= 0", key);
    return 0;
}

static json_object *parse(jctx *c, const char *text, size_t len)
{
    json_tokener *tok = json_tokener_new_ex(16);
    if (!tok) {
        jfail(c, "out of memory%s", "");
        return NULL;
    }
    json_object *o = len <= 0x7fffffff ? json_tokener_parse_ex(tok, text, (int)len) : NULL;
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t used = tok->char_offset;
    json_tokener_free(tok);
    while (o && used < len && strchr(" \t\r\n", text[used]))
        used++;
    if (!o || je != json_tokener_success || used != len) {
        json_object_put(o);
        jfail(c, "not one JSON object: %s", je != json_tokener_success ? json_tokener_error_desc(je) : "trailing text");
        return NULL;
    }
    if (!json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        jfail(c, "not a JSON object%s", "");
        return NULL;
    }
    return o;
}

static int cell_parse(jctx *c, json_object *o, vmex_fdb_cell *cell)
{
    if (!json_object_is_type(o, json_type_object))
        return jfail(c, "a cell is not an object%s", "");
    return jstr(c, o, "target", cell->target, sizeof cell->target, 0) ||
           jstr(c, o, "profile", cell->profile, sizeof cell->profile, 0) ||
           jstr(c, o, "entitlements", cell->ents, sizeof cell->ents, 0) ||
           jint(c, o, "first_seen", &cell->first_seen, 0) || jint(c, o, "last_seen", &cell->last_seen, 0) ||
           jint(c, o, "times_seen", &cell->times_seen, 1) || jnum(c, o, "best_margin", &cell->best_margin)
               ? -1
               : 0;
}

int vmex_fdb_record_parse(const char *text, size_t len, const char *name, vmex_fdb_record *r, vmex_error *err)
{
    jctx c = {name, err};
    char format[32];
    memset(r, 0, sizeof *r);
    json_object *o = parse(&c, text, len);
    if (!o)
        return -1;
    int rc = jstr(&c, o, "format", format, sizeof format, 0);
    if (!rc && strcmp(format, FORMAT))
        rc = jfail(&c, "format '%s': this vmex reads \"" FORMAT "\"", format);
    rc = rc || jstr(&c, o, "signature", r->signature, sizeof r->signature, 0) ||
         jstr(&c, o, "class", r->cls, sizeof r->cls, 0) || jstr(&c, o, "status", r->status, sizeof r->status, 0) ||
         jint(&c, o, "first_seen", &r->first_seen, 0) || jint(&c, o, "last_seen", &r->last_seen, 0) ||
         jint(&c, o, "times_seen", &r->times_seen, 1) || jint(&c, o, "hits", &r->hits, 1) ||
         jnum(&c, o, "best_margin", &r->best_margin) || jint(&c, o, "reproducer_ops", &r->reproducer_ops, 1) ||
         jint(&c, o, "fixed_at", &r->fixed_at, 1) || jint(&c, o, "reopened_at", &r->reopened_at, 1);
    if (!rc && !vmex_fdb_signature_valid(r->signature))
        rc = jfail(&c, "bad signature '%s'", r->signature);
    if (!rc && !vmex_fdb_status_valid(r->status))
        rc = jfail(&c, "bad status '%s' (new, known, flaky, fixed)", r->status);
    if (!rc && r->last_seen < r->first_seen)
        rc = jfail(&c, "last_seen is before first_seen%s", "");
    json_object *cells = rc ? NULL : jget(o, "cells");
    if (!rc && cells && !json_object_is_type(cells, json_type_array))
        rc = jfail(&c, "\"cells\" is not an array%s", "");
    size_t n = cells ? json_object_array_length(cells) : 0;
    if (!rc && n && !(r->cells = calloc(n, sizeof *r->cells)))
        rc = jfail(&c, "out of memory%s", "");
    for (size_t i = 0; !rc && i < n; i++, r->ncells++)
        rc = cell_parse(&c, json_object_array_get_idx(cells, i), &r->cells[i]);
    json_object_put(o);
    if (rc)
        vmex_fdb_record_free(r);
    return rc ? -1 : 0;
}

int vmex_fdb_folder_entry_parse(const char *text, size_t len, const char *name, vmex_fdb_folder_entry *e,
                                vmex_error *err)
{
    jctx c = {name, err};
    int64_t ops = 0, req = 0, hits = 0;
    memset(e, 0, sizeof *e);
    json_object *o = parse(&c, text, len);
    if (!o)
        return -1;
    int rc = jstr(&c, o, "signature", e->signature, sizeof e->signature, 0) ||
             jstr(&c, o, "class", e->cls, sizeof e->cls, 0) || jstr(&c, o, "target", e->target, sizeof e->target, 0) ||
             jnum(&c, o, "margin", &e->margin) || jint(&c, o, "ops", &ops, 1) || jint(&c, o, "req", &req, 1) ||
             jint(&c, o, "hits", &hits, 1) || jint(&c, o, "first_unix", &e->first_unix, 0) ||
             jint(&c, o, "last_unix", &e->last_unix, 0);
    int p = rc ? 0 : jstr(&c, o, "profile", e->profile, sizeof e->profile, 1);
    int en = rc || p < 0 ? 0 : jstr(&c, o, "entitlements", e->ents, sizeof e->ents, 2);
    rc = rc || p < 0 || en < 0;
    e->have_ents = !rc && en == 0;
    e->ops = (uint64_t)ops;
    e->req = (uint64_t)req;
    e->hits = (uint64_t)hits;
    if (!rc && !vmex_fdb_signature_valid(e->signature))
        rc = jfail(&c, "bad signature '%s'", e->signature);
    json_object_put(o);
    return rc ? -1 : 0;
}

static int jbool(jctx *c, json_object *o, const char *key, int *dst)
{
    json_object *v = jget(o, key);
    if (!v || !json_object_is_type(v, json_type_boolean))
        return jfail(c, "\"%s\" is missing or not true/false", key);
    *dst = json_object_get_boolean(v);
    return 0;
}

int vmex_fdb_triage_parse(const char *text, size_t len, const char *name, vmex_fdb_triage_entry **out, size_t *n,
                          vmex_error *err)
{
    jctx c = {name, err};
    *out = NULL;
    *n = 0;
    json_object *o = parse(&c, text, len);
    if (!o)
        return -1;
    json_object *sigs = jget(o, "signatures");
    int rc = 0;
    if (!sigs || !json_object_is_type(sigs, json_type_array))
        rc = jfail(&c, "\"signatures\" is missing or not an array%s", "");
    size_t k = rc ? 0 : json_object_array_length(sigs);
    vmex_fdb_triage_entry *v = k ? calloc(k, sizeof *v) : NULL;
    if (!rc && k && !v)
        rc = jfail(&c, "out of memory%s", "");
    for (size_t i = 0; !rc && i < k; i++) {
        json_object *s = json_object_array_get_idx(sigs, i);
        vmex_fdb_triage_entry *e = &v[i];
        if (!json_object_is_type(s, json_type_object)) {
            rc = jfail(&c, "a signature is not an object%s", "");
            break;
        }
        rc = jstr(&c, s, "signature", e->signature, sizeof e->signature, 0) ||
             jstr(&c, s, "class", e->cls, sizeof e->cls, 0) || jnum(&c, s, "margin", &e->margin) ||
             jint(&c, s, "ops_before", &e->ops_before, 0) || jint(&c, s, "inputs", &e->inputs, 0) ||
             jbool(&c, s, "flaky", &e->flaky) || jstr(&c, s, "example", e->example, sizeof e->example, 0) ||
             jstr(&c, s, "profile", e->profile, sizeof e->profile, 1) < 0;
        if (!rc && jget(s, "ops_after"))
            rc = jint(&c, s, "ops_after", &e->ops_after, 0);
        else if (!rc)
            e->ops_after = -1;
        if (!rc && !vmex_fdb_signature_valid(e->signature))
            rc = jfail(&c, "bad signature '%s'", e->signature);
    }
    json_object_put(o);
    if (rc) {
        free(v);
        return -1;
    }
    *out = v;
    *n = k;
    return 0;
}

/* ---------------------------------------------------------------- import */

static const char import_sql[] =
    "INSERT INTO findings(signature, class, status, first_seen, last_seen, times_seen, hits, best_margin,"
    " reproducer, reproducer_ops, fixed_at, reopened_at, imported)"
    " VALUES(:sig, :cls, CASE WHEN :status IN ('flaky', 'fixed') THEN :status ELSE 'known' END, :first, :last,"
    " :times, :hits, :margin, :repro, :ops, :fixed, :reopened, 1)"
    " ON CONFLICT(signature) DO UPDATE SET"
    " status = CASE WHEN status = 'new' THEN 'known' ELSE status END,"
    " first_seen = min(first_seen, :first), last_seen = max(last_seen, :last),"
    " times_seen = max(times_seen, :times), hits = max(hits, :hits), best_margin = max(best_margin, :margin),"
    " reproducer = CASE WHEN :repro IS NOT NULL AND (reproducer IS NULL OR :ops < reproducer_ops)"
    "   THEN :repro ELSE reproducer END,"
    " reproducer_ops = CASE WHEN :repro IS NOT NULL AND (reproducer IS NULL OR :ops < reproducer_ops)"
    "   THEN :ops ELSE reproducer_ops END,"
    " imported = 1";

static const char import_cell_sql[] =
    "INSERT INTO cells(signature, target, profile, entitlements, first_seen, last_seen, times_seen, best_margin)"
    " VALUES(:sig, :target, :profile, :ents, :first, :last, :times, :margin)"
    " ON CONFLICT(signature, target, profile, entitlements) DO UPDATE SET"
    " first_seen = min(first_seen, :first), last_seen = max(last_seen, :last),"
    " times_seen = max(times_seen, :times), best_margin = max(best_margin, :margin)";

static void bind_t(sqlite3_stmt *st, const char *name, const char *v)
{
    int k = sqlite3_bind_parameter_index(st, name);
    if (k)
        _vmex_fdb_text(st, k, v);
}

static void bind_i(sqlite3_stmt *st, const char *name, int64_t v, int null_if_zero)
{
    int k = sqlite3_bind_parameter_index(st, name);
    if (k && null_if_zero && !v)
        sqlite3_bind_null(st, k);
    else if (k)
        sqlite3_bind_int64(st, k, v);
}

static int step_done(vmex_fdb *db, sqlite3_stmt *st, vmex_error *err)
{
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : _vmex_fdb_fail(db, err, "cannot import the record");
    sqlite3_finalize(st);
    return rc;
}

int vmex_fdb_import(vmex_fdb *db, const vmex_fdb_record *r, vmex_error *err)
{
    if (!vmex_fdb_signature_valid(r->signature) || !vmex_fdb_status_valid(r->status)) {
        memset(err, 0, sizeof *err);
        snprintf(err->msg, sizeof err->msg, "cannot import '%s': bad signature or status", r->signature);
        return -1;
    }
    if (_vmex_fdb_begin(db, err))
        return -1;
    sqlite3_stmt *st = _vmex_fdb_prep(db, import_sql, err);
    int rc = st ? 0 : -1;
    if (st) {
        bind_t(st, ":sig", r->signature);
        bind_t(st, ":cls", r->cls);
        bind_t(st, ":status", r->status);
        bind_i(st, ":first", r->first_seen, 0);
        bind_i(st, ":last", r->last_seen, 0);
        bind_i(st, ":times", r->times_seen, 0);
        bind_i(st, ":hits", r->hits, 0);
        sqlite3_bind_double(st, sqlite3_bind_parameter_index(st, ":margin"), r->best_margin);
        bind_t(st, ":repro", r->reproducer);
        bind_i(st, ":ops", r->reproducer_ops, 0);
        bind_i(st, ":fixed", r->fixed_at, 1);
        bind_i(st, ":reopened", r->reopened_at, 1);
        rc = step_done(db, st, err);
    }
    for (size_t i = 0; !rc && i < r->ncells; i++) {
        const vmex_fdb_cell *c = &r->cells[i];
        if (!(st = _vmex_fdb_prep(db, import_cell_sql, err))) {
            rc = -1;
            break;
        }
        bind_t(st, ":sig", r->signature);
        bind_t(st, ":target", c->target);
        bind_t(st, ":profile", c->profile);
        bind_t(st, ":ents", c->ents);
        bind_i(st, ":first", c->first_seen, 0);
        bind_i(st, ":last", c->last_seen, 0);
        bind_i(st, ":times", c->times_seen, 0);
        sqlite3_bind_double(st, sqlite3_bind_parameter_index(st, ":margin"), c->best_margin);
        rc = step_done(db, st, err);
    }
    if (rc) {
        _vmex_fdb_rollback(db);
        return -1;
    }
    return _vmex_fdb_commit(db, err);
}
