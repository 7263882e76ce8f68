/* report-html.c: renders the XML report to HTML with libxslt, in process, and writes it atomically. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltInternals.h>
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
    xmlChar *html = NULL;
    int html_len = 0, rc = -1;

    if (len > INT_MAX) {
        snprintf(err, errlen, "%s: the XML report is too large to render", path);
        return -1;
    }
    ea_xml_catch_on(&fe);   /* the first message of either library goes into the error line */

    style = xsltParseStylesheetFile((const xmlChar *)xsl_path);
    if (!style) {
        snprintf(err, errlen, "%s: cannot load the stylesheet %s%s%s", path, xsl_path,
                 fe.first[0] ? ": " : "", fe.first);
        goto out;
    }
    doc = xmlReadMemory(xml, (int)len, "report.xml", "UTF-8", XML_PARSE_NONET);
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
    if (xsltSaveResultToString(&html, &html_len, res, style) != 0 || !html) {
        snprintf(err, errlen, "%s: cannot serialise the HTML", path);
        goto out;
    }
    rc = ea_write_atomic(path, (const char *)html, (size_t)html_len, err, errlen);
out:
    xmlFree(html);
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
