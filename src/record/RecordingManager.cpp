#include "RecordingManager.h"

#include "Recorder.h"
#include "RecordingArchive.h"
#include "RecordingFile.h"
#include "store/Session.h"
#include "types/Event.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace poolscope {

RecordingManager::RecordingManager(QObject* parent)
    : QObject(parent)
{ }

RecordingManager::~RecordingManager()
{
    stop();
}

QString RecordingManager::folder() const
{
    if (!m_folder.isEmpty())
        return m_folder;
    const QString fromEnv = qEnvironmentVariable("POOLSCOPE_RECORDINGS_DIR");
    if (!fromEnv.isEmpty())
        return fromEnv;
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + u"/recordings"_s;
}

QString RecordingManager::fileNameFor(const QDateTime& localTime)
{
    return u"poolscope-"_s + localTime.toLocalTime().toString(u"yyyyMMdd-HHmmss"_s) + recording::kSuffix;
}

QString RecordingManager::defaultPath() const
{
    const QDir dir(folder());
    const QString base = fileNameFor(QDateTime::currentDateTime());
    QString candidate = dir.filePath(base);
    for (int i = 2; QFileInfo::exists(candidate); ++i) {
        QString name = base;
        name.insert(name.size() - recording::kSuffix.size(), u"-%1"_s.arg(i)); // before the suffix
        candidate = dir.filePath(name);
    }
    return candidate;
}

QStringList RecordingManager::prune(const QString& keep) const
{
    struct Recording
    {
        QString path;
        QDateTime modified;
        qint64 size = 0;
    };
    const QDir dir(folder());
    const QString keepPath = keep.isEmpty() ? QString() : QFileInfo(keep).absoluteFilePath();
    QList<Recording> recordings;
    qint64 total = 0;
    // Format 2 files, and format 1's (SQLite, with their -wal and -shm) from before.
    const QFileInfoList files
        = dir.entryInfoList({ u"poolscope-*"_s + recording::kSuffix, u"poolscope-*"_s + recording::kSuffixFormat1 },
            QDir::Files, QDir::Name);
    for (const QFileInfo& info : files) {
        Recording r { info.absoluteFilePath(), info.lastModified(), info.size() };
        for (const QString& suffix : { u"-wal"_s, u"-shm"_s })
            r.size += QFileInfo(r.path + suffix).size();
        total += r.size;
        if (r.path != keepPath)
            recordings.append(r);
    }
    // Oldest first: by name (the name holds the start time), the modification time breaking ties.
    std::sort(recordings.begin(), recordings.end(), [](const Recording& a, const Recording& b) {
        const QString na = QFileInfo(a.path).fileName();
        const QString nb = QFileInfo(b.path).fileName();
        return na != nb ? na < nb : a.modified < b.modified;
    });
    QStringList deleted;
    for (const Recording& r : std::as_const(recordings)) {
        if (total <= m_sizeLimit)
            break;
        if (!QFile::remove(r.path))
            continue;
        QFile::remove(r.path + u"-wal"_s);
        QFile::remove(r.path + u"-shm"_s);
        total -= r.size;
        deleted.append(r.path);
    }
    return deleted;
}

bool RecordingManager::start(Session* session, const QString& path)
{
    stop();
    m_session = session;
    m_lastError.clear();
    const QString target = path.isEmpty() ? defaultPath() : path;
    const QString dirPath = QFileInfo(target).absolutePath();
    if (!QDir().mkpath(dirPath)) {
        fail(u"Cannot create the recordings folder %1"_s.arg(dirPath));
        return false;
    }
    auto recorder = std::make_unique<Recorder>(session);
    QString error;
    if (!recorder->open(target, &error)) {
        fail(error);
        return false;
    }
    m_recorder = std::move(recorder);
    m_path = target;
    connect(m_recorder.get(), &Recorder::failed, this, [this](const QString& message) {
        m_inRecorderSignal = true;
        fail(message);
        stop();
        m_inRecorderSignal = false;
    });

    auto archive = std::make_unique<RecordingArchive>();
    if (archive->open(target, &error)) {
        m_archive = std::move(archive);
        session->setArchive(m_archive.get());
    }
    if (path.isEmpty())
        prune(target);
    Q_EMIT stateChanged();
    return true;
}

void RecordingManager::stop()
{
    if (!m_recorder)
        return;
    if (m_session && m_archive && m_session->archive() == m_archive.get())
        m_session->setArchive(nullptr);
    m_archive.reset();
    m_recorder->close();
    if (m_inRecorderSignal)
        m_recorder.release()->deleteLater(); // stop() runs inside the recorder's own failed() signal
    else
        m_recorder.reset();
    Q_EMIT stateChanged();
}

bool RecordingManager::isRecording() const
{
    return m_recorder && m_recorder->isRecording();
}

qint64 RecordingManager::fileSize() const
{
    if (m_recorder && m_recorder->isRecording())
        return m_recorder->fileSize();
    return m_path.isEmpty() ? 0 : QFileInfo(m_path).size();
}

void RecordingManager::fail(const QString& message)
{
    m_lastError = message;
    if (m_session) {
        Event event;
        event.timestampMs = QDateTime::currentMSecsSinceEpoch();
        event.severity = Event::Severity::Warning;
        event.kind = u"recording"_s;
        event.message = u"Recording failed: %1"_s.arg(message);
        m_session->addEvent(event);
    }
    Q_EMIT failed(message);
}

} // namespace poolscope
