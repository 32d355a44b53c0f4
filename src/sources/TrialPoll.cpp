#include "TrialPoll.h"
#include "workspace/WorkspaceFile.h"

#include "HealthSource.h"
#include "PgActivitySource.h"

#include <QNetworkAccessManager>

namespace poolscope {

TrialPoll::TrialPoll(QObject* parent)
    : QObject(parent)
    , m_network(new QNetworkAccessManager(this))
{ }

TrialPoll::~TrialPoll()
{
    cancel();
}

void TrialPoll::cancel()
{
    if (m_health) {
        m_health->stop();
        m_health->disconnect(this);
        m_health->deleteLater();
    }
    if (m_database) {
        m_database->stop();
        m_database->disconnect(this);
        m_database->deleteLater();
    }
    m_health = nullptr;
    m_database = nullptr;
}

void TrialPoll::pollTarget(const TargetConfig& config)
{
    cancel();
    m_unsetEnvironment.clear();
    TargetConfig expanded = config;
    for (auto it = expanded.headers.begin(); it != expanded.headers.end(); ++it)
        it.value() = expandEnv(it.value(), &m_unsetEnvironment);
    auto* source = new HealthSource(std::move(expanded), m_network, this);
    m_health = source;
    connect(source, &HealthSource::sampleReady, this, [this, source](const Sample& sample) {
        const Payload payload = source->lastPayload();
        cancel();
        Q_EMIT targetPolled(sample, payload);
    });
    source->pollNow();
}

void TrialPoll::readDatabase(const DatabaseConfig& config)
{
    cancel();
    m_unsetEnvironment.clear();
    DatabaseConfig expanded = config;
    expanded.conninfo = expandEnv(expanded.conninfo, &m_unsetEnvironment);
    auto* source = new PgActivitySource(std::move(expanded), this);
    m_database = source;
    connect(source, &PgActivitySource::snapshotReady, this, [this](const ActivitySnapshot& snapshot) {
        cancel();
        Q_EMIT databaseRead(snapshot);
    });
    source->pollNow();
}

} // namespace poolscope
