/*
 * fuzz_xnu - programs on the XNU model of an iOS app, hunting
 * fragmentation.  The engine glue is hunter.c.
 */
#include "target.h"

const vmex_hunter vmex_hunter_this = {"fuzz_xnu", VMEX_TARGET_XNU, 0};
