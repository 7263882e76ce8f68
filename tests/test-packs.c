/* test-packs.c: unit tests of the rule packs (issue 14): loading, unions of roles, NAT addresses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "tests.h"
#include "rules.h"
#include "rules-cmd.h"

static char rdir[2048];

static const char *rules_dir(void)
{
    const char *d = getenv("EA_SRCDIR");
    snprintf(rdir, sizeof(rdir), "%s/rules", (d && *d) ? d : "..");
    return rdir;
}

/* Loads the shipped pack NAME into rs (a fresh one when rs is NULL); the test fails if it does not. */
static struct ea_ruleset *load_pack(struct ea_ruleset *rs, const char *name)
{
    char file[128], path[4096], err[512] = "";
    if (!rs)
        rs = ea_ruleset_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    CU_ASSERT_EQUAL_FATAL(ea_rules_pack_file(name, file, sizeof(file)), 0);
    snprintf(path, sizeof(path), "%s/%s", rules_dir(), file);
    int rc = ea_ruleset_load_rules(rs, path, rdir, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "\nload_pack %s: %s\n", name, err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    return rs;
}

static const struct ea_rule *rule(const struct ea_ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->nrules; i++)
        if (strcmp(rs->rules[i].id, id) == 0)
            return &rs->rules[i];
    return NULL;
}

static const char *role_name(const struct ea_ruleset *rs, int i)
{
    return rs->roles[i].name;
}

/* Writes a temporary file; the caller unlinks it. */
static void tmp_write(char *path, size_t n, const char *name, const char *text)
{
    const char *base = getenv("TMPDIR");
    snprintf(path, n, "%s/ea-packs-%ld-%s", (base && *base) ? base : "/tmp", (long)getpid(), name);
    FILE *fp = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_pack_names(void)
{
    char buf[64];
    CU_ASSERT_EQUAL(ea_rules_pack_file("edge", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "lync2013-edge.xml");
    CU_ASSERT_EQUAL(ea_rules_pack_file("edge-nat", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "lync2013-edge-nat.xml");
    CU_ASSERT_EQUAL(ea_rules_pack_file("reverse-proxy", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "lync2013-reverse-proxy.xml");
    /* Only shipped names: no path, no file name, no prefix of a name. */
    CU_ASSERT_EQUAL(ea_rules_pack_file("../edge", buf, sizeof(buf)), -1);
    CU_ASSERT_STRING_EQUAL(buf, "");
    CU_ASSERT_EQUAL(ea_rules_pack_file("lync2013-edge.xml", buf, sizeof(buf)), -1);
    CU_ASSERT_EQUAL(ea_rules_pack_file("edge-", buf, sizeof(buf)), -1);
    CU_ASSERT_EQUAL(ea_rules_pack_file(NULL, buf, sizeof(buf)), -1);
    CU_ASSERT_EQUAL(ea_rules_pack_file("edge-nat", buf, 10), -1);   /* too small: nothing half-written */
    CU_ASSERT_STRING_EQUAL(buf, "");
    size_t n = 0;
    while (ea_rules_pack_names[n])
        n++;
    CU_ASSERT_EQUAL(n, 6);
    CU_ASSERT_STRING_EQUAL(ea_rule_proto_name(EA_RP_PSOM), "psom");
    CU_ASSERT_STRING_EQUAL(ea_rule_proto_name(EA_RP_HTTP), "http");
    CU_ASSERT_STRING_EQUAL(ea_rule_proto_name(EA_RP_DNS), "dns");
    CU_ASSERT_STRING_EQUAL(ea_rule_proto_name(EA_RP_TLS), "tls");
    CU_ASSERT_PTR_NULL(ea_nat_name(EA_NAT_NONE));
    CU_ASSERT_STRING_EQUAL(ea_nat_name(EA_NAT_PUBLIC), "public");
    CU_ASSERT_STRING_EQUAL(ea_nat_name(EA_NAT_PRIVATE), "private");
}

/* Every shipped pack loads alone; its rule count is its page's <tbody> rows (tests/pack-check.py). */
static void test_packs_load(void)
{
    static const struct { const char *name; size_t rules; const char *title; } w[] = {
        { "edge", 11, "Port summary - SIP, XMPP federation, and public instant messaging in Lync Server 2013" },
        { "edge-nat", 37, "Port summary - Single consolidated edge with private IP addresses using NAT in Lync Server 2013" },
        { "edge-public", 37, "Port summary - Single consolidated edge with public IP addresses in Lync Server 2013" },
        { "edge-scaled-dns", 37, "Port summary - Scaled consolidated edge, DNS load balancing with public IP addresses in Lync Server 2013" },
        { "edge-scaled-hlb", 33, "Port summary - Scaled consolidated edge with hardware load balancers in Lync Server 2013" },
        { "reverse-proxy", 5, "Port summary - Reverse proxy in Lync Server 2013" },
    };
    for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
        struct ea_ruleset *rs = load_pack(NULL, w[i].name);
        char pack[64];
        snprintf(pack, sizeof(pack), "lync2013-%s", w[i].name);
        CU_ASSERT_EQUAL(rs->nrules, w[i].rules);
        CU_ASSERT_EQUAL(rs->ndocs, 1);
        CU_ASSERT_STRING_EQUAL(rs->docs[0].pack, pack);
        CU_ASSERT_STRING_EQUAL(rs->docs[0].title, w[i].title);
        CU_ASSERT_PTR_NOT_NULL(rs->docs[0].href);
        CU_ASSERT_EQUAL(rs->docs[0].nrules, w[i].rules);
        for (size_t r = 0; r < rs->nrules; r++) {
            CU_ASSERT_EQUAL(rs->rules[r].doc, 0);
            if (i > 0)   /* the seed has one rule from its prose; the pages' are all table rows */
                CU_ASSERT_PTR_NOT_NULL(rs->rules[r].seed_row);
        }
        ea_ruleset_free(rs);
    }
}

/* The fields of a few rows of each kind, and the seed's ids kept for the seed's rows. */
static void test_pack_fields(void)
{
    struct ea_ruleset *rs = load_pack(NULL, "edge-nat");
    const struct ea_rule *r = rule(rs, "ext-psom-tls-in");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(r->proto, EA_RP_PSOM);
    CU_ASSERT_EQUAL(r->sec, EA_SEC_TLS);
    CU_ASSERT_EQUAL(r->port_lo, 443);
    CU_ASSERT_STRING_EQUAL(role_name(rs, r->src_role), "any");
    CU_ASSERT_STRING_EQUAL(role_name(rs, r->dst_role), "edge-webconf");
    CU_ASSERT_STRING_EQUAL(r->seed_row, "Web Conferencing/PSOM(TLS)/TCP/443");
    r = rule(rs, "int-psom-mtls-in");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(r->sec, EA_SEC_MTLS);
    CU_ASSERT_EQUAL(r->port_lo, 8057);
    CU_ASSERT_STRING_EQUAL(role_name(rs, r->src_role), "front-end");
    CU_ASSERT_STRING_EQUAL(r->seed_wording, "Any (can be defined as Front End Server IP address, or each Front End Server IP address in a Front End pool)");
    CU_ASSERT_PTR_NOT_NULL(r->narrowed_why);
    r = rule(rs, "int-cls-mtls-50002");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(r->proto, EA_RP_TLS);
    CU_ASSERT_EQUAL(r->port_lo, 50002);
    CU_ASSERT_PTR_NULL(r->seed_wording);
    r = rule(rs, "ext-dns-udp-out");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(r->proto, EA_RP_DNS);
    CU_ASSERT_EQUAL(r->transport, 17);
    r = rule(rs, "ext-av-stun-tcp-in");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(r->proto, EA_RP_STUN);
    CU_ASSERT_EQUAL(r->transport, 6);
    CU_ASSERT_STRING_EQUAL(role_name(rs, r->dst_role), "edge-av");
    /* The seed's rows keep the seed's ids (with the A/V Edge as the page says, not the seed's Access). */
    r = rule(rs, "pic-rtp-tcp-out");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(role_name(rs, r->src_role), "edge-av");
    CU_ASSERT_STRING_EQUAL(r->table, "Firewall Summary \xe2\x80\x93 Public Instant Messaging Connectivity");
    CU_ASSERT_PTR_NOT_NULL(rule(rs, "sipfed-edge-out"));
    CU_ASSERT_PTR_NOT_NULL(rule(rs, "xmpp-gw-internal"));
    CU_ASSERT_PTR_NULL(rule(rs, "sipfed-partner-in"));   /* the seed's prose rule: not on this page */
    ea_ruleset_free(rs);

    rs = load_pack(NULL, "edge-public");
    r = rule(rs, "ext-av-rtp-tcp-out");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(role_name(rs, r->src_role), "edge-av");
    CU_ASSERT_STRING_EQUAL(r->corrected_wording, "Edge Server Access Edge service public IP address");
    CU_ASSERT_PTR_NOT_NULL(r->corrected_why);
    ea_ruleset_free(rs);

    rs = load_pack(NULL, "reverse-proxy");
    r = rule(rs, "rp-int-owa-https-443");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->note, "");   /* the page's cell is empty */
    CU_ASSERT_EQUAL(r->proto, EA_RP_HTTP);
    CU_ASSERT_EQUAL(r->sec, EA_SEC_TLS);
    r = rule(rs, "rp-int-http-8080");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(role_name(rs, r->dst_role), "director-or-front-end");
    ea_ruleset_free(rs);
}

/* Two packs at once: shared roles agree, ids do not clash, each rule knows its pack. */
static void test_packs_combine(void)
{
    struct ea_ruleset *rs = load_pack(NULL, "edge-nat");
    load_pack(rs, "reverse-proxy");
    CU_ASSERT_EQUAL(rs->nrules, 42);
    CU_ASSERT_EQUAL(rs->ndocs, 2);
    CU_ASSERT_STRING_EQUAL(rs->docs[1].pack, "lync2013-reverse-proxy");
    CU_ASSERT_EQUAL(rs->docs[1].nrules, 5);
    CU_ASSERT_EQUAL(rule(rs, "rp-ext-http-80")->doc, 1);
    CU_ASSERT_EQUAL(rule(rs, "ext-dns-tcp-out")->doc, 0);
    /* The public and NAT packs share ids: loading both is refused, and nothing changes. */
    char path[4096], err[512] = "";
    snprintf(path, sizeof(path), "%s/lync2013-edge-public.xml", rules_dir());
    CU_ASSERT_EQUAL(ea_ruleset_load_rules(rs, path, rdir, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "duplicate rule id 'ext-xmpp-s2s-in'"));
    CU_ASSERT_EQUAL(rs->nrules, 42);
    CU_ASSERT_EQUAL(rs->ndocs, 2);
    ea_ruleset_free(rs);
}

static uint32_t roles_of4(const struct ea_ruleset *rs, const char *a)
{
    uint8_t b[16] = { 0 };
    CU_ASSERT_EQUAL(inet_pton(AF_INET, a, b), 1);
    return ea_ruleset_roles_of(rs, 4, b);
}

static enum ea_nat nat_of4(const struct ea_ruleset *rs, const char *a)
{
    uint8_t b[16] = { 0 };
    CU_ASSERT_EQUAL(inet_pton(AF_INET, a, b), 1);
    return ea_ruleset_nat_of(rs, 4, b);
}

/* A union role holds its members' addresses, kept up to date by site files and --role. */
static void test_union_roles(void)
{
    char err[512] = "", site[512];
    struct ea_ruleset *rs = load_pack(NULL, "edge-nat");
    int u = ea_ruleset_role_index(rs, "director-or-front-end");
    int fe = ea_ruleset_role_index(rs, "front-end"), dir = ea_ruleset_role_index(rs, "director");
    CU_ASSERT_FATAL(u > 0 && fe > 0 && dir > 0);
    CU_ASSERT_EQUAL(rs->roles[u].members, (1u << fe) | (1u << dir));
    CU_ASSERT_FALSE(ea_role_configured(&rs->roles[u]));
    tmp_write(site, sizeof(site), "site.xml",
              "<site><role name=\"front-end\"><address>198.51.100.20</address></role></site>\n");
    CU_ASSERT_EQUAL_FATAL(ea_ruleset_load_site(rs, site, rdir, err, sizeof(err)), 0);
    unlink(site);
    CU_ASSERT_TRUE(ea_role_configured(&rs->roles[u]));
    CU_ASSERT_TRUE(roles_of4(rs, "198.51.100.20") & (1u << u));
    CU_ASSERT_FALSE(roles_of4(rs, "198.51.100.21") & (1u << u));
    CU_ASSERT_EQUAL(ea_ruleset_add_role_arg(rs, "director=198.51.100.21", err, sizeof(err)), 0);
    CU_ASSERT_TRUE(roles_of4(rs, "198.51.100.21") & (1u << u));
    CU_ASSERT_TRUE(roles_of4(rs, "198.51.100.21") & (1u << dir));
    CU_ASSERT_FALSE(roles_of4(rs, "198.51.100.21") & (1u << fe));
    /* A union takes no addresses of its own. */
    CU_ASSERT_EQUAL(ea_ruleset_add_role_arg(rs, "director-or-front-end=198.51.100.22", err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "is a union of other roles"));
    tmp_write(site, sizeof(site), "site2.xml",
              "<site>\n<role name=\"front-end-or-sba\"><address>198.51.100.23</address></role></site>\n");
    CU_ASSERT_EQUAL(ea_ruleset_load_site(rs, site, rdir, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2: role 'front-end-or-sba' is a union"));
    unlink(site);
    CU_ASSERT_EQUAL(rs->roles[u].ncidrs, 2);
    ea_ruleset_free(rs);
}

/* members must name roles declared before the union, neither "any" nor a union. */
static void test_union_errors(void)
{
    static const struct { const char *roles; const char *cause; } bad[] = {
        { "<role name=\"u\" members=\"a b\">u</role><role name=\"b\">b</role>", "member 'b' is not declared before" },
        { "<role name=\"b\">b</role><role name=\"u\" members=\"a any\">u</role>", "member 'any' is 'any' or a union" },
        { "<role name=\"b\">b</role><role name=\"u\" members=\"a b\">u</role><role name=\"v\" members=\"u\">v</role>",
          "member 'u' is 'any' or a union" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[1024], path[512], err[512] = "";
        snprintf(text, sizeof(text),
                 "<rules version=\"1\"><roles><role name=\"a\" audited=\"true\">a</role>%s</roles></rules>\n",
                 bad[i].roles);
        tmp_write(path, sizeof(path), "bad-union.xml", text);
        struct ea_ruleset *rs = ea_ruleset_new();
        CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
        CU_ASSERT_EQUAL(ea_ruleset_load_rules(rs, path, rules_dir(), err, sizeof(err)), -1);
        if (!strstr(err, bad[i].cause))
            fprintf(stderr, "\n  want '%s'\n  got  '%s'\n", bad[i].cause, err);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].cause));
        CU_ASSERT_EQUAL(rs->nroles, 1);
        ea_ruleset_free(rs);
        unlink(path);
    }
    /* A later file may declare the union again with the same members, not with others. */
    char path[512], err[512] = "";
    struct ea_ruleset *rs = load_pack(NULL, "edge-nat");
    tmp_write(path, sizeof(path), "redeclare.xml",
              "<rules version=\"1\"><roles><role name=\"director-or-front-end\" members=\"front-end\">x</role>"
              "</roles></rules>\n");
    CU_ASSERT_EQUAL(ea_ruleset_load_rules(rs, path, rules_dir(), err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "declared earlier with other members"));
    unlink(path);
    ea_ruleset_free(rs);
}

/* The NAT site example: both addresses of the A/V Edge, and which one an address is. */
static void test_nat_site(void)
{
    char err[512] = "", site[4096];
    struct ea_ruleset *rs = load_pack(NULL, "edge-nat");
    snprintf(site, sizeof(site), "%s/examples/site-nat.xml", rules_dir());
    int rc = ea_ruleset_load_site(rs, site, rdir, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "\n%s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    int av = ea_ruleset_role_index(rs, "edge-av");
    CU_ASSERT_TRUE(roles_of4(rs, "192.0.2.10") & (1u << av));    /* private, behind NAT */
    CU_ASSERT_TRUE(roles_of4(rs, "192.0.2.202") & (1u << av));   /* public */
    CU_ASSERT_EQUAL(nat_of4(rs, "192.0.2.10"), EA_NAT_PRIVATE);
    CU_ASSERT_EQUAL(nat_of4(rs, "192.0.2.202"), EA_NAT_PUBLIC);
    CU_ASSERT_EQUAL(nat_of4(rs, "198.51.100.10"), EA_NAT_NONE);  /* the internal interface: no NAT */
    CU_ASSERT_EQUAL(nat_of4(rs, "203.0.113.99"), EA_NAT_NONE);
    CU_ASSERT_EQUAL(ea_ruleset_nat_of(NULL, 4, NULL), EA_NAT_NONE);
    for (size_t i = 1; i < rs->nroles; i++)
        if (!ea_role_configured(&rs->roles[i]))
            fprintf(stderr, "\n  role %s has no addresses in site-nat.xml\n", rs->roles[i].name);
    for (size_t i = 1; i < rs->nroles; i++)
        CU_ASSERT_TRUE(ea_role_configured(&rs->roles[i]));
    ea_ruleset_free(rs);
}

/* Runs "edgeaudit rules ARGS..." (datadir: the source tree); out and err are malloc'd. */
static int run_args(char **out, char **err, const char *const *given)
{
    char *argv[16];
    int argc = 0;
    size_t no = 0, ne = 0;
    argv[argc++] = (char *)"rules";
    argv[argc++] = (char *)"--datadir";
    argv[argc++] = (char *)rules_dir();
    for (size_t i = 0; i < 12 && given[i]; i++)
        argv[argc++] = (char *)given[i];
    argv[argc] = NULL;
    FILE *fo = open_memstream(out, &no), *fe = open_memstream(err, &ne);
    CU_ASSERT_FATAL(fo && fe);
    int rc = ea_rules_main(argc, argv, fo, fe);
    fclose(fo);
    fclose(fe);
    return rc;
}

/* run_rules(&out, &err, "--pack", "edge-nat", ...): at most 12 arguments. */
#define run_rules(out, err, ...) run_args((out), (err), (const char *const[]){ __VA_ARGS__, NULL })

static size_t count_lines(const char *s, const char *prefix)
{
    size_t n = 0, pl = strlen(prefix);
    for (const char *p = s; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        n += strncmp(p, prefix, pl) == 0;
    return n;
}

/* edgeaudit rules: the table, the unaddressed audited roles, --strict. */
static void test_rules_cmd(void)
{
    char *out = NULL, *err = NULL, site[4096];
    snprintf(site, sizeof(site), "%s/examples/site-nat.xml", rules_dir());
    CU_ASSERT_EQUAL(run_rules(&out, &err, "--pack", "edge-nat", "--site", site, "--strict"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "pack lync2013-edge-nat: 37 rules from \"Port summary - Single "
                                       "consolidated edge with private IP addresses using NAT in Lync Server 2013\""));
    CU_ASSERT_EQUAL(count_lines(out, "id "), 1);
    CU_ASSERT_EQUAL(count_lines(out, "ext-"), 16);
    CU_ASSERT_EQUAL(count_lines(out, "int-"), 11);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nint-psom-mtls-in         psom(mtls) tcp       8057        "
                                       "front-end              edge-internal          Web conferencing traffic"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\next-av-rtp-udp-in        rtp        udp       50000-59999 any"));
    CU_ASSERT_EQUAL(count_lines(out, "unaddressed:"), 0);
    CU_ASSERT_STRING_EQUAL(err, "");
    free(out);
    free(err);

    /* Without a site every audited role is unaddressed: listed; exit 2 only with --strict. */
    CU_ASSERT_EQUAL(run_rules(&out, &err, "--pack", "edge-nat"), 0);
    CU_ASSERT_EQUAL(count_lines(out, "unaddressed: audited role "), 4);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "unaddressed: audited role edge-webconf has no addresses (1 rule needs it)\n"));
    free(out);
    free(err);
    CU_ASSERT_EQUAL(run_rules(&out, &err, "--pack", "edge-nat", "--strict"), 2);
    CU_ASSERT_EQUAL(count_lines(out, "unaddressed: audited role "), 4);
    free(out);
    free(err);
    CU_ASSERT_EQUAL(run_rules(&out, &err, "--pack", "edge-nat", "--role", "edge-av=192.0.2.10", "--strict"), 2);
    CU_ASSERT_EQUAL(count_lines(out, "unaddressed: audited role "), 3);
    CU_ASSERT_PTR_NULL(strstr(out, "role edge-av "));
    free(out);
    free(err);

}

/* edgeaudit rules: two packs, the default, --rules, and the errors. */
static void test_rules_cmd_more(void)
{
    char *out = NULL, *err = NULL, site[4096];
    snprintf(site, sizeof(site), "%s/examples/site-nat.xml", rules_dir());
    CU_ASSERT_EQUAL(run_rules(&out, &err, "--pack", "edge-nat", "--pack", "reverse-proxy"), 0);
    CU_ASSERT_EQUAL(count_lines(out, "pack "), 2);
    CU_ASSERT_EQUAL(count_lines(out, "rp-"), 5);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nrp-int-owa-https-443     http(tls)  tcp       443         rp-internal            owa                    \n"));
    free(out);
    free(err);
    CU_ASSERT_EQUAL(run_args(&out, &err, (const char *const[]){ NULL }), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "pack lync2013-edge: 11 rules"));
    free(out);
    free(err);
    char extra[4096];
    snprintf(extra, sizeof(extra), "%s/examples/site-extra-rules.xml", rules_dir());
    CU_ASSERT_EQUAL(run_rules(&out, &err, "--pack", "edge", "--rules", extra), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "pack site-extra-rules: 2 rules from \"Example Corp Edge firewall change"));
    CU_ASSERT_EQUAL(count_lines(out, "site-remote-"), 2);
    free(out);
    free(err);
    CU_ASSERT_EQUAL(run_rules(&out, &err, "--pack", "../lync2013-edge"), 2);
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_STRING_EQUAL(err, "edgeaudit: --pack: unknown pack '../lync2013-edge' (one of: edge edge-nat "
                                "edge-public edge-scaled-dns edge-scaled-hlb reverse-proxy)\n");
    free(out);
    free(err);
    CU_ASSERT_EQUAL(run_rules(&out, &err, "--bogus"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown or incomplete option '--bogus'"));
    free(out);
    free(err);
    CU_ASSERT_EQUAL(run_rules(&out, &err, "extra-arg"), 2);
    free(out);
    free(err);
    /* A site naming a role the pack does not declare is a rules error. */
    CU_ASSERT_EQUAL(run_rules(&out, &err, "--pack", "reverse-proxy", "--site", site), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown role 'edge-access'"));
    free(out);
    free(err);
}

void ea_test_add_packs(void)
{
    EA_SUITE("packs",
             { "pack names and the new protocol names", test_pack_names },
             { "every shipped pack loads: rules per page, pack and page", test_packs_load },
             { "pack fields, seed ids, corrected and empty notes", test_pack_fields },
             { "two packs combine; clashing ids refused", test_packs_combine },
             { "union roles follow their members", test_union_roles },
             { "union role errors", test_union_errors },
             { "NAT: public and private addresses", test_nat_site },
             { "edgeaudit rules: table, unaddressed roles, --strict", test_rules_cmd },
             { "edgeaudit rules: packs, --rules, errors", test_rules_cmd_more });
}
