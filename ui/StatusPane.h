#pragma once

#include <QPointer>
#include <QWidget>

class QLabel;
class QTimer;

namespace poolscope {

class Session;
class SessionAtCursor;

// The status bar's summary ("Last poll 12:03:04 · 3 targets ok · 1 database ok") and, in red, the
// newest error ("web: connection refused"). Refreshed at most four times a second. Following a time cursor,
// the counts and the error are those at the cursor; the last poll stays the newest (the monitor is alive).
class StatusPane : public QWidget
{
    Q_OBJECT
public:
    explicit StatusPane(Session* session, QWidget* parent = nullptr);
    ~StatusPane() override;

    // Null: the newest states.
    void followCursor(SessionAtCursor* cursor);

    QString statusText() const;
    QString errorText() const; // empty when nothing fails
    void refresh();

private:
    void schedule();

    QPointer<Session> m_session;
    QPointer<SessionAtCursor> m_cursor;
    QLabel* m_status = nullptr;
    QLabel* m_error = nullptr;
    QTimer* m_timer = nullptr;
};

} // namespace poolscope
