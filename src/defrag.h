/* defrag.h: bounded IPv4/IPv6 fragment reassembly table, timed in packet time. */
#ifndef EA_DEFRAG_H
#define EA_DEFRAG_H

#include <stdbool.h>
#include <stdint.h>

#include "stats.h"

/* Largest reassembled datagram: IPv4 total length, or IPv6 header + payload length. */
#define EA_DEFRAG_MAX4 65535u
#define EA_DEFRAG_MAX6 (65535u + 40u)

/* What identifies a datagram's fragments (RFC 791 section 3.2, RFC 8200 section 4.5). */
struct ea_frag_key {
    uint8_t family;     /* 4 or 6 */
    uint8_t proto;      /* IPv4 protocol; 0 for IPv6, whose fragments may differ here */
    uint16_t vlan;
    uint32_t id;        /* IPv4 16-bit or IPv6 32-bit identification */
    uint8_t src[16];
    uint8_t dst[16];
};

/* One fragment as an IP decoder hands it over; all pointers are borrowed. */
struct ea_frag {
    struct ea_frag_key key;
    uint32_t offset;        /* byte offset in the fragmentable part */
    bool more;              /* MF (IPv4) or M (IPv6) flag */
    const uint8_t *hdr;     /* IPv4 header, or IPv6 header up to the fragment header */
    uint32_t hdr_len;
    uint32_t nh_off;        /* IPv6: offset in hdr of the Next Header byte that said 44 */
    uint8_t nh;             /* IPv6: Next Header of the fragment header */
    const uint8_t *data;    /* the fragment's data, len bytes, all captured */
    uint32_t len;
};

enum ea_defrag_rc {
    EA_DEFRAG_HELD = 0,     /* kept; the datagram is not complete yet */
    EA_DEFRAG_DONE,         /* *out is the whole datagram */
    EA_DEFRAG_INVALID,      /* conflicting overlap, bad length or oversize: datagram dropped */
    EA_DEFRAG_DROPPED,      /* no table room (frag_max 0) or out of memory */
};

struct ea_defrag;

/*
 * Creates a table of at most 'max' pending datagrams, each dropped
 * 'timeout_ns' of packet time after its first fragment. When full, the
 * oldest pending datagram makes room. Returns NULL on out-of-memory.
 */
struct ea_defrag *ea_defrag_new(unsigned max, uint64_t timeout_ns);

/* Frees the table, its pending fragments and handed-out datagrams. NULL is a no-op. */
void ea_defrag_free(struct ea_defrag *df);

/*
 * Frees the pending fragments and handed-out datagrams without counting
 * them, leaving the table as ea_defrag_new made it (ea_pipeline_reset).
 * NULL is a no-op.
 */
void ea_defrag_clear(struct ea_defrag *df);

/*
 * Adds one fragment seen at now_ns. Counts st->frag_packets, and
 * frag_reassembled / frag_dropped as datagrams complete or are dropped (not
 * malformed[]: the caller knows the kind). On EA_DEFRAG_DONE, *out and
 * *out_len give the datagram with fragmentation undone (IPv4 total length,
 * flags and offset; IPv6 payload length and fragment header removed); the
 * table owns it until ea_defrag_release.
 */
enum ea_defrag_rc ea_defrag_add(struct ea_defrag *df, const struct ea_frag *f, uint64_t now_ns,
                                struct ea_stats *st, const uint8_t **out, uint32_t *out_len);

/* Drops the datagrams whose first fragment is older than the timeout, counting them. */
void ea_defrag_expire(struct ea_defrag *df, uint64_t now_ns, struct ea_stats *st);

/* Frees the datagrams handed out by ea_defrag_add so far. NULL is a no-op. */
void ea_defrag_release(struct ea_defrag *df);

/* Datagrams pending (for tests and reports). */
unsigned ea_defrag_pending(const struct ea_defrag *df);

#endif
