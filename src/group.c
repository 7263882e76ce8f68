/* group.c: finding groups, their examples and scan folding (SPEC-report-v2.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "group.h"
#include "util-str.h"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL
#define BITMAP_BYTES (65536 / 8)

/* ---- keys ---- */

uint64_t ea_group_fnv1a(const char *s, size_t n)
{
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= FNV_PRIME;
    }
    return h;
}

/* One more piece of the canonical string into a running FNV-1a hash. */
static uint64_t fnv_more(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (uint8_t)*s;
        h *= FNV_PRIME;
    }
    return h;
}

/* "%u" of a port (a tuple's: 5 digits at most) into pbuf (8 bytes), without snprintf per flow. */
static void port_text(char *pbuf, unsigned port)
{
    char t[8], *p = t + sizeof(t);
    port &= 0xffff;
    *--p = '\0';
    do {
        *--p = (char)('0' + port % 10);
        port /= 10;
    } while (port);
    memcpy(pbuf, p, (size_t)(t + sizeof(t) - p));
}

/* The canonical string's pieces in order, '|' between them; port as text in pbuf. */
static size_t pieces(const struct ea_group_fields *gf, int scan, char *pbuf, const char **p)
{
    size_t n = 0;
    p[n++] = scan ? "s1" : "g1";
    p[n++] = gf->verdict;
    p[n++] = gf->reason;
    if (!scan)
        p[n++] = gf->rules;
    p[n++] = gf->transport;
    p[n++] = gf->responder;
    if (scan) {
        p[n++] = gf->initiator;
    } else {
        port_text(pbuf, gf->port);
        p[n++] = pbuf;
        p[n++] = gf->app;
    }
    for (size_t i = 0; i < n; i++)
        if (!p[i])
            p[i] = "";
    return n;
}

size_t ea_group_canonical(const struct ea_group_fields *gf, int scan, char *buf, size_t n)
{
    const char *p[8];
    char port[8];
    size_t np = pieces(gf, scan, port, p), len = 0;
    for (size_t i = 0; i < np; i++) {
        const char *s = p[i];
        if (i > 0) {
            if (len + 1 < n)
                buf[len] = '|';
            len++;
        }
        for (; *s; s++, len++)
            if (len + 1 < n)
                buf[len] = *s;
    }
    if (n)
        buf[len < n ? len : n - 1] = 0;
    return len;
}

uint64_t ea_group_key(const struct ea_group_fields *gf, int scan)
{
    const char *p[8];
    char port[8];
    size_t np = pieces(gf, scan, port, p);
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < np; i++) {
        if (i)
            h = fnv_more(h, "|");
        h = fnv_more(h, p[i]);
    }
    return h;
}

char *ea_group_key_str(uint64_t key, char *buf)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = EA_GROUP_KEY_LEN - 1; i >= 0; i--) {
        buf[i] = hex[key & 15];
        key >>= 4;
    }
    buf[EA_GROUP_KEY_LEN] = 0;
    return buf;
}

int ea_group_key_parse(const char *s, uint64_t *key)
{
    uint64_t k = 0;
    for (int i = 0; i < EA_GROUP_KEY_LEN; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return -1;
        k = k << 4 | d;
    }
    if (s[EA_GROUP_KEY_LEN])
        return -1;
    *key = k;
    return 0;
}

int ea_group_verdict_rank(const char *verdict)
{
    static const char *const order[] = { "unexpected", "blocked", "unverified" };
    for (int i = 0; i < 3; i++)
        if (verdict && strcmp(verdict, order[i]) == 0)
            return i;
    return 3;
}

/* ---- examples: the k smallest ids ---- */

void ea_examples_init(struct ea_examples *ex, unsigned k)
{
    ex->k = k;
    ex->n = ex->cap = 0;
    ex->e = NULL;
}

void ea_examples_clear(struct ea_examples *ex)
{
    for (unsigned i = 0; i < ex->n; i++)
        free(ex->e[i].data);
    free(ex->e);
    ex->e = NULL;
    ex->n = ex->cap = 0;
}

int ea_examples_wants(const struct ea_examples *ex, uint64_t id)
{
    if (ex->k == 0)
        return 0;
    for (unsigned i = 0; i < ex->n; i++)
        if (ex->e[i].id == id)
            return 0;
    return ex->n < ex->k || id < ex->e[ex->n - 1].id;
}

int ea_examples_offer(struct ea_examples *ex, uint64_t id, const void *data, size_t len)
{
    if (!ea_examples_wants(ex, id))
        return 0;
    if (ex->n == ex->cap && ex->cap < ex->k) {   /* room grows with the examples kept */
        unsigned cap = ex->cap ? (ex->cap > ex->k / 2 ? ex->k : 2 * ex->cap) : 1;
        struct ea_example *ne = realloc(ex->e, cap * sizeof(*ne));
        if (!ne)
            return -1;
        ex->e = ne;
        ex->cap = cap;
    }
    char *copy = len < SIZE_MAX ? malloc(len + 1) : NULL;
    if (!copy)
        return -1;
    if (len)
        memcpy(copy, data, len);
    copy[len] = 0;
    if (ex->n == ex->k)            /* full: the largest id goes */
        free(ex->e[--ex->n].data);
    unsigned at = ex->n;
    while (at > 0 && ex->e[at - 1].id > id)
        at--;
    memmove(ex->e + at + 1, ex->e + at, (ex->n - at) * sizeof(*ex->e));
    ex->e[at] = (struct ea_example){ id, copy, len };
    ex->n++;
    return 1;
}

/*
 * The k smallest of dst and src into dst. own: src's data moves (src ends
 * empty, what is dropped is freed); else src is untouched and dst borrows
 * its data (dst must then never free data: a list's combined group).
 */
static int ex_merge(struct ea_examples *dst, struct ea_examples *src, int own)
{
    unsigned k = dst->k, i = 0, j = 0, n = 0;
    unsigned room = dst->n + src->n < k ? dst->n + src->n : k;
    struct ea_example *out = NULL;
    if (k && src->n) {
        out = calloc(room, sizeof(*out));
        if (!out)
            return -1;
        while (n < k && (i < dst->n || j < src->n)) {
            if (j == src->n || (i < dst->n && dst->e[i].id <= src->e[j].id)) {
                if (j < src->n && dst->e[i].id == src->e[j].id && own)
                    free(src->e[j].data);
                j += j < src->n && dst->e[i].id == src->e[j].id;
                out[n++] = dst->e[i++];
            } else {
                out[n++] = src->e[j++];
            }
        }
    } else if (!src->n) {
        return 0;
    }
    for (; own && i < dst->n; i++)
        free(dst->e[i].data);
    for (; own && j < src->n; j++)
        free(src->e[j].data);
    free(dst->e);
    dst->e = out;
    dst->n = n;
    dst->cap = out ? room : 0;
    if (own) {
        free(src->e);
        src->e = NULL;
        src->n = src->cap = 0;
    }
    return 0;
}

int ea_examples_move(struct ea_examples *dst, struct ea_examples *src)
{
    if (ex_merge(dst, src, 1) == 0)
        return 0;
    ea_examples_clear(src);
    return -1;
}

const char *ea_example_part(const struct ea_example *e, unsigned i)
{
    size_t at = 0;
    for (; i > 0 && at < e->len; i--)
        at += strlen(e->data + at) + 1;
    return at < e->len ? e->data + at : "";
}

/* ---- a map from 64-bit keys to pointers (open addressing) ---- */

struct map {
    uint64_t *keys;
    void **vals;                  /* NULL: an empty slot */
    size_t cap, n;
};

static size_t map_slot(const struct map *m, uint64_t key)
{
    size_t i = (size_t)(key ^ key >> 29) & (m->cap - 1);
    while (m->vals[i] && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static void *map_get(const struct map *m, uint64_t key)
{
    return m->cap ? m->vals[map_slot(m, key)] : NULL;
}

static int map_put(struct map *m, uint64_t key, void *val)
{
    if (2 * (m->n + 1) > m->cap) {
        struct map nm = { NULL, NULL, m->cap ? 2 * m->cap : 64, 0 };
        nm.keys = calloc(nm.cap, sizeof(*nm.keys));
        nm.vals = calloc(nm.cap, sizeof(*nm.vals));
        if (!nm.keys || !nm.vals) {
            free(nm.keys);
            free(nm.vals);
            return -1;
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->vals[i]) {
                size_t s = map_slot(&nm, m->keys[i]);
                nm.keys[s] = m->keys[i];
                nm.vals[s] = m->vals[i];
                nm.n++;
            }
        free(m->keys);
        free(m->vals);
        *m = nm;
    }
    size_t s = map_slot(m, key);
    m->n += !m->vals[s];
    m->keys[s] = key;
    m->vals[s] = val;
    return 0;
}

static void map_free(struct map *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}

/* ---- groups ---- */

/* A normal group's distinct initiators (open addressing on the address). */
struct iset {
    char **addr;
    size_t cap, n;
};

/* A family: the no-rule flows of one initiator to one responder (scan key). */
struct family {
    uint64_t key;
    uint16_t plist[EA_SCAN_PORTS];
    unsigned nports;
    uint8_t *bitmap;              /* once nports reached EA_SCAN_PORTS */
    struct ea_group **cells;      /* per port and app, until it folds */
    size_t ncells;
    struct ea_group *scan;        /* the scan group, once folded */
};

struct ea_group_table {
    unsigned k;
    struct map groups;            /* normal groups of flows with a rule (struct ea_group) */
    struct map families;          /* struct family */
    size_t held;                  /* groups plus families, against max_groups */
    size_t max_groups;
    uint64_t flows, dropped;
};

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

static void group_free(struct ea_group *g)
{
    if (!g)
        return;
    free(g->verdict);
    free(g->reason);
    free(g->rules);
    free(g->transport);
    free(g->responder);
    free(g->initiator);
    free(g->app);
    free(g->words);
    for (unsigned i = 0; i < g->nlisted; i++)
        free(g->listed[i].addr);
    ea_examples_clear(&g->ex);
    struct iset *is = g->priv;
    if (is) {
        for (size_t i = 0; i < is->cap; i++)
            free(is->addr[i]);
        free(is->addr);
        free(is);
    }
    free(g);
}

/* A new empty group with gf's fields (scan: no rules, app, port; else no initiator). */
static struct ea_group *group_new(const struct ea_group_fields *gf, int scan, unsigned k)
{
    struct ea_group *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->scan = scan;
    g->key = ea_group_key(gf, scan);
    g->verdict = dup_or_empty(gf->verdict);
    g->reason = dup_or_empty(gf->reason);
    g->rules = dup_or_empty(scan ? "" : gf->rules);
    g->transport = dup_or_empty(gf->transport);
    g->responder = dup_or_empty(gf->responder);
    g->app = dup_or_empty(scan ? "" : gf->app);
    g->initiator = scan ? dup_or_empty(gf->initiator) : NULL;
    g->port = scan ? 0 : gf->port;
    g->first_ns = g->first_frame = g->words_id = UINT64_MAX;
    ea_examples_init(&g->ex, k);
    if (!g->verdict || !g->reason || !g->rules || !g->transport || !g->responder || !g->app ||
        (scan && !g->initiator)) {
        group_free(g);
        return NULL;
    }
    return g;
}

/*
 * Keeps addr among the listed initiators when its first id is among the
 * EA_GROUP_INITIATORS_LISTED smallest (ties: the smaller address). dup: copy
 * addr (the group owns its listed addresses); else borrow it.
 */
static int listed_note(struct ea_group *g, const char *addr, uint64_t id, int dup)
{
    unsigned i, n = g->nlisted;
    for (i = 0; i < n && strcmp(g->listed[i].addr, addr) != 0; i++)
        ;
    struct ea_initiator it = { NULL, id };
    if (i < n) {                       /* listed already: it may move up */
        if (g->listed[i].first_id <= id)
            return 0;
        it.addr = g->listed[i].addr;
        memmove(g->listed + i, g->listed + i + 1, (n - i - 1) * sizeof(*g->listed));
        n--;
    } else {
        const struct ea_initiator *last = n ? &g->listed[n - 1] : NULL;
        if (n == EA_GROUP_INITIATORS_LISTED &&
            (last->first_id < id || (last->first_id == id && strcmp(last->addr, addr) < 0)))
            return 0;
        it.addr = dup ? strdup(addr) : (char *)addr;
        if (!it.addr)
            return -1;
        if (n == EA_GROUP_INITIATORS_LISTED) {
            if (dup)
                free(g->listed[n - 1].addr);
            n--;
        }
    }
    unsigned at = n;
    while (at > 0 && (g->listed[at - 1].first_id > id ||
                      (g->listed[at - 1].first_id == id && strcmp(g->listed[at - 1].addr, it.addr) > 0)))
        at--;
    memmove(g->listed + at + 1, g->listed + at, (n - at) * sizeof(*g->listed));
    g->listed[at] = it;
    g->nlisted = n + 1;
    return 0;
}

/* Counts addr among a normal group's distinct initiators, up to EA_GROUP_INITIATORS_MAX. */
static int iset_note(struct ea_group *g, const char *addr)
{
    struct iset *is = g->priv;
    if (!is) {
        is = calloc(1, sizeof(*is));
        if (!is || !(is->addr = calloc(8, sizeof(*is->addr)))) {
            free(is);
            return -1;
        }
        is->cap = 8;
        g->priv = is;
    }
    size_t i = (size_t)ea_group_fnv1a(addr, strlen(addr)) & (is->cap - 1);
    while (is->addr[i] && strcmp(is->addr[i], addr) != 0)
        i = (i + 1) & (is->cap - 1);
    if (is->addr[i])
        return 0;
    if (is->n >= EA_GROUP_INITIATORS_MAX) {
        g->initiators_capped = 1;
        return 0;
    }
    if (2 * (is->n + 1) > is->cap) {
        struct iset ns = { calloc(2 * is->cap, sizeof(char *)), 2 * is->cap, is->n };
        if (!ns.addr)
            return -1;
        for (size_t j = 0; j < is->cap; j++) {
            if (!is->addr[j])
                continue;
            size_t s = (size_t)ea_group_fnv1a(is->addr[j], strlen(is->addr[j])) & (ns.cap - 1);
            while (ns.addr[s])
                s = (s + 1) & (ns.cap - 1);
            ns.addr[s] = is->addr[j];
        }
        free(is->addr);
        *is = ns;
        i = (size_t)ea_group_fnv1a(addr, strlen(addr)) & (is->cap - 1);
        while (is->addr[i])
            i = (i + 1) & (is->cap - 1);
    }
    if (!(is->addr[i] = strdup(addr)))
        return -1;
    is->n++;
    g->initiators = is->n;
    return 0;
}

/* Adds one flow's counters, times, frames and words to g. */
static int group_count(struct ea_group *g, const struct ea_group_flow *gf)
{
    g->flows++;
    g->packets += gf->packets;
    g->bytes += gf->bytes;
    if (gf->first_ns < g->first_ns)
        g->first_ns = gf->first_ns;
    if (gf->last_ns > g->last_ns)
        g->last_ns = gf->last_ns;
    if (gf->first_frame < g->first_frame)
        g->first_frame = gf->first_frame;
    if (gf->last_frame > g->last_frame)
        g->last_frame = gf->last_frame;
    if (gf->id < g->words_id) {
        char *w = gf->words ? strdup(gf->words) : NULL;
        if (gf->words && !w)
            return -1;
        free(g->words);
        g->words = w;
        g->words_id = gf->id;
    }
    return 0;
}

/*
 * src's counters, times, frames and words into dst (not its initiators).
 * own: src's words move over; else dst borrows them.
 */
static void group_absorb(struct ea_group *dst, struct ea_group *src, int own)
{
    dst->flows += src->flows;
    dst->packets += src->packets;
    dst->bytes += src->bytes;
    if (src->first_ns < dst->first_ns)
        dst->first_ns = src->first_ns;
    if (src->last_ns > dst->last_ns)
        dst->last_ns = src->last_ns;
    if (src->first_frame < dst->first_frame)
        dst->first_frame = src->first_frame;
    if (src->last_frame > dst->last_frame)
        dst->last_frame = src->last_frame;
    if (src->words_id < dst->words_id) {
        if (own)
            free(dst->words);
        dst->words = src->words;
        dst->words_id = src->words_id;
        if (own)
            src->words = NULL;
    }
}

struct ea_group_table *ea_group_table_new(unsigned k)
{
    struct ea_group_table *t = calloc(1, sizeof(*t));
    if (t) {
        t->k = k;
        t->max_groups = EA_GROUPS_MAX;
    }
    return t;
}

void ea_group_table_set_max(struct ea_group_table *t, size_t max_groups)
{
    t->max_groups = max_groups;
}

static void family_free(struct family *fam)
{
    if (!fam)
        return;
    for (size_t i = 0; i < fam->ncells; i++)
        group_free(fam->cells[i]);
    free(fam->cells);
    free(fam->bitmap);
    group_free(fam->scan);
    free(fam);
}

void ea_group_table_free(struct ea_group_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->groups.cap; i++)
        group_free(t->groups.vals[i]);
    for (size_t i = 0; i < t->families.cap; i++)
        family_free(t->families.vals[i]);
    map_free(&t->groups);
    map_free(&t->families);
    free(t);
}

/* Notes port in the family; returns 1 when it is a port not seen before, -1 out of memory. */
static int family_port(struct family *fam, unsigned port)
{
    port &= 0xffff;
    if (fam->bitmap) {
        if (fam->bitmap[port >> 3] & (1u << (port & 7)))
            return 0;
        fam->bitmap[port >> 3] |= (uint8_t)(1u << (port & 7));
        fam->nports++;
        if (fam->scan)
            fam->scan->nports = fam->nports;
        return 1;
    }
    for (unsigned i = 0; i < fam->nports; i++)
        if (fam->plist[i] == port)
            return 0;
    if (fam->nports + 1 < EA_SCAN_PORTS) {
        fam->plist[fam->nports++] = (uint16_t)port;
        return 1;
    }
    fam->bitmap = calloc(1, BITMAP_BYTES);
    if (!fam->bitmap)
        return -1;
    for (unsigned i = 0; i < fam->nports; i++)
        fam->bitmap[fam->plist[i] >> 3] |= (uint8_t)(1u << (fam->plist[i] & 7));
    fam->bitmap[port >> 3] |= (uint8_t)(1u << (port & 7));
    fam->nports++;
    return 1;
}

/* The family reached EA_SCAN_PORTS ports: every cell folds into one scan group. */
static int family_fold(struct ea_group_table *t, struct family *fam, const struct ea_group_flow *gf)
{
    struct ea_group *s = group_new(&gf->f, 1, t->k);
    if (!s)
        return -1;
    s->initiators = 1;
    s->nports = fam->nports;
    s->ports = fam->bitmap;
    int rc = 0;
    for (size_t i = 0; i < fam->ncells; i++) {
        struct ea_group *c = fam->cells[i];
        group_absorb(s, c, 1);
        if (ea_examples_move(&s->ex, &c->ex) != 0)
            rc = -1;
        for (unsigned j = 0; j < c->nlisted; j++)
            if (listed_note(s, c->listed[j].addr, c->listed[j].first_id, 1) != 0)
                rc = -1;
        group_free(c);
    }
    free(fam->cells);
    fam->cells = NULL;
    fam->ncells = 0;
    fam->scan = s;
    return rc;
}

/* The family's cell for gf's port and app, made when new. NULL on out-of-memory. */
static struct ea_group *family_cell(struct ea_group_table *t, struct family *fam,
                                    const struct ea_group_flow *gf)
{
    const char *app = gf->f.app ? gf->f.app : "";
    for (size_t i = 0; i < fam->ncells; i++)
        if (fam->cells[i]->port == gf->f.port && strcmp(fam->cells[i]->app, app) == 0)
            return fam->cells[i];
    struct ea_group **nc = realloc(fam->cells, (fam->ncells + 1) * sizeof(*nc));
    if (!nc)
        return NULL;
    fam->cells = nc;
    struct ea_group *c = group_new(&gf->f, 0, t->k);
    if (!c)
        return NULL;
    c->initiator = dup_or_empty(gf->f.initiator);
    if (!c->initiator) {
        group_free(c);
        return NULL;
    }
    c->initiators = 1;
    fam->cells[fam->ncells++] = c;
    return c;
}

/* A no-rule flow: into its family's cell, or its scan group. Returns the group, NULL if none. */
static struct ea_group *add_family(struct ea_group_table *t, const struct ea_group_flow *gf,
                                   uint64_t scan_key, int *rc)
{
    struct family *fam = map_get(&t->families, scan_key);
    if (!fam) {
        if (t->held >= t->max_groups) {
            *rc = 1;
            return NULL;
        }
        fam = calloc(1, sizeof(*fam));
        if (!fam || map_put(&t->families, scan_key, fam) != 0) {
            free(fam);
            *rc = -1;
            return NULL;
        }
        fam->key = scan_key;
        t->held++;
    }
    int isnew = family_port(fam, gf->f.port);
    if (isnew < 0 || (!fam->scan && fam->nports >= EA_SCAN_PORTS && family_fold(t, fam, gf) != 0))
        *rc = -1;
    if (fam->scan)
        return fam->scan;
    struct ea_group *c = family_cell(t, fam, gf);
    if (!c)
        *rc = -1;
    return c;
}

/* A flow with a rule: into its normal group. Returns the group, NULL if none. */
static struct ea_group *add_normal(struct ea_group_table *t, const struct ea_group_flow *gf,
                                   uint64_t key, int *rc)
{
    struct ea_group *g = map_get(&t->groups, key);
    if (g)
        return g;
    if (t->held >= t->max_groups) {
        *rc = 1;
        return NULL;
    }
    g = group_new(&gf->f, 0, t->k);
    if (!g || map_put(&t->groups, key, g) != 0) {
        group_free(g);
        *rc = -1;
        return NULL;
    }
    t->held++;
    return g;
}

int ea_group_table_add(struct ea_group_table *t, const struct ea_group_flow *gf,
                       struct ea_group_ref *ref)
{
    int rc = 0;
    const char *ini = gf->f.initiator ? gf->f.initiator : "";
    memset(ref, 0, sizeof(*ref));
    ref->key = ea_group_key(&gf->f, 0);
    ref->has_scan = !gf->f.rules || !gf->f.rules[0];
    t->flows++;
    struct ea_group *g;
    if (ref->has_scan) {
        ref->scan_key = ea_group_key(&gf->f, 1);
        g = add_family(t, gf, ref->scan_key, &rc);
    } else {
        g = add_normal(t, gf, ref->key, &rc);
    }
    if (!g) {
        t->dropped++;
        return rc ? rc : 1;
    }
    if (group_count(g, gf) != 0 || listed_note(g, ini, gf->id, 1) != 0)
        rc = -1;
    if (!ref->has_scan && iset_note(g, ini) != 0)
        rc = -1;
    ref->sink = &g->ex;
    return rc;
}

int ea_group_table_is_scan(const struct ea_group_table *t, uint64_t scan_key)
{
    const struct family *fam = map_get(&t->families, scan_key);
    return fam && fam->scan;
}

uint64_t ea_group_ref_final(const struct ea_group_table *t, const struct ea_group_ref *ref)
{
    return ref->has_scan && ea_group_table_is_scan(t, ref->scan_key) ? ref->scan_key : ref->key;
}

uint64_t ea_group_table_dropped(const struct ea_group_table *t)
{
    return t->dropped;
}

uint64_t ea_group_table_flows(const struct ea_group_table *t)
{
    return t->flows;
}

/* ---- merging tables (live windows: buckets added up) ---- */

/* The fields a group was made from, borrowed from it. */
static struct ea_group_fields fields_of(const struct ea_group *g)
{
    struct ea_group_fields f = { g->verdict, g->reason, g->rules, g->transport, g->responder,
                                 g->initiator, g->app, g->port };
    return f;
}

/* Everything of src into dst, copied (src unchanged): counters, words, initiators, examples. */
static int group_merge(struct ea_group *dst, const struct ea_group *src)
{
    struct ea_group tmp = *src;
    int rc = 0;
    tmp.words = NULL;
    tmp.words_id = UINT64_MAX;
    group_absorb(dst, &tmp, 1);
    if (src->words_id < dst->words_id) {
        char *w = src->words ? strdup(src->words) : NULL;
        if (src->words && !w)
            return -1;
        free(dst->words);
        dst->words = w;
        dst->words_id = src->words_id;
    }
    const struct iset *is = src->priv;
    for (size_t i = 0; is && i < is->cap; i++)
        if (is->addr[i] && iset_note(dst, is->addr[i]) != 0)
            rc = -1;
    dst->initiators_capped |= src->initiators_capped;
    for (unsigned i = 0; i < src->nlisted; i++)
        if (listed_note(dst, src->listed[i].addr, src->listed[i].first_id, 1) != 0)
            rc = -1;
    for (unsigned i = 0; i < src->ex.n; i++)
        if (ea_examples_offer(&dst->ex, src->ex.e[i].id, src->ex.e[i].data, src->ex.e[i].len) < 0)
            rc = -1;
    return rc;
}

/* A family's cell or scan group of src merged into fam (which has src's ports already). */
static int family_merge_group(struct ea_group_table *t, struct family *fam, const struct ea_group *src)
{
    if (fam->scan)
        return group_merge(fam->scan, src);
    struct ea_group_flow gf;
    memset(&gf, 0, sizeof(gf));
    gf.f = fields_of(src);
    struct ea_group *c = family_cell(t, fam, &gf);
    return c ? group_merge(c, src) : -1;
}

/* A family of src (its ports, cells or scan group) into t. 0, 1 when the cap dropped it, -1. */
static int family_merge(struct ea_group_table *t, const struct family *src, uint64_t *flows)
{
    const struct ea_group *any = src->scan ? src->scan : src->ncells ? src->cells[0] : NULL;
    struct family *fam = map_get(&t->families, src->key);
    int rc = 0;
    *flows = src->scan ? src->scan->flows : 0;
    for (size_t i = 0; i < src->ncells; i++)
        *flows += src->cells[i]->flows;
    if (!any)
        return 0;
    if (!fam) {
        if (t->held >= t->max_groups)
            return 1;
        fam = calloc(1, sizeof(*fam));
        if (!fam || map_put(&t->families, src->key, fam) != 0) {
            free(fam);
            return -1;
        }
        fam->key = src->key;
        t->held++;
    }
    for (unsigned p = 0; src->bitmap && p < 65536; p++)
        if (((src->bitmap[p >> 3] >> (p & 7)) & 1) && family_port(fam, p) < 0)
            rc = -1;
    for (unsigned i = 0; !src->bitmap && i < src->nports; i++)
        if (family_port(fam, src->plist[i]) < 0)
            rc = -1;
    struct ea_group_flow gf;
    memset(&gf, 0, sizeof(gf));
    gf.f = fields_of(any);
    gf.f.initiator = any->initiator;
    if (!fam->scan && fam->nports >= EA_SCAN_PORTS && family_fold(t, fam, &gf) != 0)
        rc = -1;
    if (src->scan && family_merge_group(t, fam, src->scan) != 0)
        rc = -1;
    for (size_t i = 0; i < src->ncells; i++)
        if (family_merge_group(t, fam, src->cells[i]) != 0)
            rc = -1;
    return rc;
}

int ea_group_table_merge(struct ea_group_table *dst, const struct ea_group_table *src)
{
    int rc = 0;
    dst->flows += src->flows;
    dst->dropped += src->dropped;
    for (size_t i = 0; i < src->groups.cap; i++) {
        const struct ea_group *g = src->groups.vals[i];
        if (!g)
            continue;
        struct ea_group_flow gf;
        memset(&gf, 0, sizeof(gf));
        gf.f = fields_of(g);
        int r = 0;
        struct ea_group *d = add_normal(dst, &gf, g->key, &r);
        if (!d || group_merge(d, g) != 0) {
            dst->dropped += d ? 0 : g->flows;
            rc = r < 0 || d ? -1 : rc;
        }
    }
    for (size_t i = 0; i < src->families.cap; i++) {
        const struct family *fam = src->families.vals[i];
        uint64_t flows = 0;
        int r = fam ? family_merge(dst, fam, &flows) : 0;
        if (r == 1)
            dst->dropped += flows;
        if (r < 0)
            rc = -1;
    }
    return rc;
}

/* ---- listing ---- */

/* What a list owns besides its array: the groups it combined from cells. */
struct list_priv {
    struct map combined;
    uint64_t *scan_keys;          /* sorted */
};

static int group_order(const void *a, const void *b)
{
    const struct ea_group *x = *(const struct ea_group *const *)a;
    const struct ea_group *y = *(const struct ea_group *const *)b;
    int rx = ea_group_verdict_rank(x->verdict), ry = ea_group_verdict_rank(y->verdict);
    if (rx != ry)
        return rx < ry ? -1 : 1;
    if (x->flows != y->flows)
        return x->flows > y->flows ? -1 : 1;
    return x->key < y->key ? -1 : x->key > y->key;
}

static int key_order(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int ea_group_list_is_scan(const struct ea_group_list *l, uint64_t key)
{
    const struct list_priv *lp = l->priv;
    return l->scans && bsearch(&key, lp->scan_keys, l->scans, sizeof(key), key_order) != NULL;
}

uint64_t ea_group_list_final(const struct ea_group_list *l, uint64_t key, uint64_t scan_key)
{
    return scan_key && ea_group_list_is_scan(l, scan_key) ? scan_key : key;
}

/* A combined group borrows everything: only its example array and itself are its own. */
static void combined_free(struct ea_group *g)
{
    if (g) {
        free(g->ex.e);
        free(g);
    }
}

/* Adds a cell of a family that did not fold to the list's group of the same key. */
static int combine_cell(struct list_priv *lp, const struct ea_group *c, unsigned k)
{
    struct ea_group *g = map_get(&lp->combined, c->key);
    if (!g) {
        g = calloc(1, sizeof(*g));
        if (!g || map_put(&lp->combined, c->key, g) != 0) {
            free(g);
            return -1;
        }
        *g = *c;                       /* borrowed strings */
        g->flows = g->packets = g->bytes = g->last_ns = g->last_frame = 0;
        g->first_ns = g->first_frame = g->words_id = UINT64_MAX;
        g->words = NULL;
        g->initiator = NULL;
        g->initiators = 0;
        g->nlisted = 0;
        g->priv = NULL;
        ea_examples_init(&g->ex, k);
    }
    group_absorb(g, (struct ea_group *)c, 0);
    g->initiators++;
    for (unsigned j = 0; j < c->nlisted; j++)
        if (listed_note(g, c->listed[j].addr, c->listed[j].first_id, 0) != 0)
            return -1;
    return ex_merge(&g->ex, (struct ea_examples *)&c->ex, 0);
}

/* Appends every non-NULL value of m to l->g (room is there). */
static void list_take(struct ea_group_list *l, const struct map *m)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->vals[i]) {
            l->g[l->n] = m->vals[i];
            l->flows += l->g[l->n]->flows;
            l->n++;
        }
}

struct ea_group_list *ea_group_table_list(const struct ea_group_table *t)
{
    struct ea_group_list *l = calloc(1, sizeof(*l));
    struct list_priv *lp = calloc(1, sizeof(*lp));
    if (!l || !lp)
        goto fail;
    l->priv = lp;
    size_t room = t->groups.n;
    for (size_t i = 0; i < t->families.cap; i++) {
        const struct family *fam = t->families.vals[i];
        if (!fam)
            continue;
        if (fam->scan) {
            room++;
            continue;
        }
        for (size_t j = 0; j < fam->ncells; j++)
            if (combine_cell(lp, fam->cells[j], t->k) != 0)
                goto fail;
    }
    room += lp->combined.n;
    l->g = calloc(room ? room : 1, sizeof(*l->g));
    lp->scan_keys = calloc(room ? room : 1, sizeof(*lp->scan_keys));
    if (!l->g || !lp->scan_keys)
        goto fail;
    list_take(l, &t->groups);
    list_take(l, &lp->combined);
    for (size_t i = 0; i < t->families.cap; i++) {
        const struct family *fam = t->families.vals[i];
        if (fam && fam->scan) {
            l->g[l->n++] = fam->scan;
            l->flows += fam->scan->flows;
            lp->scan_keys[l->scans++] = fam->scan->key;
        }
    }
    if (l->n > 1)
        qsort(l->g, l->n, sizeof(*l->g), group_order);
    if (l->scans > 1)
        qsort(lp->scan_keys, l->scans, sizeof(*lp->scan_keys), key_order);
    return l;
fail:
    if (!l)
        free(lp);
    ea_group_list_free(l);
    return NULL;
}

void ea_group_list_free(struct ea_group_list *l)
{
    if (!l)
        return;
    struct list_priv *lp = l->priv;
    if (lp) {
        for (size_t i = 0; i < lp->combined.cap; i++)
            combined_free(lp->combined.vals[i]);
        map_free(&lp->combined);
        free(lp->scan_keys);
        free(lp);
    }
    free(l->g);
    free(l);
}

char *ea_group_port_ranges(const struct ea_group *g)
{
    size_t cap = 64, len = 0;
    char *s = malloc(cap);
    if (!s || !g->ports) {
        if (s)
            s[0] = 0;
        return s;
    }
    s[0] = 0;
    for (unsigned p = 0; p < 65536; p++) {
        if (!(g->ports[p >> 3] & (1u << (p & 7))))
            continue;
        unsigned q = p;
        while (q + 1 < 65536 && (g->ports[(q + 1) >> 3] & (1u << ((q + 1) & 7))))
            q++;
        if (len + 16 > cap) {
            char *ns = realloc(s, cap * 2);
            if (!ns) {
                free(s);
                return NULL;
            }
            s = ns;
            cap *= 2;
        }
        len += (size_t)(q == p ? snprintf(s + len, cap - len, "%s%u", len ? "," : "", p)
                               : snprintf(s + len, cap - len, "%s%u-%u", len ? "," : "", p, q));
        p = q;
    }
    return s;
}

/* "ip.addr" or "ipv6.addr" for an address text. */
static const char *addr_field(const char *a)
{
    return a && strchr(a, ':') ? "ipv6.addr" : "ip.addr";
}

/* 1 for a transport whose port a Wireshark field names ("tcp.port", "udp.port"). */
static int has_ports(const char *transport)
{
    return transport && (strcmp(transport, "tcp") == 0 || strcmp(transport, "udp") == 0);
}

/* Wireshark's name of a transport as the reports write it ("icmp6" is "icmpv6"). */
static const char *ws_proto(const char *transport)
{
    return transport && strcmp(transport, "icmp6") == 0 ? "icmpv6" : transport ? transport : "ip";
}

const char *ea_group_filter(const struct ea_group *g, char *buf, size_t n)
{
    if (g->scan)
        snprintf(buf, n, "%s==%s && %s==%s && %s", addr_field(g->initiator), g->initiator,
                 addr_field(g->responder), g->responder, ws_proto(g->transport));
    else if (has_ports(g->transport))
        snprintf(buf, n, "%s==%s && %s.port==%u", addr_field(g->responder), g->responder, g->transport,
                 g->port);
    else
        snprintf(buf, n, "%s==%s && %s", addr_field(g->responder), g->responder, ws_proto(g->transport));
    return buf;
}

const char *ea_flow_filter(const struct ea_group_fields *gf, unsigned cport, char *buf, size_t n)
{
    const char *client = gf->initiator, *server = gf->responder, *transport = gf->transport;
    unsigned sport = gf->port;
    struct ea_sb b;   /* "%s==%s && %s==%s && %s.port==%u && %s.port==%u", or "... && %s" */
    ea_sb_init(&b, buf, n);
    ea_sb_str(&b, addr_field(client));
    ea_sb_str(&b, "==");
    ea_sb_str(&b, client);
    ea_sb_str(&b, " && ");
    ea_sb_str(&b, addr_field(server));
    ea_sb_str(&b, "==");
    ea_sb_str(&b, server);
    ea_sb_str(&b, " && ");
    if (has_ports(transport)) {
        ea_sb_str(&b, transport);
        ea_sb_str(&b, ".port==");
        ea_sb_u64(&b, cport);
        ea_sb_str(&b, " && ");
        ea_sb_str(&b, transport);
        ea_sb_str(&b, ".port==");
        ea_sb_u64(&b, sport);
    } else {
        ea_sb_str(&b, ws_proto(transport));
    }
    return buf;
}
