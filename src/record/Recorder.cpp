#include "Recorder.h"

#include "RecordingFormat.h"
#include "store/Session.h"
#include "workspace/WorkspaceFile.h"

#include <QDateTime>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cerrno>

#include <unistd.h>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

void appendRecord(QByteArray& out, recording::RecordType type, const QByteArray& payload)
{
    ByteWriter record;
    record.fixed32(static_cast<std::uint32_t>(payload.size()));
    record.u8(static_cast<std::uint8_t>(type));
    record.bytes(payload);
    const auto* body = reinterpret_cast<const std::uint8_t*>(record.data().constData()) + 4;
    record.fixed32(recording::crc32(body, static_cast<std::size_t>(payload.size()) + 1));
    out.append(record.data());
}

// The meta record: what v1 kept in its meta table, as one JSON object (never a secret: the workspace is
// written withoutSecrets), and the names of the targets, databases and poolers to rebuild a workspace from
// when that one cannot be read.
QByteArray metaPayload(const Workspace& workspace)
{
    QJsonArray targets;
    for (const TargetConfig& target : workspace.targets) {
        targets.append(QJsonObject { { u"name"_s, target.name }, { u"application_name"_s, target.applicationName },
            { u"database"_s, target.database } });
    }
    QJsonArray databases;
    for (const DatabaseConfig& database : workspace.databases)
        databases.append(database.name);
    QJsonArray poolers;
    for (const PoolerConfig& pooler : workspace.poolers)
        poolers.append(QJsonObject { { u"name"_s, pooler.name }, { u"database"_s, pooler.database } });
    const QJsonObject meta {
        { u"format_version"_s, recording::kFormatVersion2 },
        { u"application"_s, u"PoolScope"_s },
        { u"poolscope_version"_s, QStringLiteral(POOLSCOPE_VERSION) },
        { u"created_at"_s, QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs) },
        { u"workspace"_s, QString::fromUtf8(workspaceToJson(withoutSecrets(workspace))) },
        { u"targets"_s, targets },
        { u"databases"_s, databases },
        { u"poolers"_s, poolers },
    };
    return QJsonDocument(meta).toJson(QJsonDocument::Compact);
}

} // namespace

Recorder::Recorder(Session* session, QObject* parent)
    : QObject(parent)
    , m_session(session)
{
    m_commitTimer.setSingleShot(true);
    m_commitTimer.setInterval(0);
    connect(&m_commitTimer, &QTimer::timeout, this, [this] { flush(); });
}

Recorder::~Recorder()
{
    close();
}

bool Recorder::open(const QString& path, QString* error)
{
    auto refuse = [&](const QString& message) {
        m_lastError = message;
        if (error)
            *error = message;
        closeFile();
        return false;
    };
    if (isRecording())
        return refuse(u"Already recording to %1."_s.arg(m_path));
    if (!m_session)
        return refuse(u"No session to record."_s);
    const QFileInfo info(path);
    if (info.exists() && info.size() > 0) {
        return refuse(
            u"%1 already exists; a recording is never appended to or overwritten. Choose a new file name."_s.arg(path));
    }

    m_path = path;
    m_file.setFileName(path);
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::Unbuffered))
        return refuse(u"Cannot create the recording %1: %2"_s.arg(path, m_file.errorString()));
    m_state.clear();
    m_pending.clear();
    m_framesSinceKeyframe = 0;
    m_frameBytesSinceKeyframe = 0;
    m_keyframeBytes = 0;
    m_keyframeMs = -1;
    m_lastItemMs = 0;
    m_bytesWritten = 0;
    m_ticks = 0;

    // Header, meta and an empty keyframe (every block starts with one), with one write.
    ByteWriter header;
    header.bytes(QByteArray(recording::kMagic2, sizeof recording::kMagic2));
    header.fixed32(recording::kFormatVersion2);
    header.fixed32(0);
    QByteArray start = header.take();
    appendRecord(start, recording::RecordType::Meta, metaPayload(m_session->workspace()));
    appendRecord(start, recording::RecordType::Keyframe, m_state.takeKeyframe(0));
    QString why;
    if (!writeAll(start, &why))
        return refuse(u"Cannot create the recording %1: %2"_s.arg(path, why));
    m_lastError.clear();

    connect(m_session, &Session::sampleAdded, this, &Recorder::onSampleAdded);
    connect(m_session, &Session::snapshotAdded, this, &Recorder::onSnapshotAdded);
    connect(m_session, &Session::eventAdded, this, &Recorder::onEventAdded);
    connect(m_session, &Session::poolerSnapshotAdded, this, &Recorder::onPoolerSnapshotAdded);
    return true;
}

void Recorder::close()
{
    if (!isRecording())
        return;
    if (flush()) {
        // No fsync per tick (a kill -9 keeps what was written); a power cut should not lose the whole file.
        ::fsync(m_file.handle());
    }
    closeFile();
}

void Recorder::closeFile()
{
    if (m_session)
        disconnect(m_session, nullptr, this, nullptr);
    m_commitTimer.stop();
    m_file.close();
    m_state.clear();
    m_pending.clear();
}

bool Recorder::writeAll(const QByteArray& bytes, QString* why)
{
    // One write(); another only for what a short write left (the disk filling up: that one says why).
    const char* data = bytes.constData();
    qint64 left = bytes.size();
    while (left > 0) {
        const ssize_t written = ::write(m_file.handle(), data, static_cast<std::size_t>(left));
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0) {
            *why = written < 0 ? qt_error_string(errno) : u"nothing was written"_s;
            return false;
        }
        m_bytesWritten += written;
        data += written;
        left -= written;
    }
    return true;
}

bool Recorder::flush()
{
    if (!isRecording())
        return false;
    m_commitTimer.stop();
    if (m_pending.empty())
        return true;
    if (!fileStillThere())
        return false;

    qint64 minMs = m_pending.front().timestampMs;
    qint64 maxMs = minMs;
    for (const ReplayState::Item& item : m_pending) {
        minMs = std::min(minMs, item.timestampMs);
        maxMs = std::max(maxMs, item.timestampMs);
    }
    QByteArray out;
    if (m_keyframeMs < 0) {
        m_keyframeMs = minMs;
    } else if (m_framesSinceKeyframe >= recording::kKeyframeEveryFrames
        || minMs - m_keyframeMs >= recording::kKeyframeEveryMs
        || (m_framesSinceKeyframe >= recording::kKeyframeMinFrames
            && m_frameBytesSinceKeyframe >= recording::kKeyframeEveryBytesRatio * m_keyframeBytes)) {
        const QByteArray keyframe = m_state.takeKeyframe(m_lastItemMs);
        appendRecord(out, recording::RecordType::Keyframe, keyframe);
        m_framesSinceKeyframe = 0;
        m_frameBytesSinceKeyframe = 0;
        m_keyframeBytes = keyframe.size();
        m_keyframeMs = minMs;
    }

    ByteWriter frame;
    frame.fixed64(static_cast<std::uint64_t>(minMs));
    frame.fixed64(static_cast<std::uint64_t>(maxMs));
    m_state.beginItems(minMs);
    for (const ReplayState::Item& item : m_pending) {
        switch (item.kind) {
        case recording::ItemKind::Sample:
            m_state.encodeSample(frame, item.sample);
            break;
        case recording::ItemKind::Snapshot:
            m_state.encodeSnapshot(frame, item.snapshot);
            break;
        case recording::ItemKind::Event:
            m_state.encodeEvent(frame, item.event);
            break;
        case recording::ItemKind::Pooler:
            m_state.encodePooler(frame, item.pooler);
            break;
        }
    }
    m_lastItemMs = m_pending.back().timestampMs;
    m_pending.clear();
    appendRecord(out, recording::RecordType::Frame, frame.data());
    QString why;
    if (!writeAll(out, &why)) {
        fail(why);
        return false;
    }
    ++m_framesSinceKeyframe;
    m_frameBytesSinceKeyframe += frame.size();
    ++m_ticks;
    Q_EMIT tickCommitted(m_ticks);
    return true;
}

qint64 Recorder::fileSize() const
{
    if (m_path.isEmpty())
        return 0;
    return QFileInfo(m_path).size();
}

bool Recorder::fileStillThere()
{
    if (QFileInfo::exists(m_path))
        return true;
    fail(u"the file was removed"_s);
    return false;
}

void Recorder::fail(const QString& what)
{
    m_lastError = u"Recording to %1 stopped: %2"_s.arg(m_path, what);
    closeFile();
    Q_EMIT failed(m_lastError);
}

void Recorder::pend(ReplayState::Item item)
{
    if (!isRecording())
        return;
    m_pending.push_back(std::move(item));
    if (!m_commitTimer.isActive())
        m_commitTimer.start();
}

void Recorder::onSampleAdded(int targetIndex)
{
    ReplayState::Item item;
    item.kind = recording::ItemKind::Sample;
    item.sample = m_session->target(targetIndex).latest;
    item.timestampMs = item.sample.timestampMs;
    pend(std::move(item));
}

void Recorder::onSnapshotAdded(int databaseIndex)
{
    ReplayState::Item item;
    item.kind = recording::ItemKind::Snapshot;
    item.snapshot = m_session->database(databaseIndex).latest;
    item.timestampMs = item.snapshot.timestampMs;
    pend(std::move(item));
}

void Recorder::onEventAdded(int eventIndex)
{
    ReplayState::Item item;
    item.kind = recording::ItemKind::Event;
    item.event = m_session->events().at(eventIndex);
    item.timestampMs = item.event.timestampMs;
    pend(std::move(item));
}

void Recorder::onPoolerSnapshotAdded(int poolerIndex)
{
    ReplayState::Item item;
    item.kind = recording::ItemKind::Pooler;
    item.pooler = m_session->pooler(poolerIndex).latest;
    item.timestampMs = item.pooler.timestampMs;
    pend(std::move(item));
}

} // namespace poolscope
