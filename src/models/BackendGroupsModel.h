#pragma once

#include "analysis/BackendGroups.h"
#include "types/ActivitySnapshot.h"

#include <QAbstractItemModel>
#include <QHash>
#include <QList>

#include <optional>

namespace poolscope {

// The backends grouped for the drill-down: one top-level row per group (key, count, oldest backend
// age, oldest in-state age) whose children are the group's backends. Without a grouping it is flat
// (one top-level row per backend). Query text and client addresses are redacted when asked to.
// A new list of backends is diffed against the rows: groups (keyed by their key) and backends (by pid)
// that went are removed, new ones appended, and the rows that stay get ranged dataChanged signals, so
// the view keeps its expanded groups and its selection. Only a change of grouping resets.
class BackendGroupsModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column { Key, Count, OldestAge, OldestInState, Query, NumColumns };
    Q_ENUM(Column)

    enum Role {
        SortRole = Qt::UserRole + 1, // raw: counts, ages in seconds (NaN unknown), text
        PidRole, // a backend row's pid; 0 on group rows
        IsGroupRole, // bool
        GroupKeyRole, // the group's key (on its children too)
    };
    Q_ENUM(Role)

    explicit BackendGroupsModel(QObject* parent = nullptr);
    ~BackendGroupsModel() override;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // nullopt: no grouping (flat list of backends).
    void setGrouping(std::optional<BackendGrouping> grouping);
    std::optional<BackendGrouping> grouping() const { return m_grouping; }
    // The backends and the time their ages are measured against (the snapshot's server clock).
    void setBackends(const QList<Backend>& backends, qint64 serverNowMs);
    void setRedacted(bool redacted);
    bool isRedacted() const { return m_redacted; }

    int groupCount() const;
    const BackendGroup* groupAt(int row) const;
    // The backend of a row (group rows: nullptr).
    const Backend* backendAt(const QModelIndex& index) const;
    // The index of the backend with this pid (column 0), invalid when absent.
    QModelIndex indexOfPid(int pid) const;

    // A backend as the views show it: with redaction, the query is its fingerprint and the client
    // address is masked.
    static Backend redact(const Backend& backend);
    // The choices of the "Group by" box, in order, None first: (label, grouping).
    static QList<std::pair<QString, std::optional<BackendGrouping>>> groupingChoices();

private:
    // A top-level row of a grouping: the group and its children (pids). `id` stays the same while the
    // group lives; it is the internal id of the children's indexes, so they survive the group moving.
    struct GroupNode
    {
        BackendGroup group;
        QList<int> pids;
        quintptr id = 0;
    };

    void update();
    void updateFlat(const QList<int>& pids);
    void updateGroups(const QList<BackendGroup>& groups);
    void updateChildren(int groupRow, const QList<int>& pids);
    // Diffs the pids shown under `parent` (`rows`) against `pids`: removals, one dataChanged, appends.
    void diffPids(const QModelIndex& parent, QList<int>& rows, const QList<int>& pids);
    void indexGroups();
    const Backend* backendOfPid(int pid) const;
    QVariant groupData(const BackendGroup& group, int column, int role) const;
    QVariant backendData(const Backend& backend, int column, int role) const;

    std::optional<BackendGrouping> m_grouping;
    QList<Backend> m_backends;
    QHash<int, int> m_backendOfPid; // pid -> index into m_backends
    qint64 m_nowMs = kNoTime;
    bool m_redacted = false;
    QList<int> m_flat; // without a grouping: the pids of the rows
    std::vector<GroupNode> m_groups; // with a grouping
    QHash<quintptr, int> m_groupRowOfId;
    quintptr m_nextId = 1;
};

} // namespace poolscope
