#include "VerdictBanner.h"

#include "Theme.h"

#include "analysis/AnalysisText.h"
#include "analysis/Diagnosis.h"
#include "format/Format.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>

using namespace Qt::StringLiterals;

namespace poolscope {

VerdictBanner::VerdictBanner(QWidget* parent)
    : QFrame(parent)
    , m_label(new QLabel(this))
    , m_copy(new QToolButton(this))
{
    setObjectName(u"verdictBanner"_s);
    setAccessibleName(tr("Verdict"));
    setFrameShape(QFrame::StyledPanel);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 4, 4);
    layout->setSpacing(6);
    m_label->setWordWrap(true);
    m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_label->setAccessibleName(tr("Verdict sentence"));
    m_label->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    layout->addWidget(m_label, 1);
    m_copy->setText(tr("Copy"));
    m_copy->setToolTip(tr("Copy the verdict to the clipboard"));
    m_copy->setAccessibleName(tr("Copy verdict"));
    layout->addWidget(m_copy, 0, Qt::AlignVCenter);
    connect(m_copy, &QToolButton::clicked, this, &VerdictBanner::copyToClipboard);
    setDiagnosis(nullptr);
}

VerdictBanner::~VerdictBanner() = default;

VerdictBanner::Tone VerdictBanner::toneOf(const TargetDiagnosis& diagnosis)
{
    switch (diagnosis.verdict.kind) {
    case VerdictKind::Unknown:
        return Tone::Neutral;
    case VerdictKind::None:
    case VerdictKind::Stable:
        if (diagnosis.level == ThresholdLevel::Critical)
            return Tone::Critical;
        return diagnosis.level == ThresholdLevel::Warning ? Tone::Warning : Tone::Calm;
    case VerdictKind::Growing:
        return diagnosis.level == ThresholdLevel::Critical ? Tone::Critical : Tone::Warning;
    }
    return Tone::Neutral;
}

void VerdictBanner::setDiagnosis(const TargetDiagnosis* diagnosis)
{
    if (!diagnosis) {
        m_text.clear();
        m_tone = Tone::Neutral;
        setLabel(tr("No target selected."), QString());
    } else {
        m_text = diagnosis->verdict.text();
        m_tone = toneOf(*diagnosis);
        QString shown = m_text;
        if (diagnosis->verdict.kind == VerdictKind::Unknown && diagnosis->verdict.neededSeconds > 0
            && !m_text.contains(u"more"_s))
            shown += tr(" (need about %1 more)").arg(formatDuration(diagnosis->verdict.neededSeconds));
        // Not live: the moment the verdict is about, first, so that a screenshot or a pasted line says when.
        const QString moment
            = diagnosis->cursorMs != 0 ? tr("At %1 (time cursor)").arg(formatClock(diagnosis->cursorMs)) : QString();
        if (!moment.isEmpty())
            shown = moment + u" — "_s + shown;
        m_text = shown;
        QString html = moment.isEmpty()
            ? shown.toHtmlEscaped()
            : u"<span style=\"color:#ffffff; background:#6a1b9a\">&nbsp;%1&nbsp;</span> %2"_s.arg(
                moment.toHtmlEscaped(), shown.mid(moment.size() + 3).toHtmlEscaped());
        if (!diagnosis->levelReason.isEmpty())
            html += u" <span style=\"opacity:0.8\">· %1</span>"_s.arg(diagnosis->levelReason.toHtmlEscaped());
        setLabel(html, diagnosis->verdict.rule);
    }
    m_copy->setEnabled(!m_text.isEmpty());
    if (m_tone != m_appliedTone) // a style sheet re-polishes the banner and lays its label out again
        applyTone();
}

void VerdictBanner::setLabel(const QString& html, const QString& toolTip)
{
    // The diagnosis is told once a second per target; a word-wrapped label given the same text again still lays
    // out its document and the window's layouts around it.
    if (m_label->text() != html)
        m_label->setText(html);
    if (m_label->toolTip() != toolTip)
        m_label->setToolTip(toolTip);
}

void VerdictBanner::applyTone()
{
    m_appliedTone = m_tone;
    QString background, border, foreground;
    if (Theme::isDark()) {
        switch (m_tone) {
        case Tone::Neutral:
            background = u"#2f3237"_s, border = u"#4a4d52"_s, foreground = u"#e8eaed"_s;
            break;
        case Tone::Calm:
            background = u"#1e3a24"_s, border = u"#2e7d32"_s, foreground = u"#a5d6a7"_s;
            break;
        case Tone::Warning:
            background = u"#3d2e0f"_s, border = u"#b87400"_s, foreground = u"#ffcc80"_s;
            break;
        case Tone::Critical:
            background = u"#3d1c1c"_s, border = u"#c62828"_s, foreground = u"#ff8a80"_s;
            break;
        }
    } else {
        switch (m_tone) {
        case Tone::Neutral:
            background = u"#f1f3f4"_s, border = u"#c7c9cc"_s, foreground = u"#37474f"_s;
            break;
        case Tone::Calm:
            background = u"#e8f5e9"_s, border = u"#a5d6a7"_s, foreground = u"#1b5e20"_s;
            break;
        case Tone::Warning:
            background = u"#fff4e0"_s, border = u"#f5b041"_s, foreground = u"#8a4b00"_s;
            break;
        case Tone::Critical:
            background = u"#fdecea"_s, border = u"#e57373"_s, foreground = u"#b71c1c"_s;
            break;
        }
    }
    setStyleSheet(
        u"QFrame#verdictBanner { background: %1; border: 1px solid %2; border-radius: 4px; }"
        u" QFrame#verdictBanner QLabel { color: %3; font-weight: 600; }"_s.arg(background, border, foreground));
}

void VerdictBanner::changeEvent(QEvent* event)
{
    QFrame::changeEvent(event);
    if (event->type() == QEvent::ApplicationPaletteChange)
        applyTone();
}

void VerdictBanner::copyToClipboard() const
{
    if (!m_text.isEmpty())
        QGuiApplication::clipboard()->setText(m_text);
}

} // namespace poolscope
