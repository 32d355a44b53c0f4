#include "SessionAtCursor.h"

#include "HistoryRows.h"
#include "ViewState.h"

#include <algorithm>
#include <cmath>

namespace poolscope {

SessionAtCursor::SessionAtCursor(Session* session, ViewState* view, QObject* parent)
    : QObject(parent)
    , m_session(session)
    , m_view(view)
{
    if (view)
        connect(view, &ViewState::cursorChanged, this, &SessionAtCursor::recompute);
    if (session)
        connect(session, &Session::workspaceChanged, this, &SessionAtCursor::recompute);
    recompute();
}

SessionAtCursor::~SessionAtCursor() = default;

bool SessionAtCursor::isLive() const
{
    return m_cursorMs == ViewState::kLive;
}

const TargetState& SessionAtCursor::target(int index) const
{
    return isLive() ? m_session->target(index) : m_targets.at(static_cast<std::size_t>(index));
}

const DatabaseState& SessionAtCursor::database(int index) const
{
    return isLive() ? m_session->database(index) : m_databases.at(static_cast<std::size_t>(index));
}

const PoolerState& SessionAtCursor::pooler(int index) const
{
    return isLive() ? m_session->pooler(index) : m_poolers.at(static_cast<std::size_t>(index));
}

TargetState SessionAtCursor::targetAt(const TargetState& target, qint64 atMs)
{
    TargetState state;
    state.config = target.config;
    const TargetHistory& history = target.history;
    const std::ptrdiff_t row = history.rowAtOrBefore(atMs);
    if (row < 0)
        return state;
    const HistoryRows rows(history);
    state.latest = rows.sample(target.config.name, static_cast<std::size_t>(row));
    std::ptrdiff_t okRow = row;
    while (okRow >= 0 && !history.ok(static_cast<std::size_t>(okRow)))
        --okRow;
    state.consecutiveFailures = static_cast<int>(row - okRow);
    if (okRow == row)
        state.lastOk = state.latest;
    else if (okRow >= 0)
        state.lastOk = rows.sample(target.config.name, static_cast<std::size_t>(okRow));
    // The newest count at or before the moment; a failed read (NaN) keeps the one before, as the live state does.
    const auto times = history.backendCountTimes();
    const auto counts = history.backendCounts();
    for (auto i = static_cast<std::size_t>(std::upper_bound(times.begin(), times.end(), atMs) - times.begin()); i > 0;
         --i) {
        if (isPresent(counts[i - 1])) {
            state.backendCount = std::llround(counts[i - 1]);
            break;
        }
    }
    return state;
}

void SessionAtCursor::recompute()
{
    m_cursorMs = m_view ? m_view->cursor() : ViewState::kLive;
    m_targets.clear();
    m_databases.clear();
    m_poolers.clear();
    if (m_session && !isLive()) {
        for (int i = 0; i < m_session->targetCount(); ++i)
            m_targets.push_back(targetAt(m_session->target(i), m_cursorMs));
        for (int i = 0; i < m_session->databaseCount(); ++i) {
            DatabaseState state;
            state.config = m_session->database(i).config;
            state.lastOk = m_session->snapshotAt(i, m_cursorMs);
            if (state.lastOk.timestampMs != 0)
                state.latest = state.lastOk;
            m_databases.push_back(std::move(state));
        }
        const SnapshotArchive* archive = m_session->archive();
        for (int i = 0; i < m_session->poolerCount(); ++i) {
            const PoolerState& now = m_session->pooler(i);
            PoolerState state;
            state.config = now.config;
            if (now.lastOk.timestampMs != 0 && now.lastOk.timestampMs <= m_cursorMs)
                state.lastOk = now.lastOk;
            else if (archive)
                state.lastOk = archive->poolerSnapshotAt(now.config.name, m_cursorMs);
            if (state.lastOk.timestampMs != 0)
                state.latest = state.lastOk;
            m_poolers.push_back(std::move(state));
        }
    }
    Q_EMIT changed();
}

} // namespace poolscope
