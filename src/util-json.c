/* util-json.c: a growable buffer of JSON text (RFC 8259). */
#include <stdlib.h>
#include <string.h>
#include "util-json.h"
#include "util-str.h"

/*
 * Room for n more bytes and the NUL after them: returns where they go, or
 * NULL (oom set, or already set). Grows by doubling: amortised O(1) a byte.
 */
static char *room(struct ea_jbuf *b, size_t n)
{
    if (b->oom)
        return NULL;
    if (n >= (size_t)-1 - b->len) {   /* len + n + 1 would wrap */
        b->oom = 1;
        return NULL;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->len + n + 1 > cap && cap <= (size_t)-1 / 2)
            cap *= 2;
        char *np = b->len + n + 1 > cap ? NULL : realloc(b->p, cap);
        if (!np) {
            b->oom = 1;
            return NULL;
        }
        b->p = np;
        b->cap = cap;
    }
    return b->p + b->len;
}

void ea_jb_put_grow(struct ea_jbuf *b, const char *s, size_t n)
{
    char *w = room(b, n);
    if (!w)
        return;
    memcpy(w, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

void ea_jb_lit(struct ea_jbuf *b, const char *s)
{
    ea_jb_put(b, s, strlen(s));
}

/* 1 for the bytes a JSON string cannot hold as they are (RFC 8259 section 7), and NUL (the end). */
static const unsigned char needs_escape[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,   /* 0x00: controls */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,   /* 0x10: controls */
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* 0x20: '"' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,   /* 0x50: '\\' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,   /* 0x70: DEL */
    /* 0x80-0xff: zero, UTF-8 passes as is */
};

/* The escape of one byte that needs it: \" \\ \n \r \t, else \u00XX. */
static void put_escape(struct ea_jbuf *b, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
    switch (c) {
    case '"':  ea_jb_put(b, "\\\"", 2); break;
    case '\\': ea_jb_put(b, "\\\\", 2); break;
    case '\n': ea_jb_put(b, "\\n", 2); break;
    case '\r': ea_jb_put(b, "\\r", 2); break;
    case '\t': ea_jb_put(b, "\\t", 2); break;
    default:   ea_jb_put(b, u, sizeof(u)); break;
    }
}

void ea_jb_str(struct ea_jbuf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s, *run = p;
    while (!needs_escape[*p])
        p++;
    if (!*p) {   /* nothing to escape (the usual case): one copy between the quotes */
        size_t n = (size_t)(p - run);
        char *w = b->len < b->cap && n + 2 < b->cap - b->len && !b->oom ? b->p + b->len : room(b, n + 2);
        if (!w)
            return;
        w[0] = '"';
        memcpy(w + 1, s, n);
        w[n + 1] = '"';
        b->len += n + 2;
        b->p[b->len] = 0;
        return;
    }
    ea_jb_put(b, "\"", 1);
    for (;;) {   /* runs that need nothing, each copied at once, between escapes */
        ea_jb_put(b, (const char *)run, (size_t)(p - run));
        if (!*p)
            break;
        put_escape(b, *p);
        run = ++p;
        while (!needs_escape[*p])
            p++;
    }
    ea_jb_put(b, "\"", 1);
}

void ea_jb_u64(struct ea_jbuf *b, uint64_t v)
{
    char t[20];   /* UINT64_MAX has 20 digits */
    char *s = ea_dec_u64(t + sizeof(t), v);
    ea_jb_put(b, s, (size_t)(t + sizeof(t) - s));
}

/* 1 when the object or array open at the buffer's end already has a member. */
static int needs_comma(const struct ea_jbuf *b)
{
    return b->len && b->p[b->len - 1] != '{' && b->p[b->len - 1] != '[';
}

void ea_jb_key(struct ea_jbuf *b, const char *k)
{
    if (needs_comma(b))
        ea_jb_put(b, ",", 1);
    if (k) {
        ea_jb_str(b, k);
        ea_jb_put(b, ":", 1);
    }
}

