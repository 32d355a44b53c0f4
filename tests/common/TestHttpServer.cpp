#include "TestHttpServer.h"

#include <QFile>
#include <QProcess>
#include <QSslConfiguration>
#include <QSslServer>
#include <QStringBuilder>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace poolscope::test {

QByteArray httpResponse(int code, const QByteArray& reason, const QByteArray& body, const QByteArray& contentType)
{
    return "HTTP/1.1 " + QByteArray::number(code) + ' ' + reason + "\r\nContent-Type: " + contentType
        + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

TestHttpServer::TestHttpServer()
    : m_server(std::make_unique<QTcpServer>())
{
    listen(0);
}

TestHttpServer::TestHttpServer(const QSslCertificate& certificate, const QSslKey& key)
{
    auto server = std::make_unique<QSslServer>();
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setLocalCertificate(certificate);
    tls.setPrivateKey(key);
    tls.setPeerVerifyMode(QSslSocket::VerifyNone);
    server->setSslConfiguration(tls);
    server->setHandshakeTimeout(5000);
    m_server = std::move(server);
    listen(0);
}

TestHttpServer::~TestHttpServer() = default;

void TestHttpServer::listen(quint16 port)
{
    QObject::connect(
        m_server.get(), &QTcpServer::pendingConnectionAvailable, m_server.get(), [this] { onNewConnection(); });
    if (!m_server->listen(QHostAddress::LocalHost, port))
        qFatal("cannot listen: %s", qPrintable(m_server->errorString()));
    m_port = m_server->serverPort();
}

QString TestHttpServer::url(const QByteArray& path) const
{
    const bool tls = qobject_cast<QSslServer*>(m_server.get()) != nullptr;
    return (tls ? u"https"_s : u"http"_s) % u"://127.0.0.1:"_s % QString::number(m_port) % QString::fromLatin1(path);
}

int TestHttpServer::requestCount(const QByteArray& path) const
{
    return int(
        std::count_if(m_requests.cbegin(), m_requests.cend(), [&path](const Request& r) { return r.path == path; }));
}

void TestHttpServer::stopListening()
{
    m_server->close();
}

bool TestHttpServer::listenAgain()
{
    return m_server->listen(QHostAddress::LocalHost, m_port);
}

void TestHttpServer::release(const QByteArray& path, const QByteArray& bytes)
{
    const QList<QPointer<QTcpSocket>> held = m_held.values(path);
    m_held.remove(path);
    for (const QPointer<QTcpSocket>& socket : held) {
        if (socket) {
            socket->write(bytes);
            socket->disconnectFromHost();
        }
    }
}

void TestHttpServer::onNewConnection()
{
    while (QTcpSocket* socket = m_server->nextPendingConnection()) {
        auto buffer = std::make_shared<QByteArray>();
        auto answered = std::make_shared<bool>(false);
        auto closing = std::make_shared<bool>(false);
        QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer, answered, closing] {
            buffer->append(socket->readAll());
            const qsizetype end = buffer->indexOf("\r\n\r\n");
            if (*answered || end < 0)
                return;
            *answered = true;
            answer(socket, buffer->left(end), closing);
        });
        QObject::connect(socket, &QTcpSocket::disconnected, socket, [this, socket, closing] {
            if (!*closing)
                ++m_closedByClient;
            socket->deleteLater();
        });
    }
}

void TestHttpServer::answer(QTcpSocket* socket, const QByteArray& head, const std::shared_ptr<bool>& closing)
{
    const QList<QByteArray> lines = head.split('\n');
    Request request;
    request.path = lines.value(0).split(' ').value(1);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            request.headers.insert(line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed());
    }
    m_requests.append(request);

    const Route route = m_routes.value(request.path, Route { Mode::Respond, httpResponse(404, "Not Found", {}) });
    switch (route.mode) {
    case Mode::Respond:
        *closing = true;
        socket->write(route.bytes);
        socket->disconnectFromHost();
        break;
    case Mode::Hang:
        socket->write(route.bytes);
        break;
    case Mode::Trickle: {
        socket->write(route.bytes);
        auto* timer = new QTimer(socket);
        QObject::connect(timer, &QTimer::timeout, socket, [socket] { socket->write("1"); });
        timer->start(100);
        break;
    }
    case Mode::Hold:
        *closing = true;
        m_held.insert(request.path, socket);
        break;
    case Mode::Stream: {
        *closing = true;
        socket->write(route.bytes);
        const QByteArray chunk(64 * 1024, ' ');
        for (qint64 written = 0; written < route.streamBytes; written += chunk.size())
            socket->write(chunk);
        socket->disconnectFromHost();
        break;
    }
    case Mode::Close:
        *closing = true;
        socket->disconnectFromHost();
        break;
    }
}

bool makeSelfSignedCertificate(const QString& dir, QSslCertificate* certificate, QSslKey* key, QString* error)
{
    const QString certPath = dir + u"/cert.pem"_s;
    const QString keyPath = dir + u"/key.pem"_s;
    QProcess openssl;
    openssl.start(u"openssl"_s,
        { u"req"_s, u"-x509"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s, u"-days"_s, u"2"_s, u"-subj"_s,
            u"/CN=127.0.0.1"_s, u"-addext"_s, u"subjectAltName=IP:127.0.0.1"_s, u"-keyout"_s, keyPath, u"-out"_s,
            certPath });
    if (!openssl.waitForFinished(60'000) || openssl.exitStatus() != QProcess::NormalExit || openssl.exitCode() != 0) {
        *error = u"openssl req -x509 failed (%1): %2"_s.arg(
            openssl.errorString(), QString::fromLocal8Bit(openssl.readAllStandardError()));
        return false;
    }
    QFile certFile(certPath);
    QFile keyFile(keyPath);
    if (!certFile.open(QIODevice::ReadOnly) || !keyFile.open(QIODevice::ReadOnly)) {
        *error = u"cannot read the certificate made by openssl in %1"_s.arg(dir);
        return false;
    }
    *certificate = QSslCertificate(certFile.readAll(), QSsl::Pem);
    *key = QSslKey(keyFile.readAll(), QSsl::Rsa, QSsl::Pem);
    if (certificate->isNull() || key->isNull()) {
        *error = u"openssl made a certificate or key Qt cannot read"_s;
        return false;
    }
    return true;
}

} // namespace poolscope::test
