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
#include "record.h"   /* built on its own: no include path into harness/ */

#define EXPORT __attribute__((visibility("default")))

/* Set while a thread is inside an intercepted call or the recorder: nested
 * calls go straight to the real functions.  initial-exec: no allocation on
 * first access.  volatile: the compiler must not drop the stores around
 * calls into libc, which may call back into the hooks. */
static __thread volatile int rec_busy __attribute__((tls_model("initial-exec")));

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
