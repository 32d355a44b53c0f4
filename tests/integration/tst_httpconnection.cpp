// HttpConnection (the kept-alive client HealthSource uses for plain http://) against a real local server that
// answers each request with scripted bytes: framing (length, chunked, read to close), gzip, 1xx, connection
// reuse and the retry when the server closed a kept connection. HealthSource's own behaviour over it (errors,
// caps, timeouts, redirects) is covered by tst_healthsource and tst_faults_http.

#include "sources/HttpConnection.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <zlib.h>

#include <functional>

using namespace Qt::StringLiterals;
using namespace poolscope;

namespace {

constexpr int kWaitMs = 10'000; // loaded CI machines
constexpr qint64 kCap = 4 * 1024 * 1024;

QByteArray gzip(const QByteArray& data)
{
    z_stream z {};
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        qFatal("deflateInit2 failed");
    QByteArray out(int(deflateBound(&z, uLong(data.size()))) + 64, Qt::Uninitialized);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.constData()));
    z.avail_in = uInt(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = uInt(out.size());
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        qFatal("deflate failed");
    out.resize(out.size() - qsizetype(z.avail_out));
    deflateEnd(&z);
    return out;
}

// Answers the n-th request it reads (over all connections) with answer(n, socket); counts connections.
class ScriptedServer : public QObject
{
public:
    using Answer = std::function<void(int request, QTcpSocket* socket)>;

    explicit ScriptedServer(Answer answer)
        : m_answer(std::move(answer))
    {
        QVERIFY(m_server.listen(QHostAddress::LocalHost, 0));
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* socket = m_server.nextPendingConnection()) {
                ++connections;
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] {
                    QByteArray& pending = m_pending[socket];
                    pending += socket->readAll();
                    qsizetype end;
                    while ((end = pending.indexOf("\r\n\r\n")) >= 0) {
                        requests.append(pending.left(end + 4));
                        pending.remove(0, end + 4);
                        m_answer(int(requests.size()), socket);
                    }
                });
            }
        });
    }
    QUrl url(const QString& path = u"/health"_s) const
    {
        return QUrl(u"http://127.0.0.1:%1%2"_s.arg(m_server.serverPort()).arg(path));
    }

    int connections = 0;
    QList<QByteArray> requests;

private:
    QTcpServer m_server;
    Answer m_answer;
    QHash<QTcpSocket*, QByteArray> m_pending;
};

struct Result
{
    HttpConnection::Error error = HttpConnection::Error::None;
    QString errorString;
    int status = 0;
    QByteArray body;
};

Result fetch(HttpConnection& http, const QUrl& url, qint64 cap = kCap)
{
    QSignalSpy spy(&http, &HttpConnection::finished);
    http.get(url, "Accept: application/json\r\nX-Token: secret\r\n", cap);
    if (!spy.wait(kWaitMs) && spy.isEmpty())
        qWarning("no answer");
    return { http.error(), http.errorString(), http.status(), http.takeBody() };
}

} // namespace

class TestHttpConnection : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void requestHead()
    {
        QCOMPARE(HttpConnection::requestHead(QUrl(u"http://example.com/a/b?x=1&y=%20"_s)),
            QByteArray("GET /a/b?x=1&y=%20 HTTP/1.1\r\nHost: example.com\r\nAccept-Encoding: gzip, deflate\r\n"));
        QCOMPARE(HttpConnection::requestHead(QUrl(u"http://[::1]:8080"_s)),
            QByteArray("GET / HTTP/1.1\r\nHost: [::1]:8080\r\nAccept-Encoding: gzip, deflate\r\n"));
    }

    void framing_data()
    {
        QTest::addColumn<QByteArray>("response");
        QTest::addColumn<bool>("byteByByte");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");

        const QByteArray body = R"({"checked_out": 3})";
        const QByteArray length = "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
        QTest::addRow("length") << "HTTP/1.1 200 OK\r\n" + length + "\r\n" + body << false << 200 << body;
        QTest::addRow("length, byte by byte") << "HTTP/1.1 200 OK\r\n" + length + "\r\n" + body << true << 200 << body;
        const QByteArray chunked = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;ext=1\r\n{\"che\r\n"
                                   "d\r\ncked_out\": 3}\r\n0\r\nX-Trailer: 1\r\n\r\n";
        QTest::addRow("chunked") << chunked << false << 200 << body;
        QTest::addRow("chunked, byte by byte") << chunked << true << 200 << body;
        const QByteArray zipped = gzip(body);
        QTest::addRow("gzip") << "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "
                + QByteArray::number(zipped.size()) + "\r\n\r\n" + zipped
                              << false << 200 << body;
        const QByteArray large(300'000, 'x'); // more than one inflate step
        const QByteArray zippedLarge = gzip(large);
        QTest::addRow("gzip, chunked, large") << "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: "
                                                 "chunked\r\n\r\n"
                + QByteArray::number(zippedLarge.size(), 16) + "\r\n" + zippedLarge + "\r\n0\r\n\r\n"
                                              << false << 200 << large;
        QTest::addRow("1xx first") << "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n" + length + "\r\n" + body
                                   << false << 200 << body;
        QTest::addRow("no content") << QByteArray("HTTP/1.1 204 No Content\r\n\r\n") << false << 204 << QByteArray();
        QTest::addRow("error status keeps its body")
            << QByteArray("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\ndown") << false << 503
            << QByteArray("down");
    }

    void framing()
    {
        QFETCH(QByteArray, response);
        QFETCH(bool, byteByByte);
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        ScriptedServer server([&](int, QTcpSocket* socket) {
            if (!byteByByte) {
                socket->write(response);
                return;
            }
            for (char c : std::as_const(response)) {
                socket->write(&c, 1);
                socket->flush();
            }
        });
        HttpConnection http;
        const Result result = fetch(http, server.url());
        QCOMPARE(result.errorString, QString());
        QCOMPARE(result.error, HttpConnection::Error::None);
        QCOMPARE(result.status, status);
        QCOMPARE(result.body, body);
        QCOMPARE(server.requests.size(), 1);
        QVERIFY2(
            server.requests[0].startsWith("GET /health HTTP/1.1\r\nHost: 127.0.0.1:"), server.requests[0].constData());
        QVERIFY(server.requests[0].contains("\r\nX-Token: secret\r\n"));
    }

    void readToClose()
    {
        ScriptedServer server([](int, QTcpSocket* socket) {
            socket->write("HTTP/1.1 200 OK\r\n\r\n[1, 2");
            socket->write(", 3]");
            socket->disconnectFromHost();
        });
        HttpConnection http;
        const Result first = fetch(http, server.url());
        QCOMPARE(first.error, HttpConnection::Error::None);
        QCOMPARE(first.body, QByteArray("[1, 2, 3]"));
        const Result second = fetch(http, server.url());
        QCOMPARE(second.body, QByteArray("[1, 2, 3]"));
        QCOMPARE(server.connections, 2); // a body read to its close leaves no connection to keep
    }

    void keptAliveConnectionIsReused()
    {
        ScriptedServer server([](int request, QTcpSocket* socket) {
            const QByteArray body = QByteArray::number(request);
            socket->write("HTTP/1.1 200 OK\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        });
        HttpConnection http;
        for (int i = 1; i <= 3; ++i)
            QCOMPARE(fetch(http, server.url()).body, QByteArray::number(i));
        QCOMPARE(server.connections, 1);
    }

    void connectionCloseIsHonoured()
    {
        ScriptedServer server([](int, QTcpSocket* socket) {
            socket->write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]");
        });
        HttpConnection http;
        QCOMPARE(fetch(http, server.url()).body, QByteArray("[]"));
        QCOMPARE(fetch(http, server.url()).body, QByteArray("[]"));
        QCOMPARE(server.connections, 2);
    }

    void closedKeptConnectionIsRetriedOnce()
    {
        // The second request arrives on the kept connection, which the server then closes unanswered (as an
        // idle timeout racing the request would): the request goes out again on a new connection.
        ScriptedServer server([](int request, QTcpSocket* socket) {
            if (request == 2) {
                socket->disconnectFromHost();
                return;
            }
            socket->write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        });
        HttpConnection http;
        QCOMPARE(fetch(http, server.url()).body, QByteArray("ok"));
        const Result retried = fetch(http, server.url());
        QCOMPARE(retried.errorString, QString());
        QCOMPARE(retried.body, QByteArray("ok"));
        QCOMPARE(server.requests.size(), 3);
        QCOMPARE(server.connections, 2);
    }

    void freshConnectionClosedUnansweredFails()
    {
        ScriptedServer server([](int, QTcpSocket* socket) { socket->disconnectFromHost(); });
        HttpConnection http;
        const Result result = fetch(http, server.url());
        QCOMPARE(result.error, HttpConnection::Error::Network);
        QCOMPARE(result.errorString, u"Connection closed"_s);
        QCOMPARE(server.requests.size(), 1); // not sent again: nothing was kept
    }

    void capIsEnforced_data()
    {
        QTest::addColumn<QByteArray>("response");
        QTest::addRow("declared") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n");
        QTest::addRow("chunked") << "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n" + QByteArray(101, 'x')
                + "\r\n0\r\n\r\n";
        QTest::addRow("read to close") << "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + QByteArray(101, 'x');
        const QByteArray zipped = gzip(QByteArray(101, 'x'));
        QTest::addRow("inflated") << "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "
                + QByteArray::number(zipped.size()) + "\r\n\r\n" + zipped;
    }

    void capIsEnforced()
    {
        QFETCH(QByteArray, response);
        ScriptedServer server([&](int, QTcpSocket* socket) { socket->write(response); });
        HttpConnection http;
        const Result result = fetch(http, server.url(), 100);
        QCOMPARE(result.error, HttpConnection::Error::TooLarge);
        QCOMPARE(result.body, QByteArray());
    }

    void malformedResponsesFail_data()
    {
        QTest::addColumn<QByteArray>("response");
        QTest::addColumn<QString>("error");
        QTest::addRow("not HTTP") << QByteArray("SSH-2.0-OpenSSH\r\n\r\n")
                                  << u"invalid HTTP response: bad status line"_s;
        QTest::addRow("bad chunk size") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
                                        << u"invalid HTTP response: bad chunk size"_s;
        QTest::addRow("unknown encoding")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 1\r\n\r\nx")
            << u"unsupported Content-Encoding \"br\""_s;
        QTest::addRow("endless headers") << "HTTP/1.1 200 OK\r\n" + QByteArray(70'000, 'h')
                                         << u"invalid HTTP response: headers larger than 64 KiB"_s;
    }

    void malformedResponsesFail()
    {
        QFETCH(QByteArray, response);
        QFETCH(QString, error);
        ScriptedServer server([&](int, QTcpSocket* socket) { socket->write(response); });
        HttpConnection http;
        const Result result = fetch(http, server.url());
        QCOMPARE(result.error, HttpConnection::Error::Protocol);
        QCOMPARE(result.errorString, error);
    }

    void abortDropsTheRequest()
    {
        // The first request is never answered and aborted; the next one, on a new connection, is.
        ScriptedServer server([](int request, QTcpSocket* socket) {
            if (request == 2)
                socket->write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        });
        HttpConnection http;
        QSignalSpy spy(&http, &HttpConnection::finished);
        http.get(server.url(), {}, kCap);
        QTRY_COMPARE_WITH_TIMEOUT(server.requests.size(), 1, kWaitMs);
        http.abort();
        QVERIFY(!http.isBusy());
        http.get(server.url(), {}, kCap);
        QTRY_COMPARE_WITH_TIMEOUT(spy.size(), 1, kWaitMs);
        QCOMPARE(http.takeBody(), QByteArray("ok"));
        QCOMPARE(server.connections, 2);
    }
};

QTEST_GUILESS_MAIN(TestHttpConnection)
#include "tst_httpconnection.moc"
