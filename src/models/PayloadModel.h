#pragma once

#include "profiles/PayloadInspection.h"

#include <QAbstractItemModel>

namespace poolscope {

// A target's last health payload for the inspector: a tree of JSON members and elements, or one row per
// Prometheus series, each marked with the metric it feeds. Shows a PayloadInspection built off the GUI
// thread (inspectPayload); setInspection() swaps it in with one reset.
class PayloadModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column { Key, Value, Feeds, NumColumns };
    Q_ENUM(Column)
    enum Role {
        // The workspace `fields` value that reads this entry: a JSON Pointer or a series selector (any column).
        FieldRole = Qt::UserRole + 1,
        // Whether the entry feeds a metric (bool, any column).
        MappedRole,
    };
    Q_ENUM(Role)

    explicit PayloadModel(QObject* parent = nullptr);
    ~PayloadModel() override;

    void setInspection(PayloadInspection inspection);
    const PayloadInspection& inspection() const { return m_inspection; }
    // The index (column Key) of the entry whose field is `field`; invalid when there is none.
    QModelIndex indexOfField(const QString& field) const;
    // The index (column Key) of inspection().entries[entry]; invalid when out of range.
    QModelIndex indexOfEntry(qsizetype entry) const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    const PayloadEntry* entryAt(const QModelIndex& index) const;
    const QList<int>& childrenOf(const QModelIndex& parent) const;

    PayloadInspection m_inspection;
};

} // namespace poolscope
