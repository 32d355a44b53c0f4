#include "ScreenshotCaption.h"

#include <QDateTime>
#include <QTest>

using namespace poolscope;
using namespace Qt::StringLiterals;

namespace {
qint64 utc(const QString& iso)
{
    return QDateTime::fromString(iso, Qt::ISODate).toMSecsSinceEpoch();
}
} // namespace

class TestScreenshotCaption : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void timeRange_data()
    {
        QTest::addColumn<QString>("from");
        QTest::addColumn<QString>("to");
        QTest::addColumn<QByteArray>("zone");
        QTest::addColumn<int>("fixedOffset"); // used when zone is empty
        QTest::addColumn<QString>("expected");
        QTest::addRow("winter CET") << u"2026-11-27T02:05:00Z"_s << u"2026-11-27T02:12:00Z"_s
                                    << QByteArray("Europe/Berlin") << 0 << u"2026-11-27 03:05–03:12 CET (UTC+01:00)"_s;
        QTest::addRow("summer CEST") << u"2026-07-01T10:00:00Z"_s << u"2026-07-01T11:30:00Z"_s
                                     << QByteArray("Europe/Berlin") << 0
                                     << u"2026-07-01 12:00–13:30 CEST (UTC+02:00)"_s;
        QTest::addRow("west of UTC") << u"2026-11-27T14:00:00Z"_s << u"2026-11-27T15:00:00Z"_s
                                     << QByteArray("America/New_York") << 0
                                     << u"2026-11-27 09:00–10:00 EST (UTC−05:00)"_s;
        QTest::addRow("spans midnight") << u"2026-11-27T22:30:00Z"_s << u"2026-11-28T01:15:00Z"_s
                                        << QByteArray("Europe/Berlin") << 0
                                        << u"2026-11-27 23:30–2026-11-28 02:15 CET (UTC+01:00)"_s;
        QTest::addRow("short range has seconds")
            << u"2026-11-27T02:05:03Z"_s << u"2026-11-27T02:06:33Z"_s << QByteArray("Europe/Berlin") << 0
            << u"2026-11-27 03:05:03–03:06:33 CET (UTC+01:00)"_s;
        QTest::addRow("utc") << u"2026-11-27T02:05:00Z"_s << u"2026-11-27T02:12:00Z"_s << QByteArray("UTC") << 0
                             << u"2026-11-27 02:05–02:12 UTC+00:00"_s;
        QTest::addRow("fixed offset") << u"2026-11-27T02:05:00Z"_s << u"2026-11-27T02:12:00Z"_s << QByteArray() << 19800
                                      << u"2026-11-27 07:35–07:42 UTC+05:30"_s;
    }

    void timeRange()
    {
        QFETCH(QString, from);
        QFETCH(QString, to);
        QFETCH(QByteArray, zone);
        QFETCH(int, fixedOffset);
        QFETCH(QString, expected);
        const QTimeZone tz = zone.isEmpty() ? QTimeZone(fixedOffset) : QTimeZone(zone);
        QVERIFY(tz.isValid());
        QCOMPARE(ScreenshotCaption::timeRangeText(utc(from), utc(to), tz), expected);
    }

    void linesLive()
    {
        ScreenshotCaption caption;
        caption.targets = { u"web"_s };
        caption.fromMs = utc(u"2026-11-27T02:05:00Z"_s);
        caption.toMs = utc(u"2026-11-27T02:12:00Z"_s);
        caption.zone = QTimeZone("Europe/Berlin");
        caption.version = u"0.1.0"_s;
        const QStringList lines = caption.lines();
        QCOMPARE(lines.size(), 1); // no verdict: the line is left out
        QCOMPARE(lines[0], u"web · 2026-11-27 03:05–03:12 CET (UTC+01:00) · live · PoolScope 0.1.0"_s);
    }

    void linesCursorVerdictRedacted()
    {
        ScreenshotCaption caption;
        caption.targets = { u"web"_s, u"worker_odds"_s };
        caption.fromMs = utc(u"2026-11-27T02:05:00Z"_s);
        caption.toMs = utc(u"2026-11-27T02:12:00Z"_s);
        caption.cursorMs = utc(u"2026-11-27T02:10:04Z"_s);
        caption.zone = QTimeZone("Europe/Berlin");
        caption.verdict = u"web: stable baseline of 8 untracked connections; not a leak."_s;
        caption.redacted = true;
        const QStringList lines = caption.lines();
        QCOMPARE(lines.size(), 2);
        QVERIFY2(lines[0].startsWith(u"web, worker_odds · 2026-11-27 03:05–03:12 CET (UTC+01:00) · at 03:10:04 · "_s),
            qPrintable(lines[0]));
        QVERIFY(lines[0].contains(u"PoolScope " POOLSCOPE_VERSION ""_s));
        QVERIFY(lines[0].contains(u"redacted"_s));
        QVERIFY(!lines[0].contains(u"live"_s));
        QCOMPARE(lines[1], caption.verdict);
    }

    void linesReviewNeverSaysLive()
    {
        ScreenshotCaption caption;
        caption.targets = { u"web"_s };
        caption.fromMs = utc(u"2026-11-27T02:05:00Z"_s);
        caption.toMs = utc(u"2026-11-27T02:12:00Z"_s);
        caption.zone = QTimeZone("UTC");
        caption.review = true;
        const QString line = caption.lines().join(u'\n');
        QVERIFY2(!line.contains(u"live"_s, Qt::CaseInsensitive), qPrintable(line));
        QVERIFY(line.contains(u"review of a recording"_s));
        QVERIFY(!line.contains(u"redacted"_s));
    }
};

QTEST_GUILESS_MAIN(TestScreenshotCaption)
#include "tst_screenshotcaption.moc"
