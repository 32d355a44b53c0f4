#pragma once

#include "types/PoolerSnapshot.h"

#include <QList>
#include <QStringList>

namespace poolscope {

// One result of a pgbouncer admin console command (SHOW POOLS, SHOW SERVERS, SHOW CLIENTS) as text: its
// column names and its rows, a NULL cell being a null QString. Columns are found by name, so the versions
// that add columns (1.18 and later) read the same.
struct ShowTable
{
    QStringList columns;
    QList<QStringList> rows;

    // Each turns the rows into values; a required column missing is an error naming it (then nothing is
    // returned). Numbers that do not parse read as 0.
    QList<PoolerPool> pools(QString* error) const;
    QList<PoolerServer> servers(QString* error) const;
    // Clients of the admin console itself (database "pgbouncer", PoolScope's own among them) are left out.
    QList<PoolerClient> clients(QString* error) const;

    // pgbouncer's "2026-11-29 22:50:01 UTC" (strftime "%Y-%m-%d %H:%M:%S %Z" in pgbouncer's local time)
    // as UTC ms; a zone other than UTC/GMT is looked up as a time zone id, else taken as this machine's
    // local time. kNoTime when empty or unreadable.
    static qint64 parseTime(const QString& text);
};

} // namespace poolscope
