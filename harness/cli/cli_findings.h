/*
 * cli_findings.h - what the two files of `vmex findings` share
 * (cli_findings.c: the command, reading and exporting; cli_findings_io.c:
 * ingesting, importing, rechecking, and the hook of `vmex triage --store`).
 */
#ifndef VMEX_CLI_FINDINGS_H
#define VMEX_CLI_FINDINGS_H

#include "cli/cli.h"
#include "store/findings_db.h"

typedef struct fargs {
    cli_fuzz c;                 /* how inputs are decoded (ingest, import) */
    const char *store;
    const char *kind, *commit, *note, *state, *since, *status;
    int64_t run, budget;
    int json, verbose;
    unsigned status_mask;
    const char *operand[64];
    int noperand;
} fargs;

/* Open the store of a (create: made with its folder).  NULL (reported). */
vmex_fdb *cli_fdb_open(const fargs *a, int create);
/* Report err as vmex findings' error. */
void cli_fdb_error(const vmex_error *err);
/* Begin a run of kind when a->run is 0 (*made: 1, end it with
 * cli_fdb_end_own).  0 or -1 (reported). */
int  cli_fdb_own_run(vmex_fdb *db, fargs *a, const char *kind, const char *note, int *made);
void cli_fdb_end_own(vmex_fdb *db, const fargs *a, int made, int failed);

/* the actions of cli_findings_io.c, which open the store themselves once
 * their inputs are read (db is NULL); each returns the exit status */
int  cli_findings_ingest(fargs *a, vmex_fdb *db);
int  cli_findings_import(fargs *a, vmex_fdb *db);
int  cli_findings_recheck(fargs *a, vmex_fdb *db);

/* The cell a layout is: target, profile (xnu: the profile; linux:
 * linux-WINDOW-ALLOCATOR), entitlements ("none" when none). */
void cli_fdb_cell(const vmex_layout *L, char *target, size_t nt, char *profile, size_t np, char *ents, size_t ne);

#endif
