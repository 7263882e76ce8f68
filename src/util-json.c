/* util-json.c: a growable buffer of JSON text (RFC 8259). */
#include <stdlib.h>
#include <string.h>
#include "util-json.h"

void ea_jb_put(struct ea_jbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

void ea_jb_lit(struct ea_jbuf *b, const char *s)
{
    ea_jb_put(b, s, strlen(s));
}

void ea_jb_str(struct ea_jbuf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const char *run = s;
    ea_jb_put(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        const char *esc = NULL;
        char u[7];
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c < 0x20 || c == 0x7f) {
            u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
            u[4] = hex[c >> 4]; u[5] = hex[c & 15]; u[6] = 0;
            esc = u;
        }
        if (!esc)
            continue;
        ea_jb_put(b, run, (size_t)(s - run));
        ea_jb_lit(b, esc);
        run = s + 1;
    }
    ea_jb_put(b, run, (size_t)(s - run));
    ea_jb_put(b, "\"", 1);
}

void ea_jb_key(struct ea_jbuf *b, const char *k)
{
    if (b->len && b->p[b->len - 1] != '{' && b->p[b->len - 1] != '[')
        ea_jb_put(b, ",", 1);
    if (k) {
        ea_jb_str(b, k);
        ea_jb_put(b, ":", 1);
    }
}
