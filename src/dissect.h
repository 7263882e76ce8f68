/* dissect.h: conventions shared by the project's own protocol dissectors. */
#ifndef EA_DISSECT_H
#define EA_DISSECT_H

#include <stddef.h>
#include <stdint.h>
#include "util-str.h"

/*
 * Direction of bytes within a flow: 0 is initiator -> responder (the client
 * side), 1 is responder -> initiator.
 */
#define EA_DIR_C2S 0
#define EA_DIR_S2C 1

/* What a dissector says after a call. */
enum ea_dis_rc {
    EA_DIS_NEED_MORE = 0,  /* looks like mine so far (or undecided): feed more */
    EA_DIS_NOT_MINE,       /* certainly not this protocol: stop feeding it */
    EA_DIS_DONE,           /* identified, and every fact it can give is in info */
    EA_DIS_UPGRADE,        /* XMPP only: STARTTLS accepted, TLS follows on this flow */
};

/* Longest domain kept (SIP From/To, XMPP to/from). */
#define EA_DOMAIN_CAP 127

#endif
