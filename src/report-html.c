/* report-html.c: being written. */
#include "report-html.h"
#include <stdio.h>
int ea_report_html_write(const char *path, const char *xml, size_t len, const char *xsl_path, char *err, size_t errlen)
{ (void)xml; (void)len; (void)xsl_path; snprintf(err, errlen, "%s: HTML report not written yet", path); return -1; }
