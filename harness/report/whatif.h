/*
 * whatif.h - the what-if analysis: one program over a grid of profiles and
 * entitlement sets, a verdict per cell, and its two renderings: the table
 * of `vmex run --profile A,B[,...]` (every subset of the given
 * entitlements) and the paragraph and table of the `vmex triage --html`
 * page (each profile without and with extended-virtual-addressing).
 */
#ifndef VMEX_WHATIF_H
#define VMEX_WHATIF_H

#include "vmex.h"

#define VMEX_WHATIF_MAX 32          /* profiles in a triage page's grid */

/* One cell of the grid. */
typedef struct vmex_whatif_row {
    const char *file;               /* the program's label */
    const char *profile;            /* as asked */
    uint32_t ents;                  /* the entitlements the layout got */
    int error;                      /* the layout did not resolve or the run failed */
    vmex_result res;
} vmex_whatif_row;

/* Every subset of the n entitlements order[0..n), subset s holding
 * order[k] when bit k of s is set; returns the count, 1 << n. */
int vmex_whatif_subsets(const uint32_t *order, int n, uint32_t *sets);

/* The layout of a cell: p's own configuration less the entitlements in
 * `drop`, on `profile` (NULL: p's own) with `add`.  0, or -1 (err). */
int vmex_whatif_layout(const vmex_program *p, const char *profile, uint32_t drop, uint32_t add, vmex_layout *L,
                       vmex_error *err);

/* Run every cell of profiles[0..nprof) x sets[0..nsets) (profile-major)
 * with the hunt h (NULL: the default finding rule) into rows; a cell whose
 * layout does not resolve or whose run fails is marked error. */
void vmex_whatif_grid(vmex_model *m, const vmex_program *p, const char *const *profiles, int nprof,
                      const uint32_t *sets, int nsets, uint32_t drop, const vmex_hunt *h, vmex_whatif_row *rows);

/* The text table: "FILE" when nfiles is 1, then a header and one line per
 * row (profile, entitlements, verdict, at, margin, free, largest), then
 * "N of M runs fail". */
int vmex_whatif_table(const vmex_whatif_row *rows, int n, int nfiles, vmex_buf *out);

/* HTML: a paragraph in words (where it crashes without the entitlement,
 * which profiles extended-virtual-addressing fixes, where it still
 * crashes, where it crashes only with it) and the table, for the grid of
 * p on profiles x {none, extended-virtual-addressing}, hunting h. */
int vmex_whatif_eva_html(vmex_model *m, const vmex_program *p, const char *const *profiles, int nprof,
                         const vmex_hunt *h, vmex_buf *out);

#endif
