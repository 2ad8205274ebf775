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
 *
 * The layout of the counter array, range by range (feedback.c has the
 * formulas):
 *   [0, VMEX_FB_HOLES)   a failed request >= 1m: one block of
 *                        VMEX_FB_CLASS_BLOCK per finding class, in
 *                        core/classes.def order from frag (block c - 1 for
 *                        class c), each margin bucket (32) x live-bytes
 *                        bucket (16).  A class added to the list gets its
 *                        own block and moves the ranges below.
 *   VMEX_FB_HOLES        end state: hole-count bucket (16) x largest/free (16)
 *   VMEX_FB_ENTRIES      end state: live entries, log2 (32)
 *   VMEX_FB_FOOTPRINT    end state: footprint / limit in 1/16 up to 2x (32)
 *   VMEX_FB_BEST         best margin bucket (32) x ops-to-reach bucket (16)
 */
#ifndef VMEX_FEEDBACK_H
#define VMEX_FEEDBACK_H

#include "vmex.h"

#define VMEX_FB_CLASS_BLOCK 512
#define VMEX_FB_HOLES       ((VMEX_CLASS__COUNT - 1) * VMEX_FB_CLASS_BLOCK)
#define VMEX_FB_ENTRIES     (VMEX_FB_HOLES + 256)
#define VMEX_FB_FOOTPRINT   (VMEX_FB_ENTRIES + 32)
#define VMEX_FB_BEST        (VMEX_FB_FOOTPRINT + 32)
#define VMEX_FEATURES       (VMEX_FB_BEST + 512)

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
