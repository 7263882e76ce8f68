/* live-signal.c: live mode's signal handlers: they set flags (and break the capture wait); the loop does the work. */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include "live-signal.h"

static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1 };
#define NSIGS (sizeof(sigs) / sizeof(sigs[0]))

/* Set by the handlers only. */
static volatile sig_atomic_t sig_stop, sig_hup, sig_usr1;
static struct ea_live_source *volatile sig_src;
static struct sigaction old_actions[NSIGS];

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        sig_hup = 1;
    else if (sig == SIGUSR1)
        sig_usr1 = 1;
    else
        sig_stop = 1;
    if (sig_src)
        ea_live_source_break(sig_src);
}

void ea_live_signals_install(struct ea_live_source *src)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* poll returns EINTR whatever the flags (signal(7)); SA_RESTART keeps alert writes whole. */
    sa.sa_flags = SA_RESTART;
    sig_stop = sig_hup = sig_usr1 = 0;
    sig_src = src;
    for (size_t i = 0; i < NSIGS; i++)
        sigaction(sigs[i], &sa, &old_actions[i]);
}

void ea_live_signals_restore(void)
{
    sig_src = NULL;
    for (size_t i = 0; i < NSIGS; i++)
        sigaction(sigs[i], &old_actions[i], NULL);
}

int ea_live_signal_stop(void)
{
    return sig_stop != 0;
}

int ea_live_signal_take_hup(void)
{
    if (!sig_hup)
        return 0;
    sig_hup = 0;
    return 1;
}

int ea_live_signal_take_usr1(void)
{
    if (!sig_usr1)
        return 0;
    sig_usr1 = 0;
    return 1;
}

void ea_live_signals_block(sigset_t *old)
{
    sigset_t block;
    sigemptyset(&block);
    for (size_t i = 0; i < NSIGS; i++)
        sigaddset(&block, sigs[i]);
    pthread_sigmask(SIG_BLOCK, &block, old);
}

void ea_live_signals_unblock(const sigset_t *old)
{
    pthread_sigmask(SIG_SETMASK, old, NULL);
}
