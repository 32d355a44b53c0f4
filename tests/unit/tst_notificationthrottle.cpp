// The rate limit of desktop notifications, on a clock the test owns: per source and global.
#include "notify/NotificationThrottle.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace poolscope;

class TestNotificationThrottle : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Each row: notifications asked for as "source@ms", and which were let through ('1') or held back ('0').
    void admits_data()
    {
        QTest::addColumn<QStringList>("asks");
        QTest::addColumn<QString>("admitted");
        // Limits: one per source per 10 s, three per 30 s overall.
        QTest::addRow("first always") << QStringList { u"a@0"_s } << u"1"_s;
        QTest::addRow("same source too soon") << QStringList { u"a@0"_s, u"a@9999"_s } << u"10"_s;
        QTest::addRow("same source after the interval") << QStringList { u"a@0"_s, u"a@10000"_s } << u"11"_s;
        QTest::addRow("held back does not restart the interval")
            << QStringList { u"a@0"_s, u"a@5000"_s, u"a@10000"_s } << u"101"_s;
        QTest::addRow("other sources are independent") << QStringList { u"a@0"_s, u"b@1"_s, u"a@2"_s } << u"110"_s;
        QTest::addRow("global cap") << QStringList { u"a@0"_s, u"b@1"_s, u"c@2"_s, u"d@3"_s } << u"1110"_s;
        QTest::addRow("global window slides")
            << QStringList { u"a@0"_s, u"b@1"_s, u"c@2"_s, u"d@29999"_s, u"d@30000"_s, u"e@30001"_s } << u"111011"_s;
    }

    void admits()
    {
        QFETCH(QStringList, asks);
        QFETCH(QString, admitted);
        NotificationThrottle throttle({ 10'000, 3, 30'000 });
        QString got;
        qint64 heldBack = 0;
        for (const QString& ask : asks) {
            const QStringList parts = ask.split(u'@');
            const bool admit = throttle.admit(parts.at(0), parts.at(1).toLongLong());
            got += admit ? u'1' : u'0';
            heldBack += admit ? 0 : 1;
        }
        QCOMPARE(got, admitted);
        QCOMPARE(throttle.heldBackTotal(), heldBack);
    }

    // What was held back is told once, with the next notification let through.
    void countsHeldBack()
    {
        NotificationThrottle throttle({ 10'000, 5, 60'000 });
        QVERIFY(throttle.admit(u"a"_s, 0));
        QCOMPARE(throttle.takeHeldBack(), 0);
        QVERIFY(!throttle.admit(u"a"_s, 1));
        QVERIFY(!throttle.admit(u"a"_s, 2));
        QCOMPARE(throttle.takeHeldBack(), 2);
        QCOMPARE(throttle.takeHeldBack(), 0);
        QCOMPARE(throttle.heldBackTotal(), qint64(2));
    }

    void defaultsAreAMinutePerSource()
    {
        NotificationThrottle throttle;
        QCOMPARE(throttle.limits().perSourceMs, qint64(60'000));
        QVERIFY(throttle.admit(u"a"_s, 1'000'000));
        QVERIFY(!throttle.admit(u"a"_s, 1'059'999));
        QVERIFY(throttle.admit(u"a"_s, 1'060'000));
    }
};

QTEST_GUILESS_MAIN(TestNotificationThrottle)
#include "tst_notificationthrottle.moc"
