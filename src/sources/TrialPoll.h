#pragma once

#include "profiles/Payload.h"
#include "types/ActivitySnapshot.h"
#include "types/Sample.h"
#include "types/Workspace.h"

#include <QObject>
#include <QPointer>

class QNetworkAccessManager;

namespace poolscope {

class HealthSource;
class PgActivitySource;

// The workspace editor's "Test": one poll of a target (a HealthSource) or one read of a database's
// pg_stat_activity (a PgActivitySource) with a configuration that is not monitored (yet), ${env:NAME}
// expanded as the Monitor does. Asynchronous like the sources it uses; exactly one result signal follows
// each start unless cancel() or another start comes first. A failure is a result (a Sample or a snapshot
// with its error), bounded by the configuration's timeout.
class TrialPoll : public QObject
{
    Q_OBJECT
public:
    explicit TrialPoll(QObject* parent = nullptr);
    ~TrialPoll() override;

    void pollTarget(const TargetConfig& config);
    void readDatabase(const DatabaseConfig& config);
    // Stops the poll in flight; no result follows.
    void cancel();
    // ${env:NAME} references of the last configuration whose variable is not set.
    const QStringList& unsetEnvironment() const { return m_unsetEnvironment; }

Q_SIGNALS:
    // The poll's sample (metrics as the profile mapped them, or the error) and the payload it received
    // (empty when none arrived).
    void targetPolled(const poolscope::Sample& sample, const poolscope::Payload& payload);
    void databaseRead(const poolscope::ActivitySnapshot& snapshot);

private:
    QNetworkAccessManager* m_network;
    QPointer<HealthSource> m_health;
    QPointer<PgActivitySource> m_database;
    QStringList m_unsetEnvironment;
};

} // namespace poolscope
