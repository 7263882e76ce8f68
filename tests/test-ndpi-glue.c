/* test-ndpi-glue.c: the closed label vocabulary built on nDPI's results (issue 15, part 1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests.h"
#include "ndpi-glue.h"

/* nDPI 4.2 protocol ids (ndpi_protocol_ids.h), written out: only ndpi-glue.c includes nDPI. */
enum { ND_UNKNOWN = 0, ND_DNS = 5, ND_HTTP = 7, ND_DTLS = 30, ND_STUN = 78, ND_TLS = 91,
       ND_SIP = 100, ND_DROPBOX = 121, ND_ZOOM = 189, ND_SINA = 200, ND_TEAMS = 250 };

static const char *srcdir(void)
{
    const char *d = getenv("EA_SRCDIR");
    return (d && *d) ? d : "..";
}

/* The words between the vocabulary markers of doc/edgeaudit.1, "\-" read as "-"; NULL if unreadable. */
static char *man_vocabulary(void)
{
    char path[2048], line[512];
    snprintf(path, sizeof(path), "%s/doc/edgeaudit.1", srcdir());
    FILE *fp = fopen(path, "r");
    if (!fp)
        return NULL;
    size_t cap = 16384, len = 1;
    char *v = calloc(1, cap);
    int in = 0;
    while (v && fgets(line, sizeof(line), fp)) {
        if (strstr(line, "vocabulary-begin")) {
            in = 1;
            continue;
        }
        if (strstr(line, "vocabulary-end"))
            break;
        if (!in)
            continue;
        v[len - 1] = ' ';
        for (const char *p = line; *p && len + 2 < cap; p++) {
            if (p[0] == '\\' && p[1] == '-')
                continue;
            v[len++] = (*p == ',' || *p == '\n') ? ' ' : *p;
        }
        v[len++] = ' ';
        v[len] = 0;
    }
    fclose(fp);
    return v;
}

static int listed(const char *vocab, const char *word)
{
    char w[80];
    snprintf(w, sizeof(w), " %s ", word);
    return strstr(vocab, w) != NULL;
}

/* Every nDPI protocol has one lower-case word, and the man page lists each. */
static void test_every_ndpi_protocol_listed(void)
{
    struct ea_ndpi *n = ea_ndpi_new();
    char *vocab = man_vocabulary();
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_PTR_NOT_NULL(vocab);
    unsigned k = ea_ndpi_protocols(n);
    CU_ASSERT(k > 200);
    unsigned missing = 0;
    for (unsigned id = 0; vocab && id < k; id++) {
        char buf[64];
        const char *w = ea_ndpi_label(n, 0, (uint16_t)id, buf, sizeof(buf));
        for (const char *p = w; *p; p++)
            CU_ASSERT((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-');
        CU_ASSERT(w[0] != '-' && w[strlen(w) - 1] != '-');
        if (!listed(vocab, w)) {
            fprintf(stderr, "label '%s' (nDPI id %u) not in doc/edgeaudit.1\n", w, id);
            missing++;
        }
        /* The same id as a sub-protocol of STUN is stun, whatever it is. */
        CU_ASSERT_STRING_EQUAL(ea_ndpi_label(n, ND_STUN, (uint16_t)id, buf, sizeof(buf)), "stun");
    }
    CU_ASSERT_EQUAL(missing, 0);
    for (int a = 0; vocab && a < EA_APP__COUNT; a++)
        if (a != EA_APP_NDPI)
            CU_ASSERT(listed(vocab, ea_app_name((enum ea_app)a)));
    free(vocab);
    ea_ndpi_free(n);
}

/* The master protocol is the label; the service nDPI named goes to its own attribute. */
static void test_master_wins(void)
{
    struct ea_ndpi *n = ea_ndpi_new();
    char b[64], s[64];
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_EQUAL(ea_ndpi_app(ND_STUN, ND_ZOOM), EA_APP_STUN);
    CU_ASSERT_EQUAL(ea_ndpi_app(ND_DNS, ND_DROPBOX), EA_APP_DNS);
    CU_ASSERT_EQUAL(ea_ndpi_app(ND_TLS, ND_TEAMS), EA_APP_TLS);
    CU_ASSERT_EQUAL(ea_ndpi_app(ND_SIP, ND_HTTP), EA_APP_SIP);
    CU_ASSERT_EQUAL(ea_ndpi_app(ND_UNKNOWN, ND_DNS), EA_APP_DNS);
    CU_ASSERT_EQUAL(ea_ndpi_app(ND_UNKNOWN, ND_DROPBOX), EA_APP_NDPI);
    CU_ASSERT_EQUAL(ea_ndpi_app(ND_DTLS, ND_ZOOM), EA_APP_NDPI);
    CU_ASSERT_EQUAL(ea_ndpi_app(ND_UNKNOWN, ND_UNKNOWN), EA_APP_UNKNOWN);
    CU_ASSERT_STRING_EQUAL(ea_ndpi_label(n, ND_STUN, ND_ZOOM, b, sizeof(b)), "stun");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_service(n, ND_STUN, ND_ZOOM, s, sizeof(s)), "Zoom");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_label(n, ND_DNS, ND_DROPBOX, b, sizeof(b)), "dns");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_service(n, ND_DNS, ND_DROPBOX, s, sizeof(s)), "Dropbox");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_label(n, ND_DTLS, ND_ZOOM, b, sizeof(b)), "dtls");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_label(n, ND_UNKNOWN, ND_DROPBOX, b, sizeof(b)), "dropbox");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_service(n, ND_UNKNOWN, ND_DROPBOX, s, sizeof(s)), "");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_service(n, ND_TLS, ND_TLS, s, sizeof(s)), "");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_label(n, ND_UNKNOWN, ND_SINA, b, sizeof(b)), "sina-weibo");
    /* Cut to the buffer, still a word; a one-byte buffer gives "unknown", never "". */
    CU_ASSERT_STRING_EQUAL(ea_ndpi_label(n, ND_UNKNOWN, ND_SINA, b, 5), "sina");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_label(n, ND_UNKNOWN, ND_SINA, b, 6), "sina");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_label(n, ND_UNKNOWN, ND_SINA, b, 1), "unknown");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_label(NULL, ND_STUN, ND_ZOOM, b, sizeof(b)), "stun");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_service(NULL, ND_STUN, ND_ZOOM, s, sizeof(s)), "");
    ea_ndpi_free(n);
}

/* Every name through the cache is nDPI's own: on a miss, on a hit, cut short, after a slot changed hands. */
static void test_names_cached(void)
{
    struct ea_ndpi *n = ea_ndpi_new();
    char b[64], ref[64];
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    unsigned k = ea_ndpi_protocols(n);
    for (int round = 0; round < 2; round++)        /* round 0 fills the slots, round 1 finds them */
        for (unsigned id = 1; id < k; id++) {
            if (id == ND_DNS)
                continue;
            /* The service word is ndpi_get_proto_name's, the name ndpi_protocol2name's. */
            ea_ndpi_service(n, ND_DNS, (uint16_t)id, ref, sizeof(ref));
            CU_ASSERT_STRING_EQUAL(ea_ndpi_name(n, 0, (uint16_t)id, b, sizeof(b)), ref);
        }
    CU_ASSERT_STRING_EQUAL(ea_ndpi_name(n, ND_TLS, ND_TLS, b, sizeof(b)), "TLS");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_name(n, ND_TLS, 0, b, sizeof(b)), "TLS");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_name(n, 0, 0, b, sizeof(b)), "Unknown");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_name(n, ND_DNS, ND_DROPBOX, b, sizeof(b)), "DNS.Dropbox");
    /* Two pairs that share a slot ((master * 31 + app) % 16): each keeps its own name. */
    ea_ndpi_service(n, ND_DNS, ND_DNS + 16, ref, sizeof(ref));
    CU_ASSERT(ref[0] && strcmp(ref, "DNS") != 0);
    CU_ASSERT_STRING_EQUAL(ea_ndpi_name(n, 0, ND_DNS, b, sizeof(b)), "DNS");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_name(n, 0, ND_DNS + 16, b, sizeof(b)), ref);
    CU_ASSERT_STRING_EQUAL(ea_ndpi_name(n, 0, ND_DNS, b, sizeof(b)), "DNS");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_name(n, ND_DNS, ND_DROPBOX, b, sizeof(b)), "DNS.Dropbox");
    /* Cut as snprintf cuts, whether the name was cached or not. */
    CU_ASSERT_STRING_EQUAL(ea_ndpi_name(n, ND_DNS, ND_DROPBOX, b, 5), "DNS.");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_name(n, ND_STUN, ND_ZOOM, b, 5), "STUN");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_name(n, ND_STUN, ND_ZOOM, b, sizeof(b)), "STUN.Zoom");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_name(n, ND_STUN, ND_ZOOM, b, 1), "");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_name(n, ND_STUN, ND_ZOOM, b, 0), "");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_name(NULL, ND_STUN, ND_ZOOM, b, sizeof(b)), "");
    ea_ndpi_free(n);
}

/* An IPv4 DNS query (resp 0) or its answer (1) of the flow 10.0.0.1:sport <-> 10.0.0.2:53. */
static size_t dns_packet(uint8_t *pkt, size_t room, uint16_t sport, int resp)
{
    static const uint8_t q[] = {
        0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,          /* id, RD, one question */
        7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
    };
    static const uint8_t an[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1 };
    size_t dns = sizeof(q) + (resp ? sizeof(an) : 0), len = 28 + dns;
    CU_ASSERT_FATAL(len <= room);
    memset(pkt, 0, len);
    pkt[0] = 0x45;
    pkt[3] = (uint8_t)len;
    pkt[8] = 64; pkt[9] = 17;                                 /* UDP */
    pkt[12] = 10; pkt[15] = resp ? 2 : 1;
    pkt[16] = 10; pkt[19] = resp ? 1 : 2;
    uint16_t sp = resp ? 53 : sport, dp = resp ? sport : 53;
    pkt[20] = (uint8_t)(sp >> 8); pkt[21] = (uint8_t)sp;
    pkt[22] = (uint8_t)(dp >> 8); pkt[23] = (uint8_t)dp;
    pkt[25] = (uint8_t)(8 + dns);
    memcpy(pkt + 28, q, sizeof(q));
    if (resp) {
        pkt[30] = 0x81; pkt[31] = 0x80;                       /* response, no error */
        pkt[35] = 1;                                          /* one answer */
        memcpy(pkt + 28 + sizeof(q), an, sizeof(an));
    }
    return len;
}

static int feed_dns(struct ea_ndpi *n, void **nf, uint16_t sport, int resp, uint16_t *m, uint16_t *a)
{
    uint8_t pkt[128];
    struct ea_packet p;
    memset(&p, 0, sizeof(p));
    p.l3_len = (uint32_t)dns_packet(pkt, sizeof(pkt), sport, resp);
    p.l3 = pkt;
    p.t.proto = 17;
    p.ts_ns = 1000000000ULL * (uint64_t)(1 + resp);
    return ea_ndpi_process(n, nf, &p, m, a);
}

/*
 * Two UDP flows in turn through the one work state: each is packed to its
 * non-zero words between its packets and unpacked whole again, so nDPI
 * finds each query when its answer comes.
 */
static void test_packed_flows_interleaved(void)
{
    struct ea_ndpi *n = ea_ndpi_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    void *x = ea_ndpi_flow_new(0), *y = ea_ndpi_flow_new(0);
    uint16_t m = 1, a = 1;
    CU_ASSERT_FATAL(x && y);
    CU_ASSERT_EQUAL(ea_ndpi_flow_size(x), ea_ndpi_flow_size(y));   /* nothing but the mask */
    size_t empty = ea_ndpi_flow_size(x);
    CU_ASSERT_EQUAL(feed_dns(n, &x, 40001, 0, &m, &a), 0);          /* nDPI waits for the answer */
    CU_ASSERT_EQUAL(feed_dns(n, &y, 40002, 0, &m, &a), 0);
    CU_ASSERT(ea_ndpi_flow_size(x) > empty && ea_ndpi_flow_size(x) <= 344);
    CU_ASSERT(ea_ndpi_flow_size(y) > empty && ea_ndpi_flow_size(y) <= 344);
    m = a = 1;
    CU_ASSERT_EQUAL(feed_dns(n, &x, 40001, 1, &m, &a), 1);
    CU_ASSERT_EQUAL(ea_ndpi_app(m, a), EA_APP_DNS);
    m = a = 1;
    CU_ASSERT_EQUAL(feed_dns(n, &y, 40002, 1, &m, &a), 1);
    CU_ASSERT_EQUAL(ea_ndpi_app(m, a), EA_APP_DNS);
    ea_ndpi_flow_free(x);
    ea_ndpi_flow_free(y);
    ea_ndpi_flow_free(NULL);
    CU_ASSERT_EQUAL(ea_ndpi_flow_size(NULL), 0);
    ea_ndpi_free(n);
}

/* A TCP flow's state is kept whole, in place, from its first packet on, and freed from there. */
static void test_tcp_state_in_place(void)
{
    uint8_t syn[40];
    memset(syn, 0, sizeof(syn));
    syn[0] = 0x45; syn[3] = 40; syn[8] = 64; syn[9] = 6;      /* IPv4, TCP */
    syn[12] = 10; syn[15] = 1; syn[16] = 10; syn[19] = 2;
    syn[20] = 0x9c; syn[21] = 0x41; syn[23] = 0xbb;             /* 40001 -> 443 */
    syn[32] = 0x50; syn[33] = 0x02; syn[34] = 0xff;             /* data offset 5, SYN, window */
    struct ea_ndpi *n = ea_ndpi_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    struct ea_packet p;
    memset(&p, 0, sizeof(p));
    p.l3 = syn;
    p.l3_len = sizeof(syn);
    p.t.proto = 6;
    uint16_t m, a;
    /* Made packed, it turns whole at its first packet. */
    void *x = ea_ndpi_flow_new(0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    size_t empty = ea_ndpi_flow_size(x);
    CU_ASSERT_EQUAL(ea_ndpi_process(n, &x, &p, &m, &a), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    size_t whole = ea_ndpi_flow_size(x);
    CU_ASSERT(whole >= 688 && whole > empty);                   /* every word of nDPI's struct */
    CU_ASSERT_EQUAL(ea_ndpi_process(n, &x, &p, &m, &a), 0);
    CU_ASSERT_EQUAL(ea_ndpi_flow_size(x), whole);
    /* Made whole, it is so before its first packet, and stays in place (the same block). */
    void *y = ea_ndpi_flow_new(1), *was = y;
    CU_ASSERT_PTR_NOT_NULL_FATAL(y);
    CU_ASSERT_EQUAL(ea_ndpi_flow_size(y), whole);
    CU_ASSERT_EQUAL(ea_ndpi_process(n, &y, &p, &m, &a), 0);
    CU_ASSERT_PTR_EQUAL(y, was);
    CU_ASSERT_EQUAL(ea_ndpi_flow_size(y), whole);
    ea_ndpi_flow_free(x);
    ea_ndpi_flow_free(y);
    ea_ndpi_free(n);
}

void ea_test_add_ndpi_glue(void)
{
    EA_SUITE("ndpi-glue",
             { "every nDPI protocol has a listed word", test_every_ndpi_protocol_listed },
             { "the master protocol is the label", test_master_wins },
             { "protocol names come from the cache as nDPI makes them", test_names_cached },
             { "packed UDP flows take turns in the work state", test_packed_flows_interleaved },
             { "a TCP flow's state stays whole, in place", test_tcp_state_in_place });
}
