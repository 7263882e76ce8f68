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

static void kv_str(struct ea_jbuf *b, const char *k, const char *v)
{
    ea_jb_key(b, k);
    ea_jb_str(b, v ? v : "");
}

static void kv_u64(struct ea_jbuf *b, const char *k, uint64_t v)
{
    char n[24];
    ea_jb_key(b, k);
    snprintf(n, sizeof(n), "%" PRIu64, v);
    ea_jb_lit(b, n);
}

static void kv_time(struct ea_jbuf *b, const char *k, uint64_t ns)
{
    char t[48];
    kv_str(b, k, ea_time_str(ns, t, sizeof(t)));
}

/* Issue 15: how TLS began when not with a TLS record. Same names as report-xml.c. */
static void tls_start_facts(struct ea_jbuf *b, const struct ea_tls_info *t)
{
    char v[8];
    if (t->sslv2_hello) {
        kv_str(b, "start", "sslv2-hello");
    } else if (t->midstream) {
        snprintf(v, sizeof(v), "0x%04x", t->record_version);
        kv_str(b, "start", "midstream");
        kv_str(b, "record-version", v);
    }
}

/* Issue 15: XMPP joined mid-stream, and what told c2s from s2s. */
static void xmpp_kind_facts(struct ea_jbuf *b, const struct ea_flow *f)
{
    enum ea_xmpp_evidence ev;
    ea_xmpp_side(f->facts.xmpp, f->key.dport, &ev);
    if (f->facts.xmpp->midstream)
        kv_str(b, "midstream", "yes");
    if (ev != EA_XMPP_EV_NONE)
        kv_str(b, "evidence", ea_xmpp_evidence_name(ev));
}

/* Same names as report-xml.c. */
static void dissector_facts(struct ea_jbuf *b, const struct ea_flow *f)
{
    if (ea_tls_matched(f->facts.tls)) {
        char v[8];
        snprintf(v, sizeof(v), "0x%04x", f->facts.tls->version);
        ea_jb_key(b, "tls");
        ea_jb_put(b, "{", 1);
        kv_str(b, "version", v);
        kv_str(b, "certificate-request", f->facts.tls->cert_request ? "yes" : "no");
        kv_str(b, "client-certificate", f->facts.tls->client_cert_nonempty ? "yes" :
                                        f->facts.tls->client_cert ? "empty" : "no");
        if (f->facts.tls->alpn[0])
            kv_str(b, "alpn", f->facts.tls->alpn);
        tls_start_facts(b, f->facts.tls);
        ea_jb_put(b, "}", 1);
    }
    if (ea_sip_matched(f->facts.sip)) {
        ea_jb_key(b, "sip");
        ea_jb_put(b, "{", 1);
        if (f->facts.sip->method[0])
            kv_str(b, "method", f->facts.sip->method);
        if (f->facts.sip->status)
            kv_u64(b, "status", f->facts.sip->status);
        if (f->facts.sip->via_transport[0])
            kv_str(b, "via-transport", f->facts.sip->via_transport);
        if (f->facts.sip->from_domain[0])
            kv_str(b, "from-domain", f->facts.sip->from_domain);
        if (f->facts.sip->to_domain[0])
            kv_str(b, "to-domain", f->facts.sip->to_domain);
        ea_jb_put(b, "}", 1);
    }
    if (ea_xmpp_seen(f->facts.xmpp)) {
        ea_jb_key(b, "xmpp");
        ea_jb_put(b, "{", 1);
        kv_str(b, "namespace", f->facts.xmpp->ns_server ? "jabber:server" :
                               f->facts.xmpp->ns_client ? "jabber:client" : "");
        if (f->facts.xmpp->to[0])
            kv_str(b, "to", f->facts.xmpp->to);
        if (f->facts.xmpp->from[0])
            kv_str(b, "from", f->facts.xmpp->from);
        kv_str(b, "starttls", f->facts.xmpp->proceed ? "yes" : "no");
        xmpp_kind_facts(b, f);
        ea_jb_put(b, "}", 1);
    }
    if (ea_stun_matched(f->facts.stun)) {
        ea_jb_key(b, "stun");
        ea_jb_put(b, "{", 1);
        kv_str(b, "method", ea_stun_method_name(f->facts.stun->first_method));
        kv_str(b, "msturn", f->facts.stun->msturn || f->facts.stun->ms_attrs ? "yes" : "no");
        kv_u64(b, "requests", (uint64_t)f->facts.stun->requests[0] + f->facts.stun->requests[1]);
        kv_u64(b, "responses", (uint64_t)f->facts.stun->responses[0] + f->facts.stun->responses[1]);
        kv_u64(b, "messages", (uint64_t)f->facts.stun->messages[0] + f->facts.stun->messages[1]);
        if (f->facts.stun->channel_msgs[0] + f->facts.stun->channel_msgs[1])
            kv_u64(b, "channel-data", (uint64_t)f->facts.stun->channel_msgs[0] + f->facts.stun->channel_msgs[1]);
        ea_jb_put(b, "}", 1);
    }
    if (ea_rtp_matched(f->facts.rtp)) {
        char ss[16];
        snprintf(ss, sizeof(ss), "0x%08x", f->facts.rtp->ssrc[0] ? f->facts.rtp->ssrc[0] : f->facts.rtp->ssrc[1]);
        ea_jb_key(b, "rtp");
        ea_jb_put(b, "{", 1);
        kv_str(b, "kind", f->facts.rtp->is_rtp ? "rtp" : "rtcp");
        kv_str(b, "framing", f->facts.rtp->rfc4571 ? "rfc4571" : f->facts.rtp->turn_channel ? "turn-channel-data" : "none");
        kv_str(b, "ssrc", ss);
        if (f->facts.rtp->is_rtp)
            kv_u64(b, "payload-type", f->facts.rtp->payload_type);
        ea_jb_put(b, "}", 1);
    }
    if (ea_banner_matched(f->facts.banner))
        kv_str(b, "banner", f->facts.banner->text);
}

static void write_flow(struct ea_jbuf *b, const struct ea_view *pl, const struct ea_flow *f,
                       const char *group, const char *scan_group)
{
    const struct ea_ruleset *rs = pl->rs;
    char a[64], lbl[64], nd[64];
    ea_jb_put(b, "{", 1);
    kv_str(b, "type", "flow");
    kv_u64(b, "id", f->id);
    kv_str(b, "client", ea_addr_str(f->key.family, f->key.src, a, sizeof(a)));
    kv_u64(b, "client-port", f->key.sport);
    kv_str(b, "server", ea_addr_str(f->key.family, f->key.dst, a, sizeof(a)));
    kv_u64(b, "server-port", f->key.dport);
    kv_str(b, "transport", ea_proto_name(f->key.proto));
    kv_u64(b, "vlan", f->key.vlan);
    enum ea_nat nat = ea_ruleset_nat_of(rs, f->key.family, f->key.dst);   /* as report-xml.c */
    if (nat == EA_NAT_NONE)
        nat = ea_ruleset_nat_of(rs, f->key.family, f->key.src);
    if (nat != EA_NAT_NONE)
        kv_str(b, "nat", ea_nat_name(nat));
    kv_str(b, "app", ea_classify_label(pl->cls, f, lbl, sizeof(lbl)));
    kv_str(b, "app-source", ea_label_src_name((enum ea_label_src)f->label.src));
    kv_str(b, "ndpi", ea_classify_ndpi_name(pl->cls, f, nd, sizeof(nd)));
    if (*ea_classify_ndpi_service(pl->cls, f, nd, sizeof(nd)))
        kv_str(b, "ndpi-service", nd);
    if (ea_tls_matched(f->facts.tls)) {
        kv_str(b, "mtls", ea_mtls_name(ea_tls_mtls(f->facts.tls)));
        kv_str(b, "mtls-evidence", ea_mtls_evidence_name(ea_tls_mtls_evidence(f->facts.tls)));
        kv_str(b, "mtls-reason", ea_tls_mtls_why(f->facts.tls));
        if (f->facts.tls->sni[0])
            kv_str(b, "sni", f->facts.tls->sni);
    }
    kv_str(b, "verdict", f->verdict.judged ? ea_verdict_name((enum ea_verdict)f->verdict.v) : "unjudged");
    ea_jb_key(b, "rules");
    ea_jb_put(b, "[", 1);
    for (size_t i = 0; i < rs->nrules; i++)
        if (f->verdict.rules & (1ULL << i)) {
            if (b->len && b->p[b->len - 1] != '[')
                ea_jb_put(b, ",", 1);
            ea_jb_str(b, rs->rules[i].id);
        }
    ea_jb_put(b, "]", 1);
    kv_str(b, "reason", f->verdict.text ? f->verdict.text : "");
    kv_str(b, "reason-code", ea_reason_name((enum ea_reason)f->verdict.reason));
    if (f->verdict.v == EA_V_BLOCKED)
        kv_str(b, "blocked", f->verdict.blocked_required ? "required" : "forbidden");
    kv_u64(b, "first-frame", f->first_frame);
    kv_u64(b, "last-frame", f->last_frame);
    kv_time(b, "first", f->first_ns);
    kv_time(b, "last", f->last_ns);
    kv_u64(b, "packets-c2s", f->pkts[0]);
    kv_u64(b, "packets-s2c", f->pkts[1]);
    kv_u64(b, "bytes-c2s", f->bytes[0]);
    kv_u64(b, "bytes-s2c", f->bytes[1]);
    if (f->key.proto == IPPROTO_TCP) {
        kv_str(b, "tcp-open", ea_tcp_open_name((enum ea_tcp_open)f->tcp.open));
        kv_str(b, "tcp-close", ea_tcp_close_name((enum ea_tcp_close)f->tcp.close));
        if (f->tcp.syns > 1)
            kv_u64(b, "syn-retransmissions", (uint64_t)f->tcp.syns - 1);
    }
    if (f->initiator_inferred)
        kv_str(b, "initiator", "inferred");
    if (f->icmp.errors) {
        kv_u64(b, "icmp-errors", f->icmp.errors);
        kv_u64(b, "icmp-frame", f->icmp.frame);
    }
    if (group)
        kv_str(b, "group", group);
    if (scan_group)
        kv_str(b, "scan-group", scan_group);
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
    kv_str(b, "type", "rule");
    kv_str(b, "id", r->id);
    kv_str(b, "status", ea_rule_status_name(s->status));
    kv_u64(b, "flows", s->allowed + s->unverified);
    kv_u64(b, "bytes", s->bytes);
    if (s->first_ns) {
        kv_time(b, "first", s->first_ns);
        kv_time(b, "last", s->last_ns);
    }
    kv_u64(b, "allowed", s->allowed);
    kv_u64(b, "unverified", s->unverified);
    kv_u64(b, "blocked", s->blocked);
    kv_u64(b, "violations", s->violations);
    kv_str(b, "pack", rs->docs[r->doc].pack);
    kv_str(b, "table", r->table ? r->table : "");
    if (r->seed_row)
        kv_str(b, "row", r->seed_row);
    kv_str(b, "protocol", ea_rule_proto_name(r->proto));
    kv_str(b, "security", ea_rule_sec_name(r->sec));
    kv_str(b, "transport", ea_proto_name(r->transport));
    kv_str(b, "ports", ports);
    kv_str(b, "source", rs->roles[r->src_role].name);
    kv_str(b, "destination", rs->roles[r->dst_role].name);
    if (r->note && r->note[0])
        kv_str(b, "note", r->note);
    if (r->seed_wording)
        kv_str(b, "seed-wording", r->seed_wording);
    if (r->narrowed_why)
        kv_str(b, "narrowed", r->narrowed_why);
    if (r->corrected_wording)
        kv_str(b, "corrected-wording", r->corrected_wording);
    if (r->corrected_why)
        kv_str(b, "corrected", r->corrected_why);
    /* The evidence total follows report-xml.c exactly. */
    uint64_t total = s->status == EA_RS_BLOCKED ? s->blocked : s->allowed + s->unverified;
    if (s->status == EA_RS_OBSERVED)
        total += s->blocked;
    ea_jb_key(b, "evidence");
    ea_jb_put(b, "{", 1);
    kv_u64(b, "total", total);
    const struct ea_examples *ev = pl->evidence ? &pl->evidence[i] : NULL;
    kv_u64(b, "listed", ev ? ev->n : 0);
    ea_jb_key(b, "flows");
    ea_jb_put(b, "[", 1);
    for (unsigned e = 0; ev && e < ev->n; e++) {
        char n[24];
        snprintf(n, sizeof(n), e ? ",%" PRIu64 : "%" PRIu64, ev->e[e].id);
        ea_jb_lit(b, n);
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
    kv_str(b, "type", "pack");
    kv_str(b, "name", doc->pack);
    if (doc->title)
        kv_str(b, "title", doc->title);
    if (doc->href)
        kv_str(b, "href", doc->href);
    kv_u64(b, "rules", doc->nrules);
    kv_u64(b, "observed", observed);
    ea_jb_put(b, "}\n", 2);
}

char *ea_report_json_alert(const struct ea_view *pl, const struct ea_flow *f, const char *event,
                           const char *previous, size_t *len)
{
    struct ea_jbuf b = { NULL, 0, 0, 0 };
    write_flow(&b, pl, f, NULL, NULL);
    if (b.oom || b.len < 2)
        goto fail;
    b.len -= 2;   /* reopen the object: drop its "}\n" */
    kv_str(&b, "alert", event);
    if (previous)
        kv_str(&b, "previous-verdict", previous);
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
    write_flow(&b, v, f, group, scan_group);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}

/* One example of a group, as an object: the <example> element's attributes and words. */
static void write_example(struct ea_jbuf *b, const struct ea_example *e)
{
    if (b->len && b->p[b->len - 1] != '[')
        ea_jb_put(b, ",", 1);
    ea_jb_put(b, "{", 1);
    kv_u64(b, "flow", e->id);
    kv_str(b, "client", ea_example_part(e, EA_FP_CLIENT));
    kv_u64(b, "client-port", strtoull(ea_example_part(e, EA_FP_CLIENT_PORT), NULL, 10));
    kv_u64(b, "first-frame", strtoull(ea_example_part(e, EA_FP_FIRST_FRAME), NULL, 10));
    kv_u64(b, "last-frame", strtoull(ea_example_part(e, EA_FP_LAST_FRAME), NULL, 10));
    kv_str(b, "filter", ea_example_part(e, EA_FP_FILTER));
    kv_str(b, "reason", ea_example_part(e, EA_FP_WORDS));
    ea_jb_put(b, "}", 1);
}

/* {"type":"group",...}: the attributes of the XML <group>, initiators and examples as arrays. */
static void write_group(struct ea_jbuf *b, const struct ea_group *g)
{
    char key[EA_GROUP_KEY_LEN + 1], filter[256];
    ea_jb_put(b, "{", 1);
    kv_str(b, "type", "group");
    kv_str(b, "key", ea_group_key_str(g->key, key));
    kv_str(b, "verdict", g->verdict);
    kv_str(b, "reason-code", g->reason);
    kv_str(b, "rules", g->rules);
    kv_str(b, "transport", g->transport);
    kv_str(b, "responder", g->responder);
    if (g->scan) {
        char *ranges = ea_group_port_ranges(g);
        kv_str(b, "scan", "yes");
        kv_str(b, "initiator", g->initiator);
        kv_u64(b, "ports", g->nports);
        kv_str(b, "port-ranges", ranges ? ranges : "");
        b->oom |= !ranges;
        free(ranges);
    } else {
        kv_u64(b, "port", g->port);
    }
    kv_str(b, "app", g->app);
    kv_u64(b, "flows", g->flows);
    kv_u64(b, "packets", g->packets);
    kv_u64(b, "bytes", g->bytes);
    kv_u64(b, "initiators", g->initiators);
    if (g->initiators_capped)
        kv_str(b, "initiators-capped", "yes");
    kv_time(b, "first", g->first_ns);
    kv_time(b, "last", g->last_ns);
    kv_u64(b, "first-frame", g->first_frame);
    kv_u64(b, "last-frame", g->last_frame);
    kv_str(b, "filter", ea_group_filter(g, filter, sizeof(filter)));
    kv_str(b, "reason", g->words ? g->words : "");
    ea_jb_key(b, "initiator-list");
    ea_jb_put(b, "[", 1);
    for (unsigned i = 0; i < g->nlisted; i++) {
        if (i)
            ea_jb_put(b, ",", 1);
        ea_jb_str(b, g->listed[i].addr);
    }
    ea_jb_put(b, "]", 1);
    ea_jb_key(b, "examples");
    ea_jb_put(b, "[", 1);
    for (unsigned i = 0; i < g->ex.n; i++)
        write_example(b, &g->ex.e[i]);
    ea_jb_put(b, "]}\n", 3);
}

/* {"type":"summary",...}: the XML summary's attributes and counts. */
static void write_summary(struct ea_jbuf *b, const struct ea_view *v)
{
    ea_jb_put(b, "{", 1);
    kv_str(b, "type", "summary");
    kv_str(b, "result", ea_policy_has_findings(v->pol) ? "findings" : "compliant");
    kv_u64(b, "blocked-required", v->pol->blocked_required);
    kv_u64(b, "observed", v->pol->statuses[EA_RS_OBSERVED]);
    kv_u64(b, "rules", v->rs->nrules);
    kv_u64(b, "flows", v->flows);
    kv_u64(b, "groups", v->groups ? v->groups->n : 0);
    kv_u64(b, "finding-flows", v->groups ? v->groups->flows : 0);
    kv_u64(b, "scans", v->groups ? v->groups->scans : 0);
    kv_u64(b, "groups-dropped", v->groups_dropped);
    kv_u64(b, "examples", v->examples);
    kv_str(b, "list-flows", v->list_all ? "all" : "examples");
    for (int i = 0; i < EA_V__COUNT; i++)
        kv_u64(b, ea_verdict_name((enum ea_verdict)i), v->pol->verdicts[i]);
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
