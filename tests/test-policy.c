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
#include "flow-table.h"   /* ea_flow_turn */
#include "output-flows.h"
#include <inttypes.h>

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

/* An established IPv4 flow c:cp -> s:sp, 10 packets each way, labelled (tests.h). */
struct ea_flow *ea_test_flow(uint8_t proto, const char *c, uint16_t cp, const char *s, uint16_t sp)
{
    struct ea_flow *f = calloc(1, sizeof(*f));
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
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
    f->facts.tls = ea_tls_info_new();
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
    struct ea_flow *f = ea_test_flow(6, EDGE, 40000, PARTNER, 5061);
    tls(f, 0x0303, 1, 1);
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "sipfed-edge-out");
    CU_ASSERT_PTR_NOT_NULL(strstr(f->verdict.text, "taken from port 5061"));
    done(f);
    f = ea_test_flow(6, PARTNER, 40001, EDGE, 5061);
    tls(f, 0x0303, 1, 1);
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "sipfed-partner-in");
    CU_ASSERT_FALSE(has_rule(f, "pic-sip-in"));
    done(f);
    f = ea_test_flow(6, EDGE, 40002, PIC, 5061);
    tls(f, 0x0303, 1, 1);
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "pic-sip-out");
    CU_ASSERT_TRUE(has_rule(f, "sipfed-edge-out"));   /* counts toward every rule it satisfies */
    done(f);
    teardown();
}

static void test_sip_security(void)
{
    CU_ASSERT_FATAL(setup(1) == 0);
    struct ea_flow *f = ea_test_flow(6, PARTNER, 40001, EDGE, 5061);
    tls(f, 0x0303, 0, 0);
    judge(f, EA_V_UNEXPECTED, EA_R_LOW_SECURITY, "sipfed-partner-in");
    CU_ASSERT_PTR_NOT_NULL(strstr(f->verdict.text, "no CertificateRequest"));
    done(f);
    f = ea_test_flow(6, PARTNER, 40001, EDGE, 5061);
    tls(f, 0x0303, 1, 0);   /* asked, answered with an empty Certificate */
    judge(f, EA_V_UNEXPECTED, EA_R_LOW_SECURITY, NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(f->verdict.text, "empty Certificate"));
    done(f);
    f = ea_test_flow(6, PARTNER, 40001, EDGE, 5061);
    tls(f, 0x0304, 1, 0);
    judge(f, EA_V_UNVERIFIED, EA_R_UNCONFIRMED, "sipfed-partner-in");
    CU_ASSERT_PTR_NOT_NULL(strstr(f->verdict.text, "TLS 1.3"));
    done(f);
    f = ea_test_flow(6, PARTNER, 40001, EDGE, 5061);
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
    struct ea_flow *f = ea_test_flow(6, PARTNER, 40001, EDGE, 5061);
    f->facts.banner = calloc(1, sizeof(*f->facts.banner));
    f->facts.banner->kind = EA_BANNER_HTTP;
    f->label.app = EA_APP_HTTP;
    f->label.src = EA_SRC_DISSECTOR;
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_PROTOCOL, "sipfed-partner-in");
    done(f);
    f = ea_test_flow(6, PARTNER, 40001, EDGE, 5061);
    f->facts.sip = calloc(1, sizeof(*f->facts.sip));
    f->facts.sip->request = 1;
    memcpy(f->facts.sip->method, "OPTIONS", 8);
    f->label.app = EA_APP_SIP;
    f->label.src = EA_SRC_DISSECTOR;
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_PROTOCOL, NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(f->verdict.text, "plaintext SIP"));
    done(f);
    f = ea_test_flow(6, CLIENT, 40001, EDGE, 443);
    tls(f, 0x0303, 0, 0);
    f->facts.tls->alpn = strdup("h2,http/1.1");   /* owned by the info */
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_PROTOCOL, "client-sip-443");
    done(f);
    f = ea_test_flow(6, NET, 40001, EDGE, 5269);
    f->facts.xmpp = calloc(1, sizeof(*f->facts.xmpp));
    f->facts.xmpp->stream[0] = f->facts.xmpp->stream[1] = 1;
    f->facts.xmpp->ns_client = 1;
    f->label.app = EA_APP_XMPP_C2S;
    f->label.src = EA_SRC_DISSECTOR;
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_PROTOCOL, "xmpp-s2s-in");
    done(f);
    /* Unidentified plaintext where TLS is required. */
    f = ea_test_flow(6, CLIENT, 40001, EDGE, 443);
    judge(f, EA_V_UNEXPECTED, EA_R_LOW_SECURITY, NULL);
    done(f);
    teardown();
}

static void test_allowed_others(void)
{
    CU_ASSERT_FATAL(setup(1) == 0);
    struct ea_flow *f = ea_test_flow(6, CLIENT, 40001, EDGE, 443);
    tls(f, 0x0303, 0, 0);
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "client-sip-443");
    done(f);
    f = ea_test_flow(6, NET, 40001, EDGE, 5269);
    f->facts.xmpp = calloc(1, sizeof(*f->facts.xmpp));
    f->facts.xmpp->stream[0] = f->facts.xmpp->stream[1] = 1;
    f->facts.xmpp->ns_server = 1;
    f->facts.xmpp->proceed = 1;
    f->label.app = EA_APP_XMPP_S2S;
    f->label.src = EA_SRC_DISSECTOR;
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "xmpp-s2s-in");
    CU_ASSERT_PTR_NOT_NULL(strstr(f->verdict.text, "STARTTLS"));
    done(f);
    f = ea_test_flow(6, EDGE, 40001, NET, 5269);
    f->facts.xmpp = calloc(1, sizeof(*f->facts.xmpp));
    f->facts.xmpp->stream[0] = 1;
    f->facts.xmpp->ns_server = 1;
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "xmpp-s2s-out");
    done(f);
    f = ea_test_flow(6, FRONT, 40001, EDGE_INT, 23456);
    tls(f, 0x0303, 1, 1);
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "xmpp-gw-internal");
    done(f);
    f = ea_test_flow(17, LMC, 40001, EDGE, 3478);
    f->facts.stun = calloc(1, sizeof(*f->facts.stun));
    f->facts.stun->messages[0] = f->facts.stun->messages[1] = 1;
    f->facts.stun->requests[0] = f->facts.stun->responses[1] = 1;
    f->facts.stun->first_method = 1;
    f->label.app = EA_APP_STUN;
    f->label.src = EA_SRC_DISSECTOR;
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "pic-stun-in");
    done(f);
    f = ea_test_flow(6, EDGE, 40001, LMC, 50010);
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
    struct ea_flow *f = ea_test_flow(6, NET, 40001, EDGE, 22);
    f->label.app = EA_APP_SSH;
    f->label.src = EA_SRC_DISSECTOR;
    judge(f, EA_V_UNEXPECTED, EA_R_NO_RULE, NULL);
    CU_ASSERT_EQUAL(f->verdict.rules, 0);
    done(f);
    f = ea_test_flow(6, EDGE, 40001, LMC, 49152);   /* RTP outside 50000-59999 */
    f->facts.rtp = calloc(1, sizeof(*f->facts.rtp));
    f->facts.rtp->is_rtp = 1;
    f->label.app = EA_APP_RTP;
    f->label.src = EA_SRC_DISSECTOR;
    judge(f, EA_V_UNEXPECTED, EA_R_NO_RULE, NULL);
    done(f);
    f = ea_test_flow(6, LMC, 50010, EDGE, 40001);   /* right port range, wrong direction */
    judge(f, EA_V_UNEXPECTED, EA_R_NO_RULE, NULL);
    done(f);
    f = ea_test_flow(6, NET, 40001, EDGE_INT, 23456);
    tls(f, 0x0303, 1, 1);
    judge(f, EA_V_UNEXPECTED, EA_R_WRONG_SIDE, "xmpp-gw-internal");
    CU_ASSERT_PTR_NOT_NULL(strstr(f->verdict.text, "front-end"));
    done(f);
    teardown();
}

static void test_blocked(void)
{
    CU_ASSERT_FATAL(setup(1) == 0);
    struct ea_flow *f = ea_test_flow(6, NET, 40001, EDGE, 5269);
    f->tcp.open = EA_OPEN_SYN;
    f->tcp.syns = 3;
    f->pkts[1] = 0;
    f->payload[0] = f->payload[1] = 0;
    judge(f, EA_V_BLOCKED, EA_R_SYN_UNANSWERED, "xmpp-s2s-in");
    CU_ASSERT_TRUE(f->verdict.blocked_required);
    CU_ASSERT_PTR_NOT_NULL(strstr(f->verdict.text, "2 retransmissions"));
    done(f);
    f = ea_test_flow(6, NET, 40001, EDGE, 5061);
    f->tcp.open = EA_OPEN_SYN_RST;
    f->tcp.syns = 1;
    judge(f, EA_V_BLOCKED, EA_R_SYN_RST, NULL);
    CU_ASSERT_FALSE(f->verdict.blocked_required);   /* no rule lets the internet in on 5061 */
    CU_ASSERT_PTR_NOT_NULL(strstr(f->verdict.text, "firewall did its job"));
    done(f);
    f = ea_test_flow(17, LMC, 40001, EDGE, 3478);
    f->pkts[1] = 0;
    f->facts.stun = calloc(1, sizeof(*f->facts.stun));
    f->facts.stun->messages[0] = f->facts.stun->requests[0] = 2;
    f->facts.stun->first_method = 1;
    judge(f, EA_V_BLOCKED, EA_R_UDP_NO_REPLY, "pic-stun-in");
    CU_ASSERT_TRUE(f->verdict.blocked_required);
    done(f);
    f = ea_test_flow(17, LMC, 40001, EDGE, 3478);
    f->pkts[1] = 0;
    f->icmp.errors = 1;
    f->icmp.type = 3;
    f->icmp.code = 3;
    judge(f, EA_V_BLOCKED, EA_R_ICMP_UNREACHABLE, "pic-stun-in");
    done(f);
    /* One-way RTP is not an unanswered request. */
    f = ea_test_flow(17, EDGE, 40001, LMC, 3478);
    f->pkts[1] = 0;
    judge(f, EA_V_UNVERIFIED, EA_R_UNCONFIRMED, "pic-stun-out");
    done(f);
    teardown();
}

static void test_scope_and_inference(void)
{
    CU_ASSERT_FATAL(setup(1) == 0);
    struct ea_flow *f = ea_test_flow(6, PARTNER, 40001, CLIENT, 5061);
    judge(f, EA_V_OUT_OF_SCOPE, EA_R_NOT_AUDITED, NULL);
    done(f);
    /* Mid-stream, orientation guessed wrong: the policy turns it round to fit. */
    f = ea_test_flow(6, LMC, 50010, EDGE, 41000);
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
    f = ea_test_flow(6, PARTNER, 40001, EDGE, 5061);
    f->payload[0] = f->payload[1] = 0;
    judge(f, EA_V_UNVERIFIED, EA_R_UNCONFIRMED, "sipfed-partner-in");
    CU_ASSERT_PTR_NOT_NULL(strstr(f->verdict.text, "too few packets"));
    done(f);
    /* Only a port guess names it. */
    f = ea_test_flow(17, LMC, 40001, EDGE, 3478);
    f->label.app = EA_APP_STUN;
    f->label.src = EA_SRC_PORT;
    judge(f, EA_V_UNVERIFIED, EA_R_UNCONFIRMED, NULL);
    done(f);
    teardown();
}

static void test_rule_status(void)
{
    CU_ASSERT_FATAL(setup(1) == 0);
    struct ea_flow *f = ea_test_flow(6, CLIENT, 40001, EDGE, 443);
    tls(f, 0x0303, 0, 0);
    ea_policy_judge(pol, f);
    done(f);
    f = ea_test_flow(6, NET, 40001, EDGE, 5269);
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
    f = ea_test_flow(6, CLIENT, 40001, EDGE, 443);
    judge(f, EA_V_OUT_OF_SCOPE, EA_R_NOT_AUDITED, NULL);
    done(f);
    teardown();
}

/* --- the three steps one by one --- */

/* A flow's bytes, and its TLS facts' bytes, before a step that must not touch them. */
struct snapshot {
    struct ea_flow f;
    struct ea_tls_info tls;
    struct ea_policy *pol;
};

static void take(struct snapshot *s, const struct ea_flow *f)
{
    memcpy(&s->f, f, sizeof(*f));
    memset(&s->tls, 0, sizeof(s->tls));
    if (f->facts.tls)
        memcpy(&s->tls, f->facts.tls, sizeof(s->tls));
    s->pol = malloc(sizeof(*pol));
    CU_ASSERT_PTR_NOT_NULL_FATAL(s->pol);
    memcpy(s->pol, pol, sizeof(*pol));
}

/* 1 when neither the flow, its TLS facts nor the policy changed since take. */
static int untouched(struct snapshot *s, const struct ea_flow *f)
{
    int same = !memcmp(&s->f, f, sizeof(*f)) && !memcmp(s->pol, pol, sizeof(*pol)) &&
               (!f->facts.tls || !memcmp(&s->tls, f->facts.tls, sizeof(s->tls)));
    free(s->pol);
    s->pol = NULL;
    return same;
}

static uint64_t bit(const char *id)
{
    int i = rule_index(id);
    CU_ASSERT_FATAL(i >= 0);
    return 1ULL << i;
}

/* The lowest rule of the decision, by id (its words are the verdict's). */
static void decided(const struct ea_decision *d, enum ea_verdict v, enum ea_reason r, int turn)
{
    CU_ASSERT_EQUAL(d->verdict, v);
    CU_ASSERT_EQUAL(d->reason, r);
    CU_ASSERT_EQUAL(d->turn, turn);
    if (d->verdict != v || d->reason != r || d->turn != turn)
        fprintf(stderr, "\n  decided %s/%s turn %u\n", ea_verdict_name(d->verdict),
                ea_reason_name(d->reason), d->turn);
}

static void test_decide_pure(void)
{
    CU_ASSERT_FATAL(setup(1) == 0);
    struct snapshot snap;
    struct ea_flow *f = ea_test_flow(6, PARTNER, 40001, EDGE, 5061);
    tls(f, 0x0303, 1, 1);
    f->verdict.text = strdup("left as it was");
    take(&snap, f);
    struct ea_decision d = ea_policy_decide(pol, f);
    CU_ASSERT_TRUE(untouched(&snap, f));
    decided(&d, EA_V_ALLOWED, EA_R_SATISFIED, 0);
    CU_ASSERT_EQUAL(d.rules, bit("sipfed-partner-in"));
    CU_ASSERT_FALSE(d.blocked_required);
    CU_ASSERT_FALSE(f->verdict.judged);
    CU_ASSERT_STRING_EQUAL(f->verdict.text, "left as it was");
    /* The same flow, the same decision. */
    struct ea_decision again = ea_policy_decide(pol, f);
    CU_ASSERT_EQUAL(again.verdict, d.verdict);
    CU_ASSERT_EQUAL(again.reason, d.reason);
    CU_ASSERT_EQUAL(again.rules, d.rules);
    CU_ASSERT_EQUAL(again.blocked_required, d.blocked_required);
    CU_ASSERT_EQUAL(again.turn, d.turn);
    done(f);

    /* Blocked, with a rule that requires it: decided, not counted. */
    f = ea_test_flow(6, NET, 40001, EDGE, 5269);
    f->tcp.open = EA_OPEN_SYN;
    f->tcp.syns = 2;
    f->pkts[1] = 0;
    take(&snap, f);
    d = ea_policy_decide(pol, f);
    CU_ASSERT_TRUE(untouched(&snap, f));
    decided(&d, EA_V_BLOCKED, EA_R_SYN_UNANSWERED, 0);
    CU_ASSERT_EQUAL(d.rules, bit("xmpp-s2s-in"));
    CU_ASSERT_TRUE(d.blocked_required);
    CU_ASSERT_EQUAL(pol->blocked_required, 0);
    CU_ASSERT_EQUAL(pol->stat[rule_index("xmpp-s2s-in")].blocked, 0);
    done(f);

    /* Wrong side: the rules named are those it would have fit. */
    f = ea_test_flow(6, NET, 40001, EDGE_INT, 23456);
    tls(f, 0x0303, 1, 1);
    take(&snap, f);
    d = ea_policy_decide(pol, f);
    CU_ASSERT_TRUE(untouched(&snap, f));
    decided(&d, EA_V_UNEXPECTED, EA_R_WRONG_SIDE, 0);
    CU_ASSERT_EQUAL(d.rules, bit("xmpp-gw-internal"));
    done(f);
    teardown();
}

/* A guessed orientation that fits no rule: the decision says to turn it, and leaves it be. */
static void test_decide_inferred(void)
{
    CU_ASSERT_FATAL(setup(1) == 0);
    struct snapshot snap;
    struct ea_flow *f = ea_test_flow(6, LMC, 50010, EDGE, 41000);
    f->tcp.open = EA_OPEN_MIDSTREAM;
    f->initiator_inferred = 1;
    f->pkts[0] = 7;
    f->pkts[1] = 3;
    f->facts.rtp = calloc(1, sizeof(*f->facts.rtp));
    f->facts.rtp->is_rtp = f->facts.rtp->rfc4571 = 1;
    f->label.app = EA_APP_RTP;
    f->label.src = EA_SRC_DISSECTOR;
    take(&snap, f);
    struct ea_decision d = ea_policy_decide(pol, f);
    CU_ASSERT_TRUE(untouched(&snap, f));
    decided(&d, EA_V_ALLOWED, EA_R_SATISFIED, 1);
    CU_ASSERT_EQUAL(d.rules, bit("pic-rtp-tcp-out"));
    CU_ASSERT_EQUAL(f->key.dport, 41000);
    CU_ASSERT_EQUAL(f->pkts[0], 7);
    /* Turned by its caller, it fits as it is: the same verdict, nothing more to turn. */
    ea_flow_turn(f);
    struct ea_decision then = ea_policy_decide(pol, f);
    decided(&then, EA_V_ALLOWED, EA_R_SATISFIED, 0);
    CU_ASSERT_EQUAL(then.rules, d.rules);
    char words[EA_REASON_TEXT_MAX];
    ea_policy_explain(rs, &d, f, words, sizeof(words));
    CU_ASSERT_STRING_EQUAL(words, "RTP with RFC 4571 framing; initiator inferred: the "
                                  "connection's opening was not captured");
    done(f);

    /* Known, not guessed: never turned, whatever fits the other way. */
    f = ea_test_flow(6, LMC, 50010, EDGE, 41000);
    d = ea_policy_decide(pol, f);
    decided(&d, EA_V_UNEXPECTED, EA_R_NO_RULE, 0);
    CU_ASSERT_EQUAL(d.rules, 0);
    done(f);

    /* The XMPP side is told by the responder's port (RFC 6120 14.7): the port of the flow
       as decided, not as keyed. */
    f = ea_test_flow(6, EDGE, 5269, NET, 40001);
    f->tcp.open = EA_OPEN_MIDSTREAM;
    f->initiator_inferred = 1;
    f->facts.xmpp = calloc(1, sizeof(*f->facts.xmpp));
    f->facts.xmpp->midstream = 1;
    take(&snap, f);
    d = ea_policy_decide(pol, f);
    CU_ASSERT_TRUE(untouched(&snap, f));
    decided(&d, EA_V_ALLOWED, EA_R_SATISFIED, 1);
    CU_ASSERT_EQUAL(d.rules, bit("xmpp-s2s-in"));
    judge(f, EA_V_ALLOWED, EA_R_SATISFIED, "xmpp-s2s-in");
    CU_ASSERT_EQUAL(f->key.dport, 5269);
    CU_ASSERT_STRING_EQUAL(f->verdict.text, "XMPP server-to-server joined mid-stream (by the port only: "
                                           "no stream header); initiator inferred: the connection's "
                                           "opening was not captured");
    done(f);

    /* A UDP request seen only from its responder's side of the key: once turned round,
       nothing came back, so the packet counts are read the way the decision holds the flow. */
    f = ea_test_flow(17, EDGE, 3478, LMC, 40001);
    f->initiator_inferred = 1;
    f->pkts[0] = 0;
    f->pkts[1] = 2;
    f->facts.stun = calloc(1, sizeof(*f->facts.stun));
    f->facts.stun->messages[0] = f->facts.stun->requests[0] = 2;
    f->facts.stun->first_method = 1;
    take(&snap, f);
    d = ea_policy_decide(pol, f);
    CU_ASSERT_TRUE(untouched(&snap, f));
    decided(&d, EA_V_BLOCKED, EA_R_UDP_NO_REPLY, 1);
    CU_ASSERT_EQUAL(d.rules, bit("pic-stun-in"));
    CU_ASSERT_TRUE(d.blocked_required);
    /* ea_policy_judge composes the steps: it turns the flow and agrees with the decision. */
    judge(f, EA_V_BLOCKED, EA_R_UDP_NO_REPLY, "pic-stun-in");
    CU_ASSERT_EQUAL(f->key.dport, 3478);
    CU_ASSERT_EQUAL(f->pkts[1], 0);
    CU_ASSERT_STRING_EQUAL(f->verdict.text, "2 STUN binding requests with no reply; a required row "
                                           "was blocked (pic-stun-in)");
    done(f);
    teardown();
}

static void test_account(void)
{
    CU_ASSERT_FATAL(setup(1) == 0);
    int sip = rule_index("sipfed-partner-in"), x = rule_index("xmpp-s2s-in"),
        gw = rule_index("xmpp-gw-internal");
    struct ea_flow *f = ea_test_flow(6, PARTNER, 40001, EDGE, 5061);
    f->id = 7;
    f->bytes[0] = 300;
    f->bytes[1] = 200;
    struct ea_decision d = { EA_V_ALLOWED, EA_R_SATISFIED, 1ULL << sip, 0, 0 };
    ea_policy_account(pol, &d, f);
    const struct ea_rule_stat *s = &pol->stat[sip];
    CU_ASSERT_EQUAL(s->allowed, 1);
    CU_ASSERT_EQUAL(s->bytes, 500);
    CU_ASSERT_EQUAL(s->first_ns, f->first_ns);
    CU_ASSERT_EQUAL(s->last_ns, f->last_ns);
    CU_ASSERT_EQUAL(s->nevidence, 1);
    CU_ASSERT_EQUAL(s->evidence[0], 7);
    CU_ASSERT_EQUAL(pol->verdicts[EA_V_ALLOWED], 1);
    CU_ASSERT_FALSE(f->verdict.judged);   /* counts only: the flow is not written */

    /* Unverified counts its use too; the times widen. */
    f->id = 8;
    f->first_ns = 500;
    f->last_ns = 3000000000ULL;
    d.verdict = EA_V_UNVERIFIED;
    d.reason = EA_R_UNCONFIRMED;
    ea_policy_account(pol, &d, f);
    CU_ASSERT_EQUAL(s->unverified, 1);
    CU_ASSERT_EQUAL(s->bytes, 1000);
    CU_ASSERT_EQUAL(s->first_ns, 500);
    CU_ASSERT_EQUAL(s->last_ns, 3000000000ULL);
    CU_ASSERT_EQUAL(s->nevidence, 2);

    /* Blocked and required: the rule's blocked count, its evidence, the run's finding. */
    struct ea_decision b = { EA_V_BLOCKED, EA_R_SYN_UNANSWERED, (1ULL << x) | (1ULL << sip), 1, 0 };
    ea_policy_account(pol, &b, f);
    CU_ASSERT_EQUAL(pol->stat[x].blocked, 1);
    CU_ASSERT_EQUAL(pol->stat[x].nevidence, 1);
    CU_ASSERT_EQUAL(pol->stat[x].bytes, 0);
    CU_ASSERT_EQUAL(s->blocked, 1);
    CU_ASSERT_EQUAL(pol->blocked_required, 1);
    /* Blocked with no rule: only the verdict. */
    struct ea_decision nb = { EA_V_BLOCKED, EA_R_SYN_RST, 0, 0, 0 };
    ea_policy_account(pol, &nb, f);
    CU_ASSERT_EQUAL(pol->blocked_required, 1);
    CU_ASSERT_EQUAL(pol->verdicts[EA_V_BLOCKED], 2);

    /* Unexpected on rules that fit: violations. On a wrong side: named, never counted. */
    struct ea_decision u = { EA_V_UNEXPECTED, EA_R_LOW_SECURITY, 1ULL << x, 0, 0 };
    ea_policy_account(pol, &u, f);
    CU_ASSERT_EQUAL(pol->stat[x].violations, 1);
    CU_ASSERT_EQUAL(pol->stat[x].nevidence, 1);
    struct ea_decision side = { EA_V_UNEXPECTED, EA_R_WRONG_SIDE, 1ULL << gw, 0, 0 };
    ea_policy_account(pol, &side, f);
    CU_ASSERT_EQUAL(pol->stat[gw].violations, 0);
    CU_ASSERT_EQUAL(pol->verdicts[EA_V_UNEXPECTED], 2);

    /* Evidence is bounded; the counts stay exact. A finished policy is no longer so. */
    ea_policy_finish(pol);
    d.verdict = EA_V_ALLOWED;
    d.reason = EA_R_SATISFIED;
    for (int i = 0; i < EA_EVIDENCE_MAX + 10; i++)
        ea_policy_account(pol, &d, f);
    CU_ASSERT_FALSE(pol->finished);
    CU_ASSERT_EQUAL(s->allowed, 1 + EA_EVIDENCE_MAX + 10);
    CU_ASSERT_EQUAL(s->nevidence, EA_EVIDENCE_MAX);
    CU_ASSERT_EQUAL(pol->verdicts[EA_V_ALLOWED], 1 + EA_EVIDENCE_MAX + 10);
    done(f);
    teardown();
}

/* Decides, then explains a flow (oriented as decided); the words into buf. */
static struct ea_decision words_of(struct ea_flow *f, char *buf, size_t n)
{
    struct ea_decision d = ea_policy_decide(pol, f);
    CU_ASSERT_EQUAL(d.turn, 0);
    struct snapshot snap;
    take(&snap, f);
    ea_policy_explain(rs, &d, f, buf, n);
    CU_ASSERT_TRUE(untouched(&snap, f));
    return d;
}

static void test_explain(void)
{
    CU_ASSERT_FATAL(setup(1) == 0);
    char w[EA_REASON_TEXT_MAX];
    struct ea_flow *f = ea_test_flow(6, PARTNER, 40001, EDGE, 5061);
    tls(f, 0x0303, 1, 1);
    words_of(f, w, sizeof(w));
    CU_ASSERT_STRING_EQUAL(w, "mutual TLS 1.2: CertificateRequest and a client certificate seen; "
                              "SIP is taken from port 5061 because the payload is encrypted");
    done(f);
    f = ea_test_flow(6, PARTNER, 40001, EDGE, 5061);
    tls(f, 0x0303, 0, 0);
    f->facts.tls->resumed = 1;
    f->facts.tls->server_hello_done = 0;
    words_of(f, w, sizeof(w));
    CU_ASSERT_STRING_EQUAL(w, "addresses and port fit, but TLS 1.2; a resumed TLS session exchanges "
                              "no certificates, so mutual TLS cannot be seen");
    done(f);
    f = ea_test_flow(6, NET, 40001, EDGE, 5269);
    f->tcp.open = EA_OPEN_SYN;
    f->tcp.syns = 3;
    f->pkts[1] = 0;
    words_of(f, w, sizeof(w));
    CU_ASSERT_STRING_EQUAL(w, "3 SYNs with no SYN-ACK (2 retransmissions); a required row was "
                              "blocked (xmpp-s2s-in)");
    done(f);
    f = ea_test_flow(6, NET, 40001, EDGE, 5061);
    f->tcp.open = EA_OPEN_SYN_RST;
    f->tcp.syns = 1;
    words_of(f, w, sizeof(w));
    CU_ASSERT_STRING_EQUAL(w, "SYN answered by RST (1 SYN); no rule allows it, so the firewall did its job");
    done(f);
    f = ea_test_flow(6, NET, 40001, EDGE_INT, 23456);
    f->tcp.open = EA_OPEN_MIDSTREAM;
    f->initiator_inferred = 1;
    words_of(f, w, sizeof(w));
    CU_ASSERT_STRING_EQUAL(w, "the wrong side: only front-end may reach edge-internal on 23456/tcp, "
                              "and 203.0.113.99 is not front-end; initiator inferred: the "
                              "connection's opening was not captured");
    done(f);
    f = ea_test_flow(17, NET, 40001, EDGE, 53);
    words_of(f, w, sizeof(w));
    CU_ASSERT_STRING_EQUAL(w, "no rule for this port or direction (UDP 53)");
    done(f);
    f = ea_test_flow(47, NET, 0, EDGE, 0);
    words_of(f, w, sizeof(w));
    CU_ASSERT_STRING_EQUAL(w, "no rule for this port or direction (IP protocol 47)");
    done(f);
    f = ea_test_flow(6, PARTNER, 40001, CLIENT, 5061);
    words_of(f, w, sizeof(w));
    CU_ASSERT_STRING_EQUAL(w, "touches no audited host");
    /* A short buffer: cut, always terminated. */
    char tiny[8];
    memset(tiny, 'x', sizeof(tiny));
    struct ea_decision d = ea_policy_decide(pol, f);
    ea_policy_explain(rs, &d, f, tiny, sizeof(tiny));
    CU_ASSERT_STRING_EQUAL(tiny, "touches");
    done(f);
    teardown();
}

/* A finding's one-line brief (console and alerts) is the printf text it always was, cut as snprintf cuts. */
static void test_brief(void)
{
    CU_ASSERT_FATAL(setup(1) == 0);
    struct ea_flow *f = ea_test_flow(6, NET, 40001, EDGE, 5061);
    f->id = 18446744073709551615ULL;
    f->tcp.open = EA_OPEN_SYN_RST;
    f->tcp.syns = 1;
    CU_ASSERT_EQUAL(ea_policy_judge(pol, f), 0);
    char want[1400], got[1400], full[1400];
    snprintf(full, sizeof(full), "%s flow %" PRIu64 " %s:%u -> %s:%u: %s", ea_verdict_name(f->verdict.v), f->id,
             NET, 40001u, EDGE, 5061u, f->verdict.text);
    for (size_t n = 1; n < strlen(full) + 3; n++) {
        memset(want, 'x', sizeof(want));
        memset(got, 'x', sizeof(got));
        snprintf(want, n, "%s", full);
        ea_output_flow_brief(f, got, n);
        CU_ASSERT_EQUAL(memcmp(want, got, sizeof(want)), 0);
    }
    char ep[80];
    static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 };
    CU_ASSERT_STRING_EQUAL(ea_endpoint_str(6, v6, 443, ep, sizeof(ep)), "[2001:db8::1]:443");
    CU_ASSERT_STRING_EQUAL(ea_endpoint_str(6, v6, 0, ep, 12), "[2001:db8::");
    CU_ASSERT_STRING_EQUAL(ea_endpoint_str(4, f->key.src, 65535, ep, sizeof(ep)), NET ":65535");
    done(f);
    teardown();
}

/* The words no capture regression shows, byte for byte (built piece by piece, not by printf). */
static void test_explain_rare(void)
{
    CU_ASSERT_FATAL(setup(1) == 0);
    char w[EA_REASON_TEXT_MAX];
    struct ea_flow *f = ea_test_flow(17, LMC, 40001, EDGE, 3478);
    f->pkts[1] = 0;
    f->icmp.errors = 1;
    f->icmp.type = 3;
    f->icmp.code = 3;
    f->icmp.frame = 12345678901234ULL;
    words_of(f, w, sizeof(w));
    CU_ASSERT_STRING_EQUAL(w, "answered only by ICMP type 3 code 3 (frame 12345678901234); a required row "
                              "was blocked (pic-stun-in)");
    done(f);
    f = ea_test_flow(6, NET, 40001, EDGE, 5269);
    f->tcp.open = EA_OPEN_SYN;
    f->tcp.syns = 1;
    f->pkts[1] = 0;
    f->icmp.errors = 1;
    f->icmp.type = 3;
    f->icmp.code = 13;
    f->icmp.frame = 7;
    words_of(f, w, sizeof(w));
    CU_ASSERT_STRING_EQUAL(w, "SYN answered by ICMP type 3 code 13 (frame 7); a required row was "
                              "blocked (xmpp-s2s-in)");
    done(f);
    f = ea_test_flow(6, NET, 40001, EDGE, 5269);
    f->tcp.open = EA_OPEN_SYN;
    f->tcp.syns = 2;
    f->pkts[1] = 0;
    words_of(f, w, sizeof(w));
    CU_ASSERT_STRING_EQUAL(w, "2 SYNs with no SYN-ACK (1 retransmission); a required row was "
                              "blocked (xmpp-s2s-in)");
    done(f);
    f = ea_test_flow(17, LMC, 40001, EDGE, 3478);
    f->pkts[1] = 0;
    f->facts.stun = calloc(1, sizeof(*f->facts.stun));
    f->facts.stun->messages[0] = f->facts.stun->requests[0] = 1;
    f->facts.stun->first_method = 1;
    words_of(f, w, sizeof(w));
    CU_ASSERT_STRING_EQUAL(w, "1 STUN binding request with no reply; a required row was blocked (pic-stun-in)");
    /* cut at every size as snprintf cuts: the first n - 1 bytes, then NUL */
    char full[EA_REASON_TEXT_MAX];
    snprintf(full, sizeof(full), "%s", w);
    for (size_t n = 1; n < strlen(full) + 2; n++) {
        char cut[128];
        memset(cut, 'x', sizeof(cut));
        struct ea_decision d = ea_policy_decide(pol, f);
        ea_policy_explain(rs, &d, f, cut, n);
        CU_ASSERT_EQUAL(strlen(cut), n - 1 < strlen(full) ? n - 1 : strlen(full));
        CU_ASSERT_EQUAL(strncmp(cut, full, n - 1), 0);
    }
    done(f);
    teardown();
}

/* Recording writes the decision and its words into the flow, replacing the old words. */
static void test_record(void)
{
    CU_ASSERT_FATAL(setup(1) == 0);
    struct ea_flow *f = ea_test_flow(6, NET, 40001, EDGE, 5269);
    f->tcp.open = EA_OPEN_SYN;
    f->tcp.syns = 1;
    f->pkts[1] = 0;
    f->verdict.text = strdup("provisional");
    struct ea_decision d = ea_policy_decide(pol, f);
    CU_ASSERT_EQUAL(ea_policy_record(rs, &d, f), 0);
    CU_ASSERT_TRUE(f->verdict.judged);
    CU_ASSERT_EQUAL(f->verdict.v, EA_V_BLOCKED);
    CU_ASSERT_EQUAL(f->verdict.reason, EA_R_SYN_UNANSWERED);
    CU_ASSERT_EQUAL(f->verdict.rules, bit("xmpp-s2s-in"));
    CU_ASSERT_TRUE(f->verdict.blocked_required);
    CU_ASSERT_STRING_EQUAL(f->verdict.text, "1 SYN with no SYN-ACK (0 retransmissions); a required "
                                           "row was blocked (xmpp-s2s-in)");
    CU_ASSERT_EQUAL(pol->verdicts[EA_V_BLOCKED], 0);   /* recorded, not counted */
    CU_ASSERT_EQUAL(pol->blocked_required, 0);
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
             { "decide is pure", test_decide_pure },
             { "decide: an inferred initiator turned round", test_decide_inferred },
             { "account counts", test_account },
             { "explain gives the words", test_explain },
             { "explain: rare words exactly", test_explain_rare },
             { "a finding's brief line", test_brief },
             { "record writes the flow", test_record },
             { "names", test_names });
}
