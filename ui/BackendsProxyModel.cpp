#include "BackendsProxyModel.h"

#include "Theme.h"
#include "models/BackendsModel.h"

#include <QFont>

namespace poolscope {

BackendsProxyModel::BackendsProxyModel(QObject* parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(BackendsModel::SortRole);
    setFilterKeyColumn(-1);
    setFilterCaseSensitivity(Qt::CaseInsensitive);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    setDynamicSortFilter(true);
}

BackendsProxyModel::~BackendsProxyModel() = default;

QVariant BackendsProxyModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid())
        return {};
    if (role == Qt::BackgroundRole || role == Qt::ForegroundRole || role == Qt::FontRole) {
        const auto mark = static_cast<BackendsModel::Mark>(mapToSource(index).data(BackendsModel::MarkRole).toInt());
        if (mark == BackendsModel::Mark::None)
            return QSortFilterProxyModel::data(index, role);
        if (role == Qt::BackgroundRole)
            return Theme::markBackground(mark);
        if (role == Qt::ForegroundRole)
            return Theme::markForeground(mark);
        if (mark == BackendsModel::Mark::Withheld
            || (mark == BackendsModel::Mark::LongIdleInTransaction && index.column() == BackendsModel::State)) {
            QFont font;
            font.setItalic(mark == BackendsModel::Mark::Withheld);
            font.setBold(mark == BackendsModel::Mark::LongIdleInTransaction);
            return font;
        }
    }
    return QSortFilterProxyModel::data(index, role);
}

} // namespace poolscope
