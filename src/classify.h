/* classify.h: label each flow from the project's dissectors, then nDPI, then the port. */
#ifndef EA_CLASSIFY_H
#define EA_CLASSIFY_H

#include "flow.h"
#include "stats.h"

/* Payload-carrying packets inspected per flow before inspection stops. */
#define EA_INSPECT_MAX_PACKETS 40

struct ea_classifier;

/* NULL on out-of-memory or when nDPI cannot start. 'st' is borrowed. */
struct ea_classifier *ea_classifier_new(struct ea_stats *st);
void ea_classifier_free(struct ea_classifier *c);    /* NULL is a no-op */

/* Forgets what earlier flows taught nDPI (ea_ndpi_reset), keeping the module. */
void ea_classifier_reset(struct ea_classifier *c);

/*
 * Inspects one packet of a flow that is not yet decided (a no-op once it
 * is). 'dir' is 0 for initiator -> responder. The first packet makes the
 * flow's working state (f->work, freed here once decided, or by
 * ea_flow_free). Parts of it go earlier: nDPI's flow once nDPI has decided,
 * a dissector's stream state once that dissector is out of the running.
 * A UDP flow whose first packet is a STUN response is oriented the other
 * way round (ea_flow_orient_reply); *dir is updated then.
 */
void ea_classify_packet(struct ea_classifier *c, struct ea_flow *f, int *dir,
                        const struct ea_packet *p);

/*
 * Ends inspection: asks nDPI for its last word, hands the dissectors' facts
 * to the flow (f->facts), sets the final label, frees the working state.
 */
void ea_classify_finish(struct ea_classifier *c, struct ea_flow *f);

/* What a flow's inspection holds at the moment (tests, memory figures). */
struct ea_inspect_held {
    unsigned work;     /* 1 while the flow has its working state (f->work) */
    unsigned ndpi;     /* 1 while it holds an nDPI flow */
    unsigned states;   /* dissector stream states held */
    unsigned infos;    /* dissector facts held that the flow has not adopted */
    size_t ndpi_bytes; /* the room of nDPI's flow, kept packed between packets */
};

/* Fills *h for f; all zero for a decided flow. */
void ea_classify_held(const struct ea_flow *f, struct ea_inspect_held *h);

/* Printable nDPI name of the flow ("TLS", "Unknown"), into buf. */
const char *ea_classify_ndpi_name(struct ea_classifier *c, const struct ea_flow *f,
                                  char *buf, size_t len);

/* The service nDPI named beside the wire protocol ("Teams" in TLS.Teams), or "", into buf. */
const char *ea_classify_ndpi_service(struct ea_classifier *c, const struct ea_flow *f,
                                     char *buf, size_t len);

/* The label text, always a word of the vocabulary (doc/edgeaudit.1, LABELS):
   ours, or for EA_APP_NDPI nDPI's wire protocol in lower case ("dtls"). */
const char *ea_classify_label(struct ea_classifier *c, const struct ea_flow *f,
                              char *buf, size_t len);

#endif
