/* diff.c: `edgeaudit diff OLD.xml NEW.xml`: groups new, persisting and resolved, rule status changes. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "accept.h"
#include "diff.h"
#include "merge.h"
#include "options.h"
#include "report-html.h"
#include "util-file.h"
#include <libxml/xmlreader.h>

#define ERRLEN 1024

static const char diff_usage[] =
    "usage: edgeaudit diff [--xml FILE] [--html FILE] [--json FILE] [--fail-on any|new]\n"
    "                      [--accept FILE] [--deterministic] [--quiet] OLD.xml NEW.xml\n"
    "  compares the report NEW with the baseline OLD: every finding group of NEW is new or\n"
    "  persisting (by its key), groups of OLD gone are resolved, rule status changes are listed;\n"
    "  the outputs are NEW with a <changes> section; --accept FILE marks NEW's groups that the\n"
    "  accept file accepts (they do not count for the exit code)\n"
    "exit status: 0 nothing to report, 1 findings (--fail-on new: only new finding groups or a\n"
    "rule that got worse), 2 usage or input error, 3 report not written\n";

static const char *attr_or(const struct ea_rr_node *n, const char *name, const char *dflt)
{
    const char *v = ea_rr_get(n, name);
    return v ? v : dflt;
}

int ea_diff_status_rank(const char *status)
{
    if (status && strcmp(status, "blocked") == 0)
        return 2;
    return status && strcmp(status, "not-observed") == 0 ? 1 : 0;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of root's groups, sorted (borrowed strings, owned array); NULL on out-of-memory. */
static const char **group_keys(const struct ea_rr_node *root, size_t *n)
{
    const struct ea_rr_node *fi = ea_rr_find(root, "findings");
    const char **k = calloc(ea_rr_count(fi, "group") + 1, sizeof(*k));
    size_t at = 0;
    for (size_t i = 0; k && fi && i < fi->nkid; i++)
        if (strcmp(fi->kid[i]->name, "group") == 0)
            k[at++] = attr_or(fi->kid[i], "key", "");
    if (k)
        qsort(k, at, sizeof(*k), str_cmp);
    *n = at;
    return k;
}

static int has_key(const char **keys, size_t n, const char *key)
{
    return n && bsearch(&key, keys, n, sizeof(*keys), str_cmp) != NULL;
}

/* A finding: unexpected, or blocked on a port a rule requires (the group names the rule); not accepted. */
static int finding_group(const struct ea_rr_node *g)
{
    const char *v = attr_or(g, "verdict", "");
    if (strcmp(attr_or(g, "accept", ""), "accepted") == 0)
        return 0;
    return strcmp(v, "unexpected") == 0 || (strcmp(v, "blocked") == 0 && *attr_or(g, "rules", ""));
}

/* change="new" or "persisting" on every group of root. 0 or -1 (oom). */
static int mark_groups(struct ea_rr_node *root, const char **old, size_t nold, struct ea_diff_counts *c)
{
    struct ea_rr_node *fi = ea_rr_find(root, "findings");
    for (size_t i = 0; fi && i < fi->nkid; i++) {
        struct ea_rr_node *g = fi->kid[i];
        if (strcmp(g->name, "group") != 0)
            continue;
        int kept = has_key(old, nold, attr_or(g, "key", ""));
        ea_rr_unset(g, "change");   /* set last, after an acceptance's marks, whatever NEW had */
        if (ea_rr_set(g, "change", kept ? "persisting" : "new") != 0)
            return -1;
        c->persisting += kept;
        c->added += !kept;
        c->added_findings += !kept && finding_group(g);
    }
    return 0;
}

/* <resolved>: a group of OLD that NEW has not, its attributes and its reason in words. */
static int add_resolved(struct ea_rr_node *ch, const struct ea_rr_node *old, const char **cur, size_t ncur,
                        struct ea_diff_counts *c)
{
    const struct ea_rr_node *fi = ea_rr_find(old, "findings");
    for (size_t i = 0; fi && i < fi->nkid; i++) {
        const struct ea_rr_node *g = fi->kid[i], *words = ea_rr_find(g, "reason");
        if (strcmp(g->name, "group") != 0 || has_key(cur, ncur, attr_or(g, "key", "")))
            continue;
        static const char *const keep[] = { "key", "verdict", "reason-code", "rules", "transport", "responder",
                                            "port", "scan", "initiator", "ports", "port-ranges", "app",
                                            "flows", "first", "last" };
        struct ea_rr_node *r = ea_rr_node_new("resolved");
        int rc = r ? 0 : -1;
        for (size_t a = 0; r && a < sizeof(keep) / sizeof(keep[0]); a++)
            if (ea_rr_get(g, keep[a]))
                rc |= ea_rr_set(r, keep[a], ea_rr_get(g, keep[a]));
        if (rc || ea_rr_set_text(r, words && words->text ? words->text : "") != 0 || ea_rr_add(ch, r) != 0) {
            ea_rr_node_free(r);
            return -1;
        }
        c->resolved++;
    }
    return 0;
}

/* The rule of root whose id is id, or NULL. */
static const struct ea_rr_node *rule_by_id(const struct ea_rr_node *root, const char *id)
{
    const struct ea_rr_node *rules = ea_rr_find(root, "rules");
    for (size_t i = 0; rules && i < rules->nkid; i++)
        if (strcmp(rules->kid[i]->name, "rule") == 0 && strcmp(attr_or(rules->kid[i], "id", ""), id) == 0)
            return rules->kid[i];
    return NULL;
}

/* One <rule-change id from to worse> when the statuses differ ("absent" for a missing rule). */
static int rule_change(struct ea_rr_node *ch, const char *id, const char *from, const char *to,
                       struct ea_diff_counts *c)
{
    if (strcmp(from, to) == 0)
        return 0;
    int worse = ea_diff_status_rank(to) > ea_diff_status_rank(from);
    struct ea_rr_node *r = ea_rr_node_new("rule-change");
    if (!r || ea_rr_set(r, "id", id) != 0 || ea_rr_set(r, "from", from) != 0 || ea_rr_set(r, "to", to) != 0 ||
        ea_rr_set(r, "worse", worse ? "yes" : "no") != 0 || ea_rr_add(ch, r) != 0) {
        ea_rr_node_free(r);
        return -1;
    }
    c->rules_changed++;
    c->rules_worse += worse;
    return 0;
}

/* Rule status changes: NEW's rules in their order, then the rules only OLD had. */
static int add_rule_changes(struct ea_rr_node *ch, const struct ea_rr_node *old, const struct ea_rr_node *cur,
                            struct ea_diff_counts *c)
{
    const struct ea_rr_node *rules = ea_rr_find(cur, "rules"), *orules = ea_rr_find(old, "rules");
    int rc = 0;
    for (size_t i = 0; rules && i < rules->nkid && !rc; i++) {
        const struct ea_rr_node *r = rules->kid[i];
        if (strcmp(r->name, "rule") != 0)
            continue;
        const struct ea_rr_node *o = rule_by_id(old, attr_or(r, "id", ""));
        rc = rule_change(ch, attr_or(r, "id", ""), o ? attr_or(o, "status", "") : "absent",
                         attr_or(r, "status", ""), c);
    }
    for (size_t i = 0; orules && i < orules->nkid && !rc; i++) {
        const struct ea_rr_node *o = orules->kid[i];
        if (strcmp(o->name, "rule") == 0 && !rule_by_id(cur, attr_or(o, "id", "")))
            rc = rule_change(ch, attr_or(o, "id", ""), attr_or(o, "status", ""), "absent", c);
    }
    return rc;
}

/* The <changes> element's own attributes. */
static int changes_attrs(struct ea_rr_node *ch, const char *baseline, const struct ea_rr_node *old,
                         const struct ea_diff_counts *c)
{
    int rc = ea_rr_set(ch, "baseline", baseline);
    if (ea_rr_get(old, "created"))
        rc |= ea_rr_set(ch, "baseline-created", ea_rr_get(old, "created"));
    rc |= ea_rr_set_u64(ch, "new", c->added) | ea_rr_set_u64(ch, "new-findings", c->added_findings);
    rc |= ea_rr_set_u64(ch, "persisting", c->persisting) | ea_rr_set_u64(ch, "resolved", c->resolved);
    rc |= ea_rr_set_u64(ch, "rules-changed", c->rules_changed) | ea_rr_set_u64(ch, "rules-worse", c->rules_worse);
    return rc;
}

/* The flows NEW only listed (--list-flows all) were not kept: the output lists the named ones. */
static int only_named(struct ea_rr_node *root)
{
    struct ea_rr_node *sum = ea_rr_find(root, "summary"), *fl = ea_rr_find(root, "flows");
    int rc = 0;
    if (ea_rr_get(sum, "list-flows"))
        rc |= ea_rr_set(sum, "list-flows", "examples");
    if (fl && ea_rr_get(fl, "listed"))
        rc |= ea_rr_set(fl, "listed", "examples");
    return rc;
}

int ea_diff_reports(const struct ea_report *old, const struct ea_report *cur, const char *baseline,
                    struct ea_rr_node **out, struct ea_diff_counts *c)
{
    size_t nold = 0, ncur = 0, at = 0;
    const char **ok = group_keys(old->root, &nold), **ck = group_keys(cur->root, &ncur);
    struct ea_rr_node *root = ok && ck ? ea_rr_node_copy(cur->root) : NULL, *ch = NULL;
    int rc = -1;
    memset(c, 0, sizeof(*c));
    *out = NULL;
    if (!root)
        goto out;
    if (ea_rr_child(root, "changes", &at)) {   /* a diff's output compared again: its changes go */
        ea_rr_node_free(root->kid[at]);
        memmove(&root->kid[at], &root->kid[at + 1], (root->nkid - at - 1) * sizeof(*root->kid));
        root->nkid--;
    }
    at = 0;
    if (!ea_rr_child(root, "summary", &at) || !(ch = ea_rr_node_new("changes")) || only_named(root) != 0)
        goto out;
    if (mark_groups(root, ok, nold, c) != 0 || add_resolved(ch, old->root, ck, ncur, c) != 0 ||
        add_rule_changes(ch, old->root, cur->root, c) != 0 || changes_attrs(ch, baseline, old->root, c) != 0 ||
        ea_rr_insert(root, at + 1, ch) != 0)
        goto out;
    ch = NULL;
    c->findings = ea_accept_tree_findings(root);
    *out = root;
    root = NULL;
    rc = 0;
out:
    ea_rr_node_free(ch);
    ea_rr_node_free(root);
    free(ok);
    free(ck);
    return rc;
}

/* A group's change and acceptance by key, for the streaming rewrite of a run's report. */
struct keychange {
    const char *key;                    /* borrowed from the compared tree */
    const struct ea_rr_node *g;         /* the group there, with change= and accept*= */
};

/* The attributes a comparison or an acceptance gives a group: dropped when copied, then set anew. */
static int marked_attr(const char *name)
{
    return strcmp(name, "change") == 0 || strncmp(name, "accept", 6) == 0;
}

/* A top-level element a comparison or an acceptance writes (the copy drops the report's own). */
static int marked_element(const char *name)
{
    return strcmp(name, "changes") == 0 || strcmp(name, "acceptances") == 0;
}

static int kc_cmp(const void *a, const void *b)
{
    return strcmp(((const struct keychange *)a)->key, ((const struct keychange *)b)->key);
}

/* The copy of one report into another with the changes: what rewrite_fill needs. */
struct rewrite {
    const char *src;
    const struct ea_rr_node *changes;   /* borrowed, or NULL */
    const struct ea_rr_node *accepts;   /* <acceptances>, borrowed, or NULL */
    struct keychange *kc;               /* owned, sorted by key */
    size_t nkc;
};

/* The reader's element (attributes, change= on a group) through w; its end too when empty. */
static int copy_element(const struct rewrite *rw, xmlTextReaderPtr r, xmlTextWriterPtr w)
{
    const char *name = (const char *)xmlTextReaderConstName(r);   /* the reader's dictionary's */
    int rc = xmlTextWriterStartElement(w, BAD_CAST name) < 0 ? -1 : 0, depth = xmlTextReaderDepth(r);
    char key[64] = "";
    for (int ok = xmlTextReaderMoveToFirstAttribute(r); !rc && ok == 1; ok = xmlTextReaderMoveToNextAttribute(r)) {
        const char *an = (const char *)xmlTextReaderConstName(r), *av = (const char *)xmlTextReaderConstValue(r);
        if (marked_attr(an))
            continue;
        if (strcmp(an, "key") == 0)
            snprintf(key, sizeof(key), "%s", av);
        rc = xmlTextWriterWriteAttribute(w, BAD_CAST an, BAD_CAST av) < 0 ? -1 : 0;
    }
    if (!rc && *key && depth == 2 && strcmp(name, "group") == 0) {
        struct keychange want = { key, NULL };
        const struct keychange *f = rw->nkc ? bsearch(&want, rw->kc, rw->nkc, sizeof(*rw->kc), kc_cmp) : NULL;
        for (size_t i = 0; f && !rc && i < f->g->nattr; i++)
            if (marked_attr(f->g->attr[2 * i]))
                rc = xmlTextWriterWriteAttribute(w, BAD_CAST f->g->attr[2 * i], BAD_CAST f->g->attr[2 * i + 1]) < 0
                         ? -1 : 0;
    }
    xmlTextReaderMoveToElement(r);
    if (!rc && xmlTextReaderIsEmptyElement(r))
        rc = xmlTextWriterEndElement(w) < 0 ? -1 : 0;
    return rc;
}

/* Copies rw->src into fd node by node, with <changes> after </summary>; a <changes> it had goes. */
static int rewrite_fill(int fd, void *ctx)
{
    const struct rewrite *rw = ctx;
    xmlTextReaderPtr r = xmlReaderForFile(rw->src, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    xmlOutputBufferPtr ob = r ? xmlOutputBufferCreateFd(fd, NULL) : NULL;
    xmlTextWriterPtr w = ob ? xmlNewTextWriter(ob) : NULL;   /* owns ob from here */
    int rc = -1, ret = 0, skip = 0;
    if (!w) {
        xmlOutputBufferClose(ob);
        goto out;
    }
    xmlTextWriterSetIndent(w, 1);
    xmlTextWriterSetIndentString(w, BAD_CAST "  ");
    rc = xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ? -1 : 0;
    while (!rc && (ret = xmlTextReaderRead(r)) == 1) {
        int type = xmlTextReaderNodeType(r), depth = xmlTextReaderDepth(r);
        const char *name = (const char *)xmlTextReaderConstName(r);
        if (depth == 1 && marked_element(name))
            skip = type == XML_READER_TYPE_ELEMENT && !xmlTextReaderIsEmptyElement(r);
        else if (skip)
            continue;
        else if (type == XML_READER_TYPE_ELEMENT)
            rc = copy_element(rw, r, w);
        else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA)
            rc = xmlTextWriterWriteString(w, xmlTextReaderConstValue(r)) < 0 ? -1 : 0;
        else if (type == XML_READER_TYPE_END_ELEMENT) {
            rc = xmlTextWriterEndElement(w) < 0 ? -1 : 0;
            if (!rc && depth == 1 && strcmp(name, "summary") == 0 && rw->changes)
                rc = ea_rr_write_node(w, rw->changes);
            if (!rc && depth == 1 && strcmp(name, "summary") == 0 && rw->accepts)
                rc = ea_rr_write_node(w, rw->accepts);
        }
    }
    if (!rc && ret != 0)   /* the reader failed */
        rc = -1;
    if (!rc)
        rc = xmlTextWriterEndDocument(w) < 0 ? -1 : 0;
out:
    if (w)
        xmlFreeTextWriter(w);
    if (r)
        xmlFreeTextReader(r);
    if (rc)
        errno = EIO;
    return rc;
}

/* The whole file at path in memory (caller frees), its length in *len; NULL on error. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n = -1;
    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (f)
        fclose(f);
    *len = n > 0 ? (size_t)n : 0;
    return buf;
}

/* {"type":"group-accept","key":...,"accept":...,"accept-who":...}: a group's acceptance, on f. 0 or 1. */
static int append_accept_line(FILE *f, const struct ea_rr_node *g)
{
    struct ea_rr_node one = { .name = "group-accept" };
    char *attrs[12];
    size_t na = 0, len = 0;
    for (size_t a = 0; a < g->nattr && na < 6; a++)   /* key, then the accept* marks */
        if (strcmp(g->attr[2 * a], "key") == 0 || strncmp(g->attr[2 * a], "accept", 6) == 0) {
            attrs[2 * na] = g->attr[2 * a];
            attrs[2 * na + 1] = g->attr[2 * a + 1];
            na++;
        }
    one.attr = attrs;
    one.nattr = na;
    char *line = ea_rr_json_line("group-accept", &one, &len);
    int rc = !line || fwrite(line, 1, len, f) != len;
    free(line);
    return rc;
}

/* JSON lines of the comparison appended to path: one per group's change, then the changes'. */
static int append_json(const char *path, const struct ea_rr_node *tree)
{
    const struct ea_rr_node *fi = ea_rr_find(tree, "findings");
    struct ea_rr_node only = { .name = "edgeaudit-report" };
    struct ea_rr_node *kid[2] = { ea_rr_find(tree, "changes"), ea_rr_find(tree, "acceptances") };
    size_t len = 0;
    only.kid = kid[0] ? kid : kid + 1;
    only.nkid = (kid[0] != NULL) + (kid[1] != NULL);
    char *lines = ea_rr_json(&only, &len);
    FILE *f = lines ? fopen(path, "a") : NULL;
    int rc = f ? 0 : -1;
    for (size_t i = 0; f && fi && i < fi->nkid; i++)
        if (ea_rr_get(fi->kid[i], "change"))
            rc |= fprintf(f, "{\"type\":\"group-change\",\"key\":\"%s\",\"change\":\"%s\"}\n",
                          attr_or(fi->kid[i], "key", ""), attr_or(fi->kid[i], "change", "")) < 0;
    for (size_t i = 0; f && fi && i < fi->nkid; i++)
        if (ea_rr_get(fi->kid[i], "accept"))
            rc |= append_accept_line(f, fi->kid[i]);
    if (f) {
        rc |= fwrite(lines, 1, len, f) != len;
        rc |= fclose(f) != 0;
    }
    free(lines);
    return rc ? -1 : 0;
}

/* The run's report rewritten in place with the comparison; HTML and JSON after it. 0 or -1 (err). */
static int baseline_outputs(const struct ea_diff_run *run, const struct ea_rr_node *tree, char *err, size_t errlen)
{
    struct rewrite rw = { run->src ? run->src : run->xml, ea_rr_find(tree, "changes"),
                          ea_rr_find(tree, "acceptances"), NULL, 0 };
    const struct ea_rr_node *fi = ea_rr_find(tree, "findings");
    struct ea_options o;
    size_t len = 0;
    char *mem = NULL;
    int rc = -1;
    rw.kc = calloc(ea_rr_count(fi, "group") + 1, sizeof(*rw.kc));
    if (!rw.kc) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; fi && i < fi->nkid; i++)
        if (ea_rr_get(fi->kid[i], "change") || ea_rr_get(fi->kid[i], "accept"))
            rw.kc[rw.nkc++] = (struct keychange){ attr_or(fi->kid[i], "key", ""), fi->kid[i] };
    if (rw.nkc > 1)
        qsort(rw.kc, rw.nkc, sizeof(*rw.kc), kc_cmp);
    if (ea_write_atomic_fn(run->xml, rewrite_fill, &rw, err, errlen) != 0)
        goto out;
    memset(&o, 0, sizeof(o));
    o.datadir = run->datadir;
    if (run->html && (!(mem = slurp(run->xml, &len)) ||
                      ea_report_html_render(&o, run->html, mem, len, err, errlen) != 0)) {
        if (!mem)
            snprintf(err, errlen, "%s: cannot read it back", run->xml);
        goto out;
    }
    if (run->json && append_json(run->json, tree) != 0) {
        snprintf(err, errlen, "%s: cannot append the changes", run->json);
        goto out;
    }
    rc = 0;
out:
    free(mem);
    free(rw.kc);
    return rc;
}

struct ea_report *ea_diff_baseline_load(const char *path, const char *datadir, char *err, size_t errlen)
{
    char why[ERRLEN];
    struct ea_options o;
    struct ea_report *old = NULL;
    memset(&o, 0, sizeof(o));
    o.datadir = datadir;
    xmlRelaxNGPtr schema = ea_report_schema_load(&o, why, sizeof(why));
    if (!schema || !(old = ea_report_read(path, schema, why, sizeof(why))) ||
        ea_merge_check_keys(old, path, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "--baseline: %s", why);
        ea_report_free(old);
        old = NULL;
    }
    xmlRelaxNGFree(schema);
    return old;
}

/* The run's report read (*cur), accepted (run->accept), compared with the baseline (when one) into
 * *tree. 0, or -1 with err (ERRLEN bytes). */
static int baseline_tree(const struct ea_diff_run *run, xmlRelaxNGPtr schema, struct ea_report **cur,
                         struct ea_rr_node **tree, struct ea_diff_counts *c, char *err)
{
    const size_t errlen = ERRLEN;
    struct ea_report *old = NULL;
    const struct ea_report *base = run->old;
    struct ea_accept_counts ac;
    int rc = -1;
    memset(c, 0, sizeof(*c));
    if (run->baseline && !base && (!(base = old = ea_report_read(run->baseline, schema, err, errlen)) ||
                                   ea_merge_check_keys(old, run->baseline, err, errlen) != 0))
        goto out;
    if (!(*cur = ea_report_read(run->src ? run->src : run->xml, schema, err, errlen)))
        goto out;
    snprintf(err, errlen, "out of memory");
    if (run->accept && ea_accept_apply(run->accept, (*cur)->root, run->accept_now_ns, &ac) != 0)
        goto out;
    if (base)
        rc = ea_diff_reports(base, *cur, run->baseline, tree, c);
    else if ((*tree = ea_rr_node_copy((*cur)->root)) != NULL)
        rc = 0;
    c->findings = rc == 0 && ea_accept_tree_findings(*tree);
out:
    ea_report_free(old);
    return rc;
}

int ea_diff_baseline(const struct ea_diff_run *run, struct ea_diff_counts *c)
{
    char err[ERRLEN];
    struct ea_options o;
    struct ea_report *cur = NULL;
    struct ea_rr_node *tree = NULL;
    int rc = -2;
    memset(&o, 0, sizeof(o));
    o.datadir = run->datadir;
    xmlRelaxNGPtr schema = ea_report_schema_load(&o, err, sizeof(err));
    if (!schema || baseline_tree(run, schema, &cur, &tree, c, err) != 0)
        goto out;
    rc = -1;   /* from here, a report could not be written */
    if (baseline_outputs(run, tree, err, sizeof(err)) != 0)
        goto out;
    if (!run->quiet && run->baseline)
        ea_diff_print(tree, run->baseline, NULL);
    if (!run->quiet)
        ea_accept_print(tree, NULL);
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "edgeaudit: %s: %s\n", run->baseline ? "--baseline" : "--accept", err);
    ea_rr_node_free(tree);
    ea_report_free(cur);
    xmlRelaxNGFree(schema);
    return rc;
}

/* What the command line of edgeaudit diff asks for; the strings are argv's. */
struct diff_args {
    struct ea_merge_outputs out;
    int fail_new, quiet;
    const char *old, *cur, *accept;
};

/* Parses argv into *a. Returns -1 to go on, else the exit code (usage printed). */
static int diff_parse(int argc, char **argv, struct diff_args *a)
{
    static const struct option lo[] = {
        EA_MERGE_OUTPUT_OPTIONS, { "fail-on", required_argument, NULL, 'f' },
        { "accept", required_argument, NULL, 'a' }, { NULL, 0, NULL, 0 },
    };
    int c;
    memset(a, 0, sizeof(*a));
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
        if (ea_merge_output_opt(c, optarg, &a->out, &a->quiet))
            continue;
        switch (c) {
        case 'a': a->accept = optarg; break;
        case 'f':
            if (strcmp(optarg, "any") == 0 || strcmp(optarg, "new") == 0) {
                a->fail_new = strcmp(optarg, "new") == 0;
                break;
            }
            fprintf(stderr, "edgeaudit diff: --fail-on wants any or new, not '%s'\n", optarg);
            return EA_EXIT_USAGE;
        case 'h': fputs(diff_usage, stdout); return EA_EXIT_COMPLIANT;
        default:
            fprintf(stderr, "edgeaudit diff: unknown or incomplete option '%s' (see edgeaudit diff --help)\n",
                    argv[optind - 1]);
            return EA_EXIT_USAGE;
        }
    }
    if (argc - optind != 2) {
        fputs(diff_usage, stderr);
        return EA_EXIT_USAGE;
    }
    a->old = argv[optind];
    a->cur = argv[optind + 1];
    return -1;
}

void ea_diff_print(const struct ea_rr_node *root, const char *old, const char *who)
{
    const struct ea_rr_node *ch = ea_rr_find(root, "changes"), *fi = ea_rr_find(root, "findings");
    printf("edgeaudit%s%s: since %s: %s new group(s) (%s of findings), %s persisting, %s resolved; "
           "%s rule status change(s), %s worse\n", who ? " " : "", who ? who : "", old, attr_or(ch, "new", "0"),
           attr_or(ch, "new-findings", "0"), attr_or(ch, "persisting", "0"), attr_or(ch, "resolved", "0"), attr_or(ch, "rules-changed", "0"),
           attr_or(ch, "rules-worse", "0"));
    for (size_t i = 0; fi && i < fi->nkid; i++) {
        const struct ea_rr_node *g = fi->kid[i];
        if (strcmp(attr_or(g, "change", ""), "new") == 0)
            printf("  new       %s %s %s %s port %s %s: %s flow(s) [%s]\n", attr_or(g, "verdict", ""),
                   attr_or(g, "reason-code", ""), attr_or(g, "transport", ""), attr_or(g, "responder", ""),
                   attr_or(g, "port", attr_or(g, "port-ranges", "")), attr_or(g, "app", ""),
                   attr_or(g, "flows", "0"), attr_or(g, "key", ""));
    }
    for (size_t i = 0; ch && i < ch->nkid; i++) {
        const struct ea_rr_node *r = ch->kid[i];
        if (strcmp(r->name, "resolved") == 0)
            printf("  resolved  %s %s %s %s port %s %s [%s]\n", attr_or(r, "verdict", ""),
                   attr_or(r, "reason-code", ""), attr_or(r, "transport", ""), attr_or(r, "responder", ""),
                   attr_or(r, "port", attr_or(r, "port-ranges", "")), attr_or(r, "app", ""), attr_or(r, "key", ""));
        else
            printf("  rule      %s: %s -> %s%s\n", attr_or(r, "id", ""), attr_or(r, "from", ""),
                   attr_or(r, "to", ""), strcmp(attr_or(r, "worse", ""), "yes") == 0 ? " (worse)" : "");
    }
}

/* Reads OLD and NEW into reps[0], reps[1]; -1 with the error printed. */
static int diff_load(const struct diff_args *a, struct ea_report **reps)
{
    char err[ERRLEN];
    struct ea_options o;
    memset(&o, 0, sizeof(o));
    o.datadir = a->out.datadir;
    xmlRelaxNGPtr schema = ea_report_schema_load(&o, err, sizeof(err));
    int rc = -1;
    if (!schema)
        goto out;
    const char *files[2] = { a->old, a->cur };
    for (int i = 0; i < 2; i++)
        if (!(reps[i] = ea_report_read(files[i], schema, err, sizeof(err))) ||
            ea_merge_check_keys(reps[i], files[i], err, sizeof(err)) != 0)
            goto out;
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "edgeaudit diff: %s\n", err);
    xmlRelaxNGFree(schema);
    return rc;
}

/*
 * --accept FILE on NEW: loaded as a rules file is (one line FILE:LINE: cause on error), then
 * applied to NEW's groups, expiries judged at the end of NEW's capture. 0, or -1 said on stderr.
 */
static int diff_accept(const struct diff_args *a, struct ea_report *cur)
{
    char err[ERRLEN], dir[PATH_MAX];
    struct ea_options o;
    struct ea_accept_counts ac;
    struct ea_accept *acc = NULL;
    int rc = -1;
    memset(&o, 0, sizeof(o));
    o.datadir = a->out.datadir;
    if (ea_find_datadir(&o, "rules", "accept.rng", dir, sizeof(dir)) != 0)
        snprintf(err, sizeof(err), "cannot find the accept schema accept.rng (try --datadir)");
    else if ((acc = ea_accept_load(a->accept, dir, err, sizeof(err))) != NULL &&
             ea_accept_apply(acc, cur->root, a->out.deterministic ? 0 : (int64_t)time(NULL) * 1000000000LL, &ac) != 0)
        snprintf(err, sizeof(err), "out of memory");
    else if (acc)
        rc = 0;
    if (rc)
        fprintf(stderr, "edgeaudit diff: %s\n", err);
    ea_accept_free(acc);
    return rc;
}

int ea_diff_main(int argc, char **argv)
{
    struct diff_args a;
    struct ea_report *reps[2] = { NULL, NULL };
    struct ea_rr_node *out = NULL;
    struct ea_diff_counts c;
    int code = diff_parse(argc, argv, &a);
    if (code >= 0)
        return code;
    code = EA_EXIT_USAGE;
    if (diff_load(&a, reps) != 0)
        goto out;
    if (a.accept && diff_accept(&a, reps[1]) != 0)
        goto out;
    if (ea_diff_reports(reps[0], reps[1], a.old, &out, &c) != 0) {
        fprintf(stderr, "edgeaudit diff: out of memory\n");
        goto out;
    }
    if (a.out.xml || a.out.html || a.out.json) {
        int wr = ea_merge_write(&a.out, out, "diff");
        if (wr < 0) {
            code = wr == -2 ? EA_EXIT_USAGE : EA_EXIT_REPORT;
            goto out;
        }
    }
    if (!a.quiet) {
        ea_diff_print(out, a.old, "diff");
        ea_accept_print(out, "diff");
    }
    if (a.fail_new)
        code = c.added_findings || c.rules_worse ? EA_EXIT_FINDINGS : EA_EXIT_COMPLIANT;
    else   /* NEW's result, its accepted groups left out */
        code = c.findings ? EA_EXIT_FINDINGS : EA_EXIT_COMPLIANT;
out:
    ea_rr_node_free(out);
    ea_report_free(reps[0]);
    ea_report_free(reps[1]);
    return code;
}
