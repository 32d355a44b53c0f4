#include "TargetsProxyModel.h"

#include "Theme.h"
#include "models/TargetsModel.h"

#include <QFont>

namespace poolscope {

TargetsProxyModel::TargetsProxyModel(QObject* parent)
    : QIdentityProxyModel(parent)
{ }

TargetsProxyModel::~TargetsProxyModel() = default;

QVariant TargetsProxyModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid())
        return {};
    const auto level
        = static_cast<TargetsModel::StateLevel>(mapToSource(index).data(TargetsModel::StateLevelRole).toInt());
    const int column = index.column();
    switch (role) {
    case Qt::DecorationRole:
        if (column == TargetsModel::Name)
            return Theme::stateIcon(level);
        break;
    case Qt::ForegroundRole:
        if (column == TargetsModel::State && level != TargetsModel::StateLevel::Ok)
            return Theme::stateColor(level);
        if (column == TargetsModel::Discrepancy
            && (level == TargetsModel::StateLevel::Warning || level == TargetsModel::StateLevel::Critical))
            return Theme::stateColor(level);
        break;
    case Qt::FontRole:
        if (column == TargetsModel::Discrepancy || column == TargetsModel::Name) {
            QFont font;
            font.setBold(true);
            return font;
        }
        break;
    default:
        break;
    }
    return QIdentityProxyModel::data(index, role);
}

} // namespace poolscope
