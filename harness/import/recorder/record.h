/*
 * record.h - the recorder's insides, shared by its two files (built into
 * libvmex-record.so only; the trace format and what is recorded are at the
 * top of record.c):
 *   record.c   setup (the real functions, the trace file, fork and exec)
 *              and the hooks of the memory calls;
 *   tables.c   the trace lines, the block table (address -> handle) and
 *              the live pieces of every recorded mapping.
 * Everything here is hidden inside the library; only the hooks of
 * record.c are exported.  Nothing here calls malloc.
 */
#ifndef VMEX_RECORD_H
#define VMEX_RECORD_H

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

/* internal to the library whatever the build flags: a preloaded library
 * must not put these names in the program's namespace */
#pragma GCC visibility push(hidden)

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
typedef struct rec_state {
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
} rec_state_t;
extern rec_state_t R;   /* the one (tables.c): under R.lock, but state and boot_used (atomics) */

/* raw memory and messages, without libc's allocator */
void *raw_map(size_t n);
void raw_unmap(void *p, size_t n);
void raw_say(const char *s);

/* trace lines: buffered, written with write(2) */
void rec_flush(void);
void rec_put(const char *s, size_t n);
char *put_u(char *p, uint64_t v);
char *put_s(char *p, const char *s);
void emit(char kind, int cnt, ...);   /* "K n1 n2 ...": cnt uint64_t numbers */
void emit_map(char kind, uint64_t h, const uint64_t *off, uint64_t len, int prot, int flags);
void emit_mremap(uint64_t old, uint64_t off, uint64_t oldlen, uint64_t h, uint64_t newlen, int flags);

/* blocks: handles of live malloc blocks */
int blocks_alloc(unsigned bits);
uint64_t block_add(void *p);    /* a new handle; 0: untracked */
uint64_t block_find(void *p);   /* 0: unknown */
uint64_t block_take(void *p);   /* removed; 0: unknown */

/* pieces: the live parts of recorded mappings */
size_t piece_first(uintptr_t a);
int pieces_room(void);
int piece_insert(size_t at, rec_piece pc);
size_t unmap_range(uintptr_t lo, uintptr_t hi, int with_lines);
int covered_by_one(uintptr_t lo, uintptr_t hi, uint64_t *h, uintptr_t *base);
uintptr_t page_up(size_t n);
void record_map(void *p, size_t len, int prot, int flags);

#pragma GCC visibility pop
#endif
