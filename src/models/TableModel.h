#pragma once

#include <QAbstractTableModel>
#include <QHash>

#include <algorithm>
#include <concepts>
#include <utility>
#include <vector>

namespace poolscope {

// A table model written once (after hotspot's treemodel.h/hashmodel.h): the rows are a vector of
// `Row` values, each identified by a `Key` (hashable with qHash), and the base does the plumbing of
// QAbstractTableModel (rowCount, columnCount, data, headerData). A concrete model only says
//   - its columns: an enum ending in NumColumns, passed to the constructor;
//   - its key: keyOf(row);
//   - how one cell reads: cell(row, column, role), DisplayRole formatted text, a SortRole raw numbers;
//   - its header: header(column, role).
// Updates are diffs: updateRows() takes the new rows of the table (or of a block of it) and turns the
// difference into row removals and insertions (as ranges) and one merged, ranged dataChanged for the
// rows that stayed and changed. Never a reset, so views and proxies keep selection and scroll position.
//
// The template has no Q_OBJECT (moc cannot); concrete models declare it.
template <typename Row, typename Key> class TableModel : public QAbstractTableModel
{
public:
    // Where rows that stay go: Follow moves them to the order of the new list (a layout change that
    // keeps persistent indexes, so the selection follows); Keep leaves them where they are and
    // appends the new rows at the end of the block, in the new list's order.
    enum class Order { Follow, Keep };

    int rowCount(const QModelIndex& parent = {}) const override
    {
        return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
    }

    int columnCount(const QModelIndex& parent = {}) const override { return parent.isValid() ? 0 : m_columns; }

    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override
    {
        if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
            return {};
        return cell(m_rows[static_cast<std::size_t>(index.row())], index.column(), role);
    }

    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override
    {
        if (orientation != Qt::Horizontal || section < 0 || section >= m_columns)
            return {};
        return header(section, role);
    }

protected:
    TableModel(int columns, QObject* parent)
        : QAbstractTableModel(parent)
        , m_columns(columns)
    { }

    virtual Key keyOf(const Row& row) const = 0;
    virtual QVariant cell(const Row& row, int column, int role) const = 0;
    virtual QVariant header(int column, int role) const = 0;

    const std::vector<Row>& rows() const { return m_rows; }
    const Row& rowAt(int row) const { return m_rows.at(static_cast<std::size_t>(row)); }
    bool isRow(int row) const { return row >= 0 && row < static_cast<int>(m_rows.size()); }

    // The row with this key, or -1.
    int rowOfKey(const Key& key) const
    {
        for (std::size_t i = 0; i < m_rows.size(); ++i) {
            if (keyOf(m_rows[i]) == key)
                return static_cast<int>(i);
        }
        return -1;
    }

    // Replaces the whole table by `fresh` (see updateBlock).
    void updateRows(std::vector<Row> fresh, Order order = Order::Follow, bool allChanged = false)
    {
        updateBlock(0, static_cast<int>(m_rows.size()), std::move(fresh), order, allChanged);
    }

    // Replaces the `count` rows from `first` by `fresh` (keys unique within `fresh`). A row whose key
    // is in both is updated in place: it counts as changed when its value differs (Row's operator==;
    // without one, always) or when `allChanged` (e.g. the clock its ages are measured against moved).
    void updateBlock(int first, int count, std::vector<Row> fresh, Order order, bool allChanged = false)
    {
        QHash<Key, std::size_t> incoming;
        incoming.reserve(static_cast<qsizetype>(fresh.size()));
        for (std::size_t i = 0; i < fresh.size(); ++i)
            incoming.insert(keyOf(fresh[i]), i);
        int last = first + count; // one past the block

        // 1. Remove the rows that went, as ranges, from the back.
        const auto goes = [&](int row) { return !incoming.contains(keyOf(m_rows[static_cast<std::size_t>(row)])); };
        for (int row = last - 1; row >= first;) {
            if (!goes(row)) {
                --row;
                continue;
            }
            int start = row;
            while (start - 1 >= first && goes(start - 1))
                --start;
            beginRemoveRows({}, start, row);
            m_rows.erase(m_rows.begin() + start, m_rows.begin() + row + 1);
            endRemoveRows();
            last -= row - start + 1;
            row = start - 1;
        }

        // 2. With Order::Follow, bring the rows that stayed into the new order (persistent indexes
        // follow their rows).
        if (order == Order::Follow)
            reorder(first, last, incoming);

        // 3. Update the rows that stayed: one dataChanged over the changed range.
        std::vector<bool> placed(fresh.size(), false);
        int changedFirst = -1;
        int changedLast = -1;
        for (int row = first; row < last; ++row) {
            Row& current = m_rows[static_cast<std::size_t>(row)];
            const std::size_t at = incoming.value(keyOf(current));
            placed[at] = true;
            if (allChanged || !same(fresh[at], current)) {
                current = std::move(fresh[at]);
                if (changedFirst < 0)
                    changedFirst = row;
                changedLast = row;
            }
        }
        if (changedFirst >= 0)
            Q_EMIT dataChanged(index(changedFirst, 0), index(changedLast, m_columns - 1));

        // 4. Insert the rows that came, as ranges: Follow at their place in the new order (every row
        // before them is in place by now), Keep at the end of the block.
        int at = first;
        for (std::size_t i = 0; i < fresh.size();) {
            if (placed[i] && order == Order::Follow) {
                ++at;
                ++i;
                continue;
            }
            if (placed[i]) {
                ++i;
                continue;
            }
            std::size_t end = i;
            while (end < fresh.size() && !placed[end])
                ++end;
            const int where = order == Order::Follow ? at : last;
            const int n = static_cast<int>(end - i);
            beginInsertRows({}, where, where + n - 1);
            m_rows.insert(m_rows.begin() + where,
                std::make_move_iterator(fresh.begin() + static_cast<std::ptrdiff_t>(i)),
                std::make_move_iterator(fresh.begin() + static_cast<std::ptrdiff_t>(end)));
            endInsertRows();
            if (order == Order::Follow)
                at += n;
            last += n;
            i = end;
        }
    }

    // Every cell may read differently (e.g. redaction or thresholds changed): one dataChanged.
    void allRowsChanged()
    {
        if (!m_rows.empty())
            Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, m_columns - 1));
    }

    // One row's cells from `firstColumn` to `lastColumn` (all by default) read differently.
    void rowChanged(int row, int firstColumn = 0, int lastColumn = -1)
    {
        if (isRow(row))
            Q_EMIT dataChanged(index(row, firstColumn), index(row, lastColumn < 0 ? m_columns - 1 : lastColumn));
    }

private:
    // Rows without operator== always count as changed.
    static bool same(const Row& a, const Row& b)
    {
        if constexpr (std::equality_comparable<Row>)
            return a == b;
        else
            return false;
    }

    void reorder(int first, int last, const QHash<Key, std::size_t>& incoming)
    {
        const auto position = [&](const Row& row) { return incoming.value(keyOf(row)); };
        const auto begin = m_rows.begin() + first;
        const auto end = m_rows.begin() + last;
        if (std::is_sorted(begin, end, [&](const Row& a, const Row& b) { return position(a) < position(b); }))
            return;
        Q_EMIT layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
        // Where each row of the block goes.
        std::vector<int> permutation(static_cast<std::size_t>(last - first));
        for (int i = 0; i < last - first; ++i)
            permutation[static_cast<std::size_t>(i)] = first + i;
        std::sort(permutation.begin(), permutation.end(), [&](int a, int b) {
            return position(m_rows[static_cast<std::size_t>(a)]) < position(m_rows[static_cast<std::size_t>(b)]);
        });
        std::vector<int> newRowOf(m_rows.size());
        for (std::size_t i = 0; i < newRowOf.size(); ++i)
            newRowOf[i] = static_cast<int>(i);
        std::vector<Row> sorted;
        sorted.reserve(permutation.size());
        for (std::size_t i = 0; i < permutation.size(); ++i) {
            newRowOf[static_cast<std::size_t>(permutation[i])] = first + static_cast<int>(i);
            sorted.push_back(std::move(m_rows[static_cast<std::size_t>(permutation[i])]));
        }
        std::move(sorted.begin(), sorted.end(), begin);
        const QModelIndexList from = persistentIndexList();
        QModelIndexList to;
        to.reserve(from.size());
        for (const QModelIndex& index : from)
            to.append(this->index(newRowOf[static_cast<std::size_t>(index.row())], index.column()));
        changePersistentIndexList(from, to);
        Q_EMIT layoutChanged({}, QAbstractItemModel::VerticalSortHint);
    }

    std::vector<Row> m_rows;
    int m_columns;
};

} // namespace poolscope
