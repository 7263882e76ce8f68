/* live-privs.h: live mode's privilege sequence: refuse root without -Z or --keep-root, drop it once the interface is open. */
#ifndef EA_LIVE_PRIVS_H
#define EA_LIVE_PRIVS_H

#include <stddef.h>
#include "options.h"

/* Before the interface opens: running as root is refused unless -Z or --keep-root. -1 with err. */
int ea_live_check_root(const struct ea_options *o, char *err, size_t errlen);

/*
 * Once the interface is open and before the first packet is parsed: drops
 * to -Z USER, clears the capabilities of a non-root process (CAP_NET_RAW),
 * then checks that --report-dir is writable by who is left. -1 with err.
 */
int ea_live_drop_privileges(const struct ea_options *o, char *err, size_t errlen);

#endif
