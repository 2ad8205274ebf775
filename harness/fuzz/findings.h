/*
 * findings.h - the findings folder: what a hunt keeps of each signature.
 *
 * A hunting fuzz target does not crash on a finding: it records it here and
 * returns, and the engine keeps fuzzing.  The folder (VMEX_FINDINGS_DIR,
 * which ci/fuzz sets to <run>/findings) holds, per signature SIG:
 *   SIG.input  the kept input's bytes (the binary program encoding)
 *   SIG.json   one JSON object on one line:
 *              {"signature":"frag-mmap-2p27-ios16-3gb","class":"frag",
 *               "margin":2.41,"ops":9,"req":134217728,"hits":40,
 *               "target":"fuzz_xnu","profile":"ios16-3gb",
 *               "first_unix":1700000000,"last_unix":1700000120}
 * The kept input is the best of its signature: the highest margin, then
 * the fewest ops (up to and including the finding), then the fewest bytes.
 * A hit that is not better only counts in hits.  Both files are written
 * atomically (a temporary file in the folder, renamed; temporary names
 * start with '.'), and every writer and reader of the folder holds flock
 * on the folder itself (exclusive to write, shared to read), so workers
 * and processes may share one folder.  Hits are counted in memory and
 * flushed at least once a second and on vmex_findings_close (which the
 * targets call at exit), so a normal exit loses none; the input and the
 * JSON of a new or better hit are written at once.
 *
 * The reader lists a folder's findings ordered by how bad they are: class
 * (core/classes.def order, frag first), then margin, then request size,
 * both descending, then signature.
 */
#ifndef VMEX_FINDINGS_H
#define VMEX_FINDINGS_H

#include "vmex.h"

/* One signature's record (SIG.json). */
typedef struct vmex_finding_rec {
    char signature[128];
    int cls;                    /* enum vmex_class */
    double margin;
    uint32_t ops;               /* ops up to and including the finding */
    uint64_t req;               /* the failed request, bytes */
    uint64_t hits;
    char target[32];            /* the fuzz target, e.g. fuzz_xnu */
    char profile[32];
    int64_t first_unix, last_unix;
} vmex_finding_rec;

typedef struct vmex_findings vmex_findings;

/* A writer for dir (made when missing, parents must exist) on behalf of
 * target.  NULL with err set when dir cannot be opened or made. */
vmex_findings *vmex_findings_open(const char *dir, const char *target, vmex_error *err);

/* Record a hit of r->signature (r->cls, margin, ops, req, profile; the
 * rest is the writer's) with the input that gave it.  Returns 1 when the
 * kept input changed (a new signature, or a better input), 0 when the hit
 * was counted, -1 on an I/O error (err says which file). */
int vmex_findings_add(vmex_findings *f, const vmex_finding_rec *r, const uint8_t *data, size_t n, vmex_error *err);

/* Write the hits counted since the last flush.  0 or -1 (err). */
int vmex_findings_flush(vmex_findings *f, vmex_error *err);

/* Flush and free (NULL is fine).  0 or -1 (err) when the flush failed. */
int vmex_findings_close(vmex_findings *f, vmex_error *err);

/* Is a better than b as the kept input of one signature (margin, then
 * fewer ops, then fewer bytes)? */
int vmex_finding_better(double ma, uint32_t oa, size_t na, double mb, uint32_t ob, size_t nb);

/* Parse one SIG.json.  0, or -1 with err (VMEX_E_INPUT). */
int vmex_finding_parse(const char *json, size_t len, vmex_finding_rec *r, vmex_error *err);

/* The findings of dir, ordered by how bad they are (above), in *out
 * (malloc'd, *n of them; free() it).  A folder that does not exist holds
 * none.  0, or -1 with err (an unreadable folder or file, a SIG.json that
 * does not parse or whose SIG.input is missing). */
int vmex_findings_read(const char *dir, vmex_finding_rec **out, size_t *n, vmex_error *err);

/* qsort order of the reader: the worse first. */
int vmex_finding_cmp(const void *a, const void *b);

/* A run's executions, for its progress line: dir/execs holds the count of
 * all the run's processes; each adds what it ran since it last did, under
 * flock, at most once a second (vmex_execs_tick) and at exit
 * (vmex_execs_flush).  One file for all: AFL++ runs a forked child per
 * batch of inputs.  Failures to write are ignored (progress only). */
typedef struct vmex_execs {
    char path[4096];            /* "" when off */
    uint64_t n, added;          /* executions, and how many of them are in the file */
    int64_t at;                 /* when it was last written */
} vmex_execs;
void vmex_execs_init(vmex_execs *e, const char *dir);   /* dir NULL or "": off */
void vmex_execs_tick(vmex_execs *e);                     /* one execution */
void vmex_execs_flush(vmex_execs *e);

#endif
