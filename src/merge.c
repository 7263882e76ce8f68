/* merge.c: `edgeaudit merge`: several XML reports (sensors, capture windows) into one audit. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "merge.h"
#include "group.h"
#include "options.h"
#include "policy.h"
#include "pipeline.h"
#include "report-html.h"
#include "util-file.h"
#include "util-time.h"
#include "util-xml.h"
#include "config.h"

#define ERRLEN 1024
#define MERGE_K_DEFAULT 10        /* --examples when no input says (as the run's default) */
#define MERGE_INITIATORS_SHOWN 5  /* <initiator> children of a group */

static const char merge_usage[] =
    "usage: edgeaudit merge [--xml FILE] [--html FILE] [--json FILE] [--examples K]\n"
    "                       [--deterministic] [--quiet] REPORT.xml...\n"
    "  merges XML reports of the same rules (several sensors or capture windows) into one audit:\n"
    "  finding groups of the same key added up, examples and evidence cut to K again (the\n"
    "  earliest), rule statuses recomputed (observed beats blocked beats not-observed), counters,\n"
    "  loss and summary counts summed; the result does not depend on the order of the reports\n"
    "exit status: 0 compliant, 1 findings, 2 usage or input error, 3 report not written\n";

static uint64_t sadd(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static const char *attr_or(const struct ea_rr_node *n, const char *name, const char *dflt)
{
    const char *v = ea_rr_get(n, name);
    return v ? v : dflt;
}

/* A flow named somewhere: which input, its id there. */
struct fref {
    const struct ea_rr_node *flow;
    size_t in;
    uint64_t old;
};

/* Input in's flow old is flow number rank (1-based) in merged order. */
struct idmap {
    size_t in;
    uint64_t old;
    uint64_t rank;
};

/* One group of one input. */
struct gref {
    const struct ea_rr_node *g;
    size_t in;
};

/* What the merge steps share. */
struct mctx {
    struct ea_report **in;   /* owned array, borrowed reports, in content order */
    size_t n;
    unsigned k;
    struct fref *flows;      /* owned: every named flow, in merged order (rank - 1) */
    size_t nflows;
    struct idmap *map;       /* owned: sorted by (in, old) */
    uint64_t *final;         /* owned: rank - 1 -> id in the merged report, 0 when not listed */
    uint64_t statuses[EA_RS__COUNT];
};

static int report_cmp(const void *pa, const void *pb)
{
    const struct ea_report *a = *(struct ea_report *const *)pa, *b = *(struct ea_report *const *)pb;
    return ea_rr_cmp(a->root, b->root, NULL);
}

/* By first time, then content without the id; equal flows by their place in the content order. */
static int fref_cmp(const void *pa, const void *pb)
{
    const struct fref *a = pa, *b = pb;
    int c = strcmp(attr_or(a->flow, "first", ""), attr_or(b->flow, "first", ""));
    if (!c)
        c = ea_rr_cmp(a->flow, b->flow, "id");
    if (!c && a->in != b->in)
        c = a->in < b->in ? -1 : 1;
    if (!c)
        c = a->old < b->old ? -1 : a->old > b->old;
    return c;
}

static int idmap_cmp(const void *pa, const void *pb)
{
    const struct idmap *a = pa, *b = pb;
    if (a->in != b->in)
        return a->in < b->in ? -1 : 1;
    return a->old < b->old ? -1 : a->old > b->old;
}

/* The merged rank of flow old of input in; 0 when that input lists no such flow. */
static uint64_t rank_of(const struct mctx *m, size_t in, uint64_t old)
{
    struct idmap key = { in, old, 0 };
    const struct idmap *f = m->nflows ? bsearch(&key, m->map, m->nflows, sizeof(*m->map), idmap_cmp) : NULL;
    return f ? f->rank : 0;
}

/* Every flow the inputs kept, in merged order; m->map from (input, id) to rank. 0 or -1 (oom). */
static int rank_flows(struct mctx *m)
{
    size_t total = 0, at = 0;
    for (size_t i = 0; i < m->n; i++)
        total += ea_rr_count(ea_rr_find(m->in[i]->root, "flows"), "flow");
    m->flows = calloc(total + 1, sizeof(*m->flows));
    m->map = calloc(total + 1, sizeof(*m->map));
    m->final = calloc(total + 1, sizeof(*m->final));
    if (!m->flows || !m->map || !m->final)
        return -1;
    for (size_t i = 0; i < m->n; i++) {
        const struct ea_rr_node *fl = ea_rr_find(m->in[i]->root, "flows");
        for (size_t j = 0; fl && j < fl->nkid; j++)
            if (strcmp(fl->kid[j]->name, "flow") == 0)
                m->flows[at++] = (struct fref){ fl->kid[j], i, ea_rr_u64(fl->kid[j], "id") };
    }
    if (total > 1)
        qsort(m->flows, total, sizeof(*m->flows), fref_cmp);
    for (size_t r = 0; r < total; r++)
        m->map[r] = (struct idmap){ m->flows[r].in, m->flows[r].old, r + 1 };
    if (total > 1)
        qsort(m->map, total, sizeof(*m->map), idmap_cmp);
    m->nflows = total;
    return 0;
}

/* A port-range list: sorted, then merged into disjoint ranges. */
struct ranges {
    unsigned (*r)[2];
    size_t n, cap;
};

static int ranges_parse(struct ranges *rs, const char *s)
{
    while (s && *s) {
        char *end;
        unsigned long lo = strtoul(s, &end, 10), hi = lo;
        if (end == s)
            break;
        if (*end == '-')
            hi = strtoul(end + 1, &end, 10);
        if (lo <= hi && hi <= 65535) {
            if (rs->n == rs->cap) {
                size_t cap = rs->cap ? 2 * rs->cap : 64;
                unsigned (*r)[2] = realloc(rs->r, cap * sizeof(*r));
                if (!r)
                    return -1;
                rs->r = r;
                rs->cap = cap;
            }
            rs->r[rs->n][0] = (unsigned)lo;
            rs->r[rs->n++][1] = (unsigned)hi;
        }
        s = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            break;
    }
    return 0;
}

static int range_cmp(const void *pa, const void *pb)
{
    const unsigned *a = pa, *b = pb;
    return a[0] != b[0] ? (a[0] < b[0] ? -1 : 1) : (a[1] < b[1] ? -1 : a[1] > b[1]);
}

/* Writes the ranges sorted and disjoint into out; the number of ports, -1 when out is too small. */
static long ranges_write(struct ranges *rs, char *out, size_t outlen)
{
    long ports = 0;
    size_t at = 0;
    if (rs->n)
        qsort(rs->r, rs->n, sizeof(*rs->r), range_cmp);
    if (outlen)
        out[0] = 0;
    for (size_t i = 0; i < rs->n;) {
        unsigned lo = rs->r[i][0], hi = rs->r[i][1];
        for (i++; i < rs->n && rs->r[i][0] <= hi + 1; i++)
            hi = rs->r[i][1] > hi ? rs->r[i][1] : hi;
        ports += (long)(hi - lo) + 1;
        int w = lo == hi ? snprintf(out + at, outlen - at, "%s%u", at ? "," : "", lo)
                         : snprintf(out + at, outlen - at, "%s%u-%u", at ? "," : "", lo, hi);
        if (w < 0 || (size_t)w >= outlen - at)
            return -1;
        at += (size_t)w;
    }
    return ports;
}

long ea_merge_port_ranges(const char *a, const char *b, char *out, size_t outlen)
{
    struct ranges rs = { NULL, 0, 0 };
    long ports = -1;
    if (ranges_parse(&rs, a) == 0 && ranges_parse(&rs, b) == 0 && outlen)
        ports = ranges_write(&rs, out, outlen);
    free(rs.r);
    return ports;
}

/* Flows, packets, bytes summed; first/last widened, with the frames of the input that has them. */
static int group_counters(struct ea_rr_node *g, const struct gref *run, size_t cnt)
{
    static const char *const sums[] = { "flows", "packets", "bytes" };
    int rc = 0;
    size_t fi = 0, la = 0;
    for (size_t s = 0; s < sizeof(sums) / sizeof(sums[0]); s++) {
        uint64_t v = 0;
        for (size_t i = 0; i < cnt; i++)
            v = sadd(v, ea_rr_u64(run[i].g, sums[s]));
        rc |= ea_rr_set_u64(g, sums[s], v);
    }
    for (size_t i = 1; i < cnt; i++) {
        int c = strcmp(attr_or(run[i].g, "first", ""), attr_or(run[fi].g, "first", ""));
        if (c < 0 || (c == 0 && ea_rr_u64(run[i].g, "first-frame") < ea_rr_u64(run[fi].g, "first-frame")))
            fi = i;
        c = strcmp(attr_or(run[i].g, "last", ""), attr_or(run[la].g, "last", ""));
        if (c > 0 || (c == 0 && ea_rr_u64(run[i].g, "last-frame") > ea_rr_u64(run[la].g, "last-frame")))
            la = i;
    }
    rc |= ea_rr_set(g, "first", attr_or(run[fi].g, "first", ""));
    rc |= ea_rr_set(g, "first-frame", attr_or(run[fi].g, "first-frame", "0"));
    rc |= ea_rr_set(g, "last", attr_or(run[la].g, "last", ""));
    rc |= ea_rr_set(g, "last-frame", attr_or(run[la].g, "last-frame", "0"));
    return rc ? -1 : 0;
}

/* The reason in words of the group that began first (ties: the smaller words). */
static int group_reason(struct ea_rr_node *g, const struct gref *run, size_t cnt)
{
    const char *first = NULL, *words = NULL;
    for (size_t i = 0; i < cnt; i++) {
        const struct ea_rr_node *r = ea_rr_find(run[i].g, "reason");
        const char *f = attr_or(run[i].g, "first", ""), *w = r && r->text ? r->text : "";
        if (!words || strcmp(f, first) < 0 || (strcmp(f, first) == 0 && strcmp(w, words) < 0)) {
            first = f;
            words = w;
        }
    }
    if (!words || !*words)   /* no input gave one */
        return 0;
    struct ea_rr_node *r = ea_rr_node_new("reason");
    if (!r || ea_rr_set_text(r, words) != 0 || ea_rr_add(g, r) != 0) {
        ea_rr_node_free(r);
        return -1;
    }
    return 0;
}

/* One listed initiator: the first time of its input's group and its place in that list order it. */
struct ini {
    const char *addr, *first;
    size_t pos;
};

static int ini_cmp(const void *pa, const void *pb)
{
    const struct ini *a = pa, *b = pb;
    int c = strcmp(a->first, b->first);
    if (!c && a->pos != b->pos)
        c = a->pos < b->pos ? -1 : 1;
    return c ? c : strcmp(a->addr, b->addr);
}

/* The listed initiators of every input, in one list; *exact when each input listed all of its own. */
static struct ini *gather_initiators(const struct gref *run, size_t cnt, size_t *n, int *exact, uint64_t *maxc)
{
    size_t total = 0, at = 0;
    for (size_t i = 0; i < cnt; i++)
        total += ea_rr_count(run[i].g, "initiator");
    struct ini *v = calloc(total + 1, sizeof(*v));
    if (!v)
        return NULL;
    *exact = 1;
    *maxc = 0;
    for (size_t i = 0; i < cnt; i++) {
        const struct ea_rr_node *g = run[i].g;
        uint64_t c = ea_rr_u64(g, "initiators"), listed = 0;
        for (size_t j = 0; j < g->nkid; j++)
            if (strcmp(g->kid[j]->name, "initiator") == 0)
                v[at++] = (struct ini){ attr_or(g->kid[j], "address", ""), attr_or(g, "first", ""), listed++ };
        *maxc = c > *maxc ? c : *maxc;
        *exact &= c == listed && !ea_rr_get(g, "initiators-capped");
    }
    if (at > 1)
        qsort(v, at, sizeof(*v), ini_cmp);
    *n = at;
    return v;
}

/* Initiators united: count exact while every input listed all of its own, else a lower bound. */
static int group_initiators(struct ea_rr_node *g, const struct gref *run, size_t cnt)
{
    size_t n = 0, u = 0;
    int exact = 1, rc = -1;
    uint64_t maxc = 0;
    struct ini *v = gather_initiators(run, cnt, &n, &exact, &maxc);
    if (!v)
        return -1;
    for (size_t j = 0; j < n; j++) {   /* each address once, at its first place */
        size_t k = 0;
        while (k < u && strcmp(v[k].addr, v[j].addr) != 0)
            k++;
        if (k == u)
            v[u++] = v[j];
    }
    if (cnt > 1) {
        if (ea_rr_set_u64(g, "initiators", exact ? u : (maxc > u ? maxc : u)) != 0 ||
            (!exact && ea_rr_set(g, "initiators-capped", "yes") != 0))
            goto out;
    }
    for (size_t j = 0; j < u && j < MERGE_INITIATORS_SHOWN; j++) {
        struct ea_rr_node *i = ea_rr_node_new("initiator");
        if (!i || ea_rr_set(i, "address", v[j].addr) != 0 || ea_rr_add(g, i) != 0) {
            ea_rr_node_free(i);
            goto out;
        }
    }
    rc = 0;
out:
    free(v);
    return rc;
}

/* A scan group's port ranges: the union of the inputs', and their count. */
static int group_ports(struct ea_rr_node *g, const struct gref *run, size_t cnt)
{
    struct ranges rs = { NULL, 0, 0 };
    int rc = -1;
    char *out = NULL;
    if (!ea_rr_get(g, "port-ranges"))
        return 0;
    for (size_t i = 0; i < cnt; i++)
        if (ranges_parse(&rs, ea_rr_get(run[i].g, "port-ranges")) != 0)
            goto out;
    out = malloc(rs.n * 12 + 1);   /* "65535-65535," at most per range */
    long ports = out ? ranges_write(&rs, out, rs.n * 12 + 1) : -1;
    if (ports >= 0 && ea_rr_set(g, "port-ranges", out) == 0 && ea_rr_set_u64(g, "ports", (uint64_t)ports) == 0)
        rc = 0;
out:
    free(out);
    free(rs.r);
    return rc;
}

/* One example: its flow's merged rank. */
struct ex {
    uint64_t rank;
    const struct ea_rr_node *e;
};

static int ex_cmp(const void *pa, const void *pb)
{
    const struct ex *a = pa, *b = pb;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return ea_rr_cmp(a->e, b->e, "flow");
}

/* The k examples of the earliest merged flows; flow= holds the rank until the ids are final. */
static int group_examples(const struct mctx *m, struct ea_rr_node *g, const struct gref *run, size_t cnt)
{
    size_t total = 0, at = 0, kept = 0;
    int rc = -1;
    for (size_t i = 0; i < cnt; i++)
        total += ea_rr_count(run[i].g, "example");
    struct ex *v = calloc(total + 1, sizeof(*v));
    if (!v)
        return -1;
    for (size_t i = 0; i < cnt; i++)
        for (size_t j = 0; j < run[i].g->nkid; j++) {
            const struct ea_rr_node *e = run[i].g->kid[j];
            uint64_t r = strcmp(e->name, "example") ? 0 : rank_of(m, run[i].in, ea_rr_u64(e, "flow"));
            if (r)   /* an example whose flow its report does not list is dropped */
                v[at++] = (struct ex){ r, e };
        }
    if (at > 1)
        qsort(v, at, sizeof(*v), ex_cmp);
    for (size_t j = 0; j < at && kept < m->k; j++) {
        if (j && v[j].rank == v[j - 1].rank)
            continue;
        struct ea_rr_node *e = ea_rr_node_copy(v[j].e);
        if (!e || ea_rr_set_u64(e, "flow", v[j].rank) != 0 || ea_rr_add(g, e) != 0) {
            ea_rr_node_free(e);
            goto out;
        }
        kept++;
    }
    rc = 0;
out:
    free(v);
    return rc;
}

/* The groups of one key (run[0..cnt), in content order) as one group. NULL on out-of-memory. */
static struct ea_rr_node *merge_group(const struct mctx *m, const struct gref *run, size_t cnt)
{
    struct ea_rr_node *g = ea_rr_node_copy(run[0].g);
    if (!g)
        return NULL;
    static const char *const per_run[] = { "change", "accept", "accept-who", "accept-why", "accept-expires",
                                           "accept-line" };
    for (size_t i = 0; i < sizeof(per_run) / sizeof(per_run[0]); i++)   /* a run's --baseline, --accept */
        ea_rr_unset(g, per_run[i]);
    for (size_t i = 0; i < g->nkid; i++)
        ea_rr_node_free(g->kid[i]);
    g->nkid = 0;
    if (group_counters(g, run, cnt) != 0 || group_reason(g, run, cnt) != 0 ||
        group_initiators(g, run, cnt) != 0 || group_ports(g, run, cnt) != 0 ||
        group_examples(m, g, run, cnt) != 0) {
        ea_rr_node_free(g);
        return NULL;
    }
    return g;
}

static int gref_cmp(const void *pa, const void *pb)
{
    const struct gref *a = pa, *b = pb;
    int c = strcmp(attr_or(a->g, "key", ""), attr_or(b->g, "key", ""));
    return c ? c : ea_rr_cmp(a->g, b->g, NULL);
}

static int verdict_order(const char *v)
{
    return strcmp(v, "unexpected") == 0 ? 0 : strcmp(v, "blocked") == 0 ? 1 : 2;
}

/* The report's order: verdict (unexpected, blocked, unverified), then most flows, then key. */
static int group_order(const void *pa, const void *pb)
{
    const struct ea_rr_node *a = *(struct ea_rr_node *const *)pa, *b = *(struct ea_rr_node *const *)pb;
    int va = verdict_order(attr_or(a, "verdict", "")), vb = verdict_order(attr_or(b, "verdict", ""));
    uint64_t fa = ea_rr_u64(a, "flows"), fb = ea_rr_u64(b, "flows");
    if (va != vb)
        return va < vb ? -1 : 1;
    if (fa != fb)
        return fa > fb ? -1 : 1;
    return strcmp(attr_or(a, "key", ""), attr_or(b, "key", ""));
}

/* Every input's groups, sorted by key; NULL on out-of-memory. */
static struct gref *gather_groups(const struct mctx *m, size_t *n)
{
    size_t total = 0, at = 0;
    for (size_t i = 0; i < m->n; i++)
        total += ea_rr_count(ea_rr_find(m->in[i]->root, "findings"), "group");
    struct gref *v = calloc(total + 1, sizeof(*v));
    if (!v)
        return NULL;
    for (size_t i = 0; i < m->n; i++) {
        const struct ea_rr_node *fi = ea_rr_find(m->in[i]->root, "findings");
        for (size_t j = 0; fi && j < fi->nkid; j++)
            if (strcmp(fi->kid[j]->name, "group") == 0)
                v[at++] = (struct gref){ fi->kid[j], i };
    }
    if (at > 1)
        qsort(v, at, sizeof(*v), gref_cmp);
    *n = at;
    return v;
}

/* <findings>: the merged groups in the report's order, with their totals. NULL on out-of-memory. */
static struct ea_rr_node *merge_findings(const struct mctx *m)
{
    size_t n = 0;
    uint64_t flows = 0, scans = 0;
    struct gref *v = gather_groups(m, &n);
    struct ea_rr_node *fi = v ? ea_rr_node_new("findings") : NULL;
    if (!fi)
        goto fail;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && strcmp(attr_or(v[j].g, "key", ""), attr_or(v[i].g, "key", "")) == 0)
            j++;
        struct ea_rr_node *g = merge_group(m, v + i, j - i);
        if (!g || ea_rr_add(fi, g) != 0) {
            ea_rr_node_free(g);
            goto fail;
        }
        flows = sadd(flows, ea_rr_u64(g, "flows"));
        scans += ea_rr_get(g, "scan") != NULL;
        i = j;
    }
    if (fi->nkid > 1)
        qsort(fi->kid, fi->nkid, sizeof(*fi->kid), group_order);
    if (ea_rr_set_u64(fi, "groups", fi->nkid) != 0 || ea_rr_set_u64(fi, "flows", flows) != 0 ||
        ea_rr_set_u64(fi, "scans", scans) != 0)
        goto fail;
    free(v);
    return fi;
fail:
    free(v);
    ea_rr_node_free(fi);
    return NULL;
}

static int status_rank(const char *s)
{
    if (!s)
        return -1;
    if (strcmp(s, "observed") == 0)
        return 3;
    if (strcmp(s, "blocked") == 0)
        return 2;
    return strcmp(s, "not-observed") == 0 ? 1 : 0;
}

static int u64_cmp(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

/* A list of ids as "1 2 3" into a new string; NULL on out-of-memory. */
static char *id_list(const uint64_t *ids, size_t n)
{
    char *s = malloc(n * 21 + 1);
    size_t at = 0;
    if (!s)
        return NULL;
    s[0] = 0;
    for (size_t e = 0; e < n; e++)
        at += (size_t)snprintf(s + at, 22, e ? " %llu" : "%llu", (unsigned long long)ids[e]);
    return s;
}

/* Rule number j (from 0) of report r, or NULL. */
static const struct ea_rr_node *nth_rule(const struct ea_report *r, size_t j)
{
    const struct ea_rr_node *rules = ea_rr_find(r->root, "rules");
    size_t at = 0;
    for (size_t x = 0; ea_rr_child(rules, "rule", &at); x++, at++)
        if (x == j)
            return rules->kid[at];
    return NULL;
}

/* Rule j's evidence: every input's ids as merged ranks, each once, the k smallest. 0 or -1. */
static int rule_evidence(const struct mctx *m, size_t j, struct ea_rr_node *ev, uint64_t total)
{
    size_t nev = 0, cap = 0;
    uint64_t *ids = NULL;
    int rc = -1;
    for (size_t i = 0; i < m->n; i++) {
        const struct ea_rr_node *e = ea_rr_find(nth_rule(m->in[i], j), "evidence");
        const char *p = ea_rr_get(e, "flows");
        for (size_t taken = 0; p && *p && taken < m->k; taken++) {
            char *end;
            uint64_t rk = rank_of(m, i, strtoull(p, &end, 10));
            if (end == p)
                break;
            p = end;
            if (!rk)
                continue;   /* not listed (a live report's): dropped */
            if (nev == cap) {
                uint64_t *x = realloc(ids, (cap = cap ? 2 * cap : 64) * sizeof(*x));
                if (!x)
                    goto out;
                ids = x;
            }
            ids[nev++] = rk;
        }
    }
    if (nev)
        qsort(ids, nev, sizeof(*ids), u64_cmp);
    size_t u = 0;
    for (size_t e = 0; e < nev; e++)
        if (!u || ids[e] != ids[u - 1])
            ids[u++] = ids[e];
    u = u > m->k ? m->k : u;
    char *list = id_list(ids, u);
    if (list && ea_rr_set_u64(ev, "total", total) == 0 && ea_rr_set_u64(ev, "listed", u) == 0 &&
        ea_rr_set(ev, "flows", list) == 0)
        rc = 0;
    free(list);
out:
    free(ids);
    return rc;
}

/* Rule j (r0, a copy of the first input's): counters summed, times widened, best status, evidence. */
static int merge_rule(struct mctx *m, size_t j, struct ea_rr_node *r0)
{
    static const char *const sums[] = { "flows", "bytes", "allowed", "unverified", "blocked", "violations" };
    const char *best = NULL, *first = NULL, *last = NULL;
    int rc = 0;
    for (size_t s = 0; s < sizeof(sums) / sizeof(sums[0]); s++) {
        uint64_t v = 0;
        for (size_t i = 0; i < m->n; i++)
            v = sadd(v, ea_rr_u64(nth_rule(m->in[i], j), sums[s]));
        rc |= ea_rr_set_u64(r0, sums[s], v);
    }
    for (size_t i = 0; i < m->n; i++) {
        const struct ea_rr_node *r = nth_rule(m->in[i], j);
        const char *f = ea_rr_get(r, "first"), *l = ea_rr_get(r, "last"), *st = ea_rr_get(r, "status");
        if (f && (!first || strcmp(f, first) < 0))
            first = f;
        if (l && (!last || strcmp(l, last) > 0))
            last = l;
        if (status_rank(st) > status_rank(best))
            best = st;
    }
    if (first && last)   /* absent in the first input: set after the others (attribute order is free) */
        rc |= ea_rr_set(r0, "first", first) | ea_rr_set(r0, "last", last);
    rc |= ea_rr_set(r0, "status", best ? best : "unconfigured");
    for (int x = 0; x < EA_RS__COUNT; x++)
        if (strcmp(ea_rule_status_name((enum ea_rule_status)x), best ? best : "unconfigured") == 0)
            m->statuses[x]++;
    uint64_t al = sadd(ea_rr_u64(r0, "allowed"), ea_rr_u64(r0, "unverified")), bl = ea_rr_u64(r0, "blocked");
    uint64_t tot = status_rank(best) == 2 ? bl : status_rank(best) == 3 ? sadd(al, bl) : al;
    struct ea_rr_node *ev = ea_rr_find(r0, "evidence");
    if (rc || (ev && rule_evidence(m, j, ev, tot) != 0))
        return -1;
    return 0;
}

/* <rules>: the first input's, each rule merged with its match in the others. NULL on out-of-memory. */
static struct ea_rr_node *merge_rules(struct mctx *m)
{
    struct ea_rr_node *rules = ea_rr_node_copy(ea_rr_find(m->in[0]->root, "rules"));
    size_t j = 0;
    for (size_t i = 0; rules && i < rules->nkid; i++)
        if (strcmp(rules->kid[i]->name, "rule") == 0 && merge_rule(m, j++, rules->kid[i]) != 0) {
            ea_rr_node_free(rules);
            return NULL;
        }
    return rules;
}

int ea_merge_check_keys(const struct ea_report *r, const char *path, char *err, size_t errlen)
{
    const struct ea_rr_node *fi = ea_rr_find(r->root, "findings");
    for (size_t i = 0; fi && i < fi->nkid; i++) {
        const struct ea_rr_node *g = fi->kid[i];
        struct ea_group_fields gf = {
            attr_or(g, "verdict", ""), attr_or(g, "reason-code", ""), attr_or(g, "rules", ""),
            attr_or(g, "transport", ""), attr_or(g, "responder", ""), attr_or(g, "initiator", ""),
            attr_or(g, "app", ""), (unsigned)ea_rr_u64(g, "port"),
        };
        uint64_t key = 0;
        if (strcmp(g->name, "group") != 0)
            continue;
        if (ea_group_key_parse(attr_or(g, "key", ""), &key) != 0 ||
            key != ea_group_key(&gf, ea_rr_get(g, "scan") != NULL)) {
            snprintf(err, errlen, "%s: group %s: its key is not the key of its fields", path,
                     attr_or(g, "key", "(none)"));
            return -1;
        }
    }
    return 0;
}

int ea_merge_same_rules(const struct ea_report *a, const struct ea_report *b)
{
    static const char *const keys[] = { "id", "protocol", "security", "transport", "ports",
                                        "source", "destination", "pack" };
    const struct ea_rr_node *ra, *rb;
    size_t j = 0;
    for (; (ra = nth_rule(a, j)) && (rb = nth_rule(b, j)); j++)
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
            const char *x = ea_rr_get(ra, keys[k]), *y = ea_rr_get(rb, keys[k]);
            if ((x || y) && (!x || !y || strcmp(x, y) != 0))
                return 0;
        }
    return !nth_rule(a, j) && !nth_rule(b, j);
}

/* Sums every numeric attribute of b into a (one absent from a is set from b). */
static int sum_attrs(struct ea_rr_node *a, const struct ea_rr_node *b)
{
    int rc = 0;
    for (size_t i = 0; i < b->nattr; i++)
        rc |= ea_rr_set_u64(a, b->attr[2 * i], sadd(ea_rr_u64(a, b->attr[2 * i]), ea_rr_u64(b, b->attr[2 * i])));
    return rc;
}

/* The children of every input's capture, sorted into out's (source, link-type, loss, error, counters, malformed). */
static int capture_children(const struct mctx *m, struct ea_rr_node *part[6])
{
    static const char *const kinds[6] = { "source", "link-type", "loss", "error", "counters", "malformed" };
    int rc = 0;
    for (size_t i = 0; i < m->n && !rc; i++) {
        const struct ea_rr_node *c = ea_rr_find(m->in[i]->root, "capture");
        for (size_t j = 0; c && j < c->nkid && !rc; j++) {
            const struct ea_rr_node *k = c->kid[j];
            size_t x = 0, at = 0;
            while (x < 6 && strcmp(k->name, kinds[x]) != 0)
                x++;
            if (x == 6)
                continue;
            struct ea_rr_node *have = NULL;   /* what k adds to, when it adds up */
            if (x == 1 || x == 5) {
                const char *by = x == 1 ? "dlt" : "kind";
                for (at = 0; (have = ea_rr_child(part[x], kinds[x], &at)) != NULL; at++)
                    if (strcmp(attr_or(have, by, ""), attr_or(k, by, "")) == 0)
                        break;
            } else if (x >= 2) {
                have = ea_rr_find(part[x], kinds[x]);
            }
            if (have && x == 5)
                rc |= ea_rr_set_u64(have, "count", sadd(ea_rr_u64(have, "count"), ea_rr_u64(k, "count")));
            else if (have && (x == 2 || x == 4))
                rc |= sum_attrs(have, k);
            else if (!have) {
                struct ea_rr_node *cp = ea_rr_node_copy(k);
                if (!cp || ea_rr_add(part[x], cp) != 0) {
                    ea_rr_node_free(cp);
                    rc = -1;
                }
            }
        }
    }
    return rc;
}

/* Packets and bytes summed, the window widened, partial and incomplete when any input was. */
static int capture_attrs(const struct mctx *m, struct ea_rr_node *out)
{
    const char *first = NULL, *last = NULL;
    uint64_t packets = 0, bytes = 0;
    int rc = 0, partial = 0, incomplete = 0;
    for (size_t i = 0; i < m->n; i++) {
        const struct ea_rr_node *c = ea_rr_find(m->in[i]->root, "capture");
        const char *f = ea_rr_get(c, "first"), *l = ea_rr_get(c, "last");
        packets = sadd(packets, ea_rr_u64(c, "packets"));
        bytes = sadd(bytes, ea_rr_u64(c, "bytes"));
        first = f && (!first || strcmp(f, first) < 0) ? f : first;
        last = l && (!last || strcmp(l, last) > 0) ? l : last;
        partial |= ea_rr_get(c, "partial") != NULL;
        incomplete |= ea_rr_get(c, "incomplete") != NULL;
    }
    rc |= ea_rr_set_u64(out, "packets", packets) | ea_rr_set_u64(out, "bytes", bytes);
    if (first && last)
        rc |= ea_rr_set(out, "first", first) | ea_rr_set(out, "last", last);
    if (partial)
        rc |= ea_rr_set(out, "partial", "true");
    const struct ea_rr_node *loss = ea_rr_find(out, "loss");
    if (loss && ea_loss_incomplete(sadd(ea_rr_u64(loss, "dropped"), ea_rr_u64(loss, "if-dropped")),
                                   sadd(ea_rr_u64(loss, "received"), ea_rr_u64(loss, "if-dropped"))))
        incomplete = 1;
    if (incomplete)
        rc |= ea_rr_set(out, "incomplete", "true");
    return rc ? -1 : 0;
}

/* <capture>: sources of every input, link types united, loss, counters and malformed summed. */
static struct ea_rr_node *merge_capture(const struct mctx *m)
{
    struct ea_rr_node *part[6] = { NULL }, *out = ea_rr_node_copy(ea_rr_find(m->in[0]->root, "capture"));
    int ok = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < out->nkid; i++)
        ea_rr_node_free(out->kid[i]);
    out->nkid = 0;
    for (size_t x = 0; x < 6; x++)
        if (!(part[x] = ea_rr_node_new("part")))
            goto out;
    if (capture_children(m, part) != 0)
        goto out;
    for (size_t x = 0; x < 6; x++) {   /* moved into out, in the schema's order */
        for (size_t i = 0; i < part[x]->nkid; i++)
            if (ea_rr_add(out, part[x]->kid[i]) != 0) {
                for (; i < part[x]->nkid; i++)
                    ea_rr_node_free(part[x]->kid[i]);
                part[x]->nkid = 0;
                goto out;
            }
        part[x]->nkid = 0;
    }
    ok = capture_attrs(m, out) == 0;
out:
    for (size_t x = 0; x < 6; x++)
        ea_rr_node_free(part[x]);
    if (!ok) {
        ea_rr_node_free(out);
        out = NULL;
    }
    return out;
}

/* "observed N of M rules": the summary's and each pack's counts, from the merged statuses. */
static int merge_observed(struct ea_rr_node *root, uint64_t observed)
{
    struct ea_rr_node *rules = ea_rr_find(root, "rules"), *sum = ea_rr_find(root, "summary");
    int rc = ea_rr_set_u64(sum, "observed", observed) | ea_rr_set_u64(sum, "rules", ea_rr_count(rules, "rule"));
    for (size_t p = 0; rules && p < rules->nkid; p++) {
        if (strcmp(rules->kid[p]->name, "pack") != 0)
            continue;
        uint64_t n = 0;
        for (size_t r = 0; r < rules->nkid; r++)
            n += strcmp(rules->kid[r]->name, "rule") == 0 &&
                 strcmp(attr_or(rules->kid[r], "pack", ""), attr_or(rules->kid[p], "name", "-")) == 0 &&
                 strcmp(attr_or(rules->kid[r], "status", ""), "observed") == 0;
        rc |= ea_rr_set_u64(rules->kid[p], "observed", n);
    }
    return rc;
}

/* The verdict whose name v is; -1 for none. */
static int verdict_index(const char *v)
{
    for (int x = 0; v && x < EA_V__COUNT; x++)
        if (strcmp(v, ea_verdict_name((enum ea_verdict)x)) == 0)
            return x;
    return -1;
}

/*
 * <summary>: verdicts, blocked-required and finding-flows the sums of the
 * inputs' (which count the flows no report lists), statuses from the merged
 * rules, result as ea_findings decides. Returns 1 findings, 0 not, -1 oom.
 */
static int merge_summary(const struct mctx *m, struct ea_rr_node *root)
{
    uint64_t verdicts[EA_V__COUNT] = { 0 }, br = 0, ff = 0;
    struct ea_rr_node *sum = ea_rr_find(root, "summary");
    int rc = 0;
    for (size_t i = 0; i < m->n; i++) {
        const struct ea_rr_node *in = ea_rr_find(m->in[i]->root, "summary");
        br = sadd(br, ea_rr_u64(in, "blocked-required"));
        ff = sadd(ff, ea_rr_u64(in, "finding-flows"));
        for (size_t j = 0; in && j < in->nkid; j++) {
            int x = strcmp(in->kid[j]->name, "verdict") ? -1 : verdict_index(ea_rr_get(in->kid[j], "name"));
            if (x >= 0)
                verdicts[x] = sadd(verdicts[x], ea_rr_u64(in->kid[j], "count"));
        }
    }
    for (size_t j = 0; sum && j < sum->nkid; j++) {
        struct ea_rr_node *k = sum->kid[j];
        int x = verdict_index(ea_rr_get(k, "name"));
        for (int s = 0; strcmp(k->name, "status") == 0 && s < EA_RS__COUNT; s++)
            if (strcmp(attr_or(k, "name", ""), ea_rule_status_name((enum ea_rule_status)s)) == 0)
                rc |= ea_rr_set_u64(k, "count", m->statuses[s]);
        if (strcmp(k->name, "verdict") == 0 && x >= 0)
            rc |= ea_rr_set_u64(k, "count", verdicts[x]);
    }
    const struct ea_rr_node *fi = ea_rr_find(root, "findings");
    rc |= ea_rr_set_u64(sum, "blocked-required", br) | merge_observed(root, m->statuses[EA_RS_OBSERVED]);
    rc |= ea_rr_set_u64(sum, "groups", ea_rr_count(fi, "group")) | ea_rr_set_u64(sum, "finding-flows", ff);
    rc |= ea_rr_set_u64(sum, "examples", m->k) | ea_rr_set(sum, "list-flows", "examples");
    int findings = ea_findings(verdicts, br, m->statuses);
    rc |= ea_rr_set(sum, "result", findings ? "findings" : "compliant");
    return rc ? -1 : findings;
}

/* Rewrites a list of ranks ("3 7 9") as final ids; marks them named first when mark. */
static int rewrite_ids(const struct mctx *m, struct ea_rr_node *n, const char *attr, int mark)
{
    const char *p = ea_rr_get(n, attr);
    size_t cnt = 0;
    uint64_t *ids = p ? calloc(strlen(p) / 2 + 2, sizeof(*ids)) : NULL;
    if (!ids)
        return p ? -1 : 0;
    while (*p) {
        char *end;
        uint64_t r = strtoull(p, &end, 10);
        if (end == p)
            break;
        p = end;
        if (r >= 1 && r <= m->nflows) {
            if (mark)
                m->final[r - 1] = 1;
            else
                ids[cnt++] = m->final[r - 1];
        }
    }
    char *list = mark ? NULL : id_list(ids, cnt);
    int rc = mark ? 0 : list && ea_rr_set(n, attr, list) == 0 ? 0 : -1;
    free(list);
    free(ids);
    return rc;
}

/* Every example and evidence list of root (marking when mark, else rewriting). */
static int walk_ids(const struct mctx *m, struct ea_rr_node *root, int mark)
{
    int rc = 0;
    struct ea_rr_node *fi = ea_rr_find(root, "findings"), *rules = ea_rr_find(root, "rules");
    for (size_t i = 0; fi && i < fi->nkid; i++)
        for (size_t j = 0; j < fi->kid[i]->nkid; j++)
            if (strcmp(fi->kid[i]->kid[j]->name, "example") == 0)
                rc |= rewrite_ids(m, fi->kid[i]->kid[j], "flow", mark);
    for (size_t i = 0; rules && i < rules->nkid; i++) {
        struct ea_rr_node *ev = ea_rr_find(rules->kid[i], "evidence");
        if (ev)
            rc |= rewrite_ids(m, ev, "flows", mark);
    }
    return rc;
}

/* <flows>: the flows still named, with their final ids 1..M in merged order. NULL on oom. */
static struct ea_rr_node *merge_flow_list(struct mctx *m, struct ea_rr_node *root)
{
    struct ea_rr_node *fl = ea_rr_node_new("flows");
    uint64_t total = 0, id = 0;
    if (!fl || walk_ids(m, root, 1) != 0)
        goto fail;
    for (size_t r = 0; r < m->nflows; r++)
        m->final[r] = m->final[r] ? ++id : 0;
    if (walk_ids(m, root, 0) != 0)
        goto fail;
    for (size_t i = 0; i < m->n; i++) {
        const struct ea_rr_node *in = ea_rr_find(m->in[i]->root, "flows");
        total = sadd(total, ea_rr_get(in, "total") ? ea_rr_u64(in, "total") : m->in[i]->flows_read);
    }
    if (ea_rr_set(fl, "listed", "examples") != 0 || ea_rr_set_u64(fl, "total", total) != 0)
        goto fail;
    for (size_t r = 0; r < m->nflows; r++) {
        if (!m->final[r])
            continue;
        struct ea_rr_node *f = ea_rr_node_copy(m->flows[r].flow);
        if (!f || ea_rr_set_u64(f, "id", m->final[r]) != 0 || ea_rr_add(fl, f) != 0) {
            ea_rr_node_free(f);
            goto fail;
        }
    }
    return fl;
fail:
    ea_rr_node_free(fl);
    return NULL;
}

/* The root: the first input's attributes, then capture, summary, rules, findings and flows merged. */
static int merge_tree(struct mctx *m, struct ea_rr_node *root)
{
    const struct ea_rr_node *r0 = m->in[0]->root;
    struct ea_rr_node *part[5] = { NULL };
    int rc = -1;
    for (size_t i = 0; i < r0->nattr; i++)
        if (ea_rr_set(root, r0->attr[2 * i], r0->attr[2 * i + 1]) != 0)
            return -1;
    part[0] = merge_capture(m);
    part[1] = ea_rr_node_copy(ea_rr_find(r0, "summary"));
    part[2] = merge_rules(m);
    part[3] = merge_findings(m);
    size_t x = 0;
    for (; x < 4; x++)
        if (!part[x] || ea_rr_add(root, part[x]) != 0)
            goto out;
    if (!(part[4] = merge_flow_list(m, root)) || ea_rr_add(root, part[4]) != 0)
        goto out;
    x = 5;
    rc = merge_summary(m, root);
out:
    for (; x < 5; x++)   /* the parts not added to root */
        ea_rr_node_free(part[x]);
    return rc;
}

int ea_merge_reports(struct ea_report *const *in, size_t n, unsigned k, struct ea_rr_node **out)
{
    struct mctx m = { .n = n, .k = k };
    struct ea_rr_node *root = NULL;
    int rc = -1;
    *out = NULL;
    if (n == 0 || !(m.in = malloc(n * sizeof(*m.in))))
        return -1;
    memcpy(m.in, in, n * sizeof(*m.in));
    qsort(m.in, n, sizeof(*m.in), report_cmp);   /* the same whatever the order given */
    for (size_t i = 0; i < n; i++) {
        const struct ea_rr_node *s = ea_rr_find(in[i]->root, "summary");
        if (ea_rr_get(s, "examples") && ea_rr_u64(s, "examples") < m.k)
            m.k = (unsigned)ea_rr_u64(s, "examples");
    }
    if (m.k == UINT_MAX)
        m.k = MERGE_K_DEFAULT;
    root = ea_rr_node_new("edgeaudit-report");
    if (!root || rank_flows(&m) != 0)
        goto out;
    rc = merge_tree(&m, root);
out:
    if (rc < 0)
        ea_rr_node_free(root);
    else
        *out = root;
    free(m.in);
    free(m.flows);
    free(m.map);
    free(m.final);
    return rc;
}

/* The report's generator, and its creation time and host unless deterministic. */
static int stamp(struct ea_rr_node *root, int deterministic)
{
    int rc = ea_rr_set(root, "generator", "edgeaudit " PACKAGE_VERSION);
    ea_rr_unset(root, "created");
    ea_rr_unset(root, "host");
    if (!deterministic) {
        char host[256] = "", t[48];
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        rc |= ea_rr_set(root, "created",
                        ea_time_str((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec, t, sizeof(t)));
        if (gethostname(host, sizeof(host) - 1) == 0)
            rc |= ea_rr_set(root, "host", host);
    }
    return rc;
}

int ea_merge_write(const struct ea_merge_outputs *o, struct ea_rr_node *root, const char *who)
{
    char err[ERRLEN];
    size_t len = 0, jlen = 0;
    struct ea_options opts;
    int rc = -1;
    char *json = NULL, *mem = stamp(root, o->deterministic) == 0 ? ea_rr_serialise(root, &len) : NULL;
    memset(&opts, 0, sizeof(opts));
    opts.datadir = o->datadir;
    if (!mem || (o->json && !(json = ea_rr_json(root, &jlen)))) {
        fprintf(stderr, "edgeaudit %s: out of memory\n", who);
        rc = -2;
        goto out;
    }
    if (o->xml && ea_write_atomic(o->xml, mem, len, err, sizeof(err)) != 0)
        goto fail;
    if (o->html && ea_report_html_render(&opts, o->html, mem, len, err, sizeof(err)) != 0)
        goto fail;
    if (o->json && ea_write_atomic(o->json, json, jlen, err, sizeof(err)) != 0)
        goto fail;
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "edgeaudit %s: %s\n", who, err);
out:
    free(json);
    free(mem);
    return rc;
}

int ea_merge_output_opt(int c, const char *arg, struct ea_merge_outputs *o, int *quiet)
{
    switch (c) {
    case 'x': o->xml = arg; return 1;
    case 'H': o->html = arg; return 1;
    case 'j': o->json = arg; return 1;
    case 'd': o->deterministic = 1; return 1;
    case 'q': *quiet = 1; return 1;
    case 'D': o->datadir = arg; return 1;
    default: return 0;
    }
}

/* What the command line of edgeaudit merge asks for; the strings are argv's. */
struct merge_args {
    struct ea_merge_outputs out;
    unsigned k;
    int quiet;
    char **files;
    size_t n;
};

/* --examples K: 0..1000. */
static int parse_k(const char *s, unsigned *k)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (end == s || *end || v > 1000 || *s == '-')
        return -1;
    *k = (unsigned)v;
    return 0;
}

/* Parses argv into *a. Returns -1 to go on, else the exit code (usage printed). */
static int merge_parse(int argc, char **argv, struct merge_args *a)
{
    static const struct option lo[] = {
        EA_MERGE_OUTPUT_OPTIONS, { "examples", required_argument, NULL, 'k' }, { NULL, 0, NULL, 0 },
    };
    int c;
    memset(a, 0, sizeof(*a));
    a->k = UINT_MAX;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
        if (ea_merge_output_opt(c, optarg, &a->out, &a->quiet))
            continue;
        switch (c) {
        case 'k':
            if (parse_k(optarg, &a->k) == 0)
                break;
            fprintf(stderr, "edgeaudit merge: --examples wants a number from 0 to 1000, not '%s'\n", optarg);
            return EA_EXIT_USAGE;
        case 'h': fputs(merge_usage, stdout); return EA_EXIT_COMPLIANT;
        default:
            fprintf(stderr, "edgeaudit merge: unknown or incomplete option '%s' (see edgeaudit merge --help)\n",
                    argv[optind - 1]);
            return EA_EXIT_USAGE;
        }
    }
    a->n = (size_t)(argc - optind);
    a->files = argv + optind;
    if (a->n == 0 || (!a->out.xml && !a->out.html && !a->out.json)) {
        fputs(merge_usage, stderr);
        return EA_EXIT_USAGE;
    }
    return -1;
}

/* Reads and validates every input into reps[] (n slots, NULL on entry); -1 with the error printed. */
static int load_all(const struct merge_args *a, xmlRelaxNGPtr schema, struct ea_report **reps)
{
    char err[ERRLEN];
    for (size_t i = 0; i < a->n; i++) {
        reps[i] = ea_report_read(a->files[i], schema, err, sizeof(err));
        if (!reps[i]) {
            fprintf(stderr, "edgeaudit merge: %s\n", err);
            return -1;
        }
        if (ea_merge_check_keys(reps[i], a->files[i], err, sizeof(err)) != 0) {
            fprintf(stderr, "edgeaudit merge: %s\n", err);
            return -1;
        }
        const char *v0 = ea_rr_get(reps[0]->root, "version"), *vi = ea_rr_get(reps[i]->root, "version");
        if (!v0 || !vi || strcmp(v0, vi) != 0) {
            fprintf(stderr, "edgeaudit merge: %s: report version %s, %s is version %s; not merged\n",
                    a->files[i], vi ? vi : "?", a->files[0], v0 ? v0 : "?");
            return -1;
        }
        if (i && !ea_merge_same_rules(reps[0], reps[i])) {
            fprintf(stderr, "edgeaudit merge: %s: judged against other rules than %s; not merged\n",
                    a->files[i], a->files[0]);
            return -1;
        }
    }
    return 0;
}

int ea_merge_main(int argc, char **argv)
{
    struct merge_args a;
    char err[ERRLEN];
    int code = merge_parse(argc, argv, &a);
    if (code >= 0)
        return code;
    code = EA_EXIT_USAGE;
    struct ea_report **reps = calloc(a.n, sizeof(*reps));
    struct ea_rr_node *out = NULL;
    struct ea_options o;
    memset(&o, 0, sizeof(o));
    o.datadir = a.out.datadir;
    xmlRelaxNGPtr schema = reps ? ea_report_schema_load(&o, err, sizeof(err)) : NULL;
    if (!schema) {
        fprintf(stderr, "edgeaudit merge: %s\n", reps ? err : "out of memory");
        goto out;
    }
    if (load_all(&a, schema, reps) < 0)
        goto out;
    int findings = ea_merge_reports(reps, a.n, a.k, &out);
    if (findings < 0) {
        fprintf(stderr, "edgeaudit merge: out of memory\n");
        goto out;
    }
    int wr = ea_merge_write(&a.out, out, "merge");
    if (wr < 0) {
        code = wr == -2 ? EA_EXIT_USAGE : EA_EXIT_REPORT;
        goto out;
    }
    if (!a.quiet)
        printf("edgeaudit merge: %zu reports: %s\n", a.n, findings ? "FINDINGS" : "compliant");
    code = findings ? EA_EXIT_FINDINGS : EA_EXIT_COMPLIANT;
out:
    ea_rr_node_free(out);
    for (size_t i = 0; reps && i < a.n; i++)
        ea_report_free(reps[i]);
    free(reps);
    xmlRelaxNGFree(schema);
    return code;
}
