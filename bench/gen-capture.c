/*
 * gen-capture.c: deterministic generator of large mixed Lync-edge captures (and of a full TCP
 * port scan of the edge) for the bench, streaming: memory holds the flows sending at once.
 *
 * Usage: gen-capture [--packets N] [--flows N] [--seed S] [--pps R] [--span S] [--small] OUT.pcap
 *        gen-capture --scan [--ports N] [--rate R] [--seed S] OUT.pcap
 *
 * The mix is bench/gen-capture.py's (same kinds, shares, packets per kind, timing, address plan):
 * SIP dialogs on UDP 5060 with SDP and their RTP streams on the edge's 50000-59999, TLS 1.2 with
 * real ClientHello/ServerHello/Certificate records (mutual on 5061, plain on 443), XMPP s2s on
 * 5269 with STARTTLS, STUN Binding and TURN Allocate (MESSAGE-INTEGRITY, FINGERPRINT) on 3478,
 * DNS and background HTTPS, 12 % of it over IPv6. Every TCP flow has a handshake, consistent
 * sequence numbers and a close; IP, TCP and UDP checksums are correct. Classic pcap, Ethernet,
 * microsecond stamps, records in time order. The same arguments give the same bytes (the bytes
 * differ from gen-capture.py's: another random generator; DNS goes to four resolvers, not one,
 * and client ports leave 32768-60999 when that range is taken, so that many flows fit the plan).
 *
 * Time: the capture lasts packets / pps seconds; flows start over its first half (stratified:
 * flow i of n in the i-th n-th), and TLS and STUN flows spread their records over --span seconds
 * (default: half the capture, as gen-capture.py). With a fixed span the flows alive at once
 * depend on the rate of new flows, not on the length: --pps 16000 --span 60 gives about 230,000
 * flows alive at the peak at 10M packets over 500k flows, and as many at 50M over 2.5M (five
 * times as long). The generator prints that peak from a model (a TCP flow lives until 30 s after
 * its close, a UDP flow until 180 s after its last packet: edgeaudit's default timeouts).
 *
 * How it streams: the flows are planned first (kind, addresses, ports, start, size; a 5-tuple is
 * not reused while its flow may be alive), in order of start; each flow then runs as a small state
 * machine that yields its packets in time order, and a heap keyed by each running flow's next
 * packet time merges them. Memory: the plan (40 bytes a flow) and the flows sending at once.
 *
 * --small: the same flows, packets and timing with smaller payloads: G.729 (20-byte frames,
 * payload type 18) instead of PCMU (160 bytes) in SDP and RTP, and TLS application records of
 * 60 to 300 bytes instead of 60 to 1400. About half the bytes; for captures that must stay in
 * the page cache.
 *
 * --scan: a SYN scan of every TCP port of the edge (192.0.2.10) from one address and one source
 * port, ports in a shuffled order at --rate probes/s (default 80000): RST-ACK from closed ports,
 * SYN-ACK from the open ones (443, 5061, 5269), answered by the scanner's RST, as nmap -sS does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- random numbers: splitmix64 ---- */

struct rng {
    uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* rnd_range: uniform in [lo, hi] (hi - lo far below 2^64: the bias is nil here). */
static uint64_t rnd_range(struct rng *r, uint64_t lo, uint64_t hi)
{
    return lo + rnd(r) % (hi - lo + 1);
}

static double rnd_unit(struct rng *r)
{
    return (double)(rnd(r) >> 11) / 9007199254740992.0;
}

static void rnd_bytes(struct rng *r, uint8_t *p, size_t n)
{
    while (n) {
        uint64_t v = rnd(r);
        size_t k = n < 8 ? n : 8;
        memcpy(p, &v, k);
        p += k;
        n -= k;
    }
}

static void die(const char *msg)
{
    fprintf(stderr, "gen-capture: %s\n", msg);
    exit(2);
}

static void *xmalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

/* ---- growable byte buffer for payloads ---- */

struct buf {
    uint8_t d[4096];
    size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
    if (b->n + n > sizeof(b->d))
        die("payload too large");
    memcpy(b->d + b->n, p, n);
    b->n += n;
}

static void put8(struct buf *b, unsigned v)
{
    uint8_t x = (uint8_t)v;
    put(b, &x, 1);
}

static void put16(struct buf *b, unsigned v)
{
    uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    put(b, x, 2);
}

static void put24(struct buf *b, unsigned v)
{
    uint8_t x[3] = { (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    put(b, x, 3);
}

static void put32(struct buf *b, uint32_t v)
{
    uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    put(b, x, 4);
}

static void put_rnd(struct buf *b, struct rng *r, size_t n)
{
    if (b->n + n > sizeof(b->d))
        die("payload too large");
    rnd_bytes(r, b->d + b->n, n);
    b->n += n;
}

static void set16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void set24(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}

static void set32(uint8_t *p, uint32_t v)
{
    set16(p, v >> 16);
    set16(p + 2, v & 0xffff);
}

/* A saved payload template (TLS records made once and reused). */
struct tpl {
    uint8_t *d;
    size_t n;
};

static struct tpl tpl_of(const struct buf *b)
{
    struct tpl t = { xmalloc(b->n), b->n };
    memcpy(t.d, b->d, b->n);
    return t;
}

/* ---- CRC-32 (STUN FINGERPRINT, RFC 5389 15.5) and HMAC-SHA1 (MESSAGE-INTEGRITY, 15.4) ---- */

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    static uint32_t tab[256];
    if (!tab[1])
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            tab[i] = c;
        }
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++)
        c = tab[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

#define ROL(x, k) (((x) << (k)) | ((x) >> (32 - (k))))

static void sha1_block(uint32_t h[5], const uint8_t *blk)
{
    uint32_t w[80], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)blk[4 * i] << 24 | (uint32_t)blk[4 * i + 1] << 16 |
               (uint32_t)blk[4 * i + 2] << 8 | blk[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = ROL(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5a827999;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ed9eba1;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8f1bbcdc;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6;
        }
        uint32_t t = ROL(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = ROL(b, 30);
        b = a;
        a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

/* sha1 of the concatenation of a (na bytes) and b (nb bytes). */
static void sha1_2(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, uint8_t out[20])
{
    uint32_t h[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 };
    uint8_t blk[64];
    size_t fill = 0, total = na + nb;
    for (size_t i = 0; i < total; i++) {
        blk[fill++] = i < na ? a[i] : b[i - na];
        if (fill == 64) {
            sha1_block(h, blk);
            fill = 0;
        }
    }
    blk[fill++] = 0x80;
    if (fill > 56) {
        memset(blk + fill, 0, 64 - fill);
        sha1_block(h, blk);
        fill = 0;
    }
    memset(blk + fill, 0, 56 - fill);
    uint64_t bits = (uint64_t)total * 8;
    for (int i = 0; i < 8; i++)
        blk[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    sha1_block(h, blk);
    for (int i = 0; i < 5; i++)
        set32(out + 4 * i, h[i]);
}

static void hmac_sha1(const char *key, const uint8_t *m, size_t n, uint8_t out[20])
{
    uint8_t ipad[64] = { 0 }, opad[64], inner[20];
    memcpy(ipad, key, strlen(key));
    memcpy(opad, ipad, 64);
    for (int i = 0; i < 64; i++) {
        ipad[i] ^= 0x36;
        opad[i] ^= 0x5c;
    }
    sha1_2(ipad, 64, m, n, inner);
    sha1_2(opad, 64, inner, 20, out);
}

/* ---- address plan (documentation ranges only; as gen-capture.py) ---- */

enum {
    A_EDGE4, A_EDGE6, A_FED, A_PUBIM, A_CLIENT, A_LIVE, A_NOROLE, A_PEER6, /* 3 */
    A_DNS6 = A_PEER6 + 3, A_SCANNER, A_DNS4, /* 3 more resolvers, in no role like A_NOROLE */
    A_REMOTE4 = A_DNS4 + 3, /* 150 */
    A__COUNT = A_REMOTE4 + 150
};

struct addr {
    uint8_t b[16];
    uint8_t len;
};

static struct addr addrs[A__COUNT];

static void addr_set(int i, const char *s)
{
    if (strchr(s, ':')) {
        addrs[i].len = 16;
        if (inet_pton(AF_INET6, s, addrs[i].b) != 1)
            die("bad address");
    } else {
        addrs[i].len = 4;
        if (inet_pton(AF_INET, s, addrs[i].b) != 1)
            die("bad address");
    }
}

static void addrs_init(void)
{
    char s[32];
    addr_set(A_EDGE4, "192.0.2.10");
    addr_set(A_EDGE6, "2001:db8:e::10");
    addr_set(A_FED, "203.0.113.20");
    addr_set(A_PUBIM, "203.0.113.30");
    addr_set(A_CLIENT, "203.0.113.40");
    addr_set(A_LIVE, "203.0.113.50");
    addr_set(A_NOROLE, "203.0.113.99");
    addr_set(A_PEER6, "2001:db8:f::20");
    addr_set(A_PEER6 + 1, "2001:db8:f::40");
    addr_set(A_PEER6 + 2, "2001:db8:f::99");
    addr_set(A_DNS6, "2001:db8:f::53");
    addr_set(A_SCANNER, "203.0.113.250");
    for (int i = 0; i < 3; i++) {
        snprintf(s, sizeof(s), "203.0.113.%d", 96 + i);
        addr_set(A_DNS4 + i, s);
    }
    for (int i = 0; i < 150; i++) {
        snprintf(s, sizeof(s), "203.0.113.%d", 100 + i);
        addr_set(A_REMOTE4 + i, s);
    }
}

static const char *addr_text(int i, char *s, size_t n)
{
    inet_ntop(addrs[i].len == 16 ? AF_INET6 : AF_INET, addrs[i].b, s, (socklen_t)n);
    return s;
}

/* ---- output: pcap records built in a large buffer ---- */

struct out {
    FILE *f;
    uint8_t *b;
    size_t n, cap;
    uint64_t packets, bytes;
};

static void out_flush(struct out *o)
{
    if (o->n && fwrite(o->b, 1, o->n, o->f) != o->n)
        die(strerror(errno));
    o->n = 0;
}

/* One direction of a flow: addresses and the IPv4 identification counter. */
struct path {
    uint8_t src, dst; /* addrs[] indices */
    uint16_t ident;
};

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    uint64_t acc = s;
    size_t i = 0;
    for (; i + 1 < n; i += 2)
        acc += (uint32_t)p[i] << 8 | p[i + 1];
    if (i < n)
        acc += (uint32_t)p[i] << 8;
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint32_t)acc;
}

/*
 * emit: one record at t (microseconds): Ethernet, IPv4 (RFC 791) or IPv6 (RFC 8200), then the
 * l4 bytes (l4n, checksum field at offset cko zeroed here and filled from the pseudo-header sum,
 * RFC 768 / RFC 9293 3.1) and the payload.
 */
static void emit(struct out *o, uint64_t t, struct path *p, int proto, const uint8_t *l4, size_t l4n,
                 size_t cko, const uint8_t *pl, size_t pn)
{
    const struct addr *s = &addrs[p->src], *d = &addrs[p->dst];
    int six = s->len == 16;
    size_t iph = six ? 40 : 20, len = 14 + iph + l4n + pn;
    if (o->cap - o->n < 16 + len)
        out_flush(o);
    uint8_t *r = o->b + o->n;
    uint32_t sec = (uint32_t)(t / 1000000), us = (uint32_t)(t % 1000000);
    uint32_t hdr[4] = { sec, us, (uint32_t)len, (uint32_t)len };
    memcpy(r, hdr, 16); /* little-endian host: the pcap header is written as the magic says */
    uint8_t *e = r + 16;
    static const uint8_t mac_edge[6] = { 2, 0, 0, 0, 10, 1 }, mac_gw[6] = { 2, 0, 0, 0, 10, 2 };
    int out = p->src == A_EDGE4 || p->src == A_EDGE6;
    memcpy(e, out ? mac_gw : mac_edge, 6);
    memcpy(e + 6, out ? mac_edge : mac_gw, 6);
    set16(e + 12, six ? 0x86dd : 0x0800);
    uint8_t *ip = e + 14, *l = ip + iph;
    if (six) {
        set32(ip, 0x60000000);
        set16(ip + 4, (unsigned)(l4n + pn));
        ip[6] = (uint8_t)proto;
        ip[7] = 64;
        memcpy(ip + 8, s->b, 16);
        memcpy(ip + 24, d->b, 16);
    } else {
        p->ident++;
        ip[0] = 0x45;
        ip[1] = 0;
        set16(ip + 2, (unsigned)(20 + l4n + pn));
        set16(ip + 4, p->ident);
        set16(ip + 6, 0x4000);
        ip[8] = 64;
        ip[9] = (uint8_t)proto;
        set16(ip + 10, 0);
        memcpy(ip + 12, s->b, 4);
        memcpy(ip + 16, d->b, 4);
        set16(ip + 10, ~sum16(ip, 20, 0) & 0xffff);
    }
    memcpy(l, l4, l4n);
    if (pn)
        memcpy(l + l4n, pl, pn);
    set16(l + cko, 0);
    uint32_t ps = sum16(s->b, s->len, 0);
    ps = sum16(d->b, d->len, ps);
    ps += (uint32_t)proto + (uint32_t)(l4n + pn);
    unsigned ck = ~sum16(l, l4n + pn, ps) & 0xffff;
    if (proto == 17 && ck == 0)
        ck = 0xffff; /* RFC 768: 0 means none */
    set16(l + cko, ck);
    o->n += 16 + len;
    o->packets++;
    o->bytes += len;
}

static void emit_udp(struct out *o, uint64_t t, struct path *p, unsigned sp, unsigned dp,
                     const uint8_t *pl, size_t n)
{
    uint8_t h[8];
    set16(h, sp);
    set16(h + 2, dp);
    set16(h + 4, (unsigned)(8 + n));
    emit(o, t, p, 17, h, 8, 6, pl, n);
}

enum { FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16 };

struct tcpseg {
    unsigned sp, dp;
    uint32_t seq, ack;
    unsigned flags, win;
    int mss; /* SYN and SYN-ACK carry an MSS option (RFC 9293 3.7.1) */
};

static void emit_tcp(struct out *o, uint64_t t, struct path *p, const struct tcpseg *g,
                     const uint8_t *pl, size_t n)
{
    uint8_t h[24];
    size_t hl = g->mss ? 24 : 20;
    set16(h, g->sp);
    set16(h + 2, g->dp);
    set32(h + 4, g->seq);
    set32(h + 8, g->ack);
    set16(h + 12, (unsigned)(hl / 4) << 12 | g->flags);
    set16(h + 14, g->win);
    set16(h + 16, 0);
    set16(h + 18, 0);
    if (g->mss) {
        h[20] = 2;
        h[21] = 4;
        set16(h + 22, 1460);
    }
    emit(o, t, p, 6, h, hl, 16, pl, n);
}

/* ---- TLS 1.2 templates (RFC 5246), made once from the seed and reused ---- */

#define NTPL 64
#define NBLOB 256

enum { SNI_SIP, SNI_WWW, SNI_EXAMPLE, SNI_PARTNER, SNI__COUNT };
static const char *const sni_name[SNI__COUNT] = { "sip.example.com", "www.example.net",
                                                  "example.com", "partner.example" };

static struct tpl t_ch[SNI__COUNT][NTPL], t_sf[2][NTPL], t_cf[2][NTPL], t_fin[NTPL], t_cn[NTPL];
static struct tpl t_blob[NBLOB];

/* Self-signed P-256 certificates (DER) of gen-capture.py, so certificate chains are real. */
static const char b64_edge[] =
    "MIIBsDCCAVWgAwIBAgIULf6CmueYSNhXDaf8ia2LowyhPZ0wCgYIKoZIzj0EAwIwLTEZMBcGA1UE"
    "AwwQZWRnZS5leGFtcGxlLmNvbTEQMA4GA1UECgwHRXhhbXBsZTAeFw0yNjExMjQxOTI0MzBaFw0z"
    "NjExMjExOTI0MzBaMC0xGTAXBgNVBAMMEGVkZ2UuZXhhbXBsZS5jb20xEDAOBgNVBAoMB0V4YW1w"
    "bGUwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATdnHCcpdNR5B9VhIFMvs3yxt15WI2G2hW6zSHW"
    "KtU4jjbVSry1DTlERyShZSvF3Y1mAwtqo8YjJg1UPjIF1zjko1MwUTAdBgNVHQ4EFgQUtFbq5768"
    "i1gcBnbPW3ojc7xQFZEwHwYDVR0jBBgwFoAUtFbq5768i1gcBnbPW3ojc7xQFZEwDwYDVR0TAQH/"
    "BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEA7eSU3JQ87lBTJraGyi3MB6sAztn/3Amw6OxO7uqd"
    "jgMCIQDs/ivs+poUOcTH17nUQW58emP2prI7WOKxZS+HGH/0cA==";
static const char b64_partner[] =
    "MIIBtDCCAVugAwIBAgIUEVdd0EsIhSxzymoQLEQPg5Yb5vUwCgYIKoZIzj0EAwIwMDEcMBoGA1UE"
    "AwwTcGFydG5lci5leGFtcGxlLmNvbTEQMA4GA1UECgwHRXhhbXBsZTAeFw0yNjExMjQxOTI0MzBa"
    "Fw0zNjExMjExOTI0MzBaMDAxHDAaBgNVBAMME3BhcnRuZXIuZXhhbXBsZS5jb20xEDAOBgNVBAoM"
    "B0V4YW1wbGUwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQAC6cVmvgZYzIV0cuJpjoEaQrPvA1a"
    "IQLGJc5PbyjXxPYVm7+zSQKlkowpX0umsJMfuJ1KiL7w0XGXRIabBWUFo1MwUTAdBgNVHQ4EFgQU"
    "CBJVPaJEwuUZNfhbmmdINntTFGcwHwYDVR0jBBgwFoAUCBJVPaJEwuUZNfhbmmdINntTFGcwDwYD"
    "VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiABl7Vr/bm5e3h8fSwK0l8+jpoMG+9NanzI"
    "2Ap7WlP/EgIgBxeIg22wQbM4gX7WCNCmgnwQXLvuTIJ6dZymHvZFYGM=";

static struct tpl b64_decode(const char *s)
{
    struct buf b = { .n = 0 };
    unsigned acc = 0;
    int bits = 0;
    for (; *s && *s != '='; s++) {
        const char *al = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const char *q = strchr(al, *s);
        if (!q)
            die("bad base64");
        acc = acc << 6 | (unsigned)(q - al);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            put8(&b, (acc >> bits) & 0xff);
        }
    }
    return tpl_of(&b);
}

static struct tpl cert_edge, cert_partner;

/* Record header before a body built in b from offset at. */
static void rec_open(struct buf *b, unsigned ctype, size_t *at)
{
    put8(b, ctype);
    put16(b, 0x0303);
    put16(b, 0);
    *at = b->n;
}

static void rec_close(struct buf *b, size_t at)
{
    set16(b->d + at - 2, (unsigned)(b->n - at));
}

static void hs_open(struct buf *b, unsigned type, size_t *at)
{
    put8(b, type);
    put24(b, 0);
    *at = b->n;
}

static void hs_close(struct buf *b, size_t at)
{
    set24(b->d + at - 3, (unsigned)(b->n - at));
}

static void ext_open(struct buf *b, unsigned type, size_t *at)
{
    put16(b, type);
    put16(b, 0);
    *at = b->n;
}

static void ext_close(struct buf *b, size_t at)
{
    set16(b->d + at - 2, (unsigned)(b->n - at));
}

static void client_hello(struct buf *b, struct rng *r, const char *sni, int alpn)
{
    size_t rec, hs, exts, e;
    static const uint16_t suites[] = { 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                                       0xcca8, 0xc013, 0xc014, 0x009c, 0x009d };
    static const uint16_t sigs[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601 };
    rec_open(b, 22, &rec);
    hs_open(b, 1, &hs);
    put16(b, 0x0303);
    put_rnd(b, r, 32);
    put8(b, 32);
    put_rnd(b, r, 32);
    put16(b, sizeof(suites));
    for (size_t i = 0; i < sizeof(suites) / 2; i++)
        put16(b, suites[i]);
    put8(b, 1);
    put8(b, 0);
    put16(b, 0);
    exts = b->n;
    ext_open(b, 0, &e); /* server_name */
    put16(b, (unsigned)strlen(sni) + 3);
    put8(b, 0);
    put16(b, (unsigned)strlen(sni));
    put(b, sni, strlen(sni));
    ext_close(b, e);
    ext_open(b, 10, &e); /* supported_groups */
    put16(b, 6);
    put16(b, 29);
    put16(b, 23);
    put16(b, 24);
    ext_close(b, e);
    ext_open(b, 11, &e); /* ec_point_formats */
    put8(b, 1);
    put8(b, 0);
    ext_close(b, e);
    ext_open(b, 13, &e); /* signature_algorithms */
    put16(b, sizeof(sigs));
    for (size_t i = 0; i < sizeof(sigs) / 2; i++)
        put16(b, sigs[i]);
    ext_close(b, e);
    ext_open(b, 23, &e); /* extended_master_secret */
    ext_close(b, e);
    ext_open(b, 0xff01, &e); /* renegotiation_info */
    put8(b, 0);
    ext_close(b, e);
    if (alpn) {
        ext_open(b, 16, &e);
        put16(b, 12);
        put8(b, 2);
        put(b, "h2", 2);
        put8(b, 8);
        put(b, "http/1.1", 8);
        ext_close(b, e);
    }
    set16(b->d + exts - 2, (unsigned)(b->n - exts));
    hs_close(b, hs);
    rec_close(b, rec);
}

static void cert_msg(struct buf *b, const struct tpl *c)
{
    size_t hs;
    hs_open(b, 11, &hs);
    put24(b, (unsigned)c->n + 3);
    put24(b, (unsigned)c->n);
    put(b, c->d, c->n);
    hs_close(b, hs);
}

static void server_flight(struct buf *b, struct rng *r, int mutual)
{
    size_t rec, hs;
    rec_open(b, 22, &rec);
    hs_open(b, 2, &hs); /* ServerHello */
    put16(b, 0x0303);
    put_rnd(b, r, 32);
    put8(b, 32);
    put_rnd(b, r, 32);
    put16(b, 0xc02b);
    put8(b, 0);
    put16(b, 15); /* extensions: renegotiation_info, extended_master_secret, ec_point_formats */
    put16(b, 0xff01);
    put16(b, 1);
    put8(b, 0);
    put16(b, 23);
    put16(b, 0);
    put16(b, 11);
    put16(b, 2);
    put8(b, 1);
    put8(b, 0);
    hs_close(b, hs);
    cert_msg(b, &cert_edge);
    hs_open(b, 12, &hs); /* ServerKeyExchange: x25519, a key, an ECDSA signature */
    put(b, "\x03\x00\x1d\x20", 4);
    put_rnd(b, r, 32);
    put(b, "\x04\x03\x00\x47", 4);
    put_rnd(b, r, 71);
    hs_close(b, hs);
    if (mutual) {
        hs_open(b, 13, &hs); /* CertificateRequest */
        put(b, "\x02\x01\x40", 3);
        put16(b, 8);
        put16(b, 0x0403);
        put16(b, 0x0804);
        put16(b, 0x0401);
        put16(b, 0x0503);
        put16(b, 0);
        hs_close(b, hs);
    }
    hs_open(b, 14, &hs); /* ServerHelloDone */
    hs_close(b, hs);
    rec_close(b, rec);
}

static void ccs_finished(struct buf *b, struct rng *r)
{
    size_t rec;
    rec_open(b, 20, &rec);
    put8(b, 1);
    rec_close(b, rec);
    rec_open(b, 22, &rec); /* encrypted Finished */
    put_rnd(b, r, 40);
    rec_close(b, rec);
}

static void client_flight(struct buf *b, struct rng *r, int mutual)
{
    size_t rec, hs;
    rec_open(b, 22, &rec);
    if (mutual)
        cert_msg(b, &cert_partner);
    hs_open(b, 16, &hs); /* ClientKeyExchange */
    put8(b, 32);
    put_rnd(b, r, 32);
    hs_close(b, hs);
    if (mutual) {
        hs_open(b, 15, &hs); /* CertificateVerify */
        put(b, "\x04\x03\x00\x46", 4);
        put_rnd(b, r, 70);
        hs_close(b, hs);
    }
    rec_close(b, rec);
    ccs_finished(b, r);
}

static void tls_templates(uint64_t seed, int small)
{
    struct rng r = { seed ^ 0x7e57ab1e5eedULL };
    struct buf b;
    static const int big_sizes[] = { 60, 120, 300, 600, 1100, 1400 }, small_sizes[] = { 60, 120, 200, 300 };
    cert_edge = b64_decode(b64_edge);
    cert_partner = b64_decode(b64_partner);
    for (int i = 0; i < NTPL; i++) {
        for (int s = 0; s < SNI__COUNT; s++) {
            b.n = 0;
            client_hello(&b, &r, sni_name[s], s == SNI_WWW);
            t_ch[s][i] = tpl_of(&b);
        }
        for (int m = 0; m < 2; m++) {
            b.n = 0;
            server_flight(&b, &r, m);
            t_sf[m][i] = tpl_of(&b);
            b.n = 0;
            client_flight(&b, &r, m);
            t_cf[m][i] = tpl_of(&b);
        }
        b.n = 0;
        ccs_finished(&b, &r);
        t_fin[i] = tpl_of(&b);
        b.n = 0;
        size_t rec;
        rec_open(&b, 21, &rec); /* close_notify, encrypted */
        put_rnd(&b, &r, 26);
        rec_close(&b, rec);
        t_cn[i] = tpl_of(&b);
    }
    for (int i = 0; i < NBLOB; i++) {
        size_t rec;
        int n = small ? small_sizes[rnd(&r) % 4] : big_sizes[rnd(&r) % 6];
        b.n = 0;
        rec_open(&b, 23, &rec);
        put_rnd(&b, &r, (size_t)n - 5);
        rec_close(&b, rec);
        t_blob[i] = tpl_of(&b);
    }
}

/* ---- the flow plan ---- */

enum kind { K_CALL, K_SIPFED, K_CLIENT443, K_HTTPS, K_XMPP, K_STUN, K_DNS, K_SCAN };

struct plan {
    uint64_t start; /* first packet, microseconds */
    uint64_t seed;  /* the flow's own random numbers */
    uint32_t id;
    uint32_t extra; /* RTP packets, TLS records or STUN rounds (per kind) */
    uint8_t kind, cli, srv, flag; /* flag: mutual TLS, TURN, open port (per kind) */
    uint16_t cport, sport, crtp, ertp;
};

/*
 * 5-tuples in use (both directions as one key): an open-addressing table of 64-bit hashes, each
 * with the time until which its flow may still be alive. A tuple is used again only after that,
 * so a long capture over a small address plan never gives one 5-tuple to two live flows.
 */
struct tuples {
    uint64_t *key, *until;
    size_t mask, n;
    uint64_t start, busy; /* of the flow being planned: its start, and until when it lives */
};

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

static int tuple_add(struct tuples *u, int proto, int a, unsigned ap, int b, unsigned bp)
{
    uint64_t x = (uint64_t)a << 16 | ap, y = (uint64_t)b << 16 | bp;
    if (x > y) {
        uint64_t t = x;
        x = y;
        y = t;
    }
    uint64_t k = mix64(mix64(x * 31 + (uint64_t)proto) ^ y) | 1;
    if (u->n * 4 >= u->mask * 3)
        die("tuple table full");
    for (size_t i = k & u->mask;; i = (i + 1) & u->mask) {
        if (u->key[i] == k) {
            if (u->until[i] > u->start)
                return 0;
            u->until[i] = u->busy;
            return 1;
        }
        if (!u->key[i]) {
            u->key[i] = k;
            u->until[i] = u->busy;
            u->n++;
            return 1;
        }
    }
}

/*
 * pick_port: a client port for cli -> srv:sport not in use, in [lo, hi]; after 50 tries in
 * 1024-65535 (so that hundreds of thousands of flows alive at once fit the few addresses).
 */
static unsigned pick_port(struct tuples *u, struct rng *r, int proto, int cli, int srv,
                          unsigned sport, unsigned lo, unsigned hi)
{
    for (int tries = 0; tries < 100000; tries++) {
        unsigned cp = tries < 50 ? (unsigned)rnd_range(r, lo, hi) : (unsigned)rnd_range(r, 1024, 65535);
        if (tuple_add(u, proto, cli, cp, srv, sport))
            return cp;
    }
    die("cannot find a free 5-tuple: too many flows alive at once for the address plan");
    return 0;
}

static int pick_remote4(struct rng *r)
{
    return A_REMOTE4 + (int)(rnd(r) % 150);
}

static int pick_peer6(struct rng *r)
{
    return A_PEER6 + (int)(rnd(r) % 3);
}

/* plan_addr: addresses, ports and flags of one flow of kind k (as gen-capture.py draws them). */
static void plan_addr(struct plan *p, struct tuples *u, struct rng *r)
{
    int six = rnd_unit(r) < 0.12, a, b;
    switch (p->kind) {
    case K_CALL:
        p->srv = six ? A_EDGE6 : A_EDGE4;
        do {
            p->cli = (uint8_t)(six ? pick_peer6(r) : rnd_unit(r) < 0.5 ? A_CLIENT : pick_remote4(r));
            p->cport = (uint16_t)rnd_range(r, 5062, 32767);
        } while (!tuple_add(u, 17, p->cli, p->cport, p->srv, 5060));
        p->sport = 5060;
        do {
            p->crtp = (uint16_t)(rnd_range(r, 16384, 32767) & ~1u);
            p->ertp = (uint16_t)(rnd_range(r, 50000, 59999) & ~1u);
        } while (!tuple_add(u, 17, p->cli, p->crtp, p->srv, p->ertp));
        return;
    case K_SIPFED:
        a = six ? A_EDGE6 : A_EDGE4;
        b = six ? pick_peer6(r) : rnd_unit(r) < 0.5 ? A_FED : A_PUBIM;
        if (rnd_unit(r) < 0.5) {
            int t = a;
            a = b;
            b = t;
        }
        p->sport = 5061;
        p->flag = 1;
        break;
    case K_CLIENT443:
        b = six ? A_EDGE6 : A_EDGE4;
        a = six ? pick_peer6(r) : rnd_unit(r) < 0.5 ? A_CLIENT : pick_remote4(r);
        p->sport = 443;
        break;
    case K_HTTPS:
        a = pick_remote4(r);
        b = A_NOROLE;
        p->sport = 443;
        break;
    case K_XMPP:
        if (rnd_unit(r) < 0.5) {
            a = A_FED;
            b = A_EDGE4;
        } else {
            a = A_EDGE4;
            b = A_FED;
        }
        p->sport = 5269;
        p->flag = rnd_unit(r) < 0.5;
        break;
    case K_STUN:
        if (six) {
            a = pick_peer6(r);
            b = A_EDGE6;
        } else if (rnd_unit(r) < 0.5) {
            a = A_LIVE;
            b = A_EDGE4;
        } else if (rnd_unit(r) < 0.5) {
            a = A_EDGE4;
            b = A_LIVE;
        } else {
            a = pick_remote4(r);
            b = A_EDGE4;
        }
        p->sport = 3478;
        p->flag = rnd_unit(r) < 0.3;
        break;
    default: /* K_DNS */
        a = six ? A_EDGE6 : A_EDGE4;
        b = six ? A_DNS6 : rnd_unit(r) < 0.25 ? A_NOROLE : A_DNS4 + (int)(rnd(r) % 3);
        p->cli = (uint8_t)a;
        p->srv = (uint8_t)b;
        p->sport = 53;
        p->cport = (uint16_t)pick_port(u, r, 17, a, b, 53, 1024, 65535);
        return;
    }
    p->cli = (uint8_t)a;
    p->srv = (uint8_t)b;
    p->cport = (uint16_t)pick_port(u, r, p->kind == K_STUN ? 17 : 6, a, b, p->sport, 32768, 60999);
}

/*
 * plan_all: the flows of the capture (about flows flows and packets packets), starting over
 * window microseconds from t0, in order of start (stratified: flow i of n starts in the i-th
 * n-th of the window). Shares and packets per kind as gen-capture.py's run(). span: how long
 * TLS and STUN flows spread their records. Returns the number of plan entries (a call is one
 * entry and two flows).
 */
static size_t plan_all(struct plan **plp, struct rng *r, uint64_t packets, uint64_t flows, uint64_t t0,
                       uint64_t window, uint64_t span)
{
    static const uint8_t kinds[] = { K_CALL, K_SIPFED, K_CLIENT443, K_HTTPS, K_XMPP, K_STUN, K_DNS };
    static const int share[] = { 6, 12, 12, 15, 6, 18, 25 }, fixed[] = { 9, 12, 12, 12, 17, 2, 2 };
    struct tuples u = { 0 };
    size_t n = 0, cap = 4096, count = 0;
    uint64_t base = 0, nk[8] = { 0 };
    struct plan *pl = xmalloc(cap * sizeof(*pl));
    while (count < flows) {
        int x = (int)(rnd(r) % 94), k = 0;
        while (x >= share[k])
            x -= share[k++];
        if (n == cap) {
            cap *= 2;
            pl = realloc(pl, cap * sizeof(*pl));
            if (!pl)
                die("out of memory");
        }
        memset(&pl[n], 0, sizeof(*pl));
        pl[n++].kind = kinds[k];
        count += kinds[k] == K_CALL ? 2 : 1;
        base += (uint64_t)fixed[k];
        nk[kinds[k]]++;
    }
    /* the rest of the packet budget: RTP streams 70 %, TLS application data 27 %, STUN 3 % */
    double left = packets > base ? (double)(packets - base) : 0;
    uint64_t ntls = nk[K_SIPFED] + nk[K_CLIENT443] + nk[K_HTTPS] + nk[K_XMPP];
    double per_call = left * 0.70 / (double)(nk[K_CALL] ? nk[K_CALL] : 1);
    double per_tls = left * 0.27 / (double)(ntls ? ntls : 1);
    double per_stun = left * 0.03 / (double)(nk[K_STUN] ? nk[K_STUN] : 1);
    for (u.mask = 1024; u.mask < count * 2; u.mask *= 2)
        ;
    u.key = xmalloc(u.mask * sizeof(*u.key));
    u.until = xmalloc(u.mask * sizeof(*u.until));
    u.mask--;
    for (size_t i = 0; i < n; i++) {
        struct plan *p = &pl[i];
        double w = 0.3 + 1.4 * rnd_unit(r);
        if (p->kind == K_CALL) {
            p->extra = (uint32_t)(per_call * w);
            if (p->extra < 2)
                p->extra = 2;
        } else if (p->kind == K_STUN)
            p->extra = (uint32_t)(per_stun * w);
        else if (p->kind != K_DNS)
            p->extra = (uint32_t)(per_tls * w);
        p->start = t0 + (uint64_t)(((double)i + rnd_unit(r)) * (double)window / (double)n);
        /* alive until at most: 1.5 spans of records, RTP, set-up, then the UDP timeout and a margin */
        u.start = p->start;
        u.busy = p->start + span + span / 2 + (uint64_t)p->extra * 20000 + 10000000 + 240000000;
        plan_addr(p, &u, r);
        p->seed = rnd(r);
    }
    free(u.key);
    free(u.until);
    *plp = pl;
    return n;
}

static int plan_cmp(const void *a, const void *b)
{
    const struct plan *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* ---- running flows ---- */

struct flow {
    uint64_t t;    /* time of the next packet */
    uint64_t base; /* kind-specific reference time (RTP start, STUN round start) */
    uint32_t id, step, nsteps, rtt, gap;
    struct rng r;
    const struct plan *p;
    struct path up, down, m0, m1;
    uint32_t seq[2];
    /* calls */
    uint64_t callid[2], branch;
    uint32_t ftag, ttag, user, ssrc[2], rts[2];
    uint16_t rseq[2];
    /* TLS templates */
    uint8_t ch, sf, cf, fin, cn, sni;
    /* STUN */
    uint8_t txid[12];
};

struct ctx {
    struct out o;
    int small;
    uint64_t *ends; /* per finished flow: until when it is alive (see alive_peak) */
    size_t nends;
};

static void path_init(struct path *pa, int src, int dst, struct rng *r)
{
    pa->src = (uint8_t)src;
    pa->dst = (uint8_t)dst;
    pa->ident = (uint16_t)rnd(r);
}

/* tcp_send: one segment from side d (0 client, 1 server) with flags and payload. */
static void tcp_send(struct ctx *c, struct flow *f, int d, unsigned flags, const struct tpl *pl)
{
    const struct plan *p = f->p;
    struct tcpseg g = { d ? p->sport : p->cport, d ? p->cport : p->sport, f->seq[d], f->seq[1 - d],
                        flags, 64240, 0 };
    size_t n = pl ? pl->n : 0;
    if (flags & SYN) {
        g.mss = 1;
        if (!(flags & ACK))
            g.ack = 0;
    }
    emit_tcp(&c->o, f->t, d ? &f->down : &f->up, &g, pl ? pl->d : NULL, n);
    f->seq[d] += (uint32_t)n + ((flags & (SYN | FIN)) ? 1 : 0);
}

/* TLS flow steps; APP repeats for each record. */
enum tls_op { T_SYN, T_SYNACK, T_ACK, T_XH_C, T_XH_S, T_XFEAT, T_XSTART, T_XPROC, T_CH, T_ACKS,
              T_SF, T_CF, T_SFIN, T_APP, T_CN, T_FINC, T_FINS, T_LAST };

static enum tls_op tls_op_at(const struct flow *f)
{
    uint32_t s = f->step, nrec = f->p->extra;
    int xmpp = f->p->kind == K_XMPP;
    if (s < 3)
        return (enum tls_op)s;
    if (!xmpp)
        s += 5;
    if (s < T_APP)
        return (enum tls_op)s;
    if (s < T_APP + nrec)
        return T_APP;
    return (enum tls_op)(s - nrec + 1);
}

/* RFC 6120 4.2 stream header (4.7 attributes); 5.4 STARTTLS negotiation follows. */
#define XMPP_HDR "<?xml version='1.0'?><stream:stream xmlns='jabber:server' " \
                 "xmlns:stream='http://etherx.jabber.org/streams' " \
                 "xmlns:db='jabber:server:dialback' from='%s' to='%s' version='1.0'%s>"

static void xmpp_text(struct ctx *c, struct flow *f, int d, enum tls_op op)
{
    const char *from = f->p->cli == A_FED ? "partner.example" : "example.com";
    const char *to = f->p->cli == A_FED ? "example.com" : "partner.example";
    char s[512];
    int n;
    char id[40] = "";
    switch (op) {
    case T_XH_C:
        n = snprintf(s, sizeof(s), XMPP_HDR, from, to, "");
        break;
    case T_XH_S:
        snprintf(id, sizeof(id), " id='%016" PRIx64 "'", rnd(&f->r));
        n = snprintf(s, sizeof(s), XMPP_HDR, to, from, id);
        break;
    case T_XFEAT:
        n = snprintf(s, sizeof(s), "%s", "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"
                     "<required/></starttls><dialback xmlns='urn:xmpp:features:dialback'/></stream:features>");
        break;
    case T_XSTART:
        n = snprintf(s, sizeof(s), "%s", "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        break;
    default:
        n = snprintf(s, sizeof(s), "%s", "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        break;
    }
    struct tpl t = { (uint8_t *)s, (size_t)n };
    tcp_send(c, f, d, PSH | ACK, &t);
}

/* tls_step: sends the flow's current packet; returns the delay to its next one. */
static uint64_t tls_step(struct ctx *c, struct flow *f)
{
    int mutual = f->p->flag && f->p->kind != K_CLIENT443 && f->p->kind != K_HTTPS;
    uint32_t h = f->rtt / 2;
    enum tls_op op = tls_op_at(f);
    switch (op) {
    case T_SYN: tcp_send(c, f, 0, SYN, NULL); break;
    case T_SYNACK: tcp_send(c, f, 1, SYN | ACK, NULL); break;
    case T_ACK: tcp_send(c, f, 0, ACK, NULL); break;
    case T_XH_C: case T_XFEAT: case T_XPROC: case T_XH_S: case T_XSTART:
        xmpp_text(c, f, op == T_XH_C || op == T_XSTART ? 0 : 1, op);
        break;
    case T_CH: tcp_send(c, f, 0, PSH | ACK, &t_ch[f->sni][f->ch]); break;
    case T_ACKS: tcp_send(c, f, 1, ACK, NULL); break;
    case T_SF: tcp_send(c, f, 1, PSH | ACK, &t_sf[mutual][f->sf]); break;
    case T_CF: tcp_send(c, f, 0, PSH | ACK, &t_cf[mutual][f->cf]); break;
    case T_SFIN: tcp_send(c, f, 1, PSH | ACK, &t_fin[f->fin]); break;
    case T_APP: {
        uint32_t i = f->step - (f->p->kind == K_XMPP ? T_APP : T_APP - 5);
        tcp_send(c, f, (int)(i & 1), PSH | ACK, &t_blob[rnd(&f->r) % NBLOB]);
        break;
    }
    case T_CN: tcp_send(c, f, 0, PSH | ACK, &t_cn[f->cn]); break;
    case T_FINC: tcp_send(c, f, 0, FIN | ACK, NULL); break;
    case T_FINS: tcp_send(c, f, 1, FIN | ACK, NULL); break;
    case T_LAST: tcp_send(c, f, 0, ACK, NULL); break;
    }
    f->step++;
    if (f->step >= f->nsteps)
        return 0;
    switch (tls_op_at(f)) {
    case T_SYNACK: case T_XH_S: case T_XSTART: case T_XPROC: case T_CF: case T_SFIN:
    case T_FINC: case T_FINS:
        return h;
    case T_ACK: case T_LAST: return f->rtt - h;
    case T_XH_C: return 300;
    case T_XFEAT: case T_CH: return 200;
    case T_ACKS: return h - 100;
    case T_SF: return 100;
    case T_APP: return rnd_range(&f->r, f->gap / 2, f->gap + f->gap / 2);
    case T_CN: return 1000;
    default: return 0;
    }
}

static void tls_start(struct flow *f)
{
    const struct plan *p = f->p;
    f->rtt = (uint32_t)rnd_range(&f->r, 2000, 60000);
    f->seq[0] = (uint32_t)rnd(&f->r);
    f->seq[1] = (uint32_t)rnd(&f->r);
    f->nsteps = (p->kind == K_XMPP ? 17 : 12) + p->extra;
    f->ch = (uint8_t)(rnd(&f->r) % NTPL);
    f->sf = (uint8_t)(rnd(&f->r) % NTPL);
    f->cf = (uint8_t)(rnd(&f->r) % NTPL);
    f->fin = (uint8_t)(rnd(&f->r) % NTPL);
    f->cn = (uint8_t)(rnd(&f->r) % NTPL);
    if (p->kind == K_HTTPS)
        f->sni = SNI_WWW;
    else if (p->kind == K_XMPP)
        f->sni = p->cli == A_FED ? SNI_EXAMPLE : SNI_PARTNER;
    else
        f->sni = SNI_SIP;
}

/* ---- SIP (RFC 3261) with SDP (RFC 4566) and RTP (RFC 3550, 3551) ---- */

struct sipctx {
    char ca[64], ea[64], cip[48], eip[48];
    int six;
};

static void sip_names(const struct flow *f, struct sipctx *s)
{
    s->six = addrs[f->p->cli].len == 16;
    addr_text(f->p->cli, s->cip, sizeof(s->cip));
    addr_text(f->p->srv, s->eip, sizeof(s->eip));
    snprintf(s->ca, sizeof(s->ca), s->six ? "[%s]" : "%s", s->cip);
    snprintf(s->ea, sizeof(s->ea), s->six ? "[%s]" : "%s", s->eip);
}

static int sdp(struct flow *f, const struct sipctx *s, int edge, char *out, size_t n, int small)
{
    const char *ipv = s->six ? "IP6" : "IP4", *ip = edge ? s->eip : s->cip;
    unsigned port = edge ? f->p->ertp : f->p->crtp;
    return snprintf(out, n,
                    "v=0\r\no=- %u 1 IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\n"
                    "m=audio %u RTP/AVP %s 101\r\na=rtpmap:%s\r\n%s"
                    "a=rtpmap:101 telephone-event/8000\r\na=ptime:20\r\na=sendrecv\r\n",
                    (unsigned)(rnd(&f->r) & 0xffffffffu), ipv, ip, ipv, ip, port, small ? "18" : "0",
                    small ? "18 G729/8000" : "0 PCMU/8000", small ? "a=fmtp:18 annexb=no\r\n" : "");
}

enum call_op { C_INVITE, C_TRYING, C_RINGING, C_OK, C_ACK, C_RTP, C_BYE, C_BYEOK };

static enum call_op call_op_at(const struct flow *f)
{
    uint32_t s = f->step, nrtp = f->nsteps - 7;
    if (s < C_RTP)
        return (enum call_op)s;
    if (s < C_RTP + nrtp)
        return C_RTP;
    return (enum call_op)(s - nrtp + 1);
}

/* sip_msg: the SIP message of op into out; returns its length. */
static int sip_msg(struct ctx *c, struct flow *f, enum call_op op, char *out, size_t n)
{
    struct sipctx s;
    char body[600] = "", h[1400];
    int bn = 0, hn;
    const char *method = op == C_INVITE || op <= C_OK ? "INVITE" : op == C_ACK ? "ACK" : "BYE";
    unsigned cseq = op == C_BYE || op == C_BYEOK ? 2 : 1;
    sip_names(f, &s);
    if (op == C_INVITE || op == C_OK)
        bn = sdp(f, &s, op == C_OK, body, sizeof(body), c->small);
    char callid[40], totag[24] = "";
    snprintf(callid, sizeof(callid), "%016" PRIx64 "%016" PRIx64, f->callid[0], f->callid[1]);
    if (op == C_INVITE || op == C_ACK || op == C_BYE) {
        if (op != C_INVITE)
            snprintf(totag, sizeof(totag), ";tag=%08x", f->ttag);
        hn = snprintf(h, sizeof(h),
                      "%s sip:user%u@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%u;branch=z9hG4bK%012" PRIx64
                      "\r\nMax-Forwards: 70\r\nFrom: <sip:caller@example.net>;tag=%08x\r\n"
                      "To: <sip:user%u@example.com>%s\r\nCall-ID: %s\r\nCSeq: %u %s\r\n"
                      "Contact: <sip:caller@%s:%u>\r\nUser-Agent: edgeaudit-bench\r\n%s",
                      method, f->user, s.ea, s.ca, f->p->cport, f->branch, f->ftag, f->user, totag,
                      callid, cseq, method, s.ca, f->p->cport,
                      bn ? "Content-Type: application/sdp\r\n" : "");
    } else {
        unsigned code = op == C_TRYING ? 100 : op == C_RINGING ? 180 : 200;
        const char *text = op == C_TRYING ? "Trying" : op == C_RINGING ? "Ringing" : "OK";
        char contact[160] = "";
        if (code != 100)
            snprintf(totag, sizeof(totag), ";tag=%08x", f->ttag);
        if (bn)
            snprintf(contact, sizeof(contact),
                     "Contact: <sip:user%u@%s:5060>\r\nContent-Type: application/sdp\r\n", f->user, s.ea);
        hn = snprintf(h, sizeof(h),
                      "SIP/2.0 %u %s\r\nVia: SIP/2.0/UDP %s:%u;branch=z9hG4bK%012" PRIx64 "\r\n"
                      "From: <sip:caller@example.net>;tag=%08x\r\nTo: <sip:user%u@example.com>%s\r\n"
                      "Call-ID: %s\r\nCSeq: %u %s\r\n%s",
                      code, text, s.ca, f->p->cport, f->branch, f->ftag, f->user, totag, callid, cseq,
                      method, contact);
    }
    return snprintf(out, n, "%.*sContent-Length: %d\r\n\r\n%s", hn, h, bn, body);
}

static uint64_t call_step(struct ctx *c, struct flow *f)
{
    enum call_op op = call_op_at(f);
    const struct plan *p = f->p;
    if (op == C_RTP) {
        uint8_t pkt[12 + 160];
        uint32_t i = f->step - C_RTP, d = i & 1;
        size_t plen = c->small ? 20 : 160;
        pkt[0] = 0x80;
        pkt[1] = (uint8_t)((i < 2 ? 0x80 : 0) | (c->small ? 18 : 0));
        set16(pkt + 2, f->rseq[d]);
        set32(pkt + 4, f->rts[d]);
        set32(pkt + 8, f->ssrc[d]);
        for (size_t k = 0; k < plen; k++) /* a fixed audio frame: silence with a little noise */
            pkt[12 + k] = (uint8_t)(0xff ^ (k * 7 & 3));
        emit_udp(&c->o, f->t, d ? &f->m1 : &f->m0, d ? p->ertp : p->crtp, d ? p->crtp : p->ertp, pkt,
                 12 + plen);
        f->rseq[d]++;
        f->rts[d] += 160;
    } else {
        char m[2200];
        int n = sip_msg(c, f, op, m, sizeof(m));
        int up = op == C_INVITE || op == C_ACK || op == C_BYE;
        emit_udp(&c->o, f->t, up ? &f->up : &f->down, up ? p->cport : 5060, up ? 5060 : p->cport,
                 (const uint8_t *)m, (size_t)n);
    }
    f->step++;
    if (f->step >= f->nsteps)
        return 0;
    uint64_t prev = f->t, next;
    switch (call_op_at(f)) {
    case C_TRYING: case C_ACK: case C_BYEOK: return f->rtt;
    case C_RINGING: return 200000;
    case C_OK: return rnd_range(&f->r, 1000000, 4000000) - 200000;
    case C_RTP: {
        uint32_t i = f->step - C_RTP;
        if (i == 0)
            f->base = prev + 20000;
        next = f->base + (i / 2) * 20000 + (i & 1) * 7000 + (rnd(&f->r) & 1023);
        return next > prev ? next - prev : 0;
    }
    default: /* C_BYE */
        next = f->base + (uint64_t)((f->nsteps - 7) / 2) * 20000 + 50000;
        return next > prev ? next - prev : 0;
    }
}

static void call_start(struct flow *f)
{
    const struct plan *p = f->p;
    uint32_t half = p->extra / 2;
    f->rtt = (uint32_t)rnd_range(&f->r, 5000, 60000);
    f->nsteps = 7 + 2 * half;
    f->callid[0] = rnd(&f->r);
    f->callid[1] = rnd(&f->r);
    f->ftag = (uint32_t)rnd(&f->r);
    f->ttag = (uint32_t)rnd(&f->r);
    f->branch = rnd(&f->r) & 0xffffffffffffULL;
    f->user = (uint32_t)rnd_range(&f->r, 1, 9999);
    for (int d = 0; d < 2; d++) {
        f->ssrc[d] = (uint32_t)rnd(&f->r);
        f->rseq[d] = (uint16_t)rnd(&f->r);
        f->rts[d] = (uint32_t)rnd(&f->r);
    }
    path_init(&f->m0, p->cli, p->srv, &f->r);
    path_init(&f->m1, p->srv, p->cli, &f->r);
}

/* ---- STUN (RFC 5389) and TURN (RFC 5766) ---- */

static void attr(struct buf *b, unsigned type, const void *v, size_t n)
{
    static const uint8_t zero[4] = { 0 };
    put16(b, type);
    put16(b, (unsigned)n);
    put(b, v, n);
    put(b, zero, (4 - n % 4) % 4);
}

static void xaddr(struct buf *b, unsigned type, int ip, unsigned port, const uint8_t txid[12])
{
    uint8_t v[20];
    static const uint8_t cookie[4] = { 0x21, 0x12, 0xa4, 0x42 };
    size_t n = addrs[ip].len;
    v[0] = 0;
    v[1] = n == 16 ? 2 : 1;
    set16(v + 2, port ^ 0x2112);
    for (size_t i = 0; i < n; i++)
        v[4 + i] = addrs[ip].b[i] ^ (i < 4 ? cookie[i] : txid[i - 4]);
    attr(b, type, v, 4 + n);
}

/* stun_finish: header, optional MESSAGE-INTEGRITY and FINGERPRINT around the attributes in a. */
static void stun_finish(struct buf *m, unsigned type, const uint8_t txid[12], const struct buf *a, int mi)
{
    m->n = 0;
    put16(m, type);
    put16(m, 0);
    put32(m, 0x2112a442);
    put(m, txid, 12);
    put(m, a->d, a->n);
    if (mi) {
        uint8_t dig[20];
        set16(m->d + 2, (unsigned)(m->n - 20 + 24));
        hmac_sha1("benchkey", m->d, m->n, dig);
        attr(m, 0x0008, dig, 20);
    }
    set16(m->d + 2, (unsigned)(m->n - 20 + 8));
    uint8_t fp[4];
    set32(fp, crc32_of(m->d, m->n) ^ 0x5354554e);
    attr(m, 0x8028, fp, 4);
}

/* STUN steps: each round a Binding request and response, or (TURN, first round) four messages. */
static uint64_t stun_step(struct ctx *c, struct flow *f)
{
    const struct plan *p = f->p;
    int turn = p->flag, first = turn && f->step < 4, req;
    unsigned k = first ? f->step : (f->step - (turn ? 4 : 0)) % 2; /* 0..3 or 0..1 */
    struct buf a, m;
    static const char sw[] = "edgeaudit-bench 1.0";
    a.n = 0;
    req = (k & 1) == 0;
    if (req)
        rnd_bytes(&f->r, f->txid, 12);
    if (first && k == 0) {
        attr(&a, 0x0019, "\x11\x00\x00\x00", 4);
        attr(&a, 0x8022, sw, sizeof(sw) - 1);
        stun_finish(&m, 0x0003, f->txid, &a, 0);
    } else if (first && k == 1) {
        char nonce[17];
        snprintf(nonce, sizeof(nonce), "%016" PRIx64, rnd(&f->r));
        attr(&a, 0x0009, "\x00\x00\x04\x01Unauthorized", 16);
        attr(&a, 0x0014, "example.com", 11);
        attr(&a, 0x0015, nonce, 16);
        attr(&a, 0x8022, sw, sizeof(sw) - 1);
        stun_finish(&m, 0x0113, f->txid, &a, 0);
    } else if (first && k == 2) {
        attr(&a, 0x0019, "\x11\x00\x00\x00", 4);
        attr(&a, 0x0006, "user", 4);
        attr(&a, 0x0014, "example.com", 11);
        attr(&a, 0x8022, sw, sizeof(sw) - 1);
        stun_finish(&m, 0x0003, f->txid, &a, 1);
    } else if (first) {
        xaddr(&a, 0x0016, p->srv, (unsigned)rnd_range(&f->r, 50000, 59999), f->txid);
        xaddr(&a, 0x0020, p->cli, p->cport, f->txid);
        attr(&a, 0x000d, "\x00\x00\x02\x58", 4);
        attr(&a, 0x8022, sw, sizeof(sw) - 1);
        stun_finish(&m, 0x0103, f->txid, &a, 1);
    } else if (req) {
        attr(&a, 0x8022, sw, sizeof(sw) - 1);
        stun_finish(&m, 0x0001, f->txid, &a, 0);
    } else {
        xaddr(&a, 0x0020, p->cli, p->cport, f->txid);
        attr(&a, 0x8022, sw, sizeof(sw) - 1);
        stun_finish(&m, 0x0101, f->txid, &a, 0);
    }
    emit_udp(&c->o, f->t, req ? &f->up : &f->down, req ? p->cport : 3478, req ? 3478 : p->cport, m.d, m.n);
    f->step++;
    if (f->step >= f->nsteps)
        return 0;
    if (first && k == 1) {
        f->base = f->t + 500;
        return 500;
    }
    if (req)
        return f->rtt;
    /* next round: gap (and up to a quarter more) after this round's start */
    uint64_t next = f->base + f->gap + rnd_range(&f->r, 0, f->gap / 4);
    f->base = next > f->t ? next : f->t;
    return f->base - f->t;
}

static void stun_start(struct flow *f, uint64_t span)
{
    uint32_t rounds = 1 + f->p->extra / 2;
    f->rtt = (uint32_t)rnd_range(&f->r, 2000, 50000);
    f->gap = (uint32_t)(span / (f->p->extra / 2 + 1));
    if (f->gap < 20000)
        f->gap = 20000;
    f->nsteps = 2 * rounds + (f->p->flag ? 2 : 0);
    f->base = f->t;
}

/* ---- DNS (RFC 1035): a query from the edge and its answer ---- */

static uint64_t dns_step(struct ctx *c, struct flow *f)
{
    const struct plan *p = f->p;
    struct buf m;
    char name[80];
    /* name, type and id are drawn again from the flow's seed, so both messages agree */
    struct rng r = { f->p->seed ^ 0xd115ULL };
    unsigned qid = (unsigned)(rnd(&r) & 0xffff), qtype;
    double kind = rnd_unit(&r);
    int six = addrs[p->cli].len == 16, srv = 0;
    if (kind < 0.4) {
        snprintf(name, sizeof(name), "_sipfederationtls._tcp.partner%u.example", (unsigned)rnd_range(&r, 1, 500));
        qtype = 33;
        srv = 1;
    } else if (kind < 0.7) {
        snprintf(name, sizeof(name), "sip.partner%u.example", (unsigned)rnd_range(&r, 1, 500));
        qtype = 1;
    } else {
        snprintf(name, sizeof(name), "xmpp%u.example.org", (unsigned)rnd_range(&r, 1, 500));
        qtype = six ? 28 : 1;
    }
    m.n = 0;
    put16(&m, qid);
    put16(&m, f->step ? 0x8180 : 0x0100);
    put16(&m, 1);
    put16(&m, f->step ? 1 : 0);
    put16(&m, 0);
    put16(&m, 0);
    for (const char *s = name; *s;) {
        size_t l = strcspn(s, ".");
        put8(&m, (unsigned)l);
        put(&m, s, l);
        s += l + (s[l] == '.');
    }
    put8(&m, 0);
    put16(&m, qtype);
    put16(&m, 1);
    if (f->step) {
        put16(&m, 0xc00c);
        put16(&m, qtype);
        put16(&m, 1);
        put32(&m, 300);
        if (srv) { /* SRV: priority, weight, port, target sip.partnerN.example */
            const char *tgt = strchr(strchr(name, '.') + 1, '.') + 1;
            put16(&m, (unsigned)(6 + 4 + strlen(tgt) + 2));
            put16(&m, 0);
            put16(&m, 0);
            put16(&m, 5061);
            put8(&m, 3);
            put(&m, "sip", 3);
            for (const char *s = tgt; *s;) {
                size_t l = strcspn(s, ".");
                put8(&m, (unsigned)l);
                put(&m, s, l);
                s += l + (s[l] == '.');
            }
            put8(&m, 0);
        } else if (qtype == 28) {
            put16(&m, 16);
            put(&m, addrs[A_PEER6].b, 16);
        } else {
            put16(&m, 4);
            put(&m, addrs[A_FED].b, 4);
        }
    }
    emit_udp(&c->o, f->t, f->step ? &f->down : &f->up, f->step ? 53 : p->cport, f->step ? p->cport : 53,
             m.d, m.n);
    f->step++;
    return f->step < 2 ? rnd_range(&f->r, 1000, 40000) : 0;
}

/* ---- port scan: SYN, RST-ACK or SYN-ACK, and the scanner's RST after a SYN-ACK ---- */

static uint64_t scan_step(struct ctx *c, struct flow *f)
{
    const struct plan *p = f->p;
    struct tcpseg g = { p->cport, p->sport, f->seq[0], 0, SYN, 1024, 1 };
    if (f->step == 0) {
        emit_tcp(&c->o, f->t, &f->up, &g, NULL, 0);
    } else if (f->step == 1) {
        g = (struct tcpseg){ p->sport, p->cport, p->flag ? f->seq[1] : 0, f->seq[0] + 1,
                             p->flag ? SYN | ACK : RST | ACK, p->flag ? 64240 : 0, p->flag };
        emit_tcp(&c->o, f->t, &f->down, &g, NULL, 0);
    } else {
        g = (struct tcpseg){ p->cport, p->sport, f->seq[0] + 1, 0, RST, 0, 0 };
        emit_tcp(&c->o, f->t, &f->up, &g, NULL, 0);
    }
    f->step++;
    if (f->step >= f->nsteps)
        return 0;
    return f->step == 1 ? f->rtt : 50;
}

/* ---- the merge ---- */

struct heap {
    struct flow **a;
    size_t n, cap;
};

static int before(const struct flow *x, const struct flow *y)
{
    return x->t < y->t || (x->t == y->t && x->id < y->id);
}

static void heap_down(struct heap *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < h->n && before(h->a[l], h->a[m]))
            m = l;
        if (l + 1 < h->n && before(h->a[l + 1], h->a[m]))
            m = l + 1;
        if (m == i)
            return;
        struct flow *t = h->a[i];
        h->a[i] = h->a[m];
        h->a[m] = t;
        i = m;
    }
}

static void heap_push(struct heap *h, struct flow *f)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 1024;
        h->a = realloc(h->a, h->cap * sizeof(*h->a));
        if (!h->a)
            die("out of memory");
    }
    size_t i = h->n++;
    h->a[i] = f;
    while (i && before(h->a[i], h->a[(i - 1) / 2])) {
        struct flow *t = h->a[i];
        h->a[i] = h->a[(i - 1) / 2];
        h->a[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static struct flow *flow_start(const struct plan *p, uint64_t span)
{
    struct flow *f = xmalloc(sizeof(*f));
    f->p = p;
    f->id = p->id;
    f->t = p->start;
    f->r.s = p->seed;
    path_init(&f->up, p->cli, p->srv, &f->r);
    path_init(&f->down, p->srv, p->cli, &f->r);
    switch (p->kind) {
    case K_CALL: call_start(f); break;
    case K_STUN: stun_start(f, span); break;
    case K_DNS: f->nsteps = 2; break;
    case K_SCAN:
        f->nsteps = p->flag ? 3 : 2;
        f->rtt = (uint32_t)rnd_range(&f->r, 150, 400);
        f->seq[0] = (uint32_t)rnd(&f->r);
        f->seq[1] = (uint32_t)rnd(&f->r);
        break;
    default:
        tls_start(f);
        f->gap = (uint32_t)(span / (p->extra ? p->extra : 1));
        if (f->gap < 1000)
            f->gap = 1000;
        break;
    }
    return f;
}

static uint64_t flow_step(struct ctx *c, struct flow *f)
{
    switch (f->p->kind) {
    case K_CALL: return call_step(c, f);
    case K_STUN: return stun_step(c, f);
    case K_DNS: return dns_step(c, f);
    case K_SCAN: return scan_step(c, f);
    default: return tls_step(c, f);
    }
}

/* run: merges the flows of the plan (sorted by start) into the output, in time order. */
static void run(struct ctx *c, const struct plan *pl, size_t n, uint64_t span)
{
    struct heap h = { 0 };
    size_t next = 0;
    while (next < n || h.n) {
        if (next < n && (!h.n || pl[next].start <= h.a[0]->t)) {
            heap_push(&h, flow_start(&pl[next], span));
            next++;
            continue;
        }
        struct flow *f = h.a[0];
        uint64_t d = flow_step(c, f);
        if (f->step >= f->nsteps) {
            /* a closed TCP flow is held 30 s more; UDP flows (a call is two) 180 s */
            int k = f->p->kind, udp = k == K_CALL || k == K_STUN || k == K_DNS;
            c->ends[c->nends++] = f->t + (udp ? 180000000ULL : 30000000ULL);
            if (k == K_CALL)
                c->ends[c->nends++] = f->t + 180000000ULL;
            h.a[0] = h.a[--h.n];
            free(f);
        } else {
            f->t += d;
        }
        if (h.n)
            heap_down(&h, 0);
    }
    free(h.a);
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/*
 * alive_peak: the most flows alive at once, if a flow lives from its first packet to 30 s after
 * its close (TCP) or to 180 s after its last packet (UDP): edgeaudit's default timeouts. A model
 * for the bench to set sizes by, not a measurement.
 */
static uint64_t alive_peak(const struct plan *pl, size_t n, uint64_t *ends, size_t nends)
{
    uint64_t alive = 0, peak = 0;
    size_t i = 0, j = 0;
    qsort(ends, nends, sizeof(*ends), u64_cmp);
    while (i < n) {
        if (j < nends && ends[j] <= pl[i].start) {
            alive--;
            j++;
            continue;
        }
        alive += pl[i].kind == K_CALL ? 2 : 1;
        i++;
        if (alive > peak)
            peak = alive;
    }
    return peak;
}

static void usage(void)
{
    fprintf(stderr, "usage: gen-capture [--packets N] [--flows N] [--seed S] [--pps R] [--span S] "
                    "[--small] OUT.pcap\n       gen-capture --scan [--ports N] [--rate R] [--seed S] OUT.pcap\n");
    exit(2);
}

static uint64_t num(const char *s)
{
    char *e;
    errno = 0;
    unsigned long long v = strtoull(s, &e, 10);
    if (errno || *e || e == s)
        usage();
    return v;
}

static size_t plan_scan(struct plan **pl, uint64_t ports, uint64_t rate, struct rng *r, uint64_t t0)
{
    uint32_t *perm = xmalloc(ports * sizeof(*perm));
    for (uint64_t i = 0; i < ports; i++)
        perm[i] = (uint32_t)i;
    for (uint64_t i = ports; i > 1; i--) { /* Fisher-Yates: nmap probes in a random order */
        uint64_t j = rnd(r) % i;
        uint32_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    *pl = xmalloc(ports * sizeof(**pl));
    unsigned sport = (unsigned)rnd_range(r, 40000, 65000);
    for (uint64_t i = 0; i < ports; i++) {
        struct plan *p = &(*pl)[i];
        unsigned port = perm[i] & 0xffff;
        p->kind = K_SCAN;
        p->cli = A_SCANNER;
        p->srv = A_EDGE4;
        p->cport = (uint16_t)sport;
        p->sport = (uint16_t)port;
        p->flag = port == 443 || port == 5061 || port == 5269;
        p->start = t0 + i * 1000000 / rate;
        p->seed = rnd(r);
    }
    free(perm);
    return (size_t)ports;
}

int main(int argc, char **argv)
{
    uint64_t packets = 2000000, flows = 50000, seed = 2013, pps = 80000, span_s = 0;
    uint64_t ports = 65536, rate = 80000;
    int scan = 0, small = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--small"))
            small = 1;
        else if (!strcmp(a, "--scan"))
            scan = 1;
        else if (a[0] == '-' && a[1] == '-' && i + 1 < argc) {
            uint64_t v = num(argv[++i]);
            if (!strcmp(a, "--packets")) packets = v;
            else if (!strcmp(a, "--flows")) flows = v;
            else if (!strcmp(a, "--seed")) seed = v;
            else if (!strcmp(a, "--pps")) pps = v;
            else if (!strcmp(a, "--span")) span_s = v;
            else if (!strcmp(a, "--ports")) ports = v;
            else if (!strcmp(a, "--rate")) rate = v;
            else usage();
        } else if (a[0] != '-' && !path)
            path = a;
        else
            usage();
    }
    if (!path || !flows || !pps || !rate || !ports || ports > 65536)
        usage();
    addrs_init();
    tls_templates(seed, small);
    struct rng r = { seed };
    struct plan *pl = NULL;
    size_t n = 0;
    uint64_t t0 = 1700000000ULL * 1000000, span;
    if (scan) {
        n = plan_scan(&pl, ports, rate, &r, t0);
        span = 0;
    } else {
        uint64_t dur = (packets / pps ? packets / pps : 1) * 1000000;
        span = span_s ? span_s * 1000000 : dur / 2;
        n = plan_all(&pl, &r, packets, flows, t0, dur / 2, span);
    }
    for (size_t i = 0; i < n; i++)
        pl[i].id = (uint32_t)i;
    qsort(pl, n, sizeof(*pl), plan_cmp);
    struct ctx c = { .small = small };
    c.o.cap = 8 << 20;
    c.o.b = xmalloc(c.o.cap);
    c.o.f = fopen(path, "wb");
    if (!c.o.f)
        die(strerror(errno));
    /* pcap global header: magic (microseconds), 2.4, GMT offset, accuracy, snaplen, Ethernet */
    uint32_t gh[6] = { 0xa1b2c3d4, 2 | 4u << 16, 0, 0, 262144, 1 };
    memcpy(c.o.b, gh, sizeof(gh));
    c.o.n = sizeof(gh);
    uint64_t nflows = n;
    for (size_t i = 0; i < n; i++)
        nflows += pl[i].kind == K_CALL;
    c.ends = xmalloc(nflows * sizeof(*c.ends));
    run(&c, pl, n, span);
    out_flush(&c.o);
    if (fclose(c.o.f) != 0)
        die(strerror(errno));
    fprintf(stderr, "%s: %" PRIu64 " packets, %" PRIu64 " flows, %" PRIu64 " bytes, %" PRIu64
            " flows alive at most (model: TCP until 30 s after its close, UDP until 180 s idle)\n", path, c.o.packets,
            nflows, c.o.bytes + 24 + 16 * c.o.packets, alive_peak(pl, n, c.ends, c.nends));
    free(c.ends);
    free(pl);
    free(c.o.b);
    return 0;
}
