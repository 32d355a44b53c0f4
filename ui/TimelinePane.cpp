#include "TimelinePane.h"

#include "Theme.h"
#include "TimelineChart.h"
#include "models/Format.h"
#include "store/Session.h"
#include "store/SessionAtCursor.h"

#include <QAction>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {
constexpr int kRefreshIntervalMs = 250;

struct RangeChoice
{
    QStringView label;
    qint64 ms;
};
constexpr RangeChoice kRanges[] = {
    { u"5 min", 5LL * 60 * 1000 },
    { u"1 h", 60LL * 60 * 1000 },
    { u"12 h", 12LL * 60 * 60 * 1000 },
    { u"24 h", 24LL * 60 * 60 * 1000 },
    { u"7 days", 7LL * 24 * 60 * 60 * 1000 },
    { u"All", 0 },
};
} // namespace

TimelinePane::TimelinePane(Session* session, ViewState* view, QAction* pause, QAction* follow, QWidget* parent)
    : QWidget(parent)
    , m_session(session)
    , m_timer(new QTimer(this))
{
    m_layout = new QVBoxLayout(this);
    m_layout->setContentsMargins(0, 4, 6, 0);
    m_layout->setSpacing(2);

    auto* toolbar = new QToolBar(this);
    toolbar->setAccessibleName(tr("Chart toolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->setIconSize(QSize(16, 16));
    m_title = new QLabel(this);
    m_title->setAccessibleName(tr("Selected target"));
    m_title->setTextFormat(Qt::RichText);
    m_title->setContentsMargins(4, 0, 8, 0);
    m_title->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);

    auto* rangeLabel = new QLabel(tr("Range "), toolbar);
    toolbar->addWidget(rangeLabel);
    m_rangeBox = new QComboBox(toolbar);
    m_rangeBox->setAccessibleName(tr("Time range"));
    for (const auto& range : kRanges)
        m_rangeBox->addItem(range.label.toString(), range.ms);
    rangeLabel->setBuddy(m_rangeBox);
    toolbar->addWidget(m_rangeBox);
    toolbar->addSeparator();
    toolbar->addAction(pause);
    toolbar->addAction(follow);
    auto* headerRow = new QHBoxLayout;
    headerRow->setContentsMargins(0, 0, 0, 0);
    headerRow->addWidget(m_title, 1);
    headerRow->addWidget(toolbar);
    m_layout->addLayout(headerRow);

    m_chart = new TimelineChart(session, view, this);
    m_chart->setMinimumHeight(260);
    m_layout->addWidget(m_chart, 1);

    connect(m_rangeBox, &QComboBox::currentIndexChanged, this,
        [this](int index) { m_chart->setRangeMs(m_rangeBox->itemData(index).toLongLong()); });
    m_chart->setRangeMs(m_rangeBox->currentData().toLongLong());
    connect(pause, &QAction::toggled, m_chart, &TimelineChart::setPaused);
    connect(follow, &QAction::triggered, m_chart, &TimelineChart::follow);
    connect(m_chart, &TimelineChart::pausedChanged, this, [pause, follow](bool paused) {
        pause->setChecked(paused);
        follow->setEnabled(paused);
    });

    m_timer->setSingleShot(true);
    m_timer->setInterval(kRefreshIntervalMs);
    connect(m_timer, &QTimer::timeout, this, &TimelinePane::updateTitle);
    if (session) {
        // The title shows the selected target: another target's sample does not change it.
        connect(session, &Session::sampleAdded, this, [this](int target) {
            if (target == m_target)
                schedule();
        });
        connect(session, &Session::snapshotAdded, this, &TimelinePane::schedule);
    }
}

TimelinePane::~TimelinePane() = default;

void TimelinePane::setBanner(QWidget* banner)
{
    m_layout->insertWidget(m_layout->indexOf(m_chart), banner);
}

void TimelinePane::setTarget(int targetIndex)
{
    m_target = targetIndex;
    m_chart->setTarget(targetIndex);
    updateTitle();
}

void TimelinePane::followCursor(SessionAtCursor* cursor)
{
    if (m_cursor)
        disconnect(m_cursor, nullptr, this, nullptr);
    m_cursor = cursor;
    if (cursor)
        connect(cursor, &SessionAtCursor::changed, this, &TimelinePane::updateTitle);
    updateTitle();
}

QString TimelinePane::titleText() const
{
    return m_title->text();
}

void TimelinePane::refresh()
{
    updateTitle();
    m_chart->refresh();
}

void TimelinePane::schedule()
{
    if (m_cursor && !m_cursor->isLive())
        return; // the title shows a moment of the past: new data does not change it
    if (!m_timer->isActive())
        m_timer->start();
}

void TimelinePane::updateTitle()
{
    m_timer->stop();
    if (!m_session || m_target < 0) {
        m_title->setText(QString());
        return;
    }
    const TargetState& t = m_cursor ? m_cursor->target(m_target) : m_session->target(m_target);
    const auto& m = t.lastOk.metrics;
    const auto value = [](double v) { return isPresent(v) ? QString::number(v, 'f', 0) : unknownText(); };
    const auto colored = [](Theme::Line line, const QString& label, const QString& v) {
        return u"<span style=\"color:%1\">%2 <b>%3</b></span>"_s.arg(Theme::lineColor(line).name(), label, v);
    };
    QString title = u"<b style=\"font-size:11pt\">%1</b> &nbsp; "_s.arg(t.config.name.toHtmlEscaped());
    if (t.lastOk.timestampMs > 0) {
        title += colored(Theme::Line::CheckedOut, tr("checked out"), value(m[Metric::CheckedOut])) + u" · "_s
            + colored(Theme::Line::Tracked, u"tracked"_s, value(m[Metric::Tracked])) + u" · "_s
            + colored(Theme::Line::Discrepancy, u"discrepancy"_s, value(m[Metric::Discrepancy]));
        if (t.backendCount >= 0)
            title += u" · "_s + colored(Theme::Line::Backends, u"backends"_s, QString::number(t.backendCount));
    }
    // Not live: which moment these numbers are, in the time cursor's colour.
    if (m_cursor && !m_cursor->isLive())
        title += u" &nbsp; <span style=\"color:#ffffff; background:#6a1b9a\">&nbsp;%1&nbsp;</span>"_s.arg(
            tr("at %1").arg(formatClock(m_cursor->cursor())));
    if (title != m_title->text()) // a rich text label lays out its document and the pane's layout on setText
        m_title->setText(title);
}

} // namespace poolscope
