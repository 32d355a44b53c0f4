#include "PgOneShot.h"

#include "format/Format.h"

#include <QSocketNotifier>
#include <QTimer>

#include <libpq-fe.h>

#include <algorithm>
#include <vector>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

QString oneLine(const char* message)
{
    return QString::fromUtf8(message ? message : "").simplified();
}

} // namespace

PgOneShot::PgOneShot(QObject* parent)
    : QObject(parent)
    , m_deadline(new QTimer(this))
    , m_resolver(new HostResolver(this))
{
    m_deadline->setSingleShot(true);
    connect(m_deadline, &QTimer::timeout, this, [this] {
        fail(m_phase == Phase::Querying ? u"the statement timed out after "_s + formatSeconds(m_config.timeoutMs)
                                        : u"timed out connecting after "_s + formatSeconds(m_config.timeoutMs));
    });
    connect(m_resolver, &HostResolver::finished, this, &PgOneShot::onHostsResolved);
}

PgOneShot::~PgOneShot()
{
    close();
}

bool PgOneShot::run(const DatabaseConfig& config, const QByteArray& sql, const QList<QByteArray>& parameters)
{
    if (m_running)
        return false;
    m_running = true;
    m_config = config;
    m_sql = sql;
    m_parameters = parameters;
    m_result = Result {};
    m_hosts = PgHosts::fromConninfo(m_config.conninfo);
    const QStringList names = m_hosts ? m_hosts->namesToResolve() : QStringList();
    if (names.isEmpty()) {
        m_hosts.reset();
        // Reported from the event loop, as every other outcome is: the caller's connect() comes first.
        QTimer::singleShot(0, this, [this] {
            if (m_running && m_phase == Phase::Idle)
                startConnect(std::nullopt);
        });
        return true;
    }
    m_phase = Phase::Resolving;
    m_deadline->start(std::max(1, m_config.timeoutMs));
    m_resolver->resolve(names, std::max(1, m_config.timeoutMs));
    return true;
}

void PgOneShot::onHostsResolved(const QHash<QString, HostResolver::Result>& results)
{
    if (m_phase != Phase::Resolving || !m_hosts)
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
        fail(errors.join(u"; "_s));
        return;
    }
    startConnect(resolved);
}

void PgOneShot::startConnect(const std::optional<PgHosts>& hosts)
{
    const QByteArray conninfo = m_config.conninfo.toUtf8();
    std::vector<const char*> keywords { "dbname", "application_name", "client_encoding" };
    std::vector<const char*> values { conninfo.constData(), "poolscope", "UTF8" };
    const QByteArray host = hosts ? hosts->host().toUtf8() : QByteArray();
    const QByteArray hostaddr = hosts ? hosts->hostaddr().toUtf8() : QByteArray();
    const QByteArray port = hosts ? hosts->port().toUtf8() : QByteArray();
    if (hosts) {
        keywords.insert(keywords.end(), { "host", "hostaddr", "port" });
        values.insert(values.end(), { host.constData(), hostaddr.constData(), port.constData() });
    }
    keywords.push_back(nullptr);
    values.push_back(nullptr);

    m_phase = Phase::Connecting;
    m_deadline->start(std::max(1, m_config.timeoutMs));
    m_conn = PQconnectStartParams(keywords.data(), values.data(), /* expand_dbname */ 1);
    if (!m_conn) {
        fail(u"out of memory starting a connection"_s);
        return;
    }
    if (PQstatus(m_conn) == CONNECTION_BAD || PQsocket(m_conn) < 0) {
        fail(connectionError());
        return;
    }
    // Notices (a WARNING from pg_cancel_backend about a pid that is no backend) are not printed to stderr.
    PQsetNoticeProcessor(
        m_conn, [](void*, const char*) {}, nullptr);
    watch(false, true); // as if PQconnectPoll had returned PGRES_POLLING_WRITING
}

void PgOneShot::continueConnect()
{
    const PostgresPollingStatusType status = PQconnectPoll(m_conn);
    if ((status == PGRES_POLLING_READING || status == PGRES_POLLING_WRITING) && PQsocket(m_conn) < 0) {
        fail(connectionError());
        return;
    }
    switch (status) {
    case PGRES_POLLING_READING:
        watch(true, false);
        break;
    case PGRES_POLLING_WRITING:
        watch(false, true);
        break;
    case PGRES_POLLING_OK:
        sendStatement();
        break;
    case PGRES_POLLING_FAILED:
    default:
        fail(connectionError());
        break;
    }
}

void PgOneShot::sendStatement()
{
    if (PQsetnonblocking(m_conn, 1) != 0) {
        fail(connectionError());
        return;
    }
    m_result.backendPid = PQbackendPID(m_conn);
    std::vector<const char*> values;
    values.reserve(m_parameters.size());
    for (const QByteArray& parameter : std::as_const(m_parameters))
        values.push_back(parameter.constData());
    if (!PQsendQueryParams(
            m_conn, m_sql.constData(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0)) {
        fail(connectionError());
        return;
    }
    m_phase = Phase::Querying;
    m_deadline->start(std::max(1, m_config.timeoutMs));
    const int flushed = PQflush(m_conn);
    if (flushed < 0) {
        fail(connectionError());
        return;
    }
    watch(true, flushed == 1);
}

void PgOneShot::onReadable()
{
    if (m_phase == Phase::Connecting) {
        continueConnect();
        return;
    }
    if (m_phase != Phase::Querying)
        return;
    if (!PQconsumeInput(m_conn)) {
        fail(connectionError());
        return;
    }
    readResults();
}

void PgOneShot::onWritable()
{
    if (m_phase == Phase::Connecting) {
        continueConnect();
        return;
    }
    if (m_phase != Phase::Querying)
        return;
    const int flushed = PQflush(m_conn);
    if (flushed < 0) {
        fail(connectionError());
        return;
    }
    watch(true, flushed == 1);
}

void PgOneShot::readResults()
{
    while (m_conn && !PQisBusy(m_conn)) {
        PGresult* result = PQgetResult(m_conn);
        if (!result) {
            Result done = m_result;
            if (done.error.isEmpty())
                done.ok = true;
            finish(done);
            return;
        }
        const ExecStatusType status = PQresultStatus(result);
        if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
            m_result.rows = PQntuples(result);
            if (m_result.rows > 0 && PQnfields(result) > 0) {
                m_result.isNull = PQgetisnull(result, 0, 0) != 0;
                m_result.value = QString::fromUtf8(PQgetvalue(result, 0, 0), PQgetlength(result, 0, 0));
            }
        } else if (m_result.error.isEmpty()) {
            const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
            m_result.error = oneLine(primary ? primary : PQresultErrorMessage(result));
            if (m_result.error.isEmpty())
                m_result.error = u"unexpected result: "_s + QString::fromUtf8(PQresStatus(status));
            m_result.sqlState = QString::fromLatin1(PQresultErrorField(result, PG_DIAG_SQLSTATE));
        }
        PQclear(result);
    }
    if (m_conn && PQstatus(m_conn) == CONNECTION_BAD)
        fail(m_result.error.isEmpty() ? connectionError() : m_result.error);
}

void PgOneShot::fail(const QString& error)
{
    Result failed = m_result;
    failed.ok = false;
    failed.error = error.isEmpty() ? u"connection failed"_s : error;
    finish(failed);
}

void PgOneShot::finish(Result result)
{
    close();
    m_running = false;
    Q_EMIT finished(result);
}

void PgOneShot::close()
{
    m_phase = Phase::Idle;
    m_deadline->stop();
    m_resolver->cancel();
    m_hosts.reset();
    // The notifiers go before the socket does; deleteLater: this may run inside their activated().
    for (QSocketNotifier** notifier : { &m_readNotifier, &m_writeNotifier }) {
        if (*notifier) {
            (*notifier)->setEnabled(false);
            (*notifier)->deleteLater();
            *notifier = nullptr;
        }
    }
    m_notifierSocket = -1;
    if (m_conn) {
        PQfinish(m_conn);
        m_conn = nullptr;
    }
}

void PgOneShot::watch(bool read, bool write)
{
    const int socket = m_conn ? PQsocket(m_conn) : -1;
    if (socket < 0)
        return;
    // libpq may open a new socket between two polls (the next host, an SSL or GSS retry).
    if (socket != m_notifierSocket) {
        for (QSocketNotifier** notifier : { &m_readNotifier, &m_writeNotifier }) {
            if (*notifier) {
                (*notifier)->setEnabled(false);
                (*notifier)->deleteLater();
            }
        }
        m_notifierSocket = socket;
        m_readNotifier = new QSocketNotifier(socket, QSocketNotifier::Read, this);
        m_writeNotifier = new QSocketNotifier(socket, QSocketNotifier::Write, this);
        connect(m_readNotifier, &QSocketNotifier::activated, this, &PgOneShot::onReadable);
        connect(m_writeNotifier, &QSocketNotifier::activated, this, &PgOneShot::onWritable);
    }
    m_readNotifier->setEnabled(read);
    m_writeNotifier->setEnabled(write);
}

QString PgOneShot::connectionError() const
{
    const QString message = m_conn ? oneLine(PQerrorMessage(m_conn)) : QString();
    return message.isEmpty() ? u"connection failed"_s : message;
}

} // namespace poolscope
