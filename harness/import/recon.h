/*
 * recon.h - what the files of the reconstruction share (not installed):
 * reconstruct.c builds the program (profile, layout settings, entitlements,
 * the failing request), recon_map.c places the report's regions, crash_verdict.c
 * reads the memory evidence and judges the result.
 */
#ifndef VMEX_RECON_H
#define VMEX_RECON_H

#include "import/crashparse.h"

/* One reconstruction in progress. */
typedef struct vmex_build {
    const vmex_report *r;
    vmex_program *p;
    vmex_recon *rc;
    vmex_error *err;
    int oom;                   /* something could not grow: the build fails */
} vmex_build;

/* A line of the header comment. */
void _vmex_b_head(vmex_build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append op (bound to name when non-NULL) with a comment when fmt is
 * non-NULL: its index, or -1 (b->oom set). */
int _vmex_b_op(vmex_build *b, vmex_op *op, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* An op of kind with size, tag (0: none) and protection. */
vmex_op _vmex_b_new_op(int kind, uint64_t size, int tag, int prot);
/* A size for people: "1.5 GiB", "16 KiB", "512 B". */
const char *_vmex_hs(uint64_t v, char *buf, size_t n);
#define VMEX_HS(v) _vmex_hs((v), (char[24]){0}, 24)

/* recon_map.c: the summary's bytes that take address space (neither in the
 * layout nor kernel-side). */
uint64_t _vmex_map_placeable(const vmex_report *r);
/* recon_map.c: the VM region info regions at their addresses, then the VM
 * summary rows by estimate, largest first, on layout L. */
void _vmex_map_regions(vmex_build *b, const vmex_layout *L);

/* crash_verdict.c: what in the report points at memory.  Returns the request it
 * names (enum vmex_req_kind: VMEX_REQ_PROBE for memory without a size,
 * VMEX_REQ_NONE for nothing) with *size (VMEX_REQ_MALLOC), and appends one
 * line of evidence per finding to why; -1 when out of memory. */
int _vmex_report_memory(const vmex_report *r, uint64_t *size, vmex_buf *why);

#endif
