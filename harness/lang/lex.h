/*
 * lex.h - the line lexer shared by the text formats (.vmex programs,
 * .vmexw workloads); the rules are in lex.c.
 */
#ifndef VMEX_LEX_H
#define VMEX_LEX_H

#include <stdarg.h>

#include "vmex.h"

#define VMEX_LEX_LINE 4096   /* bytes in a line, without the LF */
#define VMEX_LEX_TOKS 64     /* words in a line */
typedef struct vmex_tok { const char *s; int len, col; } vmex_tok;
typedef struct vmex_lexer {
    vmex_error *err;         /* where errors go (line, column, message) */
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

#endif
