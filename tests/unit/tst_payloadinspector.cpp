// The payload inspector's core: laying a payload out with the metric each value feeds (inspectPayload), the
// model that shows it, and writing one target field back to the workspace file (writeTargetField).
#include "TestFiles.h"
#include "models/PayloadModel.h"
#include "profiles/PayloadInspection.h"
#include "workspace/WorkspaceEdit.h"
#include "workspace/WorkspaceFile.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace poolscope;
using poolscope::test::readAll;
using poolscope::test::writeFile;

namespace {

const QByteArray kJson = R"({"pool": {"checked_out": 3, "pool_size": 10}, "custom": {"n": 5, "label": "x"}, )"
                         R"("list": [1, {"a": null}, true], "slash/key": 2})";

const QByteArray kExposition = "# TYPE hikaricp_connections_active gauge\n"
                               "hikaricp_connections_active{pool=\"main\"} 3\n"
                               "hikaricp_connections_active{pool=\"aux\"} 1\n"
                               "app_tracked{pool=\"main\",zone=\"a\"} 2\n";

Payload payload(const QByteArray& body, const QByteArray& contentType = "application/json")
{
    return Payload { body, contentType, 1'700'000'000'000 };
}

TargetConfig target(QHash<QString, QString> fields = {}, const QString& pool = {})
{
    TargetConfig t;
    t.name = u"app"_s;
    t.url = u"http://127.0.0.1:1/health"_s;
    t.fields = std::move(fields);
    t.pool = pool;
    return t;
}

const PayloadEntry* entryWithField(const PayloadInspection& inspection, const QString& field)
{
    for (const PayloadEntry& entry : inspection.entries) {
        if (entry.field == field)
            return &entry;
    }
    return nullptr;
}

const QByteArray kWorkspace
    = R"({"version": 1, "targets": [)"
      R"({"name": "app", "url": "http://127.0.0.1:8080/health", )"
      R"("headers": {"Authorization": "Bearer ${env:POOLSCOPE_TEST_TOKEN}"}, )"
      R"("fields": {"checked_out": "/pool/checked_out"}}, )"
      R"({"name": "other", "url": "http://127.0.0.1:8081/metrics", "pool": "main"}], )"
      R"("databases": [{"name": "db", "conninfo": "host=127.0.0.1 user=${env:POOLSCOPE_TEST_PG_USER}"}]})";

} // namespace

class TestPayloadInspector : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void jsonIsATreeOfPointers()
    {
        const PayloadInspection inspection = inspectPayload(payload(kJson), target());
        QCOMPARE(inspection.kind, PayloadInspection::Kind::Json);
        QVERIFY(inspection.error.isEmpty());
        QCOMPARE(inspection.target, u"app"_s);
        QCOMPARE(inspection.bytes, kJson.size());
        QCOMPARE(inspection.roots.size(), 4); // custom, list, pool, slash/key (QJsonObject sorts keys)
        QCOMPARE(inspection.entries.size(), 12);

        const PayloadEntry* n = entryWithField(inspection, u"/custom/n"_s);
        QVERIFY(n);
        QCOMPARE(n->key, u"n"_s);
        QCOMPARE(n->value, u"5"_s);
        QCOMPARE(inspection.entries.at(n->parent).key, u"custom"_s);
        QCOMPARE(entryWithField(inspection, u"/custom/label"_s)->value, u"\"x\""_s);
        QCOMPARE(entryWithField(inspection, u"/list"_s)->value, u"[3]"_s);
        QCOMPARE(entryWithField(inspection, u"/list/1"_s)->key, u"[1]"_s);
        QCOMPARE(entryWithField(inspection, u"/list/1/a"_s)->value, u"null"_s);
        QCOMPARE(entryWithField(inspection, u"/list/2"_s)->value, u"true"_s);
        QCOMPARE(entryWithField(inspection, u"/slash~1key"_s)->key, u"slash/key"_s);
    }

    void jsonValuesAreMarkedWithTheMetricTheyFeed()
    {
        // auto finds checked_out by name; tracked comes from an explicit field.
        const PayloadInspection inspection
            = inspectPayload(payload(kJson), target({ { u"tracked"_s, u"/custom/n"_s } }));
        QCOMPARE(entryWithField(inspection, u"/pool/checked_out"_s)->feeds, u"checked_out"_s);
        QCOMPARE(entryWithField(inspection, u"/custom/n"_s)->feeds, u"tracked"_s);
        QVERIFY(entryWithField(inspection, u"/custom/label"_s)->feeds.isEmpty());
        QVERIFY(entryWithField(inspection, u"/custom"_s)->feeds.isEmpty());
        QCOMPARE(inspection.mappedCount, 3); // checked_out, tracked, pool_size
        QCOMPARE(entryWithField(inspection, u"/pool/pool_size"_s)->feeds, u"pool_size"_s);
    }

    void aFieldOfTheWrongTypeIsReported()
    {
        const PayloadInspection inspection
            = inspectPayload(payload(kJson), target({ { u"tracked"_s, u"/custom/label"_s } }));
        QVERIFY(inspection.error.isEmpty());
        QVERIFY2(inspection.mappingError.contains(u"/custom/label"_s), qPrintable(inspection.mappingError));
        QCOMPARE(inspection.entries.size(), 12); // the payload is still shown
    }

    void expositionIsOneRowPerSeries()
    {
        const PayloadInspection inspection = inspectPayload(payload(kExposition, "text/plain; version=0.0.4"),
            target({ { u"tracked"_s, uR"(app_tracked{pool="main"})"_s } }, u"main"_s));
        QCOMPARE(inspection.kind, PayloadInspection::Kind::Exposition);
        QVERIFY(inspection.error.isEmpty());
        QCOMPARE(inspection.roots.size(), 3);
        QCOMPARE(inspection.entries.size(), 3);
        const PayloadEntry& main = inspection.entries.at(0);
        QCOMPARE(main.key, uR"(hikaricp_connections_active{pool="main"})"_s);
        QCOMPARE(main.field, main.key);
        QCOMPARE(main.value, u"3"_s);
        QCOMPARE(main.feeds, u"checked_out"_s);
        QVERIFY(inspection.entries.at(1).feeds.isEmpty()); // the other pool
        QCOMPARE(inspection.entries.at(2).key, uR"(app_tracked{pool="main",zone="a"})"_s);
        QCOMPARE(inspection.entries.at(2).feeds, u"tracked"_s);
    }

    void expositionIsSniffedWithoutAContentType()
    {
        const PayloadInspection inspection = inspectPayload(payload(kExposition, QByteArray()), target({}, u"main"_s));
        QCOMPARE(inspection.kind, PayloadInspection::Kind::Exposition);
    }

    void badPayloadsSayWhy_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<QString>("error");
        QTest::newRow("truncated JSON") << QByteArray(R"({"pool": {)") << QByteArray("application/json")
                                        << u"invalid JSON at offset"_s;
        QTest::newRow("bad exposition") << QByteArray("metric{pool=\"x} 1\n") << QByteArray("text/plain")
                                        << u"invalid Prometheus text at line 1"_s;
    }
    void badPayloadsSayWhy()
    {
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, contentType);
        QFETCH(QString, error);
        const PayloadInspection inspection = inspectPayload(payload(body, contentType), target());
        QVERIFY2(inspection.error.startsWith(error), qPrintable(inspection.error));
        QVERIFY(inspection.entries.isEmpty());
    }

    void noPayloadYet()
    {
        const PayloadInspection inspection = inspectPayload(Payload {}, target());
        QCOMPARE(inspection.kind, PayloadInspection::Kind::None);
        QVERIFY(inspection.entries.isEmpty());
        QVERIFY(inspection.error.isEmpty());
    }

    void modelShowsTheTree()
    {
        PayloadModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        model.setInspection(inspectPayload(payload(kJson), target({ { u"tracked"_s, u"/custom/n"_s } })));
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(model.columnCount(), int(PayloadModel::NumColumns));
        QCOMPARE(model.headerData(PayloadModel::Key, Qt::Horizontal).toString(), u"Key"_s);

        const QModelIndex custom = model.index(0, PayloadModel::Key);
        QCOMPARE(custom.data().toString(), u"custom"_s);
        QCOMPARE(model.rowCount(custom), 2);
        QCOMPARE(model.rowCount(model.index(0, PayloadModel::Value)), 0); // only column 0 has children
        const QModelIndex n = model.index(1, PayloadModel::Key, custom);
        QCOMPARE(n.data().toString(), u"n"_s);
        QCOMPARE(n.siblingAtColumn(PayloadModel::Value).data().toString(), u"5"_s);
        QCOMPARE(n.siblingAtColumn(PayloadModel::Feeds).data().toString(), u"tracked"_s);
        QCOMPARE(n.siblingAtColumn(PayloadModel::Value).data(PayloadModel::FieldRole).toString(), u"/custom/n"_s);
        QVERIFY(n.data(PayloadModel::MappedRole).toBool());
        QVERIFY(!custom.data(PayloadModel::MappedRole).toBool());
        QCOMPARE(model.parent(n), custom);
        QCOMPARE(model.indexOfField(u"/custom/n"_s), n);
        QVERIFY(!model.indexOfField(u"/nowhere"_s).isValid());
        QCOMPARE(model.indexOfEntry(
                     entryWithField(model.inspection(), u"/custom/n"_s) - model.inspection().entries.constData()),
            n);
        QVERIFY(!model.indexOfEntry(-1).isValid());
        QVERIFY(!model.indexOfEntry(model.inspection().entries.size()).isValid());

        const QModelIndex list = model.index(1, PayloadModel::Key);
        const QModelIndex element = model.index(1, PayloadModel::Key, list);
        QCOMPARE(element.data().toString(), u"[1]"_s);
        QCOMPARE(model.index(0, PayloadModel::Key, element).data(PayloadModel::FieldRole).toString(), u"/list/1/a"_s);

        model.setInspection(inspectPayload(payload(kExposition, "text/plain"), target({}, u"main"_s)));
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.headerData(PayloadModel::Key, Qt::Horizontal).toString(), u"Series"_s);
        QCOMPARE(model.rowCount(model.index(0, PayloadModel::Key)), 0);
        QVERIFY(!model.parent(model.index(2, PayloadModel::Feeds)).isValid());
    }

    void writeTargetFieldRoundTrip()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(u"workspace.json"_s);
        QVERIFY(writeFile(path, kWorkspace));
        const WorkspaceResult before = loadWorkspace(path);
        QVERIFY2(before.ok(), qPrintable(before.errors.join(u'\n')));

        qputenv("POOLSCOPE_TEST_TOKEN", "s3cret-token");
        qputenv("POOLSCOPE_TEST_PG_USER", "pg-s3cret-user");
        const WorkspaceResult written = writeTargetField(path, u"app"_s, u"tracked"_s, u"/custom/n"_s);
        qunsetenv("POOLSCOPE_TEST_TOKEN");
        qunsetenv("POOLSCOPE_TEST_PG_USER");
        QVERIFY2(written.ok(), qPrintable(written.errors.join(u'\n')));
        QCOMPARE(written.workspace->target(u"app"_s)->fields.value(u"tracked"_s), u"/custom/n"_s);

        const WorkspaceResult after = loadWorkspace(path);
        QVERIFY2(after.ok(), qPrintable(after.errors.join(u'\n')));
        QCOMPARE(after.workspace->target(u"app"_s)->fields.value(u"tracked"_s), u"/custom/n"_s);
        QCOMPARE(*after.workspace, *written.workspace);
        Workspace expected = *before.workspace;
        expected.targets[0].fields.insert(u"tracked"_s, u"/custom/n"_s);
        QCOMPARE(*after.workspace, expected); // the same workspace but the field

        // The ${env:} references are written as they were, never their values.
        const QByteArray text = readAll(path);
        QVERIFY(text.contains("${env:POOLSCOPE_TEST_TOKEN}"));
        QVERIFY(text.contains("${env:POOLSCOPE_TEST_PG_USER}"));
        QVERIFY(!text.contains("s3cret"));

        // A selector for the Prometheus target, replacing nothing else.
        const WorkspaceResult selector
            = writeTargetField(path, u"other"_s, u"checked_out"_s, uR"(hikaricp_connections_active{pool="main"})"_s);
        QVERIFY2(selector.ok(), qPrintable(selector.errors.join(u'\n')));
        const WorkspaceResult reloaded = loadWorkspace(path);
        QVERIFY(reloaded.ok());
        QCOMPARE(reloaded.workspace->target(u"other"_s)->fields.value(u"checked_out"_s),
            uR"(hikaricp_connections_active{pool="main"})"_s);
        QCOMPARE(reloaded.workspace->target(u"app"_s)->fields, expected.targets[0].fields);
    }

    void writeTargetFieldRefuses_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("error");
        QTest::newRow("unknown target") << u"nope"_s << u"tracked"_s << u"/a"_s << u"no target named \"nope\""_s;
        QTest::newRow("unknown key") << u"app"_s << u"bogus"_s << u"/a"_s << u"targets[0].fields.bogus"_s;
        QTest::newRow("bad selector") << u"app"_s << u"tracked"_s << u"x{pool=\"a}"_s << u"targets[0].fields.tracked"_s;
    }
    void writeTargetFieldRefuses()
    {
        QFETCH(QString, target);
        QFETCH(QString, key);
        QFETCH(QString, value);
        QFETCH(QString, error);
        QTemporaryDir dir;
        const QString path = dir.filePath(u"workspace.json"_s);
        QVERIFY(writeFile(path, kWorkspace));
        const WorkspaceResult result = writeTargetField(path, target, key, value);
        QVERIFY(!result.ok());
        QVERIFY2(result.errors.join(u'\n').contains(error), qPrintable(result.errors.join(u'\n')));
        QVERIFY2(result.errors.first().startsWith(path), qPrintable(result.errors.first()));
        QCOMPARE(readAll(path), kWorkspace); // untouched
    }

    void writeTargetFieldNeedsAFile()
    {
        const WorkspaceResult result = writeTargetField(QString(), u"app"_s, u"tracked"_s, u"/a"_s);
        QVERIFY(!result.ok());
        QVERIFY(result.errors.first().contains(u"command-line flags"_s));

        QTemporaryDir dir;
        const WorkspaceResult missing = writeTargetField(dir.filePath(u"none.json"_s), u"app"_s, u"tracked"_s, u"/a"_s);
        QVERIFY(!missing.ok());
        QVERIFY(missing.errors.first().contains(u"cannot read the workspace"_s));
        QVERIFY(!QFile::exists(dir.filePath(u"none.json"_s)));
    }
};

QTEST_GUILESS_MAIN(TestPayloadInspector)
#include "tst_payloadinspector.moc"
