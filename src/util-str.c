/* util-str.c: capped, sanitised UTF-8 copies of packet strings, and small string helpers. */
#include <string.h>

#include "util-str.h"

/* U+FFFD REPLACEMENT CHARACTER in UTF-8. */
static const uint8_t ea_repl[3] = { 0xEF, 0xBF, 0xBD };

/*
 * Length of the UTF-8 sequence starting with lead byte b0 and the valid range
 * of its second byte (RFC 3629 section 4, which rules out overlongs,
 * surrogates and code points above U+10FFFF). Returns 0 for a byte that can
 * never start a sequence.
 */
static unsigned utf8_lead(uint8_t b0, uint8_t *lo, uint8_t *hi)
{
    *lo = 0x80;
    *hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF)
        return 2;
    if (b0 == 0xE0) { *lo = 0xA0; return 3; }           /* no overlong */
    if (b0 == 0xED) { *hi = 0x9F; return 3; }           /* no surrogates */
    if (b0 >= 0xE1 && b0 <= 0xEF)
        return 3;
    if (b0 == 0xF0) { *lo = 0x90; return 4; }           /* no overlong */
    if (b0 == 0xF4) { *hi = 0x8F; return 4; }           /* <= U+10FFFF */
    if (b0 >= 0xF1 && b0 <= 0xF3)
        return 4;
    return 0;
}

/*
 * Decodes one unit at src[i]: sets *out and *out_len to the bytes to emit and
 * returns how many input bytes it consumed (at least 1). An ill-formed
 * sequence is replaced by one U+FFFD per maximal subpart (Unicode 15, 3.9).
 */
static size_t utf8_unit(const uint8_t *src, size_t n, size_t i,
                        const uint8_t **out, unsigned *out_len)
{
    uint8_t b0 = src[i], lo, hi;

    if (b0 < 0x80) {
        if (b0 < 0x20 || b0 == 0x7F) {         /* C0 and DEL */
            *out = ea_repl;
            *out_len = 3;
        } else {
            *out = src + i;
            *out_len = 1;
        }
        return 1;
    }
    unsigned need = utf8_lead(b0, &lo, &hi);
    *out = ea_repl;
    *out_len = 3;
    if (need == 0)
        return 1;
    size_t k;
    for (k = 1; k < need; k++) {
        if (i + k >= n)
            return k;                  /* cut short by the end of input */
        uint8_t c = src[i + k];
        uint8_t l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
        if (c < l || c > h)
            return k;                  /* the maximal subpart ends here */
    }
    /* C1 controls U+0080..U+009F are encoded C2 80..C2 9F. */
    if (b0 == 0xC2 && src[i + 1] <= 0x9F)
        return need;
    /* U+FFFE and U+FFFF (EF BF BE/BF) are not XML 1.0 Chars: a report would not re-parse. */
    if (b0 == 0xEF && src[i + 1] == 0xBF && src[i + 2] >= 0xBE)
        return need;
    *out = src + i;
    *out_len = need;
    return need;
}

/*
 * Copies src[0..n) into dst (cap + 1 bytes) as valid UTF-8 without controls
 * or the noncharacters U+FFFE and U+FFFF.
 * Stops before a character that would not fit whole. Returns 1 when some
 * input was left out, else 0. A NULL dst does nothing and returns 0; a NULL
 * src is taken as empty.
 */
int ea_str_sanitize(char *dst, size_t cap, const uint8_t *src, size_t n)
{
    size_t i = 0, o = 0;
    int cut = 0;

    if (!dst)
        return 0;
    if (!src)
        n = 0;
    while (i < n) {
        const uint8_t *u;
        unsigned ulen;
        size_t used = utf8_unit(src, n, i, &u, &ulen);
        if (ulen > cap - o) {
            cut = 1;
            break;
        }
        memcpy(dst + o, u, ulen);
        o += ulen;
        i += used;
    }
    dst[o] = '\0';
    return cut;
}

static int ascii_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/*
 * Returns 1 when data[0..len) starts with lit, ignoring ASCII case; 0 when it
 * does not or is too short. An empty lit always matches; NULL lit never does.
 */
int ea_bytes_prefix_ci(const uint8_t *data, size_t len, const char *lit)
{
    if (!lit)
        return 0;
    size_t m = strlen(lit);
    if (m > len)
        return 0;
    for (size_t i = 0; i < m; i++)
        if (ascii_lower(data[i]) != ascii_lower((unsigned char)lit[i]))
            return 0;
    return 1;
}

/*
 * Appends the NUL-terminated src to the string in dst (size bytes in all).
 * What does not fit is dropped, never half a UTF-8 character; dst always ends
 * in NUL. A NULL dst or src, or size 0, is a no-op.
 */
void ea_str_append(char *dst, size_t size, const char *src)
{
    if (!dst || !src || size == 0)
        return;
    const char *end = memchr(dst, '\0', size);
    size_t used = end ? (size_t)(end - dst) : size - 1;
    size_t room = size - 1 - used;
    size_t n = strlen(src);

    if (n > room) {
        n = room;
        /* src[n] is the first byte left out: do not end inside its character. */
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst + used, src, n);
    dst[used + n] = '\0';
}

size_t ea_str_copy(char *dst, size_t size, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (size) {
        size_t k = n < size ? n : size - 1;
        if (k)
            memcpy(dst, src, k);
        dst[k] = '\0';
    }
    return n;
}

void ea_sb_init(struct ea_sb *b, char *buf, size_t size)
{
    b->p = buf;
    b->size = buf ? size : 0;
    b->len = 0;
    if (b->size)
        b->p[0] = '\0';
}

/* Appends n bytes of s: what fits before the last byte of the buffer, which stays for the NUL. */
static void sb_put(struct ea_sb *b, const char *s, size_t n)
{
    if (b->len + 1 < b->size) {
        size_t room = b->size - 1 - b->len, k = n < room ? n : room;
        memcpy(b->p + b->len, s, k);
        b->p[b->len + k] = '\0';
    }
    b->len += n;
}

void ea_sb_str(struct ea_sb *b, const char *s)
{
    if (s)
        sb_put(b, s, strlen(s));
}

void ea_sb_u64(struct ea_sb *b, uint64_t v)
{
    char t[20];   /* UINT64_MAX has 20 digits */
    char *s = ea_dec_u64(t + sizeof(t), v);
    sb_put(b, s, (size_t)(t + sizeof(t) - s));
}

/* "00" "01" ... "99": two digits at a time. */
static const char pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

char *ea_dec_u64(char *end, uint64_t v)
{
    while (v >= 100) {
        size_t r = (size_t)(v % 100);
        v /= 100;
        end -= 2;
        memcpy(end, pairs + 2 * r, 2);
    }
    if (v >= 10) {
        end -= 2;
        memcpy(end, pairs + 2 * v, 2);
    } else {
        *--end = (char)('0' + v);
    }
    return end;
}

void ea_dec_fixed(char *p, uint64_t v, int width)
{
    int i = width;
    for (; i >= 2; i -= 2) {
        memcpy(p + i - 2, pairs + 2 * (size_t)(v % 100), 2);
        v /= 100;
    }
    if (i)
        p[0] = (char)('0' + v % 10);
}
