#include "RecordingArchive.h"

namespace poolscope {

RecordingArchive::RecordingArchive()
    : m_reader(std::make_unique<RecordingReader>())
{ }

RecordingArchive::~RecordingArchive() = default;

bool RecordingArchive::open(const QString& path, QString* error)
{
    close();
    return m_reader->open(path, error);
}

void RecordingArchive::close()
{
    m_reader->close();
    m_snapshotCache.clear();
    m_routesCache.clear();
    m_poolerCache.clear();
    m_dataVersion = -1;
}

void RecordingArchive::dropCacheIfChanged() const
{
    const qint64 version = m_reader->dataVersion();
    if (version != m_dataVersion || version < 0) {
        m_snapshotCache.clear();
        m_routesCache.clear();
        m_poolerCache.clear();
        m_dataVersion = version;
    }
}

ActivitySnapshot RecordingArchive::snapshotAt(const QString& database, qint64 tMs) const
{
    dropCacheIfChanged();
    const auto it = m_snapshotCache.constFind(database);
    if (it != m_snapshotCache.constEnd() && it->first == tMs)
        return it->second;
    ActivitySnapshot snapshot = m_reader->snapshotAt(database, tMs);
    m_snapshotCache.insert(database, { tMs, snapshot });
    return snapshot;
}

QList<RouteStats> RecordingArchive::routesAt(const QString& target, qint64 tMs) const
{
    dropCacheIfChanged();
    const auto it = m_routesCache.constFind(target);
    if (it != m_routesCache.constEnd() && it->first == tMs)
        return it->second;
    QList<RouteStats> routes = m_reader->routesAt(target, tMs);
    m_routesCache.insert(target, { tMs, routes });
    return routes;
}

HolderReport RecordingArchive::holdersAt(const QString& target, qint64 tMs) const
{
    return m_reader->holdersAt(target, tMs);
}

PoolerSnapshot RecordingArchive::poolerSnapshotAt(const QString& pooler, qint64 tMs) const
{
    dropCacheIfChanged();
    const auto it = m_poolerCache.constFind(pooler);
    if (it != m_poolerCache.constEnd() && it->first == tMs)
        return it->second;
    PoolerSnapshot snapshot = m_reader->poolerSnapshotAt(pooler, tMs);
    m_poolerCache.insert(pooler, { tMs, snapshot });
    return snapshot;
}

} // namespace poolscope
