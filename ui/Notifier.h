#pragma once

#include "notify/NotificationThrottle.h"

#include <QObject>
#include <QPointer>

#include <functional>

class QSystemTrayIcon;

namespace poolscope {

class DesktopNotifications;
class Session;

// Desktop notifications for the events that need someone: a threshold crossed ("threshold") and a target
// failing ("failing"). Shown through the system tray where there is one, otherwise through the freedesktop
// notification server on the session bus (GNOME without a tray, sway, ...); neither: nothing is shown and
// nothing breaks, the events are in the log either way. Rate-limited (NotificationThrottle: per source and
// overall). Clicking a notification asks, through activated(), for its source at its moment.
class Notifier : public QObject
{
    Q_OBJECT
public:
    enum class Channel { None, Tray, Desktop };
    Q_ENUM(Channel)

    explicit Notifier(Session* session, QObject* parent = nullptr);
    ~Notifier() override;

    static bool wantsNotification(const QString& kind);
    // Where the next notification goes: the tray when available, else the session bus when connected.
    Channel channel() const;
    bool isAvailable() const { return channel() != Channel::None; }

    // The clock the rate limit reads (UTC ms); tests pass their own.
    void setClock(std::function<qint64()> clock);
    void setLimits(const NotificationThrottle::Limits& limits);
    // Notifications let through by the rate limit (shown or not, when no channel is available), the newest
    // one, and those held back.
    int count() const { return m_count; }
    QString lastTitle() const { return m_lastTitle; }
    QString lastMessage() const { return m_lastMessage; }
    qint64 heldBack() const { return m_throttle.heldBackTotal(); }

Q_SIGNALS:
    void notified(const QString& title, const QString& message);
    // The person clicked a notification: show `source` (a target's or database's name) at `timestampMs`.
    void activated(const QString& source, qint64 timestampMs);

private:
    void onEvent(int eventIndex);
    DesktopNotifications* desktop();

    QPointer<Session> m_session;
    QSystemTrayIcon* m_tray = nullptr;
    DesktopNotifications* m_desktop = nullptr; // made at the first notification without a tray
    NotificationThrottle m_throttle;
    std::function<qint64()> m_clock;
    QString m_traySource; // the tray's newest message: what a click on it shows
    qint64 m_trayTimestampMs = 0;
    int m_count = 0;
    QString m_lastTitle;
    QString m_lastMessage;
};

} // namespace poolscope
