/* accept.c: accept files (rules/accept.rng) and the matching of finding groups against them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/tree.h>
#include "accept.h"
#include "db.h"
#include "group.h"
#include "report-read.h"
#include "rules.h"
#include "util-time.h"

void ea_accept_free(struct ea_accept *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++) {
        struct ea_accept_entry *e = &a->e[i];
        free(e->responder);
        free(e->reason);
        free(e->rule);
        free(e->who);
        free(e->why);
    }
    free(a->e);
    free(a->path);
    free(a);
}

/* A copy of attribute name of n (malloc'ed), or NULL when absent; *oom set on out-of-memory. */
static char *attr_dup(xmlNodePtr n, const char *name, int *oom)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    char *s = v ? strdup((const char *)v) : NULL;
    if (v && !s)
        *oom = 1;
    xmlFree(v);
    return s;
}

/*
 * "YYYY-MM-DD" into the end of that day (00:00 UTC the day after), or -1 if
 * it is no real day. A day past 2262 (a "for ever" date such as 9999-12-31)
 * ends after every time a capture can hold: INT64_MAX.
 */
static int day_end(const char *d, int64_t *end_ns)
{
    const int64_t day = 86400LL * 1000000000LL;
    int64_t start = 0;
    int rc = strlen(d) == 10 ? ea_db_parse_time(d, &start) : -1;
    if (rc == -1)
        return -1;
    *end_ns = rc == -2 || start > INT64_MAX - day ? INT64_MAX : start + day;
    return 0;
}

/* 1 when a and b accept the same groups (same key, or same four fields). */
static int same_entry(const struct ea_accept_entry *a, const struct ea_accept_entry *b)
{
    if (a->by_key || b->by_key)
        return a->by_key && b->by_key && a->key == b->key;
    return a->port == b->port && strcmp(a->responder, b->responder) == 0 &&
           strcmp(a->reason, b->reason) == 0 && strcmp(a->rule, b->rule) == 0;
}

/* Fills e from element n (already valid against the schema). 0, or -1 with err. */
static int read_entry(const char *path, xmlNodePtr n, struct ea_accept_entry *e, char *err, size_t errlen)
{
    int oom = 0;
    char *key = attr_dup(n, "key", &oom), *port = attr_dup(n, "port", &oom);
    char *exp = attr_dup(n, "expires", &oom);
    int rc = -1;
    e->line = xmlGetLineNo(n);
    e->who = attr_dup(n, "who", &oom);
    e->why = attr_dup(n, "why", &oom);
    e->by_key = key != NULL;
    if (key && ea_group_key_parse(key, &e->key) != 0) {
        snprintf(err, errlen, "%s:%ld: key '%.32s' is not 16 hex digits", path, e->line, key);
        goto out;
    }
    if (!key) {
        e->responder = attr_dup(n, "responder", &oom);
        e->reason = attr_dup(n, "reason-code", &oom);
        e->rule = attr_dup(n, "rule", &oom);
        e->port = port ? (unsigned)strtoul(port, NULL, 10) : 0;
        if (!oom && (e->port == 0 || !e->responder || !e->reason || !e->rule)) {
            snprintf(err, errlen, "%s:%ld: an entry without key needs responder, port 1..65535, "
                     "reason-code and rule", path, e->line);
            goto out;
        }
    }
    if (!oom && (!exp || strlen(exp) != 10 || day_end(exp, &e->end_ns) != 0)) {
        snprintf(err, errlen, "%s:%ld: expires '%.32s' is not a day YYYY-MM-DD", path, e->line,
                 exp ? exp : "");
        goto out;
    }
    if (oom || !e->who || !e->why) {
        snprintf(err, errlen, "%s:%ld: out of memory", path, e->line);
        goto out;
    }
    memcpy(e->expires, exp, 11);
    rc = 0;
out:
    free(key);
    free(port);
    free(exp);
    return rc;
}

/* Every <accept> of the document into a (entries counted first). 0, or -1 with err. */
static int read_entries(struct ea_accept *a, xmlNodePtr root, char *err, size_t errlen)
{
    size_t cap = 0;
    for (xmlNodePtr n = root->children; n; n = n->next)
        cap += n->type == XML_ELEMENT_NODE;
    a->e = calloc(cap ? cap : 1, sizeof(*a->e));
    if (!a->e) {
        snprintf(err, errlen, "%s: out of memory", a->path);
        return -1;
    }
    for (xmlNodePtr n = root->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        struct ea_accept_entry *e = &a->e[a->n++];
        if (read_entry(a->path, n, e, err, errlen) != 0)
            return -1;
        for (size_t i = 0; i + 1 < a->n; i++)
            if (same_entry(&a->e[i], e)) {
                snprintf(err, errlen, "%s:%ld: this entry accepts the same findings as the one at line %ld",
                         a->path, e->line, a->e[i].line);
                return -1;
            }
    }
    return 0;
}

struct ea_accept *ea_accept_load(const char *path, const char *schema_dir, char *err, size_t errlen)
{
    struct ea_accept *a = calloc(1, sizeof(*a));
    xmlDocPtr doc = NULL;
    int ok = 0;
    if (!a || !(a->path = strdup(path))) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto out;
    }
    doc = ea_rules_load_valid(path, schema_dir, "accept.rng", "edgeaudit-accept", err, errlen);
    if (!doc)
        goto out;
    ok = read_entries(a, xmlDocGetRootElement(doc), err, errlen) == 0;
out:
    xmlFreeDoc(doc);
    if (!ok) {
        ea_accept_free(a);
        a = NULL;
    }
    return a;
}

const char *ea_accept_state_name(enum ea_accept_state s)
{
    return s == EA_ACCEPT_ACCEPTED ? "accepted" : s == EA_ACCEPT_EXPIRED ? "expired" : "";
}

/* 1 when the space-separated list names word. */
static int names(const char *list, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = list; *p;) {
        size_t l = strcspn(p, " ");
        if (l == wl && strncmp(p, word, l) == 0)
            return 1;
        p += l;
        p += *p == ' ';
    }
    return 0;
}

static int entry_matches(const struct ea_accept_entry *e, const struct ea_group *g)
{
    if (e->by_key)
        return e->key == g->key;
    if (g->scan || g->port != e->port || strcmp(g->responder, e->responder) != 0 ||
        strcmp(g->reason, e->reason) != 0)
        return 0;
    return e->rule[0] ? names(g->rules, e->rule) : g->rules[0] == '\0';
}

enum ea_accept_state ea_accept_match(struct ea_accept *a, const struct ea_group *g, int64_t now_ns,
                                     const struct ea_accept_entry **which)
{
    const struct ea_accept_entry *held = NULL, *expired = NULL;
    for (size_t i = 0; a && i < a->n; i++) {
        struct ea_accept_entry *e = &a->e[i];
        if (!entry_matches(e, g))
            continue;
        if (now_ns < e->end_ns) {
            e->matched++;
            held = held ? held : e;
        } else {
            e->matched_expired++;
            expired = expired ? expired : e;
        }
    }
    if (which)
        *which = held ? held : expired;
    return held ? EA_ACCEPT_ACCEPTED : expired ? EA_ACCEPT_EXPIRED : EA_ACCEPT_NONE;
}

size_t ea_accept_unmatched(const struct ea_accept *a, const struct ea_accept_entry **out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; a && i < a->n; i++)
        if (a->e[i].matched == 0 && a->e[i].matched_expired == 0 && k < max)
            out[k++] = &a->e[i];
    return k;
}

/* The attributes ea_accept_apply sets on a group, in the order it sets them. */
static const char *const mark_attrs[] = { "accept", "accept-who", "accept-why", "accept-expires", "accept-line" };

static const char *get_or(const struct ea_rr_node *n, const char *name)
{
    const char *v = ea_rr_get(n, name);
    return v ? v : "";
}

/* The group element n as ea_accept_match sees a group (strings borrowed). -1 without a key. */
static int node_group(const struct ea_rr_node *n, struct ea_group *g)
{
    memset(g, 0, sizeof(*g));
    if (!ea_rr_get(n, "key") || ea_group_key_parse(ea_rr_get(n, "key"), &g->key) != 0)
        return -1;
    g->scan = ea_rr_get(n, "scan") != NULL;
    g->verdict = (char *)get_or(n, "verdict");
    g->reason = (char *)get_or(n, "reason-code");
    g->rules = (char *)get_or(n, "rules");
    g->responder = (char *)get_or(n, "responder");
    g->port = (unsigned)ea_rr_u64(n, "port");
    return 0;
}

/* An earlier acceptance out of root: the groups' marks and <acceptances>. */
static void unmark(struct ea_rr_node *root)
{
    struct ea_rr_node *fi = ea_rr_find(root, "findings");
    size_t at = 0;
    for (size_t i = 0; fi && i < fi->nkid; i++)
        for (size_t k = 0; k < sizeof(mark_attrs) / sizeof(mark_attrs[0]); k++)
            ea_rr_unset(fi->kid[i], mark_attrs[k]);
    if (ea_rr_child(root, "acceptances", &at)) {
        ea_rr_node_free(root->kid[at]);
        memmove(&root->kid[at], &root->kid[at + 1], (root->nkid - at - 1) * sizeof(*root->kid));
        root->nkid--;
    }
}

/* The group's marks from entry e. 0 or -1 (oom). */
static int mark(struct ea_rr_node *g, enum ea_accept_state st, const struct ea_accept_entry *e)
{
    int rc = ea_rr_set(g, "accept", ea_accept_state_name(st));
    rc |= ea_rr_set(g, "accept-who", e->who) | ea_rr_set(g, "accept-why", e->why);
    rc |= ea_rr_set(g, "accept-expires", e->expires) | ea_rr_set_u64(g, "accept-line", (uint64_t)e->line);
    return rc ? -1 : 0;
}

/* 1 when the report still has findings once acc_unexp unexpected and acc_breq required-blocked
 * flows are left out (as ea_findings decides). */
static int findings_after(const struct ea_rr_node *root, uint64_t acc_unexp, uint64_t acc_breq)
{
    const struct ea_rr_node *s = ea_rr_find(root, "summary");
    uint64_t unexp = 0, rules_bad = 0;
    for (size_t i = 0; s && i < s->nkid; i++) {
        const struct ea_rr_node *k = s->kid[i];
        const char *name = get_or(k, "name");
        if (strcmp(k->name, "verdict") == 0 && strcmp(name, "unexpected") == 0)
            unexp = ea_rr_u64(k, "count");
        else if (strcmp(k->name, "status") == 0 && (strcmp(name, "blocked") == 0 || strcmp(name, "not-observed") == 0))
            rules_bad += ea_rr_u64(k, "count");
    }
    return unexp > acc_unexp || ea_rr_u64(s, "blocked-required") > acc_breq || rules_bad > 0;
}

/* Marks every group of root; counts in c, the accepted finding flows in acc[0] (unexpected), acc[1]. */
static int mark_groups(struct ea_accept *a, struct ea_rr_node *root, int64_t now, struct ea_accept_counts *c,
                       uint64_t acc[2])
{
    struct ea_rr_node *fi = ea_rr_find(root, "findings");
    for (size_t i = 0; fi && i < fi->nkid; i++) {
        struct ea_rr_node *n = fi->kid[i];
        struct ea_group g;
        const struct ea_accept_entry *e = NULL;
        if (strcmp(n->name, "group") != 0 || node_group(n, &g) != 0)
            continue;
        enum ea_accept_state st = ea_accept_match(a, &g, now, &e);
        if (st == EA_ACCEPT_NONE)
            continue;
        if (mark(n, st, e) != 0)
            return -1;
        c->expired += st == EA_ACCEPT_EXPIRED;
        if (st != EA_ACCEPT_ACCEPTED)
            continue;
        c->accepted++;
        c->accepted_flows += ea_rr_u64(n, "flows");
        if (strcmp(g.verdict, "unexpected") == 0)
            acc[0] += ea_rr_u64(n, "flows");
        else if (strcmp(g.verdict, "blocked") == 0 && *g.rules)
            acc[1] += ea_rr_u64(n, "flows");
    }
    return 0;
}

/* One <entry> of <acceptances>: what the entry matches, who, why, until when, what it did. */
static struct ea_rr_node *entry_node(const struct ea_accept_entry *e, int64_t now)
{
    struct ea_rr_node *n = ea_rr_node_new("entry");
    char key[EA_GROUP_KEY_LEN + 1];
    int rc = n ? ea_rr_set_u64(n, "line", (uint64_t)e->line) : -1;
    if (!rc && e->by_key)
        rc = ea_rr_set(n, "key", ea_group_key_str(e->key, key));
    else if (!rc)
        rc = ea_rr_set(n, "responder", e->responder) | ea_rr_set_u64(n, "port", e->port) |
             ea_rr_set(n, "reason-code", e->reason) | ea_rr_set(n, "rule", e->rule);
    if (!rc)
        rc = ea_rr_set(n, "who", e->who) | ea_rr_set(n, "why", e->why) | ea_rr_set(n, "expires", e->expires) |
             ea_rr_set(n, "state", now < e->end_ns ? "holds" : "expired") |
             ea_rr_set_u64(n, "groups", e->matched + e->matched_expired);
    if (!rc && e->matched + e->matched_expired == 0)
        rc = ea_rr_set(n, "stale", "yes");
    if (rc) {
        ea_rr_node_free(n);
        return NULL;
    }
    return n;
}

/* The <acceptances> element of a applied at now. NULL on out-of-memory. */
static struct ea_rr_node *acceptances(const struct ea_accept *a, int64_t now, const struct ea_accept_counts *c)
{
    struct ea_rr_node *n = ea_rr_node_new("acceptances");
    char date[40];
    int rc = n ? 0 : -1;
    ea_time_str(now > 0 ? (uint64_t)now : 0, date, sizeof(date));
    if (!rc)
        rc = ea_rr_set(n, "file", a->path) | ea_rr_set(n, "date", date) | ea_rr_set_u64(n, "entries", a->n) |
             ea_rr_set_u64(n, "accepted-groups", c->accepted) | ea_rr_set_u64(n, "accepted-flows", c->accepted_flows) |
             ea_rr_set_u64(n, "expired-groups", c->expired) | ea_rr_set_u64(n, "stale-entries", c->stale) |
             ea_rr_set(n, "result", c->findings ? "findings" : "compliant");
    for (size_t i = 0; !rc && i < a->n; i++) {
        struct ea_rr_node *e = entry_node(&a->e[i], now);
        if (!e || ea_rr_add(n, e) != 0) {
            ea_rr_node_free(e);
            rc = -1;
        }
    }
    if (rc) {
        ea_rr_node_free(n);
        return NULL;
    }
    return n;
}

int ea_accept_apply(struct ea_accept *a, struct ea_rr_node *root, int64_t fallback_ns,
                    struct ea_accept_counts *c)
{
    int64_t now = fallback_ns;
    const char *last = ea_rr_get(ea_rr_find(root, "capture"), "last");
    uint64_t acc[2] = { 0, 0 };
    size_t at = 0;
    memset(c, 0, sizeof(*c));
    if (last && ea_db_parse_time(last, &now) != 0)
        now = fallback_ns;
    for (size_t i = 0; i < a->n; i++)   /* applied again (live intervals): counted anew */
        a->e[i].matched = a->e[i].matched_expired = 0;
    unmark(root);
    if (mark_groups(a, root, now, c, acc) != 0)
        return -1;
    for (size_t i = 0; i < a->n; i++)
        c->stale += a->e[i].matched + a->e[i].matched_expired == 0;
    c->findings = findings_after(root, acc[0], acc[1]);
    struct ea_rr_node *n = acceptances(a, now, c);
    if (!n)
        return -1;
    if (!ea_rr_child(root, "changes", &at) && !ea_rr_child(root, "summary", &at))
        at = root->nkid - 1;
    if (ea_rr_insert(root, at + 1, n) != 0) {
        ea_rr_node_free(n);
        return -1;
    }
    return 0;
}

int ea_accept_tree_findings(const struct ea_rr_node *root)
{
    const struct ea_rr_node *ac = ea_rr_find(root, "acceptances");
    const char *r = ea_rr_get(ac ? ac : ea_rr_find(root, "summary"), "result");
    return r && strcmp(r, "findings") == 0;
}

void ea_accept_print(const struct ea_rr_node *root, const char *who)
{
    const struct ea_rr_node *ac = ea_rr_find(root, "acceptances"), *fi = ea_rr_find(root, "findings");
    if (!ac)
        return;
    printf("edgeaudit%s%s: accepted by %s at %s: %s group(s) (%s flows), %s expired, %s stale entr%s: %s\n",
           who ? " " : "", who ? who : "", get_or(ac, "file"), get_or(ac, "date"), get_or(ac, "accepted-groups"),
           get_or(ac, "accepted-flows"), get_or(ac, "expired-groups"), get_or(ac, "stale-entries"),
           strcmp(get_or(ac, "stale-entries"), "1") == 0 ? "y" : "ies",
           strcmp(get_or(ac, "result"), "findings") == 0 ? "FINDINGS" : "compliant");
    for (size_t i = 0; fi && i < fi->nkid; i++) {
        const struct ea_rr_node *g = fi->kid[i];
        if (ea_rr_get(g, "accept"))
            printf("  %-9s %s %s %s %s port %s %s: %s flow(s) [%s] line %s, %s until %s: %s\n",
                   get_or(g, "accept"), get_or(g, "verdict"), get_or(g, "reason-code"), get_or(g, "transport"),
                   get_or(g, "responder"), get_or(g, "port"), get_or(g, "app"), get_or(g, "flows"), get_or(g, "key"),
                   get_or(g, "accept-line"), get_or(g, "accept-who"), get_or(g, "accept-expires"),
                   get_or(g, "accept-why"));
    }
    for (size_t i = 0; i < ac->nkid; i++) {
        const struct ea_rr_node *e = ac->kid[i];
        if (!ea_rr_get(e, "stale"))
            continue;
        if (ea_rr_get(e, "key"))
            printf("  stale     line %s: key %s", get_or(e, "line"), get_or(e, "key"));
        else
            printf("  stale     line %s: %s port %s %s rule '%s'", get_or(e, "line"), get_or(e, "responder"),
                   get_or(e, "port"), get_or(e, "reason-code"), get_or(e, "rule"));
        printf(" (%s, until %s) matched no group\n", get_or(e, "who"), get_or(e, "expires"));
    }
}
