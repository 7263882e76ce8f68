/* test-dissect-tls.c: TLS dissector tests over real recorded handshakes (data-tls.h). */
#include <stdlib.h>
#include <string.h>
#include "tests.h"
#include "dissect-tls.h"
#include "util-bytes.h"
#include "data-tls.h"

/* One direction's bytes as one TCP send. */
struct flight {
    int dir;
    const uint8_t *b;
    size_t n;
};

#define FL(d, a) { (d), (a), sizeof(a) }
#define NFL(a) (sizeof(a) / sizeof((a)[0]))

static const struct flight hs_mtls12[] = {
    FL(EA_DIR_C2S, mtls12_c1), FL(EA_DIR_S2C, mtls12_s1), FL(EA_DIR_C2S, mtls12_c2),
};
static const struct flight hs_plain12[] = {
    FL(EA_DIR_C2S, plain12_c1), FL(EA_DIR_S2C, plain12_s1), FL(EA_DIR_C2S, plain12_c2),
};
static const struct flight hs_empty12[] = {
    FL(EA_DIR_C2S, empty12_c1), FL(EA_DIR_S2C, empty12_s1), FL(EA_DIR_C2S, empty12_c2),
};
static const struct flight hs_tls13[] = {
    FL(EA_DIR_C2S, tls13_c1), FL(EA_DIR_S2C, tls13_s1),
};
static const struct flight hs_resume12[] = {
    FL(EA_DIR_C2S, resume12_c1), FL(EA_DIR_S2C, resume12_s1), FL(EA_DIR_C2S, resume12_c2),
};
static const struct flight hs_hrr13[] = {
    FL(EA_DIR_C2S, hrr13_c1), FL(EA_DIR_S2C, hrr13_s1),
    FL(EA_DIR_C2S, hrr13_c2), FL(EA_DIR_S2C, hrr13_s2),
};

/*
 * Feeds the flights in order; flight 'split_fl' is cut at 'split' (0: not
 * cut) and every flight goes in chunks of 'step' bytes (0: whole). Each
 * chunk is a heap copy of exactly its size, so ASan sees any over-read.
 * Stops once the dissector stops asking for more.
 */
static enum ea_dis_rc feed_all(const struct flight *fl, size_t nfl, size_t step,
                               size_t split_fl, size_t split, struct ea_tls_info *info)
{
    enum ea_dis_rc rc = EA_DIS_NEED_MORE;
    struct ea_tls_state *st = ea_tls_state_new();
    ea_tls_info_clear(info);   /* frees what an earlier feed left in it */
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    for (size_t i = 0; i < nfl && rc == EA_DIS_NEED_MORE; i++) {
        size_t off = 0;
        while (off < fl[i].n && rc == EA_DIS_NEED_MORE) {
            size_t end = step ? off + step : fl[i].n;
            if (i == split_fl && split > off && split < end)
                end = split;
            if (end > fl[i].n)
                end = fl[i].n;
            uint8_t *chunk = malloc(end - off);
            CU_ASSERT_PTR_NOT_NULL_FATAL(chunk);
            memcpy(chunk, fl[i].b + off, end - off);
            rc = ea_tls_feed(st, info, fl[i].dir, chunk, end - off);
            free(chunk);
            off = end;
        }
    }
    ea_tls_state_free(st);
    return rc;
}

static enum ea_dis_rc feed(const struct flight *fl, size_t nfl, struct ea_tls_info *info)
{
    return feed_all(fl, nfl, 0, (size_t)-1, 0, info);
}

/* Feeds one buffer (heap copy of exactly n bytes) as a fresh stream in direction dir. */
static enum ea_dis_rc feed_one(int dir, const uint8_t *b, size_t n, struct ea_tls_info *info)
{
    struct flight f = { dir, b, n };
    return feed_all(&f, 1, 0, (size_t)-1, 0, info);
}

static int info_eq(const struct ea_tls_info *a, const struct ea_tls_info *b)
{
    return a->client_version == b->client_version && a->version == b->version &&
           a->client_hello == b->client_hello && a->server_hello == b->server_hello &&
           a->server_cert == b->server_cert && a->cert_request == b->cert_request &&
           a->server_hello_done == b->server_hello_done && a->client_cert == b->client_cert &&
           a->client_cert_nonempty == b->client_cert_nonempty &&
           a->ccs[0] == b->ccs[0] && a->ccs[1] == b->ccs[1] && a->resumed == b->resumed &&
           a->app_data == b->app_data && a->malformed == b->malformed &&
           a->str_truncated == b->str_truncated && a->record_seen == b->record_seen &&
           a->hello_retry == b->hello_retry && a->alert == b->alert &&
           a->cipher_suite == b->cipher_suite && a->psk == b->psk && a->pha_offered == b->pha_offered &&
           a->early_data == b->early_data &&
           memcmp(&a->t13, &b->t13, sizeof(a->t13)) == 0 &&
           strcmp(a->sni, b->sni) == 0 && strcmp(a->alpn, b->alpn) == 0;
}

/* Offset just past the first record of content type 'type' in buf (0 if none). */
static size_t record_end(const uint8_t *buf, size_t n, uint8_t type)
{
    struct ea_cur c;
    ea_cur_init(&c, buf, n);
    while (ea_cur_left(&c) >= 5) {
        uint8_t t = ea_cur_u8(&c);
        ea_cur_skip(&c, 2);
        ea_cur_skip(&c, ea_cur_be16(&c));
        if (c.err)
            return 0;
        if (t == type)
            return c.off;
    }
    return 0;
}

/*
 * Re-frames a flight: the payload of consecutive handshake records is cut
 * into records of at most 'frag' bytes (RFC 5246 6.2.1 fragmentation), so
 * several messages share a record or one message spans several. Other
 * records are copied. Returns the new length (out holds 'cap' bytes).
 */
static size_t reframe(const uint8_t *in, size_t n, size_t frag, uint8_t *out, size_t cap)
{
    uint8_t *hs = malloc(n);
    size_t hs_len = 0, o = 0;
    struct ea_cur c;
    CU_ASSERT_PTR_NOT_NULL_FATAL(hs);
    ea_cur_init(&c, in, n);
    for (;;) {
        int more = ea_cur_left(&c) >= 5;
        uint8_t t = more ? c.b[c.off] : 0;
        if ((!more || t != 22) && hs_len) {
            /* flush the collected handshake bytes */
            for (size_t k = 0; k < hs_len; k += frag) {
                size_t m = hs_len - k < frag ? hs_len - k : frag;
                CU_ASSERT_FATAL(o + 5 + m <= cap);
                out[o++] = 22; out[o++] = 3; out[o++] = 3;
                out[o++] = (uint8_t)(m >> 8); out[o++] = (uint8_t)m;
                memcpy(out + o, hs + k, m);
                o += m;
            }
            hs_len = 0;
        }
        if (!more)
            break;
        size_t start = c.off;
        ea_cur_skip(&c, 3);
        uint16_t len = ea_cur_be16(&c);
        const uint8_t *body = ea_cur_ptr(&c, len);
        CU_ASSERT_FATAL(!c.err);
        if (t == 22) {
            memcpy(hs + hs_len, body, len);
            hs_len += len;
        } else {
            CU_ASSERT_FATAL(o + 5 + len <= cap);
            memcpy(out + o, in + start, 5 + (size_t)len);
            o += 5 + (size_t)len;
        }
    }
    free(hs);
    return o;
}

static void check_segmentation(const struct flight *fl, size_t nfl);

/* ---- the mutual-TLS answer for each recorded handshake ---- */

static void test_mtls_yes(void)
{
    struct ea_tls_info in = { 0 };
    CU_ASSERT_EQUAL(feed(hs_mtls12, NFL(hs_mtls12), &in), EA_DIS_DONE);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_YES);
    CU_ASSERT_EQUAL(in.client_version, 0x0303);
    CU_ASSERT_EQUAL(in.version, 0x0303);
    CU_ASSERT(in.client_hello && in.server_hello && in.server_cert && in.cert_request);
    CU_ASSERT(in.server_hello_done && in.client_cert && in.client_cert_nonempty);
    CU_ASSERT(in.ccs[0] && !in.ccs[1] && !in.resumed && !in.malformed && !in.hello_retry);

    /* Before the client's second flight the answer is still open. */
    CU_ASSERT_EQUAL(feed(hs_mtls12, 2, &in), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);
    CU_ASSERT(in.cert_request && !in.client_cert);

    /* Server side not captured: a cleartext client Certificate still proves the request. */
    const struct flight client_only[] = { FL(EA_DIR_C2S, mtls12_c1), FL(EA_DIR_C2S, mtls12_c2) };
    CU_ASSERT_EQUAL(feed(client_only, 2, &in), EA_DIS_DONE);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_YES);
    CU_ASSERT(!in.server_hello && in.ccs[0]);
    ea_tls_info_clear(&in);
}

static void test_mtls_no_request(void)
{
    struct ea_tls_info in = { 0 };
    CU_ASSERT_EQUAL(feed(hs_plain12, NFL(hs_plain12), &in), EA_DIS_DONE);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_NO);
    CU_ASSERT(in.server_cert && !in.cert_request && in.server_hello_done);
    CU_ASSERT(!in.client_cert && in.ccs[0] && !in.resumed && !in.malformed);

    /* ServerHelloDone without CertificateRequest settles it already. */
    CU_ASSERT_EQUAL(feed(hs_plain12, 2, &in), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_NO);
    ea_tls_info_clear(&in);
}

static void test_mtls_empty_cert(void)
{
    struct ea_tls_info in = { 0 };
    CU_ASSERT_EQUAL(feed(hs_empty12, NFL(hs_empty12), &in), EA_DIS_DONE);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_NO);
    CU_ASSERT(in.cert_request && in.client_cert && !in.client_cert_nonempty);
    CU_ASSERT(in.ccs[0] && !in.malformed);
    ea_tls_info_clear(&in);
}

static void test_mtls_tls13(void)
{
    struct ea_tls_info in = { 0 };
    /* The client's encrypted flight is still to come: the answer waits for it. */
    CU_ASSERT_EQUAL(feed(hs_tls13, NFL(hs_tls13), &in), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);
    CU_ASSERT_EQUAL(ea_tls_mtls_evidence(&in), EA_MTLS_EV_UNVERIFIABLE);
    CU_ASSERT_PTR_NOT_NULL(strstr(ea_tls_mtls_why(&in), "not captured"));
    /* legacy_version says 1.2; supported_versions says 1.3 (RFC 8446 4.2.1). */
    CU_ASSERT_EQUAL(in.client_version, 0x0303);
    CU_ASSERT_EQUAL(in.version, 0x0304);
    CU_ASSERT(in.server_hello && !in.ccs[1] && !in.resumed && !in.malformed && !in.psk);
    /* TLS_AES_256_GCM_SHA384; the dummy CCS is skipped, the first encrypted record counted. */
    CU_ASSERT_EQUAL(in.cipher_suite, 0x1302);
    CU_ASSERT_EQUAL(in.t13.hash_len, 48);
    CU_ASSERT_EQUAL(in.t13.n[EA_DIR_S2C], 1);
    CU_ASSERT_EQUAL(in.t13.n[EA_DIR_C2S], 0);

    /* From the end of the ServerHello record on, only record lengths are kept. */
    size_t sh = record_end(tls13_s1, sizeof(tls13_s1), 22);
    CU_ASSERT_FATAL(sh > 0);
    const struct flight upto_sh[] = { FL(EA_DIR_C2S, tls13_c1), { EA_DIR_S2C, tls13_s1, sh } };
    CU_ASSERT_EQUAL(feed(upto_sh, 2, &in), EA_DIS_NEED_MORE);
    CU_ASSERT(in.server_hello && in.t13.n[EA_DIR_S2C] == 0);
    ea_tls_info_clear(&in);
}

static void test_mtls_resumed(void)
{
    struct ea_tls_info in = { 0 };
    /* The server's CCS straight after ServerHello ends it. */
    CU_ASSERT_EQUAL(feed(hs_resume12, 2, &in), EA_DIS_DONE);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);
    CU_ASSERT(in.resumed && in.ccs[1] && !in.server_cert && !in.server_hello_done);
    CU_ASSERT_EQUAL(in.version, 0x0303);

    /* Server side not captured: the client's CCS without ClientKeyExchange. */
    const struct flight client_only[] = { FL(EA_DIR_C2S, resume12_c1), FL(EA_DIR_C2S, resume12_c2) };
    CU_ASSERT_EQUAL(feed(client_only, 2, &in), EA_DIS_DONE);
    CU_ASSERT(in.resumed && in.ccs[0]);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);
    ea_tls_info_clear(&in);
}

static void test_mtls_partial(void)
{
    struct ea_tls_info in = { 0 };
    /* ClientHello only, server silent. */
    CU_ASSERT_EQUAL(feed(hs_mtls12, 1, &in), EA_DIS_NEED_MORE);
    CU_ASSERT(in.client_hello && !in.server_hello);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);

    /* Joined mid-stream: no ClientHello, the server flight and the client's key exchange. */
    const struct flight mid[] = { FL(EA_DIR_S2C, plain12_s1), FL(EA_DIR_C2S, plain12_c2) };
    CU_ASSERT_EQUAL(feed(mid, 2, &in), EA_DIS_DONE);
    CU_ASSERT(!in.client_hello && in.server_hello && in.ccs[0]);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);

    /* Nothing seen at all. */
    ea_tls_info_clear(&in);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_NONE);
    CU_ASSERT_EQUAL(ea_tls_mtls(NULL), EA_MTLS_NONE);
    ea_tls_info_clear(&in);
}

static void test_mtls_names(void)
{
    CU_ASSERT_STRING_EQUAL(ea_mtls_name(EA_MTLS_YES), "yes");
    CU_ASSERT_STRING_EQUAL(ea_mtls_name(EA_MTLS_NO), "no");
    CU_ASSERT_STRING_EQUAL(ea_mtls_name(EA_MTLS_UNVERIFIABLE), "unverifiable");
    CU_ASSERT_STRING_EQUAL(ea_mtls_name(EA_MTLS_NONE), "");
}

static void test_hello_retry(void)
{
    struct ea_tls_info in = { 0 };
    /* After the HelloRetryRequest and its dummy CCS: no version, no CCS, not resumed. */
    CU_ASSERT_EQUAL(feed(hs_hrr13, 2, &in), EA_DIS_NEED_MORE);
    CU_ASSERT(in.hello_retry && !in.server_hello && !in.ccs[1] && !in.resumed);
    CU_ASSERT_EQUAL(in.version, 0);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);

    /* The client's dummy CCS and second ClientHello. */
    CU_ASSERT_EQUAL(feed(hs_hrr13, 3, &in), EA_DIS_NEED_MORE);
    CU_ASSERT(in.client_hello && !in.ccs[0] && !in.malformed);
    CU_ASSERT_STRING_EQUAL(in.sni, "tls.example.test");

    /* The real ServerHello: the shape of the flights that follow decides. */
    CU_ASSERT_EQUAL(feed(hs_hrr13, NFL(hs_hrr13), &in), EA_DIS_NEED_MORE);
    CU_ASSERT(in.server_hello && in.hello_retry && !in.malformed);
    CU_ASSERT_EQUAL(in.version, 0x0304);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);
    CU_ASSERT_PTR_NOT_NULL(strstr(ea_tls_mtls_why(&in), "not captured"));
    ea_tls_info_clear(&in);
}

/*
 * A client offering TLS 1.3, server not captured: its CCS may be the
 * RFC 8446 D.4 dummy. The next record decides: application_data is TLS 1.3,
 * a handshake record (TLS 1.2's encrypted Finished) makes the CCS real.
 */
static void test_client_ccs_compat(void)
{
    struct ea_tls_info in = { 0 };
    static const uint8_t ccs[] = {
        0x14, 0x03, 0x03, 0x00, 0x01,   /* record: change_cipher_spec, length 1 */
        0x01,
    };
    static const uint8_t app[] = {
        0x17, 0x03, 0x03, 0x00, 0x04,   /* record: application_data, length 4 */
        0xde, 0xad, 0xbe, 0xef,
    };
    const struct flight ccs_only[] = { FL(EA_DIR_C2S, tls13_c1), FL(EA_DIR_C2S, ccs) };
    CU_ASSERT_EQUAL(feed(ccs_only, 2, &in), EA_DIS_NEED_MORE);
    CU_ASSERT(!in.ccs[0] && !in.resumed);

    const struct flight t13[] = { FL(EA_DIR_C2S, tls13_c1), FL(EA_DIR_C2S, ccs), FL(EA_DIR_C2S, app) };
    CU_ASSERT_EQUAL(feed(t13, 3, &in), EA_DIS_DONE);
    CU_ASSERT(!in.ccs[0] && !in.resumed && in.app_data && !in.malformed);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);

    /* resume12_c2 is CCS then the encrypted Finished: a real (abbreviated) CCS. */
    const struct flight t12[] = { FL(EA_DIR_C2S, tls13_c1), FL(EA_DIR_C2S, resume12_c2) };
    CU_ASSERT_EQUAL(feed(t12, 2, &in), EA_DIS_DONE);
    CU_ASSERT(in.ccs[0] && in.resumed && !in.app_data && !in.malformed);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);
    check_segmentation(t12, 2);

    /* After a ClientKeyExchange the CCS is TLS 1.2's at once: full handshake, no certificate. */
    const struct flight kx[] = { FL(EA_DIR_C2S, tls13_c1), FL(EA_DIR_C2S, plain12_c2) };
    CU_ASSERT_EQUAL(feed(kx, 2, &in), EA_DIS_DONE);
    CU_ASSERT(in.ccs[0] && !in.resumed);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_NO);
    ea_tls_info_clear(&in);
}

/* ---- SNI and ALPN ---- */

static void test_sni_alpn(void)
{
    struct ea_tls_info in = { 0 };
    feed(hs_mtls12, 1, &in);
    CU_ASSERT_STRING_EQUAL(in.sni, "tls.example.test");
    CU_ASSERT_STRING_EQUAL(in.alpn, "h2,http/1.1");
    CU_ASSERT(!in.str_truncated);
    feed(hs_tls13, 1, &in);
    CU_ASSERT_STRING_EQUAL(in.sni, "tls.example.test");
    CU_ASSERT_STRING_EQUAL(in.alpn, "h2,http/1.1");
    ea_tls_info_clear(&in);
}

/*
 * A ClientHello record (RFC 8446 4.1.2) with the given SNI host name and
 * ALPN list (already in wire form: 8-bit length + name, repeated); returns
 * its length.
 */
static size_t build_client_hello(uint8_t *out, size_t cap, const uint8_t *host, size_t host_len,
                                 const uint8_t *alpn, size_t alpn_len)
{
    size_t o = 0;
    CU_ASSERT_FATAL(cap >= 64 + host_len + alpn_len);
    o = 9;                                    /* record(5) + handshake(4) headers, below */
    out[o++] = 0x03; out[o++] = 0x03;         /* legacy_version */
    memset(out + o, 0x5a, 32); o += 32;       /* random */
    out[o++] = 0;                             /* session_id, empty */
    out[o++] = 0; out[o++] = 2;               /* cipher_suites, length 2 */
    out[o++] = 0xc0; out[o++] = 0x2b;         /* TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */
    out[o++] = 1; out[o++] = 0;               /* compression_methods: null */
    size_t ext_at = o;
    o += 2;                                   /* extensions length, below */
    /* server_name(0): list length, host_name(0), name length, name */
    out[o++] = 0; out[o++] = 0;
    out[o++] = (uint8_t)((host_len + 5) >> 8); out[o++] = (uint8_t)(host_len + 5);
    out[o++] = (uint8_t)((host_len + 3) >> 8); out[o++] = (uint8_t)(host_len + 3);
    out[o++] = 0;
    out[o++] = (uint8_t)(host_len >> 8); out[o++] = (uint8_t)host_len;
    memcpy(out + o, host, host_len); o += host_len;
    /* application_layer_protocol_negotiation(16): list length, names */
    out[o++] = 0; out[o++] = 16;
    out[o++] = (uint8_t)((alpn_len + 2) >> 8); out[o++] = (uint8_t)(alpn_len + 2);
    out[o++] = (uint8_t)(alpn_len >> 8); out[o++] = (uint8_t)alpn_len;
    memcpy(out + o, alpn, alpn_len); o += alpn_len;
    size_t ext_len = o - ext_at - 2, body = o - 9, rec = o - 5;
    out[ext_at] = (uint8_t)(ext_len >> 8); out[ext_at + 1] = (uint8_t)ext_len;
    out[0] = 22; out[1] = 3; out[2] = 1; out[3] = (uint8_t)(rec >> 8); out[4] = (uint8_t)rec;
    out[5] = 1; out[6] = 0; out[7] = (uint8_t)(body >> 8); out[8] = (uint8_t)body;
    return o;
}

static void test_sni_alpn_caps(void)
{
    static uint8_t buf[4096];
    uint8_t host[300], alpn[200];
    struct ea_tls_info in = { 0 };
    size_t n;

    memset(host, 'a', sizeof(host));
    /* 20 ALPN names "proto-N" of 7 bytes: 159 bytes joined, over the 63 cap. */
    for (size_t i = 0; i < 20; i++) {
        alpn[i * 8] = 7;
        memcpy(alpn + i * 8 + 1, "proto-", 6);
        alpn[i * 8 + 7] = (uint8_t)('a' + i);
    }
    n = build_client_hello(buf, sizeof(buf), host, sizeof(host), alpn, 160);
    CU_ASSERT_EQUAL(feed_one(EA_DIR_C2S, buf, n, &in), EA_DIS_NEED_MORE);
    CU_ASSERT(in.client_hello && !in.malformed && in.str_truncated);
    CU_ASSERT_EQUAL(strlen(in.sni), EA_SNI_CAP);
    CU_ASSERT(strlen(in.alpn) <= EA_ALPN_CAP && strlen(in.alpn) >= 50);
    CU_ASSERT_NSTRING_EQUAL(in.alpn, "proto-a,proto-b,", 16);

    /* Fits exactly: not truncated. */
    n = build_client_hello(buf, sizeof(buf), host, EA_SNI_CAP, alpn, 8);
    feed_one(EA_DIR_C2S, buf, n, &in);
    CU_ASSERT(!in.str_truncated && !in.malformed);
    CU_ASSERT_EQUAL(strlen(in.sni), EA_SNI_CAP);
    CU_ASSERT_STRING_EQUAL(in.alpn, "proto-a");

    /* Control characters never reach the output. */
    static const uint8_t evil[] = { 'x', 0x01, '\n', 'y', 0x7f, 0x1b, '[', '2', 'J' };
    static const uint8_t alpn_evil[] = { 3, 'h', 0x00, '2' };
    n = build_client_hello(buf, sizeof(buf), evil, sizeof(evil), alpn_evil, sizeof(alpn_evil));
    feed_one(EA_DIR_C2S, buf, n, &in);
    CU_ASSERT(in.client_hello && !in.malformed);
    for (const char *p = in.sni; *p; p++)
        CU_ASSERT((unsigned char)*p >= 0x20 && *p != 0x7f);
    CU_ASSERT_PTR_NULL(strchr(in.sni, '\x1b'));
    CU_ASSERT_EQUAL(in.sni[0], 'x');
    CU_ASSERT_EQUAL(in.alpn[0], 'h');
    CU_ASSERT(strlen(in.alpn) >= 2);   /* the NUL was replaced, not kept */
    ea_tls_info_clear(&in);
}

/* ---- segmentation ---- */

/* Every split point of every flight, and 1, 2, 3, 7 bytes at a time, give the same facts. */
static void check_segmentation(const struct flight *fl, size_t nfl)
{
    struct ea_tls_info ref = { 0 }, in = { 0 };
    enum ea_dis_rc ref_rc = feed(fl, nfl, &ref);
    static const size_t steps[] = { 1, 2, 3, 7, 1000 };
    for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
        CU_ASSERT_EQUAL(feed_all(fl, nfl, steps[s], (size_t)-1, 0, &in), ref_rc);
        CU_ASSERT(info_eq(&ref, &in));
    }
    for (size_t i = 0; i < nfl; i++) {
        for (size_t k = 1; k < fl[i].n; k++) {
            enum ea_dis_rc rc = feed_all(fl, nfl, 0, i, k, &in);
            if (rc != ref_rc || !info_eq(&ref, &in)) {
                CU_FAIL("split changed the result");
                ea_tls_info_clear(&ref);
                ea_tls_info_clear(&in);
                return;
            }
        }
    }
    CU_PASS("all splits agree");
    ea_tls_info_clear(&ref);
    ea_tls_info_clear(&in);
}

static void test_segmentation(void)
{
    check_segmentation(hs_mtls12, NFL(hs_mtls12));
    check_segmentation(hs_plain12, NFL(hs_plain12));
    check_segmentation(hs_empty12, NFL(hs_empty12));
    check_segmentation(hs_tls13, NFL(hs_tls13));
    check_segmentation(hs_resume12, NFL(hs_resume12));
    check_segmentation(hs_hrr13, NFL(hs_hrr13));
}

/* One byte at a time, DONE comes exactly with the last byte of the client's CCS record. */
static void test_done_point(void)
{
    struct ea_tls_info in = { 0 };
    size_t ccs_end = record_end(mtls12_c2, sizeof(mtls12_c2), 20);
    CU_ASSERT_FATAL(ccs_end > 0 && ccs_end < sizeof(mtls12_c2));
    for (size_t k = ccs_end - 6; k <= ccs_end; k++) {
        const struct flight fl[] = {
            FL(EA_DIR_C2S, mtls12_c1), FL(EA_DIR_S2C, mtls12_s1), { EA_DIR_C2S, mtls12_c2, k },
        };
        enum ea_dis_rc rc = feed_all(fl, 3, 1, (size_t)-1, 0, &in);
        CU_ASSERT_EQUAL(rc, k == ccs_end ? EA_DIS_DONE : EA_DIS_NEED_MORE);
        CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_YES);
    }
    ea_tls_info_clear(&in);
}

/* Several messages in one record, and messages spanning records, give the same facts. */
static void test_reframing(void)
{
    static const size_t frags[] = { 1, 2, 3, 4, 5, 7, 64, 300, 16384 };
    static uint8_t s1[8192], c2[8192];
    struct ea_tls_info ref = { 0 }, in = { 0 };
    enum ea_dis_rc ref_rc = feed(hs_mtls12, NFL(hs_mtls12), &ref);

    for (size_t i = 0; i < sizeof(frags) / sizeof(frags[0]); i++) {
        size_t ns = reframe(mtls12_s1, sizeof(mtls12_s1), frags[i], s1, sizeof(s1));
        size_t nc = reframe(mtls12_c2, sizeof(mtls12_c2), frags[i], c2, sizeof(c2));
        const struct flight fl[] = {
            FL(EA_DIR_C2S, mtls12_c1), { EA_DIR_S2C, s1, ns }, { EA_DIR_C2S, c2, nc },
        };
        CU_ASSERT_EQUAL(feed(fl, 3, &in), ref_rc);
        CU_ASSERT(info_eq(&ref, &in));
        CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_YES);
    }
    /* All five server messages in one record. */
    size_t ns = reframe(mtls12_s1, sizeof(mtls12_s1), 16384, s1, sizeof(s1));
    CU_ASSERT_EQUAL(ns, sizeof(mtls12_s1) - 4 * 5);

    /* Reframed again, then split at every byte: the 7-byte records of the empty Certificate flight. */
    size_t nc = reframe(empty12_c2, sizeof(empty12_c2), 7, c2, sizeof(c2));
    const struct flight fl[] = {
        FL(EA_DIR_C2S, empty12_c1), FL(EA_DIR_S2C, empty12_s1), { EA_DIR_C2S, c2, nc },
    };
    check_segmentation(fl, 3);
    CU_ASSERT_EQUAL(feed(fl, 3, &in), EA_DIS_DONE);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_NO);
    ea_tls_info_clear(&ref);
    ea_tls_info_clear(&in);
}

/* ---- truncation ---- */

/* Every prefix of the ClientHello record (header included): waits, claims nothing. */
static void test_truncated_stream(void)
{
    struct ea_tls_info in = { 0 };
    for (size_t k = 0; k < sizeof(mtls12_c1); k++) {
        CU_ASSERT_EQUAL(feed_one(EA_DIR_C2S, mtls12_c1, k, &in), EA_DIS_NEED_MORE);
        CU_ASSERT(!in.client_hello && !in.malformed && in.sni[0] == 0);
        CU_ASSERT_EQUAL(in.record_seen, k >= 5);
    }
    /* The same for each prefix of the server's flight after a full ClientHello. */
    for (size_t k = 0; k < sizeof(mtls12_s1); k++) {
        const struct flight fl[] = { FL(EA_DIR_C2S, mtls12_c1), { EA_DIR_S2C, mtls12_s1, k } };
        CU_ASSERT_EQUAL(feed(fl, 2, &in), EA_DIS_NEED_MORE);
        CU_ASSERT(!in.malformed);
        CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);
    }
    ea_tls_info_clear(&in);
}

/*
 * The ClientHello body cut at every length k, with the handshake and
 * record lengths rewritten to match: only k = end of compression_methods
 * (extensions are optional, RFC 5246 7.4.1.2) and the full body are valid.
 */
static void test_truncated_client_hello(void)
{
    struct ea_tls_info in = { 0 };
    const size_t body = sizeof(mtls12_c1) - 9;   /* 222 */
    const size_t no_ext = 2 + 32 + 1 + 2 + 56 + 2; /* version random sid suites comp = 95 */
    CU_ASSERT_FATAL(body == 222);
    for (size_t k = 0; k <= body; k++) {
        uint8_t *b = malloc(9 + k);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        memcpy(b, mtls12_c1, 9 + k);
        b[3] = (uint8_t)((k + 4) >> 8); b[4] = (uint8_t)(k + 4);
        b[6] = 0; b[7] = (uint8_t)(k >> 8); b[8] = (uint8_t)k;
        enum ea_dis_rc rc = feed_one(EA_DIR_C2S, b, 9 + k, &in);
        int valid = k == no_ext || k == body;
        CU_ASSERT_EQUAL(rc, valid ? EA_DIS_NEED_MORE : EA_DIS_DONE);
        CU_ASSERT_EQUAL(in.client_hello, valid);
        CU_ASSERT_EQUAL(in.malformed, !valid);
        CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);
        if (k == no_ext)
            CU_ASSERT(in.sni[0] == 0 && in.client_version == 0x0303);
        free(b);
    }
    ea_tls_info_clear(&in);
}

/* ---- malformed and foreign input ---- */

static void test_not_tls(void)
{
    struct ea_tls_info in = { 0 };
    static const uint8_t http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    /* SSLv2-compatible ClientHello: 2-byte length with the high bit, msg_type 1, version 3.1. */
    static const uint8_t sslv2[] = {
        0x80, 0x2e,                                     /* record length 46 */
        0x01,                                           /* CLIENT-HELLO */
        0x03, 0x01,                                     /* version TLS 1.0 */
        0x00, 0x15, 0x00, 0x00, 0x00, 0x10,             /* cipher specs 21, session id 0, challenge 16 */
        0x01, 0x00, 0x80, 0x03, 0x00, 0x80, 0x07, 0x00, 0xc0,
        0x00, 0x00, 0x35, 0x00, 0x00, 0x2f, 0x00, 0x00, 0x0a,
        0x00, 0x00, 0x05,
        0x3a, 0x39, 0x38, 0x37, 0x36, 0x35, 0x34, 0x33, /* challenge */
        0x32, 0x31, 0x30, 0x2f, 0x2e, 0x2d, 0x2c, 0x2b,
    };
    /* First record application data (a mid-stream join), bad version, zero and oversized lengths. */
    static const uint8_t appdata_first[] = { 0x17, 0x03, 0x03, 0x00, 0x10 };
    static const uint8_t bad_major[] = { 0x16, 0x02, 0x00, 0x00, 0x10 };
    static const uint8_t bad_minor[] = { 0x16, 0x03, 0x05, 0x00, 0x10 };
    static const uint8_t zero_len[] = { 0x16, 0x03, 0x01, 0x00, 0x00 };
    static const uint8_t too_long[] = { 0x16, 0x03, 0x01, 0x48, 0x01 };   /* 18433 */
    static const uint8_t max_len[] = { 0x16, 0x03, 0x01, 0x48, 0x00 };    /* 18432: allowed */

    CU_ASSERT_EQUAL(feed_one(EA_DIR_C2S, http, sizeof(http) - 1, &in), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_NONE);
    /* Issue 15: both are TLS now (test-tls-start.c has their cases). */
    CU_ASSERT_EQUAL(feed_one(EA_DIR_C2S, sslv2, sizeof(sslv2), &in), EA_DIS_NEED_MORE);
    CU_ASSERT(in.client_hello && in.sslv2_hello);
    CU_ASSERT_EQUAL(feed_one(EA_DIR_C2S, appdata_first, 5, &in), EA_DIS_NEED_MORE);
    CU_ASSERT(!in.midstream);
    CU_ASSERT_EQUAL(feed_one(EA_DIR_C2S, bad_major, 5, &in), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(feed_one(EA_DIR_C2S, bad_minor, 5, &in), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(feed_one(EA_DIR_C2S, zero_len, 5, &in), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(feed_one(EA_DIR_C2S, too_long, 5, &in), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_NONE);
    CU_ASSERT_EQUAL(feed_one(EA_DIR_C2S, max_len, 5, &in), EA_DIS_NEED_MORE);
    /* Decided by the first byte already, even one byte at a time. */
    CU_ASSERT_EQUAL(feed_one(EA_DIR_C2S, http, 1, &in), EA_DIS_NOT_MINE);

    /* The server answering a ClientHello with something else. */
    static const uint8_t ssh[] = "SSH-2.0-OpenSSH_9.6\r\n";
    const struct flight fl[] = { FL(EA_DIR_C2S, mtls12_c1), { EA_DIR_S2C, ssh, sizeof(ssh) - 1 } };
    CU_ASSERT_EQUAL(feed(fl, 2, &in), EA_DIS_NOT_MINE);
    /* ... and a server refusing it with an alert is still TLS. */
    static const uint8_t alert[] = {
        0x15, 0x03, 0x03, 0x00, 0x02,   /* record: alert(21), TLS 1.2, length 2 */
        0x02, 0x28,                     /* fatal(2), handshake_failure(40) */
    };
    const struct flight fl2[] = { FL(EA_DIR_C2S, mtls12_c1), FL(EA_DIR_S2C, alert) };
    CU_ASSERT_EQUAL(feed(fl2, 2, &in), EA_DIS_NEED_MORE);
    CU_ASSERT(in.alert && !in.malformed);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);
    /* Once NOT_MINE, it stays so. */
    struct ea_tls_state *st = ea_tls_state_new();
    ea_tls_info_clear(&in);
    CU_ASSERT_EQUAL(ea_tls_feed(st, &in, EA_DIR_C2S, http, 4), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(ea_tls_feed(st, &in, EA_DIR_C2S, mtls12_c1, sizeof(mtls12_c1)),
                    EA_DIS_NOT_MINE);
    CU_ASSERT(!in.client_hello);
    ea_tls_state_free(st);
    ea_tls_state_free(NULL);
    ea_tls_info_clear(&in);
}

static void test_probe(void)
{
    CU_ASSERT(ea_tls_probe(mtls12_c1, sizeof(mtls12_c1)));
    CU_ASSERT(ea_tls_probe(mtls12_s1, 5));
    CU_ASSERT(ea_tls_probe(mtls12_c1, 3));            /* length not there yet */
    CU_ASSERT(!ea_tls_probe(mtls12_c1, 2));
    CU_ASSERT(!ea_tls_probe(NULL, 0));
    CU_ASSERT(!ea_tls_probe(mtls12_c2 + 0, 0));
    static const uint8_t v[][5] = {
        { 0x16, 0x03, 0x04, 0x00, 0x01 },   /* TLS 1.3 record version: yes */
        { 0x16, 0x03, 0x00, 0x40, 0x00 },   /* SSL 3.0, 16384: yes */
        { 0x17, 0x03, 0x03, 0x00, 0x10 },   /* application_data: no */
        { 0x16, 0x03, 0x05, 0x00, 0x10 },   /* minor 5: no */
        { 0x16, 0x03, 0x03, 0x00, 0x00 },   /* empty: no */
        { 0x16, 0x03, 0x03, 0xff, 0xff },   /* 65535: no */
    };
    CU_ASSERT(ea_tls_probe(v[0], 5));
    CU_ASSERT(ea_tls_probe(v[1], 5));
    for (size_t i = 2; i < 6; i++)
        CU_ASSERT(!ea_tls_probe(v[i], 5));
}

/* Damage after a valid start: flagged, DONE, never a crash. */
static void test_malformed(void)
{
    struct ea_tls_info in = { 0 };
    static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    const struct flight fl[] = { FL(EA_DIR_C2S, mtls12_c1), FL(EA_DIR_C2S, junk) };
    CU_ASSERT_EQUAL(feed(fl, 2, &in), EA_DIS_DONE);
    CU_ASSERT(in.malformed && in.client_hello);

    /* A later record over 2^14 + 2048 bytes. */
    static const uint8_t big_rec[] = { 0x16, 0x03, 0x03, 0x48, 0x01 };
    const struct flight fl2[] = { FL(EA_DIR_C2S, mtls12_c1), FL(EA_DIR_C2S, big_rec) };
    CU_ASSERT_EQUAL(feed(fl2, 2, &in), EA_DIS_DONE);
    CU_ASSERT(in.malformed);

    /* A ClientHello claiming 16385 bytes, over the kept-hello cap. */
    static const uint8_t big_hello[] = {
        0x16, 0x03, 0x01, 0x00, 0x08,   /* record: handshake, length 8 */
        0x01, 0x00, 0x40, 0x01,         /* ClientHello, length 16385 */
        0x03, 0x03, 0x00, 0x00,
    };
    CU_ASSERT_EQUAL(feed_one(EA_DIR_C2S, big_hello, sizeof(big_hello), &in), EA_DIS_DONE);
    CU_ASSERT(in.malformed && !in.client_hello);

    /* A huge Certificate (2^24 - 1) is skipped in streaming fashion: no verdict, no flag. */
    static const uint8_t cert_hdr[] = {
        0x16, 0x03, 0x03, 0x40, 0x00,   /* record: handshake, length 16384 */
        0x0b, 0xff, 0xff, 0xff,         /* Certificate, length 16777215 */
        0xff, 0xff, 0xfc,               /* certificate_list, length 16777212 */
    };
    size_t n = sizeof(mtls12_s1) + 5 + 16384 + 4 * (5 + 16384);
    uint8_t *srv = calloc(1, n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
    size_t sh = record_end(mtls12_s1, sizeof(mtls12_s1), 22);   /* ServerHello record only */
    memcpy(srv, mtls12_s1, sh);
    memcpy(srv + sh, cert_hdr, sizeof(cert_hdr));
    size_t o = sh + 5 + 16384;
    for (int r = 0; r < 4; r++, o += 5 + 16384) {
        srv[o] = 0x16; srv[o + 1] = 3; srv[o + 2] = 3; srv[o + 3] = 0x40; srv[o + 4] = 0;
        memset(srv + o + 5, 0xab, 16384);
    }
    const struct flight fl3[] = { FL(EA_DIR_C2S, mtls12_c1), { EA_DIR_S2C, srv, o } };
    CU_ASSERT_EQUAL(feed_all(fl3, 2, 1000, (size_t)-1, 0, &in), EA_DIS_NEED_MORE);
    CU_ASSERT(!in.malformed && in.server_hello && !in.server_cert);
    free(srv);

    /* Certificate whose certificate_list length disagrees with the message length. */
    static const uint8_t bad_cert[] = {
        0x16, 0x03, 0x03, 0x00, 0x0a,   /* record: handshake, length 10 */
        0x0b, 0x00, 0x00, 0x06,         /* Certificate, length 6 */
        0x00, 0x00, 0x04,               /* certificate_list, length 4: should be 3 */
        0x00, 0x00, 0x00,
    };
    const struct flight fl4[] = { FL(EA_DIR_C2S, mtls12_c1), FL(EA_DIR_C2S, bad_cert) };
    CU_ASSERT_EQUAL(feed(fl4, 2, &in), EA_DIS_DONE);
    CU_ASSERT(in.malformed && !in.client_cert);

    /* A CCS record of length 2, and an empty handshake record. */
    static const uint8_t bad_ccs[] = { 0x14, 0x03, 0x03, 0x00, 0x02, 0x01, 0x01 };
    static const uint8_t empty_hs[] = { 0x16, 0x03, 0x03, 0x00, 0x00 };
    const struct flight fl5[] = { FL(EA_DIR_C2S, mtls12_c1), FL(EA_DIR_C2S, bad_ccs) };
    CU_ASSERT_EQUAL(feed(fl5, 2, &in), EA_DIS_DONE);
    CU_ASSERT(in.malformed && !in.ccs[0]);
    const struct flight fl6[] = { FL(EA_DIR_C2S, mtls12_c1), FL(EA_DIR_C2S, empty_hs) };
    CU_ASSERT_EQUAL(feed(fl6, 2, &in), EA_DIS_DONE);
    CU_ASSERT(in.malformed);

    /* A record of another type in the middle of a handshake message (RFC 8446 5.1). */
    static uint8_t split[512];
    size_t m = reframe(mtls12_c1, sizeof(mtls12_c1), 100, split, sizeof(split) - 6);
    static const uint8_t ccs[] = { 0x14, 0x03, 0x03, 0x00, 0x01, 0x01 };
    memmove(split + 105 + 6, split + 105, m - 105);
    memcpy(split + 105, ccs, sizeof(ccs));
    CU_ASSERT_EQUAL(feed_one(EA_DIR_C2S, split, m + 6, &in), EA_DIS_DONE);
    CU_ASSERT(in.malformed && !in.client_hello);

    /* A ServerHello sent by the client, and a ClientHello sent by the server. */
    const struct flight fl7[] = { FL(EA_DIR_C2S, mtls12_s1) };
    CU_ASSERT_EQUAL(feed(fl7, 1, &in), EA_DIS_DONE);
    CU_ASSERT(in.malformed && !in.server_hello);
    const struct flight fl8[] = { FL(EA_DIR_C2S, mtls12_c1), FL(EA_DIR_S2C, mtls12_c1) };
    CU_ASSERT_EQUAL(feed(fl8, 2, &in), EA_DIS_DONE);
    CU_ASSERT(in.malformed);

    /* ServerHello with a 33-byte session_id. */
    uint8_t *sh_bad = malloc(sh);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sh_bad);
    memcpy(sh_bad, mtls12_s1, sh);
    sh_bad[5 + 4 + 34] = 33;
    const struct flight fl9[] = { FL(EA_DIR_C2S, mtls12_c1), { EA_DIR_S2C, sh_bad, sh } };
    CU_ASSERT_EQUAL(feed(fl9, 2, &in), EA_DIS_DONE);
    CU_ASSERT(in.malformed && !in.server_hello);
    free(sh_bad);

    /* Bad arguments. */
    CU_ASSERT_EQUAL(ea_tls_feed(NULL, &in, 0, mtls12_c1, 5), EA_DIS_NOT_MINE);
    struct ea_tls_state *st = ea_tls_state_new();
    ea_tls_info_clear(&in);
    CU_ASSERT_EQUAL(ea_tls_feed(st, &in, 2, mtls12_c1, sizeof(mtls12_c1)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(ea_tls_feed(st, &in, 0, NULL, 10), EA_DIS_NEED_MORE);
    CU_ASSERT(!in.record_seen);
    ea_tls_state_free(st);
    ea_tls_info_clear(&in);
}

/* Random byte damage to a real handshake: any answer, no crash or over-read (ASan). */
static void test_damage(void)
{
    uint32_t seed = 12345;
    static uint8_t c1[sizeof(mtls12_c1)], s1[sizeof(mtls12_s1)], c2[sizeof(mtls12_c2)];
    int malformed = 0;
    for (int round = 0; round < 3000; round++) {
        memcpy(c1, mtls12_c1, sizeof(c1));
        memcpy(s1, mtls12_s1, sizeof(s1));
        memcpy(c2, mtls12_c2, sizeof(c2));
        for (int k = 0; k < 4; k++) {
            seed = seed * 1103515245u + 12345u;
            uint32_t r = seed >> 8;
            uint8_t *t = (r % 3 == 0) ? c1 : (r % 3 == 1) ? s1 : c2;
            size_t n = (r % 3 == 0) ? sizeof(c1) : (r % 3 == 1) ? sizeof(s1) : sizeof(c2);
            seed = seed * 1103515245u + 12345u;
            t[(seed >> 8) % n] ^= (uint8_t)(1u << ((seed >> 4) & 7));
        }
        const struct flight fl[] = { FL(EA_DIR_C2S, c1), FL(EA_DIR_S2C, s1), FL(EA_DIR_C2S, c2) };
        struct ea_tls_info in = { 0 };
        enum ea_dis_rc rc = feed_all(fl, 3, (size_t)(round % 5) * 13, (size_t)-1, 0, &in);
        CU_ASSERT(rc == EA_DIS_NEED_MORE || rc == EA_DIS_DONE || rc == EA_DIS_NOT_MINE);
        CU_ASSERT(strlen(in.sni) <= EA_SNI_CAP && strlen(in.alpn) <= EA_ALPN_CAP);
        malformed += in.malformed;
        ea_tls_info_clear(&in);
    }
    /* The damage must actually reach the parser. */
    CU_ASSERT(malformed > 100);
}

/* ---- TLS 1.3: the client certificate inferred from record lengths ---- */

/* One synthetic case: the server's and the client's encrypted record lengths. */
struct shape_case {
    uint8_t hash_len;
    uint16_t srv[EA_TLS13_RECS];
    uint16_t cli[EA_TLS13_RECS];
    enum ea_tls13_shape want;
    const char *what;
};

/* Lengths up to the first 0. */
static uint8_t count_lens(const uint16_t *l)
{
    uint8_t n = 0;
    while (n < EA_TLS13_RECS && l[n])
        n++;
    return n;
}

static struct ea_tls13_flights flights_of(const struct shape_case *c)
{
    struct ea_tls13_flights fl;
    memset(&fl, 0, sizeof(fl));
    fl.hash_len = c->hash_len;
    fl.n[EA_DIR_S2C] = count_lens(c->srv);
    fl.n[EA_DIR_C2S] = count_lens(c->cli);
    memcpy(fl.len[EA_DIR_S2C], c->srv, sizeof(c->srv));
    memcpy(fl.len[EA_DIR_C2S], c->cli, sizeof(c->cli));
    return fl;
}

/* Server flights, one message per record: OpenSSL with and without a CertificateRequest
   (SHA-384), the same with SHA-256, a server that packs its flight, GnuTLS without one. */
#define SRV_CR384 { 23, 128, 1012, 97, 69, 778 }
#define SRV_NOCR384 { 23, 1012, 97, 69, 250 }
#define SRV_CR256 { 23, 128, 1012, 97, 53, 762 }
#define SRV_NOCR256 { 23, 1012, 97, 53, 234 }
#define SRV_PACKED { 1290, 778 }

static const struct shape_case shape_cases[] = {
    /* Lengths measured on loopback (captures/own/tls13-*.pcap). */
    { 48, SRV_NOCR384, { 69, 325, 19 }, EA_T13_NOT_REQUESTED, "Finished only, SHA-384" },
    { 32, SRV_NOCR256, { 53, 346, 19 }, EA_T13_NOT_REQUESTED, "Finished only, SHA-256" },
    { 48, SRV_CR384, { 25, 69, 328 }, EA_T13_EMPTY_CERT, "empty Certificate, SHA-384" },
    { 32, SRV_CR256, { 25, 53, 328 }, EA_T13_EMPTY_CERT, "empty Certificate, SHA-256" },
    { 48, SRV_CR384, { 1017, 95, 69, 319 }, EA_T13_CERT, "Certificate, SHA-384" },
    { 32, SRV_CR256, { 1017, 96, 53, 340 }, EA_T13_CERT, "Certificate, SHA-256" },
    { 48, { 29, 94, 501, 96, 69 }, { 517, 96, 69, 23 }, EA_T13_CERT, "GnuTLS Certificate" },
    { 48, { 29, 501, 95, 69, 268 }, { 69, 23 }, EA_T13_NOT_REQUESTED, "GnuTLS Finished only" },
    { 48, { 23, 62, 1013, 97, 69 }, { 25, 69, 308 }, EA_T13_EMPTY_CERT, "Python empty Certificate" },
    /* Several handshake messages packed into one record. */
    { 48, SRV_CR384, { 77, 300 }, EA_T13_EMPTY_CERT_PACKED, "empty Certificate + Finished packed" },
    { 32, SRV_CR256, { 61 }, EA_T13_EMPTY_CERT_PACKED, "empty Certificate + Finished packed, SHA-256" },
    { 48, SRV_PACKED, { 77 }, EA_T13_EMPTY_CERT_PACKED, "packed, no server evidence" },
    { 48, SRV_CR384, { 1181, 300 }, EA_T13_CERT_PACKED, "Certificate + CertificateVerify + Finished packed" },
    { 48, SRV_CR384, { 1112, 69, 300 }, EA_T13_CERT, "Certificate + CertificateVerify packed, Finished apart" },
    { 48, SRV_PACKED, { 1181, 300 }, EA_T13_UNCONFIRMED, "packed flight, packed server: no CertificateRequest in view" },
    { 48, SRV_NOCR384, { 1181, 300 }, EA_T13_CONFLICT, "packed certificate, yet no CertificateRequest" },
    /* A Certificate over two records (a chain longer than 2^14). */
    { 48, SRV_CR384, { 16401, 2000, 95, 69 }, EA_T13_CERT, "Certificate in two records" },
    /* Record padding (OpenSSL -record_padding 512) and lengths only padding explains. */
    { 48, SRV_NOCR384, { 528, 528, 528 }, EA_T13_PADDED, "padded Finished" },
    { 48, SRV_CR384, { 1040, 528, 528, 528 }, EA_T13_PADDED, "padded Certificate flight" },
    { 48, SRV_CR384, { 1040 }, EA_T13_PADDED, "one record, padded to a 16-byte block" },
    { 48, SRV_CR384, { 516, 516 }, EA_T13_PADDED, "padded to a block of 500: lengths repeat" },
    { 48, SRV_NOCR384, { 77 }, EA_T13_PADDED, "a Finished padded by 8, or a packed empty Certificate" },
    /* The server's flight disagrees with the client's. */
    { 48, SRV_CR384, { 69, 300 }, EA_T13_CONFLICT, "asked, yet Finished only" },
    { 48, SRV_NOCR384, { 25, 69 }, EA_T13_CONFLICT, "not asked, yet an empty Certificate" },
    { 48, SRV_NOCR384, { 1017, 95, 69 }, EA_T13_CONFLICT, "not asked, yet a Certificate" },
    /* A split server certificate is no CertificateRequest: no evidence either way. */
    { 48, { 23, 16401, 3000, 97, 69 }, { 69 }, EA_T13_NOT_REQUESTED, "server certificate in two records" },
    /* Not enough yet, or not a known shape. */
    { 48, SRV_CR384, { 0 }, EA_T13_PENDING, "no client record" },
    { 48, SRV_CR384, { 25 }, EA_T13_PENDING, "empty Certificate, Finished to come" },
    /* A long first record and no Finished yet: packed, or the rest to come; yes either way. */
    { 48, SRV_CR384, { 1017 }, EA_T13_CERT_PACKED, "Certificate, the rest to come" },
    { 48, SRV_CR384, { 1017, 95 }, EA_T13_CERT_PACKED, "Certificate and CertificateVerify, Finished to come" },
    { 48, SRV_CR384, { 200 }, EA_T13_PENDING, "a short Certificate, the rest to come" },
    { 48, SRV_CR384, { 200, 95, 300 }, EA_T13_UNKNOWN, "a short Certificate and no Finished" },
    { 48, SRV_CR384, { 19 }, EA_T13_UNKNOWN, "an encrypted alert" },
    { 48, SRV_CR384, { 25, 19, 69 }, EA_T13_UNKNOWN, "empty Certificate, then something else" },
    { 48, SRV_CR384, { 100, 69 }, EA_T13_UNKNOWN, "too short for a Certificate and CertificateVerify" },
    { 48, SRV_CR384, { 1017, 95, 400, 300, 69 }, EA_T13_UNKNOWN, "Finished after too many records" },
    { 0, SRV_CR384, { 69 }, EA_T13_UNKNOWN, "cipher suite not covered" },
};

static void test_t13_shapes(void)
{
    for (size_t i = 0; i < NFL(shape_cases); i++) {
        const struct shape_case *c = &shape_cases[i];
        struct ea_tls13_flights fl = flights_of(c);
        enum ea_tls13_shape got = ea_tls13_shape(&fl);
        if (got != c->want)
            fprintf(stderr, "shape case %zu (%s): got %d, want %d\n", i, c->what, (int)got, (int)c->want);
        CU_ASSERT_EQUAL(got, c->want);
    }
    CU_ASSERT_EQUAL(ea_tls13_shape(NULL), EA_T13_UNKNOWN);
    struct ea_tls13_flights bad = flights_of(&shape_cases[0]);
    bad.n[EA_DIR_C2S] = EA_TLS13_RECS + 1;
    CU_ASSERT_EQUAL(ea_tls13_shape(&bad), EA_T13_UNKNOWN);
}

/* Appends a record of 'type' with a zero body of 'len' bytes; returns the new length. */
static size_t put_record(uint8_t *b, size_t at, uint8_t type, uint16_t len)
{
    b[at] = type;
    b[at + 1] = 3;
    b[at + 2] = 3;
    b[at + 3] = (uint8_t)(len >> 8);
    b[at + 4] = (uint8_t)len;
    memset(b + at + 5, type == 20 ? 1 : 0, len);
    return at + 5 + len;
}

/* The recorded TLS 1.3 hellos, then the client's CCS and encrypted records of lens. */
static enum ea_dis_rc feed_t13(const uint16_t *lens, size_t n, struct ea_tls_info *info)
{
    static uint8_t cli[8 * (5 + 1100)];
    size_t len = put_record(cli, 0, 20, 1);
    for (size_t i = 0; i < n; i++)
        len = put_record(cli, len, 23, lens[i]);
    const struct flight fl[] = { FL(EA_DIR_C2S, tls13_c1), FL(EA_DIR_S2C, tls13_s1), { EA_DIR_C2S, cli, len } };
    return feed(fl, NFL(fl), info);
}

static void test_t13_answers(void)
{
    struct ea_tls_info in = { 0 };
    /* The recorded server flight is cut after its first record: the client's shape decides. */
    const uint16_t fin_only[] = { 69, 300 };
    CU_ASSERT_EQUAL(feed_t13(fin_only, 1, &in), EA_DIS_DONE);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_NO);
    CU_ASSERT_EQUAL(ea_tls_mtls_evidence(&in), EA_MTLS_EV_INFERRED);
    CU_ASSERT_PTR_NOT_NULL(strstr(ea_tls_mtls_why(&in), "Finished only"));
    CU_ASSERT(in.t13.n[EA_DIR_C2S] == 1 && in.t13.len[EA_DIR_C2S][0] == 69 && !in.malformed);

    const uint16_t empty[] = { 25, 69 };
    CU_ASSERT_EQUAL(feed_t13(empty, 1, &in), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);
    CU_ASSERT_EQUAL(feed_t13(empty, 2, &in), EA_DIS_DONE);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_NO);
    CU_ASSERT_PTR_NOT_NULL(strstr(ea_tls_mtls_why(&in), "empty Certificate"));

    const uint16_t cert[] = { 1017, 95, 69, 300 };
    CU_ASSERT_EQUAL(feed_t13(cert, 2, &in), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(feed_t13(cert, 4, &in), EA_DIS_DONE);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_YES);
    CU_ASSERT_EQUAL(ea_tls_mtls_evidence(&in), EA_MTLS_EV_INFERRED);
    CU_ASSERT_EQUAL(in.t13.n[EA_DIR_C2S], 3);   /* DONE at the Finished */

    /* A long record without the server's CertificateRequest in view: feeds on, never yes. */
    const uint16_t packed[] = { 1181, 300, 301, 302, 303, 304, 305, 306 };
    CU_ASSERT_EQUAL(feed_t13(packed, 7, &in), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);
    CU_ASSERT_EQUAL(feed_t13(packed, 8, &in), EA_DIS_DONE);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);
    CU_ASSERT_PTR_NOT_NULL(strstr(ea_tls_mtls_why(&in), "padding"));

    /* PSK resumption and an offer of post-handshake authentication hide a "no". */
    CU_ASSERT_EQUAL(feed_t13(fin_only, 1, &in), EA_DIS_DONE);
    in.pha_offered = 1;
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);
    CU_ASSERT_PTR_NOT_NULL(strstr(ea_tls_mtls_why(&in), "post-handshake"));
    in.pha_offered = 0;
    in.psk = 1;
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);
    CU_ASSERT_PTR_NOT_NULL(strstr(ea_tls_mtls_why(&in), "pre-shared key"));
    CU_ASSERT_EQUAL(feed_t13(cert, 4, &in), EA_DIS_DONE);
    in.pha_offered = 1;
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_YES);   /* a certificate in the handshake stays one */
    in.t13.hash_len = 0;
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);
    in.version = 0x7f1c;   /* a draft */
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);

    /* 0-RTT early data (RFC 8446 4.2.10): a ClientHello with early_data, application_data before
       the ServerHello. The hello: legacy_version, random, no session id, one suite, null
       compression, supported_versions (TLS 1.3) and early_data. */
    static const uint8_t ch_early[5 + 4 + 54] = {
        0x16, 0x03, 0x01, 0x00, 58, 0x01, 0x00, 0x00, 54, 0x03, 0x03,
        [43] = 0x00, 0x00, 0x02, 0x13, 0x02, 0x01, 0x00, 0x00, 11,
        0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04, 0x00, 0x2a, 0x00, 0x00,
    };
    static uint8_t early[5 + 1 + 5 + 40];
    size_t el = put_record(early, put_record(early, 0, 20, 1), 23, 40);
    const struct flight ed[] = { FL(EA_DIR_C2S, ch_early), { EA_DIR_C2S, early, el },
                                 FL(EA_DIR_S2C, tls13_s1) };
    const struct flight no_ed[] = { FL(EA_DIR_C2S, tls13_c1), { EA_DIR_C2S, early, el } };
    CU_ASSERT_EQUAL(feed(no_ed, 2, &in), EA_DIS_DONE);   /* no early_data offered: not 0-RTT */
    CU_ASSERT(!in.early_data && in.app_data);
    CU_ASSERT_EQUAL(feed(ed, 2, &in), EA_DIS_NEED_MORE);   /* the ServerHello still tells */
    CU_ASSERT(in.early_data && !in.server_hello);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);
    CU_ASSERT_PTR_NOT_NULL(strstr(ea_tls_mtls_why(&in), "0-RTT"));
    CU_ASSERT_EQUAL(feed(ed, 3, &in), EA_DIS_DONE);
    CU_ASSERT(in.early_data && in.server_hello && in.version == 0x0304);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_UNVERIFIABLE);
    CU_ASSERT_PTR_NOT_NULL(strstr(ea_tls_mtls_why(&in), "0-RTT"));

    /* TLS 1.2: seen in clear. */
    CU_ASSERT_EQUAL(feed(hs_mtls12, NFL(hs_mtls12), &in), EA_DIS_DONE);
    CU_ASSERT_EQUAL(ea_tls_mtls_evidence(&in), EA_MTLS_EV_SEEN);
    CU_ASSERT_EQUAL(feed(hs_plain12, NFL(hs_plain12), &in), EA_DIS_DONE);
    CU_ASSERT_EQUAL(ea_tls_mtls_evidence(&in), EA_MTLS_EV_SEEN);
    CU_ASSERT_EQUAL(ea_tls_mtls(&in), EA_MTLS_NO);
    ea_tls_info_clear(&in);
    CU_ASSERT_EQUAL(ea_tls_mtls_evidence(&in), EA_MTLS_EV_NONE);
    CU_ASSERT_STRING_EQUAL(ea_tls_mtls_why(&in), "");
    CU_ASSERT_STRING_EQUAL(ea_mtls_evidence_name(EA_MTLS_EV_SEEN), "seen");
    CU_ASSERT_STRING_EQUAL(ea_mtls_evidence_name(EA_MTLS_EV_INFERRED), "inferred");
    CU_ASSERT_STRING_EQUAL(ea_mtls_evidence_name(EA_MTLS_EV_UNVERIFIABLE), "unverifiable");
    CU_ASSERT_STRING_EQUAL(ea_mtls_evidence_name(EA_MTLS_EV_NONE), "");
    ea_tls_info_clear(&in);
}

/* ea_tls_matched: 0 for NULL and a fresh info, 1 once a ClientHello or a ServerHello. */
static void test_matched(void)
{
    CU_ASSERT_FALSE(ea_tls_matched(NULL));
    struct ea_tls_info *s = ea_tls_info_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_FALSE(ea_tls_matched(s));
    s->record_seen = 1;                 /* a record alone is not a match */
    CU_ASSERT_FALSE(ea_tls_matched(s));
    s->client_hello = 1;
    CU_ASSERT_TRUE(ea_tls_matched(s));
    s->client_hello = 0;
    s->server_hello = 1;
    CU_ASSERT_TRUE(ea_tls_matched(s));
    s->server_hello = 0;
    s->midstream = 1;
    CU_ASSERT_TRUE(ea_tls_matched(s));
    ea_tls_info_free(s);
    ea_tls_info_free(NULL);
}

void ea_test_add_dissect_tls(void)
{
    EA_SUITE("dissect-tls",
             { "matched, info new and free", test_matched },
             { "mtls yes (TLS 1.2, client certificate)", test_mtls_yes },
             { "mtls no (no CertificateRequest)", test_mtls_no_request },
             { "mtls no (empty client Certificate)", test_mtls_empty_cert },
             { "mtls unverifiable (TLS 1.3)", test_mtls_tls13 },
             { "mtls unverifiable (resumed)", test_mtls_resumed },
             { "mtls partial and mid-stream", test_mtls_partial },
             { "mtls names", test_mtls_names },
             { "HelloRetryRequest", test_hello_retry },
             { "TLS 1.3 shapes of synthetic record lengths", test_t13_shapes },
             { "TLS 1.3 answers through the dissector", test_t13_answers },
             { "client CCS: TLS 1.3 dummy or real", test_client_ccs_compat },
             { "SNI and ALPN", test_sni_alpn },
             { "SNI and ALPN caps and sanitising", test_sni_alpn_caps },
             { "segmentation at every split", test_segmentation },
             { "DONE at the client CCS", test_done_point },
             { "records re-framed", test_reframing },
             { "truncated stream", test_truncated_stream },
             { "truncated ClientHello body", test_truncated_client_hello },
             { "not TLS", test_not_tls },
             { "probe", test_probe },
             { "malformed", test_malformed },
             { "random damage", test_damage });
}
