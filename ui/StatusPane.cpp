#include "StatusPane.h"

#include "Theme.h"
#include "models/Format.h"
#include "store/Session.h"
#include "store/SessionAtCursor.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QTimer>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {
constexpr int kRefreshIntervalMs = 250;

// Counts of a kind of source: "3 targets ok, 1 failing, 2 waiting".
QString counts(int ok, int failing, int waiting, const QString& one, const QString& many)
{
    QString text = QString::number(ok) + u' ' + (ok == 1 ? one : many);
    if (failing > 0)
        text += u", %1 failing"_s.arg(failing);
    if (waiting > 0)
        text += u", %1 waiting"_s.arg(waiting);
    return text;
}
} // namespace

StatusPane::StatusPane(Session* session, QWidget* parent)
    : QWidget(parent)
    , m_session(session)
    , m_timer(new QTimer(this))
{
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_status = new QLabel(this);
    m_status->setAccessibleName(tr("Status summary"));
    m_error = new QLabel(this);
    m_error->setAccessibleName(tr("Newest error"));
    m_error->setStyleSheet(u"QLabel { color: %1; font-weight: bold; }"_s.arg(Theme::errorColor().name()));
    layout->addWidget(m_status);
    layout->addWidget(m_error, 1);

    m_timer->setSingleShot(true);
    m_timer->setInterval(kRefreshIntervalMs);
    connect(m_timer, &QTimer::timeout, this, &StatusPane::refresh);
    if (session) {
        connect(session, &Session::sampleAdded, this, &StatusPane::schedule);
        connect(session, &Session::snapshotAdded, this, &StatusPane::schedule);
        connect(session, &Session::poolerSnapshotAdded, this, &StatusPane::schedule);
    }
    refresh();
}

StatusPane::~StatusPane() = default;

void StatusPane::followCursor(SessionAtCursor* cursor)
{
    if (m_cursor)
        disconnect(m_cursor, nullptr, this, nullptr);
    m_cursor = cursor;
    if (cursor)
        connect(cursor, &SessionAtCursor::changed, this, &StatusPane::refresh);
    refresh();
}

QString StatusPane::statusText() const
{
    return m_status->text();
}

QString StatusPane::errorText() const
{
    return m_error->text();
}

void StatusPane::schedule()
{
    if (!m_timer->isActive())
        m_timer->start();
}

void StatusPane::refresh()
{
    m_timer->stop();
    if (!m_session)
        return;
    qint64 lastPoll = 0;
    int targetsOk = 0, targetsFailing = 0, targetsWaiting = 0;
    qint64 errorTime = 0;
    QString error;
    for (int i = 0; i < m_session->targetCount(); ++i) {
        lastPoll = std::max(lastPoll, m_session->target(i).latest.timestampMs);
        const TargetState& t = m_cursor ? m_cursor->target(i) : m_session->target(i);
        if (!t.polled()) {
            ++targetsWaiting;
        } else if (t.latest.ok()) {
            ++targetsOk;
        } else {
            ++targetsFailing;
            if (t.latest.timestampMs >= errorTime) {
                errorTime = t.latest.timestampMs;
                error = t.config.name + u": " + singleLine(t.latest.error);
            }
        }
    }
    int dbOk = 0, dbFailing = 0, dbWaiting = 0;
    for (int i = 0; i < m_session->databaseCount(); ++i) {
        lastPoll = std::max(lastPoll, m_session->database(i).latest.timestampMs);
        const DatabaseState& d = m_cursor ? m_cursor->database(i) : m_session->database(i);
        if (!d.polled()) {
            ++dbWaiting;
        } else if (d.latest.ok()) {
            ++dbOk;
        } else {
            ++dbFailing;
            if (d.latest.timestampMs >= errorTime) {
                errorTime = d.latest.timestampMs;
                error = d.config.name + u": " + singleLine(d.latest.error);
            }
        }
    }
    int poolersOk = 0, poolersFailing = 0, poolersWaiting = 0;
    for (int i = 0; i < m_session->poolerCount(); ++i) {
        lastPoll = std::max(lastPoll, m_session->pooler(i).latest.timestampMs);
        const PoolerState& p = m_cursor ? m_cursor->pooler(i) : m_session->pooler(i);
        if (!p.polled()) {
            ++poolersWaiting;
        } else if (p.latest.ok()) {
            ++poolersOk;
        } else {
            ++poolersFailing;
            if (p.latest.timestampMs >= errorTime) {
                errorTime = p.latest.timestampMs;
                error = p.config.name + u": " + singleLine(p.latest.error);
            }
        }
    }
    QStringList parts;
    parts << (lastPoll > 0 ? tr("Last poll ") + formatClock(lastPoll) : tr("No poll yet"));
    parts << counts(targetsOk, targetsFailing, targetsWaiting, tr("target ok"), tr("targets ok"));
    if (m_session->databaseCount() > 0)
        parts << counts(dbOk, dbFailing, dbWaiting, tr("database ok"), tr("databases ok"));
    if (m_session->poolerCount() > 0)
        parts << counts(poolersOk, poolersFailing, poolersWaiting, tr("pgbouncer ok"), tr("pgbouncers ok"));
    // Only what changed: a label's setText lays the status bar out again, four times a second.
    if (const QString status = parts.join(u"  ·  "_s); status != m_status->text())
        m_status->setText(status);
    m_status->setToolTip(tr("Last poll: local time of the newest answer (or failure) of any health endpoint or "
                            "pg_stat_activity read\nTargets: %1 answering, %2 failing, %3 not polled yet (health "
                            "endpoints of the workspace)\nDatabases: %4 read, %5 failing, %6 not read yet "
                            "(pg_stat_activity)")
                             .arg(targetsOk)
                             .arg(targetsFailing)
                             .arg(targetsWaiting)
                             .arg(dbOk)
                             .arg(dbFailing)
                             .arg(dbWaiting));
    if (error != m_error->text()) {
        m_error->setText(error);
        m_error->setToolTip(error);
    }
}

} // namespace poolscope
