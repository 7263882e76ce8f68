/* test-dissect-xmpp.c: XMPP stream headers, features, STARTTLS, segmentation and hostile input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests.h"
#include "dissect-xmpp.h"

/* One TCP payload of a conversation, in capture order. */
struct seg {
    int dir;
    const char *bytes;
};

/*
 * Prosody 0.12 (c2s_require_encryption) on loopback in a private network
 * namespace, client "openssl s_client -starttls xmpp -xmpphost localhost";
 * the four cleartext TCP payloads before the ClientHello.
 */
static const struct seg prosody_c2s[] = {
    { EA_DIR_C2S,
      "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client' "
      "to='localhost' version='1.0'>" },                        /* initiator's stream header */
    { EA_DIR_S2C,
      "<?xml version='1.0'?>"                                   /* XML declaration */
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
      "from='localhost' xml:lang='en' id='6bd748f7-b3e0-4f09-bfdb-b14c7ce44703' version='1.0'>"
      "<stream:features>"                                       /* features: STARTTLS required */
      "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"
      "<required/>"
      "</starttls>"
      "</stream:features>" },
    { EA_DIR_C2S, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" },   /* request */
    { EA_DIR_S2C, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" },    /* TLS follows */
};

/* Same Prosody, "openssl s_client -starttls xmpp-server": server-to-server with dialback. */
static const struct seg prosody_s2s[] = {
    { EA_DIR_C2S,
      "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:server' "
      "to='localhost' version='1.0'>" },
    { EA_DIR_S2C,
      "<?xml version='1.0'?>"
      "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
      "from='localhost' xml:lang='en' id='5f831a7c-d574-48aa-99cd-3d58a667fd1e' to='' "
      "xmlns:db='jabber:server:dialback' version='1.0'>"        /* dialback namespace, empty to */
      "<stream:features>"
      "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"
      "<required/>"
      "</starttls>"
      "<dialback xmlns='urn:xmpp:features:dialback'/>"
      "</stream:features>" },
    { EA_DIR_C2S, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" },
    { EA_DIR_S2C, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" },
};

/*
 * jabber.pcap (nDPI regression capture, see captures/real/SOURCES.md), TCP
 * stream 0, 57094 -> 5222: Pidgin against ejabberd, features without STARTTLS.
 */
static const struct seg ejabberd_c2s[] = {
    { EA_DIR_C2S, "<?xml version='1.0' ?>" },                  /* declaration in its own segment */
    { EA_DIR_C2S,
      "<stream:stream to='cs-xmpp.lan' xmlns='jabber:client' "
      "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>" },
    { EA_DIR_S2C,
      "<?xml version='1.0'?>"
      "<stream:stream id='16471686341201772321' version='1.0' xml:lang='en' "
      "xmlns:stream='http://etherx.jabber.org/streams' from='cs-xmpp.lan' xmlns='jabber:client'>" },
    { EA_DIR_S2C,
      "<stream:features>"                                       /* SASL only: no STARTTLS */
      "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
      "<mechanism>PLAIN</mechanism>"
      "<mechanism>DIGEST-MD5</mechanism>"
      "<mechanism>X-OAUTH2</mechanism>"
      "<mechanism>SCRAM-SHA-1</mechanism>"
      "</mechanisms>"
      "<register xmlns='http://jabber.org/features/iq-register'/>"
      "</stream:features>" },
    { EA_DIR_C2S,
      "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='DIGEST-MD5' "
      "xmlns:ga='http://www.google.com/talk/protocol/auth' ga:client-uses-full-bind-result='true'/>" },
};

#define NSEG(a) (sizeof(a) / sizeof((a)[0]))

/* Feeds a heap copy of exactly n bytes, so that ASan sees any over-read. */
static enum ea_dis_rc feed(struct ea_xmpp_state *st, struct ea_xmpp_info *xi, int dir,
                           const char *b, size_t n)
{
    uint8_t *copy = malloc(n ? n : 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
    memcpy(copy, b, n);
    enum ea_dis_rc rc = ea_xmpp_feed(st, xi, dir, copy, n);
    free(copy);
    return rc;
}

static enum ea_dis_rc feed_str(struct ea_xmpp_state *st, struct ea_xmpp_info *xi, int dir, const char *s)
{
    return feed(st, xi, dir, s, strlen(s));
}

/* Runs a whole conversation in 'chunk'-byte pieces (0: one piece per payload). */
static enum ea_dis_rc run(const struct seg *s, size_t n, size_t chunk, struct ea_xmpp_info *xi)
{
    struct ea_xmpp_state *st = ea_xmpp_state_new();
    enum ea_dis_rc rc = EA_DIS_NEED_MORE;
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(s[i].bytes), step = chunk ? chunk : len;
        for (size_t off = 0; off < len; off += step)
            rc = feed(st, xi, s[i].dir, s[i].bytes + off, len - off < step ? len - off : step);
    }
    ea_xmpp_state_free(st);
    return rc;
}

static void test_prosody_c2s(void)
{
    struct ea_xmpp_state *st = ea_xmpp_state_new();
    struct ea_xmpp_info xi = { 0 };
    static const enum ea_dis_rc want[] = {
        EA_DIS_NEED_MORE, EA_DIS_NEED_MORE, EA_DIS_NEED_MORE, EA_DIS_UPGRADE,
    };
    for (size_t i = 0; i < NSEG(prosody_c2s); i++)
        CU_ASSERT_EQUAL(feed_str(st, &xi, prosody_c2s[i].dir, prosody_c2s[i].bytes), want[i]);
    CU_ASSERT(xi.stream[0] && xi.stream[1]);
    CU_ASSERT(xi.ns_client);
    CU_ASSERT(!xi.ns_server);
    CU_ASSERT(!xi.dialback);
    CU_ASSERT(xi.starttls_offered && xi.starttls_requested && xi.proceed);
    CU_ASSERT_STRING_EQUAL(xi.to, "localhost");
    CU_ASSERT_STRING_EQUAL(xi.from, "");         /* the client gave no 'from' */
    CU_ASSERT(!xi.str_truncated && !xi.buf_overflow);
    /* Sticky: TLS bytes after <proceed/> do not change the answer. */
    static const uint8_t hello[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01 };   /* TLS record start */
    CU_ASSERT_EQUAL(ea_xmpp_feed(st, &xi, EA_DIR_C2S, hello, sizeof(hello)), EA_DIS_UPGRADE);
    ea_xmpp_state_free(st);
}

static void test_prosody_s2s(void)
{
    struct ea_xmpp_info xi = { 0 };
    CU_ASSERT_EQUAL(run(prosody_s2s, NSEG(prosody_s2s), 0, &xi), EA_DIS_UPGRADE);
    CU_ASSERT(xi.ns_server && !xi.ns_client && xi.dialback);
    CU_ASSERT(xi.starttls_offered && xi.starttls_requested && xi.proceed);
    CU_ASSERT_STRING_EQUAL(xi.to, "localhost");
    CU_ASSERT_STRING_EQUAL(xi.from, "");         /* the responder's to='' fills nothing */
}

static void test_ejabberd_no_starttls(void)
{
    struct ea_xmpp_state *st = ea_xmpp_state_new();
    struct ea_xmpp_info xi = { 0 };
    /* DONE as soon as the features without <starttls/> are complete. */
    static const enum ea_dis_rc want[] = {
        EA_DIS_NEED_MORE, EA_DIS_NEED_MORE, EA_DIS_NEED_MORE, EA_DIS_DONE, EA_DIS_DONE,
    };
    for (size_t i = 0; i < NSEG(ejabberd_c2s); i++)
        CU_ASSERT_EQUAL(feed_str(st, &xi, ejabberd_c2s[i].dir, ejabberd_c2s[i].bytes), want[i]);
    CU_ASSERT(xi.ns_client && !xi.ns_server);
    CU_ASSERT(!xi.starttls_offered && !xi.starttls_requested && !xi.proceed);
    CU_ASSERT_STRING_EQUAL(xi.to, "cs-xmpp.lan");
    ea_xmpp_state_free(st);
}

/* Answer and facts of a conversation fed whole. */
struct outcome {
    enum ea_dis_rc rc;
    struct ea_xmpp_info xi;
};

/*
 * Every payload split at every point into two feeds, and the whole
 * conversation fed one byte at a time: the answer and every fact must match
 * the unsplit run, and the answer after the first half of the last payload
 * must still be NEED_MORE.
 */
static void check_splits(const struct seg *s, size_t n)
{
    struct outcome ref = { 0 };
    ref.rc = run(s, n, 0, &ref.xi);

    struct ea_xmpp_info one = { 0 };
    CU_ASSERT_EQUAL(run(s, n, 1, &one), ref.rc);
    CU_ASSERT_EQUAL(memcmp(&one, &ref.xi, sizeof(one)), 0);

    for (size_t k = 0; k < n; k++) {
        size_t len = strlen(s[k].bytes);
        for (size_t cut = 0; cut <= len; cut++) {
            struct ea_xmpp_state *st = ea_xmpp_state_new();
            struct ea_xmpp_info xi = { 0 };
            enum ea_dis_rc rc = EA_DIS_NEED_MORE;
            CU_ASSERT_PTR_NOT_NULL_FATAL(st);
            for (size_t i = 0; i < n; i++) {
                if (i != k) {
                    rc = feed_str(st, &xi, s[i].dir, s[i].bytes);
                    continue;
                }
                rc = feed(st, &xi, s[i].dir, s[i].bytes, cut);
                if (k == n - 1 && cut < len)
                    CU_ASSERT_EQUAL(rc, EA_DIS_NEED_MORE);
                rc = feed(st, &xi, s[i].dir, s[i].bytes + cut, len - cut);
            }
            CU_ASSERT_EQUAL(rc, ref.rc);
            CU_ASSERT_EQUAL(memcmp(&xi, &ref.xi, sizeof(xi)), 0);
            ea_xmpp_state_free(st);
        }
    }
}

static void test_segmentation(void)
{
    check_splits(prosody_c2s, NSEG(prosody_c2s));
    check_splits(prosody_s2s, NSEG(prosody_s2s));
    /* The last ejabberd payload comes after DONE: check up to the features. */
    check_splits(ejabberd_c2s, NSEG(ejabberd_c2s) - 1);
}

/* jabber.pcap TCP 5223 flows carry a binary protocol, not XMPP. */
static void test_binary_5223(void)
{
    static const uint8_t c2s[] = {
        0x25, 0x00, 0x45, 0x14, 0x04, 0x11, 0x8a, 0xb5,   /* first bytes of 34218 -> 5223 */
        0x81, 0x6e, 0x16, 0x5f, 0x0a, 0x59, 0x14, 0x6a,
    };
    static const uint8_t s2c[] = {
        0x26, 0x00, 0x10, 0x00, 0xb3, 0xb6, 0xd1, 0x14,   /* the answer, 5223 -> 34218 */
    };
    struct ea_xmpp_state *st = ea_xmpp_state_new();
    struct ea_xmpp_info xi = { 0 };
    CU_ASSERT_EQUAL(ea_xmpp_feed(st, &xi, EA_DIR_C2S, c2s, sizeof(c2s)), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(ea_xmpp_feed(st, &xi, EA_DIR_S2C, s2c, sizeof(s2c)), EA_DIS_NOT_MINE);
    CU_ASSERT(!xi.stream[0] && !xi.stream[1]);
    ea_xmpp_state_free(st);
}

static void test_not_xmpp(void)
{
    static const char *const bad[] = {
        "GET / HTTP/1.1\r\n",
        "SSH-2.0-OpenSSH_9.2\r\n",
        "<html><body>",
        "<?xml version='1.0'?><foo>",
        "<stream:stream xmlns:stream='http://example.com/not-streams'>",
        "<stream:stream xmlns='http://etherx.jabber.org/streams'>",   /* prefix left unbound */
        "<s:stream xmlns:stream='http://etherx.jabber.org/streams'>", /* bound to another prefix */
        "<!DOCTYPE stream>",
        "<stream:stream to='a' <b>",                                  /* '<' inside a tag */
        "<stream:stream to=a>",                                       /* unquoted value */
        "<stream:streamy xmlns:stream='http://etherx.jabber.org/streams'>",
        "<\x01",
        "\x16\x03\x01\x00\x05",
        "\x00",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct ea_xmpp_state *st = ea_xmpp_state_new();
        struct ea_xmpp_info xi = { 0 };
        size_t n = strlen(bad[i]) ? strlen(bad[i]) : 1;
        CU_ASSERT_EQUAL(feed(st, &xi, EA_DIR_C2S, bad[i], n), EA_DIS_NOT_MINE);
        CU_ASSERT(!xi.stream[0]);
        ea_xmpp_state_free(st);
    }
    /* A bad responder also ends it, even after a good initiator. */
    struct ea_xmpp_state *st = ea_xmpp_state_new();
    struct ea_xmpp_info xi = { 0 };
    CU_ASSERT_EQUAL(feed_str(st, &xi, 0, prosody_c2s[0].bytes), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(feed_str(st, &xi, 1, "HTTP/1.1 400 Bad Request\r\n"), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(feed_str(st, &xi, 1, "<stream:stream"), EA_DIS_NOT_MINE);   /* sticky */
    ea_xmpp_state_free(st);

    CU_ASSERT_EQUAL(ea_xmpp_feed(NULL, &xi, 0, (const uint8_t *)"<", 1), EA_DIS_NOT_MINE);
    st = ea_xmpp_state_new();
    CU_ASSERT_EQUAL(ea_xmpp_feed(st, &xi, 2, (const uint8_t *)"<", 1), EA_DIS_NOT_MINE);
    ea_xmpp_state_free(st);
    ea_xmpp_state_free(NULL);
}

/* Whitespace, declaration and comments before the header; empty feeds; another prefix; " quotes. */
static void test_prolog_and_prefix(void)
{
    struct ea_xmpp_state *st = ea_xmpp_state_new();
    struct ea_xmpp_info xi = { 0 };
    CU_ASSERT_EQUAL(ea_xmpp_feed(st, &xi, 0, NULL, 0), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(feed_str(st, &xi, 0, " \r\n\t<?xml version=\"1.0\"?>\n<!-- hello -->\n"), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(feed_str(st, &xi, 0,
        "<s:stream xmlns:s=\"http://etherx.jabber.org/streams\" xmlns=\"jabber:server\" "
        "xmlns:db=\"jabber:server:dialback\" to=\"example.net\" from=\"example.org\" version=\"1.0\">"),
        EA_DIS_NEED_MORE);
    CU_ASSERT(xi.stream[0] && xi.ns_server && xi.dialback);
    CU_ASSERT_STRING_EQUAL(xi.to, "example.net");
    CU_ASSERT_STRING_EQUAL(xi.from, "example.org");
    /* The responder uses the prefix "stream"; its features are known by that prefix. */
    CU_ASSERT_EQUAL(feed_str(st, &xi, 1,
        "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:server' "
        "from='other.example' to='other2.example'>"), EA_DIS_NEED_MORE);
    /* Mirrored values never replace the initiator's own. */
    CU_ASSERT_STRING_EQUAL(xi.to, "example.net");
    CU_ASSERT_STRING_EQUAL(xi.from, "example.org");
    CU_ASSERT_EQUAL(feed_str(st, &xi, 1, "<s:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></s:features>"),
                    EA_DIS_NEED_MORE);
    CU_ASSERT(!xi.starttls_offered);             /* wrong prefix: not the features */
    CU_ASSERT_EQUAL(feed_str(st, &xi, 1, "<stream:features/>"), EA_DIS_DONE);
    ea_xmpp_state_free(st);

    /* Without 'to'/'from' of its own, the initiator's fields come from the responder's mirror. */
    st = ea_xmpp_state_new();
    memset(&xi, 0, sizeof(xi));
    feed_str(st, &xi, 0, "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client'>");
    feed_str(st, &xi, 1, "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client' "
                         "from='im.example.com' to='juliet@im.example.com/balcony'>");
    CU_ASSERT_STRING_EQUAL(xi.to, "im.example.com");
    CU_ASSERT_STRING_EQUAL(xi.from, "im.example.com");   /* JID: localpart and resource dropped */
    ea_xmpp_state_free(st);
}

static const char hdr_c[] =
    "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client' to='x.example'>";
static const char hdr_s[] =
    "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client' from='x.example'>";

/* Both headers in, then the given responder and initiator bytes: the answer. */
static enum ea_dis_rc after_headers(const char *resp, const char *init, struct ea_xmpp_info *xi)
{
    struct ea_xmpp_state *st = ea_xmpp_state_new();
    enum ea_dis_rc rc;
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    feed_str(st, xi, 0, hdr_c);
    rc = feed_str(st, xi, 1, hdr_s);
    if (resp)
        rc = feed_str(st, xi, 1, resp);
    if (init)
        rc = feed_str(st, xi, 0, init);
    ea_xmpp_state_free(st);
    return rc;
}

static void test_done_rules(void)
{
    static const char tls_feat[] = "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>";
    struct ea_xmpp_info xi = { 0 };

    CU_ASSERT_EQUAL(after_headers(NULL, NULL, &xi), EA_DIS_NEED_MORE);
    memset(&xi, 0, sizeof(xi));
    CU_ASSERT_EQUAL(after_headers(tls_feat, NULL, &xi), EA_DIS_NEED_MORE);
    CU_ASSERT(xi.starttls_offered);
    /* Offered but the initiator goes on without it. */
    memset(&xi, 0, sizeof(xi));
    CU_ASSERT_EQUAL(after_headers(tls_feat, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'/>", &xi),
                    EA_DIS_DONE);
    CU_ASSERT(xi.starttls_offered && !xi.starttls_requested);
    /* Requested, then refused (RFC 6120 5.4.2.2). */
    memset(&xi, 0, sizeof(xi));
    CU_ASSERT_EQUAL(after_headers(tls_feat, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", &xi),
                    EA_DIS_NEED_MORE);
    memset(&xi, 0, sizeof(xi));
    CU_ASSERT_EQUAL(after_headers("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>", NULL, &xi),
                    EA_DIS_DONE);
    CU_ASSERT(!xi.proceed);
    /* <starttls/> in a foreign namespace, or outside the features, is not an offer. */
    memset(&xi, 0, sizeof(xi));
    CU_ASSERT_EQUAL(after_headers("<stream:features><starttls xmlns='urn:example'/></stream:features>", NULL, &xi),
                    EA_DIS_DONE);
    CU_ASSERT(!xi.starttls_offered);
    memset(&xi, 0, sizeof(xi));
    CU_ASSERT_EQUAL(after_headers("<stream:features><x><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></x>"
                                  "</stream:features>", NULL, &xi), EA_DIS_DONE);
    CU_ASSERT(!xi.starttls_offered);
    /* <proceed/> in the wrong namespace is no upgrade; the stream's end settles it. */
    memset(&xi, 0, sizeof(xi));
    CU_ASSERT_EQUAL(after_headers("<proceed xmlns='urn:example'/>", NULL, &xi), EA_DIS_NEED_MORE);
    memset(&xi, 0, sizeof(xi));
    CU_ASSERT_EQUAL(after_headers("</stream:stream>", NULL, &xi), EA_DIS_DONE);
    /* A legacy (pre-1.0) client sends jabber:iq:auth without waiting for features. */
    memset(&xi, 0, sizeof(xi));
    CU_ASSERT_EQUAL(after_headers(NULL, "<iq type='get' id='a1'><query xmlns='jabber:iq:auth'/></iq>", &xi),
                    EA_DIS_DONE);
}

/* Entities in values, JIDs, and what sanitising leaves of hostile values. */
static void test_values(void)
{
    static const struct { const char *to; const char *want; } t[] = {
        { "a&amp;b&apos;c&quot;d&#x41;&#66;.example", "a&b'c\"dAB.example" },
        { "&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)<" },  /* "/..." is a resource */
        { "<script>alert(1)</script>", "<script>alert(1)<" },             /* raw, inside quotes */
        { "&unknown;&#xZZ;&#;&#0;&#x110000;", "&unknown;&#xZZ;&#;&#0;&#x110000;" },
        { "juliet@im.example.com/balcony", "im.example.com" },
        { "a@b@c", "b@c" },
        { "ctl\x01\x7f.example", "ctl\xEF\xBF\xBD\xEF\xBF\xBD.example" },
        { "&#xE9;t&#233;.example", "\xC3\xA9t\xC3\xA9.example" },
        { "", "" },
        { "user@", "" },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char hdr[512];
        snprintf(hdr, sizeof(hdr), "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='%s'>", t[i].to);
        struct ea_xmpp_state *st = ea_xmpp_state_new();
        struct ea_xmpp_info xi = { 0 };
        CU_ASSERT_EQUAL(feed_str(st, &xi, 0, hdr), EA_DIS_NEED_MORE);
        CU_ASSERT(xi.stream[0]);
        CU_ASSERT_STRING_EQUAL(xi.to, t[i].want);
        ea_xmpp_state_free(st);
    }
}

/*
 * An item held across feeds grows its buffer (256 bytes, doubling to 4096):
 * fed 50 bytes at a time, a 3000-byte header gives what one feed gives, and
 * one that reaches 4096 bytes unterminated overflows exactly as in one piece.
 */
static void test_held_growth(void)
{
    char *big = malloc(8192);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    int n = snprintf(big, 8192, "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='%0*d'>", 3000, 7);
    struct ea_xmpp_info one = { 0 }, xi = { 0 };
    struct ea_xmpp_state *st = ea_xmpp_state_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    CU_ASSERT_EQUAL(feed(st, &one, 0, big, (size_t)n), EA_DIS_NEED_MORE);
    ea_xmpp_state_free(st);
    st = ea_xmpp_state_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    for (int off = 0; off < n; off += 50)
        CU_ASSERT_EQUAL(feed(st, &xi, 0, big + off, (size_t)(n - off < 50 ? n - off : 50)), EA_DIS_NEED_MORE);
    CU_ASSERT(one.stream[0] && one.str_truncated && !one.buf_overflow);
    CU_ASSERT_EQUAL(memcmp(&one, &xi, sizeof(xi)), 0);
    ea_xmpp_state_free(st);

    /* 4095 bytes held: not yet overflow; the 4096th byte is. */
    n = snprintf(big, 8192, "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='%0*d", 6000, 7);
    memset(&xi, 0, sizeof(xi));
    st = ea_xmpp_state_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    for (int off = 0; off < 4095; off += 455)
        CU_ASSERT_EQUAL(feed(st, &xi, 0, big + off, 455), EA_DIS_NEED_MORE);
    CU_ASSERT(!xi.buf_overflow);
    CU_ASSERT_EQUAL(feed(st, &xi, 0, big + 4095, 1), EA_DIS_NOT_MINE);
    CU_ASSERT(xi.buf_overflow && !xi.stream[0]);
    ea_xmpp_state_free(st);
    free(big);
}

static void test_hostile(void)
{
    struct ea_xmpp_state *st;
    struct ea_xmpp_info xi;
    char *big = malloc(8192);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);

    /* A 3000-byte 'to' fits the buffer: kept to the cap, flagged. */
    int n = snprintf(big, 8192, "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='%0*d'>", 3000, 7);
    st = ea_xmpp_state_new();
    memset(&xi, 0, sizeof(xi));
    CU_ASSERT_EQUAL(feed(st, &xi, 0, big, (size_t)n), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(strlen(xi.to), EA_DOMAIN_CAP);
    CU_ASSERT(xi.str_truncated && !xi.buf_overflow);
    ea_xmpp_state_free(st);

    /* An unterminated header that outgrows the buffer: overflow, and nothing known. */
    n = snprintf(big, 8192, "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='%0*d", 6000, 7);
    st = ea_xmpp_state_new();
    memset(&xi, 0, sizeof(xi));
    CU_ASSERT_EQUAL(feed(st, &xi, 0, big, 100), EA_DIS_NEED_MORE);   /* unterminated so far */
    CU_ASSERT_EQUAL(feed(st, &xi, 0, big + 100, (size_t)n - 100), EA_DIS_NOT_MINE);
    CU_ASSERT(xi.buf_overflow && !xi.stream[0]);
    ea_xmpp_state_free(st);

    /* Overflow after both headers: stop with what is known. */
    memset(big, 'A', 8192);
    memcpy(big, "<stream:features><x a='", 23);
    st = ea_xmpp_state_new();
    memset(&xi, 0, sizeof(xi));
    feed_str(st, &xi, 0, hdr_c);
    feed_str(st, &xi, 1, hdr_s);
    CU_ASSERT_EQUAL(feed(st, &xi, 1, big, 8192), EA_DIS_DONE);
    CU_ASSERT(xi.buf_overflow && xi.stream[0] && xi.stream[1]);
    CU_ASSERT_STRING_EQUAL(xi.to, "x.example");
    ea_xmpp_state_free(st);

    /* CDATA and stray "]]>" do not hide or fake elements; deep nesting is only counted. */
    st = ea_xmpp_state_new();
    memset(&xi, 0, sizeof(xi));
    feed_str(st, &xi, 0, hdr_c);
    feed_str(st, &xi, 1, hdr_s);
    CU_ASSERT_EQUAL(feed_str(st, &xi, 1, "]]> text <stream:features><![CDATA[<starttls "
                                         "xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>]]><!-- <x> -->"), EA_DIS_NEED_MORE);
    CU_ASSERT(!xi.starttls_offered);
    for (int i = 0; i < 5000; i++)
        feed_str(st, &xi, 1, "<a>");
    for (int i = 0; i < 5000; i++)
        feed_str(st, &xi, 1, "</a>");
    CU_ASSERT_EQUAL(feed_str(st, &xi, 1, "</stream:features>"), EA_DIS_DONE);
    ea_xmpp_state_free(st);

    /* A '<' inside a tag after the header: malformed, stop with what is known. */
    st = ea_xmpp_state_new();
    memset(&xi, 0, sizeof(xi));
    feed_str(st, &xi, 0, hdr_c);
    feed_str(st, &xi, 1, hdr_s);
    CU_ASSERT_EQUAL(feed_str(st, &xi, 1, "<stream:features <script>"), EA_DIS_DONE);
    ea_xmpp_state_free(st);

    /* Every prefix of a hostile header: never a crash, never a wrong 'to'. */
    static const char hostile[] =
        "<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
        "to=\"&lt;script&gt;&amp;]]>'<x>\" from='\xff\xfe' a:b:c='d'>";
    for (size_t k = 0; k < sizeof(hostile) - 1; k++) {
        st = ea_xmpp_state_new();
        memset(&xi, 0, sizeof(xi));
        CU_ASSERT_EQUAL(feed(st, &xi, 0, hostile, k), EA_DIS_NEED_MORE);
        CU_ASSERT(!xi.stream[0] && !xi.to[0]);
        ea_xmpp_state_free(st);
    }
    st = ea_xmpp_state_new();
    memset(&xi, 0, sizeof(xi));
    CU_ASSERT_EQUAL(feed(st, &xi, 0, hostile, sizeof(hostile) - 1), EA_DIS_NEED_MORE);
    CU_ASSERT_STRING_EQUAL(xi.to, "<script>&]]>'<x>");
    CU_ASSERT_STRING_EQUAL(xi.from, "\xEF\xBF\xBD\xEF\xBF\xBD");
    ea_xmpp_state_free(st);
    free(big);
}

/* ---- joined mid-stream (issue 15): stanzas without a stream header ---- */

/* From jabber.pcap (a Pidgin client and its server on 5222, the capture began after the headers). */
static const char mid_c[] =
    "<iq type='set' id='purpledde80fda' to='cs-xmpp.lan'><command "
    "xmlns='http://jabber.org/protocol/commands' node='ping' action='execute'/></iq>";
static const char mid_s[] =
    "<iq xml:lang='en' to='tom@cs-xmpp.lan/darkstar' from='cs-xmpp.lan' type='result' "
    "id='purpledde80fda'><command status='completed' sessionid='2017-08-10T15:51:01.252912Z' "
    "node='ping' xmlns='http://jabber.org/protocol/commands'><note>Pong</note></command></iq>";

static void test_midstream_stanzas(void)
{
    struct ea_xmpp_state *st = ea_xmpp_state_new();
    struct ea_xmpp_info xi = { 0 };
    enum ea_xmpp_evidence ev = EA_XMPP_EV_NAMESPACE;
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    CU_ASSERT_EQUAL(feed_str(st, &xi, EA_DIR_C2S, mid_c), EA_DIS_NEED_MORE);
    CU_ASSERT(xi.midstream && !xi.stream[0] && ea_xmpp_seen(&xi));
    CU_ASSERT_EQUAL(feed_str(st, &xi, EA_DIR_S2C, mid_s), EA_DIS_DONE);
    CU_ASSERT(!xi.ns_client && !xi.ns_server && !xi.dialback);
    /* Nothing in the bytes tells c2s from s2s: only the port does. */
    CU_ASSERT_EQUAL(ea_xmpp_side(&xi, 5222, &ev), EA_XMPP_SIDE_C2S);
    CU_ASSERT_EQUAL(ev, EA_XMPP_EV_PORT);
    CU_ASSERT_STRING_EQUAL(ea_xmpp_evidence_name(ev), "port");
    CU_ASSERT_EQUAL(ea_xmpp_side(&xi, 5269, &ev), EA_XMPP_SIDE_S2S);
    CU_ASSERT_EQUAL(ea_xmpp_side(&xi, 23456, &ev), EA_XMPP_SIDE_UNKNOWN);
    CU_ASSERT_EQUAL(ev, EA_XMPP_EV_NONE);
    CU_ASSERT_EQUAL(ea_xmpp_side(NULL, 5222, NULL), EA_XMPP_SIDE_UNKNOWN);
    CU_ASSERT(!ea_xmpp_seen(NULL));
    ea_xmpp_state_free(st);

    /* The whole exchange one byte at a time gives the same. */
    const struct seg both[] = { { EA_DIR_C2S, mid_c }, { EA_DIR_S2C, mid_s } };
    struct ea_xmpp_info x1 = { 0 };
    CU_ASSERT_EQUAL(run(both, 2, 1, &x1), EA_DIS_DONE);
    CU_ASSERT(x1.midstream && !x1.ns_client && !x1.ns_server);
}

/* Namespace and dialback evidence; the stream's end tag alone; SASL in its namespace. */
static void test_midstream_evidence(void)
{
    static const struct { const char *first; enum ea_xmpp_side side; enum ea_xmpp_evidence ev; } cases[] = {
        { "<message xmlns='jabber:server' from='a.example' to='b.example'><body>hi</body></message>",
          EA_XMPP_SIDE_S2S, EA_XMPP_EV_NAMESPACE },
        { "<presence xmlns='jabber:client'/>", EA_XMPP_SIDE_C2S, EA_XMPP_EV_NAMESPACE },
        { "<db:result from='a.example' to='b.example'>b4835385f37fe2895af6c196b59097b16862406db80559900d96bf6fa7d23df3</db:result>",
          EA_XMPP_SIDE_S2S, EA_XMPP_EV_DIALBACK },
        { "<db:verify from='a.example' to='b.example' id='417GAF25' type='valid'/>",
          EA_XMPP_SIDE_S2S, EA_XMPP_EV_DIALBACK },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ea_xmpp_state *st = ea_xmpp_state_new();
        struct ea_xmpp_info xi = { 0 };
        enum ea_xmpp_evidence ev;
        CU_ASSERT_PTR_NOT_NULL_FATAL(st);
        /* Evidence of the kind settles it from one direction (port 5222 is overruled). */
        CU_ASSERT_EQUAL(feed_str(st, &xi, EA_DIR_C2S, cases[i].first), EA_DIS_DONE);
        CU_ASSERT(xi.midstream);
        CU_ASSERT_EQUAL(ea_xmpp_side(&xi, 5222, &ev), cases[i].side);
        CU_ASSERT_EQUAL(ev, cases[i].ev);
        ea_xmpp_state_free(st);
    }
    static const char *const more[] = {
        "</stream:stream>",
        "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGp1bGlldAByMG0zMG0wcjMw</auth>",
        "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>",
        "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>",
    };
    for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
        struct ea_xmpp_state *st = ea_xmpp_state_new();
        struct ea_xmpp_info xi = { 0 };
        CU_ASSERT_PTR_NOT_NULL_FATAL(st);
        enum ea_dis_rc rc = feed_str(st, &xi, i == 2 ? EA_DIR_S2C : EA_DIR_C2S, more[i]);
        CU_ASSERT(rc == EA_DIS_NEED_MORE || rc == EA_DIS_DONE);
        CU_ASSERT(xi.midstream);
        ea_xmpp_state_free(st);
    }
}

/* What is not a mid-stream XMPP opening; and the first stanza cut at every length. */
static void test_midstream_not_mine(void)
{
    static const char *const bad[] = {
        "<auth mechanism='PLAIN'>",                                 /* SASL outside its namespace */
        "<message xmlns='http://example.com/chat'>",                /* a stanza in another namespace */
        "<iqx type='get'>",
        "<foo:iq xmlns:foo='jabber:client'>",
        "</html>",
        "<presence type='x' <b>",
        "<db:result from='a' to='b' <",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct ea_xmpp_state *st = ea_xmpp_state_new();
        struct ea_xmpp_info xi = { 0 };
        CU_ASSERT_PTR_NOT_NULL_FATAL(st);
        CU_ASSERT_EQUAL(feed_str(st, &xi, EA_DIR_C2S, bad[i]), EA_DIS_NOT_MINE);
        CU_ASSERT(!xi.midstream && !xi.dialback);
        ea_xmpp_state_free(st);
    }
    /* Cut before the first start tag is complete: nothing known yet, never NOT_MINE. */
    size_t tag_end = strchr(mid_c, '>') - mid_c + 1;
    for (size_t n = 0; n < tag_end; n++) {
        struct ea_xmpp_state *st = ea_xmpp_state_new();
        struct ea_xmpp_info xi = { 0 };
        CU_ASSERT_PTR_NOT_NULL_FATAL(st);
        CU_ASSERT_EQUAL(feed(st, &xi, EA_DIR_C2S, mid_c, n), EA_DIS_NEED_MORE);
        CU_ASSERT(!xi.midstream);
        ea_xmpp_state_free(st);
    }
}

/* ea_xmpp_seen (the matched test): 0 for NULL and a fresh info, 1 once a stream header either way. */
static void test_matched(void)
{
    CU_ASSERT_FALSE(ea_xmpp_seen(NULL));
    struct ea_xmpp_info *s = ea_xmpp_info_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_FALSE(ea_xmpp_seen(s));
    s->ns_server = 1;                   /* a namespace without a stream header is not a match */
    CU_ASSERT_FALSE(ea_xmpp_seen(s));
    s->stream[1] = 1;
    CU_ASSERT_TRUE(ea_xmpp_seen(s));
    ea_xmpp_info_free(s);
    ea_xmpp_info_free(NULL);
}

void ea_test_add_dissect_xmpp(void)
{
    EA_SUITE("dissect-xmpp",
             { "matched, info new and free", test_matched },
             { "Prosody c2s STARTTLS", test_prosody_c2s },
             { "Prosody s2s STARTTLS with dialback", test_prosody_s2s },
             { "ejabberd c2s without STARTTLS", test_ejabberd_no_starttls },
             { "segmentation at every split point", test_segmentation },
             { "binary TCP 5223 is not XMPP", test_binary_5223 },
             { "not XMPP", test_not_xmpp },
             { "prolog, prefixes, mirrored to/from", test_prolog_and_prefix },
             { "when DONE", test_done_rules },
             { "attribute values", test_values },
             { "hostile input", test_hostile },
             { "a held item grows its buffer to the cap", test_held_growth },
             { "mid-stream: stanzas both ways", test_midstream_stanzas },
             { "mid-stream: namespace, dialback, end tag, SASL", test_midstream_evidence },
             { "mid-stream: not XMPP, cut at every length", test_midstream_not_mine });
}
