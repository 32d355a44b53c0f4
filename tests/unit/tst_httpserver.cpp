// The agent's small HTTP server: routing to the handler, keep-alive, the bearer token, the caps on request
// heads and connections, refused methods and bodies, and HTTPS with a certificate of the test's own.
#include "agent/HttpServer.h"

#include <QProcess>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <vector>

using namespace poolscope;
using namespace Qt::StringLiterals;

namespace {

// Reads one whole response (head and Content-Length body) from `socket`, running the event loop (the server
// lives in this thread) for at most 15 s.
QByteArray readResponse(QTcpSocket& socket)
{
    QByteArray data;
    auto complete = [&] {
        data += socket.readAll();
        const qsizetype end = data.indexOf("\r\n\r\n");
        if (end < 0)
            return socket.state() == QAbstractSocket::UnconnectedState;
        const qsizetype at = data.toLower().indexOf("content-length: ");
        const qsizetype length = data.mid(at + 16, data.indexOf("\r\n", at) - at - 16).toLongLong();
        return data.size() >= end + 4 + length;
    };
    static_cast<void>(QTest::qWaitFor(complete, 15000)); // the caller checks what arrived
    return data;
}

int statusOf(const QByteArray& response)
{
    return response.mid(9, 3).toInt();
}

} // namespace

class TestHttpServer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void routesAndKeepAlive();
    void bearerToken();
    void headTooLarge();
    void methodsAndBodies();
    void connectionCap();
    void tls();

private:
    std::unique_ptr<HttpServer> m_server;
    int m_handled = 0;
};

void TestHttpServer::init()
{
    m_handled = 0;
    m_server = std::make_unique<HttpServer>([this](const HttpServer::Request& request) {
        ++m_handled;
        HttpServer::Response r;
        r.body = request.method + ' ' + request.path + '?' + request.query + '\n';
        return r;
    });
}

void TestHttpServer::routesAndKeepAlive()
{
    QString error;
    QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
    QTRY_COMPARE(socket.state(), QAbstractSocket::ConnectedState);
    socket.write("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
    QByteArray r = readResponse(socket);
    QCOMPARE(statusOf(r), 200);
    QVERIFY(r.contains("Connection: keep-alive"));
    QVERIFY(r.endsWith("GET /metrics?x=1\n"));
    // The same connection, two pipelined requests, the second asking to close.
    socket.write("GET /a HTTP/1.1\r\n\r\nHEAD /b HTTP/1.1\r\nConnection: close\r\n\r\n");
    r.clear();
    QTRY_VERIFY((r += socket.readAll()).contains("Connection: close\r\n\r\n"));
    QVERIFY(r.startsWith("HTTP/1.1 200 OK\r\n"));
    QVERIFY(r.contains("\r\n\r\nGET /a?\nHTTP/1.1 200 OK\r\n")); // the HEAD answer has no body
    QTRY_COMPARE(socket.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(m_handled, 3);
}

void TestHttpServer::bearerToken()
{
    m_server->setBearerToken("s3cret");
    QString error;
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0, &error));
    const QList<QPair<QByteArray, int>> cases { { "", 401 }, { "Authorization: Bearer s3cre\r\n", 401 },
        { "Authorization: Bearer s3cret2\r\n", 401 }, { "Authorization: Basic czNjcmV0\r\n", 401 },
        { "Authorization: Bearer s3cret\r\n", 200 } };
    for (const auto& [header, status] : cases) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
        QTRY_COMPARE(socket.state(), QAbstractSocket::ConnectedState);
        socket.write("GET /metrics HTTP/1.1\r\n" + header + "\r\n");
        const QByteArray r = readResponse(socket);
        QCOMPARE(statusOf(r), status);
        if (status == 401)
            QVERIFY(r.contains("WWW-Authenticate: Bearer"));
    }
    QCOMPARE(m_handled, 1);
}

void TestHttpServer::headTooLarge()
{
    QString error;
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0, &error));
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
    QTRY_COMPARE(socket.state(), QAbstractSocket::ConnectedState);
    socket.write("GET / HTTP/1.1\r\nX-Big: " + QByteArray(HttpServer::kMaxHeadBytes, 'a'));
    const QByteArray r = readResponse(socket);
    QCOMPARE(statusOf(r), 431);
    QTRY_COMPARE(socket.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(m_handled, 0);
}

void TestHttpServer::methodsAndBodies()
{
    QString error;
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0, &error));
    const QList<QPair<QByteArray, int>> cases { { "POST /metrics HTTP/1.1\r\n\r\n", 405 },
        { "GET /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 413 }, { "garbage\r\n\r\n", 400 },
        { "GET / SPDY/3\r\n\r\n", 400 } };
    for (const auto& [request, status] : cases) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
        QTRY_COMPARE(socket.state(), QAbstractSocket::ConnectedState);
        socket.write(request);
        QCOMPARE(statusOf(readResponse(socket)), status);
    }
    QCOMPARE(m_handled, 0);
}

void TestHttpServer::connectionCap()
{
    QString error;
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0, &error));
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    for (int i = 0; i < HttpServer::kMaxConnections; ++i) {
        sockets.push_back(std::make_unique<QTcpSocket>());
        sockets.back()->connectToHost(QHostAddress::LocalHost, m_server->serverPort());
        QTRY_COMPARE(sockets.back()->state(), QAbstractSocket::ConnectedState);
    }
    QTRY_COMPARE(m_server->connectionCount(), HttpServer::kMaxConnections);
    QTcpSocket extra;
    extra.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
    QTRY_COMPARE(extra.state(), QAbstractSocket::UnconnectedState); // accepted, then closed at once
    QCOMPARE(m_server->connectionCount(), HttpServer::kMaxConnections);
    // One goes, the next is served.
    sockets.front()->abort();
    QTRY_COMPARE(m_server->connectionCount(), HttpServer::kMaxConnections - 1);
    QTcpSocket next;
    next.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
    QTRY_COMPARE(next.state(), QAbstractSocket::ConnectedState);
    next.write("GET /x HTTP/1.1\r\n\r\n");
    QCOMPARE(statusOf(readResponse(next)), 200);
}

void TestHttpServer::tls()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString cert = dir.filePath(u"cert.pem"_s);
    const QString key = dir.filePath(u"key.pem"_s);
    QProcess openssl;
    openssl.start(u"openssl"_s,
        { u"req"_s, u"-x509"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s, u"-keyout"_s, key, u"-out"_s, cert,
            u"-days"_s, u"2"_s, u"-subj"_s, u"/CN=localhost"_s });
    QVERIFY(openssl.waitForFinished(60000));
    QCOMPARE(openssl.exitCode(), 0);
    QString error;
    QVERIFY(!m_server->setTls(dir.filePath(u"missing.pem"_s), key, &error));
    QVERIFY(error.contains(u"missing.pem"_s));
    QVERIFY2(m_server->setTls(cert, key, &error), qPrintable(error));
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0, &error));

    QSslSocket socket;
    socket.setPeerVerifyMode(QSslSocket::VerifyNone);
    socket.connectToHostEncrypted(u"localhost"_s, m_server->serverPort());
    QTRY_VERIFY_WITH_TIMEOUT(socket.isEncrypted(), 15000);
    socket.write("GET /tls HTTP/1.1\r\n\r\n");
    const QByteArray r = readResponse(socket);
    QCOMPARE(statusOf(r), 200);
    QVERIFY(r.endsWith("GET /tls?\n"));

    // Plain HTTP to the TLS port gets nothing served.
    QTcpSocket plain;
    plain.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
    QTRY_COMPARE(plain.state(), QAbstractSocket::ConnectedState);
    plain.write("GET /plain HTTP/1.1\r\n\r\n");
    QTRY_COMPARE_WITH_TIMEOUT(plain.state(), QAbstractSocket::UnconnectedState, 15000);
    QCOMPARE(m_handled, 1);
}

QTEST_GUILESS_MAIN(TestHttpServer)
#include "tst_httpserver.moc"
