/* test-policy.c: unit tests of verdicts, reasons and rule statuses against the shipped matrix. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "tests.h"
#include "policy.h"
#include "dissect-banner.h"
#include "dissect-rtp.h"
#include "dissect-sip.h"
#include "dissect-stun.h"
#include "dissect-tls.h"
#include "dissect-xmpp.h"

static struct ea_ruleset *rs;
static struct ea_policy *pol;

/* Addresses of the plan in tests and captures (documentation ranges). */
#define EDGE "192.0.2.10"
#define EDGE_INT "198.51.100.10"
#define FRONT "198.51.100.20"
#define PARTNER "203.0.113.20"
#define PIC "203.0.113.30"
#define CLIENT "203.0.113.40"
#define LMC "203.0.113.50"
#define NET "203.0.113.99"

static int setup(int with_roles)
{
    char err[512], dir[1024];
    const char *top = getenv("EA_SRCDIR");
    snprintf(dir, sizeof(dir), "%s/rules", top ? top : "..");
    char path[1100];
    snprintf(path, sizeof(path), "%s/lync2013-edge.xml", dir);
    rs = ea_ruleset_new();
    if (!rs || ea_ruleset_load_rules(rs, path, dir, err, sizeof(err)) != 0) {
        fprintf(stderr, "test-policy: %s\n", err);
        return -1;
    }
    static const char *const roles[] = {
        "edge-access=" EDGE, "edge-internal=" EDGE_INT, "front-end=" FRONT,
        "federated-partner=" PARTNER, "public-im-partner=" PIC, "client=" CLIENT,
        "live-messenger-client=" LMC,
    };
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]) && with_roles; i++)
        if (ea_ruleset_add_role_arg(rs, roles[i], err, sizeof(err)) != 0)
            return -1;
    pol = ea_policy_new(rs);
    return pol ? 0 : -1;
}

static void teardown(void)
{
    ea_policy_free(pol);
    ea_ruleset_free(rs);
    pol = NULL;
    rs = NULL;
}

static struct ea_flow *flow(uint8_t proto, const char *c, uint16_t cp, const char *s, uint16_t sp)
{
    struct ea_flow *f = calloc(1, sizeof(*f));
    f->key.family = 4;
    f->key.proto = proto;
    inet_pton(AF_INET, c, f->key.src);
    inet_pton(AF_INET, s, f->key.dst);
    f->key.sport = cp;
    f->key.dport = sp;
    f->id = 1;
    f->first_ns = 1000000000ULL;
    f->last_ns = 2000000000ULL;
    f->pkts[0] = f->pkts[1] = 10;
    f->bytes[0] = f->bytes[1] = 1000;
    f->payload[0] = f->payload[1] = 500;
    f->tcp.open = proto == 6 ? EA_OPEN_ESTABLISHED : EA_OPEN_NONE;
    f->label.decided = 1;
    return f;
}

/* A TLS 1.2 (or 1.3) handshake with or without a client certificate. */
static void tls(struct ea_flow *f, uint16_t ver, int certreq, int clientcert)
{
    f->facts.tls = calloc(1, sizeof(*f->facts.tls));
    f->facts.tls->record_seen = f->facts.tls->client_hello = f->facts.tls->server_hello = 1;
    f->facts.tls->client_version = 0x0303;
    f->facts.tls->version = ver;
    f->facts.tls->server_cert = 1;
    f->facts.tls->server_hello_done = ver != 0x0304;
    f->facts.tls->cert_request = (uint8_t)certreq;
    f->facts.tls->client_cert = (uint8_t)(certreq && ver != 0x0304);
    f->facts.tls->client_cert_nonempty = (uint8_t)clientcert;
    f->facts.tls->ccs[0] = f->facts.tls->ccs[1] = 1;
    f->label.app = f->key.dport == 5061 ? EA_APP_SIP_TLS : EA_APP_TLS;
    f->label.src = f->key.dport == 5061 ? EA_SRC_PORT : EA_SRC_DISSECTOR;
}

static int has_rule(const struct ea_flow *f, const char *id)
{
    for (size_t i = 0; i < rs->nrules; i++)
        if (!strcmp(rs->rules[i].id, id))
            return (f->verdict.rules >> i) & 1;
    return 0;
}

static int rule_index(const char *id)
{
    for (size_t i = 0; i < rs->nrules; i++)
        if (!strcmp(rs->rules[i].id, id))
            return (int)i;
    return -1;
}

/* Judges and checks verdict, reason and (when given) one rule id. */
static struct ea_flow *judge(struct ea_flow *f, enum ea_verdict v, enum ea_reason r, const char *rule)
{
    CU_ASSERT_EQUAL(ea_policy_judge(pol, f), 0);
    CU_ASSERT_EQUAL(f->verdict.v, v);
    CU_ASSERT_EQUAL(f->verdict.reason, r);
    if (f->verdict.v != v || f->verdict.reason != r)
        fprintf(stderr, "\n  got %s/%s: %s\n", ea_verdict_name(f->verdict.v), ea_reason_name(f->verdict.reason),
                f->verdict.text ? f->verdict.text : "");
    if (rule)
        CU_ASSERT_TRUE(has_rule(f, rule));
    CU_ASSERT_PTR_NOT_NULL(f->verdict.text);
    return f;
}

static void done(struct ea_flow *f)
{
    ea_flow_free(f);
}

static void test_sip_mtls(void)
{
    CU_ASSERT_FATAL(setup(1) == 0);
    struct ea_flow *f = flow(6, EDGE, 40000, PARTNER, 5061);
    tls(f, 0x0303, 1, 1);
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "sipfed-edge-out");
    CU_ASSERT_PTR_NOT_NULL(strstr(f->verdict.text, "taken from port 5061"));
    done(f);
    f = flow(6, PARTNER, 40001, EDGE, 5061);
    tls(f, 0x0303, 1, 1);
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "sipfed-partner-in");
    CU_ASSERT_FALSE(has_rule(f, "pic-sip-in"));
    done(f);
    f = flow(6, EDGE, 40002, PIC, 5061);
    tls(f, 0x0303, 1, 1);
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "pic-sip-out");
    CU_ASSERT_TRUE(has_rule(f, "sipfed-edge-out"));   /* counts toward every rule it satisfies */
    done(f);
    teardown();
}

static void test_sip_security(void)
{
    CU_ASSERT_FATAL(setup(1) == 0);
    struct ea_flow *f = flow(6, PARTNER, 40001, EDGE, 5061);
    tls(f, 0x0303, 0, 0);
    judge(f, EA_V_UNEXPECTED, EA_R_LOW_SECURITY, "sipfed-partner-in");
    CU_ASSERT_PTR_NOT_NULL(strstr(f->verdict.text, "no CertificateRequest"));
    done(f);
    f = flow(6, PARTNER, 40001, EDGE, 5061);
    tls(f, 0x0303, 1, 0);   /* asked, answered with an empty Certificate */
    judge(f, EA_V_UNEXPECTED, EA_R_LOW_SECURITY, NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(f->verdict.text, "empty Certificate"));
    done(f);
    f = flow(6, PARTNER, 40001, EDGE, 5061);
    tls(f, 0x0304, 1, 0);
    judge(f, EA_V_UNVERIFIED, EA_R_UNCONFIRMED, "sipfed-partner-in");
    CU_ASSERT_PTR_NOT_NULL(strstr(f->verdict.text, "TLS 1.3"));
    done(f);
    f = flow(6, PARTNER, 40001, EDGE, 5061);
    tls(f, 0x0303, 0, 0);
    f->facts.tls->resumed = 1;
    f->facts.tls->server_hello_done = 0;
    judge(f, EA_V_UNVERIFIED, EA_R_UNCONFIRMED, NULL);
    done(f);
    teardown();
}

static void test_wrong_protocol(void)
{
    CU_ASSERT_FATAL(setup(1) == 0);
    struct ea_flow *f = flow(6, PARTNER, 40001, EDGE, 5061);
    f->facts.banner = calloc(1, sizeof(*f->facts.banner));
    f->facts.banner->kind = EA_BANNER_HTTP;
    f->label.app = EA_APP_HTTP;
    f->label.src = EA_SRC_DISSECTOR;
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_PROTOCOL, "sipfed-partner-in");
    done(f);
    f = flow(6, PARTNER, 40001, EDGE, 5061);
    f->facts.sip = calloc(1, sizeof(*f->facts.sip));
    f->facts.sip->request = 1;
    memcpy(f->facts.sip->method, "OPTIONS", 8);
    f->label.app = EA_APP_SIP;
    f->label.src = EA_SRC_DISSECTOR;
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_PROTOCOL, NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(f->verdict.text, "plaintext SIP"));
    done(f);
    f = flow(6, CLIENT, 40001, EDGE, 443);
    tls(f, 0x0303, 0, 0);
    memcpy(f->facts.tls->alpn, "h2,http/1.1", 12);
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_PROTOCOL, "client-sip-443");
    done(f);
    f = flow(6, NET, 40001, EDGE, 5269);
    f->facts.xmpp = calloc(1, sizeof(*f->facts.xmpp));
    f->facts.xmpp->stream[0] = f->facts.xmpp->stream[1] = 1;
    f->facts.xmpp->ns_client = 1;
    f->label.app = EA_APP_XMPP_C2S;
    f->label.src = EA_SRC_DISSECTOR;
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_PROTOCOL, "xmpp-s2s-in");
    done(f);
    /* Unidentified plaintext where TLS is required. */
    f = flow(6, CLIENT, 40001, EDGE, 443);
    judge(f, EA_V_UNEXPECTED, EA_R_LOW_SECURITY, NULL);
    done(f);
    teardown();
}

static void test_allowed_others(void)
{
    CU_ASSERT_FATAL(setup(1) == 0);
    struct ea_flow *f = flow(6, CLIENT, 40001, EDGE, 443);
    tls(f, 0x0303, 0, 0);
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "client-sip-443");
    done(f);
    f = flow(6, NET, 40001, EDGE, 5269);
    f->facts.xmpp = calloc(1, sizeof(*f->facts.xmpp));
    f->facts.xmpp->stream[0] = f->facts.xmpp->stream[1] = 1;
    f->facts.xmpp->ns_server = 1;
    f->facts.xmpp->proceed = 1;
    f->label.app = EA_APP_XMPP_S2S;
    f->label.src = EA_SRC_DISSECTOR;
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "xmpp-s2s-in");
    CU_ASSERT_PTR_NOT_NULL(strstr(f->verdict.text, "STARTTLS"));
    done(f);
    f = flow(6, EDGE, 40001, NET, 5269);
    f->facts.xmpp = calloc(1, sizeof(*f->facts.xmpp));
    f->facts.xmpp->stream[0] = 1;
    f->facts.xmpp->ns_server = 1;
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "xmpp-s2s-out");
    done(f);
    f = flow(6, FRONT, 40001, EDGE_INT, 23456);
    tls(f, 0x0303, 1, 1);
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "xmpp-gw-internal");
    done(f);
    f = flow(17, LMC, 40001, EDGE, 3478);
    f->facts.stun = calloc(1, sizeof(*f->facts.stun));
    f->facts.stun->messages[0] = f->facts.stun->messages[1] = 1;
    f->facts.stun->requests[0] = f->facts.stun->responses[1] = 1;
    f->facts.stun->first_method = 1;
    f->label.app = EA_APP_STUN;
    f->label.src = EA_SRC_DISSECTOR;
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "pic-stun-in");
    done(f);
    f = flow(6, EDGE, 40001, LMC, 50010);
    f->facts.rtp = calloc(1, sizeof(*f->facts.rtp));
    f->facts.rtp->is_rtp = f->facts.rtp->rfc4571 = 1;
    f->label.app = EA_APP_RTP;
    f->label.src = EA_SRC_DISSECTOR;
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "pic-rtp-tcp-out");
    CU_ASSERT_PTR_NOT_NULL(strstr(f->verdict.text, "RFC 4571"));
    done(f);
    teardown();
}

static void test_unexpected_no_rule_and_side(void)
{
    CU_ASSERT_FATAL(setup(1) == 0);
    struct ea_flow *f = flow(6, NET, 40001, EDGE, 22);
    f->label.app = EA_APP_SSH;
    f->label.src = EA_SRC_DISSECTOR;
    judge(f, EA_V_UNEXPECTED, EA_R_NO_RULE, NULL);
    CU_ASSERT_EQUAL(f->verdict.rules, 0);
    done(f);
    f = flow(6, EDGE, 40001, LMC, 49152);   /* RTP outside 50000-59999 */
    f->facts.rtp = calloc(1, sizeof(*f->facts.rtp));
    f->facts.rtp->is_rtp = 1;
    f->label.app = EA_APP_RTP;
    f->label.src = EA_SRC_DISSECTOR;
    judge(f, EA_V_UNEXPECTED, EA_R_NO_RULE, NULL);
    done(f);
    f = flow(6, LMC, 50010, EDGE, 40001);   /* right port range, wrong direction */
    judge(f, EA_V_UNEXPECTED, EA_R_NO_RULE, NULL);
    done(f);
    f = flow(6, NET, 40001, EDGE_INT, 23456);
    tls(f, 0x0303, 1, 1);
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_SIDE, "xmpp-gw-internal");
    CU_ASSERT_PTR_NOT_NULL(strstr(f->verdict.text, "front-end"));
    done(f);
    teardown();
}

static void test_blocked(void)
{
    CU_ASSERT_FATAL(setup(1) == 0);
    struct ea_flow *f = flow(6, NET, 40001, EDGE, 5269);
    f->tcp.open = EA_OPEN_SYN;
    f->tcp.syns = 3;
    f->pkts[1] = 0;
    f->payload[0] = f->payload[1] = 0;
    judge(f, EA_V_BLOCKED, EA_R_SYN_UNANSWERED, "xmpp-s2s-in");
    CU_ASSERT_TRUE(f->verdict.blocked_required);
    CU_ASSERT_PTR_NOT_NULL(strstr(f->verdict.text, "2 retransmissions"));
    done(f);
    f = flow(6, NET, 40001, EDGE, 5061);
    f->tcp.open = EA_OPEN_SYN_RST;
    f->tcp.syns = 1;
    judge(f, EA_V_BLOCKED, EA_R_SYN_RST, NULL);
    CU_ASSERT_FALSE(f->verdict.blocked_required);   /* no rule lets the internet in on 5061 */
    CU_ASSERT_PTR_NOT_NULL(strstr(f->verdict.text, "firewall did its job"));
    done(f);
    f = flow(17, LMC, 40001, EDGE, 3478);
    f->pkts[1] = 0;
    f->facts.stun = calloc(1, sizeof(*f->facts.stun));
    f->facts.stun->messages[0] = f->facts.stun->requests[0] = 2;
    f->facts.stun->first_method = 1;
    judge(f, EA_V_BLOCKED, EA_R_UDP_NO_REPLY, "pic-stun-in");
    CU_ASSERT_TRUE(f->verdict.blocked_required);
    done(f);
    f = flow(17, LMC, 40001, EDGE, 3478);
    f->pkts[1] = 0;
    f->icmp.errors = 1;
    f->icmp.type = 3;
    f->icmp.code = 3;
    judge(f, EA_V_BLOCKED, EA_R_ICMP_UNREACHABLE, "pic-stun-in");
    done(f);
    /* One-way RTP is not an unanswered request. */
    f = flow(17, EDGE, 40001, LMC, 3478);
    f->pkts[1] = 0;
    judge(f, EA_V_UNVERIFIED, EA_R_UNCONFIRMED, "pic-stun-out");
    done(f);
    teardown();
}

static void test_scope_and_inference(void)
{
    CU_ASSERT_FATAL(setup(1) == 0);
    struct ea_flow *f = flow(6, PARTNER, 40001, CLIENT, 5061);
    judge(f, EA_V_OUT_OF_SCOPE, EA_R_NOT_AUDITED, NULL);
    done(f);
    /* Mid-stream, orientation guessed wrong: the policy turns it round to fit. */
    f = flow(6, LMC, 50010, EDGE, 41000);
    f->tcp.open = EA_OPEN_MIDSTREAM;
    f->initiator_inferred = 1;
    f->facts.rtp = calloc(1, sizeof(*f->facts.rtp));
    f->facts.rtp->is_rtp = f->facts.rtp->rfc4571 = 1;
    f->label.app = EA_APP_RTP;
    f->label.src = EA_SRC_DISSECTOR;
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "pic-rtp-tcp-out");
    CU_ASSERT_EQUAL(f->key.dport, 50010);
    CU_ASSERT_PTR_NOT_NULL(strstr(f->verdict.text, "initiator inferred"));
    done(f);
    /* Established but silent: too few packets. */
    f = flow(6, PARTNER, 40001, EDGE, 5061);
    f->payload[0] = f->payload[1] = 0;
    judge(f, EA_V_UNVERIFIED, EA_R_UNCONFIRMED, "sipfed-partner-in");
    CU_ASSERT_PTR_NOT_NULL(strstr(f->verdict.text, "too few packets"));
    done(f);
    /* Only a port guess names it. */
    f = flow(17, LMC, 40001, EDGE, 3478);
    f->label.app = EA_APP_STUN;
    f->label.src = EA_SRC_PORT;
    judge(f, EA_V_UNVERIFIED, EA_R_UNCONFIRMED, NULL);
    done(f);
    teardown();
}

static void test_rule_status(void)
{
    CU_ASSERT_FATAL(setup(1) == 0);
    struct ea_flow *f = flow(6, CLIENT, 40001, EDGE, 443);
    tls(f, 0x0303, 0, 0);
    ea_policy_judge(pol, f);
    done(f);
    f = flow(6, NET, 40001, EDGE, 5269);
    f->tcp.open = EA_OPEN_SYN;
    f->tcp.syns = 1;
    f->pkts[1] = 0;
    ea_policy_judge(pol, f);
    done(f);
    ea_policy_finish(pol);
    CU_ASSERT_EQUAL(pol->stat[rule_index("client-sip-443")].status, EA_RS_OBSERVED);
    CU_ASSERT_EQUAL(pol->stat[rule_index("client-sip-443")].allowed, 1);
    CU_ASSERT_EQUAL(pol->stat[rule_index("xmpp-s2s-in")].status, EA_RS_BLOCKED);
    CU_ASSERT_EQUAL(pol->stat[rule_index("pic-stun-in")].status, EA_RS_NOT_OBSERVED);
    CU_ASSERT_TRUE(ea_policy_has_findings(pol));
    CU_ASSERT_EQUAL(pol->verdicts[EA_V_ALLOWED], 1);
    CU_ASSERT_EQUAL(pol->verdicts[EA_V_BLOCKED], 1);
    teardown();
    /* Without addresses every rule is unconfigured, not missing. */
    CU_ASSERT_FATAL(setup(0) == 0);
    ea_policy_finish(pol);
    CU_ASSERT_EQUAL(pol->statuses[EA_RS_UNCONFIGURED], rs->nrules);
    CU_ASSERT_FALSE(ea_policy_has_findings(pol));
    f = flow(6, CLIENT, 40001, EDGE, 443);
    judge(f, EA_V_OUT_OF_SCOPE, EA_R_NOT_AUDITED, NULL);
    done(f);
    teardown();
}

static void test_names(void)
{
    CU_ASSERT_STRING_EQUAL(ea_verdict_name(EA_V_OUT_OF_SCOPE), "out-of-scope");
    CU_ASSERT_STRING_EQUAL(ea_rule_status_name(EA_RS_NOT_OBSERVED), "not-observed");
    CU_ASSERT_STRING_EQUAL(ea_reason_name(EA_R_WRONG_SIDE), "wrong-side");
    CU_ASSERT_STRING_EQUAL(ea_verdict_name(EA_V__COUNT), "?");
    ea_policy_free(NULL);
}

void ea_test_add_policy(void)
{
    EA_SUITE("policy",
             { "SIP over mutual TLS allowed", test_sip_mtls },
             { "security below the rule", test_sip_security },
             { "right port, wrong protocol", test_wrong_protocol },
             { "other rows allowed", test_allowed_others },
             { "no rule, wrong side", test_unexpected_no_rule_and_side },
             { "blocked attempts", test_blocked },
             { "scope and inferred initiator", test_scope_and_inference },
             { "rule status", test_rule_status },
             { "names", test_names });
}
