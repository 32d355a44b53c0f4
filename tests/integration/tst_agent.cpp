// `poolscope agent` end to end: the real binary polling the demo fixture (a real PostgreSQL and real pool-owning
// services), scraped over HTTP: /metrics against what the services' own health payloads say, checked by
// `promtool check metrics`; OpenMetrics by Accept; /api/v1/snapshot; 401 without the token; SIGTERM stops it.
#include "DemoState.h"

#include "profiles/Exposition.h"

#include <QDateTime>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace poolscope;
using namespace poolscope::test;

namespace {

const QByteArray kToken = "agent-test-token";

struct Reply
{
    int status = 0;
    QByteArray contentType;
    QByteArray body;
};

Reply get(quint16 port, const QString& path, const QByteArray& token, const QByteArray& accept = {},
    const QString& scheme = u"http"_s)
{
    QNetworkAccessManager network;
    QNetworkRequest request(QUrl(u"%1://127.0.0.1:%2%3"_s.arg(scheme).arg(port).arg(path)));
    request.setTransferTimeout(10000);
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token);
    if (!accept.isEmpty())
        request.setRawHeader("Accept", accept);
    QNetworkReply* reply = network.get(request);
    reply->ignoreSslErrors(); // the test's own self-signed certificate
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    Reply r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
    r.body = reply->readAll();
    reply->deleteLater();
    return r;
}

double value(const Exposition& e, const QString& name, const QList<QPair<QString, QString>>& labels)
{
    double sum = qQNaN();
    for (const ExpositionSample& s : e.samples) {
        if (s.name != name)
            continue;
        bool all = true;
        for (const auto& [k, v] : labels)
            all = all && s.label(k) == v;
        if (all)
            sum = std::isnan(sum) ? s.value : sum + s.value;
    }
    return sum;
}

} // namespace

class TestAgent : public QObject
{
    Q_OBJECT

    QJsonObject m_state;
    QProcess m_agent;
    quint16 m_port = 0;
    QByteArray m_stderr;

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        m_state = demoState(&error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"POOLSCOPE_TEST_AGENT_TOKEN"_s, QString::fromLatin1(kToken));
        m_agent.setProcessEnvironment(env);
        connect(
            &m_agent, &QProcess::readyReadStandardError, this, [this] { m_stderr += m_agent.readAllStandardError(); });
        m_agent.start(poolscopeBinary(),
            { u"agent"_s, m_state.value(u"workspace"_s).toString(), u"--listen"_s, u"127.0.0.1:0"_s, u"--token-env"_s,
                u"POOLSCOPE_TEST_AGENT_TOKEN"_s });
        QVERIFY(m_agent.waitForStarted(10000));
        static const QRegularExpression serving(u"serving http://127\\.0\\.0\\.1:(\\d+)/metrics"_s);
        QTRY_VERIFY_WITH_TIMEOUT(serving.match(QString::fromUtf8(m_stderr)).hasMatch(), 30000);
        m_port = static_cast<quint16>(serving.match(QString::fromUtf8(m_stderr)).captured(1).toUInt());
    }

    void cleanupTestCase()
    {
        if (m_agent.state() != QProcess::NotRunning) {
            m_agent.kill();
            m_agent.waitForFinished(10000);
        }
    }

    void refusesWithoutTheToken()
    {
        QCOMPARE(get(m_port, u"/metrics"_s, {}).status, 401);
        QCOMPARE(get(m_port, u"/metrics"_s, "wrong-token").status, 401);
        QCOMPARE(get(m_port, u"/api/v1/snapshot"_s, {}).status, 401);
        QCOMPARE(get(m_port, u"/metrics"_s, kToken).status, 200);
    }

    void metricsMatchTheServices()
    {
        const QJsonArray services = m_state.value(u"services"_s).toArray();
        QVERIFY(services.size() >= 4);
        // Every target polled and the database read at least twice.
        Exposition e;
        auto scrape = [&] {
            const Reply r = get(m_port, u"/metrics"_s, kToken);
            e = Exposition::parse(r.body);
            if (!e.ok() || !r.contentType.startsWith("text/plain; version=0.0.4"))
                return false;
            for (const auto& s : services)
                if (value(e, u"poolscope_target_up"_s, { { u"target"_s, s[u"name"_s].toString() } }) != 1.0)
                    return false;
            return value(e, u"poolscope_database_poll_duration_seconds_count"_s, { { u"database"_s, u"demo"_s } }) >= 2;
        };
        QTRY_VERIFY_WITH_TIMEOUT(scrape(), 60000);
        QVERIFY2(e.ok(), qPrintable(e.error));

        // promtool agrees with the live exposition.
        QProcess promtool;
        promtool.start(u"promtool"_s, { u"check"_s, u"metrics"_s });
        QVERIFY(promtool.waitForStarted());
        promtool.write(get(m_port, u"/metrics"_s, kToken).body);
        promtool.closeWriteChannel();
        QVERIFY(promtool.waitForFinished(60000));
        QVERIFY2(promtool.exitCode() == 0, promtool.readAll().constData());

        // The web service's numbers, against its own health payload and admin state.
        QString error;
        const QJsonObject web = demoService(m_state, u"web"_s);
        const QJsonObject admin = fetchJson(web[u"admin_url"_s].toString() + u"/state"_s, &error).object();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const qsizetype untracked = admin[u"untracked_pids"_s].toArray().size();
        QVERIFY(untracked > 0);
        const QList<QPair<QString, QString>> labels { { u"target"_s, u"web"_s }, { u"service"_s, u"web"_s } };
        const double checkedOut = value(e, u"poolscope_checked_out"_s, labels);
        const double tracked = value(e, u"poolscope_tracked"_s, labels);
        const double discrepancy = value(e, u"poolscope_discrepancy"_s, labels);
        QCOMPARE(discrepancy, checkedOut - tracked);
        QVERIFY2(discrepancy >= static_cast<double>(untracked), qPrintable(QString::number(discrepancy)));
        QCOMPARE(value(e, u"poolscope_pool_max"_s, labels), 20.0);
        const double acquired = value(e, u"poolscope_acquired_total"_s, labels);
        const QJsonObject payload = fetchJson(web[u"url"_s].toString(), &error).object();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QJsonObject tracking = payload[u"database"_s][u"tracking"_s].toObject();
        QVERIFY(acquired > 0);
        QVERIFY(tracking[u"total_acquired"_s].toDouble() >= acquired); // counters only grow
        QVERIFY(
            value(e, u"poolscope_route_acquired_total"_s, { { u"target"_s, u"web"_s }, { u"route"_s, u"/api/bets"_s } })
            >= 0);
        // The verdict has exactly one value set.
        QCOMPARE(value(e, u"poolscope_verdict"_s, labels), 1.0);
        QCOMPARE(value(e, u"poolscope_threshold_level"_s, labels), 1.0);
        // pg_stat_activity: at least the untracked connections are backends of web.
        QVERIFY(value(e, u"poolscope_backends"_s, { { u"database"_s, u"demo"_s }, { u"application_name"_s, u"web"_s } })
            >= static_cast<double>(untracked));
        QCOMPARE(value(e, u"poolscope_database_up"_s, { { u"database"_s, u"demo"_s } }), 1.0);
        QCOMPARE(value(e, u"poolscope_target_poll_errors_total"_s, labels), 0.0);
    }

    void openMetricsByAccept()
    {
        const Reply r = get(m_port, u"/metrics"_s, kToken, "application/openmetrics-text; version=1.0.0");
        QCOMPARE(r.status, 200);
        QVERIFY(r.contentType.startsWith("application/openmetrics-text; version=1.0.0"));
        QVERIFY(r.body.endsWith("# EOF\n"));
        const Exposition e = Exposition::parse(r.body, Exposition::Format::OpenMetrics);
        QVERIFY2(e.ok(), qPrintable(e.error));
        QCOMPARE(value(e, u"poolscope_target_up"_s, { { u"target"_s, u"web"_s } }), 1.0);
    }

    void snapshot()
    {
        const Reply r = get(m_port, u"/api/v1/snapshot"_s, kToken);
        QCOMPARE(r.status, 200);
        const QJsonObject json = QJsonDocument::fromJson(r.body).object();
        const QJsonArray targets = json[u"targets"_s].toArray();
        QCOMPARE(targets.size(), m_state[u"services"_s].toArray().size());
        const QJsonObject web = byName(targets, u"web"_s);
        QCOMPARE(web[u"service"_s].toString(), u"web"_s);
        QVERIFY(web[u"ok"_s].toBool());
        QVERIFY(web[u"suspects"_s].isArray());
        QVERIFY(!web[u"verdict"_s].toString().isEmpty());
        QString error;
        const QJsonObject admin
            = fetchJson(demoService(m_state, u"web"_s)[u"admin_url"_s].toString() + u"/state"_s, &error).object();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QSet<int> pids;
        for (const auto& b : json[u"databases"_s].toArray().at(0)[u"backends"_s].toArray())
            pids.insert(b[u"pid"_s].toInt());
        for (const auto& pid : admin[u"untracked_pids"_s].toArray())
            QVERIFY2(
                pids.contains(pid.toInt()), qPrintable(u"untracked pid %1 not in the snapshot"_s.arg(pid.toInt())));

        // The app's holders, as its payload reported them at the agent's newest poll: each untracked
        // connection with its code location, as `export --what holders` gives them.
        const QJsonObject holders = web[u"holders"_s].toObject();
        QVERIFY2(holders[u"reported"_s].toBool(), qPrintable(QString::fromUtf8(QJsonDocument(web).toJson())));
        const QDateTime reportedAt = QDateTime::fromString(holders[u"timestamp"_s].toString(), Qt::ISODateWithMs);
        QVERIFY2(reportedAt.isValid(), qPrintable(holders[u"timestamp"_s].toString()));
        QVERIFY(reportedAt <= QDateTime::fromString(json[u"generated_at"_s].toString(), Qt::ISODateWithMs));
        QHash<int, QJsonObject> byPid;
        for (const auto& h : holders[u"holders"_s].toArray())
            byPid.insert(h[u"backend_pid"_s].toInt(), h.toObject());
        static const QRegularExpression fileLine(u"^\\S+\\.py:\\d+ in "_s);
        for (const auto& pid : admin[u"untracked_pids"_s].toArray()) {
            QVERIFY2(byPid.contains(pid.toInt()), qPrintable(u"untracked pid %1 not a holder"_s.arg(pid.toInt())));
            const QJsonObject h = byPid.value(pid.toInt());
            QCOMPARE(h[u"tracked"_s].toBool(true), false);
            QVERIFY(!h[u"stack"_s].toArray().isEmpty());
            QVERIFY2(fileLine.match(h[u"location"_s].toString()).hasMatch(), qPrintable(h[u"location"_s].toString()));
            QVERIFY(QDateTime::fromString(h[u"acquired_at"_s].toString(), Qt::ISODateWithMs).isValid());
        }
    }

    // A second agent configured by a web config file: HTTPS with a certificate of the test's own, and the
    // bearer token from the environment.
    void webConfigWithTls()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QProcess openssl;
        openssl.start(u"openssl"_s,
            { u"req"_s, u"-x509"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s, u"-keyout"_s,
                dir.filePath(u"agent.key"_s), u"-out"_s, dir.filePath(u"agent.crt"_s), u"-days"_s, u"2"_s, u"-subj"_s,
                u"/CN=localhost"_s });
        QVERIFY(openssl.waitForFinished(60000));
        QCOMPARE(openssl.exitCode(), 0);
        QFile web(dir.filePath(u"web.yml"_s));
        QVERIFY(web.open(QIODevice::WriteOnly));
        web.write("tls_server_config:\n  cert_file: agent.crt\n  key_file: agent.key\n"
                  "bearer_token: ${env:POOLSCOPE_TEST_AGENT_TOKEN}\n");
        web.close();

        QProcess agent;
        QByteArray err;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"POOLSCOPE_TEST_AGENT_TOKEN"_s, u"web-config-token"_s);
        agent.setProcessEnvironment(env);
        connect(&agent, &QProcess::readyReadStandardError, this, [&] { err += agent.readAllStandardError(); });
        agent.start(poolscopeBinary(),
            { u"agent"_s, m_state.value(u"workspace"_s).toString(), u"--listen"_s, u"127.0.0.1:0"_s,
                u"--web.config.file"_s, web.fileName(), u"--redact"_s });
        QVERIFY(agent.waitForStarted(10000));
        static const QRegularExpression serving(u"serving https://127\\.0\\.0\\.1:(\\d+)/metrics"_s);
        QTRY_VERIFY_WITH_TIMEOUT(serving.match(QString::fromUtf8(err)).hasMatch(), 30000);
        const auto port = static_cast<quint16>(serving.match(QString::fromUtf8(err)).captured(1).toUInt());
        QCOMPARE(get(port, u"/metrics"_s, {}, {}, u"https"_s).status, 401);
        const Reply r = get(port, u"/metrics"_s, "web-config-token", {}, u"https"_s);
        QCOMPARE(r.status, 200);
        QVERIFY(r.body.contains("poolscope_agent_info"));
        QCOMPARE(get(port, u"/metrics"_s, "web-config-token").status, 0); // plain HTTP is not served
        // --redact: the snapshot's queries are fingerprints (the cache warmer's literal is gone).
        QByteArray snapshot;
        QTRY_VERIFY_WITH_TIMEOUT((snapshot = get(port, u"/api/v1/snapshot"_s, "web-config-token", {}, u"https"_s).body)
                                     .contains("FROM settings WHERE key"),
            60000);
        QVERIFY2(!snapshot.contains("feature_flags"), snapshot.constData());
        QVERIFY(get(m_port, u"/api/v1/snapshot"_s, kToken).body.contains("feature_flags"));
        agent.terminate();
        QVERIFY(agent.waitForFinished(15000));
        QCOMPARE(agent.exitCode(), 0);
    }

    void stopsOnSigterm()
    {
        m_agent.terminate(); // SIGTERM
        QVERIFY(m_agent.waitForFinished(15000));
        QCOMPARE(m_agent.exitStatus(), QProcess::NormalExit);
        QCOMPARE(m_agent.exitCode(), 0);
        m_stderr += m_agent.readAllStandardError();
        QVERIFY2(m_stderr.contains("stopping on a signal"), m_stderr.constData());
    }
};

QTEST_GUILESS_MAIN(TestAgent)
#include "tst_agent.moc"
