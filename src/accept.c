/* accept.c: accept files (rules/accept.rng) and the matching of finding groups against them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/tree.h>
#include "accept.h"
#include "db.h"
#include "group.h"
#include "rules.h"

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

/* "YYYY-MM-DD" into the end of that day (00:00 UTC the day after), or -1 if it is no real day. */
static int day_end(const char *d, int64_t *end_ns)
{
    int64_t start = 0;
    if (strlen(d) != 10 || ea_db_parse_time(d, &start) != 0)
        return -1;
    *end_ns = start + 86400LL * 1000000000LL;
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
