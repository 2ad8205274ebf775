/*
 * executor.c - vmex-exec, the executor of target linux (protocol: proto.h).
 *
 * A small, never sanitized process that runs programs on the real kernel
 * and a real allocator inside one address window, as docs/linux-real.md
 * measured it:
 *   - confinement: every gap of [mmap_min_addr, 0x7ffffffff000) outside
 *     the window is filled with PROT_NONE, MAP_NORESERVE maps (at most
 *     1 MiB - 4 KiB is left under [stack], the guard gap), so every
 *     mmap(NULL) - ours and the allocator's - lands in the window;
 *   - no heap of our own once confined (static buffers, raw /proc reads,
 *     no stdio): a glibc arena piece in the window would break determinism;
 *   - reset per run, by allocator: the kernel: munmap(window); glibc,
 *     jemalloc and mimalloc: a fork of the pristine executor per run (their
 *     state cannot be taken back in-process).  jemalloc runs in an arena
 *     whose extent hooks map in the window, made once after confining.  docs/linux-real.md's
 *     in-process recipe for it (arena.<i>.destroy, then munmap the window)
 *     is not safe here: jemalloc's global metadata (base 0, the radix tree
 *     of extents) grows with the addresses in use, and once confined its
 *     new blocks land in the window too; unmapping the window then leaves
 *     it pointing at nothing, and the next run crashes in mallocx (seen
 *     after a run that filled a 1 GiB window);
 *   - jemalloc leaves a 6 MiB metadata mapping on first use: warmed up
 *     before confining.  mimalloc is not used before (it would keep a
 *     segment outside the window).
 * The front end (linux.c) classifies; this file reports what happened.
 * What every executor shares (confinement, the scan, the ops, the serve
 * loop) is window.c; this file is the allocators and main().
 */
#include <malloc.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "real/exec/window.h"

#if defined(VMEX_EXEC_JEMALLOC)
#include <jemalloc/jemalloc.h>
#elif defined(VMEX_EXEC_MIMALLOC)
#include <mimalloc.h>
#endif

static int retain;
static uint64_t threshold;

/* ------------------------------------------------------------ allocators */
#if defined(VMEX_EXEC_JEMALLOC)
static unsigned arena;

static void *hook_alloc(extent_hooks_t *h, void *new_addr, size_t size, size_t align, bool *zero, bool *commit,
                        unsigned ind)
{
    int fl = MAP_PRIVATE | MAP_ANONYMOUS;
    if (new_addr) {
        void *p = mmap(new_addr, size, PROT_READ | PROT_WRITE, fl | MAP_FIXED_NOREPLACE, -1, 0);
        if (p == MAP_FAILED) return NULL;
        *zero = *commit = true;
        return p;
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, fl, -1, 0);
    if (p == MAP_FAILED) return NULL;
    if ((uintptr_t)p % align) {   /* over-map and trim, as jemalloc's own pages_map does */
        munmap(p, size);
        size_t big = size + align - PAGE;
        char *q = mmap(NULL, big, PROT_READ | PROT_WRITE, fl, -1, 0);
        if (q == MAP_FAILED) return NULL;
        char *a = (char *)(((uintptr_t)q + align - 1) & ~(uintptr_t)(align - 1));
        if (a > q) munmap(q, (size_t)(a - q));
        if (a + size < q + big) munmap(a + size, (size_t)(q + big - (a + size)));
        p = a;
    }
    *zero = *commit = true;
    return p;
}
static bool hook_dalloc(extent_hooks_t *h, void *addr, size_t size, bool committed, unsigned ind)
{
    if (retain) return true;   /* refused, as jemalloc's default hooks do with opt.retain: the VA stays */
    return munmap(addr, size) != 0;
}
static void hook_destroy(extent_hooks_t *h, void *addr, size_t size, bool committed, unsigned ind)
{
    munmap(addr, size);
}
static bool hook_commit(extent_hooks_t *h, void *a, size_t s, size_t o, size_t l, unsigned i) { return false; }
static bool hook_purge(extent_hooks_t *h, void *a, size_t s, size_t o, size_t l, unsigned i)
{
    return madvise((char *)a + o, l, MADV_DONTNEED) != 0;
}
static bool hook_split(extent_hooks_t *h, void *a, size_t s, size_t sa, size_t sb, bool c, unsigned i) { return false; }
static bool hook_merge(extent_hooks_t *h, void *a, size_t sa, void *b, size_t sb, bool c, unsigned i) { return false; }
static extent_hooks_t hooks = {hook_alloc, hook_dalloc, hook_destroy, hook_commit, NULL, NULL,
                               hook_purge, hook_split, hook_merge};

static int alloc_begin(void)
{
    extent_hooks_t *hp = &hooks;
    size_t sz = sizeof arena;
    return mallctl("arenas.create", &arena, &sz, &hp, sizeof hp);
}
#define FLAGS (MALLOCX_ARENA(arena) | MALLOCX_TCACHE_NONE)
void *x_malloc(size_t n) { return mallocx(n ? n : 1, FLAGS); }
void *x_realloc(void *p, size_t n) { return rallocx(p, n ? n : 1, FLAGS); }
void x_free(void *p) { dallocx(p, MALLOCX_TCACHE_NONE); }
#elif defined(VMEX_EXEC_MIMALLOC)
void *x_malloc(size_t n) { return mi_malloc(n); }
void *x_realloc(void *p, size_t n) { return mi_realloc(p, n); }
void x_free(void *p) { mi_free(p); }
#else
void *x_malloc(size_t n) { return malloc(n); }
void *x_realloc(void *p, size_t n) { return realloc(p, n); }
void x_free(void *p) { free(p); }
#endif

/* no ops of its own */
void x_extra_op(const vmex_xop *op, vmex_xres *r, xslot *src, xslot *got)
{
    r->status = VMEX_ST_FAILED;
    r->why = VMEX_WHY_KIND;
}

void x_child_begin(void)
{
#if !defined(VMEX_EXEC_MIMALLOC) && !defined(VMEX_EXEC_JEMALLOC)
    mallopt(M_ARENA_MAX, 1);   /* linux-real.md: one arena */
    if (threshold) mallopt(M_MMAP_THRESHOLD, (int)threshold);   /* fixed: no dynamic history */
#endif
}

void x_on_crash(int sig, siginfo_t *si, void *uc) {}

int main(int argc, char **argv)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1) return 1;
    signal(SIGPIPE, SIG_IGN);
    if (argc != 5) return 2;
    allocator = atoi(argv[1]);
    window = strtoull(argv[2], NULL, 10);
    threshold = strtoull(argv[3], NULL, 10);
    retain = atoi(argv[4]);
    if (x_attach(VMEX_XSHM_SIZE)) return 3;
#if defined(VMEX_EXEC_JEMALLOC)
    /* opt.retain is read once, at start: come back with it set */
    const char *want = retain ? "retain:true,dirty_decay_ms:0,muzzy_decay_ms:0"
                              : "retain:false,dirty_decay_ms:0,muzzy_decay_ms:0";
    const char *have = getenv("MALLOC_CONF");
    if (!have || strcmp(have, want)) {
        setenv("MALLOC_CONF", want, 1);
        execv("/proc/self/exe", argv);
        say_error("cannot restart with MALLOC_CONF", "");
        reply('E');
        return 1;
    }
    dallocx(mallocx(1, 0), 0);   /* the 6 MiB metadata mapping: outside the window */
#elif !defined(VMEX_EXEC_MIMALLOC)
    if (allocator == VMEX_ALLOC_JEMALLOC || allocator == VMEX_ALLOC_MIMALLOC) {
        say_error("this executor has no ", allocator == VMEX_ALLOC_JEMALLOC ? "jemalloc" : "mimalloc");
        reply('E');
        return 1;
    }
#endif
    H->thp = (uint32_t)thp_probe();
    H->max_map_count = (uint32_t)read_num_file("/proc/sys/vm/max_map_count", 65530);
    x_signals(NULL, 0);
    if (x_confine_window()) return 1;
#if defined(VMEX_EXEC_JEMALLOC)
    /* the arena is made once, in the pristine executor: its metadata is in
     * the window before any run, the same in every fork */
    if (alloc_begin()) {
        say_error("cannot create the jemalloc arena", "");
        reply('E');
        return 1;
    }
#endif
    x_serve(allocator != VMEX_ALLOC_KERNEL);
}
