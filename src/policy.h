/* policy.h: a verdict for every flow and a status for every rule of the matrix. */
#ifndef EA_POLICY_H
#define EA_POLICY_H

#include "flow.h"
#include "rules.h"

enum ea_verdict {
    EA_V_ALLOWED = 0,
    EA_V_UNVERIFIED,
    EA_V_UNEXPECTED,
    EA_V_BLOCKED,
    EA_V_OUT_OF_SCOPE,
    EA_V__COUNT
};

enum ea_reason {
    EA_R_SATISFIED = 0,       /* allowed */
    EA_R_UNCONFIRMED,         /* unverified: application or security not confirmed */
    EA_R_NO_RULE,             /* no rule for this port or direction */
    EA_R_WRONG_PROTOCOL,      /* right port, wrong protocol */
    EA_R_LOW_SECURITY,        /* security below what the rule requires */
    EA_R_WRONG_SIDE,          /* right port and destination, initiator in the wrong role */
    EA_R_SYN_UNANSWERED,      /* blocked: SYNs with no SYN-ACK */
    EA_R_SYN_RST,             /* blocked: SYN answered by RST */
    EA_R_ICMP_UNREACHABLE,    /* blocked: ICMP error quoting the flow */
    EA_R_UDP_NO_REPLY,        /* blocked: UDP request with no reply */
    EA_R_NOT_AUDITED,         /* out of scope: touches no audited host */
    EA_R__COUNT
};

enum ea_rule_status {
    EA_RS_OBSERVED = 0,
    EA_RS_BLOCKED,
    EA_RS_NOT_OBSERVED,
    EA_RS_UNCONFIGURED,
    EA_RS__COUNT
};

const char *ea_verdict_name(enum ea_verdict v);         /* "allowed", "out-of-scope", ... */
const char *ea_reason_name(enum ea_reason r);           /* "no-rule", "wrong-protocol", ... */
const char *ea_rule_status_name(enum ea_rule_status s); /* "observed", "not-observed", ... */

/* Flows listed as a rule's evidence at most (the counts stay exact). */
#define EA_EVIDENCE_MAX 256

struct ea_rule_stat {
    enum ea_rule_status status;
    uint64_t allowed;          /* flows that satisfy the rule */
    uint64_t unverified;       /* flows that fit it but could not be confirmed */
    uint64_t blocked;          /* blocked attempts the rule requires */
    uint64_t violations;       /* unexpected flows that would have fit it */
    uint64_t bytes;            /* bytes of allowed and unverified flows */
    uint64_t first_ns, last_ns;
    uint64_t evidence[EA_EVIDENCE_MAX];   /* flow ids */
    size_t nevidence;
};

struct ea_policy {
    const struct ea_ruleset *rs;           /* borrowed; must outlive the policy */
    uint32_t audited;                      /* bit per audited role of rs, read at ea_policy_new */
    struct ea_rule_stat stat[EA_MAX_RULES];
    uint64_t verdicts[EA_V__COUNT];
    uint64_t blocked_required;             /* blocked flows that a rule requires */
    uint64_t statuses[EA_RS__COUNT];       /* filled by ea_policy_finish */
    int finished;
};

/*
 * NULL on out-of-memory. The ruleset is borrowed, and its roles are read
 * once here (which are audited): load every rules file first.
 */
struct ea_policy *ea_policy_new(const struct ea_ruleset *rs);
void ea_policy_free(struct ea_policy *pol);   /* NULL is a no-op */

/*
 * Judging a flow is three steps, which ea_policy_judge composes:
 *   d = ea_policy_decide(pol, f);        pure: reads the rules and the flow
 *   if (d.turn) ea_flow_turn(f);         the caller settles the orientation
 *   ea_policy_account(pol, &d, f);       counts, into pol only
 *   ea_policy_record(pol->rs, &d, f);    the verdict and its words, into f
 * ea_policy_explain gives the words alone, into a caller's buffer.
 */

/* The longest reason text, NUL included (longer words are cut, never overflow). */
#define EA_REASON_TEXT_MAX 1024

/* What the policy concludes about one flow: plain data, nothing owned. */
struct ea_decision {
    enum ea_verdict verdict;
    enum ea_reason reason;
    uint64_t rules;             /* bit per rule index: the rules the verdict is about (those it
                                   satisfies, would have, or whose blocked attempt it is); the
                                   lowest one gives the words */
    uint8_t blocked_required;   /* blocked, and a rule requires it: a finding */
    uint8_t turn;               /* 1: the initiator was inferred and only the other orientation
                                   fits a rule, so the flow must be turned round (ea_flow_turn)
                                   before ea_policy_account, _record or _explain */
};

/*
 * Holds the flow against the rules. Pure: the flow and the policy are only
 * read (a flow still in its table, being inspected, may be decided), and
 * the same flow always gives the same decision, turned round or not.
 */
struct ea_decision ea_policy_decide(const struct ea_policy *pol, const struct ea_flow *f);

/*
 * Counts a decision: the verdict counters, and for the rules it is about
 * (not those of a wrong side) their allowed, unverified, blocked or
 * violation counts, bytes, times and evidence ids. The flow is only read,
 * oriented as d says. Call once per flow.
 */
void ea_policy_account(struct ea_policy *pol, const struct ea_decision *d, const struct ea_flow *f);

/*
 * The reason's plain words, into buf (n bytes, always NUL-terminated; up to
 * EA_REASON_TEXT_MAX are used). Pure; the flow must be oriented as d says.
 */
void ea_policy_explain(const struct ea_ruleset *rs, const struct ea_decision *d,
                       const struct ea_flow *f, char *buf, size_t n);

/*
 * Writes the decision into the flow's verdict (judged, v, reason, rules,
 * blocked_required, and text, owned by the flow; the old text is freed).
 * The flow must be oriented as d says. Counts nothing. Returns -1 only on
 * out-of-memory (the flow is still judged, without text).
 */
int ea_policy_record(const struct ea_ruleset *rs, const struct ea_decision *d, struct ea_flow *f);

/*
 * The three steps at once: decides, turns the flow round when the decision
 * says so, counts it toward the rules and records the verdict with its
 * words. Call once per flow, after classification ended (never on a flow
 * still being inspected: it may turn it). Returns -1 only on out-of-memory
 * (the flow is still judged, without text).
 */
int ea_policy_judge(struct ea_policy *pol, struct ea_flow *f);

/* Sets every rule's status from what was judged. Call again after more flows. */
void ea_policy_finish(struct ea_policy *pol);

/*
 * The one rule for "findings" (exit code 1): unexpected flows, blocked
 * attempts a rule requires, or rules blocked or not observed. verdicts has
 * EA_V__COUNT counts, statuses EA_RS__COUNT (a merge of reports uses it too).
 */
int ea_findings(const uint64_t *verdicts, uint64_t blocked_required, const uint64_t *statuses);

/* 1 when the run has findings: unexpected flows, required rows blocked or not observed. */
int ea_policy_has_findings(const struct ea_policy *pol);

#endif
