#include "BackendActions.h"

#include "Monitor.h"
#include "PgActivitySource.h"
#include "PgOneShot.h"
#include "store/Session.h"

#include <QDateTime>

#include <memory>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

// The server checks again: the pid must still be a backend, not the one running this, and not PoolScope's.
// No row: the backend is gone (or became PoolScope's: a pid reused).
constexpr char kCancelSql[] = "SELECT pg_catalog.pg_cancel_backend(a.pid) FROM pg_catalog.pg_stat_activity AS a"
                              " WHERE a.pid = $1::int AND a.pid <> pg_catalog.pg_backend_pid()"
                              " AND a.application_name IS DISTINCT FROM 'poolscope'";
constexpr char kTerminateSql[] = "SELECT pg_catalog.pg_terminate_backend(a.pid) FROM pg_catalog.pg_stat_activity AS a"
                                 " WHERE a.pid = $1::int AND a.pid <> pg_catalog.pg_backend_pid()"
                                 " AND a.application_name IS DISTINCT FROM 'poolscope'";
constexpr char kOwnApplication[] = "poolscope";

QString settingName(BackendActions::Kind kind)
{
    return kind == BackendActions::Kind::Cancel ? u"actions.cancel"_s : u"actions.terminate"_s;
}

} // namespace

BackendActions::BackendActions(Session* session, Monitor* monitor, QObject* parent)
    : QObject(parent)
    , m_session(session)
    , m_monitor(monitor)
    , m_oneShot(new PgOneShot(this))
{ }

BackendActions::~BackendActions() = default;

QString BackendActions::title(Kind kind)
{
    return kind == Kind::Cancel ? tr("Cancel query") : tr("Terminate connection");
}

bool BackendActions::isEnabled(Kind kind) const
{
    if (!m_session)
        return false;
    const Actions& actions = m_session->workspace().actions;
    return kind == Kind::Cancel ? actions.cancel : actions.terminate;
}

const Backend* BackendActions::findBackend(const QString& database, int pid) const
{
    const int index = m_session ? m_session->databaseIndex(database) : -1;
    if (index < 0)
        return nullptr;
    const QList<Backend>& backends = m_session->database(index).latest.backends;
    for (const Backend& backend : backends) {
        if (backend.pid == pid)
            return &backend;
    }
    return nullptr;
}

QString BackendActions::refusal(Kind kind, const QString& database, int pid) const
{
    if (!isEnabled(kind))
        return tr("%1 is off: the workspace does not enable it (set \"%2\": true)").arg(title(kind), settingName(kind));
    if (!m_monitor || !m_session || m_session->isReview())
        return tr("%1 works only on a live session").arg(title(kind));
    const PgActivitySource* source = m_monitor->databaseSource(database);
    if (!source)
        return tr("no database named \"%1\" in the workspace").arg(database);
    if (pid <= 0)
        return tr("no backend selected");
    if (pid == source->backendPid())
        return tr("backend %1 is PoolScope's own connection").arg(pid);
    const Backend* backend = findBackend(database, pid);
    if (!backend)
        return tr("backend %1 is not in %2's newest snapshot (gone, or not read yet)").arg(pid).arg(database);
    if (backend->applicationName == QLatin1String(kOwnApplication))
        return tr("backend %1 is PoolScope's own (application_name=poolscope)").arg(pid);
    // The server's own processes (checkpointer, autovacuum, WAL writer, ...) are not connections to act on.
    if (!backend->backendType.isEmpty() && backend->backendType != u"client backend"_s)
        return tr("process %1 is the server's %2, not a client connection").arg(pid).arg(backend->backendType);
    if (m_oneShot->isRunning())
        return tr("another action is still running");
    return {};
}

bool BackendActions::isRunning() const
{
    return m_oneShot->isRunning();
}

QString BackendActions::run(Kind kind, const QString& database, int pid)
{
    const QString refused = refusal(kind, database, pid);
    if (!refused.isEmpty())
        return refused;
    const Backend backend = *findBackend(database, pid);
    const DatabaseConfig config = m_monitor->databaseSource(database)->config();
    const QString who = backend.applicationName.isEmpty() ? tr("backend %1").arg(pid)
                                                          : tr("backend %1 (%2)").arg(pid).arg(backend.applicationName);

    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = connect(m_oneShot, &PgOneShot::finished, this,
        [this, connection, kind, database, pid, who](const PgOneShot::Result& result) {
            disconnect(*connection);
            Outcome outcome;
            outcome.kind = kind;
            outcome.database = database;
            outcome.pid = pid;
            const QString verb = kind == Kind::Cancel ? tr("query cancelled") : tr("connection terminated");
            if (result.ok && result.rows > 0 && result.value == u"t"_s) {
                outcome.done = true;
                outcome.message = tr("%1 on %2: %3").arg(title(kind), who, verb);
            } else if (result.ok && result.rows == 0) {
                outcome.message = tr("%1 on %2: not done, the backend is gone").arg(title(kind), who);
            } else if (result.ok) {
                outcome.lacksRight = true;
                outcome.message
                    = tr("%1 on %2: not done, PostgreSQL did not signal it (the role may lack the right: it must be "
                         "a superuser, the backend's own role or a member of pg_signal_backend)")
                          .arg(title(kind), who);
            } else if (result.sqlState == u"42501"_s) {
                outcome.lacksRight = true;
                outcome.message = tr("%1 on %2: not done, the role lacks the right (it must be a superuser, the "
                                     "backend's own role or a member of pg_signal_backend): %3")
                                      .arg(title(kind), who, result.error);
            } else {
                outcome.message = tr("%1 on %2: failed: %3").arg(title(kind), who, result.error);
            }
            record(outcome);
            Q_EMIT finished(outcome);
        });
    m_oneShot->run(config, kind == Kind::Cancel ? kCancelSql : kTerminateSql, { QByteArray::number(pid) });
    return {};
}

void BackendActions::record(const Outcome& outcome)
{
    if (!m_session)
        return;
    Event event;
    event.timestampMs = QDateTime::currentMSecsSinceEpoch();
    event.severity = outcome.done ? Event::Severity::Info : Event::Severity::Warning;
    event.source = outcome.database;
    event.kind = u"action"_s;
    event.message = outcome.message;
    m_session->addEvent(event);
}

} // namespace poolscope
