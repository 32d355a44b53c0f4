#pragma once

// The pg_stat_activity snapshot the view benches feed: `backends` client backends of seven applications, of
// which 2 % change state on every tick (active on odd ticks, idle on even ones), the rest idle since the start.
#include "types/ActivitySnapshot.h"

namespace poolscope::test {

inline constexpr qint64 kBusyStartMs = 1'790'000'000'000;

inline ActivitySnapshot busySnapshot(int backends, int tick, qint64 tickMs)
{
    using namespace Qt::StringLiterals;
    ActivitySnapshot s;
    s.database = u"db"_s;
    s.timestampMs = kBusyStartMs + tick * tickMs;
    s.serverTimeMs = s.timestampMs;
    s.maxConnections = backends + 100;
    s.backends.reserve(backends);
    for (int i = 0; i < backends; ++i) {
        Backend b;
        b.pid = 10000 + i;
        b.datname = u"db"_s;
        b.applicationName = u"app%1"_s.arg(i % 7);
        b.usename = u"app"_s;
        b.clientAddr = u"10.0.%1.%2"_s.arg(i / 250).arg(i % 250);
        b.clientPort = 40000 + i % 20000;
        b.backendType = u"client backend"_s;
        b.backendStartMs = kBusyStartMs - 3600'000;
        const bool changes = (i + tick) % 50 == 0;
        b.state = changes && tick % 2 ? u"active"_s : u"idle"_s;
        b.stateChangeMs = changes ? s.timestampMs - 5 : kBusyStartMs;
        b.queryStartMs = b.stateChangeMs;
        b.query = u"SELECT * FROM bets WHERE user_id = %1"_s.arg(i);
        s.backends.append(b);
    }
    return s;
}

} // namespace poolscope::test
