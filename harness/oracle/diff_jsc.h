/*
 * diff_jsc.h - vmex diff --target jsc: what JavaScriptCore asked the kernel
 * for (vmex_jsc_calls, the real libpas and JSC of this machine) against
 * what the model's JSC scenario says it asks for (the reserve and stream
 * lines of a workload that carry tag 63, VM_MEMORY_JAVASCRIPT_CORE: by
 * default corpora/workloads/jsc-flutter-app.vmexw, which the stress runs
 * of the iOS model use).
 *
 * No model runs JavaScriptCore op by op, so the comparison is by request:
 * for each mapping the scenario claims (SIZE, alignment, protection), how
 * many of JavaScriptCore's mmaps asked exactly SIZE, and how many asked
 * SIZE + ALIGN (libpas's way to an aligned block: it maps size + alignment
 * and keeps the padding, pas_page_malloc.c), then what JavaScriptCore
 * asked that the scenario does not describe.  docs/linux-real.md §7 has
 * the measurements and where the Linux build's libpas differs from iOS's.
 */
#ifndef VMEX_ORACLE_DIFF_JSC_H
#define VMEX_ORACLE_DIFF_JSC_H

#include "lang/workload.h"
#include "vmex.h"

#define VMEX_JSC_TAG 63   /* VM_MEMORY_JAVASCRIPT_CORE (osfmk/mach/vm_statistics.h) */

enum vmex_jclaim_verdict {
    VMEX_JCLAIM_AGREES,   /* JavaScriptCore asked SIZE, with the claimed protection */
    VMEX_JCLAIM_PROT,     /* it asked SIZE, with another protection */
    VMEX_JCLAIM_PADDED,   /* it asked SIZE + ALIGN (and aligned the block itself), never SIZE */
    VMEX_JCLAIM_UNSEEN,   /* it asked neither */
};

typedef struct vmex_jclaim {
    char     name[VMEX_WL_NAME_MAX];   /* the reservation or stream */
    int      line;                     /* in the workload */
    int      reserve;                  /* 1 a reserve line, 0 a stream */
    uint64_t size, align;              /* align: 0 when not given */
    int      prot;                     /* as mmap's PROT_* bits, -1 when not given */
    int      verdict;                  /* enum vmex_jclaim_verdict */
    uint32_t exact, padded;            /* JavaScriptCore's mmaps of SIZE, of SIZE + ALIGN */
    int      real_prot, real_flags;    /* the PROT_* and MAP_* of its first exact (else padded) one, -1 */
    int32_t  first_op;                 /* where it first asked (VMEX_JSC_STARTUP, _CONTEXT, an op) */
} vmex_jclaim;

/* One size and protection JavaScriptCore asked for that no claim explains. */
typedef struct vmex_jother {
    uint64_t len;
    int      prot, flags;              /* PROT_*, MAP_* */
    uint32_t count, failed;
    int32_t  first_op;
} vmex_jother;

#define VMEX_JDIFF_MAX 64
typedef struct vmex_jdiff {
    uint32_t nclaims, nothers, others_left_out;
    vmex_jclaim claims[VMEX_JDIFF_MAX];
    vmex_jother others[VMEX_JDIFF_MAX];
    uint32_t ncalls, nmaps, nunmaps;   /* the calls compared */
} vmex_jdiff;

/* The claims of w: every reserve and stream line with tag 63 whose size is
 * one value (`fixed` with one value, or a reserve); 0, or -1 with err when
 * w claims nothing comparable. */
int vmex_jdiff_claims(const vmex_workload *w, vmex_jdiff *d, vmex_error *err);
/* Compare calls[0..n) with d's claims (vmex_jdiff_claims first). */
void vmex_jdiff_compare(const vmex_jsc_call *calls, size_t n, vmex_jdiff *d);
/* 1 when every claim agrees */
int vmex_jdiff_agrees(const vmex_jdiff *d);

#endif
