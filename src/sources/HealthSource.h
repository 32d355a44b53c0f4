#pragma once

#include "profiles/Payload.h"
#include "profiles/Profile.h"
#include "types/Sample.h"
#include "types/Workspace.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>

#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

namespace poolscope {

class HttpConnection;

// Polls one target's JSON health endpoint (HTTP or HTTPS) and turns every poll into exactly one
// Sample: metrics and routes through the target's profile, or the reason the poll failed. When the target
// has a holders_url, a poll whose metrics arrived then fetches it (same timeout, size cap, headers, redirect
// and TLS rules) and its holders replace the payload's; a failing holders_url leaves the Sample's metrics
// intact, without holders and with Sample::holdersError.
//
// At most one request is in flight; a tick that finds one still running is skipped. After a failure
// the next poll waits max(interval, min(interval * 2^(failures-1), 30 s)) with +-20 % jitter; a success
// returns to the plain interval. Each source owns its timer, so a dead target never delays another.
//
// A plain http:// URL without user information, to which no proxy applies (resolved once per target), is
// polled on the source's own kept-alive HttpConnection; https://, proxies and user information go through
// `network` (QNetworkAccessManager). Both give the same samples and errors.
class HealthSource : public QObject
{
    Q_OBJECT
public:
    static constexpr int kMaxBackoffMs = 30'000;
    // Redirects are followed within the same origin (scheme, host, port) only, so that configured headers
    // (Authorization) never reach another host; more than this many is a redirect loop.
    static constexpr int kMaxRedirects = 5;
    static constexpr double kJitter = 0.2;

    // `config` has ${env:NAME} already expanded. `network` is shared and must outlive this object.
    explicit HealthSource(TargetConfig config, QNetworkAccessManager* network, QObject* parent = nullptr);
    ~HealthSource() override;

    const TargetConfig& config() const { return m_config; }

    // Polls now, then every config().intervalMs (backing off while the target fails).
    void start();
    // Aborts the request in flight and stops the timer: no sample is emitted afterwards.
    void stop();
    // One poll now, unless one is already in flight. Works whether started or not.
    void pollNow();

    bool isRunning() const { return m_running; }
    bool isPolling() const { return m_inFlight; }
    int consecutiveFailures() const { return m_failures; }
    // The delay the poll timer was last armed with, in ms; -1 when no poll is scheduled.
    int scheduledDelayMs() const;

    // The wait before the next poll after `failures` consecutive failures (0: the interval).
    // `jitter` in [-1, 1] scales the +-20 % jitter; tests pass fixed values.
    static int backoffDelayMs(int intervalMs, int failures, double jitter);

    // The last body a poll received with a 2xx status within the body cap (whether it mapped or not),
    // shared with the source: no copy is made per poll. Empty until one arrived.
    const Payload& lastPayload() const { return m_lastPayload; }

Q_SIGNALS:
    void sampleReady(const poolscope::Sample& sample);
    // After lastPayload() changed; emitted just before the poll's sampleReady.
    void payloadReceived();

private:
    enum class AbortReason { None, Timeout, TooLarge, CrossOrigin, RedirectLoop };
    // What a request got back, from QNetworkAccessManager or HttpConnection alike.
    struct Response
    {
        bool failed = false; // a network error (errorString); an HTTP status alone is not one
        bool canceled = false;
        QString errorString;
        int status = 0; // 0: none received
        QString reason;
        QByteArray contentType;
        QUrl location;
    };

    void onTick();
    void startRequest();
    void onMetaDataChanged();
    void onReadyRead();
    void sendRequest(const QUrl& url);
    // A 3xx with a Location: the next request sent (true), or m_abortReason set / not a redirect (false).
    bool followRedirect(const Response& response);
    void onFinished();
    void onDirectFinished();
    void finishResponse(const Response& response);
    // Whether `url` goes over the source's own HttpConnection (see the class comment).
    bool isDirect(const QUrl& url) const;
    void abortRequest(AbortReason reason);
    void finishWithError(const QString& error);
    void deliver(Sample sample);
    void cancelInFlight();
    // The reply's failure (abort, HTTP status, network error) for a request to `configuredUrl`; empty if none.
    QString transportError(const Response& response, const QString& configuredUrl) const;
    Sample interpretReply(const Response& response);
    // After the metrics of `sample` arrived: fetches holders_url, or delivers at once when it is unusable.
    void fetchHolders(Sample sample);
    // The holders_url reply into m_pending (holders, or holdersError).
    void readHolders(const Response& response);

    TargetConfig m_config;
    QNetworkAccessManager* m_network;
    std::optional<Profile> m_profile;
    QString m_configError; // unknown profile, bad URL or header: every poll fails with it
    QString m_holdersConfigError; // a bad holders_url: every poll's holders are unavailable with it

    QTimer m_pollTimer;
    QTimer m_deadline; // the whole request, on top of QNetworkRequest's transfer (inactivity) timeout
    QTimer m_localFailure; // delivers m_configError asynchronously, like a network failure
    QPointer<QNetworkReply> m_reply;
    HttpConnection* m_http = nullptr; // created on the first direct request
    bool m_directInFlight = false;
    bool m_directAllowed = true; // no configured header clashes with the ones HttpConnection writes
    bool m_urlDirect = false; // m_config.url, resolved once
    bool m_holdersDirect = false; // m_config.holdersUrl, resolved once
    QByteArray m_directHeaders; // the request's header lines for HttpConnection
    QByteArray m_body;
    Payload m_lastPayload;
    bool m_payloadChanged = false; // in the poll being delivered
    QElapsedTimer m_elapsed;
    AbortReason m_abortReason = AbortReason::None;
    int m_redirects = 0; // followed in the request in flight
    QUrl m_currentUrl; // where the request in flight is now (after the redirects followed)
    QString m_redirectError; // CrossOrigin: the message, with both origins
    bool m_fetchingHolders = false; // the request in flight is the holders_url one
    Sample m_pending; // the poll's metrics, while its holders_url is fetched
    bool m_running = false;
    bool m_inFlight = false;
    int m_failures = 0;
};

} // namespace poolscope
