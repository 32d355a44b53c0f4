#include "BackendDetailPane.h"

#include "Theme.h"
#include "analysis/Holders.h"

#include "models/BackendGroupsModel.h"
#include "models/BackendsModel.h"
#include "models/Format.h"

#include <QScrollBar>
#include <QTextBrowser>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {
QString age(qint64 nowMs, qint64 thenMs)
{
    if (nowMs == kNoTime || thenMs == kNoTime)
        return unknownText();
    return formatDurationMs(nowMs - thenMs);
}

QString stamp(qint64 ms)
{
    return ms == kNoTime ? unknownText() : formatClock(ms);
}

QString row(const QString& label, const QString& value)
{
    return u"<tr><td style=\"color:#616161; padding-right:8px\">%1</td><td>%2</td></tr>"_s.arg(
        label, value.isEmpty() ? unknownText() : value.toHtmlEscaped());
}
} // namespace

BackendDetailPane::BackendDetailPane(QWidget* parent)
    : QWidget(parent)
    , m_browser(new QTextBrowser(this))
{
    setAccessibleName(tr("Backend details"));
    m_browser->setAccessibleName(tr("Backend details text"));
    m_browser->setOpenLinks(false);
    m_browser->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_browser);
    clear();
}

BackendDetailPane::~BackendDetailPane() = default;

void BackendDetailPane::clear()
{
    m_pid = 0;
    m_html.clear();
    m_browser->setHtml(
        u"<p style=\"color:%1\">%2</p>"_s.arg(Theme::stateColor(TargetsModel::StateLevel::Waiting).name(),
            tr("Select a backend to see all its columns, its full query and its history as PoolScope saw it.")));
}

QString BackendDetailPane::plainText() const
{
    return m_browser->toPlainText();
}

void BackendDetailPane::showBackend(const Backend& backend, const QString& database, qint64 serverNowMs,
    const QList<BackendTransition>& history, const TrackedBackend* tracked, bool redacted, const Holder* holder)
{
    const Backend shown = redacted ? BackendGroupsModel::redact(backend) : backend;
    std::optional<Holder> shownHolder;
    if (holder)
        shownHolder = redacted ? redactHolder(*holder) : *holder;
    const QString text = html(shown, database, serverNowMs, history, tracked, shownHolder ? &*shownHolder : nullptr);
    if (backend.pid == m_pid && text == m_html)
        return;
    // A refresh of the same backend keeps the reader's place.
    const int scroll = backend.pid == m_pid ? m_browser->verticalScrollBar()->value() : 0;
    m_pid = backend.pid;
    m_html = text;
    m_browser->setHtml(text);
    m_browser->verticalScrollBar()->setValue(scroll);
}

QString BackendDetailPane::html(const Backend& b, const QString& database, qint64 now,
    const QList<BackendTransition>& history, const TrackedBackend* tracked, const Holder* holder)
{
    QString html = u"<h3 style=\"margin:0\">pid %1</h3>"_s.arg(b.pid);
    if (b.withheld) {
        html += u"<p style=\"color:#8a4b00\"><b>Details withheld:</b> %1</p>"_s.arg(
            BackendsModel::withheldHint().toHtmlEscaped());
    }
    html += u"<table cellspacing=\"0\" cellpadding=\"1\">"_s;
    html += row(tr("database entry"), database);
    html += row(u"datname"_s, b.datname);
    html += row(u"usename"_s, b.usename);
    html += row(u"application_name"_s, b.applicationName);
    html += row(u"client"_s, formatClient(b));
    html += row(u"backend_type"_s, b.backendType);
    html += row(u"state"_s, b.withheld ? u"(withheld)"_s : b.state);
    html += row(u"wait_event"_s,
        b.waitEventType.isEmpty() && b.waitEvent.isEmpty() ? QString() : b.waitEventType + u": "_s + b.waitEvent);
    html += row(u"backend_start"_s, stamp(b.backendStartMs));
    html += row(u"xact_start"_s, stamp(b.xactStartMs));
    html += row(u"query_start"_s, stamp(b.queryStartMs));
    html += row(u"state_change"_s, stamp(b.stateChangeMs));
    html += u"</table>"_s;

    html
        += u"<p style=\"margin-top:6px; margin-bottom:0\"><b>Ages</b></p><table cellspacing=\"0\" cellpadding=\"1\">"_s;
    html += row(u"backend"_s, age(now, b.backendStartMs));
    html += row(u"transaction"_s, age(now, b.xactStartMs));
    html += row(u"query"_s, age(now, b.queryStartMs));
    html += row(tr("in state"), age(now, b.stateChangeMs));
    if (tracked) {
        html += row(tr("unchanged (seen by PoolScope)"),
            u"%1 over %2 polls%3"_s.arg(formatDurationMs(tracked->unchangedMs(tracked->lastSeenMs)))
                .arg(tracked->unchangedPolls)
                .arg(tracked->stateSinceObserved ? QString() : tr(" (already in this state at first sight)")));
    }
    html += u"</table>"_s;

    if (holder) {
        html += u"<p style=\"margin-top:6px; margin-bottom:0\"><b>Held by the app</b> (its probe's report)</p>"
                u"<table cellspacing=\"0\" cellpadding=\"1\">"_s;
        html += row(u"tracked"_s, holder->tracked ? u"yes"_s : u"no: outside the app's tracking"_s);
        html += row(u"route"_s, holder->route);
        html += row(u"acquired_at"_s, holder->hasAcquiredAt() ? stamp(holder->acquiredAtMs) : QString());
        html += row(u"held for"_s, holder->hasAcquiredAt() ? age(now, holder->acquiredAtMs) : QString());
        html += u"</table><pre style=\"white-space:pre-wrap; margin:0\">%1</pre>"_s.arg(
            holder->stack.isEmpty() ? u"(no stack reported)"_s : holder->stack.join(u'\n').toHtmlEscaped());
    }

    html += u"<p style=\"margin-top:6px; margin-bottom:2px\"><b>Query</b></p>"_s;
    html += u"<pre style=\"white-space:pre-wrap; margin:0\">%1</pre>"_s.arg(
        b.query.isEmpty() ? unknownText() : b.query.toHtmlEscaped());

    html += u"<p style=\"margin-top:6px; margin-bottom:2px\"><b>History seen by PoolScope</b></p>"_s;
    if (history.isEmpty()) {
        html += u"<p style=\"color:#757575; margin:0\">PoolScope has not followed this backend yet.</p>"_s;
    } else {
        html
            += u"<table cellspacing=\"0\" cellpadding=\"1\"><tr><th align=\"left\">Seen</th>"
               u"<th align=\"left\">State</th><th align=\"left\">For</th><th align=\"left\">Query fingerprint</th></tr>"_s;
        const qint64 lastSeen = tracked ? tracked->lastSeenMs : now;
        for (qsizetype i = history.size() - 1; i >= 0; --i) {
            const BackendTransition& t = history.at(i);
            const qint64 until = i + 1 < history.size() ? history.at(i + 1).observedMs : lastSeen;
            html += u"<tr><td style=\"padding-right:8px\">%1</td><td style=\"padding-right:8px\">%2</td>"
                    u"<td style=\"padding-right:8px\">%3</td><td>%4</td></tr>"_s.arg(formatClock(t.observedMs),
                        t.state.isEmpty() ? unknownText() : t.state.toHtmlEscaped(),
                        until == kNoTime ? unknownText() : formatDurationMs(until - t.observedMs),
                        singleLine(t.fingerprint).toHtmlEscaped());
        }
        html += u"</table>"_s;
    }
    return html;
}

} // namespace poolscope
