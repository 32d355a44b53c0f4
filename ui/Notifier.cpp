#include "Notifier.h"

#include "Theme.h"
#include "notify/DesktopNotifications.h"
#include "store/Session.h"

#include <QDBusConnection>
#include <QDateTime>
#include <QSystemTrayIcon>

using namespace Qt::StringLiterals;

namespace poolscope {

Notifier::Notifier(Session* session, QObject* parent)
    : QObject(parent)
    , m_session(session)
    , m_clock([] { return QDateTime::currentMSecsSinceEpoch(); })
{
    if (session)
        connect(session, &Session::eventAdded, this, &Notifier::onEvent);
}

Notifier::~Notifier() = default;

bool Notifier::wantsNotification(const QString& kind)
{
    return kind == u"threshold"_s || kind == u"failing"_s;
}

Notifier::Channel Notifier::channel() const
{
    if (QSystemTrayIcon::isSystemTrayAvailable())
        return Channel::Tray;
    // Asking for the session bus connects to it once (cheap, local); a desktop without one gets nothing.
    return QDBusConnection::sessionBus().isConnected() ? Channel::Desktop : Channel::None;
}

void Notifier::setClock(std::function<qint64()> clock)
{
    m_clock = std::move(clock);
}

void Notifier::setLimits(const NotificationThrottle::Limits& limits)
{
    m_throttle = NotificationThrottle(limits);
}

DesktopNotifications* Notifier::desktop()
{
    if (!m_desktop) {
        m_desktop = new DesktopNotifications(QDBusConnection::sessionBus(), this);
        connect(m_desktop, &DesktopNotifications::activated, this, [this](const QVariant& context) {
            const QVariantList where = context.toList();
            if (where.size() == 2)
                Q_EMIT activated(where.at(0).toString(), where.at(1).toLongLong());
        });
    }
    return m_desktop;
}

void Notifier::onEvent(int eventIndex)
{
    if (!m_session || eventIndex < 0 || eventIndex >= m_session->events().size())
        return;
    const Event& event = m_session->events().at(eventIndex);
    if (!wantsNotification(event.kind))
        return;
    if (!m_throttle.admit(event.source, m_clock()))
        return;
    m_lastTitle = event.source.isEmpty() ? u"PoolScope"_s : u"PoolScope: "_s + event.source;
    m_lastMessage = event.message;
    if (const int heldBack = m_throttle.takeHeldBack(); heldBack > 0)
        m_lastMessage += tr(" (%n more held back: see the Events tab)", nullptr, heldBack);
    ++m_count;
    Q_EMIT notified(m_lastTitle, m_lastMessage);

    switch (channel()) {
    case Channel::None:
        return;
    case Channel::Desktop: {
        const auto urgency = event.severity == Event::Severity::Critical ? DesktopNotifications::Urgency::Critical
                                                                         : DesktopNotifications::Urgency::Normal;
        desktop()->notify(m_lastTitle, m_lastMessage, urgency, QVariantList { event.source, event.timestampMs });
        return;
    }
    case Channel::Tray:
        break;
    }
    if (!m_tray) {
        m_tray = new QSystemTrayIcon(Theme::appIcon(), this);
        m_tray->setToolTip(tr("PoolScope"));
        connect(m_tray, &QSystemTrayIcon::messageClicked, this,
            [this] { Q_EMIT activated(m_traySource, m_trayTimestampMs); });
        m_tray->show();
    }
    m_traySource = event.source;
    m_trayTimestampMs = event.timestampMs;
    const auto icon = event.severity == Event::Severity::Critical ? QSystemTrayIcon::Critical
        : event.severity == Event::Severity::Warning              ? QSystemTrayIcon::Warning
                                                                  : QSystemTrayIcon::Information;
    m_tray->showMessage(m_lastTitle, m_lastMessage, icon);
}

} // namespace poolscope
