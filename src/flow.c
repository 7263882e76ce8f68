/* flow.c: flow labels, orientation, and freeing what a flow owns. */
#include <stdlib.h>
#include <string.h>
#include "flow.h"
#include "dissect-banner.h"
#include "dissect-rtp.h"
#include "dissect-sip.h"
#include "dissect-stun.h"
#include "dissect-tls.h"
#include "dissect-xmpp.h"

static const char *const app_names[EA_APP__COUNT] = {
    [EA_APP_UNKNOWN] = "unknown", [EA_APP_SIP] = "sip", [EA_APP_SIP_TLS] = "sip-tls",
    [EA_APP_XMPP_S2S] = "xmpp-s2s", [EA_APP_XMPP_C2S] = "xmpp-c2s", [EA_APP_STUN] = "stun",
    [EA_APP_MSTURN] = "msturn", [EA_APP_RTP] = "rtp", [EA_APP_RTCP] = "rtcp",
    [EA_APP_TLS] = "tls", [EA_APP_HTTP] = "http", [EA_APP_SSH] = "ssh", [EA_APP_DNS] = "dns",
    [EA_APP_NDPI] = "ndpi",
};

const char *ea_app_name(enum ea_app a)
{
    return (unsigned)a < EA_APP__COUNT ? app_names[a] : "unknown";
}

const char *ea_label_src_name(enum ea_label_src s)
{
    switch (s) {
    case EA_SRC_DISSECTOR: return "dissector";
    case EA_SRC_NDPI: return "ndpi";
    case EA_SRC_PORT: return "port";
    default: return "none";
    }
}

const char *ea_tcp_open_name(enum ea_tcp_open o)
{
    switch (o) {
    case EA_OPEN_MIDSTREAM: return "midstream";
    case EA_OPEN_SYN: return "syn-only";
    case EA_OPEN_SYN_RST: return "syn-rst";
    case EA_OPEN_SYNACK: return "syn-synack";
    case EA_OPEN_ESTABLISHED: return "established";
    default: return "";
    }
}

const char *ea_tcp_close_name(enum ea_tcp_close c)
{
    switch (c) {
    case EA_CLOSE_FIN: return "fin";
    case EA_CLOSE_RST: return "rst";
    default: return "open";
    }
}

void ea_flow_free(struct ea_flow *f)
{
    if (!f)
        return;
    if (f->work && f->work_free)
        f->work_free(f->work);
    ea_tls_info_free(f->facts.tls);
    ea_sip_info_free(f->facts.sip);
    ea_xmpp_info_free(f->facts.xmpp);
    ea_stun_info_free(f->facts.stun);
    ea_rtp_info_free(f->facts.rtp);
    ea_banner_info_free(f->facts.banner);
    free(f->verdict.text);
    free(f);
}

/* Initiator and responder change places: the key and every per-direction counter. */
static void swap_ends(struct ea_flow *f)
{
    struct ea_tuple k = f->key;
    memcpy(f->key.src, k.dst, 16);
    memcpy(f->key.dst, k.src, 16);
    f->key.sport = k.dport;
    f->key.dport = k.sport;
    uint64_t t;
    t = f->pkts[0]; f->pkts[0] = f->pkts[1]; f->pkts[1] = t;
    t = f->bytes[0]; f->bytes[0] = f->bytes[1]; f->bytes[1] = t;
    t = f->payload[0]; f->payload[0] = f->payload[1]; f->payload[1] = t;
    uint16_t r = f->tcp.rsts[0]; f->tcp.rsts[0] = f->tcp.rsts[1]; f->tcp.rsts[1] = r;
}

void ea_flow_orient_reply(struct ea_flow *f)
{
    swap_ends(f);
    f->initiator_inferred = 1;
}

void ea_flow_turn(struct ea_flow *f)
{
    swap_ends(f);
    f->reversed = 1;
}
