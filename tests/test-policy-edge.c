/* test-policy-edge.c: unit tests of issue 14's rows (psom, http, dns, tls, TCP 443) against the shipped packs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "tests.h"
#include "policy.h"
#include "rules-cmd.h"
#include "dissect-banner.h"
#include "dissect-sip.h"
#include "dissect-stun.h"
#include "dissect-tls.h"

static struct ea_ruleset *rs;
static struct ea_policy *pol;

/* The address plan of rules/examples/site-nat.xml, one address per external service. */
#define ACCESS "192.0.2.10"
#define WEBCONF "192.0.2.11"
#define AV "192.0.2.12"
#define EDGE_INT "198.51.100.10"
#define FRONT "198.51.100.20"
#define NET "203.0.113.99"
#define RP_EXT "192.0.2.50"
#define RP_INT "198.51.100.50"

/* Loads pack NAME with the roles given as "role=addr" strings (NULL-terminated). */
static int setup(const char *name, const char *const *roles)
{
    char err[512], dir[1024], file[128], path[1200];
    const char *top = getenv("EA_SRCDIR");
    snprintf(dir, sizeof(dir), "%s/rules", top && *top ? top : "..");
    if (ea_rules_pack_file(name, file, sizeof(file)) != 0)
        return -1;
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    rs = ea_ruleset_new();
    if (!rs || ea_ruleset_load_rules(rs, path, dir, err, sizeof(err)) != 0) {
        fprintf(stderr, "test-policy-edge: %s\n", err);
        return -1;
    }
    for (size_t i = 0; roles[i]; i++)
        if (ea_ruleset_add_role_arg(rs, roles[i], err, sizeof(err)) != 0) {
            fprintf(stderr, "test-policy-edge: %s\n", err);
            return -1;
        }
    pol = ea_policy_new(rs);
    return pol ? 0 : -1;
}

static int setup_nat(void)
{
    static const char *const roles[] = {
        "edge-access=" ACCESS, "edge-webconf=" WEBCONF, "edge-av=" AV, "edge-internal=" EDGE_INT,
        "front-end=" FRONT, "cms=" FRONT, NULL,
    };
    return setup("edge-nat", roles);
}

static void teardown(void)
{
    ea_policy_free(pol);
    ea_ruleset_free(rs);
    pol = NULL;
    rs = NULL;
}


/* A full TLS 1.2 handshake (Certificate, ChangeCipherSpec both ways), mutual when clientcert. */
static struct ea_tls_info *tls(struct ea_flow *f, int certreq, int clientcert, const char *alpn)
{
    struct ea_tls_info *t = ea_tls_info_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    t->record_seen = t->client_hello = t->server_hello = t->server_cert = t->server_hello_done = 1;
    t->client_version = t->version = 0x0303;
    t->cert_request = (uint8_t)certreq;
    t->client_cert = (uint8_t)certreq;
    t->client_cert_nonempty = (uint8_t)clientcert;
    t->ccs[0] = t->ccs[1] = 1;
    if (alpn) {
        t->alpn = strdup(alpn);   /* owned by the info */
        CU_ASSERT_PTR_NOT_NULL_FATAL(t->alpn);
    }
    f->facts.tls = t;
    f->label.app = EA_APP_TLS;
    f->label.src = EA_SRC_DISSECTOR;
    return t;
}

/* The pseudo-TLS start of TURN over TCP: ServerHello and ServerHelloDone, nothing real after. */
static void pseudo_tls(struct ea_flow *f)
{
    struct ea_tls_info *t = tls(f, 0, 0, NULL);
    t->server_cert = 0;
    t->ccs[0] = t->ccs[1] = 0;
    t->version = t->client_version = 0x0301;
}

/* Only the client's ClientHello was seen. */
static void client_hello_only(struct ea_flow *f)
{
    struct ea_tls_info *t = tls(f, 0, 0, NULL);
    t->server_hello = t->server_cert = t->server_hello_done = 0;
    t->ccs[0] = t->ccs[1] = 0;
    t->version = 0;
}

static void stun_tcp(struct ea_flow *f)
{
    f->facts.stun = calloc(1, sizeof(*f->facts.stun));
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->facts.stun);
    f->facts.stun->requests[0] = f->facts.stun->responses[1] = 1;
    f->facts.stun->messages[0] = f->facts.stun->messages[1] = 1;
    f->facts.stun->first_method = 0x003;
    f->label.app = EA_APP_STUN;
    f->label.src = EA_SRC_DISSECTOR;
}

static void http_banner(struct ea_flow *f)
{
    f->facts.banner = calloc(1, sizeof(*f->facts.banner));
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->facts.banner);
    f->facts.banner->kind = EA_BANNER_HTTP;
    snprintf(f->facts.banner->text, sizeof(f->facts.banner->text), "GET /crl/ca.crl HTTP/1.1");
    f->label.app = EA_APP_HTTP;
    f->label.src = EA_SRC_DISSECTOR;
}

static int has_rule(const struct ea_flow *f, const char *id)
{
    for (size_t i = 0; i < rs->nrules; i++)
        if (!strcmp(rs->rules[i].id, id))
            return (int)((f->verdict.rules >> i) & 1);
    return 0;
}

/* Judges, checks verdict, reason, one rule id (when given) and words (when given); frees the flow. */
static void judge(struct ea_flow *f, enum ea_verdict v, enum ea_reason r, const char *rule, const char *words)
{
    CU_ASSERT_EQUAL(ea_policy_judge(pol, f), 0);
    CU_ASSERT_EQUAL(f->verdict.v, v);
    CU_ASSERT_EQUAL(f->verdict.reason, r);
    CU_ASSERT_PTR_NOT_NULL(f->verdict.text);
    const char *text = f->verdict.text ? f->verdict.text : "";
    if (f->verdict.v != v || f->verdict.reason != r || (words && !strstr(text, words)))
        fprintf(stderr, "\n  got %s/%s: %s\n", ea_verdict_name(f->verdict.v),
                ea_reason_name(f->verdict.reason), text);
    if (rule)
        CU_ASSERT_TRUE(has_rule(f, rule));
    if (words)
        CU_ASSERT_PTR_NOT_NULL(strstr(text, words));
    ea_flow_free(f);
}

static void test_http(void)
{
    CU_ASSERT_FATAL(setup_nat() == 0);
    struct ea_flow *f = ea_test_flow(6, ACCESS, 40000, NET, 80);
    http_banner(f);
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "ext-crl-http-out", "GET /crl/ca.crl");
    f = ea_test_flow(6, ACCESS, 40001, NET, 80);   /* nDPI alone */
    f->label.app = EA_APP_HTTP;
    f->label.src = EA_SRC_NDPI;
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "ext-crl-http-out", "nDPI");
    f = ea_test_flow(6, ACCESS, 40002, NET, 80);   /* nDPI's port guess: not enough */
    f->label.app = EA_APP_HTTP;
    f->label.src = EA_SRC_PORT;
    judge(f, EA_V_UNVERIFIED, EA_R_UNCONFIRMED, "ext-crl-http-out", "port guess");
    f = ea_test_flow(6, ACCESS, 40003, NET, 80);   /* TLS on the plain HTTP row */
    tls(f, 0, 0, NULL);
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_PROTOCOL, "ext-crl-http-out", "TLS where the rule requires http");
    f = ea_test_flow(6, ACCESS, 40004, NET, 80);   /* SSH on 80 */
    f->label.app = EA_APP_SSH;
    f->label.src = EA_SRC_DISSECTOR;
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_PROTOCOL, NULL, "ssh where the rule requires http");
    /* HTTPS on 4443 from the Central Management store. */
    f = ea_test_flow(6, FRONT, 40005, EDGE_INT, 4443);
    tls(f, 0, 0, "http/1.1");
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "int-cms-https-in", "ALPN offer \"http/1.1\"");
    f = ea_test_flow(6, FRONT, 40006, EDGE_INT, 4443);
    tls(f, 0, 0, NULL);
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "int-cms-https-in", "taken from port 4443");
    f = ea_test_flow(6, FRONT, 40007, EDGE_INT, 4443);
    tls(f, 0, 0, "sip");
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_PROTOCOL, "int-cms-https-in", "ALPN \"sip\"");
    f = ea_test_flow(6, FRONT, 40008, EDGE_INT, 4443);
    http_banner(f);
    judge(f, EA_V_UNEXPECTED, EA_R_LOW_SECURITY, "int-cms-https-in", "plain HTTP where TLS is required");
    f = ea_test_flow(6, FRONT, 40009, EDGE_INT, 4443);   /* only the ClientHello */
    client_hello_only(f);
    judge(f, EA_V_UNVERIFIED, EA_R_UNCONFIRMED, "int-cms-https-in", "only the client's side");
    teardown();
}

static void test_dns(void)
{
    CU_ASSERT_FATAL(setup_nat() == 0);
    struct ea_flow *f = ea_test_flow(17, ACCESS, 40000, NET, 53);
    f->label.app = EA_APP_DNS;
    f->label.src = EA_SRC_NDPI;
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "ext-dns-udp-out", "DNS over UDP");
    f = ea_test_flow(6, ACCESS, 40001, NET, 53);
    f->label.app = EA_APP_DNS;
    f->label.src = EA_SRC_NDPI;
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "ext-dns-tcp-out", "DNS over TCP");
    f = ea_test_flow(17, ACCESS, 40002, NET, 53);   /* a guess from the port */
    f->label.app = EA_APP_DNS;
    f->label.src = EA_SRC_PORT;
    judge(f, EA_V_UNVERIFIED, EA_R_UNCONFIRMED, "ext-dns-udp-out", NULL);
    f = ea_test_flow(17, ACCESS, 40003, NET, 53);   /* a query nobody answered */
    f->label.app = EA_APP_DNS;
    f->label.src = EA_SRC_NDPI;
    f->pkts[1] = 0;
    judge(f, EA_V_BLOCKED, EA_R_UDP_NO_REPLY, "ext-dns-udp-out", "DNS query with no reply");
    f = ea_test_flow(17, ACCESS, 40004, NET, 53);   /* STUN on 53 */
    stun_tcp(f);
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_PROTOCOL, NULL, "stun where the rule requires dns");
    f = ea_test_flow(17, NET, 40005, ACCESS, 53);   /* inbound: the rows are outbound only */
    f->label.app = EA_APP_DNS;
    f->label.src = EA_SRC_NDPI;
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_SIDE, "ext-dns-udp-out", "only edge-access may reach");
    teardown();
}

static void test_tls_rows(void)
{
    CU_ASSERT_FATAL(setup_nat() == 0);
    struct ea_flow *f = ea_test_flow(6, FRONT, 40000, EDGE_INT, 50001);
    tls(f, 1, 1, NULL);
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "int-cls-mtls-50001", "mutual TLS 1.2");
    f = ea_test_flow(6, FRONT, 40001, EDGE_INT, 50003);
    tls(f, 1, 1, NULL);
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "int-cls-mtls-50003", NULL);
    f = ea_test_flow(6, FRONT, 40002, EDGE_INT, 50001);   /* no client certificate */
    tls(f, 0, 0, NULL);
    judge(f, EA_V_UNEXPECTED, EA_R_LOW_SECURITY, "int-cls-mtls-50001", "no CertificateRequest");
    f = ea_test_flow(6, FRONT, 40003, EDGE_INT, 50002);   /* asked, answered empty */
    tls(f, 1, 0, NULL);
    judge(f, EA_V_UNEXPECTED, EA_R_LOW_SECURITY, "int-cls-mtls-50002", "empty Certificate");
    f = ea_test_flow(6, FRONT, 40004, EDGE_INT, 50001);   /* resumed: certificates cannot be seen */
    tls(f, 0, 0, NULL)->resumed = 1;
    judge(f, EA_V_UNVERIFIED, EA_R_UNCONFIRMED, "int-cls-mtls-50001", "resumed");
    f = ea_test_flow(6, FRONT, 40005, EDGE_INT, 50001);   /* plaintext, from the first byte */
    judge(f, EA_V_UNEXPECTED, EA_R_LOW_SECURITY, "int-cls-mtls-50001", "plaintext where mutual TLS");
    teardown();
}

static void test_psom(void)
{
    CU_ASSERT_FATAL(setup_nat() == 0);
    struct ea_flow *f = ea_test_flow(6, NET, 40000, WEBCONF, 443);
    tls(f, 0, 0, NULL);
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "ext-psom-tls-in", "PSOM is taken from the role and port 443");
    f = ea_test_flow(6, FRONT, 40001, EDGE_INT, 8057);
    tls(f, 1, 1, NULL);
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "int-psom-mtls-in", "mutual TLS 1.2");
    f = ea_test_flow(6, FRONT, 40002, EDGE_INT, 8057);   /* 8057 without a client certificate */
    tls(f, 0, 0, NULL);
    judge(f, EA_V_UNEXPECTED, EA_R_LOW_SECURITY, "int-psom-mtls-in", "without a client certificate");
    f = ea_test_flow(6, NET, 40003, EDGE_INT, 8057);     /* 8057 from outside the Front End pool */
    tls(f, 1, 1, NULL);
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_SIDE, "int-psom-mtls-in", "the wrong side");
    f = ea_test_flow(6, FRONT, 40004, EDGE_INT, 8057);   /* plaintext bytes nobody names */
    judge(f, EA_V_UNEXPECTED, EA_R_LOW_SECURITY, "int-psom-mtls-in", NULL);
    f = ea_test_flow(6, FRONT, 40005, EDGE_INT, 8057);   /* HTTPS on the PSOM port */
    tls(f, 1, 1, "h2");
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_PROTOCOL, "int-psom-mtls-in", "HTTPS (TLS with ALPN \"h2\")");
    teardown();
}

/* TCP 443: the responder's role chooses the row, the bytes say whether the flow is of its kind. */
static void test_shared_443(void)
{
    CU_ASSERT_FATAL(setup_nat() == 0);
    struct ea_flow *f = ea_test_flow(6, NET, 40000, ACCESS, 443);
    tls(f, 0, 0, NULL);
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "ext-sip-tls-in", "SIP is taken from port 443");
    f = ea_test_flow(6, NET, 40001, AV, 443);
    stun_tcp(f);
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "ext-av-stun-tcp-in", "STUN");
    /* The wrong kind for the address, in plain words. */
    f = ea_test_flow(6, NET, 40002, ACCESS, 443);
    stun_tcp(f);
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_PROTOCOL, "ext-sip-tls-in", "TURN over TCP to the Access Edge address");
    f = ea_test_flow(6, NET, 40003, ACCESS, 443);
    pseudo_tls(f);
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_PROTOCOL, "ext-sip-tls-in", "pseudo-TLS start");
    f = ea_test_flow(6, NET, 40004, AV, 443);
    tls(f, 0, 0, "h2,http/1.1");
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_PROTOCOL, "ext-av-stun-tcp-in",
          "plain HTTPS (ALPN \"h2,http/1.1\") to the A/V Edge address");
    f = ea_test_flow(6, NET, 40005, AV, 443);
    tls(f, 0, 0, NULL);
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_PROTOCOL, "ext-av-stun-tcp-in", "TLS to the A/V Edge address");
    f = ea_test_flow(6, NET, 40006, WEBCONF, 443);
    stun_tcp(f);
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_PROTOCOL, "ext-psom-tls-in",
          "TURN over TCP to the Web Conferencing Edge address");
    f = ea_test_flow(6, NET, 40007, ACCESS, 443);
    tls(f, 0, 0, "http/1.1");
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_PROTOCOL, "ext-sip-tls-in", "plain HTTPS (ALPN \"http/1.1\") to the Access Edge");
    /* TURN messages after the pseudo-TLS start: TURN over TCP, from the bytes. */
    f = ea_test_flow(6, NET, 40011, AV, 443);
    pseudo_tls(f);
    stun_tcp(f);
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "ext-av-stun-tcp-in", "allocate");
    f = ea_test_flow(6, NET, 40012, ACCESS, 443);
    pseudo_tls(f);
    stun_tcp(f);
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_PROTOCOL, "ext-sip-tls-in", "TURN over TCP to the Access Edge address");
    /* What the bytes cannot tell is unverified, never allowed. */
    f = ea_test_flow(6, NET, 40008, AV, 443);
    pseudo_tls(f);
    judge(f, EA_V_UNVERIFIED, EA_R_UNCONFIRMED, "ext-av-stun-tcp-in", "pseudo-TLS start");
    f = ea_test_flow(6, NET, 40009, AV, 443);
    client_hello_only(f);
    judge(f, EA_V_UNVERIFIED, EA_R_UNCONFIRMED, "ext-av-stun-tcp-in", "look alike");
    /* The internal interface's TURN over TCP row is the A/V Edge's too. */
    f = ea_test_flow(6, FRONT, 40010, EDGE_INT, 443);
    tls(f, 0, 0, NULL);
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_PROTOCOL, "int-stun-tcp-in", "TLS to the A/V Edge address");
    teardown();
}

/* One address holding two services of TCP 443 (as the test captures' site file does): the bytes choose. */
static void test_shared_address(void)
{
    static const char *const roles[] = {
        "edge-access=" ACCESS, "edge-av=" ACCESS, "edge-webconf=" WEBCONF, NULL,
    };
    CU_ASSERT_FATAL(setup("edge-nat", roles) == 0);
    struct ea_flow *f = ea_test_flow(6, NET, 40000, ACCESS, 443);
    tls(f, 0, 0, NULL);
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "ext-sip-tls-in", "SIP is taken from port 443");
    f = ea_test_flow(6, NET, 40001, ACCESS, 443);
    stun_tcp(f);
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "ext-av-stun-tcp-in", NULL);
    f = ea_test_flow(6, NET, 40002, ACCESS, 443);
    pseudo_tls(f);
    judge(f, EA_V_UNVERIFIED, EA_R_UNCONFIRMED, "ext-av-stun-tcp-in", NULL);
    teardown();
}

static void test_reverse_proxy(void)
{
    static const char *const roles[] = { "rp-external=" RP_EXT, "rp-internal=" RP_INT, NULL };
    CU_ASSERT_FATAL(setup("reverse-proxy", roles) == 0);
    struct ea_flow *f = ea_test_flow(6, NET, 40000, RP_EXT, 443);
    tls(f, 0, 0, "h2,http/1.1");
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "rp-ext-https-443", "ALPN offer");
    f = ea_test_flow(6, NET, 40001, RP_EXT, 80);
    http_banner(f);
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "rp-ext-http-80", NULL);
    f = ea_test_flow(6, NET, 40002, RP_EXT, 443);   /* plain HTTP on the HTTPS row */
    http_banner(f);
    judge(f, EA_V_UNEXPECTED, EA_R_LOW_SECURITY, "rp-ext-https-443", "plain HTTP");
    f = ea_test_flow(6, NET, 40003, RP_EXT, 443);   /* bytes nobody names: never allowed */
    f->tcp.open = EA_OPEN_MIDSTREAM;
    judge(f, EA_V_UNVERIFIED, EA_R_UNCONFIRMED, "rp-ext-https-443", NULL);
    teardown();
}

void ea_test_add_policy_edge(void)
{
    EA_SUITE("policy-edge",
             { "http and https rows", test_http },
             { "dns rows", test_dns },
             { "tls rows with mutual TLS", test_tls_rows },
             { "psom rows", test_psom },
             { "TCP 443 by the responder's role", test_shared_443 },
             { "one address, two services of 443", test_shared_address },
             { "reverse proxy rows", test_reverse_proxy });
}
