/* ndpi-glue.h: the one door to nDPI 4.2; nothing else includes <ndpi_api.h>. */
#ifndef EA_NDPI_GLUE_H
#define EA_NDPI_GLUE_H

#include <stddef.h>
#include <stdint.h>
#include "flow.h"

struct ea_ndpi;

/* A detection module with every protocol enabled. NULL on failure. */
struct ea_ndpi *ea_ndpi_new(void);
void ea_ndpi_free(struct ea_ndpi *n);                /* NULL is a no-op */

/*
 * Forgets what earlier flows taught the module (its LRU caches of Ookla,
 * BitTorrent, Zoom, STUN, TLS certificate, mining and MS Teams hosts), so
 * that the next flows are classified as by a new module, without paying its
 * start-up. Not forgotten: the TINC cache, which nDPI 4.2 gives no way to
 * free (it changes only the detection of TINC); and nothing at all when the
 * installed nDPI header does not describe the library's module (checked
 * once, in ea_ndpi_new).
 */
void ea_ndpi_reset(struct ea_ndpi *n);

/*
 * Per-flow nDPI state, owned by the caller: nDPI's 688 bytes (4.2) kept
 * packed between the flow's packets, its non-zero words only (about 170
 * bytes for a STUN flow nDPI has not decided), and what nDPI allocated for
 * the flow. A TCP flow's is kept whole instead, from its first packet on:
 * 'whole' makes it so at once, without a first packing. NULL on
 * out-of-memory.
 */
void *ea_ndpi_flow_new(int whole);
void ea_ndpi_flow_free(void *nf);                    /* NULL is a no-op */

/* The bytes the packed state takes (what nDPI allocated for the flow aside); 0 for NULL. */
size_t ea_ndpi_flow_size(const void *nf);

/*
 * Feeds one packet from its IP header on (pkt->l3, l3_len and ts_ns; pkt is
 * borrowed) to the flow *nfp, which may move (it is packed again, to its new
 * size). Fills master and app with what nDPI knows so far. Returns 1 when
 * nDPI has decided and wants no more packets, and also when the state
 * could not be packed again (out of memory): then the flow is freed and
 * *nfp is NULL.
 */
int ea_ndpi_process(struct ea_ndpi *n, void **nfp, const struct ea_packet *pkt,
                    uint16_t *master, uint16_t *app);

/* nDPI's last word on a flow it has not decided (its port guess included); *nfp as above. */
void ea_ndpi_giveup(struct ea_ndpi *n, void **nfp, uint16_t *master, uint16_t *app,
                    uint8_t *guessed);

/*
 * "TLS", "TLS.Skype_Teams", "Unknown": written into buf (cut to len as
 * snprintf cuts), returned. The module keeps the last names it made, by
 * (master, app), for the next flows: like ea_ndpi_process, one thread at a
 * time per module.
 */
const char *ea_ndpi_name(struct ea_ndpi *n, uint16_t master, uint16_t app, char *buf, size_t len);

/*
 * Our label for an nDPI result, from the protocol on the wire: the master
 * protocol when nDPI names one (STUN.Zoom is STUN, DNS.Dropbox is DNS), else
 * the app protocol. EA_APP_SIP for SIP, ..., EA_APP_NDPI for another known
 * protocol, EA_APP_UNKNOWN.
 */
enum ea_app ea_ndpi_app(uint16_t master, uint16_t app);

/*
 * The label word of an nDPI result: ours ("stun", "dns", "tls") where
 * ea_ndpi_app has one, else nDPI's name of the wire protocol in lower case
 * with anything but letters and digits as '-' ("dtls", "skype-teams").
 * Returns a static string or buf (cut to len).
 */
const char *ea_ndpi_label(struct ea_ndpi *n, uint16_t master, uint16_t app, char *buf, size_t len);

/*
 * The service nDPI named on top of the wire protocol ("Zoom" in STUN.Zoom,
 * "Teams" in TLS.Teams), written into buf and returned; "" when there is none.
 */
const char *ea_ndpi_service(struct ea_ndpi *n, uint16_t master, uint16_t app, char *buf,
                            size_t len);

/* How many protocol ids the module knows (ids 0 .. n-1), for listing the vocabulary. */
unsigned ea_ndpi_protocols(struct ea_ndpi *n);

#endif
