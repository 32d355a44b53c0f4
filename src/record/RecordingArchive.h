#pragma once

#include "RecordingReader.h"
#include "store/Session.h"

#include <QHash>
#include <QString>

#include <memory>

namespace poolscope {

// The time cursor's view of a recording: a SnapshotArchive over a RecordingReader opened on the file.
// Works for a finished recording and for one a Recorder is writing right now (format 2 is only appended to: the
// reader follows it as it grows; open it once the Recorder has created the file). Answers are cached until the
// file changes (the Recorder appends a tick), so views may ask as often as they repaint.
// Not thread-safe: use it on the thread that opened it.
class RecordingArchive : public SnapshotArchive
{
public:
    RecordingArchive();
    ~RecordingArchive() override;
    RecordingArchive(const RecordingArchive&) = delete;
    RecordingArchive& operator=(const RecordingArchive&) = delete;

    // False and *error (naming the file) when the file is not a readable recording.
    bool open(const QString& path, QString* error = nullptr);
    void close();
    bool isOpen() const { return m_reader->isOpen(); }
    QString path() const { return m_reader->path(); }
    QStringList problems() const { return m_reader->problems(); }

    ActivitySnapshot snapshotAt(const QString& database, qint64 tMs) const override;
    QList<RouteStats> routesAt(const QString& target, qint64 tMs) const override;
    HolderReport holdersAt(const QString& target, qint64 tMs) const override;
    PoolerSnapshot poolerSnapshotAt(const QString& pooler, qint64 tMs) const override;

private:
    void dropCacheIfChanged() const;

    std::unique_ptr<RecordingReader> m_reader;
    mutable qint64 m_dataVersion = -1;
    mutable QHash<QString, std::pair<qint64, ActivitySnapshot>> m_snapshotCache; // database -> (t, snapshot)
    mutable QHash<QString, std::pair<qint64, QList<RouteStats>>> m_routesCache; // target -> (t, routes)
    mutable QHash<QString, std::pair<qint64, PoolerSnapshot>> m_poolerCache; // pooler -> (t, snapshot)
};

} // namespace poolscope
