// The fault suite, disk side (issue 8): the disk fills up while `poolscope record` writes. Staged on a 2 MiB
// tmpfs in a mount namespace of its own (`unshare -m`, as root), mostly taken by a filler file, while a
// local health endpoint answers with 300 routes whose counters change on every poll. Asserts that the
// process says the disk is full, exits with an error, and that the file (copied out of the namespace)
// opens with every sample it reported as committed.
#include "DemoState.h"
#include "FaultTable.h"
#include "TestHttpServer.h"
#include "record/RecordingReader.h"
#include "store/Session.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <algorithm>

using namespace Qt::StringLiterals;
using namespace poolscope;
using poolscope::test::httpResponse;
using poolscope::test::TestHttpServer;

namespace {

QByteArray payload(int tick)
{
    QJsonObject routes;
    for (int r = 0; r < 300; ++r) {
        routes.insert(u"/api/route/%1"_s.arg(r),
            QJsonObject {
                { u"acquired"_s, tick + r }, { u"released"_s, tick }, { u"active"_s, r }, { u"leaks"_s, 0 } });
    }
    const QJsonObject body { { u"database"_s,
        QJsonObject { { u"pool"_s, QJsonObject { { u"checked_out"_s, tick % 20 }, { u"pool_size"_s, 20 } } },
            { u"tracking"_s,
                QJsonObject { { u"total_active"_s, tick % 20 }, { u"total_acquired"_s, tick },
                    { u"total_released"_s, tick }, { u"tracking_discrepancy"_s, 0 }, { u"routes"_s, routes } } } } } };
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

// A workspace with one target polled every 0.1 s.
QString writeWorkspace(const QTemporaryDir& dir, const QString& url)
{
    const QJsonObject target { { u"name"_s, u"web"_s }, { u"url"_s, url }, { u"profile"_s, u"seed"_s },
        { u"interval"_s, 0.1 }, { u"timeout"_s, 1 } };
    const QString path = dir.filePath(u"ws.json"_s);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        qFatal("cannot write %s", qPrintable(path));
    file.write(QJsonDocument(QJsonObject { { u"version"_s, 1 }, { u"targets"_s, QJsonArray { target } } }).toJson());
    return path;
}

// Mounts a small tmpfs on $1 (visible only to this process tree), leaves ~$5 KiB free, records into it,
// then copies what is there to $4 so that the test can open it after the namespace is gone.
const QString kScript = uR"(set -u
mount -t tmpfs -o size=2m tmpfs "$1" || exit 90
head -c "$(( 2048 - $5 ))k" /dev/zero > "$1/filler" 2>/dev/null
"$2" record "$3" --out "$1/rec.sqlite" --duration 60
rc=$?
cp "$1"/rec.sqlite* "$4"/ || exit 91
exit $rc
)"_s;

} // namespace

class TestFaultsDisk : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void diskFullWhileRecording()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QVERIFY(QDir(dir.path()).mkdir(u"mnt"_s));
        QVERIFY(QDir(dir.path()).mkdir(u"kept"_s));

        TestHttpServer server;
        int tick = 0;
        server.setRoute("/health", { TestHttpServer::Mode::Respond, httpResponse(200, "OK", payload(tick)) });
        QTimer changer;
        connect(&changer, &QTimer::timeout, this, [&] {
            server.setRoute("/health", { TestHttpServer::Mode::Respond, httpResponse(200, "OK", payload(++tick)) });
        });
        changer.start(20);

        const QJsonObject target { { u"name"_s, u"web"_s }, { u"url"_s, server.url("/health") },
            { u"profile"_s, u"seed"_s }, { u"interval"_s, 0.1 }, { u"timeout"_s, 1 } };
        const QString workspacePath = dir.filePath(u"ws.json"_s);
        QFile file(workspacePath);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(
            QJsonDocument(QJsonObject { { u"version"_s, 1 }, { u"targets"_s, QJsonArray { target } } }).toJson());
        file.close();

        QProcess record;
        QElapsedTimer clock;
        clock.start();
        record.start(u"unshare"_s,
            { u"-m"_s, u"sh"_s, u"-c"_s, kScript, u"sh"_s, dir.filePath(u"mnt"_s), poolscope::test::poolscopeBinary(),
                workspacePath, dir.filePath(u"kept"_s), u"384"_s });
        QTRY_VERIFY_WITH_TIMEOUT(record.state() == QProcess::NotRunning, 90'000);
        const qint64 elapsedMs = clock.elapsed();
        const QString err = QString::fromUtf8(record.readAllStandardError());
        qInfo().noquote() << "record said:\n" << err;
        QVERIFY2(record.exitCode() != 90, "cannot mount a tmpfs: the fault suite needs root (CAP_SYS_ADMIN)");
        QVERIFY2(record.exitCode() != 91, qPrintable(u"nothing to copy out of the tmpfs: "_s + err));

        // It stopped because of the disk, long before --duration, and said so.
        QCOMPARE(record.exitStatus(), QProcess::NormalExit);
        QCOMPARE(record.exitCode(), 1);
        QVERIFY2(elapsedMs < 45'000, qPrintable(u"recorded for %1 ms on a full disk"_s.arg(elapsedMs)));
        QVERIFY2(err.contains(u"disk is full"_s) || err.contains(u"No space left on device"_s), qPrintable(err));
        QVERIFY2(!err.contains(u"--duration reached"_s), qPrintable(err));
        QVERIFY2(!err.contains(u"is complete"_s), "after a full disk the recording is called complete");

        // The file opens with every sample the recorder reported as committed.
        const QRegularExpression progress(u", (\\d+) ticks, (\\d+) samples,"_s);
        qint64 committed = -1;
        for (auto it = progress.globalMatch(err); it.hasNext();)
            committed = it.next().captured(2).toLongLong();
        QVERIFY2(committed >= 1, qPrintable(u"no sample reported as committed before the disk was full: "_s + err));
        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(dir.filePath(u"kept/rec.sqlite"_s), &error), qPrintable(error));
        const std::unique_ptr<Session> session = reader.load();
        QVERIFY2(session, qPrintable(reader.errorString()));
        QCOMPARE(session->targetCount(), 1);
        const TargetHistory& history = session->target(0).history;
        QVERIFY2(qint64(history.size()) >= committed,
            qPrintable(u"%1 samples in the file, %2 reported committed"_s.arg(history.size()).arg(committed)));
        QVERIFY(history.ok(0));
        QCOMPARE(history.routes().size(), std::size_t(300));

        poolscope::test::FaultTable table;
        const QStringList lines = err.split(u'\n');
        const auto said = std::find_if(
            lines.cbegin(), lines.cend(), [](const QString& line) { return line.contains(u"disk is full"_s); });
        table.add(u"disk full while recording"_s, elapsedMs, poolscope::test::FaultTable::kNotMeasured,
            said == lines.cend() ? QString() : *said);
        table.print("Disk faults (show: from the start of `record` to its exit)");
    }

    // kill -9 while recording: the file opens, and at most the tick in progress is lost.
    void killedWhileRecording()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        TestHttpServer server;
        int tick = 0;
        server.setRoute("/health", { TestHttpServer::Mode::Respond, httpResponse(200, "OK", payload(tick)) });
        QTimer changer;
        connect(&changer, &QTimer::timeout, this, [&] {
            server.setRoute("/health", { TestHttpServer::Mode::Respond, httpResponse(200, "OK", payload(++tick)) });
        });
        changer.start(20);
        const QString workspacePath = writeWorkspace(dir, server.url("/health"));
        const QString out = dir.filePath(u"rec.sqlite"_s);

        QProcess record;
        record.start(poolscope::test::poolscopeBinary(), { u"record"_s, workspacePath, u"--out"_s, out });
        QTRY_VERIFY_WITH_TIMEOUT(server.requestCount("/health") >= 10, 30'000);
        record.kill(); // SIGKILL
        QTRY_VERIFY_WITH_TIMEOUT(record.state() == QProcess::NotRunning, 30'000);
        QCOMPARE(record.exitStatus(), QProcess::CrashExit);
        const int requests = server.requestCount("/health");

        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(out, &error), qPrintable(error));
        const std::unique_ptr<Session> session = reader.load();
        QVERIFY2(session, qPrintable(reader.errorString()));
        // A write() cut by the kill leaves its record short: it is named and ignored, nothing else is.
        const QStringList problems = reader.problems();
        QVERIFY2(problems.isEmpty() || (problems.size() == 1 && problems.first().contains(u"cut short"_s)),
            qPrintable(problems.join(u"; "_s)));
        const TargetHistory& history = session->target(0).history;
        // One request may have been in flight and one tick uncommitted.
        QVERIFY2(qint64(history.size()) >= requests - 2,
            qPrintable(u"%1 samples kept of %2 requests served"_s.arg(history.size()).arg(requests)));
        for (std::size_t row = 0; row < history.size(); ++row)
            QVERIFY2(history.ok(row), qPrintable(history.error(row)));
        QCOMPARE(history.routes().size(), std::size_t(300));
    }
};

QTEST_GUILESS_MAIN(TestFaultsDisk)
#include "tst_faults_disk.moc"
