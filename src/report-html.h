/* report-html.h: the self-contained HTML report, rendered from the XML by reports/edgeaudit.xsl. */
#ifndef EA_REPORT_HTML_H
#define EA_REPORT_HTML_H

#include <stddef.h>

/*
 * Renders the XML report (xml, len bytes) through the XSLT stylesheet at
 * xsl_path with libxslt, in process, and writes the HTML to path atomically
 * (ea_write_atomic). On error returns -1 with one line "PATH: cause" in err.
 */
int ea_report_html_write(const char *path, const char *xml, size_t len, const char *xsl_path,
                         char *err, size_t errlen);

struct ea_options;

/*
 * ea_report_html_write with the stylesheet edgeaudit.xsl found through the
 * options' data directory (--datadir, EDGEAUDIT_DATADIR, the installed or the
 * source tree's). On error returns -1 with one line "PATH: cause" in err.
 */
int ea_report_html_render(const struct ea_options *o, const char *path, const char *xml, size_t len,
                          char *err, size_t errlen);

#endif
