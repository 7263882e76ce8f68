/* util-bytes.h: bounds-checked reads of packet bytes, bound to the captured length. */
#ifndef EA_UTIL_BYTES_H
#define EA_UTIL_BYTES_H

#include <stddef.h>
#include <stdint.h>

/*
 * A cursor over captured bytes (tcpdump GET_ style). Every read checks the
 * remaining length first; a short read sets the sticky 'err' flag and yields
 * 0, so a parser can read a whole header and test 'err' once. The length test
 * is written as 'n <= len - off' so that no pointer is formed past the end.
 */
struct ea_cur {
    const uint8_t *b;   /* first byte; borrowed, never freed here */
    size_t len;         /* bytes available (caplen-bound) */
    size_t off;         /* next byte to read */
    int err;            /* set once any read ran past len */
};

static inline void ea_cur_init(struct ea_cur *c, const uint8_t *b, size_t len)
{
    c->b = b;
    c->len = b ? len : 0;
    c->off = 0;
    c->err = 0;
}

/* True when n more bytes are available. */
static inline int ea_cur_has(const struct ea_cur *c, size_t n)
{
    return !c->err && c->off <= c->len && n <= c->len - c->off;
}

static inline size_t ea_cur_left(const struct ea_cur *c)
{
    return (c->err || c->off > c->len) ? 0 : c->len - c->off;
}

static inline uint8_t ea_cur_u8(struct ea_cur *c)
{
    if (!ea_cur_has(c, 1)) { c->err = 1; return 0; }
    return c->b[c->off++];
}

static inline uint16_t ea_cur_be16(struct ea_cur *c)
{
    if (!ea_cur_has(c, 2)) { c->err = 1; return 0; }
    uint16_t v = (uint16_t)((uint16_t)c->b[c->off] << 8 | c->b[c->off + 1]);
    c->off += 2;
    return v;
}

static inline uint16_t ea_cur_le16(struct ea_cur *c)
{
    if (!ea_cur_has(c, 2)) { c->err = 1; return 0; }
    uint16_t v = (uint16_t)((uint16_t)c->b[c->off + 1] << 8 | c->b[c->off]);
    c->off += 2;
    return v;
}

static inline uint32_t ea_cur_be24(struct ea_cur *c)
{
    if (!ea_cur_has(c, 3)) { c->err = 1; return 0; }
    uint32_t v = (uint32_t)c->b[c->off] << 16 | (uint32_t)c->b[c->off + 1] << 8 |
                 c->b[c->off + 2];
    c->off += 3;
    return v;
}

static inline uint32_t ea_cur_be32(struct ea_cur *c)
{
    if (!ea_cur_has(c, 4)) { c->err = 1; return 0; }
    uint32_t v = (uint32_t)c->b[c->off] << 24 | (uint32_t)c->b[c->off + 1] << 16 |
                 (uint32_t)c->b[c->off + 2] << 8 | c->b[c->off + 3];
    c->off += 4;
    return v;
}

static inline uint32_t ea_cur_le32(struct ea_cur *c)
{
    if (!ea_cur_has(c, 4)) { c->err = 1; return 0; }
    uint32_t v = (uint32_t)c->b[c->off + 3] << 24 | (uint32_t)c->b[c->off + 2] << 16 |
                 (uint32_t)c->b[c->off + 1] << 8 | c->b[c->off];
    c->off += 4;
    return v;
}

/* Returns a pointer to the next n bytes and advances, or NULL (and err). */
static inline const uint8_t *ea_cur_ptr(struct ea_cur *c, size_t n)
{
    if (!ea_cur_has(c, n)) { c->err = 1; return NULL; }
    const uint8_t *p = c->b + c->off;
    c->off += n;
    return p;
}

static inline void ea_cur_skip(struct ea_cur *c, size_t n)
{
    if (!ea_cur_has(c, n)) { c->err = 1; return; }
    c->off += n;
}

/* A sub-cursor over the next n bytes (err set on both when short). */
static inline struct ea_cur ea_cur_sub(struct ea_cur *c, size_t n)
{
    struct ea_cur s;
    const uint8_t *p = ea_cur_ptr(c, n);
    ea_cur_init(&s, p, p ? n : 0);
    s.err = p ? 0 : 1;
    return s;
}

#endif
