#include "models/BackendGroupsModel.h"
#include "models/RoutesModel.h"
#include "models/SuspectsModel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

#include <cmath>

using namespace poolscope;
using namespace Qt::StringLiterals;

namespace {
constexpr qint64 kNow = 1'795'000'000'000;

Backend backend(int pid, const QString& app, const QString& state, qint64 startAgoS, qint64 inStateAgoS,
    const QString& query = u"SELECT 1"_s)
{
    Backend b;
    b.pid = pid;
    b.applicationName = app;
    b.state = state;
    b.clientAddr = u"10.1.23.%1"_s.arg(pid % 200);
    b.clientPort = 40000;
    b.backendStartMs = kNow - startAgoS * 1000;
    b.stateChangeMs = kNow - inStateAgoS * 1000;
    b.queryStartMs = b.stateChangeMs;
    b.query = query;
    return b;
}

RouteStats stats(const QString& name, double acquired, double released, double leaks = 0)
{
    RouteStats s;
    s.name = name;
    s.acquired = acquired;
    s.released = released;
    s.active = acquired - released;
    s.leaks = leaks;
    return s;
}

RoutePoint point(qint64 tMs, double acquired, double released)
{
    return RoutePoint { tMs, stats(u"r"_s, acquired, released) };
}
} // namespace

class TestDiagnosisModels : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void routesModel();
    void routesModelKeepsRowsOnSameRoutes();
    void acquireRateNeverNegative_data();
    void acquireRateNeverNegative();
    void groupsModelTree();
    void groupsModelFlatAndRedacted();
    void suspectsModel();
    void routesModelDiffsByName();
    void suspectsModelFollowsNewOrder();
    void groupsModelDiffKeepsGroupsAndSelection();
    void groupsModelFlatDiff();
};

void TestDiagnosisModels::routesModel()
{
    RoutesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);

    RouteRate orders;
    orders.name = u"/orders"_s;
    orders.acquiresPerMinute = 12.5;
    orders.activeChange = 7;
    orders.rising = true;
    RouteRate health;
    health.name = u"/health"_s;
    health.acquiresPerMinute = 30;
    health.activeChange = 0;
    model.setRoutes({ stats(u"/health"_s, 900, 900), stats(u"/orders"_s, 120, 100, 3) }, { orders, health });

    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), int(RoutesModel::NumColumns));
    const int o = model.rowOf(u"/orders"_s);
    QCOMPARE(o, 1);
    QCOMPARE(model.index(o, RoutesModel::Active).data().toString(), u"20"_s);
    QCOMPARE(model.index(o, RoutesModel::Active).data(RoutesModel::SortRole).toDouble(), 20.0);
    QCOMPARE(model.index(o, RoutesModel::Leaks).data().toString(), u"3"_s);
    QCOMPARE(model.index(o, RoutesModel::PerMinute).data().toString(), u"12.5"_s);
    QCOMPARE(model.index(o, RoutesModel::ActiveChange).data().toString(), u"+7"_s);
    QCOMPARE(model.index(o, RoutesModel::Route).data().toString(), u"▲ /orders"_s);
    QVERIFY(model.index(o, RoutesModel::Route).data(Qt::ToolTipRole).toString().contains(u"rising"_s));
    QVERIFY(model.index(o, RoutesModel::Leaks).data(RoutesModel::RisingRole).toBool());
    QVERIFY(!model.index(0, 0).data(RoutesModel::RisingRole).toBool());
    QCOMPARE(model.index(o, 3).data(RoutesModel::NameRole).toString(), u"/orders"_s);
    QCOMPARE(model.risingCount(), 1);

    // A route only in the rates (gone at the cursor) still gets a row, with unknown counters.
    RouteRate old;
    old.name = u"/old"_s;
    model.setRoutes({ stats(u"/health"_s, 900, 900) }, { old });
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(1, RoutesModel::Acquired).data().toString(), u"—"_s);
    QVERIFY(std::isnan(model.index(1, RoutesModel::Acquired).data(RoutesModel::SortRole).toDouble()));
    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

void TestDiagnosisModels::routesModelKeepsRowsOnSameRoutes()
{
    RoutesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setRoutes({ stats(u"/a"_s, 1, 0), stats(u"/b"_s, 2, 0) }, {});
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
    model.setRoutes({ stats(u"/a"_s, 5, 1), stats(u"/b"_s, 6, 0) }, {});
    QCOMPARE(resets.size(), 0);
    QCOMPARE(changes.size(), 1);
    QCOMPARE(model.index(0, RoutesModel::Active).data().toString(), u"4"_s);
}

void TestDiagnosisModels::acquireRateNeverNegative_data()
{
    QTest::addColumn<QList<double>>("acquired");
    QTest::addColumn<QList<double>>("expectedPerMinute");
    // One poll a minute.
    QTest::addRow("steady") << QList<double> { 0, 10, 20, 30 } << QList<double> { 10, 10, 10 };
    QTest::addRow("reset counts from zero") << QList<double> { 100, 110, 4, 14 } << QList<double> { 10, 4, 10 };
    QTest::addRow("flat") << QList<double> { 5, 5 } << QList<double> { 0 };
}

void TestDiagnosisModels::acquireRateNeverNegative()
{
    QFETCH(QList<double>, acquired);
    QFETCH(QList<double>, expectedPerMinute);
    std::vector<RoutePoint> points;
    for (qsizetype i = 0; i < acquired.size(); ++i)
        points.push_back(point(kNow + i * 60'000, acquired.at(i), 0));
    const QList<QPointF> rates = RoutesModel::acquireRateSeries(points);
    QCOMPARE(rates.size(), expectedPerMinute.size());
    for (qsizetype i = 0; i < rates.size(); ++i) {
        QVERIFY(rates.at(i).y() >= 0);
        QCOMPARE(rates.at(i).y(), expectedPerMinute.at(i));
        QCOMPARE(qint64(rates.at(i).x()), kNow + (i + 1) * 60'000);
    }
    QCOMPARE(RoutesModel::activeSeries(points).size(), acquired.size());
}

void TestDiagnosisModels::groupsModelTree()
{
    BackendGroupsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setGrouping(BackendGrouping::State);
    QCOMPARE(model.rowCount(), 0);
    model.setBackends(
        { backend(11, u"web"_s, u"idle"_s, 600, 30), backend(12, u"web"_s, u"idle"_s, 900, 300),
            backend(13, u"web"_s, u"active"_s, 100, 1), backend(14, u"worker"_s, u"idle in transaction"_s, 50, 40) },
        kNow);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.groupCount(), 3);
    const QModelIndex idle = model.index(0, 0);
    QCOMPARE(idle.data().toString(), u"idle"_s);
    QCOMPARE(model.index(0, BackendGroupsModel::Count).data().toString(), u"2"_s);
    QCOMPARE(model.index(0, BackendGroupsModel::OldestAge).data(BackendGroupsModel::SortRole).toDouble(), 900.0);
    QCOMPARE(model.index(0, BackendGroupsModel::OldestInState).data(BackendGroupsModel::SortRole).toDouble(), 300.0);
    QVERIFY(model.index(0, BackendGroupsModel::OldestInState).data().toString().contains(u"pid 12"_s));
    QVERIFY(idle.data(BackendGroupsModel::IsGroupRole).toBool());
    QCOMPARE(model.rowCount(idle), 2);
    const QModelIndex child = model.index(1, 0, idle);
    QCOMPARE(child.parent(), idle);
    QCOMPARE(child.data(BackendGroupsModel::PidRole).toInt(), 12);
    QCOMPARE(child.data(BackendGroupsModel::GroupKeyRole).toString(), u"idle"_s);
    QCOMPARE(model.backendAt(child)->pid, 12);
    QCOMPARE(model.backendAt(idle), nullptr);
    const QModelIndex found = model.indexOfPid(14);
    QVERIFY(found.isValid());
    QCOMPARE(found.parent().data().toString(), u"idle in transaction"_s);
    QVERIFY(!model.indexOfPid(999).isValid());

    model.setGrouping(BackendGrouping::ApplicationName);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, 0).data().toString(), u"web"_s);
    QCOMPARE(model.rowCount(model.index(0, 0)), 3);
}

void TestDiagnosisModels::groupsModelFlatAndRedacted()
{
    BackendGroupsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setBackends({ backend(21, u"web"_s, u"idle"_s, 60, 5, u"SELECT * FROM users WHERE email = 'bob@x.org'"_s),
                          backend(22, u"web"_s, u"active"_s, 60, 5) },
        kNow);
    QCOMPARE(model.rowCount(), 2); // flat without a grouping
    QCOMPARE(model.rowCount(model.index(0, 0)), 0);
    QVERIFY(model.index(0, BackendGroupsModel::Query).data().toString().contains(u"bob@x.org"_s));
    model.setRedacted(true);
    const QString redacted = model.index(0, BackendGroupsModel::Query).data().toString();
    QVERIFY(!redacted.contains(u"bob@x.org"_s));
    QVERIFY(redacted.contains(u"email = ?"_s));
    QCOMPARE(BackendGroupsModel::redact(backend(1, u"a"_s, u"idle"_s, 1, 1)).clientAddr, u"10.1.x.x"_s);
    QCOMPARE(BackendGroupsModel::groupingChoices().size(), 5);
    QVERIFY(!BackendGroupsModel::groupingChoices().first().second.has_value());
}

void TestDiagnosisModels::suspectsModel()
{
    SuspectsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    Suspect a;
    a.pid = 301;
    a.applicationName = u"web"_s;
    a.state = u"idle in transaction"_s;
    a.idleSeconds = 125;
    a.unchangedSeconds = 120;
    a.unchangedPolls = 60;
    a.fingerprint = u"UPDATE jobs SET state = ? WHERE id = ?"_s;
    a.reason = u"idle in transaction for 2 min"_s;
    Suspect b = a;
    b.pid = 302;
    b.state = u"idle"_s;
    b.idleSeconds = qQNaN();
    model.setSuspects({ a, b });
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), int(SuspectsModel::NumColumns));
    QCOMPARE(model.index(0, SuspectsModel::Pid).data().toString(), u"301"_s);
    QCOMPARE(model.index(0, SuspectsModel::Idle).data().toString(), u"2 m 05 s"_s);
    QCOMPARE(model.index(1, SuspectsModel::Idle).data().toString(), u"—"_s);
    QVERIFY(model.index(0, SuspectsModel::Unchanged).data().toString().contains(u"60 polls"_s));
    QCOMPARE(model.index(0, SuspectsModel::Fingerprint).data().toString(), a.fingerprint);
    QCOMPARE(model.index(1, SuspectsModel::Reason).data(SuspectsModel::PidRole).toInt(), 302);
    QCOMPARE(model.rowOfPid(302), 1);
    QCOMPARE(model.pidAt(0), 301);
    model.setSuspects({});
    QCOMPARE(model.rowCount(), 0);
}

// Routes that come and go are inserted and removed; the routes that stay keep their rows (and the
// selection on them), never a reset.
void TestDiagnosisModels::routesModelDiffsByName()
{
    RoutesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setRoutes({ stats(u"/a"_s, 1, 0), stats(u"/b"_s, 2, 0), stats(u"/c"_s, 3, 0) }, {});
    const QPersistentModelIndex selected = model.index(2, RoutesModel::Route); // "/c"
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.setRoutes({ stats(u"/b"_s, 2, 0), stats(u"/c"_s, 9, 1), stats(u"/d"_s, 1, 1) }, {});
    QCOMPARE(resets.size(), 0);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.first().at(1).toInt(), 2); // "/d" after the rows that stayed
    QVERIFY(selected.isValid());
    QCOMPARE(selected.row(), 1);
    QCOMPARE(selected.data(RoutesModel::NameRole).toString(), u"/c"_s);
    QCOMPARE(model.index(1, RoutesModel::Active).data(RoutesModel::SortRole).toDouble(), 8.0);
    QCOMPARE(model.nameAt(0), u"/b"_s);
    QCOMPARE(model.nameAt(2), u"/d"_s);
    QCOMPARE(model.rowOf(u"/a"_s), -1);
}

// Suspects are ranked: a new ranking moves the rows (a layout change), and a selected suspect stays
// selected on its new row.
void TestDiagnosisModels::suspectsModelFollowsNewOrder()
{
    SuspectsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    Suspect a;
    a.pid = 1;
    Suspect b;
    b.pid = 2;
    Suspect c;
    c.pid = 3;
    model.setSuspects({ a, b, c });
    const QPersistentModelIndex selected = model.index(0, SuspectsModel::Pid); // pid 1
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy layouts(&model, &QAbstractItemModel::layoutChanged);
    Suspect d;
    d.pid = 4;
    model.setSuspects({ c, d, a });
    QCOMPARE(resets.size(), 0);
    QCOMPARE(layouts.size(), 1);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.pidAt(0), 3);
    QCOMPARE(model.pidAt(1), 4);
    QCOMPARE(model.pidAt(2), 1);
    QCOMPARE(selected.row(), 2);
    QCOMPARE(selected.data(SuspectsModel::PidRole).toInt(), 1);
}

// A new snapshot is diffed: groups that went are removed, new ones appended, and an expanded group or
// a selected backend (persistent indexes, as a view holds them) survives, even when its group moves up.
void TestDiagnosisModels::groupsModelDiffKeepsGroupsAndSelection()
{
    BackendGroupsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setGrouping(BackendGrouping::State);
    model.setBackends(
        { backend(11, u"web"_s, u"idle"_s, 600, 30), backend(12, u"web"_s, u"idle"_s, 900, 300),
            backend(13, u"web"_s, u"active"_s, 100, 1), backend(14, u"worker"_s, u"idle in transaction"_s, 50, 40) },
        kNow);
    QCOMPARE(model.rowCount(), 3);
    const QModelIndex inTransaction = model.indexOfPid(14).parent();
    QCOMPARE(inTransaction.data(BackendGroupsModel::GroupKeyRole).toString(), u"idle in transaction"_s);
    const QPersistentModelIndex expanded = inTransaction;
    const QPersistentModelIndex selected = model.indexOfPid(14);
    const int rowBefore = expanded.row();

    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    // The idle group goes, pid 15 joins the active group, a new group "disabled" comes.
    QList<Backend> next { backend(13, u"web"_s, u"active"_s, 102, 3), backend(15, u"web"_s, u"active"_s, 10, 1),
        backend(14, u"worker"_s, u"idle in transaction"_s, 52, 42), backend(16, u"web"_s, u"disabled"_s, 5, 5) };
    model.setBackends(next, kNow + 2000);
    QCOMPARE(resets.size(), 0);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(removed.size(), 1); // the idle group, with its children
    QCOMPARE(inserted.size(), 2); // pid 15 under "active", the "disabled" group
    QVERIFY(expanded.isValid());
    QCOMPARE(expanded.row(), rowBefore - 1); // the idle group above it went
    QCOMPARE(expanded.data(BackendGroupsModel::GroupKeyRole).toString(), u"idle in transaction"_s);
    QVERIFY(selected.isValid());
    QCOMPARE(selected.data(BackendGroupsModel::PidRole).toInt(), 14);
    QCOMPARE(selected.parent(), QModelIndex(expanded));
    QCOMPARE(model.backendAt(selected)->stateChangeMs, kNow - 42 * 1000); // the new snapshot's row
    const QModelIndex active = model.indexOfPid(15).parent();
    QCOMPARE(active.data(BackendGroupsModel::GroupKeyRole).toString(), u"active"_s);
    QCOMPARE(model.rowCount(active), 2);
    QCOMPARE(model.index(active.row(), BackendGroupsModel::Count).data().toString(), u"2"_s);
    QCOMPARE(model.indexOfPid(16).parent().data(BackendGroupsModel::GroupKeyRole).toString(), u"disabled"_s);
    QVERIFY(!model.indexOfPid(11).isValid());
}

void TestDiagnosisModels::groupsModelFlatDiff()
{
    BackendGroupsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setBackends({ backend(11, u"web"_s, u"idle"_s, 600, 30), backend(12, u"web"_s, u"idle"_s, 900, 300) }, kNow);
    const QPersistentModelIndex selected = model.indexOfPid(12);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    model.setBackends({ backend(12, u"web"_s, u"active"_s, 901, 0), backend(13, u"web"_s, u"idle"_s, 1, 1) }, kNow);
    QCOMPARE(resets.size(), 0);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(selected.row(), 0);
    QCOMPARE(selected.data(BackendGroupsModel::PidRole).toInt(), 12);
    QCOMPARE(model.index(0, BackendGroupsModel::Count).data().toString(), u"active"_s);
    QCOMPARE(model.indexOfPid(13).row(), 1);
}

QTEST_GUILESS_MAIN(TestDiagnosisModels)
#include "tst_diagnosismodels.moc"
