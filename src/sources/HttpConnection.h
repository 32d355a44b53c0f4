#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>
#include <QUrl>

#include <memory>

class QTcpSocket;

namespace poolscope {

// A kept-alive HTTP/1.1 connection for plain http:// GETs to one origin at a time, on the thread it lives in:
// no per-request objects, no HTTP thread. HealthSource uses it for a target that needs neither TLS, a proxy
// nor user information in its URL (QNetworkAccessManager does those); the rules stay HealthSource's: it sets
// the deadline, follows redirects and reads statuses.
//
// Bodies are length-delimited, chunked or read until the server closes; gzip and deflate are inflated, and a
// body (decoded) larger than the cap fails with Error::TooLarge as soon as it is known. A request sent on a
// connection kept from an earlier one that the server closed meanwhile is sent again once on a new connection.
class HttpConnection : public QObject
{
    Q_OBJECT
public:
    enum class Error { None, Network, TooLarge, Protocol };

    explicit HttpConnection(QObject* parent = nullptr);
    ~HttpConnection() override;

    // Sends GET `url` (http://, no user information) with `headers` (whole lines, each ending in "\r\n"), on
    // the connection kept to the URL's origin or a new one. finished() follows, unless abort() comes first.
    void get(const QUrl& url, const QByteArray& headers, qint64 maxBodyBytes);
    // Drops the request in flight and its connection; finished() is not emitted for it.
    void abort();
    bool isBusy() const { return m_state != State::Idle; }

    Error error() const { return m_error; }
    QString errorString() const { return m_errorString; }
    int status() const { return m_status; }
    QString reasonPhrase() const { return m_reason; }
    // The value of the response's header `name` (case-insensitive); empty if absent.
    QByteArray header(QByteArrayView name) const;
    // The decoded body (moved out).
    QByteArray takeBody() { return std::exchange(m_body, {}); }

    // The request line and Host header of `url`; for tests.
    static QByteArray requestHead(const QUrl& url);

Q_SIGNALS:
    void finished();

private:
    enum class State { Idle, Connecting, Status, Headers, Body, ChunkSize, ChunkData, ChunkEnd, Trailers, Done };
    enum class Framing { Length, Chunked, UntilClose };
    class Inflater;

    void connectSocket();
    void send();
    void resetResponse();
    void onReadyRead();
    void onSocketError();
    void parse();
    bool parseStatus(const QByteArray& line);
    bool startBody();
    bool appendBody(const char* data, qsizetype size);
    void complete();
    void fail(Error error, const QString& message);
    void dropSocket();
    // The next line of m_in without its CRLF, or false while it is incomplete.
    bool takeLine(QByteArray* line);

    QTcpSocket* m_socket = nullptr;
    QString m_host;
    quint16 m_port = 0;
    bool m_reused = false; // the request in flight went out on a connection an earlier response came back on
    bool m_retried = false;
    bool m_socketFailed = false; // the socket reported an error: it is dropped once the response is read
    quint64 m_requests = 0; // get() and abort() calls: tells a request started from finished() apart
    QByteArray m_request;
    qint64 m_maxBodyBytes = 0;

    State m_state = State::Idle;
    Framing m_framing = Framing::UntilClose;
    QByteArray m_in;
    qsizetype m_inPos = 0;
    qsizetype m_headBytes = 0; // status, header, chunk-size and trailer lines of the response so far
    qint64 m_remaining = 0; // of the body (Length) or of the chunk (ChunkData)
    bool m_keepAlive = false;
    int m_status = 0;
    QString m_reason;
    QList<QPair<QByteArray, QByteArray>> m_headers;
    QByteArray m_body;
    std::unique_ptr<Inflater> m_inflater;
    Error m_error = Error::None;
    QString m_errorString;
};

} // namespace poolscope
