/* ndpi-glue.c: nDPI 4.2 for breadth; the only module that includes <ndpi_api.h>. */
#include <stdlib.h>
#include <string.h>
#include <ndpi_api.h>
#include "ndpi-glue.h"

struct ea_ndpi {
    struct ndpi_detection_module_struct *mod;
};

struct ea_ndpi *ea_ndpi_new(void)
{
    struct ea_ndpi *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->mod = ndpi_init_detection_module(ndpi_no_prefs);
    if (!n->mod) {
        free(n);
        return NULL;
    }
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(n->mod, &all);
    ndpi_finalize_initialization(n->mod);
    return n;
}

void ea_ndpi_free(struct ea_ndpi *n)
{
    if (!n)
        return;
    ndpi_exit_detection_module(n->mod);
    free(n);
}

void *ea_ndpi_flow_new(void)
{
    struct ndpi_flow_struct *f = ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
    if (f)
        memset(f, 0, SIZEOF_FLOW_STRUCT);
    return f;
}

void ea_ndpi_flow_free(void *nf)
{
    if (nf)
        ndpi_free_flow(nf);
}

static uint16_t main_id(ndpi_protocol p)
{
    return p.app_protocol != NDPI_PROTOCOL_UNKNOWN ? p.app_protocol : p.master_protocol;
}

int ea_ndpi_process(struct ea_ndpi *n, void *nf, const uint8_t *l3, uint32_t l3_len,
                    uint64_t ts_ns, uint16_t *master, uint16_t *app)
{
    /* nDPI takes an unsigned short length; IP datagrams never exceed it. */
    unsigned short len = l3_len > 65535 ? 65535 : (unsigned short)l3_len;
    ndpi_protocol p = ndpi_detection_process_packet(n->mod, nf, l3, len, ts_ns / 1000000ULL);
    *master = p.master_protocol;
    *app = p.app_protocol;
    if (main_id(p) == NDPI_PROTOCOL_UNKNOWN)
        return 0;
    return ndpi_extra_dissection_possible(n->mod, nf) ? 0 : 1;
}

void ea_ndpi_giveup(struct ea_ndpi *n, void *nf, uint16_t *master, uint16_t *app,
                    uint8_t *guessed)
{
    uint8_t g = 0;
    ndpi_protocol p = ndpi_detection_giveup(n->mod, nf, 1, &g);
    *master = p.master_protocol;
    *app = p.app_protocol;
    *guessed = g;
}

const char *ea_ndpi_name(struct ea_ndpi *n, uint16_t master, uint16_t app, char *buf, size_t len)
{
    ndpi_protocol p = { master, app, NDPI_PROTOCOL_CATEGORY_UNSPECIFIED };
    if (!n || len == 0)
        return "";
    /* A master equal to the app protocol adds nothing: print it once. */
    if (p.master_protocol == p.app_protocol)
        p.master_protocol = NDPI_PROTOCOL_UNKNOWN;
    ndpi_protocol2name(n->mod, p, buf, (u_int)len);
    return buf;
}

enum ea_app ea_ndpi_app(uint16_t master, uint16_t app)
{
    uint16_t id = app != NDPI_PROTOCOL_UNKNOWN ? app : master;
    /* A sub-protocol over TLS (TLS.Skype) is still TLS on the wire. */
    if (master == NDPI_PROTOCOL_TLS)
        id = NDPI_PROTOCOL_TLS;
    switch (id) {
    case NDPI_PROTOCOL_UNKNOWN: return EA_APP_UNKNOWN;
    case NDPI_PROTOCOL_SIP: return EA_APP_SIP;
    case NDPI_PROTOCOL_STUN: return EA_APP_STUN;
    case NDPI_PROTOCOL_RTP: return EA_APP_RTP;
    case NDPI_PROTOCOL_RTCP: return EA_APP_RTCP;
    case NDPI_PROTOCOL_TLS: return EA_APP_TLS;
    case NDPI_PROTOCOL_HTTP: return EA_APP_HTTP;
    case NDPI_PROTOCOL_SSH: return EA_APP_SSH;
    case NDPI_PROTOCOL_DNS: return EA_APP_DNS;
    default: return EA_APP_NDPI;
    }
}
