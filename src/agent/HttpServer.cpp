#include "HttpServer.h"

#include <QFile>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpServer>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace poolscope {

class HttpServer::Listener : public QTcpServer
{
public:
    explicit Listener(HttpServer* server)
        : m_server(server)
    { }

protected:
    void incomingConnection(qintptr descriptor) override { m_server->accept(descriptor); }

private:
    HttpServer* m_server;
};

// One client connection: its socket, what it sent that is not answered yet, and its timer (the request
// head's deadline while one is being received, else the idle timeout).
class HttpServer::Connection : public QObject
{
public:
    QTcpSocket* socket = nullptr;
    QByteArray buffer;
    QTimer timer;
    bool closing = false;
};

HttpServer::HttpServer(Handler handler, QObject* parent)
    : QObject(parent)
    , m_handler(std::move(handler))
    , m_listener(std::make_unique<Listener>(this))
{
    m_listener->setMaxPendingConnections(kMaxConnections);
}

HttpServer::~HttpServer()
{
    close();
}

bool HttpServer::setTls(const QString& certificateFile, const QString& keyFile, QString* error)
{
    const QList<QSslCertificate> certificates = QSslCertificate::fromPath(certificateFile, QSsl::Pem);
    if (certificates.isEmpty()) {
        *error = u"TLS certificate %1: no PEM certificate could be read"_s.arg(certificateFile);
        return false;
    }
    QFile file(keyFile);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = u"TLS key %1: %2"_s.arg(keyFile, file.errorString());
        return false;
    }
    const QByteArray pem = file.readAll();
    QSslKey key(pem, QSsl::Rsa, QSsl::Pem);
    if (key.isNull())
        key = QSslKey(pem, QSsl::Ec, QSsl::Pem);
    if (key.isNull()) {
        *error = u"TLS key %1: not an unencrypted PEM RSA or EC private key"_s.arg(keyFile);
        return false;
    }
    m_certificates = certificates;
    m_key = key;
    return true;
}

void HttpServer::setBearerToken(const QByteArray& token)
{
    m_token = token;
}

bool HttpServer::listen(const QHostAddress& address, quint16 port, QString* error)
{
    if (!m_certificates.isEmpty() && !QSslSocket::supportsSsl()) {
        *error = u"TLS is not available (no TLS backend in Qt)"_s;
        return false;
    }
    if (!m_listener->listen(address, port)) {
        *error = m_listener->errorString();
        return false;
    }
    return true;
}

void HttpServer::close()
{
    m_listener->close();
    // Taken first: abort() emits disconnected(), whose handler must find nothing left to drop.
    const QList<Connection*> connections = std::exchange(m_connections, {});
    for (Connection* c : connections) {
        c->socket->abort();
        delete c;
    }
}

quint16 HttpServer::serverPort() const
{
    return m_listener->serverPort();
}

int HttpServer::connectionCount() const
{
    return static_cast<int>(m_connections.size());
}

void HttpServer::accept(qintptr descriptor)
{
    QTcpSocket* socket = nullptr;
    QSslSocket* tls = nullptr;
    if (m_certificates.isEmpty()) {
        socket = new QTcpSocket;
    } else {
        tls = new QSslSocket;
        socket = tls;
    }
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    if (m_connections.size() >= kMaxConnections) {
        socket->abort();
        delete socket;
        return;
    }
    socket->setReadBufferSize(4 * kMaxHeadBytes);
    auto* c = new Connection;
    socket->setParent(c);
    c->socket = socket;
    m_connections.append(c);
    c->timer.setSingleShot(true);
    // Until the first byte of a request: the idle timeout; the TLS handshake must also fit in it.
    c->timer.start(tls ? kHeadTimeoutMs : kIdleTimeoutMs);

    auto drop = [this, c] {
        if (!m_connections.removeOne(c))
            return;
        c->deleteLater();
    };
    connect(socket, &QTcpSocket::disconnected, this, drop);
    connect(socket, &QTcpSocket::errorOccurred, this, [socket](QAbstractSocket::SocketError) { socket->abort(); });
    connect(&c->timer, &QTimer::timeout, this, [c] {
        if (!c->buffer.isEmpty() && !c->closing) {
            Response r;
            r.status = 408;
            r.body = "request head not received in time\n";
            c->closing = true;
            const QByteArray head = "HTTP/1.1 408 " + reasonPhrase(408) + "\r\nContent-Type: " + r.contentType
                + "\r\nContent-Length: " + QByteArray::number(r.body.size()) + "\r\nConnection: close\r\n\r\n";
            c->socket->write(head + r.body);
            c->socket->disconnectFromHost();
        } else {
            c->socket->abort();
        }
    });
    connect(socket, &QTcpSocket::readyRead, this, [this, c] {
        if (c->closing) {
            c->socket->readAll();
            return;
        }
        if (c->buffer.isEmpty())
            c->timer.start(kHeadTimeoutMs);
        c->buffer += c->socket->readAll(); // at most the read buffer's size (below)
        respond(c);
    });
    if (tls) {
        QSslConfiguration config = QSslConfiguration::defaultConfiguration();
        config.setLocalCertificateChain(m_certificates);
        config.setPrivateKey(m_key);
        config.setPeerVerifyMode(QSslSocket::VerifyNone);
        tls->setSslConfiguration(config);
        connect(tls, &QSslSocket::sslErrors, tls, [tls](const QList<QSslError>&) { tls->abort(); });
        tls->startServerEncryption();
    }
}

bool HttpServer::authorized(const Request& request) const
{
    if (m_token.isEmpty())
        return true;
    const QByteArray given = request.headers.value("authorization");
    const QByteArray expected = "Bearer " + m_token;
    // Constant time in the token's content: every byte is compared whatever the first difference.
    unsigned char diff = given.size() == expected.size() ? 0 : 1;
    for (qsizetype i = 0; i < expected.size(); ++i)
        diff |= static_cast<unsigned char>(expected.at(i) ^ (i < given.size() ? given.at(i) : 0));
    return diff == 0;
}

void HttpServer::respond(Connection* c)
{
    while (!c->closing) {
        const qsizetype end = c->buffer.indexOf("\r\n\r\n");
        Response response;
        Request request;
        bool keepAlive = true;
        if (end < 0) {
            if (c->buffer.size() <= kMaxHeadBytes)
                return; // wait for the rest
            response.status = 431;
            response.body = "request head too large\n";
            keepAlive = false;
        } else {
            const QList<QByteArray> lines = c->buffer.left(end).split('\n');
            c->buffer.remove(0, end + 4);
            const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
            if (requestLine.size() != 3 || !requestLine.at(2).startsWith("HTTP/1.")) {
                response.status = 400;
                response.body = "malformed request line\n";
                keepAlive = false;
            } else {
                request.method = requestLine.at(0);
                const QByteArray target = requestLine.at(1);
                const qsizetype q = target.indexOf('?');
                request.path = q < 0 ? target : target.left(q);
                request.query = q < 0 ? QByteArray() : target.mid(q + 1);
                for (qsizetype i = 1; i < lines.size(); ++i) {
                    const QByteArray line = lines.at(i).trimmed();
                    const qsizetype colon = line.indexOf(':');
                    if (colon <= 0)
                        continue;
                    request.headers.insert(line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed());
                }
                const QByteArray connection = request.headers.value("connection").toLower();
                keepAlive = requestLine.at(2) == "HTTP/1.1" ? !connection.contains("close")
                                                            : connection.contains("keep-alive");
                const bool hasBody = request.headers.value("content-length", "0") != "0"
                    || request.headers.contains("transfer-encoding");
                if (request.method != "GET" && request.method != "HEAD") {
                    response.status = 405;
                    response.body = "only GET and HEAD\n";
                    response.headers.append(qMakePair(QByteArray("Allow"), QByteArray("GET, HEAD")));
                    keepAlive = false;
                } else if (hasBody) {
                    response.status = 413;
                    response.body = "no request body is accepted\n";
                    keepAlive = false;
                } else if (!authorized(request)) {
                    response.status = 401;
                    response.body = "a bearer token is required\n";
                    response.headers.append(
                        qMakePair(QByteArray("WWW-Authenticate"), QByteArray("Bearer realm=\"poolscope\"")));
                } else {
                    response = m_handler(request);
                }
            }
        }
        QByteArray head = "HTTP/1.1 " + QByteArray::number(response.status) + ' ' + reasonPhrase(response.status)
            + "\r\nContent-Type: " + response.contentType
            + "\r\nContent-Length: " + QByteArray::number(response.body.size()) + "\r\nCache-Control: no-store\r\n";
        for (const auto& [name, value] : std::as_const(response.headers))
            head += name + ": " + value + "\r\n";
        head += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
        c->socket->write(head);
        if (request.method != "HEAD")
            c->socket->write(response.body);
        if (!keepAlive) {
            c->closing = true;
            c->timer.start(kHeadTimeoutMs); // a client that never reads is let go
            c->socket->disconnectFromHost();
            return;
        }
        c->timer.start(c->buffer.isEmpty() ? kIdleTimeoutMs : kHeadTimeoutMs);
        if (c->buffer.isEmpty())
            return;
    }
}

QByteArray HttpServer::reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Content Too Large";
    case 431:
        return "Request Header Fields Too Large";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

} // namespace poolscope
