/* flow.h: one bidirectional flow and what is known about it. */
#ifndef EA_FLOW_H
#define EA_FLOW_H

#include <stdbool.h>
#include <stdint.h>
#include "packet.h"

/* The dissectors' facts (dissect-*.h); a flow holds each by pointer. */
struct ea_tls_info;
struct ea_sip_info;
struct ea_xmpp_info;
struct ea_stun_info;
struct ea_rtp_info;
struct ea_banner_info;

/* The fixed application vocabulary (docs/labels); EA_APP_NDPI means "use nDPI's name". */
enum ea_app {
    EA_APP_UNKNOWN = 0,
    EA_APP_SIP,
    EA_APP_SIP_TLS,
    EA_APP_XMPP_S2S,
    EA_APP_XMPP_C2S,
    EA_APP_STUN,
    EA_APP_MSTURN,
    EA_APP_RTP,
    EA_APP_RTCP,
    EA_APP_TLS,
    EA_APP_HTTP,
    EA_APP_SSH,
    EA_APP_DNS,
    EA_APP_NDPI,
    EA_APP__COUNT
};

/* How the label was reached. */
enum ea_label_src { EA_SRC_NONE = 0, EA_SRC_DISSECTOR, EA_SRC_NDPI, EA_SRC_PORT };

/* TCP opening, as seen from the initiator's SYN. */
enum ea_tcp_open {
    EA_OPEN_NONE = 0,       /* not TCP */
    EA_OPEN_MIDSTREAM,      /* no SYN seen: joined an existing connection */
    EA_OPEN_SYN,            /* SYN only, never answered */
    EA_OPEN_SYN_RST,        /* SYN answered by RST */
    EA_OPEN_SYNACK,         /* SYN-ACK seen, final ACK not (yet) */
    EA_OPEN_ESTABLISHED,
};

enum ea_tcp_close { EA_CLOSE_OPEN = 0, EA_CLOSE_FIN, EA_CLOSE_RST };

struct ea_inspect;   /* classify.c's per-flow working state, freed once decided */

struct ea_flow {
    /* flow-table.c's links and bookkeeping */
    struct {
        struct ea_flow *hnext;
        struct ea_flow *lru_prev, *lru_next;
        uint32_t hash;
        uint8_t in_table;
        uint8_t lru_list;         /* which of the table's LRU lists holds it (flow-table.c) */
        uint64_t lru_seq;         /* the table's touch count when it was last touched */
        uint64_t touch_frame;     /* frame of the last packet that moved it in the LRU */
        uint64_t end_frame;       /* --threads: when it left its worker's table (workers.c) */
    } table;

    uint64_t id;                  /* 1-based, in order of first packet */
    struct ea_tuple key;          /* oriented: src is the initiator */
    uint16_t vlan_outer;
    uint8_t encap;
    uint8_t initiator_inferred;   /* no SYN, or its first packet was a reply: a guess */
    uint8_t reversed;             /* turned round by the policy after inspection (ea_flow_turn) */
    /* (tcp and label, of small fields, follow here where they fill what would be padding) */

    /* TCP (pipeline.c) */
    struct {
        uint8_t open;             /* enum ea_tcp_open */
        uint8_t close;            /* enum ea_tcp_close */
        uint16_t syns;            /* SYNs from the initiator (retransmissions included) */
        uint16_t rsts[2];
    } tcp;

    /* classification result (classify.c) */
    struct {
        uint8_t app;              /* enum ea_app */
        uint8_t src;              /* enum ea_label_src */
        uint8_t decided;          /* deep inspection finished */
        uint16_t ndpi_master, ndpi_app;   /* nDPI protocol ids (0 = unknown) */
        uint8_t ndpi_guessed;
    } label;

    uint64_t first_ns, last_ns;
    uint64_t first_frame, last_frame;
    uint64_t pkts[2];             /* [0] initiator -> responder, [1] back */
    uint64_t bytes[2];            /* wire bytes (IP layer and up) */
    uint64_t payload[2];          /* L4 payload bytes */

    /* ICMP errors that quote this flow */
    struct {
        uint16_t errors;
        uint8_t type, code;
        uint64_t frame;
    } icmp;

    /*
     * Inspection's working state (classify.c: stream reassembly, dissector
     * states, nDPI's flow), NULL once decided. Owned; opaque here: whoever sets
     * work sets work_free, and ea_flow_free frees it through that.
     */
    void *work;
    void (*work_free)(void *work);

    /* facts from the dissectors; each owned, NULL until that dissector matched */
    struct {
        struct ea_tls_info *tls;
        struct ea_sip_info *sip;
        struct ea_xmpp_info *xmpp;
        struct ea_stun_info *stun;
        struct ea_rtp_info *rtp;
        struct ea_banner_info *banner;
    } facts;

    /* policy result (policy.c) */
    struct {
        uint8_t judged;           /* policy has given its verdict */
        uint8_t v;                /* enum ea_verdict */
        uint8_t reason;           /* enum ea_reason */
        uint8_t blocked_required; /* blocked, and a rule requires it: a finding */
        uint64_t rules;           /* bit per rule index: rules it satisfies (or would have) */
        char *text;               /* owned, plain words of the reason */
    } verdict;

    /* live mode (live.c): alerts are said once per flow, and again only if revised */
    struct {
        uint8_t announced;        /* an alert was written for this flow */
        uint8_t announced_verdict; /* enum ea_verdict, as announced */
        uint8_t previewed;        /* judged early in the table: 1 quiet, 2 decided both ways */
        uint64_t previewed_ns;    /* last_ns at that early judgement */
    } live;
};

/* Label text: "sip", "xmpp-s2s", ... For EA_APP_NDPI the caller uses nDPI's name. */
const char *ea_app_name(enum ea_app a);
const char *ea_label_src_name(enum ea_label_src s);
const char *ea_tcp_open_name(enum ea_tcp_open o);
const char *ea_tcp_close_name(enum ea_tcp_close c);

/*
 * Frees a flow and everything it owns: the dissectors' facts (each with its
 * ea_*_info_free), the verdict text and, through work_free, the working
 * state of an inspection that never finished. Not its table links. NULL is
 * a no-op.
 */
void ea_flow_free(struct ea_flow *f);

/*
 * The flow's first packet was a reply (a lone SYN-ACK, a reply from a service
 * port, a STUN response): the flow was seen from the wrong end. Swaps
 * initiator and responder (key, packet, byte, payload and RST counters) and
 * marks the initiator as inferred. This fixes the orientation the flow
 * starts with; it is not a turn (reversed stays 0).
 */
void ea_flow_orient_reply(struct ea_flow *f);

/*
 * Turns an inspected flow round (Suricata's FlowSwap): the same swap, and
 * reversed is set. For the policy, once its decision says that only the
 * other orientation of a guessed initiator fits a rule. Call it once per
 * flow: the flag says the flow was turned, it does not toggle.
 */
void ea_flow_turn(struct ea_flow *f);

#endif
