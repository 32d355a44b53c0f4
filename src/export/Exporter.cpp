#include "Exporter.h"

#include "CsvWriter.h"
#include "analysis/Holders.h"
#include "analysis/QueryFingerprint.h"
#include "record/RecordingReader.h"
#include "store/Session.h"

#include <QDateTime>
#include <QLocale>
#include <QSaveFile>

#include <algorithm>
#include <array>
#include <functional>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

QString number(double value)
{
    return isPresent(value) ? QString::number(value, 'g', QLocale::FloatingPointShortest) : QString();
}

// A text cell from outside (see "Formula injection" in Exporter.h).
QString text(const QString& value, const ExportOptions& options)
{
    return options.raw ? value : CsvWriter::neutralised(value);
}

bool inRange(qint64 ms, const ExportOptions& options)
{
    return ms >= options.fromMs && ms <= options.toMs;
}

// Calls options.progress every 2048 rows; false when the export was canceled.
class Progress
{
public:
    Progress(const ExportOptions& options, std::size_t total)
        : m_callback(options.progress)
        , m_total(std::max<std::size_t>(total, 1))
    { }
    bool step()
    {
        if (!m_callback || (++m_done % 2048) != 0)
            return !m_canceled;
        m_canceled = m_canceled || !m_callback(static_cast<double>(m_done) / static_cast<double>(m_total));
        return !m_canceled;
    }
    bool canceled() const { return m_canceled; }

private:
    const std::function<bool(double)>& m_callback;
    std::size_t m_total;
    std::size_t m_done = 0;
    bool m_canceled = false;
};

// Writes header + rows through a QSaveFile; the body callback writes the rows and returns false when
// the export was canceled (the file is then left untouched).
bool writeCsv(
    const QString& path, const QStringList& header, const std::function<bool(CsvWriter&)>& body, QString* error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = u"Cannot write %1: %2"_s.arg(path, file.errorString());
        return false;
    }
    CsvWriter writer(&file);
    writer.writeRow(header);
    if (!body(writer)) {
        if (error)
            *error = u"%1: export canceled"_s.arg(path);
        file.cancelWriting();
        return false;
    }
    if (!writer.ok()) {
        if (error)
            *error = u"Cannot write %1: %2"_s.arg(path, file.errorString());
        file.cancelWriting();
        return false;
    }
    if (!file.commit()) {
        if (error)
            *error = u"Cannot write %1: %2"_s.arg(path, file.errorString());
        return false;
    }
    return true;
}

QStringList routeRow(qint64 ms, const QString& target, const RouteStats& route, const ExportOptions& options)
{
    return { isoTimestamp(ms), text(target, options), text(route.name, options), number(route.acquired),
        number(route.released), number(route.active), number(route.leaks) };
}

QStringList backendRow(qint64 ms, const QString& database, const Backend& b, const ExportOptions& options)
{
    const bool redact = options.redact;
    return {
        isoTimestamp(ms),
        text(database, options),
        QString::number(b.pid),
        text(b.applicationName, options),
        text(b.usename, options),
        text(redact && !b.clientAddr.isEmpty() ? redactClientAddress(b.clientAddr) : b.clientAddr, options),
        b.clientPort >= 0 ? QString::number(b.clientPort) : QString(),
        text(b.backendType, options),
        text(b.state, options),
        isoTimestamp(b.backendStartMs),
        isoTimestamp(b.xactStartMs),
        isoTimestamp(b.queryStartMs),
        isoTimestamp(b.stateChangeMs),
        text(b.waitEventType, options),
        text(b.waitEvent, options),
        text(redact && !b.query.isEmpty() ? fingerprintQuery(b.query) : b.query, options),
    };
}

void writeHolderRows(
    CsvWriter& writer, qint64 ms, const QString& target, const HolderReport& report, const ExportOptions& options)
{
    for (const Holder& original : report.holders) {
        const Holder h = options.redact ? redactHolder(original) : original;
        writer.writeRow({ isoTimestamp(ms), text(target, options), QString::number(h.backendPid),
            h.hasAcquiredAt() ? isoTimestamp(h.acquiredAtMs) : QString(), h.tracked ? u"1"_s : u"0"_s,
            text(h.route, options), text(h.location(), options), text(h.stack.join(u'\n'), options) });
    }
}

} // namespace

QStringList holdersColumns()
{
    return { u"timestamp"_s, u"target"_s, u"backend_pid"_s, u"acquired_at"_s, u"tracked"_s, u"route"_s, u"location"_s,
        u"stack"_s };
}

bool exportHolders(const Session& session, const QString& path, const ExportOptions& options, QString* error)
{
    return exportHolders(SessionExportData::copyOf(session, SessionExportData::Targets), path, options, error);
}

bool exportHolders(const SessionExportData& data, const QString& path, const ExportOptions& options, QString* error)
{
    return writeCsv(
        path, holdersColumns(),
        [&](CsvWriter& writer) {
            for (const TargetState& target : data.targets) {
                const Sample& last = target.lastOk;
                if (last.timestampMs == 0 || !last.holdersReported || !inRange(last.timestampMs, options))
                    continue;
                writeHolderRows(writer, last.timestampMs, target.config.name,
                    HolderReport { true, last.timestampMs, last.holders }, options);
            }
            return true;
        },
        error);
}

bool exportHolders(RecordingReader& reader, const QString& path, const ExportOptions& options, QString* error)
{
    QList<RecordingReader::HolderChange> changes;
    if (options.fromMs != std::numeric_limits<qint64>::min()) {
        for (const TargetConfig& target : reader.workspace().targets) {
            const HolderReport report = reader.holdersAt(target.name, options.fromMs);
            if (report.reported)
                changes.append({ options.fromMs, target.name, report });
        }
    }
    const qint64 from = options.fromMs == std::numeric_limits<qint64>::min() ? options.fromMs : options.fromMs + 1;
    if (from <= options.toMs)
        changes += reader.holderChanges(from, options.toMs);
    return writeCsv(
        path, holdersColumns(),
        [&](CsvWriter& writer) {
            Progress progress(options, static_cast<std::size_t>(changes.size()));
            for (const auto& change : std::as_const(changes)) {
                if (!progress.step())
                    return false;
                writeHolderRows(writer, change.timestampMs, change.target, change.report, options);
            }
            return true;
        },
        error);
}

QStringList timelineColumns()
{
    QStringList columns { u"timestamp"_s, u"target"_s, u"ok"_s, u"error"_s, u"latency_ms"_s };
    for (int i = 0; i < kMetricCount; ++i)
        columns.append(metricKey(static_cast<Metric>(i)));
    columns.append(u"backends"_s);
    return columns;
}

QStringList routesColumns()
{
    return { u"timestamp"_s, u"target"_s, u"route"_s, u"acquired"_s, u"released"_s, u"active"_s, u"leaks"_s };
}

QStringList backendsColumns()
{
    return { u"timestamp"_s, u"database"_s, u"pid"_s, u"application_name"_s, u"usename"_s, u"client_addr"_s,
        u"client_port"_s, u"backend_type"_s, u"state"_s, u"backend_start"_s, u"xact_start"_s, u"query_start"_s,
        u"state_change"_s, u"wait_event_type"_s, u"wait_event"_s, u"query"_s };
}

QStringList eventsColumns()
{
    return { u"timestamp"_s, u"severity"_s, u"source"_s, u"kind"_s, u"message"_s };
}

QStringList poolersColumns()
{
    return { u"timestamp"_s, u"pooler"_s, u"database"_s, u"user"_s, u"pool_mode"_s, u"cl_active"_s, u"cl_waiting"_s,
        u"sv_active"_s, u"sv_idle"_s, u"sv_used"_s, u"maxwait"_s };
}

SessionExportData SessionExportData::copyOf(const Session& session, int parts)
{
    SessionExportData data;
    if (parts & Targets) {
        for (int t = 0; t < session.targetCount(); ++t)
            data.targets.push_back(session.target(t));
    }
    if (parts & Databases) {
        for (int d = 0; d < session.databaseCount(); ++d)
            data.databases.push_back(session.database(d));
    }
    if (parts & Events)
        data.events = session.events();
    if (parts & Poolers) {
        for (int p = 0; p < session.poolerCount(); ++p)
            data.poolers.push_back(session.pooler(p));
    }
    return data;
}

bool exportTimeline(const Session& session, const QString& path, const ExportOptions& options, QString* error)
{
    return exportTimeline(SessionExportData::copyOf(session, SessionExportData::Targets), path, options, error);
}

bool exportRoutes(const Session& session, const QString& path, const ExportOptions& options, QString* error)
{
    return exportRoutes(SessionExportData::copyOf(session, SessionExportData::Targets), path, options, error);
}

bool exportBackends(const Session& session, const QString& path, const ExportOptions& options, QString* error)
{
    return exportBackends(SessionExportData::copyOf(session, SessionExportData::Databases), path, options, error);
}

bool exportEvents(const Session& session, const QString& path, const ExportOptions& options, QString* error)
{
    return exportEvents(SessionExportData::copyOf(session, SessionExportData::Events), path, options, error);
}

bool exportTimeline(const SessionExportData& data, const QString& path, const ExportOptions& options, QString* error)
{
    struct RowRef
    {
        qint64 ms;
        int target;
        std::size_t row;
    };
    std::vector<RowRef> rows;
    for (int t = 0; t < static_cast<int>(data.targets.size()); ++t) {
        const auto times = data.targets[static_cast<std::size_t>(t)].history.times();
        for (std::size_t r = 0; r < times.size(); ++r) {
            if (inRange(times[r], options))
                rows.push_back({ times[r], t, r });
        }
    }
    std::stable_sort(rows.begin(), rows.end(), [](const RowRef& a, const RowRef& b) { return a.ms < b.ms; });
    // One set of views per target: each keeps the block it decoded last, and every target's rows come in order.
    struct Views
    {
        ColumnView<qint64> latencies;
        std::array<ColumnView<double>, kMetricCount> columns;
        ColumnView<qint64> countTimes;
        ColumnView<double> counts;
    };
    std::vector<Views> views;
    for (const TargetState& target : data.targets) {
        const TargetHistory& history = target.history;
        Views& v = views.emplace_back();
        v.latencies = history.latencies();
        for (int i = 0; i < kMetricCount; ++i)
            v.columns[static_cast<std::size_t>(i)] = history.column(static_cast<Metric>(i));
        v.countTimes = history.backendCountTimes();
        v.counts = history.backendCounts();
    }

    return writeCsv(
        path, timelineColumns(),
        [&](CsvWriter& writer) {
            Progress progress(options, rows.size());
            for (const RowRef& ref : rows) {
                if (!progress.step())
                    return false;
                const TargetState& target = data.targets[static_cast<std::size_t>(ref.target)];
                const TargetHistory& history = target.history;
                const Views& v = views[static_cast<std::size_t>(ref.target)];
                const qint64 latency = v.latencies[ref.row];
                QStringList fields { isoTimestamp(ref.ms), text(target.config.name, options),
                    history.ok(ref.row) ? u"1"_s : u"0"_s, text(history.error(ref.row), options),
                    latency >= 0 ? QString::number(latency) : QString() };
                for (int i = 0; i < kMetricCount; ++i)
                    fields.append(number(v.columns[static_cast<std::size_t>(i)][ref.row]));
                const auto it = std::upper_bound(v.countTimes.begin(), v.countTimes.end(), ref.ms);
                const auto index = std::distance(v.countTimes.begin(), it) - 1;
                fields.append(index >= 0 ? number(v.counts[static_cast<std::size_t>(index)]) : QString());
                writer.writeRow(fields);
            }
            return true;
        },
        error);
}

bool exportRoutes(const SessionExportData& data, const QString& path, const ExportOptions& options, QString* error)
{
    return writeCsv(
        path, routesColumns(),
        [&](CsvWriter& writer) {
            for (const TargetState& target : data.targets) {
                if (target.lastOk.timestampMs == 0 || !inRange(target.lastOk.timestampMs, options))
                    continue;
                for (const RouteStats& route : target.lastOk.routes)
                    writer.writeRow(routeRow(target.lastOk.timestampMs, target.config.name, route, options));
            }
            return true;
        },
        error);
}

bool exportRoutes(RecordingReader& reader, const QString& path, const ExportOptions& options, QString* error)
{
    QList<QStringList> rows;
    const Workspace workspace = reader.workspace();
    if (options.fromMs != std::numeric_limits<qint64>::min()) {
        for (const TargetConfig& target : workspace.targets) {
            for (const RouteStats& route : reader.routesAt(target.name, options.fromMs))
                rows.append(routeRow(options.fromMs, target.name, route, options));
        }
    }
    const qint64 from = options.fromMs == std::numeric_limits<qint64>::min() ? options.fromMs : options.fromMs + 1;
    for (const auto& change : reader.routeChanges(from, options.toMs))
        rows.append(routeRow(change.timestampMs, change.target, change.route, options));
    return writeCsv(
        path, routesColumns(),
        [&](CsvWriter& writer) {
            Progress progress(options, static_cast<std::size_t>(rows.size()));
            for (const QStringList& row : std::as_const(rows)) {
                if (!progress.step())
                    return false;
                writer.writeRow(row);
            }
            return true;
        },
        error);
}

bool exportBackends(const ActivitySnapshot& snapshot, const QString& path, const ExportOptions& options, QString* error)
{
    return exportBackends(QList<ActivitySnapshot> { snapshot }, path, options, error);
}

bool exportBackends(
    const QList<ActivitySnapshot>& snapshots, const QString& path, const ExportOptions& options, QString* error)
{
    qsizetype total = 0;
    for (const ActivitySnapshot& snapshot : snapshots)
        total += snapshot.backends.size();
    return writeCsv(
        path, backendsColumns(),
        [&](CsvWriter& writer) {
            Progress progress(options, static_cast<std::size_t>(total));
            for (const ActivitySnapshot& snapshot : snapshots) {
                for (const Backend& backend : snapshot.backends) {
                    if (!progress.step())
                        return false;
                    writer.writeRow(backendRow(snapshot.timestampMs, snapshot.database, backend, options));
                }
            }
            return true;
        },
        error);
}

bool exportBackends(const SessionExportData& data, const QString& path, const ExportOptions& options, QString* error)
{
    return writeCsv(
        path, backendsColumns(),
        [&](CsvWriter& writer) {
            for (const DatabaseState& database : data.databases) {
                const ActivitySnapshot& snapshot = database.lastOk;
                if (snapshot.timestampMs == 0 || !inRange(snapshot.timestampMs, options))
                    continue;
                for (const Backend& backend : snapshot.backends)
                    writer.writeRow(backendRow(snapshot.timestampMs, snapshot.database, backend, options));
            }
            return true;
        },
        error);
}

bool exportBackends(RecordingReader& reader, const QString& path, const ExportOptions& options, QString* error)
{
    QList<RecordingReader::BackendChange> changes;
    const Workspace workspace = reader.workspace();
    for (const DatabaseConfig& database : workspace.databases)
        changes.append(reader.backendChanges(database.name, options.fromMs, options.toMs));
    return writeCsv(
        path, backendsColumns(),
        [&](CsvWriter& writer) {
            Progress progress(options, static_cast<std::size_t>(changes.size()));
            for (const auto& change : std::as_const(changes)) {
                if (!progress.step())
                    return false;
                writer.writeRow(backendRow(change.timestampMs, change.database, change.backend, options));
            }
            return true;
        },
        error);
}

bool exportEvents(const SessionExportData& data, const QString& path, const ExportOptions& options, QString* error)
{
    return writeCsv(
        path, eventsColumns(),
        [&](CsvWriter& writer) {
            Progress progress(options, static_cast<std::size_t>(data.events.size()));
            for (const Event& event : data.events) {
                if (!progress.step())
                    return false;
                if (!inRange(event.timestampMs, options))
                    continue;
                writer.writeRow({ isoTimestamp(event.timestampMs), severityName(event.severity),
                    text(event.source, options), text(event.kind, options), text(event.message, options) });
            }
            return true;
        },
        error);
}

bool exportPoolers(const Session& session, const QString& path, const ExportOptions& options, QString* error)
{
    return exportPoolers(SessionExportData::copyOf(session, SessionExportData::Poolers), path, options, error);
}

bool exportPoolers(const SessionExportData& data, const QString& path, const ExportOptions& options, QString* error)
{
    struct RowRef
    {
        qint64 ms;
        const PoolerState* pooler;
        const PoolerHistory::PoolSeries* pool;
        std::size_t row;
    };
    std::vector<RowRef> rows;
    for (const PoolerState& pooler : data.poolers) {
        for (const PoolerHistory::PoolSeries& pool : pooler.history.pools()) {
            for (std::size_t r = 0; r < pool.times.size(); ++r) {
                if (inRange(pool.times[r], options))
                    rows.push_back({ pool.times[r], &pooler, &pool, r });
            }
        }
    }
    std::stable_sort(rows.begin(), rows.end(), [](const RowRef& a, const RowRef& b) { return a.ms < b.ms; });
    return writeCsv(
        path, poolersColumns(),
        [&](CsvWriter& writer) {
            Progress progress(options, rows.size());
            using M = PoolerHistory::PoolMetric;
            for (const RowRef& ref : rows) {
                if (!progress.step())
                    return false;
                const PoolerHistory::PoolSeries& pool = *ref.pool;
                const auto index = static_cast<qsizetype>(ref.row);
                writer.writeRow({ isoTimestamp(ref.ms), text(ref.pooler->config.name, options),
                    text(pool.database, options), text(pool.user, options),
                    text(index < pool.poolModes.size() ? pool.poolModes.at(index) : QString(), options),
                    number(pool.column(M::ClActive)[ref.row]), number(pool.column(M::ClWaiting)[ref.row]),
                    number(pool.column(M::SvActive)[ref.row]), number(pool.column(M::SvIdle)[ref.row]),
                    number(ref.row < pool.svUsed.size() ? pool.svUsed[ref.row] : kAbsent),
                    number(pool.column(M::MaxwaitSeconds)[ref.row]) });
            }
            return true;
        },
        error);
}

} // namespace poolscope
