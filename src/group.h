/*
 * group.h: finding groups (report v2, SPEC-report-v2.md): flows that share a
 * verdict, reason code, rule, transport, responder, port and app add up in one
 * group, with K example flows (the smallest ids); the no-rule flows of one
 * initiator on many ports of one responder fold into one scan group.
 *
 * Everything here is order-independent: the same flows added in any order
 * give the same groups, counters, initiators listed and examples (only the
 * caps below, once reached, make the result depend on the order).
 */
#ifndef EA_GROUP_H
#define EA_GROUP_H

#include <stddef.h>
#include <stdint.h>

#define EA_SCAN_PORTS 16                  /* distinct ports that make a family a scan */
#define EA_GROUP_INITIATORS_MAX 4096      /* distinct initiators tracked per group */
#define EA_GROUP_INITIATORS_LISTED 5      /* initiators listed: smallest first-flow ids */
#define EA_GROUPS_MAX 100000              /* groups plus scan families held at once */
#define EA_EXAMPLES_DEFAULT 10            /* --examples default */
#define EA_EXAMPLES_MAX 1000              /* --examples at most */
#define EA_GROUP_KEY_LEN 16               /* hex digits of a key */

/*
 * What identifies a group: the report's attribute texts, borrowed. rules is
 * "" when the flow has no rule; initiator is only part of a scan key (and of
 * a scan family), app only of a normal key.
 */
struct ea_group_fields {
    const char *verdict;          /* "unexpected", "blocked", "unverified" */
    const char *reason;           /* reason code: "no-rule", "syn-rst", ... */
    const char *rules;            /* the flow's rule ids, space-separated, or "" */
    const char *transport;        /* "tcp", "udp", ... */
    const char *responder;        /* server address text, after orientation */
    const char *initiator;        /* client address text */
    const char *app;              /* label text as in the report's app */
    unsigned port;                /* server port */
};

/*
 * The canonical string of a normal group (scan 0):
 *   g1|VERDICT|REASON|RULE|TRANSPORT|RESPONDER|PORT|APP
 * or of a scan group (scan 1):
 *   s1|VERDICT|REASON|TRANSPORT|RESPONDER|INITIATOR
 * into buf (n bytes, NUL-terminated when n > 0). Returns its length, which
 * is n or more when buf was too small (as snprintf).
 */
size_t ea_group_canonical(const struct ea_group_fields *gf, int scan, char *buf, size_t n);

/* FNV-1a 64-bit (offset 0xcbf29ce484222325, prime 0x100000001b3) over s. */
uint64_t ea_group_fnv1a(const char *s, size_t n);

/* The key: FNV-1a 64 over ea_group_canonical's string, without building it. */
uint64_t ea_group_key(const struct ea_group_fields *gf, int scan);

/* The key as 16 lowercase hex digits into buf (EA_GROUP_KEY_LEN + 1 bytes); returns buf. */
char *ea_group_key_str(uint64_t key, char *buf);

/* Reads 16 hex digits (either case) into *key. 0, or -1 when s is not a key. */
int ea_group_key_parse(const char *s, uint64_t *key);

/* One example: a flow id and the caller's serialized copy of it (owned by its set). */
struct ea_example {
    uint64_t id;
    char *data;                   /* len bytes, plus a NUL after them */
    size_t len;
};

/* The k smallest flow ids offered, each with its data; sorted by id. */
struct ea_examples {
    unsigned k;
    unsigned n;
    unsigned cap;                 /* room in e, at most k: it grows with the examples kept */
    struct ea_example *e;         /* owned */
};

/* An empty set keeping k. Frees nothing; call ea_examples_clear to release. */
void ea_examples_init(struct ea_examples *ex, unsigned k);

/* Frees every example and the array; the set is then empty (k kept). */
void ea_examples_clear(struct ea_examples *ex);

/* 1 when an offer of id would be kept (serialize the flow only then). */
int ea_examples_wants(const struct ea_examples *ex, uint64_t id);

/*
 * Offers id with len bytes of data (copied). Keeps it when it is among the k
 * smallest ids offered (an id offered twice is kept once: the first copy).
 * Returns 1 kept, 0 not kept, -1 out of memory (the set is unchanged).
 */
int ea_examples_offer(struct ea_examples *ex, uint64_t id, const void *data, size_t len);

/*
 * Moves every example of src into dst (the k smallest of both stay, the rest
 * are freed); src is left empty. Returns 0, or -1 out of memory (then some
 * examples of src may be lost, never leaked).
 */
int ea_examples_move(struct ea_examples *dst, struct ea_examples *src);

/* The i-th NUL-separated part of an example's data ("" past the last one). */
const char *ea_example_part(const struct ea_example *e, unsigned i);

/* A distinct initiator of a group and the smallest flow id it was seen in. */
struct ea_initiator {
    char *addr;                   /* owned */
    uint64_t first_id;
};

/*
 * One group as the reports read it. Strings are owned by the group (scan
 * groups have app "" and port 0; normal groups initiator NULL).
 */
struct ea_group {
    uint64_t key;
    int scan;
    char *verdict, *reason, *rules, *transport, *responder, *initiator, *app;
    unsigned port;
    uint64_t flows, packets, bytes;
    uint64_t first_ns, last_ns, first_frame, last_frame;
    char *words;                  /* reason in words of the smallest id (owned), or NULL */
    uint64_t words_id;
    uint64_t initiators;          /* distinct initiators (a lower bound when capped) */
    int initiators_capped;
    struct ea_initiator listed[EA_GROUP_INITIATORS_LISTED];   /* smallest first_id first */
    unsigned nlisted;             /* listed[].addr owned (borrowed in a list's combined groups) */
    struct ea_examples ex;
    unsigned nports;              /* scan: distinct ports */
    const uint8_t *ports;         /* scan: 65536-bit bitmap (borrowed), else NULL */
    void *priv;                   /* group.c's own */
};

/* A finished flow as its group sees it: fields borrowed for the call. */
struct ea_group_flow {
    struct ea_group_fields f;
    uint64_t id;
    uint64_t packets, bytes;
    uint64_t first_ns, last_ns, first_frame, last_frame;
    const char *words;            /* the reason in words, or NULL */
};

struct ea_group_table;

/* A table keeping k examples per group. NULL on out-of-memory. */
struct ea_group_table *ea_group_table_new(unsigned k);
void ea_group_table_free(struct ea_group_table *t);   /* NULL is a no-op */

/* Sets the cap on groups plus scan families (EA_GROUPS_MAX unless set; tests lower it). */
void ea_group_table_set_max(struct ea_group_table *t, size_t max_groups);

/* Where one added flow went, for its JSON line and its example offer. */
struct ea_group_ref {
    uint64_t key;                 /* its normal (g1) key */
    uint64_t scan_key;            /* the key of its family's scan group, when has_scan */
    int has_scan;                 /* no rule: the flow belongs to a scan family */
    struct ea_examples *sink;     /* where to offer it as an example (borrowed), NULL if dropped */
};

/*
 * Adds one grouped flow (the caller chooses which flows are grouped). Fills
 * *ref. Returns 0, 1 when a cap left it without a group (counted in
 * ea_group_table_dropped; ref->sink NULL), or -1 on out-of-memory (counted
 * too). A flow with no rule joins its scan family (SPEC: scan folding).
 */
int ea_group_table_add(struct ea_group_table *t, const struct ea_group_flow *gf,
                       struct ea_group_ref *ref);

/* 1 when the family with this scan key has folded into a scan group so far. */
int ea_group_table_is_scan(const struct ea_group_table *t, uint64_t scan_key);

/* The key a flow's group has now: the scan key when its family folded, else the normal key. */
uint64_t ea_group_ref_final(const struct ea_group_table *t, const struct ea_group_ref *ref);

/*
 * Adds every group of src into dst, copied (src is unchanged): the result is
 * the table the flows of both would have made (counters, initiators listed,
 * examples, scan folding over the union of a family's ports). Returns 0, or
 * -1 on out-of-memory (some of src is then missing from dst). Live windows
 * add up their time buckets with it.
 */
int ea_group_table_merge(struct ea_group_table *dst, const struct ea_group_table *src);

uint64_t ea_group_table_dropped(const struct ea_group_table *t);   /* flows without a group */
uint64_t ea_group_table_flows(const struct ea_group_table *t);     /* flows added (grouped or not) */

/*
 * The groups as they stand, sorted: verdict (unexpected, blocked,
 * unverified, others), then flows descending, then key. A snapshot:
 * ea_group_list_free frees it; it borrows from the table and is valid until
 * the next ea_group_table_add or _free. NULL on out-of-memory.
 */
struct ea_group_list {
    const struct ea_group **g;
    size_t n;
    size_t scans;                 /* of them scan groups */
    uint64_t flows;               /* flows in them */
    void *priv;
};
struct ea_group_list *ea_group_table_list(const struct ea_group_table *t);
void ea_group_list_free(struct ea_group_list *l);     /* NULL is a no-op */

/* 1 when key is the key of one of the list's scan groups. */
int ea_group_list_is_scan(const struct ea_group_list *l, uint64_t key);

/* The key a flow's group has in the list: its scan key when that is a scan group, else key. */
uint64_t ea_group_list_final(const struct ea_group_list *l, uint64_t key, uint64_t scan_key);

/*
 * A scan group's ports as ranges "1-442,444-5060,5062" (malloc'ed, caller
 * frees), "" for a normal group. NULL on out-of-memory.
 */
char *ea_group_port_ranges(const struct ea_group *g);

/*
 * Wireshark display filters, into buf (n bytes, cut to fit): a normal group
 * "ip.addr==R && udp.port==P", a scan group "ip.addr==I && ip.addr==R && tcp"
 * (ipv6.addr for IPv6 text; a transport with no ports is named alone).
 */
const char *ea_group_filter(const struct ea_group *g, char *buf, size_t n);

/*
 * One flow: "ip.addr==C && ip.addr==S && tcp.port==CP && tcp.port==SP", with C
 * gf->initiator, S gf->responder, SP gf->port and CP cport.
 */
const char *ea_flow_filter(const struct ea_group_fields *gf, unsigned cport, char *buf, size_t n);

/* Rank of a verdict name in the sort order: unexpected 0, blocked 1, unverified 2, else 3. */
int ea_group_verdict_rank(const char *verdict);

#endif
