#pragma once

#include "ReplayState.h"

#include <QFile>
#include <QObject>
#include <QString>
#include <QTimer>

#include <vector>

namespace poolscope {

class Session;
struct Event;

// Records a live Session to a recording of format 2 (src/record/SCHEMA.md): an append-only file.
//
// From open() on, every sample, pg_stat_activity snapshot, pgbouncer read and event the Session receives is
// written. Everything the Session receives within one pass of the event loop (a "tick") becomes one frame,
// written with one write() when control returns to the event loop (or by flush()); a kill -9 loses at most
// that tick. Values, routes, backends and holders are stored as changes against the previous ones, with a
// keyframe (the whole state) every few hundred frames so that any moment is rebuilt from a nearby one.
//
// open() creates a new file and refuses an existing non-empty one: a recording is never appended to
// (pick a new name). On a write error (disk full, the file removed, ...) failed() is emitted once and
// recording stops; the Session itself is not affected.
class Recorder : public QObject
{
    Q_OBJECT
public:
    explicit Recorder(Session* session, QObject* parent = nullptr);
    ~Recorder() override;

    bool open(const QString& path, QString* error = nullptr);
    // Writes what is pending, syncs the file to disk and closes it.
    void close();
    bool isRecording() const { return m_file.isOpen(); }
    QString path() const { return m_path; }

    // Writes the tick in flight now; false (and failed()) on error.
    bool flush();

    // Bytes written to the file since open() (header and meta included).
    qint64 bytesWritten() const { return m_bytesWritten; }
    // Size of the recording on disk now.
    qint64 fileSize() const;
    // Ticks (frames) written since open().
    qint64 ticksCommitted() const { return m_ticks; }
    QString lastError() const { return m_lastError; }

Q_SIGNALS:
    void failed(const QString& message);
    void tickCommitted(qint64 tick);

private:
    void onSampleAdded(int targetIndex);
    void onSnapshotAdded(int databaseIndex);
    void onEventAdded(int eventIndex);
    void onPoolerSnapshotAdded(int poolerIndex);
    void pend(ReplayState::Item item);
    // Writes `bytes` with one write() (another only after a short one); false and *why when not all of them were
    // written.
    bool writeAll(const QByteArray& bytes, QString* why);
    bool fileStillThere();
    void fail(const QString& what);
    void closeFile();

    Session* m_session = nullptr;
    QFile m_file;
    QString m_path;
    QString m_lastError;
    QTimer m_commitTimer;
    qint64 m_ticks = 0;
    qint64 m_bytesWritten = 0;

    ReplayState m_state; // what the file holds so far: items are written as changes against it
    std::vector<ReplayState::Item> m_pending; // the items of the tick in flight
    int m_framesSinceKeyframe = 0;
    qint64 m_frameBytesSinceKeyframe = 0;
    qint64 m_keyframeBytes = 0; // the newest keyframe's payload
    qint64 m_keyframeMs = -1; // the first item time after the newest keyframe, -1 before any frame
    qint64 m_lastItemMs = 0;
};

} // namespace poolscope
