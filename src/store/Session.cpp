#include "Session.h"
#include "ViewState.h"

namespace poolscope {

namespace {

void noteTimeIn(qint64* firstMs, qint64* lastMs, qint64 ms)
{
    if (*firstMs == 0 || ms < *firstMs)
        *firstMs = ms;
    if (ms > *lastMs)
        *lastMs = ms;
}

void applySample(TargetState& state, const Sample& sample)
{
    state.history.append(sample);
    state.latest = sample;
    if (sample.ok()) {
        state.lastOk = sample;
        state.consecutiveFailures = 0;
    } else {
        ++state.consecutiveFailures;
    }
}

// `countOf` gives each counted target's backends in a successful read (by index in `targets`).
void applySnapshot(DatabaseState& state, std::vector<TargetState>& targets, const ActivitySnapshot& snapshot,
    const QList<const PoolerSnapshot*>& poolers, const SessionContent::BackendCount& countOf);

// The count addSnapshot uses: the read's own backends.
SessionContent::BackendCount countIn(const std::vector<TargetState>& targets, const ActivitySnapshot& snapshot)
{
    return [&targets, &snapshot](std::size_t index, const QList<const PoolerSnapshot*>& poolers) {
        return countBackendsOf(snapshot.backends, targets.at(index).config, poolers);
    };
}

void applyPoolerSnapshot(PoolerState& state, const PoolerSnapshot& snapshot)
{
    state.history.append(snapshot);
    state.latest = snapshot;
    if (snapshot.ok()) {
        state.lastOk = snapshot;
        state.consecutiveFailures = 0;
    } else {
        ++state.consecutiveFailures;
    }
}

QList<const PoolerSnapshot*> poolerSnapshotsIn(
    const std::vector<PoolerState>& poolers, const QString& database, qint64 cursorMs)
{
    QList<const PoolerSnapshot*> result;
    for (const PoolerState& p : poolers) {
        if (p.config.database != database || p.lastOk.timestampMs == 0)
            continue;
        if (cursorMs == ViewState::kLive || p.lastOk.timestampMs <= cursorMs)
            result.append(&p.lastOk);
    }
    return result;
}

} // namespace

Session::Session(Workspace workspace, QObject* parent)
    : QObject(parent)
    , m_workspace(std::move(workspace))
{
    for (const auto& config : std::as_const(m_workspace.targets)) {
        TargetState state;
        state.config = config;
        m_targets.push_back(std::move(state));
    }
    for (const auto& config : std::as_const(m_workspace.databases)) {
        DatabaseState state;
        state.config = config;
        m_databases.push_back(std::move(state));
    }
    for (const auto& config : std::as_const(m_workspace.poolers)) {
        PoolerState state;
        state.config = config;
        m_poolers.push_back(std::move(state));
    }
}

Session::~Session() = default;

int Session::poolerIndex(const QString& name) const
{
    for (std::size_t i = 0; i < m_poolers.size(); ++i) {
        if (m_poolers[i].config.name == name)
            return static_cast<int>(i);
    }
    return -1;
}

QList<const PoolerSnapshot*> Session::poolerSnapshotsFor(const QString& database, qint64 cursorMs) const
{
    QList<const PoolerSnapshot*> result = poolerSnapshotsIn(m_poolers, database, cursorMs);
    if (cursorMs == ViewState::kLive || !m_archive)
        return result;
    // The moment is before the newest read: the archive (a recording) knows the read at that moment.
    for (const PoolerState& p : m_poolers) {
        if (p.config.database != database || (p.lastOk.timestampMs != 0 && p.lastOk.timestampMs <= cursorMs))
            continue;
        PoolerSnapshot& archived = m_archivedPoolers[p.config.name];
        archived = m_archive->poolerSnapshotAt(p.config.name, cursorMs);
        if (archived.timestampMs != 0)
            result.append(&archived);
    }
    return result;
}

void Session::addPoolerSnapshot(const PoolerSnapshot& snapshot)
{
    const int index = poolerIndex(snapshot.pooler);
    if (index < 0)
        return;
    applyPoolerSnapshot(m_poolers[static_cast<std::size_t>(index)], snapshot);
    noteTime(snapshot.timestampMs);
    Q_EMIT poolerSnapshotAdded(index);
}

int Session::targetIndex(const QString& name) const
{
    for (std::size_t i = 0; i < m_targets.size(); ++i) {
        if (m_targets[i].config.name == name)
            return static_cast<int>(i);
    }
    return -1;
}

int Session::databaseIndex(const QString& name) const
{
    for (std::size_t i = 0; i < m_databases.size(); ++i) {
        if (m_databases[i].config.name == name)
            return static_cast<int>(i);
    }
    return -1;
}

bool backendBelongsTo(const Backend& backend, const TargetConfig& target, const QList<const PoolerSnapshot*>& poolers)
{
    if (backendsLinkedByPoolers(target)) {
        for (const PoolerSnapshot* pooler : poolers) {
            const PoolerServer* server = pooler->serverOfBackend(backend.pid);
            const PoolerClient* client = server ? pooler->clientOf(*server) : nullptr;
            if (client && target.pgbouncerClients.matches(client->addr, client->applicationName))
                return true;
        }
        return false;
    }
    if (target.applicationName.isEmpty())
        return false;
    return backend.applicationName == target.applicationName;
}

bool backendsCounted(const TargetConfig& target)
{
    return !target.applicationName.isEmpty() || !target.pgbouncerClients.isEmpty();
}

bool backendsLinkedByPoolers(const TargetConfig& target)
{
    return !target.pgbouncerClients.isEmpty();
}

qint64 countBackendsOf(
    const QList<Backend>& backends, const TargetConfig& target, const QList<const PoolerSnapshot*>& poolers)
{
    qint64 n = 0;
    for (const Backend& backend : backends) {
        if (backendBelongsTo(backend, target, poolers))
            ++n;
    }
    return n;
}

QList<Backend> Session::backendsOf(int targetIndex) const
{
    QList<Backend> result;
    const auto& target = this->target(targetIndex);
    const int db = databaseIndex(target.config.database);
    if (db < 0)
        return result;
    const auto poolers = poolerSnapshotsFor(target.config.database, ViewState::kLive);
    for (const auto& backend : std::as_const(database(db).lastOk.backends)) {
        if (backendBelongsTo(backend, target.config, poolers))
            result.append(backend);
    }
    return result;
}

void Session::setThresholds(const Thresholds& thresholds)
{
    if (thresholds == m_workspace.thresholds)
        return;
    m_workspace.thresholds = thresholds;
    Q_EMIT thresholdsChanged();
}

bool Session::sameShape(const Workspace& a, const Workspace& b)
{
    if (a.targets.size() != b.targets.size() || a.databases.size() != b.databases.size())
        return false;
    for (qsizetype i = 0; i < a.targets.size(); ++i) {
        if (a.targets.at(i).name != b.targets.at(i).name)
            return false;
    }
    for (qsizetype i = 0; i < a.databases.size(); ++i) {
        if (a.databases.at(i).name != b.databases.at(i).name)
            return false;
    }
    return true;
}

bool Session::updateWorkspace(const Workspace& workspace)
{
    if (!sameShape(m_workspace, workspace))
        return false;
    const bool thresholds = workspace.thresholds != m_workspace.thresholds;
    const bool changed = thresholds || !(workspace == m_workspace) || workspace.path != m_workspace.path;
    m_workspace = workspace;
    for (std::size_t i = 0; i < m_targets.size(); ++i)
        m_targets[i].config = workspace.targets.at(static_cast<qsizetype>(i));
    for (std::size_t i = 0; i < m_databases.size(); ++i)
        m_databases[i].config = workspace.databases.at(static_cast<qsizetype>(i));
    if (thresholds)
        Q_EMIT thresholdsChanged();
    if (changed)
        Q_EMIT workspaceChanged();
    return true;
}

ActivitySnapshot Session::snapshotAt(int databaseIndex, qint64 cursorMs) const
{
    const DatabaseState& state = database(databaseIndex);
    if (cursorMs == ViewState::kLive || (state.lastOk.timestampMs != 0 && state.lastOk.timestampMs <= cursorMs))
        return state.lastOk;
    if (m_archive)
        return m_archive->snapshotAt(state.config.name, cursorMs);
    ActivitySnapshot empty;
    empty.database = state.config.name;
    return empty;
}

HolderReport Session::holdersAt(int targetIndex, qint64 cursorMs) const
{
    const TargetState& state = target(targetIndex);
    const HolderReport& given = state.reportedHolders;
    if (given.timestampMs != 0 && (cursorMs == ViewState::kLive || given.timestampMs <= cursorMs)
        && (!state.lastOk.holdersReported || given.timestampMs >= state.lastOk.timestampMs))
        return given;
    if (cursorMs == ViewState::kLive || (state.lastOk.timestampMs != 0 && state.lastOk.timestampMs <= cursorMs))
        return HolderReport { state.lastOk.holdersReported, state.lastOk.timestampMs, state.lastOk.holders };
    if (m_archive)
        return m_archive->holdersAt(state.config.name, cursorMs);
    return {};
}

void Session::addHolders(const QString& target, const HolderReport& report)
{
    const int index = targetIndex(target);
    if (index >= 0)
        m_targets[static_cast<std::size_t>(index)].reportedHolders = report;
}

QList<RouteStats> Session::routesAt(int targetIndex, qint64 cursorMs) const
{
    const TargetState& state = target(targetIndex);
    if (cursorMs == ViewState::kLive || (state.lastOk.timestampMs != 0 && state.lastOk.timestampMs <= cursorMs))
        return state.lastOk.routes;
    if (m_archive)
        return m_archive->routesAt(state.config.name, cursorMs);
    // Without an archive, the route history the session keeps answers it.
    QList<RouteStats> routes;
    for (const auto& series : state.history.routes()) {
        if (const auto last = series.pointAtOrBefore(cursorMs))
            routes.append(last->stats);
    }
    return routes;
}

void Session::noteTime(qint64 ms)
{
    noteTimeIn(&m_firstMs, &m_lastMs, ms);
}

void Session::addSample(const Sample& sample)
{
    const int index = targetIndex(sample.target);
    if (index < 0)
        return;
    applySample(m_targets[static_cast<std::size_t>(index)], sample);
    noteTime(sample.timestampMs);
    Q_EMIT sampleAdded(index);
}

void Session::addSnapshot(const ActivitySnapshot& snapshot)
{
    const int index = databaseIndex(snapshot.database);
    if (index < 0)
        return;
    applySnapshot(m_databases[static_cast<std::size_t>(index)], m_targets, snapshot,
        poolerSnapshotsFor(snapshot.database, ViewState::kLive), countIn(m_targets, snapshot));
    noteTime(snapshot.timestampMs);
    Q_EMIT snapshotAdded(index);
}

void Session::adopt(SessionContent content)
{
    m_targets = std::move(content.targets);
    m_databases = std::move(content.databases);
    if (!content.poolers.empty())
        m_poolers = std::move(content.poolers);
    m_firstMs = content.firstMs;
    m_lastMs = content.lastMs;
    for (const Event& event : std::as_const(content.events))
        addEvent(event);
}

bool Session::replaceTargetHistories(std::vector<TargetHistory> histories)
{
    if (histories.size() != m_targets.size())
        return false;
    for (std::size_t i = 0; i < histories.size(); ++i) {
        m_targets[i].history = std::move(histories[i]);
        const TargetHistory& h = m_targets[i].history;
        if (!h.empty())
            noteTime(h.times().front());
    }
    Q_EMIT historyReplaced();
    return true;
}

SessionContent::SessionContent(const Workspace& workspace)
{
    for (const auto& config : workspace.targets) {
        TargetState state;
        state.config = config;
        targets.push_back(std::move(state));
    }
    for (const auto& config : workspace.databases) {
        DatabaseState state;
        state.config = config;
        databases.push_back(std::move(state));
    }
    for (const auto& config : workspace.poolers) {
        PoolerState state;
        state.config = config;
        poolers.push_back(std::move(state));
    }
}

int SessionContent::addPoolerSnapshot(const PoolerSnapshot& snapshot)
{
    for (std::size_t i = 0; i < poolers.size(); ++i) {
        if (poolers[i].config.name == snapshot.pooler) {
            applyPoolerSnapshot(poolers[i], snapshot);
            noteTimeIn(&firstMs, &lastMs, snapshot.timestampMs);
            return static_cast<int>(i);
        }
    }
    return -1;
}

int SessionContent::addSample(const Sample& sample)
{
    for (std::size_t i = 0; i < targets.size(); ++i) {
        if (targets[i].config.name == sample.target) {
            applySample(targets[i], sample);
            noteTimeIn(&firstMs, &lastMs, sample.timestampMs);
            return static_cast<int>(i);
        }
    }
    return -1;
}

int SessionContent::addSnapshot(const ActivitySnapshot& snapshot)
{
    for (std::size_t i = 0; i < databases.size(); ++i) {
        if (databases[i].config.name == snapshot.database) {
            applySnapshot(databases[i], targets, snapshot,
                poolerSnapshotsIn(poolers, snapshot.database, ViewState::kLive), countIn(targets, snapshot));
            noteTimeIn(&firstMs, &lastMs, snapshot.timestampMs);
            return static_cast<int>(i);
        }
    }
    return -1;
}

int SessionContent::addCountedSnapshot(const ActivitySnapshot& head, const BackendCount& countOf)
{
    for (std::size_t i = 0; i < databases.size(); ++i) {
        if (databases[i].config.name == head.database) {
            applySnapshot(
                databases[i], targets, head, poolerSnapshotsIn(poolers, head.database, ViewState::kLive), countOf);
            noteTimeIn(&firstMs, &lastMs, head.timestampMs);
            return static_cast<int>(i);
        }
    }
    return -1;
}

void SessionContent::setNewestSnapshot(const ActivitySnapshot& snapshot)
{
    for (DatabaseState& state : databases) {
        if (state.config.name != snapshot.database)
            continue;
        if (state.latest.ok() && state.latest.timestampMs == state.lastOk.timestampMs)
            state.latest = snapshot;
        state.lastOk = snapshot;
    }
}

void SessionContent::addEvent(const Event& event)
{
    events.append(event);
    noteTimeIn(&firstMs, &lastMs, event.timestampMs);
}

namespace {
void applySnapshot(DatabaseState& state, std::vector<TargetState>& targets, const ActivitySnapshot& snapshot,
    const QList<const PoolerSnapshot*>& poolers, const SessionContent::BackendCount& countOf)
{
    state.latest = snapshot;
    if (snapshot.ok()) {
        state.lastOk = snapshot;
        state.consecutiveFailures = 0;
    } else {
        ++state.consecutiveFailures;
    }

    // Each target on this database gets its server-side backend count on this tick (a gap on failure).
    for (std::size_t i = 0; i < targets.size(); ++i) {
        TargetState& target = targets[i];
        if (target.config.database != snapshot.database || !backendsCounted(target.config))
            continue;
        double count = kAbsent;
        if (snapshot.ok()) {
            const qint64 n = countOf(i, poolers);
            count = static_cast<double>(n);
            target.backendCount = n;
        }
        target.history.appendBackendCount(snapshot.timestampMs, count);
    }
}
} // namespace

} // namespace poolscope

namespace poolscope {

void Session::addEvent(const Event& event)
{
    if (m_events.size() >= kMaxEvents) {
        m_events.removeFirst();
        ++m_droppedEvents;
    }
    m_events.append(event);
    noteTime(event.timestampMs);
    Q_EMIT eventAdded(static_cast<int>(m_events.size() - 1));
}

void Session::dropHistoryBefore(qint64 cutoffMs)
{
    for (TargetState& target : m_targets)
        target.history.dropBefore(cutoffMs);
    if (m_firstMs != 0 && m_firstMs < cutoffMs)
        m_firstMs = std::min(cutoffMs, m_lastMs);
}

} // namespace poolscope
