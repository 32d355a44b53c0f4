#include "AgentMetrics.h"

#include "analysis/Diagnosis.h"
#include "store/Session.h"

#include <QDateTime>
#include <QHash>
#include <QMap>

#include <algorithm>
#include <array>
#include <functional>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

using Type = ExpositionWriter::Type;
using Labels = ExpositionWriter::Labels;

// A route's counters with the routes beyond the cap summed under "other", in name order.
QList<RouteStats> cappedRoutes(QList<RouteStats> routes)
{
    std::sort(routes.begin(), routes.end(), [](const RouteStats& a, const RouteStats& b) { return a.name < b.name; });
    if (routes.size() <= AgentMetrics::kMaxRoutes)
        return routes;
    RouteStats other;
    other.name = u"other"_s;
    auto add = [](double& sum, double v) {
        if (isPresent(v))
            sum = isPresent(sum) ? sum + v : v;
    };
    for (qsizetype i = AgentMetrics::kMaxRoutes; i < routes.size(); ++i) {
        const RouteStats& r = routes.at(i);
        add(other.acquired, r.acquired);
        add(other.released, r.released);
        add(other.active, r.active);
        add(other.leaks, r.leaks);
    }
    routes.resize(AgentMetrics::kMaxRoutes);
    routes.append(other);
    return routes;
}

QString backendState(const Backend& b)
{
    if (b.withheld)
        return u"withheld"_s;
    return b.state.isEmpty() ? u"unknown"_s : b.state;
}

} // namespace

AgentMetrics::AgentMetrics(const Session* session, const Diagnosis* diagnosis, QObject* parent)
    : QObject(parent)
    , m_session(session)
    , m_diagnosis(diagnosis)
    , m_targets(static_cast<std::size_t>(session->targetCount()))
    , m_databases(static_cast<std::size_t>(session->databaseCount()))
    , m_startMs(QDateTime::currentMSecsSinceEpoch())
{
    connect(session, &Session::sampleAdded, this, &AgentMetrics::onSample);
    connect(session, &Session::snapshotAdded, this, &AgentMetrics::onSnapshot);
}

QString AgentMetrics::serviceOf(const Session& session, int targetIndex)
{
    const TargetConfig& config = session.target(targetIndex).config;
    return config.service.isEmpty() ? config.name : config.service;
}

void AgentMetrics::onSample(int targetIndex)
{
    if (targetIndex < 0 || targetIndex >= static_cast<int>(m_targets.size()))
        return;
    const Sample& s = m_session->target(targetIndex).latest;
    PollCounts& c = m_targets[static_cast<std::size_t>(targetIndex)];
    ++c.polls;
    if (!s.ok())
        ++c.errors;
    if (s.latencyMs >= 0)
        c.secondsSum += static_cast<double>(s.latencyMs) / 1000.0;
}

void AgentMetrics::onSnapshot(int databaseIndex)
{
    if (databaseIndex < 0 || databaseIndex >= static_cast<int>(m_databases.size()))
        return;
    const ActivitySnapshot& s = m_session->database(databaseIndex).latest;
    PollCounts& c = m_databases[static_cast<std::size_t>(databaseIndex)];
    ++c.polls;
    if (!s.ok())
        ++c.errors;
    if (s.latencyMs >= 0)
        c.secondsSum += static_cast<double>(s.latencyMs) / 1000.0;
}

QByteArray AgentMetrics::exposition(ExpositionWriter::Format format) const
{
    ExpositionWriter w(format);
    const Session& session = *m_session;
    const int targets = session.targetCount();
    // Every target series starts with the same two labels: rendered once.
    std::vector<QByteArray> targetLabels;
    targetLabels.reserve(static_cast<std::size_t>(targets));
    for (int i = 0; i < targets; ++i)
        targetLabels.push_back(ExpositionWriter::renderLabels(
            { { u"target"_s, session.target(i).config.name }, { u"service"_s, serviceOf(session, i) } }));
    auto labelsOf = [&](int i) -> const QByteArray& { return targetLabels[static_cast<std::size_t>(i)]; };
    // The target's labels and one more.
    auto withLabel = [&](int i, const QString& name, const QString& text) -> QByteArray {
        return labelsOf(i) + ',' + ExpositionWriter::renderLabels({ { name, text } });
    };
    auto polled = [&](int i) { return session.target(i).polled(); };
    auto up = [&](int i) { return polled(i) && session.target(i).latest.ok(); };

    // One sample per target, where value(i) is not NaN (and, for upOnly, while the newest poll succeeded).
    auto perTarget = [&](const QString& name, Type type, const QString& help, bool upOnly,
                         const std::function<double(int)>& value) {
        w.family(name, type, help);
        for (int i = 0; i < targets; ++i) {
            if (upOnly && !up(i))
                continue;
            const double v = value(i);
            if (isPresent(v))
                w.sample(labelsOf(i), v);
        }
    };
    auto metric = [&](const QString& name, Type type, const QString& help, Metric m) {
        perTarget(name, type, help, true, [&](int i) { return session.target(i).latest.metrics[m]; });
    };

    perTarget(u"poolscope_target_up"_s, Type::Gauge,
        u"1 when the newest poll of the target's health endpoint succeeded"_s, false,
        [&](int i) { return polled(i) ? (up(i) ? 1.0 : 0.0) : kAbsent; });
    perTarget(
        u"poolscope_target_poll_latency_seconds"_s, Type::Gauge, u"Round trip of the newest poll"_s, false, [&](int i) {
            const qint64 ms = session.target(i).latest.latencyMs;
            return polled(i) && ms >= 0 ? static_cast<double>(ms) / 1000.0 : kAbsent;
        });
    w.family(u"poolscope_target_poll_duration_seconds"_s, Type::Summary,
        u"Round trips of every poll since the agent started"_s);
    for (int i = 0; i < targets; ++i) {
        const PollCounts& c = m_targets[static_cast<std::size_t>(i)];
        w.sample(labelsOf(i), c.secondsSum, "_sum");
        w.sample(labelsOf(i), static_cast<double>(c.polls), "_count");
    }
    perTarget(u"poolscope_target_poll_errors"_s, Type::Counter, u"Failed polls of the target's health endpoint"_s,
        false, [&](int i) { return static_cast<double>(m_targets[static_cast<std::size_t>(i)].errors); });
    perTarget(u"poolscope_target_last_poll_timestamp_seconds"_s, Type::Gauge, u"When the newest poll ended"_s, false,
        [&](int i) {
            return polled(i) ? static_cast<double>(session.target(i).latest.timestampMs) / 1000.0 : kAbsent;
        });

    metric(u"poolscope_checked_out"_s, Type::Gauge, u"Connections the pool has handed out"_s, Metric::CheckedOut);
    metric(u"poolscope_tracked"_s, Type::Gauge, u"Checked-out connections the service tracks"_s, Metric::Tracked);
    metric(u"poolscope_discrepancy"_s, Type::Gauge, u"Checked out minus tracked: connections held outside tracking"_s,
        Metric::Discrepancy);
    metric(u"poolscope_pool_max"_s, Type::Gauge, u"The pool's maximum size"_s, Metric::PoolMax);
    metric(u"poolscope_pool_size"_s, Type::Gauge, u"Connections the pool holds"_s, Metric::PoolSize);
    metric(u"poolscope_pool_idle"_s, Type::Gauge, u"Connections idle inside the pool"_s, Metric::PoolIdle);
    metric(u"poolscope_acquired"_s, Type::Counter, u"Connections acquired from the pool, as the service counts them"_s,
        Metric::AcquiredTotal);
    metric(u"poolscope_released"_s, Type::Counter, u"Connections released to the pool, as the service counts them"_s,
        Metric::ReleasedTotal);
    metric(u"poolscope_leaks"_s, Type::Counter, u"Leaks the service itself detected"_s, Metric::LeaksTotal);

    // Routes: at most kMaxRoutes per target, the rest as route="other".
    std::vector<QList<RouteStats>> routes(static_cast<std::size_t>(targets));
    for (int i = 0; i < targets; ++i)
        if (up(i))
            routes[static_cast<std::size_t>(i)] = cappedRoutes(session.target(i).latest.routes);
    auto perRoute = [&](const QString& name, Type type, const QString& help, double RouteStats::*field) {
        w.family(name, type, help);
        for (int i = 0; i < targets; ++i) {
            for (const RouteStats& r : routes[static_cast<std::size_t>(i)]) {
                const double v = r.*field;
                if (!isPresent(v))
                    continue;
                w.sample(withLabel(i, u"route"_s, r.name), v);
            }
        }
    };
    perRoute(
        u"poolscope_route_acquired"_s, Type::Counter, u"Connections acquired on the route"_s, &RouteStats::acquired);
    perRoute(
        u"poolscope_route_released"_s, Type::Counter, u"Connections released on the route"_s, &RouteStats::released);
    perRoute(
        u"poolscope_route_leaks"_s, Type::Counter, u"Leaks the service detected on the route"_s, &RouteStats::leaks);
    perRoute(u"poolscope_route_active"_s, Type::Gauge, u"Connections the route holds now"_s, &RouteStats::active);

    // The analysis.
    w.family(u"poolscope_verdict"_s, Type::Gauge, u"The verdict on the discrepancy: 1 for the current value"_s);
    static constexpr std::array kinds { VerdictKind::None, VerdictKind::Stable, VerdictKind::Growing,
        VerdictKind::Unknown };
    for (int i = 0; i < targets; ++i) {
        const VerdictKind current = m_diagnosis->target(i).verdict.kind;
        for (const VerdictKind kind : kinds) {
            w.sample(withLabel(i, u"verdict"_s, verdictKindKey(kind)), kind == current ? 1 : 0);
        }
    }
    perTarget(u"poolscope_slope_per_hour"_s, Type::Gauge,
        u"The verdict's slope of the discrepancy, connections an hour"_s, false, [&](int i) {
            const Verdict& v = m_diagnosis->target(i).verdict;
            return v.kind == VerdictKind::Unknown ? kAbsent : v.slopePerHour;
        });
    perTarget(u"poolscope_exhaustion_eta_seconds"_s, Type::Gauge,
        u"Seconds until the pool (or the server) is exhausted at the verdict's slope; only while growing"_s, false,
        [&](int i) {
            const Verdict& v = m_diagnosis->target(i).verdict;
            return v.kind == VerdictKind::Growing && v.exhaustionEtaSeconds >= 0 ? v.exhaustionEtaSeconds : kAbsent;
        });
    perTarget(u"poolscope_suspects"_s, Type::Gauge, u"Backends held outside tracking, by the reconciliation"_s, false,
        [&](int i) {
            return polled(i) ? static_cast<double>(m_diagnosis->target(i).reconciliation.suspects.size()) : kAbsent;
        });
    w.family(u"poolscope_threshold_level"_s, Type::Gauge,
        u"Where the target stands against the workspace thresholds: 1 for the current level"_s);
    static constexpr std::array levels { ThresholdLevel::Ok, ThresholdLevel::Warning, ThresholdLevel::Critical };
    for (int i = 0; i < targets; ++i) {
        const ThresholdLevel current = m_diagnosis->target(i).level;
        for (const ThresholdLevel level : levels) {
            w.sample(withLabel(i, u"level"_s, thresholdLevelKey(level)), level == current ? 1 : 0);
        }
    }
    const Thresholds& thresholds = session.workspace().thresholds;
    perTarget(u"poolscope_discrepancy_warning_threshold"_s, Type::Gauge,
        u"The workspace's discrepancy warning threshold"_s, false, [&](int) { return thresholds.discrepancyWarning; });
    perTarget(u"poolscope_discrepancy_critical_threshold"_s, Type::Gauge,
        u"The workspace's discrepancy critical threshold"_s, false,
        [&](int) { return thresholds.discrepancyCritical; });
    perTarget(u"poolscope_growth_warning_per_hour_threshold"_s, Type::Gauge,
        u"The workspace's growth warning threshold, connections an hour"_s, false,
        [&](int) { return thresholds.growthWarningPerHour; });

    // Databases.
    const int databases = session.databaseCount();
    auto dbLabels = [&](int d) { return Labels { { u"database"_s, session.database(d).config.name } }; };
    w.family(u"poolscope_backends"_s, Type::Gauge, u"Backends in the newest read of pg_stat_activity"_s);
    for (int d = 0; d < databases; ++d) {
        const ActivitySnapshot& s = session.database(d).latest;
        if (!session.database(d).polled() || !s.ok())
            continue;
        QHash<QString, int> perApplication;
        for (const Backend& b : s.backends)
            ++perApplication[b.applicationName];
        QList<QPair<int, QString>> ranked;
        for (auto it = perApplication.cbegin(); it != perApplication.cend(); ++it)
            ranked.append({ -it.value(), it.key() });
        std::sort(ranked.begin(), ranked.end());
        QHash<QString, QString> shownAs;
        for (qsizetype k = 0; k < ranked.size(); ++k) {
            const QString& name = ranked.at(k).second;
            shownAs.insert(name, k < kMaxApplications ? (name.isEmpty() ? u"unknown"_s : name) : u"other"_s);
        }
        QMap<QPair<QString, QString>, int> counts; // (application_name, state) in order
        for (const Backend& b : s.backends)
            ++counts[{ shownAs.value(b.applicationName), backendState(b) }];
        for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
            Labels labels = dbLabels(d);
            labels.append({ u"application_name"_s, it.key().first });
            labels.append({ u"state"_s, it.key().second });
            w.sample(labels, it.value());
        }
    }
    w.family(u"poolscope_database_up"_s, Type::Gauge, u"1 when the newest read of pg_stat_activity succeeded"_s);
    for (int d = 0; d < databases; ++d)
        if (session.database(d).polled())
            w.sample(dbLabels(d), session.database(d).latest.ok() ? 1 : 0);
    w.family(u"poolscope_database_poll_latency_seconds"_s, Type::Gauge, u"Round trip of the newest read"_s);
    for (int d = 0; d < databases; ++d)
        if (session.database(d).polled() && session.database(d).latest.latencyMs >= 0)
            w.sample(dbLabels(d), static_cast<double>(session.database(d).latest.latencyMs) / 1000.0);
    w.family(u"poolscope_database_poll_duration_seconds"_s, Type::Summary,
        u"Round trips of every read since the agent started"_s);
    for (int d = 0; d < databases; ++d) {
        const PollCounts& c = m_databases[static_cast<std::size_t>(d)];
        w.sample(dbLabels(d), c.secondsSum, "_sum");
        w.sample(dbLabels(d), static_cast<double>(c.polls), "_count");
    }
    w.family(u"poolscope_database_poll_errors"_s, Type::Counter, u"Failed reads of pg_stat_activity"_s);
    for (int d = 0; d < databases; ++d)
        w.sample(dbLabels(d), static_cast<double>(m_databases[static_cast<std::size_t>(d)].errors));
    w.family(u"poolscope_database_max_connections"_s, Type::Gauge, u"The server's max_connections"_s);
    for (int d = 0; d < databases; ++d)
        if (session.database(d).lastOk.maxConnections >= 0)
            w.sample(dbLabels(d), session.database(d).lastOk.maxConnections);

    // The agent itself.
    w.family(u"poolscope_agent"_s, Type::Info, u"The PoolScope agent"_s);
    w.sample(Labels { { u"version"_s, QStringLiteral(POOLSCOPE_VERSION) } }, 1);
    w.family(
        u"poolscope_agent_start_time_seconds"_s, Type::Gauge, u"When the agent started, seconds since the epoch"_s);
    w.sample(QByteArrayView(), static_cast<double>(m_startMs) / 1000.0);
    return w.finish();
}

} // namespace poolscope
