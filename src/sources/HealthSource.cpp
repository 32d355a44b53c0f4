#include "HealthSource.h"

#include "Backoff.h"
#include "HttpConnection.h"
#include "format/Format.h"
#include "profiles/HoldersReader.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QUrl>

#include <algorithm>
#include <cmath>
#include <utility>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

constexpr qint64 kReadBufferBytes = 256 * 1024;
constexpr qsizetype kSnippetChars = 120;
constexpr QByteArrayView kAccept
    = "application/json, application/openmetrics-text;version=1.0.0;q=0.9, text/plain;version=0.0.4;q=0.8, */*;q=0.5";
constexpr QByteArrayView kUserAgent = "PoolScope/" POOLSCOPE_VERSION;

// Headers HttpConnection writes itself, or that change how the response is framed: a target configuring one
// is polled through QNetworkAccessManager.
bool isFramingHeader(const QByteArray& name)
{
    for (const char* framing : { "host", "connection", "accept-encoding", "content-length", "transfer-encoding", "te",
             "upgrade", "expect", "keep-alive", "proxy-connection" }) {
        if (name.compare(framing, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

// The start of an error page, on one line, for an error message.
QString bodySnippet(const QByteArray& body)
{
    QString text = QString::fromUtf8(body.left(kSnippetChars * 4)).simplified();
    for (QChar& c : text) {
        if (!c.isPrint())
            c = u'?';
    }
    if (text.size() > kSnippetChars)
        text = text.left(kSnippetChars) % u'…';
    return text;
}

// "https://host:port" of a URL (no user information, path or query), for messages.
QString originOf(const QUrl& url)
{
    return url.adjusted(QUrl::RemoveUserInfo | QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment).toString();
}

bool sameOrigin(const QUrl& a, const QUrl& b)
{
    const auto defaultPort = [](const QUrl& u) { return u.scheme() == u"https"_s ? 443 : 80; };
    return a.scheme() == b.scheme() && a.host().compare(b.host(), Qt::CaseInsensitive) == 0
        && a.port(defaultPort(a)) == b.port(defaultPort(b));
}

bool hasLineBreak(const QString& text)
{
    return text.contains(u'\r') || text.contains(u'\n');
}

} // namespace

HealthSource::HealthSource(TargetConfig config, QNetworkAccessManager* network, QObject* parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_network(network)
{
    m_pollTimer.setSingleShot(true);
    m_deadline.setSingleShot(true);
    m_localFailure.setSingleShot(true);
    m_localFailure.setInterval(0);
    connect(&m_pollTimer, &QTimer::timeout, this, &HealthSource::onTick);
    connect(&m_deadline, &QTimer::timeout, this, [this] { abortRequest(AbortReason::Timeout); });
    connect(&m_localFailure, &QTimer::timeout, this, [this] { finishWithError(m_configError); });

    QString profileError;
    m_profile = Profile::create(m_config.profile, m_config.fields, &profileError);
    if (!m_profile)
        m_configError = profileError;

    const QUrl url(m_config.url, QUrl::StrictMode);
    if (m_configError.isEmpty()
        && (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https") || url.host().isEmpty()))
        m_configError = u"\""_s % m_config.url % u"\" is not an http:// or https:// URL"_s;
    for (auto it = m_config.headers.constBegin(); m_configError.isEmpty() && it != m_config.headers.constEnd(); ++it) {
        if (it.key().isEmpty() || hasLineBreak(it.key()) || hasLineBreak(it.value()))
            m_configError = u"header \""_s % it.key() % u"\": names and values must not be empty or hold line breaks"_s;
    }
    if (!m_config.holdersUrl.isEmpty()) {
        const QUrl holdersUrl(m_config.holdersUrl, QUrl::StrictMode);
        if (!holdersUrl.isValid() || (holdersUrl.scheme() != u"http" && holdersUrl.scheme() != u"https")
            || holdersUrl.host().isEmpty())
            m_holdersConfigError
                = u"holders_url: \""_s % m_config.holdersUrl % u"\" is not an http:// or https:// URL"_s;
    }

    // The header lines of a direct request: the defaults, each replaced by a configured one of the same name.
    QList<QPair<QByteArray, QByteArray>> lines { { "Accept", kAccept.toByteArray() },
        { "User-Agent", kUserAgent.toByteArray() } };
    for (auto it = m_config.headers.constBegin(); it != m_config.headers.constEnd(); ++it) {
        const QByteArray name = it.key().toUtf8();
        m_directAllowed = m_directAllowed && !isFramingHeader(name);
        lines.removeIf([&name](const auto& line) { return line.first.compare(name, Qt::CaseInsensitive) == 0; });
        lines.append({ name, it.value().toUtf8() });
    }
    for (const auto& [name, value] : std::as_const(lines))
        m_directHeaders += name + ": " + value + "\r\n";
    if (m_configError.isEmpty())
        m_urlDirect = isDirect(QUrl(m_config.url, QUrl::StrictMode));
    if (!m_config.holdersUrl.isEmpty() && m_holdersConfigError.isEmpty())
        m_holdersDirect = isDirect(QUrl(m_config.holdersUrl, QUrl::StrictMode));
}

bool HealthSource::isDirect(const QUrl& url) const
{
    if (!m_directAllowed || url.scheme() != u"http"_s || !url.userInfo().isEmpty())
        return false;
#ifndef QT_NO_NETWORKPROXY
    // The proxy QNetworkAccessManager would use, asked once here rather than on every request.
    if (m_network && (m_network->proxyFactory() || m_network->proxy().type() != QNetworkProxy::DefaultProxy))
        return false;
    const QList<QNetworkProxy> proxies = QNetworkProxyFactory::proxyForQuery(QNetworkProxyQuery(url));
    return proxies.isEmpty() || proxies.constFirst().type() == QNetworkProxy::NoProxy;
#else
    return true;
#endif
}

HealthSource::~HealthSource()
{
    cancelInFlight();
}

int HealthSource::scheduledDelayMs() const
{
    return m_pollTimer.isActive() ? m_pollTimer.interval() : -1;
}

int HealthSource::backoffDelayMs(int intervalMs, int failures, double jitter)
{
    return Backoff { intervalMs, kMaxBackoffMs, kJitter }.delayMs(failures, jitter);
}

void HealthSource::start()
{
    if (m_running)
        return;
    m_running = true;
    m_failures = 0;
    onTick();
}

void HealthSource::stop()
{
    m_running = false;
    m_pollTimer.stop();
    cancelInFlight();
}

void HealthSource::pollNow()
{
    startRequest();
}

void HealthSource::onTick()
{
    startRequest(); // skipped while one is in flight
    if (m_running) {
        const double jitter = QRandomGenerator::global()->generateDouble() * 2.0 - 1.0;
        m_pollTimer.start(backoffDelayMs(m_config.intervalMs, m_failures, jitter));
    }
}

void HealthSource::startRequest()
{
    if (m_inFlight)
        return;
    m_inFlight = true;
    m_fetchingHolders = false;
    m_body.clear();
    m_abortReason = AbortReason::None;
    m_redirects = 0;
    m_redirectError.clear();
    m_currentUrl = QUrl(m_config.url, QUrl::StrictMode);
    m_elapsed.start();

    if (!m_configError.isEmpty()) {
        m_localFailure.start();
        return;
    }
    m_deadline.start(std::max(m_config.timeoutMs, 1)); // for the whole request, redirects included
    sendRequest(m_currentUrl);
}

// One GET; redirects come back to finishResponse() (through onFinished() with ManualRedirectPolicy, or
// onDirectFinished()), which follows them within the origin.
void HealthSource::sendRequest(const QUrl& url)
{
    if (m_fetchingHolders ? m_holdersDirect : m_urlDirect) { // a redirect keeps the origin, and so the way
        if (!m_http) {
            m_http = new HttpConnection(this);
            connect(m_http, &HttpConnection::finished, this, &HealthSource::onDirectFinished);
        }
        m_directInFlight = true;
        m_http->get(url, m_directHeaders, m_config.maxBodyBytes);
        return;
    }
    QNetworkRequest request { url };
    request.setRawHeader("Accept", kAccept.toByteArray());
    request.setRawHeader("User-Agent", kUserAgent.toByteArray());
    for (auto it = m_config.headers.constBegin(); it != m_config.headers.constEnd(); ++it)
        request.setRawHeader(it.key().toUtf8(), it.value().toUtf8());
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    request.setTransferTimeout(std::max(m_config.timeoutMs, 1));
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    // A compressed body is judged by its decompressed size: Qt stops inflating past the cap.
    request.setDecompressedSafetyCheckThreshold(m_config.maxBodyBytes);

    QNetworkReply* reply = m_network->get(request);
    m_reply = reply;
    reply->setReadBufferSize(std::min(kReadBufferBytes, m_config.maxBodyBytes + 1));
    connect(reply, &QNetworkReply::metaDataChanged, this, &HealthSource::onMetaDataChanged);
    connect(reply, &QNetworkReply::readyRead, this, &HealthSource::onReadyRead);
    connect(reply, &QNetworkReply::finished, this, &HealthSource::onFinished);
}

void HealthSource::onMetaDataChanged()
{
    if (!m_reply || m_abortReason != AbortReason::None)
        return;
    bool ok = false;
    const qint64 length = m_reply->header(QNetworkRequest::ContentLengthHeader).toLongLong(&ok);
    if (ok && length > m_config.maxBodyBytes) {
        // Decided now, whatever happens to the connection meanwhile; aborted once control is back in
        // the event loop (QNetworkReply reports its error twice when aborted from this signal).
        m_abortReason = AbortReason::TooLarge;
        QMetaObject::invokeMethod(
            this,
            [this, reply = m_reply] {
                if (reply && reply == m_reply)
                    reply->abort();
            },
            Qt::QueuedConnection);
    }
}

void HealthSource::onReadyRead()
{
    if (!m_reply || m_abortReason != AbortReason::None)
        return;
    m_body.append(m_reply->readAll());
    if (m_body.size() > m_config.maxBodyBytes)
        abortRequest(AbortReason::TooLarge);
}

bool HealthSource::followRedirect(const Response& response)
{
    const int status = response.status;
    const QUrl& location = response.location;
    if (status < 300 || status > 399 || !location.isValid() || location.isEmpty())
        return false;
    const QUrl to = m_currentUrl.resolved(location);
    if (!sameOrigin(m_currentUrl, to)) {
        m_redirectError = u"redirected from "_s % originOf(m_currentUrl) % u" to another origin, "_s % originOf(to)
            % u"; PoolScope does not send its headers there (use the final URL in the workspace)"_s;
        m_abortReason = AbortReason::CrossOrigin;
        return false;
    }
    if (++m_redirects > kMaxRedirects) {
        m_abortReason = AbortReason::RedirectLoop;
        return false;
    }
    m_body.clear(); // the redirect's own body is not the payload
    m_currentUrl = to;
    sendRequest(to);
    return true;
}

void HealthSource::abortRequest(AbortReason reason)
{
    if (m_directInFlight && m_abortReason == AbortReason::None) {
        m_abortReason = reason;
        m_directInFlight = false;
        m_http->abort();
        finishResponse(Response {});
        return;
    }
    if (!m_reply || m_abortReason != AbortReason::None)
        return;
    m_abortReason = reason;
    m_reply->abort(); // emits finished(), handled by onFinished()
}

void HealthSource::onFinished()
{
    QNetworkReply* reply = m_reply;
    if (!reply)
        return;
    m_reply = nullptr;
    reply->disconnect(this);
    reply->deleteLater();

    Response response;
    response.failed = reply->error() != QNetworkReply::NoError;
    response.canceled = reply->error() == QNetworkReply::OperationCanceledError;
    if (response.failed)
        response.errorString = reply->errorString();
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    response.status = status.isValid() ? status.toInt() : 0;
    response.reason = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
    response.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
    response.location = reply->attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl();
    if (m_abortReason == AbortReason::None)
        m_body.append(reply->readAll());
    finishResponse(response);
}

void HealthSource::onDirectFinished()
{
    if (!m_directInFlight)
        return;
    m_directInFlight = false;
    Response response;
    switch (m_http->error()) {
    case HttpConnection::Error::None:
        break;
    case HttpConnection::Error::TooLarge:
        if (m_abortReason == AbortReason::None)
            m_abortReason = AbortReason::TooLarge;
        break;
    case HttpConnection::Error::Network:
    case HttpConnection::Error::Protocol:
        response.failed = true;
        response.errorString = m_http->errorString();
        break;
    }
    response.status = m_http->status();
    response.reason = m_http->reasonPhrase();
    response.contentType = m_http->header("content-type");
    if (const QByteArray location = m_http->header("location"); !location.isEmpty())
        response.location = QUrl::fromEncoded(location);
    m_body = m_http->takeBody();
    finishResponse(response);
}

void HealthSource::finishResponse(const Response& response)
{
    if (m_abortReason == AbortReason::None && !response.failed && followRedirect(response))
        return; // the next request of the same poll is in flight, under the same deadline
    m_deadline.stop();
    if (m_abortReason == AbortReason::None && m_body.size() > m_config.maxBodyBytes)
        m_abortReason = AbortReason::TooLarge;
    if (m_fetchingHolders) {
        readHolders(response);
        m_body.clear();
        m_fetchingHolders = false;
        deliver(std::exchange(m_pending, Sample {}));
        return;
    }
    Sample sample = interpretReply(response);
    m_body.clear();
    if (sample.ok() && !m_config.holdersUrl.isEmpty()) {
        fetchHolders(std::move(sample));
        return;
    }
    deliver(std::move(sample));
}

void HealthSource::fetchHolders(Sample sample)
{
    // The holders come from holders_url alone, even when the payload carried some too.
    sample.holdersReported = false;
    sample.holders.clear();
    sample.latencyMs = m_elapsed.elapsed(); // of the health URL
    if (!m_holdersConfigError.isEmpty()) {
        sample.holdersError = m_holdersConfigError;
        deliver(std::move(sample));
        return;
    }
    m_pending = std::move(sample);
    m_fetchingHolders = true;
    m_abortReason = AbortReason::None;
    m_redirects = 0;
    m_redirectError.clear();
    m_currentUrl = QUrl(m_config.holdersUrl, QUrl::StrictMode);
    m_deadline.start(std::max(m_config.timeoutMs, 1));
    sendRequest(m_currentUrl);
}

void HealthSource::readHolders(const Response& response)
{
    auto unavailable = [this](const QString& error) { m_pending.holdersError = u"holders_url: "_s % error; };
    if (const QString error = transportError(response, m_config.holdersUrl); !error.isEmpty())
        return unavailable(error);
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(m_body, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return unavailable(
            u"invalid JSON at offset "_s % QString::number(parseError.offset) % u": "_s % parseError.errorString());
    QList<Holder> holders;
    const QJsonValue root = document.isArray() ? QJsonValue(document.array()) : QJsonValue(document.object());
    if (QString problems = HoldersReader::readDocument(root, &holders); !problems.isEmpty()) {
        // readDocument names its own place when the document's shape is wrong.
        if (!problems.startsWith(u"holders_url:"_s))
            problems.prepend(u"holders_url: "_s);
        m_pending.holdersError = problems;
        return;
    }
    m_pending.holdersReported = true;
    m_pending.holders = std::move(holders);
}

QString HealthSource::transportError(const Response& response, const QString& configuredUrl) const
{
    if (m_abortReason == AbortReason::TooLarge)
        return u"response larger than "_s % formatByteSize(m_config.maxBodyBytes);
    if (m_abortReason == AbortReason::CrossOrigin)
        return m_redirectError;
    if (m_abortReason == AbortReason::RedirectLoop)
        return u"redirect loop: more than "_s % QString::number(kMaxRedirects) % u" redirects from "_s
            % QUrl(configuredUrl).adjusted(QUrl::RemoveUserInfo).toString();
    // Qt's archive-bomb check (the threshold is the cap, see startRequest) fails with "Decompression failed: "
    // and no reason, or one that says the limit was exceeded; a damaged stream has zlib's reason instead.
    if (response.failed) {
        static const QString decompression = u"Decompression failed:"_s;
        const QString& error = response.errorString;
        if (error.startsWith(decompression)
            && (error.mid(decompression.size()).trimmed().isEmpty() || error.contains(u"exceed"_s)))
            return u"response larger than "_s % formatByteSize(m_config.maxBodyBytes);
    }
    if (m_abortReason == AbortReason::Timeout || response.canceled)
        return u"timed out after "_s % formatSeconds(m_config.timeoutMs);

    if (response.status != 0) {
        const int code = response.status;
        if (code < 200 || code > 299) {
            QString error = u"HTTP "_s % QString::number(code);
            const QString reason = response.reason.trimmed();
            if (!reason.isEmpty())
                error += u' ' % reason;
            const QString snippet = bodySnippet(m_body);
            if (!snippet.isEmpty())
                error += u": "_s % snippet;
            return error;
        }
    }
    if (response.failed) {
        // Qt's message may quote the URL: never with its user:password@.
        QString error = response.errorString;
        const QUrl url(configuredUrl);
        if (!url.password().isEmpty())
            error.replace(url.password(), u"***"_s);
        return error;
    }
    return {};
}

Sample HealthSource::interpretReply(const Response& response)
{
    Sample sample;
    auto fail = [&sample](QString error) {
        sample.error = std::move(error);
        return sample;
    };
    if (QString error = transportError(response, m_config.url); !error.isEmpty())
        return fail(std::move(error));

    // Kept for the payload inspector (the body is shared, not copied). Prometheus text / OpenMetrics by
    // Content-Type; a body that says nothing of its type is sniffed.
    const QByteArray contentType = response.contentType.toLower();
    m_lastPayload = Payload { m_body, contentType, QDateTime::currentMSecsSinceEpoch() };
    m_payloadChanged = true;
    const bool exposition = m_lastPayload.isExposition();
    ProfileResult result;
    if (exposition) {
        const Exposition parsed = Exposition::parse(m_body, Exposition::sniffFormat(contentType, m_body));
        if (!parsed.ok())
            return fail(u"invalid Prometheus text at "_s % parsed.error);
        result = m_profile->apply(parsed, m_config.pool);
    } else {
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(m_body, &parseError);
        if (parseError.error != QJsonParseError::NoError)
            return fail(
                u"invalid JSON at offset "_s % QString::number(parseError.offset) % u": "_s % parseError.errorString());
        result = m_profile->apply(document);
    }
    if (!result.ok())
        return fail(result.error);
    sample.metrics = result.metrics;
    sample.routes = std::move(result.routes);
    sample.holdersReported = result.holdersReported;
    sample.holders = std::move(result.holders);
    return sample;
}

void HealthSource::finishWithError(const QString& error)
{
    if (!m_inFlight)
        return;
    Sample sample;
    sample.error = error;
    deliver(std::move(sample));
}

void HealthSource::deliver(Sample sample)
{
    m_inFlight = false;
    sample.target = m_config.name;
    sample.timestampMs = QDateTime::currentMSecsSinceEpoch();
    if (sample.latencyMs < 0 && m_configError.isEmpty())
        sample.latencyMs = m_elapsed.elapsed();

    if (!sample.ok()) {
        ++m_failures;
        if (m_running) {
            const double jitter = QRandomGenerator::global()->generateDouble() * 2.0 - 1.0;
            m_pollTimer.start(backoffDelayMs(m_config.intervalMs, m_failures, jitter));
        }
    } else if (m_failures > 0) {
        m_failures = 0;
        if (m_running)
            m_pollTimer.start(backoffDelayMs(m_config.intervalMs, 0, 0));
    }
    if (m_payloadChanged) {
        m_payloadChanged = false;
        Q_EMIT payloadReceived();
    }
    Q_EMIT sampleReady(sample);
}

void HealthSource::cancelInFlight()
{
    m_deadline.stop();
    m_localFailure.stop();
    m_inFlight = false;
    m_fetchingHolders = false;
    m_pending = {};
    if (m_directInFlight) {
        m_directInFlight = false;
        m_http->abort();
    }
    if (QNetworkReply* reply = m_reply) {
        m_reply = nullptr;
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
    m_body.clear();
}

} // namespace poolscope
