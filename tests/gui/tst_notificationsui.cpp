// Notifications of the window through a real session bus (issue 12 part 3, offscreen: no tray): a dbus-daemon
// the test starts before the application (DBUS_SESSION_BUS_ADDRESS), a fake notification server on it. The
// window's notifications reach the server, rate-limited on the test's clock; clicking one brings the window to
// its target and moment.
#include "FakeNotificationServer.h"
#include "MainWindow.h"
#include "Notifier.h"
#include "SyntheticWorkspace.h"
#include "store/Session.h"
#include "store/ViewState.h"

#include <QApplication>
#include <QSystemTrayIcon>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace poolscope;
using namespace poolscope::test;

namespace {

constexpr int kTimeoutMs = 30'000;
DBusSession* g_bus = nullptr;

Event threshold(const QString& target, qint64 timestampMs)
{
    return Event { timestampMs, Event::Severity::Critical, target, u"threshold"_s,
        u"%1: discrepancy 26 reached the critical threshold 25"_s.arg(target) };
}

} // namespace

class TestNotificationsUi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_server.registerOn(g_bus->connect(u"notification-server"_s), &error), qPrintable(error));
    }

    void notifiesRateLimitedAndClicksBack()
    {
        Session session(syntheticWorkspace({ u"web"_s, u"worker"_s }, u"http://127.0.0.1:1/health"_s));
        MainWindow window(&session, nullptr, nullptr);
        window.show();
        Notifier* notifier = window.notifier();
        QCOMPARE(QSystemTrayIcon::isSystemTrayAvailable(), false);
        QCOMPARE(notifier->channel(), Notifier::Channel::Desktop);
        qint64 now = 1'700'000'000'000;
        notifier->setClock([&now] { return now; });
        notifier->setLimits({ 10'000, 5, 60'000 });
        window.selectTarget(0);

        // web crosses a threshold: one notification, with its urgency.
        const qint64 webAt = now - 5'000;
        session.addEvent(threshold(u"web"_s, webAt));
        QTRY_COMPARE_WITH_TIMEOUT(m_server.calls().size(), 1, kTimeoutMs);
        QCOMPARE(m_server.calls().at(0).summary, u"PoolScope: web"_s);
        QVERIFY(m_server.calls().at(0).body.contains(u"critical threshold 25"_s));
        QCOMPARE(m_server.calls().at(0).hints.value(u"urgency"_s).toInt(), 2);

        // web again a second later: held back. worker is another source: shown (and after web's, on the same
        // connection, so web's would have arrived first).
        now += 1'000;
        session.addEvent(threshold(u"web"_s, now));
        const qint64 workerAt = now - 2'000;
        session.addEvent(Event { workerAt, Event::Severity::Warning, u"worker"_s, u"failing"_s, u"worker: timeout"_s });
        QTRY_COMPARE_WITH_TIMEOUT(m_server.calls().size(), 2, kTimeoutMs);
        QCOMPARE(m_server.calls().at(1).summary, u"PoolScope: worker"_s);
        QCOMPARE(notifier->heldBack(), 1);
        // The next notification let through says what was held back (once).
        QVERIFY2(m_server.calls().at(1).body.contains(u"1 more held back"_s), qPrintable(m_server.calls().at(1).body));

        // Once web's interval has passed, web is shown again.
        now += 10'000;
        session.addEvent(threshold(u"web"_s, now));
        QTRY_COMPARE_WITH_TIMEOUT(m_server.calls().size(), 3, kTimeoutMs);
        QCOMPARE(m_server.calls().at(2).summary, u"PoolScope: web"_s);
        QVERIFY(!m_server.calls().at(2).body.contains(u"held back"_s));

        // Clicking worker's notification selects worker with the cursor at its moment.
        QCOMPARE(window.selectedTarget(), 0);
        QVERIFY(window.viewState()->isLive());
        m_server.click(m_server.calls().at(1).id);
        QTRY_COMPARE_WITH_TIMEOUT(window.selectedTarget(), 1, kTimeoutMs);
        QCOMPARE(window.viewState()->cursor(), workerAt);
        // And web's first one brings web back at its own moment.
        m_server.click(m_server.calls().at(0).id);
        QTRY_COMPARE_WITH_TIMEOUT(window.selectedTarget(), 0, kTimeoutMs);
        QCOMPARE(window.viewState()->cursor(), webAt);
        QCOMPARE(notifier->count(), 3);
    }

private:
    FakeNotificationServer m_server;
};

// The private session bus is started before anything asks for the session bus (the first
// QDBusConnection::sessionBus() reads DBUS_SESSION_BUS_ADDRESS), so that the window's session bus is it.
int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    DBusSession bus;
    QString error;
    if (!bus.start(&error)) {
        qCritical("%s", qPrintable(error));
        return 1;
    }
    qputenv("DBUS_SESSION_BUS_ADDRESS", bus.address().toLocal8Bit());
    g_bus = &bus;
    TestNotificationsUi test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_notificationsui.moc"
