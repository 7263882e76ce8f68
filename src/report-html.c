/* report-html.c: renders the XML report to HTML with libxslt, in process, and writes it atomically. */
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlerror.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/imports.h>
#include <libxslt/transform.h>
#include <libxslt/xsltutils.h>
#include <libxslt/security.h>
#include "report-html.h"
#include "options.h"
#include "util-file.h"
#include "util-xml.h"

/*
 * The stylesheet needs no file, network or directory access at run time:
 * forbid it all, so a tampered stylesheet or report cannot read or write.
 */
static xsltSecurityPrefsPtr locked_prefs(void)
{
    xsltSecurityPrefsPtr sec = xsltNewSecurityPrefs();
    if (!sec)
        return NULL;
    if (xsltSetSecurityPrefs(sec, XSLT_SECPREF_READ_FILE, xsltSecurityForbid) != 0 ||
        xsltSetSecurityPrefs(sec, XSLT_SECPREF_WRITE_FILE, xsltSecurityForbid) != 0 ||
        xsltSetSecurityPrefs(sec, XSLT_SECPREF_CREATE_DIRECTORY, xsltSecurityForbid) != 0 ||
        xsltSetSecurityPrefs(sec, XSLT_SECPREF_READ_NETWORK, xsltSecurityForbid) != 0 ||
        xsltSetSecurityPrefs(sec, XSLT_SECPREF_WRITE_NETWORK, xsltSecurityForbid) != 0) {
        xsltFreeSecurityPrefs(sec);
        return NULL;
    }
    return sec;
}

/* The report in memory, handed to libxml2 in chunks: no int length limit. */
struct mem_in {
    const char *p;
    size_t left;
};

static int mem_read(void *ctx, char *buf, int len)
{
    struct mem_in *m = ctx;
    size_t n = len > 0 ? (size_t)len : 0;
    if (n > m->left)
        n = m->left;
    memcpy(buf, m->p, n);
    m->p += n;
    m->left -= n;
    return (int)n;
}

/*
 * Our own report, just written, is trusted: XML_PARSE_HUGE lifts libxml2's
 * 10 MB limits on lookup and text nodes, which a large capture's report
 * exceeds ("Huge input lookup"). Reports that merge reads are untrusted and
 * parsed in merge.c without it. No DTD is loaded and no entity is expanded
 * here either (no XML_PARSE_NOENT or XML_PARSE_DTDLOAD). A streaming
 * reader: the report is never one tree (see struct render). NULL on error.
 */
static xmlTextReaderPtr open_reader(struct mem_in *m)
{
    return xmlReaderForIO(mem_read, NULL, m, "report.xml", "UTF-8", XML_PARSE_NONET | XML_PARSE_HUGE);
}

/* The HTML as it is serialised: a buffer that grows with size_t, not int. */
struct mem_out {
    char *p;
    size_t len, cap;
};

static int mem_write(void *ctx, const char *buf, int len)
{
    struct mem_out *m = ctx;
    size_t n = len > 0 ? (size_t)len : 0;
    if (n > m->cap - m->len) {
        size_t cap = m->cap ? m->cap : 65536;
        while (n > cap - m->len) {
            if (cap > SIZE_MAX / 2)
                return -1;
            cap *= 2;
        }
        char *q = realloc(m->p, cap);
        if (!q)
            return -1;
        m->p = q;
        m->cap = cap;
    }
    memcpy(m->p + m->len, buf, n);
    m->len += n;
    return (int)n;
}

/*
 * Serialises the transform's result into out as xsltSaveResultToString
 * does (the stylesheet's output encoding; none for UTF-8), without its
 * int length. Returns 0, or -1 (out may hold a partial buffer to free).
 */
static int save_result(struct mem_out *out, xmlDocPtr res, xsltStylesheetPtr style)
{
    const xmlChar *encoding;
    xmlCharEncodingHandlerPtr encoder = NULL;
    XSLT_GET_IMPORT_PTR(encoding, style, encoding)
    if (encoding) {
        encoder = xmlFindCharEncodingHandler((const char *)encoding);
        if (encoder && xmlStrEqual((const xmlChar *)encoder->name, (const xmlChar *)"UTF-8"))
            encoder = NULL;
    }
    xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(mem_write, NULL, out, encoder);
    if (!ob)
        return -1;
    int n = xsltSaveResultTo(ob, res, style);
    return xmlOutputBufferClose(ob) < 0 || n < 0 ? -1 : 0;
}

/*
 * The HTML is rendered in pieces so that no size of report is held as one
 * tree: the page from the report without its long flow list (the flows the
 * page looks up kept: the rules' evidence and the unexpected flows of the
 * timeline), with a marker where the rows of the flow table go; then those
 * rows, ROWS_CHUNK flows at a time, each chunk its own small tree read from
 * the report with a streaming reader. The stylesheet's flow-rows parameter
 * ("apart", "only") selects the piece; the bytes are those of one pass.
 */
#define ROWS_MARK "<!--edgeaudit-flow-rows-->"
#define ROWS_CHUNK 1000

struct render {
    xsltStylesheetPtr style;    /* borrowed */
    const char *xml;            /* the report, borrowed */
    size_t len;
    uint64_t *keep;             /* owned: the rules' evidence flow ids, sorted */
    size_t nkeep, capkeep;
    uint64_t nflows, nkept;     /* the flows of <flows>; those kept in the page's tree */
    struct mem_out page;        /* owned: the page, ROWS_MARK where the rows go */
    struct mem_out rows;        /* owned: one chunk's rows, reused */
    char why[512];              /* why the rows failed, "" when they did not */
};

/* Applies the stylesheet to doc with params, file and network access forbidden. NULL on error. */
static xmlDocPtr transform(xsltStylesheetPtr style, xmlDocPtr doc, const char **params)
{
    xmlDocPtr res = NULL;
    xsltTransformContextPtr ctxt = xsltNewTransformContext(style, doc);
    xsltSecurityPrefsPtr sec = locked_prefs();
    if (ctxt && sec && xsltSetCtxtSecurityPrefs(sec, ctxt) == 0) {
        res = xsltApplyStylesheetUser(style, doc, params, NULL, NULL, ctxt);
        if (res && ctxt->state != XSLT_STATE_OK) {
            xmlFreeDoc(res);
            res = NULL;
        }
    }
    xsltFreeTransformContext(ctxt);
    xsltFreeSecurityPrefs(sec);
    return res;
}

static int id_cmp(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

/* Adds the ids of every rule's evidence/@flows to r->keep. -1 on out-of-memory. */
static int collect_evidence(struct render *r, xmlNodePtr rules)
{
    for (xmlNodePtr rule = rules->children; rule; rule = rule->next)
        for (xmlNodePtr ev = rule->children; ev; ev = ev->next) {
            if (ev->type != XML_ELEMENT_NODE || !xmlStrEqual(ev->name, BAD_CAST "evidence"))
                continue;
            xmlChar *list = xmlGetProp(ev, BAD_CAST "flows");
            for (const char *p = (const char *)list; p && *p;) {
                char *end;
                uint64_t id = strtoull(p, &end, 10);
                if (end == p)
                    break;
                p = end;
                if (r->nkeep == r->capkeep) {
                    size_t cap = r->capkeep ? 2 * r->capkeep : 256;
                    uint64_t *k = realloc(r->keep, cap * sizeof(*k));
                    if (!k) {
                        xmlFree(list);
                        return -1;
                    }
                    r->keep = k;
                    r->capkeep = cap;
                }
                r->keep[r->nkeep++] = id;
            }
            xmlFree(list);
        }
    if (r->nkeep)
        qsort(r->keep, r->nkeep, sizeof(*r->keep), id_cmp);
    return 0;
}

/* Whether the page looks up the reader's flow: unexpected (the timeline) or a rule's evidence. */
static int page_needs(const struct render *r, xmlTextReaderPtr rd)
{
    xmlChar *v = xmlTextReaderGetAttribute(rd, BAD_CAST "verdict");
    xmlChar *id = xmlTextReaderGetAttribute(rd, BAD_CAST "id");
    uint64_t n = id ? strtoull((const char *)id, NULL, 10) : 0;
    int need = (v && xmlStrEqual(v, BAD_CAST "unexpected")) ||
               (r->nkeep && bsearch(&n, r->keep, r->nkeep, sizeof(n), id_cmp));
    xmlFree(v);
    xmlFree(id);
    return need;
}

/* Copies the reader's node (with its subtree when deep) under parent; the copy, or NULL. */
static xmlNodePtr copy_under(xmlTextReaderPtr rd, xmlNodePtr parent, xmlDocPtr doc, int deep)
{
    xmlNodePtr n = deep ? xmlTextReaderExpand(rd) : xmlTextReaderCurrentNode(rd);
    xmlNodePtr c = n ? xmlDocCopyNode(n, doc, deep ? 1 : 2) : NULL;
    if (!c)
        return NULL;
    if (parent)
        xmlAddChild(parent, c);
    else
        xmlDocSetRootElement(doc, c);
    return c;
}

/*
 * The page's tree: the report's root and every part of it but the flows,
 * and of the flows only those the page looks up; counts the flows in
 * r->nflows. NULL on a parse error or out-of-memory.
 */
static xmlDocPtr build_page(struct render *r)
{
    struct mem_in m = { r->xml, r->len };
    xmlTextReaderPtr rd = open_reader(&m);
    xmlDocPtr page = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = NULL, flows = NULL;
    int ret = rd && page ? xmlTextReaderRead(rd) : -1;
    while (ret == 1) {
        int depth = xmlTextReaderDepth(rd);
        if (xmlTextReaderNodeType(rd) != XML_READER_TYPE_ELEMENT || depth > 2) {
            ret = xmlTextReaderRead(rd);
            continue;
        }
        if (depth == 2 && (++r->nflows, !page_needs(r, rd))) {   /* a flow the page does not need */
            ret = xmlTextReaderNext(rd);
            continue;
        }
        r->nkept += depth == 2;
        int shallow = depth == 0 || (depth == 1 && xmlStrEqual(xmlTextReaderConstLocalName(rd), BAD_CAST "flows"));
        xmlNodePtr parent = depth == 0 ? NULL : depth == 1 ? root : flows;
        xmlNodePtr c = depth == 0 || parent ? copy_under(rd, parent, page, !shallow) : NULL;
        if (!c || (depth == 1 && !shallow && xmlStrEqual(c->name, BAD_CAST "rules") && collect_evidence(r, c) != 0))
            break;
        if (depth == 0)
            root = c;
        else if (shallow)
            flows = c;
        ret = shallow ? xmlTextReaderRead(rd) : xmlTextReaderNext(rd);
    }
    xmlFreeTextReader(rd);
    if (ret != 0 || !root) {
        xmlFreeDoc(page);
        return NULL;
    }
    return page;
}
/* A page or rows rendered: its tree transformed with params and serialised into out (emptied first). */
static int render_into(struct render *r, xmlDocPtr doc, const char **params, struct mem_out *out)
{
    xmlDocPtr res = transform(r->style, doc, params);
    out->len = 0;
    int rc = res && save_result(out, res, r->style) == 0 ? 0 : -1;
    xmlFreeDoc(res);
    return rc;
}

/* An empty tree for one chunk of rows, <edgeaudit-report><flows/></edgeaudit-report>: its <flows>. */
static xmlNodePtr new_chunk(xmlDocPtr *doc)
{
    xmlNodePtr root;
    *doc = xmlNewDoc(BAD_CAST "1.0");
    if (!*doc || !(root = xmlNewDocNode(*doc, NULL, BAD_CAST "edgeaudit-report", NULL)))
        return NULL;
    xmlDocSetRootElement(*doc, root);
    return xmlNewChild(root, NULL, BAD_CAST "flows", NULL);
}

/* The chunk's rows rendered and written to fd; the chunk freed. -1 with r->why set (or errno). */
static int flush_chunk(struct render *r, xmlDocPtr *chunk, int fd)
{
    static const char *params[] = { "flow-rows", "'only'", NULL };
    int rc = 0;
    if (render_into(r, *chunk, params, &r->rows) != 0) {
        snprintf(r->why, sizeof(r->why), "the stylesheet failed on the flow rows");
        rc = -1;
    } else if (r->rows.len && ea_write_all(fd, r->rows.p, r->rows.len -   /* less the serialiser's */
                                           (r->rows.p[r->rows.len - 1] == '\n')) != 0) {   /* end of a document */
        rc = -1;   /* errno tells */
    }
    xmlFreeDoc(*chunk);
    *chunk = NULL;
    return rc;
}

/* Every flow of the report, in order, as rows of the flow table written to fd, ROWS_CHUNK at a time. */
static int write_rows(struct render *r, int fd)
{
    struct mem_in m = { r->xml, r->len };
    xmlTextReaderPtr rd = open_reader(&m);
    xmlDocPtr chunk = NULL;
    xmlNodePtr flows = NULL;
    size_t n = 0;
    int ret = rd ? xmlTextReaderRead(rd) : -1, rc = -1;
    while (ret == 1) {
        int depth = xmlTextReaderDepth(rd);
        if (xmlTextReaderNodeType(rd) != XML_READER_TYPE_ELEMENT || depth == 0 ||
            (depth == 1 && xmlStrEqual(xmlTextReaderConstLocalName(rd), BAD_CAST "flows"))) {
            ret = xmlTextReaderRead(rd);
            continue;
        }
        if (depth == 2) {
            if ((!chunk && !(flows = new_chunk(&chunk))) || !copy_under(rd, flows, chunk, 1)) {
                snprintf(r->why, sizeof(r->why), "out of memory while rendering");
                goto out;
            }
            if (++n % ROWS_CHUNK == 0 && flush_chunk(r, &chunk, fd) != 0)
                goto out;
        }
        ret = xmlTextReaderNext(rd);   /* past the flow, or past a part of the report other than <flows> */
    }
    if (ret != 0) {
        snprintf(r->why, sizeof(r->why), "the XML report does not parse");
        goto out;
    }
    rc = chunk ? flush_chunk(r, &chunk, fd) : 0;
out:
    xmlFreeDoc(chunk);
    xmlFreeTextReader(rd);
    return rc;
}

/* Where the rows go: the offset of ROWS_MARK in the page, or -1. */
static long rows_mark(const struct mem_out *page)
{
    size_t k = sizeof(ROWS_MARK) - 1;
    for (size_t i = 0; page->len >= k && i <= page->len - k; i++)
        if (page->p[i] == '<' && memcmp(page->p + i, ROWS_MARK, k) == 0)
            return (long)i;
    return -1;
}

/* The file's bytes: the page up to its marker, the rows, the rest of the page. */
static int fill_html(int fd, void *ctx)
{
    struct render *r = ctx;
    long at = rows_mark(&r->page);
    size_t k = sizeof(ROWS_MARK) - 1;
    if (at < 0 && r->nkept != r->nflows) {   /* a stylesheet without the marker would lose rows */
        snprintf(r->why, sizeof(r->why), "the stylesheet has no place for the flow rows (an older edgeaudit.xsl?)");
        return -1;
    }
    if (at < 0)   /* a page that rendered every flow it has, or has no flow table */
        return ea_write_all(fd, r->page.p ? r->page.p : "", r->page.len);
    if (ea_write_all(fd, r->page.p, (size_t)at) != 0 || write_rows(r, fd) != 0)
        return -1;
    return ea_write_all(fd, r->page.p + at + k, r->page.len - (size_t)at - k);
}

/*
 * Renders xml (len bytes) through the stylesheet at xsl_path and writes the
 * result to path atomically, in pieces (see struct render). Everything
 * allocated here is freed on every path. On error returns -1 with
 * "PATH: cause" in err.
 */
int ea_report_html_write(const char *path, const char *xml, size_t len, const char *xsl_path,
                         char *err, size_t errlen)
{
    struct ea_xml_catch fe = { .on_error = NULL };
    struct render r = { .xml = xml, .len = len };
    xmlDocPtr page = NULL;
    char count[24];
    const char *params[] = { "flow-rows", "'apart'", "flow-count", count, NULL };
    int rc = -1;

    ea_xml_catch_on(&fe);   /* the first message of either library goes into the error line */
    r.style = xsltParseStylesheetFile((const xmlChar *)xsl_path);
    if (!r.style) {
        snprintf(err, errlen, "%s: cannot load the stylesheet %s%s%s", path, xsl_path,
                 fe.first[0] ? ": " : "", fe.first);
        goto out;
    }
    page = build_page(&r);
    if (!page) {
        snprintf(err, errlen, "%s: the XML report does not parse%s%s", path,
                 fe.first[0] ? ": " : "", fe.first);
        goto out;
    }
    snprintf(count, sizeof(count), "'%" PRIu64 "'", r.nflows);
    if (render_into(&r, page, params, &r.page) != 0) {
        snprintf(err, errlen, "%s: the stylesheet %s failed%s%s", path, xsl_path,
                 fe.first[0] ? ": " : "", fe.first);
        goto out;
    }
    rc = ea_write_atomic_fn(path, fill_html, &r, err, errlen);
    if (rc != 0 && r.why[0])
        snprintf(err, errlen, "%s: %s%s%s", path, r.why, fe.first[0] ? ": " : "", fe.first);
out:
    free(r.page.p);
    free(r.rows.p);
    free(r.keep);
    xmlFreeDoc(page);
    xsltFreeStylesheet(r.style);
    ea_xml_catch_off(&fe);
    return rc;
}

int ea_report_html_render(const struct ea_options *o, const char *path, const char *xml, size_t len,
                          char *err, size_t errlen)
{
    char dir[PATH_MAX], xsl[PATH_MAX + 32];
    if (ea_find_datadir(o, "reports", "edgeaudit.xsl", dir, sizeof(dir)) != 0) {
        snprintf(err, errlen, "%s: cannot find the stylesheet edgeaudit.xsl (try --datadir)", path);
        return -1;
    }
    snprintf(xsl, sizeof(xsl), "%s/edgeaudit.xsl", dir);
    return ea_report_html_write(path, xml, len, xsl, err, errlen);
}
