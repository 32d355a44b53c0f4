// Recording end to end against the real demo (a real PostgreSQL and real psycopg_pool services): a live
// Session, Monitor and Recorder on the demo workspace; the reopened recording must rebuild what was live.
#include "../unit/RecordingCompare.h"
#include "DemoState.h"
#include "record/Recorder.h"
#include "record/RecordingArchive.h"
#include "record/RecordingReader.h"
#include "sources/Monitor.h"
#include "store/Session.h"
#include "workspace/WorkspaceFile.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace Qt::StringLiterals;
using namespace poolscope;
using namespace poolscope::test;

class TestRecordingE2e : public QObject
{
    Q_OBJECT

    Workspace m_workspace;

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        const QJsonObject state = demoState(&error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const WorkspaceResult loaded = loadWorkspace(state.value(u"workspace"_s).toString());
        QVERIFY2(loaded.ok(), qPrintable(loaded.errors.join(u"; "_s)));
        m_workspace = *loaded.workspace;
        QVERIFY(!m_workspace.databases.isEmpty());
    }

    void recordingRebuildsTheLiveSession()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"demo.sqlite"_s);
        Session live(m_workspace);
        Recorder recorder(&live);
        QString error;
        QVERIFY2(recorder.open(path, &error), qPrintable(error));
        // The time cursor's archive on the file being written.
        RecordingArchive archive;
        QVERIFY2(archive.open(path, &error), qPrintable(error));

        QList<ActivitySnapshot> snapshots; // copies of the live successful snapshots as they arrive
        connect(&live, &Session::snapshotAdded, this, [&](int index) {
            const ActivitySnapshot& s = live.database(index).latest;
            if (s.error.isEmpty())
                snapshots.append(s);
        });
        Monitor monitor(&live);
        monitor.start();
        QTRY_VERIFY_WITH_TIMEOUT(live.target(0).history.size() >= 10 && snapshots.size() >= 10, 40000);

        // While recording, the archive answers for a moment already committed.
        recorder.flush();
        const ActivitySnapshot early = snapshots.at(2);
        QCOMPARE(diffSnapshots(early, archive.snapshotAt(early.database, early.timestampMs)), QString());

        monitor.stop();
        recorder.close();
        QVERIFY2(recorder.lastError().isEmpty(), qPrintable(recorder.lastError()));

        RecordingReader reader;
        QVERIFY2(reader.open(path, &error), qPrintable(error));
        const std::unique_ptr<Session> replay = reader.load();
        QVERIFY2(reader.problems().isEmpty(), qPrintable(reader.problems().join(u"; "_s)));
        QCOMPARE(replay->targetCount(), live.targetCount());
        for (int t = 0; t < live.targetCount(); ++t) {
            const TargetHistory& a = live.target(t).history;
            const int rt = replay->targetIndex(live.target(t).config.name);
            QVERIFY(rt >= 0);
            const TargetHistory& b = replay->target(rt).history;
            QCOMPARE(b.size(), a.size());
            for (std::size_t row = 0; row < a.size(); ++row) {
                QCOMPARE(b.times()[row], a.times()[row]);
                QCOMPARE(b.ok(row), a.ok(row));
                QCOMPARE(b.error(row), a.error(row));
                for (int m = 0; m < kMetricCount; ++m) {
                    const double x = a.column(static_cast<Metric>(m))[row];
                    const double y = b.column(static_cast<Metric>(m))[row];
                    QVERIFY2(sameNumber(x, y),
                        qPrintable(u"%1 row %2 metric %3: %4 vs %5"_s.arg(live.target(t).config.name)
                                       .arg(row)
                                       .arg(m)
                                       .arg(x)
                                       .arg(y)));
                }
            }
            QCOMPARE(replay->target(rt).lastOk.routes.size(), live.target(t).lastOk.routes.size());
        }

        // A backend seen live, and the whole snapshot at several moments.
        QVERIFY(!snapshots.isEmpty());
        int pid = 0;
        for (const ActivitySnapshot& s : std::as_const(snapshots)) {
            if (!s.backends.isEmpty()) {
                pid = s.backends.first().pid;
                break;
            }
        }
        QVERIFY(pid != 0);
        int checked = 0;
        for (const qsizetype i : { qsizetype(0), snapshots.size() / 3, snapshots.size() / 2, snapshots.size() - 1 }) {
            const ActivitySnapshot& expected = snapshots.at(i);
            const ActivitySnapshot got = reader.snapshotAt(expected.database, expected.timestampMs);
            QCOMPARE(diffSnapshots(expected, got), QString());
            const bool liveHas = std::any_of(
                expected.backends.cbegin(), expected.backends.cend(), [pid](const Backend& b) { return b.pid == pid; });
            const bool replayHas = std::any_of(
                got.backends.cbegin(), got.backends.cend(), [pid](const Backend& b) { return b.pid == pid; });
            QCOMPARE(replayHas, liveHas);
            // Between two reads, the newest read before the moment.
            if (i + 1 < snapshots.size() && snapshots.at(i + 1).timestampMs > expected.timestampMs + 1) {
                QCOMPARE(
                    diffSnapshots(expected, reader.snapshotAt(expected.database, expected.timestampMs + 1)), QString());
            }
            ++checked;
        }
        QCOMPARE(checked, 4);
        QCOMPARE(replay->events().size(), live.events().size());
    }
};

QTEST_GUILESS_MAIN(TestRecordingE2e)
#include "tst_recording_e2e.moc"
