#pragma once

#include <QDBusConnection>
#include <QHash>
#include <QObject>
#include <QString>
#include <QVariant>

namespace poolscope {

// A client of the freedesktop notification server (org.freedesktop.Notifications on the session bus:
// GNOME Shell, KDE Plasma, dunst, mako, ...), for desktops without a system tray. Notify is sent
// asynchronously (nothing waits for the server); each notification carries a "default" action, so that a
// click on it comes back as activated() with the context given to notify(). Which bus is used is given
// (the session bus by default; tests pass a private one).
class DesktopNotifications : public QObject
{
    Q_OBJECT
public:
    enum class Urgency { Low = 0, Normal = 1, Critical = 2 };

    explicit DesktopNotifications(QObject* parent = nullptr);
    DesktopNotifications(const QDBusConnection& bus, QObject* parent = nullptr);
    ~DesktopNotifications() override;

    // Connected to a bus: notifications can be sent (whether a server answers shows in failed()).
    bool isAvailable() const;
    // Sends one notification; `context` comes back with activated() when it is clicked.
    void notify(const QString& title, const QString& body, Urgency urgency, const QVariant& context);
    // Notifications shown and not yet closed (by the server's id).
    int openCount() const { return static_cast<int>(m_contexts.size()); }

Q_SIGNALS:
    // The server showed it (its id).
    void shown(uint id);
    // The person clicked a notification (or its default action).
    void activated(const QVariant& context);
    // The server did not take it: no notification server on the bus, or an error.
    void failed(const QString& error);

private Q_SLOTS:
    // Signals of org.freedesktop.Notifications (QDBusConnection::connect needs slots).
    void onActionInvoked(uint id, const QString& actionKey);
    void onNotificationClosed(uint id, uint reason);

private:
    void subscribe();

    QDBusConnection m_bus;
    QHash<uint, QVariant> m_contexts; // shown notifications' contexts, by the server's id
};

} // namespace poolscope
