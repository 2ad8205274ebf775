/*
 * session.c - the front end's half of the executor protocol, for every
 * real backend (session.h; the protocol: exec/proto.h; the facts:
 * linux-real.md §5).
 *
 * A session starts its executor with posix_spawn, once per set of
 * arguments, and keeps it: the executor confines itself once.  Our ends of
 * the pipes and the memfd are O_CLOEXEC, so no other child keeps the
 * executor alive, and the executor dies with its parent.  A run whose
 * executor dies is a crash at the op it was running; one that does not
 * finish within the hang limit (vmex_run_env: VMEX_HANG_MS, default 10000)
 * is a hang.  The backend judges each op (vmex_xjudge); the finding
 * decision and the result are the oracle's.
 */
#include "real/session.h"
#include "model/backend.h"
#include "oracle/oracle.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define START_MS 10000        /* the executor confines itself within this */

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

const vmex_run_env *_vmex_run_env(const vmex_runopts *o)
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

/* ------------------------------------------------------------ the executor */
/* the exec dir, else next to this program, else one level up. */
static int find_exec(const char *name, const char *dir, char *path, size_t n)
{
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

static void stop(vmex_xsession *x)
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

void _vmex_xs_free(vmex_xsession *x)
{
    if (!x) return;
    stop(x);
    if (x->shm) munmap(x->shm, x->shm_size);
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

/* a fd number above the three the executor takes, close-on-exec */
static int high_fd(int fd)
{
    int h = fcntl(fd, F_DUPFD_CLOEXEC, 10);
    close(fd);
    return h;
}

static int start(vmex_xsession *x, const vmex_xspec *sp, const vmex_layout *L, const vmex_run_env *env, char *err,
                 size_t errn)
{
    char path[PATH_MAX + 64];
    if (find_exec(sp->exe, env->exec_dir, path, sizeof path)) {
        snprintf(err, errn, "target %s: the executor %s is not there (this build has no %s; "
                 "set VMEX_EXEC_DIR to where it is)", sp->target, sp->exe, sp->lacks);
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

    char *argv[8] = {path};
    for (int i = 0; i < 6 && sp->argv[i]; i++) argv[i + 1] = (char *)sp->argv[i];
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
        snprintf(err, errn, "target %s: cannot start %.200s: %s", sp->target, path, strerror(e));
        return -1;
    }
    x->pid = pid;
    x->cmd = cp[1];
    x->reply = rp[0];
    int c = read_byte(x->reply, START_MS);
    if (c != 'R') {
        if (c == 'E')
            snprintf(err, errn, "target %s: the executor cannot run here: %.256s", sp->target, x->hdr->error);
        else
            snprintf(err, errn, "target %s: the executor %s", sp->target,
                     c == -2 ? "did not start in time" : "died while starting");
        stop(x);
        return -1;
    }
    if (x->hdr->base != L->base || x->hdr->window != L->window) {
        snprintf(err, errn, "target %s: the executor took another window", sp->target);
        stop(x);
        return -1;
    }
    return 0;
}

/* the session's executor, started as spec says: NULL with err when it cannot start */
static vmex_xsession *get(vmex_xsession **px, const vmex_xspec *sp, const vmex_layout *L, const vmex_run_env *env,
                          char *err, size_t errn)
{
    vmex_xsession *x = *px;
    if (!x) {
        x = calloc(1, sizeof *x);
        if (!x) return NULL;
        x->cmd = x->reply = -1;
        x->shm_size = sp->shm_size;
        x->shm_fd = memfd_create("vmex-exec", MFD_CLOEXEC);
        if (x->shm_fd >= 0) x->shm_fd = high_fd(x->shm_fd);   /* not one of the executor's 3, 4, 5 */
        if (x->shm_fd < 0 || ftruncate(x->shm_fd, (off_t)x->shm_size) ||
            (x->shm = mmap(NULL, x->shm_size, PROT_READ | PROT_WRITE, MAP_SHARED, x->shm_fd, 0)) == MAP_FAILED) {
            snprintf(err, errn, "target %s: no shared memory: %s", sp->target, strerror(errno));
            x->shm = NULL;
            _vmex_xs_free(x);
            return NULL;
        }
        x->hdr = (vmex_xhdr *)x->shm;
        *px = x;
    }
    char args[sizeof x->args];
    size_t at = (size_t)snprintf(args, sizeof args, "%s", sp->exe);
    for (int i = 0; i < 6 && sp->argv[i] && at < sizeof args; i++)
        at += (size_t)snprintf(args + at, sizeof args - at, " %s", sp->argv[i]);
    if (x->pid > 0 && strcmp(x->args, args)) stop(x);
    if (x->pid <= 0) {
        err[0] = '\0';
        if (start(x, sp, L, env, err, errn)) {
            if (!err[0]) snprintf(err, errn, "target %s: cannot start the executor", sp->target);
            return NULL;
        }
        memcpy(x->args, args, sizeof args);
    }
    return x;
}

/* ------------------------------------------------------------ runs */
/* Run ops [0, n) once.  *died: 0, or VMEX_CRASH / VMEX_HANG with the
 * signal in *sig.  Returns 0, or -1 with err set. */
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
 * op that hangs, the same op in every replay (defect D6). */
static int wait_run(vmex_xsession *x, uint32_t hang_ms)
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

static int run_once(vmex_xsession *x, const vmex_program *p, uint32_t n, uint32_t hang_ms, int *died, int *sig,
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
        snprintf(err, errn, "the executor broke the protocol");
        return -1;
    }
    *died = VMEX_CRASH;
    *sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    return 0;
}

int _vmex_xs_run_judged(vmex_xsession **px, const vmex_xspec *sp, const vmex_layout *L, const vmex_program *p,
                        const vmex_runopts *o, const vmex_xjudge *j, vmex_result *res, char *err, size_t errn)
{
    if (p->nops > VMEX_X_MAX_OPS || p->nnames > VMEX_X_MAX_SLOTS) {
        snprintf(err, errn, "target %s runs programs of at most %u ops and %u names", sp->target, VMEX_X_MAX_OPS,
                 VMEX_X_MAX_SLOTS);
        return -1;
    }
    const vmex_run_env *env = _vmex_run_env(o);
    vmex_xsession *x = get(px, sp, L, env, err, errn);
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
            j->judge(j->ctx, x, op, q, &r);
        } else if (i == done && died) {
            r.status = VMEX_ST_FAILED;
            r.why = died == VMEX_CRASH ? VMEX_WHY_CRASH : VMEX_WHY_HANG;
            r.cls = (uint8_t)died;
            r.value = (uint64_t)sig;
            if (j->died) j->died(j->ctx, x, op, &r);
        } else {
            break;
        }
        r.finding = (uint8_t)_vmex_is_finding(op, &r, o);
        if (r.finding && !res->findings) snprintf(res->frame, sizeof res->frame, "%s", r.frame);
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

/* ------------------------------------------------------------ judging */
void _vmex_xs_classify(const vmex_layout *L, const vmex_xsession *x, const vmex_op *op, const vmex_xres *q,
                       vmex_opres *r)
{
    if (q->status != VMEX_ST_FAILED || q->why != VMEX_WHY_NOSPACE || !vmex_op_places(op->kind)) return;
    uint64_t held = q->live < L->window ? q->live : L->window;
    _vmex_classify(L, q->req, L->page, L->window - held,
                   x->hdr->max_map_count && q->vmas + 1 >= x->hdr->max_map_count, r);
}

/* ------------------------------------------------------------ the backend table's entries */
int _vmex_xs_start(vmex_model *m, const vmex_layout *L, uint32_t nslots)
{
    int model = vmex_target_model_of(L->target);   /* a model that predicts it, op by op */
    snprintf(m->error, sizeof m->error, "target %s runs whole programs, not op by op%s%s",
             vmex_target_name(L->target), vmex_target_real_of(model) == L->target ? ": use " : "",
             vmex_target_real_of(model) == L->target ? vmex_target_name(model) : "");
    return -1;
}

void _vmex_xs_step(vmex_model *m, const vmex_op *op, vmex_opres *r)
{
    VMEX_FATAL("a real backend runs whole programs, not op by op");
}

void _vmex_xs_stats(const vmex_model *m, vmex_stats *st)
{
    const vmex_xsession *x = _vmex_backend_state(m);
    if (x) *st = x->st;
    else memset(st, 0, sizeof *st);
}

void _vmex_xs_release(void *state) { _vmex_xs_free(state); }

void _vmex_xs_walk(const vmex_model *m, vmex_entry_fn cb, void *ctx)
{
    const vmex_xsession *x = _vmex_backend_state(m);
    if (!x || !x->shm) return;
    const vmex_xmap *e = (const vmex_xmap *)(x->shm + VMEX_XMAPS_OFF);
    for (uint32_t i = 0; i < x->nmaps; i++)
        cb(ctx, e[i].start, e[i].end, e[i].app ? VMEX_R_APP : VMEX_R_MALLOC, 0, e[i].prot);
}
