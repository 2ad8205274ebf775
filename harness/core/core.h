/*
 * core.h - what every room of the library shares beyond the public API:
 * alignment arithmetic (not installed).
 */
#ifndef VMEX_CORE_H
#define VMEX_CORE_H

#include "vmex.h"

#define VMEX_ALIGN_UP(x, a)   (((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define VMEX_ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define VMEX_IS_POW2(x)       ((x) != 0 && ((x) & ((x) - 1)) == 0)

#endif
