#pragma once

#include "Session.h"

#include <QObject>
#include <QPointer>

#include <vector>

namespace poolscope {

class ViewState;

// The Session as it stood at a ViewState's time cursor, for the views that show a target's or a database's
// state rather than a history: the targets list, the details, the chart's title, the window title. Computed once
// per cursor move (and workspace change) and shared by all of them, so no view recomputes it; live (kLive) it
// hands out the Session's own states and costs nothing.
//
// A target at the cursor is its newest poll at or before it (latest), its newest successful one (lastOk, with
// its metrics), the failures in a row up to it and the server's backend count then, all from the target's
// history (TargetHistory's read API). Its history, routes and holders are left empty: the chart reads the
// Session's history, and Session::routesAt/holdersAt answer the rest. A database or pgbouncer at the cursor is
// its newest successful read at or before it (Session::snapshotAt: from the recording when there is one;
// without one, a past cursor before the newest read has none: timestampMs 0).
class SessionAtCursor : public QObject
{
    Q_OBJECT
public:
    SessionAtCursor(Session* session, ViewState* view, QObject* parent = nullptr);
    ~SessionAtCursor() override;

    Session* session() const { return m_session; }
    // The moment the states are at: ViewState::kLive (the newest data) or a UTC ms.
    qint64 cursor() const { return m_cursorMs; }
    bool isLive() const;

    const TargetState& target(int index) const;
    const DatabaseState& database(int index) const;
    const PoolerState& pooler(int index) const;

    // What a target looked like at atMs by its history alone (history, routes and holders left empty).
    static TargetState targetAt(const TargetState& target, qint64 atMs);

Q_SIGNALS:
    // The states moved to another moment (the cursor moved, or the workspace changed): views re-read them.
    void changed();

private:
    void recompute();

    QPointer<Session> m_session;
    QPointer<ViewState> m_view;
    qint64 m_cursorMs = 0;
    std::vector<TargetState> m_targets; // empty when live
    std::vector<DatabaseState> m_databases;
    std::vector<PoolerState> m_poolers;
};

} // namespace poolscope
