/*
 * target.h - what the fuzz targets share: the engine entry points, the
 * always-on assertion for harness bugs, and the finding report.
 *
 * One source per target builds three ways: libFuzzer (VMEX_LIBFUZZER),
 * AFL++ through libAFLDriver (VMEX_AFL), and the plain replay engine
 * (replay.c).  A harness bug aborts from vmex_harness_bug().  A hunted
 * finding is recorded in the findings folder and the run goes on
 * (hunter.c); in crash mode (VMEX_FINDINGS=crash) it aborts from a
 * function of its own per class, so sanitizer dedup tokens of different
 * classes never collide, with its signature in an assertion line.
 */
#ifndef VMEX_TARGET_H
#define VMEX_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "vmex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* 1 when the target takes a file's bytes as they are (fuzz_text and the
 * other text formats), 0 for the binary encoding: its input column in
 * targets/targets.txt, which the build passes as VMEX_FUZZ_TARGET_TEXT */
extern const int vmex_target_takes_text;
/* 1 when the target runs programs of this config (a .vmex reproducer of
 * another target is skipped by the replay engine) */
int vmex_target_accepts(const vmex_config *c);
/* 1 when a reproducer's expect line is what the target must find (the
 * hunters); 0 when every accepted program must run clean */
int vmex_target_expects(void);

/* A hunting target (hunter.c): its name, the target it runs, and whether it
 * hunts divergence between linux-model and the kernel; hunter_this.c makes
 * vmex_hunter_this of its row in targets/targets.txt. */
typedef struct vmex_hunter {
    const char *name;
    int target;      /* enum vmex_target */
    int diff;
} vmex_hunter;
extern const vmex_hunter vmex_hunter_this;

__attribute__((noreturn)) void vmex_harness_bug(const char *file, int line, const char *what);
#define VMEX_FUZZ_ASSERT(c, what) \
    do { if (!(c)) vmex_harness_bug(__FILE__, __LINE__, what); } while (0)

/* Crash mode: print "vmex-finding: <signature> margin=<m>" and
 * "ASSERTION FAILED: vmex finding <signature>", and abort from the
 * class's own function. */
__attribute__((noreturn)) void vmex_report_finding(int cls, const char *signature, double margin);

/* Count one execution for ci/fuzz's progress line (VMEX_STATS_DIR/execs,
 * report_finding.c); every target calls it first thing. */
void vmex_target_count(void);

/* Fold the feature counters into AFL++'s map (afl_feedback.c, AFL builds). */
void vmex_afl_features(const uint8_t *ctr, size_t n);

#endif
