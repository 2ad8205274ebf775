/*
 * window.c - what the executors share (window.h): confinement, the
 * window's scan, the ops of every executor, the serve loop.  Compiled into
 * each executor with its own definitions (VMEX_EXEC_JEMALLOC, ...), never
 * into the library.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "real/exec/window.h"

vmex_xhdr *H;
uint8_t *SHM;
int allocator;
uint64_t base = VMEX_LINUX_BASE, window;
xslot slots[VMEX_X_MAX_SLOTS];
uint64_t anon_bytes;

/* ------------------------------------------------------------ helpers */
void say_error(const char *a, const char *b)
{
    size_t n = 0;
    for (const char *s = a; s && *s && n + 1 < sizeof H->error; s++) H->error[n++] = *s;
    for (const char *s = b; s && *s && n + 1 < sizeof H->error; s++) H->error[n++] = *s;
    H->error[n] = '\0';
}

void reply(char c)
{
    while (write(VMEX_X_FD_REPLY, &c, 1) < 0 && errno == EINTR) {}
}

uint64_t read_num_file(const char *path, uint64_t def)
{
    char b[64];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return def;
    ssize_t k = read(fd, b, sizeof b - 1);
    close(fd);
    if (k <= 0) return def;
    uint64_t v = 0;
    for (ssize_t i = 0; i < k && b[i] >= '0' && b[i] <= '9'; i++) v = v * 10 + (uint64_t)(b[i] - '0');
    return v;
}

uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* ------------------------------------------------------------ /proc/self/maps */
/* One pass over the maps without the heap: cb(start, end, perms) per line. */
static char mapsbuf[1 << 16];
typedef void (*vma_fn)(void *ctx, uint64_t lo, uint64_t hi, const char *perms);

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int each_vma(vma_fn cb, void *ctx)
{
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t have = 0;
    for (;;) {
        ssize_t k = read(fd, mapsbuf + have, sizeof mapsbuf - have);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) {
            close(fd);
            return -1;
        }
        have += (size_t)k;
        size_t at = 0;
        for (;;) {   /* whole lines only */
            char *nl = memchr(mapsbuf + at, '\n', have - at);
            if (!nl) break;
            const char *p = mapsbuf + at;
            uint64_t lo = 0, hi = 0;
            int d;
            while ((d = hexval(*p)) >= 0) lo = lo * 16 + (uint64_t)d, p++;
            if (*p == '-') p++;
            while ((d = hexval(*p)) >= 0) hi = hi * 16 + (uint64_t)d, p++;
            if (*p == ' ') p++;
            cb(ctx, lo, hi, p);
            at = (size_t)(nl - mapsbuf) + 1;
        }
        memmove(mapsbuf, mapsbuf + at, have - at);
        have -= at;
        if (k == 0) break;
    }
    close(fd);
    return 0;
}


static int slot_covers(uint64_t a)
{
    for (uint32_t i = 0; i < H->nslots; i++)
        if (slots[i].kind == S_MAP && a >= slots[i].addr && a < slots[i].addr + slots[i].size) return 1;
    return 0;
}

static void scan_one(void *ctx, uint64_t lo, uint64_t hi, const char *perms)
{
    scan *s = ctx;
    s->vmas++;
    uint64_t end = base + window;
    if (hi <= base || lo >= end) return;
    if (lo < base) lo = base;
    if (hi > end) hi = end;
    if (lo > s->prev) {
        uint64_t g = lo - s->prev;
        s->free += g;
        s->holes++;
        if (g > s->largest) s->largest = g;
    }
    s->prev = hi;
    s->mapped += hi - lo;
    s->entries++;
    int app = slot_covers(lo);
    if (app) {   /* bytes of live mappings that are still mapped */
        for (uint32_t i = 0; i < H->nslots; i++) {
            const xslot *x = &slots[i];
            if (x->kind != S_MAP) continue;
            uint64_t a = x->addr > lo ? x->addr : lo, b = x->addr + x->size < hi ? x->addr + x->size : hi;
            if (b > a) s->held += b - a;
        }
    }
    if (s->table) {
        if (s->nmaps >= VMEX_X_MAX_MAPS) {
            s->truncated = 1;
            return;
        }
        vmex_xmap *m = (vmex_xmap *)(SHM + VMEX_XMAPS_OFF) + s->nmaps++;
        int r = perms[0] == 'r', w = perms[1] == 'w', x = perms[2] == 'x';
        m->start = lo;
        m->end = hi;
        m->prot = (uint8_t)(w ? VMEX_PROT_RW : x ? VMEX_PROT_RX : r ? VMEX_PROT_R : VMEX_PROT_NONE);
        m->app = (uint8_t)(app || allocator == VMEX_ALLOC_KERNEL);
    }
}

int window_scan(scan *s, int table)
{
    memset(s, 0, sizeof *s);
    s->prev = base;
    s->table = table;
    if (each_vma(scan_one, s)) return -1;
    uint64_t end = base + window;
    if (end > s->prev) {
        uint64_t g = end - s->prev;
        s->free += g;
        s->holes++;
        if (g > s->largest) s->largest = g;
    }
    return 0;
}

/* resident bytes of the window: mincore over its VMAs (a table scan) */
static unsigned char mvec[1 << 16];
static uint64_t resident(void)
{
    scan s;
    if (window_scan(&s, 1)) return 0;
    const vmex_xmap *m = (const vmex_xmap *)(SHM + VMEX_XMAPS_OFF);
    uint64_t total = 0;
    for (uint32_t k = 0; k < s.nmaps; k++)
        for (uint64_t a = m[k].start; a < m[k].end; a += (uint64_t)sizeof mvec * PAGE) {
            uint64_t n = m[k].end - a < sizeof mvec * PAGE ? m[k].end - a : sizeof mvec * PAGE;
            if (mincore((void *)a, n, mvec)) continue;
            for (uint64_t i = 0; i < n / PAGE; i++) total += (mvec[i] & 1) * PAGE;
        }
    return total;
}

/* ------------------------------------------------------------ confinement */
typedef struct gaps { uint64_t prev, stack_lo; uint64_t lo[64], hi[64]; int n, over; } gaps;

static void gap_one(void *ctx, uint64_t lo, uint64_t hi, const char *perms)
{
    gaps *g = ctx;
    const char *name = strchr(perms, '[');
    if (name && !strncmp(name, "[stack]", 7)) g->stack_lo = lo;
    uint64_t e = lo < TOP ? lo : TOP;   /* the gap [prev, lo), below TASK_SIZE */
    if (e > g->prev) {
        if (g->n < 64) {
            g->lo[g->n] = g->prev;
            g->hi[g->n++] = e;
        } else {
            g->over = 1;
        }
    }
    if (hi > g->prev) g->prev = hi;
}

static int fill(uint64_t lo, uint64_t hi)
{
    if (hi <= lo) return 0;
    void *p = mmap((void *)lo, hi - lo, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
                   -1, 0);
    return p == (void *)lo ? 0 : -1;
}

static int confine(void)
{
    volatile char grow[256 << 10];   /* pre-grow the stack */
    for (size_t i = 0; i < sizeof grow; i += PAGE) grow[i] = 0;
    uint64_t floor = read_num_file("/proc/sys/vm/mmap_min_addr", 65536);
    if (floor < PAGE) floor = PAGE;
    for (int pass = 0; pass < 4; pass++) {   /* more than 64 gaps: another pass */
        gaps g;
        memset(&g, 0, sizeof g);
        g.prev = floor;
        if (each_vma(gap_one, &g)) {
            say_error("cannot read /proc/self/maps", "");
            return -1;
        }
        if (TOP > g.prev && g.n < 64) {
            g.lo[g.n] = g.prev;
            g.hi[g.n++] = TOP;
        }
        for (int i = 0; i < g.n; i++) {
            uint64_t lo = g.lo[i], hi = g.hi[i];
            if (g.stack_lo && hi == g.stack_lo) hi = hi - STACK_GAP + PAGE > lo ? hi - STACK_GAP + PAGE : lo;
            if (lo < base + window && hi > base) {   /* keep the window free */
                if (lo < base && fill(lo, base)) goto bad;
                if (hi > base + window && fill(base + window, hi)) goto bad;
            } else if (fill(lo, hi)) {
                goto bad;
            }
        }
        if (!g.over) break;
    }
    void *t = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (t == MAP_FAILED || (uint64_t)t < base || (uint64_t)t >= base + window) {
        say_error("mmap(NULL) does not land in the window: confinement failed", "");
        return -1;
    }
    munmap(t, PAGE);
    scan s;
    if (window_scan(&s, 0) || s.free != window) {
        say_error("the window is not free in this process", "");
        return -1;
    }
    return 0;
bad:
    say_error("cannot fill the address space outside the window: ", strerror(errno));
    return -1;
}

int thp_probe(void)
{
    const size_t two = 2u << 20;
    void *a = mmap(NULL, two, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    void *b = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    void *c = mmap(NULL, two, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    int ok = a != MAP_FAILED && c != MAP_FAILED && (uintptr_t)a % two == 0 && (uintptr_t)c % two == 0;
    if (a != MAP_FAILED) munmap(a, two);
    if (b != MAP_FAILED) munmap(b, PAGE);
    if (c != MAP_FAILED) munmap(c, two);
    return ok;
}

/* ------------------------------------------------------------ ops */
static sigjmp_buf touch_jmp;
static volatile sig_atomic_t touching;
static void on_fault(int sig, siginfo_t *si, void *uc)
{
    if (touching && (sig == SIGSEGV || sig == SIGBUS)) siglongjmp(touch_jmp, 1);
    x_on_crash(sig, si, uc);
    signal(sig, SIG_DFL);
    raise(sig);
}

static int prot_of(int p)
{
    return p == VMEX_PROT_NONE ? PROT_NONE : p == VMEX_PROT_R ? PROT_READ
         : p == VMEX_PROT_RX ? PROT_READ | PROT_EXEC : PROT_READ | PROT_WRITE;
}

uint64_t live_blocks(void)
{
    uint64_t t = 0;
    for (uint32_t i = 0; i < H->nslots; i++)
        if (slots[i].kind == S_BLOCK || slots[i].kind == S_JS) t += slots[i].req;
    return t;
}

void failed_request(vmex_xres *r, int err, uint64_t req)
{
    r->status = VMEX_ST_FAILED;
    r->err = err;
    r->why = err == ENOMEM ? VMEX_WHY_NOSPACE : VMEX_WHY_ERRNO;
    r->req = req;
    scan s;
    if (window_scan(&s, 0) == 0) {
        r->kfree = s.free;
        r->klargest = s.largest;
        r->vmas = s.vmas;
        /* with the kernel as allocator everything in the window is the program's */
        r->live = allocator == VMEX_ALLOC_KERNEL ? s.mapped : s.held + anon_bytes + live_blocks();
    }
}

/* mmap with the op's options: 0 and *out, or an errno (with *why for a
 * refusal that is not the kernel's) and *req */
static int do_map(const vmex_xop *op, uint64_t size, int prot, uint64_t *out, uint64_t *req, int *why)
{
    int fl = (op->flags & VMEX_F_SHARED ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS;
    if (op->flags & VMEX_F_NORESERVE) fl |= MAP_NORESERVE;
    *out = 0;
    *req = size;
    if (op->flags & VMEX_F_FIXED) {   /* never replaces: MAP_FIXED_NOREPLACE */
        if (op->addr % PAGE || op->addr < base || op->addr >= base + window || size > base + window - op->addr) {
            *why = VMEX_WHY_RANGE;
            return EINVAL;
        }
        void *p = mmap((void *)op->addr, size, prot, fl | MAP_FIXED_NOREPLACE, -1, 0);
        if (p == MAP_FAILED) {
            *why = errno == EEXIST ? VMEX_WHY_OCCUPIED : 0;
            return errno;
        }
        *out = (uint64_t)p;
        return 0;
    }
    uint64_t align = (op->flags & VMEX_F_ALIGN) && op->align > PAGE ? op->align : PAGE;
    if (align > PAGE) {   /* over-map and trim */
        uint64_t big = size + align - PAGE;
        *req = big;
        if (big < size) return ENOMEM;
        char *q = mmap(NULL, big, prot, fl, -1, 0);
        if (q == MAP_FAILED) return errno;
        char *a = (char *)(((uint64_t)q + align - 1) & ~(align - 1));
        if (a > q) munmap(q, (size_t)(a - q));
        if (a + size < q + big) munmap(a + size, (size_t)(q + big - (a + size)));
        *out = (uint64_t)a;
        return 0;
    }
    void *hint = op->kind == VMEX_OP_MMAP && (op->flags & VMEX_F_HINT) ? (void *)op->addr : NULL;
    void *p = mmap(hint, size, prot, fl, -1, 0);
    if (p == MAP_FAILED) return errno;
    *out = (uint64_t)p;
    return 0;
}

static int op_range(const vmex_xop *op, const xslot *s, uint64_t *a, uint64_t *n)
{
    uint64_t size = s->kind == S_BLOCK && allocator != VMEX_ALLOC_KERNEL ? s->req : s->size;
    if (!(op->flags & VMEX_F_RANGE)) {
        *a = s->addr;
        *n = size;
        return 0;
    }
    if (op->off >= size || op->len == 0 || op->len > size - op->off) return -1;
    *a = s->addr + op->off;
    *n = op->len;
    return 0;
}

static void touch(uint64_t a, uint64_t n, vmex_xres *r)
{
    uint64_t lo = a & ~(PAGE - 1), hi = (a + n + PAGE - 1) & ~(PAGE - 1);
    r->addr = lo;
    r->size = hi - lo;
    if (sigsetjmp(touch_jmp, 1)) {   /* PROT_NONE, read-only or unmapped */
        touching = 0;
        r->status = VMEX_ST_FAILED;
        r->why = VMEX_WHY_NOTMAPPED;
        return;
    }
    touching = 1;
    for (volatile uint64_t p = lo; p < hi; p += PAGE)   /* only the op's own bytes */
        *(volatile char *)(p < a ? a : p) = 1;
    touching = 0;
}

/* memcpy that survives a source whose pages are gone: 0, or -1 on a fault */
static int guarded_copy(void *dst, const void *src, size_t n)
{
    if (sigsetjmp(touch_jmp, 1)) {
        touching = 0;
        return -1;
    }
    touching = 1;
    memcpy(dst, src, n);
    touching = 0;
    return 0;
}

/* core/ops.def: which ops name an earlier handle (the library is not linked) */
static const uint8_t op_uses[VMEX_OP__COUNT] = {
#define OP_USES(E, name, binds, uses, places) [VMEX_OP_##E] = uses,
    VMEX_OPS(OP_USES)
#undef OP_USES
};

static void run_op(const vmex_xop *op, vmex_xres *r)
{
    xslot *src = op->src >= 0 && (uint32_t)op->src < H->nslots ? &slots[op->src] : NULL;
    xslot got = {0};
    int uses = op->kind < VMEX_OP__COUNT && op_uses[op->kind];
    memset(r, 0, sizeof *r);
    if (uses && (!src || src->kind == S_NONE)) {
        r->status = VMEX_ST_SKIPPED;
        r->why = VMEX_WHY_UNBOUND;
        goto bind;
    }
    switch (op->kind) {
    case VMEX_OP_MMAP:
    case VMEX_OP_VM_ALLOCATE: {
        uint64_t size = (op->size + PAGE - 1) & ~(PAGE - 1), a, req;
        int why = 0;
        r->size = size;
        if (!size || size < op->size) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_ERRNO;
            r->err = EINVAL;
            break;
        }
        int e = do_map(op, size, op->kind == VMEX_OP_MMAP ? prot_of(op->prot) : PROT_READ | PROT_WRITE, &a, &req,
                       &why);
        if (e && why) {
            r->status = VMEX_ST_FAILED;
            r->why = (uint8_t)why;
            r->err = e;
        } else if (e) {
            failed_request(r, e, req);
        } else {
            r->addr = a;
            got = (xslot){S_MAP, a, size, size};
            if (op->dst < 0) anon_bytes += size;
        }
        break;
    }
    case VMEX_OP_MALLOC:
    case VMEX_OP_REALLOC: {
        if (op->kind == VMEX_OP_REALLOC && src->kind != S_BLOCK) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_KIND;
            break;
        }
        uint64_t n = op->size;
        void *p;
        if (allocator == VMEX_ALLOC_KERNEL) {   /* whole pages of their own */
            uint64_t size = ((n ? n : 1) + PAGE - 1) & ~(PAGE - 1);
            p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) {
                failed_request(r, errno, size);
                break;
            }
            if (op->kind == VMEX_OP_REALLOC) {
                /* the block's pages may be gone (a munmap over its range): the
                 * copy faults, the op fails as not mapped, the block stays */
                if (guarded_copy(p, (const void *)src->addr, src->req < n ? src->req : n)) {
                    munmap(p, size);
                    r->status = VMEX_ST_FAILED;
                    r->why = VMEX_WHY_NOTMAPPED;
                    break;
                }
                munmap((void *)src->addr, src->size);
            }
            got = (xslot){S_BLOCK, (uint64_t)p, size, n};
        } else {
            p = op->kind == VMEX_OP_MALLOC ? x_malloc(n) : x_realloc((void *)src->addr, n);
            if (!p) {
                failed_request(r, ENOMEM, n);
                break;
            }
            got = (xslot){S_BLOCK, (uint64_t)p, n, n};
        }
        if (op->kind == VMEX_OP_REALLOC) src->kind = S_NONE;
        r->addr = got.addr;
#if defined(VMEX_EXEC_JEMALLOC)
        r->addr &= ~(PAGE - 1);   /* linux-real.md: cache-oblivious random sub-page offsets; pages are stable */
#endif
        r->size = got.size;
        break;
    }
    case VMEX_OP_FREE:
        if (src->kind != S_BLOCK) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_KIND;
            break;
        }
        r->addr = src->addr;
        r->size = src->size;
        if (allocator == VMEX_ALLOC_KERNEL) munmap((void *)src->addr, src->size);
        else x_free((void *)src->addr);
        src->kind = S_NONE;
        break;
    case VMEX_OP_MUNMAP: {
        uint64_t a, n;
        if (src->kind != S_MAP) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_KIND;
        } else if (op_range(op, src, &a, &n) || a % PAGE) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_BADRANGE;
        } else {
            n = (n + PAGE - 1) & ~(PAGE - 1);
            if (munmap((void *)a, n)) {
                r->status = VMEX_ST_FAILED;
                r->why = VMEX_WHY_ERRNO;
                r->err = errno;
                break;
            }
            r->addr = a;
            r->size = n;
            if (!(op->flags & VMEX_F_RANGE)) src->kind = S_NONE;
        }
        break;
    }
    case VMEX_OP_TOUCH: {
        uint64_t a, n;
        if (op_range(op, src, &a, &n)) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_BADRANGE;
        } else {
            touch(a, n, r);
        }
        break;
    }
    case VMEX_OP_CHECK: {
        scan s;
        window_scan(&s, 0);
        uint64_t v = op->metric == VMEX_M_FREE ? s.free : op->metric == VMEX_M_LARGEST ? s.largest
                   : op->metric == VMEX_M_MAPPED ? s.mapped : resident();
        r->value = v;
        if (op->cmp == VMEX_CMP_GE ? v < op->size : v > op->size) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_CHECK;
        }
        break;
    }
    default:
        x_extra_op(op, r, src, &got);
    }
bind:
    if (op->dst >= 0 && (uint32_t)op->dst < H->nslots) slots[op->dst] = r->status == VMEX_ST_OK ? got : (xslot){0};
}

/* Run the program from the pristine window and leave the end state in H. */
static void run_program(void)
{
    const vmex_xop *ops = (const vmex_xop *)(SHM + VMEX_XOPS_OFF);
    vmex_xres *res = (vmex_xres *)(SHM + VMEX_XRES_OFF);
    uint32_t n = H->nops < VMEX_X_MAX_OPS ? H->nops : VMEX_X_MAX_OPS;
    if (H->nslots > VMEX_X_MAX_SLOTS) H->nslots = VMEX_X_MAX_SLOTS;
    memset(slots, 0, H->nslots * sizeof *slots);
    anon_bytes = 0;
    uint64_t t0 = now_ns();
    for (uint32_t i = 0; i < n; i++) {
        H->progress = i;
        run_op(&ops[i], &res[i]);
    }
    H->progress = n;
    H->run_ns = now_ns() - t0;
    H->st_footprint = resident();
    scan s;
    window_scan(&s, 1);
    H->st_free = s.free;
    H->st_largest = s.largest;
    H->st_mapped = s.mapped;
    H->st_entries = s.entries;
    H->st_holes = s.holes;
    H->nmaps = s.nmaps;
    H->maps_truncated = s.truncated;
}


void x_serve(int fork_mode)
{
    H->base = base;
    H->window = window;
    H->pid = (uint32_t)getpid();
    H->fork_mode = (uint32_t)fork_mode;
    reply('R');
    for (;;) {
        char c;
        ssize_t k = read(VMEX_X_FD_CMD, &c, 1);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) _exit(0);   /* the front end is gone */
        if (c != 'X') _exit(3);
        H->signal = 0;
        if (!H->fork_mode) {
            run_program();
            munmap((void *)base, window);   /* whatever the run left */
            reply('D');
            continue;
        }
        pid_t pid = fork();
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            x_child_begin();
            run_program();
            _exit(0);
        }
        int st = 0;
        if (pid > 0)
            while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
        if (pid < 0) H->signal = SIGKILL;
        else if (WIFSIGNALED(st)) H->signal = (uint32_t)WTERMSIG(st);
        reply('D');
    }
}


/* ------------------------------------------------------------ start-up */
int x_attach(uint64_t size)
{
    SHM = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, VMEX_X_FD_SHM, 0);
    if (SHM == MAP_FAILED) return -1;
    H = (vmex_xhdr *)SHM;
    return H->magic == VMEX_X_MAGIC && H->version == VMEX_X_VERSION ? 0 : -1;
}

void x_signals(const int *more, int nmore)
{
    static char altstack[64 << 10];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_ONSTACK | SA_NODEFER | SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    for (int i = 0; i < nmore; i++) sigaction(more[i], &sa, NULL);
}

int x_confine_window(void)
{
    /* the bounds `set window` has (core/config.c): 16t fits, as the README says */
    if (window < (2u << 20) || window % (2u << 20) || window > VMEX_LINUX_WINDOW_MAX || base + window > TOP) {
        say_error("bad window size", "");
        reply('E');
        return -1;
    }
    if (confine()) {
        reply('E');
        return -1;
    }
    return 0;
}
