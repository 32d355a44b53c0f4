#pragma once

// A workspace for tests that feed a Session by hand: the named targets, each with its own
// application_name, all on one database "main".
#include "types/Workspace.h"

#include <QStringList>

namespace poolscope::test {

inline Workspace syntheticWorkspace(const QStringList& targetNames, const QString& url)
{
    Workspace ws;
    for (const QString& name : targetNames) {
        TargetConfig t;
        t.name = name;
        t.url = url;
        t.applicationName = name;
        t.database = QStringLiteral("main");
        ws.targets.append(t);
    }
    DatabaseConfig db;
    db.name = QStringLiteral("main");
    db.conninfo = QStringLiteral("dbname=app");
    ws.databases.append(db);
    return ws;
}

} // namespace poolscope::test
