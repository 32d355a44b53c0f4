// Freedesktop notifications over a real session bus (a dbus-daemon the test starts) to a small notification
// server registered on it (tests/common/FakeNotificationServer): what Notify carries, a click coming back as
// the notification's context, and a bus without a server reported as a failure.
#include "FakeNotificationServer.h"
#include "notify/DesktopNotifications.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace poolscope;
using namespace poolscope::test;

class TestDesktopNotifications : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_bus.start(&error), qPrintable(error));
    }

    // Without a notification server on the bus, the call fails and says so; nothing is shown.
    void failsWithoutAServer()
    {
        DesktopNotifications client(m_bus.connect(u"client-alone"_s));
        QVERIFY(client.isAvailable());
        QSignalSpy failed(&client, &DesktopNotifications::failed);
        client.notify(u"t"_s, u"b"_s, DesktopNotifications::Urgency::Normal, 1);
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30'000);
        QVERIFY2(failed.at(0).at(0).toString().contains(u"org.freedesktop.Notifications"_s),
            qPrintable(failed.at(0).at(0).toString()));
        QCOMPARE(client.openCount(), 0);
    }

    void notifiesAndComesBackOnClick()
    {
        FakeNotificationServer server;
        QString error;
        QVERIFY2(server.registerOn(m_bus.connect(u"server"_s), &error), qPrintable(error));

        DesktopNotifications client(m_bus.connect(u"client"_s));
        QSignalSpy shown(&client, &DesktopNotifications::shown);
        QSignalSpy activated(&client, &DesktopNotifications::activated);
        client.notify(u"PoolScope: web"_s, u"discrepancy 26 is above 25"_s, DesktopNotifications::Urgency::Critical,
            u"web@1700000000000"_s);
        client.notify(u"PoolScope: worker"_s, u"failing"_s, DesktopNotifications::Urgency::Normal, u"worker@1"_s);
        QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 2, 30'000);
        QCOMPARE(server.calls().size(), 2);
        const FakeNotificationServer::Call& call = server.calls().at(0);
        QCOMPARE(call.appName, u"PoolScope"_s);
        QCOMPARE(call.summary, u"PoolScope: web"_s);
        QCOMPARE(call.body, u"discrepancy 26 is above 25"_s);
        QCOMPARE(call.actions.value(0), u"default"_s);
        QCOMPARE(call.hints.value(u"urgency"_s).toInt(), 2);
        QCOMPARE(call.hints.value(u"desktop-entry"_s).toString(), u"poolscope"_s);
        QCOMPARE(client.openCount(), 2);

        // A click on the second one brings back its context, and only its.
        server.click(server.calls().at(1).id);
        QTRY_COMPARE_WITH_TIMEOUT(activated.count(), 1, 30'000);
        QCOMPARE(activated.at(0).at(0).toString(), u"worker@1"_s);
        QTRY_COMPARE_WITH_TIMEOUT(client.openCount(), 1, 30'000);
        // A notification of someone else (an id we never got) is not ours.
        Q_EMIT server.ActionInvoked(4242, u"default"_s);
        server.close(server.calls().at(0).id);
        QTRY_COMPARE_WITH_TIMEOUT(client.openCount(), 0, 30'000);
        QCOMPARE(activated.count(), 1);
    }

private:
    DBusSession m_bus;
};

QTEST_GUILESS_MAIN(TestDesktopNotifications)
#include "tst_desktopnotifications.moc"
