/* output-flows.h: the --flows listing and the run summary on stderr. */
#ifndef EA_OUTPUT_FLOWS_H
#define EA_OUTPUT_FLOWS_H

#include <stdio.h>
#include "pipeline.h"

/* The --flows line of one flow (no newline) into buf (n bytes, cut to fit); returns buf. */
const char *ea_output_flow_line(const struct ea_view *pl, const struct ea_flow *f, char *buf, size_t n);

/*
 * Prints the listed flows (pl->listed, serialized as they finished), one
 * line each, in flow-id order. 0, or -1 when the spool cannot be read.
 */
int ea_output_flows(FILE *out, const struct ea_view *pl);

/* The end-of-run summary: packets, bytes, flows, evictions, malformed by kind, throughput. */
void ea_output_run_summary(FILE *out, const struct ea_view *pl, double seconds);

/*
 * One flow in a few words, as the summary and the live alerts print it:
 * "VERDICT flow ID CLIENT -> SERVER: reason". Writes into buf (truncated to n).
 */
const char *ea_output_flow_brief(const struct ea_flow *f, char *buf, size_t n);

/* Formats "addr:port" ("[v6]:port") into buf. */
const char *ea_endpoint_str(uint8_t family, const uint8_t *addr, uint16_t port, char *buf, size_t n);

#endif
