/*
 * fuzz_linux_diff - every program on linux-model and on the real kernel
 * (the kernel as allocator): any divergence is a finding (class diverge).
 * The engine glue is hunter.c.
 */
#include "target.h"

const vmex_hunter vmex_hunter_this = {"fuzz_linux_diff", VMEX_TARGET_LINUX, 1};
