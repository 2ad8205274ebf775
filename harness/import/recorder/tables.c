/*
 * tables.c - the recorder's trace lines and address tables (record.h):
 * lines are formatted by hand into a 64 KiB buffer written with write(2);
 * blocks are an open-addressing table (backward-shift deletion) of
 * address -> handle; mappings are a sorted array of live pieces, so a
 * munmap of part of one, or of several, gives one u line per piece hit.
 * The tables grow with raw mmap and never use malloc.
 */
#include "record.h"   /* built on its own: no include path into harness/ */

/* All of the recorder's process-wide state. */
rec_state_t R = {.lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1};

/* ------------------------------------------------------------ raw memory */
void *raw_map(size_t n)
{
    long r = syscall(SYS_mmap, NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return r == -1 ? NULL : (void *)r;
}

void raw_unmap(void *p, size_t n)
{
    if (p)
        syscall(SYS_munmap, p, n);
}

void raw_say(const char *s)
{
    ssize_t r = write(2, s, strlen(s));
    (void)r;
}

/* ------------------------------------------------------------ output */
void rec_flush(void)
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

void rec_put(const char *s, size_t n)
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

char *put_u(char *p, uint64_t v)
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

char *put_s(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

/* "K n1 n2 ..." with a newline: cnt numbers */
void emit(char kind, int cnt, ...)
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
void emit_map(char kind, uint64_t h, const uint64_t *off, uint64_t len, int prot, int flags)
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

void emit_mremap(uint64_t old, uint64_t off, uint64_t oldlen, uint64_t h, uint64_t newlen, int flags)
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

int blocks_alloc(unsigned bits)
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
uint64_t block_add(void *p)
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
uint64_t block_find(void *p)
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
uint64_t block_take(void *p)
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
size_t piece_first(uintptr_t a)
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

int pieces_room(void)
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

int piece_insert(size_t at, rec_piece pc)
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
size_t unmap_range(uintptr_t lo, uintptr_t hi, int with_lines)
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
int covered_by_one(uintptr_t lo, uintptr_t hi, uint64_t *h, uintptr_t *base)
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

uintptr_t page_up(size_t n)
{
    return ((uintptr_t)n + R.page - 1) & ~(R.page - 1);
}

/* A new mapping [p, p+len) (the kernel has made it); under the lock. */
void record_map(void *p, size_t len, int prot, int flags)
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
