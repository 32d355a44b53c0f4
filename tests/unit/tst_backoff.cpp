// The one backoff every retrying source uses (sources/Backoff.h).
#include "sources/Backoff.h"

#include <QTest>

using namespace poolscope;

class TestBackoff : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void delay_data()
    {
        QTest::addColumn<int>("baseMs");
        QTest::addColumn<int>("failures");
        QTest::addColumn<double>("jitter");
        QTest::addColumn<int>("delayMs");

        // pg_stat_activity reconnects: 1 s doubling up to 30 s.
        QTest::addRow("no failure: the base, no jitter") << 1000 << 0 << 1.0 << 1000;
        QTest::addRow("1st failure") << 1000 << 1 << 0.0 << 1000;
        QTest::addRow("2nd failure doubles") << 1000 << 2 << 0.0 << 2000;
        QTest::addRow("5th failure") << 1000 << 5 << 0.0 << 16000;
        QTest::addRow("6th failure: capped") << 1000 << 6 << 0.0 << 30000;
        QTest::addRow("a huge count stays capped") << 1000 << 1'000'000 << 0.0 << 30000;
        QTest::addRow("+20 %%") << 1000 << 3 << 1.0 << 4800;
        QTest::addRow("-20 %%") << 1000 << 3 << -1.0 << 3200;
        QTest::addRow("jitter on top of the cap") << 1000 << 10 << 1.0 << 36000;
        QTest::addRow("jitter is clamped to [-1, 1]") << 1000 << 2 << -7.0 << 1600;
        // Health polls: the base is the poll interval, which is never shortened.
        QTest::addRow("interval above the cap") << 60'000 << 4 << 0.0 << 60'000;
        QTest::addRow("zero base: 1 ms") << 0 << 0 << 0.0 << 1;
        QTest::addRow("negative failures: the base") << 2000 << -3 << 0.5 << 2000;
    }

    void delay()
    {
        QFETCH(int, baseMs);
        QFETCH(int, failures);
        QFETCH(double, jitter);
        QFETCH(int, delayMs);
        QCOMPARE((Backoff { baseMs, 30'000, 0.2 }.delayMs(failures, jitter)), delayMs);
    }

    void randomDelayStaysWithinTheJitter()
    {
        const Backoff backoff { 1000, 30'000, 0.2 };
        bool belowBase = false;
        bool aboveBase = false;
        for (int i = 0; i < 1000; ++i) {
            const int delay = backoff.randomDelayMs(3);
            QVERIFY2(delay >= 3200 && delay <= 4800, qPrintable(QString::number(delay)));
            belowBase = belowBase || delay < 4000;
            aboveBase = aboveBase || delay > 4000;
        }
        // Spread both ways, so that sources failing together do not retry together.
        QVERIFY(belowBase);
        QVERIFY(aboveBase);
    }
};

QTEST_GUILESS_MAIN(TestBackoff)
#include "tst_backoff.moc"
