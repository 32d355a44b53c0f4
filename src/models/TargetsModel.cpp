#include "TargetsModel.h"

#include "Format.h"
#include "store/Session.h"
#include "store/SessionAtCursor.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace Qt::StringLiterals;

namespace poolscope {

TargetsModel::TargetsModel(Session* session, QObject* parent)
    : TableModel(NumColumns, parent)
    , m_session(session)
{
    if (!session)
        return;
    std::vector<int> targets(static_cast<std::size_t>(session->targetCount()));
    std::iota(targets.begin(), targets.end(), 0);
    updateRows(std::move(targets));
    connect(session, &Session::sampleAdded, this, &TargetsModel::onSampleAdded);
    connect(session, &Session::snapshotAdded, this, &TargetsModel::onSnapshotAdded);
    // The levels (State colour and sort key) depend on the thresholds.
    connect(session, &Session::thresholdsChanged, this, [this] { allRowsChanged(); });
    connect(session, &Session::historyReplaced, this, [this] { allRowsChanged(); });
}

TargetsModel::~TargetsModel() = default;

void TargetsModel::followCursor(SessionAtCursor* cursor)
{
    if (m_cursor)
        disconnect(m_cursor, nullptr, this, nullptr);
    m_cursor = cursor;
    if (cursor)
        connect(cursor, &SessionAtCursor::changed, this, [this] { allRowsChanged(); });
    allRowsChanged();
}

void TargetsModel::setUpdateInterval(int ms)
{
    if (ms <= 0) {
        flushChanged();
        delete m_flushTimer;
        m_flushTimer = nullptr;
        return;
    }
    if (!m_flushTimer) {
        m_flushTimer = new QTimer(this);
        m_flushTimer->setSingleShot(true);
        connect(m_flushTimer, &QTimer::timeout, this, &TargetsModel::flushChanged);
    }
    m_flushTimer->setInterval(ms);
}

void TargetsModel::changed(int row, int firstColumn, int lastColumn)
{
    if (!m_flushTimer) {
        rowChanged(row, firstColumn, lastColumn);
        return;
    }
    if (!isRow(row))
        return;
    m_changedFirst = m_changedFirst < 0 ? row : std::min(m_changedFirst, row);
    m_changedLast = std::max(m_changedLast, row);
    if (!m_flushTimer->isActive())
        m_flushTimer->start();
}

void TargetsModel::flushChanged()
{
    if (m_flushTimer)
        m_flushTimer->stop();
    if (m_changedFirst < 0)
        return;
    const int first = m_changedFirst;
    const int last = std::min(m_changedLast, rowCount() - 1);
    m_changedFirst = m_changedLast = -1;
    if (first <= last)
        Q_EMIT dataChanged(index(first, 0), index(last, NumColumns - 1));
}

const TargetState& TargetsModel::stateOf(int targetIndex) const
{
    return m_cursor ? m_cursor->target(targetIndex) : m_session->target(targetIndex);
}

TargetsModel::StateLevel TargetsModel::stateLevel(const TargetState& target, const Thresholds& thresholds)
{
    if (!target.polled())
        return StateLevel::Waiting;
    if (!target.latest.ok())
        return StateLevel::Failing;
    const double discrepancy = target.lastOk.metrics[Metric::Discrepancy];
    if (isPresent(discrepancy) && discrepancy >= thresholds.discrepancyCritical)
        return StateLevel::Critical;
    if (isPresent(discrepancy) && discrepancy >= thresholds.discrepancyWarning)
        return StateLevel::Warning;
    return StateLevel::Ok;
}

QString TargetsModel::stateText(const TargetState& target)
{
    if (!target.polled())
        return u"waiting"_s;
    if (!target.latest.ok())
        return u"failing: "_s + singleLine(target.latest.error);
    return u"ok"_s;
}

QVariant TargetsModel::displayData(const TargetState& target, int column) const
{
    const auto& metrics = target.lastOk.metrics;
    switch (column) {
    case Name:
        return target.config.name;
    case State:
        return stateText(target);
    case CheckedOut:
        return formatWhole(metrics[Metric::CheckedOut]);
    case Tracked:
        return formatWhole(metrics[Metric::Tracked]);
    case Discrepancy:
        return formatWhole(metrics[Metric::Discrepancy]);
    case Backends:
        return target.backendCount >= 0 ? QString::number(target.backendCount) : unknownText();
    case Pool: {
        const double size = metrics[Metric::PoolSize];
        const double max = metrics[Metric::PoolMax];
        if (!isPresent(size) && !isPresent(max))
            return unknownText();
        return QString(formatWhole(size) + u'/' + formatWhole(max));
    }
    case LastPoll:
        return formatClock(target.latest.timestampMs);
    }
    return {};
}

QVariant TargetsModel::sortData(const TargetState& target, int column) const
{
    const auto& metrics = target.lastOk.metrics;
    switch (column) {
    case Name:
        return target.config.name;
    case State:
        return static_cast<int>(stateLevel(target, m_session->workspace().thresholds));
    case CheckedOut:
        return metrics[Metric::CheckedOut];
    case Tracked:
        return metrics[Metric::Tracked];
    case Discrepancy:
        return metrics[Metric::Discrepancy];
    case Backends:
        return target.backendCount;
    case Pool:
        return metrics[Metric::PoolSize];
    case LastPoll:
        return target.latest.timestampMs;
    }
    return {};
}

QString TargetsModel::numberToolTip(const TargetState& target, int column) const
{
    // What the number is and where it came from: the health endpoint's payload (which poll), pg_stat_activity
    // (which database, which application_name) or the thresholds of the workspace.
    const auto& metrics = target.lastOk.metrics;
    const QString polled = target.lastOk.timestampMs > 0
        ? u"from %1, polled at %2"_s.arg(target.config.url, formatClock(target.lastOk.timestampMs))
        : u"from %1, not answered yet"_s.arg(target.config.url);
    const QString application
        = target.config.applicationName.isEmpty() ? target.config.name : target.config.applicationName;
    switch (column) {
    case CheckedOut:
        return u"Checked out: %1 connections the pool says are in use\n%2"_s.arg(
            formatWhole(metrics[Metric::CheckedOut]), polled);
    case Tracked:
        return u"Tracked: %1 connections the application's own tracking counts as active\n%2"_s.arg(
            formatWhole(metrics[Metric::Tracked]), polled);
    case Discrepancy: {
        const Thresholds& t = m_session->workspace().thresholds;
        return u"Untracked: checked out %1 − tracked %2 = %3 connections nobody tracks\n%4\n"
               "Warning at %5, critical at %6 (the workspace's thresholds)"_s
                   .arg(formatWhole(metrics[Metric::CheckedOut]), formatWhole(metrics[Metric::Tracked]),
                       formatWhole(metrics[Metric::Discrepancy]), polled)
                   .arg(t.discrepancyWarning)
                   .arg(t.discrepancyCritical);
    }
    case Backends:
        return target.backendCount >= 0
            ? u"Server: %1 backends with application_name '%2' in pg_stat_activity of database '%3'"_s.arg(
                QString::number(target.backendCount), application,
                target.config.database.isEmpty() ? unknownText() : target.config.database)
            : u"Server: no pg_stat_activity read yet for application_name '%1'"_s.arg(application);
    case Pool:
        return u"Pool: size %1 (connections open) / max %2 (the pool's limit)\n%3"_s.arg(
            formatWhole(metrics[Metric::PoolSize]), formatWhole(metrics[Metric::PoolMax]), polled);
    case LastPoll:
        return target.latest.latencyMs >= 0
            ? u"Local time of the newest poll of %1; it answered in %2 ms"_s.arg(target.config.url)
                  .arg(target.latest.latencyMs)
            : u"Local time of the newest poll of %1"_s.arg(target.config.url);
    }
    return {};
}

QVariant TargetsModel::cell(const int& targetIndex, int column, int role) const
{
    if (!m_session)
        return {};
    const auto& target = stateOf(targetIndex);
    switch (role) {
    case Qt::DisplayRole:
        return displayData(target, column);
    case SortRole:
        return sortData(target, column);
    case StateLevelRole:
        return static_cast<int>(stateLevel(target, m_session->workspace().thresholds));
    case TargetIndexRole:
        return targetIndex;
    case Qt::TextAlignmentRole:
        if (column >= CheckedOut && column <= Pool)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        if (column == State && target.polled() && !target.latest.ok())
            return u"%1\n%2 consecutive failed polls; last success %3"_s.arg(target.latest.error)
                .arg(target.consecutiveFailures)
                .arg(formatClock(target.lastOk.timestampMs));
        if (column == Name) {
            return u"%1\napplication_name: %2\ndatabase: %3"_s.arg(target.config.url,
                target.config.applicationName.isEmpty() ? unknownText() : target.config.applicationName,
                target.config.database.isEmpty() ? unknownText() : target.config.database);
        }
        if (const QString tip = numberToolTip(target, column); !tip.isEmpty())
            return tip;
        return {};
    }
    return {};
}

QVariant TargetsModel::header(int section, int role) const
{
    if (role == Qt::DisplayRole) {
        switch (section) {
        case Name:
            return u"Target"_s;
        case State:
            return u"State"_s;
        // Short, so the list fits beside the chart; the tooltips say it in full.
        case CheckedOut:
            return u"Out"_s;
        case Tracked:
            return u"Tracked"_s;
        case Discrepancy:
            return u"Untracked"_s;
        case Backends:
            return u"Server"_s;
        case Pool:
            return u"Pool"_s;
        case LastPoll:
            return u"Last poll"_s;
        }
    } else if (role == Qt::ToolTipRole) {
        switch (section) {
        case CheckedOut:
            return u"Checked out: connections the pool says are in use"_s;
        case Tracked:
            return u"Connections the application's own tracking counts as active"_s;
        case Discrepancy:
            return u"Discrepancy: checked out minus tracked, the connections nobody tracks"_s;
        case Backends:
            return u"Backends PostgreSQL shows for the target's application_name (pg_stat_activity)"_s;
        case Pool:
            return u"Pool size / pool max"_s;
        case LastPoll:
            return u"Local time of the newest poll"_s;
        }
    }
    return {};
}

QHash<int, QByteArray> TargetsModel::roleNames() const
{
    auto names = QAbstractTableModel::roleNames();
    names.insert(SortRole, "sort");
    names.insert(StateLevelRole, "stateLevel");
    names.insert(TargetIndexRole, "targetIndex");
    return names;
}

void TargetsModel::onSampleAdded(int targetIndex)
{
    if (m_cursor && !m_cursor->isLive())
        return; // the rows show a moment of the past: new data does not change it
    changed(targetIndex, 0, NumColumns - 1);
}

void TargetsModel::onSnapshotAdded(int databaseIndex)
{
    if (!m_session || (m_cursor && !m_cursor->isLive()))
        return;
    const QString& name = m_session->database(databaseIndex).config.name;
    for (int row = 0; row < rowCount(); ++row) {
        if (stateOf(rowAt(row)).config.database == name)
            changed(row, Backends, Backends);
    }
}

} // namespace poolscope
