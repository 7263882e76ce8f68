/* rules-cmd.h: loading the rules a run asks for (--pack, --rules, --site, --role), and
 * "edgeaudit rules", which prints them as a table. */
#ifndef EA_RULES_CMD_H
#define EA_RULES_CMD_H

#include <stdio.h>
#include "options.h"
#include "rules.h"

/*
 * Loads, in order: every --pack (lync2013-NAME.xml from the data directory),
 * every --rules file, then the --site file and the --role arguments. With
 * neither --pack nor --rules, the pack "edge". On error writes one line
 * ("edgeaudit: ...") to errf and returns -1; rs may hold what loaded before.
 */
int ea_rules_load(const struct ea_options *o, struct ea_ruleset *rs, FILE *errf);

/*
 * Prints the loaded rules as a table (id, protocol, transport, port, from,
 * to, note) under one line per pack naming its page, then one line per
 * audited role without addresses. Returns how many such roles there are.
 */
size_t ea_rules_print(FILE *out, const struct ea_ruleset *rs);

/*
 * edgeaudit rules [--pack NAME | --rules FILE]... [--site FILE] [--role NAME=CIDR]...
 *                 [--datadir DIR] [--strict]
 * argv[0] is "rules". Returns the exit code: 0; 2 on a usage or rules error,
 * or with --strict when an audited role has no addresses.
 */
int ea_rules_main(int argc, char **argv, FILE *out, FILE *errf);

#endif
