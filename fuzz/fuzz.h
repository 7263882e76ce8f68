/* fuzz.h: shared by the fuzz targets: the chunked input format and the checks on dissector output. */
#ifndef EA_FUZZ_H
#define EA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util-bytes.h"

/*
 * libFuzzer entry points. LLVMFuzzerInitialize is optional: a target defines
 * it when it needs one-time set-up (rules, roles).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * The input of the stream and datagram targets is a list of chunks, so that
 * the fuzzer chooses both the bytes and where a stream is cut:
 *
 *   ctl  (1 byte)   bit 7: direction (0 client->server, 1 server->client);
 *                   bits 0-6: 0 = hand the chunk over whole, k = in pieces of
 *                   k bytes (more split points inside one segment)
 *   len  (2 bytes)  big-endian length of the chunk
 *   data (len)      the bytes; fewer when the input ends first
 *
 * fuzz/make-corpus.py writes the seeds in this format from real captures.
 */
struct fz_chunk {
    int dir;
    size_t piece;            /* 0: whole */
    const uint8_t *data;
    size_t len;
};

/* Next chunk from the input cursor; 0 when the input is used up. */
static inline int fz_next(struct ea_cur *in, struct fz_chunk *ch)
{
    if (ea_cur_left(in) < 3)
        return 0;
    uint8_t ctl = ea_cur_u8(in);
    size_t want = ea_cur_be16(in);
    size_t left = ea_cur_left(in);
    ch->dir = ctl >> 7;
    ch->piece = ctl & 0x7f;
    ch->len = want < left ? want : left;
    ch->data = ea_cur_ptr(in, ch->len);   /* never NULL: len <= left */
    return ch->data != NULL;
}

#ifndef EA_SRCDIR
#define EA_SRCDIR "."
#endif

/* The source tree the file-reading targets load schemas and rules from: $EA_SRCDIR, else the build's. */
static inline const char *fz_srcdir(void)
{
    const char *d = getenv("EA_SRCDIR");
    return d && *d ? d : EA_SRCDIR;
}

/* The bug report a fuzzer needs: what went wrong, then a crash it will save. */
#define FZ_FAIL(...) do { fprintf(stderr, "fuzz check failed: " __VA_ARGS__); \
                          fputc('\n', stderr); abort(); } while (0)

#ifdef _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>

/*
 * The file-reading targets' input as a file: a memfd named name holding
 * data, its /proc/self/fd path into path. Returns the descriptor (the
 * caller closes it).
 */
static inline int fz_memfd(const char *name, const uint8_t *data, size_t size, char *path, size_t n)
{
    int fd = memfd_create(name, 0);
    if (fd < 0)
        FZ_FAIL("memfd_create failed");
    for (size_t off = 0; off < size;) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0)
            FZ_FAIL("write to the memfd failed");
        off += (size_t)w;
    }
    snprintf(path, n, "/proc/self/fd/%d", fd);
    return fd;
}
#endif

/*
 * Length of the well-formed UTF-8 character (RFC 3629 section 4) at s[0..n),
 * or 0 when it is ill-formed or cut short.
 */
static inline size_t fz_utf8_char(const uint8_t *s, size_t n)
{
    uint8_t b = s[0], lo = 0x80, hi = 0xBF;
    size_t need;
    if (b < 0x80)
        return 1;
    if (b >= 0xC2 && b <= 0xDF) need = 2;
    else if (b == 0xE0) { need = 3; lo = 0xA0; }
    else if (b == 0xED) { need = 3; hi = 0x9F; }
    else if (b >= 0xE1 && b <= 0xEF) need = 3;
    else if (b == 0xF0) { need = 4; lo = 0x90; }
    else if (b == 0xF4) { need = 4; hi = 0x8F; }
    else if (b >= 0xF1 && b <= 0xF3) need = 4;
    else return 0;
    if (need > n)
        return 0;
    for (size_t k = 1; k < need; k++) {
        uint8_t c = s[k];
        if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF))
            return 0;
    }
    return need;
}

/*
 * 1 when s[0..n) is valid UTF-8 without C0 controls, DEL, C1 controls or U+FFFE/U+FFFF
 * (what ea_str_sanitize promises, and what XML 1.0 attribute text needs).
 * Tab, CR and LF are controls too: the sanitiser replaces them.
 */
static inline int fz_clean_utf8(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t k = fz_utf8_char(s + i, n - i);
        if (k == 0)
            return 0;
        if (k == 1 && (s[i] < 0x20 || s[i] == 0x7F))
            return 0;
        if (k == 2 && s[i] == 0xC2 && s[i + 1] <= 0x9F)
            return 0;
        if (k == 3 && s[i] == 0xEF && s[i + 1] == 0xBF && s[i + 2] >= 0xBE)
            return 0;   /* U+FFFE, U+FFFF: not XML 1.0 characters */
        i += k;
    }
    return 1;
}

/*
 * Checks a string field a dissector filled from packet bytes: NUL-terminated
 * inside its array and clean UTF-8. Aborts (a crash for the fuzzer) naming
 * the field otherwise.
 */
static inline void fz_check_field(const char *what, const char *s, size_t size)
{
    const char *nul = memchr(s, '\0', size);
    if (!nul)
        FZ_FAIL("%s: no NUL inside its %zu bytes", what, size);
    if (!fz_clean_utf8((const uint8_t *)s, (size_t)(nul - s)))
        FZ_FAIL("%s: not clean UTF-8 (invalid sequence or control character)", what);
}

#define FZ_CHECK_FIELD(st, field) fz_check_field(#field, (st)->field, sizeof((st)->field))

#endif
