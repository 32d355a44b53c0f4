#include "BackendGroupsModel.h"

#include "Format.h"
#include "analysis/QueryFingerprint.h"

#include <QHash>

#include <cmath>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {
// Internal ids: 0 for top-level rows, group row + 1 for a group's children.
constexpr quintptr kTopLevel = 0;

double ageSeconds(qint64 nowMs, qint64 thenMs)
{
    if (nowMs == kNoTime || thenMs == kNoTime)
        return qQNaN();
    return static_cast<double>(std::max<qint64>(0, nowMs - thenMs)) / 1000.0;
}

QString ageText(double seconds)
{
    return std::isnan(seconds) ? unknownText() : formatDuration(static_cast<qint64>(seconds * 1000.0));
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
    m_grouping = grouping;
    rebuild();
}

void BackendGroupsModel::setBackends(const QList<Backend>& backends, qint64 serverNowMs)
{
    m_backends = backends;
    m_nowMs = serverNowMs;
    rebuild();
}

void BackendGroupsModel::setRedacted(bool redacted)
{
    if (redacted == m_redacted)
        return;
    m_redacted = redacted;
    rebuild();
}

void BackendGroupsModel::rebuild()
{
    beginResetModel();
    m_groups.clear();
    m_children.clear();
    if (m_grouping) {
        QList<Backend> shown = m_backends;
        if (m_redacted) {
            for (Backend& b : shown)
                b = redact(b);
        }
        m_groups = groupBackends(shown, *m_grouping, m_nowMs);
        QHash<int, int> byPid;
        for (qsizetype i = 0; i < m_backends.size(); ++i)
            byPid.insert(m_backends.at(i).pid, static_cast<int>(i));
        for (const BackendGroup& group : std::as_const(m_groups)) {
            QList<int> children;
            for (int pid : group.pids)
                children.append(byPid.value(pid, -1));
            children.removeAll(-1);
            m_children.append(children);
        }
    }
    endResetModel();
}

int BackendGroupsModel::groupCount() const
{
    return static_cast<int>(m_groups.size());
}

const BackendGroup* BackendGroupsModel::groupAt(int row) const
{
    return row >= 0 && row < m_groups.size() ? &m_groups.at(row) : nullptr;
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
    if (!m_grouping || parent.internalId() != kTopLevel || parent.column() != 0)
        return {};
    if (parent.row() >= m_children.size() || row >= m_children.at(parent.row()).size())
        return {};
    return createIndex(row, column, static_cast<quintptr>(parent.row()) + 1);
}

QModelIndex BackendGroupsModel::parent(const QModelIndex& child) const
{
    if (!child.isValid() || child.internalId() == kTopLevel)
        return {};
    return createIndex(static_cast<int>(child.internalId() - 1), 0, kTopLevel);
}

int BackendGroupsModel::rowCount(const QModelIndex& parent) const
{
    if (!parent.isValid())
        return static_cast<int>(m_grouping ? m_groups.size() : m_backends.size());
    if (!m_grouping || parent.internalId() != kTopLevel || parent.column() != 0)
        return 0;
    return parent.row() < m_children.size() ? static_cast<int>(m_children.at(parent.row()).size()) : 0;
}

int BackendGroupsModel::columnCount(const QModelIndex& parent) const
{
    Q_UNUSED(parent)
    return NumColumns;
}

const Backend* BackendGroupsModel::backendAt(const QModelIndex& index) const
{
    if (!index.isValid() || index.model() != this)
        return nullptr;
    if (!m_grouping) {
        return index.internalId() == kTopLevel && index.row() < m_backends.size() ? &m_backends.at(index.row())
                                                                                  : nullptr;
    }
    if (index.internalId() == kTopLevel)
        return nullptr;
    const int group = static_cast<int>(index.internalId() - 1);
    if (group >= m_children.size() || index.row() >= m_children.at(group).size())
        return nullptr;
    return &m_backends.at(m_children.at(group).at(index.row()));
}

int BackendGroupsModel::backendIndex(int pid) const
{
    for (qsizetype i = 0; i < m_backends.size(); ++i) {
        if (m_backends.at(i).pid == pid)
            return static_cast<int>(i);
    }
    return -1;
}

QModelIndex BackendGroupsModel::indexOfPid(int pid) const
{
    const int at = backendIndex(pid);
    if (at < 0)
        return {};
    if (!m_grouping)
        return index(at, 0);
    for (qsizetype g = 0; g < m_children.size(); ++g) {
        const qsizetype row = m_children.at(g).indexOf(at);
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
        return groupData(m_groups.at(index.row()), index.column(), role);
    const Backend* backend = backendAt(index);
    if (!backend)
        return {};
    if (role == GroupKeyRole)
        return m_groups.value(static_cast<int>(index.internalId() - 1)).key;
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
