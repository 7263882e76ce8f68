/* accept.h: accepted findings (issue 16): --accept FILE, entries that accept finding groups for a time. */
#ifndef EA_ACCEPT_H
#define EA_ACCEPT_H

#include <stddef.h>
#include <stdint.h>

struct ea_group;

/*
 * One <accept> entry of an accept file (rules/accept.rng). It matches a
 * finding group by key, or by responder, port, reason code and rule
 * together (rule "" matches the groups of no rule; a rule id every group
 * whose rules name it). Strings owned by the entry.
 */
struct ea_accept_entry {
    long line;                  /* where it is in the file */
    int by_key;
    uint64_t key;               /* by_key */
    char *responder, *reason, *rule;   /* not by_key */
    unsigned port;
    char *who, *why;
    char expires[11];           /* "YYYY-MM-DD": the last day it holds (UTC) */
    int64_t end_ns;             /* it holds while the time is before this (the day after, 00:00 UTC) */
    uint64_t matched;           /* groups it matched while it held */
    uint64_t matched_expired;   /* groups it matched after it expired */
};

/* An accept file: its entries in file order. */
struct ea_accept {
    char *path;                 /* owned */
    struct ea_accept_entry *e;  /* owned, n of them */
    size_t n;
};

/*
 * Reads and validates path against schema_dir/accept.rng, then checks what
 * the schema cannot (a real date, no entry repeated). Returns the entries
 * (free with ea_accept_free), or NULL with one line "FILE:LINE: cause" in
 * err, as a rules file's errors. A DOCTYPE is refused.
 */
struct ea_accept *ea_accept_load(const char *path, const char *schema_dir, char *err, size_t errlen);
void ea_accept_free(struct ea_accept *a);     /* NULL is a no-op */

enum ea_accept_state {
    EA_ACCEPT_NONE = 0,         /* no entry matches: the group counts */
    EA_ACCEPT_ACCEPTED,         /* an entry matches and holds at now: the group does not count */
    EA_ACCEPT_EXPIRED,          /* only expired entries match: the group counts again */
};

/* The state's word in reports: "", "accepted", "expired". */
const char *ea_accept_state_name(enum ea_accept_state s);

/*
 * Holds the group against every entry at time now_ns (ns since the epoch,
 * UTC). A holding entry wins over an expired one; among equals the first in
 * the file. *which (when not NULL) gets that entry, or NULL. Counts the
 * match in the entries (matched, matched_expired): call once per group.
 */
enum ea_accept_state ea_accept_match(struct ea_accept *a, const struct ea_group *g, int64_t now_ns,
                                     const struct ea_accept_entry **which);

/* Entries that matched no group (stale exceptions), in file order, into out (room for max). */
size_t ea_accept_unmatched(const struct ea_accept *a, const struct ea_accept_entry **out, size_t max);

struct ea_rr_node;

/* What an accept file did to a report. */
struct ea_accept_counts {
    uint64_t accepted, accepted_flows;  /* groups an entry holds for, and their flows */
    uint64_t expired;                   /* groups only expired entries match: they count again */
    uint64_t stale;                     /* entries that matched no group */
    int findings;                       /* the result once accepted groups are left out: 1 findings */
};

/*
 * Applies a to a report tree (report-read.h): every group an entry matches
 * gets accept="accepted" or "expired" with accept-who, accept-why,
 * accept-expires and accept-line (the entry's line); an <acceptances>
 * element after <summary> (after <changes> when present) lists every entry
 * with the groups it matched (stale="yes": none) and the result without the
 * accepted groups. Expiry is judged at the end of the capture (<capture
 * last>): the evidence's date, not the day the report is read; a capture of
 * no packet is judged at fallback_ns. A report's earlier acceptance is
 * replaced. Fills *c. Returns 0, or -1 on out-of-memory (root then partly
 * marked: free it).
 */
int ea_accept_apply(struct ea_accept *a, struct ea_rr_node *root, int64_t fallback_ns,
                    struct ea_accept_counts *c);

/* 1 when the report tree has findings: <acceptances result> when it has one, else <summary result>. */
int ea_accept_tree_findings(const struct ea_rr_node *root);

/* The acceptance's terminal lines on standard output ("edgeaudit WHO: accepted ..."); nothing without one. */
void ea_accept_print(const struct ea_rr_node *root, const char *who);

#endif
