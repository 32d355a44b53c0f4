#include "TestHttpServer.h"
#include "sources/HealthSource.h"
#include "sources/Monitor.h"
#include "store/Session.h"

#include <QDateTime>
#include <QList>
#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

using namespace Qt::StringLiterals;
using namespace poolscope;

namespace {

const QByteArray kSeedPayload
    = R"({"status":"healthy","process":"web","database":{"pool":{"checked_out":15,"pool_size":20,"pool_available":5,"pool_min":4,"pool_max":50,"requests_waiting":0},"tracking":{"total_active":0,"total_acquired":3698,"total_released":3698,"total_leaks":0,"tracking_discrepancy":15,"routes":{"/api/bets":{"acquired":10,"released":10,"active":0,"leaks":0}}}}})";

constexpr qint64 kTenMiB = 10 * 1024 * 1024;

using poolscope::test::httpResponse;
using TestServer = poolscope::test::TestHttpServer;

// A gzip member (RFC 1952) of `data`: qCompress's deflate stream in a gzip wrapper.
QByteArray gzip(const QByteArray& data)
{
    const QByteArray zlib = qCompress(data, 9);
    const QByteArray deflate = zlib.mid(4 + 2).chopped(4); // qCompress's length, zlib's header and adler32
    quint32 crc = 0xffffffffu;
    for (const char c : data) {
        crc ^= static_cast<unsigned char>(c);
        for (int k = 0; k < 8; ++k)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    crc ^= 0xffffffffu;
    QByteArray out("\x1f\x8b\x08\0\0\0\0\0\x02\xff", 10);
    out += deflate;
    const quint32 size = static_cast<quint32>(data.size());
    for (const quint32 v : { crc, size }) {
        for (int b = 0; b < 4; ++b)
            out.append(static_cast<char>((v >> (8 * b)) & 0xff));
    }
    return out;
}

QString describe(const MetricValues& values)
{
    QStringList parts;
    for (int m = 0; m < kMetricCount; ++m) {
        const auto metric = static_cast<Metric>(m);
        if (values.has(metric))
            parts.append(metricKey(metric) % u'=' % QString::number(values[metric]));
    }
    return parts.join(u' ');
}

TargetConfig target(const QString& name, const QString& url)
{
    TargetConfig config;
    config.name = name;
    config.url = url;
    config.intervalMs = 60'000; // tests poll explicitly unless they say otherwise
    config.timeoutMs = 5000;
    return config;
}

// The seed payload with a holders array of its own (one the holders_url's holders replace).
const QByteArray kSeedPayloadWithHolders
    = QByteArray(kSeedPayload).chopped(1) + R"(,"holders":[{"backend_pid":1,"tracked":true}]})";

// What the app serves at its holders_url, and the holders it means.
const QByteArray kHoldersDocument
    = R"({"holders":[{"backend_pid":4242,"acquired_at":"2026-11-27T03:01:12.301Z","tracked":false,"route":"refresh_odds",)"
      R"("stack":["settlement/jobs.py:88:refresh_odds","worker.py:12:main"]},{"backend_pid":4243,"tracked":true}]})";

QList<Holder> servedHolders()
{
    Holder first;
    first.backendPid = 4242;
    first.acquiredAtMs = QDateTime::fromString(u"2026-11-27T03:01:12.301Z"_s, Qt::ISODateWithMs).toMSecsSinceEpoch();
    first.tracked = false;
    first.route = u"refresh_odds"_s;
    first.stack = QStringList { u"settlement/jobs.py:88:refresh_odds"_s, u"worker.py:12:main"_s };
    Holder second;
    second.backendPid = 4243;
    second.tracked = true;
    return { first, second };
}

Sample sampleAt(const QSignalSpy& spy, qsizetype i)
{
    return spy.at(i).at(0).value<Sample>();
}

} // namespace

class TestHealthSource : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { qRegisterMetaType<Sample>(); }

    void seedPayload_data()
    {
        QTest::addColumn<QString>("profile");
        QTest::addRow("auto") << u"auto"_s;
        QTest::addRow("seed") << u"seed"_s;
    }

    void seedPayload()
    {
        QFETCH(QString, profile);
        TestServer server;
        server.setRoute("/health/detailed", { TestServer::Mode::Respond, httpResponse(200, "OK", kSeedPayload) });
        QNetworkAccessManager network;
        TargetConfig config = target(u"web"_s, server.url("/health/detailed"));
        config.profile = profile;
        config.headers.insert(u"Authorization"_s, u"Bearer s3cret"_s);
        HealthSource source(config, &network);
        QSignalSpy spy(&source, &HealthSource::sampleReady);

        const qint64 before = QDateTime::currentMSecsSinceEpoch();
        source.pollNow();
        QVERIFY(source.isPolling());
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 1, 5000);
        const qint64 after = QDateTime::currentMSecsSinceEpoch();
        QVERIFY(!source.isPolling());

        const Sample sample = sampleAt(spy, 0);
        QVERIFY2(sample.ok(), qPrintable(sample.error));
        QCOMPARE(sample.target, u"web"_s);
        QCOMPARE(describe(sample.metrics),
            u"checked_out=15 tracked=0 discrepancy=15 acquired_total=3698 released_total=3698 leaks_total=0 "
            u"pool_min=4 pool_max=50 pool_size=20 pool_idle=5 waiting=0"_s);
        QCOMPARE(sample.routes.size(), 1);
        QCOMPARE(sample.routes[0].name, u"/api/bets"_s);
        QCOMPARE(sample.routes[0].acquired, 10.0);
        QCOMPARE(sample.routes[0].released, 10.0);
        QCOMPARE(sample.routes[0].active, 0.0);
        QCOMPARE(sample.routes[0].leaks, 0.0);
        QVERIFY(sample.timestampMs >= before && sample.timestampMs <= after);
        QVERIFY(sample.latencyMs >= 0 && sample.latencyMs <= after - before);

        QCOMPARE(server.requests().size(), 1);
        const TestServer::Request& request = server.requests().first();
        QCOMPARE(request.path, QByteArray("/health/detailed"));
        QVERIFY(request.headers.value("accept").startsWith("application/json, application/openmetrics-text"));
        QCOMPARE(request.headers.value("user-agent"), QByteArray("PoolScope/" POOLSCOPE_VERSION));
        QCOMPARE(request.headers.value("authorization"), QByteArray("Bearer s3cret"));
    }

    // The last 2xx body is kept for the payload inspector (whether it mapped or not); a failed poll keeps the
    // previous one.
    void lastPayloadIsKept()
    {
        TestServer server;
        server.setRoute("/health", { TestServer::Mode::Respond, httpResponse(200, "OK", kSeedPayload) });
        QNetworkAccessManager network;
        HealthSource source(target(u"web"_s, server.url("/health")), &network);
        QVERIFY(source.lastPayload().isEmpty());
        QSignalSpy payloads(&source, &HealthSource::payloadReceived);
        QSignalSpy spy(&source, &HealthSource::sampleReady);

        const qint64 before = QDateTime::currentMSecsSinceEpoch();
        source.pollNow();
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 1, 5000);
        QCOMPARE(payloads.count(), 1);
        QCOMPARE(source.lastPayload().body, kSeedPayload);
        QCOMPARE(source.lastPayload().contentType, QByteArray("application/json"));
        QVERIFY(source.lastPayload().receivedMs >= before);
        QVERIFY(!source.lastPayload().isExposition());

        server.setRoute("/health", { TestServer::Mode::Respond, httpResponse(500, "Internal Server Error", "oops") });
        source.pollNow();
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 2, 5000);
        QVERIFY(!sampleAt(spy, 1).ok());
        QCOMPARE(payloads.count(), 1);
        QCOMPARE(source.lastPayload().body, kSeedPayload);

        const QByteArray unmapped = R"({"nothing": "here"})";
        server.setRoute("/health", { TestServer::Mode::Respond, httpResponse(200, "OK", unmapped) });
        source.pollNow();
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 3, 5000);
        QCOMPARE(payloads.count(), 2);
        QCOMPARE(source.lastPayload().body, unmapped);
    }

    // Prometheus text, chosen by its Content-Type or sniffed when the type says nothing; a process with two
    // pools is read one pool per target.
    void prometheusPayload_data()
    {
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<QString>("pool");
        QTest::addColumn<QString>("metrics");
        QTest::addColumn<QString>("error");
        const QString batch = u"checked_out=2 pool_max=5 pool_size=3 pool_idle=1"_s;
        QTest::addRow("text/plain 0.0.4")
            << QByteArray("text/plain; version=0.0.4; charset=utf-8") << u"batch"_s << batch << QString();
        QTest::addRow("no Content-Type: sniffed") << QByteArray() << u"batch"_s << batch << QString();
        QTest::addRow("OpenMetrics") << QByteArray("application/openmetrics-text; version=1.0.0") << u"batch"_s << batch
                                     << QString();
        QTest::addRow("two pools, none chosen")
            << QByteArray("text/plain") << QString() << QString()
            << u"the payload has 2 pools (batch, main): set \"pool\" on the target to choose one (a target per "
               u"pool)"_s;
    }

    void prometheusPayload()
    {
        QFETCH(QByteArray, contentType);
        QFETCH(QString, pool);
        QFETCH(QString, metrics);
        QFETCH(QString, error);
        QByteArray body = "# TYPE hikaricp_connections_active gauge\n"
                          "hikaricp_connections_active{pool=\"main\",} 7.0\n"
                          "hikaricp_connections_active{pool=\"batch\",} 2.0\n"
                          "hikaricp_connections_idle{pool=\"main\",} 3.0\n"
                          "hikaricp_connections_idle{pool=\"batch\",} 1.0\n"
                          "hikaricp_connections_max{pool=\"main\",} 20.0\n"
                          "hikaricp_connections_max{pool=\"batch\",} 5.0\n"
                          "hikaricp_connections{pool=\"main\",} 10.0\n"
                          "hikaricp_connections{pool=\"batch\",} 3.0\n";
        if (contentType.contains("openmetrics"))
            body += "# EOF\n";
        QByteArray head = "HTTP/1.1 200 OK\r\n";
        if (!contentType.isEmpty())
            head += "Content-Type: " + contentType + "\r\n";
        head += "Content-Length: " + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n";
        TestServer server;
        server.setRoute("/metrics", { TestServer::Mode::Respond, head + body });
        QNetworkAccessManager network;
        TargetConfig config = target(u"app"_s, server.url("/metrics"));
        config.pool = pool;
        HealthSource source(config, &network);
        QSignalSpy spy(&source, &HealthSource::sampleReady);
        source.pollNow();
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 1, 5000);
        const Sample sample = sampleAt(spy, 0);
        QCOMPARE(sample.error, error);
        if (error.isEmpty())
            QCOMPARE(describe(sample.metrics), metrics);
    }

    void failures_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<int>("mode");
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<qint64>("streamBytes");
        QTest::addColumn<int>("timeoutMs");
        QTest::addColumn<qint64>("maxBodyBytes");
        QTest::addColumn<QString>("profile");
        QTest::addColumn<QString>("error");

        const qint64 cap = 4 * 1024 * 1024;
        const auto respond = int(TestServer::Mode::Respond);
        QTest::addRow("503 with a body") << QByteArray("/down") << respond
                                         << httpResponse(503, "Service Unavailable", "database is down\n", "text/plain")
                                         << qint64(0) << 2000 << cap << u"auto"_s
                                         << u"HTTP 503 Service Unavailable: database is down"_s;
        QTest::addRow("503 with a JSON body")
            << QByteArray("/unhealthy") << respond
            << httpResponse(503, "Service Unavailable", R"({"status": "unhealthy",
  "reason": "pool exhausted"})")
            << qint64(0) << 2000 << cap << u"auto"_s
            << uR"(HTTP 503 Service Unavailable: {"status": "unhealthy", "reason": "pool exhausted"})"_s;
        QTest::addRow("404 without a body") << QByteArray("/nothing-here") << respond << QByteArray() << qint64(0)
                                            << 2000 << cap << u"auto"_s << u"HTTP 404 Not Found"_s;
        QTest::addRow("long error page is shortened")
            << QByteArray("/500") << respond
            << httpResponse(500, "Internal Server Error", QByteArray(300, 'x'), "text/html") << qint64(0) << 2000 << cap
            << u"auto"_s << u"HTTP 500 Internal Server Error: "_s + QString(120, u'x') + u"…"_s;
        QTest::addRow("invalid JSON") << QByteArray("/invalid") << respond
                                      << httpResponse(200, "OK", R"({"checked_out": 15,,})") << qint64(0) << 2000 << cap
                                      << u"auto"_s << u"invalid JSON at offset 20: unterminated object"_s;
        QTest::addRow("HTML instead of JSON")
            << QByteArray("/html") << respond << httpResponse(200, "OK", "<html>ok</html>", "text/html") << qint64(0)
            << 2000 << cap << u"auto"_s << u"invalid JSON at offset 1: illegal value"_s;
        QTest::addRow("empty 200") << QByteArray("/empty") << respond << httpResponse(200, "OK", {}) << qint64(0)
                                   << 2000 << cap << u"auto"_s << u"invalid JSON at offset 0: illegal value"_s;
        QTest::addRow("wrong type")
            << QByteArray("/wrong-type") << respond
            << httpResponse(200, "OK", R"({"database":{"pool":{"checked_out":"15","pool_size":20}}})") << qint64(0)
            << 2000 << cap << u"seed"_s
            << uR"(checked_out at /database/pool/checked_out: expected a number, got a string ("15"))"_s;
        QTest::addRow("declared 10 MiB") << QByteArray("/huge") << respond
                                         << QByteArray(
                                                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                                                + QByteArray::number(kTenMiB) + "\r\n\r\n[")
                                         << qint64(0) << 2000 << cap << u"auto"_s << u"response larger than 4 MiB"_s;
        QTest::addRow("declared 10 MiB, connection kept open")
            << QByteArray("/huge-open") << int(TestServer::Mode::Hang)
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                   + QByteArray::number(kTenMiB) + "\r\n\r\n[")
            << qint64(0) << 5000 << cap << u"auto"_s << u"response larger than 4 MiB"_s;
        QTest::addRow("streamed 10 MiB without a length")
            << QByteArray("/stream") << int(TestServer::Mode::Stream)
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[") << kTenMiB
            << 5000 << cap << u"auto"_s << u"response larger than 4 MiB"_s;
        const QByteArray bomb = gzip("[\"" + QByteArray(kTenMiB, ' ') + "\"]");
        QTest::addRow("gzip bomb") << QByteArray("/bomb") << respond
                                   << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                                 "Content-Encoding: gzip\r\nContent-Length: "
                                          + QByteArray::number(bomb.size()) + "\r\nConnection: close\r\n\r\n" + bomb)
                                   << qint64(0) << 5000 << cap << u"auto"_s << u"response larger than 4 MiB"_s;
        QTest::addRow("small cap") << QByteArray("/seed") << respond << httpResponse(200, "OK", kSeedPayload)
                                   << qint64(0) << 2000 << qint64(100) << u"auto"_s
                                   << u"response larger than 100 bytes"_s;
        QTest::addRow("head sent, body never finishes")
            << QByteArray("/hang") << int(TestServer::Mode::Hang)
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
            << qint64(0) << 500 << cap << u"auto"_s << u"timed out after 0.5 s"_s;
        QTest::addRow("no answer at all") << QByteArray("/silent") << int(TestServer::Mode::Hang) << QByteArray()
                                          << qint64(0) << 500 << cap << u"auto"_s << u"timed out after 0.5 s"_s;
        QTest::addRow("trickling body still times out")
            << QByteArray("/trickle") << int(TestServer::Mode::Trickle)
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[")
            << qint64(0) << 700 << cap << u"auto"_s << u"timed out after 0.7 s"_s;
        QTest::addRow("closed without an answer")
            << QByteArray("/close") << int(TestServer::Mode::Close) << QByteArray() << qint64(0) << 2000 << cap
            << u"auto"_s << u"Connection closed"_s;
        QTest::addRow("unknown profile")
            << QByteArray("/seed") << respond << httpResponse(200, "OK", kSeedPayload) << qint64(0) << 2000 << cap
            << u"hikari"_s
            << u"unknown profile \"hikari\" (built-in profiles: auto, seed, psycopg_pool, node-postgres)"_s;
    }

    void failures()
    {
        QFETCH(QByteArray, path);
        QFETCH(int, mode);
        QFETCH(QByteArray, bytes);
        QFETCH(qint64, streamBytes);
        QFETCH(int, timeoutMs);
        QFETCH(qint64, maxBodyBytes);
        QFETCH(QString, profile);
        QFETCH(QString, error);

        TestServer server;
        if (path != "/nothing-here")
            server.setRoute(path, { TestServer::Mode(mode), bytes, streamBytes });
        QNetworkAccessManager network;
        TargetConfig config = target(u"worker_odds"_s, server.url(path));
        config.timeoutMs = timeoutMs;
        config.maxBodyBytes = maxBodyBytes;
        config.profile = profile;
        HealthSource source(config, &network);
        QSignalSpy spy(&source, &HealthSource::sampleReady);

        source.pollNow();
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 1, 10'000);
        const Sample sample = sampleAt(spy, 0);
        QCOMPARE(sample.error, error);
        QVERIFY(!sample.ok());
        QCOMPARE(sample.target, u"worker_odds"_s);
        QCOMPARE(describe(sample.metrics), QString());
        QVERIFY(sample.routes.isEmpty());
        QVERIFY(sample.timestampMs > 0);
        QVERIFY(!source.isPolling());
        QCOMPARE(source.consecutiveFailures(), 1);

        // The source recovers: the next poll is a fresh request with exactly one more sample.
        source.pollNow();
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 2, 10'000);
        QCOMPARE(sampleAt(spy, 1).error, error);
        QCOMPARE(source.consecutiveFailures(), 2);
    }

    void sameOriginRedirectIsFollowed()
    {
        TestServer server;
        server.setRoute("/old",
            { TestServer::Mode::Respond,
                "HTTP/1.1 301 Moved Permanently\r\nLocation: /health\r\nContent-Length: 0\r\nConnection: "
                "close\r\n\r\n" });
        server.setRoute("/health", { TestServer::Mode::Respond, httpResponse(200, "OK", kSeedPayload) });
        QNetworkAccessManager network;
        TargetConfig config = target(u"web"_s, server.url("/old"));
        config.headers.insert(u"Authorization"_s, u"Bearer s3cret"_s);
        HealthSource source(config, &network);
        QSignalSpy spy(&source, &HealthSource::sampleReady);
        source.pollNow();
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 1, 10'000);
        QVERIFY2(sampleAt(spy, 0).ok(), qPrintable(sampleAt(spy, 0).error));
        QCOMPARE(server.requestCount("/health"), 1);
        QCOMPARE(server.requests().last().headers.value("authorization"), QByteArray("Bearer s3cret"));
    }

    // The Authorization header (any configured header) never goes to another origin.
    void redirectToAnotherOriginIsRefused_data()
    {
        QTest::addColumn<QString>("policy");
        QTest::addRow("absolute, other port") << u"port"_s;
        QTest::addRow("other host name") << u"host"_s;
        QTest::addRow("https to http") << u"scheme"_s;
    }
    void redirectToAnotherOriginIsRefused()
    {
        QFETCH(QString, policy);
        TestServer other;
        other.setRoute("/health", { TestServer::Mode::Respond, httpResponse(200, "OK", kSeedPayload) });
        TestServer server;
        QString location = other.url("/health");
        if (policy == u"host"_s)
            location = u"http://localhost:%1/health"_s.arg(other.port());
        else if (policy == u"scheme"_s)
            location = u"https://127.0.0.1:%1/health"_s.arg(server.port());
        server.setRoute("/health",
            { TestServer::Mode::Respond,
                "HTTP/1.1 302 Found\r\nLocation: " + location.toUtf8()
                    + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n" });
        QNetworkAccessManager network;
        TargetConfig config = target(u"web"_s, server.url("/health"));
        config.headers.insert(u"Authorization"_s, u"Bearer s3cret"_s);
        HealthSource source(config, &network);
        QSignalSpy spy(&source, &HealthSource::sampleReady);
        source.pollNow();
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 1, 10'000);
        const QString origin = u"http://127.0.0.1:%1"_s.arg(server.port());
        const QString to = QUrl(location).adjusted(QUrl::RemovePath).toString();
        QCOMPARE(sampleAt(spy, 0).error,
            u"redirected from %1 to another origin, %2; PoolScope does not send its headers there (use the final "
            u"URL in the workspace)"_s.arg(origin, to));
        QCOMPARE(other.requests().size(), 0);
    }

    void redirectLoopIsCapped()
    {
        TestServer server;
        server.setRoute("/loop",
            { TestServer::Mode::Respond,
                "HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\nConnection: close\r\n\r\n" });
        QNetworkAccessManager network;
        HealthSource source(target(u"web"_s, server.url("/loop")), &network);
        QSignalSpy spy(&source, &HealthSource::sampleReady);
        source.pollNow();
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 1, 10'000);
        QCOMPARE(sampleAt(spy, 0).error, u"redirect loop: more than 5 redirects from "_s + server.url("/loop"));
        QCOMPARE(server.requestCount("/loop"), 6);
    }

    void connectionRefused()
    {
        quint16 port = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            port = probe.serverPort();
        } // closed: nothing listens there now
        QNetworkAccessManager network;
        HealthSource source(target(u"gone"_s, u"http://127.0.0.1:"_s % QString::number(port) % u"/health"_s), &network);
        QSignalSpy spy(&source, &HealthSource::sampleReady);
        source.pollNow();
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 1, 5000);
        QCOMPARE(sampleAt(spy, 0).error, u"Connection refused"_s);
    }

    void httpsIsSpokenAndVerified()
    {
        // A plain-HTTP server behind an https:// URL: the TLS handshake must fail, never fall back.
        QTcpServer plain;
        QVERIFY(plain.listen(QHostAddress::LocalHost, 0));
        connect(&plain, &QTcpServer::newConnection, &plain, [&plain] {
            while (QTcpSocket* socket = plain.nextPendingConnection()) {
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
                socket->write(httpResponse(200, "OK", kSeedPayload));
                socket->disconnectFromHost();
            }
        });
        QNetworkAccessManager network;
        HealthSource source(
            target(u"tls"_s, u"https://127.0.0.1:"_s % QString::number(plain.serverPort()) % u"/seed"_s), &network);
        QSignalSpy spy(&source, &HealthSource::sampleReady);
        source.pollNow();
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 1, 5000);
        const Sample sample = sampleAt(spy, 0);
        QVERIFY2(sample.error.startsWith(u"SSL handshake failed"_s), qPrintable(sample.error));
        QCOMPARE(describe(sample.metrics), QString());
    }

    void invalidConfigurationFailsEveryPoll()
    {
        QNetworkAccessManager network;
        TargetConfig config = target(u"bad"_s, u"ftp://example.invalid/health"_s);
        HealthSource source(config, &network);
        QSignalSpy spy(&source, &HealthSource::sampleReady);
        source.pollNow();
        QCOMPARE(spy.count(), 0); // delivered asynchronously, like any failure
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 1, 5000);
        QCOMPARE(sampleAt(spy, 0).error, u"\"ftp://example.invalid/health\" is not an http:// or https:// URL"_s);
        QCOMPARE(sampleAt(spy, 0).latencyMs, -1);

        config.url = u"http://127.0.0.1:1/"_s;
        config.fields.insert(u"checked_out"_s, u"pool/checked_out"_s);
        HealthSource badFields(config, &network);
        QSignalSpy fieldsSpy(&badFields, &HealthSource::sampleReady);
        badFields.pollNow();
        QTRY_COMPARE_WITH_TIMEOUT(fieldsSpy.count(), 1, 5000);
        QCOMPARE(fieldsSpy.at(0).at(0).value<Sample>().error,
            u"fields.checked_out: invalid JSON Pointer \"pool/checked_out\": a JSON Pointer must be empty or start "
            u"with '/' at position 0"_s);
    }

    void neverTwoRequestsInFlight()
    {
        TestServer server;
        server.setRoute("/held", { TestServer::Mode::Hold, {} });
        QNetworkAccessManager network;
        TargetConfig config = target(u"web"_s, server.url("/held"));
        config.intervalMs = 20; // ticks keep coming while the request is held
        HealthSource source(config, &network);
        QSignalSpy spy(&source, &HealthSource::sampleReady);

        source.start();
        QTRY_COMPARE_WITH_TIMEOUT(server.requestCount("/held"), 1, 5000);
        source.pollNow();
        source.pollNow();
        // Let several ticks pass: wait until the timer has fired at least 3 times (re-armed each time).
        int ticks = 0;
        QTimer counter;
        connect(&counter, &QTimer::timeout, this, [&ticks] { ++ticks; });
        counter.start(20);
        QTRY_VERIFY_WITH_TIMEOUT(ticks >= 5, 5000);
        QCOMPARE(server.requestCount("/held"), 1);
        QVERIFY(source.isPolling());
        QCOMPARE(spy.count(), 0);

        server.release("/held", httpResponse(200, "OK", kSeedPayload));
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 1, 5000);
        QVERIFY(sampleAt(spy, 0).ok());
        // The next tick polls again, and again only once at a time.
        QTRY_COMPARE_WITH_TIMEOUT(server.requestCount("/held"), 2, 5000);
        source.stop();
        QCOMPARE(spy.count(), 1);
    }

    void stopAbortsTheRequestInFlight()
    {
        TestServer server;
        server.setRoute("/silent", { TestServer::Mode::Hang, {} });
        QNetworkAccessManager network;
        TargetConfig config = target(u"stopped"_s, server.url("/silent"));
        config.timeoutMs = 300;
        HealthSource stopped(config, &network);
        QSignalSpy stoppedSpy(&stopped, &HealthSource::sampleReady);

        stopped.start();
        QVERIFY(stopped.isRunning());
        QTRY_COMPARE_WITH_TIMEOUT(server.requestCount("/silent"), 1, 5000);
        stopped.stop();
        QVERIFY(!stopped.isRunning());
        QVERIFY(!stopped.isPolling());
        QCOMPARE(stopped.scheduledDelayMs(), -1);
        QTRY_COMPARE_WITH_TIMEOUT(server.closedByClient(), 1, 5000); // the connection was really aborted

        // A witness with the same timeout, started later, times out: the stopped one would have too.
        config.name = u"witness"_s;
        HealthSource witness(config, &network);
        QSignalSpy witnessSpy(&witness, &HealthSource::sampleReady);
        witness.pollNow();
        QTRY_COMPARE_WITH_TIMEOUT(witnessSpy.count(), 1, 5000);
        QCOMPARE(sampleAt(witnessSpy, 0).error, u"timed out after 0.3 s"_s);
        QCOMPARE(stoppedSpy.count(), 0);
        QCOMPARE(server.requestCount("/silent"), 2);
    }

    void deadTargetDoesNotDelayAnother()
    {
        TestServer server;
        server.setRoute("/silent", { TestServer::Mode::Hang, {} });
        server.setRoute("/seed", { TestServer::Mode::Respond, httpResponse(200, "OK", kSeedPayload) });
        QNetworkAccessManager network; // shared, as in the application
        TargetConfig deadConfig = target(u"dead"_s, server.url("/silent"));
        deadConfig.timeoutMs = 30'000;
        TargetConfig liveConfig = target(u"live"_s, server.url("/seed"));
        liveConfig.intervalMs = 30;
        HealthSource dead(deadConfig, &network);
        HealthSource live(liveConfig, &network);
        QSignalSpy deadSpy(&dead, &HealthSource::sampleReady);
        QSignalSpy liveSpy(&live, &HealthSource::sampleReady);

        dead.start();
        QTRY_COMPARE_WITH_TIMEOUT(server.requestCount("/silent"), 1, 5000);
        live.start();
        QTRY_VERIFY_WITH_TIMEOUT(liveSpy.count() >= 5, 10'000);
        for (qsizetype i = 0; i < liveSpy.count(); ++i)
            QVERIFY2(sampleAt(liveSpy, i).ok(), qPrintable(sampleAt(liveSpy, i).error));
        QVERIFY(dead.isPolling());
        QCOMPARE(deadSpy.count(), 0);
        dead.stop();
        live.stop();
    }

    void backoffDelay_data()
    {
        QTest::addColumn<int>("intervalMs");
        QTest::addColumn<int>("failures");
        QTest::addColumn<double>("jitter");
        QTest::addColumn<int>("delayMs");

        QTest::addRow("healthy: the interval") << 2000 << 0 << 0.0 << 2000;
        QTest::addRow("healthy: no jitter") << 2000 << 0 << 1.0 << 2000;
        QTest::addRow("1 failure") << 2000 << 1 << 0.0 << 2000;
        QTest::addRow("2 failures") << 2000 << 2 << 0.0 << 4000;
        QTest::addRow("3 failures") << 2000 << 3 << 0.0 << 8000;
        QTest::addRow("4 failures") << 2000 << 4 << 0.0 << 16000;
        QTest::addRow("5 failures: capped") << 2000 << 5 << 0.0 << 30000;
        QTest::addRow("1000 failures: capped") << 2000 << 1000 << 0.0 << 30000;
        QTest::addRow("+20%%") << 2000 << 3 << 1.0 << 9600;
        QTest::addRow("-20%%") << 2000 << 3 << -1.0 << 6400;
        QTest::addRow("cap +20%%") << 2000 << 9 << 1.0 << 36000;
        QTest::addRow("jitter is clamped") << 2000 << 2 << 5.0 << 4800;
        QTest::addRow("long interval never shortened") << 60'000 << 1 << 0.0 << 60'000;
        QTest::addRow("long interval, many failures") << 60'000 << 6 << 0.0 << 60'000;
        QTest::addRow("zero interval") << 0 << 0 << 0.0 << 1;
    }

    void backoffDelay()
    {
        QFETCH(int, intervalMs);
        QFETCH(int, failures);
        QFETCH(double, jitter);
        QFETCH(int, delayMs);
        QCOMPARE(HealthSource::backoffDelayMs(intervalMs, failures, jitter), delayMs);
    }

    // holders_url: fetched after the health URL with the same headers (${env:NAME} expanded by the Monitor),
    // read as the holders contract, and preferred to a holders array inside the payload.
    void holdersUrlServesTheHolders()
    {
        TestServer server;
        server.setRoute("/health", { TestServer::Mode::Respond, httpResponse(200, "OK", kSeedPayloadWithHolders) });
        server.setRoute("/debug/holders", { TestServer::Mode::Respond, httpResponse(200, "OK", kHoldersDocument) });
        qputenv("POOLSCOPE_TEST_HOLDERS_TOKEN", "t0ken");
        Workspace workspace;
        TargetConfig config = target(u"web"_s, server.url("/health"));
        config.holdersUrl = server.url("/debug/holders");
        config.headers.insert(u"Authorization"_s, u"Bearer ${env:POOLSCOPE_TEST_HOLDERS_TOKEN}"_s);
        workspace.targets.append(config);
        Session session(workspace);
        Monitor monitor(&session);
        monitor.start();
        QTRY_VERIFY_WITH_TIMEOUT(session.target(0).polled(), 10'000);
        monitor.stop();
        qunsetenv("POOLSCOPE_TEST_HOLDERS_TOKEN");

        const Sample& sample = session.target(0).latest;
        QVERIFY2(sample.ok(), qPrintable(sample.error));
        QCOMPARE(sample.metrics[Metric::CheckedOut], 15.0);
        QVERIFY2(sample.holdersError.isEmpty(), qPrintable(sample.holdersError));
        QVERIFY(sample.holdersReported);
        QCOMPARE(sample.holders, servedHolders());
        const HolderReport report = session.holdersAt(0, sample.timestampMs);
        QVERIFY(report.reported);
        QCOMPARE(report.holders, servedHolders());

        QCOMPARE(server.requestCount("/health"), 1);
        QCOMPARE(server.requestCount("/debug/holders"), 1);
        for (const TestServer::Request& request : server.requests())
            QCOMPARE(request.headers.value("authorization"), QByteArray("Bearer t0ken"));
        for (const Event& event : session.events())
            QVERIFY2(event.severity != Event::Severity::Warning, qPrintable(event.message));
    }

    // A holders_url that fails leaves the poll's metrics recorded and its holders unavailable, with the reason
    // in the Sample and once in the event log; the payload's own holders are not used instead.
    void holdersUrlFailureKeepsTheMetrics_data()
    {
        QTest::addColumn<QByteArray>("response");
        QTest::addColumn<QString>("error");
        QTest::addRow("500") << httpResponse(500, "Internal Server Error", "probe crashed")
                             << u"holders_url: HTTP 500 Internal Server Error: probe crashed"_s;
        QTest::addRow("garbage") << httpResponse(200, "OK", "<html>not the holders</html>", "text/html")
                                 << u"holders_url: invalid JSON at offset 1: "_s;
        QTest::addRow("wrong shape") << httpResponse(200, "OK", R"({"count":2})")
                                     << u"holders_url: expected an array of holders or an object with a \"holders\" "
                                        "member, got an object"_s;
        QTest::addRow("bad holder") << httpResponse(200, "OK", R"([{"backend_pid":"x","tracked":true}])")
                                    << u"holders_url: holders at /0/backend_pid: expected "_s;
    }

    void holdersUrlFailureKeepsTheMetrics()
    {
        QFETCH(QByteArray, response);
        QFETCH(QString, error);
        TestServer server;
        server.setRoute("/health", { TestServer::Mode::Respond, httpResponse(200, "OK", kSeedPayloadWithHolders) });
        server.setRoute("/debug/holders", { TestServer::Mode::Respond, response });
        Workspace workspace;
        TargetConfig config = target(u"web"_s, server.url("/health"));
        config.holdersUrl = server.url("/debug/holders");
        workspace.targets.append(config);
        Session session(workspace);
        Monitor monitor(&session);
        monitor.start();
        QTRY_VERIFY_WITH_TIMEOUT(session.target(0).polled(), 10'000);
        monitor.stop();

        const Sample& sample = session.target(0).latest;
        QVERIFY2(sample.ok(), qPrintable(sample.error));
        QCOMPARE(describe(sample.metrics),
            u"checked_out=15 tracked=0 discrepancy=15 acquired_total=3698 released_total=3698 leaks_total=0 "
            u"pool_min=4 pool_max=50 pool_size=20 pool_idle=5 waiting=0"_s);
        QCOMPARE(session.target(0).history.size(), std::size_t { 1 });
        QVERIFY(session.target(0).history.ok(0));
        QVERIFY2(sample.holdersError.startsWith(error), qPrintable(sample.holdersError));
        QVERIFY(!sample.holdersReported);
        QVERIFY(sample.holders.isEmpty());
        QVERIFY(!session.holdersAt(0, sample.timestampMs).reported);
        QCOMPARE(server.requestCount("/debug/holders"), 1);

        QList<Event> warnings;
        for (const Event& event : session.events()) {
            if (event.severity == Event::Severity::Warning)
                warnings.append(event);
        }
        QCOMPARE(warnings.size(), 1);
        QCOMPARE(warnings[0].source, u"web"_s);
        QCOMPARE(warnings[0].kind, u"holders-unavailable"_s);
        QCOMPARE(warnings[0].message, u"holders unavailable: "_s + sample.holdersError);
    }

    // A holders_url that never answers times out on its own; the metrics of the poll still arrive.
    void holdersUrlTimeoutKeepsTheMetrics()
    {
        TestServer server;
        server.setRoute("/health", { TestServer::Mode::Respond, httpResponse(200, "OK", kSeedPayload) });
        server.setRoute("/debug/holders", { TestServer::Mode::Hang, {} });
        QNetworkAccessManager network;
        TargetConfig config = target(u"web"_s, server.url("/health"));
        config.holdersUrl = server.url("/debug/holders");
        config.timeoutMs = 300;
        HealthSource source(config, &network);
        QSignalSpy spy(&source, &HealthSource::sampleReady);
        source.pollNow();
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 1, 10'000);
        const Sample sample = sampleAt(spy, 0);
        QVERIFY2(sample.ok(), qPrintable(sample.error));
        QCOMPARE(sample.metrics[Metric::CheckedOut], 15.0);
        QCOMPARE(sample.holdersError, u"holders_url: timed out after 0.3 s"_s);
        QVERIFY(!sample.holdersReported);
        QCOMPARE(source.consecutiveFailures(), 0);
        QVERIFY(!source.isPolling());
    }

    // The Monitor notes a failing target once per reason: polls failing for the same reason add no event, a
    // new reason adds one, and answering again adds "recovered".
    void failingEventPerReason()
    {
        TestServer server;
        server.setRoute("/flaky", { TestServer::Mode::Respond, httpResponse(503, "Service Unavailable", {}) });
        Workspace workspace;
        TargetConfig config = target(u"flaky"_s, server.url("/flaky"));
        config.intervalMs = 40;
        workspace.targets.append(config);
        Session session(workspace);
        QSignalSpy samples(&session, &Session::sampleAdded);
        Monitor monitor(&session);
        auto eventsOfKind = [&session](const QString& kind) {
            QList<Event> found;
            for (const Event& event : session.events()) {
                if (event.source == u"flaky"_s && event.kind == kind)
                    found.append(event);
            }
            return found;
        };

        monitor.start();
        QTRY_VERIFY_WITH_TIMEOUT(samples.count() >= 3, 20'000);
        QVERIFY(!session.target(0).latest.ok());
        QCOMPARE(eventsOfKind(u"failing"_s).size(), 1);
        QVERIFY2(eventsOfKind(u"failing"_s)[0].message.contains(u"503"_s), qPrintable(session.target(0).latest.error));

        server.setRoute("/flaky", { TestServer::Mode::Respond, httpResponse(500, "Internal Server Error", {}) });
        QTRY_VERIFY_WITH_TIMEOUT(session.target(0).latest.error.contains(u"500"_s), 20'000);
        const qsizetype afterChange = samples.count();
        QTRY_VERIFY_WITH_TIMEOUT(samples.count() >= afterChange + 2, 20'000);
        QVERIFY(session.target(0).latest.error.contains(u"500"_s));
        const QList<Event> failing = eventsOfKind(u"failing"_s);
        QCOMPARE(failing.size(), 2);
        QCOMPARE(failing[1].message, u"poll failed: "_s + session.target(0).latest.error);

        server.setRoute("/flaky", { TestServer::Mode::Respond, httpResponse(200, "OK", kSeedPayload) });
        QTRY_VERIFY_WITH_TIMEOUT(session.target(0).latest.ok(), 20'000);
        monitor.stop();
        QCOMPARE(eventsOfKind(u"recovered"_s).size(), 1);
        QCOMPARE(eventsOfKind(u"failing"_s).size(), 2);
    }

    void backsOffWhileFailingAndRecovers()
    {
        TestServer server;
        server.setRoute("/flaky", { TestServer::Mode::Respond, httpResponse(503, "Service Unavailable", {}) });
        QNetworkAccessManager network;
        TargetConfig config = target(u"flaky"_s, server.url("/flaky"));
        config.intervalMs = 40;
        HealthSource source(config, &network);

        struct Seen
        {
            bool ok;
            int failures;
            int delayMs;
        };
        QList<Seen> seen;
        connect(&source, &HealthSource::sampleReady, this, [&seen, &source](const Sample& sample) {
            seen.append({ sample.ok(), source.consecutiveFailures(), source.scheduledDelayMs() });
        });

        source.start();
        QTRY_VERIFY_WITH_TIMEOUT(seen.size() >= 4, 10'000);
        for (qsizetype i = 0; i < seen.size(); ++i) {
            const Seen& s = seen[i];
            QVERIFY(!s.ok);
            QCOMPARE(s.failures, int(i + 1));
            const int base = HealthSource::backoffDelayMs(config.intervalMs, s.failures, 0.0);
            QVERIFY2(s.delayMs >= HealthSource::backoffDelayMs(config.intervalMs, s.failures, -1.0)
                    && s.delayMs <= HealthSource::backoffDelayMs(config.intervalMs, s.failures, 1.0),
                qPrintable(u"failure %1: delay %2 ms, base %3 ms"_s.arg(s.failures).arg(s.delayMs).arg(base)));
        }

        server.setRoute("/flaky", { TestServer::Mode::Respond, httpResponse(200, "OK", kSeedPayload) });
        QTRY_VERIFY_WITH_TIMEOUT(!seen.isEmpty() && seen.last().ok, 10'000);
        QCOMPARE(seen.last().failures, 0);
        QCOMPARE(seen.last().delayMs, config.intervalMs);
        QCOMPARE(source.consecutiveFailures(), 0);
        source.stop();
    }
};

QTEST_GUILESS_MAIN(TestHealthSource)
#include "tst_healthsource.moc"
