/* util-time.c: report timestamps (ISO 8601 UTC) and the monotonic clock. */
#include <string.h>
#include <time.h>

#include "util-time.h"
#include "util-str.h"

/* Proleptic Gregorian date of a day number since 1970-01-01 (H. Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* ISO 8601 UTC with nanoseconds; see util-time.h. */
const char *ea_time_str(uint64_t ns, char *buf, size_t n)
{
    /* Formatted by hand: gmtime_r, strftime and snprintf cost thousands of instructions,
       twice per flow in every report. A uint64_t of ns ends in 2554: the year has 4 digits. */
    uint64_t s = ns / 1000000000ULL, day = s / 86400, sec = s % 86400;
    int64_t y;
    unsigned m, d;
    char t[] = "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ";
    civil_from_days((int64_t)day, &y, &m, &d);
    ea_dec_fixed(t, (uint64_t)y, 4);
    ea_dec_fixed(t + 5, m, 2);
    ea_dec_fixed(t + 8, d, 2);
    ea_dec_fixed(t + 11, sec / 3600, 2);
    ea_dec_fixed(t + 14, sec / 60 % 60, 2);
    ea_dec_fixed(t + 17, sec % 60, 2);
    ea_dec_fixed(t + 20, ns % 1000000000ULL, 9);
    if (n) {    /* cut to n - 1 characters, as snprintf would */
        size_t len = sizeof(t) - 1 < n ? sizeof(t) - 1 : n - 1;
        memcpy(buf, t, len);
        buf[len] = 0;
    }
    return buf;
}

double ea_mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
