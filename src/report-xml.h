/* report-xml.h: the XML audit report, the one source of truth (schema in reports/). */
#ifndef EA_REPORT_XML_H
#define EA_REPORT_XML_H

#include <stddef.h>
#include "pipeline.h"

struct ea_report_meta {
    int deterministic;          /* no wall-clock time, no host name */
    const char *command;        /* the command line, or NULL */
};

/*
 * Builds the whole report in memory. Returns a malloc'ed NUL-terminated
 * buffer (caller frees) and its length in *len, or NULL on out-of-memory.
 */
char *ea_report_xml_build(const struct ea_view *pl, const struct ea_report_meta *meta, size_t *len);

/*
 * One flow's <flow> element as it stands inside <flows> (indented, ending
 * in a newline), with group="KEY" when group is not NULL. Returns a
 * malloc'ed NUL-terminated string (caller frees), its length in *len, or
 * NULL on out-of-memory. Reads v's rules and classifier only.
 */
char *ea_report_xml_flow(const struct ea_view *v, const struct ea_flow *f, const char *group, size_t *len);

/*
 * Writes the report to path as ea_write_atomic (util-file.h) does, streamed: the document
 * is never whole in memory. On error returns -1 with one line in err.
 */
int ea_report_xml_write(const struct ea_view *pl, const struct ea_report_meta *meta, const char *path,
                        char *err, size_t errlen);

#endif
