/* util-xml.c: catching libxml2's and libxslt's error messages instead of printing them. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <libxml/globals.h>
#include <libxslt/xsltutils.h>

#include "util-xml.h"

/* Keeps text as the first message, cut at its first line break. */
static void keep(struct ea_xml_catch *c, const char *text)
{
    if (c->first[0] || !text)
        return;
    snprintf(c->first, sizeof(c->first), "%s", text);
    c->first[strcspn(c->first, "\r\n")] = 0;
}

/* The printf-like hook of both libraries: the format comes from the library. */
__attribute__((format(printf, 2, 3)))
static void catch_generic(void *ctx, const char *msg, ...)
{
    struct ea_xml_catch *c = ctx;
    char text[sizeof(c->first)];
    va_list ap;
    if (!c || c->first[0])
        return;
    va_start(ap, msg);
    /* va_start is just above: a known clang-analyzer 14 false positive on early returns. */
    vsnprintf(text, sizeof(text), msg, ap);   /* NOLINT(clang-analyzer-valist.Uninitialized) */
    va_end(ap);
    keep(c, text);
}

static void catch_structured(void *ctx, ea_xml_error_ptr e)
{
    struct ea_xml_catch *c = ctx;
    if (!c || !e)
        return;
    if (c->on_error)
        c->on_error(c->ctx, e);
    else
        keep(c, e->message);
}

void ea_xml_catch_on(struct ea_xml_catch *c)
{
    c->first[0] = 0;
    c->saved_serr = xmlStructuredError;
    c->saved_sctx = xmlStructuredErrorContext;
    c->saved_gerr = xmlGenericError;
    c->saved_gctx = xmlGenericErrorContext;
    c->saved_xerr = xsltGenericError;
    c->saved_xctx = xsltGenericErrorContext;
    xmlSetStructuredErrorFunc(c, catch_structured);
    xmlSetGenericErrorFunc(c, catch_generic);
    xsltSetGenericErrorFunc(c, catch_generic);
}

void ea_xml_catch_off(struct ea_xml_catch *c)
{
    xmlSetStructuredErrorFunc(c->saved_sctx, c->saved_serr);
    xmlSetGenericErrorFunc(c->saved_gctx, c->saved_gerr);
    xsltSetGenericErrorFunc(c->saved_xctx, c->saved_xerr);
}
