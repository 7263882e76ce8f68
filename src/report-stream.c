/* report-stream.c: each finished flow into its group, the JSON lines, the examples and the spool. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report-stream.h"
#include "report-xml.h"
#include "report-json.h"
#include "output-flows.h"
#include "util-addr.h"
#include "util-file.h"
#include "util-str.h"

struct ea_stream {
    struct ea_stream_opts o;
    const struct ea_ruleset *rs;            /* borrowed */
    struct ea_group_table *groups;
    struct ea_examples evidence[EA_MAX_RULES];
    struct ea_atomic *json;                 /* NULL without --json, before the first line, or failed */
    int json_tried;                         /* opened (or failed to) at the first line */
    char json_err[1024];
    struct ea_jbuf line;                    /* the JSON line being made, reused line after line */
    struct ea_spool *all;                   /* --list-flows all */
    /* what the last view handed out */
    struct ea_group_list *list;
    struct ea_spool *ex_spool;
    /* live --window: groups and counts of the flows last seen in each of the window's time
       buckets (a ring; bucket idx covers [idx * win_w, (idx + 1) * win_w) of packet time) */
    struct win_bucket {
        uint64_t idx;
        struct ea_group_table *groups;
        struct ea_policy *pol;
    } win[EA_STREAM_WINDOW_BUCKETS];
    uint64_t win_w, win_top;                /* bucket width; the newest bucket seen */
    /* a live report's draft (ea_stream_draft): groups and counts with the flows still in the table */
    struct ea_group_table *draft;
    struct ea_policy *draft_pol;
    int draft_window;
    int oom;
    ea_stream_flow_fn on_flow;              /* --db-flows, or NULL */
    void *on_flow_ctx;
};

/* A flow's texts, as the reports write them. */
struct flow_text {
    char client[64], server[64], app[64];
    char rules[EA_MAX_RULES * 40];
    char key[EA_GROUP_KEY_LEN + 1], scan_key[EA_GROUP_KEY_LEN + 1];
};

/* Drops the group list and example spool of the last view. */
static void release_view(struct ea_stream *s)
{
    ea_group_list_free(s->list);
    s->list = NULL;
    ea_spool_free(s->ex_spool);
    s->ex_spool = NULL;
}

/* A bucket's tables freed; it is empty again. */
static void bucket_clear(struct win_bucket *b)
{
    ea_group_table_free(b->groups);
    ea_policy_free(b->pol);
    b->groups = NULL;
    b->pol = NULL;
}

struct ea_stream *ea_stream_new(const struct ea_stream_opts *o, const struct ea_ruleset *rs)
{
    struct ea_stream *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->o = *o;
    s->rs = rs;
    s->win_w = o->window_ns / EA_STREAM_WINDOW_BUCKETS ? o->window_ns / EA_STREAM_WINDOW_BUCKETS : 1;
    for (size_t i = 0; i < EA_MAX_RULES; i++)
        ea_examples_init(&s->evidence[i], o->examples);
    s->groups = ea_group_table_new(o->examples);
    if (o->list_all)
        s->all = ea_spool_new(1);
    if (!s->groups || (o->list_all && !s->all)) {
        ea_stream_free(s);
        return NULL;
    }
    if (o->list_all)
        ea_spool_keep(s->all, o->keep);
    return s;
}

void ea_stream_free(struct ea_stream *s)
{
    if (!s)
        return;
    release_view(s);
    ea_group_table_free(s->groups);
    for (size_t i = 0; i < EA_MAX_RULES; i++)
        ea_examples_clear(&s->evidence[i]);
    ea_atomic_abort(s->json);
    free(s->line.p);
    ea_spool_free(s->all);
    for (size_t i = 0; i < EA_STREAM_WINDOW_BUCKETS; i++)
        bucket_clear(&s->win[i]);
    ea_stream_draft_end(s);
    free(s);
}

static void flow_texts(const struct ea_view *v, const struct ea_flow *f, struct flow_text *t)
{
    ea_addr_str(f->key.family, f->key.src, t->client, sizeof(t->client));
    ea_addr_str(f->key.family, f->key.dst, t->server, sizeof(t->server));
    char lbl[64];
    ea_str_copy(t->app, sizeof(t->app), ea_classify_label(v->cls, f, lbl, sizeof(lbl)));
    t->rules[0] = 0;
    for (size_t i = 0; i < v->rs->nrules; i++)
        if (f->verdict.rules & (1ULL << i)) {
            if (t->rules[0])
                ea_str_append(t->rules, sizeof(t->rules), " ");
            ea_str_append(t->rules, sizeof(t->rules), v->rs->rules[i].id);
        }
    t->key[0] = t->scan_key[0] = 0;
}

/* Unexpected, blocked and unverified flows are findings, grouped; the others only counted. */
static int is_grouped(const struct ea_flow *f)
{
    return f->verdict.judged && (f->verdict.v == EA_V_UNEXPECTED || f->verdict.v == EA_V_BLOCKED ||
                                 f->verdict.v == EA_V_UNVERIFIED);
}

/* The rules a flow is evidence of, as ea_policy_account counts them. */
static uint64_t evidence_mask(const struct ea_flow *f)
{
    if (!f->verdict.judged || f->verdict.reason == EA_R_WRONG_SIDE)
        return 0;
    if (f->verdict.v != EA_V_ALLOWED && f->verdict.v != EA_V_UNVERIFIED && f->verdict.v != EA_V_BLOCKED)
        return 0;
    return f->verdict.rules;
}

/* Adds the flow to table t; fills *ref (and t's key texts, once). */
static void group_add(struct ea_stream *s, struct ea_group_table *t, const struct ea_flow *f,
                      struct flow_text *tx, struct ea_group_ref *ref)
{
    struct ea_group_flow gf = {
        { ea_verdict_name((enum ea_verdict)f->verdict.v), ea_reason_name((enum ea_reason)f->verdict.reason),
          tx->rules, ea_proto_name(f->key.proto), tx->server, tx->client, tx->app, f->key.dport },
        f->id, f->pkts[0] + f->pkts[1], f->bytes[0] + f->bytes[1],
        f->first_ns, f->last_ns, f->first_frame, f->last_frame, f->verdict.text
    };
    if (ea_group_table_add(t, &gf, ref) < 0)
        s->oom = 1;
    ea_group_key_str(ref->key, tx->key);
    if (ref->has_scan)
        ea_group_key_str(ref->scan_key, tx->scan_key);
}

/*
 * Live --window: the flow counts toward the bucket of its last packet, when that is still
 * inside the window of the newest bucket seen (a flow that expired long after its last packet
 * was counted while it was active, as every report counts the flows still in the table).
 */
static void window_add(struct ea_stream *s, const struct ea_flow *f, struct flow_text *tx,
                       struct ea_group_ref *wref)
{
    memset(wref, 0, sizeof(*wref));
    if (!s->o.window_ns)
        return;
    uint64_t idx = f->last_ns / s->win_w;
    if (idx + EA_STREAM_WINDOW_BUCKETS <= s->win_top)
        return;
    if (idx > s->win_top)
        s->win_top = idx;
    struct win_bucket *b = &s->win[idx % EA_STREAM_WINDOW_BUCKETS];
    if (b->idx != idx || !b->groups || !b->pol) {   /* an older bucket's place: it left the window */
        bucket_clear(b);
        b->idx = idx;
        b->groups = ea_group_table_new(s->o.examples);
        b->pol = ea_policy_new(s->rs);
        if (!b->groups || !b->pol) {
            bucket_clear(b);
            s->oom = 1;
            return;
        }
    }
    struct ea_decision d = { (enum ea_verdict)f->verdict.v, (enum ea_reason)f->verdict.reason,
                             f->verdict.rules, f->verdict.blocked_required, 0 };
    if (f->verdict.judged)
        ea_policy_account(b->pol, &d, f);
    if (is_grouped(f))
        group_add(s, b->groups, f, tx, wref);
}

/* Appends a NUL-terminated part to a growing blob; -1 on out-of-memory. */
static int blob_part(char **b, size_t *len, size_t *cap, const char *part)
{
    size_t n = strlen(part) + 1;
    if (*len + n > *cap) {
        size_t nc = *cap ? *cap : 4096;
        while (*len + n > nc)
            nc *= 2;
        char *nb = realloc(*b, nc);
        if (!nb)
            return -1;
        *b = nb;
        *cap = nc;
    }
    memcpy(*b + *len, part, n);
    *len += n;
    return 0;
}

/* The flow serialized for the reports (enum ea_flow_part), into a malloc'ed blob. */
static char *serialize(const struct ea_view *v, const struct ea_flow *f, const struct flow_text *tx,
                       size_t *len)
{
    char line[2048], brief[1400], cport[8], ff[24], lf[24], filter[256];
    size_t xlen = 0, cap = 0;
    char *xml = ea_report_xml_flow(v, f, tx->key[0] ? tx->key : NULL, &xlen), *b = NULL;
    int finding = f->verdict.judged && (f->verdict.v == EA_V_UNEXPECTED ||
                                        (f->verdict.v == EA_V_BLOCKED && f->verdict.blocked_required));
    struct ea_sb sb;   /* "%u" and "%" PRIu64, without printf */
    ea_sb_init(&sb, cport, sizeof(cport));
    ea_sb_u64(&sb, f->key.sport);
    ea_sb_init(&sb, ff, sizeof(ff));
    ea_sb_u64(&sb, f->first_frame);
    ea_sb_init(&sb, lf, sizeof(lf));
    ea_sb_u64(&sb, f->last_frame);
    struct ea_group_fields gf = { NULL, NULL, NULL, ea_proto_name(f->key.proto), tx->server, tx->client,
                                  NULL, f->key.dport };
    ea_flow_filter(&gf, f->key.sport, filter, sizeof(filter));
    const char *parts[EA_FP__COUNT] = {
        [EA_FP_XML] = xml, [EA_FP_LINE] = ea_output_flow_line(v, f, line, sizeof(line)),
        [EA_FP_BRIEF] = ea_output_flow_brief(f, brief, sizeof(brief)), [EA_FP_FINDING] = finding ? "1" : "",
        [EA_FP_KEY] = tx->key, [EA_FP_SCAN_KEY] = tx->scan_key, [EA_FP_CLIENT] = tx->client,
        [EA_FP_CLIENT_PORT] = cport, [EA_FP_FIRST_FRAME] = ff, [EA_FP_LAST_FRAME] = lf,
        [EA_FP_FILTER] = filter, [EA_FP_WORDS] = f->verdict.text ? f->verdict.text : "",
    };
    *len = 0;
    for (int i = 0; xml && i < EA_FP__COUNT; i++)
        if (blob_part(&b, len, &cap, parts[i]) != 0) {
            free(b);
            b = NULL;
            break;
        }
    free(xml);
    return b;
}

/* Offers the flow to every set that may keep it, serialized once; spools it with --list-flows all. */
static void offer(struct ea_stream *s, const struct ea_view *v, const struct ea_flow *f,
                  const struct flow_text *tx, struct ea_examples *const *sinks)
{
    uint64_t mask = evidence_mask(f);
    int want = s->all != NULL;
    for (int i = 0; i < 2; i++)
        want |= sinks[i] && ea_examples_wants(sinks[i], f->id);
    for (size_t i = 0; i < s->rs->nrules && !want; i++)
        want |= (mask >> i & 1) && ea_examples_wants(&s->evidence[i], f->id);
    if (!want)
        return;
    size_t len = 0;
    char *b = serialize(v, f, tx, &len);
    if (!b) {
        s->oom = 1;
        return;
    }
    int bad = 0;
    for (int i = 0; i < 2; i++)
        bad |= sinks[i] && ea_examples_offer(sinks[i], f->id, b, len) < 0;
    for (size_t i = 0; i < s->rs->nrules; i++)
        bad |= (mask >> i & 1) && ea_examples_offer(&s->evidence[i], f->id, b, len) < 0;
    if (s->all)
        bad |= ea_spool_add(s->all, f->id, b, len) != 0;
    s->oom |= bad;
    free(b);
}

/*
 * The JSON file, opened at its first line, not when the stream is made: live mode drops
 * privileges after that, and the file (and its rename) must be the dropped user's.
 */
static struct ea_atomic *json_file(struct ea_stream *s)
{
    if (s->o.json && !s->json_tried) {
        s->json_tried = 1;
        s->json = ea_atomic_open(s->o.json, s->json_err, sizeof(s->json_err));
    }
    return s->json;
}

/* The flow's JSON line, written at once: the one adopted with it (--threads), or made here. */
static void json_line(struct ea_stream *s, struct ea_pipeline *pl, const struct ea_view *v,
                      const struct ea_flow *f, const struct flow_text *tx)
{
    size_t len = 0;
    if (!json_file(s))
        return;
    const char *made = ea_pipeline_flow_line(pl, &len);
    if (made) {
        ea_atomic_write(s->json, made, len);   /* errors show at ea_stream_finish */
        return;
    }
    struct ea_json_flow_texts t = { tx->key[0] ? tx->key : NULL, tx->scan_key[0] ? tx->scan_key : NULL,
                                    tx->client, tx->server };
    s->line.len = 0;
    ea_report_json_flow_into(&s->line, v, f, &t);
    if (s->line.oom) {   /* this line is lost; the next starts afresh */
        s->oom = 1;
        free(s->line.p);
        memset(&s->line, 0, sizeof(s->line));
        return;
    }
    ea_atomic_write(s->json, s->line.p, s->line.len);   /* errors show at ea_stream_finish */
}

/*
 * The pipeline's line maker (--json): the line json_line writes, from the
 * flow alone; the group keys are the pure ea_group_key of group_add's fields.
 */
static char *make_line(const struct ea_view *v, const struct ea_flow *f, size_t *len)
{
    struct flow_text tx;
    flow_texts(v, f, &tx);
    if (is_grouped(f)) {
        struct ea_group_fields gf = {
            ea_verdict_name((enum ea_verdict)f->verdict.v), ea_reason_name((enum ea_reason)f->verdict.reason),
            tx.rules, ea_proto_name(f->key.proto), tx.server, tx.client, tx.app, f->key.dport
        };
        ea_group_key_str(ea_group_key(&gf, 0), tx.key);
        if (!tx.rules[0])
            ea_group_key_str(ea_group_key(&gf, 1), tx.scan_key);
    }
    struct ea_jbuf b = { NULL, 0, 0, 0 };
    struct ea_json_flow_texts t = { tx.key[0] ? tx.key : NULL, tx.scan_key[0] ? tx.scan_key : NULL,
                                    tx.client, tx.server };
    ea_report_json_flow_into(&b, v, f, &t);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}

/* The pipeline's on_finished hook: the flow was judged; it is freed after this. */
static void flow_finished(struct ea_pipeline *pl, struct ea_flow *f, void *ctx)
{
    struct ea_stream *s = ctx;
    struct ea_view v;
    struct flow_text tx;
    struct ea_group_ref ref, wref;
    memset(&v, 0, sizeof(v));
    memset(&ref, 0, sizeof(ref));
    v.rs = ea_pipeline_rules(pl);
    v.cls = ea_pipeline_classifier(pl);
    release_view(s);   /* its list borrows groups that this flow may change */
    flow_texts(&v, f, &tx);
    if (is_grouped(f))
        group_add(s, s->groups, f, &tx, &ref);
    window_add(s, f, &tx, &wref);
    json_line(s, pl, &v, f, &tx);
    if (s->on_flow) {
        struct ea_stream_texts t = { tx.client, tx.server, tx.app, tx.rules, tx.key[0] ? tx.key : NULL };
        s->on_flow(f, &t, s->on_flow_ctx);
    }
    struct ea_examples *sinks[2] = { ref.sink, wref.sink };
    offer(s, &v, f, &tx, sinks);
}

void ea_stream_attach(struct ea_stream *s, struct ea_pipeline *pl)
{
    ea_pipeline_on_finished(pl, flow_finished, s);
    ea_pipeline_set_line_maker(pl, s->o.json ? make_line : NULL);
}

void ea_stream_on_flow(struct ea_stream *s, ea_stream_flow_fn fn, void *ctx)
{
    s->on_flow = fn;
    s->on_flow_ctx = ctx;
}

/* Every example of the list's groups (and the rules' evidence) into a new borrowing spool. */
static struct ea_spool *examples_spool(const struct ea_group_list *l, const struct ea_examples *ev,
                                       size_t nrules)
{
    struct ea_spool *sp = ea_spool_new(0);
    int bad = !sp;
    for (size_t i = 0; !bad && i < l->n; i++)
        for (unsigned e = 0; e < l->g[i]->ex.n && !bad; e++)
            bad = ea_spool_add(sp, l->g[i]->ex.e[e].id, l->g[i]->ex.e[e].data, l->g[i]->ex.e[e].len);
    for (size_t i = 0; ev && !bad && i < nrules; i++)
        for (unsigned e = 0; e < ev[i].n && !bad; e++)
            bad = ea_spool_add(sp, ev[i].e[e].id, ev[i].e[e].data, ev[i].e[e].len);
    if (bad) {
        ea_spool_free(sp);
        return NULL;
    }
    ea_spool_sort(sp);
    return sp;
}

int ea_stream_view(struct ea_stream *s, struct ea_view *v, int window, uint64_t now_ns)
{
    release_view(s);
    int drafted = s->draft && s->draft_window == window;
    const struct ea_group_table *t = drafted ? s->draft : window ? NULL : s->groups;
    int all = s->all && !window;
    v->examples = s->o.examples;
    v->list_all = all;
    v->evidence = window ? NULL : s->evidence;
    v->groups_dropped = t ? ea_group_table_dropped(t) : 0;
    v->done_dropped = all ? ea_spool_dropped(s->all) : 0;
    s->list = t ? ea_group_table_list(t) : NULL;
    if (s->list && !all)
        s->ex_spool = examples_spool(s->list, v->evidence, s->rs->nrules);
    if (all)
        ea_spool_sort(s->all);
    v->groups = s->list;
    v->listed = all ? s->all : s->ex_spool;
    if (!s->list || !v->listed) {
        v->groups = NULL;
        v->listed = NULL;
        return -1;
    }
    return 0;
}

uint64_t ea_stream_window_start(const struct ea_stream *s, uint64_t now_ns)
{
    uint64_t idx = now_ns / s->win_w;
    return idx >= EA_STREAM_WINDOW_BUCKETS - 1 ? (idx - (EA_STREAM_WINDOW_BUCKETS - 1)) * s->win_w : 0;
}

/* src's counts added into dst (a window's buckets added up). */
static void policy_add(struct ea_policy *dst, const struct ea_policy *src)
{
    for (int v = 0; v < EA_V__COUNT; v++)
        dst->verdicts[v] += src->verdicts[v];
    dst->blocked_required += src->blocked_required;
    for (size_t i = 0; i < EA_MAX_RULES; i++) {
        struct ea_rule_stat *d = &dst->stat[i];
        const struct ea_rule_stat *r = &src->stat[i];
        d->allowed += r->allowed;
        d->unverified += r->unverified;
        d->blocked += r->blocked;
        d->violations += r->violations;
        d->bytes += r->bytes;
        if (r->first_ns && (!d->first_ns || r->first_ns < d->first_ns))
            d->first_ns = r->first_ns;
        if (r->last_ns > d->last_ns)
            d->last_ns = r->last_ns;
        for (size_t e = 0; e < r->nevidence && d->nevidence < EA_EVIDENCE_MAX; e++)
            d->evidence[d->nevidence++] = r->evidence[e];
    }
}

int ea_stream_draft(struct ea_stream *s, const struct ea_policy *base, int window, uint64_t now_ns)
{
    ea_stream_draft_end(s);
    s->draft = ea_group_table_new(s->o.examples);
    s->draft_pol = ea_policy_new(s->rs);
    s->draft_window = window;
    int rc = s->draft && s->draft_pol ? 0 : -1;
    if (!rc && !window) {
        rc = ea_group_table_merge(s->draft, s->groups);
        if (base)
            memcpy(s->draft_pol, base, sizeof(*s->draft_pol));
    }
    uint64_t from = ea_stream_window_start(s, now_ns) / s->win_w, to = now_ns / s->win_w;
    for (size_t i = 0; !rc && window && s->o.window_ns && i < EA_STREAM_WINDOW_BUCKETS; i++) {
        const struct win_bucket *b = &s->win[i];
        if (!b->groups || !b->pol || b->idx < from || b->idx > to)
            continue;
        rc = ea_group_table_merge(s->draft, b->groups);
        policy_add(s->draft_pol, b->pol);
    }
    if (rc)
        ea_stream_draft_end(s);
    return rc;
}

struct ea_policy *ea_stream_draft_policy(struct ea_stream *s)
{
    return s->draft_pol;
}

void ea_stream_draft_flow(struct ea_stream *s, const struct ea_view *v, const struct ea_flow *f)
{
    struct flow_text tx;
    struct ea_group_ref ref;
    if (!s->draft || !is_grouped(f))
        return;
    flow_texts(v, f, &tx);
    group_add(s, s->draft, f, &tx, &ref);
    if (!ref.sink || !ea_examples_wants(ref.sink, f->id))
        return;
    size_t len = 0;
    char *b = serialize(v, f, &tx, &len);
    if (!b || ea_examples_offer(ref.sink, f->id, b, len) < 0)
        s->oom = 1;
    free(b);
}

void ea_stream_draft_end(struct ea_stream *s)
{
    release_view(s);   /* the view may borrow the draft's groups */
    ea_group_table_free(s->draft);
    ea_policy_free(s->draft_pol);
    s->draft = NULL;
    s->draft_pol = NULL;
}

int ea_stream_finish(struct ea_stream *s, const struct ea_view *v, char *err, size_t errlen)
{
    if (!s->o.json)
        return 0;
    if (!json_file(s)) {
        snprintf(err, errlen, "%s", s->json_err);
        return -1;
    }
    struct ea_atomic *a = s->json;
    s->json = NULL;
    if (ea_report_json_tail(ea_atomic_file(a), v) != 0) {
        snprintf(err, errlen, "%s: out of memory or a write error while writing the JSON lines",
                 s->o.json);
        ea_atomic_abort(a);
        return -1;
    }
    return ea_atomic_commit(a, err, errlen);
}

int ea_stream_oom(const struct ea_stream *s)
{
    return s->oom;
}
