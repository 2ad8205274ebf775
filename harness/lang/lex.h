/*
 * lex.h - the line lexer shared by the text formats (.vmex programs,
 * .vmexw workloads); the rules are in lex.c.
 */
#ifndef VMEX_LEX_H
#define VMEX_LEX_H

#include <stdarg.h>
#include <string.h>

#include "vmex.h"

#define VMEX_LEX_LINE 4096   /* bytes in a line, without the LF */
#define VMEX_LEX_TOKS 64     /* words in a line */
typedef struct vmex_tok { const char *s; int len, col; } vmex_tok;
typedef struct vmex_lexer {
    vmex_error *err;         /* where errors go (line, column, message) */
    int show;                /* a token quoted in a message is cut to this many bytes (0: not cut) */
    int line;                /* 1-based number of the current line */
    int nt;                  /* tokens of the current line */
    vmex_tok t[VMEX_LEX_TOKS];
    char buf[VMEX_LEX_LINE + 1];
} vmex_lexer;
/* Split text into lines and tokens, calling on_line(ctx) for every line
 * with at least one token; stops at the first nonzero return. */
int _vmex_lex(vmex_lexer *lx, const char *text, size_t len, int (*on_line)(void *ctx), void *ctx);
int _vmex_lex_fail(vmex_lexer *lx, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int _vmex_lex_vfail(vmex_lexer *lx, int col, const char *fmt, va_list ap);

/* The helpers every line parser wants (they report through _vmex_lex_fail). */
static inline int vmex_tok_is(const vmex_tok *t, const char *s) { return strcmp(t->s, s) == 0; }
/* The column just after token i-1: where a missing token i would go. */
static inline int _vmex_lex_endcol(const vmex_lexer *lx, int i) { return lx->t[i - 1].col + lx->t[i - 1].len; }
/* Token i must exist; else "WHAT needs ARG" at the end of the line. */
int _vmex_lex_need(vmex_lexer *lx, int i, const char *what, const char *arg);
/* "unexpected 'TOKEN'" at token i. */
int _vmex_lex_unexpected(vmex_lexer *lx, int i);
/* The same, as a line parser calls them: ps is a pointer to the parser,
 * whose member lx is its lexer. */
#define lx_fail(ps, ...)          _vmex_lex_fail(&(ps)->lx, __VA_ARGS__)
#define lx_need(ps, i, what, arg) _vmex_lex_need(&(ps)->lx, (i), (what), (arg))
#define lx_unexpected(ps, i)      _vmex_lex_unexpected(&(ps)->lx, (i))
#define lx_endcol(ps, i)          _vmex_lex_endcol(&(ps)->lx, (i))
/* The version line every format starts with, "KEYWORD 1" and nothing
 * more; reads says what this vmex reads ("version 1"). */
int _vmex_lex_version(vmex_lexer *lx, const char *keyword, const char *reads);

#endif
