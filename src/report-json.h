/* report-json.h: JSON lines, one per flow and one per rule, for log pipelines. */
#ifndef EA_REPORT_JSON_H
#define EA_REPORT_JSON_H

#include "pipeline.h"

/*
 * Writes one JSON object per line: every flow ({"type":"flow",...}) then
 * every rule ({"type":"rule",...}), with the same names as the XML report.
 * Atomic like the other reports. On error returns -1 with one line in err.
 */
int ea_report_json_write(const char *path, const struct ea_view *pl, int deterministic,
                         char *err, size_t errlen);

/*
 * One live alert: the flow object of the JSON lines plus "alert" (event,
 * e.g. "new" or "revised") and, when given, "previous-verdict"; ends in a
 * newline. Returns a malloc'ed string (caller frees) with its length in
 * *len, or NULL on out-of-memory.
 */
char *ea_report_json_alert(const struct ea_view *pl, const struct ea_flow *f, const char *event,
                           const char *previous, size_t *len);

#endif
