#pragma once

#include <QAbstractTableModel>
#include <QPointer>

namespace poolscope {

class Session;
struct Event;

// The Session's event log, newest first, at most maxRows() rows (the newest; older events stay in the
// recording, not in memory). Each new event inserts one row at the top and, when full, removes the oldest.
class EventsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Time, Severity, Source, Message, NumColumns };
    Q_ENUM(Column)
    enum Role {
        SeverityRole = Qt::UserRole + 1, // int(Event::Severity)
        TimestampRole, // qint64 UTC ms
    };
    Q_ENUM(Role)

    explicit EventsModel(Session* session, QObject* parent = nullptr, int maxRows = kDefaultMaxRows);
    ~EventsModel() override;

    static constexpr int kDefaultMaxRows = 10'000;
    int maxRows() const { return m_maxRows; }
    // The event a row shows (row 0 is the newest).
    const Event& eventAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    void onEventAdded();
    int available() const;

    QPointer<Session> m_session;
    int m_maxRows = kDefaultMaxRows;
    int m_rows = 0;
};

} // namespace poolscope
