#pragma once

#include "RecordingReader.h"

namespace poolscope {

// What RecordingReader asks of the reader of one format (RecordingReaderV1: SQLite, RecordingReaderV2: the
// append-only file). Each method means what RecordingReader's of the same name says.
class RecordingSource
{
public:
    virtual ~RecordingSource() = default;

    // `path` is known to hold this format (RecordingReader looked at its first bytes).
    virtual bool open(const QString& path, QString* error) = 0;
    virtual QStringList problems() const = 0;
    virtual int formatVersion() const = 0;
    virtual QString poolscopeVersion() const = 0;
    virtual QString createdAt() const = 0;
    virtual Workspace workspace() const = 0;
    virtual RecordingReader::TimeRange timeRange() = 0;
    virtual qint64 dataVersion() = 0;
    virtual bool loadInto(Session& session) = 0;
    virtual bool read(SessionContent& content, const std::function<bool(double fraction)>& progress) = 0;
    virtual ActivitySnapshot snapshotAt(const QString& database, qint64 tMs) = 0;
    virtual QList<RouteStats> routesAt(const QString& target, qint64 tMs) = 0;
    virtual HolderReport holdersAt(const QString& target, qint64 tMs) = 0;
    virtual QList<RecordingReader::HolderChange> holderChanges(qint64 fromMs, qint64 toMs) = 0;
    virtual QList<RecordingReader::RouteChange> routeChanges(qint64 fromMs, qint64 toMs) = 0;
    virtual QList<RecordingReader::BackendChange> backendChanges(const QString& database, qint64 fromMs, qint64 toMs)
        = 0;
    virtual PoolerSnapshot poolerSnapshotAt(const QString& pooler, qint64 tMs) = 0;
    virtual bool hasPoolerTables() const = 0;
};

} // namespace poolscope
