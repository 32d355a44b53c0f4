#pragma once

#include "TableModel.h"

#include <QPointer>
#include <QTimer>

namespace poolscope {

class Session;
class SessionAtCursor;
struct TargetState;
struct Thresholds;

// One row per health target of a Session: its state and newest numbers, or those at the time cursor
// (followCursor). Rows are the Session's targets in workspace order (a row is the target's index, read from the
// Session when shown); a sample or snapshot updates only the rows it changes, with one dataChanged per row, or,
// with setUpdateInterval(), one dataChanged over the rows that changed per interval.
class TargetsModel : public TableModel<int, int>
{
    Q_OBJECT
public:
    enum Column { Name, State, CheckedOut, Tracked, Discrepancy, Backends, Pool, LastPoll, NumColumns };
    Q_ENUM(Column)

    enum Role {
        // Raw value for sorting: numbers (NaN/-1 when unknown) or the text; LastPoll is UTC ms.
        SortRole = Qt::UserRole + 1,
        // The row's StateLevel as an int (any column); views map it to a colour.
        StateLevelRole,
        // The Session's target index of the row (any column).
        TargetIndexRole,
    };
    Q_ENUM(Role)

    enum class StateLevel {
        Waiting, // not polled yet
        Ok,
        Warning, // discrepancy at or above thresholds.discrepancyWarning
        Critical, // discrepancy at or above thresholds.discrepancyCritical
        Failing, // the newest poll failed
    };
    Q_ENUM(StateLevel)

    explicit TargetsModel(Session* session, QObject* parent = nullptr);
    ~TargetsModel() override;

    QHash<int, QByteArray> roleNames() const override;

    // The rows show the targets as they stood at the cursor (its moment's states; all rows change when it
    // moves); live, the newest. Null: always the newest.
    void followCursor(SessionAtCursor* cursor);

    // 0 (the default): each sample or snapshot emits its dataChanged at once. Above 0: the rows they change are
    // collected and told in one dataChanged per interval, so a view polled by 20 targets every 0.1 s repaints a
    // few times a second rather than once per sample. data() always reads the newest.
    void setUpdateInterval(int ms);

    static StateLevel stateLevel(const TargetState& target, const Thresholds& thresholds);
    static QString stateText(const TargetState& target);

private:
    int keyOf(const int& targetIndex) const override { return targetIndex; }
    QVariant cell(const int& targetIndex, int column, int role) const override;
    QVariant header(int column, int role) const override;
    void onSampleAdded(int targetIndex);
    void onSnapshotAdded(int databaseIndex);
    QString numberToolTip(const TargetState& target, int column) const;
    QVariant displayData(const TargetState& target, int column) const;
    QVariant sortData(const TargetState& target, int column) const;

    const TargetState& stateOf(int targetIndex) const;
    void changed(int row, int firstColumn, int lastColumn);
    void flushChanged();

    QPointer<Session> m_session;
    QPointer<SessionAtCursor> m_cursor;
    QTimer* m_flushTimer = nullptr; // with an update interval
    int m_changedFirst = -1; // the rows changed since the last flush
    int m_changedLast = -1;
};

} // namespace poolscope
