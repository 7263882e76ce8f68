/* test-dissect-banner.c: SSH identification lines and HTTP/1.x start lines, truncation and look-alikes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests.h"
#include "dissect-banner.h"

/*
 * Recorded on loopback in a private network namespace: OpenSSH 9.2 client
 * against "sshd -D -p 2222". Both sides send the same identification line as
 * their first TCP payload; the client's next payload is binary KEXINIT.
 */
static const char ssh_ident[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n";
static const uint8_t ssh_kexinit[] = {
    0x00, 0x00, 0x06, 0x14,                /* packet_length */
    0x08,                                  /* padding_length */
    0x14,                                  /* SSH_MSG_KEXINIT */
    0x9e, 0xa3, 0x79, 0x8c, 0xca, 0x69,    /* cookie (first bytes) */
};

/* Same namespace: "curl http://127.0.0.1:8000/" against "python3 -m http.server". */
static const char curl_get[] =
    "GET / HTTP/1.1\r\n"                   /* request-line */
    "Host: 127.0.0.1:8000\r\n"
    "User-Agent: curl/7.88.1\r\n"
    "Accept: */*\r\n"
    "\r\n";
static const char http_server_ok[] =
    "HTTP/1.0 200 OK\r\n"                  /* status-line */
    "Server: SimpleHTTP/0.6 Python/3.11.7\r\n"
    "Date: Tue, 24 Nov 2026 19:14:54 GMT\r\n";

/* Parses a heap copy of exactly n bytes, so that ASan catches any over-read. */
static enum ea_dis_rc parse_copy(struct ea_banner_info *b, int dir, const void *msg, size_t n)
{
    uint8_t *copy = malloc(n ? n : 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
    memcpy(copy, msg, n);
    enum ea_dis_rc rc = ea_banner_parse(b, dir, copy, n);
    free(copy);
    return rc;
}

static enum ea_dis_rc parse_str(struct ea_banner_info *b, int dir, const char *s)
{
    return parse_copy(b, dir, s, strlen(s));
}

static void test_recorded(void)
{
    struct ea_banner_info b = { 0 };
    CU_ASSERT_EQUAL(parse_str(&b, EA_DIR_S2C, ssh_ident), EA_DIS_DONE);
    CU_ASSERT_EQUAL(b.kind, EA_BANNER_SSH);
    CU_ASSERT_STRING_EQUAL(b.text, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10");
    CU_ASSERT(!b.str_truncated);

    memset(&b, 0, sizeof(b));
    CU_ASSERT_EQUAL(parse_str(&b, EA_DIR_C2S, curl_get), EA_DIS_DONE);
    CU_ASSERT_EQUAL(b.kind, EA_BANNER_HTTP);
    CU_ASSERT_STRING_EQUAL(b.text, "GET / HTTP/1.1");
    CU_ASSERT(!b.str_truncated);

    memset(&b, 0, sizeof(b));
    CU_ASSERT_EQUAL(parse_str(&b, EA_DIR_S2C, http_server_ok), EA_DIS_DONE);
    CU_ASSERT_EQUAL(b.kind, EA_BANNER_HTTP);
    CU_ASSERT_STRING_EQUAL(b.text, "HTTP/1.0 200 OK");

    memset(&b, 0, sizeof(b));
    CU_ASSERT_EQUAL(parse_copy(&b, EA_DIR_C2S, ssh_kexinit, sizeof(ssh_kexinit)), EA_DIS_NOT_MINE);
    CU_ASSERT_EQUAL(b.kind, EA_BANNER_NONE);
    CU_ASSERT_EQUAL(ea_banner_parse(NULL, 0, (const uint8_t *)curl_get, strlen(curl_get)), EA_DIS_DONE);
}

static void test_ssh(void)
{
    static const struct { int dir; const char *in; enum ea_dis_rc rc; const char *text; } t[] = {
        { 1, "SSH-1.99-Cisco-1.25\r\n", EA_DIS_DONE, "SSH-1.99-Cisco-1.25" },
        { 1, "SSH-2.0-dropbear\n", EA_DIS_DONE, "SSH-2.0-dropbear" },          /* bare LF */
        { 1, "SSH-2.0-\r\n", EA_DIS_DONE, "SSH-2.0-" },
        { 1, "Welcome\r\n\r\nSSH-2.0-srv\r\n", EA_DIS_DONE, "SSH-2.0-srv" },   /* RFC 4253 4.2 */
        { 0, "Welcome\r\nSSH-2.0-cli\r\n", EA_DIS_NOT_MINE, "" },            /* only servers may */
        { 1, "Welcome", EA_DIS_NOT_MINE, "" },
        { 1, "SSH-1.5-OpenSSH_1.2\r\n", EA_DIS_NOT_MINE, "" },
        { 1, "SSH-2.0\r\n", EA_DIS_NOT_MINE, "" },
        { 1, "ssh-2.0-x\r\n", EA_DIS_NOT_MINE, "" },
        { 1, "SSH-3.0-x\r\n", EA_DIS_NOT_MINE, "" },
        { 1, "SSH-2.0-a\x01\x7f" "b\r\n", EA_DIS_DONE, "SSH-2.0-a\xEF\xBF\xBD\xEF\xBF\xBD" "b" },
        { 1, "", EA_DIS_NOT_MINE, "" },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct ea_banner_info b = { 0 };
        CU_ASSERT_EQUAL(parse_str(&b, t[i].dir, t[i].in), t[i].rc);
        CU_ASSERT_STRING_EQUAL(b.text, t[i].text);
        CU_ASSERT_EQUAL(b.kind, t[i].rc == EA_DIS_DONE ? EA_BANNER_SSH : EA_BANNER_NONE);
    }
    /* A server sending a NUL in a pre-identification line, or too many lines. */
    static const char nul[] = "a\0b\r\nSSH-2.0-x\r\n";
    CU_ASSERT_EQUAL(parse_copy(NULL, 1, nul, sizeof(nul) - 1), EA_DIS_NOT_MINE);
    char many[512];
    size_t m = 0;
    for (int i = 0; i < 20; i++)
        m += (size_t)snprintf(many + m, sizeof(many) - m, "x\r\n");
    m += (size_t)snprintf(many + m, sizeof(many) - m, "SSH-2.0-late\r\n");
    CU_ASSERT_EQUAL(parse_copy(NULL, 1, many, m), EA_DIS_NOT_MINE);

    /* A long identification line is capped and flagged. */
    char longid[400];
    int n = snprintf(longid, sizeof(longid), "SSH-2.0-%0*d\r\n", 300, 1);
    struct ea_banner_info b = { 0 };
    CU_ASSERT_EQUAL(parse_copy(&b, 1, longid, (size_t)n), EA_DIS_DONE);
    CU_ASSERT_EQUAL(strlen(b.text), EA_BANNER_CAP);
    CU_ASSERT(b.str_truncated);
}

static void test_http(void)
{
    static const struct { const char *in; enum ea_dis_rc rc; const char *text; } t[] = {
        { "POST /api HTTP/1.0\r\n", EA_DIS_DONE, "POST /api HTTP/1.0" },
        { "HEAD /x HTTP/1.1\r\n", EA_DIS_DONE, "HEAD /x HTTP/1.1" },
        { "PUT /x HTTP/1.1\r\n", EA_DIS_DONE, "PUT /x HTTP/1.1" },
        { "DELETE /x HTTP/1.1\r\n", EA_DIS_DONE, "DELETE /x HTTP/1.1" },
        { "OPTIONS * HTTP/1.1\r\n", EA_DIS_DONE, "OPTIONS * HTTP/1.1" },
        { "CONNECT example.com:443 HTTP/1.1\r\n", EA_DIS_DONE, "CONNECT example.com:443 HTTP/1.1" },
        { "PATCH /x HTTP/1.1\r\n", EA_DIS_DONE, "PATCH /x HTTP/1.1" },
        { "TRACE / HTTP/1.1\r\n", EA_DIS_DONE, "TRACE / HTTP/1.1" },
        { "\r\nGET / HTTP/1.1\r\n", EA_DIS_DONE, "GET / HTTP/1.1" },             /* RFC 9112 2.2 */
        { "GET http://a/ HTTP/1.1\n", EA_DIS_DONE, "GET http://a/ HTTP/1.1" },
        { "HTTP/1.1 404 Not Found\r\n", EA_DIS_DONE, "HTTP/1.1 404 Not Found" },
        { "HTTP/1.1 204\r\n", EA_DIS_DONE, "HTTP/1.1 204" },
        { "HTTP/1.1 200 \xff\r\n", EA_DIS_DONE, "HTTP/1.1 200 \xEF\xBF\xBD" },
        { "get / HTTP/1.1\r\n", EA_DIS_NOT_MINE, "" },
        { "FETCH / HTTP/1.1\r\n", EA_DIS_NOT_MINE, "" },
        { "GET  / HTTP/1.1\r\n", EA_DIS_NOT_MINE, "" },
        { "GET / HTTP/1.1 x\r\n", EA_DIS_NOT_MINE, "" },
        { "GET / HTTP/2.0\r\n", EA_DIS_NOT_MINE, "" },
        { "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", EA_DIS_NOT_MINE, "" },             /* RFC 9113 preface */
        { "GET /\r\n", EA_DIS_NOT_MINE, "" },                                    /* HTTP/0.9 */
        { "GET / http/1.1\r\n", EA_DIS_NOT_MINE, "" },
        { "HTTP/1.1 20 OK\r\n", EA_DIS_NOT_MINE, "" },
        { "HTTP/1.1 200OK\r\n", EA_DIS_NOT_MINE, "" },
        { "HTTP/1.1 099 x\r\n", EA_DIS_NOT_MINE, "" },
        { "HTTP/2 200\r\n", EA_DIS_NOT_MINE, "" },
        { "INVITE sip:a@b SIP/2.0\r\n", EA_DIS_NOT_MINE, "" },
        { "SIP/2.0 200 OK\r\n", EA_DIS_NOT_MINE, "" },
        { "<stream:stream to='a'>", EA_DIS_NOT_MINE, "" },
        { "\x16\x03\x01\x00\x05\x01", EA_DIS_NOT_MINE, "" },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct ea_banner_info b = { 0 };
        CU_ASSERT_EQUAL(parse_str(&b, 0, t[i].in), t[i].rc);
        CU_ASSERT_STRING_EQUAL(b.text, t[i].text);
        CU_ASSERT_EQUAL(b.kind, t[i].rc == EA_DIS_DONE ? EA_BANNER_HTTP : EA_BANNER_NONE);
    }
}

/*
 * Every cut of the recorded lines: NOT_MINE until the identifying part is
 * complete, then DONE with exactly the bytes present (minus a cut CR), and
 * str_truncated while the line end is missing (never for a whole request-line).
 */
static void test_truncation(void)
{
    size_t full = strlen(ssh_ident) - 2;
    for (size_t n = 0; n < strlen(ssh_ident); n++) {
        struct ea_banner_info b = { 0 };
        enum ea_dis_rc rc = parse_copy(&b, 1, ssh_ident, n);
        CU_ASSERT_EQUAL(rc, n < 8 ? EA_DIS_NOT_MINE : EA_DIS_DONE);
        if (rc != EA_DIS_DONE)
            continue;
        size_t want = n > full ? full : n;
        CU_ASSERT_EQUAL(strlen(b.text), want);
        CU_ASSERT_EQUAL(memcmp(b.text, ssh_ident, want), 0);
        CU_ASSERT(b.str_truncated);
    }

    size_t rl = strlen("GET / HTTP/1.1");
    for (size_t n = 0; n < strlen(curl_get); n++) {
        struct ea_banner_info b = { 0 };
        enum ea_dis_rc rc = parse_copy(&b, 0, curl_get, n);
        CU_ASSERT_EQUAL(rc, n < rl ? EA_DIS_NOT_MINE : EA_DIS_DONE);
        CU_ASSERT_STRING_EQUAL(b.text, n < rl ? "" : "GET / HTTP/1.1");
        CU_ASSERT(!b.str_truncated);
    }

    size_t sl = strlen("HTTP/1.0 200"), sfull = strlen("HTTP/1.0 200 OK");
    for (size_t n = 0; n < strlen(http_server_ok); n++) {
        struct ea_banner_info b = { 0 };
        enum ea_dis_rc rc = parse_copy(&b, 1, http_server_ok, n);
        CU_ASSERT_EQUAL(rc, n < sl ? EA_DIS_NOT_MINE : EA_DIS_DONE);
        if (rc != EA_DIS_DONE)
            continue;
        size_t want = n > sfull ? sfull : n;
        CU_ASSERT_EQUAL(strlen(b.text), want);
        CU_ASSERT_EQUAL(memcmp(b.text, http_server_ok, want), 0);
        CU_ASSERT_EQUAL(b.str_truncated, n <= sfull + 1);
    }
}

/* ea_banner_matched: 0 for NULL and a fresh info, 1 once a kind found. */
static void test_matched(void)
{
    CU_ASSERT_FALSE(ea_banner_matched(NULL));
    struct ea_banner_info *s = ea_banner_info_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_FALSE(ea_banner_matched(s));
    s->str_truncated = 1;
    CU_ASSERT_FALSE(ea_banner_matched(s));
    s->kind = EA_BANNER_SSH;
    CU_ASSERT_TRUE(ea_banner_matched(s));
    ea_banner_info_free(s);
    ea_banner_info_free(NULL);
}

void ea_test_add_dissect_banner(void)
{
    EA_SUITE("dissect-banner",
             { "matched, info new and free", test_matched },
             { "recorded ssh, curl, http.server", test_recorded },
             { "SSH identification lines", test_ssh },
             { "HTTP request and status lines", test_http },
             { "truncation at every offset", test_truncation });
}
