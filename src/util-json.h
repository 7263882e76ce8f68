/* util-json.h: a growable buffer of JSON text (RFC 8259), for report-json.c and report-read.c. */
#ifndef EA_UTIL_JSON_H
#define EA_UTIL_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * The buffer: p (malloc'ed, NUL-terminated once anything was put, the
 * owner frees it), len bytes used of cap. Start it zeroed. After an
 * allocation failure oom is set and every append is a no-op.
 */
struct ea_jbuf {
    char *p;
    size_t len, cap;
    int oom;
};

/* ea_jb_put's way when the bytes do not fit (growing), or after oom. Use ea_jb_put. */
void ea_jb_put_grow(struct ea_jbuf *b, const char *s, size_t n);

/*
 * Appends n bytes of s as they are. Inline: a line is hundreds of small
 * appends, and with a constant n (EA_JB_KEY) the copy is a few moves.
 */
static inline void ea_jb_put(struct ea_jbuf *b, const char *s, size_t n)
{
    if (b->len < b->cap && n < b->cap - b->len && !b->oom) {   /* room for n bytes and the NUL */
        memcpy(b->p + b->len, s, n);
        b->len += n;
        b->p[b->len] = 0;
        return;
    }
    ea_jb_put_grow(b, s, n);
}

/* Appends the NUL-terminated s as it is. */
void ea_jb_lit(struct ea_jbuf *b, const char *s);

/*
 * Appends s as a JSON string (RFC 8259 section 7): quote, backslash and
 * control characters escaped (\n, \r, \t by name, the others and DEL as
 * \u00XX); every other byte passes as is (s is meant to be UTF-8; it is
 * not checked).
 */
void ea_jb_str(struct ea_jbuf *b, const char *s);

/* Appends v in decimal, the text of printf's "%" PRIu64. */
void ea_jb_u64(struct ea_jbuf *b, uint64_t v);


/*
 * Starts a member "k": with the comma before it when the object or array
 * already has members; with k NULL, only the comma (an array's element).
 */
void ea_jb_key(struct ea_jbuf *b, const char *k);

/*
 * ea_jb_key for a key that needs no escaping, given as mk = ",\"k\":" of
 * length n; its comma is left off at an object's or array's start. Use
 * EA_JB_KEY(b, "k"), which builds mk and n at compile time.
 */
static inline void ea_jb_keyn(struct ea_jbuf *b, const char *mk, size_t n)
{
    if (b->len && b->p[b->len - 1] != '{' && b->p[b->len - 1] != '[')
        ea_jb_put(b, mk, n);
    else
        ea_jb_put(b, mk + 1, n - 1);
}
#define EA_JB_MEMBER(k) ",\"" k "\":"
#define EA_JB_KEY(b, k) ea_jb_keyn((b), EA_JB_MEMBER(k), sizeof(EA_JB_MEMBER(k)) - 1)

#endif
