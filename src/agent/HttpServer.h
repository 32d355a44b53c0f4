#pragma once

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPair>
#include <QSslCertificate>
#include <QSslKey>

#include <functional>
#include <memory>

namespace poolscope {

// A deliberately small HTTP/1.1 server for the agent (Qt 6.4 has neither QHttpServer nor QSslServer in
// Debian 12): GET and HEAD only, no request bodies; keep-alive (HTTP/1.1 by default); the request head is
// capped at kMaxHeadBytes (431 beyond), must be complete within kHeadTimeoutMs of its first byte (408),
// an idle connection is closed after kIdleTimeoutMs; at most kMaxConnections at once (beyond that a new
// connection is closed at once). Optional HTTPS (a certificate and key: only TLS is spoken then) and an
// optional bearer token (401 with WWW-Authenticate without it, compared in constant time).
class HttpServer : public QObject
{
    Q_OBJECT
public:
    static constexpr qsizetype kMaxHeadBytes = 16 * 1024;
    static constexpr int kHeadTimeoutMs = 10'000;
    static constexpr int kIdleTimeoutMs = 30'000;
    static constexpr int kMaxConnections = 64;

    struct Request
    {
        QByteArray method;
        QByteArray path; // without the query
        QByteArray query;
        QHash<QByteArray, QByteArray> headers; // lower-case names
    };
    struct Response
    {
        int status = 200;
        QByteArray contentType = "text/plain; charset=utf-8";
        QByteArray body;
        QList<QPair<QByteArray, QByteArray>> headers;
    };
    using Handler = std::function<Response(const Request&)>;

    explicit HttpServer(Handler handler, QObject* parent = nullptr);
    ~HttpServer() override;

    // Before listen(): a PEM certificate (chain) and key. False with the reason when they cannot be used.
    bool setTls(const QString& certificateFile, const QString& keyFile, QString* error);
    // Before listen(): requests must carry "Authorization: Bearer <token>". Empty: no check.
    void setBearerToken(const QByteArray& token);

    bool listen(const QHostAddress& address, quint16 port, QString* error);
    void close();
    quint16 serverPort() const;
    int connectionCount() const;

    static QByteArray reasonPhrase(int status);

private:
    class Listener;
    class Connection;
    void accept(qintptr descriptor);
    void respond(Connection* connection);
    bool authorized(const Request& request) const;

    Handler m_handler;
    std::unique_ptr<Listener> m_listener;
    QList<QSslCertificate> m_certificates;
    QSslKey m_key;
    QByteArray m_token;
    QList<Connection*> m_connections;
};

} // namespace poolscope
