#include "EventsPane.h"

#include "Theme.h"
#include "models/EventsModel.h"
#include "models/TargetsModel.h"
#include "types/Event.h"

#include <QHeaderView>
#include <QStyledItemDelegate>
#include <QTreeView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {
// Warnings and critical events: the severity in the state colours of the targets list.
class SeverityDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        const auto severity = static_cast<Event::Severity>(index.data(EventsModel::SeverityRole).toInt());
        if (severity == Event::Severity::Critical)
            option->palette.setColor(QPalette::Text, Theme::stateColor(TargetsModel::StateLevel::Critical));
        else if (severity == Event::Severity::Warning)
            option->palette.setColor(QPalette::Text, Theme::stateColor(TargetsModel::StateLevel::Warning));
    }
};
} // namespace

EventsPane::EventsPane(Session* session, QWidget* parent)
    : QWidget(parent)
    , m_model(new EventsModel(session, this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_view = new QTreeView(this);
    m_view->setAccessibleName(tr("Events"));
    m_view->setModel(m_model);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setItemDelegateForColumn(EventsModel::Severity, new SeverityDelegate(m_view));
    m_view->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->header()->setStretchLastSection(true);
    layout->addWidget(m_view);

    for (const auto signal : { &QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved })
        connect(m_model, signal, this, [this] { Q_EMIT countChanged(m_model->rowCount()); });
}

EventsPane::~EventsPane() = default;

} // namespace poolscope
