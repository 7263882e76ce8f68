/* policy.c: holds every flow against the matrix: one verdict per flow, one status per rule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy.h"
#include "flow-table.h"
#include "util-addr.h"
#include "util-str.h"
#include "dissect-banner.h"
#include "dissect-rtp.h"
#include "dissect-sip.h"
#include "dissect-stun.h"
#include "dissect-tls.h"
#include "dissect-xmpp.h"


const char *ea_verdict_name(enum ea_verdict v)
{
    static const char *const n[EA_V__COUNT] = {
        "allowed", "unverified", "unexpected", "blocked", "out-of-scope",
    };
    return (unsigned)v < EA_V__COUNT ? n[v] : "?";
}

const char *ea_reason_name(enum ea_reason r)
{
    static const char *const n[EA_R__COUNT] = {
        "satisfied", "unconfirmed", "no-rule", "wrong-protocol", "low-security", "wrong-side",
        "syn-unanswered", "syn-rst", "icmp-unreachable", "udp-no-reply", "not-audited",
    };
    return (unsigned)r < EA_R__COUNT ? n[r] : "?";
}

const char *ea_rule_status_name(enum ea_rule_status s)
{
    static const char *const n[EA_RS__COUNT] = {
        "observed", "blocked", "not-observed", "unconfigured",
    };
    return (unsigned)s < EA_RS__COUNT ? n[s] : "?";
}

struct ea_policy *ea_policy_new(const struct ea_ruleset *rs)
{
    struct ea_policy *pol = calloc(1, sizeof(*pol));
    if (!pol)
        return NULL;
    pol->rs = rs;
    for (size_t i = 0; i < rs->nroles; i++)
        if (rs->roles[i].audited)
            pol->audited |= 1u << i;
    return pol;
}

void ea_policy_free(struct ea_policy *pol)
{
    free(pol);
}

/*
 * The pieces (a NULL ends them) into buf, n bytes, as one snprintf of their
 * concatenation writes it (util-str.h's builder: no printf per flow).
 */
static void text_parts(char *buf, size_t n, const char *const *parts)
{
    struct ea_sb b;
    ea_sb_init(&b, buf, n);
    for (; *parts; parts++)
        ea_sb_str(&b, *parts);
}

/* Decimal text of v into buf (24 bytes), for a piece; returns buf. */
static const char *num(char *buf, uint64_t v)
{
    struct ea_sb b;
    ea_sb_init(&b, buf, 24);
    ea_sb_u64(&b, v);
    return buf;
}

/* "%u" / "%llu" of v as a piece: the text lives until the end of the enclosing block. */
#define NUM(v) num((char[24]){ 0 }, (uint64_t)(v))
/* The pieces into buf (n bytes). */
#define TEXT(buf, n, ...) text_parts((buf), (n), (const char *const[]){ __VA_ARGS__, NULL })
/*
 * The words of a reason, when they are wanted: the rule checks below serve
 * both ea_policy_decide (why is NULL: the reason alone; the pieces are not
 * even made) and ea_policy_explain (the words too), so the two can never
 * disagree.
 */
#define SAY(why, n, ...) \
    do { \
        if (why) \
            TEXT((why), (n), __VA_ARGS__); \
    } while (0)

static int tls_seen(const struct ea_flow *f)
{
    return ea_tls_matched(f->facts.tls);
}

/* A label we may trust: reached by a dissector or by nDPI's inspection, not by a port guess. */
static int identified(const struct ea_flow *f)
{
    return f->label.app != EA_APP_UNKNOWN && f->label.src != EA_SRC_PORT && f->label.src != EA_SRC_NONE;
}

static int has_payload(const struct ea_flow *f)
{
    return f->payload[0] + f->payload[1] > 0;
}

/* "TLS 1.2", "TLS 1.3", ... */
static const char *tls_version_name(uint16_t v)
{
    switch (v) {
    case 0x0300: return "SSL 3.0";
    case 0x0301: return "TLS 1.0";
    case 0x0302: return "TLS 1.1";
    case 0x0303: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
    default: return "TLS";
    }
}

/* Why mutual TLS cannot be seen on this flow. */
static const char *mtls_unverifiable_why(const struct ea_tls_info *t)
{
    if (t->version == 0x0304)
        return ea_tls_mtls_why(t);   /* the TLS 1.3 shape's reason */
    if (t->resumed)
        return "a resumed TLS session exchanges no certificates, so mutual TLS cannot be seen";
    if (!t->server_hello)
        return "the server's side of the TLS handshake was not captured";
    return "the TLS handshake was not captured completely";
}

/* Why the client certificate is missing. */
static const char *mtls_no_why(const struct ea_tls_info *t)
{
    if (ea_tls_mtls_evidence(t) == EA_MTLS_EV_INFERRED)
        return ea_tls_mtls_why(t);
    if (!t->cert_request)
        return "the server sent no CertificateRequest";
    if (t->client_cert && !t->client_cert_nonempty)
        return "the client answered the CertificateRequest with an empty Certificate";
    return "the client sent no Certificate";
}

/* The TLS part of a rule check: mutual TLS where the rule says so. */
static enum ea_reason check_tls(const struct ea_rule *r, const struct ea_flow *f,
                                const char *what, char *why, size_t n)
{
    const struct ea_tls_info *t = f->facts.tls;
    const char *ver = tls_version_name(t->version ? t->version : t->client_version);
    if (t->midstream) {   /* issue 15: records both ways confirm TLS, not the handshake */
        SAY(why, n, "TLS records both ways, joined mid-stream: the handshake was not captured",
            r->sec == EA_SEC_MTLS ? ", so mutual TLS cannot be seen" : "", "; ", what);
        return r->sec == EA_SEC_MTLS ? EA_R_UNCONFIRMED : EA_R_SATISFIED;
    }
    if (!t->server_hello && !t->resumed) {
        SAY(why, n, "only the client's side of the TLS handshake was seen");
        return EA_R_UNCONFIRMED;
    }
    if (r->sec != EA_SEC_MTLS) {
        SAY(why, n, ver, " handshake seen; ", what);
        return EA_R_SATISFIED;
    }
    switch (ea_tls_mtls(t)) {
    case EA_MTLS_YES:
        if (ea_tls_mtls_evidence(t) == EA_MTLS_EV_INFERRED) {
            /* --mtls-evidence: may an answer inferred from the TLS 1.3 shape make it allowed? */
            SAY(why, n, "mutual ", ver, " inferred: ", ea_tls_mtls_why(t),
                r->mtls_seen_only ? ", but --mtls-evidence seen accepts only a certificate seen in clear" : "",
                "; ", what);
            return r->mtls_seen_only ? EA_R_UNCONFIRMED : EA_R_SATISFIED;
        }
        SAY(why, n, "mutual ", ver, ": CertificateRequest and a client certificate seen; ", what);
        return EA_R_SATISFIED;
    case EA_MTLS_NO:
        SAY(why, n, ver, " without a client certificate where mutual TLS is required: ", mtls_no_why(t));
        return EA_R_LOW_SECURITY;
    default:
        SAY(why, n, ver, "; ", mtls_unverifiable_why(t));
        return EA_R_UNCONFIRMED;
    }
}

/* What is left when nothing identified the payload. */
static enum ea_reason check_unknown(const struct ea_rule *r, const struct ea_flow *f,
                                    char *why, size_t n)
{
    if (f->label.app != EA_APP_UNKNOWN && f->label.src == EA_SRC_PORT) {
        SAY(why, n, "only a port guess (", ea_app_name(f->label.app), ") names the application");
        return EA_R_UNCONFIRMED;
    }
    if (!has_payload(f)) {
        SAY(why, n, "too few packets: no payload to identify the application");
        return EA_R_UNCONFIRMED;
    }
    if (f->tcp.open == EA_OPEN_MIDSTREAM) {
        SAY(why, n, "joined mid-stream: the start of the connection, where ",
            r->sec == EA_SEC_NONE ? "the protocol" : "the TLS handshake", " shows, was not captured");
        return EA_R_UNCONFIRMED;
    }
    if (r->sec != EA_SEC_NONE && f->key.proto == IPPROTO_TCP) {
        SAY(why, n, "plaintext where ", r->sec == EA_SEC_MTLS ? "mutual TLS" : "TLS",
            " is required: the connection does not open with a TLS handshake");
        return EA_R_LOW_SECURITY;
    }
    SAY(why, n, "the payload could not be identified as ", ea_rule_proto_name(r->proto));
    return EA_R_UNCONFIRMED;
}

static enum ea_reason wrong_protocol(const struct ea_rule *r, const char *label, char *why, size_t n)
{
    SAY(why, n, label, " where the rule requires ", ea_rule_proto_name(r->proto),
        r->sec == EA_SEC_MTLS ? " over mutual TLS" : r->sec == EA_SEC_TLS ? " over TLS" : "");
    return EA_R_WRONG_PROTOCOL;
}

/* 1 when the client's ALPN offer names only HTTP (RFC 7301): HTTPS, not SIP. */
static int alpn_is_http(const struct ea_tls_info *t)
{
    if (!t->alpn[0] || strstr(t->alpn, "sip"))
        return 0;
    return strstr(t->alpn, "h2") || strstr(t->alpn, "http/");
}

/* A label named by the application, for wrong_protocol (64 bytes, as the words always had). */
static const char *app_label(const struct ea_flow *f, char *lbl, size_t n)
{
    ea_str_copy(lbl, n, f->label.app == EA_APP_NDPI ? "a protocol nDPI identifies" : ea_app_name(f->label.app));
    return lbl;
}

/* The application is taken from the port: "SIP is taken from port 5061 because ...". */
static const char *from_port(const char *proto, uint16_t dport, char *what, size_t n)
{
    TEXT(what, n, proto, " is taken from port ", NUM(dport), " because the payload is encrypted");
    return what;
}

static enum ea_reason check_sip(const struct ea_rule *r, const struct ea_flow *f, uint16_t dport,
                                char *why, size_t n)
{
    char lbl[96] = "";
    if (tls_seen(f)) {
        if (alpn_is_http(f->facts.tls)) {
            if (why)
                TEXT(lbl, sizeof(lbl), "HTTPS (TLS with ALPN \"", f->facts.tls->alpn, "\")");
            return wrong_protocol(r, lbl, why, n);
        }
        return check_tls(r, f, why ? from_port("SIP", dport, lbl, sizeof(lbl)) : "", why, n);
    }
    if (ea_sip_matched(f->facts.sip)) {
        if (r->sec == EA_SEC_NONE) {
            SAY(why, n, "SIP ", f->facts.sip->request ? f->facts.sip->method : "response", " seen");
            return EA_R_SATISFIED;
        }
        return wrong_protocol(r, "plaintext SIP", why, n);
    }
    if (identified(f))
        return wrong_protocol(r, why ? app_label(f, lbl, 64) : "", why, n);
    return check_unknown(r, f, why, n);
}

/* How an XMPP stream showed its side: "stream (jabber:server)", "joined mid-stream (by the port only: ...)". */
static const char *xmpp_kind(const struct ea_xmpp_info *x, enum ea_xmpp_evidence ev, char *kind, size_t n)
{
    TEXT(kind, n, x->midstream ? "joined mid-stream" : "stream", " (",
         ev == EA_XMPP_EV_NAMESPACE ? (x->ns_server ? "jabber:server" : "jabber:client")
         : ev == EA_XMPP_EV_DIALBACK ? "dialback" : "by the port only",
         ev == EA_XMPP_EV_PORT && x->midstream ? ": no stream header" : "", ")");
    return kind;
}

/* An XMPP stream whose side is known (RFC 6120 14.7): server-to-server, or a client's. */
static enum ea_reason check_xmpp_side(const struct ea_rule *r, const struct ea_flow *f,
                                      enum ea_xmpp_side side, enum ea_xmpp_evidence ev,
                                      char *why, size_t n)
{
    const struct ea_xmpp_info *x = f->facts.xmpp;
    char kind[96] = "";
    if (why)
        xmpp_kind(x, ev, kind, sizeof(kind));
    if (side == EA_XMPP_SIDE_C2S) {
        char lbl[128] = "";
        if (why)
            TEXT(lbl, sizeof(lbl), "an XMPP client ", kind);
        return wrong_protocol(r, lbl, why, n);
    }
    if (r->sec == EA_SEC_NONE) {
        SAY(why, n, "XMPP server-to-server ", kind, x->proceed ? ", upgraded with STARTTLS" : "");
        return EA_R_SATISFIED;
    }
    if (!tls_seen(f)) {
        SAY(why, n, "XMPP without TLS where ", r->sec == EA_SEC_MTLS ? "mutual TLS" : "TLS", " is required");
        return EA_R_LOW_SECURITY;
    }
    return check_tls(r, f, "XMPP stream header (jabber:server) seen before STARTTLS", why, n);
}

static enum ea_reason check_xmpp(const struct ea_rule *r, const struct ea_flow *f, uint16_t dport,
                                 char *why, size_t n)
{
    const struct ea_xmpp_info *x = f->facts.xmpp;
    enum ea_xmpp_evidence ev = EA_XMPP_EV_NONE;
    enum ea_xmpp_side side = ea_xmpp_seen(x) ? ea_xmpp_side(x, dport, &ev) : EA_XMPP_SIDE_UNKNOWN;
    if (side != EA_XMPP_SIDE_UNKNOWN)
        return check_xmpp_side(r, f, side, ev, why, n);
    if (tls_seen(f)) {
        if (r->sec == EA_SEC_NONE) {
            SAY(why, n, "TLS from the first byte: the XMPP stream header is encrypted");
            return EA_R_UNCONFIRMED;
        }
        char what[96] = "";
        return check_tls(r, f, why ? from_port("XMPP", dport, what, sizeof(what)) : "", why, n);
    }
    if (identified(f))
        return wrong_protocol(r, ea_app_name(f->label.app), why, n);
    return check_unknown(r, f, why, n);
}

static enum ea_reason check_stun(const struct ea_rule *r, const struct ea_flow *f, char *why, size_t n)
{
    const struct ea_stun_info *s = f->facts.stun;
    if (ea_stun_matched(s)) {
        const struct ea_rtp_info *m = f->facts.rtp;
        SAY(why, n, (s->msturn || s->ms_attrs) ? "MS-TURN" : "STUN", " ", ea_stun_method_name(s->first_method),
            ": ", NUM(s->requests[0] + s->requests[1]), " request(s), ",
            NUM(s->responses[0] + s->responses[1]), " response(s)",
            m && m->turn_channel ? "; then media inside TURN ChannelData on the same 5-tuple" :
            m && m->is_rtp ? "; then RTP media on the same 5-tuple" :
            m && m->is_rtcp ? "; then RTCP on the same 5-tuple" : "");
        return EA_R_SATISFIED;
    }
    if (identified(f))
        return wrong_protocol(r, ea_app_name(f->label.app), why, n);
    return check_unknown(r, f, why, n);
}

static enum ea_reason check_rtp(const struct ea_rule *r, const struct ea_flow *f, char *why, size_t n)
{
    const struct ea_rtp_info *p = f->facts.rtp;
    int framed = f->key.proto == IPPROTO_TCP;
    if (ea_rtp_matched(p)) {
        char ice[80] = "";
        if (why && ea_stun_matched(f->facts.stun))
            TEXT(ice, sizeof(ice), " after ", NUM(f->facts.stun->messages[0] + f->facts.stun->messages[1]),
                 " STUN message(s) on the same 5-tuple (ICE)");
        SAY(why, n, p->is_rtp ? "RTP" : "RTCP",
            framed ? " with RFC 4571 framing" : p->turn_channel ? " inside TURN ChannelData" : "", ice);
        return EA_R_SATISFIED;
    }
    if ((p && p->stun_in_4571) || ea_stun_matched(f->facts.stun)) {
        SAY(why, n, "STUN connectivity checks", framed ? " (RFC 4571 framing)" : "");
        return EA_R_SATISFIED;
    }
    if (identified(f))
        return wrong_protocol(r, ea_app_name(f->label.app), why, n);
    return check_unknown(r, f, why, n);
}

/*
 * Issue 14's protocols: psom, http, dns, tls, and the three services of TCP 443.
 * why may be NULL with n 0 (nothing is written then).
 */

/* What a rule's protocol must be, in words: "sip over TLS", "psom over mutual TLS". */
static void rule_words(const struct ea_rule *r, char *buf, size_t n)
{
    TEXT(buf, n, ea_rule_proto_name(r->proto),
         r->sec == EA_SEC_MTLS ? " over mutual TLS" : r->sec == EA_SEC_TLS ? " over TLS" : "");
}

/* The wrong kind of flow for the row: "<kind> where the rule requires sip over TLS". */
static enum ea_reason wrong_kind(const struct ea_rule *r, const char *kind, char *why, size_t n)
{
    char want[64];
    if (why) {
        rule_words(r, want, sizeof(want));
        TEXT(why, n, kind, " where the rule requires ", want);
    }
    return EA_R_WRONG_PROTOCOL;
}

/*
 * Evidence of a real TLS handshake, which the pseudo-TLS start of TURN over
 * TCP ([MS-TURN] 3.1.5.1, [MS-ICE2] TCP candidates) never shows: that start
 * is a ClientHello answered by ServerHello (and ServerHelloDone), with no
 * Certificate, no ChangeCipherSpec and no encrypted records.
 */
static int tls_real(const struct ea_tls_info *t)
{
    return t->server_cert || t->ccs[0] || t->ccs[1] || t->app_data || t->resumed ||
           t->midstream || t->version == 0x0304;
}

/* 1 when the handshake is over and was the pseudo-TLS start: ServerHelloDone, or non-TLS bytes, after it. */
static int tls_pseudo(const struct ea_tls_info *t)
{
    return ea_tls_pseudo_start(t) && (t->server_hello_done || t->malformed);
}

/* The kinds TCP 443 carries to the Edge, as the bytes show them. */
enum kind443 { K_NONE = 0, K_TURN, K_PSEUDO, K_TLS, K_TLS_OPEN, K_HTTPS, K_HTTP, K_SIP };

static enum kind443 kind_443(const struct ea_flow *f)
{
    const struct ea_tls_info *t = f->facts.tls;
    if (ea_stun_matched(f->facts.stun))
        return K_TURN;
    if (tls_seen(f)) {
        if (tls_pseudo(t))
            return K_PSEUDO;
        if (!tls_real(t))
            return K_TLS_OPEN;   /* a ClientHello alone: real TLS and pseudo-TLS look alike */
        return alpn_is_http(t) ? K_HTTPS : K_TLS;
    }
    if (ea_sip_matched(f->facts.sip))
        return K_SIP;
    if (identified(f) && f->label.app == EA_APP_HTTP)
        return K_HTTP;
    return K_NONE;
}

/* The service a TCP 443 row belongs to, by its protocol (the page gives each its own address). */
static const char *service_443(const struct ea_rule *r)
{
    if (r->transport != IPPROTO_TCP || r->port_lo != 443 || r->port_hi != 443)
        return NULL;
    switch (r->proto) {
    case EA_RP_SIP: return "the Access Edge";
    case EA_RP_PSOM: return "the Web Conferencing Edge";
    case EA_RP_STUN: return "the A/V Edge";
    default: return NULL;
    }
}

/*
 * TCP 443 of the Edge: the responder's role chose the row (match_rules), the
 * bytes say whether the flow is of that row's kind. EA_R__COUNT when the
 * row's own check decides.
 */
static enum ea_reason check_443(const struct ea_rule *r, const struct ea_flow *f, char *why, size_t n)
{
    static const char *const words[] = {
        "", "TURN over TCP", "TURN over TCP (the pseudo-TLS start of [MS-TURN]: no Certificate, no ChangeCipherSpec)",
        "TLS", "", "plain HTTPS", "plain HTTP", "plaintext SIP",
    };
    const char *svc = service_443(r);
    enum kind443 k = svc ? kind_443(f) : K_NONE;
    char kind[192];
    if (k == K_NONE)
        return EA_R__COUNT;
    if (r->proto == EA_RP_STUN) {
        if (k == K_TURN)
            return EA_R__COUNT;
        if (k == K_PSEUDO) {
            SAY(why, n, "the pseudo-TLS start of TURN over TCP ([MS-TURN]) seen, "
                "but no TURN message after it was parsed");
            return EA_R_UNCONFIRMED;
        }
        if (k == K_TLS_OPEN) {
            SAY(why, n, "only a ClientHello was seen: a real TLS handshake and the pseudo-TLS "
                "start of TURN over TCP look alike there");
            return EA_R_UNCONFIRMED;
        }
    } else if (k == K_TLS || k == K_TLS_OPEN || k == K_SIP) {
        return EA_R__COUNT;      /* sip and psom: TLS, or plaintext SIP, is the row's own check */
    }
    if (!why)
        return wrong_kind(r, "", why, n);
    if (k == K_HTTPS && f->facts.tls->alpn[0])
        TEXT(kind, sizeof(kind), "plain HTTPS (ALPN \"", f->facts.tls->alpn, "\") to ", svc, " address");
    else
        TEXT(kind, sizeof(kind), words[k], " to ", svc, " address");
    return wrong_kind(r, kind, why, n);
}

/* A label of an identified flow, for a wrong kind. */
static const char *label_words(const struct ea_flow *f)
{
    return f->label.app == EA_APP_NDPI ? "a protocol nDPI identifies" : ea_app_name(f->label.app);
}

/*
 * PSOM (web conferencing) is inside TLS and cannot be seen there: a TLS
 * handshake to the row's responder (the Web Conferencing Edge on 443, the
 * Edge's internal interface on 8057) on the row's port is the evidence, and
 * mutual TLS where the row says so. Anything the bytes name otherwise is the
 * wrong kind; bytes that name nothing stay unverified.
 */
static enum ea_reason check_psom(const struct ea_rule *r, const struct ea_flow *f, char *why, size_t n)
{
    if (tls_seen(f)) {
        char what[128] = "";
        if (alpn_is_http(f->facts.tls)) {
            if (why)
                TEXT(what, sizeof(what), "HTTPS (TLS with ALPN \"", f->facts.tls->alpn, "\")");
            return wrong_kind(r, what, why, n);
        }
        if (why)
            TEXT(what, sizeof(what), "PSOM is taken from the role and port ", NUM(r->port_lo),
                 " because the payload is encrypted");
        return check_tls(r, f, what, why, n);
    }
    if (identified(f))
        return wrong_kind(r, label_words(f), why, n);
    return check_unknown(r, f, why, n);
}

/* HTTP in clear (security none), or HTTPS: TLS whose ALPN offer, if any, names HTTP. */
static enum ea_reason check_http(const struct ea_rule *r, const struct ea_flow *f, char *why, size_t n)
{
    const struct ea_tls_info *t = f->facts.tls;
    if (tls_seen(f)) {
        char what[128] = "";
        if (r->sec == EA_SEC_NONE)
            return wrong_kind(r, "TLS", why, n);
        if (t->alpn[0] && !alpn_is_http(t)) {
            if (why)
                TEXT(what, sizeof(what), "TLS with ALPN \"", t->alpn, "\"");
            return wrong_kind(r, what, why, n);
        }
        if (why && t->alpn[0])
            TEXT(what, sizeof(what), "HTTP named by the client's ALPN offer \"", t->alpn, "\"");
        else if (why)
            TEXT(what, sizeof(what), "HTTP is taken from port ", NUM(r->port_lo),
                 " because the payload is encrypted");
        return check_tls(r, f, what, why, n);
    }
    if (identified(f) && f->label.app == EA_APP_HTTP) {
        const struct ea_banner_info *b = f->facts.banner;
        if (r->sec != EA_SEC_NONE) {
            SAY(why, n, "plain HTTP where ", r->sec == EA_SEC_MTLS ? "mutual TLS" : "TLS", " is required");
            return EA_R_LOW_SECURITY;
        }
        if (b && b->kind == EA_BANNER_HTTP)
            SAY(why, n, "HTTP: \"", b->text, "\"");
        else
            SAY(why, n, "HTTP, as nDPI identifies it");
        return EA_R_SATISFIED;
    }
    if (identified(f))
        return wrong_kind(r, label_words(f), why, n);
    return check_unknown(r, f, why, n);
}

/* DNS: nDPI's identification (DNS, or a service over DNS such as DNS.Dropbox). */
static enum ea_reason check_dns(const struct ea_rule *r, const struct ea_flow *f, char *why, size_t n)
{
    if (identified(f) && f->label.app == EA_APP_DNS) {
        SAY(why, n, "DNS over ", f->key.proto == IPPROTO_TCP ? "TCP" : "UDP", ", as nDPI identifies it");
        return EA_R_SATISFIED;
    }
    if (identified(f))
        return wrong_kind(r, label_words(f), why, n);
    return check_unknown(r, f, why, n);
}

/* TLS with any application inside (the logging service's 50001-50003): the handshake is all. */
static enum ea_reason check_tls_only(const struct ea_rule *r, const struct ea_flow *f, char *why, size_t n)
{
    if (tls_seen(f))
        return check_tls(r, f, "the row names no application inside TLS", why, n);
    if (identified(f))
        return wrong_kind(r, label_words(f), why, n);
    return check_unknown(r, f, why, n);
}

/*
 * Whether the flow does what the rule asks; why (NULL: not wanted) gets the
 * words. dport is the responder's port as the policy holds the flow (turned
 * round or not): the only fact here that turning changes.
 */
static enum ea_reason check_rule(const struct ea_rule *r, const struct ea_flow *f, uint16_t dport,
                                 char *why, size_t n)
{
    enum ea_reason k443 = check_443(r, f, why, n);   /* TCP 443: the kind for the responder's role */
    if (k443 != EA_R__COUNT)
        return k443;
    switch (r->proto) {
    case EA_RP_SIP: return check_sip(r, f, dport, why, n);
    case EA_RP_XMPP: return check_xmpp(r, f, dport, why, n);
    case EA_RP_STUN: return check_stun(r, f, why, n);
    case EA_RP_RTP: return check_rtp(r, f, why, n);
    case EA_RP_PSOM: return check_psom(r, f, why, n);
    case EA_RP_HTTP: return check_http(r, f, why, n);
    case EA_RP_DNS: return check_dns(r, f, why, n);
    case EA_RP_TLS: return check_tls_only(r, f, why, n);
    default: break;
    }
    SAY(why, n, "edgeaudit cannot confirm ", ea_rule_proto_name(r->proto), " on the wire");
    return EA_R_UNCONFIRMED;
}

/*
 * Blocked attempts: SYN unanswered or reset, ICMP error, UDP request with no
 * reply. 'turn' reads the flow as if turned round (the packet counts are the
 * only facts here that turning swaps). EA_R__COUNT when it is not blocked.
 */
static enum ea_reason blocked_reason(const struct ea_flow *f, int turn, char *why, size_t n)
{
    uint64_t back = f->pkts[turn ? 0 : 1];
    if (f->key.proto == IPPROTO_TCP) {
        if (f->tcp.open == EA_OPEN_SYN_RST) {
            SAY(why, n, "SYN answered by RST (", NUM(f->tcp.syns), " SYN", f->tcp.syns == 1 ? "" : "s", ")");
            return EA_R_SYN_RST;
        }
        if (f->tcp.open == EA_OPEN_SYN && back == 0) {
            if (f->icmp.errors) {
                SAY(why, n, "SYN answered by ICMP type ", NUM(f->icmp.type), " code ", NUM(f->icmp.code),
                    " (frame ", NUM(f->icmp.frame), ")");
                return EA_R_ICMP_UNREACHABLE;
            }
            SAY(why, n, NUM(f->tcp.syns), " SYN", f->tcp.syns == 1 ? "" : "s", " with no SYN-ACK (",
                NUM(f->tcp.syns ? (unsigned)f->tcp.syns - 1u : 0u), " retransmission",
                f->tcp.syns == 2 ? "" : "s", ")");
            return EA_R_SYN_UNANSWERED;
        }
        return EA_R__COUNT;
    }
    if (back != 0)
        return EA_R__COUNT;
    if (f->icmp.errors) {
        SAY(why, n, "answered only by ICMP type ", NUM(f->icmp.type), " code ", NUM(f->icmp.code),
            " (frame ", NUM(f->icmp.frame), ")");
        return EA_R_ICMP_UNREACHABLE;
    }
    if (f->key.proto != IPPROTO_UDP)
        return EA_R__COUNT;
    if (f->facts.stun && f->facts.stun->requests[0]) {
        SAY(why, n, NUM(f->facts.stun->requests[0]), " STUN ", ea_stun_method_name(f->facts.stun->first_method),
            " request", f->facts.stun->requests[0] == 1 ? "" : "s", " with no reply");
        return EA_R_UDP_NO_REPLY;
    }
    if (f->facts.sip && f->facts.sip->request) {
        SAY(why, n, "SIP ", f->facts.sip->method, " with no reply");
        return EA_R_UDP_NO_REPLY;
    }
    if (f->label.app == EA_APP_DNS) {
        SAY(why, n, "DNS query with no reply");
        return EA_R_UDP_NO_REPLY;
    }
    return EA_R__COUNT;
}

/* Rules whose transport, port and responder role fit (the responder has role set rsv and
   listens on dport): 'fit' when the initiator's roles rc fit too, 'side' when only they do not. */
static void match_rules(const struct ea_ruleset *rs, uint8_t proto, uint16_t dport, uint32_t rc,
                        uint32_t rsv, uint64_t fs[2])
{
    fs[0] = fs[1] = 0;
    for (size_t i = 0; i < rs->nrules; i++) {
        const struct ea_rule *r = &rs->rules[i];
        if (r->transport != proto || dport < r->port_lo || dport > r->port_hi ||
            !(rsv & (1u << r->dst_role)))
            continue;
        fs[(rc & (1u << r->src_role)) ? 0 : 1] |= 1ULL << i;
    }
}

/* The rules that fit whole: a verdict from the first that is satisfied, else unconfirmed,
   else the first failure's reason. */
static void decide_fit(const struct ea_ruleset *rs, const struct ea_flow *f, uint16_t dport,
                       uint64_t fit, struct ea_decision *d)
{
    uint64_t ok = 0, unconf = 0, bad = 0;
    enum ea_reason worst = EA_R__COUNT;
    for (size_t i = 0; i < rs->nrules; i++) {
        if (!(fit & (1ULL << i)))
            continue;
        enum ea_reason r = check_rule(&rs->rules[i], f, dport, NULL, 0);
        if (r == EA_R_SATISFIED) {
            ok |= 1ULL << i;
        } else if (r == EA_R_UNCONFIRMED) {
            unconf |= 1ULL << i;
        } else {
            if (worst == EA_R__COUNT)
                worst = r;
            bad |= 1ULL << i;
        }
    }
    if (ok) {
        d->verdict = EA_V_ALLOWED;
        d->reason = EA_R_SATISFIED;
        d->rules = ok;
    } else if (unconf) {
        d->verdict = EA_V_UNVERIFIED;
        d->reason = EA_R_UNCONFIRMED;
        d->rules = unconf;
    } else {
        d->verdict = EA_V_UNEXPECTED;
        d->reason = worst;
        d->rules = bad;
    }
}

struct ea_decision ea_policy_decide(const struct ea_policy *pol, const struct ea_flow *f)
{
    const struct ea_ruleset *rs = pol->rs;
    struct ea_decision d = { EA_V_UNEXPECTED, EA_R_NO_RULE, 0, 0, 0 };
    uint32_t rc = ea_ruleset_roles_of(rs, f->key.family, f->key.src);
    uint32_t rsv = ea_ruleset_roles_of(rs, f->key.family, f->key.dst);
    uint64_t fs[2];   /* rules that fit whole [0], or only on the responder's side [1] */

    if (!((rc | rsv) & pol->audited)) {
        d.verdict = EA_V_OUT_OF_SCOPE;
        d.reason = EA_R_NOT_AUDITED;
        return d;
    }
    match_rules(rs, f->key.proto, f->key.dport, rc, rsv, fs);
    if (!fs[0] && f->initiator_inferred) {
        /* No rule fits a guessed orientation: try it the other way round. */
        uint64_t other[2];
        match_rules(rs, f->key.proto, f->key.sport, rsv, rc, other);
        if (other[0]) {
            fs[0] = other[0];
            fs[1] = other[1];
            d.turn = 1;
        }
    }
    enum ea_reason br = blocked_reason(f, d.turn, NULL, 0);
    if (br != EA_R__COUNT) {
        d.verdict = EA_V_BLOCKED;
        d.reason = br;
        d.rules = fs[0];
        d.blocked_required = fs[0] != 0;
    } else if (fs[0]) {
        decide_fit(rs, f, d.turn ? f->key.sport : f->key.dport, fs[0], &d);
    } else if (fs[1]) {
        /* The port and the responder fit, the initiator does not: e.g. the internet
           reaching the internal edge interface. */
        d.reason = EA_R_WRONG_SIDE;
        d.rules = fs[1];
    }
    return d;
}

/* The rules a decision counts toward: those of a wrong side are only named, not counted. */
static uint64_t counted_rules(const struct ea_decision *d)
{
    return d->reason == EA_R_WRONG_SIDE ? 0 : d->rules;
}

static void evidence(struct ea_rule_stat *s, const struct ea_flow *f)
{
    if (s->nevidence < EA_EVIDENCE_MAX)
        s->evidence[s->nevidence++] = f->id;
}

static void count_use(struct ea_rule_stat *s, const struct ea_flow *f)
{
    s->bytes += f->bytes[0] + f->bytes[1];
    if (!s->first_ns || f->first_ns < s->first_ns)
        s->first_ns = f->first_ns;
    if (f->last_ns > s->last_ns)
        s->last_ns = f->last_ns;
    evidence(s, f);
}

/* One rule's count for one flow of verdict v. */
static void count_rule(struct ea_rule_stat *s, enum ea_verdict v, const struct ea_flow *f)
{
    switch (v) {
    case EA_V_ALLOWED:
        s->allowed++;
        count_use(s, f);
        break;
    case EA_V_UNVERIFIED:
        s->unverified++;
        count_use(s, f);
        break;
    case EA_V_BLOCKED:
        s->blocked++;
        evidence(s, f);
        break;
    case EA_V_UNEXPECTED:
        s->violations++;
        break;
    default:
        break;
    }
}

void ea_policy_account(struct ea_policy *pol, const struct ea_decision *d, const struct ea_flow *f)
{
    uint64_t mask = counted_rules(d);
    for (size_t i = 0; i < pol->rs->nrules; i++)
        if (mask & (1ULL << i))
            count_rule(&pol->stat[i], d->verdict, f);
    if (d->blocked_required)
        pol->blocked_required++;
    if ((unsigned)d->verdict < EA_V__COUNT)
        pol->verdicts[d->verdict]++;
    pol->finished = 0;
}

/* The lowest rule of a mask (one is set), whose words a verdict gives. */
static const struct ea_rule *first_rule(const struct ea_ruleset *rs, uint64_t mask)
{
    for (size_t i = 0; i < rs->nrules; i++)
        if (mask & (1ULL << i))
            return &rs->rules[i];
    return NULL;
}

/* Appends " (ids)" of the rules in mask to buf. */
static void append_ids(const struct ea_ruleset *rs, uint64_t mask, char *buf, size_t n)
{
    int first = 1;
    for (size_t i = 0; i < rs->nrules; i++) {
        if (!(mask & (1ULL << i)))
            continue;
        ea_str_append(buf, n, first ? " (" : ", ");
        ea_str_append(buf, n, rs->rules[i].id);
        first = 0;
    }
    if (!first)
        ea_str_append(buf, n, ")");
}

static void explain_blocked(const struct ea_ruleset *rs, const struct ea_decision *d,
                            const struct ea_flow *f, char *buf, size_t n)
{
    blocked_reason(f, 0, buf, n);
    if (d->rules) {
        ea_str_append(buf, n, "; a required row was blocked");
        append_ids(rs, d->rules, buf, n);
    } else {
        ea_str_append(buf, n, "; no rule allows it, so the firewall did its job");
    }
}

static void explain_wrong_side(const struct ea_ruleset *rs, const struct ea_decision *d,
                               const struct ea_flow *f, char *buf, size_t n)
{
    const struct ea_rule *r = first_rule(rs, d->rules);
    const char *from = rs->roles[r->src_role].name;
    char a[64];
    TEXT(buf, n, "the wrong side: only ", from, " may reach ", rs->roles[r->dst_role].name, " on ",
         NUM(f->key.dport), "/", f->key.proto == IPPROTO_TCP ? "tcp" : "udp", ", and ",
         ea_addr_str(f->key.family, f->key.src, a, sizeof(a)), " is not ", from);
}

static void explain_no_rule(const struct ea_flow *f, char *buf, size_t n)
{
    if (f->key.proto == IPPROTO_TCP || f->key.proto == IPPROTO_UDP)
        TEXT(buf, n, "no rule for this port or direction (", f->key.proto == IPPROTO_TCP ? "TCP" : "UDP", " ",
             NUM(f->key.dport), ")");
    else
        TEXT(buf, n, "no rule for this port or direction (IP protocol ", NUM(f->key.proto), ")");
}

void ea_policy_explain(const struct ea_ruleset *rs, const struct ea_decision *d,
                       const struct ea_flow *f, char *buf, size_t n)
{
    if (!buf || n == 0)
        return;
    n = n < EA_REASON_TEXT_MAX ? n : EA_REASON_TEXT_MAX;
    buf[0] = '\0';
    if (d->verdict == EA_V_OUT_OF_SCOPE) {
        ea_str_copy(buf, n, "touches no audited host");
        return;
    }
    if (d->verdict == EA_V_BLOCKED) {
        explain_blocked(rs, d, f, buf, n);
        return;
    }
    if (d->reason == EA_R_WRONG_SIDE) {
        explain_wrong_side(rs, d, f, buf, n);
    } else if (d->reason == EA_R_NO_RULE || !d->rules) {
        explain_no_rule(f, buf, n);
    } else {
        /* The words of the rule the verdict comes from (the lowest of its rules). */
        size_t at = 0;
        if (d->verdict == EA_V_UNVERIFIED) {
            ea_str_append(buf, n, "addresses and port fit, but ");
            at = strlen(buf);
        }
        check_rule(first_rule(rs, d->rules), f, f->key.dport, buf + at, n - at);
    }
    if (f->initiator_inferred && f->key.proto == IPPROTO_TCP)
        ea_str_append(buf, n, "; initiator inferred: the connection's opening was not captured");
}

static int set_reason(struct ea_flow *f, const char *text)
{
    free(f->verdict.text);
    f->verdict.text = strdup(text);
    return f->verdict.text ? 0 : -1;
}

int ea_policy_record(const struct ea_ruleset *rs, const struct ea_decision *d, struct ea_flow *f)
{
    char text[EA_REASON_TEXT_MAX];
    ea_policy_explain(rs, d, f, text, sizeof(text));
    f->verdict.judged = 1;
    f->verdict.v = (uint8_t)d->verdict;
    f->verdict.reason = (uint8_t)d->reason;
    f->verdict.rules = d->rules;
    f->verdict.blocked_required = d->blocked_required;
    return set_reason(f, text);
}

int ea_policy_judge(struct ea_policy *pol, struct ea_flow *f)
{
    struct ea_decision d = ea_policy_decide(pol, f);
    if (d.turn)
        ea_flow_turn(f);
    ea_policy_account(pol, &d, f);
    return ea_policy_record(pol->rs, &d, f);
}

void ea_policy_finish(struct ea_policy *pol)
{
    const struct ea_ruleset *rs = pol->rs;
    memset(pol->statuses, 0, sizeof(pol->statuses));
    for (size_t i = 0; i < rs->nrules; i++) {
        const struct ea_rule *r = &rs->rules[i];
        struct ea_rule_stat *s = &pol->stat[i];
        if (!ea_role_configured(&rs->roles[r->src_role]) || !ea_role_configured(&rs->roles[r->dst_role]))
            s->status = EA_RS_UNCONFIGURED;
        else if (s->allowed + s->unverified)
            s->status = EA_RS_OBSERVED;
        else if (s->blocked)
            s->status = EA_RS_BLOCKED;
        else
            s->status = EA_RS_NOT_OBSERVED;
        pol->statuses[s->status]++;
    }
    pol->finished = 1;
}

int ea_findings(const uint64_t *verdicts, uint64_t blocked_required, const uint64_t *statuses)
{
    return verdicts[EA_V_UNEXPECTED] > 0 || blocked_required > 0 ||
           statuses[EA_RS_BLOCKED] > 0 || statuses[EA_RS_NOT_OBSERVED] > 0;
}

int ea_policy_has_findings(const struct ea_policy *pol)
{
    return ea_findings(pol->verdicts, pol->blocked_required, pol->statuses);
}
