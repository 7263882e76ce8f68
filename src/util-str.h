/* util-str.h: capped, sanitised copies of strings taken from packets. */
#ifndef EA_UTIL_STR_H
#define EA_UTIL_STR_H

#include <stddef.h>
#include <stdint.h>

/* Longest string kept from a packet (bytes, before the terminating NUL). */
#define EA_STR_CAP 255

/*
 * Copies at most 'cap' bytes of src[0..n) into dst (which holds cap + 1
 * bytes), always NUL-terminated. The result is valid UTF-8: invalid
 * sequences, control characters (C0, DEL, C1) and U+FFFE/U+FFFF (not XML
 * 1.0 characters) become U+FFFD, and a
 * multi-byte character is never cut in half. Returns 1 when the input had
 * to be cut to fit, else 0. dst is caller-owned; src is only read.
 */
int ea_str_sanitize(char *dst, size_t cap, const uint8_t *src, size_t n);

/* Case-insensitive prefix test over raw bytes; 1 when data starts with lit. */
int ea_bytes_prefix_ci(const uint8_t *data, size_t len, const char *lit);

/* Safe formatted append into a fixed buffer; never overflows, always NUL. */
void ea_str_append(char *dst, size_t size, const char *src);

/*
 * snprintf(dst, size, "%s", src) without the printf machinery: copies what
 * fits of src (cut at a byte, as snprintf cuts), always NUL-terminated when
 * size > 0. Returns strlen(src). A NULL src is taken as "".
 */
size_t ea_str_copy(char *dst, size_t size, const char *src);

/*
 * A text built piece by piece into a caller's buffer of size bytes, as one
 * snprintf of the pieces' concatenation would write it: what does not fit
 * is cut (at a byte), and the buffer is NUL-terminated when size > 0. len is
 * the length the whole text has (snprintf's return), even past size. A NULL
 * buffer with size 0 takes nothing (the length is still counted).
 */
struct ea_sb {
    char *p;
    size_t size, len;
};

/* Starts b over buf (size bytes); buf gets "" when size > 0. */
void ea_sb_init(struct ea_sb *b, char *buf, size_t size);

/* Appends s (NULL: nothing), as "%s". */
void ea_sb_str(struct ea_sb *b, const char *s);

/* Appends v in decimal, as "%u" / "%llu". */
void ea_sb_u64(struct ea_sb *b, uint64_t v);

/*
 * Decimal digits without printf, two at a time (the JSON lines, times, ea_sb):
 * ea_dec_u64 writes the digits of v backwards so that they end at end and
 * returns where they start (at most 20 bytes before end); ea_dec_fixed
 * writes v as exactly width digits at p, zero-padded (the lowest width
 * digits when v has more).
 */
char *ea_dec_u64(char *end, uint64_t v);
void ea_dec_fixed(char *p, uint64_t v, int width);

#endif
