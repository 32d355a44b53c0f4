#pragma once

#include <QDateTime>
#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>

namespace poolscope {

class Recorder;
class RecordingArchive;
class Session;

// The recording policy of the GUI and the CLI: one new file per session, named
// poolscope-YYYYMMDD-HHMMSS.psrec (local time) in the recordings folder
// (QStandardPaths::AppLocalDataLocation + "/recordings", or $POOLSCOPE_RECORDINGS_DIR, or setFolder()).
// After a file is opened, the oldest recordings of the folder are deleted while the folder holds more than
// the size limit (default 2 GiB) — never the one being written. While recording, a RecordingArchive on the
// file is attached to the Session, so the time cursor can show any past moment.
class RecordingManager : public QObject
{
    Q_OBJECT
public:
    static constexpr qint64 kDefaultSizeLimit = qint64(2) * 1024 * 1024 * 1024;

    explicit RecordingManager(QObject* parent = nullptr);
    ~RecordingManager() override;

    QString folder() const;
    void setFolder(const QString& folder) { m_folder = folder; }
    qint64 sizeLimit() const { return m_sizeLimit; }
    void setSizeLimit(qint64 bytes) { m_sizeLimit = bytes; }

    // "poolscope-20261127-031200.psrec" for that local time.
    static QString fileNameFor(const QDateTime& localTime);
    // A new file in folder() named after now (with "-2", "-3"... when taken).
    QString defaultPath() const;
    // Deletes the oldest recordings (poolscope-*.psrec, and format 1's poolscope-*.sqlite with their -wal/-shm) of
    // the folder while their
    // total size exceeds the limit; `keep` is never deleted. Returns the deleted paths.
    QStringList prune(const QString& keep = {}) const;

    // Starts recording `session` to `path` (default: defaultPath()). False, failed() and an event in the
    // Session when the file cannot be created.
    bool start(Session* session, const QString& path = {});
    void stop();
    bool isRecording() const;
    QString path() const { return m_path; }
    qint64 fileSize() const;
    const Recorder* recorder() const { return m_recorder.get(); }
    QString lastError() const { return m_lastError; }

Q_SIGNALS:
    void stateChanged();
    void failed(const QString& message);

private:
    void fail(const QString& message);

    QString m_folder;
    qint64 m_sizeLimit = kDefaultSizeLimit;
    Session* m_session = nullptr;
    std::unique_ptr<Recorder> m_recorder;
    std::unique_ptr<RecordingArchive> m_archive;
    QString m_path;
    QString m_lastError;
    bool m_inRecorderSignal = false;
};

} // namespace poolscope
