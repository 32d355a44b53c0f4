#include "BackendGroupsModel.h"

#include "Format.h"
#include "analysis/QueryFingerprint.h"

#include <QHash>
#include <QSet>

#include <cmath>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {
// Internal ids: 0 for top-level rows, the group's GroupNode::id for its children.
constexpr quintptr kTopLevel = 0;

double ageSeconds(qint64 nowMs, qint64 thenMs)
{
    if (nowMs == kNoTime || thenMs == kNoTime)
        return qQNaN();
    return static_cast<double>(std::max<qint64>(0, nowMs - thenMs)) / 1000.0;
}

QString ageText(double seconds)
{
    return std::isnan(seconds) ? unknownText() : formatDurationMs(static_cast<qint64>(seconds * 1000.0));
}
} // namespace

BackendGroupsModel::BackendGroupsModel(QObject* parent)
    : QAbstractItemModel(parent)
{ }

BackendGroupsModel::~BackendGroupsModel() = default;

QList<std::pair<QString, std::optional<BackendGrouping>>> BackendGroupsModel::groupingChoices()
{
    return {
        { u"None"_s, std::nullopt },
        { u"Application"_s, BackendGrouping::ApplicationName },
        { u"Client address"_s, BackendGrouping::ClientAddress },
        { u"State"_s, BackendGrouping::State },
        { u"Query fingerprint"_s, BackendGrouping::Fingerprint },
    };
}

Backend BackendGroupsModel::redact(const Backend& backend)
{
    Backend out = backend;
    out.query = fingerprintQuery(backend.query);
    out.clientAddr = redactClientAddress(backend.clientAddr);
    return out;
}

void BackendGroupsModel::setGrouping(std::optional<BackendGrouping> grouping)
{
    if (grouping == m_grouping)
        return;
    // Another shape of tree: nothing of the old one stays.
    beginResetModel();
    m_grouping = grouping;
    m_flat.clear();
    m_groups.clear();
    m_groupRowOfId.clear();
    endResetModel();
    update();
}

void BackendGroupsModel::setBackends(const QList<Backend>& backends, qint64 serverNowMs)
{
    m_backends = backends;
    m_backendOfPid.clear();
    for (qsizetype i = 0; i < m_backends.size(); ++i)
        m_backendOfPid.insert(m_backends.at(i).pid, static_cast<int>(i));
    m_nowMs = serverNowMs;
    update();
}

void BackendGroupsModel::setRedacted(bool redacted)
{
    if (redacted == m_redacted)
        return;
    m_redacted = redacted;
    update();
}

void BackendGroupsModel::update()
{
    if (!m_grouping) {
        QList<int> pids;
        pids.reserve(m_backends.size());
        for (const Backend& b : std::as_const(m_backends))
            pids.append(b.pid);
        updateFlat(pids);
        return;
    }
    QList<Backend> shown = m_backends;
    if (m_redacted) {
        for (Backend& b : shown)
            b = redact(b);
    }
    updateGroups(groupBackends(shown, *m_grouping, m_nowMs));
}

namespace {
// Removes the items of `items` whose key `keep` refuses, as ranges from the back; `remove(first, last)`
// is called for each range and must erase it between its begin/end signals.
template <typename Items, typename Keep, typename Remove> void removeGone(const Items& items, Keep keep, Remove remove)
{
    for (int row = static_cast<int>(items.size()) - 1; row >= 0;) {
        if (keep(items[static_cast<std::size_t>(row)])) {
            --row;
            continue;
        }
        int start = row;
        while (start > 0 && !keep(items[static_cast<std::size_t>(start - 1)]))
            --start;
        remove(start, row);
        row = start - 1;
    }
}
} // namespace

void BackendGroupsModel::updateFlat(const QList<int>& pids)
{
    diffPids({}, m_flat, pids);
}

void BackendGroupsModel::diffPids(const QModelIndex& parent, QList<int>& rows, const QList<int>& pids)
{
    const QSet<int> fresh(pids.cbegin(), pids.cend());
    removeGone(
        rows, [&fresh](int pid) { return fresh.contains(pid); },
        [&](int first, int last) {
            beginRemoveRows(parent, first, last);
            rows.remove(first, last - first + 1);
            endRemoveRows();
        });
    // The rows that stay: their ages moved with the clock.
    if (!rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0, parent), index(static_cast<int>(rows.size()) - 1, NumColumns - 1, parent));
    const QSet<int> present(rows.cbegin(), rows.cend());
    QList<int> added;
    for (int pid : pids) {
        if (!present.contains(pid))
            added.append(pid);
    }
    if (!added.isEmpty()) {
        const int first = static_cast<int>(rows.size());
        beginInsertRows(parent, first, first + static_cast<int>(added.size()) - 1);
        rows.append(added);
        endInsertRows();
    }
}

void BackendGroupsModel::updateGroups(const QList<BackendGroup>& groups)
{
    QHash<QString, qsizetype> fresh;
    for (qsizetype i = 0; i < groups.size(); ++i)
        fresh.insert(groups.at(i).key, i);

    // 1. The groups that went (with their children).
    removeGone(
        m_groups, [&fresh](const GroupNode& node) { return fresh.contains(node.group.key); },
        [this](int first, int last) {
            beginRemoveRows({}, first, last);
            m_groups.erase(m_groups.begin() + first, m_groups.begin() + last + 1);
            indexGroups();
            endRemoveRows();
        });

    // 2. The groups that stay: new numbers, their children diffed.
    for (int row = 0; row < static_cast<int>(m_groups.size()); ++row) {
        GroupNode& node = m_groups[static_cast<std::size_t>(row)];
        const BackendGroup& group = groups.at(fresh.take(node.group.key));
        node.group = group;
        updateChildren(row, group.pids);
    }
    if (!m_groups.empty())
        Q_EMIT dataChanged(index(0, 0), index(static_cast<int>(m_groups.size()) - 1, NumColumns - 1));

    // 3. The groups that came, at the end, in the order groupBackends() gives.
    if (fresh.isEmpty())
        return;
    QList<qsizetype> order = fresh.values();
    std::sort(order.begin(), order.end());
    const int first = static_cast<int>(m_groups.size());
    beginInsertRows({}, first, first + static_cast<int>(order.size()) - 1);
    for (qsizetype i : order) {
        GroupNode node;
        node.group = groups.at(i);
        for (int pid : node.group.pids) {
            if (m_backendOfPid.contains(pid))
                node.pids.append(pid);
        }
        node.id = m_nextId++;
        m_groups.push_back(std::move(node));
    }
    indexGroups();
    endInsertRows();
}

void BackendGroupsModel::updateChildren(int groupRow, const QList<int>& groupPids)
{
    QList<int> pids;
    for (int pid : groupPids) {
        if (m_backendOfPid.contains(pid))
            pids.append(pid);
    }
    diffPids(index(groupRow, 0), m_groups[static_cast<std::size_t>(groupRow)].pids, pids);
}

void BackendGroupsModel::indexGroups()
{
    m_groupRowOfId.clear();
    for (std::size_t row = 0; row < m_groups.size(); ++row)
        m_groupRowOfId.insert(m_groups[row].id, static_cast<int>(row));
}

int BackendGroupsModel::groupCount() const
{
    return static_cast<int>(m_groups.size());
}

const BackendGroup* BackendGroupsModel::groupAt(int row) const
{
    return row >= 0 && row < groupCount() ? &m_groups[static_cast<std::size_t>(row)].group : nullptr;
}

QModelIndex BackendGroupsModel::index(int row, int column, const QModelIndex& parent) const
{
    if (row < 0 || column < 0 || column >= NumColumns)
        return {};
    if (!parent.isValid()) {
        if (row >= rowCount())
            return {};
        return createIndex(row, column, kTopLevel);
    }
    if (!m_grouping || parent.internalId() != kTopLevel || parent.column() != 0 || parent.row() >= groupCount())
        return {};
    const GroupNode& node = m_groups[static_cast<std::size_t>(parent.row())];
    if (row >= node.pids.size())
        return {};
    return createIndex(row, column, node.id);
}

QModelIndex BackendGroupsModel::parent(const QModelIndex& child) const
{
    if (!child.isValid() || child.internalId() == kTopLevel)
        return {};
    const auto it = m_groupRowOfId.constFind(child.internalId());
    return it == m_groupRowOfId.cend() ? QModelIndex() : createIndex(*it, 0, kTopLevel);
}

int BackendGroupsModel::rowCount(const QModelIndex& parent) const
{
    if (!parent.isValid())
        return static_cast<int>(m_grouping ? m_groups.size() : m_flat.size());
    if (!m_grouping || parent.internalId() != kTopLevel || parent.column() != 0 || parent.row() >= groupCount())
        return 0;
    return static_cast<int>(m_groups[static_cast<std::size_t>(parent.row())].pids.size());
}

int BackendGroupsModel::columnCount(const QModelIndex& parent) const
{
    Q_UNUSED(parent)
    return NumColumns;
}

const Backend* BackendGroupsModel::backendOfPid(int pid) const
{
    const auto it = m_backendOfPid.constFind(pid);
    return it == m_backendOfPid.cend() ? nullptr : &m_backends.at(*it);
}

const Backend* BackendGroupsModel::backendAt(const QModelIndex& index) const
{
    if (!index.isValid() || index.model() != this)
        return nullptr;
    if (!m_grouping)
        return index.internalId() == kTopLevel && index.row() < m_flat.size() ? backendOfPid(m_flat.at(index.row()))
                                                                              : nullptr;
    if (index.internalId() == kTopLevel)
        return nullptr;
    const auto it = m_groupRowOfId.constFind(index.internalId());
    if (it == m_groupRowOfId.cend())
        return nullptr;
    const QList<int>& pids = m_groups[static_cast<std::size_t>(*it)].pids;
    return index.row() < pids.size() ? backendOfPid(pids.at(index.row())) : nullptr;
}

QModelIndex BackendGroupsModel::indexOfPid(int pid) const
{
    if (!m_backendOfPid.contains(pid))
        return {};
    if (!m_grouping) {
        const qsizetype row = m_flat.indexOf(pid);
        return row < 0 ? QModelIndex() : index(static_cast<int>(row), 0);
    }
    for (std::size_t g = 0; g < m_groups.size(); ++g) {
        const qsizetype row = m_groups[g].pids.indexOf(pid);
        if (row >= 0)
            return index(static_cast<int>(row), 0, index(static_cast<int>(g), 0));
    }
    return {};
}

QVariant BackendGroupsModel::groupData(const BackendGroup& group, int column, int role) const
{
    if (role == Qt::DisplayRole) {
        switch (column) {
        case Key:
            return group.label.isEmpty() ? group.key : group.label;
        case Count:
            return QString::number(group.count);
        case OldestAge:
            return ageText(group.oldestAgeSeconds);
        case OldestInState:
            return group.oldestInStatePid > 0
                ? u"%1 (pid %2)"_s.arg(ageText(group.oldestInStateSeconds)).arg(group.oldestInStatePid)
                : ageText(group.oldestInStateSeconds);
        }
        return {};
    }
    if (role == SortRole) {
        switch (column) {
        case Key:
            return group.label.isEmpty() ? group.key : group.label;
        case Count:
            return group.count;
        case OldestAge:
            return group.oldestAgeSeconds;
        case OldestInState:
            return group.oldestInStateSeconds;
        }
        return QString();
    }
    if (role == Qt::ToolTipRole && column == Key)
        return group.key;
    if (role == GroupKeyRole)
        return group.key;
    if (role == IsGroupRole)
        return true;
    if (role == PidRole)
        return 0;
    return {};
}

QVariant BackendGroupsModel::backendData(const Backend& original, int column, int role) const
{
    const Backend backend = m_redacted ? redact(original) : original;
    const double age = ageSeconds(m_nowMs, backend.backendStartMs);
    const double inState = ageSeconds(m_nowMs, backend.stateChangeMs);
    if (role == Qt::DisplayRole) {
        switch (column) {
        case Key:
            return u"pid %1"_s.arg(backend.pid);
        case Count:
            return backend.withheld ? u"(withheld)"_s : backend.state;
        case OldestAge:
            return ageText(age);
        case OldestInState:
            return ageText(inState);
        case Query:
            return singleLine(backend.query);
        }
        return {};
    }
    if (role == SortRole) {
        switch (column) {
        case Key:
            return backend.pid;
        case Count:
            return backend.state;
        case OldestAge:
            return age;
        case OldestInState:
            return inState;
        case Query:
            return backend.query;
        }
        return {};
    }
    if (role == Qt::ToolTipRole && column == Query)
        return backend.query;
    if (role == PidRole)
        return backend.pid;
    if (role == IsGroupRole)
        return false;
    return {};
}

QVariant BackendGroupsModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    if (role == Qt::TextAlignmentRole) {
        if (index.column() == OldestAge || index.column() == OldestInState)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    if (m_grouping && index.internalId() == kTopLevel)
        return groupData(m_groups[static_cast<std::size_t>(index.row())].group, index.column(), role);
    const Backend* backend = backendAt(index);
    if (!backend)
        return {};
    if (role == GroupKeyRole) {
        const QModelIndex group = parent(index);
        return group.isValid() ? m_groups[static_cast<std::size_t>(group.row())].group.key : QString();
    }
    return backendData(*backend, index.column(), role);
}

QVariant BackendGroupsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Key:
        return m_grouping ? u"Group / pid"_s : u"Pid"_s;
    case Count:
        return m_grouping ? u"Count / state"_s : u"State"_s;
    case OldestAge:
        return m_grouping ? u"Oldest backend"_s : u"Backend age"_s;
    case OldestInState:
        return m_grouping ? u"Oldest in state"_s : u"In state"_s;
    case Query:
        return u"Query"_s;
    }
    return {};
}

QHash<int, QByteArray> BackendGroupsModel::roleNames() const
{
    auto names = QAbstractItemModel::roleNames();
    names.insert(SortRole, "sort");
    names.insert(PidRole, "pid");
    names.insert(IsGroupRole, "isGroup");
    names.insert(GroupKeyRole, "groupKey");
    return names;
}

} // namespace poolscope
