// How long the payload inspector takes on payloads at the 4 MiB body cap: laying the payload out
// (inspectPayload, a job off the GUI thread) and what the GUI thread does with the result (the model reset,
// the tree view expanding the mapped values and sizing its columns). Prints the numbers; asserts the shape.
#include "models/PayloadModel.h"
#include "profiles/PayloadInspection.h"
#include "profiles/Profile.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QTest>
#include <QTreeView>

using namespace Qt::StringLiterals;
using namespace poolscope;

namespace {

constexpr qsizetype kCap = 4 * 1024 * 1024;

// {"pool": {...}, "routes": {"/api/r0": {"acquired": .., ...}, ...}} up to about the cap.
QByteArray bigJson()
{
    QByteArray body = R"({"pool": {"checked_out": 7, "tracked": 5, "pool_size": 10, "pool_max": 20}, "routes": {)";
    for (int i = 0; body.size() < kCap - 200; ++i) {
        if (i > 0)
            body += ", ";
        body += R"("/api/route)" + QByteArray::number(i) + R"(": {"acquired": )" + QByteArray::number(i * 3)
            + R"(, "released": )" + QByteArray::number(i * 3 - 1) + R"(, "active": 1, "leaks": 0})";
    }
    body += "}}";
    return body;
}

QByteArray bigExposition()
{
    QByteArray body = "# TYPE hikaricp_connections_active gauge\nhikaricp_connections_active{pool=\"main\"} 6\n";
    for (int i = 0; body.size() < kCap - 200; ++i)
        body += "http_requests_total{route=\"/api/route" + QByteArray::number(i) + "\",code=\"200\"} "
            + QByteArray::number(i) + "\n";
    return body;
}

} // namespace

class BenchPayloadInspector : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void atTheBodyCap_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("contentType");
        QTest::newRow("JSON") << bigJson() << QByteArray("application/json");
        QTest::newRow("Prometheus") << bigExposition() << QByteArray("text/plain; version=0.0.4");
    }
    void atTheBodyCap()
    {
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, contentType);
        QVERIFY(body.size() <= kCap);
        TargetConfig target;
        target.name = u"big"_s;
        target.pool = u"main"_s;

        // For comparison: what every poll of such a payload costs HealthSource (parse + map).
        QElapsedTimer clock;
        clock.start();
        const Payload payload { body, contentType, 1 };
        const std::optional<Profile> profile = Profile::create(u"auto"_s);
        qint64 parseMs = 0;
        if (payload.isExposition()) {
            const Exposition parsed = Exposition::parse(body);
            parseMs = clock.elapsed();
            profile->apply(parsed, target.pool);
        } else {
            const QJsonDocument document = QJsonDocument::fromJson(body);
            parseMs = clock.elapsed();
            profile->apply(document);
        }
        const qint64 pollMs = clock.elapsed();

        clock.restart();
        PayloadInspection inspection = inspectPayload(Payload { body, contentType, 1 }, target);
        const qint64 layoutMs = clock.elapsed();
        QVERIFY2(inspection.error.isEmpty(), qPrintable(inspection.error));
        QVERIFY(inspection.mappedCount >= 1);
        const qsizetype entries = inspection.entries.size();

        QTreeView view;
        PayloadModel model;
        view.setUniformRowHeights(true);
        view.setModel(&model);
        view.resize(900, 600);
        view.show();
        clock.restart();
        model.setInspection(std::move(inspection));
        for (qsizetype i = 0; i < model.inspection().entries.size(); ++i) {
            if (!model.inspection().entries.at(i).feeds.isEmpty()) {
                for (QModelIndex at = model.parent(model.indexOfEntry(i)); at.isValid(); at = at.parent())
                    view.expand(at);
            }
        }
        view.resizeColumnToContents(PayloadModel::Key);
        view.resizeColumnToContents(PayloadModel::Value);
        QCoreApplication::processEvents();
        const qint64 guiMs = clock.elapsed();
        qInfo(
            "%s: %.1f MiB, %lld entries: a poll's parse %lld + map %lld ms; inspector layout (job) %lld ms, GUI thread "
            "(reset, expand, size, paint) %lld ms",
            QTest::currentDataTag(), body.size() / 1048576.0, static_cast<long long>(entries),
            static_cast<long long>(parseMs), static_cast<long long>(pollMs - parseMs), static_cast<long long>(layoutMs),
            static_cast<long long>(guiMs));
    }
};

QTEST_MAIN(BenchPayloadInspector)
#include "bench_payloadinspector.moc"
