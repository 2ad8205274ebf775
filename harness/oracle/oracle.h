/*
 * oracle.h - the oracle's judgement of one op, shared by every backend (not
 * installed): the class of a failed request, whether an op is a finding,
 * and how a run's ops add up to its result.  The public half (hunt
 * policies, signatures, vmex_find, vmex_diff_run) is in vmex.h.
 */
#ifndef VMEX_ORACLE_H
#define VMEX_ORACLE_H

#include "vmex.h"

/* Classify a failed request of req bytes at alignment align on layout L
 * (classify.c): r->cls, r->req and r->margin = room / req.  room is what
 * the program could still have had: the free bytes of a model's map, or
 * the window minus what the program holds on the real kernel.
 * map_count_full: the process is at vm.max_map_count (real kernel). */
void _vmex_classify(const vmex_layout *L, uint64_t req, uint64_t align, uint64_t room, int map_count_full,
                    vmex_opres *r);

/* A model's map as the ceiling reads it: walk(map, lo, hi, cb, ctx) calls
 * cb for each entry in [lo, hi), in address order, with its attributes
 * (equal attributes: one kind of mapping) and app 1 for what the program
 * mapped (it counts as live), 0 for the layout's own regions. */
typedef void (*vmex_map_entry_fn)(void *ctx, uint64_t lo, uint64_t hi, uint32_t attr, int app);
typedef struct vmex_map_view {
    const void *map;
    void (*walk)(const void *map, uint64_t lo, uint64_t hi, vmex_map_entry_fn cb, void *ctx);
} vmex_map_view;
/* Classify a failed request of req bytes at alignment align on a model's
 * map (ceiling.c): map is the map at the failure, st its stats.  r->cls,
 * r->req and r->margin = usable room / req, where the usable room counts
 * of each hole only the bytes from its first aligned address on; frag only
 * when the live set packed tightly leaves the request a hole in the
 * pristine layout. */
void _vmex_classify_map(const vmex_layout *L, uint64_t req, uint64_t align, const vmex_stats *st,
                        const vmex_map_view *map, vmex_opres *r);
/* Is there a hole of L's pristine layout that holds size bytes at align? */
int _vmex_fits_pristine(const vmex_layout *L, uint64_t size, uint64_t align);

/* Is this judged op a finding under o (the hunt, else the large threshold)? */
int _vmex_is_finding(const vmex_op *op, const vmex_opres *r, const vmex_runopts *o);

/* A run's result: _vmex_result_begin empties it; _vmex_result_add counts
 * op i's outcome (r->finding already decided), records the first finding,
 * calls o->on_op, and returns 1 when the run stops here (a finding, and
 * o does not keep going). */
void _vmex_result_begin(vmex_result *res);
int  _vmex_result_add(vmex_result *res, const vmex_op *op, const vmex_opres *r, const vmex_runopts *o);

/* find.c: the order findings are reported in (triage, the findings
 * folder), the worse first: class (core/classes.def order, frag first),
 * then margin, then request size, both descending, then signature.
 * <0, 0, >0 as strcmp. */
int _vmex_badness_cmp(int ca, double ma, uint64_t ra, const char *sa, int cb, double mb, uint64_t rb,
                      const char *sb);

/* diff.c: vmex_diff_run in a run environment (NULL: the process's) */
int _vmex_diff_run_env(vmex_model *model, vmex_model *real, const vmex_program *p, const vmex_run_env *env,
                       vmex_diff *d);
/* diff.c: the request size a divergence is filed under (its signature's) */
uint64_t _vmex_diff_req(const vmex_program *p, const vmex_diff *d);

#endif
