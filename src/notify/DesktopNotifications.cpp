#include "DesktopNotifications.h"

#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

const QString kService = u"org.freedesktop.Notifications"_s;
const QString kPath = u"/org/freedesktop/Notifications"_s;
const QString kInterface = u"org.freedesktop.Notifications"_s;
const QString kDefaultAction = u"default"_s;

} // namespace

DesktopNotifications::DesktopNotifications(QObject* parent)
    : DesktopNotifications(QDBusConnection::sessionBus(), parent)
{ }

DesktopNotifications::DesktopNotifications(const QDBusConnection& bus, QObject* parent)
    : QObject(parent)
    , m_bus(bus)
{
    subscribe();
}

DesktopNotifications::~DesktopNotifications() = default;

void DesktopNotifications::subscribe()
{
    if (!m_bus.isConnected())
        return;
    m_bus.connect(kService, kPath, kInterface, u"ActionInvoked"_s, this, SLOT(onActionInvoked(uint, QString)));
    m_bus.connect(kService, kPath, kInterface, u"NotificationClosed"_s, this, SLOT(onNotificationClosed(uint, uint)));
}

bool DesktopNotifications::isAvailable() const
{
    return m_bus.isConnected();
}

void DesktopNotifications::notify(const QString& title, const QString& body, Urgency urgency, const QVariant& context)
{
    if (!m_bus.isConnected()) {
        Q_EMIT failed(u"not connected to a D-Bus session bus"_s);
        return;
    }
    QDBusMessage call = QDBusMessage::createMethodCall(kService, kPath, kInterface, u"Notify"_s);
    const QVariantMap hints { { u"urgency"_s, QVariant::fromValue(static_cast<uchar>(urgency)) },
        { u"desktop-entry"_s, u"poolscope"_s }, { u"category"_s, u"device"_s } };
    // app_name, replaces_id, app_icon, summary, body, actions (key, label pairs), hints, expire_timeout
    // (-1: the server's default).
    call << u"PoolScope"_s << 0u << u"poolscope"_s << title << body << QStringList { kDefaultAction, tr("Show") }
         << hints << -1;
    auto* watcher = new QDBusPendingCallWatcher(m_bus.asyncCall(call), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, context](QDBusPendingCallWatcher* pending) {
        pending->deleteLater();
        const QDBusPendingReply<uint> reply = *pending;
        if (reply.isError()) {
            Q_EMIT failed(reply.error().message());
            return;
        }
        m_contexts.insert(reply.value(), context);
        Q_EMIT shown(reply.value());
    });
}

void DesktopNotifications::onActionInvoked(uint id, const QString& actionKey)
{
    const auto it = m_contexts.constFind(id);
    if (it == m_contexts.cend())
        return; // another application's notification: the signal goes to every listener
    if (actionKey == kDefaultAction)
        Q_EMIT activated(*it);
}

void DesktopNotifications::onNotificationClosed(uint id, uint /* reason */)
{
    m_contexts.remove(id);
}

} // namespace poolscope
