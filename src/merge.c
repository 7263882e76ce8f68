/* merge.c: `edgeaudit merge`: several XML reports (sensors, capture windows) into one audit. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>
#include "merge.h"
#include "options.h"
#include "pipeline.h"
#include "policy.h"
#include "report-html.h"
#include "rules.h"
#include "util-file.h"
#include "util-time.h"
#include "util-xml.h"
#include "config.h"

#define ERRLEN 1024

static const char merge_usage[] =
    "usage: edgeaudit merge --xml FILE [--html FILE] [--deterministic] [--quiet] REPORT.xml...\n"
    "  merges XML reports of the same rules (several sensors or capture windows) into one audit:\n"
    "  flows united and renumbered by first time, rule statuses recomputed (observed beats\n"
    "  blocked beats not-observed), counters, loss and summary counts summed\n"
    "exit status: 0 compliant, 1 findings, 2 usage or input error, 3 report not written\n";

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST name))
            return c;
    return NULL;
}

static xmlNodePtr next_named(xmlNodePtr c, const char *name)
{
    for (c = c ? c->next : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST name))
            return c;
    return NULL;
}

static uint64_t get_u64(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    uint64_t r = v ? strtoull((const char *)v, NULL, 10) : 0;
    xmlFree(v);
    return r;
}

static void set_u64(xmlNodePtr n, const char *name, uint64_t v)
{
    char b[24];
    snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
    xmlSetProp(n, BAD_CAST name, BAD_CAST b);
}

/* 1 when attribute 'name' of a and b is the same (both absent counts as the same). */
static int same_prop(xmlNodePtr a, xmlNodePtr b, const char *name)
{
    xmlChar *x = xmlGetProp(a, BAD_CAST name), *y = xmlGetProp(b, BAD_CAST name);
    int same = (!x && !y) || (x && y && xmlStrEqual(x, y));
    xmlFree(x);
    xmlFree(y);
    return same;
}

/* Keeps the smaller (keep_max 0) or larger ISO 8601 time of a and b in a's attribute. */
static void merge_time(xmlNodePtr a, xmlNodePtr b, const char *name, int keep_max)
{
    xmlChar *x = xmlGetProp(a, BAD_CAST name), *y = xmlGetProp(b, BAD_CAST name);
    /* Same fixed-width UTC format: string order is time order. */
    if (y && (!x || (keep_max ? xmlStrcmp(y, x) > 0 : xmlStrcmp(y, x) < 0)))
        xmlSetProp(a, BAD_CAST name, y);
    xmlFree(x);
    xmlFree(y);
}

/* The verdict, or the rule status, whose name s is; -1 for none (or NULL). */
static int verdict_index(const xmlChar *s)
{
    for (int x = 0; s && x < EA_V__COUNT; x++)
        if (xmlStrEqual(s, BAD_CAST ea_verdict_name((enum ea_verdict)x)))
            return x;
    return -1;
}

static int status_index(const xmlChar *s)
{
    for (int x = 0; s && x < EA_RS__COUNT; x++)
        if (xmlStrEqual(s, BAD_CAST ea_rule_status_name((enum ea_rule_status)x)))
            return x;
    return -1;
}

static int status_rank(const xmlChar *s)
{
    if (!s)
        return -1;
    if (xmlStrEqual(s, BAD_CAST "observed"))
        return 3;
    if (xmlStrEqual(s, BAD_CAST "blocked"))
        return 2;
    if (xmlStrEqual(s, BAD_CAST "not-observed"))
        return 1;
    return 0;   /* unconfigured */
}

/*
 * Loads and validates one report: no network, no DTD, no entity expansion,
 * libxml2's default size limits (a report is no huge document); a DOCTYPE is
 * refused. Returns the document (caller frees) or NULL with one line in err.
 */
static xmlDocPtr load_report(const char *path, xmlRelaxNGPtr schema, char *err, size_t errlen)
{
    xmlDocPtr d = NULL;
    xmlRelaxNGValidCtxtPtr v = NULL;
    long doctype_line = 0;
    int ok = 0;
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto out;
    }
    ctxt->_private = &doctype_line;
    ctxt->sax->internalSubset = ea_xml_refuse_doctype;
    d = xmlCtxtReadFile(ctxt, path, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    if (doctype_line || (d && (d->intSubset || d->extSubset))) {
        snprintf(err, errlen, "%s:%ld: DOCTYPE declarations are not allowed", path,
                 doctype_line ? doctype_line : 1L);
        goto out;
    }
    if (!d) {
        snprintf(err, errlen, "%s: not a readable XML file", path);
        goto out;
    }
    v = xmlRelaxNGNewValidCtxt(schema);
    if (!v || xmlRelaxNGValidateDoc(v, d) != 0) {
        snprintf(err, errlen, "%s: not a valid edgeaudit report (reports/edgeaudit-report.rng)", path);
        goto out;
    }
    ok = 1;
out:
    if (!ok) {
        xmlFreeDoc(d);
        d = NULL;
    }
    xmlRelaxNGFreeValidCtxt(v);
    xmlFreeParserCtxt(ctxt);
    return d;
}

/* "observed N of M rules": the summary's and each pack's counts, from the merged rule statuses. */
static void merge_observed(xmlNodePtr root, uint64_t observed)
{
    xmlNodePtr rules = child(root, "rules");
    uint64_t nrules = 0;
    for (xmlNodePtr r = child(rules, "rule"); r; r = next_named(r, "rule"))
        nrules++;
    set_u64(child(root, "summary"), "observed", observed);
    set_u64(child(root, "summary"), "rules", nrules);
    for (xmlNodePtr p = child(rules, "pack"); p; p = next_named(p, "pack")) {
        xmlChar *name = xmlGetProp(p, BAD_CAST "name");
        uint64_t n = 0;
        for (xmlNodePtr r = child(rules, "rule"); r; r = next_named(r, "rule")) {
            xmlChar *pk = xmlGetProp(r, BAD_CAST "pack"), *st = xmlGetProp(r, BAD_CAST "status");
            n += name && pk && st && xmlStrEqual(pk, name) && xmlStrEqual(st, BAD_CAST "observed");
            xmlFree(pk);
            xmlFree(st);
        }
        xmlFree(name);
        set_u64(p, "observed", n);
    }
}

/* The rules of b must be those of a, in the same order: id, roles, transport, ports, protocol. */
static int same_rules(xmlDocPtr a, xmlDocPtr b)
{
    static const char *const keys[] = { "id", "protocol", "security", "transport", "ports",
                                        "source", "destination", "pack" };
    xmlNodePtr ra = child(child(xmlDocGetRootElement(a), "rules"), "rule");
    xmlNodePtr rb = child(child(xmlDocGetRootElement(b), "rules"), "rule");
    for (; ra && rb; ra = next_named(ra, "rule"), rb = next_named(rb, "rule"))
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            if (!same_prop(ra, rb, keys[k]))
                return 0;
    return !ra && !rb;
}

struct flow_ref {
    xmlNodePtr node;
    xmlChar *first;
    size_t doc;
    uint64_t old_id;
};

static int flow_ref_cmp(const void *pa, const void *pb)
{
    const struct flow_ref *a = pa, *b = pb;
    int c = xmlStrcmp(a->first, b->first);
    if (c)
        return c;
    if (a->doc != b->doc)
        return a->doc < b->doc ? -1 : 1;
    return a->old_id < b->old_id ? -1 : a->old_id > b->old_id;
}

/* Where one input flow went: (input, id in that input) -> id in the merged report. */
struct id_map {
    size_t doc;
    uint64_t old_id;
    uint64_t new_id;
};

static int id_map_cmp(const void *pa, const void *pb)
{
    const struct id_map *a = pa, *b = pb;
    if (a->doc != b->doc)
        return a->doc < b->doc ? -1 : 1;
    return a->old_id < b->old_id ? -1 : a->old_id > b->old_id;
}

/* The merged id of flow old_id of input doc; 0 when that input lists no such flow. */
static uint64_t id_lookup(const struct id_map *map, size_t n, size_t doc, uint64_t old_id)
{
    struct id_map key = { doc, old_id, 0 };
    const struct id_map *m = n ? bsearch(&key, map, n, sizeof(*map), id_map_cmp) : NULL;
    return m ? m->new_id : 0;
}

static int u64_cmp(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

/*
 * Sums the numeric attributes of element b into those of element a; one
 * absent from a (flows-dropped of a later live report) is set from b.
 */
static void sum_attrs(xmlNodePtr a, xmlNodePtr b)
{
    for (xmlAttrPtr p = b->properties; p; p = p->next) {
        const char *name = (const char *)p->name;
        set_u64(a, name, get_u64(a, name) + get_u64(b, name));   /* absent in a reads 0 */
    }
}

/* The capture element: sources and link types joined, counters and loss summed. */
static void merge_capture(xmlNodePtr out, xmlDocPtr *docs, size_t n)
{
    for (size_t d = 1; d < n; d++) {
        xmlNodePtr in = child(xmlDocGetRootElement(docs[d]), "capture");
        set_u64(out, "packets", get_u64(out, "packets") + get_u64(in, "packets"));
        set_u64(out, "bytes", get_u64(out, "bytes") + get_u64(in, "bytes"));
        merge_time(out, in, "first", 0);
        merge_time(out, in, "last", 1);
        xmlChar *pv = xmlGetProp(in, BAD_CAST "partial");
        if (pv)
            xmlSetProp(out, BAD_CAST "partial", pv);
        xmlFree(pv);

        /* New children go after the last of their kind in out, keeping the schema's order. */
        xmlNodePtr last_src = NULL, last_lt = NULL;
        for (xmlNodePtr c = out->children; c; c = c->next) {
            if (xmlStrEqual(c->name, BAD_CAST "source"))
                last_src = c;
            if (xmlStrEqual(c->name, BAD_CAST "link-type"))
                last_lt = c;
        }
        for (xmlNodePtr c = in->children; c; c = c->next) {
            if (c->type != XML_ELEMENT_NODE)
                continue;
            if (xmlStrEqual(c->name, BAD_CAST "source")) {
                xmlNodePtr cp = xmlCopyNode(c, 1);
                last_src = last_src ? xmlAddNextSibling(last_src, cp) : xmlAddPrevSibling(out->children, cp);
            } else if (xmlStrEqual(c->name, BAD_CAST "link-type")) {
                int have = 0;
                for (xmlNodePtr o = child(out, "link-type"); o; o = next_named(o, "link-type"))
                    have |= same_prop(o, c, "dlt");
                if (!have) {
                    xmlNodePtr cp = xmlCopyNode(c, 1);
                    xmlNodePtr after = last_lt ? last_lt : last_src;
                    last_lt = xmlAddNextSibling(after, cp);
                }
            } else if (xmlStrEqual(c->name, BAD_CAST "loss")) {
                xmlNodePtr o = child(out, "loss");
                if (o) {
                    sum_attrs(o, c);
                } else {
                    xmlNodePtr after = last_lt ? last_lt : last_src;
                    xmlAddNextSibling(after, xmlCopyNode(c, 1));
                }
            } else if (xmlStrEqual(c->name, BAD_CAST "error")) {
                if (!child(out, "error")) {
                    xmlNodePtr cnt = child(out, "counters");
                    xmlAddPrevSibling(cnt, xmlCopyNode(c, 1));
                }
            } else if (xmlStrEqual(c->name, BAD_CAST "counters")) {
                /* flows (seen, listed or not) summed; flows-peak becomes a sum, an upper bound */
                sum_attrs(child(out, "counters"), c);
            } else if (xmlStrEqual(c->name, BAD_CAST "malformed")) {
                xmlNodePtr o = child(out, "malformed");
                for (; o && !same_prop(o, c, "kind"); o = next_named(o, "malformed"))
                    ;
                if (o)
                    set_u64(o, "count", get_u64(o, "count") + get_u64(c, "count"));
                else
                    xmlAddChild(out, xmlCopyNode(c, 1));
            }
        }
    }
    xmlNodePtr loss = child(out, "loss");
    if (loss) {
        uint64_t recv = get_u64(loss, "received"), drop = get_u64(loss, "dropped"),
                 ifd = get_u64(loss, "if-dropped");
        int inc = ea_loss_incomplete(drop + ifd, recv + ifd);
        for (size_t d = 0; d < n; d++) {
            xmlChar *v = xmlGetProp(child(xmlDocGetRootElement(docs[d]), "capture"), BAD_CAST "incomplete");
            inc |= v != NULL;
            xmlFree(v);
        }
        if (inc)
            xmlSetProp(out, BAD_CAST "incomplete", BAD_CAST "true");
    }
}

/* What merge_docs carries from one step to the next. */
struct merge_ctx {
    xmlDocPtr *docs;
    size_t n;
    struct id_map *idmap;   /* owned: sorted by (doc, old_id) for id_lookup */
    size_t total;           /* flows in all inputs */
    uint64_t *ev;           /* owned: at most EA_EVIDENCE_MAX ids of each input for one rule */
    xmlNodePtr *rin;        /* owned array; rin[d]: input d's rule matching the current one */
    uint64_t statuses[EA_RS__COUNT];
};

/*
 * Flows of every input (the first input's are out's own) into out's <flows>,
 * ordered by first packet and renumbered from 1; m->idmap maps the old ids.
 * 0, or -1 on out-of-memory.
 */
static int merge_flows(xmlDocPtr out, struct merge_ctx *m)
{
    int rc = -1;
    size_t total = 0;
    struct flow_ref *refs = NULL;   /* owned, with each first */
    for (size_t d = 0; d < m->n; d++) {
        xmlDocPtr src = d ? m->docs[d] : out;
        for (xmlNodePtr f = child(child(xmlDocGetRootElement(src), "flows"), "flow"); f;
             f = next_named(f, "flow"))
            total++;
    }
    refs = calloc(total + 1, sizeof(*refs));
    m->idmap = calloc(total + 1, sizeof(*m->idmap));
    if (!refs || !m->idmap)
        goto out;
    size_t k = 0;
    for (size_t d = 0; d < m->n; d++) {
        xmlDocPtr src = d ? m->docs[d] : out;
        for (xmlNodePtr f = child(child(xmlDocGetRootElement(src), "flows"), "flow"); f;
             f = next_named(f, "flow")) {
            refs[k].node = f;
            refs[k].first = xmlGetProp(f, BAD_CAST "first");
            refs[k].doc = d;
            refs[k].old_id = get_u64(f, "id");
            k++;
        }
    }
    qsort(refs, total, sizeof(*refs), flow_ref_cmp);
    xmlNodePtr flows = child(xmlDocGetRootElement(out), "flows");
    for (size_t i = 0; i < total; i++) {
        xmlNodePtr f = refs[i].node;
        m->idmap[i].doc = refs[i].doc;
        m->idmap[i].old_id = refs[i].old_id;
        m->idmap[i].new_id = i + 1;
        if (refs[i].doc) {
            /* From another document: copy first (a failed copy leaves the original in its
             * document, which frees it), then unlink and free the original. */
            xmlNodePtr cp = xmlDocCopyNode(f, out, 1);
            if (!cp)
                goto out;
            xmlUnlinkNode(f);
            xmlFreeNode(f);
            f = cp;
        } else {
            xmlUnlinkNode(f);   /* out's own: moved to the end, in merged order */
        }
        refs[i].node = NULL;
        set_u64(f, "id", i + 1);
        xmlAddChild(flows, f);
    }
    qsort(m->idmap, total, sizeof(*m->idmap), id_map_cmp);
    rc = 0;
out:
    m->total = total;
    if (refs)
        for (size_t i = 0; i < total; i++)
            xmlFree(refs[i].first);
    free(refs);
    return rc;
}

/*
 * The evidence of one run: the total its status counts, the first ids (sorted,
 * each once, at most EA_EVIDENCE_MAX). 0, or -1 on out-of-memory.
 */
static int write_evidence(xmlNodePtr e0, uint64_t *ev, size_t nev, uint64_t tot)
{
    qsort(ev, nev, sizeof(*ev), u64_cmp);
    size_t uniq = 0;   /* an id listed twice (by a crafted report) is listed once */
    for (size_t e = 0; e < nev; e++)
        if (!uniq || ev[e] != ev[uniq - 1])
            ev[uniq++] = ev[e];
    nev = uniq;
    if (nev > EA_EVIDENCE_MAX)
        nev = EA_EVIDENCE_MAX;
    if (!e0)
        return 0;
    char *ids = malloc(nev * 21 + 1);
    if (!ids)
        return -1;
    size_t at = 0;
    ids[0] = 0;
    for (size_t e = 0; e < nev; e++)
        at += (size_t)snprintf(ids + at, 22, e ? " %llu" : "%llu", (unsigned long long)ev[e]);
    set_u64(e0, "total", tot);
    set_u64(e0, "listed", nev);
    xmlSetProp(e0, BAD_CAST "flows", BAD_CAST ids);
    free(ids);
    return 0;
}

/* Input d's evidence ids of rule r, mapped to the new ids, appended to ev; the new count. */
static size_t take_evidence(const struct merge_ctx *m, size_t d, xmlNodePtr r, size_t nev)
{
    xmlNodePtr e = child(r, "evidence");
    xmlChar *ids = e ? xmlGetProp(e, BAD_CAST "flows") : NULL;
    size_t taken = 0;
    for (char *p = (char *)ids; p && *p && taken < EA_EVIDENCE_MAX;) {
        char *end;
        uint64_t id = strtoull(p, &end, 10);
        if (end == p)
            break;
        uint64_t nid = id_lookup(m->idmap, m->total, d, id);
        if (nid) {
            m->ev[nev++] = nid;
            taken++;
        }
        p = end;
    }
    xmlFree(ids);
    return nev;
}

/*
 * One rule r0 of out with its match in every other input (m->rin): counters
 * summed, times widened, status by rank, evidence rewritten to new ids.
 * 0, or -1 on out-of-memory.
 */
static int merge_rule(struct merge_ctx *m, xmlNodePtr r0)
{
    static const char *const sums[] = { "flows", "bytes", "allowed", "unverified", "blocked",
                                        "violations" };
    xmlChar *st = xmlGetProp(r0, BAD_CAST "status");
    int best = status_rank(st);
    xmlChar *best_s = st;
    size_t nev = 0;
    for (size_t d = 0; d < m->n; d++) {
        xmlNodePtr r = d ? m->rin[d] : r0;
        nev = take_evidence(m, d, r, nev);
        if (!d)
            continue;
        for (size_t s = 0; s < sizeof(sums) / sizeof(sums[0]); s++)
            set_u64(r0, sums[s], get_u64(r0, sums[s]) + get_u64(r, sums[s]));
        merge_time(r0, r, "first", 0);   /* absent in r0: set (attribute order is free) */
        merge_time(r0, r, "last", 1);
        xmlChar *s = xmlGetProp(r, BAD_CAST "status");
        if (status_rank(s) > best) {
            best = status_rank(s);
            if (best_s != st)
                xmlFree(best_s);
            best_s = s;
        } else {
            xmlFree(s);
        }
        m->rin[d] = next_named(r, "rule");
    }
    xmlSetProp(r0, BAD_CAST "status", best_s);
    int bx = status_index(best_s);
    if (bx >= 0)
        m->statuses[bx]++;
    if (best_s != st)
        xmlFree(best_s);
    xmlFree(st);
    uint64_t al = get_u64(r0, "allowed") + get_u64(r0, "unverified"), bl = get_u64(r0, "blocked");
    uint64_t tot = best == 2 ? bl : al + (best == 3 ? bl : 0);
    return write_evidence(child(r0, "evidence"), m->ev, nev, tot);
}

/*
 * Verdicts and blocked-required: the sums of the inputs' summaries, not a
 * recount of the listed flows (a live report lists only its last flows,
 * capture/counters/@flows-dropped). Statuses from the merged rules. The
 * result as ea_policy_has_findings decides; returns it (1 findings, 0 not).
 */
static int merge_summary(xmlNodePtr root, const struct merge_ctx *m)
{
    uint64_t verdicts[EA_V__COUNT] = { 0 }, blocked_required = 0;
    for (size_t d = 0; d < m->n; d++) {
        xmlNodePtr in = child(xmlDocGetRootElement(m->docs[d]), "summary");
        blocked_required += get_u64(in, "blocked-required");
        for (xmlNodePtr v = child(in, "verdict"); v; v = next_named(v, "verdict")) {
            xmlChar *nm = xmlGetProp(v, BAD_CAST "name");
            int x = verdict_index(nm);
            if (x >= 0)
                verdicts[x] += get_u64(v, "count");
            xmlFree(nm);
        }
    }
    xmlNodePtr sum = child(root, "summary");
    for (xmlNodePtr v = child(sum, "verdict"); v; v = next_named(v, "verdict")) {
        xmlChar *nm = xmlGetProp(v, BAD_CAST "name");
        int x = verdict_index(nm);
        if (x >= 0)
            set_u64(v, "count", verdicts[x]);
        xmlFree(nm);
    }
    for (xmlNodePtr s = child(sum, "status"); s; s = next_named(s, "status")) {
        xmlChar *nm = xmlGetProp(s, BAD_CAST "name");
        int x = status_index(nm);
        if (x >= 0)
            set_u64(s, "count", m->statuses[x]);
        xmlFree(nm);
    }
    set_u64(sum, "blocked-required", blocked_required);
    merge_observed(root, m->statuses[EA_RS_OBSERVED]);
    int findings = ea_findings(verdicts, blocked_required, m->statuses);
    xmlSetProp(sum, BAD_CAST "result", BAD_CAST (findings ? "findings" : "compliant"));
    return findings;
}

/*
 * Merges docs[1..n-1] into out (a copy of docs[0]). Returns 1 when the
 * merged audit has findings, 0 when compliant, -1 on out-of-memory.
 */
static int merge_docs(xmlDocPtr out, xmlDocPtr *docs, size_t n)
{
    int rc = -1;
    xmlNodePtr root = xmlDocGetRootElement(out);
    struct merge_ctx m = { .docs = docs, .n = n };

    if (n == 0)   /* the caller refuses an empty list; said here for the analyser */
        return -1;
    if (merge_flows(out, &m) != 0)
        goto out;
    m.ev = malloc((EA_EVIDENCE_MAX * n + 1) * sizeof(*m.ev));
    m.rin = calloc(n, sizeof(*m.rin));
    if (!m.ev || !m.rin)
        goto out;
    for (size_t d = 1; d < n; d++)
        m.rin[d] = child(child(xmlDocGetRootElement(docs[d]), "rules"), "rule");
    for (xmlNodePtr r0 = child(child(root, "rules"), "rule"); r0; r0 = next_named(r0, "rule"))
        if (merge_rule(&m, r0) != 0)
            goto out;
    merge_capture(child(root, "capture"), docs, n);
    rc = merge_summary(root, &m);
out:
    free(m.idmap);
    free(m.ev);
    free(m.rin);
    return rc;
}

/* One element and its subtree, through the same writer the reports come from (same bytes). */
static int write_node(xmlTextWriterPtr w, xmlNodePtr n)
{
    if (xmlTextWriterStartElement(w, n->name) < 0)
        return -1;
    for (xmlAttrPtr a = n->properties; a; a = a->next) {
        xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
        int rc = xmlTextWriterWriteAttribute(w, a->name, v ? v : BAD_CAST "");
        xmlFree(v);
        if (rc < 0)
            return -1;
    }
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && write_node(w, c) < 0)
            return -1;
        if (c->type == XML_TEXT_NODE && xmlTextWriterWriteString(w, c->content) < 0)
            return -1;
    }
    return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

/* The document as report-xml.c writes it (indented by two spaces); NULL on out-of-memory. */
static char *serialise(xmlDocPtr doc, size_t *len)
{
    char *out = NULL;
    xmlBufferPtr buf = xmlBufferCreate();
    xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
    if (!w)
        goto done;
    xmlTextWriterSetIndent(w, 1);
    xmlTextWriterSetIndentString(w, BAD_CAST "  ");
    if (xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
        write_node(w, xmlDocGetRootElement(doc)) < 0 || xmlTextWriterEndDocument(w) < 0)
        goto done;
    xmlFreeTextWriter(w);
    w = NULL;
    *len = (size_t)xmlBufferLength(buf);
    out = (char *)xmlBufferDetach(buf);
done:
    if (w)
        xmlFreeTextWriter(w);
    xmlBufferFree(buf);
    return out;
}

/* What the command line of edgeaudit merge asks for; the strings are argv's. */
struct merge_args {
    const char *xml_out, *html_out;
    int deterministic, quiet;
    struct ea_options o;        /* only datadir is used */
    char **files;
    size_t n;
};

/* Parses argv into *a. Returns -1 to go on, else the exit code (usage printed). */
static int merge_parse(int argc, char **argv, struct merge_args *a)
{
    static const struct option lo[] = {
        { "xml", required_argument, NULL, 'x' },
        { "html", required_argument, NULL, 'H' },
        { "deterministic", no_argument, NULL, 'd' },
        { "quiet", no_argument, NULL, 'q' },
        { "datadir", required_argument, NULL, 'D' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    memset(a, 0, sizeof(*a));
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
        switch (c) {
        case 'x': a->xml_out = optarg; break;
        case 'H': a->html_out = optarg; break;
        case 'd': a->deterministic = 1; break;
        case 'q': a->quiet = 1; break;
        case 'D': a->o.datadir = optarg; break;
        case 'h': fputs(merge_usage, stdout); return EA_EXIT_COMPLIANT;
        default:
            fprintf(stderr, "edgeaudit merge: unknown or incomplete option '%s' (see edgeaudit merge --help)\n",
                    argv[optind - 1]);
            return EA_EXIT_USAGE;
        }
    }
    a->n = (size_t)(argc - optind);
    a->files = argv + optind;
    if (a->n == 0 || (!a->xml_out && !a->html_out)) {
        fputs(merge_usage, stderr);
        return EA_EXIT_USAGE;
    }
    return -1;
}

/* Loads and validates every input into docs[] (n slots, NULL on entry); -1 with the error printed. */
static int load_all(const struct merge_args *a, xmlRelaxNGPtr schema, xmlDocPtr *docs)
{
    char err[ERRLEN];
    for (size_t i = 0; i < a->n; i++) {
        docs[i] = load_report(a->files[i], schema, err, sizeof(err));
        if (!docs[i]) {
            fprintf(stderr, "edgeaudit merge: %s\n", err);
            return -1;
        }
        if (i && !same_rules(docs[0], docs[i])) {
            fprintf(stderr, "edgeaudit merge: %s: judged against other rules than %s; not merged\n",
                    a->files[i], a->files[0]);
            return -1;
        }
    }
    return 0;
}

/* The merged report's generator, and its creation time and host unless deterministic. */
static void stamp(xmlDocPtr out, int deterministic)
{
    xmlNodePtr root = xmlDocGetRootElement(out);
    xmlSetProp(root, BAD_CAST "generator", BAD_CAST "edgeaudit " PACKAGE_VERSION);
    xmlUnsetProp(root, BAD_CAST "created");
    xmlUnsetProp(root, BAD_CAST "host");
    if (!deterministic) {
        char host[256] = "", t[48];
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        xmlSetProp(root, BAD_CAST "created",
                   BAD_CAST ea_time_str((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec, t, sizeof(t)));
        if (gethostname(host, sizeof(host) - 1) == 0)
            xmlSetProp(root, BAD_CAST "host", BAD_CAST host);
    }
}

/* Writes the merged document as --xml and --html ask; the exit code. */
static int write_outputs(struct merge_args *a, xmlDocPtr out, int findings)
{
    char err[ERRLEN];
    size_t len = 0;
    int code = EA_EXIT_REPORT;
    char *mem = serialise(out, &len);
    if (!mem) {
        fprintf(stderr, "edgeaudit merge: out of memory\n");
        return EA_EXIT_USAGE;
    }
    if (a->xml_out && ea_write_atomic(a->xml_out, mem, len, err, sizeof(err)) != 0) {
        fprintf(stderr, "edgeaudit merge: %s\n", err);
        goto out;
    }
    if (a->html_out && ea_report_html_render(&a->o, a->html_out, mem, len, err, sizeof(err)) != 0) {
        fprintf(stderr, "edgeaudit merge: %s\n", err);
        goto out;
    }
    if (!a->quiet)
        printf("edgeaudit merge: %zu reports: %s\n", a->n, findings ? "FINDINGS" : "compliant");
    code = findings ? EA_EXIT_FINDINGS : EA_EXIT_COMPLIANT;
out:
    free(mem);
    return code;
}

int ea_merge_main(int argc, char **argv)
{
    struct merge_args a;
    int code = merge_parse(argc, argv, &a);
    if (code >= 0)
        return code;
    code = EA_EXIT_USAGE;
    char dir[PATH_MAX], path[PATH_MAX + 64];
    xmlDocPtr *docs = NULL, out = NULL;
    xmlRelaxNGParserCtxtPtr pctx = NULL;
    xmlRelaxNGPtr schema = NULL;
    struct ea_xml_catch xml_errors = { .on_error = NULL };

    /* libxml2 would print parse and schema errors itself; we say one line per file instead.
       Released at out: the hooks are the process's, not this command's. */
    ea_xml_catch_on(&xml_errors);
    if (ea_find_datadir(&a.o, "reports", "edgeaudit-report.rng", dir, sizeof(dir)) != 0) {
        fprintf(stderr, "edgeaudit merge: cannot find the report schema edgeaudit-report.rng (try --datadir)\n");
        goto out;
    }
    snprintf(path, sizeof(path), "%s/edgeaudit-report.rng", dir);
    pctx = xmlRelaxNGNewParserCtxt(path);
    schema = pctx ? xmlRelaxNGParse(pctx) : NULL;
    docs = calloc(a.n, sizeof(*docs));
    if (!schema || !docs) {
        fprintf(stderr, "edgeaudit merge: cannot load the report schema %s\n", path);
        goto out;
    }
    if (load_all(&a, schema, docs) < 0)
        goto out;
    out = xmlCopyDoc(docs[0], 1);
    int findings = out ? merge_docs(out, docs, a.n) : -1;
    if (findings < 0) {
        fprintf(stderr, "edgeaudit merge: out of memory\n");
        goto out;
    }
    stamp(out, a.deterministic);
    code = write_outputs(&a, out, findings);
out:
    xmlFreeDoc(out);
    for (size_t i = 0; docs && i < a.n; i++)
        xmlFreeDoc(docs[i]);
    free(docs);
    xmlRelaxNGFree(schema);
    xmlRelaxNGFreeParserCtxt(pctx);
    ea_xml_catch_off(&xml_errors);
    return code;
}
