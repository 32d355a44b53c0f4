#include "PgOneShot.h"

#include "PgPoller.h"

#include <QTimer>

#include <libpq-fe.h>

namespace poolscope {

// The poller of one run: one read of one statement, its first row's first column kept, the outcome told to
// the PgOneShot once.
class PgOneShot::Statement : public PgPoller
{
    Q_OBJECT
public:
    Statement(const DatabaseConfig& config, QByteArray sql, QList<QByteArray> parameters, PgOneShot* owner)
        : PgPoller(Settings { config.conninfo, config.intervalMs, config.timeoutMs, false }, owner)
        , m_sql(std::move(sql))
        , m_parameters(std::move(parameters))
        , m_owner(owner)
    {
        // The server process, noted as the statement goes: a connection lost during it still names it.
        connect(this, &PgPoller::stateChanged, this, [this](State state) {
            if (state == State::Querying)
                m_result.backendPid = backendPid();
        });
    }

protected:
    QByteArrayList beginRead() override { return { m_sql }; }
    QByteArrayList statementParameters(int) const override { return m_parameters; }

    QString takeResult(int, const PGresult* result) override
    {
        m_result.rows = PQntuples(result);
        if (m_result.rows > 0 && PQnfields(result) > 0) {
            m_result.isNull = PQgetisnull(result, 0, 0) != 0;
            m_result.value = textValue(result, 0, 0);
        }
        return {};
    }

    QString takeError(int statement, const PGresult* result) override
    {
        m_result.sqlState = QString::fromLatin1(PQresultErrorField(result, PG_DIAG_SQLSTATE));
        const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
        return primary ? QString::fromUtf8(primary).simplified() : PgPoller::takeError(statement, result);
    }

    void readSucceeded(qint64) override
    {
        m_result.ok = true;
        done();
    }

    void readFailed(const QString& error, qint64) override
    {
        m_result.ok = false;
        m_result.error = error;
        done();
    }

private:
    // Never retried: the connection closes and the owner hears the outcome.
    void done()
    {
        stop();
        deleteLater();
        m_owner->finish(m_result);
    }

    QByteArray m_sql;
    QList<QByteArray> m_parameters;
    PgOneShot* m_owner;
    Result m_result;
};

PgOneShot::PgOneShot(QObject* parent)
    : QObject(parent)
{ }

PgOneShot::~PgOneShot() = default;

bool PgOneShot::run(const DatabaseConfig& config, const QByteArray& sql, const QList<QByteArray>& parameters)
{
    if (m_running)
        return false;
    m_running = true;
    auto* statement = new Statement(config, sql, parameters, this);
    // Reported from the event loop, as every other outcome is: the caller's connect() comes first.
    QTimer::singleShot(0, statement, &PgPoller::pollNow);
    return true;
}

void PgOneShot::finish(Result result)
{
    m_running = false;
    Q_EMIT finished(result);
}

} // namespace poolscope

#include "PgOneShot.moc"
