/* rules.h: the edge port matrix as data: rules files, roles and site files. */
#ifndef EA_RULES_H
#define EA_RULES_H

#include <libxml/tree.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* At most this many rules in all loaded files (flows keep a bit per rule). */
#define EA_MAX_RULES 64
/* At most this many roles, "any" included (flows keep a bit per role). */
#define EA_MAX_ROLES 32

/* The protocol a rule requires. */
enum ea_rule_proto {
    EA_RP_SIP = 0,     /* SIP (over TLS / mutual TLS when security says so) */
    EA_RP_XMPP,        /* XMPP server-to-server (jabber:server), STARTTLS allowed */
    EA_RP_STUN,        /* STUN or MS-TURN */
    EA_RP_RTP,         /* RTP/RTCP (RFC 4571 on TCP) or STUN connectivity checks */
    EA_RP_PSOM,        /* PSOM (web conferencing) inside TLS or mutual TLS */
    EA_RP_HTTP,        /* HTTP; HTTPS when security is TLS or mutual TLS */
    EA_RP_DNS,         /* DNS over UDP or TCP */
    EA_RP_TLS,         /* any application inside TLS or mutual TLS */
    EA_RP__COUNT
};

enum ea_rule_sec { EA_SEC_NONE = 0, EA_SEC_TLS, EA_SEC_MTLS };

/* "sip", "xmpp", "stun", "rtp", "psom", "http", "dns", "tls" */
const char *ea_rule_proto_name(enum ea_rule_proto p);
const char *ea_rule_sec_name(enum ea_rule_sec s);       /* "none", "tls", "mtls" */

/* Behind NAT, which of its addresses a role's CIDR is (site file <address nat=...>). */
enum ea_nat { EA_NAT_NONE = 0, EA_NAT_PRIVATE, EA_NAT_PUBLIC };

const char *ea_nat_name(enum ea_nat n);   /* NULL for EA_NAT_NONE, "private", "public" */

struct ea_cidr {
    uint8_t family;          /* 4 or 6 */
    uint8_t prefix;          /* bits */
    uint8_t addr[16];        /* network address, host bits zeroed */
    uint8_t nat;             /* enum ea_nat: 0 unless a site file says */
};

struct ea_role {
    char *name;              /* owned */
    bool audited;            /* an audited host: edge-access, edge-internal */
    bool builtin_any;        /* the built-in role "any": every address */
    struct ea_cidr *cidrs;   /* owned array; a union's is its members' (kept up to date) */
    size_t ncidrs;
    uint32_t members;        /* a union (rules file members="..."): bit i for role i, else 0 */
};

/* At most this many rules files loaded at once (a pack and a site's own rules). */
#define EA_MAX_DOCS 16

/* A loaded rules file: the pack and the page it transcribes. */
struct ea_rules_doc {
    char *pack;              /* the file's name without directory and ".xml" (owned) */
    char *title;             /* <document title>, else NULL (owned) */
    char *href;              /* <document href>, else NULL (owned) */
    size_t nrules;           /* rules this file added */
};

struct ea_rule {
    char *id;                /* stable id, e.g. "sipfed-edge-out" (owned) */
    char *table;             /* the seed table it comes from (owned) */
    char *note;              /* the seed's note (owned) */
    char *seed_wording;      /* the seed's own words where the rule narrows them, else NULL */
    char *narrowed_why;      /* why it was narrowed, else NULL */
    enum ea_rule_proto proto;
    enum ea_rule_sec sec;
    uint8_t transport;       /* IPPROTO_TCP or IPPROTO_UDP */
    uint16_t port_lo, port_hi;
    int src_role;            /* index into ruleset roles: the initiator */
    int dst_role;            /* the responder */
    char *file;              /* the file it came from (owned) */
    int line;
    char *seed_row;          /* the table's first column, e.g. "Access/SIP(MTLS)/TCP/5061", else NULL (owned) */
    char *corrected_wording; /* the page's words where the rule corrects them (<corrected>), else NULL */
    char *corrected_why;     /* why, else NULL (both owned) */
    int doc;                 /* index into ruleset docs: the file it came from */
    uint8_t mtls_seen_only;  /* --mtls-evidence seen: only a client certificate seen in clear satisfies "mtls" */
};

struct ea_ruleset {
    struct ea_rule rules[EA_MAX_RULES];
    size_t nrules;
    struct ea_role roles[EA_MAX_ROLES];
    size_t nroles;           /* roles[0] is always "any" */
    struct ea_rules_doc docs[EA_MAX_DOCS];
    size_t ndocs;
};

/* An empty ruleset holding only the built-in role "any". NULL on out-of-memory. */
struct ea_ruleset *ea_ruleset_new(void);

/* Frees the ruleset and all it owns. NULL is a no-op. */
void ea_ruleset_free(struct ea_ruleset *rs);

/*
 * Loads a rules file, validated against rules.rng (found in 'schema_dir'),
 * and appends its roles and rules. On error returns -1 and writes one line,
 * "FILE:LINE: cause", into err; the ruleset is left as it was before the
 * call. Duplicate rule ids across files are an error.
 */
int ea_ruleset_load_rules(struct ea_ruleset *rs, const char *path, const char *schema_dir,
                          char *err, size_t errlen);

/*
 * Loads a site file (validated against site.rng) mapping role names to
 * addresses and CIDRs. Unknown role names are an error. Same error contract.
 */
/* Load it after the rules files; its addresses add to those a role has. */
int ea_ruleset_load_site(struct ea_ruleset *rs, const char *path, const char *schema_dir,
                         char *err, size_t errlen);

/* Applies one "--role NAME=CIDR[,CIDR...]" argument. Same error contract ("--role: cause"). */
/* The role must be declared by then: --role is applied after every rules file
 * (and the site file) has loaded. Addresses add to those the role has. */
int ea_ruleset_add_role_arg(struct ea_ruleset *rs, const char *arg, char *err, size_t errlen);

/* --mtls-evidence: with seen_only, a mutual-TLS answer inferred from a TLS 1.3
   handshake's shape no longer satisfies the rules loaded so far. */
void ea_ruleset_set_mtls_seen_only(struct ea_ruleset *rs, int seen_only);

/* Index of the role with that name, or -1. */
int ea_ruleset_role_index(const struct ea_ruleset *rs, const char *name);

/* Parses "192.0.2.0/24", "2001:db8::1" (host prefix when no length). 0 on success. */
int ea_cidr_parse(const char *s, struct ea_cidr *out);

/* 1 when the address (family 4 or 6) is inside the CIDR. */
int ea_cidr_contains(const struct ea_cidr *c, uint8_t family, const uint8_t *addr);

/* Bit i set when the address belongs to role i ("any", bit 0, always set). */
uint32_t ea_ruleset_roles_of(const struct ea_ruleset *rs, uint8_t family, const uint8_t *addr);

/*
 * libxml2 SAX internalSubset hook (xmlChar is unsigned char): a DOCTYPE stops
 * the parse before any DTD or entity is read, and the parser context's
 * _private (a long *) gets the line. Shared by the rules and report loaders.
 */
void ea_xml_refuse_doctype(void *ctx, const unsigned char *name, const unsigned char *eid,
                           const unsigned char *sid);

/* 1 when the role has addresses (or is "any"); a union, when a member has. */
int ea_role_configured(const struct ea_role *r);

/* Whether the address is a role's NAT public or private address (EA_NAT_NONE if neither). */
enum ea_nat ea_ruleset_nat_of(const struct ea_ruleset *rs, uint8_t family, const uint8_t *addr);

/*
 * The pack a name stands for: "edge" -> "lync2013-edge.xml", "edge-nat" ->
 * "lync2013-edge-nat.xml", "reverse-proxy" -> "lync2013-reverse-proxy.xml".
 * Writes the file name into buf. -1 (buf empty) for a name that is not a
 * shipped pack; ea_rules_pack_names lists them.
 */
int ea_rules_pack_file(const char *name, char *buf, size_t n);
extern const char *const ea_rules_pack_names[];   /* NULL-terminated */

/*
 * An XML file of our own kind (rules, site, accept file): parsed without
 * network or DTD loading (a DOCTYPE is refused) and validated against
 * schema_dir/schema_name, its root element 'root'. Returns the document
 * (caller frees with xmlFreeDoc), or NULL with one line "FILE:LINE: cause"
 * in err.
 */
xmlDocPtr ea_rules_load_valid(const char *path, const char *schema_dir, const char *schema_name,
                              const char *root, char *err, size_t errlen);

#endif
