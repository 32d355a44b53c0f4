#pragma once

#include "types/Workspace.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>

namespace poolscope {

// One statement on a connection of its own, asynchronously, for the rare commands that are not the
// monitor's query (the guarded backend actions): a PgPoller that reads once with that one statement (host
// names looked up off the thread, PQconnectPoll and the query driven by QSocketNotifier, config.timeoutMs
// for the connect, again plus PgPoller's grace for the statement), never retried. Connects as
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
    class Statement;
    void finish(Result result);

    bool m_running = false;
};

} // namespace poolscope

Q_DECLARE_METATYPE(poolscope::PgOneShot::Result)
