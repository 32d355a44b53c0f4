#pragma once

#include "store/Session.h"

#include <QObject>

#include <memory>
#include <vector>

class QNetworkAccessManager;

namespace poolscope {

class HealthSource;
class PgActivitySource;

// Builds one source per target and database of the session's workspace (with ${env:NAME} expanded),
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

    // True once every target and every database has answered (successfully or not) since start().
    bool everyoneAnswered() const;
    // ${env:NAME} references in headers or conninfo whose variable is not set.
    const QStringList& unsetEnvironment() const { return m_unsetEnvironment; }

Q_SIGNALS:
    void allAnswered();

private:
    void onSample(const Sample& sample);
    void onSnapshot(const ActivitySnapshot& snapshot);
    void checkAllAnswered();

    Session* m_session;
    QNetworkAccessManager* m_network;
    std::vector<HealthSource*> m_health;
    std::vector<PgActivitySource*> m_databases;
    std::vector<bool> m_targetAnswered;
    std::vector<bool> m_databaseAnswered;
    QStringList m_unsetEnvironment;
    bool m_running = false;
    bool m_allAnsweredSignalled = false;
};

} // namespace poolscope
