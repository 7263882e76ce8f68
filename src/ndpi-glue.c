/* ndpi-glue.c: nDPI 4.2 for breadth; the only module that includes <ndpi_api.h>. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
/* The detection module's layout, for its LRU caches (ea_ndpi_reset); checked at start-up. */
#define NDPI_LIB_COMPILATION
#include <ndpi_api.h>
#include "ndpi-glue.h"

/* nDPI's per-flow state (688 bytes in 4.2) as 8-byte words. */
#define FLOW_WORDS ((SIZEOF_FLOW_STRUCT + 7) / 8)
#define MASK_WORDS ((FLOW_WORDS + 63) / 64)

union flow_buf {
    struct ndpi_flow_struct f;
    uint64_t w[FLOW_WORDS];
};

/*
 * A flow's nDPI state between two of its packets, packed: bit i of mask is
 * set when word i of the state is not zero, and those words follow in
 * order. Most of the state stays zero (a STUN flow after its binding
 * request and response holds about 20 words), and a UDP flow that nDPI has
 * not decided may wait out its idle timeout with it. A TCP flow's state is
 * kept whole, in place (in_place). The words keep their
 * alignment, so the pointers to what nDPI allocated for the flow stay
 * words of the packed state, and the flow owns that as before.
 */
struct ea_ndpi_flow {
    uint64_t mask[MASK_WORDS];
    uint64_t w[];
};

/* Room for a protocol name ("TLS.Skype_Teams"); a longer one is not kept in the cache. */
#define NAME_ROOM 64
#define NAME_SLOTS 16

/* One name ea_ndpi_name has made, for the next flow with the same protocols. */
struct name_slot {
    uint16_t master, app;
    uint8_t used;
    char name[NAME_ROOM];
};

struct ea_ndpi {
    struct ndpi_detection_module_struct *mod;
    int layout_ok;    /* the installed header's module layout matches the library's */
    union flow_buf work;   /* the unpacked state of the flow at hand */
    /* Names by (master, app): a report names every flow, and formatting one costs ~600 instructions. */
    struct name_slot names[NAME_SLOTS];
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
    /* proto_defaults follows the caches: where the library finds it, the header must too. */
    n->layout_ok = ndpi_get_proto_defaults(n->mod) == n->mod->proto_defaults;
    return n;
}

void ea_ndpi_free(struct ea_ndpi *n)
{
    if (!n)
        return;
    ndpi_exit_detection_module(n->mod);
    free(n);
}

/* Drops one of the detection module's lazily made LRU caches; nDPI makes it again when needed. */
static void drop_cache(struct ndpi_lru_cache **c)
{
    if (*c)
        ndpi_lru_free_cache(*c);
    *c = NULL;
}

void ea_ndpi_reset(struct ea_ndpi *n)
{
    struct ndpi_detection_module_struct *m = n->mod;
    if (!n->layout_ok)
        return;
    drop_cache(&m->ookla_cache);
    drop_cache(&m->bittorrent_cache);
    drop_cache(&m->zoom_cache);
    drop_cache(&m->stun_cache);
    drop_cache(&m->tls_cert_cache);
    drop_cache(&m->mining_cache);
    drop_cache(&m->msteams_cache);
}

static unsigned words_of(const struct ea_ndpi_flow *pf)
{
    unsigned n = 0;
    for (size_t i = 0; i < MASK_WORDS; i++)
        n += (unsigned)__builtin_popcountll(pf->mask[i]);
    return n;
}

/* Room for n words, in steps of four: a flow's state grows a word or two at a time. */
static size_t room(unsigned n)
{
    return sizeof(struct ea_ndpi_flow) + ((n + 3u) & ~3u) * sizeof(uint64_t);
}

static void unpack(const struct ea_ndpi_flow *pf, union flow_buf *b)
{
    size_t k = 0;
    memset(b, 0, sizeof(*b));
    for (size_t m = 0; m < MASK_WORDS; m++)
        for (uint64_t bits = pf->mask[m]; bits; bits &= bits - 1)
            b->w[m * 64 + (size_t)__builtin_ctzll(bits)] = pf->w[k++];
}

/*
 * Packs b into *pf, resized to its non-zero words: a first pass finds them
 * (without branches: most of the state is zero), a second copies them. On
 * out-of-memory *pf is left as it was and -1 is returned.
 */
static int pack(const union flow_buf *b, struct ea_ndpi_flow **pf)
{
    uint64_t mask[MASK_WORDS] = { 0 };
    unsigned n = 0;
    for (size_t i = 0; i < FLOW_WORDS; i++) {
        uint64_t nz = b->w[i] != 0;
        mask[i / 64] |= nz << (i % 64);
        n += (unsigned)nz;
    }
    if (room(n) != room(words_of(*pf))) {
        struct ea_ndpi_flow *r = realloc(*pf, room(n));
        if (!r)
            return -1;
        *pf = r;
    }
    struct ea_ndpi_flow *p = *pf;
    size_t k = 0;
    memcpy(p->mask, mask, sizeof(mask));
    for (size_t m = 0; m < MASK_WORDS; m++)
        for (uint64_t bits = mask[m]; bits; bits &= bits - 1)
            p->w[k++] = b->w[m * 64 + (size_t)__builtin_ctzll(bits)];
    return 0;
}

/* The mask word m of a state that keeps every word. */
static uint64_t full_mask(size_t m)
{
    size_t left = FLOW_WORDS - m * 64;
    return left >= 64 ? ~0ULL : (1ULL << left) - 1;
}

void *ea_ndpi_flow_new(int whole)
{
    /* All words zero: a new flow, packed to nothing or kept whole (in_place). */
    struct ea_ndpi_flow *pf = calloc(1, room(whole ? FLOW_WORDS : 0));
    for (size_t m = 0; pf && whole && m < MASK_WORDS; m++)
        pf->mask[m] = full_mask(m);
    return pf;
}

size_t ea_ndpi_flow_size(const void *nf)
{
    return nf ? room(words_of(nf)) : 0;
}

/*
 * A state that keeps every word is nDPI's struct itself, in place (its
 * words in order, 8-aligned): a TCP flow's, which nDPI sees through its
 * handshake packets in a row and which settles or closes soon after, so it
 * is not worth packing again at each packet.
 */
static union flow_buf *in_place(struct ea_ndpi_flow *pf)
{
    for (size_t m = 0; m < MASK_WORDS; m++)
        if (pf->mask[m] != full_mask(m))
            return NULL;
    return (union flow_buf *)(void *)pf->w;
}

void ea_ndpi_flow_free(void *nf)
{
    union flow_buf b;
    if (!nf)
        return;
    union flow_buf *s = in_place(nf);
    if (!s) {
        unpack(nf, &b);
        s = &b;
    }
    ndpi_free_flow_data(&s->f);   /* what nDPI allocated for the flow; the state itself is ours */
    free(nf);
}

/* Keeps every word of b in *pf (in_place from now on); -1 on out-of-memory, *pf as it was. */
static int keep_whole(const union flow_buf *b, struct ea_ndpi_flow **pf)
{
    struct ea_ndpi_flow *r = realloc(*pf, room(FLOW_WORDS));
    if (!r)
        return -1;
    for (size_t m = 0; m < MASK_WORDS; m++)
        r->mask[m] = full_mask(m);
    memcpy(r->w, b->w, sizeof(b->w));
    *pf = r;
    return 0;
}

/*
 * Puts the module's work state back into *nfp: packed, or whole for a TCP
 * flow; on out-of-memory frees the flow and sets *nfp NULL.
 */
static int repack(struct ea_ndpi *n, void **nfp, int whole)
{
    struct ea_ndpi_flow *pf = *nfp;
    if ((whole ? keep_whole(&n->work, &pf) : pack(&n->work, &pf)) == 0) {
        *nfp = pf;
        return 0;
    }
    ndpi_free_flow_data(&n->work.f);
    free(pf);
    *nfp = NULL;
    return -1;
}

static uint16_t main_id(ndpi_protocol p)
{
    return p.app_protocol != NDPI_PROTOCOL_UNKNOWN ? p.app_protocol : p.master_protocol;
}

int ea_ndpi_process(struct ea_ndpi *n, void **nfp, const struct ea_packet *pkt,
                    uint16_t *master, uint16_t *app)
{
    /* nDPI takes an unsigned short length; IP datagrams never exceed it. */
    unsigned short len = pkt->l3_len > 65535 ? 65535 : (unsigned short)pkt->l3_len;
    union flow_buf *b = in_place(*nfp);
    if (!b) {
        unpack(*nfp, &n->work);
        b = &n->work;
    }
    ndpi_protocol p = ndpi_detection_process_packet(n->mod, &b->f, pkt->l3, len,
                                                    pkt->ts_ns / 1000000ULL);
    *master = p.master_protocol;
    *app = p.app_protocol;
    int done = main_id(p) != NDPI_PROTOCOL_UNKNOWN && !ndpi_extra_dissection_possible(n->mod, &b->f);
    if (b == &n->work && repack(n, nfp, pkt->t.proto == IPPROTO_TCP) != 0)
        return 1;
    return done;
}

void ea_ndpi_giveup(struct ea_ndpi *n, void **nfp, uint16_t *master, uint16_t *app,
                    uint8_t *guessed)
{
    uint8_t g = 0;
    union flow_buf *b = in_place(*nfp);
    if (!b) {
        unpack(*nfp, &n->work);
        b = &n->work;
    }
    ndpi_protocol p = ndpi_detection_giveup(n->mod, &b->f, 1, &g);
    *master = p.master_protocol;
    *app = p.app_protocol;
    *guessed = g;
    if (b == &n->work)
        repack(n, nfp, 0);
}

/* Copies name into buf as snprintf(buf, len, "%s", name) would: cut to len - 1 bytes. */
static const char *copy_cut(const char *name, char *buf, size_t len)
{
    size_t l = strlen(name);
    if (l >= len)
        l = len - 1;
    memcpy(buf, name, l);
    buf[l] = 0;
    return buf;
}

const char *ea_ndpi_name(struct ea_ndpi *n, uint16_t master, uint16_t app, char *buf, size_t len)
{
    ndpi_protocol p = { master, app, NDPI_PROTOCOL_CATEGORY_UNSPECIFIED };
    if (!n || len == 0)
        return "";
    /* A master equal to the app protocol adds nothing: print it once. */
    if (p.master_protocol == p.app_protocol)
        p.master_protocol = NDPI_PROTOCOL_UNKNOWN;
    struct name_slot *s = &n->names[(p.master_protocol * 31u + p.app_protocol) % NAME_SLOTS];
    if (s->used && s->master == p.master_protocol && s->app == p.app_protocol)
        return copy_cut(s->name, buf, len);
    /* nDPI cuts the name to the room it is given; a name that fills the slot may have been cut. */
    ndpi_protocol2name(n->mod, p, s->name, (u_int)sizeof(s->name));
    s->used = strlen(s->name) + 1 < sizeof(s->name);
    s->master = p.master_protocol;
    s->app = p.app_protocol;
    if (s->used)
        return copy_cut(s->name, buf, len);
    ndpi_protocol2name(n->mod, p, buf, (u_int)len);
    return buf;
}

/* Our own word for an nDPI protocol id, EA_APP_NDPI when we have none. */
static enum ea_app own_app(uint16_t id)
{
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

/*
 * The protocol on the wire: the master when nDPI names one (STUN in
 * STUN.Zoom, DNS in DNS.Dropbox, TLS in TLS.Skype), else the app protocol.
 */
static uint16_t wire_id(uint16_t master, uint16_t app)
{
    return master != NDPI_PROTOCOL_UNKNOWN ? master : app;
}

enum ea_app ea_ndpi_app(uint16_t master, uint16_t app)
{
    return own_app(wire_id(master, app));
}

/*
 * "Skype_Teams" -> "skype-teams", "Sina(Weibo)" -> "sina-weibo": lower-case
 * letters and digits, each run of anything else one hyphen, none at the ends.
 */
static const char *lower_word(const char *name, char *buf, size_t len)
{
    size_t o = 0;
    int hyphen = 0;
    for (size_t i = 0; name && name[i] && o + 1 < len; i++) {
        char ch = name[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))) {
            hyphen = o > 0;
            continue;
        }
        if (hyphen) {
            if (o + 2 >= len)
                break;      /* no room for the hyphen and a letter: end the word here */
            buf[o++] = '-';
        }
        hyphen = 0;
        buf[o++] = ch;
    }
    buf[o] = 0;
    return o ? buf : ea_app_name(EA_APP_UNKNOWN);
}

const char *ea_ndpi_label(struct ea_ndpi *n, uint16_t master, uint16_t app, char *buf, size_t len)
{
    uint16_t id = wire_id(master, app);
    enum ea_app own = own_app(id);
    if (own != EA_APP_NDPI)
        return ea_app_name(own);
    if (!n || len == 0)
        return ea_app_name(EA_APP_UNKNOWN);
    return lower_word(ndpi_get_proto_name(n->mod, id), buf, len);
}

const char *ea_ndpi_service(struct ea_ndpi *n, uint16_t master, uint16_t app, char *buf,
                            size_t len)
{
    if (!n || len == 0)
        return "";
    buf[0] = 0;
    if (master == NDPI_PROTOCOL_UNKNOWN || app == NDPI_PROTOCOL_UNKNOWN || app == master)
        return buf;
    const char *name = ndpi_get_proto_name(n->mod, app);
    snprintf(buf, len, "%s", name ? name : "");
    return buf;
}

unsigned ea_ndpi_protocols(struct ea_ndpi *n)
{
    return n ? ndpi_get_num_supported_protocols(n->mod) : 0;
}
