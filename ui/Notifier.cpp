#include "Notifier.h"

#include "Theme.h"
#include "store/Session.h"

#include <QSystemTrayIcon>

using namespace Qt::StringLiterals;

namespace poolscope {

Notifier::Notifier(Session* session, QObject* parent)
    : QObject(parent)
    , m_session(session)
{
    if (session)
        connect(session, &Session::eventAdded, this, &Notifier::onEvent);
}

Notifier::~Notifier() = default;

bool Notifier::wantsNotification(const QString& kind)
{
    return kind == u"threshold"_s || kind == u"failing"_s;
}

bool Notifier::isAvailable() const
{
    return QSystemTrayIcon::isSystemTrayAvailable();
}

void Notifier::onEvent(int eventIndex)
{
    if (!m_session || eventIndex < 0 || eventIndex >= m_session->events().size())
        return;
    const Event& event = m_session->events().at(eventIndex);
    if (!wantsNotification(event.kind))
        return;
    m_lastTitle = event.source.isEmpty() ? u"PoolScope"_s : u"PoolScope: "_s + event.source;
    m_lastMessage = event.message;
    ++m_count;
    Q_EMIT notified(m_lastTitle, m_lastMessage);
    if (!isAvailable())
        return;
    if (!m_tray) {
        m_tray = new QSystemTrayIcon(Theme::appIcon(), this);
        m_tray->setToolTip(tr("PoolScope"));
        m_tray->show();
    }
    const auto icon = event.severity == Event::Severity::Critical ? QSystemTrayIcon::Critical
        : event.severity == Event::Severity::Warning              ? QSystemTrayIcon::Warning
                                                                  : QSystemTrayIcon::Information;
    m_tray->showMessage(m_lastTitle, m_lastMessage, icon);
}

} // namespace poolscope
