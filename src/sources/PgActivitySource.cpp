#include "PgActivitySource.h"

#include "Backoff.h"
#include "format/Format.h"

#include <QDateTime>
#include <QSocketNotifier>
#include <QTimer>

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

// The client-side query deadline is the server's statement_timeout plus this grace, so that a
// responsive server reports its own "canceling statement due to statement timeout" first.
constexpr int kQueryGraceMs = 1000;
constexpr int kBackoffBaseMs = 1000;
constexpr int kBackoffCapMs = 30000;

// Every backend but our own. The one-row LEFT JOIN keeps statement_timestamp() and the server's
// connection limit even when no other backend exists; that row has a NULL pid and is skipped.
constexpr char kActivityQuery[] = "SELECT (extract(epoch FROM statement_timestamp()) * 1000)::bigint,"
                                  " one.max_connections, one.reserved,"
                                  " a.pid, a.datname, a.usename, a.application_name, host(a.client_addr),"
                                  " a.client_port, a.backend_type,"
                                  " (extract(epoch FROM a.backend_start) * 1000)::bigint,"
                                  " (extract(epoch FROM a.xact_start) * 1000)::bigint,"
                                  " (extract(epoch FROM a.query_start) * 1000)::bigint,"
                                  " (extract(epoch FROM a.state_change) * 1000)::bigint,"
                                  " a.state, a.wait_event_type, a.wait_event, a.query"
                                  " FROM (SELECT current_setting('max_connections')::int AS max_connections,"
                                  " current_setting('superuser_reserved_connections')::int AS reserved) AS one"
                                  " LEFT JOIN pg_catalog.pg_stat_activity AS a ON a.pid <> pg_backend_pid()"
                                  " ORDER BY a.pid";

enum Column {
    ServerTime,
    MaxConnections,
    ReservedConnections,
    Pid,
    Datname,
    Usename,
    ApplicationName,
    ClientAddr,
    ClientPort,
    BackendType,
    BackendStart,
    XactStart,
    QueryStart,
    StateChange,
    StateColumn,
    WaitEventType,
    WaitEvent,
    Query,
    ColumnCount
};

qint64 toInt64(const PGresult* result, int row, int column, qint64 nullValue)
{
    if (PQgetisnull(result, row, column))
        return nullValue;
    const char* text = PQgetvalue(result, row, column);
    const char* end = text + PQgetlength(result, row, column);
    qint64 value = nullValue;
    const auto [ptr, ec] = std::from_chars(text, end, value);
    return ec == std::errc() && ptr == end ? value : nullValue;
}

QString toText(const PGresult* result, int row, int column)
{
    if (PQgetisnull(result, row, column))
        return {};
    return QString::fromUtf8(PQgetvalue(result, row, column), PQgetlength(result, row, column));
}

// libpq messages end with a newline and may span lines ("...failed: Connection refused\n\tIs the
// server running..."): one line reads better in a log.
QString oneLine(const char* message)
{
    return QString::fromUtf8(message).simplified();
}

// The conninfo brings its own startup options (directly, through a service file or PGOPTIONS):
// passing ours in the startup packet would replace them, so statement_timeout goes in a SET.
bool hasOwnOptions(const QString& conninfo)
{
    if (!qEnvironmentVariableIsEmpty("PGOPTIONS") || !qEnvironmentVariableIsEmpty("PGSERVICE"))
        return true;
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.toUtf8().constData(), &error);
    if (!options) {
        // Not a conninfo string nor a URI (a bare database name), or a malformed one: libpq's
        // connect reports the latter.
        PQfreemem(error);
        return false;
    }
    bool own = false;
    for (const PQconninfoOption* option = options; option->keyword; ++option) {
        const bool isOptions = qstrcmp(option->keyword, "options") == 0;
        const bool isService = qstrcmp(option->keyword, "service") == 0;
        if ((isOptions || isService) && option->val && *option->val)
            own = true;
    }
    PQconninfoFree(options);
    return own;
}

} // namespace

PgActivitySource::PgActivitySource(DatabaseConfig config, QObject* parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_tickTimer(new QTimer(this))
    , m_deadlineTimer(new QTimer(this))
    , m_retryTimer(new QTimer(this))
    , m_resolver(new HostResolver(this))
{
    m_tickTimer->setInterval(std::max(1, m_config.intervalMs));
    m_deadlineTimer->setSingleShot(true);
    m_retryTimer->setSingleShot(true);
    connect(m_tickTimer, &QTimer::timeout, this, &PgActivitySource::onTick);
    connect(m_deadlineTimer, &QTimer::timeout, this, &PgActivitySource::onDeadline);
    connect(m_retryTimer, &QTimer::timeout, this, &PgActivitySource::onRetry);
    connect(m_resolver, &HostResolver::finished, this, &PgActivitySource::onHostsResolved);
    m_timeoutViaSet = hasOwnOptions(m_config.conninfo);
}

PgActivitySource::~PgActivitySource()
{
    closeConnection();
}

int PgActivitySource::backendPid() const
{
    return m_conn && PQstatus(m_conn) == CONNECTION_OK ? PQbackendPID(m_conn) : 0;
}

void PgActivitySource::start()
{
    if (m_running)
        return;
    m_running = true;
    m_tickTimer->start();
    if (m_state == State::Stopped || m_state == State::Backoff)
        pollNow();
}

void PgActivitySource::stop()
{
    m_running = false;
    m_tickTimer->stop();
    m_retryTimer->stop();
    closeConnection();
    m_attempt = 0;
    setState(State::Stopped);
}

void PgActivitySource::pollNow()
{
    switch (m_state) {
    case State::Ready:
        sendQuery();
        break;
    case State::Stopped:
    case State::Backoff:
        m_retryTimer->stop();
        beginConnect();
        break;
    case State::Connecting:
    case State::Querying:
        break; // already on its way
    }
}

void PgActivitySource::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void PgActivitySource::onTick()
{
    // Connecting and Backoff have their own timers, Querying means the previous tick is still running.
    if (m_state == State::Ready)
        sendQuery();
}

void PgActivitySource::beginConnect()
{
    closeConnection();
    m_timeoutSet = false;
    m_fatalNotice.clear();
    m_lookupErrors.clear();

    // Host names are looked up here, off this thread; the conninfo goes to libpq unchanged when there are
    // none (sockets, literal addresses, hostaddr given) or when libpq rejects it (it then says why itself).
    m_hosts = PgHosts::fromConninfo(m_config.conninfo);
    const QStringList names = m_hosts ? m_hosts->namesToResolve() : QStringList();
    if (names.isEmpty()) {
        startConnect(std::nullopt);
        return;
    }
    m_resolver->resolve(names, std::max(1, m_config.timeoutMs));
    setState(State::Connecting);
}

void PgActivitySource::onHostsResolved(const QHash<QString, HostResolver::Result>& results)
{
    if (m_state != State::Connecting || !m_hosts)
        return;
    QHash<QString, QStringList> addresses;
    QStringList errors;
    for (const QString& name : m_hosts->namesToResolve()) {
        const HostResolver::Result result = results.value(name);
        if (result.error.isEmpty())
            addresses.insert(name, result.addresses);
        else
            errors.append(result.error);
    }
    const PgHosts resolved = m_hosts->withAddresses(addresses);
    m_hosts.reset();
    if (resolved.entries().isEmpty()) {
        failConnection(errors.join(u"; "_s));
        return;
    }
    // As libpq does after a failed lookup: the other hosts are still tried.
    m_lookupErrors = errors.join(u"; "_s);
    startConnect(resolved);
}

void PgActivitySource::startConnect(const std::optional<PgHosts>& hosts)
{
    // Later entries win over earlier ones, including over what dbname expands to.
    const QByteArray conninfo = m_config.conninfo.toUtf8();
    const QByteArray timeoutOption = "-c statement_timeout=" + QByteArray::number(std::max(0, m_config.timeoutMs));
    std::vector<const char*> keywords { "dbname", "application_name", "client_encoding" };
    std::vector<const char*> values { conninfo.constData(), "poolscope", "UTF8" };
    if (!m_timeoutViaSet) {
        keywords.push_back("options");
        values.push_back(timeoutOption.constData());
    }
    m_connectHosts = hosts.value_or(PgHosts());
    const QByteArray host = hosts ? hosts->host().toUtf8() : QByteArray();
    const QByteArray hostaddr = hosts ? hosts->hostaddr().toUtf8() : QByteArray();
    const QByteArray port = hosts ? hosts->port().toUtf8() : QByteArray();
    if (hosts) {
        keywords.insert(keywords.end(), { "host", "hostaddr", "port" });
        values.insert(values.end(), { host.constData(), hostaddr.constData(), port.constData() });
    }
    keywords.push_back(nullptr);
    values.push_back(nullptr);

    m_conn = PQconnectStartParams(keywords.data(), values.data(), /* expand_dbname */ 1);
    if (!m_conn) {
        failConnection(u"out of memory starting a connection"_s);
        return;
    }
    if (PQstatus(m_conn) == CONNECTION_BAD || PQsocket(m_conn) < 0) {
        failConnection(connectionError());
        return;
    }
    PQsetNoticeReceiver(m_conn, &PgActivitySource::noticeReceiver, this);
    m_deadlineTimer->start(std::max(1, m_config.timeoutMs));
    // Before the first PQconnectPoll, behave as if it had returned PGRES_POLLING_WRITING.
    watchSocket(Want::Write);
    setState(State::Connecting);
}

void PgActivitySource::continueConnect()
{
    const PostgresPollingStatusType status = PQconnectPoll(m_conn);
    if ((status == PGRES_POLLING_READING || status == PGRES_POLLING_WRITING) && PQsocket(m_conn) < 0) {
        failConnection(connectionError());
        return;
    }
    switch (status) {
    case PGRES_POLLING_READING:
        watchSocket(Want::Read);
        break;
    case PGRES_POLLING_WRITING:
        watchSocket(Want::Write);
        break;
    case PGRES_POLLING_OK:
        onConnected();
        break;
    case PGRES_POLLING_FAILED:
    default:
        failConnection(connectionError());
        break;
    }
}

void PgActivitySource::onConnected()
{
    m_deadlineTimer->stop();
    if (PQsetnonblocking(m_conn, 1) != 0) {
        failConnection(connectionError());
        return;
    }
    // Idle, the socket is still watched for reading: a server that goes away is noticed at once.
    watchSocket(Want::Read);
    setState(State::Ready);
    if (m_state == State::Ready) // a stateChanged() receiver may have stopped us
        sendQuery();
}

void PgActivitySource::sendQuery()
{
    m_pending = ActivitySnapshot {};
    m_pending.database = m_config.name;
    m_queryError.clear();
    m_sentSet = m_timeoutViaSet && !m_timeoutSet;

    QByteArray sql;
    if (m_sentSet)
        sql = "SET statement_timeout = " + QByteArray::number(std::max(0, m_config.timeoutMs)) + "; ";
    sql += kActivityQuery;

    m_queryClock.start();
    if (!PQsendQuery(m_conn, sql.constData())) {
        if (PQstatus(m_conn) == CONNECTION_BAD)
            failConnection(connectionError());
        else
            emitError(connectionError(), -1);
        return;
    }
    m_deadlineTimer->start(std::max(1, m_config.timeoutMs) + kQueryGraceMs);
    if (!flushOutput())
        return;
    // The results are read when the socket becomes readable.
    setState(State::Querying);
}

// Returns false when the connection failed (and was handled).
bool PgActivitySource::flushOutput()
{
    const int flushed = PQflush(m_conn);
    if (flushed < 0) {
        failConnection(connectionError());
        return false;
    }
    watchSocket(flushed == 1 ? Want::ReadWrite : Want::Read);
    return true;
}

void PgActivitySource::onReadable()
{
    switch (m_state) {
    case State::Connecting:
        continueConnect();
        return;
    case State::Ready: {
        // Nothing is expected while idle but notices, or the end of the connection. PQisBusy() parses what
        // was read, so that a FATAL message sent before the close (pg_terminate_backend) reaches the notice
        // receiver and becomes the reason.
        const bool read = PQconsumeInput(m_conn) != 0;
        PQisBusy(m_conn);
        if (!read || PQstatus(m_conn) == CONNECTION_BAD) {
            const QString reason = m_fatalNotice.isEmpty() ? connectionError() : m_fatalNotice;
            failConnection(u"connection lost: "_s + reason);
        }
        return;
    }
    case State::Querying:
        if (!PQconsumeInput(m_conn)) {
            failConnection(connectionError());
            return;
        }
        if (!flushOutput()) // whatever is left of the query, now that the server read some
            return;
        readResults();
        return;
    case State::Stopped:
    case State::Backoff:
        return;
    }
}

void PgActivitySource::onWritable()
{
    switch (m_state) {
    case State::Connecting:
        continueConnect();
        return;
    case State::Querying:
        if (flushOutput())
            readResults();
        return;
    case State::Ready:
    case State::Stopped:
    case State::Backoff:
        watchSocket(m_conn ? Want::Read : Want::Nothing);
        return;
    }
}

void PgActivitySource::readResults()
{
    while (!PQisBusy(m_conn)) {
        PGresult* result = PQgetResult(m_conn);
        if (!result) {
            finishQuery();
            return;
        }
        takeResult(result);
        PQclear(result);
    }
    if (PQstatus(m_conn) == CONNECTION_BAD)
        failConnection(m_queryError.isEmpty() ? connectionError() : m_queryError);
}

void PgActivitySource::takeResult(PGresult* result)
{
    const ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_COMMAND_OK)
        return; // the SET
    if (status != PGRES_TUPLES_OK) {
        if (m_queryError.isEmpty()) {
            m_queryError = oneLine(PQresultErrorMessage(result));
            if (m_queryError.isEmpty())
                m_queryError = u"unexpected result: "_s + QString::fromUtf8(PQresStatus(status));
        }
        return;
    }
    if (PQnfields(result) != ColumnCount) {
        m_queryError = u"unexpected result: %1 columns instead of %2"_s.arg(PQnfields(result)).arg(ColumnCount);
        return;
    }
    const int rows = PQntuples(result);
    m_pending.backends.reserve(rows);
    for (int row = 0; row < rows; ++row) {
        if (row == 0) {
            m_pending.serverTimeMs = toInt64(result, row, ServerTime, kNoTime);
            m_pending.maxConnections = static_cast<int>(toInt64(result, row, MaxConnections, -1));
            m_pending.reservedConnections = static_cast<int>(toInt64(result, row, ReservedConnections, -1));
        }
        if (PQgetisnull(result, row, Pid))
            continue; // the LEFT JOIN's row when no other backend exists
        Backend backend;
        backend.pid = static_cast<int>(toInt64(result, row, Pid, 0));
        backend.datname = toText(result, row, Datname);
        backend.usename = toText(result, row, Usename);
        backend.applicationName = toText(result, row, ApplicationName);
        backend.clientAddr = toText(result, row, ClientAddr);
        backend.clientPort = static_cast<int>(toInt64(result, row, ClientPort, -1));
        backend.backendType = toText(result, row, BackendType);
        backend.backendStartMs = toInt64(result, row, BackendStart, kNoTime);
        backend.xactStartMs = toInt64(result, row, XactStart, kNoTime);
        backend.queryStartMs = toInt64(result, row, QueryStart, kNoTime);
        backend.stateChangeMs = toInt64(result, row, StateChange, kNoTime);
        backend.state = toText(result, row, StateColumn);
        backend.waitEventType = toText(result, row, WaitEventType);
        backend.waitEvent = toText(result, row, WaitEvent);
        backend.query = toText(result, row, Query);
        if (backend.query == u"<insufficient privilege>"_s) {
            backend.withheld = true;
            backend.query.clear();
        }
        m_pending.backends.append(std::move(backend));
    }
}

void PgActivitySource::finishQuery()
{
    m_deadlineTimer->stop();
    watchSocket(Want::Read);
    if (PQstatus(m_conn) == CONNECTION_BAD) {
        failConnection(m_queryError.isEmpty() ? connectionError() : m_queryError);
        return;
    }
    const qint64 latency = m_queryClock.elapsed();
    setState(State::Ready);
    if (m_state != State::Ready) // a stateChanged() receiver stopped us
        return;
    if (!m_queryError.isEmpty()) {
        emitError(m_queryError, latency);
        return;
    }
    if (m_sentSet)
        m_timeoutSet = true;
    m_attempt = 0;
    ActivitySnapshot snapshot = std::move(m_pending);
    m_pending = ActivitySnapshot {};
    snapshot.timestampMs = QDateTime::currentMSecsSinceEpoch();
    snapshot.latencyMs = latency;
    Q_EMIT snapshotReady(snapshot);
}

void PgActivitySource::onDeadline()
{
    if (m_state == State::Connecting)
        failConnection(u"timed out connecting after "_s + formatSeconds(m_config.timeoutMs));
    else if (m_state == State::Querying)
        failConnection(u"query timed out after "_s + formatSeconds(m_config.timeoutMs + kQueryGraceMs));
}

void PgActivitySource::onRetry()
{
    if (m_state == State::Backoff)
        beginConnect();
}

void PgActivitySource::failConnection(const QString& error)
{
    const qint64 latency = m_state == State::Querying ? m_queryClock.elapsed() : -1;
    const QString reason = m_state == State::Connecting && !m_lookupErrors.isEmpty() && !error.isEmpty()
        ? m_lookupErrors + u"; "_s + error
        : error;
    closeConnection();
    ++m_attempt;
    const int delay = Backoff { kBackoffBaseMs, kBackoffCapMs, 0.2 }.randomDelayMs(m_attempt);
    m_retryTimer->start(delay);
    // Receivers may stop() us (then nothing more is said) or restart us (then no reconnect is due).
    setState(State::Backoff);
    if (m_state != State::Backoff)
        return;
    emitError(reason, latency);
    if (m_state == State::Backoff)
        Q_EMIT reconnectScheduled(m_attempt, delay, reason);
}

void PgActivitySource::emitError(const QString& error, qint64 latencyMs)
{
    ActivitySnapshot snapshot;
    snapshot.database = m_config.name;
    snapshot.timestampMs = QDateTime::currentMSecsSinceEpoch();
    snapshot.latencyMs = latencyMs;
    snapshot.error = error.isEmpty() ? u"unknown error"_s : error;
    Q_EMIT snapshotReady(snapshot);
}

void PgActivitySource::closeConnection()
{
    m_deadlineTimer->stop();
    m_resolver->cancel(); // a lookup in flight is abandoned: its result is never delivered
    m_hosts.reset();
    // The notifiers go before the socket does: the event loop must never poll a closed descriptor.
    dropNotifiers();
    if (m_conn) {
        PQfinish(m_conn);
        m_conn = nullptr;
    }
}

void PgActivitySource::dropNotifiers()
{
    // deleteLater: this may run inside one of their own activated() signals.
    for (QSocketNotifier** notifier : { &m_readNotifier, &m_writeNotifier }) {
        if (*notifier) {
            (*notifier)->setEnabled(false);
            (*notifier)->deleteLater();
            *notifier = nullptr;
        }
    }
    m_notifierSocket = -1;
}

void PgActivitySource::watchSocket(Want want)
{
    const int socket = m_conn ? PQsocket(m_conn) : -1;
    if (socket < 0 || want == Want::Nothing) {
        if (m_readNotifier)
            m_readNotifier->setEnabled(false);
        if (m_writeNotifier)
            m_writeNotifier->setEnabled(false);
        return;
    }
    // libpq may open a new socket between two polls (the next host, an SSL or GSS retry).
    if (socket != m_notifierSocket) {
        dropNotifiers();
        m_notifierSocket = socket;
        m_readNotifier = new QSocketNotifier(socket, QSocketNotifier::Read, this);
        m_writeNotifier = new QSocketNotifier(socket, QSocketNotifier::Write, this);
        connect(m_readNotifier, &QSocketNotifier::activated, this, &PgActivitySource::onReadable);
        connect(m_writeNotifier, &QSocketNotifier::activated, this, &PgActivitySource::onWritable);
    }
    m_readNotifier->setEnabled(want == Want::Read || want == Want::ReadWrite);
    m_writeNotifier->setEnabled(want == Want::Write || want == Want::ReadWrite);
}

QString PgActivitySource::connectionError() const
{
    QString message = m_conn ? oneLine(PQerrorMessage(m_conn)) : QString();
    if (message.isEmpty())
        return u"connection failed"_s;
    // Given a hostaddr, libpq names only the address: name the host too, as its own lookup would have. Its
    // messages come in the order of the entries, and two names may share an address.
    qsizetype from = 0;
    for (const PgHosts::Entry& entry : m_connectHosts.entries()) {
        if (entry.hostaddr.isEmpty())
            continue;
        const QString plain = u"server at \"%1\""_s.arg(entry.hostaddr);
        const qsizetype at = message.indexOf(plain, from);
        if (at < 0)
            continue;
        const QString named = entry.host != entry.hostaddr && PgHosts::isHostName(entry.host)
            ? u"server at \"%1\" (%2)"_s.arg(entry.host, entry.hostaddr)
            : plain;
        message.replace(at, plain.size(), named);
        from = at + named.size();
    }
    return message;
}

void PgActivitySource::noticeReceiver(void* self, const PGresult* result)
{
    // Notices are not printed to stderr; a FATAL one (the server ending our session while we are idle)
    // is kept as the reason of the loss that follows.
    const char* severity = PQresultErrorField(result, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (severity && (qstrcmp(severity, "FATAL") == 0 || qstrcmp(severity, "PANIC") == 0)) {
        const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
        static_cast<PgActivitySource*>(self)->m_fatalNotice = oneLine(primary ? primary : "");
    }
}

} // namespace poolscope
