/* report-xml.c: writes the XML audit report with libxml2's xmlTextWriter. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <pcap/pcap.h>
#include <libxml/xmlwriter.h>
#include "report-xml.h"
#include "output-flows.h"
#include "group.h"
#include "flow-spool.h"
#include "util-file.h"
#include "util-time.h"
#include "util-addr.h"
#include "config.h"
#include "dissect-banner.h"
#include "dissect-rtp.h"
#include "dissect-sip.h"
#include "dissect-stun.h"
#include "dissect-tls.h"
#include "dissect-xmpp.h"

#define W(x) do { if ((x) < 0) goto fail; } while (0)

static int attr(xmlTextWriterPtr w, const char *name, const char *val)
{
    return xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST val);
}

static int attr_u64(xmlTextWriterPtr w, const char *name, uint64_t v)
{
    char b[24], *p = b + sizeof(b) - 1;    /* by hand: about 15 of these per flow */
    *p = 0;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return attr(w, name, p);
}

static int attr_time(xmlTextWriterPtr w, const char *name, uint64_t ns)
{
    char b[48];
    return attr(w, name, ea_time_str(ns, b, sizeof(b)));
}

static int write_capture(xmlTextWriterPtr w, const struct ea_view *pl)
{
    const struct ea_stats *st = &pl->st;
    W(xmlTextWriterStartElement(w, BAD_CAST "capture"));
    W(attr_u64(w, "packets", st->packets));
    W(attr_u64(w, "bytes", st->bytes));
    if (st->packets) {
        W(attr_time(w, "first", st->first_ns));
        W(attr_time(w, "last", st->last_ns));
    }
    if (pl->cap.partial)
        W(attr(w, "partial", "true"));
    if (pl->cap.have_loss && pl->cap.incomplete)
        W(attr(w, "incomplete", "true"));
    if (pl->cap.window_s)   /* live window report: flows and rules cover the last window only */
        W(attr_u64(w, "window-seconds", pl->cap.window_s));
    for (size_t i = 0; i < pl->cap.nsources; i++) {
        W(xmlTextWriterStartElement(w, BAD_CAST "source"));
        W(attr(w, "name", pl->cap.sources[i]));
        W(xmlTextWriterEndElement(w));
    }
    for (size_t i = 0; i < pl->cap.ndlts; i++) {
        const char *nm = pcap_datalink_val_to_name(pl->cap.dlts[i]);
        W(xmlTextWriterStartElement(w, BAD_CAST "link-type"));
        W(attr_u64(w, "dlt", (uint64_t)pl->cap.dlts[i]));
        W(attr(w, "name", nm ? nm : "unknown"));
        W(xmlTextWriterEndElement(w));
    }
    if (pl->cap.have_loss) {
        W(xmlTextWriterStartElement(w, BAD_CAST "loss"));
        W(attr_u64(w, "received", pl->cap.recv));
        W(attr_u64(w, "dropped", pl->cap.drop));
        W(attr_u64(w, "if-dropped", pl->cap.ifdrop));
        W(xmlTextWriterEndElement(w));
    }
    if (pl->cap.error)
        W(xmlTextWriterWriteElement(w, BAD_CAST "error", BAD_CAST pl->cap.error));
    W(xmlTextWriterStartElement(w, BAD_CAST "counters"));
    W(attr_u64(w, "flows", pl->flows));
    if (pl->done_dropped)   /* live mode's --keep-flows: flows no longer listed */
        W(attr_u64(w, "flows-dropped", pl->done_dropped));
    W(attr_u64(w, "flows-evicted", st->flows_evicted));
    W(attr_u64(w, "flows-expired", st->flows_expired));
    W(attr_u64(w, "flows-peak", st->flows_active_peak));
    W(attr_u64(w, "groups-dropped", pl->groups_dropped));
    W(attr_u64(w, "non-ip", st->non_ip));
    W(attr_u64(w, "unsupported-link", st->unsupported_dlt));
    W(attr_u64(w, "fragments", st->frag_packets));
    W(attr_u64(w, "fragments-reassembled", st->frag_reassembled));
    W(attr_u64(w, "fragments-dropped", st->frag_dropped));
    W(attr_u64(w, "icmp-errors-mapped", st->icmp_errors_mapped));
    W(attr_u64(w, "icmp-errors-unmatched", st->icmp_errors_unmatched));
    W(attr_u64(w, "strings-truncated", st->str_truncated));
    W(attr_u64(w, "tcp-gaps", st->tcp_gaps));
    W(attr_u64(w, "time-backwards", st->ts_backwards));
    W(xmlTextWriterEndElement(w));
    for (int k = 0; k < EA_MAL__COUNT; k++) {
        if (!st->malformed[k])
            continue;
        W(xmlTextWriterStartElement(w, BAD_CAST "malformed"));
        W(attr(w, "kind", ea_mal_name((enum ea_mal)k)));
        W(attr_u64(w, "count", st->malformed[k]));
        W(xmlTextWriterEndElement(w));
    }
    W(xmlTextWriterEndElement(w));
    return 0;
fail:
    return -1;
}

static int write_summary(xmlTextWriterPtr w, const struct ea_view *vw)
{
    const struct ea_policy *pol = vw->pol;
    W(xmlTextWriterStartElement(w, BAD_CAST "summary"));
    W(attr(w, "result", ea_policy_has_findings(pol) ? "findings" : "compliant"));
    W(attr_u64(w, "blocked-required", pol->blocked_required));
    /* "observed N of M rules" */
    W(attr_u64(w, "observed", pol->statuses[EA_RS_OBSERVED]));
    W(attr_u64(w, "rules", pol->rs ? pol->rs->nrules : 0));
    W(attr_u64(w, "groups", vw->groups ? vw->groups->n : 0));
    W(attr_u64(w, "finding-flows", vw->groups ? vw->groups->flows : 0));
    W(attr_u64(w, "examples", vw->examples));
    W(attr(w, "list-flows", vw->list_all ? "all" : "examples"));
    for (int v = 0; v < EA_V__COUNT; v++) {
        W(xmlTextWriterStartElement(w, BAD_CAST "verdict"));
        W(attr(w, "name", ea_verdict_name((enum ea_verdict)v)));
        W(attr_u64(w, "count", pol->verdicts[v]));
        W(xmlTextWriterEndElement(w));
    }
    for (int s = 0; s < EA_RS__COUNT; s++) {
        W(xmlTextWriterStartElement(w, BAD_CAST "status"));
        W(attr(w, "name", ea_rule_status_name((enum ea_rule_status)s)));
        W(attr_u64(w, "count", pol->statuses[s]));
        W(xmlTextWriterEndElement(w));
    }
    W(xmlTextWriterEndElement(w));
    return 0;
fail:
    return -1;
}

/* One <pack> per loaded rules file: its name, its page, its rules and how many were observed. */
static int write_packs(xmlTextWriterPtr w, const struct ea_view *pl)
{
    const struct ea_ruleset *rs = pl->rs;
    for (size_t d = 0; d < rs->ndocs; d++) {
        const struct ea_rules_doc *doc = &rs->docs[d];
        uint64_t observed = 0;
        for (size_t i = 0; i < rs->nrules; i++)
            observed += rs->rules[i].doc == (int)d && pl->pol->stat[i].status == EA_RS_OBSERVED;
        W(xmlTextWriterStartElement(w, BAD_CAST "pack"));
        W(attr(w, "name", doc->pack));
        if (doc->title)
            W(attr(w, "title", doc->title));
        if (doc->href)
            W(attr(w, "href", doc->href));
        W(attr_u64(w, "rules", doc->nrules));
        W(attr_u64(w, "observed", observed));
        W(xmlTextWriterEndElement(w));
    }
    return 0;
fail:
    return -1;
}

/* listed="n" flows="ids": a rule's K smallest evidence ids. */
static int write_evidence_ids(xmlTextWriterPtr w, const struct ea_examples *ex)
{
    unsigned n = ex ? ex->n : 0;
    char *ids = malloc((size_t)n * 21 + 1);
    if (!ids)
        return -1;
    size_t at = 0;
    ids[0] = 0;
    for (unsigned e = 0; e < n; e++)
        at += (size_t)snprintf(ids + at, 22, e ? " %" PRIu64 : "%" PRIu64, ex->e[e].id);
    int rc = attr_u64(w, "listed", n) < 0 ? -1 : attr(w, "flows", ids);
    free(ids);
    return rc < 0 ? -1 : 0;
}

static int write_rules(xmlTextWriterPtr w, const struct ea_view *pl)
{
    const struct ea_ruleset *rs = pl->rs;
    W(xmlTextWriterStartElement(w, BAD_CAST "rules"));
    W(write_packs(w, pl));
    for (size_t i = 0; i < rs->nrules; i++) {
        const struct ea_rule *r = &rs->rules[i];
        const struct ea_rule_stat *s = &pl->pol->stat[i];
        char ports[16];
        if (r->port_lo == r->port_hi)
            snprintf(ports, sizeof(ports), "%u", r->port_lo);
        else
            snprintf(ports, sizeof(ports), "%u-%u", r->port_lo, r->port_hi);
        W(xmlTextWriterStartElement(w, BAD_CAST "rule"));
        W(attr(w, "id", r->id));
        W(attr(w, "status", ea_rule_status_name(s->status)));
        W(attr_u64(w, "flows", s->allowed + s->unverified));
        W(attr_u64(w, "bytes", s->bytes));
        if (s->first_ns) {
            W(attr_time(w, "first", s->first_ns));
            W(attr_time(w, "last", s->last_ns));
        }
        W(attr_u64(w, "allowed", s->allowed));
        W(attr_u64(w, "unverified", s->unverified));
        W(attr_u64(w, "blocked", s->blocked));
        W(attr_u64(w, "violations", s->violations));
        W(attr(w, "pack", rs->docs[r->doc].pack));
        W(attr(w, "table", r->table ? r->table : ""));
        if (r->seed_row)
            W(attr(w, "row", r->seed_row));
        W(attr(w, "protocol", ea_rule_proto_name(r->proto)));
        W(attr(w, "security", ea_rule_sec_name(r->sec)));
        W(attr(w, "transport", ea_proto_name(r->transport)));
        W(attr(w, "ports", ports));
        W(attr(w, "source", rs->roles[r->src_role].name));
        W(attr(w, "destination", rs->roles[r->dst_role].name));
        if (r->note && r->note[0])   /* a page may leave the Notes cell empty */
            W(xmlTextWriterWriteElement(w, BAD_CAST "note", BAD_CAST r->note));
        if (r->seed_wording)
            W(xmlTextWriterWriteElement(w, BAD_CAST "seed-wording", BAD_CAST r->seed_wording));
        if (r->narrowed_why)
            W(xmlTextWriterWriteElement(w, BAD_CAST "narrowed", BAD_CAST r->narrowed_why));
        if (r->corrected_wording)
            W(xmlTextWriterWriteElement(w, BAD_CAST "corrected-wording", BAD_CAST r->corrected_wording));
        if (r->corrected_why)
            W(xmlTextWriterWriteElement(w, BAD_CAST "corrected", BAD_CAST r->corrected_why));
        W(xmlTextWriterStartElement(w, BAD_CAST "evidence"));
        uint64_t total = s->status == EA_RS_BLOCKED ? s->blocked : s->allowed + s->unverified;
        if (s->status == EA_RS_OBSERVED)
            total += s->blocked;
        W(attr_u64(w, "total", total));
        W(write_evidence_ids(w, pl->evidence ? &pl->evidence[i] : NULL));
        W(xmlTextWriterEndElement(w));
        W(xmlTextWriterEndElement(w));
    }
    W(xmlTextWriterEndElement(w));
    return 0;
fail:
    return -1;
}

/* How a TLS stream began when not with a TLS record (issue 15); 0 or -1 as W() wants. */
static int tls_start_attrs(xmlTextWriterPtr w, const struct ea_tls_info *t)
{
    char v[8];
    if (t->sslv2_hello)
        return attr(w, "start", "sslv2-hello");
    if (!t->midstream)
        return 0;
    snprintf(v, sizeof(v), "0x%04x", t->record_version);
    return attr(w, "start", "midstream") < 0 ? -1 : attr(w, "record-version", v);
}

/* XMPP joined mid-stream, and what told c2s from s2s. */
static int xmpp_kind_attrs(xmlTextWriterPtr w, const struct ea_flow *f)
{
    enum ea_xmpp_evidence ev;
    ea_xmpp_side(f->facts.xmpp, f->key.dport, &ev);
    if (f->facts.xmpp->midstream && attr(w, "midstream", "yes") < 0)
        return -1;
    return ev == EA_XMPP_EV_NONE ? 0 : attr(w, "evidence", ea_xmpp_evidence_name(ev));
}

/* What the dissectors found: one child element per dissector that matched the flow. */
static int write_facts(xmlTextWriterPtr w, const struct ea_flow *f)
{
    if (ea_tls_matched(f->facts.tls)) {
        char v[8];
        W(xmlTextWriterStartElement(w, BAD_CAST "tls"));
        /* Only the negotiated version: unknown until the ServerHello was seen. */
        if (f->facts.tls->version) {
            snprintf(v, sizeof(v), "0x%04x", f->facts.tls->version);
            W(attr(w, "version", v));
        }
        W(attr(w, "certificate-request", f->facts.tls->cert_request ? "yes" : "no"));
        W(attr(w, "client-certificate", f->facts.tls->client_cert_nonempty ? "yes" :
                                         f->facts.tls->client_cert ? "empty" : "no"));
        if (f->facts.tls->alpn[0])
            W(attr(w, "alpn", f->facts.tls->alpn));
        W(tls_start_attrs(w, f->facts.tls));
        W(xmlTextWriterEndElement(w));
    }
    if (ea_sip_matched(f->facts.sip)) {
        W(xmlTextWriterStartElement(w, BAD_CAST "sip"));
        if (f->facts.sip->method[0])
            W(attr(w, "method", f->facts.sip->method));
        if (f->facts.sip->status)
            W(attr_u64(w, "status", f->facts.sip->status));
        if (f->facts.sip->via_transport[0])
            W(attr(w, "via-transport", f->facts.sip->via_transport));
        if (f->facts.sip->from_domain[0])
            W(attr(w, "from-domain", f->facts.sip->from_domain));
        if (f->facts.sip->to_domain[0])
            W(attr(w, "to-domain", f->facts.sip->to_domain));
        W(xmlTextWriterEndElement(w));
    }
    if (ea_xmpp_seen(f->facts.xmpp)) {
        W(xmlTextWriterStartElement(w, BAD_CAST "xmpp"));
        W(attr(w, "namespace", f->facts.xmpp->ns_server ? "jabber:server" :
                               f->facts.xmpp->ns_client ? "jabber:client" : ""));
        if (f->facts.xmpp->to[0])
            W(attr(w, "to", f->facts.xmpp->to));
        if (f->facts.xmpp->from[0])
            W(attr(w, "from", f->facts.xmpp->from));
        W(attr(w, "starttls", f->facts.xmpp->proceed ? "yes" : "no"));
        W(xmpp_kind_attrs(w, f));
        W(xmlTextWriterEndElement(w));
    }
    if (ea_stun_matched(f->facts.stun)) {
        W(xmlTextWriterStartElement(w, BAD_CAST "stun"));
        W(attr(w, "method", ea_stun_method_name(f->facts.stun->first_method)));
        W(attr(w, "msturn", f->facts.stun->msturn || f->facts.stun->ms_attrs ? "yes" : "no"));
        W(attr_u64(w, "requests", f->facts.stun->requests[0] + f->facts.stun->requests[1]));
        W(attr_u64(w, "responses", f->facts.stun->responses[0] + f->facts.stun->responses[1]));
        W(attr_u64(w, "messages", (uint64_t)f->facts.stun->messages[0] + f->facts.stun->messages[1]));
        if (f->facts.stun->channel_msgs[0] + f->facts.stun->channel_msgs[1])
            W(attr_u64(w, "channel-data", (uint64_t)f->facts.stun->channel_msgs[0] + f->facts.stun->channel_msgs[1]));
        W(xmlTextWriterEndElement(w));
    }
    if (ea_rtp_matched(f->facts.rtp)) {
        char ss[16];
        W(xmlTextWriterStartElement(w, BAD_CAST "rtp"));
        W(attr(w, "kind", f->facts.rtp->is_rtp ? "rtp" : "rtcp"));
        W(attr(w, "framing", f->facts.rtp->rfc4571 ? "rfc4571" : f->facts.rtp->turn_channel ? "turn-channel-data" : "none"));
        snprintf(ss, sizeof(ss), "0x%08x", f->facts.rtp->ssrc[0] ? f->facts.rtp->ssrc[0] : f->facts.rtp->ssrc[1]);
        W(attr(w, "ssrc", ss));
        if (f->facts.rtp->is_rtp)
            W(attr_u64(w, "payload-type", f->facts.rtp->payload_type));
        W(xmlTextWriterEndElement(w));
    }
    if (ea_banner_matched(f->facts.banner))
        W(xmlTextWriterWriteElement(w, BAD_CAST "banner", BAD_CAST f->facts.banner->text));
    return 0;
fail:
    return -1;
}

static int write_flow(xmlTextWriterPtr w, const struct ea_view *pl, const struct ea_flow *f,
                      const char *group)
{
    const struct ea_ruleset *rs = pl->rs;
    char a[64], lbl[64], nd[64];
    W(xmlTextWriterStartElement(w, BAD_CAST "flow"));
    W(attr_u64(w, "id", f->id));
    W(attr(w, "client", ea_addr_str(f->key.family, f->key.src, a, sizeof(a))));
    W(attr_u64(w, "client-port", f->key.sport));
    W(attr(w, "server", ea_addr_str(f->key.family, f->key.dst, a, sizeof(a))));
    W(attr_u64(w, "server-port", f->key.dport));
    W(attr(w, "transport", ea_proto_name(f->key.proto)));
    W(attr_u64(w, "vlan", f->key.vlan));
    enum ea_nat nat = ea_ruleset_nat_of(rs, f->key.family, f->key.dst);   /* behind NAT: which address */
    if (nat == EA_NAT_NONE)
        nat = ea_ruleset_nat_of(rs, f->key.family, f->key.src);
    if (nat != EA_NAT_NONE)
        W(attr(w, "nat", ea_nat_name(nat)));
    W(attr(w, "app", ea_classify_label(pl->cls, f, lbl, sizeof(lbl))));
    W(attr(w, "app-source", ea_label_src_name(f->label.src)));
    W(attr(w, "ndpi", ea_classify_ndpi_name(pl->cls, f, nd, sizeof(nd))));
    if (*ea_classify_ndpi_service(pl->cls, f, nd, sizeof(nd)))
        W(attr(w, "ndpi-service", nd));
    if (ea_tls_matched(f->facts.tls)) {
        W(attr(w, "mtls", ea_mtls_name(ea_tls_mtls(f->facts.tls))));
        W(attr(w, "mtls-evidence", ea_mtls_evidence_name(ea_tls_mtls_evidence(f->facts.tls))));
        W(attr(w, "mtls-reason", ea_tls_mtls_why(f->facts.tls)));
        if (f->facts.tls->sni[0])
            W(attr(w, "sni", f->facts.tls->sni));
    }
    W(attr(w, "verdict", f->verdict.judged ? ea_verdict_name(f->verdict.v) : "unjudged"));
    char rules[EA_MAX_RULES * 40];
    rules[0] = 0;   /* not the whole array: this runs once per flow */
    for (size_t i = 0; i < rs->nrules; i++)
        if (f->verdict.rules & (1ULL << i)) {
            if (rules[0])
                ea_str_append(rules, sizeof(rules), " ");
            ea_str_append(rules, sizeof(rules), rs->rules[i].id);
        }
    W(attr(w, "rules", rules));
    W(attr(w, "reason", f->verdict.text ? f->verdict.text : ""));
    W(attr(w, "reason-code", ea_reason_name(f->verdict.reason)));
    if (f->verdict.v == EA_V_BLOCKED)
        W(attr(w, "blocked", f->verdict.blocked_required ? "required" : "forbidden"));
    W(attr_u64(w, "first-frame", f->first_frame));
    W(attr_u64(w, "last-frame", f->last_frame));
    W(attr_time(w, "first", f->first_ns));
    W(attr_time(w, "last", f->last_ns));
    W(attr_u64(w, "packets-c2s", f->pkts[0]));
    W(attr_u64(w, "packets-s2c", f->pkts[1]));
    W(attr_u64(w, "bytes-c2s", f->bytes[0]));
    W(attr_u64(w, "bytes-s2c", f->bytes[1]));
    if (f->key.proto == IPPROTO_TCP) {
        W(attr(w, "tcp-open", ea_tcp_open_name(f->tcp.open)));
        W(attr(w, "tcp-close", ea_tcp_close_name(f->tcp.close)));
        if (f->tcp.syns > 1)
            W(attr_u64(w, "syn-retransmissions", f->tcp.syns - 1));
    }
    if (f->initiator_inferred)
        W(attr(w, "initiator", "inferred"));
    if (f->icmp.errors) {
        W(attr_u64(w, "icmp-errors", f->icmp.errors));
        W(attr_u64(w, "icmp-frame", f->icmp.frame));
    }
    if (group)
        W(attr(w, "group", group));
    W(write_facts(w, f));
    W(xmlTextWriterEndElement(w));
    return 0;
fail:
    return -1;
}

/* One group's attributes after its key: the fields, counters, times and filter. */
static int group_attrs(xmlTextWriterPtr w, const struct ea_group *g)
{
    char filter[256];
    W(attr(w, "verdict", g->verdict));
    W(attr(w, "reason-code", g->reason));
    W(attr(w, "rules", g->rules));
    W(attr(w, "transport", g->transport));
    W(attr(w, "responder", g->responder));
    if (g->scan) {
        char *ranges = ea_group_port_ranges(g);
        W(attr(w, "scan", "yes"));
        W(attr(w, "initiator", g->initiator));
        W(attr_u64(w, "ports", g->nports));
        int rc = ranges ? attr(w, "port-ranges", ranges) : -1;
        free(ranges);
        W(rc);
    } else {
        W(attr_u64(w, "port", g->port));
    }
    W(attr(w, "app", g->app));
    W(attr_u64(w, "flows", g->flows));
    W(attr_u64(w, "packets", g->packets));
    W(attr_u64(w, "bytes", g->bytes));
    W(attr_u64(w, "initiators", g->initiators));
    if (g->initiators_capped)
        W(attr(w, "initiators-capped", "yes"));
    W(attr_time(w, "first", g->first_ns));
    W(attr_time(w, "last", g->last_ns));
    W(attr_u64(w, "first-frame", g->first_frame));
    W(attr_u64(w, "last-frame", g->last_frame));
    W(attr(w, "filter", ea_group_filter(g, filter, sizeof(filter))));
    return 0;
fail:
    return -1;
}

/* One <example>: the flow's id, client, frames and filter, with the reason in words. */
static int write_example(xmlTextWriterPtr w, const struct ea_example *e)
{
    W(xmlTextWriterStartElement(w, BAD_CAST "example"));
    W(attr_u64(w, "flow", e->id));
    W(attr(w, "client", ea_example_part(e, EA_FP_CLIENT)));
    W(attr(w, "client-port", ea_example_part(e, EA_FP_CLIENT_PORT)));
    W(attr(w, "first-frame", ea_example_part(e, EA_FP_FIRST_FRAME)));
    W(attr(w, "last-frame", ea_example_part(e, EA_FP_LAST_FRAME)));
    W(attr(w, "filter", ea_example_part(e, EA_FP_FILTER)));
    W(xmlTextWriterWriteString(w, BAD_CAST ea_example_part(e, EA_FP_WORDS)));
    W(xmlTextWriterEndElement(w));
    return 0;
fail:
    return -1;
}

static int write_group(xmlTextWriterPtr w, const struct ea_group *g)
{
    char key[EA_GROUP_KEY_LEN + 1];
    W(xmlTextWriterStartElement(w, BAD_CAST "group"));
    W(attr(w, "key", ea_group_key_str(g->key, key)));
    W(group_attrs(w, g));
    if (g->words && g->words[0])
        W(xmlTextWriterWriteElement(w, BAD_CAST "reason", BAD_CAST g->words));
    for (unsigned i = 0; i < g->nlisted; i++) {
        W(xmlTextWriterStartElement(w, BAD_CAST "initiator"));
        W(attr(w, "address", g->listed[i].addr));
        W(xmlTextWriterEndElement(w));
    }
    for (unsigned i = 0; i < g->ex.n; i++)
        W(write_example(w, &g->ex.e[i]));
    W(xmlTextWriterEndElement(w));
    return 0;
fail:
    return -1;
}

/* <findings>: every finding group, in the list's order. */
static int write_findings(xmlTextWriterPtr w, const struct ea_view *pl)
{
    const struct ea_group_list *l = pl->groups;
    W(xmlTextWriterStartElement(w, BAD_CAST "findings"));
    W(attr_u64(w, "groups", l ? l->n : 0));
    W(attr_u64(w, "flows", l ? l->flows : 0));
    W(attr_u64(w, "scans", l ? l->scans : 0));
    for (size_t i = 0; l && i < l->n; i++)
        W(write_group(w, l->g[i]));
    W(xmlTextWriterEndElement(w));
    return 0;
fail:
    return -1;
}

/*
 * A listed flow's serialized <flow>, written as it is but for its group
 * key, which becomes the scan key when its family folded after it was
 * serialized (the key's 16 digits stand at the first ' group="').
 */
static int write_listed(xmlTextWriterPtr w, const struct ea_view *pl, const struct ea_example *e)
{
    const char *xml = ea_example_part(e, EA_FP_XML), *k = ea_example_part(e, EA_FP_KEY);
    const char *sk = ea_example_part(e, EA_FP_SCAN_KEY), *at = strstr(xml, " group=\"");
    uint64_t key = 0, scan = 0;
    if (!at || ea_group_key_parse(k, &key) != 0 || ea_group_key_parse(sk, &scan) != 0 || !pl->groups ||
        ea_group_list_final(pl->groups, key, scan) == key)
        return xmlTextWriterWriteRaw(w, BAD_CAST xml);
    char hex[EA_GROUP_KEY_LEN + 1];
    at += strlen(" group=\"");
    ea_group_key_str(scan, hex);
    W(xmlTextWriterWriteRawLen(w, BAD_CAST xml, (int)(at - xml)));
    W(xmlTextWriterWriteRaw(w, BAD_CAST hex));
    return xmlTextWriterWriteRaw(w, BAD_CAST at + EA_GROUP_KEY_LEN);
fail:
    return -1;
}

/* <flows>: the listed flows (examples and evidence, or all), serialized as they finished. */
static int write_flows(xmlTextWriterPtr w, const struct ea_view *pl)
{
    size_t n = pl->listed ? ea_spool_count(pl->listed) : 0;
    W(xmlTextWriterStartElement(w, BAD_CAST "flows"));
    W(attr(w, "listed", pl->list_all ? "all" : "examples"));
    W(attr_u64(w, "total", pl->flows));
    if (n)
        W(xmlTextWriterWriteRaw(w, BAD_CAST "\n"));
    for (size_t i = 0; i < n; i++) {
        struct ea_example e;
        W(ea_spool_get(pl->listed, i, &e));
        W(write_listed(w, pl, &e));
    }
    if (n)
        W(xmlTextWriterWriteRaw(w, BAD_CAST "  "));
    W(xmlTextWriterEndElement(w));
    return 0;
fail:
    return -1;
}

/* The whole document, into any writer. 0, or -1 when a write failed. */
static int write_doc(xmlTextWriterPtr w, const struct ea_view *pl, const struct ea_report_meta *meta)
{
    xmlTextWriterSetIndent(w, 1);
    xmlTextWriterSetIndentString(w, BAD_CAST "  ");
    W(xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL));
    W(xmlTextWriterStartElement(w, BAD_CAST "edgeaudit-report"));
    W(attr(w, "version", "2"));
    W(attr(w, "generator", "edgeaudit " PACKAGE_VERSION));
    if (!meta->deterministic) {
        char host[256] = "";
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        W(attr_time(w, "created", (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec));
        if (gethostname(host, sizeof(host) - 1) == 0)
            W(attr(w, "host", host));
    }
    W(write_capture(w, pl));
    W(write_summary(w, pl));
    W(write_rules(w, pl));
    W(write_findings(w, pl));
    W(write_flows(w, pl));
    W(xmlTextWriterEndElement(w));
    W(xmlTextWriterEndDocument(w));
    return 0;
fail:
    return -1;
}

/* Puts four spaces before every line of in (n bytes): a <flow> as it stands inside <flows>. */
static char *indent4(const char *in, size_t n, size_t *len)
{
    size_t lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += in[i] == '\n';
    char *out = malloc(n + 4 * (lines + 1) + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || in[i - 1] == '\n') {
            memcpy(o, "    ", 4);
            o += 4;
        }
        *o++ = in[i];
    }
    *o = 0;
    *len = (size_t)(o - out);
    return out;
}

char *ea_report_xml_flow(const struct ea_view *v, const struct ea_flow *f, const char *group, size_t *len)
{
    char *out = NULL;
    xmlBufferPtr buf = xmlBufferCreate();
    xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
    if (!w)
        goto done;
    xmlTextWriterSetIndent(w, 1);
    xmlTextWriterSetIndentString(w, BAD_CAST "  ");
    if (write_flow(w, v, f, group) != 0 || xmlTextWriterFlush(w) < 0)
        goto done;
    out = indent4((const char *)xmlBufferContent(buf), (size_t)xmlBufferLength(buf), len);
done:
    if (w)
        xmlFreeTextWriter(w);
    if (buf)
        xmlBufferFree(buf);
    return out;
}

char *ea_report_xml_build(const struct ea_view *pl, const struct ea_report_meta *meta, size_t *len)
{
    char *out = NULL;
    xmlBufferPtr buf = xmlBufferCreate();
    if (buf)   /* libxml2 2.9 grows it by what is added: a realloc per 4 KB, each a copy under ASan */
        xmlBufferSetAllocationScheme(buf, XML_BUFFER_ALLOC_DOUBLEIT);
    xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
    if (!w)
        goto done;
    if (write_doc(w, pl, meta) != 0)
        goto done;
    xmlFreeTextWriter(w);
    w = NULL;
    *len = (size_t)xmlBufferLength(buf);
    /* Takes the buffer over instead of copying it: a report of many flows is tens of MB.
       It is NUL-terminated and comes from xmlMalloc, which is malloc: free() releases it. */
    out = (char *)xmlBufferDetach(buf);
done:
    if (w)
        xmlFreeTextWriter(w);
    if (buf)
        xmlBufferFree(buf);
    return out;
}

struct xml_job {
    const struct ea_view *pl;
    const struct ea_report_meta *meta;
    int fd;
    int werrno;                 /* errno of the first failed write, or 0 */
};

/* libxml2 output callback: the whole buffer, or -1. */
static int xml_out(void *ctx, const char *buf, int len)
{
    struct xml_job *j = ctx;
    if (len < 0 || ea_write_all(j->fd, buf, (size_t)len) != 0) {
        if (!j->werrno)
            j->werrno = errno ? errno : EIO;
        return -1;
    }
    return len;
}

/* Streams the document into fd through libxml2's own output buffer (a few KB). */
static int fill_xml(int fd, void *ctx)
{
    struct xml_job *j = ctx;
    j->fd = fd;
    j->werrno = 0;
    xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(xml_out, NULL, j, NULL);
    xmlTextWriterPtr w = ob ? xmlNewTextWriter(ob) : NULL;
    if (!w) {
        if (ob)
            xmlOutputBufferClose(ob);
        errno = ENOMEM;
        return -1;
    }
    int rc = write_doc(w, j->pl, j->meta);
    xmlFreeTextWriter(w);       /* flushes and closes ob */
    if (j->werrno) {
        errno = j->werrno;
        return -1;
    }
    if (rc != 0) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

int ea_report_xml_write(const struct ea_view *pl, const struct ea_report_meta *meta, const char *path,
                        char *err, size_t errlen)
{
    struct xml_job j = { pl, meta, -1, 0 };
    return ea_write_atomic_fn(path, fill_xml, &j, err, errlen);
}
