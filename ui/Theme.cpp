#include "Theme.h"

#include <QApplication>
#include <QChart>
#include <QLegend>
#include <QSettings>
#include <QStyle>
#include <QValueAxis>

#include <array>
#include <cmath>

using namespace Qt::StringLiterals;

// Resources of a static library must be initialised outside any namespace.
static void initPoolScopeIcons()
{
    Q_INIT_RESOURCE(icons);
}

namespace poolscope {

namespace {
QIcon icon(const QString& name)
{
    static const bool initialised = [] {
        initPoolScopeIcons();
        return true;
    }();
    Q_UNUSED(initialised);
    return QIcon(u":/icons/"_s + name + u".svg"_s);
}
// Picks the variant of a colour for the application's palette.
QColor pick(QColor light, QColor dark)
{
    return Theme::isDark() ? dark : light;
}

const QString kSchemeKey = u"view/theme"_s;
Theme::Scheme s_current = Theme::Scheme::System;

QPalette& startupPalette()
{
    static QPalette initial = QGuiApplication::palette();
    return initial;
}
} // namespace

Theme::Scheme Theme::schemeFromName(const QString& name, bool* ok)
{
    if (ok)
        *ok = true;
    if (name == u"light"_s)
        return Scheme::Light;
    if (name == u"dark"_s)
        return Scheme::Dark;
    if (ok)
        *ok = name == u"system"_s;
    return Scheme::System;
}

QString Theme::schemeName(Scheme scheme)
{
    switch (scheme) {
    case Scheme::Light:
        return u"light"_s;
    case Scheme::Dark:
        return u"dark"_s;
    case Scheme::System:
        break;
    }
    return u"system"_s;
}

QPalette Theme::palette(Scheme scheme)
{
    if (scheme == Scheme::System)
        return startupPalette();
    if (scheme == Scheme::Light) {
        // The style's own, with a selection dark enough for white text (Fusion's is 3.7:1).
        QPalette light = QApplication::style()->standardPalette();
        light.setColor(QPalette::Active, QPalette::Highlight, QColor(0x1f, 0x6f, 0xc5));
        light.setColor(QPalette::Inactive, QPalette::Highlight, QColor(0x1f, 0x6f, 0xc5));
        return light;
    }
    // Material-like greys; every text colour on its background has a contrast ratio of at least 4.5.
    const QColor window(0x2b, 0x2d, 0x30);
    const QColor base(0x1e, 0x1f, 0x22);
    const QColor text(0xe8, 0xea, 0xed);
    const QColor disabled(0x9a, 0x9d, 0xa3);
    QPalette p;
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2b));
    p.setColor(QPalette::ToolTipBase, QColor(0x3c, 0x3f, 0x43));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x35, 0x37, 0x3b));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(0xff, 0x8a, 0x80));
    p.setColor(QPalette::Light, QColor(0x4a, 0x4d, 0x52));
    p.setColor(QPalette::Midlight, QColor(0x3c, 0x3f, 0x43));
    p.setColor(QPalette::Mid, QColor(0x25, 0x26, 0x29));
    p.setColor(QPalette::Dark, QColor(0x18, 0x19, 0x1b));
    p.setColor(QPalette::Shadow, Qt::black);
    p.setColor(QPalette::Highlight, QColor(0x3d, 0x6f, 0xb4));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x8a, 0xb4, 0xf8));
    p.setColor(QPalette::LinkVisited, QColor(0xc5, 0x8a, 0xf9));
    for (const auto role : { QPalette::WindowText, QPalette::Text, QPalette::ButtonText })
        p.setColor(QPalette::Disabled, role, disabled);
    p.setColor(QPalette::Disabled, QPalette::Highlight, QColor(0x45, 0x48, 0x4d));
    return p;
}

void Theme::apply(Scheme scheme)
{
    startupPalette(); // remembered before the first change
    QApplication::setPalette(palette(scheme));
    s_current = scheme;
}

Theme::Scheme Theme::current()
{
    return s_current;
}

Theme::Scheme Theme::remembered()
{
    return schemeFromName(QSettings().value(kSchemeKey).toString());
}

void Theme::remember(Scheme scheme)
{
    QSettings().setValue(kSchemeKey, schemeName(scheme));
}

bool Theme::isDark()
{
    return QGuiApplication::palette().color(QPalette::Window).lightness() < 128;
}

void Theme::styleChart(QChart* chart)
{
    const QPalette p = QGuiApplication::palette();
    chart->setBackgroundBrush(p.color(QPalette::Base));
    chart->setBackgroundPen(Qt::NoPen);
    chart->setTitleBrush(p.color(QPalette::Text));
    chart->legend()->setLabelColor(p.color(QPalette::Text));
    const QColor grid = isDark() ? QColor(0x44, 0x47, 0x4c) : QColor(0xdd, 0xdd, 0xdd);
    for (QAbstractAxis* axis : chart->axes()) {
        axis->setLabelsColor(p.color(QPalette::Text));
        axis->setTitleBrush(p.color(QPalette::Text));
        axis->setGridLineColor(grid);
        axis->setLinePenColor(p.color(QPalette::Mid));
    }
}

double Theme::contrastRatio(const QColor& a, const QColor& b)
{
    const auto luminance = [](const QColor& c) {
        const auto channel = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
    };
    const double la = luminance(a);
    const double lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QColor Theme::lineColor(Line line)
{
    if (isDark()) {
        switch (line) {
        case Line::CheckedOut:
            return QColor(0x64, 0xb5, 0xf6);
        case Line::Tracked:
            return QColor(0x4d, 0xd0, 0xc1);
        case Line::Discrepancy:
            return QColor(0xff, 0x6e, 0x6e);
        case Line::Backends:
            return QColor(0xce, 0x93, 0xd8);
        case Line::PoolMax:
            return QColor(0xbd, 0xbd, 0xbd);
        case Line::NumLines:
            break;
        }
    }
    switch (line) {
    case Line::CheckedOut:
        return QColor(0x1f, 0x6f, 0xc5); // blue
    case Line::Tracked:
        return QColor(0x00, 0x89, 0x7b); // teal
    case Line::Discrepancy:
        return QColor(0xd3, 0x2f, 0x2f); // red: the line that matters
    case Line::Backends:
        return QColor(0x7b, 0x1f, 0xa2); // purple
    case Line::PoolMax:
        return QColor(0x61, 0x61, 0x61);
    case Line::NumLines:
        break;
    }
    return Qt::black;
}

QPen Theme::linePen(Line line)
{
    QPen pen(lineColor(line));
    pen.setCapStyle(Qt::RoundCap);
    pen.setJoinStyle(Qt::RoundJoin);
    switch (line) {
    case Line::CheckedOut:
    case Line::Tracked:
        pen.setWidthF(2.0);
        break;
    case Line::Discrepancy:
        pen.setWidthF(3.5);
        break;
    case Line::Backends:
        pen.setWidthF(2.0);
        pen.setStyle(Qt::DashLine);
        pen.setCapStyle(Qt::FlatCap);
        break;
    case Line::PoolMax:
        pen.setWidthF(1.5);
        pen.setStyle(Qt::DotLine);
        pen.setCapStyle(Qt::FlatCap);
        break;
    case Line::NumLines:
        break;
    }
    return pen;
}

QString Theme::lineLabel(Line line)
{
    switch (line) {
    case Line::CheckedOut:
        return QCoreApplication::translate("Theme", "Checked out");
    case Line::Tracked:
        return QCoreApplication::translate("Theme", "Tracked");
    case Line::Discrepancy:
        return QCoreApplication::translate("Theme", "Discrepancy");
    case Line::Backends:
        return QCoreApplication::translate("Theme", "Backends (server)");
    case Line::PoolMax:
        return QCoreApplication::translate("Theme", "pool max");
    case Line::NumLines:
        break;
    }
    return {};
}

QColor Theme::stateColor(TargetsModel::StateLevel level)
{
    switch (level) {
    case TargetsModel::StateLevel::Waiting:
        return pick(QColor(0x6b, 0x6b, 0x6b), QColor(0xb0, 0xb3, 0xb8));
    case TargetsModel::StateLevel::Ok:
        return pick(QColor(0x27, 0x6b, 0x2b), QColor(0x81, 0xc7, 0x84));
    case TargetsModel::StateLevel::Warning:
        // darker than the icon's amber on a light palette: readable as text
        return pick(QColor(0x8a, 0x57, 0x00), QColor(0xff, 0xca, 0x28));
    case TargetsModel::StateLevel::Critical:
        return pick(QColor(0xc6, 0x28, 0x28), QColor(0xff, 0x8a, 0x80));
    case TargetsModel::StateLevel::Failing:
        return pick(QColor(0xb7, 0x1c, 0x1c), QColor(0xff, 0x80, 0x80));
    }
    return Qt::black;
}

QIcon Theme::stateIcon(TargetsModel::StateLevel level)
{
    // Built once: the targets list asks for its icon on every paint of a row, and a QIcon made from the SVG
    // parses the file again and renders into a pixmap of its own (QPixmapCache filled with copies of five icons).
    static const std::array<QIcon, 5> icons { icon(u"state-waiting"_s), icon(u"state-ok"_s), icon(u"state-warning"_s),
        icon(u"state-critical"_s), icon(u"state-failing"_s) };
    switch (level) {
    case TargetsModel::StateLevel::Waiting:
        return icons[0];
    case TargetsModel::StateLevel::Ok:
        return icons[1];
    case TargetsModel::StateLevel::Warning:
        return icons[2];
    case TargetsModel::StateLevel::Critical:
        return icons[3];
    case TargetsModel::StateLevel::Failing:
        return icons[4];
    }
    return {};
}

QString Theme::stateName(TargetsModel::StateLevel level)
{
    switch (level) {
    case TargetsModel::StateLevel::Waiting:
        return u"waiting"_s;
    case TargetsModel::StateLevel::Ok:
        return u"ok"_s;
    case TargetsModel::StateLevel::Warning:
        return u"warning"_s;
    case TargetsModel::StateLevel::Critical:
        return u"critical"_s;
    case TargetsModel::StateLevel::Failing:
        return u"failing"_s;
    }
    return {};
}

QColor Theme::markBackground(BackendsModel::Mark mark)
{
    switch (mark) {
    case BackendsModel::Mark::None:
        return {};
    case BackendsModel::Mark::LongIdle:
        return pick(QColor(0xe8, 0xee, 0xf5), QColor(0x26, 0x32, 0x40)); // soft blue-grey
    case BackendsModel::Mark::IdleInTransaction:
        return pick(QColor(0xff, 0xf0, 0xc2), QColor(0x4a, 0x3c, 0x12)); // amber, as warning
    case BackendsModel::Mark::LongIdleInTransaction:
        return pick(QColor(0xf9, 0xd0, 0xd0), QColor(0x5a, 0x24, 0x24)); // red, as critical
    case BackendsModel::Mark::Withheld:
        return pick(QColor(0xee, 0xee, 0xee), QColor(0x33, 0x35, 0x38));
    }
    return {};
}

QColor Theme::markForeground(BackendsModel::Mark mark)
{
    switch (mark) {
    case BackendsModel::Mark::None:
        return {};
    case BackendsModel::Mark::Withheld:
        return pick(QColor(0x61, 0x61, 0x61), QColor(0xb0, 0xb3, 0xb8));
    default:
        return pick(QColor(0x21, 0x21, 0x21), QColor(0xe8, 0xea, 0xed)); // the marks' text, whatever the palette
    }
}

QColor Theme::errorColor()
{
    return pick(QColor(0xc6, 0x28, 0x28), QColor(0xff, 0x8a, 0x80));
}

QIcon Theme::appIcon()
{
    return icon(u"poolscope"_s);
}

QIcon Theme::pauseIcon()
{
    return icon(u"pause"_s);
}

QIcon Theme::followIcon()
{
    return icon(u"follow"_s);
}

} // namespace poolscope
