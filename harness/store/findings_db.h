/*
 * findings_db.h - the findings store: what campaigns remember across runs
 * (issue "Campaigns that remember").  One SQLite database (Debian's
 * libsqlite3) that `ci/fuzz`, `ci/nightly`, `ci/gate` and `vmex triage`
 * share through `vmex findings`.
 *
 * A record per signature: its class, when it was first and last seen (and
 * by which runs), how many runs saw it, the hits, the best margin, the
 * smallest reproducer (.vmex text), the cells it was seen on (target x
 * profile x entitlements) and a status:
 *
 *   new     seen by one run only, its first (NEW in that run's report)
 *   known   seen again by a later run, imported, or marked by hand
 *   flaky   the last triage that saw it could not replay it reliably
 *   fixed   its reproducer stopped giving the signature (vmex findings
 *           recheck), with the run where it stopped; seen again, it is
 *           known once more and the run that saw it is its reopened_run
 *
 * Runs (one row each: kind, start, end, budget, git commit, state) and
 * sightings (run x signature x cell, with the margin and hits of that
 * sighting) keep the history the record sums up.
 *
 * Writers: the database is in WAL mode and every finding is recorded in
 * one transaction of its own (BEGIN IMMEDIATE ... COMMIT), so parallel
 * workers and a gate can write at once (a busy writer waits, up to 60 s),
 * and a writer killed at any point leaves a consistent store that holds
 * every finding committed before (synchronous=NORMAL: a process crash
 * loses nothing committed; a power loss may lose the last transactions,
 * never consistency).
 *
 * Uses core only; JSON is written with core/json.h and read with json-c.
 * Every function returning int gives 0 on success or -1 with err filled
 * (code VMEX_E_INPUT for bad input, VMEX_E_IO for the database).
 */
#ifndef VMEX_FINDINGS_DB_H
#define VMEX_FINDINGS_DB_H

#include <stdint.h>

#include "vmex.h"

typedef struct vmex_fdb vmex_fdb;

#define VMEX_FDB_SCHEMA 1
/* the default store of a campaign, under the default state folder */
#define VMEX_FDB_DEFAULT "runs/campaign/findings.db"

/* Open (and with create, make) the store at path.  NULL with err filled. */
vmex_fdb *vmex_fdb_open(const char *path, int create, vmex_error *err);
void vmex_fdb_close(vmex_fdb *db);

/* ---------------------------------------------------------------- runs */
#define VMEX_FDB_KINDS "nightly, fuzz, gate, triage"
typedef struct vmex_fdb_run {
    int64_t id;
    char kind[16];
    int64_t started, ended;     /* unix seconds; ended 0 while it runs */
    int64_t budget;             /* seconds, 0 when none */
    char commit[64];            /* git commit, "" when unknown */
    char state[64];             /* "complete", "interrupted", ...; "" while it runs */
    char note[256];
} vmex_fdb_run;

/* A valid run kind (one of VMEX_FDB_KINDS)? */
int  vmex_fdb_kind_valid(const char *kind);
int  vmex_fdb_run_begin(vmex_fdb *db, const vmex_fdb_run *r, int64_t *id, vmex_error *err);
int  vmex_fdb_run_end(vmex_fdb *db, int64_t id, int64_t ended, const char *state, vmex_error *err);
/* 1 found, 0 no such run, -1 error */
int  vmex_fdb_run_get(vmex_fdb *db, int64_t id, vmex_fdb_run *r, vmex_error *err);
/* Every run, oldest first; a nonzero return of fn stops and is returned. */
int  vmex_fdb_runs(vmex_fdb *db, int (*fn)(const vmex_fdb_run *r, void *ctx), void *ctx, vmex_error *err);

/* ---------------------------------------------------------------- recording */
/* A signature is [A-Za-z0-9._+-], 1..127 bytes (it names files on export). */
int  vmex_fdb_signature_valid(const char *sig);
/* A status name: new, known, flaky or fixed. */
int  vmex_fdb_status_valid(const char *status);

/* One sighting: a signature seen by a run on a cell. */
typedef struct vmex_fdb_sighting {
    const char *signature, *cls;
    const char *target, *profile, *ents;   /* the cell ("none": no entitlements) */
    int64_t run;                /* a run of the store (vmex_fdb_run_begin) */
    int64_t seen;               /* unix seconds: when it was (last) seen */
    int64_t first;              /* when this sighting first saw it, if earlier (0: seen) */
    double margin;
    uint64_t hits;              /* executions or inputs that hit it */
    int flaky;
    const char *reproducer;     /* .vmex text, or NULL */
    uint32_t reproducer_ops;
} vmex_fdb_sighting;

/* Record s in one transaction: the record is made or updated (status, last
 * seen, times seen, hits, best margin, the smaller reproducer), its cell
 * and the sighting too.  Recording the same sighting twice changes
 * nothing the second time (margins and hits are kept at their maximum per
 * run and cell).  *created (may be NULL): 1 when the signature is new to
 * the store. */
int  vmex_fdb_add(vmex_fdb *db, const vmex_fdb_sighting *s, int *created, vmex_error *err);
/* The reproducer stopped giving the signature in run: status fixed.
 * 1 changed, 0 no such record or already fixed, -1 error. */
int  vmex_fdb_mark_fixed(vmex_fdb *db, const char *sig, int64_t run, int64_t when, vmex_error *err);
/* Set a status by hand (known, flaky, new; fixed needs a run: mark_fixed).
 * 1 changed, 0 no such record, -1 error. */
int  vmex_fdb_set_status(vmex_fdb *db, const char *sig, const char *status, vmex_error *err);

/* ---------------------------------------------------------------- reading */
typedef struct vmex_fdb_cell {
    char target[32], profile[64], ents[256];
    int64_t first_seen, last_seen, times_seen;
    double best_margin;
} vmex_fdb_cell;

typedef struct vmex_fdb_record {
    char signature[128], cls[32], status[8];
    int64_t first_seen, first_run, last_seen, last_run;   /* runs: 0 when none (imported) */
    int64_t times_seen, hits;
    double best_margin;
    char *reproducer;           /* owned; NULL when none */
    int64_t reproducer_ops;
    int64_t fixed_run, fixed_at, reopened_run, reopened_at;   /* 0 when never */
    int imported;               /* came in through an import */
    char kinds[64];             /* the kinds of the runs that saw it, comma-separated, sorted */
    vmex_fdb_cell *cells;       /* owned, sorted */
    size_t ncells;
} vmex_fdb_record;
void vmex_fdb_record_free(vmex_fdb_record *r);

/* 1 found (r filled; free it), 0 no such signature, -1 error. */
int  vmex_fdb_get(vmex_fdb *db, const char *sig, vmex_fdb_record *r, vmex_error *err);

/* Which records vmex_fdb_each visits (zero: all). */
typedef struct vmex_fdb_filter {
    unsigned status_mask;       /* 1 << VMEX_FDB_S_*; 0: any */
    int64_t seen_in_run;        /* a sighting by this run */
    int64_t first_in_run;       /* first seen by this run */
} vmex_fdb_filter;
enum { VMEX_FDB_S_NEW, VMEX_FDB_S_KNOWN, VMEX_FDB_S_FLAKY, VMEX_FDB_S_FIXED };
int  vmex_fdb_status_bit(const char *status);   /* VMEX_FDB_S_*, or -1 */

/* The records f selects, by signature; fn sees each (it must not keep r).
 * A nonzero return of fn stops and is returned. */
int  vmex_fdb_each(vmex_fdb *db, const vmex_fdb_filter *f, int (*fn)(const vmex_fdb_record *r, void *ctx),
                   void *ctx, vmex_error *err);

/* What changed since a point: a run (since_run > 0: runs after it) or a
 * time (unix seconds: at or after it). */
typedef struct vmex_fdb_change {
    const vmex_fdb_record *r;
    const char *what;           /* "new", "fixed", "reopened", "seen" */
} vmex_fdb_change;
int  vmex_fdb_diff(vmex_fdb *db, int64_t since_run, int64_t since_time,
                   int (*fn)(const vmex_fdb_change *c, void *ctx), void *ctx, vmex_error *err);

/* ---------------------------------------------------------------- JSON (record_json.c) */
/* A record as one JSON object ("format":"vmex-finding 1"; without the
 * reproducer, which travels as its own .vmex file). */
int  vmex_fdb_record_json(const vmex_fdb_record *r, vmex_buf *out);
/* A run as one JSON object. */
int  vmex_fdb_run_json(const vmex_fdb_run *r, vmex_buf *out);
/* Read an exported record (vmex_fdb_record_json's output) from text; name
 * says where it came from in errors.  The record is filled (free it). */
int  vmex_fdb_record_parse(const char *text, size_t len, const char *name, vmex_fdb_record *r, vmex_error *err);
/* Merge an exported record into the store in one transaction: a record it
 * lacks is added (status known unless flaky or fixed); one it has keeps the
 * earliest first seen, the latest last seen, the larger counts and margin,
 * the smaller reproducer; new becomes known.  Importing the same record
 * twice changes nothing the second time. */
int  vmex_fdb_import(vmex_fdb *db, const vmex_fdb_record *r, vmex_error *err);

/* One finding of a hunting target's findings folder (SIG.json, issue
 * "Findings are results, not crashes"). */
typedef struct vmex_fdb_folder_entry {
    char signature[128], cls[32], target[32], profile[64], ents[256];
    double margin;
    uint64_t ops, req, hits;
    int64_t first_unix, last_unix;
    int have_ents;              /* "entitlements" was in the record */
} vmex_fdb_folder_entry;
int  vmex_fdb_folder_entry_parse(const char *text, size_t len, const char *name, vmex_fdb_folder_entry *e,
                                 vmex_error *err);

/* One signature of a triage folder's triage.json (`vmex triage -o DIR`). */
typedef struct vmex_fdb_triage_entry {
    char signature[128], cls[32], profile[64];
    double margin;
    int64_t ops_before, ops_after;  /* ops_after -1: not minimized */
    int64_t inputs;
    int flaky;
    char example[1024];             /* the input it was minimized from */
} vmex_fdb_triage_entry;
/* Read triage.json's signatures into a new array *out of *n (free() it). */
int  vmex_fdb_triage_parse(const char *text, size_t len, const char *name, vmex_fdb_triage_entry **out, size_t *n,
                           vmex_error *err);

#endif
