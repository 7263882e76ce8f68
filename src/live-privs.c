/* live-privs.c: live mode's privilege sequence around opening the interface. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "live-privs.h"
#include "source-live.h"

int ea_live_check_root(const struct ea_options *o, char *err, size_t errlen)
{
    if (geteuid() == 0 && !o->user && !o->keep_root) {
        snprintf(err, errlen, "refusing to read packets as root: give -Z USER to drop privileges "
                 "once %s is open, or --keep-root to stay root", o->iface);
        return -1;
    }
    return 0;
}

int ea_live_drop_privileges(const struct ea_options *o, char *err, size_t errlen)
{
    if (o->user && ea_drop_privileges(o->user, err, errlen) != 0)
        return -1;
    if (geteuid() != 0 && ea_drop_capabilities(err, errlen) != 0)
        return -1;
    if (o->report_dir && access(o->report_dir, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "--report-dir %s: %s", o->report_dir, strerror(errno));
        return -1;
    }
    return 0;
}
