/*
 * linux.c - target linux: programs on the real kernel and allocators.
 *
 * The linux backend (model/backend.h): the front end's half of the
 * protocol in exec/proto.h.  A model that runs a linux program starts an
 * executor (vmex-exec, vmex-exec-jemalloc or vmex-exec-mimalloc) with
 * posix_spawn, once per window and allocator, and keeps it: the executor
 * confines itself to the window once and resets per run by the measured
 * recipe of its allocator (docs/linux-real.md).  The program travels in a memfd;
 * a pipe byte starts a run and a pipe byte ends it.  Our ends of the pipes
 * and the memfd are O_CLOEXEC, so no other child keeps the executor alive,
 * and the executor dies with its parent.
 *
 * The executor reports what happened; the oracle (oracle/classify.c)
 * judges it: a failed request (ENOMEM) is classified against the window
 * minus what the program holds (the bytes of its live mappings that are
 * still mapped plus its live malloc blocks), and is map-count when the
 * process is at vm.max_map_count.  A run whose executor dies is a crash at
 * the op it was running; one whose op does not finish within the hang
 * limit (vmex_run_env: VMEX_HANG_MS, default 10000, per op) is a hang.  Both are findings
 * without a hunt, and under a hunt that names them.
 *
 * Target linux runs whole programs: it has no steps (vmex_model_start
 * says so); its stats and map are those the executor reported at the end
 * of the last run.
 */
#include "core/core.h"
#include "model/backend.h"
#include "model/model.h"
#include "real/exec/proto.h"
#include "oracle/oracle.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define START_MS 10000        /* the executor confines itself within this */

struct vmex_linux {
    pid_t pid;                /* 0: not running */
    int cmd, reply, shm_fd;
    uint8_t *shm;
    vmex_xhdr *hdr;
    /* what it was started with */
    int allocator, retain;
    uint64_t window, threshold;
    /* the last run */
    vmex_stats st;
    uint32_t nmaps;
    char error[320];
};

/* ------------------------------------------------------------ the THP probe */
int vmex_linux_thp_probe(void)
{
    static int cached = -1;
    if (cached >= 0) return cached;
    const size_t two = 2u << 20;
    void *a = mmap(NULL, two, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    void *b = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    void *c = mmap(NULL, two, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    /* without the rule the second 2 MiB map sits right below the 4 KiB one,
     * so both cannot be 2 MiB aligned */
    int ok = a != MAP_FAILED && b != MAP_FAILED && c != MAP_FAILED;
    cached = ok && (uintptr_t)a % two == 0 && (uintptr_t)c % two == 0;
    if (a != MAP_FAILED) munmap(a, two);
    if (b != MAP_FAILED) munmap(b, 4096);
    if (c != MAP_FAILED) munmap(c, two);
    return cached;
}

/* ------------------------------------------------------------ the executor */
static const char *exec_name(int allocator)
{
    return allocator == VMEX_ALLOC_JEMALLOC ? "vmex-exec-jemalloc"
         : allocator == VMEX_ALLOC_MIMALLOC ? "vmex-exec-mimalloc" : "vmex-exec";
}

/* ------------------------------------------------------------ the environment */
void vmex_run_env_read(vmex_run_env *e)
{
    memset(e, 0, sizeof *e);
    const char *s = getenv("VMEX_EXEC_DIR");
    if (s) snprintf(e->exec_dir, sizeof e->exec_dir, "%s", s);
    s = getenv("VMEX_HANG_MS");
    long v = s && *s ? strtol(s, NULL, 10) : 0;
    e->hang_ms = v > 0 && v < INT_MAX ? (uint32_t)v : VMEX_DEFAULT_HANG_MS;
}

/* a run's environment: its own, else the process's (read once) */
static const vmex_run_env *run_env(const vmex_runopts *o)
{
    static vmex_run_env proc;
    static int have;
    if (o->env) return o->env;
    if (!have) {
        vmex_run_env_read(&proc);
        have = 1;
    }
    return &proc;
}

/* the exec dir, else next to this program, else one level up. */
static int find_exec(int allocator, const char *dir, char *path, size_t n)
{
    const char *name = exec_name(allocator);
    if (*dir) {
        snprintf(path, n, "%s/%s", dir, name);
        return access(path, X_OK);
    }
    char self[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    if (k <= 0) return -1;
    self[k] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash) return -1;
    *slash = '\0';
    snprintf(path, n, "%s/%s", self, name);
    if (access(path, X_OK) == 0) return 0;
    snprintf(path, n, "%s/../%s", self, name);
    return access(path, X_OK);
}

static void stop(struct vmex_linux *x)
{
    if (x->pid > 0) {
        kill(x->pid, SIGKILL);
        while (waitpid(x->pid, NULL, 0) < 0 && errno == EINTR) {}
    }
    x->pid = 0;
    if (x->cmd >= 0) close(x->cmd);
    if (x->reply >= 0) close(x->reply);
    x->cmd = x->reply = -1;
}

static void linux_free(struct vmex_linux *x)
{
    if (!x) return;
    stop(x);
    if (x->shm) munmap(x->shm, VMEX_XSHM_SIZE);
    if (x->shm_fd >= 0) close(x->shm_fd);
    free(x);
}

/* Wait up to ms for one byte on fd: the byte, -1 on EOF or error, -2 on timeout. */
static int read_byte(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    for (;;) {
        int r = poll(&p, 1, ms);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) return -2;
        if (r < 0) return -1;
        unsigned char c;
        ssize_t k = read(fd, &c, 1);
        if (k < 0 && errno == EINTR) continue;
        return k == 1 ? c : -1;
    }
}

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Wait for the reply to a run: the byte, -1 on EOF or error, -2 when one
 * op ran longer than hang_ms.  The limit is per op, not per run: the
 * executor's progress (the op it is at) restarts the clock, so a long
 * program is never a hang on a slow or busy machine, and a hang is at the
 * op that hangs, the same op in every replay. */
static int wait_run(struct vmex_linux *x, uint32_t hang_ms)
{
    uint32_t at = __atomic_load_n(&x->hdr->progress, __ATOMIC_ACQUIRE);
    int64_t deadline = now_ms() + hang_ms;
    for (;;) {
        int64_t left = deadline - now_ms();
        int c = read_byte(x->reply, left <= 0 ? 0 : left < 100 ? (int)left : 100);
        if (c != -2)
            return c;
        uint32_t p = __atomic_load_n(&x->hdr->progress, __ATOMIC_ACQUIRE);
        if (p != at) {
            at = p;
            deadline = now_ms() + hang_ms;
        } else if (now_ms() >= deadline) {
            return -2;
        }
    }
}

/* a fd number above the three the executor takes, close-on-exec */
static int high_fd(int fd)
{
    int h = fcntl(fd, F_DUPFD_CLOEXEC, 10);
    close(fd);
    return h;
}

static int start(struct vmex_linux *x, const vmex_layout *L, const vmex_run_env *env)
{
    char path[PATH_MAX + 64];
    if (find_exec(L->allocator, env->exec_dir, path, sizeof path)) {
        snprintf(x->error, sizeof x->error,
                 "target linux: the executor %s for allocator %s is not there (this build has no %s; "
                 "set VMEX_EXEC_DIR to where it is)",
                 exec_name(L->allocator), vmex_allocator_name(L->allocator),
                 L->allocator == VMEX_ALLOC_JEMALLOC ? "libjemalloc-dev" :
                 L->allocator == VMEX_ALLOC_MIMALLOC ? "libmimalloc-dev" : "executor");
        return -1;
    }
    int cp[2], rp[2];
    if (pipe2(cp, O_CLOEXEC)) return -1;
    if (pipe2(rp, O_CLOEXEC)) {
        close(cp[0]);
        close(cp[1]);
        return -1;
    }
    cp[0] = high_fd(cp[0]);
    rp[1] = high_fd(rp[1]);
    memset(x->shm, 0, VMEX_XHDR_SIZE);
    x->hdr->magic = VMEX_X_MAGIC;
    x->hdr->version = VMEX_X_VERSION;

    char a[4][32];
    snprintf(a[0], sizeof a[0], "%d", L->allocator);
    snprintf(a[1], sizeof a[1], "%llu", (unsigned long long)L->window);
    snprintf(a[2], sizeof a[2], "%llu", (unsigned long long)L->mmap_threshold);
    snprintf(a[3], sizeof a[3], "%d", L->retain);
    char *argv[] = {path, a[0], a[1], a[2], a[3], NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, cp[0], VMEX_X_FD_CMD);
    posix_spawn_file_actions_adddup2(&fa, rp[1], VMEX_X_FD_REPLY);
    posix_spawn_file_actions_adddup2(&fa, x->shm_fd, VMEX_X_FD_SHM);
    pid_t pid;
    int e = posix_spawn(&pid, path, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(cp[0]);
    close(rp[1]);
    if (e) {
        close(cp[1]);
        close(rp[0]);
        snprintf(x->error, sizeof x->error, "target linux: cannot start %.200s: %s", path, strerror(e));
        return -1;
    }
    x->pid = pid;
    x->cmd = cp[1];
    x->reply = rp[0];
    int c = read_byte(x->reply, START_MS);
    if (c != 'R') {
        if (c == 'E')
            snprintf(x->error, sizeof x->error, "target linux: the executor cannot run here: %.256s",
                     x->hdr->error);
        else
            snprintf(x->error, sizeof x->error, "target linux: the executor %s", c == -2 ? "did not start in time"
                                                                                  : "died while starting");
        stop(x);
        return -1;
    }
    if (x->hdr->base != L->base || x->hdr->window != L->window) {
        snprintf(x->error, sizeof x->error, "target linux: the executor took another window");
        stop(x);
        return -1;
    }
    x->allocator = L->allocator;
    x->window = L->window;
    x->threshold = L->mmap_threshold;
    x->retain = L->retain;
    return 0;
}

static struct vmex_linux *get(struct vmex_linux **px, const vmex_layout *L, const vmex_run_env *env, char *err,
                              size_t errn)
{
    struct vmex_linux *x = *px;
    if (!x) {
        x = calloc(1, sizeof *x);
        if (!x) return NULL;
        x->cmd = x->reply = -1;
        x->shm_fd = memfd_create("vmex-exec", MFD_CLOEXEC);
        if (x->shm_fd >= 0) x->shm_fd = high_fd(x->shm_fd);   /* not one of the executor's 3, 4, 5 */
        if (x->shm_fd < 0 || ftruncate(x->shm_fd, (off_t)VMEX_XSHM_SIZE) ||
            (x->shm = mmap(NULL, VMEX_XSHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, x->shm_fd, 0)) == MAP_FAILED) {
            snprintf(err, errn, "target linux: no shared memory: %s", strerror(errno));
            x->shm = NULL;
            linux_free(x);
            return NULL;
        }
        x->hdr = (vmex_xhdr *)x->shm;
        *px = x;
    }
    if (x->pid > 0 && (x->allocator != L->allocator || x->window != L->window ||
                       x->threshold != L->mmap_threshold || x->retain != L->retain))
        stop(x);
    if (x->pid <= 0 && start(x, L, env)) {
        snprintf(err, errn, "%s", x->error[0] ? x->error : "target linux: cannot start the executor");
        x->error[0] = '\0';
        return NULL;
    }
    return x;
}

/* ------------------------------------------------------------ runs */
static int is_request(int kind)
{
    return kind == VMEX_OP_MMAP || kind == VMEX_OP_VM_ALLOCATE || kind == VMEX_OP_MALLOC || kind == VMEX_OP_REALLOC;
}

/* The oracle's classes (oracle/classify.c): room is the window minus what
 * the program holds. */
static void classify(const vmex_layout *L, const vmex_xhdr *h, const vmex_xres *x, vmex_opres *r)
{
    uint64_t held = x->live < L->window ? x->live : L->window;
    r->live = x->live;
    _vmex_classify(L, x->req, L->page, L->window - held,
                   h->max_map_count && x->vmas + 1 >= h->max_map_count, r);
}

/* Run ops [0, n) once.  *died: 0, or VMEX_CRASH / VMEX_HANG with the
 * signal in *sig.  Returns 0, or -1 with err set. */
static int run_once(struct vmex_linux *x, const vmex_program *p, uint32_t n, uint32_t hang_ms, int *died, int *sig,
                    char *err, size_t errn)
{
    vmex_xhdr *h = x->hdr;
    vmex_xop *xo = (vmex_xop *)(x->shm + VMEX_XOPS_OFF);
    for (uint32_t i = 0; i < n; i++) {
        const vmex_op *op = &p->ops[i];
        xo[i] = (vmex_xop){.kind = op->kind, .prot = op->prot, .tag = op->tag, .metric = op->metric,
                           .cmp = op->cmp, .flags = op->flags, .dst = op->dst, .src = op->src,
                           .size = op->size, .addr = op->addr, .align = op->align, .off = op->off, .len = op->len};
    }
    h->nops = n;
    h->nslots = p->nnames;
    h->progress = 0;
    h->signal = 0;
    h->nmaps = 0;
    *died = 0;
    *sig = 0;
    unsigned char go = 'X';
    ssize_t k;
    while ((k = write(x->cmd, &go, 1)) < 0 && errno == EINTR) {}
    int c = k == 1 ? wait_run(x, hang_ms) : -1;
    if (c == 'D') {
        if (h->signal) {
            *died = VMEX_CRASH;
            *sig = (int)h->signal;
        }
        return 0;
    }
    if (c == -2) {
        *died = VMEX_HANG;
        stop(x);
        return 0;
    }
    /* EOF: the executor died (in-process allocators) */
    int status = 0;
    pid_t pid = x->pid;
    x->pid = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    stop(x);
    if (c != -1 || h->progress >= n) {
        snprintf(err, errn, "target linux: the executor broke the protocol");
        return -1;
    }
    *died = VMEX_CRASH;
    *sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    return 0;
}

/* Run and judge p: 0, -1 with err, or -2 with err when the executor
 * cannot start on this machine (not built, no memfd, confinement refused). */
static int run_judged(struct vmex_linux **px, const vmex_layout *L, const vmex_program *p, const vmex_runopts *o,
                      vmex_result *res, char *err, size_t errn)
{
    if (p->nops > VMEX_X_MAX_OPS || p->nnames > VMEX_X_MAX_SLOTS) {
        snprintf(err, errn, "target linux runs programs of at most %u ops and %u names", VMEX_X_MAX_OPS,
                 VMEX_X_MAX_SLOTS);
        return -1;
    }
    const vmex_run_env *env = run_env(o);
    struct vmex_linux *x = get(px, L, env, err, errn);
    if (!x) return -2;   /* the executor cannot start here */
    int died, sig;
    if (run_once(x, p, p->nops, env->hang_ms, &died, &sig, err, errn)) return -1;
    const vmex_xres *xr = (const vmex_xres *)(x->shm + VMEX_XRES_OFF);
    uint32_t done = died ? x->hdr->progress : p->nops;   /* ops with a result */
    if (done > p->nops) done = p->nops;

    /* judge, op by op */
    uint32_t stop_at = UINT32_MAX;
    for (uint32_t i = 0; i < p->nops; i++) {
        const vmex_op *op = &p->ops[i];
        vmex_opres r;
        memset(&r, 0, sizeof r);
        r.i = i;
        if (i < done) {
            const vmex_xres *q = &xr[i];
            r.status = q->status;
            r.why = q->why;
            r.addr = q->addr;
            r.size = q->size;
            r.value = q->why == VMEX_WHY_ERRNO ? (uint64_t)q->err : q->value;
            r.live = q->live;
            if (q->status == VMEX_ST_FAILED && q->why == VMEX_WHY_NOSPACE && is_request(op->kind))
                classify(L, x->hdr, q, &r);
        } else if (i == done && died) {
            r.status = VMEX_ST_FAILED;
            r.why = died == VMEX_CRASH ? VMEX_WHY_CRASH : VMEX_WHY_HANG;
            r.cls = (uint8_t)died;
            r.value = (uint64_t)sig;
        } else {
            break;
        }
        r.finding = (uint8_t)_vmex_is_finding(op, &r, o);
        if (_vmex_result_add(res, op, &r, o)) {
            stop_at = i;
            break;
        }
    }
    /* the end state is the state after the last op judged: a run cut short
     * by a finding is run again up to it (runs are deterministic) */
    if (stop_at != UINT32_MAX && stop_at + 1 < done && !died) {
        if (run_once(x, p, stop_at + 1, env->hang_ms, &died, &sig, err, errn)) return -1;
    }
    const vmex_xhdr *h = x->hdr;
    if (died) {
        memset(&x->st, 0, sizeof x->st);   /* the process is gone: no end state */
        x->nmaps = 0;
    } else {
        x->st = (vmex_stats){h->st_free, h->st_largest, h->st_mapped, h->st_footprint, h->st_entries, h->st_holes};
        x->nmaps = h->nmaps;
    }
    res->st = x->st;
    return 0;
}

/* ------------------------------------------------------------ the backend */
static int linux_run(vmex_model *m, const vmex_layout *L, const vmex_program *p, const vmex_runopts *o,
                     vmex_result *res)
{
    int rc = run_judged((struct vmex_linux **)&m->state[_vmex_backend_linux.target], L, p, o, res, m->error,
                        sizeof m->error);
    m->unavailable = rc == -2;
    return rc ? -1 : 0;
}

static int linux_start(vmex_model *m, const vmex_layout *L, uint32_t nslots)
{
    snprintf(m->error, sizeof m->error, "target linux runs whole programs, not op by op: use linux-model");
    return -1;
}

static void linux_step(vmex_model *m, const vmex_op *op, vmex_opres *r)
{
    VMEX_FATAL("target linux runs whole programs, not op by op");
}

static void linux_stats(const vmex_model *m, vmex_stats *st)
{
    const struct vmex_linux *x = _vmex_backend_state(m);
    if (x) *st = x->st;
    else memset(st, 0, sizeof *st);
}

static void linux_walk(const vmex_model *m, vmex_entry_fn cb, void *ctx)
{
    const struct vmex_linux *x = _vmex_backend_state(m);
    if (!x || !x->shm) return;
    const vmex_xmap *e = (const vmex_xmap *)(x->shm + VMEX_XMAPS_OFF);
    for (uint32_t i = 0; i < x->nmaps; i++)
        cb(ctx, e[i].start, e[i].end, e[i].app ? VMEX_R_APP : VMEX_R_MALLOC, 0, e[i].prot);
}

static void linux_release(void *state) { linux_free(state); }

const vmex_backend _vmex_backend_linux = {
    .target = VMEX_TARGET_LINUX,
    .caps = VMEX_CAP_WINDOW | VMEX_CAP_REAL,
    .model_of = VMEX_TARGET_LINUX_MODEL,
    .real_of = VMEX_TARGET_LINUX,
    .allocators = (1u << VMEX_ALLOC__COUNT) - 1,   /* the kernel and every allocator library */
    .resolve = _vmex_resolve_window,
    .start = linux_start,
    .step = linux_step,
    .run = linux_run,
    .stats = linux_stats,
    .walk = linux_walk,
    .release = linux_release,
};
