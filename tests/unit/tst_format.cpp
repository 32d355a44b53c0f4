// The shared text helpers (format/Format.h, format/EnumName.h) and the enum names that reach files
// and JSON: those strings are part of the formats, so they are pinned here.
#include "analysis/Diagnosis.h"
#include "analysis/Suspects.h"
#include "analysis/Verdict.h"
#include "cli/StatusReport.h"
#include "format/EnumName.h"
#include "format/Format.h"
#include "types/ActivitySnapshot.h"
#include "types/Event.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace poolscope;

class TestFormat : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    void byteSize_data()
    {
        QTest::addColumn<qint64>("bytes");
        QTest::addColumn<QString>("text");
        QTest::addRow("0") << qint64(0) << u"0 bytes"_s;
        QTest::addRow("1") << qint64(1) << u"1 byte"_s;
        QTest::addRow("1000") << qint64(1000) << u"1000 bytes"_s;
        QTest::addRow("1 KiB") << qint64(1024) << u"1 KiB"_s;
        QTest::addRow("512 KiB") << qint64(512 * 1024) << u"512 KiB"_s;
        QTest::addRow("1.5 MiB") << qint64(1536 * 1024) << u"1.5 MiB"_s;
        QTest::addRow("4 MiB") << qint64(4 * 1024 * 1024) << u"4 MiB"_s;
        QTest::addRow("1.2 MiB") << qint64(1'258'291) << u"1.2 MiB"_s;
        QTest::addRow("2 GiB") << qint64(2) * 1024 * 1024 * 1024 << u"2 GiB"_s;
    }

    void byteSize()
    {
        QFETCH(qint64, bytes);
        QFETCH(QString, text);
        QCOMPARE(formatByteSize(bytes), text);
    }

    void seconds_data()
    {
        QTest::addColumn<qint64>("ms");
        QTest::addColumn<QString>("text");
        QTest::addRow("0.5 s") << qint64(500) << u"0.5 s"_s;
        QTest::addRow("2 s") << qint64(2000) << u"2 s"_s;
        QTest::addRow("3.8 s") << qint64(3817) << u"3.8 s"_s;
        QTest::addRow("30 s") << qint64(30'000) << u"30 s"_s;
    }

    void seconds()
    {
        QFETCH(qint64, ms);
        QFETCH(QString, text);
        QCOMPARE(formatSeconds(ms), text);
    }

    void durationInWords_data()
    {
        QTest::addColumn<double>("seconds");
        QTest::addColumn<QString>("text");
        QTest::addRow("negative") << -5.0 << u"0 s"_s;
        QTest::addRow("NaN") << qQNaN() << u"0 s"_s;
        QTest::addRow("40 s") << 40.0 << u"40 s"_s;
        QTest::addRow("89 s") << 89.0 << u"89 s"_s;
        QTest::addRow("38 min") << 38.0 * 60 << u"38 min"_s;
        QTest::addRow("1 h") << 3600.0 << u"1 h"_s;
        QTest::addRow("1 h 12 m") << 72.0 * 60 << u"1 h 12 m"_s;
        QTest::addRow("3 d 4 h") << (3 * 24 + 4) * 3600.0 << u"3 d 4 h"_s;
    }

    void durationInWords()
    {
        QFETCH(double, seconds);
        QFETCH(QString, text);
        QCOMPARE(formatDuration(seconds), text);
    }

    void isoTimestamps()
    {
        QCOMPARE(isoTimestamp(1'795'749'120'007), u"2026-11-27T03:12:00.007Z"_s);
        QCOMPARE(isoTimestamp(kNoTime), QString());
    }

    void clockAgainstAReference()
    {
        const qint64 t = 1'795'749'120'000; // 2026-11-27 03:12 UTC
        QCOMPARE(formatClock(t, t + 3600'000, 0), u"03:12"_s);
        QCOMPARE(formatClock(t, t + 86'400'000, 3600), u"2026-11-27 04:12"_s);
        QCOMPARE(formatClock(kNoTime), unknownText());
    }

    // The keys written to JSON, CSV and the status line come from the enumerators' names; these are
    // the strings the formats promise.
    void enumKeysAreStable()
    {
        QCOMPARE(verdictKindKey(VerdictKind::None), u"none"_s);
        QCOMPARE(verdictKindKey(VerdictKind::Stable), u"stable"_s);
        QCOMPARE(verdictKindKey(VerdictKind::Growing), u"growing"_s);
        QCOMPARE(verdictKindKey(VerdictKind::Unknown), u"unknown"_s);
        QCOMPARE(reconcileConfidenceKey(ReconcileConfidence::High), u"high"_s);
        QCOMPARE(reconcileConfidenceKey(ReconcileConfidence::Medium), u"medium"_s);
        QCOMPARE(reconcileConfidenceKey(ReconcileConfidence::Low), u"low"_s);
        QCOMPARE(thresholdLevelKey(ThresholdLevel::Ok), u"ok"_s);
        QCOMPARE(thresholdLevelKey(ThresholdLevel::Warning), u"warning"_s);
        QCOMPARE(thresholdLevelKey(ThresholdLevel::Critical), u"critical"_s);
        QCOMPARE(statusLevelName(StatusLevel::Ok), u"OK"_s);
        QCOMPARE(statusLevelName(StatusLevel::Warning), u"WARNING"_s);
        QCOMPARE(statusLevelName(StatusLevel::Critical), u"CRITICAL"_s);
        QCOMPARE(statusLevelName(StatusLevel::Unknown), u"UNKNOWN"_s);
        QCOMPARE(severityName(Event::Severity::Info), u"info"_s);
        QCOMPARE(severityName(Event::Severity::Warning), u"warning"_s);
        QCOMPARE(severityName(Event::Severity::Critical), u"critical"_s);
        // The exit codes of the monitoring-plugin contract.
        QCOMPARE(int(StatusLevel::Unknown), 3);
    }

    void enumNameOfANonEnumerator() { QCOMPARE(enumName(static_cast<VerdictKind>(42)), QString()); }
};

QTEST_GUILESS_MAIN(TestFormat)
#include "tst_format.moc"
