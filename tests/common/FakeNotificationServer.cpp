#include "FakeNotificationServer.h"

#include <QDBusError>
#include <QStandardPaths>

using namespace Qt::StringLiterals;

namespace poolscope::test {

DBusSession::~DBusSession()
{
    if (m_daemon.state() != QProcess::NotRunning) {
        m_daemon.terminate();
        if (!m_daemon.waitForFinished(10'000))
            m_daemon.kill();
        m_daemon.waitForFinished(10'000);
    }
}

bool DBusSession::start(QString* error)
{
    const QString program = QStandardPaths::findExecutable(u"dbus-daemon"_s);
    if (program.isEmpty()) {
        *error = u"dbus-daemon is not installed (package dbus: installers/install-deps.sh)"_s;
        return false;
    }
    // --nofork keeps it our child; the address is its first line of output.
    m_daemon.start(program, { u"--session"_s, u"--nofork"_s, u"--print-address=1"_s });
    if (!m_daemon.waitForStarted(30'000)) {
        *error = u"dbus-daemon did not start: "_s + m_daemon.errorString();
        return false;
    }
    while (!m_daemon.canReadLine()) {
        if (!m_daemon.waitForReadyRead(30'000)) {
            *error = u"dbus-daemon printed no address: "_s + QString::fromLocal8Bit(m_daemon.readAllStandardError());
            return false;
        }
    }
    m_address = QString::fromLocal8Bit(m_daemon.readLine()).trimmed();
    if (m_address.isEmpty()) {
        *error = u"dbus-daemon printed an empty address"_s;
        return false;
    }
    return true;
}

QDBusConnection DBusSession::connect(const QString& name) const
{
    return QDBusConnection::connectToBus(m_address, name);
}

FakeNotificationServer::FakeNotificationServer(QObject* parent)
    : QObject(parent)
{ }

FakeNotificationServer::~FakeNotificationServer() = default;

bool FakeNotificationServer::registerOn(QDBusConnection bus, QString* error)
{
    if (!bus.isConnected()) {
        *error = u"not connected: "_s + bus.lastError().message();
        return false;
    }
    if (!bus.registerObject(u"/org/freedesktop/Notifications"_s, this,
            QDBusConnection::ExportAllSlots | QDBusConnection::ExportAllSignals)) {
        *error = u"cannot register the object: "_s + bus.lastError().message();
        return false;
    }
    if (!bus.registerService(u"org.freedesktop.Notifications"_s)) {
        *error = u"cannot own org.freedesktop.Notifications: "_s + bus.lastError().message();
        return false;
    }
    return true;
}

uint FakeNotificationServer::Notify(const QString& appName, uint replacesId, const QString& appIcon,
    const QString& summary, const QString& body, const QStringList& actions, const QVariantMap& hints,
    int /* expireTimeout */)
{
    Call call;
    call.id = replacesId != 0 ? replacesId : m_nextId++;
    call.appName = appName;
    call.icon = appIcon;
    call.summary = summary;
    call.body = body;
    call.actions = actions;
    call.hints = hints;
    m_calls.append(call);
    Q_EMIT notified();
    return call.id;
}

QStringList FakeNotificationServer::GetCapabilities()
{
    return { u"actions"_s, u"body"_s };
}

void FakeNotificationServer::CloseNotification(uint id)
{
    Q_EMIT NotificationClosed(id, 3);
}

void FakeNotificationServer::click(uint id)
{
    Q_EMIT ActionInvoked(id, u"default"_s);
    Q_EMIT NotificationClosed(id, 2); // dismissed by the user, as servers do after an action
}

void FakeNotificationServer::close(uint id)
{
    Q_EMIT NotificationClosed(id, 2);
}

} // namespace poolscope::test
