#include "HttpConnection.h"

#include <QNetworkProxy>
#include <QTcpSocket>

#include <zlib.h>

#include <algorithm>
#include <utility>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

constexpr qsizetype kMaxHeadBytes = 64 * 1024; // status line and headers of one response
constexpr qsizetype kInflateChunk = 64 * 1024;

} // namespace

// Inflates a gzip or zlib stream (Content-Encoding gzip or deflate) into a body, never past the cap.
class HttpConnection::Inflater
{
public:
    Inflater() { m_ok = inflateInit2(&m_z, 15 + 32) == Z_OK; } // 15 + 32: a gzip or zlib header, detected
    ~Inflater() { inflateEnd(&m_z); }
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;

    enum class Result { Ok, TooLarge, Corrupt };

    Result feed(const char* data, qsizetype size, QByteArray* out, qint64 cap)
    {
        if (!m_ok)
            return Result::Corrupt;
        if (m_ended)
            return Result::Ok; // bytes after the end of the stream are ignored
        m_z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
        m_z.avail_in = static_cast<uInt>(size);
        do { // until the input is used up and zlib holds no more output back

            const qsizetype before = out->size();
            out->resize(before + kInflateChunk);
            m_z.next_out = reinterpret_cast<Bytef*>(out->data() + before);
            m_z.avail_out = static_cast<uInt>(kInflateChunk);
            const int rc = inflate(&m_z, Z_NO_FLUSH);
            out->resize(out->size() - m_z.avail_out);
            if (out->size() > cap)
                return Result::TooLarge;
            if (rc == Z_STREAM_END) {
                m_ended = true;
                break;
            }
            if (rc != Z_OK && rc != Z_BUF_ERROR)
                return Result::Corrupt;
            if (rc == Z_BUF_ERROR && m_z.avail_out != 0)
                break; // no progress possible with this input
        } while (m_z.avail_in > 0 || m_z.avail_out == 0);
        return Result::Ok;
    }
    QString message() const { return m_z.msg ? QString::fromLatin1(m_z.msg) : u"corrupted data"_s; }

private:
    z_stream m_z {};
    bool m_ok = false;
    bool m_ended = false;
};

HttpConnection::HttpConnection(QObject* parent)
    : QObject(parent)
{ }

HttpConnection::~HttpConnection()
{
    dropSocket();
}

QByteArray HttpConnection::requestHead(const QUrl& url)
{
    QByteArray target = url.path(QUrl::FullyEncoded).toLatin1();
    if (target.isEmpty())
        target = "/";
    if (url.hasQuery())
        target += '?' + url.query(QUrl::FullyEncoded).toLatin1();
    return "GET " + target + " HTTP/1.1\r\nHost: " + url.authority(QUrl::FullyEncoded).toLatin1()
        + "\r\nAccept-Encoding: gzip, deflate\r\n";
}

void HttpConnection::get(const QUrl& url, const QByteArray& headers, qint64 maxBodyBytes)
{
    m_request = requestHead(url) + headers + "\r\n";
    m_maxBodyBytes = maxBodyBytes;
    m_error = Error::None;
    m_errorString.clear();
    m_retried = false;
    ++m_requests;
    resetResponse();

    const QString host = url.host();
    const auto port = static_cast<quint16>(url.port(80));
    // A kept connection that has bytes nobody asked for is out of step: not reused.
    if (m_socket && !m_socketFailed && m_socket->state() == QAbstractSocket::ConnectedState && host == m_host
        && port == m_port && m_socket->bytesAvailable() == 0) {
        m_reused = true;
        send();
        return;
    }
    dropSocket();
    m_host = host;
    m_port = port;
    connectSocket();
}

void HttpConnection::abort()
{
    ++m_requests;
    dropSocket();
    m_state = State::Idle;
}

QByteArray HttpConnection::header(QByteArrayView name) const
{
    for (const auto& [key, value] : m_headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

void HttpConnection::connectSocket()
{
    m_reused = false;
    m_socketFailed = false;
    m_state = State::Connecting;
    m_socket = new QTcpSocket(this);
    m_socket->setProxy(QNetworkProxy::NoProxy); // the caller uses this class only where no proxy applies
    connect(m_socket, &QTcpSocket::connected, this, [this] {
        m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        send();
    });
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &HttpConnection::onSocketError);
    m_socket->connectToHost(m_host, m_port);
}

void HttpConnection::send()
{
    resetResponse();
    m_state = State::Status;
    m_socket->write(m_request);
}

void HttpConnection::resetResponse()
{
    m_in.clear();
    m_inPos = 0;
    m_status = 0;
    m_reason.clear();
    m_headers.clear();
    m_body.clear();
    m_inflater.reset();
    m_keepAlive = false;
    m_headBytes = 0;
}

void HttpConnection::onReadyRead()
{
    if (m_state == State::Idle || m_state == State::Connecting) {
        dropSocket(); // bytes nobody asked for
        return;
    }
    m_in.append(m_socket->readAll());
    parse();
}

void HttpConnection::onSocketError()
{
    QTcpSocket* socket = m_socket;
    const QAbstractSocket::SocketError error = socket->error();
    m_socketFailed = true; // never reused, even by a request started from finished() below
    if (m_state == State::Idle) {
        dropSocket(); // a kept connection the server closed meanwhile
        return;
    }
    if (m_state != State::Connecting && socket->bytesAvailable() > 0) {
        // The bytes that came with the close, first: they may complete the response.
        const quint64 request = m_requests;
        m_in.append(socket->readAll());
        parse();
        if (request != m_requests || m_state == State::Idle)
            return; // finished (and maybe the next request started)
    }
    if (error == QAbstractSocket::RemoteHostClosedError && m_state == State::Body && m_framing == Framing::UntilClose) {
        m_keepAlive = false;
        complete();
        return;
    }
    if (m_reused && !m_retried && m_state == State::Status && m_in.isEmpty()
        && (error == QAbstractSocket::RemoteHostClosedError || error == QAbstractSocket::NetworkError)) {
        // The server closed the kept connection as the request went out: once more on a new one.
        m_retried = true;
        dropSocket();
        connectSocket();
        return;
    }
    if (error == QAbstractSocket::RemoteHostClosedError)
        return fail(Error::Network, u"Connection closed"_s);
    if (error == QAbstractSocket::HostNotFoundError)
        return fail(Error::Network, u"Host %1 not found"_s.arg(m_host));
    fail(Error::Network, socket->errorString());
}

bool HttpConnection::takeLine(QByteArray* line)
{
    const qsizetype end = m_in.indexOf('\n', m_inPos);
    if (end < 0)
        return false;
    qsizetype stop = end;
    if (stop > m_inPos && m_in.at(stop - 1) == '\r')
        --stop;
    *line = m_in.mid(m_inPos, stop - m_inPos);
    m_inPos = end + 1;
    return true;
}

bool HttpConnection::parseStatus(const QByteArray& line)
{
    // "HTTP/1.1 200 OK"
    if (!line.startsWith("HTTP/1.") || line.size() < 12 || line.at(8) != ' ')
        return false;
    bool ok = false;
    m_status = line.mid(9, 3).toInt(&ok);
    if (!ok || m_status < 100 || m_status > 999 || (line.size() > 12 && line.at(12) != ' '))
        return false;
    m_reason = QString::fromLatin1(line.mid(13)).trimmed();
    m_keepAlive = line.at(7) == '1';
    return true;
}

void HttpConnection::parse()
{
    QByteArray line;
    while (true) {
        switch (m_state) {
        case State::Idle:
        case State::Connecting:
        case State::Done:
            return;
        case State::Status:
        case State::Headers:
        case State::ChunkSize:
        case State::ChunkEnd:
        case State::Trailers:
            if (!takeLine(&line)) {
                if (m_in.size() - m_inPos > kMaxHeadBytes)
                    return fail(Error::Protocol, u"invalid HTTP response: headers larger than 64 KiB"_s);
                if (m_inPos > 0) {
                    m_in.remove(0, m_inPos);
                    m_inPos = 0;
                }
                return;
            }
            m_headBytes += line.size();
            if (m_headBytes > kMaxHeadBytes)
                return fail(Error::Protocol, u"invalid HTTP response: headers larger than 64 KiB"_s);
            break;
        case State::Body:
        case State::ChunkData: {
            const qsizetype available = m_in.size() - m_inPos;
            const qsizetype take
                = m_framing == Framing::UntilClose ? available : qsizetype(std::min<qint64>(available, m_remaining));
            if (take > 0 && !appendBody(m_in.constData() + m_inPos, take))
                return; // failed
            m_inPos += take;
            m_remaining -= take;
            if (m_inPos == m_in.size()) {
                m_in.clear();
                m_inPos = 0;
            }
            if (m_framing == Framing::UntilClose || m_remaining > 0)
                return; // more to come
            if (m_state == State::Body)
                return complete();
            m_state = State::ChunkEnd;
            continue;
        }
        }

        switch (m_state) {
        case State::Status:
            if (!parseStatus(line))
                return fail(Error::Protocol, u"invalid HTTP response: bad status line"_s);
            m_state = State::Headers;
            break;
        case State::Headers:
            if (line.isEmpty()) {
                if (m_status < 200) { // 1xx: the response follows
                    m_headers.clear();
                    m_state = State::Status;
                    break;
                }
                if (!startBody())
                    return; // finished: without a body, or failed
                break;
            }
            if ((line.at(0) == ' ' || line.at(0) == '\t') && !m_headers.isEmpty()) {
                m_headers.last().second += ' ' + line.trimmed(); // an obsolete folded line
            } else {
                const qsizetype colon = line.indexOf(':');
                if (colon <= 0)
                    return fail(Error::Protocol, u"invalid HTTP response: bad header line"_s);
                m_headers.append({ line.left(colon).trimmed(), line.mid(colon + 1).trimmed() });
            }
            break;
        case State::ChunkSize: {
            const qsizetype semicolon = line.indexOf(';');
            bool ok = false;
            const qint64 size = (semicolon < 0 ? line : line.left(semicolon)).trimmed().toLongLong(&ok, 16);
            if (!ok || size < 0)
                return fail(Error::Protocol, u"invalid HTTP response: bad chunk size"_s);
            m_remaining = size;
            m_state = size == 0 ? State::Trailers : State::ChunkData;
            break;
        }
        case State::ChunkEnd:
            if (!line.isEmpty())
                return fail(Error::Protocol, u"invalid HTTP response: bad chunk end"_s);
            m_state = State::ChunkSize;
            break;
        case State::Trailers:
            if (line.isEmpty())
                return complete();
            break;
        default:
            break;
        }
    }
}

bool HttpConnection::startBody()
{
    const QByteArray connection = header("connection").toLower();
    if (connection.contains("close"))
        m_keepAlive = false;

    const QByteArray encoding = header("content-encoding").trimmed().toLower();
    if (encoding == "gzip" || encoding == "x-gzip" || encoding == "deflate") {
        m_inflater = std::make_unique<Inflater>();
    } else if (!encoding.isEmpty() && encoding != "identity") {
        fail(Error::Protocol, u"unsupported Content-Encoding \"%1\""_s.arg(QString::fromLatin1(encoding)));
        return false;
    }

    if (header("transfer-encoding").toLower().contains("chunked")) {
        m_framing = Framing::Chunked;
        m_state = State::ChunkSize;
        return true;
    }
    const QByteArray length = header("content-length");
    if (!length.isEmpty()) {
        bool ok = false;
        const qint64 bytes = length.toLongLong(&ok);
        if (!ok || bytes < 0) {
            fail(Error::Protocol, u"invalid HTTP response: bad Content-Length"_s);
            return false;
        }
        if (bytes > m_maxBodyBytes) {
            fail(Error::TooLarge, {});
            return false;
        }
        m_framing = Framing::Length;
        m_remaining = bytes;
    } else if (m_status == 204 || m_status == 304) {
        m_framing = Framing::Length;
        m_remaining = 0;
    } else {
        m_framing = Framing::UntilClose;
        m_keepAlive = false;
    }
    m_state = State::Body;
    if (m_framing == Framing::Length && m_remaining == 0) {
        complete();
        return false;
    }
    return true;
}

bool HttpConnection::appendBody(const char* data, qsizetype size)
{
    if (m_inflater) {
        switch (m_inflater->feed(data, size, &m_body, m_maxBodyBytes)) {
        case Inflater::Result::Ok:
            return true;
        case Inflater::Result::TooLarge:
            fail(Error::TooLarge, {});
            return false;
        case Inflater::Result::Corrupt:
            fail(Error::Protocol, u"invalid compressed body: "_s % m_inflater->message());
            return false;
        }
    }
    if (m_body.size() + size > m_maxBodyBytes) {
        fail(Error::TooLarge, {});
        return false;
    }
    m_body.append(data, size);
    return true;
}

void HttpConnection::complete()
{
    m_state = State::Idle;
    m_inflater.reset();
    if (!m_keepAlive || m_socketFailed || m_inPos < m_in.size())
        dropSocket(); // closing, or bytes beyond the response: out of step
    m_in.clear();
    m_inPos = 0;
    Q_EMIT finished();
}

void HttpConnection::fail(Error error, const QString& message)
{
    m_error = error;
    m_errorString = message;
    m_state = State::Idle;
    m_inflater.reset();
    m_body.clear();
    m_in.clear();
    m_inPos = 0;
    dropSocket();
    Q_EMIT finished();
}

void HttpConnection::dropSocket()
{
    if (!m_socket)
        return;
    QTcpSocket* socket = std::exchange(m_socket, nullptr);
    socket->disconnect(this);
    socket->abort();
    socket->deleteLater();
}

} // namespace poolscope
