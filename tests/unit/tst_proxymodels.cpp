// The view-side proxies of ui/ over the models of src/models: what a person sees when sorting by a
// column (raw numbers, not text), filtering, and the marks painted on rows. Each proxy runs under
// QAbstractItemModelTester, created before its model is filled.
#include "BackendsProxyModel.h"
#include "RoutesProxyModel.h"
#include "SyntheticWorkspace.h"
#include "TargetsProxyModel.h"
#include "Theme.h"
#include "models/BackendsModel.h"
#include "models/RoutesModel.h"
#include "models/TargetsModel.h"
#include "store/Session.h"

#include <QAbstractItemModelTester>
#include <QFont>
#include <QTest>

using namespace poolscope;
using namespace Qt::StringLiterals;

namespace {
constexpr qint64 kNow = 1'795'000'000'000;
constexpr qint64 kMinute = 60'000;

Backend backend(int pid, const QString& app, const QString& state, qint64 inStateMs)
{
    Backend b;
    b.pid = pid;
    b.usename = u"app_user"_s;
    b.applicationName = app;
    b.clientAddr = u"10.0.0.5"_s;
    b.clientPort = 40000 + pid;
    b.backendStartMs = kNow - 60 * kMinute;
    b.stateChangeMs = kNow - inStateMs;
    b.queryStartMs = b.stateChangeMs;
    b.state = state;
    b.query = u"SELECT %1"_s.arg(pid);
    return b;
}

ActivitySnapshot snapshot(QList<Backend> backends)
{
    ActivitySnapshot s;
    s.database = u"main"_s;
    s.timestampMs = kNow;
    s.serverTimeMs = kNow;
    s.backends = std::move(backends);
    return s;
}

RouteStats route(const QString& name, double acquired, double released)
{
    RouteStats s;
    s.name = name;
    s.acquired = acquired;
    s.released = released;
    s.active = acquired - released;
    s.leaks = 0;
    return s;
}

QList<int> column(const QAbstractItemModel& model, int role, int columnIndex = 0)
{
    QList<int> out;
    for (int row = 0; row < model.rowCount(); ++row)
        out.append(model.index(row, columnIndex).data(role).toInt());
    return out;
}

// A BackendsModel over a Session of one target, behind the proxy (its tester attached while empty).
struct BackendsTable
{
    Session session { test::syntheticWorkspace({ u"web"_s }, u"http://127.0.0.1:1/health"_s) };
    BackendsModel model { &session };
    BackendsProxyModel proxy;
    QAbstractItemModelTester tester { &proxy, QAbstractItemModelTester::FailureReportingMode::QtTest };

    BackendsTable()
    {
        proxy.setSourceModel(&model);
        proxy.sort(BackendsModel::Pid);
    }
};

QStringList names(const QAbstractItemModel& model)
{
    QStringList out;
    for (int row = 0; row < model.rowCount(); ++row)
        out.append(model.index(row, RoutesModel::Route).data(RoutesModel::NameRole).toString());
    return out;
}
} // namespace

class TestProxyModels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Ages sort by their milliseconds: "9 s" comes before "1 m 00 s", which text order would invert.
    void backendsSortByRawAge()
    {
        BackendsTable table;
        auto& [session, model, proxy, tester] = table;
        proxy.sort(BackendsModel::InState, Qt::AscendingOrder);
        session.addSnapshot(snapshot({ backend(1, u"web"_s, u"idle"_s, 1 * kMinute),
            backend(2, u"web"_s, u"active"_s, 9'000), backend(3, u"worker"_s, u"idle"_s, 10 * kMinute) }));
        QCOMPARE(column(proxy, BackendsModel::PidRole), (QList<int> { 2, 1, 3 }));
        proxy.sort(BackendsModel::InState, Qt::DescendingOrder);
        QCOMPARE(column(proxy, BackendsModel::PidRole), (QList<int> { 3, 1, 2 }));
        // Pids sort as numbers.
        session.addSnapshot(snapshot({ backend(10, u"web"_s, u"idle"_s, 0), backend(9, u"web"_s, u"idle"_s, 0),
            backend(100, u"web"_s, u"idle"_s, 0) }));
        proxy.sort(BackendsModel::Pid, Qt::AscendingOrder);
        QCOMPARE(column(proxy, BackendsModel::PidRole), (QList<int> { 9, 10, 100 }));
    }

    // The filter looks at every column, ignoring case; a snapshot that arrives keeps it applied.
    void backendsFilterOnAnyColumn()
    {
        BackendsTable table;
        auto& [session, model, proxy, tester] = table;
        session.addSnapshot(snapshot({ backend(1, u"web"_s, u"idle"_s, 0), backend(2, u"Worker"_s, u"active"_s, 0),
            backend(3, u"web"_s, u"idle in transaction"_s, 0) }));
        proxy.setFilterFixedString(u"WORKER"_s);
        QCOMPARE(column(proxy, BackendsModel::PidRole), (QList<int> { 2 }));
        proxy.setFilterFixedString(u"in transaction"_s);
        QCOMPARE(column(proxy, BackendsModel::PidRole), (QList<int> { 3 }));
        session.addSnapshot(snapshot({ backend(3, u"web"_s, u"idle in transaction"_s, 0),
            backend(4, u"web"_s, u"idle in transaction"_s, 0), backend(5, u"web"_s, u"idle"_s, 0) }));
        QCOMPARE(column(proxy, BackendsModel::PidRole), (QList<int> { 3, 4 }));
        proxy.setFilterFixedString(QString());
        QCOMPARE(proxy.rowCount(), 3);
    }

    // Marked rows get the Theme's colours; a long idle-in-transaction row has its state in bold.
    void backendsMarks()
    {
        BackendsTable table;
        auto& [session, model, proxy, tester] = table;
        Backend stuck = backend(2, u"web"_s, u"idle in transaction"_s, 0);
        stuck.xactStartMs = kNow - 2 * kMinute;
        session.addSnapshot(snapshot({ backend(1, u"web"_s, u"active"_s, 0), stuck }));
        QVERIFY(!proxy.index(0, BackendsModel::State).data(Qt::BackgroundRole).isValid());
        QCOMPARE(proxy.index(1, BackendsModel::State).data(Qt::BackgroundRole).value<QColor>(),
            Theme::markBackground(BackendsModel::Mark::LongIdleInTransaction));
        QVERIFY(proxy.index(1, BackendsModel::State).data(Qt::FontRole).value<QFont>().bold());
        QVERIFY(!proxy.index(1, BackendsModel::Pid).data(Qt::FontRole).isValid());
    }

    // Counts sort as numbers; the filter matches the route name only, not the "▲" shown for rising.
    void routesSortAndFilter()
    {
        RoutesModel model;
        RoutesProxyModel proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        proxy.sort(RoutesModel::Acquired, Qt::DescendingOrder);
        RouteRate rising;
        rising.name = u"/bets"_s;
        rising.rising = true;
        model.setRoutes(
            { route(u"/odds"_s, 9, 9), route(u"/bets"_s, 100, 90), route(u"/users"_s, 20, 20) }, { rising });
        QCOMPARE(names(proxy), (QStringList { u"/bets"_s, u"/users"_s, u"/odds"_s }));
        proxy.sort(RoutesModel::Active, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, RoutesModel::Route).data(RoutesModel::NameRole).toString(), u"/bets"_s);
        QCOMPARE(proxy.index(0, RoutesModel::Route).data(Qt::ForegroundRole).value<QColor>(),
            Theme::stateColor(TargetsModel::StateLevel::Critical));
        QVERIFY(!proxy.index(1, RoutesModel::Route).data(Qt::ForegroundRole).isValid());
        proxy.setFilterFixedString(u"▲"_s);
        QCOMPARE(proxy.rowCount(), 0);
        proxy.setFilterFixedString(u"BETS"_s);
        QCOMPARE(names(proxy), (QStringList { u"/bets"_s }));
        // New routes arrive through the filter.
        model.setRoutes({ route(u"/bets"_s, 101, 90), route(u"/bets/settle"_s, 1, 0) }, {});
        QCOMPARE(proxy.rowCount(), 2);
    }

    // Targets keep the workspace order (an identity proxy); the level colours the state and the
    // untracked count at warning and critical only.
    void targetsLevels()
    {
        Workspace ws = test::syntheticWorkspace({ u"web"_s, u"worker"_s }, u"http://127.0.0.1:1/health"_s);
        ws.thresholds.discrepancyWarning = 5;
        ws.thresholds.discrepancyCritical = 10;
        Session session(ws);
        TargetsModel model(&session);
        TargetsProxyModel proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        const auto sample = [](const QString& target, double discrepancy) {
            Sample s;
            s.target = target;
            s.timestampMs = kNow;
            s.metrics.set(Metric::CheckedOut, discrepancy);
            s.metrics.set(Metric::Tracked, 0);
            s.metrics.set(Metric::Discrepancy, discrepancy);
            return s;
        };
        session.addSample(sample(u"web"_s, 12));
        session.addSample(sample(u"worker"_s, 1));
        QCOMPARE(proxy.index(0, TargetsModel::Name).data().toString(), u"web"_s);
        QCOMPARE(proxy.index(0, TargetsModel::Discrepancy).data(Qt::ForegroundRole).value<QColor>(),
            Theme::stateColor(TargetsModel::StateLevel::Critical));
        QVERIFY(!proxy.index(1, TargetsModel::Discrepancy).data(Qt::ForegroundRole).isValid());
        QVERIFY(!proxy.index(1, TargetsModel::State).data(Qt::ForegroundRole).isValid());
        QVERIFY(proxy.index(0, TargetsModel::Name).data(Qt::DecorationRole).isValid());
        session.addSample(sample(u"worker"_s, 6));
        QCOMPARE(proxy.index(1, TargetsModel::State).data(Qt::ForegroundRole).value<QColor>(),
            Theme::stateColor(TargetsModel::StateLevel::Warning));
    }
};

QTEST_MAIN(TestProxyModels)
#include "tst_proxymodels.moc"
