/* util-xml.h: one way to catch libxml2's and libxslt's error messages for the length of a call. */
#ifndef EA_UTIL_XML_H
#define EA_UTIL_XML_H

#include <libxml/xmlerror.h>

/* The structured handler's error type gained a const in libxml2 2.12. */
#if LIBXML_VERSION >= 21200
typedef const xmlError *ea_xml_error_ptr;
#else
typedef xmlErrorPtr ea_xml_error_ptr;
#endif

typedef void (*ea_xml_error_fn)(void *ctx, ea_xml_error_ptr e);

/*
 * libxml2 and libxslt print their diagnostics on stderr through process-wide
 * (per-thread) hooks; edgeaudit fails with one line of its own instead.
 * While caught, every printf-like message of either library, and every
 * structured libxml2 error when on_error is NULL, is kept as 'first' (the
 * first message only, cut to one line); with on_error set, structured
 * errors go to on_error(ctx, e) instead. Nothing reaches stderr. Catches
 * nest: ea_xml_catch_off restores the hooks ea_xml_catch_on found.
 *
 *   struct ea_xml_catch c = { .on_error = NULL };
 *   ea_xml_catch_on(&c); ... libxml2 calls ...; use c.first; ea_xml_catch_off(&c);
 */
struct ea_xml_catch {
    char first[256];            /* the first message caught; "" when none */
    ea_xml_error_fn on_error;   /* set before ea_xml_catch_on, or NULL */
    void *ctx;                  /* on_error's context, borrowed */
    /* The hooks found by ea_xml_catch_on (private). */
    xmlStructuredErrorFunc saved_serr;
    void *saved_sctx;
    xmlGenericErrorFunc saved_gerr;
    void *saved_gctx;
    xmlGenericErrorFunc saved_xerr;
    void *saved_xctx;
};

/* Routes both libraries' error hooks of this thread to c (first set to ""). */
void ea_xml_catch_on(struct ea_xml_catch *c);

/* Gives the hooks back as ea_xml_catch_on found them. */
void ea_xml_catch_off(struct ea_xml_catch *c);

#endif
