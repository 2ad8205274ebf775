/*
 * report_finding.c - how a target dies: one non-inlined function per
 * finding class (distinct frames, distinct dedup tokens), one for harness
 * bugs, a report of a class that is no finding class among them.
 *
 * A finding dies only in crash mode (VMEX_FINDINGS=crash, for engines
 * whose only channel is a crash).  Its report carries the signature in a
 * line ClusterFuzz's stack analyzer reads as an assertion, whose message
 * becomes the crash state, so each signature is its own bug there:
 *   vmex-finding: frag-mmap-2p27-ios16-3gb margin=2.41
 *   ASSERTION FAILED: vmex finding frag-mmap-2p27-ios16-3gb
 * (the margin is on the first line only: it differs from input to input
 * and must not split one signature into many crash states).
 * Everything is formatted into a stack buffer and written with write(2):
 * the address space may be exhausted when we get here.
 *
 * And what every target counts: its executions, into VMEX_STATS_DIR/execs
 * (fuzz/findings.h, vmex_execs), read once, flushed each second and at
 * exit, for ci/fuzz's progress line.
 */
#include "target.h"
#include "fuzz/findings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void say(const char *s)
{
    size_t n = strlen(s);
    while (n) {
        ssize_t w = write(2, s, n);
        if (w <= 0) break;
        s += w;
        n -= (size_t)w;
    }
}

/* One abort function per finding class, generated from core/classes.def:
 * vmex_found_frag, vmex_found_exhausted, ...  Never inlined, each is the
 * frame sanitizers and ClusterFuzz deduplicate by, so findings of two
 * classes never share a crash.  Each writes its class into found_class, a
 * distinct side effect, so no pass can merge them. */
static volatile int found_class;

#define FOUND_FUNCTION(E, id, name, desc)                                              \
    __attribute__((noinline, noreturn)) static void vmex_found_##id(const char *line) \
    {                                                                                  \
        found_class = VMEX_##E;                                                        \
        say(line);                                                                     \
        abort();                                                                       \
    }
VMEX_FINDING_CLASSES(FOUND_FUNCTION)
#undef FOUND_FUNCTION

void vmex_report_finding(int cls, const char *signature, double margin)
{
    char line[512];
    snprintf(line, sizeof line, "vmex-finding: %s margin=%.2f\nASSERTION FAILED: vmex finding %s\n", signature,
             margin, signature);
    switch (cls) {
#define FOUND_CASE(E, id, name, desc) case VMEX_##E: vmex_found_##id(line);
        VMEX_FINDING_CLASSES(FOUND_CASE)
#undef FOUND_CASE
    }
    /* ok, or no class at all: the caller is broken, not the program */
    char what[96];
    snprintf(what, sizeof what, "a finding of class %d, which is no finding class", cls);
    vmex_harness_bug(__FILE__, __LINE__, what);
}

void vmex_harness_bug(const char *file, int line, const char *what)
{
    char buf[512];
    snprintf(buf, sizeof buf, "vmex-harness-bug: %s:%d: %s\n", file, line, what);
    say(buf);
    abort();
}

static vmex_execs execs;

static void execs_at_exit(void) { vmex_execs_flush(&execs); }

void vmex_target_count(void)
{
    static int ready;
    if (!ready) {
        ready = 1;
        vmex_execs_init(&execs, getenv("VMEX_STATS_DIR"));
        if (execs.path[0]) atexit(execs_at_exit);
    }
    vmex_execs_tick(&execs);
}
