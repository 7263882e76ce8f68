/* rules.c: loads the port matrix (rules files), site files and --role arguments. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/relaxng.h>
#include <libxml/xmlerror.h>
#include "rules.h"
#include "util-xml.h"

/* A role's addresses at most: roles_of scans them for every flow. */
#define EA_MAX_CIDRS 4096

#if defined(__GNUC__)
#define EA_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define EA_PRINTF(a, b)
#endif


static const char *const proto_names[EA_RP__COUNT] = {
    "sip", "xmpp", "stun", "rtp", "psom", "http", "dns", "tls"
};
static const char *const sec_names[] = { "none", "tls", "mtls" };

/* Static names; "?" for a value out of range. */
const char *ea_rule_proto_name(enum ea_rule_proto p)
{
    return ((unsigned)p < EA_RP__COUNT) ? proto_names[p] : "?";
}

/* Static names; "?" for a value out of range. */
const char *ea_rule_sec_name(enum ea_rule_sec s)
{
    return ((unsigned)s <= EA_SEC_MTLS) ? sec_names[s] : "?";
}

/* NULL when the address is not behind NAT. */
const char *ea_nat_name(enum ea_nat n)
{
    return n == EA_NAT_PUBLIC ? "public" : n == EA_NAT_PRIVATE ? "private" : NULL;
}

/* The shipped packs: --pack NAME loads lync2013-NAME.xml from the data directory. */
const char *const ea_rules_pack_names[] = {
    "edge", "edge-nat", "edge-public", "edge-scaled-dns", "edge-scaled-hlb", "reverse-proxy", NULL
};

/* -1 with buf empty for a name not in ea_rules_pack_names (so no path can be smuggled in). */
int ea_rules_pack_file(const char *name, char *buf, size_t n)
{
    if (buf && n)
        buf[0] = '\0';
    if (!name || !buf || n == 0)
        return -1;
    for (size_t i = 0; ea_rules_pack_names[i]; i++) {
        if (strcmp(name, ea_rules_pack_names[i]) != 0)
            continue;
        if (snprintf(buf, n, "lync2013-%s.xml", name) >= (int)n) {
            buf[0] = '\0';
            return -1;
        }
        return 0;
    }
    return -1;
}

/* ---- error lines ---- */

/* Writes "FILE:LINE: cause", or "WHAT: cause" when line < 0 (for --role).
 * Control characters become spaces so the message stays one line. */
static void EA_PRINTF(5, 6)
seterr(char *err, size_t errlen, const char *file, long line, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    int n = (line >= 0) ? snprintf(err, errlen, "%s:%ld: ", file, line)
                        : snprintf(err, errlen, "%s: ", file);
    if (n < 0)
        n = 0;
    if ((size_t)n < errlen) {
        va_list ap;
        va_start(ap, fmt);
        /* va_start is just above: a known clang-analyzer 14 false positive on early returns. */
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);   /* NOLINT(clang-analyzer-valist.Uninitialized) */
        va_end(ap);
    }
    for (char *p = err; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
}

/* The first libxml2 error of a call, captured instead of printed. */
struct xerr {
    int have;
    long line;
    char msg[256];
};

static void xerr_cb(void *ctx, ea_xml_error_ptr e)
{
    struct xerr *x = ctx;
    if (!x || !e || x->have || e->level < XML_ERR_ERROR)
        return;
    x->have = 1;
    x->line = e->line;
    xmlNodePtr n = e->node;
    /* For "element X failed to validate attributes" libxml2 may point at X's first child. */
    if (e->domain == XML_FROM_RELAXNGV && e->code == XML_RELAXNG_ERR_ATTRVALID && n && e->str1 &&
        n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *)e->str1) != 0 &&
        n->parent && n->parent->type == XML_ELEMENT_NODE &&
        xmlStrcmp(n->parent->name, (const xmlChar *)e->str1) == 0)
        x->line = xmlGetLineNo(n->parent);
    else if (x->line <= 0 && n && n->type == XML_ELEMENT_NODE)
        x->line = xmlGetLineNo(n);
    if (x->line < 0)
        x->line = 0;
    snprintf(x->msg, sizeof(x->msg), "%s", e->message ? e->message : "unknown XML error");
    size_t len = strlen(x->msg);
    while (len > 0 && (x->msg[len - 1] == '\n' || x->msg[len - 1] == ' '))
        x->msg[--len] = '\0';
}

/* ---- ruleset memory ---- */

static void rule_clear(struct ea_rule *r)
{
    free(r->id);
    free(r->table);
    free(r->note);
    free(r->seed_wording);
    free(r->narrowed_why);
    free(r->file);
    free(r->seed_row);
    free(r->corrected_wording);
    free(r->corrected_why);
    memset(r, 0, sizeof(*r));
}

static void role_clear(struct ea_role *r)
{
    free(r->name);
    free(r->cidrs);
    memset(r, 0, sizeof(*r));
}

static void doc_clear(struct ea_rules_doc *d)
{
    free(d->pack);
    free(d->title);
    free(d->href);
    memset(d, 0, sizeof(*d));
}

static void rs_clear(struct ea_ruleset *rs)
{
    for (size_t i = 0; i < rs->nrules; i++)
        rule_clear(&rs->rules[i]);
    for (size_t i = 0; i < rs->nroles; i++)
        role_clear(&rs->roles[i]);
    for (size_t i = 0; i < rs->ndocs; i++)
        doc_clear(&rs->docs[i]);
    rs->nrules = 0;
    rs->nroles = 0;
    rs->ndocs = 0;
}

/* strdup that keeps NULL as NULL; sets *oom on failure. */
static char *dup_or_null(const char *s, int *oom)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = 1;
    return d;
}

/* Caller owns the result (ea_ruleset_free); NULL on out-of-memory. */
struct ea_ruleset *ea_ruleset_new(void)
{
    struct ea_ruleset *rs = calloc(1, sizeof(*rs));
    if (!rs)
        return NULL;
    rs->roles[0].name = strdup("any");
    if (!rs->roles[0].name) {
        free(rs);
        return NULL;
    }
    rs->roles[0].builtin_any = true;
    rs->nroles = 1;
    return rs;
}

/* Frees every string and address array the ruleset owns. NULL is a no-op. */
void ea_ruleset_free(struct ea_ruleset *rs)
{
    if (!rs)
        return;
    rs_clear(rs);
    free(rs);
}

/* A deep copy to load into, so that a failed load leaves 'rs' untouched. NULL on OOM. */
static struct ea_ruleset *rs_clone(const struct ea_ruleset *rs)
{
    int oom = 0;
    struct ea_ruleset *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    for (size_t i = 0; i < rs->nroles; i++) {
        const struct ea_role *s = &rs->roles[i];
        struct ea_role *d = &c->roles[i];
        c->nroles = i + 1;
        *d = *s;
        d->name = dup_or_null(s->name, &oom);
        d->cidrs = NULL;
        if (s->ncidrs) {
            d->cidrs = malloc(s->ncidrs * sizeof(*d->cidrs));
            if (d->cidrs)
                memcpy(d->cidrs, s->cidrs, s->ncidrs * sizeof(*d->cidrs));
            else
                oom = 1;
        }
    }
    for (size_t i = 0; i < rs->nrules; i++) {
        const struct ea_rule *s = &rs->rules[i];
        struct ea_rule *d = &c->rules[i];
        c->nrules = i + 1;
        *d = *s;
        d->id = dup_or_null(s->id, &oom);
        d->table = dup_or_null(s->table, &oom);
        d->note = dup_or_null(s->note, &oom);
        d->seed_wording = dup_or_null(s->seed_wording, &oom);
        d->narrowed_why = dup_or_null(s->narrowed_why, &oom);
        d->file = dup_or_null(s->file, &oom);
        d->seed_row = dup_or_null(s->seed_row, &oom);
        d->corrected_wording = dup_or_null(s->corrected_wording, &oom);
        d->corrected_why = dup_or_null(s->corrected_why, &oom);
    }
    for (size_t i = 0; i < rs->ndocs; i++) {
        const struct ea_rules_doc *s = &rs->docs[i];
        struct ea_rules_doc *d = &c->docs[i];
        c->ndocs = i + 1;
        *d = *s;
        d->pack = dup_or_null(s->pack, &oom);
        d->title = dup_or_null(s->title, &oom);
        d->href = dup_or_null(s->href, &oom);
    }
    if (oom) {
        ea_ruleset_free(c);
        return NULL;
    }
    return c;
}

/* Replaces rs's contents with tmp's and frees tmp's shell. */
static void rs_commit(struct ea_ruleset *rs, struct ea_ruleset *tmp)
{
    rs_clear(rs);
    *rs = *tmp;
    free(tmp);
}

/* Linear search (at most EA_MAX_ROLES); -1 when absent or on NULL arguments. */
int ea_ruleset_role_index(const struct ea_ruleset *rs, const char *name)
{
    if (!rs || !name)
        return -1;
    for (size_t i = 0; i < rs->nroles; i++)
        if (rs->roles[i].name && strcmp(rs->roles[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Appends one CIDR to a role. -1 on OOM or when the role is full. */
static int role_add_cidr(struct ea_role *r, const struct ea_cidr *c)
{
    if (r->ncidrs >= EA_MAX_CIDRS)
        return -1;
    struct ea_cidr *n = realloc(r->cidrs, (r->ncidrs + 1) * sizeof(*n));
    if (!n)
        return -1;
    n[r->ncidrs++] = *c;
    r->cidrs = n;
    return 0;
}

/*
 * Gives every union role the addresses of its members, all or nothing: on
 * OOM or when a union would exceed EA_MAX_CIDRS, -1 and no role changes.
 */
static int unions_refresh(struct ea_ruleset *rs)
{
    struct ea_cidr *next[EA_MAX_ROLES] = { NULL };
    size_t nnext[EA_MAX_ROLES] = { 0 };
    int rc = -1;
    for (size_t i = 0; i < rs->nroles; i++) {
        if (!rs->roles[i].members)
            continue;
        size_t total = 0;
        for (size_t m = 0; m < rs->nroles; m++)
            if (rs->roles[i].members & (1u << m))
                total += rs->roles[m].ncidrs;
        if (total > EA_MAX_CIDRS)
            goto out;
        if (total == 0)
            continue;   /* no member has an address yet: the union has none */
        next[i] = malloc(total * sizeof(*next[i]));
        if (!next[i])
            goto out;
        for (size_t m = 0; m < rs->nroles; m++) {
            if (!(rs->roles[i].members & (1u << m)) || !rs->roles[m].ncidrs || !rs->roles[m].cidrs)
                continue;
            memcpy(next[i] + nnext[i], rs->roles[m].cidrs, rs->roles[m].ncidrs * sizeof(*next[i]));
            nnext[i] += rs->roles[m].ncidrs;
        }
    }
    for (size_t i = 0; i < rs->nroles; i++) {
        if (!rs->roles[i].members)
            continue;
        free(rs->roles[i].cidrs);
        rs->roles[i].cidrs = next[i];
        rs->roles[i].ncidrs = nnext[i];
        next[i] = NULL;
    }
    rc = 0;
out:
    for (size_t i = 0; i < EA_MAX_ROLES; i++)
        free(next[i]);
    return rc;
}

/* ---- CIDRs ---- */

/*
 * Strict: no spaces, no zone ids, a decimal prefix of at most 3 digits.
 * Host bits below the prefix are cleared. -1 (out untouched) on bad text.
 */
int ea_cidr_parse(const char *s, struct ea_cidr *out)
{
    char buf[64];
    struct ea_cidr c;
    if (!s || !out)
        return -1;
    memset(&c, 0, sizeof(c));
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    if (alen == 0 || alen >= sizeof(buf))
        return -1;
    memcpy(buf, s, alen);
    buf[alen] = '\0';
    unsigned max;
    if (memchr(buf, ':', alen)) {
        if (inet_pton(AF_INET6, buf, c.addr) != 1)
            return -1;
        c.family = 6;
        max = 128;
    } else {
        if (inet_pton(AF_INET, buf, c.addr) != 1)
            return -1;
        c.family = 4;
        max = 32;
    }
    unsigned plen = max;
    if (slash) {
        const char *p = slash + 1;
        size_t nd = 0;
        plen = 0;
        for (; *p; p++, nd++) {
            if (*p < '0' || *p > '9' || nd >= 3)
                return -1;
            plen = plen * 10 + (unsigned)(*p - '0');
        }
        if (nd == 0 || plen > max)
            return -1;
    }
    c.prefix = (uint8_t)plen;
    /* Clear the host bits. */
    size_t nbytes = max / 8;
    for (size_t i = 0; i < nbytes; i++) {
        unsigned bit0 = (unsigned)i * 8;
        if (bit0 >= plen)
            c.addr[i] = 0;
        else if (plen - bit0 < 8)
            c.addr[i] &= (uint8_t)(0xff << (8 - (plen - bit0)));
    }
    *out = c;
    return 0;
}

/* addr holds 4 or 16 bytes by family; a family mismatch or NULL is 0. */
int ea_cidr_contains(const struct ea_cidr *c, uint8_t family, const uint8_t *addr)
{
    if (!c || !addr || c->family != family || (family != 4 && family != 6))
        return 0;
    unsigned max = (family == 4) ? 32 : 128;
    unsigned plen = c->prefix > max ? max : c->prefix;
    size_t full = plen / 8;
    if (memcmp(c->addr, addr, full) != 0)
        return 0;
    unsigned rest = plen % 8;
    if (rest) {
        uint8_t mask = (uint8_t)(0xff << (8 - rest));
        if ((addr[full] & mask) != c->addr[full])
            return 0;
    }
    return 1;
}

/* Roles may overlap: every role holding the address gets its bit. NULL gives just "any". */
uint32_t ea_ruleset_roles_of(const struct ea_ruleset *rs, uint8_t family, const uint8_t *addr)
{
    uint32_t bits = 1u;   /* "any" */
    if (!rs || !addr)
        return bits;
    for (size_t i = 1; i < rs->nroles && i < 32; i++) {
        const struct ea_role *r = &rs->roles[i];
        for (size_t j = 0; j < r->ncidrs; j++) {
            if (ea_cidr_contains(&r->cidrs[j], family, addr)) {
                bits |= 1u << i;
                break;
            }
        }
    }
    return bits;
}

/* The first NAT-labelled CIDR holding the address decides; EA_NAT_NONE when none does. */
enum ea_nat ea_ruleset_nat_of(const struct ea_ruleset *rs, uint8_t family, const uint8_t *addr)
{
    if (!rs || !addr)
        return EA_NAT_NONE;
    for (size_t i = 1; i < rs->nroles; i++) {
        const struct ea_role *r = &rs->roles[i];
        if (r->members)
            continue;   /* copies of its members' */
        for (size_t j = 0; j < r->ncidrs; j++)
            if (r->cidrs[j].nat != EA_NAT_NONE && ea_cidr_contains(&r->cidrs[j], family, addr))
                return (enum ea_nat)r->cidrs[j].nat;
    }
    return EA_NAT_NONE;
}

/* NULL is 0. */
int ea_role_configured(const struct ea_role *r)
{
    return r && (r->builtin_any || r->ncidrs > 0);
}

/* ---- XML helpers ---- */

/* Element children of 'n' in document order. */
static xmlNodePtr first_elem(xmlNodePtr n)
{
    for (; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE)
            return n;
    return NULL;
}

static xmlNodePtr next_elem(xmlNodePtr n)
{
    return n ? first_elem(n->next) : NULL;
}

static int is_elem(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

static long line_of(xmlNodePtr n)
{
    long l = n ? xmlGetLineNo(n) : 0;
    return l < 0 ? 0 : l;
}

/* Whitespace runs collapsed to one space, trimmed; malloc'd copy, NULL on OOM or NULL in. */
static char *collapse(const xmlChar *s)
{
    if (!s)
        return NULL;
    size_t n = strlen((const char *)s);
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    size_t o = 0;
    int sp = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = s[i];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            sp = 1;
            continue;
        }
        if (sp && o > 0)
            d[o++] = ' ';
        sp = 0;
        d[o++] = (char)ch;
    }
    d[o] = '\0';
    return d;
}

/* An attribute or element text, collapsed; NULL when absent (or OOM, flagged in *oom). */
static char *attr_text(xmlNodePtr n, const char *name, int *oom)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = collapse(v);
    xmlFree(v);
    if (!s)
        *oom = 1;
    return s;
}

static char *elem_text(xmlNodePtr n, int *oom)
{
    xmlChar *v = xmlNodeGetContent(n);
    if (!v) {
        *oom = 1;
        return NULL;
    }
    char *s = collapse(v);
    xmlFree(v);
    if (!s)
        *oom = 1;
    return s;
}

void ea_xml_refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *eid, const xmlChar *sid)
{
    xmlParserCtxtPtr ctxt = ctx;
    long *line = ctxt->_private;
    (void)name;
    (void)eid;
    (void)sid;
    *line = xmlSAX2GetLineNumber(ctxt);
    if (*line <= 0)
        *line = 1;
    xmlStopParser(ctxt);
}

/*
 * libxml2 numbers an element by the line where its start tag ends; a
 * reader looks for the line where "<rule" begins. When the start tag has
 * been read, the parser sits on its '>', and the last '<' before it opens
 * the tag (attribute values cannot hold a raw '<'): count the newlines.
 */
static void start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                          const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                          int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
    xmlParserCtxtPtr ctxt = ctx;
    xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                          nb_defaulted, attributes);
    xmlNodePtr n = ctxt->node;
    if (!n || n->type != XML_ELEMENT_NODE || !ctxt->input || !ctxt->input->cur || !ctxt->input->base)
        return;
    const xmlChar *p = ctxt->input->cur;
    unsigned nl = 0;
    while (p > ctxt->input->base && *p != '<') {
        if (*p == '\n')
            nl++;
        p--;
    }
    if (*p == '<' && n->line > nl && n->line < 65535)
        n->line = (unsigned short)(n->line - nl);
}

/*
 * Reads an XML file without network access, DTD loading or entity
 * expansion; a DOCTYPE is refused (*doctype_line set). NULL on any error,
 * which the structured error handler has captured.
 */
static xmlDocPtr read_xml(const char *path, long *doctype_line)
{
    xmlDocPtr doc = NULL;
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    *doctype_line = 0;
    if (!ctxt)
        return NULL;
    ctxt->_private = doctype_line;
    ctxt->sax->internalSubset = ea_xml_refuse_doctype;
    ctxt->sax->startElementNs = start_element;
    doc = xmlCtxtReadFile(ctxt, path, NULL, XML_PARSE_NONET | XML_PARSE_BIG_LINES);
    if (doc && *doctype_line) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(ctxt);
    return doc;
}

/*
 * read_xml with the error line: "DOCTYPE declarations are not allowed", the
 * first libxml2 error caught in *x, or 'fallback'. NULL with err set.
 */
static xmlDocPtr read_explained(const char *path, const struct xerr *x, const char *fallback,
                                char *err, size_t errlen)
{
    long dt_line = 0;
    xmlDocPtr doc = read_xml(path, &dt_line);
    if (doc)
        return doc;
    if (dt_line)
        seterr(err, errlen, path, dt_line, "DOCTYPE declarations are not allowed");
    else if (x->have)
        seterr(err, errlen, path, x->line, "%s", x->msg);
    else
        seterr(err, errlen, path, 0, "%s", fallback);
    return NULL;
}

/*
 * Parses 'path' without network or DTD loading and validates it against
 * schema_dir/schema_name. Returns the document (caller frees) or NULL with
 * err set ("FILE:LINE: cause").
 */
static xmlDocPtr load_valid(const char *path, const char *schema_dir, const char *schema_name,
                            const char *root, char *err, size_t errlen)
{
    struct xerr x;
    struct ea_xml_catch g = { .on_error = xerr_cb, .ctx = &x };
    xmlDocPtr doc = NULL, sdoc = NULL;
    xmlRelaxNGParserCtxtPtr pctx = NULL;
    xmlRelaxNGPtr schema = NULL;
    xmlRelaxNGValidCtxtPtr vctx = NULL;
    char spath[4096];
    int ok = 0;

    memset(&x, 0, sizeof(x));
    ea_xml_catch_on(&g);

    FILE *fp = fopen(path, "r");
    if (!fp) {
        seterr(err, errlen, path, 0, "cannot open: %s", strerror(errno));
        goto out;
    }
    fclose(fp);
    if (snprintf(spath, sizeof(spath), "%s/%s", schema_dir ? schema_dir : ".", schema_name)
        >= (int)sizeof(spath)) {
        seterr(err, errlen, path, 0, "schema directory name too long");
        goto out;
    }

    /* The schema: our own file, but still read without network access. */
    sdoc = read_explained(spath, &x, "cannot read schema", err, errlen);
    if (!sdoc)
        goto out;
    pctx = xmlRelaxNGNewDocParserCtxt(sdoc);
    if (!pctx) {
        seterr(err, errlen, spath, 0, "out of memory");
        goto out;
    }
    xmlRelaxNGSetParserStructuredErrors(pctx, (xmlStructuredErrorFunc)xerr_cb, &x);
    schema = xmlRelaxNGParse(pctx);
    if (!schema) {
        seterr(err, errlen, spath, x.have ? x.line : 0, "bad schema: %s",
               x.have ? x.msg : "cannot compile");
        goto out;
    }

    doc = read_explained(path, &x, "cannot parse", err, errlen);
    if (!doc)
        goto out;
    vctx = xmlRelaxNGNewValidCtxt(schema);
    if (!vctx) {
        seterr(err, errlen, path, 0, "out of memory");
        goto out;
    }
    xmlRelaxNGSetValidStructuredErrors(vctx, (xmlStructuredErrorFunc)xerr_cb, &x);
    if (xmlRelaxNGValidateDoc(vctx, doc) != 0) {
        if (x.have)
            seterr(err, errlen, path, x.line, "does not match %s: %s", schema_name, x.msg);
        else
            seterr(err, errlen, path, 0, "does not match %s", schema_name);
        goto out;
    }
    /* The schema fixes the root; this only guards against a swapped schema file. */
    xmlNodePtr top = xmlDocGetRootElement(doc);
    if (!is_elem(top, root)) {
        seterr(err, errlen, path, line_of(top), "root element must be <%s>", root);
        goto out;
    }
    ok = 1;
out:
    xmlRelaxNGFreeValidCtxt(vctx);
    xmlRelaxNGFree(schema);
    xmlRelaxNGFreeParserCtxt(pctx);
    xmlFreeDoc(sdoc);
    if (!ok) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    ea_xml_catch_off(&g);
    return doc;
}

xmlDocPtr ea_rules_load_valid(const char *path, const char *schema_dir, const char *schema_name,
                              const char *root, char *err, size_t errlen)
{
    return load_valid(path, schema_dir, schema_name, root, err, errlen);
}

/* ---- rules files ---- */

static int parse_port(const char *s, uint16_t *lo, uint16_t *hi, char *why, size_t whylen)
{
    unsigned long v[2] = { 0, 0 };
    int nv = 0;
    const char *p = s;
    while (nv < 2) {
        size_t nd = 0;
        unsigned long x = 0;
        while (*p >= '0' && *p <= '9') {
            if (nd < 6)
                x = x * 10 + (unsigned long)(*p - '0');
            nd++;
            p++;
        }
        if (nd == 0 || nd > 5)
            goto bad;
        v[nv++] = x;
        if (*p == '-' && nv == 1) {
            p++;
            continue;
        }
        break;
    }
    if (*p)
        goto bad;
    if (nv == 1)
        v[1] = v[0];
    for (int i = 0; i < 2; i++) {
        if (v[i] < 1 || v[i] > 65535) {
            snprintf(why, whylen, "port %lu out of range 1..65535", v[i]);
            return -1;
        }
    }
    if (v[0] > v[1]) {
        snprintf(why, whylen, "port range %lu-%lu is reversed (lo > hi)", v[0], v[1]);
        return -1;
    }
    *lo = (uint16_t)v[0];
    *hi = (uint16_t)v[1];
    return 0;
bad:
    snprintf(why, whylen, "bad port '%.32s' (want N or LO-HI)", s);
    return -1;
}

static int parse_enum(const char *s, const char *const *names, int n)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

/*
 * members="a b": the roles a union stands for, each declared before it, not
 * "any" and not a union itself. 0 and *mask set, or -1 with 'why' set.
 */
static int parse_members(const struct ea_ruleset *tmp, const char *text, uint32_t *mask,
                         char *why, size_t whylen)
{
    char name[64];
    *mask = 0;
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, " ");
        if (len == 0 || len >= sizeof(name)) {
            snprintf(why, whylen, "bad members list");
            return -1;
        }
        memcpy(name, p, len);
        name[len] = '\0';
        int idx = ea_ruleset_role_index(tmp, name);
        if (idx < 0 || tmp->roles[idx].builtin_any || tmp->roles[idx].members) {
            snprintf(why, whylen, "member '%s' is %s", name,
                     idx < 0 ? "not declared before the union" : "'any' or a union itself");
            return -1;
        }
        *mask |= 1u << idx;
        p += len;
        while (*p == ' ')
            p++;
    }
    return 0;
}

/* Declares the roles of one <roles> element into tmp. first_new: roles before it came from earlier files. */
static int load_roles(struct ea_ruleset *tmp, xmlNodePtr roles, size_t first_new, const char *path,
                      char *err, size_t errlen)
{
    int rc = -1, oom = 0;
    char *name = NULL, *aud = NULL, *mem = NULL;
    char why[160];
    for (xmlNodePtr n = first_elem(roles->children); n; n = next_elem(n)) {
        long line = line_of(n);
        uint32_t members = 0;
        free(name);
        free(aud);
        free(mem);
        name = attr_text(n, "name", &oom);
        aud = attr_text(n, "audited", &oom);
        mem = attr_text(n, "members", &oom);
        if (oom) {
            seterr(err, errlen, path, line, "out of memory");
            goto out;
        }
        if (!is_elem(n, "role") || !name) {
            seterr(err, errlen, path, line, "expected <role name=\"...\">");
            goto out;
        }
        bool audited = aud && strcmp(aud, "true") == 0;
        if (strcmp(name, "any") == 0) {
            seterr(err, errlen, path, line, "role 'any' is built in (every address) and must not be declared");
            goto out;
        }
        if (mem && parse_members(tmp, mem, &members, why, sizeof(why)) != 0) {
            seterr(err, errlen, path, line, "role '%.64s': %s", name, why);
            goto out;
        }
        int idx = ea_ruleset_role_index(tmp, name);
        if (idx >= 0 && (size_t)idx >= first_new) {
            seterr(err, errlen, path, line, "role '%.64s' declared twice", name);
            goto out;
        }
        if (idx >= 0) {
            /* Declared by an earlier file: fine if it agrees. */
            if (tmp->roles[idx].audited != audited) {
                seterr(err, errlen, path, line,
                       "role '%.64s' was declared earlier with audited=\"%s\"", name,
                       tmp->roles[idx].audited ? "true" : "false");
                goto out;
            }
            if (tmp->roles[idx].members != members) {
                seterr(err, errlen, path, line, "role '%.64s' was declared earlier with other members",
                       name);
                goto out;
            }
            continue;
        }
        if (tmp->nroles >= EA_MAX_ROLES) {
            seterr(err, errlen, path, line, "too many roles (at most %d, 'any' included)", EA_MAX_ROLES);
            goto out;
        }
        struct ea_role *r = &tmp->roles[tmp->nroles++];
        memset(r, 0, sizeof(*r));
        r->name = name;
        name = NULL;
        r->audited = audited;
        r->members = members;
    }
    rc = 0;
out:
    free(name);
    free(aud);
    free(mem);
    return rc;
}

/* Reads one <rule> into tmp. */
/* The protocol, security and transport of a rule; -1 with the cause in why. */
static int rule_kinds(struct ea_rule *r, const char *proto, const char *sec, const char *tr,
                      char *why, size_t n)
{
    int v = parse_enum(proto, proto_names, EA_RP__COUNT);
    if (v < 0) {
        snprintf(why, n, "unknown protocol '%.32s'", proto);
        return -1;
    }
    r->proto = (enum ea_rule_proto)v;
    v = parse_enum(sec, sec_names, 3);
    if (v < 0) {
        snprintf(why, n, "unknown security '%.32s'", sec);
        return -1;
    }
    r->sec = (enum ea_rule_sec)v;
    if (strcmp(tr, "tcp") == 0) {
        r->transport = IPPROTO_TCP;
    } else if (strcmp(tr, "udp") == 0) {
        r->transport = IPPROTO_UDP;
    } else {
        snprintf(why, n, "unknown transport '%.32s'", tr);
        return -1;
    }
    return 0;
}

/* The from and to roles of a rule, one of them audited; -1 with the cause in why. */
static int rule_roles(const struct ea_ruleset *tmp, struct ea_rule *r, const char *from,
                      const char *to, char *why, size_t n)
{
    r->src_role = ea_ruleset_role_index(tmp, from);
    if (r->src_role < 0) {
        snprintf(why, n, "rule '%.64s': unknown role '%.64s' in from", r->id, from);
        return -1;
    }
    r->dst_role = ea_ruleset_role_index(tmp, to);
    if (r->dst_role < 0) {
        snprintf(why, n, "rule '%.64s': unknown role '%.64s' in to", r->id, to);
        return -1;
    }
    if (!tmp->roles[r->src_role].audited && !tmp->roles[r->dst_role].audited) {
        snprintf(why, n,
                 "rule '%.64s' touches no audited role (from %.64s to %.64s): it could never be checked",
                 r->id, from, to);
        return -1;
    }
    return 0;
}

/* Where a rule comes from (<table> or <prose>), and its <narrowed>, <corrected> and <note>. */
static void rule_provenance(struct ea_rule *r, xmlNodePtr n, int *oom)
{
    for (xmlNodePtr c = first_elem(n->children); c; c = next_elem(c)) {
        if (is_elem(c, "table")) {
            free(r->table);
            free(r->seed_row);
            r->table = attr_text(c, "title", oom);
            r->seed_row = attr_text(c, "row", oom);
        } else if (is_elem(c, "prose")) {
            free(r->table);
            free(r->seed_row);
            r->table = attr_text(c, "section", oom);
            r->seed_row = NULL;
        } else if (is_elem(c, "narrowed")) {
            free(r->seed_wording);
            free(r->narrowed_why);
            r->seed_wording = attr_text(c, "seed-wording", oom);
            r->narrowed_why = elem_text(c, oom);
        } else if (is_elem(c, "corrected")) {
            free(r->corrected_wording);
            free(r->corrected_why);
            r->corrected_wording = attr_text(c, "seed-wording", oom);
            r->corrected_why = elem_text(c, oom);
        } else if (is_elem(c, "note")) {
            free(r->note);
            r->note = elem_text(c, oom);
        }
    }
}

static int load_rule(struct ea_ruleset *tmp, xmlNodePtr n, const char *path, char *err, size_t errlen)
{
    int rc = -1, oom = 0;
    long line = line_of(n);
    struct ea_rule r;
    char *proto = NULL, *sec = NULL, *tr = NULL, *port = NULL, *from = NULL, *to = NULL;
    char why[384];

    memset(&r, 0, sizeof(r));
    r.line = (int)line;
    r.id = attr_text(n, "id", &oom);
    proto = attr_text(n, "protocol", &oom);
    sec = attr_text(n, "security", &oom);
    tr = attr_text(n, "transport", &oom);
    port = attr_text(n, "port", &oom);
    from = attr_text(n, "from", &oom);
    to = attr_text(n, "to", &oom);
    r.file = strdup(path);
    if (oom || !r.file) {
        seterr(err, errlen, path, line, "out of memory");
        goto out;
    }
    if (!r.id || !proto || !sec || !tr || !port || !from || !to) {
        seterr(err, errlen, path, line, "rule lacks an attribute");
        goto out;
    }
    for (size_t i = 0; i < tmp->nrules; i++) {
        if (strcmp(tmp->rules[i].id, r.id) == 0) {
            seterr(err, errlen, path, line, "duplicate rule id '%.64s' (first in %.200s:%d)", r.id,
                   tmp->rules[i].file, tmp->rules[i].line);
            goto out;
        }
    }
    if (tmp->nrules >= EA_MAX_RULES) {
        seterr(err, errlen, path, line, "too many rules (at most %d in all files)", EA_MAX_RULES);
        goto out;
    }
    if (rule_kinds(&r, proto, sec, tr, why, sizeof(why)) != 0) {
        seterr(err, errlen, path, line, "%s", why);
        goto out;
    }
    if (parse_port(port, &r.port_lo, &r.port_hi, why, sizeof(why)) != 0) {
        seterr(err, errlen, path, line, "rule '%.64s': %s", r.id, why);
        goto out;
    }
    if (rule_roles(tmp, &r, from, to, why, sizeof(why)) != 0) {
        seterr(err, errlen, path, line, "%s", why);
        goto out;
    }
    rule_provenance(&r, n, &oom);
    if (oom) {
        seterr(err, errlen, path, line, "out of memory");
        goto out;
    }
    /* An empty note only where the page's Notes cell is empty (rules.rng allows <note/>). */
    if (!r.table || !r.note) {
        seterr(err, errlen, path, line, "rule '%.64s' needs a <table> or <prose> and a <note>", r.id);
        goto out;
    }
    r.doc = (int)tmp->ndocs - 1;
    tmp->docs[tmp->ndocs - 1].nrules++;
    tmp->rules[tmp->nrules++] = r;
    memset(&r, 0, sizeof(r));
    rc = 0;
out:
    rule_clear(&r);
    free(proto);
    free(sec);
    free(tr);
    free(port);
    free(from);
    free(to);
    return rc;
}

/* Records the file as a loaded pack: its name (file name without ".xml") and its page. */
static int add_doc(struct ea_ruleset *tmp, const char *path, xmlNodePtr top, char *err, size_t errlen)
{
    int oom = 0;
    if (tmp->ndocs >= EA_MAX_DOCS) {
        seterr(err, errlen, path, 0, "too many rules files (at most %d)", EA_MAX_DOCS);
        return -1;
    }
    struct ea_rules_doc *d = &tmp->docs[tmp->ndocs++];
    memset(d, 0, sizeof(*d));
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (len > 4 && strcmp(base + len - 4, ".xml") == 0)
        len -= 4;
    d->pack = strndup(base, len);
    oom = !d->pack;
    for (xmlNodePtr n = first_elem(top->children); n; n = next_elem(n)) {
        if (is_elem(n, "document")) {
            d->title = attr_text(n, "title", &oom);
            d->href = attr_text(n, "href", &oom);
            break;
        }
    }
    if (oom) {
        seterr(err, errlen, path, 0, "out of memory");
        return -1;
    }
    return 0;
}

/*
 * Loads into a deep copy and swaps it in on success, so that on error (-1,
 * err set) rs is exactly as before. Roles may be declared again by a later
 * file if they agree on audited; rule ids never repeat.
 */
int ea_ruleset_load_rules(struct ea_ruleset *rs, const char *path, const char *schema_dir,
                          char *err, size_t errlen)
{
    int rc = -1;
    struct ea_ruleset *tmp = NULL;
    xmlDocPtr doc = NULL;
    if (!rs || !path) {
        seterr(err, errlen, path ? path : "(null)", 0, "no ruleset or no file name");
        return -1;
    }
    doc = load_valid(path, schema_dir, "rules.rng", "rules", err, errlen);
    if (!doc)
        goto out;
    tmp = rs_clone(rs);
    if (!tmp) {
        seterr(err, errlen, path, 0, "out of memory");
        goto out;
    }
    size_t first_new = tmp->nroles;
    xmlNodePtr top = xmlDocGetRootElement(doc);
    if (add_doc(tmp, path, top, err, errlen) != 0)
        goto out;
    for (xmlNodePtr n = first_elem(top->children); n; n = next_elem(n)) {
        if (is_elem(n, "roles")) {
            if (load_roles(tmp, n, first_new, path, err, errlen) != 0)
                goto out;
        } else if (is_elem(n, "rule")) {
            if (load_rule(tmp, n, path, err, errlen) != 0)
                goto out;
        }
        /* <document>: read by add_doc. */
    }
    if (unions_refresh(tmp) != 0) {
        seterr(err, errlen, path, 0, "out of memory or too many addresses in a union of roles");
        goto out;
    }
    rs_commit(rs, tmp);
    tmp = NULL;
    rc = 0;
out:
    ea_ruleset_free(tmp);
    xmlFreeDoc(doc);
    return rc;
}

/* ---- site files and --role ---- */

/* Index of a role that may take addresses, or -1 with 'why' set. */
static int addressable_role(const struct ea_ruleset *rs, const char *name, char *why, size_t whylen)
{
    int idx = ea_ruleset_role_index(rs, name);
    if (idx < 0) {
        snprintf(why, whylen, "unknown role '%.64s' (roles come from the rules files)", name);
        return -1;
    }
    if (rs->roles[idx].builtin_any) {
        snprintf(why, whylen, "role 'any' is built in (every address) and takes no addresses");
        return -1;
    }
    if (rs->roles[idx].members) {
        snprintf(why, whylen, "role '%.64s' is a union of other roles and takes no addresses of its own",
                 name);
        return -1;
    }
    return idx;
}

/* <address nat="public|private">: which of a NAT'd role's addresses it is (rules/site.rng). */
static uint8_t site_nat(xmlNodePtr a, int *oom)
{
    char *v = attr_text(a, "nat", oom);
    uint8_t nat = !v ? EA_NAT_NONE : strcmp(v, "public") == 0 ? EA_NAT_PUBLIC : EA_NAT_PRIVATE;
    free(v);
    return nat;
}

/* Same copy-then-commit contract as ea_ruleset_load_rules. */
int ea_ruleset_load_site(struct ea_ruleset *rs, const char *path, const char *schema_dir,
                         char *err, size_t errlen)
{
    int rc = -1, oom = 0;
    struct ea_ruleset *tmp = NULL;
    xmlDocPtr doc = NULL;
    char *name = NULL, *text = NULL;
    char why[160];
    if (!rs || !path) {
        seterr(err, errlen, path ? path : "(null)", 0, "no ruleset or no file name");
        return -1;
    }
    doc = load_valid(path, schema_dir, "site.rng", "site", err, errlen);
    if (!doc)
        goto out;
    tmp = rs_clone(rs);
    if (!tmp) {
        seterr(err, errlen, path, 0, "out of memory");
        goto out;
    }
    xmlNodePtr top = xmlDocGetRootElement(doc);
    for (xmlNodePtr n = first_elem(top->children); n; n = next_elem(n)) {
        if (!is_elem(n, "role"))
            continue;
        free(name);
        name = attr_text(n, "name", &oom);
        if (oom || !name) {
            seterr(err, errlen, path, line_of(n), oom ? "out of memory" : "role without a name");
            goto out;
        }
        int idx = addressable_role(tmp, name, why, sizeof(why));
        if (idx < 0) {
            seterr(err, errlen, path, line_of(n), "%s", why);
            goto out;
        }
        for (xmlNodePtr a = first_elem(n->children); a; a = next_elem(a)) {
            struct ea_cidr c;
            if (!is_elem(a, "address"))
                continue;
            free(text);
            text = elem_text(a, &oom);
            if (oom) {
                seterr(err, errlen, path, line_of(a), "out of memory");
                goto out;
            }
            if (ea_cidr_parse(text, &c) != 0) {
                seterr(err, errlen, path, line_of(a), "bad address or CIDR '%.64s' for role '%.64s'",
                       text, name);
                goto out;
            }
            c.nat = site_nat(a, &oom);
            if (role_add_cidr(&tmp->roles[idx], &c) != 0) {
                seterr(err, errlen, path, line_of(a), "too many addresses for role '%.64s' (at most %d)",
                       name, EA_MAX_CIDRS);
                goto out;
            }
        }
    }
    if (unions_refresh(tmp) != 0) {
        seterr(err, errlen, path, 0, "too many addresses in a union of roles (at most %d), or out of memory",
               EA_MAX_CIDRS);
        goto out;
    }
    rs_commit(rs, tmp);
    tmp = NULL;
    rc = 0;
out:
    free(name);
    free(text);
    ea_ruleset_free(tmp);
    xmlFreeDoc(doc);
    return rc;
}

/*
 * "NAME=CIDR[,CIDR...]": spaces around items are ignored. The role must be
 * declared by then: the program applies --role after every rules file (and
 * the site file) has loaded. Every item parses or none is added.
 */
/*
 * Parses the comma-separated addresses and CIDRs of --role NAME=... (role
 * names the role in messages) into *out, a malloc'ed array of *nout (caller
 * frees). -1 with the error line in err and nothing allocated.
 */
static int parse_cidr_list(const char *p, const char *role, struct ea_cidr **out, size_t *nout,
                           char *err, size_t errlen)
{
    struct ea_cidr *cs = NULL;
    size_t ncs = 0;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len > 0 && *p == ' ') {
            p++;
            len--;
        }
        while (len > 0 && p[len - 1] == ' ')
            len--;
        char item[64];
        struct ea_cidr c;
        if (len == 0) {
            seterr(err, errlen, "--role", -1, "empty address for role '%.64s'", role);
            goto fail;
        }
        if (len >= sizeof(item)) {
            seterr(err, errlen, "--role", -1, "bad address or CIDR '%.*s...' for role '%.64s'", 32, p,
                   role);
            goto fail;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        if (ea_cidr_parse(item, &c) != 0) {
            seterr(err, errlen, "--role", -1, "bad address or CIDR '%s' for role '%.64s'", item, role);
            goto fail;
        }
        if (ncs >= EA_MAX_CIDRS) {
            seterr(err, errlen, "--role", -1, "too many addresses for role '%.64s'", role);
            goto fail;
        }
        struct ea_cidr *n = realloc(cs, (ncs + 1) * sizeof(*n));
        if (!n) {
            seterr(err, errlen, "--role", -1, "out of memory");
            goto fail;
        }
        cs = n;
        cs[ncs++] = c;
        if (!end)
            break;
        p = end + 1;
    }
    *out = cs;
    *nout = ncs;
    return 0;
fail:
    free(cs);
    return -1;
}

int ea_ruleset_add_role_arg(struct ea_ruleset *rs, const char *arg, char *err, size_t errlen)
{
    int rc = -1;
    char why[160];
    struct ea_cidr *cs = NULL;
    size_t ncs = 0;
    char *copy = NULL;
    if (!rs || !arg) {
        seterr(err, errlen, "--role", -1, "no ruleset or no argument");
        return -1;
    }
    const char *eq = strchr(arg, '=');
    if (!eq) {
        seterr(err, errlen, "--role", -1, "'%.64s' is not NAME=CIDR[,CIDR...]", arg);
        goto out;
    }
    size_t nlen = (size_t)(eq - arg);
    while (nlen > 0 && arg[nlen - 1] == ' ')
        nlen--;
    while (nlen > 0 && *arg == ' ') {
        arg++;
        nlen--;
    }
    copy = strdup(arg);
    if (!copy) {
        seterr(err, errlen, "--role", -1, "out of memory");
        goto out;
    }
    copy[nlen] = '\0';
    if (nlen == 0) {
        seterr(err, errlen, "--role", -1, "missing role name before '='");
        goto out;
    }
    int idx = addressable_role(rs, copy, why, sizeof(why));
    if (idx < 0) {
        seterr(err, errlen, "--role", -1, "%s", why);
        goto out;
    }
    /* Parse every item before touching the role, so a bad one changes nothing. */
    if (parse_cidr_list(eq + 1, copy, &cs, &ncs, err, errlen) != 0)
        goto out;
    struct ea_role *r = &rs->roles[idx];
    if (r->ncidrs + ncs > EA_MAX_CIDRS) {
        seterr(err, errlen, "--role", -1, "too many addresses for role '%.64s'", copy);
        goto out;
    }
    struct ea_cidr *all = realloc(r->cidrs, (r->ncidrs + ncs) * sizeof(*all));
    if (!all) {
        seterr(err, errlen, "--role", -1, "out of memory");
        goto out;
    }
    memcpy(all + r->ncidrs, cs, ncs * sizeof(*cs));
    r->cidrs = all;
    r->ncidrs += ncs;
    if (unions_refresh(rs) != 0) {
        r->ncidrs -= ncs;   /* as before: the larger array is harmless */
        seterr(err, errlen, "--role", -1, "too many addresses in a union of roles, or out of memory");
        goto out;
    }
    rc = 0;
out:
    free(cs);
    free(copy);
    return rc;
}

void ea_ruleset_set_mtls_seen_only(struct ea_ruleset *rs, int seen_only)
{
    for (size_t i = 0; i < rs->nrules; i++)
        rs->rules[i].mtls_seen_only = seen_only != 0;
}
