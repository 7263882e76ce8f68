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
char *ea_report_xml_build(struct ea_pipeline *pl, const struct ea_report_meta *meta, size_t *len);

/*
 * Writes the report to path as ea_write_atomic does, streamed: the document
 * is never whole in memory. On error returns -1 with one line in err.
 */
int ea_report_xml_write(struct ea_pipeline *pl, const struct ea_report_meta *meta, const char *path,
                        char *err, size_t errlen);

/*
 * Writes data to path atomically: a temporary file in the same directory,
 * flushed, then renamed over path. On error returns -1 with one line
 * "PATH: cause" in err and leaves no temporary file behind.
 */
int ea_write_atomic(const char *path, const char *data, size_t len, char *err, size_t errlen);

/* ISO 8601 UTC with nanoseconds: "2013-03-15T10:00:00.000000001Z". */
const char *ea_time_str(uint64_t ns, char *buf, size_t n);

#endif
