/* test-tls-start.c: TLS that does not start with a TLS record (issue 15, part 2): an
 * SSLv2-compatible ClientHello, and a stream joined mid-stream. */
#include <stdlib.h>
#include <string.h>
#include "tests.h"
#include "dissect-tls.h"
/* data-tls.h holds every recorded handshake; only the mtls12 server and client flights are used here. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-const-variable"
#include "data-tls.h"
#pragma GCC diagnostic pop

/*
 * RFC 5246 E.2 V2ClientHello as an old client sends it: msg_length 0x8000|46,
 * msg_type 1, version 0x0301, cipher_spec_length 21, session_id_length 0,
 * challenge_length 16, seven cipher specs, the challenge.
 */
static const uint8_t v2_hello[] = {
    0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10,
    0x00, 0xc0, 0x2f, 0x00, 0xc0, 0x30, 0x00, 0x00, 0x9c, 0x00, 0x00, 0x9d, 0x00, 0x00, 0x2f,
    0x00, 0x00, 0x35, 0x00, 0x00, 0xff,
    0x5a, 0x1e, 0x9c, 0x44, 0x10, 0x77, 0x3b, 0x02, 0xe1, 0x8d, 0x64, 0x2f, 0x90, 0x0b, 0x7e, 0xc3,
};

/* Feeds n bytes as a heap copy of exactly that size (ASan sees any over-read). */
static enum ea_dis_rc put(struct ea_tls_state *st, struct ea_tls_info *in, int dir,
                          const uint8_t *b, size_t n)
{
    uint8_t *copy = malloc(n ? n : 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
    memcpy(copy, b, n);
    enum ea_dis_rc rc = ea_tls_feed(st, in, dir, copy, n);
    free(copy);
    return rc;
}

/* Feeds a byte string in chunks of 'step' (0: whole); the last answer. */
static enum ea_dis_rc put_steps(struct ea_tls_state *st, struct ea_tls_info *in, int dir,
                                const uint8_t *b, size_t n, size_t step)
{
    enum ea_dis_rc rc = EA_DIS_NEED_MORE;
    for (size_t off = 0; off < n && rc == EA_DIS_NEED_MORE; off += step ? step : n) {
        size_t k = step && n - off > step ? step : n - off;
        rc = put(st, in, dir, b + off, k);
    }
    return rc;
}

/* SSLv2 hello, the server's TLS 1.2 flight with a CertificateRequest, the client's Certificate. */
static void test_v2_hello_then_records(void)
{
    static const size_t steps[] = { 0, 1, 3, 7 };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        struct ea_tls_state *st = ea_tls_state_new();
        struct ea_tls_info in;
        ea_tls_info_init(&in);
        CU_ASSERT_PTR_NOT_NULL_FATAL(st);
        CU_ASSERT_EQUAL(put_steps(st, &in, EA_DIR_C2S, v2_hello, sizeof(v2_hello), steps[i]),
                        EA_DIS_NEED_MORE);
        CU_ASSERT(in.client_hello && in.sslv2_hello && in.record_seen);
        CU_ASSERT_EQUAL(in.client_version, 0x0301);
        CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);
        CU_ASSERT_EQUAL(put_steps(st, &in, EA_DIR_S2C, mtls12_s1, sizeof(mtls12_s1), steps[i]),
                        EA_DIS_NEED_MORE);
        CU_ASSERT(in.server_hello && in.cert_request && in.server_hello_done);
        CU_ASSERT_EQUAL(put_steps(st, &in, EA_DIR_C2S, mtls12_c2, sizeof(mtls12_c2), steps[i]),
                        EA_DIS_DONE);
        CU_ASSERT(in.client_cert_nonempty && in.ccs[0] && !in.malformed && !in.midstream);
        CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_YES);
        ea_tls_state_free(st);
        ea_tls_info_clear(&in);
    }
}

/* Cut at every length: never a ClientHello, never NOT_MINE, never a read past the end. */
static void test_v2_truncated(void)
{
    for (size_t n = 0; n < sizeof(v2_hello); n++) {
        struct ea_tls_state *st = ea_tls_state_new();
        struct ea_tls_info in;
        ea_tls_info_init(&in);
        CU_ASSERT_PTR_NOT_NULL_FATAL(st);
        CU_ASSERT_EQUAL(put(st, &in, EA_DIR_C2S, v2_hello, n), EA_DIS_NEED_MORE);
        CU_ASSERT(!in.client_hello && !in.sslv2_hello);
        ea_tls_state_free(st);   /* frees a half-collected hello */
        ea_tls_info_clear(&in);
    }
}

/* Each field out of RFC 5246 E.2's bounds turns the stream away. */
static void test_v2_not_mine(void)
{
    static const struct { size_t at; uint8_t val; } bad[] = {
        { 0, 0x00 },            /* high bit clear: not the 2-byte header */
        { 1, 0x10 },            /* msg_length 16: shorter than the fixed part */
        { 2, 0x02 },            /* msg_type 2: not a ClientHello */
        { 3, 0x00 },            /* version 0x0001 */
        { 3, 0x02 },            /* version 0x0201: SSL 2.0 itself */
        { 6, 0x14 },            /* cipher_spec_length 20: not a multiple of 3 */
        { 8, 0x08 },            /* session_id_length 8 */
        { 10, 0x08 },           /* challenge_length 8 */
        { 10, 0x11 },           /* challenge_length 17: the lengths do not add up */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t b[sizeof(v2_hello)];
        struct ea_tls_info in;
        memcpy(b, v2_hello, sizeof(b));
        b[bad[i].at] = bad[i].val;
        ea_tls_info_init(&in);
        struct ea_tls_state *st = ea_tls_state_new();
        CU_ASSERT_PTR_NOT_NULL_FATAL(st);
        CU_ASSERT_EQUAL(put(st, &in, EA_DIR_C2S, b, sizeof(b)), EA_DIS_NOT_MINE);
        CU_ASSERT(!in.client_hello);
        ea_tls_state_free(st);
        ea_tls_info_clear(&in);
    }
    /* From the server, or after the server spoke, a high-bit byte is no hello. */
    struct ea_tls_state *st = ea_tls_state_new();
    struct ea_tls_info in;
    ea_tls_info_init(&in);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    CU_ASSERT_EQUAL(put(st, &in, EA_DIR_S2C, v2_hello, sizeof(v2_hello)), EA_DIS_NOT_MINE);
    ea_tls_state_free(st);
    ea_tls_info_clear(&in);
}

/* Application data records of 'len' bytes each with version 0x0303, back to back. */
static size_t appdata(uint8_t *out, size_t cap, unsigned records, uint16_t len, uint8_t minor)
{
    size_t o = 0;
    for (unsigned r = 0; r < records; r++) {
        CU_ASSERT_FATAL(o + 5u + len <= cap);
        out[o++] = 23; out[o++] = 3; out[o++] = minor;
        out[o++] = (uint8_t)(len >> 8); out[o++] = (uint8_t)len;
        for (uint16_t k = 0; k < len; k++)
            out[o++] = (uint8_t)(k * 37 + r);
    }
    return o;
}

/* Two records each way confirm TLS; the mutual-TLS answer is unverifiable. */
static void test_midstream(void)
{
    uint8_t c2s[512], s2c[512];
    size_t nc = appdata(c2s, sizeof(c2s), 2, 40, 3), ns = appdata(s2c, sizeof(s2c), 2, 100, 3);
    static const size_t steps[] = { 0, 1, 4, 5, 6 };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        struct ea_tls_state *st = ea_tls_state_new();
        struct ea_tls_info in;
        ea_tls_info_init(&in);
        CU_ASSERT_PTR_NOT_NULL_FATAL(st);
        /* The server may be heard first. */
        CU_ASSERT_EQUAL(put_steps(st, &in, EA_DIR_S2C, s2c, ns, steps[i]), EA_DIS_NEED_MORE);
        CU_ASSERT(!in.midstream);
        CU_ASSERT_EQUAL(put_steps(st, &in, EA_DIR_C2S, c2s, nc, steps[i]), EA_DIS_DONE);
        CU_ASSERT(in.midstream && !in.client_hello && !in.server_hello && !in.malformed);
        CU_ASSERT_EQUAL(in.record_version, 0x0303);
        CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);
        ea_tls_state_free(st);
        ea_tls_info_clear(&in);
    }
}

/* One record one way, or records cut at any length, confirm nothing. */
static void test_midstream_truncated(void)
{
    uint8_t c2s[512], s2c[512];
    size_t nc = appdata(c2s, sizeof(c2s), 2, 40, 3), ns = appdata(s2c, sizeof(s2c), 2, 30, 3);
    for (size_t n = 0; n < ns; n++) {
        struct ea_tls_state *st = ea_tls_state_new();
        struct ea_tls_info in;
        ea_tls_info_init(&in);
        CU_ASSERT_PTR_NOT_NULL_FATAL(st);
        CU_ASSERT_EQUAL(put(st, &in, EA_DIR_C2S, c2s, nc), EA_DIS_NEED_MORE);
        CU_ASSERT_EQUAL(put(st, &in, EA_DIR_S2C, s2c, n), EA_DIS_NEED_MORE);
        CU_ASSERT(!in.midstream);
        ea_tls_state_free(st);
        ea_tls_info_clear(&in);
    }
}

/* A record that breaks the pattern turns the stream away. */
static void test_midstream_not_mine(void)
{
    uint8_t c2s[512], s2c[512];
    size_t nc = appdata(c2s, sizeof(c2s), 2, 40, 3);
    /* The server's records carry another version. */
    size_t ns = appdata(s2c, sizeof(s2c), 2, 30, 1);
    struct ea_tls_state *st = ea_tls_state_new();
    struct ea_tls_info in;
    ea_tls_info_init(&in);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    CU_ASSERT_EQUAL(put(st, &in, EA_DIR_C2S, c2s, nc), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(put(st, &in, EA_DIR_S2C, s2c, ns), EA_DIS_NOT_MINE);
    CU_ASSERT(!in.midstream);
    ea_tls_state_free(st);
    ea_tls_info_clear(&in);

    /* The second record's header is no record's: content type 99. */
    ns = appdata(s2c, sizeof(s2c), 2, 30, 3);
    s2c[35] = 99;
    st = ea_tls_state_new();
    ea_tls_info_init(&in);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    CU_ASSERT_EQUAL(put(st, &in, EA_DIR_S2C, s2c, ns), EA_DIS_NOT_MINE);
    ea_tls_state_free(st);
    ea_tls_info_clear(&in);

    /* The client started with a handshake: the server's application data is no mid-stream join. */
    st = ea_tls_state_new();
    ea_tls_info_init(&in);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    CU_ASSERT_EQUAL(put(st, &in, EA_DIR_C2S, mtls12_c1, sizeof(mtls12_c1)), EA_DIS_NEED_MORE);
    ns = appdata(s2c, sizeof(s2c), 2, 30, 3);
    CU_ASSERT_EQUAL(put(st, &in, EA_DIR_S2C, s2c, ns), EA_DIS_NOT_MINE);
    CU_ASSERT(!in.midstream);
    ea_tls_state_free(st);
    ea_tls_info_clear(&in);
}

void ea_test_add_tls_start(void)
{
    EA_SUITE("tls-start",
             { "SSLv2 hello, then TLS records: mutual TLS seen", test_v2_hello_then_records },
             { "SSLv2 hello cut at every length", test_v2_truncated },
             { "SSLv2 hello fields out of bounds", test_v2_not_mine },
             { "mid-stream: two records each way", test_midstream },
             { "mid-stream: cut at every length", test_midstream_truncated },
             { "mid-stream: records that break the pattern", test_midstream_not_mine });
}
