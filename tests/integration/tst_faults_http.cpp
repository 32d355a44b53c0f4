// The fault suite, HTTP side (issue 8): every fault a health endpoint can show, staged on loopback with a
// real server (TestHttpServer), polled by a real HealthSource feeding a Session. For each fault:
//  (a) the sample's error names the cause, and so does `poolscope status --json` (one run, every fault at once);
//  (b) it shows within one interval + timeout (+ slack for loaded machines);
//  (c) after the fault is removed, the target recovers within one backoff step (+ slack);
//  (d) nothing collected before is lost: the history keeps every earlier row, and a failed poll is a gap row.
#include "DemoState.h"
#include "FaultTable.h"
#include "TestHttpServer.h"
#include "sources/HealthSource.h"
#include "store/Session.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <memory>

using namespace Qt::StringLiterals;
using namespace poolscope;
using poolscope::test::httpResponse;
using poolscope::test::TestHttpServer;

namespace {

constexpr int kIntervalMs = 300;
constexpr int kTimeoutMs = 1000;
constexpr qint64 kSlackMs = 3000; // loaded CI machines
constexpr qint64 kTenMiB = 10 * 1024 * 1024;

const QByteArray kSeedPayload
    = R"({"status":"healthy","process":"web","database":{"pool":{"checked_out":15,"pool_size":20,"pool_available":5,"pool_min":4,"pool_max":50,"requests_waiting":0},"tracking":{"total_active":0,"total_acquired":3698,"total_released":3698,"total_leaks":0,"tracking_discrepancy":15,"routes":{"/api/bets":{"acquired":10,"released":10,"active":0,"leaks":0}}}}})";

const QString kTlsMessage = u"SSL handshake failed: The certificate is self-signed, and untrusted"_s;

// How a fault is staged on the server.
enum class Staging {
    Route, // the path answers with the fault's route
    Refused, // the server stops listening
};

QByteArray gzip(const QByteArray& prefix, qint64 fillBytes, const QByteArray& suffix)
{
    z_stream z {};
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        qFatal("deflateInit2 failed");
    QByteArray out;
    QByteArray buffer(256 * 1024, Qt::Uninitialized);
    auto feed = [&](const QByteArray& in, int flush) {
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.constData()));
        z.avail_in = static_cast<uInt>(in.size());
        do {
            z.next_out = reinterpret_cast<Bytef*>(buffer.data());
            z.avail_out = static_cast<uInt>(buffer.size());
            deflate(&z, flush);
            out.append(buffer.constData(), buffer.size() - z.avail_out);
        } while (z.avail_out == 0);
    };
    feed(prefix, Z_NO_FLUSH);
    const QByteArray chunk(1024 * 1024, ' ');
    for (qint64 done = 0; done < fillBytes; done += chunk.size())
        feed(chunk, Z_NO_FLUSH);
    feed(suffix, Z_FINISH);
    deflateEnd(&z);
    return out;
}

TargetConfig targetConfig(const QString& name, const QString& url)
{
    TargetConfig config;
    config.name = name;
    config.url = url;
    config.intervalMs = kIntervalMs;
    config.timeoutMs = kTimeoutMs;
    return config;
}

struct FaultCase
{
    QString name;
    Staging staging = Staging::Route;
    TestHttpServer::Route route;
    QString message; // the error, exactly; "~word": an error that mentions the word (wording left to the fix)
    QString expectFail; // the branch where the message is fixed; empty: must pass here
};

QList<FaultCase> makeFaultCases()
{
    using Mode = TestHttpServer::Mode;
    const QByteArray okHead = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
    QByteArray deep(100'000, '[');
    deep += QByteArray(100'000, ']');
    QByteArray wrongTypes = kSeedPayload;
    wrongTypes.replace(R"("checked_out":15)", R"("checked_out":"fifteen")");
    return {
        { u"connection refused"_s, Staging::Refused, {}, u"Connection refused"_s, {} },
        { u"black hole"_s, Staging::Route, { Mode::Hang, {} }, u"timed out after 1 s"_s, {} },
        { u"trickle"_s, Staging::Route, { Mode::Trickle, okHead + "Content-Length: 100000\r\n\r\n[" },
            u"timed out after 1 s"_s, {} },
        { u"5xx"_s, Staging::Route, { Mode::Respond, httpResponse(503, "Service Unavailable", "database is down") },
            u"HTTP 503 Service Unavailable: database is down"_s, {} },
        { u"401"_s, Staging::Route, { Mode::Respond, httpResponse(401, "Unauthorized", R"({"error":"bad token"})") },
            u"HTTP 401 Unauthorized: {\"error\":\"bad token\"}"_s, {} },
        { u"malformed JSON"_s, Staging::Route, { Mode::Respond, httpResponse(200, "OK", R"({"status": "healthy",)") },
            u"invalid JSON at offset 21: unterminated object"_s, {} },
        { u"truncated body"_s, Staging::Route,
            { Mode::Respond, okHead + "Content-Length: 1000\r\nConnection: close\r\n\r\n" + kSeedPayload.left(100) },
            u"Connection closed"_s, {} },
        { u"oversized, Content-Length"_s, Staging::Route,
            { Mode::Hang, okHead + "Content-Length: " + QByteArray::number(kTenMiB) + "\r\n\r\n[" },
            u"response larger than 4 MiB"_s, {} },
        { u"oversized, no Content-Length"_s, Staging::Route,
            { Mode::Stream, okHead + "Connection: close\r\n\r\n[", kTenMiB }, u"response larger than 4 MiB"_s, {} },
        { u"gzip bomb"_s, Staging::Route,
            { Mode::Respond,
                [&okHead]() -> QByteArray {
                    const QByteArray body = gzip("[", 64 * 1024 * 1024, "]");
                    return okHead + "Content-Encoding: gzip\r\nContent-Length: " + QByteArray::number(body.size())
                        + "\r\nConnection: close\r\n\r\n" + body;
                }() },
            u"response larger than 4 MiB"_s, {} },
        { u"deep nesting"_s, Staging::Route, { Mode::Respond, httpResponse(200, "OK", deep) },
            u"invalid JSON at offset 1025: too deeply nested document"_s, {} },
        { u"wrong types"_s, Staging::Route, { Mode::Respond, httpResponse(200, "OK", wrongTypes) },
            u"checked_out at /database/pool/checked_out: expected a number, got a string (\"fifteen\")"_s, {} },
        { u"redirect loop"_s, Staging::Route,
            { Mode::Respond,
                "HTTP/1.1 302 Found\r\nLocation: /health\r\nContent-Length: 0\r\nConnection: close\r\n\r\n" },
            u"~redirect"_s, {} },
    };
}

// Checks an error against FaultCase::message (a macro so that QEXPECT_FAIL applies to it).
#define verifyMessage(error, expected)                                                                                 \
    do {                                                                                                               \
        if ((expected).startsWith(u'~'))                                                                               \
            QVERIFY2((error).contains((expected).mid(1), Qt::CaseInsensitive),                                         \
                qPrintable(u"\""_s + (error) + u"\" does not mention "_s + (expected).mid(1)));                        \
        else                                                                                                           \
            QCOMPARE(error, expected);                                                                                 \
    } while (false)

// Built once (the gzip bomb takes a moment to compress).
const QList<FaultCase>& faultCases()
{
    static const QList<FaultCase> cases = makeFaultCases();
    return cases;
}

} // namespace

class TestFaultsHttp : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { qRegisterMetaType<Sample>(); }
    void cleanupTestCase() { m_table.print("HTTP faults (interval 0.3 s, timeout 1 s)"); }

    void fault_data()
    {
        QTest::addColumn<int>("index");
        const QList<FaultCase>& cases = faultCases();
        for (qsizetype i = 0; i < cases.size(); ++i)
            QTest::newRow(qPrintable(cases[i].name)) << int(i);
    }

    void fault()
    {
        QFETCH(int, index);
        const FaultCase fault = faultCases().at(index);

        TestHttpServer server;
        const TestHttpServer::Route healthy { TestHttpServer::Mode::Respond, httpResponse(200, "OK", kSeedPayload) };
        server.setRoute("/health", healthy);
        const TargetConfig config = targetConfig(u"web"_s, server.url("/health"));
        Workspace workspace;
        workspace.targets.append(config);
        Session session(workspace);
        QNetworkAccessManager network;
        HealthSource source(config, &network);
        QList<Sample> samples;
        connect(&source, &HealthSource::sampleReady, &session, &Session::addSample);
        connect(&source, &HealthSource::sampleReady, this, [&samples](const Sample& s) { samples.append(s); });

        // Healthy first: these rows must survive the fault.
        source.start();
        QTRY_VERIFY_WITH_TIMEOUT(samples.size() >= 3, 20'000);
        for (const Sample& s : std::as_const(samples))
            QVERIFY2(s.ok(), qPrintable(s.error));
        const qsizetype before = samples.size();
        const TargetHistory& history = session.target(0).history;
        const std::vector<qint64> timesBefore(history.times().begin(), history.times().end());

        // (a) + (b): the fault shows, with its cause, within one interval + timeout.
        QElapsedTimer clock;
        clock.start();
        if (fault.staging == Staging::Refused)
            server.stopListening();
        else
            server.setRoute("/health", fault.route);
        QTRY_VERIFY_WITH_TIMEOUT(samples.size() > before && !samples.last().ok(), 30'000);
        const qint64 showMs = clock.elapsed();
        const QString error = samples.last().error;
        if (!fault.expectFail.isEmpty())
            QEXPECT_FAIL("", qPrintable(fault.expectFail), Continue);
        verifyMessage(error, fault.message);
        QVERIFY2(showMs <= kIntervalMs + kTimeoutMs + kSlackMs, qPrintable(u"showed after %1 ms"_s.arg(showMs)));
        QCOMPARE(session.target(0).latest.error, error);

        // (c): removed, it recovers within one backoff step.
        const int failures = source.consecutiveFailures();
        QVERIFY(failures >= 1);
        const qint64 step = HealthSource::backoffDelayMs(kIntervalMs, failures, 1.0);
        clock.restart();
        if (fault.staging == Staging::Refused)
            QVERIFY(server.listenAgain());
        else
            server.setRoute("/health", healthy);
        QTRY_VERIFY_WITH_TIMEOUT(samples.last().ok(), 30'000);
        const qint64 recoverMs = clock.elapsed();
        source.stop();
        QVERIFY2(recoverMs <= step + kTimeoutMs + kSlackMs,
            qPrintable(u"recovered after %1 ms (backoff step %2 ms)"_s.arg(recoverMs).arg(step)));
        m_table.add(fault.name, showMs, recoverMs, error);

        // (d): every sample is a row; the earlier ones unchanged; each failure a gap row with its reason.
        QCOMPARE(history.size(), std::size_t(samples.size()));
        for (std::size_t row = 0; row < timesBefore.size(); ++row) {
            QCOMPARE(history.times()[row], timesBefore[row]);
            QVERIFY(history.ok(row));
            QCOMPARE(history.column(Metric::CheckedOut)[row], 15.0);
        }
        for (qsizetype i = before; i < samples.size(); ++i) {
            const auto row = std::size_t(i);
            QCOMPARE(history.ok(row), samples[i].ok());
            if (!samples[i].ok()) {
                QCOMPARE(history.error(row), samples[i].error);
                QVERIFY(std::isnan(history.column(Metric::CheckedOut)[row]));
            }
        }
    }

    // A certificate nobody vouches for: the handshake fails at once and says why. It does not go away by
    // itself, so there is no recovery to time.
    void tlsWithASelfSignedCertificate()
    {
        QTemporaryDir dir;
        QSslCertificate certificate;
        QSslKey key;
        QString error;
        QVERIFY2(poolscope::test::makeSelfSignedCertificate(dir.path(), &certificate, &key, &error), qPrintable(error));
        TestHttpServer server(certificate, key);
        server.setRoute("/health", { TestHttpServer::Mode::Respond, httpResponse(200, "OK", kSeedPayload) });
        const TargetConfig config = targetConfig(u"tls"_s, server.url("/health"));
        Workspace workspace;
        workspace.targets.append(config);
        Session session(workspace);
        QNetworkAccessManager network;
        HealthSource source(config, &network);
        connect(&source, &HealthSource::sampleReady, &session, &Session::addSample);
        QElapsedTimer clock;
        clock.start();
        source.start();
        QTRY_VERIFY_WITH_TIMEOUT(session.target(0).polled(), 30'000);
        const qint64 showMs = clock.elapsed();
        source.stop();
        const QString message = session.target(0).latest.error;
        QCOMPARE(message, kTlsMessage);
        QVERIFY2(showMs <= kIntervalMs + kTimeoutMs + kSlackMs, qPrintable(u"showed after %1 ms"_s.arg(showMs)));
        QCOMPARE(server.requestCount("/health"), 0); // nothing was sent over the untrusted connection
        QCOMPARE(session.target(0).history.size(), std::size_t(1));
        QVERIFY(!session.target(0).history.ok(0));
        m_table.add(u"TLS, self-signed certificate"_s, showMs, poolscope::test::FaultTable::kNotMeasured, message);
    }

    // A redirect to another origin must not carry the Authorization header, and is shown as an error.
    void redirectToAnotherOrigin()
    {
        TestHttpServer other;
        other.setRoute("/health", { TestHttpServer::Mode::Respond, httpResponse(200, "OK", kSeedPayload) });
        TestHttpServer server;
        server.setRoute("/health",
            { TestHttpServer::Mode::Respond,
                "HTTP/1.1 302 Found\r\nLocation: " + other.url("/health").toLatin1()
                    + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n" });
        TargetConfig config = targetConfig(u"web"_s, server.url("/health"));
        config.headers.insert(u"Authorization"_s, u"Bearer s3cret"_s);
        QNetworkAccessManager network;
        HealthSource source(config, &network);
        QSignalSpy spy(&source, &HealthSource::sampleReady);
        QElapsedTimer clock;
        clock.start();
        source.pollNow();
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 1, 30'000);
        const qint64 showMs = clock.elapsed();
        const Sample sample = spy.at(0).at(0).value<Sample>();
        const bool leaked = std::any_of(other.requests().cbegin(), other.requests().cend(),
            [](const TestHttpServer::Request& request) { return request.headers.contains("authorization"); });
        QVERIFY2(!leaked, "the Authorization header followed a redirect to another origin");
        verifyMessage(sample.error, u"~redirect"_s);
        QVERIFY2(showMs <= kTimeoutMs + kSlackMs, qPrintable(u"showed after %1 ms"_s.arg(showMs)));
        m_table.add(u"redirect to another origin"_s, showMs, poolscope::test::FaultTable::kNotMeasured,
            sample.ok() ? u"(no error)"_s : sample.error);
    }

    // `poolscope status --json` with one target per fault, all at once: each target's error names its cause.
    void statusJsonNamesEveryCause()
    {
        QTemporaryDir dir;
        QSslCertificate certificate;
        QSslKey key;
        QString error;
        QVERIFY2(poolscope::test::makeSelfSignedCertificate(dir.path(), &certificate, &key, &error), qPrintable(error));
        TestHttpServer tls(certificate, key);
        TestHttpServer server;
        TestHttpServer refused;
        refused.stopListening();

        const QList<FaultCase>& cases = faultCases();
        QJsonArray targets;
        auto addTarget = [&targets](const QString& name, const QString& url) {
            targets.append(QJsonObject { { u"name"_s, name }, { u"url"_s, url },
                { u"interval"_s, kIntervalMs / 1000.0 }, { u"timeout"_s, kTimeoutMs / 1000.0 } });
        };
        for (qsizetype i = 0; i < cases.size(); ++i) {
            const QByteArray path = "/fault" + QByteArray::number(i);
            if (cases[i].staging == Staging::Refused) {
                addTarget(cases[i].name, refused.url(path));
            } else {
                server.setRoute(path, cases[i].route);
                addTarget(cases[i].name, server.url(path));
            }
        }
        // The redirect loop's Location is /health: make that loop too.
        for (const FaultCase& fault : cases) {
            if (fault.name == u"redirect loop"_s)
                server.setRoute("/health", fault.route);
        }
        addTarget(u"tls"_s, tls.url("/health"));
        const QString workspacePath = dir.filePath(u"faults.json"_s);
        QFile file(workspacePath);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QJsonDocument(QJsonObject { { u"version"_s, 1 }, { u"targets"_s, targets } }).toJson());
        file.close();

        // Asynchronously: the servers answer from this thread's event loop.
        QProcess status;
        QElapsedTimer clock;
        clock.start();
        status.start(
            poolscope::test::poolscopeBinary(), { u"status"_s, workspacePath, u"--json"_s, u"--wait"_s, u"20"_s });
        QTRY_VERIFY_WITH_TIMEOUT(status.state() == QProcess::NotRunning, 60'000);
        const qint64 elapsedMs = clock.elapsed();
        const QByteArray out = status.readAllStandardOutput();
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(out, &parseError);
        // stderr first: QTest cuts long messages, and a crash or a sanitizer report says more than the JSON.
        QVERIFY2(doc.isObject(),
            qPrintable(u"exit %1 (%2), %3; stderr: %4; stdout (%5 bytes): %6"_s.arg(status.exitCode())
                           .arg(status.exitStatus() == QProcess::NormalExit ? u"normal"_s : u"crashed"_s)
                           .arg(parseError.errorString(), QString::fromUtf8(status.readAllStandardError().left(700)))
                           .arg(out.size())
                           .arg(QString::fromUtf8(out.left(200)))));
        const QJsonArray reported = doc.object().value(u"targets"_s).toArray();
        QCOMPARE(reported.size(), cases.size() + 1);
        for (const FaultCase& fault : cases) {
            const QJsonObject target = poolscope::test::byName(reported, fault.name);
            QCOMPARE(target.value(u"ok"_s).toBool(true), false);
            if (!fault.expectFail.isEmpty())
                QEXPECT_FAIL("", qPrintable(fault.name + u": "_s + fault.expectFail), Continue);
            verifyMessage(target.value(u"error"_s).toString(), fault.message);
        }
        QCOMPARE(poolscope::test::byName(reported, u"tls"_s).value(u"error"_s).toString(), kTlsMessage);
        // Every fault at once still answers within one timeout (+ process start-up and slack).
        QVERIFY2(elapsedMs <= kTimeoutMs + 2 * kSlackMs, qPrintable(u"status took %1 ms"_s.arg(elapsedMs)));
    }

private:
    poolscope::test::FaultTable m_table;
};

QTEST_GUILESS_MAIN(TestFaultsHttp)
#include "tst_faults_http.moc"
