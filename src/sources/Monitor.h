#pragma once

#include "profiles/Payload.h"
#include "store/Session.h"

#include <QObject>

#include <memory>
#include <vector>

class QNetworkAccessManager;

namespace poolscope {

class HealthSource;
class PgActivitySource;
class PgPoller;
class PoolerSource;

// Builds one source per target, database and pooler of the session's workspace (with ${env:NAME} expanded),
// feeds their results into the Session, and notes failures and recoveries in its event log.
class Monitor : public QObject
{
    Q_OBJECT
public:
    explicit Monitor(Session* session, QObject* parent = nullptr);
    ~Monitor() override;

    void start();
    void stop();
    bool running() const { return m_running; }

    // True once every target, database and pooler has answered (successfully or not) since start().
    bool everyoneAnswered() const;
    // ${env:NAME} references in headers or conninfo whose variable is not set.
    const QStringList& unsetEnvironment() const { return m_unsetEnvironment; }

    // The last payload a target's source received (empty for an unknown target or none yet).
    Payload lastPayload(const QString& target) const;
    // The configuration a target is polled with, as written in the workspace (${env:NAME} not expanded);
    // nullptr for an unknown target.
    const TargetConfig* targetConfig(const QString& target) const;
    // Replaces a target's source with one polling `config` (the target of the same name), started when the
    // monitor runs; the session keeps the target's history and its workspace gets `config`. False for an
    // unknown target.
    bool reconfigureTarget(const TargetConfig& config);
    // The source reading a database (its config with ${env:NAME} expanded, its own backend's pid); nullptr
    // for an unknown database.
    const PgActivitySource* databaseSource(const QString& name) const;
    // Replaces a database's source with one reading `config` (the database of the same name), started when
    // the monitor runs. False for an unknown database.
    bool reconfigureDatabase(const DatabaseConfig& config);
    // The workspace edited in the window: updates the Session (Session::updateWorkspace) and replaces the
    // sources of every target and database whose settings changed; the others keep polling undisturbed.
    // False, and nothing changes, when targets or databases were added, removed or renamed (a new Session
    // and Monitor are needed then).
    bool applyWorkspace(const Workspace& workspace);

Q_SIGNALS:
    void allAnswered();
    // A target's source received a payload (lastPayload changed).
    void payloadReceived(const QString& target);

private:
    void onSample(const Sample& sample);
    void noteHolders(const QString& errorBefore, const Sample& sample);
    void onSnapshot(const ActivitySnapshot& snapshot);
    void onPoolerSnapshot(const PoolerSnapshot& snapshot);
    // Notes each reconnect of a libpq source in the event log under `name`.
    void noteReconnects(PgPoller* source, const QString& name);
    void checkAllAnswered();
    HealthSource* makeHealthSource(TargetConfig config);
    PgActivitySource* makeDatabaseSource(DatabaseConfig config);

    Session* m_session;
    QNetworkAccessManager* m_network;
    std::vector<HealthSource*> m_health;
    QList<TargetConfig> m_targetConfigs; // as written, by the index of m_health
    std::vector<PgActivitySource*> m_databases;
    QList<DatabaseConfig> m_databaseConfigs; // as written, by the index of m_databases
    std::vector<PoolerSource*> m_poolers;
    std::vector<bool> m_targetAnswered;
    std::vector<bool> m_databaseAnswered;
    std::vector<bool> m_poolerAnswered;
    QStringList m_unsetEnvironment;
    bool m_running = false;
    bool m_allAnsweredSignalled = false;
};

} // namespace poolscope
