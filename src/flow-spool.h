/*
 * flow-spool.h: the flows a report lists, as serialized records sorted by
 * id: borrowed from memory (the examples, --list-flows examples) or written
 * to an unlinked temporary file as they finish (--list-flows all), with an
 * index of 24 bytes per flow in memory.
 */
#ifndef EA_FLOW_SPOOL_H
#define EA_FLOW_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include "group.h"

/*
 * The parts of a serialized flow, NUL-separated, in this order (report-stream.c
 * writes them, the reports read them with ea_example_part).
 */
enum ea_flow_part {
    EA_FP_XML = 0,        /* the <flow> element, indented for <flows>, ending in a newline */
    EA_FP_LINE,           /* the --flows line, no newline */
    EA_FP_BRIEF,          /* ea_output_flow_brief's words */
    EA_FP_FINDING,        /* "1" for an unexpected flow or a required blocked one, else "" */
    EA_FP_KEY,            /* its normal group key (16 hex digits), "" when not grouped */
    EA_FP_SCAN_KEY,       /* its family's scan key, "" when it has a rule or no group */
    EA_FP_CLIENT,
    EA_FP_CLIENT_PORT,
    EA_FP_FIRST_FRAME,
    EA_FP_LAST_FRAME,
    EA_FP_FILTER,         /* a Wireshark filter selecting the flow */
    EA_FP_WORDS,          /* the reason in words */
    EA_FP__COUNT
};

struct ea_spool;

/*
 * A new, empty spool. to_file: records are copied into a temporary file
 * (tmpfile(3), in TMPDIR); else they are borrowed and must outlive every
 * ea_spool_get. NULL on out-of-memory or when the file cannot be made.
 */
struct ea_spool *ea_spool_new(int to_file);
void ea_spool_free(struct ea_spool *s);      /* NULL is a no-op */

/* Adds a record. 0, or -1 (out of memory, write error: the record is lost). */
int ea_spool_add(struct ea_spool *s, uint64_t id, const char *data, size_t len);

/*
 * Live --keep-flows: at most n records are kept (0: all); past that the
 * smallest ids go, a sixteenth at a time, and are counted (ea_spool_dropped).
 * A file spool is rewritten when more than half of it is dropped records.
 */
void ea_spool_keep(struct ea_spool *s, size_t n);
uint64_t ea_spool_dropped(const struct ea_spool *s);

/* Sorts the records by id and drops repeated ids; call before ea_spool_get (again after adds). */
void ea_spool_sort(struct ea_spool *s);

size_t ea_spool_count(const struct ea_spool *s);

/*
 * The i-th record into *ex (its data valid until the next ea_spool_get or
 * ea_spool_add). 0, or -1 on a read error or out of memory.
 */
int ea_spool_get(struct ea_spool *s, size_t i, struct ea_example *ex);

#endif
