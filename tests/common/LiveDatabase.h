#pragma once

// The setup the guarded backend-action tests share (tests/integration/tst_backendactions,
// tests/gui/tst_backendactionsui): a live Session and Monitor on one database "db" of a cluster of the test's
// own (PgCluster), read every 200 ms, with the workspace's `actions` as given. The monitor is started by the
// test, once it has wired what it needs (a window, BackendActions).
#include "sources/Monitor.h"
#include "store/Session.h"

#include <QList>
#include <QString>

#include <memory>

namespace poolscope::test {

struct LiveDatabase
{
    LiveDatabase(const QString& conninfo, Actions actions)
    {
        Workspace workspace;
        DatabaseConfig database;
        database.name = QStringLiteral("db");
        database.conninfo = conninfo;
        database.intervalMs = 200;
        workspace.databases.append(database);
        workspace.actions = actions;
        session = std::make_unique<Session>(workspace);
        monitor = std::make_unique<Monitor>(session.get());
    }

    // The pid of the newest snapshot's backend with this application_name, 0 when none.
    int pidOf(const QString& application) const
    {
        for (const Backend& backend : session->database(0).latest.backends) {
            if (backend.applicationName == application)
                return backend.pid;
        }
        return 0;
    }

    // The events the actions added, oldest first.
    QList<Event> actionEvents() const
    {
        QList<Event> events;
        for (const Event& event : session->events()) {
            if (event.kind == QLatin1String("action"))
                events.append(event);
        }
        return events;
    }

    std::unique_ptr<Session> session;
    std::unique_ptr<Monitor> monitor; // destroyed before the session
};

} // namespace poolscope::test
