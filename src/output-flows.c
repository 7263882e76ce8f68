/* output-flows.c: the --flows listing and the run summary. */
#include <inttypes.h>
#include <stdio.h>
#include "output-flows.h"
#include "util-addr.h"
#include "util-str.h"
#include "dissect-tls.h"
#include "flow-spool.h"

const char *ea_endpoint_str(uint8_t family, const uint8_t *addr, uint16_t port, char *buf, size_t n)
{
    char a[64];
    struct ea_sb b;   /* "[%s]:%u" or "%s:%u", without printf: per listed flow */
    ea_addr_str(family, addr, a, sizeof(a));
    ea_sb_init(&b, buf, n);
    ea_sb_str(&b, family == 6 ? "[" : "");
    ea_sb_str(&b, a);
    ea_sb_str(&b, family == 6 ? "]:" : ":");
    ea_sb_u64(&b, port);
    return buf;
}

const char *ea_output_flow_brief(const struct ea_flow *f, char *buf, size_t n)
{
    char c[80], s[80];
    struct ea_sb b;   /* "%s flow %" PRIu64 " %s -> %s: %s" */
    ea_sb_init(&b, buf, n);
    ea_sb_str(&b, ea_verdict_name((enum ea_verdict)f->verdict.v));
    ea_sb_str(&b, " flow ");
    ea_sb_u64(&b, f->id);
    ea_sb_str(&b, " ");
    ea_sb_str(&b, ea_endpoint_str(f->key.family, f->key.src, f->key.sport, c, sizeof(c)));
    ea_sb_str(&b, " -> ");
    ea_sb_str(&b, ea_endpoint_str(f->key.family, f->key.dst, f->key.dport, s, sizeof(s)));
    ea_sb_str(&b, ": ");
    ea_sb_str(&b, f->verdict.text ? f->verdict.text : "");
    return buf;
}

const char *ea_output_flow_line(const struct ea_view *pl, const struct ea_flow *f, char *buf, size_t n)
{
    char c[80], s[80], lbl[64], nd[64];
    char mtls[32] = "-";
    struct ea_sb b;
    if (f->facts.tls && ea_tls_mtls(f->facts.tls) != EA_MTLS_NONE) {
        enum ea_mtls_evidence ev = ea_tls_mtls_evidence(f->facts.tls);
        ea_sb_init(&b, mtls, sizeof(mtls));   /* "unverifiable" or "%s(%s)" */
        if (ev == EA_MTLS_EV_UNVERIFIABLE) {
            ea_sb_str(&b, "unverifiable");
        } else {
            ea_sb_str(&b, ea_mtls_name(ea_tls_mtls(f->facts.tls)));
            ea_sb_str(&b, "(");
            ea_sb_str(&b, ea_mtls_evidence_name(ev));
            ea_sb_str(&b, ")");
        }
    }
    /* "%" PRIu64 " %s -> %s %s%s app=%s(%s) ndpi=%s mtls=%s pkts=%" PRIu64 "/%" PRIu64
       " bytes=%" PRIu64 "/%" PRIu64 " %s", the vlan part " vlan=%u" */
    ea_sb_init(&b, buf, n);
    ea_sb_u64(&b, f->id);
    ea_sb_str(&b, " ");
    ea_sb_str(&b, ea_endpoint_str(f->key.family, f->key.src, f->key.sport, c, sizeof(c)));
    ea_sb_str(&b, " -> ");
    ea_sb_str(&b, ea_endpoint_str(f->key.family, f->key.dst, f->key.dport, s, sizeof(s)));
    ea_sb_str(&b, " ");
    ea_sb_str(&b, ea_proto_name(f->key.proto));
    if (f->key.vlan) {
        ea_sb_str(&b, " vlan=");
        ea_sb_u64(&b, f->key.vlan);
    }
    ea_sb_str(&b, " app=");
    ea_sb_str(&b, ea_classify_label(pl->cls, f, lbl, sizeof(lbl)));
    ea_sb_str(&b, "(");
    ea_sb_str(&b, ea_label_src_name(f->label.src));
    ea_sb_str(&b, ") ndpi=");
    ea_sb_str(&b, ea_classify_ndpi_name(pl->cls, f, nd, sizeof(nd)));
    ea_sb_str(&b, " mtls=");
    ea_sb_str(&b, mtls);
    ea_sb_str(&b, " pkts=");
    ea_sb_u64(&b, f->pkts[0]);
    ea_sb_str(&b, "/");
    ea_sb_u64(&b, f->pkts[1]);
    ea_sb_str(&b, " bytes=");
    ea_sb_u64(&b, f->bytes[0]);
    ea_sb_str(&b, "/");
    ea_sb_u64(&b, f->bytes[1]);
    ea_sb_str(&b, " ");
    ea_sb_str(&b, f->verdict.judged ? ea_verdict_name(f->verdict.v) : "");
    return buf;
}

int ea_output_flows(FILE *out, const struct ea_view *pl)
{
    size_t n = pl->listed ? ea_spool_count(pl->listed) : 0;
    for (size_t i = 0; i < n; i++) {
        struct ea_example e;
        if (ea_spool_get(pl->listed, i, &e) != 0)
            return -1;
        fprintf(out, "%s\n", ea_example_part(&e, EA_FP_LINE));
    }
    return 0;
}

void ea_output_run_summary(FILE *out, const struct ea_view *pl, double seconds)
{
    const struct ea_stats *st = &pl->st;
    uint64_t mal = 0;
    for (int k = 0; k < EA_MAL__COUNT; k++)
        mal += st->malformed[k];
    fprintf(out, "edgeaudit: %" PRIu64 " packets, %" PRIu64 " bytes, %" PRIu64 " flows (%" PRIu64
            " evicted, %" PRIu64 " expired), %" PRIu64 " malformed",
            st->packets, st->bytes, pl->flows, st->flows_evicted, st->flows_expired, mal);
    for (int k = 0; k < EA_MAL__COUNT; k++)
        if (st->malformed[k])
            fprintf(out, " %s=%" PRIu64, ea_mal_name((enum ea_mal)k), st->malformed[k]);
    if (seconds > 0)
        fprintf(out, ", %.0f packets/s", (double)st->packets / seconds);
    fputc('\n', out);
    if (pl->cap.have_loss) {
        uint64_t lost = pl->cap.drop + pl->cap.ifdrop, total = pl->cap.recv + pl->cap.ifdrop;
        fprintf(out, "edgeaudit: capture: %" PRIu64 " received, %" PRIu64 " dropped by the kernel, %" PRIu64
                " dropped by the interface (%.1f%% lost)%s\n", pl->cap.recv, pl->cap.drop, pl->cap.ifdrop,
                total ? 100.0 * (double)lost / (double)total : 0.0,
                pl->cap.incomplete ? ": INCOMPLETE, the verdicts miss what was lost" : "");
    }
}
