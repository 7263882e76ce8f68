/* pipeline.c: drives packets through decode, flow table, classification and policy. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "pipeline.h"
#include "decode.h"
#include "defrag.h"
#include "source-pcap.h"
#include "util-str.h"
#include "util-stats.h"

#define EA_NS 1000000000ULL
#define FRAG_MAX 4096                  /* datagrams the defragmenter holds at once */
#define FRAG_TIMEOUT_NS (30 * EA_NS)

struct ea_pipeline {
    struct ea_stats st;
    struct ea_capture_info cap;
    struct ea_flow_limits lim;
    struct ea_decoder *dec;
    struct ea_flow_table *ft;
    struct ea_classifier *cls;
    struct ea_policy *pol;
    struct ea_policy *pol_new;      /* ea_pipeline_reset's copy of a new policy, or NULL */
    const struct ea_ruleset *rs;    /* borrowed */
    struct ea_flow **done;          /* flows that left the table, judged (owned) */
    size_t ndone, capdone;
    uint64_t frame_base;            /* frames of earlier inputs, so numbers run on */
    uint64_t now_ns;                /* newest packet time */
    uint64_t next_expire_ns;
    int oom;
    /* called for each flow as it is judged (live alerts); may be NULL */
    void (*on_judged)(struct ea_pipeline *pl, struct ea_flow *f, void *ctx);
    void *judged_ctx;
    /* takes each judged flow before it is freed (the report stream); NULL keeps flows */
    void (*on_finished)(struct ea_pipeline *pl, struct ea_flow *f, void *ctx);
    void *finished_ctx;
    uint64_t nfinished;             /* flows finished in the run */
    size_t keep_done;               /* ea_pipeline_keep_flows; 0 keeps all */
    uint64_t done_dropped;
    /* a --threads worker: flows are classified but judged later, in merge order (workers.c) */
    int defer_judge;
    /* offline --threads: adopted flows were decided and recorded by a worker; only counted here */
    int count_only;
    ea_line_maker line_maker;       /* --json: a finished flow's line, from the flow alone */
    const char *line;               /* ea_pipeline_adopt_line: the adopted flow's line, or NULL */
    size_t line_len;
    /* frees an adopted flow that is not kept (ea_pipeline_on_release); NULL: ea_flow_free */
    void (*release)(struct ea_flow *f, void *ctx);
    void *release_ctx;
};

/* An adopted flow that pl does not keep goes: to the release hook, else ea_flow_free. */
static void release_flow(struct ea_pipeline *pl, struct ea_flow *f)
{
    if (pl->release)
        pl->release(f, pl->release_ctx);
    else
        ea_flow_free(f);
}

/* Live mode's bound on kept flows: drops the oldest sixteenth at once, so that
   the memmove is paid once per many flows, not once per flow. */
static void drop_oldest(struct ea_pipeline *pl)
{
    size_t n = pl->keep_done / 16 ? pl->keep_done / 16 : 1;
    if (n > pl->ndone)
        n = pl->ndone;
    for (size_t i = 0; i < n; i++)
        ea_flow_free(pl->done[i]);
    memmove(pl->done, pl->done + n, (pl->ndone - n) * sizeof(*pl->done));
    pl->ndone -= n;
    pl->done_dropped += n;
}

/* Flow-table callback: a flow left the table; finish it, judge it, keep it. */
static void flow_ended(struct ea_flow *f, const char *why, void *ctx)
{
    struct ea_pipeline *pl = ctx;
    (void)why;
    ea_classify_finish(pl->cls, f);
    ea_pipeline_adopt(pl, f);
}

/* Counts a flow whose decision a worker recorded on it (turned round already): read back. */
static void account_recorded(struct ea_policy *pol, const struct ea_flow *f)
{
    struct ea_decision d = { (enum ea_verdict)f->verdict.v, (enum ea_reason)f->verdict.reason,
                             f->verdict.rules, f->verdict.blocked_required, 0 };
    ea_policy_account(pol, &d, f);
}

void ea_pipeline_adopt(struct ea_pipeline *pl, struct ea_flow *f)
{
    if (pl->count_only)
        account_recorded(pl->pol, f);
    else if (!pl->defer_judge && ea_policy_judge(pl->pol, f) != 0)
        pl->oom = 1;
    if (pl->on_judged)
        pl->on_judged(pl, f, pl->judged_ctx);
    pl->nfinished++;
    if (pl->on_finished) {
        pl->on_finished(pl, f, pl->finished_ctx);
        release_flow(pl, f);
        return;
    }
    if (pl->keep_done && pl->ndone >= pl->keep_done)
        drop_oldest(pl);
    if (pl->ndone == pl->capdone) {
        size_t n = pl->capdone ? pl->capdone * 2 : 1024;
        struct ea_flow **nd = realloc(pl->done, n * sizeof(*nd));
        if (!nd) {
            pl->oom = 1;
            release_flow(pl, f);
            return;
        }
        pl->done = nd;
        pl->capdone = n;
    }
    pl->done[pl->ndone++] = f;
}

struct ea_pipeline *ea_pipeline_new(const struct ea_flow_limits *lim, const struct ea_ruleset *rs)
{
    struct ea_pipeline *pl = calloc(1, sizeof(*pl));
    if (!pl)
        return NULL;
    pl->rs = rs;
    pl->lim = *lim;
    pl->dec = ea_decoder_new(FRAG_MAX, FRAG_TIMEOUT_NS);
    pl->cls = ea_classifier_new(&pl->st);
    pl->pol = ea_policy_new(rs);
    pl->ft = ea_flow_table_new(lim, &pl->st, flow_ended, pl);
    if (!pl->dec || !pl->cls || !pl->pol || !pl->ft) {
        ea_pipeline_free(pl);
        return NULL;
    }
    return pl;
}

/* Frees the finished flows and the capture facts, keeping the flow array. */
static void forget_run(struct ea_pipeline *pl)
{
    for (size_t i = 0; i < pl->ndone; i++)
        ea_flow_free(pl->done[i]);
    pl->ndone = 0;
    for (size_t i = 0; i < pl->cap.nsources; i++)
        free(pl->cap.sources[i]);
    free(pl->cap.sources);
    free(pl->cap.error);
    memset(&pl->cap, 0, sizeof(pl->cap));
}

void ea_pipeline_free(struct ea_pipeline *pl)
{
    if (!pl)
        return;
    ea_flow_table_free(pl->ft);
    forget_run(pl);
    free(pl->done);
    ea_decoder_free(pl->dec);
    ea_classifier_free(pl->cls);
    ea_policy_free(pl->pol);
    ea_policy_free(pl->pol_new);
    free(pl);
}

int ea_pipeline_reset(struct ea_pipeline *pl)
{
    /* Everything is emptied in place; the policy (135 kB, mapped and unmapped for each
       input under ASan) is copied from a new one kept for that, as live mode copies it
       for its reports. */
    if (!pl->pol_new)
        pl->pol_new = ea_policy_new(pl->rs);
    if (!pl->pol_new)
        return -1;
    ea_flow_table_clear(pl->ft);
    forget_run(pl);
    ea_defrag_clear(ea_decoder_defrag(pl->dec));
    memcpy(pl->pol, pl->pol_new, sizeof(*pl->pol));
    if (pl->cls)
        ea_classifier_reset(pl->cls);
    memset(&pl->st, 0, sizeof(pl->st));   /* in place: the table and classifier count into it */
    pl->frame_base = pl->now_ns = pl->next_expire_ns = 0;
    pl->done_dropped = 0;
    pl->nfinished = 0;
    pl->oom = 0;
    return 0;
}

void ea_pipeline_view(const struct ea_pipeline *pl, struct ea_view *v)
{
    v->st = pl->st;
    v->cap = pl->cap;
    v->rs = pl->rs;
    v->pol = pl->pol;
    v->cls = pl->cls;
    v->flows = pl->nfinished;
    v->groups = NULL;
    v->evidence = NULL;
    v->listed = NULL;
    v->examples = 0;
    v->list_all = 0;
    v->groups_dropped = 0;
    v->done_dropped = pl->done_dropped;
}

void ea_pipeline_on_finished(struct ea_pipeline *pl,
                             void (*fn)(struct ea_pipeline *pl, struct ea_flow *f, void *ctx),
                             void *ctx)
{
    pl->on_finished = fn;
    pl->finished_ctx = fn ? ctx : NULL;
}

struct ea_classifier *ea_pipeline_classifier(const struct ea_pipeline *pl)
{
    return pl->cls;
}

void ea_pipeline_on_judged(struct ea_pipeline *pl,
                           void (*fn)(struct ea_pipeline *pl, struct ea_flow *f, void *ctx),
                           void *ctx)
{
    pl->on_judged = fn;
    pl->judged_ctx = fn ? ctx : NULL;
}

void ea_pipeline_keep_flows(struct ea_pipeline *pl, size_t n)
{
    pl->keep_done = n;
}

void ea_pipeline_defer_judging(struct ea_pipeline *pl)
{
    pl->defer_judge = 1;
}

void ea_pipeline_count_only(struct ea_pipeline *pl, int on)
{
    pl->count_only = on;
}

void ea_pipeline_drop_classifier(struct ea_pipeline *pl)
{
    ea_classifier_free(pl->cls);
    pl->cls = NULL;
}

struct ea_flow_table *ea_pipeline_table(struct ea_pipeline *pl)
{
    return pl->ft;
}

struct ea_stats *ea_pipeline_stats(struct ea_pipeline *pl)
{
    return &pl->st;
}

const struct ea_ruleset *ea_pipeline_rules(const struct ea_pipeline *pl)
{
    return pl->rs;
}

const struct ea_policy *ea_pipeline_policy(const struct ea_pipeline *pl)
{
    return pl->pol;
}

const struct ea_flow_limits *ea_pipeline_limits(const struct ea_pipeline *pl)
{
    return &pl->lim;
}

uint64_t ea_pipeline_now(const struct ea_pipeline *pl)
{
    return pl->now_ns;
}

int ea_pipeline_oom(const struct ea_pipeline *pl)
{
    return pl->oom;
}

void ea_pipeline_mark_oom(struct ea_pipeline *pl)
{
    pl->oom = 1;
}

size_t ea_pipeline_nflows(const struct ea_pipeline *pl)
{
    return pl->ndone;
}

size_t ea_pipeline_take_flows(struct ea_pipeline *pl, struct ea_flow **out)
{
    size_t n = pl->ndone;
    if (n)   /* a pipeline that kept no flow has no array */
        memcpy(out, pl->done, n * sizeof(*out));
    pl->ndone = 0;
    return n;
}

void ea_pipeline_absorb(struct ea_pipeline *to, const struct ea_pipeline *from)
{
    ea_stats_add(&to->st, &from->st);
    to->oom |= from->oom;
    if (from->now_ns > to->now_ns)
        to->now_ns = from->now_ns;
}

void ea_pipeline_set_line_maker(struct ea_pipeline *pl, ea_line_maker fn)
{
    pl->line_maker = fn;
}

ea_line_maker ea_pipeline_line_maker(const struct ea_pipeline *pl)
{
    return pl->line_maker;
}

void ea_pipeline_on_release(struct ea_pipeline *pl, void (*fn)(struct ea_flow *f, void *ctx), void *ctx)
{
    pl->release = fn;
    pl->release_ctx = ctx;
}

void ea_pipeline_adopt_line(struct ea_pipeline *pl, struct ea_flow *f, const char *line, size_t len)
{
    pl->line = line;
    pl->line_len = len;
    ea_pipeline_adopt(pl, f);
    pl->line = NULL;
}

const char *ea_pipeline_flow_line(const struct ea_pipeline *pl, size_t *len)
{
    *len = pl->line_len;
    return pl->line;
}

void ea_pipeline_adopt_all(struct ea_pipeline *to, struct ea_pipeline *from)
{
    for (size_t i = 0; i < from->ndone; i++)
        ea_pipeline_adopt(to, from->done[i]);
    from->ndone = 0;
}

/*
 * A copy of a file name or error line that the reports can carry: invalid
 * UTF-8 and control bytes (which a file name may hold) become U+FFFD, which
 * takes at most three bytes per input byte. NULL when out of memory.
 */
static char *clean_dup(const char *s)
{
    size_t n = strlen(s);
    char *d = n < SIZE_MAX / 3 ? malloc(3 * n + 1) : NULL;
    if (d)
        ea_str_sanitize(d, 3 * n, (const uint8_t *)s, n);
    return d;
}

int ea_pipeline_add_source(struct ea_pipeline *pl, const char *name, int dlt)
{
    char **ns = realloc(pl->cap.sources, (pl->cap.nsources + 1) * sizeof(*ns));
    if (!ns)
        return -1;
    pl->cap.sources = ns;
    ns[pl->cap.nsources] = clean_dup(name);
    if (!ns[pl->cap.nsources])
        return -1;
    pl->cap.nsources++;
    for (size_t i = 0; i < pl->cap.ndlts; i++)
        if (pl->cap.dlts[i] == dlt)
            return 0;
    if (pl->cap.ndlts < EA_MAX_DLTS)
        pl->cap.dlts[pl->cap.ndlts++] = dlt;
    return 0;
}

void ea_pipeline_set_error(struct ea_pipeline *pl, const char *msg)
{
    pl->cap.partial = 1;
    free(pl->cap.error);
    pl->cap.error = clean_dup(msg);
}

int ea_loss_incomplete(uint64_t lost, uint64_t total)
{
    if (!lost)
        return 0;
    if (total < lost)
        total = lost;
    /* lost / total >= pct / 100 without floating point or overflow:
       total * pct / 100 = q * pct + r * pct / 100, rounded up */
    uint64_t q = total / 100, r = total % 100, pct = EA_LOSS_INCOMPLETE_PCT;
    return lost >= q * pct + (r * pct + 99) / 100;
}

int ea_pipeline_set_loss(struct ea_pipeline *pl, uint64_t recv, uint64_t drop, uint64_t ifdrop)
{
    pl->cap.have_loss = 1;
    pl->cap.recv = recv;
    pl->cap.drop = drop;
    pl->cap.ifdrop = ifdrop;
    pl->cap.incomplete = ea_loss_incomplete(drop + ifdrop, recv + ifdrop);
    return pl->cap.incomplete;
}

void ea_pipeline_idle(struct ea_pipeline *pl, uint64_t now_ns)
{
    if (now_ns <= pl->now_ns || now_ns < pl->next_expire_ns)
        return;
    ea_flow_table_expire(pl->ft, now_ns);
    pl->next_expire_ns = now_ns + EA_NS;
}

/* TCP opening and closing, from the flags of one packet (RFC 9293 3.5). */
static void tcp_track(struct ea_flow *f, int dir, uint8_t fl)
{
    if (dir == 0 && (fl & EA_TH_SYN) && !(fl & EA_TH_ACK)) {
        if (f->tcp.syns < UINT16_MAX)
            f->tcp.syns++;
        if (f->tcp.open == EA_OPEN_MIDSTREAM && f->pkts[0] + f->pkts[1] == 0)
            f->tcp.open = EA_OPEN_SYN;
    }
    if (dir == 1 && (fl & EA_TH_SYN) && (fl & EA_TH_ACK) &&
        (f->tcp.open == EA_OPEN_SYN || f->tcp.open == EA_OPEN_SYN_RST))
        f->tcp.open = EA_OPEN_SYNACK;
    if (dir == 1 && (fl & EA_TH_RST) && f->tcp.open == EA_OPEN_SYN)
        f->tcp.open = EA_OPEN_SYN_RST;
    if (dir == 0 && (fl & EA_TH_ACK) && !(fl & EA_TH_SYN) && f->tcp.open == EA_OPEN_SYNACK)
        f->tcp.open = EA_OPEN_ESTABLISHED;
    if (fl & EA_TH_RST) {
        if (f->tcp.rsts[dir] < UINT16_MAX)
            f->tcp.rsts[dir]++;
        if (f->tcp.open != EA_OPEN_SYN_RST)
            f->tcp.close = EA_CLOSE_RST;
    } else if ((fl & EA_TH_FIN) && f->tcp.close == EA_CLOSE_OPEN) {
        f->tcp.close = EA_CLOSE_FIN;
    }
}

/* An ICMP error quoting a flow we track is evidence against that flow. */
static void icmp_error(struct ea_pipeline *pl, const struct ea_packet *p, uint32_t hash)
{
    struct ea_flow *f = ea_flow_table_find_hashed(pl->ft, &p->icmp_quoted, hash, NULL);
    if (!f) {
        pl->st.icmp_errors_unmatched++;
        return;
    }
    pl->st.icmp_errors_mapped++;
    if (f->icmp.errors < UINT16_MAX)
        f->icmp.errors++;
    if (!f->icmp.frame) {
        f->icmp.type = p->icmp_type;
        f->icmp.code = p->icmp_code;
        f->icmp.frame = p->frame;
    }
    if (p->frame > f->last_frame)
        f->last_frame = p->frame;
}

void ea_pipeline_count_record(struct ea_pipeline *pl, const struct pcap_pkthdr *h)
{
    uint64_t ts = ea_source_ts_ns(h);
    pl->st.packets++;
    pl->st.bytes += h->len;
    pl->st.captured_bytes += h->caplen;
    if (!pl->st.first_ns || ts < pl->st.first_ns)
        pl->st.first_ns = ts;
    if (ts > pl->st.last_ns)
        pl->st.last_ns = ts;
    if (ts < pl->now_ns)
        pl->st.ts_backwards++;
    else
        pl->now_ns = ts;
}

int ea_pipeline_decode_only(struct ea_pipeline *pl, const struct pcap_pkthdr *h, const uint8_t *data,
                            int dlt, uint64_t frame, struct ea_packet *p)
{
    memset(p, 0, sizeof(*p));
    p->frame = pl->frame_base + frame;
    p->ts_ns = ea_source_ts_ns(h);
    p->caplen = h->caplen;
    p->wirelen = h->len;
    p->dlt = dlt;
    p->data = data;
    return ea_decode(pl->dec, p, &pl->st) == EA_DECODE_OK;
}

int ea_pipeline_decode(struct ea_pipeline *pl, const struct pcap_pkthdr *h, const uint8_t *data,
                  int dlt, uint64_t frame, struct ea_packet *p)
{
    ea_pipeline_count_record(pl, h);
    return ea_pipeline_decode_only(pl, h, data, dlt, frame, p);
}

void ea_pipeline_flow_packet(struct ea_pipeline *pl, const struct ea_packet *p)
{
    ea_pipeline_flow_packet_hashed(pl, p, ea_packet_flow_hash(p));
}

void ea_pipeline_flow_packet_hashed(struct ea_pipeline *pl, const struct ea_packet *p, uint32_t hash)
{
    if (p->icmp_error) {
        icmp_error(pl, p, hash);
        return;
    }
    int dir = 0;
    struct ea_flow *f = ea_flow_table_get_hashed(pl->ft, p, hash, &dir);
    if (!f) {
        pl->oom = 1;
        return;
    }
    ea_flow_table_touch(pl->ft, f);
    f->table.touch_frame = p->frame;
    if (f->key.proto == IPPROTO_TCP)
        tcp_track(f, dir, p->tcp_flags);
    f->pkts[dir]++;
    f->bytes[dir] += p->wirelen;   /* frame bytes, as tshark's conversations count them */
    f->payload[dir] += p->payload_wire_len;
    /* A late packet can be older than the flow's first one (time going backwards). */
    if (p->ts_ns < f->first_ns)
        f->first_ns = p->ts_ns;
    if (p->ts_ns > f->last_ns)
        f->last_ns = p->ts_ns;
    f->last_frame = p->frame;
    if (!f->label.decided)
        ea_classify_packet(pl->cls, f, &dir, p);
}

int ea_pipeline_expiry_due(struct ea_pipeline *pl)
{
    if (pl->now_ns < pl->next_expire_ns)
        return 0;
    pl->next_expire_ns = pl->now_ns + EA_NS;
    return 1;
}

int ea_pipeline_prepare(struct ea_pipeline *pl, const struct pcap_pkthdr *h, const uint8_t *data,
                        int dlt, uint64_t frame, struct ea_packet *p)
{
    int ok = ea_pipeline_decode(pl, h, data, dlt, frame, p);
    /* Expiry runs on packet time, once a second of it, before the packet's flow is found.
       (Decoding touches no flow, so running it after the decoder changes nothing.) */
    if (ea_pipeline_expiry_due(pl))
        ea_flow_table_expire(pl->ft, pl->now_ns);
    return ok;
}

void ea_pipeline_packet(struct ea_pipeline *pl, const struct pcap_pkthdr *h, const uint8_t *data,
                        int dlt, uint64_t frame)
{
    struct ea_packet p;
    if (ea_pipeline_prepare(pl, h, data, dlt, frame, &p))
        ea_pipeline_flow_packet(pl, &p);
}

void ea_pipeline_end_source(struct ea_pipeline *pl, uint64_t records, int warn_empty)
{
    pl->frame_base += records;
    /* A valid capture with no records is no error, but an audit of it sees nothing: say so. */
    if (warn_empty && records == 0 && pl->cap.nsources > 0)
        fprintf(stderr, "edgeaudit: warning: %s: no packets after the file header\n",
                pl->cap.sources[pl->cap.nsources - 1]);
}

int ea_flow_id_cmp(const void *a, const void *b)
{
    const struct ea_flow *x = *(struct ea_flow *const *)a, *y = *(struct ea_flow *const *)b;
    return x->id < y->id ? -1 : x->id > y->id;
}

void ea_pipeline_finish(struct ea_pipeline *pl)
{
    ea_flow_table_flush(pl->ft);
    if (pl->ndone)
        qsort(pl->done, pl->ndone, sizeof(*pl->done), ea_flow_id_cmp);
    ea_policy_finish(pl->pol);
}
