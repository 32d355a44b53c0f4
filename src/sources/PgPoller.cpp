#include "PgPoller.h"

#include "Backoff.h"
#include "format/Format.h"

#include <QSocketNotifier>
#include <QTimer>

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <vector>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

constexpr int kBackoffBaseMs = 1000;
constexpr int kBackoffCapMs = 30000;

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

PgPoller::PgPoller(Settings settings, QObject* parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_tickTimer(new QTimer(this))
    , m_deadlineTimer(new QTimer(this))
    , m_retryTimer(new QTimer(this))
    , m_resolver(new HostResolver(this))
{
    m_tickTimer->setInterval(std::max(1, m_settings.intervalMs));
    m_deadlineTimer->setSingleShot(true);
    m_retryTimer->setSingleShot(true);
    connect(m_tickTimer, &QTimer::timeout, this, &PgPoller::onTick);
    connect(m_deadlineTimer, &QTimer::timeout, this, &PgPoller::onDeadline);
    connect(m_retryTimer, &QTimer::timeout, this, &PgPoller::onRetry);
    connect(m_resolver, &HostResolver::finished, this, &PgPoller::onHostsResolved);
    m_timeoutViaSet = m_settings.serverStatementTimeout && hasOwnOptions(m_settings.conninfo);
}

PgPoller::~PgPoller()
{
    closeConnection();
}

qint64 PgPoller::intValue(const PGresult* result, int row, int column, qint64 nullValue)
{
    if (column < 0 || PQgetisnull(result, row, column))
        return nullValue;
    const char* text = PQgetvalue(result, row, column);
    const char* end = text + PQgetlength(result, row, column);
    qint64 value = nullValue;
    const auto [ptr, ec] = std::from_chars(text, end, value);
    return ec == std::errc() && ptr == end ? value : nullValue;
}

QString PgPoller::textValue(const PGresult* result, int row, int column)
{
    if (column < 0 || PQgetisnull(result, row, column))
        return {};
    return QString::fromUtf8(PQgetvalue(result, row, column), PQgetlength(result, row, column));
}

int PgPoller::backendPid() const
{
    return m_conn && PQstatus(m_conn) == CONNECTION_OK ? PQbackendPID(m_conn) : 0;
}

void PgPoller::start()
{
    if (m_running)
        return;
    m_running = true;
    m_tickTimer->start();
    if (m_state == State::Stopped || m_state == State::Backoff)
        pollNow();
}

void PgPoller::stop()
{
    m_running = false;
    m_tickTimer->stop();
    m_retryTimer->stop();
    closeConnection();
    m_attempt = 0;
    setState(State::Stopped);
}

void PgPoller::pollNow()
{
    switch (m_state) {
    case State::Ready:
        sendRead();
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

void PgPoller::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void PgPoller::onTick()
{
    // Connecting and Backoff have their own timers, Querying means the previous tick is still running.
    if (m_state == State::Ready)
        sendRead();
}

void PgPoller::beginConnect()
{
    closeConnection();
    m_timeoutSet = false;
    m_fatalNotice.clear();
    m_lookupErrors.clear();

    // Host names are looked up here, off this thread; the conninfo goes to libpq unchanged when there are
    // none (sockets, literal addresses, hostaddr given) or when libpq rejects it (it then says why itself).
    m_hosts = PgHosts::fromConninfo(m_settings.conninfo);
    const QStringList names = m_hosts ? m_hosts->namesToResolve() : QStringList();
    if (names.isEmpty()) {
        startConnect(std::nullopt);
        return;
    }
    m_resolver->resolve(names, std::max(1, m_settings.timeoutMs));
    setState(State::Connecting);
}

void PgPoller::onHostsResolved(const QHash<QString, HostResolver::Result>& results)
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

void PgPoller::startConnect(const std::optional<PgHosts>& hosts)
{
    // Later entries win over earlier ones, including over what dbname expands to.
    const QByteArray conninfo = m_settings.conninfo.toUtf8();
    const QByteArray timeoutOption = "-c statement_timeout=" + QByteArray::number(std::max(0, m_settings.timeoutMs));
    std::vector<const char*> keywords { "dbname", "application_name", "client_encoding" };
    std::vector<const char*> values { conninfo.constData(), "poolscope", "UTF8" };
    if (m_settings.serverStatementTimeout && !m_timeoutViaSet) {
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
    PQsetNoticeReceiver(m_conn, &PgPoller::noticeReceiver, this);
    m_deadlineTimer->start(std::max(1, m_settings.timeoutMs));
    // Before the first PQconnectPoll, behave as if it had returned PGRES_POLLING_WRITING.
    watchSocket(Want::Write);
    setState(State::Connecting);
}

void PgPoller::continueConnect()
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

void PgPoller::onConnected()
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
        sendRead();
}

void PgPoller::sendRead()
{
    m_statements = beginRead();
    m_statement = 0;
    m_queryError.clear();
    m_sentSet = m_timeoutViaSet && !m_timeoutSet;
    if (m_statements.isEmpty()) {
        readSucceeded(0);
        return;
    }
    m_queryClock.start();
    if (!sendStatement())
        return;
    m_deadlineTimer->start(std::max(1, m_settings.timeoutMs) + kQueryGraceMs);
    // The results are read when the socket becomes readable.
    setState(State::Querying);
}

bool PgPoller::sendStatement()
{
    QByteArray sql;
    if (m_statement == 0 && m_sentSet)
        sql = "SET statement_timeout = " + QByteArray::number(std::max(0, m_settings.timeoutMs)) + "; ";
    sql += m_statements.at(m_statement);
    const QByteArrayList parameters = statementParameters(m_statement);
    std::vector<const char*> values;
    values.reserve(static_cast<std::size_t>(parameters.size()));
    for (const QByteArray& parameter : parameters)
        values.push_back(parameter.constData());
    const int sent = parameters.isEmpty() ? PQsendQuery(m_conn, sql.constData())
                                          : PQsendQueryParams(m_conn, sql.constData(), static_cast<int>(values.size()),
                                              nullptr, values.data(), nullptr, nullptr, 0);
    if (!sent) {
        if (PQstatus(m_conn) == CONNECTION_BAD) {
            failConnection(connectionError());
        } else {
            m_deadlineTimer->stop();
            setState(State::Ready);
            reportError(connectionError(), -1);
        }
        return false;
    }
    return flushOutput();
}

// Returns false when the connection failed (and was handled).
bool PgPoller::flushOutput()
{
    const int flushed = PQflush(m_conn);
    if (flushed < 0) {
        failConnection(connectionError());
        return false;
    }
    watchSocket(flushed == 1 ? Want::ReadWrite : Want::Read);
    return true;
}

void PgPoller::onReadable()
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

void PgPoller::onWritable()
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

void PgPoller::readResults()
{
    while (m_state == State::Querying && !PQisBusy(m_conn)) {
        PGresult* result = PQgetResult(m_conn);
        if (!result) {
            finishStatement();
            continue;
        }
        takeAnyResult(result);
        PQclear(result);
    }
    if (m_state == State::Querying && PQstatus(m_conn) == CONNECTION_BAD)
        failConnection(m_queryError.isEmpty() ? connectionError() : m_queryError);
}

void PgPoller::takeAnyResult(PGresult* result)
{
    const ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_COMMAND_OK)
        return; // the SET
    if (status != PGRES_TUPLES_OK) {
        if (m_queryError.isEmpty()) {
            m_queryError = takeError(m_statement, result);
            if (m_queryError.isEmpty())
                m_queryError = u"unexpected result: "_s + QString::fromUtf8(PQresStatus(status));
        }
        return;
    }
    if (m_queryError.isEmpty())
        m_queryError = takeResult(m_statement, result);
}

QByteArrayList PgPoller::statementParameters(int) const
{
    return {};
}

QString PgPoller::takeError(int, const PGresult* result)
{
    return oneLine(PQresultErrorMessage(result));
}

// The statement in flight has all its results: the next one goes, or the read ends.
void PgPoller::finishStatement()
{
    if (PQstatus(m_conn) == CONNECTION_BAD) {
        failConnection(m_queryError.isEmpty() ? connectionError() : m_queryError);
        return;
    }
    if (m_queryError.isEmpty() && m_statement + 1 < m_statements.size()) {
        ++m_statement;
        sendStatement();
        return;
    }
    m_deadlineTimer->stop();
    watchSocket(Want::Read);
    const qint64 latency = m_queryClock.elapsed();
    setState(State::Ready);
    if (m_state != State::Ready) // a stateChanged() receiver stopped us
        return;
    if (!m_queryError.isEmpty()) {
        reportError(m_queryError, latency);
        return;
    }
    if (m_sentSet)
        m_timeoutSet = true;
    m_attempt = 0;
    readSucceeded(latency);
}

void PgPoller::onDeadline()
{
    if (m_state == State::Connecting)
        failConnection(u"timed out connecting after "_s + formatSeconds(m_settings.timeoutMs));
    else if (m_state == State::Querying)
        failConnection(u"query timed out after "_s + formatSeconds(m_settings.timeoutMs + kQueryGraceMs));
}

void PgPoller::onRetry()
{
    if (m_state == State::Backoff)
        beginConnect();
}

void PgPoller::failConnection(const QString& error)
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
    reportError(reason, latency);
    if (m_state == State::Backoff)
        Q_EMIT reconnectScheduled(m_attempt, delay, reason);
}

void PgPoller::reportError(const QString& error, qint64 latencyMs)
{
    readFailed(error.isEmpty() ? u"unknown error"_s : error, latencyMs);
}

void PgPoller::closeConnection()
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

void PgPoller::dropNotifiers()
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

void PgPoller::watchSocket(Want want)
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
        connect(m_readNotifier, &QSocketNotifier::activated, this, &PgPoller::onReadable);
        connect(m_writeNotifier, &QSocketNotifier::activated, this, &PgPoller::onWritable);
    }
    m_readNotifier->setEnabled(want == Want::Read || want == Want::ReadWrite);
    m_writeNotifier->setEnabled(want == Want::Write || want == Want::ReadWrite);
}

QString PgPoller::connectionError() const
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

void PgPoller::noticeReceiver(void* self, const PGresult* result)
{
    // Notices are not printed to stderr; a FATAL one (the server ending our session while we are idle)
    // is kept as the reason of the loss that follows.
    const char* severity = PQresultErrorField(result, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (severity && (qstrcmp(severity, "FATAL") == 0 || qstrcmp(severity, "PANIC") == 0)) {
        const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
        static_cast<PgPoller*>(self)->m_fatalNotice = oneLine(primary ? primary : "");
    }
}

} // namespace poolscope
