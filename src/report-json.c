/* report-json.c: JSON lines, one object per flow then one per rule, named as in the XML report. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report-json.h"
#include "group.h"
#include "flow-spool.h"
#include "util-file.h"
#include "util-json.h"
#include "util-time.h"
#include "util-addr.h"
#include "dissect-banner.h"
#include "dissect-rtp.h"
#include "dissect-sip.h"
#include "dissect-stun.h"
#include "dissect-tls.h"
#include "dissect-xmpp.h"

/* Members whose key is a literal: ",\"k\":" and its length are made at compile time. */
static void kv_strn(struct ea_jbuf *b, const char *mk, size_t n, const char *v)
{
    ea_jb_keyn(b, mk, n);
    ea_jb_str(b, v ? v : "");
}

static void kv_u64n(struct ea_jbuf *b, const char *mk, size_t n, uint64_t v)
{
    ea_jb_keyn(b, mk, n);
    ea_jb_u64(b, v);
}

static void kv_timen(struct ea_jbuf *b, const char *mk, size_t n, uint64_t ns)
{
    char t[48];
    kv_strn(b, mk, n, ea_time_str(ns, t, sizeof(t)));
}

#define KV_STR(b, k, v) kv_strn((b), EA_JB_MEMBER(k), sizeof(EA_JB_MEMBER(k)) - 1, (v))
#define KV_U64(b, k, v) kv_u64n((b), EA_JB_MEMBER(k), sizeof(EA_JB_MEMBER(k)) - 1, (v))
#define KV_TIME(b, k, v) kv_timen((b), EA_JB_MEMBER(k), sizeof(EA_JB_MEMBER(k)) - 1, (v))

/* "0x" and v in lowercase hex, at least width digits: the text of printf's "0x%0*x". */
static const char *hex_str(char *buf, size_t size, unsigned v, unsigned width)
{
    static const char hex[] = "0123456789abcdef";
    char t[2 + 8];   /* a 32-bit v has 8 digits at most; width is 8 at most */
    char *s = t + sizeof(t);
    unsigned n = 0;
    do {
        *--s = hex[v & 15];
        v >>= 4;
        n++;
    } while ((v || n < width) && s > t + 2);
    *--s = 'x';
    *--s = '0';
    size_t len = (size_t)(t + sizeof(t) - s);
    if (len >= size)
        len = size - 1;
    memcpy(buf, s, len);
    buf[len] = 0;
    return buf;
}

/* Issue 15: how TLS began when not with a TLS record. Same names as report-xml.c. */
static void tls_start_facts(struct ea_jbuf *b, const struct ea_tls_info *t)
{
    char v[8];
    if (t->sslv2_hello) {
        KV_STR(b, "start", "sslv2-hello");
    } else if (t->midstream) {
        hex_str(v, sizeof(v), t->record_version, 4);
        KV_STR(b, "start", "midstream");
        KV_STR(b, "record-version", v);
    }
}

/* Issue 15: XMPP joined mid-stream, and what told c2s from s2s. */
static void xmpp_kind_facts(struct ea_jbuf *b, const struct ea_flow *f)
{
    enum ea_xmpp_evidence ev;
    ea_xmpp_side(f->facts.xmpp, f->key.dport, &ev);
    if (f->facts.xmpp->midstream)
        KV_STR(b, "midstream", "yes");
    if (ev != EA_XMPP_EV_NONE)
        KV_STR(b, "evidence", ea_xmpp_evidence_name(ev));
}

/* Same names as report-xml.c. */
static void dissector_facts(struct ea_jbuf *b, const struct ea_flow *f)
{
    if (ea_tls_matched(f->facts.tls)) {
        char v[8];
        hex_str(v, sizeof(v), f->facts.tls->version, 4);
        EA_JB_KEY(b, "tls");
        ea_jb_put(b, "{", 1);
        KV_STR(b, "version", v);
        KV_STR(b, "certificate-request", f->facts.tls->cert_request ? "yes" : "no");
        KV_STR(b, "client-certificate", f->facts.tls->client_cert_nonempty ? "yes" :
                                        f->facts.tls->client_cert ? "empty" : "no");
        if (f->facts.tls->alpn[0])
            KV_STR(b, "alpn", f->facts.tls->alpn);
        tls_start_facts(b, f->facts.tls);
        ea_jb_put(b, "}", 1);
    }
    if (ea_sip_matched(f->facts.sip)) {
        EA_JB_KEY(b, "sip");
        ea_jb_put(b, "{", 1);
        if (f->facts.sip->method[0])
            KV_STR(b, "method", f->facts.sip->method);
        if (f->facts.sip->status)
            KV_U64(b, "status", f->facts.sip->status);
        if (f->facts.sip->via_transport[0])
            KV_STR(b, "via-transport", f->facts.sip->via_transport);
        if (f->facts.sip->from_domain[0])
            KV_STR(b, "from-domain", f->facts.sip->from_domain);
        if (f->facts.sip->to_domain[0])
            KV_STR(b, "to-domain", f->facts.sip->to_domain);
        ea_jb_put(b, "}", 1);
    }
    if (ea_xmpp_seen(f->facts.xmpp)) {
        EA_JB_KEY(b, "xmpp");
        ea_jb_put(b, "{", 1);
        KV_STR(b, "namespace", f->facts.xmpp->ns_server ? "jabber:server" :
                               f->facts.xmpp->ns_client ? "jabber:client" : "");
        if (f->facts.xmpp->to[0])
            KV_STR(b, "to", f->facts.xmpp->to);
        if (f->facts.xmpp->from[0])
            KV_STR(b, "from", f->facts.xmpp->from);
        KV_STR(b, "starttls", f->facts.xmpp->proceed ? "yes" : "no");
        xmpp_kind_facts(b, f);
        ea_jb_put(b, "}", 1);
    }
    if (ea_stun_matched(f->facts.stun)) {
        EA_JB_KEY(b, "stun");
        ea_jb_put(b, "{", 1);
        KV_STR(b, "method", ea_stun_method_name(f->facts.stun->first_method));
        KV_STR(b, "msturn", f->facts.stun->msturn || f->facts.stun->ms_attrs ? "yes" : "no");
        KV_U64(b, "requests", (uint64_t)f->facts.stun->requests[0] + f->facts.stun->requests[1]);
        KV_U64(b, "responses", (uint64_t)f->facts.stun->responses[0] + f->facts.stun->responses[1]);
        KV_U64(b, "messages", (uint64_t)f->facts.stun->messages[0] + f->facts.stun->messages[1]);
        if (f->facts.stun->channel_msgs[0] + f->facts.stun->channel_msgs[1])
            KV_U64(b, "channel-data", (uint64_t)f->facts.stun->channel_msgs[0] + f->facts.stun->channel_msgs[1]);
        ea_jb_put(b, "}", 1);
    }
    if (ea_rtp_matched(f->facts.rtp)) {
        char ss[16];
        hex_str(ss, sizeof(ss), f->facts.rtp->ssrc[0] ? f->facts.rtp->ssrc[0] : f->facts.rtp->ssrc[1], 8);
        EA_JB_KEY(b, "rtp");
        ea_jb_put(b, "{", 1);
        KV_STR(b, "kind", f->facts.rtp->is_rtp ? "rtp" : "rtcp");
        KV_STR(b, "framing", f->facts.rtp->rfc4571 ? "rfc4571" : f->facts.rtp->turn_channel ? "turn-channel-data" : "none");
        KV_STR(b, "ssrc", ss);
        if (f->facts.rtp->is_rtp)
            KV_U64(b, "payload-type", f->facts.rtp->payload_type);
        ea_jb_put(b, "}", 1);
    }
    if (ea_banner_matched(f->facts.banner))
        KV_STR(b, "banner", f->facts.banner->text);
}

static void write_flow(struct ea_jbuf *b, const struct ea_view *pl, const struct ea_flow *f,
                       const struct ea_json_flow_texts *t)
{
    const struct ea_ruleset *rs = pl->rs;
    const char *group = t ? t->group : NULL, *scan_group = t ? t->scan_group : NULL;
    char a[64], lbl[64], nd[64];
    ea_jb_put(b, "{", 1);
    KV_STR(b, "type", "flow");
    KV_U64(b, "id", f->id);
    KV_STR(b, "client", t && t->client ? t->client : ea_addr_str(f->key.family, f->key.src, a, sizeof(a)));
    KV_U64(b, "client-port", f->key.sport);
    KV_STR(b, "server", t && t->server ? t->server : ea_addr_str(f->key.family, f->key.dst, a, sizeof(a)));
    KV_U64(b, "server-port", f->key.dport);
    KV_STR(b, "transport", ea_proto_name(f->key.proto));
    KV_U64(b, "vlan", f->key.vlan);
    enum ea_nat nat = ea_ruleset_nat_of(rs, f->key.family, f->key.dst);   /* as report-xml.c */
    if (nat == EA_NAT_NONE)
        nat = ea_ruleset_nat_of(rs, f->key.family, f->key.src);
    if (nat != EA_NAT_NONE)
        KV_STR(b, "nat", ea_nat_name(nat));
    KV_STR(b, "app", ea_classify_label(pl->cls, f, lbl, sizeof(lbl)));
    KV_STR(b, "app-source", ea_label_src_name((enum ea_label_src)f->label.src));
    KV_STR(b, "ndpi", ea_classify_ndpi_name(pl->cls, f, nd, sizeof(nd)));
    if (*ea_classify_ndpi_service(pl->cls, f, nd, sizeof(nd)))
        KV_STR(b, "ndpi-service", nd);
    if (ea_tls_matched(f->facts.tls)) {
        KV_STR(b, "mtls", ea_mtls_name(ea_tls_mtls(f->facts.tls)));
        KV_STR(b, "mtls-evidence", ea_mtls_evidence_name(ea_tls_mtls_evidence(f->facts.tls)));
        KV_STR(b, "mtls-reason", ea_tls_mtls_why(f->facts.tls));
        if (f->facts.tls->sni[0])
            KV_STR(b, "sni", f->facts.tls->sni);
    }
    KV_STR(b, "verdict", f->verdict.judged ? ea_verdict_name((enum ea_verdict)f->verdict.v) : "unjudged");
    EA_JB_KEY(b, "rules");
    ea_jb_put(b, "[", 1);
    for (size_t i = 0; i < rs->nrules; i++)
        if (f->verdict.rules & (1ULL << i)) {
            if (b->len && b->p[b->len - 1] != '[')
                ea_jb_put(b, ",", 1);
            ea_jb_str(b, rs->rules[i].id);
        }
    ea_jb_put(b, "]", 1);
    KV_STR(b, "reason", f->verdict.text ? f->verdict.text : "");
    KV_STR(b, "reason-code", ea_reason_name((enum ea_reason)f->verdict.reason));
    if (f->verdict.v == EA_V_BLOCKED)
        KV_STR(b, "blocked", f->verdict.blocked_required ? "required" : "forbidden");
    KV_U64(b, "first-frame", f->first_frame);
    KV_U64(b, "last-frame", f->last_frame);
    KV_TIME(b, "first", f->first_ns);
    KV_TIME(b, "last", f->last_ns);
    KV_U64(b, "packets-c2s", f->pkts[0]);
    KV_U64(b, "packets-s2c", f->pkts[1]);
    KV_U64(b, "bytes-c2s", f->bytes[0]);
    KV_U64(b, "bytes-s2c", f->bytes[1]);
    if (f->key.proto == IPPROTO_TCP) {
        KV_STR(b, "tcp-open", ea_tcp_open_name((enum ea_tcp_open)f->tcp.open));
        KV_STR(b, "tcp-close", ea_tcp_close_name((enum ea_tcp_close)f->tcp.close));
        if (f->tcp.syns > 1)
            KV_U64(b, "syn-retransmissions", (uint64_t)f->tcp.syns - 1);
    }
    if (f->initiator_inferred)
        KV_STR(b, "initiator", "inferred");
    if (f->icmp.errors) {
        KV_U64(b, "icmp-errors", f->icmp.errors);
        KV_U64(b, "icmp-frame", f->icmp.frame);
    }
    if (group)
        KV_STR(b, "group", group);
    if (scan_group)
        KV_STR(b, "scan-group", scan_group);
    dissector_facts(b, f);
    ea_jb_put(b, "}\n", 2);
}

static void write_rule(struct ea_jbuf *b, const struct ea_view *pl, size_t i)
{
    const struct ea_ruleset *rs = pl->rs;
    const struct ea_rule *r = &rs->rules[i];
    const struct ea_rule_stat *s = &pl->pol->stat[i];
    char ports[16];
    if (r->port_lo == r->port_hi)
        snprintf(ports, sizeof(ports), "%u", r->port_lo);
    else
        snprintf(ports, sizeof(ports), "%u-%u", r->port_lo, r->port_hi);
    ea_jb_put(b, "{", 1);
    KV_STR(b, "type", "rule");
    KV_STR(b, "id", r->id);
    KV_STR(b, "status", ea_rule_status_name(s->status));
    KV_U64(b, "flows", s->allowed + s->unverified);
    KV_U64(b, "bytes", s->bytes);
    if (s->first_ns) {
        KV_TIME(b, "first", s->first_ns);
        KV_TIME(b, "last", s->last_ns);
    }
    KV_U64(b, "allowed", s->allowed);
    KV_U64(b, "unverified", s->unverified);
    KV_U64(b, "blocked", s->blocked);
    KV_U64(b, "violations", s->violations);
    KV_STR(b, "pack", rs->docs[r->doc].pack);
    KV_STR(b, "table", r->table ? r->table : "");
    if (r->seed_row)
        KV_STR(b, "row", r->seed_row);
    KV_STR(b, "protocol", ea_rule_proto_name(r->proto));
    KV_STR(b, "security", ea_rule_sec_name(r->sec));
    KV_STR(b, "transport", ea_proto_name(r->transport));
    KV_STR(b, "ports", ports);
    KV_STR(b, "source", rs->roles[r->src_role].name);
    KV_STR(b, "destination", rs->roles[r->dst_role].name);
    if (r->note && r->note[0])
        KV_STR(b, "note", r->note);
    if (r->seed_wording)
        KV_STR(b, "seed-wording", r->seed_wording);
    if (r->narrowed_why)
        KV_STR(b, "narrowed", r->narrowed_why);
    if (r->corrected_wording)
        KV_STR(b, "corrected-wording", r->corrected_wording);
    if (r->corrected_why)
        KV_STR(b, "corrected", r->corrected_why);
    /* The evidence total follows report-xml.c exactly. */
    uint64_t total = s->status == EA_RS_BLOCKED ? s->blocked : s->allowed + s->unverified;
    if (s->status == EA_RS_OBSERVED)
        total += s->blocked;
    EA_JB_KEY(b, "evidence");
    ea_jb_put(b, "{", 1);
    KV_U64(b, "total", total);
    const struct ea_examples *ev = pl->evidence ? &pl->evidence[i] : NULL;
    KV_U64(b, "listed", ev ? ev->n : 0);
    EA_JB_KEY(b, "flows");
    ea_jb_put(b, "[", 1);
    for (unsigned e = 0; ev && e < ev->n; e++) {
        if (e)
            ea_jb_put(b, ",", 1);
        ea_jb_u64(b, ev->e[e].id);
    }
    ea_jb_put(b, "]}}\n", 4);
}

/* One line per loaded rules file: the pack, its page, "observed N of M rules" (as report-xml.c). */
static void write_pack(struct ea_jbuf *b, const struct ea_view *pl, size_t d)
{
    const struct ea_ruleset *rs = pl->rs;
    const struct ea_rules_doc *doc = &rs->docs[d];
    uint64_t observed = 0;
    for (size_t i = 0; i < rs->nrules; i++)
        observed += rs->rules[i].doc == (int)d && pl->pol->stat[i].status == EA_RS_OBSERVED;
    ea_jb_put(b, "{", 1);
    KV_STR(b, "type", "pack");
    KV_STR(b, "name", doc->pack);
    if (doc->title)
        KV_STR(b, "title", doc->title);
    if (doc->href)
        KV_STR(b, "href", doc->href);
    KV_U64(b, "rules", doc->nrules);
    KV_U64(b, "observed", observed);
    ea_jb_put(b, "}\n", 2);
}

char *ea_report_json_alert(const struct ea_view *pl, const struct ea_flow *f, const char *event,
                           const char *previous, size_t *len)
{
    struct ea_jbuf b = { NULL, 0, 0, 0 };
    write_flow(&b, pl, f, NULL);
    if (b.oom || b.len < 2)
        goto fail;
    b.len -= 2;   /* reopen the object: drop its "}\n" */
    KV_STR(&b, "alert", event);
    if (previous)
        KV_STR(&b, "previous-verdict", previous);
    ea_jb_put(&b, "}\n", 2);
    if (b.oom)
        goto fail;
    *len = b.len;
    return b.p;
fail:
    free(b.p);
    return NULL;
}

char *ea_report_json_flow(const struct ea_view *v, const struct ea_flow *f, const char *group,
                          const char *scan_group, size_t *len)
{
    struct ea_jbuf b = { NULL, 0, 0, 0 };
    struct ea_json_flow_texts t = { group, scan_group, NULL, NULL };
    write_flow(&b, v, f, &t);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}

void ea_report_json_flow_into(struct ea_jbuf *b, const struct ea_view *v, const struct ea_flow *f,
                              const struct ea_json_flow_texts *t)
{
    write_flow(b, v, f, t);
}

/* One example of a group, as an object: the <example> element's attributes and words. */
static void write_example(struct ea_jbuf *b, const struct ea_example *e)
{
    if (b->len && b->p[b->len - 1] != '[')
        ea_jb_put(b, ",", 1);
    ea_jb_put(b, "{", 1);
    KV_U64(b, "flow", e->id);
    KV_STR(b, "client", ea_example_part(e, EA_FP_CLIENT));
    KV_U64(b, "client-port", strtoull(ea_example_part(e, EA_FP_CLIENT_PORT), NULL, 10));
    KV_U64(b, "first-frame", strtoull(ea_example_part(e, EA_FP_FIRST_FRAME), NULL, 10));
    KV_U64(b, "last-frame", strtoull(ea_example_part(e, EA_FP_LAST_FRAME), NULL, 10));
    KV_STR(b, "filter", ea_example_part(e, EA_FP_FILTER));
    KV_STR(b, "reason", ea_example_part(e, EA_FP_WORDS));
    ea_jb_put(b, "}", 1);
}

/* {"type":"group",...}: the attributes of the XML <group>, initiators and examples as arrays. */
static void write_group(struct ea_jbuf *b, const struct ea_group *g)
{
    char key[EA_GROUP_KEY_LEN + 1], filter[256];
    ea_jb_put(b, "{", 1);
    KV_STR(b, "type", "group");
    KV_STR(b, "key", ea_group_key_str(g->key, key));
    KV_STR(b, "verdict", g->verdict);
    KV_STR(b, "reason-code", g->reason);
    KV_STR(b, "rules", g->rules);
    KV_STR(b, "transport", g->transport);
    KV_STR(b, "responder", g->responder);
    if (g->scan) {
        char *ranges = ea_group_port_ranges(g);
        KV_STR(b, "scan", "yes");
        KV_STR(b, "initiator", g->initiator);
        KV_U64(b, "ports", g->nports);
        KV_STR(b, "port-ranges", ranges ? ranges : "");
        b->oom |= !ranges;
        free(ranges);
    } else {
        KV_U64(b, "port", g->port);
    }
    KV_STR(b, "app", g->app);
    KV_U64(b, "flows", g->flows);
    KV_U64(b, "packets", g->packets);
    KV_U64(b, "bytes", g->bytes);
    KV_U64(b, "initiators", g->initiators);
    if (g->initiators_capped)
        KV_STR(b, "initiators-capped", "yes");
    KV_TIME(b, "first", g->first_ns);
    KV_TIME(b, "last", g->last_ns);
    KV_U64(b, "first-frame", g->first_frame);
    KV_U64(b, "last-frame", g->last_frame);
    KV_STR(b, "filter", ea_group_filter(g, filter, sizeof(filter)));
    KV_STR(b, "reason", g->words ? g->words : "");
    EA_JB_KEY(b, "initiator-list");
    ea_jb_put(b, "[", 1);
    for (unsigned i = 0; i < g->nlisted; i++) {
        if (i)
            ea_jb_put(b, ",", 1);
        ea_jb_str(b, g->listed[i].addr);
    }
    ea_jb_put(b, "]", 1);
    EA_JB_KEY(b, "examples");
    ea_jb_put(b, "[", 1);
    for (unsigned i = 0; i < g->ex.n; i++)
        write_example(b, &g->ex.e[i]);
    ea_jb_put(b, "]}\n", 3);
}

/* {"type":"summary",...}: the XML summary's attributes and counts. */
static void write_summary(struct ea_jbuf *b, const struct ea_view *v)
{
    ea_jb_put(b, "{", 1);
    KV_STR(b, "type", "summary");
    KV_STR(b, "result", ea_policy_has_findings(v->pol) ? "findings" : "compliant");
    KV_U64(b, "blocked-required", v->pol->blocked_required);
    KV_U64(b, "observed", v->pol->statuses[EA_RS_OBSERVED]);
    KV_U64(b, "rules", v->rs->nrules);
    KV_U64(b, "flows", v->flows);
    KV_U64(b, "groups", v->groups ? v->groups->n : 0);
    KV_U64(b, "finding-flows", v->groups ? v->groups->flows : 0);
    KV_U64(b, "scans", v->groups ? v->groups->scans : 0);
    KV_U64(b, "groups-dropped", v->groups_dropped);
    KV_U64(b, "examples", v->examples);
    KV_STR(b, "list-flows", v->list_all ? "all" : "examples");
    for (int i = 0; i < EA_V__COUNT; i++)
    {
        ea_jb_key(b, ea_verdict_name((enum ea_verdict)i));
        ea_jb_u64(b, v->pol->verdicts[i]);
    }
    ea_jb_put(b, "}\n", 2);
}

int ea_report_json_tail(FILE *out, const struct ea_view *v)
{
    struct ea_jbuf b = { NULL, 0, 0, 0 };
    int rc = 0;
    for (size_t i = 0; i < v->rs->nrules; i++)
        write_rule(&b, v, i);
    for (size_t d = 0; d < v->rs->ndocs; d++)
        write_pack(&b, v, d);
    for (size_t i = 0; v->groups && i < v->groups->n && !b.oom; i++) {
        write_group(&b, v->groups->g[i]);
        if (b.len > 65536) {   /* a line at a time, not every group in memory */
            rc |= fwrite(b.p, 1, b.len, out) != b.len;
            b.len = 0;
        }
    }
    write_summary(&b, v);
    if (b.oom || (b.len && fwrite(b.p, 1, b.len, out) != b.len))
        rc = -1;
    free(b.p);
    return rc ? -1 : 0;
}
