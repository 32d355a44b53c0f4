#include "SyntheticWorkspace.h"
#include "models/BackendsModel.h"
#include "models/Format.h"
#include "models/TargetsModel.h"
#include "store/Session.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

using namespace poolscope;
using namespace Qt::StringLiterals;

namespace {
constexpr qint64 kT0 = 1'700'000'000'000; // a fixed UTC instant
constexpr qint64 kSecond = 1000;
constexpr qint64 kMinute = 60 * kSecond;

Workspace makeWorkspace()
{
    Workspace ws = test::syntheticWorkspace(
        { u"web"_s, u"worker_odds"_s, u"worker_settlement"_s }, u"http://127.0.0.1:1/health"_s);
    ws.thresholds.discrepancyWarning = 20;
    ws.thresholds.discrepancyCritical = 25;
    return ws;
}

Sample okSample(const QString& target, qint64 t, double checkedOut, double tracked)
{
    Sample s;
    s.target = target;
    s.timestampMs = t;
    s.metrics.set(Metric::CheckedOut, checkedOut);
    s.metrics.set(Metric::Tracked, tracked);
    s.metrics.set(Metric::Discrepancy, checkedOut - tracked);
    s.metrics.set(Metric::PoolSize, 20);
    s.metrics.set(Metric::PoolMax, 50);
    return s;
}

Backend backend(int pid, const QString& app, const QString& state, qint64 start)
{
    Backend b;
    b.pid = pid;
    b.datname = u"app"_s;
    b.usename = u"app_user"_s;
    b.applicationName = app;
    b.clientAddr = u"10.0.0.5"_s;
    b.clientPort = 40000 + pid;
    b.backendType = u"client backend"_s;
    b.backendStartMs = start;
    b.stateChangeMs = start;
    b.queryStartMs = start;
    b.state = state;
    b.query = u"SELECT 1"_s;
    return b;
}

ActivitySnapshot snapshot(qint64 serverTime, QList<Backend> backends)
{
    ActivitySnapshot s;
    s.database = u"main"_s;
    s.timestampMs = serverTime;
    s.serverTimeMs = serverTime;
    s.latencyMs = 3;
    s.backends = std::move(backends);
    return s;
}

int rowOfPid(const QAbstractItemModel& model, int pid)
{
    for (int row = 0; row < model.rowCount(); ++row) {
        if (model.index(row, 0).data(BackendsModel::PidRole).toInt() == pid)
            return row;
    }
    return -1;
}
} // namespace

class TestModels : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    void formatDuration_data()
    {
        QTest::addColumn<qint64>("ms");
        QTest::addColumn<QString>("expected");
        QTest::addRow("zero") << qint64(0) << u"0 s"_s;
        QTest::addRow("sub-second") << qint64(999) << u"0 s"_s;
        QTest::addRow("negative (skew)") << qint64(-5000) << u"0 s"_s;
        QTest::addRow("3 s") << qint64(3 * kSecond) << u"3 s"_s;
        QTest::addRow("59 s") << qint64(59 * kSecond + 999) << u"59 s"_s;
        QTest::addRow("1 m") << qint64(kMinute) << u"1 m 00 s"_s;
        QTest::addRow("4 m 12 s") << qint64(4 * kMinute + 12 * kSecond) << u"4 m 12 s"_s;
        QTest::addRow("2 h 05 m") << qint64(125 * kMinute + 30 * kSecond) << u"2 h 05 m"_s;
        QTest::addRow("23 h 59 m") << qint64(24 * 60 * kMinute - 1) << u"23 h 59 m"_s;
        QTest::addRow("3 d 4 h") << qint64((3 * 24 + 4) * 60 * kMinute + 7 * kMinute) << u"3 d 4 h"_s;
        QTest::addRow("unknown") << kNoTime << u"—"_s;
    }
    void formatDuration()
    {
        QFETCH(qint64, ms);
        QFETCH(QString, expected);
        QCOMPARE(poolscope::formatDurationMs(ms), expected);
    }

    void formatClient()
    {
        Backend b;
        QCOMPARE(poolscope::formatClient(b), u"local"_s);
        b.clientAddr = u"10.1.2.3"_s;
        b.clientPort = 5000;
        QCOMPARE(poolscope::formatClient(b), u"10.1.2.3:5000"_s);
        b.clientAddr = u"::1"_s;
        QCOMPARE(poolscope::formatClient(b), u"[::1]:5000"_s);
        QCOMPARE(poolscope::singleLine(u"  SELECT *\n\t FROM  t\n"_s), u"SELECT * FROM t"_s);
    }

    void targetsModel()
    {
        Session session(makeWorkspace());
        TargetsModel model(&session);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.columnCount(), int(TargetsModel::NumColumns));
        QCOMPARE(model.index(1, TargetsModel::Name).data().toString(), u"worker_odds"_s);
        QCOMPARE(model.index(0, TargetsModel::State).data().toString(), u"waiting"_s);
        QCOMPARE(model.index(0, TargetsModel::Backends).data().toString(), u"—"_s);
        QCOMPARE(model.index(0, 0).data(TargetsModel::StateLevelRole).toInt(), int(TargetsModel::StateLevel::Waiting));

        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        session.addSample(okSample(u"worker_odds"_s, kT0, 15, 0));
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed[0][0].toModelIndex().row(), 1);
        QCOMPARE(changed[0][1].toModelIndex().row(), 1);
        QCOMPARE(model.index(1, TargetsModel::State).data().toString(), u"ok"_s);
        QCOMPARE(model.index(1, TargetsModel::CheckedOut).data().toString(), u"15"_s);
        QCOMPARE(model.index(1, TargetsModel::Tracked).data().toString(), u"0"_s);
        QCOMPARE(model.index(1, TargetsModel::Discrepancy).data().toString(), u"15"_s);
        QCOMPARE(model.index(1, TargetsModel::Discrepancy).data(TargetsModel::SortRole).toDouble(), 15.0);
        QCOMPARE(model.index(1, TargetsModel::Pool).data().toString(), u"20/50"_s);
        QCOMPARE(model.index(1, TargetsModel::LastPoll).data().toString(), formatClock(kT0));
        QCOMPARE(model.index(1, TargetsModel::LastPoll).data(TargetsModel::SortRole).toLongLong(), kT0);
        QCOMPARE(model.index(1, 0).data(TargetsModel::StateLevelRole).toInt(), int(TargetsModel::StateLevel::Ok));
        // Every number says what it is and where it came from.
        const QString url = session.target(1).config.url;
        const auto tip = [&model](int column) { return model.index(1, column).data(Qt::ToolTipRole).toString(); };
        for (const int column : { TargetsModel::CheckedOut, TargetsModel::Tracked, TargetsModel::Discrepancy,
                 TargetsModel::Pool, TargetsModel::LastPoll }) {
            QVERIFY2(tip(column).contains(url), qPrintable(tip(column)));
            QVERIFY2(
                tip(column).contains(formatClock(kT0)) || column == TargetsModel::LastPoll, qPrintable(tip(column)));
        }
        QVERIFY(tip(TargetsModel::CheckedOut).startsWith(u"Checked out: 15 connections"_s));
        QVERIFY(tip(TargetsModel::Discrepancy).contains(u"checked out 15 − tracked 0 = 15"_s));
        QVERIFY(tip(TargetsModel::Discrepancy).contains(u"Warning at 20, critical at 25"_s));
        QVERIFY(tip(TargetsModel::Pool).contains(u"size 20"_s));
        QVERIFY(tip(TargetsModel::Backends).contains(u"pg_stat_activity"_s));

        // Thresholds colour the state.
        session.addSample(okSample(u"web"_s, kT0, 22, 0));
        QCOMPARE(model.index(0, 0).data(TargetsModel::StateLevelRole).toInt(), int(TargetsModel::StateLevel::Warning));
        session.addSample(okSample(u"web"_s, kT0 + kSecond, 30, 1));
        QCOMPARE(model.index(0, 0).data(TargetsModel::StateLevelRole).toInt(), int(TargetsModel::StateLevel::Critical));

        // A failed poll: the state names the reason, numbers keep the last good values.
        Sample failed;
        failed.target = u"web"_s;
        failed.timestampMs = kT0 + 2 * kSecond;
        failed.error = u"connection refused"_s;
        session.addSample(failed);
        QCOMPARE(model.index(0, TargetsModel::State).data().toString(), u"failing: connection refused"_s);
        QCOMPARE(model.index(0, 0).data(TargetsModel::StateLevelRole).toInt(), int(TargetsModel::StateLevel::Failing));
        QCOMPARE(model.index(0, TargetsModel::CheckedOut).data().toString(), u"30"_s);
        QVERIFY(model.index(0, TargetsModel::State).data(Qt::ToolTipRole).toString().contains(u"1 consecutive"));

        // Snapshots fill the server-side backend count of the targets on that database only.
        changed.clear();
        session.addSnapshot(snapshot(kT0,
            { backend(101, u"web"_s, u"idle"_s, kT0 - kMinute), backend(102, u"web"_s, u"active"_s, kT0 - kMinute),
                backend(103, u"worker_odds"_s, u"idle"_s, kT0 - kMinute) }));
        QCOMPARE(changed.size(), 3);
        QCOMPARE(model.index(0, TargetsModel::Backends).data().toString(), u"2"_s);
        QCOMPARE(model.index(1, TargetsModel::Backends).data().toString(), u"1"_s);
        QCOMPARE(model.index(2, TargetsModel::Backends).data().toString(), u"0"_s);
        QCOMPARE(model.index(0, TargetsModel::Backends).data(TargetsModel::SortRole).toLongLong(), 2);
    }

    void targetsModelCoalesced()
    {
        // With an update interval, samples of several targets make one dataChanged over the rows they changed.
        Session session(makeWorkspace());
        TargetsModel model(&session);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setUpdateInterval(50);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        session.addSample(okSample(u"worker_odds"_s, kT0, 15, 0));
        session.addSample(okSample(u"web"_s, kT0, 4, 1));
        session.addSample(okSample(u"web"_s, kT0 + kSecond, 5, 1));
        QCOMPARE(changed.size(), 0);
        QCOMPARE(model.index(0, TargetsModel::CheckedOut).data().toString(), u"5"_s); // data() reads the newest
        QTRY_COMPARE(changed.size(), 1);
        QCOMPARE(changed[0][0].toModelIndex().row(), 0);
        QCOMPARE(changed[0][1].toModelIndex().row(), 1);
        QCOMPARE(changed[0][1].toModelIndex().column(), TargetsModel::NumColumns - 1);
        // Back to 0: what is pending is told at once, and so is every later change.
        session.addSample(okSample(u"worker_odds"_s, kT0 + kSecond, 16, 0));
        model.setUpdateInterval(0);
        QCOMPARE(changed.size(), 2);
        QCOMPARE(changed[1][0].toModelIndex().row(), 1);
        session.addSample(okSample(u"web"_s, kT0 + 2 * kSecond, 6, 1));
        QCOMPARE(changed.size(), 3);
    }

    void backendsModel()
    {
        Session session(makeWorkspace());
        BackendsModel model(&session);
        QSortFilterProxyModel proxy;
        proxy.setSortRole(BackendsModel::SortRole);
        proxy.setFilterKeyColumn(-1);
        proxy.setFilterCaseSensitivity(Qt::CaseInsensitive);
        proxy.setSourceModel(&model);
        proxy.sort(BackendsModel::InState, Qt::DescendingOrder);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);

        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);

        Backend local = backend(103, u"worker_odds"_s, u"idle in transaction"_s, kT0 - 3 * kMinute);
        local.clientAddr.clear();
        local.clientPort = -1;
        local.xactStartMs = kT0 - 2 * kMinute;
        local.query = u"UPDATE bets\n   SET settled = true\n WHERE id = $1"_s;
        Backend hidden;
        hidden.pid = 104;
        hidden.withheld = true;
        hidden.usename = u"other"_s;
        session.addSnapshot(snapshot(kT0,
            { backend(101, u"web"_s, u"idle"_s, kT0 - 10 * kMinute),
                backend(102, u"web"_s, u"active"_s, kT0 - 4 * kMinute - 12 * kSecond), local, hidden }));
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(proxy.rowCount(), 4);
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(resets.size(), 0);

        const int r101 = rowOfPid(model, 101);
        const int r102 = rowOfPid(model, 102);
        const int r103 = rowOfPid(model, 103);
        const int r104 = rowOfPid(model, 104);
        QVERIFY(r101 >= 0 && r102 >= 0 && r103 >= 0 && r104 >= 0);
        QCOMPARE(model.index(r102, BackendsModel::Database).data().toString(), u"main"_s);
        QCOMPARE(model.index(r102, BackendsModel::Client).data().toString(), u"10.0.0.5:40102"_s);
        QCOMPARE(model.index(r103, BackendsModel::Client).data().toString(), u"local"_s);
        QCOMPARE(model.index(r102, BackendsModel::BackendAge).data().toString(), u"4 m 12 s"_s);
        QCOMPARE(model.index(r102, BackendsModel::BackendAge).data(BackendsModel::SortRole).toLongLong(),
            4 * kMinute + 12 * kSecond);
        QCOMPARE(model.index(r102, BackendsModel::Pid).data(BackendsModel::SortRole).toInt(), 102);
        QCOMPARE(model.index(r103, BackendsModel::TransactionAge).data().toString(), u"2 m 00 s"_s);
        QCOMPARE(model.index(r101, BackendsModel::TransactionAge).data().toString(), QString());
        QCOMPARE(model.index(r101, BackendsModel::TransactionAge).data(BackendsModel::SortRole).toLongLong(), -1);
        QCOMPARE(model.index(r103, BackendsModel::Query).data().toString(),
            u"UPDATE bets SET settled = true WHERE id = $1"_s);
        QCOMPARE(model.index(r103, BackendsModel::Query).data(Qt::ToolTipRole).toString(), local.query);
        // The numbers say which pg_stat_activity column they come from.
        QVERIFY(
            model.index(r103, BackendsModel::BackendAge).data(Qt::ToolTipRole).toString().contains(u"backend_start"_s));
        QVERIFY(model.index(r103, BackendsModel::InState).data(Qt::ToolTipRole).toString().contains(u"state_change"_s));
        QVERIFY(model.index(r103, BackendsModel::Pid).data(Qt::ToolTipRole).toString().contains(u"pg_stat_activity"_s));

        // Marks: idle in transaction for 2 minutes, idle for 10 minutes, withheld.
        QCOMPARE(model.index(r103, 0).data(BackendsModel::MarkRole).toInt(),
            int(BackendsModel::Mark::LongIdleInTransaction));
        QCOMPARE(model.index(r101, 0).data(BackendsModel::MarkRole).toInt(), int(BackendsModel::Mark::LongIdle));
        QCOMPARE(model.index(r102, 0).data(BackendsModel::MarkRole).toInt(), int(BackendsModel::Mark::None));
        QCOMPARE(model.index(r104, 0).data(BackendsModel::MarkRole).toInt(), int(BackendsModel::Mark::Withheld));
        QCOMPARE(model.index(r104, BackendsModel::State).data().toString(), u"withheld (insufficient privilege)"_s);
        QCOMPARE(model.index(r104, BackendsModel::Query).data(Qt::ToolTipRole).toString(),
            u"grant pg_monitor to the monitoring role to see these rows"_s);

        // The proxy sorts by raw milliseconds: the longest in state first.
        QCOMPARE(proxy.index(0, 0).data(BackendsModel::PidRole).toInt(), 101);

        // Persistent indexes on a surviving row, in the model and through the proxy.
        const QPersistentModelIndex kept = model.index(r102, BackendsModel::State);
        const QPersistentModelIndex keptProxy = proxy.mapFromSource(model.index(r102, BackendsModel::Pid));
        QVERIFY(keptProxy.isValid());

        // Next tick: 101 went, 105 came, 102 changed state; 103 and 104 stayed.
        changed.clear();
        inserted.clear();
        Backend b102 = backend(102, u"web"_s, u"idle"_s, kT0 - 4 * kMinute - 12 * kSecond);
        b102.stateChangeMs = kT0 + kSecond;
        session.addSnapshot(snapshot(kT0 + 2 * kSecond,
            { b102, local, hidden, backend(105, u"worker_settlement"_s, u"active"_s, kT0 + kSecond) }));
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(removed.size(), 1);
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(changed.size(), 1); // one ranged signal for all surviving rows
        QCOMPARE(resets.size(), 0);
        QCOMPARE(rowOfPid(model, 101), -1);
        QVERIFY(rowOfPid(model, 105) >= 0);
        QVERIFY(kept.isValid());
        QCOMPARE(kept.data(BackendsModel::PidRole).toInt(), 102);
        QCOMPARE(kept.data().toString(), u"idle"_s);
        QCOMPARE(model.index(kept.row(), BackendsModel::InState).data().toString(), u"1 s"_s);
        QVERIFY(keptProxy.isValid());
        QCOMPARE(keptProxy.data().toString(), u"102"_s);

        // A backend with the same pid but a new backend_start is a new connection: a new row.
        const QPersistentModelIndex old103 = model.index(rowOfPid(model, 103), 0);
        Backend reborn = local;
        reborn.backendStartMs = kT0 + kSecond;
        session.addSnapshot(snapshot(kT0 + 4 * kSecond, { b102, reborn, hidden }));
        QCOMPARE(model.rowCount(), 3);
        QVERIFY(!old103.isValid());
        QVERIFY(kept.isValid());

        // A failed read keeps showing the last successful one.
        ActivitySnapshot failed;
        failed.database = u"main"_s;
        failed.timestampMs = kT0 + 6 * kSecond;
        failed.error = u"timeout"_s;
        session.addSnapshot(failed);
        QCOMPARE(model.rowCount(), 3);

        // Filter by application_name, in the model; and the proxy's text filter.
        model.setApplicationFilter(u"web"_s);
        QCOMPARE(model.rowCount(), 1);
        QVERIFY(kept.isValid());
        model.setApplicationFilter(QString());
        QCOMPARE(model.rowCount(), 3);
        proxy.setFilterFixedString(u"UPDATE BETS"_s);
        QCOMPARE(proxy.rowCount(), 1);
        QCOMPARE(proxy.index(0, 0).data(BackendsModel::PidRole).toInt(), 103);
        proxy.setFilterFixedString(QString());

        // Everything goes.
        session.addSnapshot(snapshot(kT0 + 8 * kSecond, {}));
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!kept.isValid());
    }
};

QTEST_GUILESS_MAIN(TestModels)
#include "tst_models.moc"
