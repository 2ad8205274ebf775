/*
 * db_int.h - what the files of the findings store share (not for callers:
 * they use findings_db.h): the open database and small statement helpers.
 */
#ifndef VMEX_DB_INT_H
#define VMEX_DB_INT_H

#include <sqlite3.h>

#include "store/findings_db.h"

struct vmex_fdb {
    sqlite3 *db;
    char path[256];
};

/* err from the database's last error: "PATH: WHAT: sqlite's message" */
int  _vmex_fdb_fail(vmex_fdb *db, vmex_error *err, const char *what);
/* Prepare sql.  NULL with err filled. */
sqlite3_stmt *_vmex_fdb_prep(vmex_fdb *db, const char *sql, vmex_error *err);
/* Run sql that returns no rows (several statements allowed). */
int  _vmex_fdb_exec(vmex_fdb *db, const char *sql, vmex_error *err);
/* BEGIN IMMEDIATE (waits for another writer), COMMIT, ROLLBACK */
int  _vmex_fdb_begin(vmex_fdb *db, vmex_error *err);
int  _vmex_fdb_commit(vmex_fdb *db, vmex_error *err);
void _vmex_fdb_rollback(vmex_fdb *db);
/* Bind text (NULL binds NULL) / an id that is NULL when 0. */
void _vmex_fdb_text(sqlite3_stmt *st, int i, const char *s);
void _vmex_fdb_id(sqlite3_stmt *st, int i, int64_t id);
/* a column's text copied into dst (empty for NULL) */
void _vmex_fdb_col(sqlite3_stmt *st, int i, char *dst, size_t n);

#endif
