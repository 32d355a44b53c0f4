#include "PayloadModel.h"

using namespace Qt::StringLiterals;

namespace poolscope {

// An index's internal id is its entry's position in m_inspection.entries.

PayloadModel::PayloadModel(QObject* parent)
    : QAbstractItemModel(parent)
{ }

PayloadModel::~PayloadModel() = default;

void PayloadModel::setInspection(PayloadInspection inspection)
{
    beginResetModel();
    m_inspection = std::move(inspection);
    endResetModel();
}

QModelIndex PayloadModel::indexOfField(const QString& field) const
{
    for (qsizetype i = 0; i < m_inspection.entries.size(); ++i) {
        if (m_inspection.entries.at(i).field == field)
            return indexOfEntry(i);
    }
    return {};
}

QModelIndex PayloadModel::indexOfEntry(qsizetype entry) const
{
    if (entry < 0 || entry >= m_inspection.entries.size())
        return {};
    return createIndex(m_inspection.entries.at(entry).row, Key, static_cast<quintptr>(entry));
}

const PayloadEntry* PayloadModel::entryAt(const QModelIndex& index) const
{
    if (!index.isValid() || index.model() != this)
        return nullptr;
    const auto i = static_cast<qsizetype>(index.internalId());
    return i < m_inspection.entries.size() ? &m_inspection.entries.at(i) : nullptr;
}

const QList<int>& PayloadModel::childrenOf(const QModelIndex& parent) const
{
    if (const PayloadEntry* entry = entryAt(parent))
        return entry->children;
    return m_inspection.roots;
}

QModelIndex PayloadModel::index(int row, int column, const QModelIndex& parent) const
{
    if (column < 0 || column >= NumColumns || (parent.isValid() && parent.column() != Key))
        return {};
    const QList<int>& children = childrenOf(parent);
    if (row < 0 || row >= children.size())
        return {};
    return createIndex(row, column, static_cast<quintptr>(children.at(row)));
}

QModelIndex PayloadModel::parent(const QModelIndex& child) const
{
    const PayloadEntry* entry = entryAt(child);
    if (!entry || entry->parent < 0)
        return {};
    return createIndex(m_inspection.entries.at(entry->parent).row, Key, static_cast<quintptr>(entry->parent));
}

int PayloadModel::rowCount(const QModelIndex& parent) const
{
    if (parent.isValid() && parent.column() != Key)
        return 0;
    return static_cast<int>(childrenOf(parent).size());
}

int PayloadModel::columnCount(const QModelIndex&) const
{
    return NumColumns;
}

QVariant PayloadModel::data(const QModelIndex& index, int role) const
{
    const PayloadEntry* entry = entryAt(index);
    if (!entry)
        return {};
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Key:
            return entry->key;
        case Value:
            return entry->value;
        case Feeds:
            return entry->feeds;
        default:
            return {};
        }
    case Qt::ToolTipRole:
        return entry->feeds.isEmpty() ? entry->field : entry->field % u"\nfeeds "_s % entry->feeds;
    case FieldRole:
        return entry->field;
    case MappedRole:
        return !entry->feeds.isEmpty();
    default:
        return {};
    }
}

QVariant PayloadModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Key:
        return m_inspection.kind == PayloadInspection::Kind::Exposition ? u"Series"_s : u"Key"_s;
    case Value:
        return u"Value"_s;
    case Feeds:
        return u"Feeds"_s;
    default:
        return {};
    }
}

} // namespace poolscope
