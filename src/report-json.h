/* report-json.h: JSON lines, one per flow and one per rule, for log pipelines. */
#ifndef EA_REPORT_JSON_H
#define EA_REPORT_JSON_H

#include "pipeline.h"

/*
 * Writes one JSON object per line: every flow ({"type":"flow",...}) then
 * every rule ({"type":"rule",...}), with the same names as the XML report.
 * Atomic like the other reports. On error returns -1 with one line in err.
 */
int ea_report_json_write(const char *path, struct ea_pipeline *pl, int deterministic,
                         char *err, size_t errlen);

#endif
