/*
 * linux.h - target linux on the real kernel, through the executor
 * (exec/proto.h); the front end's half is linux.c.
 */
#ifndef VMEX_REAL_LINUX_H
#define VMEX_REAL_LINUX_H

#include "vmex.h"

/* linux.c: target linux, through the executor (exec/proto.h) */
struct vmex_linux;
/* _vmex_linux_run: 0, -1 with err, or -2 with err when the executor cannot
 * start on this machine (not built, no memfd, confinement refused) */
int  _vmex_linux_run(struct vmex_linux **x, const vmex_layout *L, const vmex_program *p, const vmex_runopts *o,
                     vmex_result *res, char *err, size_t errn);
void _vmex_linux_free(struct vmex_linux *x);
void _vmex_linux_stats(const struct vmex_linux *x, vmex_stats *st);
void _vmex_linux_walk(const struct vmex_linux *x, vmex_entry_fn cb, void *ctx);
/* the running executor's kernel facts and the last run's time; -1 when none runs */
int  _vmex_linux_info(const struct vmex_linux *x, uint32_t *thp, uint32_t *max_map_count, uint64_t *run_ns);

#endif
