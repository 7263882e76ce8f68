/* report-read.c: an XML report read back, streaming, as a tree of what a merge or a diff needs. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlwriter.h>
#include "report-read.h"
#include "options.h"
#include "util-json.h"
#include "util-xml.h"

#define RR_DEPTH_MAX 16          /* a report nests 5 deep; deeper is refused */
#define RR_PROLOG_MAX (1 << 20)  /* bytes scanned for a DOCTYPE before the root element */

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

struct ea_rr_node *ea_rr_node_new(const char *name)
{
    struct ea_rr_node *n = calloc(1, sizeof(*n));
    if (n && !(n->name = dupstr(name))) {
        free(n);
        n = NULL;
    }
    return n;
}

void ea_rr_node_free(struct ea_rr_node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < 2 * n->nattr; i++)
        free(n->attr[i]);
    for (size_t i = 0; i < n->nkid; i++)
        ea_rr_node_free(n->kid[i]);
    free(n->attr);
    free(n->kid);
    free(n->text);
    free(n->name);
    free(n);
}

struct ea_rr_node *ea_rr_node_copy(const struct ea_rr_node *n)
{
    struct ea_rr_node *c = ea_rr_node_new(n->name);
    if (!c)
        return NULL;
    for (size_t i = 0; i < n->nattr; i++)
        if (ea_rr_set(c, n->attr[2 * i], n->attr[2 * i + 1]) != 0)
            goto fail;
    if (n->text && ea_rr_set_text(c, n->text) != 0)
        goto fail;
    for (size_t i = 0; i < n->nkid; i++) {
        struct ea_rr_node *k = ea_rr_node_copy(n->kid[i]);
        if (!k || ea_rr_add(c, k) != 0) {
            ea_rr_node_free(k);
            goto fail;
        }
    }
    return c;
fail:
    ea_rr_node_free(c);
    return NULL;
}

const char *ea_rr_get(const struct ea_rr_node *n, const char *name)
{
    for (size_t i = 0; n && i < n->nattr; i++)
        if (strcmp(n->attr[2 * i], name) == 0)
            return n->attr[2 * i + 1];
    return NULL;
}

uint64_t ea_rr_u64(const struct ea_rr_node *n, const char *name)
{
    const char *v = ea_rr_get(n, name);
    if (!v || *v < '0' || *v > '9')
        return 0;
    errno = 0;
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno == ERANGE)
        return UINT64_MAX;
    return *end ? 0 : (uint64_t)x;
}

int ea_rr_set(struct ea_rr_node *n, const char *name, const char *value)
{
    char *v = dupstr(value);
    if (!v)
        return -1;
    for (size_t i = 0; i < n->nattr; i++)
        if (strcmp(n->attr[2 * i], name) == 0) {
            free(n->attr[2 * i + 1]);
            n->attr[2 * i + 1] = v;
            return 0;
        }
    char *k = dupstr(name);
    char **a = k ? realloc(n->attr, (2 * n->nattr + 2) * sizeof(*a)) : NULL;
    if (!a) {
        free(k);
        free(v);
        return -1;
    }
    n->attr = a;
    a[2 * n->nattr] = k;
    a[2 * n->nattr + 1] = v;
    n->nattr++;
    return 0;
}

int ea_rr_set_u64(struct ea_rr_node *n, const char *name, uint64_t v)
{
    char b[24];
    snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
    return ea_rr_set(n, name, b);
}

void ea_rr_unset(struct ea_rr_node *n, const char *name)
{
    for (size_t i = 0; i < n->nattr; i++)
        if (strcmp(n->attr[2 * i], name) == 0) {
            free(n->attr[2 * i]);
            free(n->attr[2 * i + 1]);
            memmove(&n->attr[2 * i], &n->attr[2 * i + 2], 2 * (n->nattr - i - 1) * sizeof(*n->attr));
            n->nattr--;
            return;
        }
}

int ea_rr_set_text(struct ea_rr_node *n, const char *text)
{
    char *t = NULL;
    if (text && !(t = dupstr(text)))
        return -1;
    free(n->text);
    n->text = t;
    return 0;
}

int ea_rr_insert(struct ea_rr_node *n, size_t at, struct ea_rr_node *kid)
{
    struct ea_rr_node **k = realloc(n->kid, (n->nkid + 1) * sizeof(*k));
    if (!k)
        return -1;
    n->kid = k;
    if (at > n->nkid)
        at = n->nkid;
    memmove(&k[at + 1], &k[at], (n->nkid - at) * sizeof(*k));
    k[at] = kid;
    n->nkid++;
    return 0;
}

int ea_rr_add(struct ea_rr_node *n, struct ea_rr_node *kid)
{
    return ea_rr_insert(n, n->nkid, kid);
}

struct ea_rr_node *ea_rr_child(const struct ea_rr_node *n, const char *name, size_t *from)
{
    for (size_t i = *from; n && i < n->nkid; i++)
        if (strcmp(n->kid[i]->name, name) == 0) {
            *from = i;
            return n->kid[i];
        }
    return NULL;
}

struct ea_rr_node *ea_rr_find(const struct ea_rr_node *n, const char *name)
{
    size_t at = 0;
    return ea_rr_child(n, name, &at);
}

size_t ea_rr_count(const struct ea_rr_node *n, const char *name)
{
    size_t c = 0;
    for (size_t i = 0; n && i < n->nkid; i++)
        c += strcmp(n->kid[i]->name, name) == 0;
    return c;
}

static int strcmp_null(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

int ea_rr_cmp(const struct ea_rr_node *a, const struct ea_rr_node *b, const char *skip)
{
    int c = strcmp(a->name, b->name);
    size_t i = 0, j = 0;
    while (!c && (i < a->nattr || j < b->nattr)) {
        if (i < a->nattr && skip && strcmp(a->attr[2 * i], skip) == 0) {
            i++;
            continue;
        }
        if (j < b->nattr && skip && strcmp(b->attr[2 * j], skip) == 0) {
            j++;
            continue;
        }
        if (i == a->nattr || j == b->nattr)
            return i == a->nattr ? -1 : 1;
        c = strcmp(a->attr[2 * i], b->attr[2 * j]);
        if (!c)
            c = strcmp(a->attr[2 * i + 1], b->attr[2 * j + 1]);
        i++;
        j++;
    }
    if (!c)
        c = strcmp_null(a->text, b->text);
    for (size_t k = 0; !c && (k < a->nkid || k < b->nkid); k++) {
        if (k == a->nkid || k == b->nkid)
            return k == a->nkid ? -1 : 1;
        c = ea_rr_cmp(a->kid[k], b->kid[k], NULL);
    }
    return c;
}

void ea_report_free(struct ea_report *r)
{
    if (!r)
        return;
    ea_rr_node_free(r->root);
    free(r);
}

/*
 * Refuses a DOCTYPE before libxml2 sees the file: scans the prolog (XML
 * declaration, comments, processing instructions, white space) up to the
 * root element. A file that does not start as UTF-8 text is refused too
 * (the scan could not see a DOCTYPE in UTF-16). 0, or -1 with err set.
 */
static int prolog_check(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    long line = 1;
    int c, rc = -1;
    size_t n = 0;
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (getc(f) == 0xef && getc(f) == 0xbb && getc(f) == 0xbf)
        n = 3;   /* a UTF-8 byte order mark */
    else
        rewind(f);
    while ((c = getc(f)) != EOF && n++ < RR_PROLOG_MAX) {
        line += c == '\n';
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        int d = c == '<' ? getc(f) : EOF;
        if (d == '!' && getc(f) != '-') {
            snprintf(err, errlen, "%s:%ld: DOCTYPE declarations are not allowed", path, line);
            goto out;
        }
        if (d != '!' && d != '?') {   /* the root element, or not UTF-8 XML at all */
            if (c != '<' || d == EOF || d < 'A' || (d > 'Z' && d < 'a' && d != '_') || d > 'z') {
                snprintf(err, errlen, "%s: not a readable XML file (UTF-8 expected)", path);
                goto out;
            }
            break;
        }
        int prev = 0;   /* skip to the end of the declaration, comment or instruction */
        while ((c = getc(f)) != EOF && n++ < RR_PROLOG_MAX && !(c == '>' && (prev == '?' || prev == '-'))) {
            line += c == '\n';
            prev = c;
        }
    }
    rc = 0;
out:
    fclose(f);
    return rc;
}

/* The ids named by examples and evidence, collected while reading; sorted before <flows>. */
struct idset {
    uint64_t *v;
    size_t n, cap;
};

static int idset_add_list(struct idset *s, const char *list)
{
    for (const char *p = list; p && *p;) {
        char *end;
        unsigned long long id = strtoull(p, &end, 10);
        if (end == p)
            break;
        if (s->n == s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 256;
            uint64_t *v = realloc(s->v, cap * sizeof(*v));
            if (!v)
                return -1;
            s->v = v;
            s->cap = cap;
        }
        s->v[s->n++] = id;
        p = end;
    }
    return 0;
}

static int u64_cmp(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

/* The reading state: the kept elements open around the reader's node, and the named ids. */
struct rd {
    xmlTextReaderPtr r;
    struct ea_report *rep;
    struct ea_rr_node *open[RR_DEPTH_MAX];   /* borrowed: open[d] is the kept element at depth d */
    int skip_depth;                          /* > 0: inside a flow not kept, at this depth */
    int in_flows;
    struct idset ids;
    const char *path;
    char *err;
    size_t errlen;
};

/* Collects what examples and evidence name, so that <flows> keeps only those flows. */
static int note_ids(struct rd *s, const struct ea_rr_node *n)
{
    if (strcmp(n->name, "example") == 0)
        return idset_add_list(&s->ids, ea_rr_get(n, "flow"));
    if (strcmp(n->name, "evidence") == 0)
        return idset_add_list(&s->ids, ea_rr_get(n, "flows"));
    return 0;
}

/* A flow at depth 2 is kept when named; everything else is kept. */
static int wanted(struct rd *s, int depth)
{
    if (depth != 2 || !s->in_flows)
        return 1;
    if (strcmp(ea_rr_get(s->rep->root, "version") ? ea_rr_get(s->rep->root, "version") : "", "1") == 0)
        return 1;   /* version 1 (until the writer writes 2) has no groups: every flow is a finding's */
    const xmlChar *id = xmlTextReaderGetAttribute(s->r, BAD_CAST "id");
    uint64_t v = id ? strtoull((const char *)id, NULL, 10) : 0;
    xmlFree((xmlChar *)id);
    return s->ids.n && bsearch(&v, s->ids.v, s->ids.n, sizeof(v), u64_cmp) != NULL;
}

/* The element at the reader: its attributes into a new node under its parent. 0 or -1 (err set). */
static int open_element(struct rd *s, int depth)
{
    const char *name = (const char *)xmlTextReaderConstName(s->r);
    struct ea_rr_node *n = NULL, *parent = depth > 0 && depth <= RR_DEPTH_MAX ? s->open[depth - 1] : NULL;
    if (depth >= RR_DEPTH_MAX || (depth > 0 && !parent)) {
        snprintf(s->err, s->errlen, "%s:%d: not a valid edgeaudit report (nested too deep)", s->path,
                 xmlTextReaderGetParserLineNumber(s->r));
        return -1;
    }
    if (depth == 1) {
        s->in_flows = strcmp(name, "flows") == 0;
        if (s->in_flows && s->ids.n)
            qsort(s->ids.v, s->ids.n, sizeof(*s->ids.v), u64_cmp);
    }
    if (depth == 2 && s->in_flows)
        s->rep->flows_read++;
    if (!wanted(s, depth)) {
        s->skip_depth = xmlTextReaderIsEmptyElement(s->r) ? 0 : depth;
        return 0;
    }
    n = ea_rr_node_new(name);
    if (!n)
        goto oom;
    for (int ok = xmlTextReaderMoveToFirstAttribute(s->r); ok == 1; ok = xmlTextReaderMoveToNextAttribute(s->r))
        if (ea_rr_set(n, (const char *)xmlTextReaderConstName(s->r), (const char *)xmlTextReaderConstValue(s->r)) != 0)
            goto oom;
    xmlTextReaderMoveToElement(s->r);
    if (!parent) {
        s->rep->root = n;
    } else if (ea_rr_add(parent, n) != 0) {
        goto oom;
    }
    s->open[depth] = xmlTextReaderIsEmptyElement(s->r) ? NULL : n;
    if (note_ids(s, n) == 0)
        return 0;
    n = NULL;   /* owned by the tree */
oom:
    if (n != s->rep->root)
        ea_rr_node_free(n);
    snprintf(s->err, s->errlen, "%s: out of memory", s->path);
    return -1;
}

/* Text of the open element, appended (a text split by the reader comes in pieces). */
static int add_text(struct rd *s, int depth)
{
    struct ea_rr_node *n = depth > 0 && depth <= RR_DEPTH_MAX ? s->open[depth - 1] : NULL;
    const char *t = (const char *)xmlTextReaderConstValue(s->r);
    if (!n || !t || s->skip_depth)
        return 0;
    size_t old = n->text ? strlen(n->text) : 0, add = strlen(t);
    char *p = realloc(n->text, old + add + 1);
    if (!p) {
        snprintf(s->err, s->errlen, "%s: out of memory", s->path);
        return -1;
    }
    memcpy(p + old, t, add + 1);
    n->text = p;
    return 0;
}

/* One node of the reader. 0 to go on, -1 on error (err set). */
static int read_node(struct rd *s)
{
    int type = xmlTextReaderNodeType(s->r), depth = xmlTextReaderDepth(s->r);
    if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
        snprintf(s->err, s->errlen, "%s:%d: DOCTYPE declarations are not allowed", s->path,
                 xmlTextReaderGetParserLineNumber(s->r));
        return -1;
    }
    if (type == XML_READER_TYPE_ENTITY_REFERENCE) {
        snprintf(s->err, s->errlen, "%s:%d: entity references are not allowed", s->path,
                 xmlTextReaderGetParserLineNumber(s->r));
        return -1;
    }
    if (s->skip_depth) {
        if (type == XML_READER_TYPE_END_ELEMENT && depth == s->skip_depth)
            s->skip_depth = 0;
        return 0;
    }
    if (type == XML_READER_TYPE_ELEMENT)
        return open_element(s, depth);
    if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA)
        return add_text(s, depth);
    if (type == XML_READER_TYPE_END_ELEMENT && depth < RR_DEPTH_MAX)
        s->open[depth] = NULL;
    return 0;
}

/* Reads every node with s->r; 0 when the whole report was read and valid, else -1 with err set. */
static int read_all(struct rd *s, const struct ea_xml_catch *c)
{
    int ret;
    while ((ret = xmlTextReaderRead(s->r)) == 1) {
        if (read_node(s) != 0)
            return -1;
        if (xmlTextReaderIsValid(s->r) == 0)
            break;
    }
    if (ret == -1 || (ret == 0 && !s->rep->root)) {
        snprintf(s->err, s->errlen, "%s:%d: not a readable XML file%s%s", s->path,
                 xmlTextReaderGetParserLineNumber(s->r), c->first[0] ? ": " : "", c->first);
        return -1;
    }
    if (xmlTextReaderIsValid(s->r) != 1) {
        snprintf(s->err, s->errlen, "%s:%d: not a valid edgeaudit report (reports/edgeaudit-report.rng)",
                 s->path, xmlTextReaderGetParserLineNumber(s->r));
        return -1;
    }
    return 0;
}

struct ea_report *ea_report_read(const char *path, xmlRelaxNGPtr schema, char *err, size_t errlen)
{
    struct rd s = { .path = path, .err = err, .errlen = errlen };
    struct ea_xml_catch c = { .on_error = NULL };
    int ok = 0;
    ea_xml_catch_on(&c);
    if (prolog_check(path, err, errlen) != 0)
        goto out;
    s.rep = calloc(1, sizeof(*s.rep));
    /* No XML_PARSE_NOENT, DTDLOAD or DTDATTR: nothing is fetched, no entity is expanded. */
    s.r = s.rep ? xmlReaderForFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS) : NULL;
    if (!s.r) {
        snprintf(err, errlen, "%s: cannot read: %s", path, s.rep ? "not a readable file" : "out of memory");
        goto out;
    }
    if (xmlTextReaderRelaxNGSetSchema(s.r, schema) != 0) {
        snprintf(err, errlen, "%s: cannot validate against the report schema", path);
        goto out;
    }
    ok = read_all(&s, &c) == 0;
out:
    if (s.r)
        xmlFreeTextReader(s.r);
    free(s.ids.v);
    ea_xml_catch_off(&c);
    if (!ok) {
        ea_report_free(s.rep);
        s.rep = NULL;
    }
    return s.rep;
}

xmlRelaxNGPtr ea_report_schema_load(const struct ea_options *o, char *err, size_t errlen)
{
    char dir[PATH_MAX], path[PATH_MAX + 64];
    xmlRelaxNGParserCtxtPtr pctx = NULL;
    xmlRelaxNGPtr schema = NULL;
    struct ea_xml_catch c = { .on_error = NULL };
    ea_xml_catch_on(&c);
    if (ea_find_datadir(o, "reports", "edgeaudit-report.rng", dir, sizeof(dir)) != 0) {
        snprintf(err, errlen, "cannot find the report schema edgeaudit-report.rng (try --datadir)");
        goto out;
    }
    snprintf(path, sizeof(path), "%s/edgeaudit-report.rng", dir);
    pctx = xmlRelaxNGNewParserCtxt(path);
    schema = pctx ? xmlRelaxNGParse(pctx) : NULL;
    if (!schema)
        snprintf(err, errlen, "cannot load the report schema %s", path);
out:
    xmlRelaxNGFreeParserCtxt(pctx);
    ea_xml_catch_off(&c);
    return schema;
}

int ea_rr_write_node(xmlTextWriterPtr w, const struct ea_rr_node *n)
{
    if (xmlTextWriterStartElement(w, BAD_CAST n->name) < 0)
        return -1;
    for (size_t i = 0; i < n->nattr; i++)
        if (xmlTextWriterWriteAttribute(w, BAD_CAST n->attr[2 * i], BAD_CAST n->attr[2 * i + 1]) < 0)
            return -1;
    if (n->text && xmlTextWriterWriteString(w, BAD_CAST n->text) < 0)
        return -1;
    for (size_t i = 0; i < n->nkid; i++)
        if (ea_rr_write_node(w, n->kid[i]) < 0)
            return -1;
    return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

char *ea_rr_serialise(const struct ea_rr_node *root, size_t *len)
{
    char *out = NULL;
    xmlBufferPtr buf = xmlBufferCreate();
    xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
    if (!w)
        goto done;
    xmlTextWriterSetIndent(w, 1);
    xmlTextWriterSetIndentString(w, BAD_CAST "  ");
    if (xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 || ea_rr_write_node(w, root) < 0 ||
        xmlTextWriterEndDocument(w) < 0)
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

/* Attributes that are numbers in report-json.c's lines (when their value is one). */
static int numeric(const char *elem, const char *name, const char *v)
{
    static const char *const num[] = {
        "id", "client-port", "server-port", "vlan", "first-frame", "last-frame", "packets-c2s",
        "packets-s2c", "bytes-c2s", "bytes-s2c", "syn-retransmissions", "icmp-errors", "icmp-frame",
        "status", "requests", "responses", "messages", "channel-data", "payload-type", "flows",
        "bytes", "allowed", "unverified", "blocked", "violations", "total", "listed", "rules",
        "observed", "packets", "initiators", "port", "flow", "count", "groups", "finding-flows",
        "examples", "scans", "new", "persisting", "resolved", "new-findings", "rules-changed",
        "rules-worse", "blocked-required", "groups-dropped", "line", "entries", "accepted-groups",
        "accepted-flows", "expired-groups", "stale-entries", "accept-line",
    };
    if (!*v || strspn(v, "0123456789") != strlen(v) || (v[0] == '0' && v[1]))
        return 0;
    if (strcmp(name, "ports") == 0)
        return strcmp(elem, "group") == 0;
    for (size_t i = 0; i < sizeof(num) / sizeof(num[0]); i++)
        if (strcmp(name, num[i]) == 0)
            return 1;
    return 0;
}

/* A space-separated list as a JSON array, of numbers when nums. */
static void jb_list(struct ea_jbuf *b, const char *v, int nums)
{
    ea_jb_put(b, "[", 1);
    while (*v) {
        size_t n = strcspn(v, " ");
        if (n) {
            char w[256];
            snprintf(w, sizeof(w), "%.*s", (int)(n < 255 ? n : 255), v);
            ea_jb_key(b, NULL);
            if (nums)
                ea_jb_lit(b, w);
            else
                ea_jb_str(b, w);
        }
        v += n + (v[n] == ' ');
    }
    ea_jb_put(b, "]", 1);
}

static void jb_attrs(struct ea_jbuf *b, const struct ea_rr_node *n)
{
    for (size_t i = 0; i < n->nattr; i++) {
        const char *k = n->attr[2 * i], *v = n->attr[2 * i + 1];
        ea_jb_key(b, k);
        if (strcmp(k, "rules") == 0 && strcmp(n->name, "flow") == 0)
            jb_list(b, v, 0);
        else if (strcmp(k, "flows") == 0 && strcmp(n->name, "evidence") == 0)
            jb_list(b, v, 1);
        else if (numeric(n->name, k, v))
            ea_jb_lit(b, v);
        else
            ea_jb_str(b, v);
    }
}

/* An element's attributes, text ("reason" or "text") and children as members of an open object. */
static void jb_members(struct ea_jbuf *b, const struct ea_rr_node *n)
{
    jb_attrs(b, n);
    if (n->text) {
        ea_jb_key(b, strcmp(n->name, "example") == 0 ? "reason" : "text");
        ea_jb_str(b, n->text);
    }
    for (size_t i = 0; i < n->nkid; i++) {
        const struct ea_rr_node *k = n->kid[i];
        int many = strcmp(k->name, "initiator") == 0 || strcmp(k->name, "example") == 0;
        if (many && (i == 0 || strcmp(n->kid[i - 1]->name, k->name) != 0)) {
            ea_jb_key(b, strcmp(k->name, "initiator") == 0 ? "initiator-list" : "examples");
            ea_jb_put(b, "[", 1);
        }
        if (strcmp(k->name, "verdict") == 0 || strcmp(k->name, "status") == 0) {
            /* the summary's verdict counts by name, as report-json.c writes them */
            if (strcmp(k->name, "verdict") == 0) {
                ea_jb_key(b, ea_rr_get(k, "name") ? ea_rr_get(k, "name") : "");
                ea_jb_lit(b, numeric("", "count", ea_rr_get(k, "count") ? ea_rr_get(k, "count") : "") ?
                          ea_rr_get(k, "count") : "0");
            }
        } else if (strcmp(k->name, "initiator") == 0) {
            ea_jb_key(b, NULL);
            ea_jb_str(b, ea_rr_get(k, "address") ? ea_rr_get(k, "address") : "");
        } else if (!k->nattr && !k->nkid) {   /* note, reason, banner, ...: a string */
            ea_jb_key(b, k->name);
            ea_jb_str(b, k->text ? k->text : "");
        } else {
            ea_jb_key(b, many ? NULL : k->name);
            ea_jb_put(b, "{", 1);
            jb_members(b, k);
            ea_jb_put(b, "}", 1);
        }
        if (many && (i + 1 == n->nkid || strcmp(n->kid[i + 1]->name, k->name) != 0))
            ea_jb_put(b, "]", 1);
    }
}

/* One line {"type":TYPE, ...n...}. */
static void jb_line(struct ea_jbuf *b, const char *type, const struct ea_rr_node *n)
{
    ea_jb_put(b, "{", 1);
    ea_jb_key(b, "type");
    ea_jb_str(b, type);
    jb_members(b, n);
    ea_jb_put(b, "}\n", 2);
}

/* Every child of parent named name, one line each. */
static void jb_lines(struct ea_jbuf *b, const struct ea_rr_node *parent, const char *name, const char *type)
{
    for (size_t i = 0; parent && i < parent->nkid; i++)
        if (strcmp(parent->kid[i]->name, name) == 0)
            jb_line(b, type, parent->kid[i]);
}

char *ea_rr_json(const struct ea_rr_node *root, size_t *len)
{
    struct ea_jbuf b = { NULL, 0, 0, 0 };
    const struct ea_rr_node *ch = ea_rr_find(root, "changes");
    jb_lines(&b, ea_rr_find(root, "flows"), "flow", "flow");
    jb_lines(&b, ea_rr_find(root, "rules"), "rule", "rule");
    jb_lines(&b, ea_rr_find(root, "rules"), "pack", "pack");
    jb_lines(&b, ea_rr_find(root, "findings"), "group", "group");
    for (size_t i = 0; ch && i < ch->nkid; i++)
        jb_line(&b, ch->kid[i]->name, ch->kid[i]);
    if (ch) {
        struct ea_rr_node c = *ch;   /* the changes' own attributes, without their children */
        c.nkid = 0;
        jb_line(&b, "changes", &c);
    }
    const struct ea_rr_node *ac = ea_rr_find(root, "acceptances");
    jb_lines(&b, ac, "entry", "accept-entry");
    if (ac) {
        struct ea_rr_node c = *ac;   /* the acceptance's own attributes, without its entries */
        c.nkid = 0;
        jb_line(&b, "acceptances", &c);
    }
    const struct ea_rr_node *s = ea_rr_find(root, "summary");
    if (s)
        jb_line(&b, "summary", s);
    if (b.oom || !b.p) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}

char *ea_rr_json_line(const char *type, const struct ea_rr_node *n, size_t *len)
{
    struct ea_jbuf b = { NULL, 0, 0, 0 };
    jb_line(&b, type, n);
    if (b.oom || !b.p) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}
