#pragma once

#include "HostResolver.h"
#include "PgHosts.h"
#include "types/ActivitySnapshot.h"
#include "types/Workspace.h"

#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include <optional>

class QSocketNotifier;
class QTimer;

// libpq's handles, declared here so that the header does not pull in libpq-fe.h.
typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace poolscope {

// Reads pg_stat_activity of one database, one query per tick, with libpq's asynchronous API driven by
// QSocketNotifier: nothing here ever blocks the thread it lives in. Connects as
// application_name=poolscope and leaves its own backend out of every snapshot. A failed connect or a
// lost connection is reported as an error snapshot and retried with exponential backoff (1 s doubling
// up to 30 s, +-20% jitter), forever. Passwords come from libpq itself (.pgpass, service file, PG*).
//
// Host names are looked up by a HostResolver off this thread (libpq's own lookup blocks), under their own
// deadline of config.timeoutMs; libpq then gets `hostaddr` with the addresses found, next to the `host` it
// still uses for TLS verification, .pgpass and its messages (see PgHosts).
class PgActivitySource : public QObject
{
    Q_OBJECT
public:
    enum class State {
        Stopped, // nothing open, nothing scheduled
        Connecting, // host names being looked up, then PQconnectPoll in progress; each under config.timeoutMs
        Ready, // connected and idle
        Querying, // one query in flight, under the query deadline
        Backoff, // waiting to reconnect after a failure
    };
    Q_ENUM(State)

    // config.conninfo must already be ${env:}-expanded. It may be a conninfo string, a URI or
    // "service=NAME".
    explicit PgActivitySource(DatabaseConfig config, QObject* parent = nullptr);
    ~PgActivitySource() override;

    const DatabaseConfig& config() const { return m_config; }
    State state() const { return m_state; }
    // The server process serving the current connection, 0 when not connected.
    int backendPid() const;

    // Connects now, then reads once per config.intervalMs. A tick that finds a query still in flight
    // (or the connection not ready) is skipped.
    void start();
    // Closes the connection and cancels every timer; no signal is emitted after it returns.
    void stop();
    // A query now if connected and idle; nothing if one is already in flight; otherwise (re)connects
    // now, and reads as soon as connected. Works without start() too (a one-shot read).
    void pollNow();

Q_SIGNALS:
    // One per query (ok or failed) and one per failed connection attempt.
    void snapshotReady(const poolscope::ActivitySnapshot& snapshot);
    void stateChanged(poolscope::PgActivitySource::State state);
    // A reconnect is due in delayMs; attempt counts the failures in a row (1 for the first).
    void reconnectScheduled(int attempt, int delayMs, const QString& reason);

private:
    enum class Want { Nothing, Read, Write, ReadWrite };

    void setState(State state);
    void onTick();
    void beginConnect();
    void onHostsResolved(const QHash<QString, HostResolver::Result>& results);
    // Starts libpq's connect; `hosts` replaces the conninfo's host, hostaddr and port when given.
    void startConnect(const std::optional<PgHosts>& hosts);
    void continueConnect();
    void onConnected();
    void sendQuery();
    void onReadable();
    void onWritable();
    void readResults();
    void finishQuery();
    void onDeadline();
    void onRetry();

    // Closes the connection, emits an error snapshot and schedules the reconnect.
    void failConnection(const QString& error);
    void emitError(const QString& error, qint64 latencyMs);
    void closeConnection();
    void watchSocket(Want want);
    void dropNotifiers();
    bool flushOutput();
    QString connectionError() const;
    void takeResult(PGresult* result);
    static void noticeReceiver(void* self, const PGresult* result);

    DatabaseConfig m_config;
    State m_state = State::Stopped;
    bool m_running = false; // start() was called: ticks are due

    PGconn* m_conn = nullptr;
    int m_notifierSocket = -1;
    QSocketNotifier* m_readNotifier = nullptr;
    QSocketNotifier* m_writeNotifier = nullptr;

    QTimer* m_tickTimer = nullptr;
    QTimer* m_deadlineTimer = nullptr; // connect or query deadline
    QTimer* m_retryTimer = nullptr;
    HostResolver* m_resolver = nullptr;
    std::optional<PgHosts> m_hosts; // the servers of the connect being resolved
    PgHosts m_connectHosts; // the servers handed to libpq, with their addresses
    QString m_lookupErrors; // lookups that failed while others succeeded, told if the connect fails
    int m_attempt = 0; // failures in a row

    bool m_timeoutViaSet = false; // the conninfo has its own options: SET statement_timeout instead
    bool m_timeoutSet = false; // statement_timeout is in effect on this connection
    bool m_sentSet = false; // the query in flight starts with the SET
    QElapsedTimer m_queryClock;
    ActivitySnapshot m_pending; // the snapshot being filled by the query in flight
    QString m_queryError; // the first error result of the query in flight
    QString m_fatalNotice; // a FATAL message that arrived while idle (e.g. pg_terminate_backend)
};

} // namespace poolscope
