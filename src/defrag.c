/* defrag.c: IP fragment reassembly in a bounded hash table with FIFO expiry in packet time. */
#include <stdlib.h>
#include <string.h>

#include "defrag.h"

/* Datagrams handed out within one ea_decode call: one per nesting level at most. */
#define EA_DEFRAG_DONE_MAX 16

struct frag_range {
    uint32_t s, e;              /* [s, e) of the fragmentable part received */
};

struct frag_entry {
    struct ea_frag_key key;
    struct frag_entry *hnext;       /* hash chain */
    struct frag_entry *prev, *next; /* FIFO by first arrival */
    uint64_t first_ns;
    uint32_t nfrags;                /* fragments held */
    uint8_t *hdr;                   /* from the offset-0 fragment */
    uint32_t hdr_len;
    uint32_t nh_off;
    uint8_t nh;
    uint8_t *data;                  /* fragmentable part, grown as needed */
    uint32_t cap;
    struct frag_range *rng;         /* sorted, disjoint, not adjacent */
    uint32_t nrng, rcap;
    uint32_t total;                 /* known once the last fragment is in */
    bool have_last;
};

struct ea_defrag {
    unsigned max;
    unsigned count;
    uint64_t timeout_ns;
    struct frag_entry **buckets;
    uint32_t nbuckets;              /* power of two */
    struct frag_entry *head, *tail; /* oldest first */
    uint8_t *done[EA_DEFRAG_DONE_MAX];
    unsigned ndone;
};

/* FNV-1a over the key (no padding: 1+1+2+4+16+16 bytes). */
static uint32_t key_hash(const struct ea_frag_key *k)
{
    const uint8_t *b = (const uint8_t *)k;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < sizeof *k; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

static int key_eq(const struct ea_frag_key *a, const struct ea_frag_key *b)
{
    return a->family == b->family && a->proto == b->proto && a->vlan == b->vlan &&
           a->id == b->id && memcmp(a->src, b->src, 16) == 0 && memcmp(a->dst, b->dst, 16) == 0;
}

/*
 * Creates the table; see defrag.h. Returns NULL on out-of-memory.
 */
struct ea_defrag *ea_defrag_new(unsigned max, uint64_t timeout_ns)
{
    struct ea_defrag *df = calloc(1, sizeof *df);
    if (!df)
        return NULL;
    df->max = max;
    df->timeout_ns = timeout_ns;
    df->nbuckets = 16;
    while (df->nbuckets < max && df->nbuckets < (1u << 20))
        df->nbuckets <<= 1;
    df->buckets = calloc(df->nbuckets, sizeof *df->buckets);
    if (!df->buckets) {
        free(df);
        return NULL;
    }
    return df;
}

static void entry_free(struct frag_entry *e)
{
    if (!e)
        return;
    free(e->hdr);
    free(e->data);
    free(e->rng);
    free(e);
}

/* Unlinks e from its chain and the FIFO, then frees it. */
static void entry_remove(struct ea_defrag *df, struct frag_entry *e)
{
    struct frag_entry **pp = &df->buckets[key_hash(&e->key) & (df->nbuckets - 1)];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    if (e->prev)
        e->prev->next = e->next;
    else
        df->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        df->tail = e->prev;
    df->count--;
    entry_free(e);
}

/* Drops a pending datagram and counts its fragments as dropped. */
static void entry_drop(struct ea_defrag *df, struct frag_entry *e, struct ea_stats *st)
{
    if (st)
        st->frag_dropped += e->nfrags;
    entry_remove(df, e);
}

/* Frees the table and everything it holds. NULL is a no-op. */
void ea_defrag_free(struct ea_defrag *df)
{
    if (!df)
        return;
    ea_defrag_clear(df);
    free(df->buckets);
    free(df);
}

/* Empties the table, keeping its buckets: each pending entry unlinks itself. NULL is a no-op. */
void ea_defrag_clear(struct ea_defrag *df)
{
    if (!df)
        return;
    while (df->head)
        entry_remove(df, df->head);
    ea_defrag_release(df);
}

/* Frees the datagrams handed out so far. NULL is a no-op. */
void ea_defrag_release(struct ea_defrag *df)
{
    if (!df)
        return;
    for (unsigned i = 0; i < df->ndone; i++)
        free(df->done[i]);
    df->ndone = 0;
}

/* Datagrams pending; 0 for a NULL table. */
unsigned ea_defrag_pending(const struct ea_defrag *df)
{
    return df ? df->count : 0;
}

/*
 * Drops every datagram older than the timeout. The FIFO is in arrival order,
 * so only its head needs looking at; packet time running backwards merely
 * delays expiry.
 */
void ea_defrag_expire(struct ea_defrag *df, uint64_t now_ns, struct ea_stats *st)
{
    if (!df)
        return;
    while (df->head && now_ns > df->head->first_ns &&
           now_ns - df->head->first_ns > df->timeout_ns)
        entry_drop(df, df->head, st);
}

static struct frag_entry *entry_find(struct ea_defrag *df, const struct ea_frag_key *k)
{
    struct frag_entry *e = df->buckets[key_hash(k) & (df->nbuckets - 1)];
    while (e && !key_eq(&e->key, k))
        e = e->hnext;
    return e;
}

static struct frag_entry *entry_new(struct ea_defrag *df, const struct ea_frag_key *k,
                                    uint64_t now_ns)
{
    struct frag_entry *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->key = *k;
    e->first_ns = now_ns;
    uint32_t h = key_hash(k) & (df->nbuckets - 1);
    e->hnext = df->buckets[h];
    df->buckets[h] = e;
    e->prev = df->tail;
    if (df->tail)
        df->tail->next = e;
    else
        df->head = e;
    df->tail = e;
    df->count++;
    return e;
}

/* Ensures e->data holds at least 'need' bytes (need <= the datagram cap). */
static int entry_grow(struct frag_entry *e, uint32_t need)
{
    if (need <= e->cap)
        return 0;
    uint32_t ncap = e->cap ? e->cap : 2048;
    while (ncap < need)
        ncap *= 2;
    uint8_t *nd = realloc(e->data, ncap);
    if (!nd)
        return -1;
    e->data = nd;
    e->cap = ncap;
    return 0;
}

/* Records [s, e) as received, keeping the ranges sorted and merged. */
static int range_add(struct frag_entry *en, uint32_t s, uint32_t e)
{
    if (s == e)
        return 0;
    if (en->nrng == en->rcap) {
        uint32_t ncap = en->rcap ? en->rcap * 2 : 8;
        struct frag_range *nr = realloc(en->rng, ncap * sizeof *nr);
        if (!nr)
            return -1;
        en->rng = nr;
        en->rcap = ncap;
    }
    /* Insert in order of start, then fold touching neighbours together. */
    uint32_t i = 0;
    while (i < en->nrng && en->rng[i].s < s)
        i++;
    memmove(&en->rng[i + 1], &en->rng[i], (en->nrng - i) * sizeof *en->rng);
    en->rng[i].s = s;
    en->rng[i].e = e;
    en->nrng++;
    uint32_t w = 0;
    for (uint32_t r = 1; r < en->nrng; r++) {
        if (en->rng[r].s <= en->rng[w].e) {
            if (en->rng[r].e > en->rng[w].e)
                en->rng[w].e = en->rng[r].e;
        } else {
            en->rng[++w] = en->rng[r];
        }
    }
    en->nrng = w + 1;
    return 0;
}

/* 1 when the bytes already received under [s, e) differ from the new data. */
static int overlap_conflicts(const struct frag_entry *en, const struct ea_frag *f)
{
    uint32_t s = f->offset, e = f->offset + f->len;
    for (uint32_t i = 0; i < en->nrng; i++) {
        uint32_t a = en->rng[i].s > s ? en->rng[i].s : s;
        uint32_t b = en->rng[i].e < e ? en->rng[i].e : e;
        if (a < b && memcmp(en->data + a, f->data + (a - s), b - a) != 0)
            return 1;
    }
    return 0;
}

/* Builds the whole datagram of a complete entry; NULL on out-of-memory or a short header. */
static uint8_t *entry_build(const struct frag_entry *e, uint32_t *out_len)
{
    /* The length fields below live in the fixed IP header: never patch a shorter copy. */
    if (e->hdr_len < (e->key.family == 4 ? 20u : 40u))
        return NULL;
    uint32_t n = e->hdr_len + e->total;
    uint8_t *out = malloc(n ? n : 1);
    if (!out)
        return NULL;
    memcpy(out, e->hdr, e->hdr_len);
    if (e->total)
        memcpy(out + e->hdr_len, e->data, e->total);
    if (e->key.family == 4) {
        /* RFC 791: total length, then flags/offset with MF and offset cleared. */
        out[2] = (uint8_t)(n >> 8);
        out[3] = (uint8_t)n;
        out[6] &= 0xC0;
        out[7] = 0;
    } else {
        /* RFC 8200 4.5: payload length, and the fragment header's next header. */
        out[4] = (uint8_t)((n - 40) >> 8);
        out[5] = (uint8_t)(n - 40);
        out[e->nh_off] = e->nh;
    }
    *out_len = n;
    return out;
}

/*
 * 1 when the fragment cannot belong to any valid datagram: a non-last
 * fragment carries a non-zero multiple of 8 bytes (RFC 791, RFC 8200), the
 * datagram stays within 'limit' with its header, and a first fragment holds
 * the whole fixed IP header (and, for IPv6, the Next Header byte it names).
 */
static int frag_invalid(const struct ea_frag *f, uint32_t limit)
{
    uint32_t end = f->offset + f->len;
    return (f->more && (f->len == 0 || f->len % 8 != 0)) ||
           f->offset > limit || f->len > limit || end > limit || f->hdr_len > limit - end ||
           (f->offset == 0 && f->hdr_len < (f->key.family == 4 ? 20u : 40u)) ||
           (f->offset == 0 && f->key.family == 6 && f->nh_off >= f->hdr_len);
}

/* 1 when the fragment contradicts what the entry already holds: its end, or its bytes. */
static int frag_conflicts(const struct frag_entry *e, const struct ea_frag *f)
{
    uint32_t end = f->offset + f->len;
    if (f->more && e->have_last && end > e->total)
        return 1;
    if (!f->more && e->have_last && end != e->total)
        return 1;
    if (!f->more && e->nrng && e->rng[e->nrng - 1].e > end)
        return 1;
    return overlap_conflicts(e, f);
}

/* Copies the fragment's bytes (and, for the first, the header) into the entry; -1 on OOM. */
static int entry_store(struct frag_entry *e, const struct ea_frag *f)
{
    uint32_t end = f->offset + f->len;
    if (entry_grow(e, end) < 0 || range_add(e, f->offset, end) < 0)
        return -1;
    if (f->len)
        memcpy(e->data + f->offset, f->data, f->len);
    if (f->offset == 0 && !e->hdr) {
        e->hdr = malloc(f->hdr_len ? f->hdr_len : 1);
        if (!e->hdr)
            return -1;
        memcpy(e->hdr, f->hdr, f->hdr_len);
        e->hdr_len = f->hdr_len;
        e->nh_off = f->nh_off;
        e->nh = f->nh;
    }
    if (!f->more) {
        e->total = end;
        e->have_last = true;
    }
    e->nfrags++;
    return 0;
}

/* 1 when every byte of the datagram, its header and its last fragment are in. */
static int entry_complete(const struct frag_entry *e)
{
    return e->hdr && e->have_last &&
           (e->total == 0 || (e->nrng == 1 && e->rng[0].s == 0 && e->rng[0].e == e->total));
}

/* Hands out the datagram of a complete entry (the table keeps it until ea_defrag_release). */
static enum ea_defrag_rc entry_finish(struct ea_defrag *df, struct frag_entry *e, uint32_t limit,
                                      struct ea_stats *st, const uint8_t **out, uint32_t *out_len)
{
    if (e->hdr_len > limit - e->total) {
        entry_drop(df, e, st);              /* oversized once the header is counted */
        return EA_DEFRAG_INVALID;
    }
    uint8_t *dg = entry_build(e, out_len);
    if (!dg) {
        entry_drop(df, e, st);
        return EA_DEFRAG_DROPPED;
    }
    df->done[df->ndone++] = dg;
    *out = dg;
    st->frag_reassembled++;
    entry_remove(df, e);
    return EA_DEFRAG_DONE;
}

/*
 * Adds one fragment; see defrag.h for the results and what is counted.
 * Out-of-memory drops the datagram (counted in frag_dropped).
 */
enum ea_defrag_rc ea_defrag_add(struct ea_defrag *df, const struct ea_frag *f, uint64_t now_ns,
                                struct ea_stats *st, const uint8_t **out, uint32_t *out_len)
{
    enum ea_defrag_rc rc = EA_DEFRAG_DROPPED;
    uint32_t limit = f->key.family == 4 ? EA_DEFRAG_MAX4 : EA_DEFRAG_MAX6;
    struct frag_entry *e;

    st->frag_packets++;
    if (df->max == 0 || df->ndone == EA_DEFRAG_DONE_MAX) {
        st->frag_dropped++;
        return EA_DEFRAG_DROPPED;
    }
    e = entry_find(df, &f->key);
    if (frag_invalid(f, limit) || (e && frag_conflicts(e, f))) {
        rc = EA_DEFRAG_INVALID;
        goto drop;
    }
    if (!e) {
        if (df->count >= df->max)
            entry_drop(df, df->head, st);        /* oldest pending makes room */
        e = entry_new(df, &f->key, now_ns);
        if (!e)
            goto drop;
    }
    if (entry_store(e, f) < 0)
        goto drop;
    if (entry_complete(e))
        return entry_finish(df, e, limit, st, out, out_len);
    return EA_DEFRAG_HELD;

drop:   /* invalid (rc set) or out of memory */
    st->frag_dropped++;
    if (e)
        entry_drop(df, e, st);
    return rc;
}
