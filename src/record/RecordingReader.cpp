#include "RecordingReader.h"

#include "RecordingFile.h"
#include "RecordingReaderV1.h"
#include "RecordingReaderV2.h"
#include "store/Session.h"

#include <QFile>

using namespace Qt::StringLiterals;

namespace poolscope {

RecordingReader::RecordingReader() = default;

RecordingReader::~RecordingReader() = default;

bool RecordingReader::fail(const QString& message, QString* error)
{
    m_source.reset();
    m_error = message;
    if (error)
        *error = message;
    return false;
}

bool RecordingReader::open(const QString& path, QString* error)
{
    close();
    m_path = path;
    m_error.clear();

    QFile file(path);
    if (!file.exists())
        return fail(u"%1 does not exist."_s.arg(path), error);
    if (!file.open(QIODevice::ReadOnly))
        return fail(u"Cannot read %1: %2"_s.arg(path, file.errorString()), error);
    const QByteArray head = file.read(recording::kHeadBytes);
    file.close();
    if (head.isEmpty())
        return fail(u"%1 is empty: not a PoolScope recording."_s.arg(path), error);
    const int format = recording::formatOfHead(head);
    if (format == recording::kFormatVersion2)
        m_source = std::make_unique<RecordingReaderV2>();
    else if (format == recording::kFormatVersion)
        m_source = std::make_unique<RecordingReaderV1>();
    else
        return fail(u"%1 is not a PoolScope recording (neither format 2 nor a SQLite file)."_s.arg(path), error);
    QString reason;
    if (!m_source->open(path, &reason))
        return fail(reason, error);
    return true;
}

void RecordingReader::close()
{
    m_source.reset();
}

QStringList RecordingReader::problems() const
{
    return m_source ? m_source->problems() : QStringList();
}

int RecordingReader::formatVersion() const
{
    return m_source ? m_source->formatVersion() : 0;
}

QString RecordingReader::poolscopeVersion() const
{
    return m_source ? m_source->poolscopeVersion() : QString();
}

QString RecordingReader::createdAt() const
{
    return m_source ? m_source->createdAt() : QString();
}

Workspace RecordingReader::workspace() const
{
    return m_source ? m_source->workspace() : Workspace();
}

RecordingReader::TimeRange RecordingReader::timeRange()
{
    return m_source ? m_source->timeRange() : TimeRange();
}

qint64 RecordingReader::dataVersion()
{
    return m_source ? m_source->dataVersion() : -1;
}

std::unique_ptr<Session> RecordingReader::load(QObject* parent)
{
    auto session = std::make_unique<Session>(workspace(), parent);
    loadInto(*session);
    return session;
}

bool RecordingReader::loadInto(Session& session)
{
    return m_source && m_source->loadInto(session);
}

bool RecordingReader::read(SessionContent& content, const std::function<bool(double)>& progress)
{
    return m_source && m_source->read(content, progress);
}

ActivitySnapshot RecordingReader::snapshotAt(const QString& database, qint64 tMs)
{
    if (!m_source) {
        ActivitySnapshot snapshot;
        snapshot.database = database;
        return snapshot;
    }
    return m_source->snapshotAt(database, tMs);
}

QList<RouteStats> RecordingReader::routesAt(const QString& target, qint64 tMs)
{
    return m_source ? m_source->routesAt(target, tMs) : QList<RouteStats>();
}

HolderReport RecordingReader::holdersAt(const QString& target, qint64 tMs)
{
    return m_source ? m_source->holdersAt(target, tMs) : HolderReport();
}

QList<RecordingReader::HolderChange> RecordingReader::holderChanges(qint64 fromMs, qint64 toMs)
{
    return m_source ? m_source->holderChanges(fromMs, toMs) : QList<HolderChange>();
}

QList<RecordingReader::RouteChange> RecordingReader::routeChanges(qint64 fromMs, qint64 toMs)
{
    return m_source ? m_source->routeChanges(fromMs, toMs) : QList<RouteChange>();
}

QList<RecordingReader::BackendChange> RecordingReader::backendChanges(
    const QString& database, qint64 fromMs, qint64 toMs)
{
    return m_source ? m_source->backendChanges(database, fromMs, toMs) : QList<BackendChange>();
}

PoolerSnapshot RecordingReader::poolerSnapshotAt(const QString& pooler, qint64 tMs)
{
    if (!m_source) {
        PoolerSnapshot snapshot;
        snapshot.pooler = pooler;
        return snapshot;
    }
    return m_source->poolerSnapshotAt(pooler, tMs);
}

bool RecordingReader::hasPoolerTables() const
{
    return m_source && m_source->hasPoolerTables();
}

} // namespace poolscope
