#pragma once

#include <QObject>
#include <QPointer>

class QSystemTrayIcon;

namespace poolscope {

class Session;

// Desktop notifications for the events that need someone: a threshold crossed ("threshold") and a
// target failing ("failing"), shown through the system tray when one is available. Without a tray
// nothing is shown and nothing breaks; the events are in the log either way.
class Notifier : public QObject
{
    Q_OBJECT
public:
    explicit Notifier(Session* session, QObject* parent = nullptr);
    ~Notifier() override;

    static bool wantsNotification(const QString& kind);
    bool isAvailable() const;
    // Notifications asked for (shown or not, when no tray is available), and the newest one.
    int count() const { return m_count; }
    QString lastTitle() const { return m_lastTitle; }
    QString lastMessage() const { return m_lastMessage; }

Q_SIGNALS:
    void notified(const QString& title, const QString& message);

private:
    void onEvent(int eventIndex);

    QPointer<Session> m_session;
    QSystemTrayIcon* m_tray = nullptr;
    int m_count = 0;
    QString m_lastTitle;
    QString m_lastMessage;
};

} // namespace poolscope
