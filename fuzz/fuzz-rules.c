/* fuzz-rules.c: libFuzzer target for the rules and site loaders (XML files validated by RELAX NG). */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz.h"
#include "rules.h"

static char schema[4096], defaults[4096];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = fz_srcdir();
    (void)argc;
    (void)argv;
    snprintf(schema, sizeof(schema), "%s/rules", dir);
    snprintf(defaults, sizeof(defaults), "%s/rules/lync2013-edge.xml", dir);
    return 0;
}

/* A failed load leaves the ruleset as it was and says why in one line. */
static void check_failed(const struct ea_ruleset *rs, size_t nrules, size_t nroles, const char *err,
                         size_t errlen)
{
    if (rs->nrules != nrules || rs->nroles != nroles)
        FZ_FAIL("a failed load changed the ruleset: rules %zu -> %zu, roles %zu -> %zu",
                nrules, rs->nrules, nroles, rs->nroles);
    const char *nul = memchr(err, '\0', errlen);
    if (!nul || nul == err || memchr(err, '\n', (size_t)(nul - err)))
        FZ_FAIL("the load error is not one non-empty line");
}

/* What every loaded ruleset must hold, whatever file it came from. */
static void check_loaded(const struct ea_ruleset *rs)
{
    if (rs->nrules > EA_MAX_RULES || rs->nroles > EA_MAX_ROLES || rs->nroles < 1)
        FZ_FAIL("ruleset out of bounds: %zu rules, %zu roles", rs->nrules, rs->nroles);
    if (!rs->roles[0].builtin_any)
        FZ_FAIL("roles[0] is not the built-in any");
    for (size_t i = 0; i < rs->nrules; i++) {
        const struct ea_rule *r = &rs->rules[i];
        if (!r->id || r->src_role < 0 || (size_t)r->src_role >= rs->nroles ||
            r->dst_role < 0 || (size_t)r->dst_role >= rs->nroles)
            FZ_FAIL("rule %zu has no id or a role index out of range", i);
        if (r->port_lo > r->port_hi)
            FZ_FAIL("rule %s: port range %u-%u is backwards", r->id, r->port_lo, r->port_hi);
        if (r->transport != 6 && r->transport != 17)
            FZ_FAIL("rule %s: transport %u", r->id, r->transport);
    }
    for (size_t i = 0; i < rs->nroles; i++) {
        const struct ea_role *ro = &rs->roles[i];
        if (!ro->name)
            FZ_FAIL("role %zu has no name", i);
        for (size_t k = 0; k < ro->ncidrs; k++) {
            const struct ea_cidr *c = &ro->cidrs[k];
            if (!((c->family == 4 && c->prefix <= 32) || (c->family == 6 && c->prefix <= 128)))
                FZ_FAIL("role %s: CIDR family %u prefix %u", ro->name, c->family, c->prefix);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512], path[64];
    struct ea_ruleset *rs = NULL;
    int fd = -1;

    if (!schema[0])
        LLVMFuzzerInitialize(NULL, NULL);
    if (size < 1)
        return 0;
    /* First byte: 0x01 set loads the rest as a rules file, else as a site file over the defaults. */
    int as_rules = data[0] & 1;
    fd = fz_memfd("fuzz-rules", data + 1, size - 1, path, sizeof(path));
    rs = ea_ruleset_new();
    if (!rs)
        goto out;
    if (!as_rules && ea_ruleset_load_rules(rs, defaults, schema, err, sizeof(err)) != 0)
        FZ_FAIL("cannot load the default rules: %s", err);
    size_t nrules = rs->nrules, nroles = rs->nroles;
    int rc = as_rules ? ea_ruleset_load_rules(rs, path, schema, err, sizeof(err))
                      : ea_ruleset_load_site(rs, path, schema, err, sizeof(err));
    if (rc != 0)
        check_failed(rs, nrules, nroles, err, sizeof(err));
    check_loaded(rs);
    /* Loading the same rules twice must fail on the duplicate ids and change nothing. */
    if (rc == 0 && as_rules && rs->nrules > nrules) {
        nrules = rs->nrules;
        nroles = rs->nroles;
        if (ea_ruleset_load_rules(rs, path, schema, err, sizeof(err)) == 0)
            FZ_FAIL("the same rules file loaded twice without a duplicate-id error");
        check_failed(rs, nrules, nroles, err, sizeof(err));
    }
    uint8_t a4[16] = { 192, 0, 2, 10 };
    ea_ruleset_roles_of(rs, 4, a4);
out:
    ea_ruleset_free(rs);
    close(fd);
    return 0;
}
