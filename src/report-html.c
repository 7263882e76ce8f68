/* report-html.c: renders the XML report to HTML with libxslt, in process, and writes it atomically. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
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
 * here either (no XML_PARSE_NOENT or XML_PARSE_DTDLOAD). NULL on error.
 */
static xmlDocPtr parse_own_report(const char *xml, size_t len)
{
    struct mem_in m = { xml, len };
    return xmlReadIO(mem_read, NULL, &m, "report.xml", "UTF-8", XML_PARSE_NONET | XML_PARSE_HUGE);
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
 * Renders xml (len bytes) through the stylesheet at xsl_path and writes the
 * result to path atomically. Everything allocated here is freed on every
 * path. On error returns -1 with "PATH: cause" in err.
 */
int ea_report_html_write(const char *path, const char *xml, size_t len, const char *xsl_path,
                         char *err, size_t errlen)
{
    struct ea_xml_catch fe = { .on_error = NULL };
    xsltStylesheetPtr style = NULL;
    xmlDocPtr doc = NULL, res = NULL;
    xsltTransformContextPtr ctxt = NULL;
    xsltSecurityPrefsPtr sec = NULL;
    struct mem_out html = { NULL, 0, 0 };
    int rc = -1;

    ea_xml_catch_on(&fe);   /* the first message of either library goes into the error line */

    style = xsltParseStylesheetFile((const xmlChar *)xsl_path);
    if (!style) {
        snprintf(err, errlen, "%s: cannot load the stylesheet %s%s%s", path, xsl_path,
                 fe.first[0] ? ": " : "", fe.first);
        goto out;
    }
    doc = parse_own_report(xml, len);
    if (!doc) {
        snprintf(err, errlen, "%s: the XML report does not parse%s%s", path,
                 fe.first[0] ? ": " : "", fe.first);
        goto out;
    }
    ctxt = xsltNewTransformContext(style, doc);
    sec = locked_prefs();
    if (!ctxt || !sec || xsltSetCtxtSecurityPrefs(sec, ctxt) != 0) {
        snprintf(err, errlen, "%s: out of memory while rendering", path);
        goto out;
    }
    res = xsltApplyStylesheetUser(style, doc, NULL, NULL, NULL, ctxt);
    if (!res || ctxt->state != XSLT_STATE_OK) {
        snprintf(err, errlen, "%s: the stylesheet %s failed%s%s", path, xsl_path,
                 fe.first[0] ? ": " : "", fe.first);
        goto out;
    }
    if (save_result(&html, res, style) != 0) {
        snprintf(err, errlen, "%s: cannot serialise the HTML", path);
        goto out;
    }
    rc = ea_write_atomic(path, html.p ? html.p : "", html.len, err, errlen);
out:
    free(html.p);
    xmlFreeDoc(res);
    xsltFreeTransformContext(ctxt);
    xsltFreeSecurityPrefs(sec);
    xmlFreeDoc(doc);
    xsltFreeStylesheet(style);
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
