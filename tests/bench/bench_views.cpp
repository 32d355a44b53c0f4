// Benchmarks for the budgets in DESIGN.md that concern the views: decimation of a long series to the
// chart's pixel width, and a diffed update of the backends table behind a sorting proxy. Timings are
// printed (QBENCHMARK), never asserted; the checks are about correctness and output bounds.
#include "BusySnapshot.h"
#include "models/BackendsModel.h"
#include "store/Decimation.h"
#include "store/Session.h"

#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

#include <cmath>
#include <vector>

using namespace Qt::StringLiterals;
using namespace poolscope;

namespace {
constexpr qint64 kStart = test::kBusyStartMs;

ActivitySnapshot syntheticSnapshot(int backends, int tick)
{
    return test::busySnapshot(backends, tick, 2000);
}
} // namespace

class BenchViews : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decimateMillionPoints()
    {
        constexpr int n = 1'000'000;
        std::vector<qint64> t(n);
        std::vector<double> v(n);
        for (int i = 0; i < n; ++i) {
            t[static_cast<std::size_t>(i)] = kStart + qint64(i) * 1000;
            v[static_cast<std::size_t>(i)] = i % 997 == 0 ? std::nan("") : 10 + std::sin(i / 300.0) * 5;
        }
        Segments segments;
        QBENCHMARK
        {
            segments = decimate(t, v, t.front(), t.back(), 1200);
        }
        // At most a few points per pixel column, whatever the length of the series.
        QVERIFY(pointCount(segments) <= 1200 * 12);
        QVERIFY(pointCount(segments) > 1200);
    }

    void backendsTableDiffUpdate_data()
    {
        QTest::addColumn<int>("backends");
        QTest::addRow("1k") << 1000;
        QTest::addRow("20k") << 20000;
    }

    void backendsTableDiffUpdate()
    {
        QFETCH(int, backends);
        Workspace ws;
        ws.databases.append(DatabaseConfig { u"db"_s, u"x"_s, 2000, 5000 });
        Session session(ws);
        BackendsModel model(&session);
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(BackendsModel::SortRole);
        proxy.sort(BackendsModel::State);

        session.addSnapshot(syntheticSnapshot(backends, 0));
        QCOMPARE(model.rowCount(), backends);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        int tick = 1;
        QBENCHMARK
        {
            session.addSnapshot(syntheticSnapshot(backends, tick++));
        }
        QCOMPARE(model.rowCount(), backends);
        QCOMPARE(proxy.rowCount(), backends);
        QCOMPARE(reset.count(), 0); // diffed, never reset: selection and scroll survive
        // One ranged dataChanged per update (plus none for rows that did not change), not one per row.
        QVERIFY(changed.count() <= tick - 1);
    }
};

QTEST_GUILESS_MAIN(BenchViews)
#include "bench_views.moc"
