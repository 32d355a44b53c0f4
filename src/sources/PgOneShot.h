#pragma once

#include "HostResolver.h"
#include "PgHosts.h"
#include "types/Workspace.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>

#include <optional>

class QSocketNotifier;
class QTimer;

typedef struct pg_conn PGconn;

namespace poolscope {

// One statement on a connection of its own, asynchronously, for the rare commands that are not the
// monitor's query (the guarded backend actions): host names looked up off the thread (HostResolver,
// PgHosts, as PgActivitySource does), PQconnectPoll and the query driven by QSocketNotifier, the whole
// under one deadline (config.timeoutMs for the connect, again for the statement). Connects as
// application_name=poolscope, so that every PoolScope view leaves it out too. Reports once and closes.
class PgOneShot : public QObject
{
    Q_OBJECT
public:
    struct Result
    {
        bool ok = false; // the statement ran; value/isNull/rows are its first row's first column
        int rows = 0;
        QString value;
        bool isNull = true;
        QString error; // one line; empty when ok
        QString sqlState; // of the error, when the server sent one ("42501": insufficient privilege)
        int backendPid = 0; // the server process that ran it
    };

    explicit PgOneShot(QObject* parent = nullptr);
    ~PgOneShot() override;

    // config.conninfo must already be ${env:}-expanded. `parameters` are text ($1, $2, ...). One at a time:
    // false while another statement is running.
    bool run(const DatabaseConfig& config, const QByteArray& sql, const QList<QByteArray>& parameters);
    bool isRunning() const { return m_running; }

Q_SIGNALS:
    void finished(const poolscope::PgOneShot::Result& result);

private:
    void onHostsResolved(const QHash<QString, HostResolver::Result>& results);
    void startConnect(const std::optional<PgHosts>& hosts);
    void continueConnect();
    void sendStatement();
    void onReadable();
    void onWritable();
    void readResults();
    void finish(Result result);
    void fail(const QString& error);
    void close();
    void watch(bool read, bool write);
    QString connectionError() const;

    enum class Phase { Idle, Resolving, Connecting, Querying };

    DatabaseConfig m_config;
    QByteArray m_sql;
    QList<QByteArray> m_parameters;
    Phase m_phase = Phase::Idle;
    bool m_running = false;
    PGconn* m_conn = nullptr;
    int m_notifierSocket = -1;
    QSocketNotifier* m_readNotifier = nullptr;
    QSocketNotifier* m_writeNotifier = nullptr;
    QTimer* m_deadline = nullptr;
    HostResolver* m_resolver = nullptr;
    std::optional<PgHosts> m_hosts;
    Result m_result;
};

} // namespace poolscope

Q_DECLARE_METATYPE(poolscope::PgOneShot::Result)
