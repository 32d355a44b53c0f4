#include "FleetPane.h"

#include "Theme.h"
#include "fleet/FleetSource.h"
#include "models/FleetModel.h"

#include <QDateTime>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QPainterPath>
#include <QStyledItemDelegate>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

TargetsModel::StateLevel levelOf(const QString& verdict)
{
    if (verdict == u"growing"_s)
        return TargetsModel::StateLevel::Critical;
    if (verdict == u"stable"_s)
        return TargetsModel::StateLevel::Warning;
    return TargetsModel::StateLevel::Ok;
}

// The verdict in the state colours of the targets list.
class VerdictDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        const QString verdict = index.data(FleetModel::VerdictRole).toString();
        if (verdict == u"growing"_s || verdict == u"stable"_s)
            option->palette.setColor(QPalette::Text, Theme::stateColor(levelOf(verdict)));
    }
};

// A sparkline: the values as a polyline scaled to the cell, gaps left open.
class SparklineDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override
    {
        QStyledItemDelegate::paint(painter, option, index);
        const auto values = index.data(FleetModel::SparklineRole).value<QList<double>>();
        if (values.size() < 2)
            return;
        double low = qInf();
        double high = -qInf();
        for (double v : values) {
            if (std::isfinite(v)) {
                low = std::min(low, v);
                high = std::max(high, v);
            }
        }
        if (!std::isfinite(low))
            return;
        if (high - low < 1)
            high = low + 1;
        const QRectF r = QRectF(option.rect).adjusted(3, 3, -3, -3);
        QPainterPath path;
        bool drawing = false;
        for (qsizetype i = 0; i < values.size(); ++i) {
            if (!std::isfinite(values[i])) {
                drawing = false;
                continue;
            }
            const QPointF p(r.left() + r.width() * static_cast<double>(i) / static_cast<double>(values.size() - 1),
                r.bottom() - r.height() * (values[i] - low) / (high - low));
            if (drawing)
                path.lineTo(p);
            else
                path.moveTo(p);
            drawing = true;
        }
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing);
        QPen pen(Theme::stateColor(levelOf(index.data(FleetModel::VerdictRole).toString())));
        pen.setWidthF(1.5);
        painter->setPen(pen);
        painter->drawPath(path);
        painter->restore();
    }

    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override
    {
        return QStyledItemDelegate::sizeHint(option, index).expandedTo(QSize(140, 22));
    }
};

} // namespace

FleetPane::FleetPane(FleetSource* source, QWidget* parent)
    : QWidget(parent)
    , m_source(source)
    , m_model(new FleetModel(source, this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_status = new QLabel(this);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setWordWrap(true);
    layout->addWidget(m_status);
    m_view = new QTreeView(this);
    m_view->setAccessibleName(u"Fleet"_s);
    m_view->setModel(m_model);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setItemDelegateForColumn(FleetModel::Verdict, new VerdictDelegate(m_view));
    m_view->setItemDelegateForColumn(FleetModel::Trend, new SparklineDelegate(m_view));
    m_view->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->header()->setStretchLastSection(true);
    layout->addWidget(m_view);
    m_opening = new QLabel(this);
    m_opening->setVisible(false);
    layout->addWidget(m_opening);

    connect(m_view, &QTreeView::activated, this,
        [this](const QModelIndex& index) { Q_EMIT serviceActivated(m_model->serviceAt(index.row())); });
    connect(source, &FleetSource::updated, this, &FleetPane::showState);
    showState();
}

FleetPane::~FleetPane() = default;

void FleetPane::setOpening(const QString& text)
{
    m_opening->setText(text);
    m_opening->setVisible(!text.isEmpty());
}

void FleetPane::showState()
{
    const QString when = m_source->updatedMs() == 0
        ? QString()
        : QDateTime::fromMSecsSinceEpoch(m_source->updatedMs()).toString(u"HH:mm:ss"_s);
    switch (m_source->state()) {
    case FleetSource::State::Idle:
    case FleetSource::State::Loading:
        m_status->setText(u"Reading the fleet from Prometheus…"_s);
        break;
    case FleetSource::State::Ok:
        m_status->setText(
            u"%1 services, read at %2. Double-click a service to open its timeline."_s.arg(m_model->rowCount())
                .arg(when));
        m_status->setStyleSheet({});
        break;
    case FleetSource::State::Failing:
        m_status->setText(u"Cannot read the fleet: %1%2"_s.arg(
            m_source->error(), when.isEmpty() ? QString() : u" (the rows are from %1)"_s.arg(when)));
        m_status->setStyleSheet(u"color: %1"_s.arg(Theme::errorColor().name()));
        break;
    }
}

} // namespace poolscope
