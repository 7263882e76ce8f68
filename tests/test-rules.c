/* test-rules.c: unit tests of the rules, site and --role loaders and of CIDR matching. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "tests.h"
#include "rules.h"

/*
 * The source tree root comes from $EA_SRCDIR (the test runner sets it);
 * unset, the runner is assumed to run in <build>/tests of an in-tree build,
 * so the root is "..".
 */
static const char *srcdir(void)
{
    const char *d = getenv("EA_SRCDIR");
    return (d && *d) ? d : "..";
}

static char rules_dir[2048];
static char default_rules[4096];

static void paths_init(void)
{
    snprintf(rules_dir, sizeof(rules_dir), "%s/rules", srcdir());
    snprintf(default_rules, sizeof(default_rules), "%s/lync2013-edge.xml", rules_dir);
}

static void rules_path(char *buf, size_t n, const char *name)
{
    paths_init();
    snprintf(buf, n, "%s/%s", rules_dir, name);
}

/* A fresh ruleset holding the shipped matrix (test fails when it does not load). */
static struct ea_ruleset *load_default(void)
{
    char err[512] = "";
    struct ea_ruleset *rs = ea_ruleset_new();
    paths_init();
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    int rc = ea_ruleset_load_rules(rs, default_rules, rules_dir, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "\nload_default: %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    return rs;
}

static const struct ea_rule *find_rule(const struct ea_ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->nrules; i++)
        if (strcmp(rs->rules[i].id, id) == 0)
            return &rs->rules[i];
    return NULL;
}

/* ---- temp files ---- */

struct tmpd {
    char dir[256];
    char files[32][512];
    int nfiles;
};

static void tmpd_init(struct tmpd *t)
{
    const char *base = getenv("TMPDIR");
    memset(t, 0, sizeof(*t));
    snprintf(t->dir, sizeof(t->dir), "%s/ea-rules-XXXXXX", (base && *base) ? base : "/tmp");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(t->dir));
}

/* Writes 'text' to DIR/name and returns the path (owned by t). */
static const char *tmpd_write(struct tmpd *t, const char *name, const char *text)
{
    CU_ASSERT_FATAL(t->nfiles < 32);
    char path[sizeof(t->files[0])];
    snprintf(path, sizeof(path), "%.256s/%.200s", t->dir, name);
    char *p = t->files[t->nfiles++];
    memcpy(p, path, sizeof(path));
    FILE *fp = fopen(p, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    fputs(text, fp);
    fclose(fp);
    return p;
}

static void tmpd_free(struct tmpd *t)
{
    for (int i = 0; i < t->nfiles; i++)
        unlink(t->files[i]);
    rmdir(t->dir);
}

/* err is exactly "FILE:LINE: ..." on one line and mentions 'cause'. */
static int err_is(const char *err, const char *file, long line, const char *cause)
{
    char prefix[600];
    snprintf(prefix, sizeof(prefix), "%s:%ld: ", file, line);
    int ok = strncmp(err, prefix, strlen(prefix)) == 0 && !strchr(err, '\n') &&
             (!cause || strstr(err, cause));
    if (!ok)
        fprintf(stderr, "\n  want '%s...%s'\n  got  '%s'\n", prefix, cause ? cause : "", err);
    return ok;
}

/* ---- the shipped matrix ---- */

#define T_SIP "Firewall Summary - SIP Federation"
#define T_PIC "Firewall Summary \xe2\x80\x93 Public Instant Messaging Connectivity" /* en dash */
#define T_XMPP "Firewall Summary - Extensible Messaging and Presence Protocol (XMPP)"
#define N_PIC_SIP "For federated and public IM connectivity that use SIP."
#define N_PIC_STUN "Required for public IM connectivity with Windows Live Messenger."

struct want_rule {
    const char *id;
    enum ea_rule_proto proto;
    enum ea_rule_sec sec;
    uint8_t transport;
    uint16_t lo, hi;
    const char *src, *dst;
    const char *table;
    const char *note;
};

static const struct want_rule want[] = {
    { "sipfed-edge-out", EA_RP_SIP, EA_SEC_MTLS, 6, 5061, 5061, "edge-access", "any", T_SIP,
      "For federated and public IM connectivity using SIP" },
    { "sipfed-partner-in", EA_RP_SIP, EA_SEC_MTLS, 6, 5061, 5061, "federated-partner", "edge-access",
      "Introduction (first paragraph)",
      "Federated partners however, will initiate communications to the Access Edge service over "
      "MTLS/SIP/TCP 5061." },
    { "pic-sip-in", EA_RP_SIP, EA_SEC_MTLS, 6, 5061, 5061, "public-im-partner", "edge-access", T_PIC,
      N_PIC_SIP },
    { "pic-sip-out", EA_RP_SIP, EA_SEC_MTLS, 6, 5061, 5061, "edge-access", "public-im-partner", T_PIC,
      N_PIC_SIP },
    { "client-sip-443", EA_RP_SIP, EA_SEC_TLS, 6, 443, 443, "client", "edge-access", T_PIC,
      "Client-to-server SIP traffic for external user access." },
    { "pic-rtp-tcp-out", EA_RP_RTP, EA_SEC_NONE, 6, 50000, 59999, "edge-access", "live-messenger-client",
      T_PIC, "Used for A/V sessions with Windows Live Messenger if public IM connectivity is configured." },
    { "pic-stun-out", EA_RP_STUN, EA_SEC_NONE, 17, 3478, 3478, "edge-access", "live-messenger-client",
      T_PIC, N_PIC_STUN },
    { "pic-stun-in", EA_RP_STUN, EA_SEC_NONE, 17, 3478, 3478, "live-messenger-client", "edge-access",
      T_PIC, N_PIC_STUN },
    { "xmpp-s2s-in", EA_RP_XMPP, EA_SEC_NONE, 6, 5269, 5269, "any", "edge-access", T_XMPP,
      "Standard server-to-server communication port for XMPP. Allows communication to the Edge Server "
      "XMPP proxy from federated XMPP partners" },
    { "xmpp-s2s-out", EA_RP_XMPP, EA_SEC_NONE, 6, 5269, 5269, "edge-access", "any", T_XMPP,
      "Standard server-to-server communication port for XMPP. Allows communication from the Edge Server "
      "XMPP proxy to federated XMPP partners" },
    { "xmpp-gw-internal", EA_RP_XMPP, EA_SEC_MTLS, 6, 23456, 23456, "front-end", "edge-internal", T_XMPP,
      "Internal XMPP traffic from the XMPP Gateway on the Front End Server or Front End pool to the "
      "Edge Server" },
};
#define NWANT (sizeof(want) / sizeof(want[0]))

static void test_names(void)
{
    CU_ASSERT_STRING_EQUAL(ea_rule_proto_name(EA_RP_SIP), "sip");
    CU_ASSERT_STRING_EQUAL(ea_rule_proto_name(EA_RP_XMPP), "xmpp");
    CU_ASSERT_STRING_EQUAL(ea_rule_proto_name(EA_RP_STUN), "stun");
    CU_ASSERT_STRING_EQUAL(ea_rule_proto_name(EA_RP_RTP), "rtp");
    CU_ASSERT_STRING_EQUAL(ea_rule_proto_name(EA_RP__COUNT), "?");
    CU_ASSERT_STRING_EQUAL(ea_rule_sec_name(EA_SEC_NONE), "none");
    CU_ASSERT_STRING_EQUAL(ea_rule_sec_name(EA_SEC_TLS), "tls");
    CU_ASSERT_STRING_EQUAL(ea_rule_sec_name(EA_SEC_MTLS), "mtls");
    CU_ASSERT_STRING_EQUAL(ea_rule_sec_name((enum ea_rule_sec)7), "?");
    ea_ruleset_free(NULL);   /* no-op */
}

static void test_new_has_any(void)
{
    struct ea_ruleset *rs = ea_ruleset_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    CU_ASSERT_EQUAL(rs->nroles, 1);
    CU_ASSERT_EQUAL(rs->nrules, 0);
    CU_ASSERT_STRING_EQUAL(rs->roles[0].name, "any");
    CU_ASSERT_TRUE(rs->roles[0].builtin_any);
    CU_ASSERT_EQUAL(ea_ruleset_role_index(rs, "any"), 0);
    CU_ASSERT_EQUAL(ea_ruleset_role_index(rs, "edge-access"), -1);
    CU_ASSERT_TRUE(ea_role_configured(&rs->roles[0]));
    ea_ruleset_free(rs);
}

static void test_default_rules(void)
{
    struct ea_ruleset *rs = load_default();
    CU_ASSERT_EQUAL(rs->nrules, NWANT);
    for (size_t i = 0; i < NWANT; i++) {
        const struct want_rule *w = &want[i];
        const struct ea_rule *r = find_rule(rs, w->id);
        CU_ASSERT_PTR_NOT_NULL(r);
        if (!r) {
            fprintf(stderr, "\n  missing rule %s\n", w->id);
            continue;
        }
        CU_ASSERT_EQUAL(r->proto, w->proto);
        CU_ASSERT_EQUAL(r->sec, w->sec);
        CU_ASSERT_EQUAL(r->transport, w->transport);
        CU_ASSERT_EQUAL(r->port_lo, w->lo);
        CU_ASSERT_EQUAL(r->port_hi, w->hi);
        CU_ASSERT_EQUAL(r->src_role, ea_ruleset_role_index(rs, w->src));
        CU_ASSERT_EQUAL(r->dst_role, ea_ruleset_role_index(rs, w->dst));
        CU_ASSERT_STRING_EQUAL(r->table, w->table);
        CU_ASSERT_STRING_EQUAL(r->note, w->note);   /* wrapped in the file, one line here */
        CU_ASSERT_STRING_EQUAL(r->file, default_rules);
        CU_ASSERT(r->line > 20);                    /* below the header comment */
        if (strcmp(w->id, "sipfed-partner-in") == 0) {
            CU_ASSERT_PTR_NULL(r->seed_row);   /* prose has no table row */
        } else {
            CU_ASSERT_PTR_NOT_NULL(r->seed_row);
        }
        if (strcmp(w->id, "xmpp-gw-internal") == 0) {
            CU_ASSERT_STRING_EQUAL(r->seed_wording, "Any");
            CU_ASSERT_PTR_NOT_NULL(r->narrowed_why);
            CU_ASSERT_PTR_NOT_NULL(r->narrowed_why ? strstr(r->narrowed_why, "narrowed to front-end") : NULL);
        } else {
            CU_ASSERT_PTR_NULL(r->seed_wording);
            CU_ASSERT_PTR_NULL(r->narrowed_why);
        }
    }
    /* The seed's first column, kept for traceability. */
    CU_ASSERT_STRING_EQUAL(find_rule(rs, "pic-rtp-tcp-out")->seed_row, "A/V/RTP/TCP/50,000-59,999");
    CU_ASSERT_STRING_EQUAL(find_rule(rs, "pic-stun-in")->seed_row, "A/V/STUN,MSTURN/UDP/3478");
    CU_ASSERT_STRING_EQUAL(find_rule(rs, "sipfed-edge-out")->seed_row, "Access/SIP(MTLS)/TCP/5061");
    /* Rules keep the file's order; a rule's line is where "<rule" starts. */
    CU_ASSERT_STRING_EQUAL(rs->rules[0].id, "sipfed-edge-out");
    CU_ASSERT_EQUAL(rs->rules[0].line, 47);
    for (size_t i = 1; i < rs->nrules; i++)
        CU_ASSERT(rs->rules[i].line > rs->rules[i - 1].line);

    /* Roles: 'any' plus the seven declared; only the Edge's two sides audited. */
    static const char *const roles[] = { "any", "edge-access", "edge-internal", "front-end",
                                         "federated-partner", "public-im-partner", "client",
                                         "live-messenger-client" };
    CU_ASSERT_EQUAL(rs->nroles, 8);
    for (size_t i = 0; i < 8 && i < rs->nroles; i++) {
        CU_ASSERT_STRING_EQUAL(rs->roles[i].name, roles[i]);
        CU_ASSERT_EQUAL(rs->roles[i].audited, i == 1 || i == 2);
        CU_ASSERT_EQUAL(rs->roles[i].builtin_any, i == 0);
        CU_ASSERT_EQUAL(rs->roles[i].ncidrs, 0);
        CU_ASSERT_EQUAL(ea_role_configured(&rs->roles[i]), i == 0);
    }
    ea_ruleset_free(rs);
}

static void test_site_example(void)
{
    char site[4096], err[512] = "";
    uint8_t a[16];
    struct ea_ruleset *rs = load_default();
    rules_path(site, sizeof(site), "examples/site-example.xml");
    CU_ASSERT_EQUAL_FATAL(ea_ruleset_load_site(rs, site, rules_dir, err, sizeof(err)), 0);
    for (size_t i = 0; i < rs->nroles; i++)
        CU_ASSERT_TRUE(ea_role_configured(&rs->roles[i]));
    int ea = ea_ruleset_role_index(rs, "edge-access");
    int fe = ea_ruleset_role_index(rs, "front-end");
    CU_ASSERT_EQUAL(rs->roles[ea].ncidrs, 2);
    inet_pton(AF_INET, "192.0.2.10", a);
    CU_ASSERT_EQUAL(ea_ruleset_roles_of(rs, 4, a), 1u | (1u << ea));
    inet_pton(AF_INET6, "2001:db8:e::10", a);
    CU_ASSERT_EQUAL(ea_ruleset_roles_of(rs, 6, a), 1u | (1u << ea));
    inet_pton(AF_INET, "198.51.100.20", a);
    CU_ASSERT_EQUAL(ea_ruleset_roles_of(rs, 4, a), 1u | (1u << fe));
    inet_pton(AF_INET, "203.0.113.99", a);   /* an internet host in no role */
    CU_ASSERT_EQUAL(ea_ruleset_roles_of(rs, 4, a), 1u);
    ea_ruleset_free(rs);
}

static void test_extra_rules(void)
{
    char extra[4096], err[512] = "";
    struct ea_ruleset *rs = load_default();
    rules_path(extra, sizeof(extra), "examples/site-extra-rules.xml");
    CU_ASSERT_EQUAL_FATAL(ea_ruleset_load_rules(rs, extra, rules_dir, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(rs->nrules, NWANT + 2);
    CU_ASSERT_EQUAL(rs->nroles, 9);
    const struct ea_rule *r = find_rule(rs, "site-remote-stun-in");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(r->src_role, ea_ruleset_role_index(rs, "remote-office-client"));
    CU_ASSERT_EQUAL(r->dst_role, ea_ruleset_role_index(rs, "edge-access"));   /* from the first file */
    CU_ASSERT_STRING_EQUAL(r->file, extra);
    CU_ASSERT_PTR_NOT_NULL(find_rule(rs, "xmpp-gw-internal"));
    /* The new role takes addresses like any other. */
    CU_ASSERT_EQUAL(ea_ruleset_add_role_arg(rs, "remote-office-client=203.0.113.60", err, sizeof(err)), 0);
    ea_ruleset_free(rs);

    /* Alone, the extra file names roles nobody declared. */
    rs = ea_ruleset_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    CU_ASSERT_EQUAL(ea_ruleset_load_rules(rs, extra, rules_dir, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown role 'edge-access'"));
    CU_ASSERT_EQUAL(rs->nrules, 0);
    CU_ASSERT_EQUAL(rs->nroles, 1);
    ea_ruleset_free(rs);
}

static void test_duplicate_ids(void)
{
    char err[512] = "";
    struct tmpd t;
    struct ea_ruleset *rs = load_default();
    tmpd_init(&t);
    const char *dup = tmpd_write(&t, "dup.xml",
        "<?xml version=\"1.0\"?>\n"                                           /* 1 */
        "<rules version=\"1\">\n"                                             /* 2 */
        "  <rule id=\"site-ok\" protocol=\"sip\" security=\"tls\" transport=\"tcp\"\n" /* 3 */
        "        port=\"444\" from=\"client\" to=\"edge-access\">\n"          /* 4 */
        "    <table title=\"t\"/><note>n</note></rule>\n"                     /* 5 */
        "  <rule id=\"pic-sip-in\" protocol=\"sip\" security=\"tls\" transport=\"tcp\"\n" /* 6 */
        "        port=\"443\" from=\"client\" to=\"edge-access\">\n"
        "    <table title=\"t\"/><note>n</note></rule>\n"
        "</rules>\n");
    CU_ASSERT_EQUAL(ea_ruleset_load_rules(rs, dup, rules_dir, err, sizeof(err)), -1);
    CU_ASSERT_TRUE(err_is(err, dup, 6, "duplicate rule id 'pic-sip-in' (first in "));
    /* Unchanged: the good rule before the duplicate was not kept. */
    CU_ASSERT_EQUAL(rs->nrules, NWANT);
    CU_ASSERT_PTR_NULL(find_rule(rs, "site-ok"));

    /* The shipped file twice: its roles agree, its first rule clashes. */
    CU_ASSERT_EQUAL(ea_ruleset_load_rules(rs, default_rules, rules_dir, err, sizeof(err)), -1);
    CU_ASSERT_TRUE(err_is(err, default_rules, rs->rules[0].line, "duplicate rule id 'sipfed-edge-out'"));
    CU_ASSERT_EQUAL(rs->nrules, NWANT);
    CU_ASSERT_EQUAL(rs->nroles, 8);
    ea_ruleset_free(rs);
    tmpd_free(&t);
}

/* ---- error paths: one line, "FILE:LINE: cause", ruleset unchanged ---- */

#define HEAD "<?xml version=\"1.0\"?>\n<rules version=\"1\">\n"   /* lines 1-2 */
#define RULE(id, port, from, to)                                                        \
    "  <rule id=\"" id "\" protocol=\"sip\" security=\"tls\" transport=\"tcp\" port=\"" port \
    "\" from=\"" from "\" to=\"" to "\"><table title=\"t\"/><note>n</note></rule>\n"

struct bad_case {
    const char *name;
    const char *text;
    long line;
    const char *cause;
};

static const struct bad_case bad_rules[] = {
    { "syntax.xml",
      HEAD "  <roles>\n"
           "    <role name=\"x\">x</rol>\n"                       /* 4: mismatched end tag */
           "  </roles>\n</rules>\n",
      4, "Opening and ending tag mismatch" },
    { "schema.xml",
      HEAD "\n"
           "  <rule id=\"r\" protocol=\"ftp\" security=\"tls\" transport=\"tcp\" port=\"1\"\n" /* 4 */
           "        from=\"client\" to=\"edge-access\"><table title=\"t\"/><note>n</note></rule>\n"
           "</rules>\n",
      4, "does not match rules.rng" },
    { "schema-child.xml",
      HEAD RULE("r1", "1", "client", "edge-access")          /* 3 */
           "  <rule id=\"r2\" protocol=\"sip\" security=\"tls\" transport=\"tcp\" port=\"2\"\n" /* 4 */
           "        from=\"client\" to=\"edge-access\"><table title=\"t\"/></rule>\n"  /* no note */
           "</rules>\n",
      4, "does not match rules.rng" },
    { "unknown-role.xml",
      HEAD RULE("r1", "1", "client", "edge-access")
           RULE("r2", "2", "client", "edge-acess")             /* 4: typo */
           "</rules>\n",
      4, "unknown role 'edge-acess' in to" },
    { "reversed.xml",
      HEAD "\n\n" RULE("r1", "60000-50000", "client", "edge-access")   /* 5 */
           "</rules>\n",
      5, "port range 60000-50000 is reversed" },
    { "port-zero.xml",
      HEAD RULE("r1", "0-10", "client", "edge-access") "</rules>\n",   /* 3 */
      3, "port 0 out of range 1..65535" },
    { "port-big.xml",
      HEAD RULE("r1", "5061-65536", "client", "edge-access") "</rules>\n",
      3, "port 65536 out of range 1..65535" },
    { "declare-any.xml",
      HEAD "  <roles>\n"
           "    <role name=\"dmz\"/>\n"
           "    <role name=\"any\" audited=\"true\"/>\n"            /* 5 */
           "  </roles>\n</rules>\n",
      5, "role 'any' is built in" },
    { "role-twice.xml",
      HEAD "  <roles>\n"
           "    <role name=\"dmz\"/>\n"
           "    <role name=\"dmz\"/>\n"                             /* 5 */
           "  </roles>\n</rules>\n",
      5, "role 'dmz' declared twice" },
    { "role-audit-flip.xml",
      HEAD "  <roles>\n"
           "    <role name=\"client\" audited=\"true\"/>\n"         /* 4: the matrix says not audited */
           "  </roles>\n</rules>\n",
      4, "declared earlier with audited=\"false\"" },
    { "unaudited.xml",
      HEAD RULE("r1", "1", "client", "front-end") "</rules>\n",      /* 3 */
      3, "touches no audited role" },
    { "doctype.xml",
      "<?xml version=\"1.0\"?>\n"
      "<!-- a comment -->\n"
      "<!DOCTYPE rules [ <!ENTITY a \"aaaaaaaaaa\"> ]>\n"          /* 3 */
      "<rules version=\"1\"/>\n",
      3, "DOCTYPE declarations are not allowed" },
    { "wrong-root.xml",
      "<?xml version=\"1.0\"?>\n<site/>\n",
      2, "does not match rules.rng" },
    { "empty.xml", "", 1, NULL },
};

static void test_bad_rules_files(void)
{
    struct tmpd t;
    struct ea_ruleset *rs = load_default();
    tmpd_init(&t);
    for (size_t i = 0; i < sizeof(bad_rules) / sizeof(bad_rules[0]); i++) {
        const struct bad_case *b = &bad_rules[i];
        char err[512] = "";
        const char *p = tmpd_write(&t, b->name, b->text);
        CU_ASSERT_EQUAL(ea_ruleset_load_rules(rs, p, rules_dir, err, sizeof(err)), -1);
        CU_ASSERT_TRUE(err_is(err, p, b->line, b->cause));
        CU_ASSERT_EQUAL(rs->nrules, NWANT);
        CU_ASSERT_EQUAL(rs->nroles, 8);
    }
    CU_ASSERT_FALSE(rs->roles[ea_ruleset_role_index(rs, "client")].audited);
    ea_ruleset_free(rs);
    tmpd_free(&t);
}

static void test_missing_files(void)
{
    char err[512] = "", missing[600];
    struct tmpd t;
    struct ea_ruleset *rs = load_default();
    tmpd_init(&t);
    snprintf(missing, sizeof(missing), "%s/no-such.xml", t.dir);
    CU_ASSERT_EQUAL(ea_ruleset_load_rules(rs, missing, rules_dir, err, sizeof(err)), -1);
    CU_ASSERT_TRUE(err_is(err, missing, 0, "cannot open: No such file"));
    CU_ASSERT_EQUAL(ea_ruleset_load_site(rs, missing, rules_dir, err, sizeof(err)), -1);
    CU_ASSERT_TRUE(err_is(err, missing, 0, "cannot open"));

    /* A schema directory without the schema: the error names the schema. */
    char schema[600];
    snprintf(schema, sizeof(schema), "%s/rules.rng", t.dir);
    CU_ASSERT_EQUAL(ea_ruleset_load_rules(rs, default_rules, t.dir, err, sizeof(err)), -1);
    CU_ASSERT_TRUE(err_is(err, schema, 0, NULL));
    CU_ASSERT_EQUAL(rs->nrules, NWANT);

    /* A NULL or empty err buffer is allowed. */
    CU_ASSERT_EQUAL(ea_ruleset_load_rules(rs, missing, rules_dir, NULL, 0), -1);
    ea_ruleset_free(rs);
    tmpd_free(&t);
}

static void test_limits(void)
{
    char err[512] = "";
    struct tmpd t;
    struct ea_ruleset *rs = load_default();
    tmpd_init(&t);

    /* Rules: line 2 + i holds rule i; rule number EA_MAX_RULES - NWANT + 1 overflows. */
    size_t cap = 64 * 1024;
    char *buf = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    size_t o = (size_t)snprintf(buf, cap, HEAD);
    for (int i = 1; i <= EA_MAX_RULES; i++)
        o += (size_t)snprintf(buf + o, cap - o, RULE("x%d", "%d", "client", "edge-access"), i, i);
    snprintf(buf + o, cap - o, "</rules>\n");
    const char *p = tmpd_write(&t, "many-rules.xml", buf);
    CU_ASSERT_EQUAL(ea_ruleset_load_rules(rs, p, rules_dir, err, sizeof(err)), -1);
    CU_ASSERT_TRUE(err_is(err, p, 2 + (EA_MAX_RULES - (long)NWANT + 1), "too many rules"));
    CU_ASSERT_EQUAL(rs->nrules, NWANT);

    /* Roles: 'any' and the matrix's seven leave room for 24; line 3 + i holds role i. */
    o = (size_t)snprintf(buf, cap, HEAD "  <roles>\n");
    for (int i = 1; i <= EA_MAX_ROLES; i++)
        o += (size_t)snprintf(buf + o, cap - o, "    <role name=\"r%d\"/>\n", i);
    snprintf(buf + o, cap - o, "  </roles>\n</rules>\n");
    p = tmpd_write(&t, "many-roles.xml", buf);
    CU_ASSERT_EQUAL(ea_ruleset_load_rules(rs, p, rules_dir, err, sizeof(err)), -1);
    CU_ASSERT_TRUE(err_is(err, p, 3 + (EA_MAX_ROLES - 8 + 1), "too many roles"));
    CU_ASSERT_EQUAL(rs->nroles, 8);
    free(buf);
    ea_ruleset_free(rs);
    tmpd_free(&t);
}

#define SHEAD "<?xml version=\"1.0\"?>\n<site>\n"   /* lines 1-2 */

static const struct bad_case bad_sites[] = {
    { "site-unknown.xml",
      SHEAD "  <role name=\"edge-access\"><address>192.0.2.10</address></role>\n"
            "  <role name=\"edge-acess\"><address>192.0.2.11</address></role>\n"   /* 4 */
            "</site>\n",
      4, "unknown role 'edge-acess'" },
    { "site-cidr.xml",
      SHEAD "  <role name=\"edge-access\">\n"
            "    <address>192.0.2.10</address>\n"
            "    <address>192.0.2.300</address>\n"                                /* 5 */
            "  </role>\n</site>\n",
      5, "bad address or CIDR '192.0.2.300'" },
    { "site-prefix.xml",
      SHEAD "  <role name=\"client\">\n"
            "    <address>2001:db8::/129</address>\n"                             /* 4 */
            "  </role>\n</site>\n",
      4, "bad address or CIDR '2001:db8::/129'" },
    { "site-any.xml",
      SHEAD "  <role name=\"any\"><address>0.0.0.0/0</address></role>\n" "</site>\n",   /* 3 */
      3, "takes no addresses" },
    { "site-schema.xml",
      SHEAD "  <role name=\"client\">\n"
            "    <address>fe80::1%eth0</address>\n"                               /* 4 */
            "  </role>\n</site>\n",
      4, "does not match site.rng" },
    { "site-syntax.xml",
      SHEAD "  <role name=\"client\">\n"
            "    <address>192.0.2.1</address\n"                                   /* 4 */
            "  </role>\n</site>\n",
      5, NULL },
};

static void test_bad_site_files(void)
{
    struct tmpd t;
    struct ea_ruleset *rs = load_default();
    tmpd_init(&t);
    for (size_t i = 0; i < sizeof(bad_sites) / sizeof(bad_sites[0]); i++) {
        const struct bad_case *b = &bad_sites[i];
        char err[512] = "";
        const char *p = tmpd_write(&t, b->name, b->text);
        CU_ASSERT_EQUAL(ea_ruleset_load_site(rs, p, rules_dir, err, sizeof(err)), -1);
        CU_ASSERT_TRUE(err_is(err, p, b->line, b->cause));
        /* The good address before a bad one was not kept either. */
        for (size_t r = 0; r < rs->nroles; r++)
            CU_ASSERT_EQUAL(rs->roles[r].ncidrs, 0);
    }
    ea_ruleset_free(rs);
    tmpd_free(&t);
}

/* ---- truncated files ---- */

/* Writes the first len bytes of text to path and loads it; returns the loader's rc. */
static int load_cut(struct ea_ruleset *rs, int site, const char *path, const char *text, size_t len,
                    char *err, size_t errlen)
{
    FILE *fp = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    fwrite(text, 1, len, fp);
    fclose(fp);
    err[0] = '\0';
    return site ? ea_ruleset_load_site(rs, path, rules_dir, err, errlen)
                : ea_ruleset_load_rules(rs, path, rules_dir, err, errlen);
}

/*
 * The file cut at every step'th offset before the end of its root element
 * (and just before it): each load fails with one "FILE:LINE: cause" line
 * and changes nothing. Cut after the root element, it loads.
 */
static void truncations(const char *src, int site, size_t step)
{
    struct tmpd t;
    char err[512];
    FILE *fp = fopen(src, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    char *text = malloc(65536);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    size_t n = fread(text, 1, 65535, fp);
    fclose(fp);
    text[n] = '\0';
    const char *close = site ? "</site>" : "</rules>";
    char *end = strstr(text, close);
    CU_ASSERT_PTR_NOT_NULL_FATAL(end);
    size_t complete = (size_t)(end - text) + strlen(close);
    struct ea_ruleset *rs = site ? load_default() : ea_ruleset_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    tmpd_init(&t);
    const char *p = tmpd_write(&t, "cut.xml", "");
    size_t plen = strlen(p);
    for (size_t i = 0; i <= complete / step; i++) {
        /* Offsets 0, step, 2*step, ... and last the one byte short of complete. */
        size_t len = (i < complete / step) ? i * step : complete - 1;
        int rc = load_cut(rs, site, p, text, len, err, sizeof(err));
        CU_ASSERT_EQUAL(rc, -1);
        CU_ASSERT(strncmp(err, p, plen) == 0 && err[plen] == ':' && !strchr(err, '\n'));
        CU_ASSERT_EQUAL(rs->nrules, site ? NWANT : 0);
        CU_ASSERT_EQUAL(rs->nroles, site ? 8 : 1);
        CU_ASSERT_EQUAL(rs->roles[rs->nroles - 1].ncidrs, 0);
    }
    CU_ASSERT_EQUAL(load_cut(rs, site, p, text, complete, err, sizeof(err)), 0);
    free(text);
    ea_ruleset_free(rs);
    tmpd_free(&t);
}

static void test_truncated_site(void)
{
    char site[4096];
    rules_path(site, sizeof(site), "examples/site-example.xml");
    truncations(site, 1, 1);
}

static void test_truncated_rules(void)
{
    paths_init();
    truncations(default_rules, 0, 7);   /* every 7th offset: each load compiles the schema */
}

/* ---- --role ---- */

static void test_role_arg(void)
{
    char err[512] = "";
    uint8_t a[16];
    struct ea_ruleset *rs = load_default();
    int ea = ea_ruleset_role_index(rs, "edge-access");
    int cl = ea_ruleset_role_index(rs, "client");

    CU_ASSERT_EQUAL(ea_ruleset_add_role_arg(rs, "edge-access=192.0.2.10,2001:db8:e::/64", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(rs->roles[ea].ncidrs, 2);
    CU_ASSERT_TRUE(ea_role_configured(&rs->roles[ea]));
    /* Spaces around items are ignored; repeated --role adds up. */
    CU_ASSERT_EQUAL(ea_ruleset_add_role_arg(rs, " edge-access = 192.0.2.11 , 192.0.2.12/32 ", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(rs->roles[ea].ncidrs, 4);
    inet_pton(AF_INET6, "2001:db8:e::ffff", a);
    CU_ASSERT_EQUAL(ea_ruleset_roles_of(rs, 6, a), 1u | (1u << ea));
    inet_pton(AF_INET, "192.0.2.12", a);
    CU_ASSERT_EQUAL(ea_ruleset_roles_of(rs, 4, a), 1u | (1u << ea));

    static const struct { const char *arg; const char *cause; } bad[] = {
        { "edge-access", "is not NAME=CIDR" },
        { "=192.0.2.1", "missing role name" },
        { "edge-acess=192.0.2.1", "unknown role 'edge-acess'" },
        { "any=0.0.0.0/0", "takes no addresses" },
        { "client=", "empty address" },
        { "client=203.0.113.40,", "empty address" },
        { "client=203.0.113.40,,203.0.113.41", "empty address" },
        { "client=203.0.113.40,203.0.113.400", "bad address or CIDR '203.0.113.400'" },
        { "client=203.0.113.0/33", "bad address or CIDR '203.0.113.0/33'" },
        { "client=2001:db8::/64x", "bad address or CIDR" },
        { "client=1111111111111111111111111111111111111111111111111111111111111111111111", "bad address" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        CU_ASSERT_EQUAL(ea_ruleset_add_role_arg(rs, bad[i].arg, err, sizeof(err)), -1);
        int ok = strncmp(err, "--role: ", 8) == 0 && strstr(err, bad[i].cause) && !strchr(err, '\n');
        if (!ok)
            fprintf(stderr, "\n  --role %s: got '%s'\n", bad[i].arg, err);
        CU_ASSERT_TRUE(ok);
    }
    /* A bad item after good ones adds nothing. */
    CU_ASSERT_EQUAL(rs->roles[cl].ncidrs, 0);
    CU_ASSERT_EQUAL(rs->roles[ea].ncidrs, 4);
    CU_ASSERT_EQUAL(ea_ruleset_add_role_arg(rs, NULL, err, sizeof(err)), -1);
    ea_ruleset_free(rs);
}

/* ---- CIDRs ---- */

static int in(const char *cidr, const char *addr)
{
    struct ea_cidr c;
    uint8_t a[16];
    CU_ASSERT_EQUAL_FATAL(ea_cidr_parse(cidr, &c), 0);
    if (strchr(addr, ':')) {
        CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET6, addr, a), 1);
        return ea_cidr_contains(&c, 6, a);
    }
    CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET, addr, a), 1);
    return ea_cidr_contains(&c, 4, a);
}

static void test_cidr_parse(void)
{
    struct ea_cidr c;
    /* Host prefix when no length. */
    CU_ASSERT_EQUAL(ea_cidr_parse("192.0.2.1", &c), 0);
    CU_ASSERT_EQUAL(c.family, 4);
    CU_ASSERT_EQUAL(c.prefix, 32);
    CU_ASSERT_EQUAL(c.addr[0], 192);
    CU_ASSERT_EQUAL(c.addr[3], 1);
    CU_ASSERT_EQUAL(ea_cidr_parse("::1", &c), 0);
    CU_ASSERT_EQUAL(c.family, 6);
    CU_ASSERT_EQUAL(c.prefix, 128);
    CU_ASSERT_EQUAL(c.addr[15], 1);
    /* Host bits zeroed: 192.0.2.10/24 -> 192.0.2.0, .200/25 -> .128 */
    CU_ASSERT_EQUAL(ea_cidr_parse("192.0.2.10/24", &c), 0);
    CU_ASSERT_EQUAL(c.prefix, 24);
    CU_ASSERT_EQUAL(c.addr[2], 2);
    CU_ASSERT_EQUAL(c.addr[3], 0);
    CU_ASSERT_EQUAL(ea_cidr_parse("192.0.2.200/25", &c), 0);
    CU_ASSERT_EQUAL(c.addr[3], 128);
    /* 2001:db8::ffff:ffff/113 -> ...:ffff:8000 */
    CU_ASSERT_EQUAL(ea_cidr_parse("2001:db8::ffff:ffff/113", &c), 0);
    CU_ASSERT_EQUAL(c.addr[12], 0xff);
    CU_ASSERT_EQUAL(c.addr[13], 0xff);
    CU_ASSERT_EQUAL(c.addr[14], 0x80);
    CU_ASSERT_EQUAL(c.addr[15], 0x00);
    CU_ASSERT_EQUAL(ea_cidr_parse("2001:db8::1/0", &c), 0);
    for (int i = 0; i < 16; i++)
        CU_ASSERT_EQUAL(c.addr[i], 0);

    static const char *const bad[] = {
        "", "/24", "192.0.2.1/", "192.0.2.1/33", "::/129", "192.0.2.1/2x", "192.0.2.1/-1",
        "192.0.2.1/0024", "192.0.2", "256.0.0.1", "192.0.2.1.5", "gg::1", "2001:db8:::1",
        "1:2:3:4:5:6:7:8:9", " 192.0.2.1", "192.0.2.1/24/8", "fe80::1%eth0",
        "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc:dddd:eeee",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = ea_cidr_parse(bad[i], &c);
        if (rc == 0)
            fprintf(stderr, "\n  accepted bad CIDR '%s'\n", bad[i]);
        CU_ASSERT_EQUAL(rc, -1);
    }
    CU_ASSERT_EQUAL(ea_cidr_parse(NULL, &c), -1);
    CU_ASSERT_EQUAL(ea_cidr_parse("192.0.2.1", NULL), -1);
}

static void test_cidr_contains(void)
{
    /* /0 holds every address of its family, and only of its family. */
    CU_ASSERT_TRUE(in("0.0.0.0/0", "255.255.255.255"));
    CU_ASSERT_TRUE(in("0.0.0.0/0", "0.0.0.0"));
    CU_ASSERT_FALSE(in("0.0.0.0/0", "::"));
    CU_ASSERT_TRUE(in("::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
    CU_ASSERT_FALSE(in("::/0", "192.0.2.1"));
    /* /32 and /128: exactly one address. */
    CU_ASSERT_TRUE(in("192.0.2.10/32", "192.0.2.10"));
    CU_ASSERT_FALSE(in("192.0.2.10/32", "192.0.2.11"));
    CU_ASSERT_FALSE(in("192.0.2.10", "192.0.2.9"));
    CU_ASSERT_TRUE(in("2001:db8:e::10/128", "2001:db8:e::10"));
    CU_ASSERT_FALSE(in("2001:db8:e::10", "2001:db8:e::11"));
    /* /127: a pair differing in the last bit. */
    CU_ASSERT_TRUE(in("2001:db8::2/127", "2001:db8::2"));
    CU_ASSERT_TRUE(in("2001:db8::2/127", "2001:db8::3"));
    CU_ASSERT_FALSE(in("2001:db8::2/127", "2001:db8::1"));
    CU_ASSERT_FALSE(in("2001:db8::2/127", "2001:db8::4"));
    /* Host bits in the text do not narrow the block. */
    CU_ASSERT_TRUE(in("192.0.2.10/24", "192.0.2.0"));
    CU_ASSERT_TRUE(in("192.0.2.10/24", "192.0.2.255"));
    CU_ASSERT_FALSE(in("192.0.2.10/24", "192.0.3.0"));
    CU_ASSERT_TRUE(in("2001:db8:e::10/64", "2001:db8:e::ffff:1"));
    CU_ASSERT_FALSE(in("2001:db8:e::10/64", "2001:db8:e:1::10"));
    /* Prefix not on a byte boundary. */
    CU_ASSERT_TRUE(in("192.0.2.128/25", "192.0.2.255"));
    CU_ASSERT_FALSE(in("192.0.2.128/25", "192.0.2.127"));
    CU_ASSERT_TRUE(in("10.0.0.0/9", "10.127.255.255"));
    CU_ASSERT_FALSE(in("10.0.0.0/9", "10.128.0.0"));
    /* An IPv4-mapped IPv6 address is not the IPv4 address. */
    CU_ASSERT_FALSE(in("192.0.2.10", "::ffff:192.0.2.10"));
    /* Bad arguments. */
    struct ea_cidr c;
    uint8_t a[16] = { 0 };
    CU_ASSERT_EQUAL(ea_cidr_parse("0.0.0.0/0", &c), 0);
    CU_ASSERT_EQUAL(ea_cidr_contains(&c, 5, a), 0);
    CU_ASSERT_EQUAL(ea_cidr_contains(NULL, 4, a), 0);
    CU_ASSERT_EQUAL(ea_cidr_contains(&c, 4, NULL), 0);
}

static void test_roles_of_overlap(void)
{
    char err[512] = "";
    uint8_t a[16];
    struct ea_ruleset *rs = load_default();
    int ea = ea_ruleset_role_index(rs, "edge-access");
    int cl = ea_ruleset_role_index(rs, "client");
    int lm = ea_ruleset_role_index(rs, "live-messenger-client");
    CU_ASSERT_EQUAL(ea_ruleset_add_role_arg(rs, "edge-access=192.0.2.0/24", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(ea_ruleset_add_role_arg(rs, "client=192.0.2.128/25,2001:db8::/32", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(ea_ruleset_add_role_arg(rs, "live-messenger-client=0.0.0.0/0", err, sizeof(err)), 0);
    inet_pton(AF_INET, "192.0.2.200", a);   /* in all three */
    CU_ASSERT_EQUAL(ea_ruleset_roles_of(rs, 4, a), 1u | (1u << ea) | (1u << cl) | (1u << lm));
    inet_pton(AF_INET, "192.0.2.1", a);     /* edge-access and the /0 */
    CU_ASSERT_EQUAL(ea_ruleset_roles_of(rs, 4, a), 1u | (1u << ea) | (1u << lm));
    inet_pton(AF_INET, "198.51.100.1", a);  /* only the /0 */
    CU_ASSERT_EQUAL(ea_ruleset_roles_of(rs, 4, a), 1u | (1u << lm));
    inet_pton(AF_INET6, "2001:db8:e::10", a);   /* the IPv4 /0 holds no IPv6 */
    CU_ASSERT_EQUAL(ea_ruleset_roles_of(rs, 6, a), 1u | (1u << cl));
    inet_pton(AF_INET6, "2001:db9::1", a);
    CU_ASSERT_EQUAL(ea_ruleset_roles_of(rs, 6, a), 1u);
    CU_ASSERT_EQUAL(ea_ruleset_roles_of(NULL, 4, a), 1u);
    CU_ASSERT_EQUAL(ea_ruleset_roles_of(rs, 4, NULL), 1u);
    ea_ruleset_free(rs);
}

void ea_test_add_rules(void)
{
    EA_SUITE("rules",
             { "proto and security names", test_names },
             { "new ruleset holds only any", test_new_has_any },
             { "shipped matrix: 11 rules, every field", test_default_rules },
             { "site example loads", test_site_example },
             { "extra rules combine with the matrix", test_extra_rules },
             { "duplicate ids across files", test_duplicate_ids },
             { "bad rules files: FILE:LINE: cause", test_bad_rules_files },
             { "missing files and schema", test_missing_files },
             { "too many rules and roles", test_limits },
             { "bad site files: FILE:LINE: cause", test_bad_site_files },
             { "site file cut at every offset", test_truncated_site },
             { "rules file cut at offsets", test_truncated_rules },
             { "--role parsing", test_role_arg },
             { "CIDR parsing", test_cidr_parse },
             { "CIDR containment edge cases", test_cidr_contains },
             { "roles_of with overlapping roles", test_roles_of_overlap });
}
