/* live-schedule.c: live mode's periodic work between waits for packets: expiry, early verdicts, loss, reports. */
#include "live-schedule.h"
#include "live-alert.h"
#include "live-private.h"
#include "live-report.h"
#include "live-signal.h"
#include "live-workers.h"

void ea_live_schedule_init(struct ea_live_schedule *s, const struct ea_options *o)
{
    s->settle_ns = (uint64_t)o->settle_s * EA_LIVE_NS;
    s->interval_ns = (uint64_t)o->interval_s * EA_LIVE_NS;
    s->next_report = ea_live_mono_ns() + s->interval_ns;
    s->next_settle = 0;
}

/* Twice a second: flows still in the tables that settled get their early verdict (and alert). */
static void settle(struct ea_live *lv, struct ea_live_schedule *s, uint64_t now, uint64_t mono)
{
    uint64_t pnow = ea_pipeline_now(lv->pl);
    struct ea_live_settle_ctx sc = { lv, now > pnow ? now : pnow, s->settle_ns };
    ea_live_foreach_active(lv, ea_live_settle_one, &sc);
    s->next_settle = mono + EA_LIVE_NS / 2;
    ea_live_update_loss(lv);   /* often, so that libpcap's 32-bit counters never wrap unseen */
}

void ea_live_schedule_tick(struct ea_live *lv, struct ea_live_schedule *s)
{
    uint64_t now = ea_live_wall_ns(), mono = ea_live_mono_ns();
    ea_live_lock(lv);
    ea_live_drain(lv);   /* finished flows are judged, and alerted, here */
    ea_pipeline_idle(lv->pl, now);
    if (mono >= s->next_settle)
        settle(lv, s, now, mono);
    ea_live_unlock(lv);
    if (ea_live_signal_take_hup())
        ea_live_alerts_open(lv);
    if (ea_live_signal_take_usr1() || (s->interval_ns && mono >= s->next_report)) {
        ea_live_write_reports(lv);
        if (s->interval_ns)
            s->next_report = mono + s->interval_ns;
    }
}
