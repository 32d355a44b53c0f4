#include "Monitor.h"
#include "workspace/WorkspaceFile.h"

#include "HealthSource.h"
#include "PgActivitySource.h"
#include "PoolerSource.h"
#include "format/Format.h"

#include <QNetworkAccessManager>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace poolscope {

Monitor::Monitor(Session* session, QObject* parent)
    : QObject(parent)
    , m_session(session)
    , m_network(new QNetworkAccessManager(this))
{
    const Workspace& ws = session->workspace();
    for (const TargetConfig& config : ws.targets) {
        m_targetConfigs.append(config);
        m_health.push_back(makeHealthSource(config));
    }
    for (const DatabaseConfig& config : ws.databases) {
        m_databaseConfigs.append(config);
        m_databases.push_back(makeDatabaseSource(config));
    }
    for (PoolerConfig config : ws.poolers) {
        config.conninfo = expandEnv(config.conninfo, &m_unsetEnvironment);
        auto* source = new PoolerSource(std::move(config), this);
        connect(source, &PoolerSource::snapshotReady, this, &Monitor::onPoolerSnapshot);
        noteReconnects(source, source->config().name);
        m_poolers.push_back(source);
    }
    m_unsetEnvironment.removeDuplicates();
    m_targetAnswered.assign(m_health.size(), false);
    m_databaseAnswered.assign(m_databases.size(), false);
    m_poolerAnswered.assign(m_poolers.size(), false);
}

void Monitor::noteReconnects(PgPoller* source, const QString& name)
{
    connect(source, &PgPoller::reconnectScheduled, this, [this, name](int attempt, int delayMs, const QString& reason) {
        Event event;
        event.timestampMs = QDateTime::currentMSecsSinceEpoch();
        event.severity = Event::Severity::Warning;
        event.source = name;
        event.kind = u"reconnect"_s;
        event.message = u"reconnecting in %1 (attempt %2): %3"_s.arg(formatSeconds(delayMs)).arg(attempt).arg(reason);
        m_session->addEvent(event);
    });
}

Monitor::~Monitor() = default;

HealthSource* Monitor::makeHealthSource(TargetConfig config)
{
    for (auto it = config.headers.begin(); it != config.headers.end(); ++it)
        it.value() = expandEnv(it.value(), &m_unsetEnvironment);
    auto* source = new HealthSource(std::move(config), m_network, this);
    connect(source, &HealthSource::sampleReady, this, &Monitor::onSample);
    connect(source, &HealthSource::payloadReceived, this,
        [this, source] { Q_EMIT payloadReceived(source->config().name); });
    return source;
}

PgActivitySource* Monitor::makeDatabaseSource(DatabaseConfig config)
{
    config.conninfo = expandEnv(config.conninfo, &m_unsetEnvironment);
    auto* source = new PgActivitySource(std::move(config), this);
    connect(source, &PgActivitySource::snapshotReady, this, &Monitor::onSnapshot);
    noteReconnects(source, source->config().name);
    return source;
}

Payload Monitor::lastPayload(const QString& target) const
{
    for (const HealthSource* source : m_health) {
        if (source->config().name == target)
            return source->lastPayload();
    }
    return {};
}

const TargetConfig* Monitor::targetConfig(const QString& target) const
{
    for (const TargetConfig& config : m_targetConfigs) {
        if (config.name == target)
            return &config;
    }
    return nullptr;
}

const PgActivitySource* Monitor::databaseSource(const QString& name) const
{
    for (const PgActivitySource* source : m_databases) {
        if (source->config().name == name)
            return source;
    }
    return nullptr;
}

bool Monitor::reconfigureTarget(const TargetConfig& config)
{
    for (std::size_t i = 0; i < m_health.size(); ++i) {
        if (m_health[i]->config().name != config.name)
            continue;
        HealthSource* old = m_health[i];
        old->stop();
        old->disconnect(this);
        old->deleteLater();
        m_targetConfigs[static_cast<qsizetype>(i)] = config;
        m_health[i] = makeHealthSource(config);
        m_unsetEnvironment.removeDuplicates();
        if (m_running)
            m_health[i]->start();
        // The session's workspace says what is polled: a later Save writes it (the inspector's field too).
        Workspace workspace = m_session->workspace();
        workspace.targets[static_cast<qsizetype>(i)] = config;
        m_session->updateWorkspace(workspace);
        return true;
    }
    return false;
}

bool Monitor::reconfigureDatabase(const DatabaseConfig& config)
{
    for (std::size_t i = 0; i < m_databases.size(); ++i) {
        if (m_databases[i]->config().name != config.name)
            continue;
        PgActivitySource* old = m_databases[i];
        old->stop();
        old->disconnect(this);
        old->deleteLater();
        m_databaseConfigs[static_cast<qsizetype>(i)] = config;
        m_databases[i] = makeDatabaseSource(config);
        m_unsetEnvironment.removeDuplicates();
        if (m_running)
            m_databases[i]->start();
        Workspace workspace = m_session->workspace();
        workspace.databases[static_cast<qsizetype>(i)] = config;
        m_session->updateWorkspace(workspace);
        return true;
    }
    return false;
}

bool Monitor::applyWorkspace(const Workspace& workspace)
{
    if (!m_session->updateWorkspace(workspace))
        return false;
    for (qsizetype i = 0; i < workspace.targets.size(); ++i) {
        if (!(workspace.targets.at(i) == m_targetConfigs.at(i)))
            reconfigureTarget(workspace.targets.at(i));
    }
    for (qsizetype i = 0; i < workspace.databases.size(); ++i) {
        if (!(workspace.databases.at(i) == m_databaseConfigs.at(i)))
            reconfigureDatabase(workspace.databases.at(i));
    }
    return true;
}

void Monitor::start()
{
    if (m_running)
        return;
    m_running = true;
    m_allAnsweredSignalled = false;
    std::fill(m_targetAnswered.begin(), m_targetAnswered.end(), false);
    std::fill(m_databaseAnswered.begin(), m_databaseAnswered.end(), false);
    std::fill(m_poolerAnswered.begin(), m_poolerAnswered.end(), false);
    for (auto* source : m_health)
        source->start();
    for (auto* source : m_databases)
        source->start();
    for (auto* source : m_poolers)
        source->start();
    checkAllAnswered();
}

void Monitor::stop()
{
    if (!m_running)
        return;
    m_running = false;
    for (auto* source : m_health)
        source->stop();
    for (auto* source : m_databases)
        source->stop();
    for (auto* source : m_poolers)
        source->stop();
}

bool Monitor::everyoneAnswered() const
{
    return std::all_of(m_targetAnswered.begin(), m_targetAnswered.end(), [](bool b) { return b; })
        && std::all_of(m_databaseAnswered.begin(), m_databaseAnswered.end(), [](bool b) { return b; })
        && std::all_of(m_poolerAnswered.begin(), m_poolerAnswered.end(), [](bool b) { return b; });
}

void Monitor::onSample(const Sample& sample)
{
    const int index = m_session->targetIndex(sample.target);
    if (index < 0)
        return;
    // Copied before addSample, which updates the target's state in place.
    const TargetState& before = m_session->target(index);
    const bool wasFailing = before.polled() && !before.latest.ok();
    const QString errorBefore = before.latest.error;
    const QString holdersErrorBefore = before.latest.holdersError;
    m_session->addSample(sample);

    // A failure is noted when it starts and again whenever its reason changes, not on every failed poll.
    if (!sample.ok() && (!wasFailing || errorBefore != sample.error)) {
        Event event;
        event.timestampMs = sample.timestampMs;
        event.severity = Event::Severity::Warning;
        event.source = sample.target;
        event.kind = u"failing"_s;
        event.message = u"poll failed: "_s + sample.error;
        m_session->addEvent(event);
    } else if (sample.ok() && wasFailing) {
        Event event;
        event.timestampMs = sample.timestampMs;
        event.source = sample.target;
        event.kind = u"recovered"_s;
        event.message = u"answering again"_s;
        m_session->addEvent(event);
    }
    noteHolders(holdersErrorBefore, sample);

    m_targetAnswered[static_cast<std::size_t>(index)] = true;
    checkAllAnswered();
}

// A target's holders_url failing (or failing differently), and answering again: once each, like polls.
void Monitor::noteHolders(const QString& errorBefore, const Sample& sample)
{
    if (!sample.ok() || errorBefore == sample.holdersError)
        return;
    Event event;
    event.timestampMs = sample.timestampMs;
    event.source = sample.target;
    if (!sample.holdersError.isEmpty()) {
        event.severity = Event::Severity::Warning;
        event.kind = u"holders-unavailable"_s;
        event.message = u"holders unavailable: "_s + sample.holdersError;
    } else {
        event.kind = u"recovered"_s;
        event.message = u"holders_url answering again"_s;
    }
    m_session->addEvent(event);
}

void Monitor::onSnapshot(const ActivitySnapshot& snapshot)
{
    const int index = m_session->databaseIndex(snapshot.database);
    if (index < 0)
        return;
    const DatabaseState& before = m_session->database(index);
    const bool wasFailing = before.polled() && !before.latest.ok();
    m_session->addSnapshot(snapshot);
    if (snapshot.ok() && wasFailing) {
        Event event;
        event.timestampMs = snapshot.timestampMs;
        event.source = snapshot.database;
        event.kind = u"recovered"_s;
        event.message = u"pg_stat_activity readable again"_s;
        m_session->addEvent(event);
    }
    m_databaseAnswered[static_cast<std::size_t>(index)] = true;
    checkAllAnswered();
}

void Monitor::onPoolerSnapshot(const PoolerSnapshot& snapshot)
{
    const int index = m_session->poolerIndex(snapshot.pooler);
    if (index < 0)
        return;
    const PoolerState& before = m_session->pooler(index);
    const bool wasFailing = before.polled() && !before.latest.ok();
    const bool firstPoll = !before.polled();
    m_session->addPoolerSnapshot(snapshot);
    Event event;
    event.timestampMs = snapshot.timestampMs;
    event.source = snapshot.pooler;
    if (!snapshot.ok() && (firstPoll || !wasFailing || before.latest.error != snapshot.error)) {
        event.severity = Event::Severity::Warning;
        event.kind = u"failing"_s;
        event.message = u"pgbouncer read failed: "_s + snapshot.error;
        m_session->addEvent(event);
    } else if (snapshot.ok() && wasFailing) {
        event.kind = u"recovered"_s;
        event.message = u"pgbouncer readable again"_s;
        m_session->addEvent(event);
    }
    m_poolerAnswered[static_cast<std::size_t>(index)] = true;
    checkAllAnswered();
}

void Monitor::checkAllAnswered()
{
    if (!m_allAnsweredSignalled && everyoneAnswered()) {
        m_allAnsweredSignalled = true;
        Q_EMIT allAnswered();
    }
}

} // namespace poolscope
