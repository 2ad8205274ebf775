/*
 * feedback.h - fragmentation state as fuzzer features.
 *
 * A run is summarized as a set of feature indices in a byte-counter array
 * (libFuzzer's extra counters, or folded into AFL++'s map).  The features
 * are chosen so that the fuzzer keeps climbing: every new (margin bucket,
 * live-bytes bucket) pair of a failed large request is new coverage, so a
 * program reaching the same margin with fewer mapped bytes, or in fewer
 * ops, is kept; the end state adds hole-count x largest/free, live entries
 * and footprint level.
 */
#ifndef VMEX_FEEDBACK_H
#define VMEX_FEEDBACK_H

#include "vmex.h"

#define VMEX_FEATURES 4096

typedef struct vmex_feedback {
    uint8_t *ctr;              /* VMEX_FEATURES counters */
    const vmex_model *m;
    const vmex_layout *L;
    double best_margin;
    uint32_t best_at;
} vmex_feedback;

void vmex_feedback_begin(vmex_feedback *fb, uint8_t *ctr, const vmex_model *m, const vmex_layout *L);
/* per op: usable as (or from) a vmex_runopts on_op callback with ctx = fb */
void vmex_feedback_op(void *fb, const vmex_op *op, const vmex_opres *r);
void vmex_feedback_end(vmex_feedback *fb, const vmex_result *res);

#endif
