/* report-json.h: JSON lines, one per flow and one per rule, for log pipelines. */
#ifndef EA_REPORT_JSON_H
#define EA_REPORT_JSON_H

#include <stdio.h>
#include "pipeline.h"
#include "util-json.h"

/*
 * The JSON lines are written as flows finish (report-stream.c): one
 * {"type":"flow",...} line per flow, the same names as the XML report, plus
 * "group" (the flow's normal group key) and "scan-group" (its family's scan
 * key, for a grouped flow with no rule) when given. Returns a malloc'ed
 * line ending in a newline (caller frees), its length in *len, or NULL on
 * out-of-memory.
 */
char *ea_report_json_flow(const struct ea_view *v, const struct ea_flow *f, const char *group,
                          const char *scan_group, size_t *len);

/* Texts a caller already has for a flow's line; each NULL when it has not. */
struct ea_json_flow_texts {
    const char *group, *scan_group;   /* as ea_report_json_flow's (NULL: not in the line) */
    const char *client, *server;      /* ea_addr_str of the flow's addresses (NULL: made here) */
};

/*
 * ea_report_json_flow's line appended to b, the caller's buffer (reused
 * from line to line: set b->len to 0 in between, free b->p at the end).
 * Out-of-memory sets b->oom. t may be NULL.
 */
void ea_report_json_flow_into(struct ea_jbuf *b, const struct ea_view *v, const struct ea_flow *f,
                              const struct ea_json_flow_texts *t);

/*
 * The lines after the flows: one per rule ({"type":"rule"}, its evidence
 * the K smallest ids), one per pack, one per finding group ({"type":"group"},
 * in the XML's order, "initiator-list" and "examples" as arrays), and one
 * {"type":"summary"}. 0, or -1 on a write error or out-of-memory.
 */
int ea_report_json_tail(FILE *out, const struct ea_view *v);

/*
 * One live alert: the flow object of the JSON lines plus "alert" (event,
 * e.g. "new" or "revised") and, when given, "previous-verdict"; ends in a
 * newline. Returns a malloc'ed string (caller frees) with its length in
 * *len, or NULL on out-of-memory.
 */
char *ea_report_json_alert(const struct ea_view *pl, const struct ea_flow *f, const char *event,
                           const char *previous, size_t *len);

#endif
