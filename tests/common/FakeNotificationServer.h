#pragma once

// A private D-Bus session bus (dbus-daemon --session, started by the test) and a small notification server
// registered on it as org.freedesktop.Notifications: it records every Notify call, answers with ids from
// 1 up, and emits ActionInvoked / NotificationClosed when the test clicks or closes a notification.
#include <QDBusConnection>
#include <QList>
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QVariantMap>

namespace poolscope::test {

class DBusSession
{
public:
    DBusSession() = default;
    ~DBusSession();
    DBusSession(const DBusSession&) = delete;
    DBusSession& operator=(const DBusSession&) = delete;

    // Starts dbus-daemon and reads its address. False with *error on failure.
    bool start(QString* error);
    const QString& address() const { return m_address; }
    // A new connection to the bus, named `name` (QDBusConnection::connectToBus).
    QDBusConnection connect(const QString& name) const;

private:
    QProcess m_daemon;
    QString m_address;
};

class FakeNotificationServer : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.freedesktop.Notifications")
public:
    struct Call
    {
        uint id = 0;
        QString appName;
        QString icon;
        QString summary;
        QString body;
        QStringList actions;
        QVariantMap hints;
    };

    explicit FakeNotificationServer(QObject* parent = nullptr);
    ~FakeNotificationServer() override;

    // Registers the object and the service name on `bus`. False with *error on failure.
    bool registerOn(QDBusConnection bus, QString* error);
    const QList<Call>& calls() const { return m_calls; }

    // As a notification server does when the person clicks notification `id`.
    void click(uint id);
    void close(uint id);

public Q_SLOTS:
    uint Notify(const QString& appName, uint replacesId, const QString& appIcon, const QString& summary,
        const QString& body, const QStringList& actions, const QVariantMap& hints, int expireTimeout);
    QStringList GetCapabilities();
    void CloseNotification(uint id);

Q_SIGNALS:
    void ActionInvoked(uint id, const QString& actionKey);
    void NotificationClosed(uint id, uint reason);
    void notified();

private:
    QList<Call> m_calls;
    uint m_nextId = 1;
};

} // namespace poolscope::test
