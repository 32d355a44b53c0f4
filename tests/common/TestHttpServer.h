#pragma once

// A tiny HTTP/1.1 server on 127.0.0.1 with a canned behaviour per path, for the integration tests that
// talk to a real server (tst_healthsource, tst_faults_http). Optionally speaks TLS with a given
// certificate (QSslServer). Lives on the test's thread: answer it from the event loop (QTRY_*).
#include <QByteArray>
#include <QHash>
#include <QList>
#include <QMultiHash>
#include <QPointer>
#include <QSslCertificate>
#include <QSslKey>
#include <QString>

#include <memory>

class QTcpServer;
class QTcpSocket;

namespace poolscope::test {

// A complete response with Content-Length and Connection: close.
QByteArray httpResponse(
    int code, const QByteArray& reason, const QByteArray& body, const QByteArray& contentType = "application/json");

class TestHttpServer
{
public:
    enum class Mode {
        Respond, // write the bytes, close
        Hang, // write the bytes (maybe none), then keep the connection open forever
        Trickle, // write the bytes, then one more byte every 100 ms, forever
        Hold, // write the bytes only when release() is called
        Stream, // write the head, then `streamBytes` of body without Content-Length, close
        Close, // close without answering
    };
    struct Route
    {
        Mode mode = Mode::Respond;
        QByteArray bytes;
        qint64 streamBytes = 0;
    };
    struct Request
    {
        QByteArray path;
        QHash<QByteArray, QByteArray> headers; // lower-case names
    };

    // Plain HTTP; with a certificate and key, HTTPS (QSslServer).
    TestHttpServer();
    TestHttpServer(const QSslCertificate& certificate, const QSslKey& key);
    ~TestHttpServer();
    TestHttpServer(const TestHttpServer&) = delete;
    TestHttpServer& operator=(const TestHttpServer&) = delete;

    void setRoute(const QByteArray& path, Route route) { m_routes.insert(path, std::move(route)); }
    QString url(const QByteArray& path) const;
    quint16 port() const { return m_port; }
    int requestCount(const QByteArray& path) const;
    const QList<Request>& requests() const { return m_requests; }
    int closedByClient() const { return m_closedByClient; }

    // Stops listening (new connections are refused) and listens again on the same port.
    void stopListening();
    bool listenAgain();

    // Answers every held request for `path` with `bytes`.
    void release(const QByteArray& path, const QByteArray& bytes);

private:
    void listen(quint16 port);
    void onNewConnection();
    void answer(QTcpSocket* socket, const QByteArray& head, const std::shared_ptr<bool>& closing);

    std::unique_ptr<QTcpServer> m_server;
    quint16 m_port = 0;
    QHash<QByteArray, Route> m_routes;
    QList<Request> m_requests;
    QMultiHash<QByteArray, QPointer<QTcpSocket>> m_held;
    int m_closedByClient = 0;
};

// A self-signed certificate and its key for 127.0.0.1, made with `openssl req -x509` in `dir`.
// Returns false with *error set when openssl is missing or fails.
bool makeSelfSignedCertificate(const QString& dir, QSslCertificate* certificate, QSslKey* key, QString* error);

} // namespace poolscope::test
