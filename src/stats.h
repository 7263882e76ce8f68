/* stats.h: run-wide counters that every stage bumps and the reports print. */
#ifndef EA_STATS_H
#define EA_STATS_H

#include <stdint.h>

/* Kinds of malformed packet. A truncated header and an invalid one differ. */
enum ea_mal {
    EA_MAL_LINK_TRUNC = 0,   /* link-layer header cut short */
    EA_MAL_VLAN_TRUNC,
    EA_MAL_MPLS_TRUNC,
    EA_MAL_GRE_TRUNC,
    EA_MAL_GRE_INVALID,      /* unknown GRE version or flags */
    EA_MAL_ERSPAN_TRUNC,
    EA_MAL_IP_VERSION,       /* IP version field neither 4 nor 6 */
    EA_MAL_IP4_TRUNC,
    EA_MAL_IP4_INVALID,      /* header length < 20 or total length < header */
    EA_MAL_IP6_TRUNC,
    EA_MAL_IP6_EXT_TRUNC,
    EA_MAL_FRAG_INVALID,     /* overlapping or oversized fragments */
    EA_MAL_TCP_TRUNC,
    EA_MAL_TCP_INVALID,      /* data offset < 5 */
    EA_MAL_UDP_TRUNC,
    EA_MAL_UDP_INVALID,      /* length field < 8 */
    EA_MAL_ICMP_TRUNC,
    EA_MAL_ENCAP_DEPTH,      /* too many nested encapsulations */
    EA_MAL__COUNT
};

/* Short stable names for enum ea_mal, e.g. "ipv4-truncated". */
const char *ea_mal_name(enum ea_mal k);

struct ea_stats {
    uint64_t packets;          /* records read */
    uint64_t bytes;            /* wire bytes of those records */
    uint64_t captured_bytes;
    uint64_t non_ip;           /* ARP, LLDP, ... : counted, not a flow */
    uint64_t unsupported_dlt;
    uint64_t ip4, ip6, tcp, udp, icmp, other_l4;
    uint64_t malformed[EA_MAL__COUNT];
    uint64_t frag_packets;     /* fragments seen */
    uint64_t frag_reassembled; /* datagrams rebuilt from fragments */
    uint64_t frag_dropped;     /* fragments dropped: timeout or table full */
    uint64_t icmp_errors_mapped;
    uint64_t icmp_errors_unmatched;
    uint64_t flows_created;
    uint64_t flows_expired;    /* idle timeout in packet time */
    uint64_t flows_evicted;    /* pushed out by the flow cap */
    uint64_t flows_active_peak;
    uint64_t str_truncated;    /* strings cut to EA_STR_CAP */
    uint64_t tcp_gaps;         /* streams whose inspection stopped at a gap */
    uint64_t ts_backwards;     /* packets older than the newest one seen */
    uint64_t first_ns, last_ns;
};

/*
 * Every counter of struct ea_stats but malformed[] (summed per kind) and
 * first_ns/last_ns (earliest, latest): what ea_stats_add (util-stats.h)
 * sums. A counter added above and not here fails to compile there.
 */
#define EA_STATS_COUNTERS(X) \
    X(packets) X(bytes) X(captured_bytes) X(non_ip) X(unsupported_dlt) \
    X(ip4) X(ip6) X(tcp) X(udp) X(icmp) X(other_l4) \
    X(frag_packets) X(frag_reassembled) X(frag_dropped) \
    X(icmp_errors_mapped) X(icmp_errors_unmatched) \
    X(flows_created) X(flows_expired) X(flows_evicted) X(flows_active_peak) \
    X(str_truncated) X(tcp_gaps) X(ts_backwards)

#endif
