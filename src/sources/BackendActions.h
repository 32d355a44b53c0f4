#pragma once

#include <QObject>
#include <QPointer>
#include <QString>

namespace poolscope {

class Monitor;
class PgOneShot;
class Session;
struct Backend;

// The guarded actions on a backend: Cancel query (pg_cancel_backend) and Terminate connection
// (pg_terminate_backend). Each exists only when the workspace's `actions` enables it, only in a live
// session (a monitor reads the database), only for a client backend in the database's newest snapshot, and
// never for PoolScope's own backend (the monitor's pid, or any application_name=poolscope). The
// statement runs asynchronously on a connection of its own to the database (PgOneShot), which checks the
// pid again on the server. Every action run becomes an event of the session (kind "action", the
// database as its source), hence of the recording, with its result.
class BackendActions : public QObject
{
    Q_OBJECT
public:
    enum class Kind { Cancel, Terminate };
    Q_ENUM(Kind)

    struct Outcome
    {
        Kind kind = Kind::Cancel;
        QString database;
        int pid = 0;
        bool done = false; // the server signalled the backend
        bool lacksRight = false; // the role may not signal it (SQLSTATE 42501, or the function said false)
        QString message; // one sentence for people, as in the event
    };

    BackendActions(Session* session, Monitor* monitor, QObject* parent = nullptr);
    ~BackendActions() override;

    // "Cancel query", "Terminate connection".
    static QString title(Kind kind);
    // The workspace enables it (`actions.cancel`, `actions.terminate`).
    bool isEnabled(Kind kind) const;
    // Why the action may not run on this backend now; empty when it may.
    QString refusal(Kind kind, const QString& database, int pid) const;
    // Runs the action unless refused: returns the refusal (and runs nothing), or an empty string and
    // finished() follows.
    QString run(Kind kind, const QString& database, int pid);
    bool isRunning() const;

Q_SIGNALS:
    void finished(const poolscope::BackendActions::Outcome& outcome);

private:
    const Backend* findBackend(const QString& database, int pid) const;
    void record(const Outcome& outcome);

    QPointer<Session> m_session;
    QPointer<Monitor> m_monitor;
    PgOneShot* m_oneShot = nullptr;
};

} // namespace poolscope
