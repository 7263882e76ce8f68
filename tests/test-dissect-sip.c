/* test-dissect-sip.c: SIP start lines, Via/From/To, compact forms, folding, truncation and non-SIP input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests.h"
#include "dissect-sip.h"

#define LIT(s) ((const uint8_t *)(s)), (sizeof(s) - 1)

/*
 * Recorded with sipp 3.x on loopback inside a private network namespace
 * ("sipp -sn uas" and "sipp -sn uac 127.0.0.1 -m 1"), UDP payload of frame 1:
 * request line, the usual headers, empty line, SDP body.
 */
static const char sipp_invite_udp[] =
    "INVITE sip:service@127.0.0.1:5060 SIP/2.0\r\n"                    /* request line */
    "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-21010-1-0\r\n"     /* top Via: UDP */
    "From: sipp <sip:sipp@127.0.0.1:5061>;tag=21010SIPpTag001\r\n"     /* name-addr, port */
    "To: service <sip:service@127.0.0.1:5060>\r\n"
    "Call-ID: 1-21010@127.0.0.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: sip:sipp@127.0.0.1:5061\r\n"
    "Max-Forwards: 70\r\n"
    "Subject: Performance Test\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length:   129\r\n"
    "\r\n"                                                              /* end of headers */
    "v=0\r\n"                                                           /* SDP, not a Via */
    "o=user1 53655765 2353687637 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\n"
    "m=audio 6004 RTP/AVP 0\r\n"
    "a=rtpmap:0 PCMU/8000\r\n";

/* Same recording, frame 2: the UAS answers 180 Ringing. */
static const char sipp_180_udp[] =
    "SIP/2.0 180 Ringing\r\n"                                           /* status line */
    "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-21010-1-0\r\n"
    "From: sipp <sip:sipp@127.0.0.1:5061>;tag=21010SIPpTag001\r\n"
    "To: service <sip:service@127.0.0.1:5060>;tag=20895SIPpTag011\r\n"
    "Call-ID: 1-21010@127.0.0.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:127.0.0.1:5060;transport=UDP>\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

/* sipp with "-t t1" (TCP) in the same namespace: first bytes of the client's stream. */
static const char sipp_invite_tcp[] =
    "INVITE sip:service@127.0.0.1:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 127.0.0.1:5061;branch=z9hG4bK-22612-1-0\r\n"     /* top Via: TCP */
    "From: sipp <sip:sipp@127.0.0.1:5061>;tag=22612SIPpTag001\r\n"
    "To: service <sip:service@127.0.0.1:5060>\r\n"
    "Call-ID: 1-22612@127.0.0.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "\r\n";

/*
 * Crafted after RFC 4475 3.1.1.1 ("wsinv"): odd case, whitespace before the
 * colon, folded values, an escaped quote in a display name, a second Via in
 * compact form that must not replace the top one.
 */
static const char folded[] =
    "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\r\n"
    "TO :\r\n"                                                  /* value on the next line */
    " sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n"
    "from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n"  /* \\ \" inside quotes */
    "  ;\r\n"
    "  tag = 98asjd8\r\n"
    "MaX-fOrWaRdS: 0068\r\n"
    "Call-ID: wsinv.ndaksdj@192.0.2.1\r\n"
    "cseq: 0009\r\n"
    "  INVITE\r\n"
    "Via  : SIP  /   2.0\r\n"                                   /* top Via, folded twice */
    " /udp\r\n"
    "    192.0.2.2;branch=390skdjuw\r\n"
    "v:  SIP  / 2.0  / TCP     spindle.example.com   ;\r\n"    /* second Via: ignored */
    "  branch  =   z9hG4bK9ikj8\r\n"
    "\r\n";

/* Compact forms (RFC 3261 7.3.3), IPv6 references, TLS transport in lower case. */
static const char compact[] =
    "MESSAGE sip:bob@[2001:db8::2] SIP/2.0\r\n"
    "v: SIP/2.0/tls [2001:db8::1]:5061;branch=z9hG4bK776asdhds\r\n"
    "f: \"A <odd> name\" <sips:alice@[2001:db8::1]:5061;transport=tls>;tag=1\r\n"
    "t: sip:[2001:db8::2]\r\n"                                 /* bare addr-spec, no user */
    "i: a84b4c76e66710\r\n"
    "l: 0\r\n"
    "\r\n";

/* Checks every string field is either empty or exactly what the whole message yields. */
static void check_prefix_fields(const struct ea_sip_info *part, const struct ea_sip_info *whole)
{
    CU_ASSERT(part->method[0] == 0 || strcmp(part->method, whole->method) == 0);
    CU_ASSERT(part->via_transport[0] == 0 || strcmp(part->via_transport, whole->via_transport) == 0);
    CU_ASSERT(part->from_domain[0] == 0 || strcmp(part->from_domain, whole->from_domain) == 0);
    CU_ASSERT(part->to_domain[0] == 0 || strcmp(part->to_domain, whole->to_domain) == 0);
    CU_ASSERT(part->status == 0 || part->status == whole->status);
}

/* Parses a heap copy of exactly n bytes, so that ASan catches any over-read. */
static enum ea_dis_rc parse_copy(struct ea_sip_info *si, int dir, const char *msg, size_t n)
{
    uint8_t *copy = malloc(n ? n : 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
    memcpy(copy, msg, n);
    enum ea_dis_rc rc = ea_sip_parse(si, dir, copy, n);
    free(copy);
    return rc;
}

static size_t off_of(const char *msg, const char *needle)
{
    const char *p = strstr(msg, needle);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    return (size_t)(p - msg);
}

static void test_invite_udp(void)
{
    struct ea_sip_info si = { 0 };
    CU_ASSERT_EQUAL(ea_sip_parse(&si, EA_DIR_C2S, LIT(sipp_invite_udp)), EA_DIS_DONE);
    CU_ASSERT(si.request);
    CU_ASSERT(!si.response);
    CU_ASSERT_EQUAL(si.status, 0);
    CU_ASSERT_STRING_EQUAL(si.method, "INVITE");
    CU_ASSERT_STRING_EQUAL(si.via_transport, "UDP");
    CU_ASSERT_STRING_EQUAL(si.from_domain, "127.0.0.1");
    CU_ASSERT_STRING_EQUAL(si.to_domain, "127.0.0.1");
    CU_ASSERT(!si.str_truncated);
}

static void test_status_and_merge(void)
{
    struct ea_sip_info si = { 0 };
    CU_ASSERT_EQUAL(ea_sip_parse(&si, EA_DIR_S2C, LIT(sipp_180_udp)), EA_DIS_DONE);
    CU_ASSERT(si.response);
    CU_ASSERT(!si.request);
    CU_ASSERT_EQUAL(si.status, 180);
    CU_ASSERT_EQUAL(si.method[0], 0);
    CU_ASSERT_STRING_EQUAL(si.via_transport, "UDP");

    /* A later request fills the method; the first status stays. */
    CU_ASSERT_EQUAL(ea_sip_parse(&si, EA_DIR_C2S, LIT(sipp_invite_udp)), EA_DIS_DONE);
    CU_ASSERT(si.request && si.response);
    CU_ASSERT_STRING_EQUAL(si.method, "INVITE");
    CU_ASSERT_EQUAL(si.status, 180);

    /* Neither a second status nor a second method nor other domains overwrite. */
    static const char ok[] = "SIP/2.0 200 OK\r\nf: <sip:x@other.example>\r\n\r\n";
    static const char bye[] = "BYE sip:a@b SIP/2.0\r\nv: SIP/2.0/TCP h\r\n\r\n";
    CU_ASSERT_EQUAL(ea_sip_parse(&si, EA_DIR_S2C, LIT(ok)), EA_DIS_DONE);
    CU_ASSERT_EQUAL(ea_sip_parse(&si, EA_DIR_C2S, LIT(bye)), EA_DIS_DONE);
    CU_ASSERT_EQUAL(si.status, 180);
    CU_ASSERT_STRING_EQUAL(si.method, "INVITE");
    CU_ASSERT_STRING_EQUAL(si.from_domain, "127.0.0.1");
    CU_ASSERT_STRING_EQUAL(si.via_transport, "UDP");

    /* Fields still empty are filled by a later message. */
    struct ea_sip_info s2 = { 0 };
    static const char bare[] = "OPTIONS sip:x SIP/2.0\r\n\r\n";
    CU_ASSERT_EQUAL(ea_sip_parse(&s2, EA_DIR_C2S, LIT(bare)), EA_DIS_DONE);
    CU_ASSERT_EQUAL(s2.via_transport[0], 0);
    CU_ASSERT_EQUAL(ea_sip_parse(&s2, EA_DIR_C2S, LIT(sipp_invite_tcp)), EA_DIS_DONE);
    CU_ASSERT_STRING_EQUAL(s2.method, "OPTIONS");
    CU_ASSERT_STRING_EQUAL(s2.via_transport, "TCP");
    CU_ASSERT_STRING_EQUAL(s2.to_domain, "127.0.0.1");

    /* A NULL info just classifies. */
    CU_ASSERT_EQUAL(ea_sip_parse(NULL, 0, LIT(sipp_180_udp)), EA_DIS_DONE);
}

static void test_tcp_folding_compact(void)
{
    struct ea_sip_info si = { 0 };
    CU_ASSERT_EQUAL(ea_sip_parse(&si, EA_DIR_C2S, LIT(sipp_invite_tcp)), EA_DIS_DONE);
    CU_ASSERT_STRING_EQUAL(si.via_transport, "TCP");

    memset(&si, 0, sizeof(si));
    CU_ASSERT_EQUAL(ea_sip_parse(&si, EA_DIR_C2S, LIT(folded)), EA_DIS_DONE);
    CU_ASSERT_STRING_EQUAL(si.method, "INVITE");
    CU_ASSERT_STRING_EQUAL(si.via_transport, "UDP");        /* top Via, upper-cased */
    CU_ASSERT_STRING_EQUAL(si.from_domain, "example.com");
    CU_ASSERT_STRING_EQUAL(si.to_domain, "chair-dnrc.example.com");

    memset(&si, 0, sizeof(si));
    CU_ASSERT_EQUAL(ea_sip_parse(&si, EA_DIR_C2S, LIT(compact)), EA_DIS_DONE);
    CU_ASSERT_STRING_EQUAL(si.method, "MESSAGE");
    CU_ASSERT_STRING_EQUAL(si.via_transport, "TLS");
    CU_ASSERT_STRING_EQUAL(si.from_domain, "2001:db8::1");  /* brackets stripped */
    CU_ASSERT_STRING_EQUAL(si.to_domain, "2001:db8::2");
}

static void test_transports(void)
{
    static const struct { const char *msg; const char *want; } t[] = {
        { "ACK sip:a@b SIP/2.0\r\nVia: SIP/2.0/SCTP h\r\n\r\n", "SCTP" },
        { "ACK sip:a@b SIP/2.0\r\nvia: sip/2.0/ws h\r\n\r\n", "WS" },
        { "ACK sip:a@b SIP/2.0\r\nVIA: SIP / 2.0 / WSS h\r\n\r\n", "WSS" },
        { "ACK sip:a@b SIP/2.0\r\nVia:SIP/2.0/UDP h\r\nVia: SIP/2.0/TCP h\r\n\r\n", "UDP" },
        { "ACK sip:a@b SIP/2.0\r\nVia: SIP/2.0/TLS h, SIP/2.0/UDP g\r\n\r\n", "TLS" },
        { "ACK sip:a@b SIP/2.0\r\nVia: SIP/3.0/UDP h\r\n\r\n", "" },       /* not SIP/2.0 */
        { "ACK sip:a@b SIP/2.0\r\nVia: SIP/2.0 UDP h\r\n\r\n", "" },       /* no SLASH */
        { "ACK sip:a@b SIP/2.0\r\nVias: SIP/2.0/UDP h\r\n\r\n", "" },      /* other header */
        { "ACK sip:a@b SIP/2.0\r\n\r\nv: SIP/2.0/UDP h\r\n", "" },         /* in the body */
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct ea_sip_info si = { 0 };
        CU_ASSERT_EQUAL(ea_sip_parse(&si, 0, (const uint8_t *)t[i].msg, strlen(t[i].msg)), EA_DIS_DONE);
        CU_ASSERT_STRING_EQUAL(si.via_transport, t[i].want);
        CU_ASSERT(!si.str_truncated);
    }
    /* A transport token longer than the cap is cut and flagged. */
    struct ea_sip_info si = { 0 };
    static const char longt[] = "ACK sip:a@b SIP/2.0\r\nVia: SIP/2.0/VERYLONGTRANSPORT h\r\n\r\n";
    CU_ASSERT_EQUAL(ea_sip_parse(&si, 0, LIT(longt)), EA_DIS_DONE);
    CU_ASSERT_STRING_EQUAL(si.via_transport, "VERYLON");
    CU_ASSERT(si.str_truncated);
}

static void test_addresses(void)
{
    static const struct { const char *hdr; const char *want; } t[] = {
        { "From: <sip:alice@atlanta.example.com>;tag=1", "atlanta.example.com" },
        { "From: sip:alice@atlanta.example.com;tag=1", "atlanta.example.com" },
        { "From: Alice <sips:atlanta.example.com:5061>", "atlanta.example.com" },
        { "From: \"Bob <x@y>\" <sip:bob@biloxi.example.com>", "biloxi.example.com" },
        { "From: <sip:+1555;phone-context=x@gw.example.com;user=phone>", "gw.example.com" },
        { "From: <SIP:carol@Chicago.Example.COM?subject=x>", "Chicago.Example.COM" },
        { "From: sip:[::1]:5060", "::1" },
        { "From: <tel:+15551234567>;tag=1", "" },                /* no host in tel: */
        { "From: <http://example.com/>", "" },
        { "From: <sip:alice@[2001:db8::1>", "" },                 /* unterminated IPv6 */
        { "From: <sip:alice@>", "" },
        { "From:", "" },
        { "From: <sip:a@ev\x01il.example>", "ev\xEF\xBF\xBDil.example" },  /* control -> U+FFFD */
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char msg[256];
        int n = snprintf(msg, sizeof(msg), "NOTIFY sip:x@y SIP/2.0\r\n%s\r\n\r\n", t[i].hdr);
        struct ea_sip_info si = { 0 };
        CU_ASSERT_EQUAL(ea_sip_parse(&si, 0, (const uint8_t *)msg, (size_t)n), EA_DIS_DONE);
        CU_ASSERT_STRING_EQUAL(si.from_domain, t[i].want);
        CU_ASSERT_EQUAL(si.to_domain[0], 0);
    }

    /* A 200-byte host is cut at EA_DOMAIN_CAP and flagged. */
    char msg[512], host[201];
    memset(host, 'h', 200);
    host[200] = 0;
    int n = snprintf(msg, sizeof(msg), "REGISTER sip:r SIP/2.0\r\nt: <sip:u@%s>\r\n\r\n", host);
    struct ea_sip_info si = { 0 };
    CU_ASSERT_EQUAL(ea_sip_parse(&si, 0, (const uint8_t *)msg, (size_t)n), EA_DIS_DONE);
    CU_ASSERT_EQUAL(strlen(si.to_domain), EA_DOMAIN_CAP);
    CU_ASSERT(si.str_truncated);

    /* A value past the unfolding buffer is parsed no further than the buffer. */
    char big[3000];
    n = snprintf(big, sizeof(big), "REGISTER sip:r SIP/2.0\r\nFrom: \"%0*d\" <sip:a@late.example>\r\n\r\n",
                 2000, 0);
    memset(&si, 0, sizeof(si));
    CU_ASSERT_EQUAL(ea_sip_parse(&si, 0, (const uint8_t *)big, (size_t)n), EA_DIS_DONE);
    CU_ASSERT_EQUAL(si.from_domain[0], 0);
}

static void test_methods(void)
{
    static const struct { const char *line; int rc; const char *method; } t[] = {
        { "SERVICE sip:pool.example.com;transport=tls SIP/2.0\r\n", EA_DIS_DONE, "SERVICE" },
        { "NEGOTIATE sip:a SIP/2.0\r\n", EA_DIS_DONE, "NEGOTIATE" },
        { "BENOTIFY sip:a SIP/2.0\r\n", EA_DIS_DONE, "BENOTIFY" },
        { "INVITE /not-a-sip-uri SIP/2.0\r\n", EA_DIS_DONE, "INVITE" },   /* known method */
        { "FOO sip:a SIP/2.0\r\n", EA_DIS_DONE, "FOO" },
        { "FOO SIPS:a SIP/2.0\r\n", EA_DIS_DONE, "FOO" },
        { "FOO tel:+15551234 SIP/2.0\r\n", EA_DIS_DONE, "FOO" },
        { "invite sip:a sip/2.0\r\n", EA_DIS_DONE, "invite" },           /* token + sip: */
        { "FOO http://a SIP/2.0\r\n", EA_DIS_NOT_MINE, "" },
        { "FOO /a SIP/2.0\r\n", EA_DIS_NOT_MINE, "" },
        { "INVITE sip:a SIP/3.0\r\n", EA_DIS_NOT_MINE, "" },
        { "INVITE sip:a SIP/2.0 x\r\n", EA_DIS_NOT_MINE, "" },
        { "INVITE  sip:a SIP/2.0\r\n", EA_DIS_NOT_MINE, "" },             /* two SP */
        { "INVITE sip:a\r\n", EA_DIS_NOT_MINE, "" },
        { "INVITE\r\n", EA_DIS_NOT_MINE, "" },
        { "SIP/2.0 200 OK\r\n", EA_DIS_DONE, "" },
        { "SIP/2.0 699\r\n", EA_DIS_DONE, "" },                             /* empty reason */
        { "sip/2.0 100 Trying\r\n", EA_DIS_DONE, "" },
        { "SIP/2.0 099 Low\r\n", EA_DIS_NOT_MINE, "" },
        { "SIP/2.0 700 High\r\n", EA_DIS_NOT_MINE, "" },
        { "SIP/2.0 20 OK\r\n", EA_DIS_NOT_MINE, "" },
        { "SIP/2.0 2000 OK\r\n", EA_DIS_NOT_MINE, "" },
        { "SIP/2.0 200OK\r\n", EA_DIS_NOT_MINE, "" },
        { "SIP/2.1 200 OK\r\n", EA_DIS_NOT_MINE, "" },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct ea_sip_info si = { 0 };
        int rc = ea_sip_parse(&si, 0, (const uint8_t *)t[i].line, strlen(t[i].line));
        CU_ASSERT_EQUAL(rc, t[i].rc);
        CU_ASSERT_STRING_EQUAL(si.method, t[i].method);
        if (rc != EA_DIS_DONE)
            CU_ASSERT(!si.request && !si.response);   /* untouched unless DONE */
    }

    /* Every known method is taken with any Request-URI, even one SIP would not use. */
    static const char *const known[] = {
        "INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "PRACK", "SUBSCRIBE",
        "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE",
        "SERVICE", "NEGOTIATE", "BENOTIFY",
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        char line[64];
        int n = snprintf(line, sizeof(line), "%s http://x SIP/2.0\r\n\r\n", known[i]);
        struct ea_sip_info k = { 0 };
        CU_ASSERT_EQUAL(ea_sip_parse(&k, 0, (const uint8_t *)line, (size_t)n), EA_DIS_DONE);
        CU_ASSERT_STRING_EQUAL(k.method, known[i]);
    }

    /* Long unknown methods: cut and flagged up to METHOD_MAX, refused beyond. */
    struct ea_sip_info si = { 0 };
    static const char m20[] = "ABCDEFGHIJKLMNOPQRST sip:a SIP/2.0\r\n";
    CU_ASSERT_EQUAL(ea_sip_parse(&si, 0, LIT(m20)), EA_DIS_DONE);
    CU_ASSERT_STRING_EQUAL(si.method, "ABCDEFGHIJKLMNO");
    CU_ASSERT(si.str_truncated);
    static const char m40[] = "ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJ sip:a SIP/2.0\r\n";
    CU_ASSERT_EQUAL(ea_sip_parse(NULL, 0, LIT(m40)), EA_DIS_NOT_MINE);

    /* Status code value. */
    memset(&si, 0, sizeof(si));
    static const char s486[] = "SIP/2.0 486 Busy Here\r\n\r\n";
    CU_ASSERT_EQUAL(ea_sip_parse(&si, 0, LIT(s486)), EA_DIS_DONE);
    CU_ASSERT_EQUAL(si.status, 486);
}

/* RFC 5626 4.4.1 keep-alives, and CRLFs before a message (RFC 3261 7.5). */
static void test_keepalive(void)
{
    struct ea_sip_info si = { 0 };
    static const char ping[] = "\r\n\r\n", pong[] = "\r\n";
    static const char lead[] = "\r\n\r\nOPTIONS sip:a@b SIP/2.0\r\nv: SIP/2.0/TCP h\r\n\r\n";
    CU_ASSERT_EQUAL(ea_sip_parse(&si, 0, LIT(ping)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(ea_sip_parse(&si, 1, LIT(pong)), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(ea_sip_parse(&si, 0, (const uint8_t *)"", 0), EA_DIS_NEED_MORE);
    CU_ASSERT_EQUAL(ea_sip_parse(&si, 0, NULL, 0), EA_DIS_NEED_MORE);
    /* sip.pcap (nDPI regression capture), UDP 5060: a user agent's keep-alive of five spaces. */
    static const uint8_t spaces[] = { 0x20, 0x20, 0x20, 0x20, 0x20 };
    CU_ASSERT_EQUAL(ea_sip_parse(&si, 0, spaces, sizeof(spaces)), EA_DIS_NEED_MORE);
    static const char sp_first[] = " INVITE sip:a SIP/2.0\r\n";       /* SP before a start line */
    CU_ASSERT_EQUAL(ea_sip_parse(&si, 0, LIT(sp_first)), EA_DIS_NOT_MINE);
    CU_ASSERT(!si.request && !si.response);
    CU_ASSERT_EQUAL(ea_sip_parse(&si, 0, LIT(lead)), EA_DIS_DONE);
    CU_ASSERT_STRING_EQUAL(si.method, "OPTIONS");
    CU_ASSERT_STRING_EQUAL(si.via_transport, "TCP");
}

/* HTTP (also as seen on port 5060 in http_on_sip_port.pcap), TLS and binary are not SIP. */
static void test_not_sip(void)
{
    static const char get[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n";
    static const char ok[] = "HTTP/1.1 200 OK\r\nServer: SimpleHTTP/0.6\r\n\r\n";
    static const uint8_t tls[] = {
        0x16, 0x03, 0x01, 0x00, 0xf8,          /* record: handshake, TLS 1.0, length */
        0x01, 0x00, 0x00, 0xf4, 0x03, 0x03,    /* ClientHello, length, TLS 1.2 */
    };
    static const uint8_t bin[] = { 0x00, 0x00, 0x00, 0x01, 0x80, 0xff };
    static const uint8_t tok_nul[] = { 'I', 'N', 'V', 0x00, ' ', 's' };   /* NUL inside the method */
    struct ea_sip_info si = { 0 };

    CU_ASSERT_EQUAL(ea_sip_parse(&si, 0, LIT(get)), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(ea_sip_parse(&si, 1, LIT(ok)), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(ea_sip_parse(&si, 0, tls, sizeof(tls)), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(ea_sip_parse(&si, 0, bin, sizeof(bin)), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(ea_sip_parse(&si, 0, tok_nul, sizeof(tok_nul)), EA_DIS_NOT_MINE);
    CU_ASSERT(!si.request && !si.response && !si.method[0]);

    /* No prefix of an HTTP message is ever SIP; from "GET /" and "HTTP/" on it is not mine. */
    for (size_t n = 0; n < sizeof(get) - 1; n++) {
        enum ea_dis_rc rc = parse_copy(&si, 0, get, n);
        CU_ASSERT_EQUAL(rc, n >= 5 ? EA_DIS_NOT_MINE : EA_DIS_NEED_MORE);
    }
    for (size_t n = 0; n < sizeof(ok) - 1; n++) {
        enum ea_dis_rc rc = parse_copy(&si, 1, ok, n);
        CU_ASSERT_EQUAL(rc, n >= 5 ? EA_DIS_NOT_MINE : EA_DIS_NEED_MORE);
    }
    CU_ASSERT(!si.request && !si.response);
}

/*
 * Cuts the recorded INVITE at every offset up to the end of its headers:
 * NEED_MORE until the start line is whole, DONE after, and each header's
 * value appears only once its end is in the data, never a cut value.
 */
static void test_truncation_invite(void)
{
    const char *m = sipp_invite_udp;
    size_t end = off_of(m, "\r\n\r\n") + 4;
    size_t sl = off_of(m, " SIP/2.0\r\n") + 8;                 /* index of the CR */
    size_t via = off_of(m, "UDP 127") + 4;                     /* SP after UDP included */
    size_t from = off_of(m, "127.0.0.1:5061>;tag") + 10;       /* ':' after the host included */
    size_t to = off_of(m, "127.0.0.1:5060>\r\n") + 10;

    for (size_t n = 0; n < end; n++) {
        struct ea_sip_info si = { 0 };
        enum ea_dis_rc rc = parse_copy(&si, 0, m, n);
        if (n < sl + 1) {
            CU_ASSERT_EQUAL(rc, EA_DIS_NEED_MORE);
            CU_ASSERT(!si.request);
            continue;
        }
        CU_ASSERT_EQUAL(rc, EA_DIS_DONE);
        CU_ASSERT_STRING_EQUAL(si.method, "INVITE");
        CU_ASSERT_STRING_EQUAL(si.via_transport, n >= via ? "UDP" : "");
        CU_ASSERT_STRING_EQUAL(si.from_domain, n >= from ? "127.0.0.1" : "");
        CU_ASSERT_STRING_EQUAL(si.to_domain, n >= to ? "127.0.0.1" : "");
        CU_ASSERT(!si.str_truncated);
    }
}

static void test_truncation_status(void)
{
    const char *m = sipp_180_udp;
    size_t end = sizeof(sipp_180_udp) - 1;
    size_t sl = strlen("SIP/2.0 180");                          /* the SP after the code decides */
    for (size_t n = 0; n < end; n++) {
        struct ea_sip_info si = { 0 };
        enum ea_dis_rc rc = parse_copy(&si, 1, m, n);
        CU_ASSERT_EQUAL(rc, n <= sl ? EA_DIS_NEED_MORE : EA_DIS_DONE);
        CU_ASSERT_EQUAL(si.status, n <= sl ? 0 : 180);
    }
}

/* Every cut of the crafted messages: no over-read (ASan), fields empty or final. */
static void test_truncation_crafted(void)
{
    static const char *const msgs[] = { folded, compact, sipp_invite_tcp };
    for (size_t k = 0; k < sizeof(msgs) / sizeof(msgs[0]); k++) {
        size_t len = strlen(msgs[k]);
        struct ea_sip_info whole = { 0 };
        CU_ASSERT_EQUAL(ea_sip_parse(&whole, 0, (const uint8_t *)msgs[k], len), EA_DIS_DONE);
        for (size_t n = 0; n < len; n++) {
            struct ea_sip_info si = { 0 };
            enum ea_dis_rc rc = parse_copy(&si, 0, msgs[k], n);
            CU_ASSERT(rc == EA_DIS_DONE || rc == EA_DIS_NEED_MORE);
            check_prefix_fields(&si, &whole);
        }
    }
}

/* ea_sip_matched: 0 for NULL and a fresh info, 1 once a request or a status line. */
static void test_matched(void)
{
    CU_ASSERT_FALSE(ea_sip_matched(NULL));
    struct ea_sip_info *s = ea_sip_info_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_FALSE(ea_sip_matched(s));
    s->request = 1;
    CU_ASSERT_TRUE(ea_sip_matched(s));
    s->request = 0;
    s->response = 1;
    CU_ASSERT_TRUE(ea_sip_matched(s));
    ea_sip_info_free(s);
    ea_sip_info_free(NULL);
}

void ea_test_add_dissect_sip(void)
{
    EA_SUITE("dissect-sip",
             { "matched, info new and free", test_matched },
             { "INVITE over UDP (sipp)", test_invite_udp },
             { "status line and keeping first values", test_status_and_merge },
             { "TCP, folding, compact forms", test_tcp_folding_compact },
             { "Via transports", test_transports },
             { "From/To hosts", test_addresses },
             { "methods and status codes", test_methods },
             { "keep-alives", test_keepalive },
             { "HTTP, TLS, binary are not SIP", test_not_sip },
             { "truncation of the sipp INVITE", test_truncation_invite },
             { "truncation of the sipp 180", test_truncation_status },
             { "truncation of crafted messages", test_truncation_crafted });
}
