/* report-read.h: an XML report (version 2) read back as a small tree, and written out again. */
#ifndef EA_REPORT_READ_H
#define EA_REPORT_READ_H

#include <stddef.h>
#include <stdint.h>
#include <libxml/relaxng.h>
#include <libxml/xmlwriter.h>

/*
 * One element kept from a report: its name, its attributes in document
 * order, its text (elements that hold text: reason, example, note, ...)
 * and its child elements. A node owns every string and child it holds.
 */
struct ea_rr_node {
    char *name;
    char **attr;                /* 2 * nattr strings: name, value, name, value, ... */
    size_t nattr;
    char *text;                 /* NULL when the element has no text */
    struct ea_rr_node **kid;
    size_t nkid;
};

/* A new element with no attribute or child; NULL on out-of-memory. Free with ea_rr_node_free. */
struct ea_rr_node *ea_rr_node_new(const char *name);

/* Frees n, its strings and its children. No operation is performed if n is NULL. */
void ea_rr_node_free(struct ea_rr_node *n);

/* A deep copy (caller frees); NULL on out-of-memory. */
struct ea_rr_node *ea_rr_node_copy(const struct ea_rr_node *n);

/* The value of attribute name (borrowed from n), or NULL when absent. */
const char *ea_rr_get(const struct ea_rr_node *n, const char *name);

/* The attribute as a decimal number; 0 when absent or not a number, UINT64_MAX when too big. */
uint64_t ea_rr_u64(const struct ea_rr_node *n, const char *name);

/*
 * Sets attribute name to value (copied): in place when present, else
 * appended. 0, or -1 on out-of-memory (n unchanged).
 */
int ea_rr_set(struct ea_rr_node *n, const char *name, const char *value);
int ea_rr_set_u64(struct ea_rr_node *n, const char *name, uint64_t v);

/* Removes attribute name when present. */
void ea_rr_unset(struct ea_rr_node *n, const char *name);

/* Replaces the text (copied, NULL for none). 0, or -1 on out-of-memory (n unchanged). */
int ea_rr_set_text(struct ea_rr_node *n, const char *text);

/* Appends kid to n's children; n owns it from then. 0, or -1 on out-of-memory (kid not taken). */
int ea_rr_add(struct ea_rr_node *n, struct ea_rr_node *kid);

/* Inserts kid before child number at (at = nkid appends); as ea_rr_add otherwise. */
int ea_rr_insert(struct ea_rr_node *n, size_t at, struct ea_rr_node *kid);

/* The first child named name at or after index *from (updated to its index); NULL when none. */
struct ea_rr_node *ea_rr_child(const struct ea_rr_node *n, const char *name, size_t *from);

/* The first child named name, or NULL (n may be NULL). */
struct ea_rr_node *ea_rr_find(const struct ea_rr_node *n, const char *name);

/* How many children are named name. */
size_t ea_rr_count(const struct ea_rr_node *n, const char *name);

/*
 * A total order on content: name, then attributes (skipping the one named
 * skip, which may be NULL), text and children, recursively. <0, 0, >0.
 */
int ea_rr_cmp(const struct ea_rr_node *a, const struct ea_rr_node *b, const char *skip);

/*
 * What is kept of one report (version 2, reports/edgeaudit-report.rng):
 * the root element with its attributes and, as children, capture, summary
 * and rules whole, findings with every group whole (reason, initiators,
 * examples), changes when present, and flows with only the flows that an
 * example or a rule's evidence names, in document order. Flows that are
 * only listed (--list-flows all) are counted in flows_read, not kept.
 */
struct ea_report {
    struct ea_rr_node *root;
    uint64_t flows_read;        /* <flow> elements in the file, kept or not */
};

/*
 * Reads and validates the report at path against schema, streaming (a
 * report of millions of flows costs the memory of its groups and examples):
 * no network, no DTD, no entity expansion; a DOCTYPE is refused. Returns the
 * report (free with ea_report_free) or NULL with one line "PATH[:LINE]:
 * cause" in err. libxml2's own messages are caught, not printed.
 */
struct ea_report *ea_report_read(const char *path, xmlRelaxNGPtr schema, char *err, size_t errlen);

/* Frees r. No operation is performed if r is NULL. */
void ea_report_free(struct ea_report *r);

struct ea_options;

/*
 * The report schema reports/edgeaudit-report.rng found through the options'
 * data directory (only o->datadir is read). Returns it (free with
 * xmlRelaxNGFree) or NULL with one line in err.
 */
xmlRelaxNGPtr ea_report_schema_load(const struct ea_options *o, char *err, size_t errlen);

/*
 * The tree as report-xml.c writes a report (declaration, two-space indent).
 * Returns malloc'ed bytes (caller frees) with their length in *len, or NULL
 * on out-of-memory.
 */
char *ea_rr_serialise(const struct ea_rr_node *root, size_t *len);

/* Writes n and its subtree through w (as report-xml.c writes elements). 0, or -1 on error. */
int ea_rr_write_node(xmlTextWriterPtr w, const struct ea_rr_node *n);

/*
 * JSON lines of the tree, named as in the XML (report-json.c's names): one
 * "type":"flow" line per flow, then one per rule, pack, group (its
 * initiators as "initiator-list", its examples as "examples") and change,
 * the acceptance's entries ("accept-entry") and "acceptances", then the summary (verdict counts by name). Returns malloc'ed bytes (caller frees) with their
 * length in *len, or NULL on out-of-memory.
 */
char *ea_rr_json(const struct ea_rr_node *root, size_t *len);

/* One JSON line {"type":TYPE, n's attributes...} as ea_rr_json writes them; as ea_rr_json returns. */
char *ea_rr_json_line(const char *type, const struct ea_rr_node *n, size_t *len);

#endif
