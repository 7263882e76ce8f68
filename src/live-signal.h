/* live-signal.h: live mode's signals: SIGINT/SIGTERM stop, SIGHUP reopens the alerts, SIGUSR1 writes the reports. */
#ifndef EA_LIVE_SIGNAL_H
#define EA_LIVE_SIGNAL_H

#include <signal.h>
#include "source-live.h"

/*
 * Installs the handlers (one live run at a time) and clears what earlier
 * signals set. The handlers only set flags and, when 'src' is given, break
 * its capture wait (borrowed until ea_live_signals_restore).
 */
void ea_live_signals_install(struct ea_live_source *src);

/* Puts back the handlers that were there before ea_live_signals_install. */
void ea_live_signals_restore(void);

/* 1 once SIGINT or SIGTERM arrived. */
int ea_live_signal_stop(void);

/* 1 when SIGHUP arrived since the last call (clears it). */
int ea_live_signal_take_hup(void);

/* 1 when SIGUSR1 arrived since the last call (clears it). */
int ea_live_signal_take_usr1(void);

/* Blocks the four signals in the calling thread (old mask in *old): threads started now never take them. */
void ea_live_signals_block(sigset_t *old);

/* Puts back the mask ea_live_signals_block saved. */
void ea_live_signals_unblock(const sigset_t *old);

#endif
