#pragma once

#include <QPointer>
#include <QWidget>

class QLabel;
class QTimer;

namespace poolscope {

class Session;

// The status bar's summary ("Last poll 12:03:04 · 3 targets ok · 1 database ok") and, in red, the
// newest error ("web: connection refused"). Refreshed at most four times a second.
class StatusPane : public QWidget
{
    Q_OBJECT
public:
    explicit StatusPane(Session* session, QWidget* parent = nullptr);
    ~StatusPane() override;

    QString statusText() const;
    QString errorText() const; // empty when nothing fails
    void refresh();

private:
    void schedule();

    QPointer<Session> m_session;
    QLabel* m_status = nullptr;
    QLabel* m_error = nullptr;
    QTimer* m_timer = nullptr;
};

} // namespace poolscope
