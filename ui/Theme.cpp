#include "Theme.h"

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
} // namespace

QColor Theme::lineColor(Line line)
{
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
        return u"Checked out"_s;
    case Line::Tracked:
        return u"Tracked"_s;
    case Line::Discrepancy:
        return u"Discrepancy"_s;
    case Line::Backends:
        return u"Backends (server)"_s;
    case Line::PoolMax:
        return u"pool max"_s;
    case Line::NumLines:
        break;
    }
    return {};
}

QColor Theme::stateColor(TargetsModel::StateLevel level)
{
    switch (level) {
    case TargetsModel::StateLevel::Waiting:
        return QColor(0x75, 0x75, 0x75);
    case TargetsModel::StateLevel::Ok:
        return QColor(0x2e, 0x7d, 0x32);
    case TargetsModel::StateLevel::Warning:
        return QColor(0xb8, 0x74, 0x00); // darker than the icon's amber: readable as text
    case TargetsModel::StateLevel::Critical:
        return QColor(0xc6, 0x28, 0x28);
    case TargetsModel::StateLevel::Failing:
        return QColor(0xb7, 0x1c, 0x1c);
    }
    return Qt::black;
}

QIcon Theme::stateIcon(TargetsModel::StateLevel level)
{
    switch (level) {
    case TargetsModel::StateLevel::Waiting:
        return icon(u"state-waiting"_s);
    case TargetsModel::StateLevel::Ok:
        return icon(u"state-ok"_s);
    case TargetsModel::StateLevel::Warning:
        return icon(u"state-warning"_s);
    case TargetsModel::StateLevel::Critical:
        return icon(u"state-critical"_s);
    case TargetsModel::StateLevel::Failing:
        return icon(u"state-failing"_s);
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
        return QColor(0xe8, 0xee, 0xf5); // soft blue-grey
    case BackendsModel::Mark::IdleInTransaction:
        return QColor(0xff, 0xf0, 0xc2); // amber, as warning
    case BackendsModel::Mark::LongIdleInTransaction:
        return QColor(0xf9, 0xd0, 0xd0); // red, as critical
    case BackendsModel::Mark::Withheld:
        return QColor(0xee, 0xee, 0xee);
    }
    return {};
}

QColor Theme::markForeground(BackendsModel::Mark mark)
{
    switch (mark) {
    case BackendsModel::Mark::None:
        return {};
    case BackendsModel::Mark::Withheld:
        return QColor(0x61, 0x61, 0x61);
    default:
        return QColor(0x21, 0x21, 0x21); // dark text on the light marks, whatever the palette
    }
}

QColor Theme::errorColor()
{
    return QColor(0xc6, 0x28, 0x28);
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
