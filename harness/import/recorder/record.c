/*
 * record.c - libvmex-record.so, an LD_PRELOAD library that records the
 * memory calls of any Linux program into a vmex trace, which
 * `vmex import` turns into a .vmex program:
 *
 *   LD_PRELOAD=/path/to/libvmex-record.so VMEX_TRACE=app.trace ./app
 *   vmex import app.trace -o app.vmex
 *
 * What is recorded: malloc, calloc, realloc, free, posix_memalign,
 * aligned_alloc, memalign, valloc, pvalloc, mmap (mmap64), munmap and
 * mremap, as the program calls them (C++ new/delete reach malloc/free).
 * Sizes, flags and the order of calls are kept; addresses become handles,
 * numbers given out in order from 1 and never reused.
 *
 * What is not recorded, on purpose:
 *   - calls the recorder makes itself, and calls made from inside an
 *     intercepted call (a thread-local guard): the mmaps that malloc makes
 *     for its own arenas and large chunks never show, because the malloc
 *     model places those itself; the program's own mmaps (Python's arenas,
 *     a JIT's code heap) always do.  glibc's malloc calls the kernel
 *     directly anyway;
 *   - the dynamic loader's mappings of the program's libraries and thread
 *     stacks (made inside libc/ld.so, not through the PLT): on iOS those
 *     live in the shared region and are part of the pristine layout;
 *   - mprotect, madvise, brk (malloc's heap: the model places malloc
 *     memory itself); page writes (a trace has no footprint);
 *   - free/realloc of pointers the recorder never saw (allocated before it
 *     started, or untracked): free is left out, realloc is recorded as a
 *     malloc of the new block; munmap of memory no recorded mmap covers is
 *     left out.  Both are counted in the end line.
 *
 * ---- The trace format (version 1) --------------------------------------
 * Text, one call per line, fields separated by one space, numbers in
 * decimal.  The first line is the header:
 *
 *   vmex-trace 1 pid PID page PAGESIZE prog NAME
 *
 * (NAME: the base name of argv[0], bytes outside '!'..'~' as '?'; readers
 * skip KEY VALUE pairs they do not know).  Lines
 * starting with '#' are comments: "# cmd ARGV..." (the command line),
 * "# parent PID" (a forked or exec'd child), and at exit
 * "# end calls N unknown-free N unknown-munmap N untracked N".
 * Then, in call order (one lock orders all threads):
 *
 *   M H SIZE                   H = malloc(SIZE)         (also realloc(NULL, SIZE))
 *   c H NMEMB SIZE             H = calloc(NMEMB, SIZE)
 *   a H ALIGN SIZE             H = posix_memalign/aligned_alloc/memalign
 *                              (valloc, pvalloc: ALIGN is the page size)
 *   r OLD NEW SIZE             NEW = realloc(OLD, SIZE); OLD 0: an unknown
 *                              pointer; NEW 0: the call failed, OLD stays
 *   f H                        free(H)                  (also realloc(H, 0))
 *   m H LEN PROT FLAGS         H = mmap(NULL, LEN, PROT, FLAGS, ...)
 *   x H OFF LEN PROT FLAGS     mmap MAP_FIXED inside mapping H at offset
 *                              OFF: replaced in place, no new handle
 *   u H OFF LEN                munmap of [OFF, OFF+LEN) of mapping H (one
 *                              line per recorded mapping the range hits)
 *   R OLD OFF OLDLEN NEW NEWLEN MFLAGS
 *                              NEW = mremap(OLD+OFF, OLDLEN, NEWLEN, ...);
 *                              OLD 0: not (within) one recorded mapping
 *                              (the pieces it covered come first as u
 *                              lines); NEW 0: the call failed
 *
 * H = 0 in M, c, a, m: the call failed (it returned NULL / MAP_FAILED).
 * PROT is three characters, "rwx" with '-' for a missing right.  FLAGS is
 * a set of letters: p private, s shared, a anonymous (no a: file-backed),
 * f MAP_FIXED, F MAP_FIXED_NOREPLACE, n noreserve, P populate,
 * g growsdown, S stack, h hugetlb, l locked.  MFLAGS: m maymove, f fixed,
 * d dontunmap, or "-".  Offsets and lengths of u/x/R lines are in bytes,
 * page-granular as the kernel applies them.  A u line may cover only part
 * of a mapping; the recorder tracks the live pieces of every mapping, so
 * no byte is unmapped twice.
 *
 * ---- Files, processes, threads ------------------------------------------
 * VMEX_TRACE names the file (default "vmex-trace.%p"); "%p" becomes the
 * pid.  The first process writes to that name; every other process (a
 * forked child, or a program it exec'd: the recorder sets
 * VMEX_TRACE_PARENT in the environment to tell them apart) writes to
 * NAME.PID, starting with "# parent PID" and with an empty handle table
 * (blocks inherited from the parent are unknown to it; a forked child that
 * execs leaves the new program's trace under the same name).  If the file cannot
 * be opened, a warning goes to stderr once and nothing is recorded.
 *
 * ---- Bounded memory ----------------------------------------------------
 * The recorder never calls malloc.  Lines go to a 64 KiB buffer written out
 * with write(2) when full and at exit (a process killed, or leaving by
 * _exit or exec, loses the unwritten tail and the end line).  The
 * address -> handle tables grow by doubling with mmap (and never shrink):
 * an open-addressing table of 16-byte slots at most half full, so 64 bytes
 * per live block at the peak at most, and 32 bytes per live mapping piece.
 * Limits: 8,388,608 live malloc blocks (a 256 MiB table) and 1,048,576
 * mapping pieces (32 MiB); calls beyond them are left out of the trace and
 * counted as "untracked".
 * A 64 KiB static bump buffer serves the calloc/malloc calls that dlsym
 * makes while the recorder looks up the real functions.  The trace file's
 * descriptor is moved to 100 or above, close-on-exec, and checked (fstat)
 * before each write: if the program closed it, recording stops rather
 * than writing into whatever file got the number.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

#define REC_BUF_SIZE   (64u << 10)    /* the line buffer */
#define REC_LINE_MAX   192            /* longer than any line */
#define REC_BOOT_SIZE  (64u << 10)    /* dlsym's allocations */
#define REC_BLOCKS_BITS 16            /* initial block table: 65536 slots */
#define REC_BLOCKS_MAX (1u << 24)     /* slots; live blocks <= half of it */
#define REC_PIECES_MIN 4096u
#define REC_PIECES_MAX (1u << 20)
#define REC_FD_MIN     100            /* out of the way of the program's fds */

enum { REC_INIT = 0, REC_RESOLVING, REC_READY, REC_OFF };

typedef struct rec_block {
    uintptr_t addr;      /* 0: an empty slot */
    uint64_t h;
} rec_block;

/* A live piece of a recorded mapping: [lo, hi), of handle h, whose range
 * started at base (offsets in u/x/R lines are from base). */
typedef struct rec_piece {
    uintptr_t lo, hi, base;
    uint64_t h;
} rec_piece;

typedef struct rec_real {
    void *(*malloc)(size_t);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void (*free)(void *);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*aligned_alloc)(size_t, size_t);
    void *(*memalign)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
    void *(*mmap)(void *, size_t, int, int, int, off_t);
    int (*munmap)(void *, size_t);
    void *(*mremap)(void *, size_t, size_t, int, ...);
} rec_real;

/* All of the recorder's process-wide state. */
static struct rec_state {
    int state;                    /* REC_*, read and written atomically */
    pthread_mutex_t lock;         /* everything below */
    rec_real real;
    int fd;                       /* the trace file, moved to >= REC_FD_MIN */
    dev_t dev;                    /* ... and what it is: a program that closes */
    ino_t ino;                    /* all its fds must not get our lines */
    int exiting;                  /* after the destructor: write every line */
    int child;                    /* not the first process */
    int env_set;
    long pid;
    uintptr_t page;
    uint64_t next;                /* the last handle given out */
    rec_block *blocks;
    size_t bcap, bcount;
    unsigned bbits;
    rec_piece *pieces;
    size_t pcap, pcount;
    uint64_t calls, unknown_free, unknown_munmap, untracked;
    char path[4096];
    char env[64];                 /* "VMEX_TRACE_PARENT=PID" for putenv */
    size_t len;
    char buf[REC_BUF_SIZE];
    size_t boot_used;
    _Alignas(16) unsigned char boot[REC_BOOT_SIZE];
} R = {.lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1};

/* Set while a thread is inside an intercepted call or the recorder: nested
 * calls go straight to the real functions.  initial-exec: no allocation on
 * first access.  volatile: the compiler must not drop the stores around
 * calls into libc, which may call back into the hooks. */
static __thread volatile int rec_busy __attribute__((tls_model("initial-exec")));

/* ------------------------------------------------------------ raw memory */
static void *raw_map(size_t n)
{
    long r = syscall(SYS_mmap, NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return r == -1 ? NULL : (void *)r;
}

static void raw_unmap(void *p, size_t n)
{
    if (p)
        syscall(SYS_munmap, p, n);
}

static void raw_say(const char *s)
{
    ssize_t r = write(2, s, strlen(s));
    (void)r;
}

/* ------------------------------------------------------------ output */
static void rec_flush(void)
{
    size_t off = 0;
    struct stat st;
    if (R.len && R.fd >= 0 && (fstat(R.fd, &st) != 0 || st.st_dev != R.dev || st.st_ino != R.ino))
        R.fd = -1;   /* the program closed it (and maybe reused the number): stop */
    while (off < R.len && R.fd >= 0) {
        ssize_t w = write(R.fd, R.buf + off, R.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;   /* disk full or closed: the rest is lost, the program goes on */
        off += (size_t)w;
    }
    R.len = 0;
}

static void rec_put(const char *s, size_t n)
{
    if (R.fd < 0)
        return;
    if (R.len + n > sizeof R.buf)
        rec_flush();
    memcpy(R.buf + R.len, s, n);
    R.len += n;
    if (R.exiting)
        rec_flush();
}

static char *put_u(char *p, uint64_t v)
{
    char t[24];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = t[--n];
    return p;
}

static char *put_s(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

/* "K n1 n2 ..." with a newline: cnt numbers */
static void emit(char kind, int cnt, ...)
{
    char line[REC_LINE_MAX], *p = line;
    va_list ap;
    *p++ = kind;
    va_start(ap, cnt);
    for (int i = 0; i < cnt; i++) {
        *p++ = ' ';
        p = put_u(p, va_arg(ap, uint64_t));
    }
    va_end(ap);
    *p++ = '\n';
    rec_put(line, (size_t)(p - line));
    R.calls++;
}

static char *put_prot(char *p, int prot)
{
    *p++ = prot & PROT_READ ? 'r' : '-';
    *p++ = prot & PROT_WRITE ? 'w' : '-';
    *p++ = prot & PROT_EXEC ? 'x' : '-';
    return p;
}

static char *put_mflags(char *p, int f)
{
    static const struct { int bit; char c; } tab[] = {
        {MAP_ANONYMOUS, 'a'}, {MAP_FIXED, 'f'}, {MAP_FIXED_NOREPLACE, 'F'}, {MAP_NORESERVE, 'n'},
        {MAP_POPULATE, 'P'}, {MAP_GROWSDOWN, 'g'}, {MAP_STACK, 'S'}, {MAP_HUGETLB, 'h'}, {MAP_LOCKED, 'l'},
    };
    *p++ = (f & MAP_TYPE) == MAP_PRIVATE ? 'p' : 's';
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (f & tab[i].bit)
            *p++ = tab[i].c;
    return p;
}

/* m H LEN PROT FLAGS, or x H OFF LEN PROT FLAGS when off != NULL */
static void emit_map(char kind, uint64_t h, const uint64_t *off, uint64_t len, int prot, int flags)
{
    char line[REC_LINE_MAX], *p = line;
    *p++ = kind;
    *p++ = ' ';
    p = put_u(p, h);
    if (off) {
        *p++ = ' ';
        p = put_u(p, *off);
    }
    *p++ = ' ';
    p = put_u(p, len);
    *p++ = ' ';
    p = put_prot(p, prot);
    *p++ = ' ';
    p = put_mflags(p, flags);
    *p++ = '\n';
    rec_put(line, (size_t)(p - line));
    R.calls++;
}

static void emit_mremap(uint64_t old, uint64_t off, uint64_t oldlen, uint64_t h, uint64_t newlen, int flags)
{
    char line[REC_LINE_MAX], *p = line;
    *p++ = 'R';
    uint64_t v[5] = {old, off, oldlen, h, newlen};
    for (int i = 0; i < 5; i++) {
        *p++ = ' ';
        p = put_u(p, v[i]);
    }
    *p++ = ' ';
    if (!(flags & (MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)))
        *p++ = '-';
    if (flags & MREMAP_MAYMOVE)
        *p++ = 'm';
    if (flags & MREMAP_FIXED)
        *p++ = 'f';
    if (flags & MREMAP_DONTUNMAP)
        *p++ = 'd';
    *p++ = '\n';
    rec_put(line, (size_t)(p - line));
    R.calls++;
}

/* ------------------------------------------------------------ blocks */
static size_t bslot(uintptr_t a)
{
    return (size_t)(((uint64_t)a * 0x9E3779B97F4A7C15ull) >> (64 - R.bbits));
}

static int blocks_alloc(unsigned bits)
{
    size_t cap = (size_t)1 << bits;
    rec_block *nb = raw_map(cap * sizeof *nb);
    if (!nb)
        return -1;
    rec_block *old = R.blocks;
    size_t ocap = R.bcap;
    R.blocks = nb;
    R.bcap = cap;
    R.bbits = bits;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].addr) {
            size_t j = bslot(old[i].addr);
            while (nb[j].addr)
                j = (j + 1) & (cap - 1);
            nb[j] = old[i];
        }
    raw_unmap(old, ocap * sizeof *old);
    return 0;
}

/* A new handle for block p, or 0 when the table is full (untracked). */
static uint64_t block_add(void *p)
{
    uintptr_t a = (uintptr_t)p;
    if ((R.bcount + 1) * 2 > R.bcap &&
        (R.bcap >= REC_BLOCKS_MAX || blocks_alloc(R.bbits + 1) != 0)) {
        R.untracked++;
        return 0;
    }
    size_t j = bslot(a);
    while (R.blocks[j].addr && R.blocks[j].addr != a)
        j = (j + 1) & (R.bcap - 1);
    if (!R.blocks[j].addr)
        R.bcount++;
    R.blocks[j].addr = a;   /* a stale entry for a (freed behind our back) is replaced */
    R.blocks[j].h = ++R.next;
    return R.next;
}

/* The handle of block p, or 0 when unknown. */
static uint64_t block_find(void *p)
{
    uintptr_t a = (uintptr_t)p;
    if (!R.bcap)
        return 0;
    size_t j = bslot(a);
    while (R.blocks[j].addr && R.blocks[j].addr != a)
        j = (j + 1) & (R.bcap - 1);
    return R.blocks[j].addr ? R.blocks[j].h : 0;
}

/* Remove block p; its handle, or 0 when unknown. */
static uint64_t block_take(void *p)
{
    uintptr_t a = (uintptr_t)p;
    if (!R.bcap)
        return 0;
    size_t mask = R.bcap - 1, j = bslot(a);
    while (R.blocks[j].addr && R.blocks[j].addr != a)
        j = (j + 1) & mask;
    if (!R.blocks[j].addr)
        return 0;
    uint64_t h = R.blocks[j].h;
    /* backward-shift deletion: no tombstones */
    size_t i = j;
    for (;;) {
        R.blocks[i].addr = 0;
        size_t k = i;
        for (;;) {
            k = (k + 1) & mask;
            if (!R.blocks[k].addr)
                goto done;
            size_t home = bslot(R.blocks[k].addr);
            /* move k to i unless its home lies cyclically in (i, k] */
            if (i <= k ? (home <= i || home > k) : (home <= i && home > k))
                break;
        }
        R.blocks[i] = R.blocks[k];
        i = k;
    }
done:
    R.bcount--;
    return h;
}

/* ------------------------------------------------------------ pieces */
/* index of the first piece with hi > a */
static size_t piece_first(uintptr_t a)
{
    size_t lo = 0, hi = R.pcount;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (R.pieces[mid].hi <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int pieces_room(void)
{
    if (R.pcount < R.pcap)
        return 0;
    size_t cap = R.pcap ? R.pcap * 2 : REC_PIECES_MIN;
    if (cap > REC_PIECES_MAX)
        return -1;
    rec_piece *np = raw_map(cap * sizeof *np);
    if (!np)
        return -1;
    if (R.pcount)
        memcpy(np, R.pieces, R.pcount * sizeof *np);
    raw_unmap(R.pieces, R.pcap * sizeof *np);
    R.pieces = np;
    R.pcap = cap;
    return 0;
}

static int piece_insert(size_t at, rec_piece pc)
{
    if (pieces_room())
        return -1;
    memmove(&R.pieces[at + 1], &R.pieces[at], (R.pcount - at) * sizeof pc);
    R.pieces[at] = pc;
    R.pcount++;
    return 0;
}

/* Forget [lo, hi) of every piece; with emit, one u line per piece hit.
 * Returns the number of pieces hit. */
static size_t unmap_range(uintptr_t lo, uintptr_t hi, int with_lines)
{
    size_t i = piece_first(lo), hits = 0;
    while (i < R.pcount && R.pieces[i].lo < hi) {
        rec_piece *pc = &R.pieces[i];
        uintptr_t a = pc->lo > lo ? pc->lo : lo, b = pc->hi < hi ? pc->hi : hi;
        if (with_lines)
            emit('u', 3, (uint64_t)pc->h, (uint64_t)(a - pc->base), (uint64_t)(b - a));
        hits++;
        if (a == pc->lo && b == pc->hi) {            /* all of it */
            memmove(pc, pc + 1, (R.pcount - i - 1) * sizeof *pc);
            R.pcount--;
            continue;
        }
        if (a == pc->lo) {                            /* the head */
            pc->lo = b;
        } else if (b == pc->hi) {                     /* the tail */
            pc->hi = a;
        } else {                                      /* the middle: split */
            rec_piece tail = *pc;
            tail.lo = b;
            pc->hi = a;
            if (piece_insert(i + 1, tail) != 0)
                R.untracked++;                        /* the tail is forgotten */
        }
        i++;
    }
    return hits;
}

/* When [lo, hi) lies within live pieces of one handle, without gaps:
 * that handle and its base. */
static int covered_by_one(uintptr_t lo, uintptr_t hi, uint64_t *h, uintptr_t *base)
{
    size_t i = piece_first(lo);
    if (i >= R.pcount || R.pieces[i].lo > lo)
        return 0;
    *h = R.pieces[i].h;
    *base = R.pieces[i].base;
    uintptr_t at = R.pieces[i].hi;
    while (at < hi) {
        if (++i >= R.pcount || R.pieces[i].lo != at || R.pieces[i].h != *h)
            return 0;
        at = R.pieces[i].hi;
    }
    return 1;
}

static uintptr_t page_up(size_t n)
{
    return ((uintptr_t)n + R.page - 1) & ~(R.page - 1);
}

/* A new mapping [p, p+len) (the kernel has made it); under the lock. */
static void record_map(void *p, size_t len, int prot, int flags)
{
    uintptr_t lo = (uintptr_t)p, hi = lo + page_up(len);
    if (flags & MAP_FIXED) {
        uint64_t h;
        uintptr_t base;
        if (covered_by_one(lo, hi, &h, &base)) {
            uint64_t off = lo - base;
            emit_map('x', h, &off, len, prot, flags);
            return;
        }
    }
    /* MAP_FIXED replaced what was there; otherwise an overlap is stale (it
     * was unmapped behind the recorder's back): u lines either way */
    unmap_range(lo, hi, 1);
    if (pieces_room() != 0) {
        R.untracked++;
        return;
    }
    uint64_t h = ++R.next;
    piece_insert(piece_first(lo), (rec_piece){lo, hi, lo, h});
    emit_map('m', h, NULL, len, prot, flags);
}

/* ------------------------------------------------------------ setup */
static void die(const char *msg)
{
    raw_say("vmex-record: ");
    raw_say(msg);
    raw_say("\n");
    abort();
}

/* the base name of argv[0] and the command line, from /proc */
static void read_cmdline(char *name, size_t nn, char *cmd, size_t cn)
{
    char raw[1024];
    ssize_t n = -1;
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        n = read(fd, raw, sizeof raw - 1);
        close(fd);
    }
    if (n <= 0) {
        strcpy(name, "?");
        cmd[0] = '\0';
        return;
    }
    raw[n] = '\0';
    const char *a0 = raw, *slash = strrchr(raw, '/');
    if (slash && slash[1])
        a0 = slash + 1;
    size_t k = 0;
    for (; a0[k] && k + 1 < nn; k++)
        name[k] = a0[k] > ' ' && a0[k] <= '~' ? a0[k] : '?';
    name[k] = '\0';
    if (!k)
        strcpy(name, "?");
    size_t j = 0;
    for (ssize_t i = 0; i < n && j + 1 < cn; i++)
        cmd[j++] = raw[i] == '\0' ? ' ' : (unsigned char)raw[i] >= ' ' && raw[i] != 0x7f ? raw[i] : '?';
    while (j && cmd[j - 1] == ' ')
        j--;
    cmd[j] = '\0';
}

/* Open the trace file of this process and write the header; under the
 * lock.  On failure recording is off. */
static void open_trace(long parent)
{
    const char *v = getenv("VMEX_TRACE");
    const char *pat = v && *v ? v : "vmex-trace.%p";
    char pid[24], *e = put_u(pid, (uint64_t)R.pid);
    *e = '\0';
    size_t n = 0;
    int has_p = 0;
    for (const char *s = pat; *s && n + 24 < sizeof R.path; s++) {
        if (s[0] == '%' && s[1] == 'p') {
            n = (size_t)(put_s(R.path + n, pid) - R.path);
            has_p = 1;
            s++;
        } else {
            R.path[n++] = *s;
        }
    }
    if (!has_p && R.child) {
        R.path[n++] = '.';
        n = (size_t)(put_s(R.path + n, pid) - R.path);
    }
    R.path[n] = '\0';
    R.fd = open(R.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (R.fd >= 0 && R.fd < REC_FD_MIN) {
        int high = fcntl(R.fd, F_DUPFD_CLOEXEC, REC_FD_MIN);
        if (high >= 0) {
            close(R.fd);
            R.fd = high;
        }
    }
    struct stat st;
    if (R.fd >= 0 && fstat(R.fd, &st) == 0) {
        R.dev = st.st_dev;
        R.ino = st.st_ino;
    }
    if (R.fd < 0) {
        raw_say("vmex-record: cannot open the trace file '");
        raw_say(R.path);
        raw_say("': ");
        raw_say(strerror(errno));
        raw_say("; not recording\n");
        __atomic_store_n(&R.state, REC_OFF, __ATOMIC_RELEASE);
        return;
    }
    char name[128], cmd[600], line[900], *p = line;
    read_cmdline(name, sizeof name, cmd, sizeof cmd);
    p = put_s(p, "vmex-trace 1 pid ");
    p = put_u(p, (uint64_t)R.pid);
    p = put_s(p, " page ");
    p = put_u(p, (uint64_t)R.page);
    p = put_s(p, " prog ");
    p = put_s(p, name);
    p = put_s(p, "\n# cmd ");
    p = put_s(p, cmd);
    *p++ = '\n';
    if (parent > 0) {
        p = put_s(p, "# parent ");
        p = put_u(p, (uint64_t)parent);
        *p++ = '\n';
    }
    rec_put(line, (size_t)(p - line));
}

static void reset_tables(void)
{
    if (R.blocks)
        memset(R.blocks, 0, R.bcap * sizeof *R.blocks);
    R.bcount = 0;
    R.pcount = 0;
    R.next = 0;
    R.calls = R.unknown_free = R.unknown_munmap = R.untracked = 0;
}

static void on_fork_prepare(void)
{
    pthread_mutex_lock(&R.lock);
    rec_flush();
}

static void on_fork_parent(void)
{
    pthread_mutex_unlock(&R.lock);
}

static void on_fork_child(void)
{
    int was = rec_busy;
    rec_busy = 1;   /* libc calls below (strerror) must not record */
    long parent = R.pid;
    if (R.fd >= 0)
        close(R.fd);
    R.fd = -1;
    R.len = 0;
    R.pid = (long)syscall(SYS_getpid);
    R.child = 1;
    reset_tables();
    if (__atomic_load_n(&R.state, __ATOMIC_ACQUIRE) == REC_READY)
        open_trace(parent);
    pthread_mutex_unlock(&R.lock);
    rec_busy = was;
}

#define RESOLVE(f)                                                  \
    do {                                                            \
        *(void **)&R.real.f = dlsym(RTLD_NEXT, #f);                 \
    } while (0)

static void rec_init(void)
{
    int was = rec_busy;
    rec_busy = 1;
    pthread_mutex_lock(&R.lock);
    if (__atomic_load_n(&R.state, __ATOMIC_ACQUIRE) == REC_INIT) {
        __atomic_store_n(&R.state, REC_RESOLVING, __ATOMIC_RELEASE);
        RESOLVE(malloc);
        RESOLVE(calloc);
        RESOLVE(realloc);
        RESOLVE(free);
        RESOLVE(posix_memalign);
        RESOLVE(aligned_alloc);
        RESOLVE(memalign);
        RESOLVE(valloc);
        RESOLVE(pvalloc);
        RESOLVE(mmap);
        RESOLVE(munmap);
        RESOLVE(mremap);
        if (!R.real.malloc || !R.real.calloc || !R.real.realloc || !R.real.free || !R.real.mmap ||
            !R.real.munmap)
            die("cannot find the real malloc/free/mmap/munmap (dlsym RTLD_NEXT)");
        R.page = (uintptr_t)sysconf(_SC_PAGESIZE);
        if (!R.page || (R.page & (R.page - 1)))
            R.page = 4096;
        R.pid = (long)syscall(SYS_getpid);
        const char *par = getenv("VMEX_TRACE_PARENT");
        long parent = 0;
        if (par && *par) {
            R.child = 1;   /* a program exec'd by a recorded process */
            parent = (long)getppid();
        }
        if (blocks_alloc(REC_BLOCKS_BITS) != 0 || pieces_room() != 0)
            die("cannot map its tables");
        __atomic_store_n(&R.state, REC_READY, __ATOMIC_RELEASE);
        open_trace(parent);
        pthread_atfork(on_fork_prepare, on_fork_parent, on_fork_child);
    }
    pthread_mutex_unlock(&R.lock);
    rec_busy = was;
}

/* Tell programs this process execs that they are not the first. */
__attribute__((constructor)) static void rec_constructor(void)
{
    if (__atomic_load_n(&R.state, __ATOMIC_ACQUIRE) == REC_INIT)
        rec_init();
    if (!R.child && !R.env_set) {
        char *p = put_s(R.env, "VMEX_TRACE_PARENT=");
        *put_u(p, (uint64_t)R.pid) = '\0';
        R.env_set = 1;
        int was = rec_busy;
        rec_busy = 1;
        putenv(R.env);
        rec_busy = was;
    }
}

__attribute__((destructor)) static void rec_destructor(void)
{
    if (__atomic_load_n(&R.state, __ATOMIC_ACQUIRE) != REC_READY)
        return;
    int was = rec_busy;
    rec_busy = 1;
    pthread_mutex_lock(&R.lock);
    char line[REC_LINE_MAX], *p = line;
    p = put_s(p, "# end calls ");
    p = put_u(p, R.calls);
    p = put_s(p, " unknown-free ");
    p = put_u(p, R.unknown_free);
    p = put_s(p, " unknown-munmap ");
    p = put_u(p, R.unknown_munmap);
    p = put_s(p, " untracked ");
    p = put_u(p, R.untracked);
    *p++ = '\n';
    rec_put(line, (size_t)(p - line));
    rec_flush();
    R.exiting = 1;   /* calls made by later destructors still get written */
    pthread_mutex_unlock(&R.lock);
    rec_busy = was;
}

/* ------------------------------------------------------------ bootstrap */
static void *boot_alloc(size_t n, size_t align)
{
    if (align < 16)
        align = 16;
    size_t used = __atomic_load_n(&R.boot_used, __ATOMIC_RELAXED), off, end;
    do {
        off = (used + 16 + align - 1) & ~(align - 1);
        end = off + n;
        if (end > sizeof R.boot || end < off)
            return NULL;
    } while (!__atomic_compare_exchange_n(&R.boot_used, &used, end, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    memcpy(R.boot + off - sizeof(size_t), &n, sizeof n);   /* its size, for realloc */
    return R.boot + off;
}

static int is_boot(const void *p)
{
    return (const unsigned char *)p >= R.boot && (const unsigned char *)p < R.boot + sizeof R.boot;
}

/* Returns the state after making sure the recorder is set up (REC_RESOLVING
 * only inside the setup itself). */
static inline int rec_state(void)
{
    int st = __atomic_load_n(&R.state, __ATOMIC_ACQUIRE);
    if (__builtin_expect(st == REC_INIT, 0)) {
        rec_init();
        st = __atomic_load_n(&R.state, __ATOMIC_ACQUIRE);
    }
    return st;
}

/* ------------------------------------------------------------ malloc */
EXPORT void *malloc(size_t n)
{
    int st = rec_state();
    if (st == REC_RESOLVING)
        return boot_alloc(n, 16);
    if (rec_busy || st != REC_READY)
        return R.real.malloc(n);
    rec_busy = 1;
    void *p = R.real.malloc(n);
    int err = errno;
    pthread_mutex_lock(&R.lock);
    uint64_t h = p ? block_add(p) : 0;
    if (!p || h)
        emit('M', 2, h, (uint64_t)n);
    pthread_mutex_unlock(&R.lock);
    rec_busy = 0;
    errno = err;
    return p;
}

EXPORT void *calloc(size_t k, size_t n)
{
    int st = rec_state();
    if (st == REC_RESOLVING)
        return n && k > (size_t)-1 / n ? NULL : boot_alloc(k * n, 16);   /* the static buffer is zeroed */
    if (rec_busy || st != REC_READY)
        return R.real.calloc(k, n);
    rec_busy = 1;
    void *p = R.real.calloc(k, n);
    int err = errno;
    pthread_mutex_lock(&R.lock);
    uint64_t h = p ? block_add(p) : 0;
    if (!p || h)
        emit('c', 3, h, (uint64_t)k, (uint64_t)n);
    pthread_mutex_unlock(&R.lock);
    rec_busy = 0;
    errno = err;
    return p;
}

EXPORT void free(void *p)
{
    if (!p || is_boot(p))
        return;
    int st = rec_state();
    if (st == REC_RESOLVING)
        return;   /* cannot happen in practice: leaked */
    if (rec_busy || st != REC_READY) {
        R.real.free(p);
        return;
    }
    rec_busy = 1;
    int err = errno;   /* free leaves errno alone; a flush must not change it */
    pthread_mutex_lock(&R.lock);
    /* recorded before the memory goes back: another thread that gets the
     * same address from malloc records after this line */
    uint64_t h = block_take(p);
    if (h)
        emit('f', 1, h);
    else
        R.unknown_free++;
    pthread_mutex_unlock(&R.lock);
    R.real.free(p);
    rec_busy = 0;
    errno = err;
}

EXPORT void *realloc(void *p, size_t n)
{
    if (p && is_boot(p)) {
        size_t old;
        memcpy(&old, (unsigned char *)p - sizeof(size_t), sizeof old);
        void *q = malloc(n);
        if (q)
            memcpy(q, p, old < n ? old : n);
        return q;
    }
    int st = rec_state();
    if (st == REC_RESOLVING)
        return p ? NULL : boot_alloc(n, 16);
    if (rec_busy || st != REC_READY)
        return R.real.realloc(p, n);
    rec_busy = 1;
    /* the lock is held across the call: the old block must not be handed
     * out to another thread before its line is written */
    pthread_mutex_lock(&R.lock);
    void *q = R.real.realloc(p, n);
    int err = errno;
    if (!p) {
        uint64_t h = q ? block_add(q) : 0;
        if (!q || h)
            emit('M', 2, h, (uint64_t)n);
    } else if (!q && n == 0) {           /* glibc: realloc(p, 0) frees p */
        uint64_t h = block_take(p);
        if (h)
            emit('f', 1, h);
        else
            R.unknown_free++;
    } else if (!q) {                     /* failed: p stays */
        uint64_t h = block_find(p);
        if (h)
            emit('r', 3, h, (uint64_t)0, (uint64_t)n);
    } else {
        uint64_t old = block_take(p), h = block_add(q);
        if (!old)
            R.unknown_free++;
        if (h && old)
            emit('r', 3, old, h, (uint64_t)n);
        else if (h)
            emit('M', 2, h, (uint64_t)n);
        else if (old)
            emit('f', 1, old);           /* the new block is untracked */
    }
    pthread_mutex_unlock(&R.lock);
    rec_busy = 0;
    errno = err;
    return q;
}

/* the aligned family: one line kind */
static void record_aligned(void *p, size_t align, size_t n)
{
    pthread_mutex_lock(&R.lock);
    uint64_t h = p ? block_add(p) : 0;
    if (!p || h)
        emit('a', 3, h, (uint64_t)align, (uint64_t)n);
    pthread_mutex_unlock(&R.lock);
}

EXPORT int posix_memalign(void **pp, size_t align, size_t n)
{
    int st = rec_state();
    if (st == REC_RESOLVING) {
        *pp = boot_alloc(n, align);
        return *pp ? 0 : ENOMEM;
    }
    if (rec_busy || st != REC_READY || !R.real.posix_memalign)
        return R.real.posix_memalign ? R.real.posix_memalign(pp, align, n) : ENOSYS;
    rec_busy = 1;
    int rc = R.real.posix_memalign(pp, align, n);
    int err = errno;
    record_aligned(rc == 0 ? *pp : NULL, align, n);
    rec_busy = 0;
    errno = err;
    return rc;
}

#define ALIGNED_HOOK(fn, params, args, align_expr, size_expr)                 \
    EXPORT void *fn params                                                    \
    {                                                                         \
        int st = rec_state();                                                 \
        if (st == REC_RESOLVING)                                              \
            return boot_alloc((size_expr), (align_expr));                     \
        if (!R.real.fn) {                                                     \
            errno = ENOSYS;                                                   \
            return NULL;                                                      \
        }                                                                     \
        if (rec_busy || st != REC_READY)                                      \
            return R.real.fn args;                                            \
        rec_busy = 1;                                                         \
        void *p = R.real.fn args;                                             \
        int err = errno;                                                      \
        record_aligned(p, (align_expr), (size_expr));                         \
        rec_busy = 0;                                                         \
        errno = err;                                                          \
        return p;                                                             \
    }

ALIGNED_HOOK(aligned_alloc, (size_t align, size_t n), (align, n), align, n)
ALIGNED_HOOK(memalign, (size_t align, size_t n), (align, n), align, n)
ALIGNED_HOOK(valloc, (size_t n), (n), (size_t)R.page, n)
ALIGNED_HOOK(pvalloc, (size_t n), (n), (size_t)R.page, (size_t)page_up(n))

/* ------------------------------------------------------------ mmap */
EXPORT void *mmap(void *a, size_t len, int prot, int flags, int fd, off_t off)
{
    int st = rec_state();
    if (st == REC_RESOLVING) {
        long r = syscall(SYS_mmap, a, len, prot, flags, fd, off);
        return r == -1 ? MAP_FAILED : (void *)r;   /* syscall() has set errno */
    }
    if (rec_busy || st != REC_READY)
        return R.real.mmap(a, len, prot, flags, fd, off);
    rec_busy = 1;
    int fixed = (flags & MAP_FIXED) != 0;
    void *p = fixed ? NULL : R.real.mmap(a, len, prot, flags, fd, off);
    int err = errno;
    pthread_mutex_lock(&R.lock);
    if (fixed) {   /* it replaces mappings: ordered with the other threads' munmaps */
        p = R.real.mmap(a, len, prot, flags, fd, off);
        err = errno;
    }
    if (p == MAP_FAILED)
        emit_map('m', 0, NULL, len, prot, flags);
    else
        record_map(p, len, prot, flags);
    pthread_mutex_unlock(&R.lock);
    rec_busy = 0;
    errno = err;
    return p;
}

EXPORT void *mmap64(void *a, size_t len, int prot, int flags, int fd, off_t off)
{
    return mmap(a, len, prot, flags, fd, off);
}

EXPORT int munmap(void *a, size_t len)
{
    int st = rec_state();
    if (st == REC_RESOLVING)
        return (int)syscall(SYS_munmap, a, len);
    if (rec_busy || st != REC_READY)
        return R.real.munmap(a, len);
    rec_busy = 1;
    pthread_mutex_lock(&R.lock);
    int rc = R.real.munmap(a, len);
    int err = errno;
    if (rc == 0 && len && !unmap_range((uintptr_t)a, (uintptr_t)a + page_up(len), 1))
        R.unknown_munmap++;
    pthread_mutex_unlock(&R.lock);
    rec_busy = 0;
    errno = err;
    return rc;
}

EXPORT void *mremap(void *old, size_t oldlen, size_t newlen, int flags, ...)
{
    void *want = NULL;
    if (flags & MREMAP_FIXED) {
        va_list ap;
        va_start(ap, flags);
        want = va_arg(ap, void *);
        va_end(ap);
    }
    int st = rec_state();
    if (st == REC_RESOLVING || !R.real.mremap) {
        long r = syscall(SYS_mremap, old, oldlen, newlen, flags, want);
        return r == -1 ? MAP_FAILED : (void *)r;   /* syscall() has set errno */
    }
    if (rec_busy || st != REC_READY)
        return R.real.mremap(old, oldlen, newlen, flags, want);
    rec_busy = 1;
    pthread_mutex_lock(&R.lock);
    void *p = R.real.mremap(old, oldlen, newlen, flags, want);
    int err = errno;
    uintptr_t lo = (uintptr_t)old, hi = lo + page_up(oldlen);
    uint64_t h = 0;
    uintptr_t base = 0;
    int one = oldlen && covered_by_one(lo, hi, &h, &base);
    if (!one)
        h = 0, base = lo;
    if (p == MAP_FAILED) {
        emit_mremap(h, lo - base, oldlen, 0, newlen, flags);
    } else {
        int room = pieces_room() == 0;
        if (oldlen && !(flags & MREMAP_DONTUNMAP))
            unmap_range(lo, hi, !one || !room);   /* one mapping: the R line says it */
        uintptr_t nlo = (uintptr_t)p, nhi = nlo + page_up(newlen);
        unmap_range(nlo, nhi, 1);                 /* MREMAP_FIXED replaced these */
        if (!room || pieces_room() != 0) {
            R.untracked++;
        } else {
            uint64_t nh = ++R.next;
            piece_insert(piece_first(nlo), (rec_piece){nlo, nhi, nlo, nh});
            emit_mremap(h, lo - base, oldlen, nh, newlen, flags);
        }
    }
    pthread_mutex_unlock(&R.lock);
    rec_busy = 0;
    errno = err;
    return p;
}
