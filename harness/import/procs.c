/*
 * procs.c - the processes of a strace log (strace -f) and their address
 * spaces (import.h, "address spaces"): a table of pids (open addressing,
 * so each line costs one lookup however many pids the log has), who made
 * whom (clone, clone3, fork, vfork), execs, exits, and which address
 * space each pid's calls go to.
 *
 * The rules:
 *   - a pid is an address space of its own unless a traced clone with
 *     CLONE_VM (a thread, or vfork) made it: then it shares its maker's;
 *   - a pid no traced clone made (clone not traced, or an attached
 *     process) is a process of its own (counted: newpids);
 *   - a child whose first call comes before its clone returned (strace
 *     prints the clone <unfinished ...>) takes the flags of the latest
 *     unfinished clone (counted: guessed);
 *   - a successful execve, or a brk(NULL) whose answer is not the current
 *     break, begins a new address space for that pid;
 *   - lines without a pid prefix: before any prefixed line, the first
 *     process (pid 0 here, until it is known); after, the one process left
 *     alive, else the first process.  The first process is the first
 *     prefixed pid that no clone and no "Process N attached" note made.
 * A fork child's address space starts empty (what it inherited is not in
 * its program: its munmaps of it are "memory no traced call mapped"), with
 * its maker's break at the fork as its baseline.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "import/importer.h"

/* ------------------------------------------------------------ the table */
static size_t pslot(const vmex_importer *im, long pid)
{
    return (size_t)(((uint64_t)pid * 0x9E3779B97F4A7C15ull) >> 29) & (im->ptcap - 1);
}

pidrec *imp_pid_find(vmex_importer *im, long pid)
{
    if (!im->ptcap)
        return NULL;
    size_t j = pslot(im, pid);
    while (im->pt[j].used && im->pt[j].pid != pid)
        j = (j + 1) & (im->ptcap - 1);
    return im->pt[j].used ? &im->pt[j] : NULL;
}

static int prehash(vmex_importer *im, size_t cap)
{
    pidrec *old = im->pt;
    size_t ocap = im->ptcap;
    pidrec *nt = calloc(cap, sizeof *nt);
    if (!nt)
        return -1;
    im->pt = nt;
    im->ptcap = cap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].used) {
            size_t j = pslot(im, old[i].pid);
            while (im->pt[j].used)
                j = (j + 1) & (cap - 1);
            im->pt[j] = old[i];
        }
    free(old);
    return 0;
}

/* A new record for pid (not in the table); NULL when out of memory.
 * Pointers into the table are stale after this. */
static pidrec *padd(vmex_importer *im, long pid)
{
    if ((im->npids + 1) * 2 > im->ptcap && prehash(im, im->ptcap ? im->ptcap * 2 : 256))
        return NULL;
    size_t j = pslot(im, pid);
    while (im->pt[j].used)
        j = (j + 1) & (im->ptcap - 1);
    pidrec *r = &im->pt[j];
    memset(r, 0, sizeof *r);
    r->used = 1;
    r->pid = pid;
    r->space = -1;
    r->from = -1;
    r->began = IMP_AS_NEWPID;   /* the first address space of all is IMP_AS_FIRST (imp_pid_space) */
    im->npids++;
    im->nlive++;
    im->live_sum += (uint64_t)pid;
    return r;
}

/* Remove r, keeping the probe chains whole (backward-shift deletion). */
static void pdel(vmex_importer *im, pidrec *r)
{
    size_t mask = im->ptcap - 1, i = (size_t)(r - im->pt);
    for (;;) {
        im->pt[i].used = 0;
        size_t k = i;
        for (;;) {
            k = (k + 1) & mask;
            if (!im->pt[k].used) {
                im->npids--;
                return;
            }
            size_t home = pslot(im, im->pt[k].pid);
            if (i <= k ? (home <= i || home > k) : (home <= i && home > k))
                break;
        }
        im->pt[i] = im->pt[k];
        i = k;
    }
}

void imp_pids_free(vmex_importer *im)
{
    for (size_t i = 0; i < im->ptcap; i++)
        if (im->pt[i].used) {
            free(im->pt[i].pend);
            free(im->pt[i].exe);
        }
    free(im->pt);
    im->pt = NULL;
    im->ptcap = im->npids = 0;
}

/* ------------------------------------------------------------ whose line */
/* The first process (pid 0 until now) is pid: its record and its address
 * spaces take that pid. */
static pidrec *bind_first(vmex_importer *im, pidrec *zero, long pid)
{
    pidrec keep = *zero;
    pdel(im, zero);       /* padd counts it again */
    im->nlive--;
    pidrec *r = padd(im, pid);
    if (!r)
        return NULL;
    *r = keep;
    r->pid = pid;
    if (keep.exited)      /* padd counted it alive */
        im->nlive--, im->live_sum -= (uint64_t)pid;
    im->solo = pid;
    for (size_t k = 0; k < im->nsp; k++) {
        imp_space *a = im->sp[k];
        if (a->claimed && a->st.space_pid == 0)
            a->st.space_pid = pid;
        for (uint32_t i = 0; i < a->nmem; i++)
            if (a->members[i] == 0)
                a->members[i] = pid;
    }
    return r;
}

pidrec *imp_pid_line(vmex_importer *im, long pid, int prefixed)
{
    if (!prefixed) {
        if (!im->prefixed)
            pid = 0;                         /* the first process, before strace -f prefixes */
        else if (im->nlive == 1)
            pid = (long)im->live_sum;         /* the one process left */
        else
            pid = im->solo;
    } else {
        im->prefixed = 1;
    }
    pidrec *r = imp_pid_find(im, pid);
    if (!r && prefixed && !im->solo) {
        pidrec *zero = imp_pid_find(im, 0);
        if (zero && zero->seen)
            r = bind_first(im, zero, pid);    /* the first prefixed pid nothing made */
        if (zero && zero->seen && !r)
            return NULL;
    }
    if (!r && !(r = padd(im, pid)))
        return NULL;
    if (!r->seen) {
        r->seen = 1;
        im->st.pids++;
    }
    return r;
}

void imp_pid_exit(vmex_importer *im, long pid)
{
    pidrec *r = imp_pid_find(im, pid);
    if (r && !r->exited) {
        r->exited = 1;
        im->nlive--;
        im->live_sum -= (uint64_t)pid;
    }
}

int imp_pid_attached(vmex_importer *im, long pid)
{
    if (imp_pid_find(im, pid))
        return 0;
    pidrec *r = padd(im, pid);
    if (!r)
        return imp_oom(im);
    r->child = 1;
    return 0;
}

/* ------------------------------------------------------------ address spaces */
/* Take the unclaimed first address space, else a new one: its index, or -1. */
static int claim(vmex_importer *im)
{
    if (!im->sp[0]->claimed) {
        im->sp[0]->claimed = 1;
        return 0;
    }
    int k = imp_space_add(im);
    if (k >= 0)
        im->sp[k]->claimed = 1;
    return k;
}

/* Does the argument text of a clone say CLONE_VM?  1, 0, or -1 unknown
 * (raw numbers strace did not decode, a clone3 without its flags). */
static int clone_vm(const char *name, const char *args, size_t n)
{
    static const char key[] = "CLONE_VM";
    for (size_t i = 0; i + sizeof key - 1 <= n; i++)
        if (!memcmp(args + i, key, sizeof key - 1)) {
            char c = i + sizeof key - 1 < n ? args[i + sizeof key - 1] : ' ';
            if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
                return 1;
        }
    if (!strcmp(name, "vfork"))
        return 1;
    if (!strcmp(name, "fork"))
        return 0;
    if (memmem(args, n, "CLONE_", 6) || memmem(args, n, "SIGCHLD", 7))
        return 0;                            /* decoded flags without CLONE_VM */
    if (!strcmp(name, "clone") && n > 2 && args[0] == '0' && args[1] == 'x') {
        uint64_t f = strtoull(args, NULL, 16);   /* raw: the flags come first */
        return (f & 0x100) != 0;                 /* CLONE_VM, include/uapi/linux/sched.h */
    }
    return -1;
}

/* pid runs in address space k.  0 or -1. */
static int member(vmex_importer *im, int32_t k, long pid)
{
    imp_space *a = im->sp[k];
    if (imp_grow((void **)&a->members, &a->memcap, a->nmem + 1, sizeof *a->members))
        return imp_oom(im);
    a->members[a->nmem++] = pid;
    a->st.space_pids = a->nmem;
    return 0;
}

/* child's creator is maker, with CLONE_VM when vm is 1 (-1: unknown). */
static int made_by(vmex_importer *im, long child, long maker, int vm)
{
    pidrec *m = imp_pid_find(im, maker);
    int32_t from = m ? m->space : -1;
    if (vm == 1 && m && from < 0) {      /* they share one: make it now */
        long mpid = m->pid;
        if ((from = imp_pid_space(im, mpid)) < 0)
            return -1;
        m = imp_pid_find(im, mpid);
    }
    uint64_t brk = from >= 0 ? im->sp[from]->brk_cur : 0;
    int has_brk = from >= 0 && im->sp[from]->brk_init;
    pidrec *c = imp_pid_find(im, child);
    if (!c && !(c = padd(im, child)))
        return imp_oom(im);
    c->child = 1;
    if (c->made || c->space >= 0 || c->nspaces)
        return 0;                        /* its first call came first: placed already */
    c->made = 1;
    c->vm = vm == 1;
    c->from = from;
    c->brk = brk;
    c->has_brk = (uint8_t)has_brk;
    c->began = vm == -1 ? IMP_AS_NEWPID : IMP_AS_FORK;
    if (vm == 1 && from >= 0) {
        c->space = from;
        return member(im, from, child);
    }
    return 0;
}

int imp_pid_clone(vmex_importer *im, long maker, const char *name, const char *args, size_t n, uint64_t child)
{
    if (child == 0 || child > INT32_MAX)
        return 0;                        /* failed, or the child's own return */
    return made_by(im, (long)child, maker, clone_vm(name, args, n));
}

void imp_pid_exec(vmex_importer *im, long pid, int how, const char *args, size_t n)
{
    pidrec *r = imp_pid_find(im, pid);
    if (!r)
        return;
    r->space = -1;
    r->vm = 0;
    r->has_brk = 0;
    r->began = how;
    free(r->exe);
    r->exe = NULL;
    const char *q = args ? memchr(args, '"', n) : NULL;   /* the path, the first string */
    if (q) {
        const char *e = memchr(q + 1, '"', n - (size_t)(q + 1 - args));
        size_t len = e ? (size_t)(e - q - 1) : 0;
        const char *base = q + 1;
        for (size_t k = 0; k < len; k++)
            if (q[1 + k] == '/')
                base = q + 2 + k;
        len -= (size_t)(base - (q + 1));
        if (len > 47)
            len = 47;
        if (len && (r->exe = malloc(len + 1))) {   /* no memory: the name is left out */
            memcpy(r->exe, base, len);
            r->exe[len] = '\0';
        }
    }
}

int32_t imp_pid_space(vmex_importer *im, long pid)
{
    pidrec *r = imp_pid_find(im, pid);
    if (!r)
        return imp_oom(im);
    if (r->space >= 0) {
        im->a = im->sp[r->space];
        return r->space;
    }
    if (!r->made && !r->nspaces && r->began == IMP_AS_NEWPID && im->pend_clones && im->last_clone &&
        im->last_clone != pid) {
        /* its first call came before its clone returned: the latest
         * unfinished clone made it */
        pidrec *m = imp_pid_find(im, im->last_clone);
        if (m && m->pend) {
            pendcall *c = m->pend;   /* made_by may move the table, not this */
            if (made_by(im, pid, m->pid, clone_vm(c->name, c->args, c->len)))
                return -1;
            im->guessed++;
            r = imp_pid_find(im, pid);
            if (r->space >= 0) {
                im->a = im->sp[r->space];
                return r->space;
            }
        }
    }
    int k = claim(im);
    if (k < 0)
        return imp_oom(im);
    r = imp_pid_find(im, pid);
    imp_space *a = im->sp[k];
    if (k == 0 && r->began == IMP_AS_NEWPID)
        r->began = IMP_AS_FIRST;          /* the log's first address space */
    a->st.space_pid = r->pid;
    r->nspaces++;
    a->st.space_began = r->began;
    a->st.space_line = im->line;
    if (member(im, k, r->pid))
        return -1;
    r = imp_pid_find(im, pid);
    snprintf(a->st.space_exe, sizeof a->st.space_exe, "%s", r->exe ? r->exe : "");
    if (r->began == IMP_AS_NEWPID && r->nspaces == 1)
        im->newpids++;
    if (r->began == IMP_AS_FORK && r->has_brk) {
        a->brk_init = 1;
        a->brk_start = a->brk_cur = r->brk;   /* the break it inherited */
    }
    r->space = k;
    im->a = a;
    return k;
}

/* ------------------------------------------------------------ pending calls */
static int is_clone(const char *name)
{
    return !strncmp(name, "clone", 5) || !strcmp(name, "fork") || !strcmp(name, "vfork");
}

int imp_pid_pend(vmex_importer *im, long pid, const char *name, size_t nl, const char *args, size_t n,
                 const lseg *seg, int nseg)
{
    pidrec *r = imp_pid_find(im, pid);
    if (!r)
        return imp_oom(im);
    if (r->pend)                         /* a call that never came back */
        imp_pid_unpend(im, r, 1);
    size_t ns = nseg > 0 ? (size_t)nseg : 0;
    pendcall *c = malloc(sizeof *c + ns * sizeof *seg + n + 1);
    if (!c)
        return imp_oom(im);
    c->args = (char *)(c->seg + ns);
    memcpy(c->args, args, n);
    c->args[n] = '\0';
    c->len = n;
    c->line = nseg > 0 ? seg[0].line : im->line;   /* a cut line began on its first piece's */
    snprintf(c->name, sizeof c->name, "%.*s", (int)(nl < 15 ? nl : 15), name);
    c->nseg = nseg;
    if (nseg > 0)
        memcpy(c->seg, seg, (size_t)nseg * sizeof *seg);
    r->pend = c;
    im->npend++;
    if (is_clone(c->name)) {
        im->pend_clones++;
        im->last_clone = pid;
    }
    return 0;
}

void imp_pid_unpend(vmex_importer *im, pidrec *r, int dropped)
{
    pendcall *c = r->pend;
    if (!c)
        return;
    if (is_clone(c->name)) {
        im->pend_clones--;
        if (im->last_clone == r->pid)
            im->last_clone = 0;
    }
    if (dropped && imp_is_memory_call(c->name, strlen(c->name))) {
        if (r->space >= 0)
            im->sp[r->space]->st.dropped[VMEX_TD_UNFINISHED]++;
        else
            im->unattributed_unfinished++;
    }
    free(c);
    r->pend = NULL;
    im->npend--;
}

uint64_t imp_pids_finish(vmex_importer *im)
{
    for (size_t i = 0; i < im->ptcap && im->npend; i++)
        if (im->pt[i].used && im->pt[i].pend)
            imp_pid_unpend(im, &im->pt[i], 1);
    uint64_t n = im->unattributed_unfinished;
    im->unattributed_unfinished = 0;
    return n;
}
