#include "RoutesProxyModel.h"

#include "Theme.h"
#include "models/RoutesModel.h"

#include <QFont>

namespace poolscope {

RoutesProxyModel::RoutesProxyModel(QObject* parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(RoutesModel::SortRole);
    setFilterRole(RoutesModel::NameRole);
    setFilterKeyColumn(RoutesModel::Route);
    setFilterCaseSensitivity(Qt::CaseInsensitive);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    setDynamicSortFilter(true);
}

RoutesProxyModel::~RoutesProxyModel() = default;

QVariant RoutesProxyModel::data(const QModelIndex& index, int role) const
{
    if (index.isValid() && (role == Qt::BackgroundRole || role == Qt::ForegroundRole || role == Qt::FontRole)
        && mapToSource(index).data(RoutesModel::RisingRole).toBool()) {
        if (role == Qt::BackgroundRole)
            return Theme::markBackground(BackendsModel::Mark::IdleInTransaction);
        if (role == Qt::ForegroundRole)
            return Theme::stateColor(TargetsModel::StateLevel::Critical);
        QFont font;
        font.setBold(true);
        return font;
    }
    return QSortFilterProxyModel::data(index, role);
}

} // namespace poolscope
