/*
 * minimize.h - reproducer minimization and annotated printing.
 */
#ifndef VMEX_MINIMIZE_H
#define VMEX_MINIMIZE_H

#include "vmex.h"

typedef struct vmex_minimize_stats {
    uint32_t ops_before, ops_after, runs;
    char signature[128];
    double margin;
    int cls;
} vmex_minimize_stats;

/* Minimize `in` (see minimize.c) into `out` (initialized).  Returns 0, 1
 * when `in` has no hunted finding (out is then a copy without its expect
 * line), -1 out of memory.
 * On 0, out carries `expect <class> at <op>`. */
int vmex_minimize(const vmex_program *in, const vmex_layout *L, const vmex_hunt *hunt, vmex_program *out,
                  vmex_minimize_stats *st);

/* Print p as .vmex text with a comment on each op saying where it landed
 * or why it failed, after running it on L with the hunt policy. */
int vmex_print_annotated(const vmex_program *p, const vmex_layout *L, const vmex_hunt *hunt, const char *header,
                         vmex_buf *out);

#endif
