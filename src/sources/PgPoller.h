#pragma once

#include "HostResolver.h"
#include "PgHosts.h"

#include <QByteArrayList>
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

// Reads a PostgreSQL-speaking server once per tick with libpq's asynchronous API driven by QSocketNotifier:
// nothing here ever blocks the thread it lives in. The machinery PgActivitySource (pg_stat_activity) and
// PoolerSource (pgbouncer's admin console) share; they say what one read sends and what its results mean.
//
// One read sends its statements one after the other, each in its own PQsendQuery (the simple query
// protocol, one statement per message: pgbouncer's admin console takes no more). Connects as
// application_name=poolscope. A failed connect or a lost connection is reported through readFailed() and
// retried with exponential backoff (1 s doubling up to 30 s, +-20% jitter), forever. Passwords come from
// libpq itself (.pgpass, service file, PG*). Host names are looked up by a HostResolver off this thread
// (libpq's own lookup blocks), under their own deadline of timeoutMs; libpq then gets `hostaddr` with the
// addresses found, next to the `host` it still uses for TLS verification, .pgpass and its messages.
class PgPoller : public QObject
{
    Q_OBJECT
public:
    enum class State {
        Stopped, // nothing open, nothing scheduled
        Connecting, // host names being looked up, then PQconnectPoll in progress; each under timeoutMs
        Ready, // connected and idle
        Querying, // one read in flight, under the query deadline
        Backoff, // waiting to reconnect after a failure
    };
    Q_ENUM(State)

    struct Settings
    {
        QString conninfo; // already ${env:}-expanded: a conninfo string, a URI or "service=NAME"
        int intervalMs = 2000;
        int timeoutMs = 5000; // connect and read deadline
        // Ask the server for statement_timeout = timeoutMs (startup options, or a SET when the conninfo
        // brings its own options). PostgreSQL only: pgbouncer refuses unknown startup parameters.
        bool serverStatementTimeout = false;
    };

    ~PgPoller() override;

    State state() const { return m_state; }
    // The server process serving the current connection, 0 when not connected.
    int backendPid() const;

    // Connects now, then reads once per intervalMs. A tick that finds a read still in flight (or the
    // connection not ready) is skipped.
    void start();
    // Closes the connection and cancels every timer; no signal is emitted after it returns.
    void stop();
    // A read now if connected and idle; nothing if one is already in flight; otherwise (re)connects now,
    // and reads as soon as connected. Works without start() too (a one-shot read).
    void pollNow();

    // A result cell as a number (nullValue when NULL, not a number, or column < 0) or as text (null when
    // NULL or column < 0).
    static qint64 intValue(const PGresult* result, int row, int column, qint64 nullValue);
    static QString textValue(const PGresult* result, int row, int column);

Q_SIGNALS:
    void stateChanged(poolscope::PgPoller::State state);
    // A reconnect is due in delayMs; attempt counts the failures in a row (1 for the first).
    void reconnectScheduled(int attempt, int delayMs, const QString& reason);

protected:
    PgPoller(Settings settings, QObject* parent);

    // The client-side read deadline is timeoutMs plus this grace, so that a responsive PostgreSQL reports
    // its own "canceling statement due to statement timeout" first.
    static constexpr int kQueryGraceMs = 1000;

    // The statements of one read, sent one per PQsendQuery; called when a read begins (start afresh).
    virtual QByteArrayList beginRead() = 0;
    // A PGRES_TUPLES_OK result of statement `statement` (an index into beginRead()'s list). Returns the
    // reason the read fails (the rest of it is not sent), empty when the result was taken.
    virtual QString takeResult(int statement, const PGresult* result) = 0;
    // The text parameters ($1, $2, ...) of statement `statement`, sent with PQsendQueryParams (the extended
    // protocol: one statement per message, so not with serverStatementTimeout on a conninfo that brings its
    // own options, where a SET goes in front). None by default (PQsendQuery).
    virtual QByteArrayList statementParameters(int statement) const;
    // An error result of statement `statement`: returns the reason the read fails. By default libpq's whole
    // message on one line ("ERROR:  ...").
    virtual QString takeError(int statement, const PGresult* result);
    // Every statement answered.
    virtual void readSucceeded(qint64 latencyMs) = 0;
    // The read, the connect or the connection failed: an error snapshot. latencyMs -1 when unknown.
    virtual void readFailed(const QString& error, qint64 latencyMs) = 0;

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
    void sendRead();
    bool sendStatement(); // false when the connection failed (and was handled)
    void onReadable();
    void onWritable();
    void readResults();
    void finishStatement();
    void onDeadline();
    void onRetry();

    // Closes the connection, reports the error and schedules the reconnect.
    void failConnection(const QString& error);
    void reportError(const QString& error, qint64 latencyMs);
    void closeConnection();
    void watchSocket(Want want);
    void dropNotifiers();
    bool flushOutput();
    QString connectionError() const;
    void takeAnyResult(PGresult* result);
    static void noticeReceiver(void* self, const PGresult* result);

    Settings m_settings;
    State m_state = State::Stopped;
    bool m_running = false; // start() was called: ticks are due

    PGconn* m_conn = nullptr;
    int m_notifierSocket = -1;
    QSocketNotifier* m_readNotifier = nullptr;
    QSocketNotifier* m_writeNotifier = nullptr;

    QTimer* m_tickTimer = nullptr;
    QTimer* m_deadlineTimer = nullptr; // connect or read deadline
    QTimer* m_retryTimer = nullptr;
    HostResolver* m_resolver = nullptr;
    std::optional<PgHosts> m_hosts; // the servers of the connect being resolved
    PgHosts m_connectHosts; // the servers handed to libpq, with their addresses
    QString m_lookupErrors; // lookups that failed while others succeeded, told if the connect fails
    int m_attempt = 0; // failures in a row

    bool m_timeoutViaSet = false; // the conninfo has its own options: SET statement_timeout instead
    bool m_timeoutSet = false; // statement_timeout is in effect on this connection
    bool m_sentSet = false; // the read in flight starts with the SET
    QElapsedTimer m_queryClock;
    QByteArrayList m_statements; // the read in flight
    int m_statement = 0; // the statement in flight
    QString m_queryError; // the first error result of the read in flight
    QString m_fatalNotice; // a FATAL message that arrived while idle (e.g. pg_terminate_backend)
};

} // namespace poolscope
