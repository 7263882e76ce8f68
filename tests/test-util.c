/* test-util.c: unit tests of util-str.c, util-bytes.h, util-stats.c, util-time.c, util-addr.c, util-xml.c. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests.h"
#include "util-str.h"
#include "util-bytes.h"
#include "util-stats.h"
#include "util-time.h"
#include "util-addr.h"
#include "util-xml.h"
#include "util-json.h"
#include "util-file.h"
#include <arpa/inet.h>
#include <sys/socket.h>
#include <libxml/globals.h>
#include <libxml/parser.h>

#define REPL "\xEF\xBF\xBD"

/* Sanitises a C string literal of explicit length; returns the truncation flag. */
static int san(char *dst, size_t cap, const char *s, size_t n)
{
    return ea_str_sanitize(dst, cap, (const uint8_t *)s, n);
}

/* Independent check that a string is valid UTF-8 without any control. */
static int valid_utf8_no_ctl(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p, len, cp;
        if (c < 0x80) { len = 1; cp = c; }
        else if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
        else return 0;
        for (unsigned k = 1; k < len; k++) {
            if ((p[k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (p[k] & 0x3F);
        }
        static const unsigned min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
        if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFFFE || cp == 0xFFFF)
            return 0;
        p += len;
    }
    return 1;
}

static void test_sanitize_plain(void)
{
    char out[EA_STR_CAP + 1];
    CU_ASSERT_EQUAL(san(out, EA_STR_CAP, "sip:alice@example.com", 21), 0);
    CU_ASSERT_STRING_EQUAL(out, "sip:alice@example.com");
    /* Markup is kept as text: escaping is the report writer's job. */
    CU_ASSERT_EQUAL(san(out, EA_STR_CAP, "<script>alert(1)</script>", 25), 0);
    CU_ASSERT_STRING_EQUAL(out, "<script>alert(1)</script>");
    CU_ASSERT_EQUAL(san(out, EA_STR_CAP, "a]]>b", 5), 0);
    CU_ASSERT_STRING_EQUAL(out, "a]]>b");
    /* Empty and NULL input give an empty string. */
    CU_ASSERT_EQUAL(san(out, EA_STR_CAP, "", 0), 0);
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_EQUAL(ea_str_sanitize(out, EA_STR_CAP, NULL, 5), 0);
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_EQUAL(ea_str_sanitize(NULL, EA_STR_CAP, (const uint8_t *)"x", 1), 0);
}

static void test_sanitize_controls(void)
{
    char out[EA_STR_CAP + 1];
    /* NUL, TAB, CR, LF, ESC, DEL each become U+FFFD; the NUL does not end it. */
    CU_ASSERT_EQUAL(san(out, EA_STR_CAP, "a\0b\tc\r\n\x1b\x7f" "d", 10), 0);
    CU_ASSERT_STRING_EQUAL(out, "a" REPL "b" REPL "c" REPL REPL REPL REPL "d");
    /* C1 controls U+0080 (C2 80) and U+009F (C2 9F); U+00A0 (C2 A0) is kept. */
    CU_ASSERT_EQUAL(san(out, EA_STR_CAP, "\xC2\x80\xC2\x9F\xC2\xA0", 6), 0);
    CU_ASSERT_STRING_EQUAL(out, REPL REPL "\xC2\xA0");
}

static void test_sanitize_valid_multibyte(void)
{
    char out[EA_STR_CAP + 1];
    /* e-acute (2 bytes), euro sign (3), U+10348 (4), U+10FFFF (4). */
    const char *s = "\xC3\xA9\xE2\x82\xAC\xF0\x90\x8D\x88\xF4\x8F\xBF\xBF";
    CU_ASSERT_EQUAL(san(out, EA_STR_CAP, s, strlen(s)), 0);
    CU_ASSERT_STRING_EQUAL(out, s);
}

static void test_sanitize_invalid(void)
{
    char out[EA_STR_CAP + 1];
    struct { const char *in; size_t n; const char *want; } cases[] = {
        /* lone continuation byte */
        { "a\x80z", 3, "a" REPL "z" },
        /* overlong '/' as C0 AF, and C1 BF: both never-valid lead bytes */
        { "\xC0\xAF\xC1\xBF", 4, REPL REPL REPL REPL },
        /* overlong 3-byte E0 80 AF: E0 then 80 out of range -> 3 replacements */
        { "\xE0\x80\xAF", 3, REPL REPL REPL },
        /* overlong 4-byte F0 80 80 AF */
        { "\xF0\x80\x80\xAF", 4, REPL REPL REPL REPL },
        /* surrogate U+D800 = ED A0 80 */
        { "\xED\xA0\x80", 3, REPL REPL REPL },
        /* above U+10FFFF: F4 90 80 80, and F5 lead byte */
        { "\xF4\x90\x80\x80", 4, REPL REPL REPL REPL },
        { "\xF5\x80", 2, REPL REPL },
        /* FE, FF never appear in UTF-8 */
        { "\xFE\xFF", 2, REPL REPL },
        /* truncated 3-byte sequence (E2 82) then ASCII: one U+FFFD for the subpart */
        { "\xE2\x82x", 3, REPL "x" },
        /* truncated 4-byte sequence at end of input */
        { "ok\xF0\x90\x8D", 5, "ok" REPL },
        /* lead byte followed by another lead byte */
        { "\xC3\xC3\xA9", 3, REPL "\xC3\xA9" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CU_ASSERT_EQUAL(san(out, EA_STR_CAP, cases[i].in, cases[i].n), 0);
        CU_ASSERT_STRING_EQUAL(out, cases[i].want);
    }
}

static void test_sanitize_cap(void)
{
    char out[16];
    /* Exactly cap bytes fit, untruncated; one more is cut. */
    CU_ASSERT_EQUAL(san(out, 5, "abcde", 5), 0);
    CU_ASSERT_STRING_EQUAL(out, "abcde");
    CU_ASSERT_EQUAL(san(out, 5, "abcdef", 6), 1);
    CU_ASSERT_STRING_EQUAL(out, "abcde");
    /* cap 0: only the NUL. */
    CU_ASSERT_EQUAL(san(out, 0, "a", 1), 1);
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_EQUAL(san(out, 0, "", 0), 0);
    /* A 2-byte char that would straddle the cap is dropped whole. */
    CU_ASSERT_EQUAL(san(out, 4, "abc\xC3\xA9", 5), 1);
    CU_ASSERT_STRING_EQUAL(out, "abc");
    /* A replacement (3 bytes) that does not fit is not cut either. */
    CU_ASSERT_EQUAL(san(out, 4, "ab\x01", 3), 1);
    CU_ASSERT_STRING_EQUAL(out, "ab");
    CU_ASSERT_EQUAL(san(out, 5, "ab\x01", 3), 0);
    CU_ASSERT_STRING_EQUAL(out, "ab" REPL);
    /* A 4-byte char at every cap from 0 to 6 after "xy". */
    const char *s = "xy\xF0\x9F\x98\x80";
    for (size_t cap = 0; cap <= 6; cap++) {
        int cut = san(out, cap, s, 6);
        CU_ASSERT_EQUAL(cut, cap < 6);
        CU_ASSERT_EQUAL(strlen(out), cap < 2 ? cap : cap < 6 ? 2 : 6);
        CU_ASSERT(valid_utf8_no_ctl(out));
    }
    /* The project-wide cap: 300 'a' become 255 and are flagged. */
    char big[300], capped[EA_STR_CAP + 1];
    memset(big, 'a', sizeof big);
    CU_ASSERT_EQUAL(san(capped, EA_STR_CAP, big, sizeof big), 1);
    CU_ASSERT_EQUAL(strlen(capped), EA_STR_CAP);
    CU_ASSERT_EQUAL(san(capped, EA_STR_CAP, big, EA_STR_CAP), 0);
}

/* U+FFFE and U+FFFF are not XML 1.0 characters (the fuzz-str finding); U+FFFD and U+FFFC stay. */
static void test_sanitize_nonchars(void)
{
    char out[EA_STR_CAP + 1];
    CU_ASSERT_EQUAL(san(out, EA_STR_CAP, "a\xEF\xBF\xBF" "b", 5), 0);
    CU_ASSERT_STRING_EQUAL(out, "a" REPL "b");
    CU_ASSERT_EQUAL(san(out, EA_STR_CAP, "\xEF\xBF\xBE", 3), 0);
    CU_ASSERT_STRING_EQUAL(out, REPL);
    /* The crash input itself: cap 0xFF, split 0, then U+FFFF. */
    CU_ASSERT_EQUAL(san(out, 0xFF, "\xEF\xBF\xBF", 3), 0);
    CU_ASSERT_STRING_EQUAL(out, REPL);
    CU_ASSERT(valid_utf8_no_ctl(out));
    CU_ASSERT_EQUAL(san(out, EA_STR_CAP, "\xEF\xBF\xBD\xEF\xBF\xBC", 6), 0);
    CU_ASSERT_STRING_EQUAL(out, "\xEF\xBF\xBD\xEF\xBF\xBC");
    /* Cut short: EF BF is one maximal subpart, one U+FFFD. */
    CU_ASSERT_EQUAL(san(out, EA_STR_CAP, "\xEF\xBFz", 3), 0);
    CU_ASSERT_STRING_EQUAL(out, REPL "z");
    /* Supplementary noncharacters (U+1FFFF) are XML Chars and are kept. */
    CU_ASSERT_EQUAL(san(out, EA_STR_CAP, "\xF0\x9F\xBF\xBF", 4), 0);
    CU_ASSERT_STRING_EQUAL(out, "\xF0\x9F\xBF\xBF");
}

/* Every byte string of a pseudo-random stream comes out valid and within cap. */
static void test_sanitize_fuzz(void)
{
    uint8_t in[64];
    char out[32];
    uint32_t x = 12345;
    for (int round = 0; round < 5000; round++) {
        for (size_t i = 0; i < sizeof in; i++) {
            x = x * 1103515245u + 12345u;
            in[i] = (uint8_t)(x >> 16);
        }
        size_t cap = (size_t)(x % 32);
        ea_str_sanitize(out, cap, in, (size_t)(x >> 8) % sizeof in);
        CU_ASSERT_FATAL(strlen(out) <= cap);
        CU_ASSERT_FATAL(valid_utf8_no_ctl(out));
    }
}

static void test_prefix_ci(void)
{
    const uint8_t inv[] = "INVITE sip:bob@example.com SIP/2.0";
    CU_ASSERT_EQUAL(ea_bytes_prefix_ci(inv, sizeof inv - 1, "invite "), 1);
    CU_ASSERT_EQUAL(ea_bytes_prefix_ci(inv, sizeof inv - 1, "INVITE"), 1);
    CU_ASSERT_EQUAL(ea_bytes_prefix_ci(inv, sizeof inv - 1, "register"), 0);
    /* Shorter data than the literal never matches, and is not over-read. */
    for (size_t len = 0; len < 6; len++)
        CU_ASSERT_EQUAL(ea_bytes_prefix_ci(inv, len, "invite"), 0);
    CU_ASSERT_EQUAL(ea_bytes_prefix_ci(inv, 6, "invite"), 1);
    CU_ASSERT_EQUAL(ea_bytes_prefix_ci(inv, 0, ""), 1);
    CU_ASSERT_EQUAL(ea_bytes_prefix_ci(NULL, 0, ""), 1);
    CU_ASSERT_EQUAL(ea_bytes_prefix_ci(inv, sizeof inv - 1, NULL), 0);
    /* Only ASCII letters fold: '@' (0x40) is not '`' (0x60). */
    const uint8_t at[] = "@";
    CU_ASSERT_EQUAL(ea_bytes_prefix_ci(at, 1, "`"), 0);
}

static void test_append(void)
{
    char buf[8] = "";
    ea_str_append(buf, sizeof buf, "abc");
    CU_ASSERT_STRING_EQUAL(buf, "abc");
    ea_str_append(buf, sizeof buf, "defgh");
    CU_ASSERT_STRING_EQUAL(buf, "abcdefg");           /* 7 bytes + NUL */
    ea_str_append(buf, sizeof buf, "x");
    CU_ASSERT_STRING_EQUAL(buf, "abcdefg");
    ea_str_append(buf, sizeof buf, NULL);
    ea_str_append(NULL, 4, "x");
    ea_str_append(buf, 0, "x");
    CU_ASSERT_STRING_EQUAL(buf, "abcdefg");

    /* An unterminated buffer is terminated rather than overrun. */
    char raw[4] = { 'w', 'x', 'y', 'z' };
    ea_str_append(raw, sizeof raw, "q");
    CU_ASSERT_STRING_EQUAL(raw, "wxy");

    /* A multibyte character is not cut: "ab" + euro (3 bytes) into 5 bytes. */
    char m[5] = "ab";
    ea_str_append(m, sizeof m, "\xE2\x82\xAC");
    CU_ASSERT_STRING_EQUAL(m, "ab");
    char m2[6] = "ab";
    ea_str_append(m2, sizeof m2, "\xE2\x82\xAC" "z");
    CU_ASSERT_STRING_EQUAL(m2, "ab\xE2\x82\xAC");
}

/* ea_str_copy and the string builder write what snprintf writes, cut at every buffer size. */
static void test_copy_and_builder(void)
{
    static const char *const words[] = { "", "a", "SYN answered by RST (", "\xE2\x82\xAC", "; x" };
    char want[64], got[64];
    unsigned bad = 0;
    for (size_t size = 0; size <= 40; size++) {
        for (size_t w = 0; w < 5; w++) {
            memset(want, '#', sizeof(want));
            memset(got, '#', sizeof(got));
            int n = snprintf(want, size, "%s", words[w]);
            bad += ea_str_copy(got, size, words[w]) != (size_t)n;
            bad += memcmp(want, got, sizeof(want)) != 0;   /* not a byte past the cut either */
        }
        uint64_t v = 18446744073709551615ULL;
        memset(want, '#', sizeof(want));
        memset(got, '#', sizeof(got));
        char full[128];   /* the one snprintf of all the pieces, then cut at size as snprintf cuts */
        snprintf(full, sizeof(full), "%s%u SYN%s%s%llu)%s", words[2], 3u, "s", words[3],
                 (unsigned long long)v, words[4]);
        int n = snprintf(want, size, "%s", full);
        struct ea_sb b;
        ea_sb_init(&b, size ? got : NULL, size);
        ea_sb_str(&b, words[2]);
        ea_sb_u64(&b, 3);
        ea_sb_str(&b, " SYN");
        ea_sb_str(&b, "s");
        ea_sb_str(&b, NULL);
        ea_sb_str(&b, words[3]);
        ea_sb_u64(&b, v);
        ea_sb_str(&b, ")");
        ea_sb_str(&b, words[4]);
        bad += b.len != (size_t)n;
        bad += memcmp(want, got, sizeof(want)) != 0;
    }
    CU_ASSERT_EQUAL(bad, 0u);
    struct ea_sb z;
    ea_sb_init(&z, got, sizeof(got));
    ea_sb_u64(&z, 0);
    CU_ASSERT_STRING_EQUAL(got, "0");
    CU_ASSERT_EQUAL(ea_str_copy(got, sizeof(got), NULL), 0u);
    CU_ASSERT_STRING_EQUAL(got, "");
}

/* The decimal writers against printf: every number of digits, and fixed widths cut or padded. */
static void test_decimal(void)
{
    char t[20], want[24], got[24];
    unsigned bad = 0;
    for (uint64_t v = 1, i = 0; i < 20; i++, v *= 10)
        for (uint64_t d = 0; d < 3; d++) {
            uint64_t x = v - 1 + d;   /* 9..., 10..., 11... */
            char *s = ea_dec_u64(t + sizeof(t), x);
            snprintf(want, sizeof(want), "%llu", (unsigned long long)x);
            bad += strlen(want) != (size_t)(t + sizeof(t) - s) || memcmp(s, want, strlen(want)) != 0;
        }
    char *s = ea_dec_u64(t + sizeof(t), UINT64_MAX);
    bad += s != t || memcmp(s, "18446744073709551615", 20) != 0;
    for (int w = 1; w <= 9; w++) {
        memset(got, 0, sizeof(got));
        ea_dec_fixed(got, 1234567ULL, w);
        snprintf(want, sizeof(want), "%0*llu", w, 1234567ULL);
        const char *low = want + strlen(want) - (size_t)w;   /* the lowest w digits */
        bad += memcmp(got, low, (size_t)w) != 0 || got[w] != 0;
    }
    CU_ASSERT_EQUAL(bad, 0u);
}

/* The cursor of util-bytes.h: every read is checked and the error sticks. */
static void test_cursor(void)
{
    /* 01 | 02 03 | 04 05 06 07 | 08 */
    const uint8_t b[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
    struct ea_cur c;
    ea_cur_init(&c, b, sizeof b);
    CU_ASSERT_EQUAL(ea_cur_u8(&c), 0x01);
    CU_ASSERT_EQUAL(ea_cur_be16(&c), 0x0203);
    CU_ASSERT_EQUAL(ea_cur_be32(&c), 0x04050607u);
    CU_ASSERT_EQUAL(ea_cur_left(&c), 1);
    CU_ASSERT_EQUAL(ea_cur_be16(&c), 0);                /* short read */
    CU_ASSERT(c.err);
    CU_ASSERT_EQUAL(ea_cur_u8(&c), 0);                  /* sticky */
    CU_ASSERT_EQUAL(ea_cur_left(&c), 0);

    ea_cur_init(&c, b, sizeof b);
    struct ea_cur s = ea_cur_sub(&c, 3);
    CU_ASSERT(!s.err);
    CU_ASSERT_EQUAL(ea_cur_be24(&s), 0x010203u);
    s = ea_cur_sub(&c, 6);
    CU_ASSERT(s.err && c.err);
    CU_ASSERT_PTR_NULL(s.b);
}

/*
 * ea_stats_add sums every counter, field by field. Checked without its own
 * field list: the struct is walked here as uint64_t slots (every field is
 * one), each set to a distinct value, and every slot but the two time
 * stamps must come out as the sum.
 */
static void test_stats_add_every_field(void)
{
    enum { N = sizeof(struct ea_stats) / sizeof(uint64_t) };
    CU_ASSERT_EQUAL_FATAL(sizeof(struct ea_stats) % sizeof(uint64_t), 0);
    struct ea_stats to, from;
    uint64_t t[N], f[N];
    for (size_t k = 0; k < N; k++) {
        t[k] = 1000u * (k + 1);
        f[k] = k + 1;
    }
    memcpy(&to, t, sizeof to);
    memcpy(&from, f, sizeof from);
    to.first_ns = 500;
    to.last_ns = 600;
    from.first_ns = 400;    /* earlier: taken */
    from.last_ns = 550;     /* earlier: not taken */
    ea_stats_add(&to, &from);
    uint64_t got[N];
    memcpy(got, &to, sizeof got);
    size_t first = offsetof(struct ea_stats, first_ns) / sizeof(uint64_t);
    size_t last = offsetof(struct ea_stats, last_ns) / sizeof(uint64_t);
    size_t bad = 0;
    for (size_t k = 0; k < N; k++) {
        if (k == first || k == last)
            continue;
        if (got[k] != 1001u * (k + 1))
            bad++;
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(to.first_ns, 400);
    CU_ASSERT_EQUAL(to.last_ns, 600);
    /* Named fields from both ends of the struct, and the malformed[] array. */
    CU_ASSERT_EQUAL(to.packets, 1001u * (offsetof(struct ea_stats, packets) / 8 + 1));
    CU_ASSERT_EQUAL(to.ts_backwards, 1001u * (offsetof(struct ea_stats, ts_backwards) / 8 + 1));
    CU_ASSERT_EQUAL(to.malformed[EA_MAL__COUNT - 1],
                    1001u * (offsetof(struct ea_stats, malformed) / 8 + EA_MAL__COUNT));
    /* 0 is "no packet yet": it never becomes the earliest time. */
    memset(&from, 0, sizeof from);
    ea_stats_add(&to, &from);
    CU_ASSERT_EQUAL(to.first_ns, 400);
    memset(&to, 0, sizeof to);
    from.first_ns = 7;
    ea_stats_add(&to, &from);
    CU_ASSERT_EQUAL(to.first_ns, 7);
}

/* Fixed instants, a leap day, the last nanosecond of a second, and cuts of the buffer. */
static void test_time_str(void)
{
    char b[48];
    CU_ASSERT_STRING_EQUAL(ea_time_str(0, b, sizeof b), "1970-01-01T00:00:00.000000000Z");
    CU_ASSERT_STRING_EQUAL(ea_time_str(951782400ULL * 1000000000ULL + 1, b, sizeof b),
                           "2000-02-29T00:00:00.000000001Z");
    CU_ASSERT_STRING_EQUAL(ea_time_str(1363341599ULL * 1000000000ULL + 999999999ULL, b, sizeof b),
                           "2013-03-15T09:59:59.999999999Z");
    CU_ASSERT_STRING_EQUAL(ea_time_str(UINT64_MAX, b, sizeof b), "2554-07-21T23:34:33.709551615Z");
    CU_ASSERT_STRING_EQUAL(ea_time_str(0, b, 31), "1970-01-01T00:00:00.000000000Z");
    CU_ASSERT_STRING_EQUAL(ea_time_str(0, b, 30), "1970-01-01T00:00:00.000000000");
    CU_ASSERT_STRING_EQUAL(ea_time_str(0, b, 1), "");
    b[0] = 'x';
    ea_time_str(0, b, 0);           /* n 0 writes nothing */
    CU_ASSERT_EQUAL(b[0], 'x');
    /* against gmtime_r and strftime over a fixed pseudo-random walk of times */
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    unsigned bad = 0;
    for (int i = 0; i < 2000; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        uint64_t ns = i < 1000 ? x % (4102444800ULL * 1000000000ULL) : x >> (i % 40);
        time_t sec = (time_t)(ns / 1000000000ULL);
        struct tm tm;
        char want[64], date[32];
        CU_ASSERT_PTR_NOT_NULL_FATAL(gmtime_r(&sec, &tm));
        strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(want, sizeof(want), "%s.%09lluZ", date, (unsigned long long)(ns % 1000000000ULL));
        bad += strcmp(ea_time_str(ns, b, sizeof b), want) != 0;
    }
    CU_ASSERT_EQUAL(bad, 0u);
}

/* IPv4, IPv6 (compressed, full width, v4-mapped), unknown family and short buffers. */
static void test_addr_str(void)
{
    static const uint8_t v4[16] = { 198, 51, 100, 254 };
    static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 };
    static const uint8_t wide[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78,
                                      0x9a, 0xbc, 0xde, 0xf0, 0xff, 0xff, 0xab, 0xcd };
    static const uint8_t mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 7 };
    char b[64];
    CU_ASSERT_STRING_EQUAL(ea_addr_str(4, v4, b, sizeof b), "198.51.100.254");
    CU_ASSERT_STRING_EQUAL(ea_addr_str(6, v6, b, sizeof b), "2001:db8::1");
    CU_ASSERT_STRING_EQUAL(ea_addr_str(6, wide, b, sizeof b),
                           "2001:db8:1234:5678:9abc:def0:ffff:abcd");
    CU_ASSERT_STRING_EQUAL(ea_addr_str(6, mapped, b, sizeof b), "::ffff:192.0.2.7");
    CU_ASSERT_STRING_EQUAL(ea_addr_str(0, v4, b, sizeof b), "-");
    CU_ASSERT_STRING_EQUAL(ea_addr_str(5, v4, b, sizeof b), "-");
    CU_ASSERT_STRING_EQUAL(ea_addr_str(4, NULL, b, sizeof b), "-");
    CU_ASSERT_STRING_EQUAL(ea_addr_str(4, v4, b, 15), "198.51.100.254");  /* exactly fits */
    CU_ASSERT_STRING_EQUAL(ea_addr_str(4, v4, b, 14), "");                /* one short */
    CU_ASSERT_STRING_EQUAL(ea_addr_str(4, v4, NULL, 0), "");
}

/* ea_addr_str's IPv6 text is inet_ntop's, byte for byte: every pattern of zero groups, all widths. */
static void test_addr_v6_like_inet_ntop(void)
{
    static const unsigned vals[] = { 0x1, 0xa, 0xab, 0xabc, 0xabcd, 0xffff, 0x1000, 0x0100, 0x2001 };
    uint64_t x = 0x243f6a8885a308d3ULL;
    unsigned checked = 0, bad = 0;
    for (unsigned zeros = 0; zeros < 256; zeros++) {
        for (unsigned v = 0; v < 4 * sizeof(vals) / sizeof(vals[0]); v++) {
            uint8_t a[16];
            for (int i = 0; i < 8; i++) {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                unsigned w = zeros >> i & 1 ? 0 : v < 9 ? vals[(v + (unsigned)i) % 9] : (unsigned)(x % 0xffff) + 1;
                a[2 * i] = (uint8_t)(w >> 8);
                a[2 * i + 1] = (uint8_t)w;
            }
            if (v == 5 && zeros == 0x1f) {   /* ::ffff:a.b.c.d shapes come from the zero patterns */
                a[10] = a[11] = 0xff;
            }
            char want[64], got[64];
            CU_ASSERT_PTR_NOT_NULL_FATAL(inet_ntop(AF_INET6, a, want, sizeof(want)));
            ea_addr_str(6, a, got, sizeof(got));
            bad += strcmp(want, got) != 0;
            ea_addr_str(6, a, got, INET6_ADDRSTRLEN);
            bad += strcmp(want, got) != 0;
            ea_addr_str(6, a, got, (unsigned)strlen(want) + 1);   /* exactly fits: inet_ntop's way */
            bad += strcmp(want, got) != 0;
            checked++;
        }
    }
    CU_ASSERT_EQUAL(checked, 256u * 36u);
    CU_ASSERT_EQUAL(bad, 0u);
    static const uint8_t ends[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
    static const uint8_t tie[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1 };
    static const uint8_t one[16] = { 0x20, 0x01, 0, 0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6 };
    char b[64];
    CU_ASSERT_STRING_EQUAL(ea_addr_str(6, ends, b, sizeof b), "2001:db8:0:0:1::");
    CU_ASSERT_STRING_EQUAL(ea_addr_str(6, tie, b, sizeof b), "fe80::1:0:0:1:1");   /* the first of equal runs */
    CU_ASSERT_STRING_EQUAL(ea_addr_str(6, one, b, sizeof b), "2001:0:1:2:3:4:5:6");   /* one zero group stays */
}

/* The transport names the reports and --flows print, by IP protocol number. */
static void test_proto_name(void)
{
    CU_ASSERT_STRING_EQUAL(ea_proto_name(6), "tcp");
    CU_ASSERT_STRING_EQUAL(ea_proto_name(17), "udp");
    CU_ASSERT_STRING_EQUAL(ea_proto_name(1), "icmp");
    CU_ASSERT_STRING_EQUAL(ea_proto_name(58), "icmp6");
    CU_ASSERT_STRING_EQUAL(ea_proto_name(47), "ip");
    CU_ASSERT_STRING_EQUAL(ea_proto_name(0), "ip");
}

static int outer_calls;
static void outer_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
    outer_calls++;
}

static int structured_calls;
static void count_structured(void *ctx, ea_xml_error_ptr e)
{
    (void)e;
    (*(int *)ctx)++;
}

/* A parse error is caught as one line, nothing reaches the hooks in place before, and
   catch_off gives those hooks back, also after a nested catch. */
static void test_xml_catch(void)
{
    static const char bad[] = "<a>\n<b></a>";
    xmlSetGenericErrorFunc(NULL, outer_generic);
    outer_calls = 0;
    struct ea_xml_catch c = { .on_error = NULL };
    ea_xml_catch_on(&c);
    xmlDocPtr doc = xmlReadMemory(bad, (int)sizeof(bad) - 1, "bad.xml", NULL, XML_PARSE_NONET);
    CU_ASSERT_PTR_NULL(doc);
    xmlFreeDoc(doc);
    CU_ASSERT(c.first[0] != 0);
    CU_ASSERT_PTR_NULL(strchr(c.first, '\n'));

    struct ea_xml_catch inner = { .on_error = count_structured, .ctx = &structured_calls };
    structured_calls = 0;
    ea_xml_catch_on(&inner);
    CU_ASSERT_EQUAL(inner.first[0], 0);
    doc = xmlReadMemory(bad, (int)sizeof(bad) - 1, "bad.xml", NULL, XML_PARSE_NONET);
    xmlFreeDoc(doc);
    CU_ASSERT(structured_calls > 0);            /* went to on_error, not into first */
    CU_ASSERT_EQUAL(inner.first[0], 0);
    ea_xml_catch_off(&inner);
    CU_ASSERT(xmlGenericErrorContext == (void *)&c);   /* the outer catch is back */

    ea_xml_catch_off(&c);
    CU_ASSERT(xmlGenericError == outer_generic);
    CU_ASSERT_EQUAL(outer_calls, 0);
    xmlSetGenericErrorFunc(NULL, NULL);
}

/* JSON strings escape quote, backslash and controls (\n \r \t by name), keep UTF-8; keys get commas. */
static void test_json_buffer(void)
{
    struct ea_jbuf b = { NULL, 0, 0, 0 };
    ea_jb_put(&b, "{", 1);
    ea_jb_key(&b, "a");
    ea_jb_str(&b, "q\"b\\n\nr\rt\tc\x01" "d\x7f\xc3\xa9");
    ea_jb_key(&b, "l");
    ea_jb_put(&b, "[", 1);
    ea_jb_key(&b, NULL);
    ea_jb_lit(&b, "1");
    ea_jb_key(&b, NULL);
    ea_jb_lit(&b, "2");
    ea_jb_lit(&b, "]}");
    CU_ASSERT_FALSE(b.oom);
    CU_ASSERT_STRING_EQUAL(b.p, "{\"a\":\"q\\\"b\\\\n\\nr\\rt\\tc\\u0001d\\u007f\xc3\xa9\",\"l\":[1,2]}");
    char big[10000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    ea_jb_lit(&b, big);   /* grows past its first 4 KB */
    CU_ASSERT_EQUAL(b.len, strlen(b.p));
    CU_ASSERT(b.cap > b.len);
    free(b.p);
}

/* The escaping as it was written byte by byte before the table (the reference the table must match). */
static void ref_json_str(char *out, size_t size, const char *s)
{
    size_t o = 0;
    out[o++] = '"';
    for (; *s && o + 8 < size; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            o += (size_t)snprintf(out + o, size - o, "\\%c", c);
        else if (c == '\n' || c == '\r' || c == '\t')
            o += (size_t)snprintf(out + o, size - o, "\\%c", c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
        else if (c < 0x20 || c == 0x7f)
            o += (size_t)snprintf(out + o, size - o, "\\u%04x", c);
        else
            out[o++] = (char)c;
    }
    out[o++] = '"';
    out[o] = 0;
}

static void check_json_str(const char *s)
{
    struct ea_jbuf b = { NULL, 0, 0, 0 };
    char want[1024];
    ref_json_str(want, sizeof(want), s);
    ea_jb_str(&b, s);
    CU_ASSERT_FALSE(b.oom);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b.p);
    CU_ASSERT_STRING_EQUAL(b.p, want);
    CU_ASSERT_EQUAL(b.len, strlen(want));
    free(b.p);
}

/* Every byte alone and inside runs, quote, backslash, controls, DEL, invalid UTF-8 kept as is. */
static void test_json_escape(void)
{
    char s[64];
    for (int c = 1; c < 256; c++) {
        s[0] = (char)c;
        s[1] = 0;
        check_json_str(s);
        snprintf(s, sizeof(s), "ab%ccd%c%cef", c, c, c);
        check_json_str(s);
    }
    check_json_str("");
    check_json_str("\"\\\"\\");
    check_json_str("\xff\xfe \xc3 \xed\xa0\x80 \xc0\xaf \xf4\x90\x80\x80 \xe2\x82");
    check_json_str("plain text with no escape at all, a long run of it");
    /* every byte that matters at every place of the 8-byte words read at once, in ASCII and UTF-8 */
    static const unsigned char probe[] = { 0x01, 0x0a, 0x1f, 0x20, '"', '\\', 0x7e, 0x7f, 0x80, 0xa9, 0xc3, 0xff,
                                           0x21, 0x5b, 0x5d, 0x3f };
    for (size_t k = 0; k < sizeof(probe); k++)
        for (size_t at = 0; at < 26; at++)
            for (int fill = 0; fill < 2; fill++) {
                char t[27];
                for (size_t i = 0; i < 26; i++)
                    t[i] = fill ? (char)(i % 2 ? 0xa9 : 0xc3) : (char)('a' + i);
                t[at] = (char)probe[k];
                t[at + 1 + k % 9 < 26 ? at + 1 + k % 9 : 26] = 0;   /* ends around the words' ends too */
                check_json_str(t);
            }
    struct ea_jbuf b = { NULL, 0, 0, 0 };
    ea_jb_str(&b, "a\x1f\x7f\x01\nb");
    CU_ASSERT_STRING_EQUAL(b.p, "\"a\\u001f\\u007f\\u0001\\nb\"");
    free(b.p);
}

static void check_u64(uint64_t v)
{
    struct ea_jbuf b = { NULL, 0, 0, 0 };
    char want[32];
    snprintf(want, sizeof(want), "%" PRIu64, v);
    ea_jb_u64(&b, v);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b.p);
    CU_ASSERT_STRING_EQUAL(b.p, want);
    free(b.p);
}

/* Numbers by hand give printf's text: 0, powers of ten and their neighbours, UINT64_MAX. */
static void test_json_numbers(void)
{
    uint64_t p = 1, x = 0x9e3779b97f4a7c15ULL;
    check_u64(0);
    check_u64(UINT64_MAX);
    for (int i = 0; i < 20; i++, p *= 10) {
        check_u64(p - 1);
        check_u64(p);
        check_u64(p + 1);
    }
    for (int i = 0; i < 1000; i++) {   /* a fixed pseudo-random walk */
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        check_u64(x >> (i % 64));
    }
    struct ea_jbuf b = { NULL, 0, 0, 0 };
    ea_jb_u64(&b, 18446744073709551615ULL);
    CU_ASSERT_STRING_EQUAL(b.p, "18446744073709551615");
    free(b.p);
}

/* EA_JB_KEY writes the same as ea_jb_key: no comma at an object's or array's start, one after. */
static void test_json_literal_key(void)
{
    struct ea_jbuf a = { NULL, 0, 0, 0 }, b = { NULL, 0, 0, 0 };
    EA_JB_KEY(&a, "first");
    ea_jb_key(&b, "first");
    ea_jb_put(&a, "{", 1);
    ea_jb_put(&b, "{", 1);
    EA_JB_KEY(&a, "k");
    ea_jb_key(&b, "k");
    ea_jb_u64(&a, 1);
    ea_jb_u64(&b, 1);
    EA_JB_KEY(&a, "reason-code");
    ea_jb_key(&b, "reason-code");
    ea_jb_put(&a, "[", 1);
    ea_jb_put(&b, "[", 1);
    EA_JB_KEY(&a, "x");
    ea_jb_key(&b, "x");
    ea_jb_put(&a, "]}", 2);
    ea_jb_put(&b, "]}", 2);
    CU_ASSERT_STRING_EQUAL(a.p, "\"first\":{\"k\":1,\"reason-code\":[\"x\":]}");
    CU_ASSERT_STRING_EQUAL(a.p, b.p);
    CU_ASSERT_EQUAL(a.len, b.len);
    free(a.p);
    free(b.p);
}

/* The atomic stream: nothing at path until commit, then every byte (past its 64 KB buffer); abort leaves nothing. */
static void test_atomic_stream(void)
{
    char dir[] = "/tmp/ea-test-atomic.XXXXXX", path[64], err[256], line[128];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/out.jsonl", dir);
    struct ea_atomic *a = ea_atomic_open(path, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    size_t total = 0;
    for (int i = 0; i < 3000; i++) {   /* about 200 KB */
        int n = snprintf(line, sizeof(line), "{\"type\":\"flow\",\"id\":%d,\"pad\":\"%040d\"}\n", i, i);
        CU_ASSERT_EQUAL(fwrite(line, 1, (size_t)n, ea_atomic_file(a)), (size_t)n);
        total += (size_t)n;
    }
    CU_ASSERT(access(path, F_OK) != 0);   /* not there before the commit */
    CU_ASSERT_EQUAL(ea_atomic_commit(a, err, sizeof(err)), 0);
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    size_t got = 0, lines = 0;
    while (fgets(line, sizeof(line), f)) {
        got += strlen(line);
        lines++;
    }
    fclose(f);
    CU_ASSERT_EQUAL(got, total);
    CU_ASSERT_EQUAL(lines, 3000);
    unlink(path);
    a = ea_atomic_open(path, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    fputs("partial\n", ea_atomic_file(a));
    ea_atomic_abort(a);
    ea_atomic_abort(NULL);
    CU_ASSERT(rmdir(dir) == 0);           /* neither the file nor a temporary one is left */
}

/* ea_atomic_write past its early writebacks (every 32 MB): every byte arrives, in order. */
static void test_atomic_write_big(void)
{
    char dir[] = "/tmp/ea-test-atomic.XXXXXX", path[64], err[256];
    enum { BLOCK = 50000, BLOCKS = 1400 };   /* 70 MB: two writebacks and a tail */
    static unsigned char buf[BLOCK], back[BLOCK];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/big.jsonl", dir);
    struct ea_atomic *a = ea_atomic_open(path, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    for (unsigned i = 0; i < BLOCKS; i++) {
        memset(buf, 'a' + (int)(i % 26), sizeof(buf));
        memcpy(buf, &i, sizeof(i));
        CU_ASSERT_EQUAL(ea_atomic_write(a, buf, sizeof(buf)), sizeof(buf));
    }
    CU_ASSERT_EQUAL_FATAL(ea_atomic_commit(a, err, sizeof(err)), 0);
    FILE *f = fopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    unsigned good = 0;
    for (unsigned i = 0; i < BLOCKS && fread(back, 1, sizeof(back), f) == sizeof(back); i++) {
        memset(buf, 'a' + (int)(i % 26), sizeof(buf));
        memcpy(buf, &i, sizeof(i));
        good += memcmp(buf, back, sizeof(buf)) == 0;
    }
    CU_ASSERT_EQUAL(good, BLOCKS);
    CU_ASSERT_EQUAL(fgetc(f), EOF);
    fclose(f);
    CU_ASSERT(unlink(path) == 0);
    CU_ASSERT(rmdir(dir) == 0);
}

void ea_test_add_util(void)
{
    EA_SUITE("util",
             { "sanitize plain and markup", test_sanitize_plain },
             { "sanitize controls", test_sanitize_controls },
             { "sanitize valid multibyte", test_sanitize_valid_multibyte },
             { "sanitize invalid utf-8", test_sanitize_invalid },
             { "sanitize cap boundaries", test_sanitize_cap },
             { "sanitize noncharacters U+FFFE/U+FFFF", test_sanitize_nonchars },
             { "sanitize pseudo-random bytes", test_sanitize_fuzz },
             { "prefix case-insensitive", test_prefix_ci },
             { "append", test_append },
             { "copy and builder as snprintf", test_copy_and_builder },
             { "decimal writers as printf", test_decimal },
             { "cursor", test_cursor },
             { "stats add every field", test_stats_add_every_field },
             { "time string", test_time_str },
             { "address string v4/v6", test_addr_str },
             { "address string v6 as inet_ntop's", test_addr_v6_like_inet_ntop },
             { "protocol names", test_proto_name },
             { "xml errors caught and hooks restored", test_xml_catch },
             { "json buffer and strings", test_json_buffer },
             { "json escape table against the byte-at-a-time reference", test_json_escape },
             { "json numbers against printf", test_json_numbers },
             { "json literal keys", test_json_literal_key },
             { "atomic stream", test_atomic_stream },
             { "atomic write past its writebacks", test_atomic_write_big });
}
