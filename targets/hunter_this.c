/*
 * hunter_this.c - which hunting target a build of hunter.c is: its row of
 * targets/targets.txt, which the build passes as compile definitions
 * (CMakeLists.txt, ci/oss-fuzz/build.sh):
 *   VMEX_FUZZ_TARGET_NAME     "fuzz_xnu"
 *   VMEX_FUZZ_TARGET_BACKEND  VMEX_TARGET_XNU (the backend column)
 *   VMEX_FUZZ_TARGET_DIFF     1 when it hunts divergences, else 0
 */
#include "target.h"

#if !defined(VMEX_FUZZ_TARGET_NAME) || !defined(VMEX_FUZZ_TARGET_BACKEND) || !defined(VMEX_FUZZ_TARGET_DIFF)
#error "a hunting target is built from its row of targets/targets.txt (VMEX_FUZZ_TARGET_* definitions)"
#endif

const vmex_hunter vmex_hunter_this = {VMEX_FUZZ_TARGET_NAME, VMEX_FUZZ_TARGET_BACKEND, VMEX_FUZZ_TARGET_DIFF};
