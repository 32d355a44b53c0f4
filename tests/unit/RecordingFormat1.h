#pragma once

// Writes a small recording of format 1 (SQLite; SCHEMA.md "Format 1") the way PoolScope wrote them before
// format 2: for the tests of the format 1 reader, now that Recorder writes format 2. Snapshots only (each
// backend appears once and never changes), which is what those tests need.

#include "record/RecordingFormat.h"
#include "record/SqliteStatement.h"
#include "types/ActivitySnapshot.h"
#include "types/Workspace.h"
#include "workspace/WorkspaceFile.h"

#include <QFile>
#include <QSet>

#include <sqlite3.h>

namespace poolscope::test {

inline bool writeFormat1Recording(
    const QString& path, const Workspace& workspace, const QList<ActivitySnapshot>& snapshots, bool poolerTables)
{
    sqlite3* db = nullptr;
    if (sqlite3_open(QFile::encodeName(path).constData(), &db) != SQLITE_OK)
        return false;
    const QByteArray setup = "PRAGMA application_id=" + QByteArray::number(recording::kApplicationId)
        + "; PRAGMA user_version=" + QByteArray::number(recording::kFormatVersion) + ";";
    bool ok = sqliteExec(db, setup.constData()) && sqliteExec(db, "BEGIN") && sqliteExec(db, recording::kSchemaSql)
        && (!poolerTables || sqliteExec(db, recording::kPoolerSchemaSql));
    {
        SqliteStatement meta;
        ok = ok && meta.prepare(db, "INSERT INTO meta(key, value) VALUES(?1, ?2)");
        const QList<std::pair<QString, QString>> entries {
            { QStringLiteral("format_version"), QStringLiteral("1") },
            { QStringLiteral("application"), QStringLiteral("PoolScope") },
            { QStringLiteral("workspace"), QString::fromUtf8(workspaceToJson(withoutSecrets(workspace))) },
        };
        for (const auto& [key, value] : entries) {
            meta.bindText(1, key);
            meta.bindText(2, value);
            ok = ok && meta.exec();
        }
        SqliteStatement names;
        ok = ok && names.prepare(db, "INSERT INTO databases(id, name) VALUES(?1, ?2)");
        for (qsizetype i = 0; i < workspace.databases.size(); ++i) {
            names.bindInt(1, i + 1);
            names.bindText(2, workspace.databases.at(i).name);
            ok = ok && names.exec();
        }
        SqliteStatement snapshot, backend, change;
        ok = ok
            && snapshot.prepare(db,
                "INSERT INTO snapshots(seq, database_id, ts, server_ts, latency_ms, ok, backend_count) "
                "VALUES(?1, ?2, ?3, ?4, ?5, 1, ?6)")
            && backend.prepare(
                db, "INSERT INTO backends(id, database_id, pid, backend_start, first_seq) VALUES(?1, ?2, ?3, ?4, ?5)")
            && change.prepare(db,
                "INSERT INTO backend_changes(backend_id, snapshot_seq, kind, application_name, state) "
                "VALUES(?1, ?2, 0, ?3, ?4)");
        qint64 backendId = 0;
        QSet<std::pair<int, qint64>> seen;
        for (qsizetype seq = 1; seq <= snapshots.size(); ++seq) {
            const ActivitySnapshot& s = snapshots.at(seq - 1);
            qint64 databaseId = 0;
            for (qsizetype i = 0; i < workspace.databases.size(); ++i) {
                if (workspace.databases.at(i).name == s.database)
                    databaseId = i + 1;
            }
            snapshot.bindInt(1, seq);
            snapshot.bindInt(2, databaseId);
            snapshot.bindInt(3, s.timestampMs);
            snapshot.bindTime(4, s.serverTimeMs);
            snapshot.bindInt(5, s.latencyMs);
            snapshot.bindInt(6, s.backends.size());
            ok = ok && snapshot.exec();
            for (const Backend& b : s.backends) {
                if (seen.contains({ b.pid, b.backendStartMs }))
                    continue;
                seen.insert({ b.pid, b.backendStartMs });
                backend.bindInt(1, ++backendId);
                backend.bindInt(2, databaseId);
                backend.bindInt(3, b.pid);
                backend.bindTime(4, b.backendStartMs);
                backend.bindInt(5, seq);
                ok = ok && backend.exec();
                change.bindInt(1, backendId);
                change.bindInt(2, seq);
                change.bindText(3, b.applicationName);
                change.bindText(4, b.state);
                ok = ok && change.exec();
            }
        }
    }
    ok = ok && sqliteExec(db, "COMMIT");
    sqlite3_close(db);
    return ok;
}

} // namespace poolscope::test
