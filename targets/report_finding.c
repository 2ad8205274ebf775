/*
 * report_finding.c - how a target dies: one non-inlined function per
 * finding class (distinct frames, distinct dedup tokens), one for harness
 * bugs.  Everything is formatted into a stack buffer and written with
 * write(2): the address space may be exhausted when we get here.
 */
#include "target.h"

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

/* A distinct side effect in each, so no pass can merge them. */
static volatile int found_class;

__attribute__((noinline, noreturn)) static void vmex_found_frag(const char *line)
{
    found_class = VMEX_FRAG;
    say(line);
    abort();
}

__attribute__((noinline, noreturn)) static void vmex_found_exhausted(const char *line)
{
    found_class = VMEX_EXHAUSTED;
    say(line);
    abort();
}

__attribute__((noinline, noreturn)) static void vmex_found_too_large(const char *line)
{
    found_class = VMEX_TOO_LARGE;
    say(line);
    abort();
}

__attribute__((noinline, noreturn)) static void vmex_found_jetsam(const char *line)
{
    found_class = VMEX_JETSAM;
    say(line);
    abort();
}

__attribute__((noinline, noreturn)) static void vmex_found_map_count(const char *line)
{
    found_class = VMEX_MAP_COUNT;
    say(line);
    abort();
}

__attribute__((noinline, noreturn)) static void vmex_found_crash(const char *line)
{
    found_class = VMEX_CRASH;
    say(line);
    abort();
}

__attribute__((noinline, noreturn)) static void vmex_found_hang(const char *line)
{
    found_class = VMEX_HANG;
    say(line);
    abort();
}

__attribute__((noinline, noreturn)) static void vmex_found_diverge(const char *line)
{
    found_class = VMEX_DIVERGE;
    say(line);
    abort();
}

void vmex_report_finding(int cls, const char *signature, double margin)
{
    char line[256];
    snprintf(line, sizeof line, "vmex-finding: %s margin=%.2f\n", signature, margin);
    switch (cls) {
    case VMEX_FRAG: vmex_found_frag(line);
    case VMEX_EXHAUSTED: vmex_found_exhausted(line);
    case VMEX_TOO_LARGE: vmex_found_too_large(line);
    case VMEX_MAP_COUNT: vmex_found_map_count(line);
    case VMEX_CRASH: vmex_found_crash(line);
    case VMEX_HANG: vmex_found_hang(line);
    case VMEX_DIVERGE: vmex_found_diverge(line);
    default: vmex_found_jetsam(line);
    }
}

void vmex_harness_bug(const char *file, int line, const char *what)
{
    char buf[512];
    snprintf(buf, sizeof buf, "vmex-harness-bug: %s:%d: %s\n", file, line, what);
    say(buf);
    abort();
}
