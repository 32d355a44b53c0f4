#pragma once

#include "RecordingSource.h"

#include <QHash>
#include <QTemporaryDir>

#include <memory>

struct sqlite3;

namespace poolscope {

class SqliteStatement;

// Reads a recording of format 1 (one SQLite file, SCHEMA.md "Format 1"), read-only since format 2.
// RecordingReader uses it for files that start with the SQLite header.
class RecordingReaderV1 final : public RecordingSource
{
public:
    using TimeRange = RecordingReader::TimeRange;
    using HolderChange = RecordingReader::HolderChange;
    using RouteChange = RecordingReader::RouteChange;
    using BackendChange = RecordingReader::BackendChange;

    RecordingReaderV1() = default;
    ~RecordingReaderV1() override;
    RecordingReaderV1(const RecordingReaderV1&) = delete;
    RecordingReaderV1& operator=(const RecordingReaderV1&) = delete;

    bool open(const QString& path, QString* error) override;
    QStringList problems() const override { return m_problems; }
    int formatVersion() const override { return m_formatVersion; }
    QString poolscopeVersion() const override { return m_meta.value(QStringLiteral("poolscope_version")); }
    QString createdAt() const override { return m_meta.value(QStringLiteral("created_at")); }
    Workspace workspace() const override { return m_workspace; }
    RecordingReader::TimeRange timeRange() override;
    qint64 dataVersion() override;
    bool loadInto(Session& session) override;
    bool read(SessionContent& content, const std::function<bool(double fraction)>& progress) override;
    ActivitySnapshot snapshotAt(const QString& database, qint64 tMs) override;
    QList<RouteStats> routesAt(const QString& target, qint64 tMs) override;
    HolderReport holdersAt(const QString& target, qint64 tMs) override;
    QList<RecordingReader::HolderChange> holderChanges(qint64 fromMs, qint64 toMs) override;
    QList<RecordingReader::RouteChange> routeChanges(qint64 fromMs, qint64 toMs) override;
    QList<RecordingReader::BackendChange> backendChanges(const QString& database, qint64 fromMs, qint64 toMs) override;
    PoolerSnapshot poolerSnapshotAt(const QString& pooler, qint64 tMs) override;
    bool hasPoolerTables() const override { return m_hasPoolerTables; }

private:
    bool fail(const QString& message, QString* error);
    void close();
    void problem(const QString& part, const QString& what);
    void readMeta();
    void readNames();
    bool hasTable(const char* name);
    // A holder_sets row's holders: its comma-separated ids of holder objects interned in `texts`.
    QList<Holder> holdersOf(const QString& ids);
    void readPoolerNames();
    // The newest successful row of `table` (snapshots, samples, pooler_reads: ok, ts, seq) whose `owner`
    // column is ownerId, at or before tMs, its `columns` in *row. False when there is none or it cannot be read
    // (then a problem of `table`).
    bool newestOkRowAt(
        SqliteStatement* row, const char* columns, const char* table, const char* owner, qint64 ownerId, qint64 tMs);
    QString poolerDatabase(const QString& pooler) const;
    template <typename Sink> bool feed(Sink& sink, const std::function<bool(double)>& progress);

    sqlite3* m_db = nullptr;
    std::unique_ptr<QTemporaryDir> m_copy; // an interrupted file's private copy, which SQLite may recover
    QString m_path;
    QString m_error;
    QStringList m_problems;
    int m_formatVersion = 0;
    QHash<QString, QString> m_meta;
    Workspace m_workspace;
    QHash<QString, qint64> m_targetIds;
    QHash<qint64, Holder> m_holderTexts; // texts id -> holder read from it
    QHash<qint64, QString> m_targetNames;
    QHash<QString, qint64> m_databaseIds;
    QHash<qint64, QString> m_databaseNames;
    bool m_hasPoolerTables = false;
    QHash<QString, qint64> m_poolerIds;
    QHash<qint64, QString> m_poolerNames;
};

} // namespace poolscope
