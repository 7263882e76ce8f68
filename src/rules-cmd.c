/* rules-cmd.c: the rules a run asks for (--pack, --rules, --site, --role) and "edgeaudit rules". */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rules-cmd.h"

#define ERRLEN 1024

/* Loads one shipped pack by name from the data directory. -1 with err set. */
static int load_pack(const struct ea_options *o, struct ea_ruleset *rs, const char *name,
                     const char *schema, char *err, size_t errlen)
{
    char file[64], dir[PATH_MAX], path[PATH_MAX + 80];
    if (ea_rules_pack_file(name, file, sizeof(file)) != 0) {
        size_t at = (size_t)snprintf(err, errlen, "--pack: unknown pack '%.64s' (one of:", name);
        for (size_t i = 0; ea_rules_pack_names[i] && at < errlen; i++)
            at += (size_t)snprintf(err + at, errlen - at, " %s", ea_rules_pack_names[i]);
        if (at < errlen)
            snprintf(err + at, errlen - at, ")");
        return -1;
    }
    if (ea_find_datadir(o, "rules", file, dir, sizeof(dir)) != 0) {
        snprintf(err, errlen, "--pack %s: cannot find %s (try --datadir)", name, file);
        return -1;
    }
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    return ea_ruleset_load_rules(rs, path, schema, err, errlen);
}

/* Same order as a run: packs, rules files, site, roles. */
int ea_rules_load(const struct ea_options *o, struct ea_ruleset *rs, FILE *errf)
{
    char err[ERRLEN], schema[PATH_MAX];
    int rc = -1;
    if (ea_find_datadir(o, "rules", "rules.rng", schema, sizeof(schema)) != 0) {
        fprintf(errf, "edgeaudit: cannot find the rules schema rules.rng (try --datadir)\n");
        return -1;
    }
    if (o->npacks == 0 && o->nrules == 0 && load_pack(o, rs, "edge", schema, err, sizeof(err)) != 0)
        goto out;
    for (size_t i = 0; i < o->npacks; i++)
        if (load_pack(o, rs, o->packs[i], schema, err, sizeof(err)) != 0)
            goto out;
    for (size_t i = 0; i < o->nrules; i++)
        if (ea_ruleset_load_rules(rs, o->rules[i], schema, err, sizeof(err)) != 0)
            goto out;
    if (o->site && ea_ruleset_load_site(rs, o->site, schema, err, sizeof(err)) != 0)
        goto out;
    for (size_t i = 0; i < o->nroles; i++)
        if (ea_ruleset_add_role_arg(rs, o->roles[i], err, sizeof(err)) != 0)
            goto out;
    rc = 0;
out:
    if (rc != 0)
        fprintf(errf, "edgeaudit: %s\n", err);
    return rc;
}

/* "sip(mtls)", "stun": the protocol with the security it needs, as the pages write it. */
static const char *proto_text(const struct ea_rule *r, char *buf, size_t n)
{
    if (r->sec == EA_SEC_NONE)
        snprintf(buf, n, "%s", ea_rule_proto_name(r->proto));
    else
        snprintf(buf, n, "%s(%s)", ea_rule_proto_name(r->proto), ea_rule_sec_name(r->sec));
    return buf;
}

/* Rules that need role i on either side. */
static size_t rules_needing(const struct ea_ruleset *rs, size_t i)
{
    size_t n = 0;
    for (size_t k = 0; k < rs->nrules; k++)
        n += (size_t)rs->rules[k].src_role == i || (size_t)rs->rules[k].dst_role == i;
    return n;
}

/* The table, then the audited roles without addresses; returns how many of those. */
size_t ea_rules_print(FILE *out, const struct ea_ruleset *rs)
{
    size_t missing = 0;
    for (size_t d = 0; d < rs->ndocs; d++) {
        const struct ea_rules_doc *doc = &rs->docs[d];
        fprintf(out, "pack %s: %zu rules from \"%s\"%s%s\n", doc->pack, doc->nrules,
                doc->title ? doc->title : "(no page named)", doc->href ? " " : "",
                doc->href ? doc->href : "");
    }
    fprintf(out, "%-24s %-10s %-9s %-11s %-22s %-22s %s\n", "id", "protocol", "transport", "port",
            "from", "to", "note");
    for (size_t k = 0; k < rs->nrules; k++) {
        const struct ea_rule *r = &rs->rules[k];
        char proto[32], port[16];
        if (r->port_lo == r->port_hi)
            snprintf(port, sizeof(port), "%u", r->port_lo);
        else
            snprintf(port, sizeof(port), "%u-%u", r->port_lo, r->port_hi);
        fprintf(out, "%-24s %-10s %-9s %-11s %-22s %-22s %s\n", r->id, proto_text(r, proto, sizeof(proto)),
                r->transport == 6 ? "tcp" : "udp", port, rs->roles[r->src_role].name,
                rs->roles[r->dst_role].name, r->note ? r->note : "");
    }
    for (size_t i = 1; i < rs->nroles; i++) {
        const struct ea_role *role = &rs->roles[i];
        if (!role->audited || ea_role_configured(role))
            continue;
        size_t n = rules_needing(rs, i);
        fprintf(out, "unaddressed: audited role %s has no addresses (%zu rule%s need%s it)\n",
                role->name, n, n == 1 ? "" : "s", n == 1 ? "s" : "");
        missing++;
    }
    return missing;
}

/* The subcommand's own options; the loading ones fill an ea_options as a run's do. */
static int parse(struct ea_options *o, int *strict, int argc, char **argv, FILE *errf)
{
    enum { O_PACK = 256, O_RULES, O_SITE, O_ROLE, O_DATADIR, O_STRICT };
    static const struct option lo[] = {
        { "pack", required_argument, NULL, O_PACK },
        { "rules", required_argument, NULL, O_RULES },
        { "site", required_argument, NULL, O_SITE },
        { "role", required_argument, NULL, O_ROLE },
        { "datadir", required_argument, NULL, O_DATADIR },
        { "strict", no_argument, NULL, O_STRICT },
        { NULL, 0, NULL, 0 },
    };
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case O_PACK: bad = ea_options_push(&o->packs, &o->npacks, optarg); break;
        case O_RULES: bad = ea_options_push(&o->rules, &o->nrules, optarg); break;
        case O_ROLE: bad = ea_options_push(&o->roles, &o->nroles, optarg); break;
        case O_SITE: o->site = optarg; break;
        case O_DATADIR: o->datadir = optarg; break;
        case O_STRICT: *strict = 1; break;
        default:
            fprintf(errf, "edgeaudit rules: unknown or incomplete option '%s'\n"
                    "usage: edgeaudit rules [--pack NAME | --rules FILE]... [--site FILE] "
                    "[--role NAME=CIDR]... [--datadir DIR] [--strict]\n", argv[optind - 1]);
            return -1;
        }
        if (bad) {
            fprintf(errf, "edgeaudit rules: out of memory\n");
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(errf, "edgeaudit rules: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;
}

int ea_rules_main(int argc, char **argv, FILE *out, FILE *errf)
{
    struct ea_options o;
    struct ea_ruleset *rs = NULL;
    int strict = 0, code = EA_EXIT_USAGE;
    memset(&o, 0, sizeof(o));
    if (parse(&o, &strict, argc, argv, errf) != 0)
        goto out;
    rs = ea_ruleset_new();
    if (!rs) {
        fprintf(errf, "edgeaudit rules: out of memory\n");
        goto out;
    }
    if (ea_rules_load(&o, rs, errf) != 0)
        goto out;
    size_t missing = ea_rules_print(out, rs);
    code = (strict && missing) ? EA_EXIT_USAGE : EA_EXIT_COMPLIANT;
out:
    ea_ruleset_free(rs);
    ea_options_free(&o);
    return code;
}
