#pragma once

// A deterministic synthetic monitoring session for the recording tests and benchmark: health samples
// (with failures, absent metrics and routes that appear, change and go), pg_stat_activity snapshots
// (backends appearing, changing state and query, leaving; a failed read now and then) and events.

#include "store/Session.h"
#include "types/Workspace.h"

#include <QHash>
#include <QStringList>

#include <random>

namespace poolscope::test {

inline Workspace syntheticWorkspace(int targetCount)
{
    Workspace workspace;
    DatabaseConfig database;
    database.name = QStringLiteral("main");
    database.conninfo = QStringLiteral("dbname=app host=localhost");
    workspace.databases.append(database);
    const QStringList names { QStringLiteral("web"), QStringLiteral("worker_odds"), QStringLiteral("worker_settlement"),
        QStringLiteral("cron") };
    for (int i = 0; i < targetCount; ++i) {
        TargetConfig target;
        target.name = i < names.size() ? names.at(i) : QStringLiteral("target_%1").arg(i);
        target.url = QStringLiteral("http://localhost:%1/health").arg(8000 + i);
        target.applicationName = target.name;
        target.database = database.name;
        workspace.targets.append(target);
    }
    return workspace;
}

struct SyntheticOptions
{
    int targets = 3;
    int routes = 10;
    int backends = 40;
    double changeFraction = 0.1; // of backends changing per tick
    int churnEvery = 3; // one backend leaves and a new one appears every this many ticks (0: never)
    int failEvery = 17; // a target fails every this many ticks (0: never)
    int snapshotFailEvery = 29;
    int eventEvery = 7;
    qint64 startMs = 1'795'000'000'000; // 2026-11-18
    qint64 tickMs = 2000;
    quint32 seed = 42;
};

class SyntheticFeed
{
public:
    explicit SyntheticFeed(SyntheticOptions options = {})
        : m_options(options)
        , m_workspace(syntheticWorkspace(options.targets))
        , m_random(options.seed)
    {
        for (int i = 0; i < m_options.backends; ++i)
            m_backends.append(newBackend(m_options.startMs - 60'000));
        m_counters.resize(static_cast<std::size_t>(m_options.targets * (m_options.routes + 2)), 0);
    }

    const Workspace& workspace() const { return m_workspace; }
    qint64 tickTime(int tick) const { return m_options.startMs + tick * m_options.tickMs; }

    // The query texts used: commas, quotes, newlines, literals and non-ASCII characters.
    static QStringList queries()
    {
        return {
            QStringLiteral("SELECT 1"),
            QStringLiteral("SELECT id, name FROM users WHERE email = 'a,b@example.com' AND id = 42"),
            QStringLiteral("UPDATE bets SET note = 'he said \"hi\"' WHERE id = 7"),
            QStringLiteral("SELECT *\nFROM odds\r\nWHERE market = 'café' -- 漢字"),
            QStringLiteral("COMMIT"),
            QString(),
        };
    }

    Sample sample(int target, int tick)
    {
        Sample s;
        const auto& config = m_workspace.targets.at(target);
        s.target = config.name;
        s.timestampMs = tickTime(tick) + target * 7;
        s.latencyMs = 5 + (tick + target) % 40;
        if (m_options.failEvery > 0 && (tick + target * 5) % m_options.failEvery == 0) {
            s.error = (tick % 2) ? QStringLiteral("timeout after 2000 ms")
                                 : QStringLiteral("HTTP 503, \"Service Unavailable\"");
            if (tick % 3 == 0)
                s.latencyMs = -1;
            return s;
        }
        auto counter = [&](int slot) -> qint64& {
            return m_counters[static_cast<std::size_t>(target * (m_options.routes + 2) + slot)];
        };
        counter(0) += 3 + tick % 5;
        counter(1) += 3 + tick % 4;
        const double checkedOut = 10 + (tick % 13) + target;
        const double tracked = 8 + (tick % 11);
        s.metrics.set(Metric::CheckedOut, checkedOut);
        s.metrics.set(Metric::Tracked, tracked);
        s.metrics.set(Metric::Discrepancy, checkedOut - tracked);
        s.metrics.set(Metric::AcquiredTotal, static_cast<double>(counter(0)));
        s.metrics.set(Metric::ReleasedTotal, static_cast<double>(counter(1)));
        if (target != 1)
            s.metrics.set(Metric::LeaksTotal, tick / 100);
        s.metrics.set(Metric::PoolMin, 5);
        s.metrics.set(Metric::PoolMax, 50);
        s.metrics.set(Metric::PoolSize, 20 + tick % 3);
        s.metrics.set(Metric::PoolIdle, 0.25 * (tick % 8));
        if (tick % 4 != 0)
            s.metrics.set(Metric::Waiting, tick % 3);
        // Routes: a few change every tick, one appears late and one leaves early.
        for (int r = 0; r < m_options.routes; ++r) {
            if (r == m_options.routes - 1 && tick < 5)
                continue; // appears at tick 5
            if (r == 0 && tick >= 20 && tick < 30)
                continue; // gone between tick 20 and 29
            qint64& acquired = counter(2 + r);
            if ((tick + r) % 3 == 0)
                acquired += 1 + r;
            RouteStats route;
            route.name = QStringLiteral("GET /api/v1/route_%1").arg(r);
            route.acquired = static_cast<double>(acquired);
            route.released = static_cast<double>(acquired - (r % 3));
            route.active = static_cast<double>(r % 3);
            if (r % 4 != 3)
                route.leaks = r == 2 ? tick / 50 : 0;
            s.routes.append(route);
        }
        return s;
    }

    ActivitySnapshot snapshot(int tick)
    {
        ActivitySnapshot snapshot;
        snapshot.database = m_workspace.databases.first().name;
        snapshot.timestampMs = tickTime(tick) + 30;
        snapshot.latencyMs = 3 + tick % 7;
        snapshot.serverTimeMs = snapshot.timestampMs - 2;
        if (m_options.snapshotFailEvery > 0 && tick % m_options.snapshotFailEvery == m_options.snapshotFailEvery - 1) {
            snapshot.error = QStringLiteral("server closed the connection unexpectedly");
            snapshot.serverTimeMs = kNoTime;
            return snapshot;
        }
        const qint64 now = snapshot.timestampMs;
        const int changes = static_cast<int>(m_options.changeFraction * m_backends.size() + 0.5);
        std::uniform_int_distribution<qsizetype> pick(0, m_backends.size() - 1);
        for (int i = 0; i < changes && !m_backends.isEmpty(); ++i)
            mutate(m_backends[pick(m_random)], now);
        if (m_options.churnEvery > 0 && tick % m_options.churnEvery == 0 && !m_backends.isEmpty()) {
            m_backends.removeAt(pick(m_random));
            m_backends.append(newBackend(now - 5));
        }
        snapshot.backends = m_backends;
        return snapshot;
    }

    Event event(int tick)
    {
        Event e;
        e.timestampMs = tickTime(tick) + 40;
        e.severity = static_cast<Event::Severity>(tick % 3);
        e.source = tick % 2 ? m_workspace.targets.first().name : QString();
        e.kind = QStringLiteral("threshold");
        e.message = QStringLiteral("discrepancy, now %1, crossed \"warning\"\nsee é/漢字").arg(tick);
        return e;
    }

    // Feeds one tick (every target's sample, the snapshot, maybe an event) into the session.
    void feed(Session& session, int tick)
    {
        for (int t = 0; t < m_options.targets; ++t)
            session.addSample(sample(t, tick));
        session.addSnapshot(snapshot(tick));
        if (m_options.eventEvery > 0 && tick % m_options.eventEvery == 0)
            session.addEvent(event(tick));
    }

private:
    Backend newBackend(qint64 now)
    {
        Backend b;
        b.pid = m_nextPid++;
        b.datname = QStringLiteral("app");
        const int owner = b.pid % (m_options.targets + 1);
        b.applicationName
            = owner < m_options.targets ? m_workspace.targets.at(owner).applicationName : QStringLiteral("psql");
        b.usename = b.pid % 9 == 0 ? QStringLiteral("ädmin") : QStringLiteral("app");
        if (b.pid % 5 != 0) {
            b.clientAddr = QStringLiteral("10.0.%1.%2").arg(b.pid % 7).arg(b.pid % 250);
            b.clientPort = 40000 + b.pid % 20000;
        }
        b.backendType = QStringLiteral("client backend");
        b.backendStartMs = now - (b.pid % 100) * 1000;
        b.state = QStringLiteral("idle");
        b.stateChangeMs = now;
        b.query = queries().at(b.pid % queries().size());
        b.withheld = b.pid % 23 == 0;
        return b;
    }

    void mutate(Backend& b, qint64 now)
    {
        static const QStringList states { QStringLiteral("active"), QStringLiteral("idle"),
            QStringLiteral("idle in transaction") };
        const int step = static_cast<int>(m_random() % 6);
        b.state = states.at(step % states.size());
        b.stateChangeMs = now;
        if (b.state == states.at(0)) {
            b.queryStartMs = now;
            b.query = queries().at(step % queries().size());
            b.waitEventType = step == 3 ? QStringLiteral("Lock") : QString();
            b.waitEvent = step == 3 ? QStringLiteral("transactionid") : QString();
        }
        b.xactStartMs = b.state == states.at(1) ? kNoTime : now - 10;
        if (step == 5)
            b.applicationName = QStringLiteral("renamed, app");
    }

    SyntheticOptions m_options;
    Workspace m_workspace;
    std::mt19937 m_random;
    QList<Backend> m_backends;
    std::vector<qint64> m_counters;
    int m_nextPid = 1000;
};

} // namespace poolscope::test
