#include "EventsModel.h"

#include "Format.h"
#include "store/Session.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace poolscope {

EventsModel::EventsModel(Session* session, QObject* parent, int maxRows)
    : QAbstractTableModel(parent)
    , m_session(session)
    , m_maxRows(std::max(1, maxRows))
{
    m_rows = available();
    if (session)
        connect(session, &Session::eventAdded, this, &EventsModel::onEventAdded);
}

EventsModel::~EventsModel() = default;

int EventsModel::available() const
{
    return m_session ? std::min(m_maxRows, static_cast<int>(m_session->events().size())) : 0;
}

void EventsModel::onEventAdded()
{
    // The Session drops its oldest event when full; the model drops its bottom row when either is full.
    if (m_rows > 0 && available() == m_rows) {
        beginRemoveRows({}, m_rows - 1, m_rows - 1);
        --m_rows;
        endRemoveRows();
    }
    if (available() <= m_rows)
        return;
    beginInsertRows({}, 0, 0);
    ++m_rows;
    endInsertRows();
}

const Event& EventsModel::eventAt(int row) const
{
    const QList<Event>& events = m_session->events();
    return events.at(events.size() - 1 - row);
}

int EventsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

int EventsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : NumColumns;
}

QVariant EventsModel::data(const QModelIndex& index, int role) const
{
    if (!m_session || !index.isValid() || index.row() >= m_rows)
        return {};
    const Event& event = eventAt(index.row());
    switch (role) {
    case Qt::ToolTipRole:
        return index.column() == Message ? QVariant(event.message) : QVariant();
    case Qt::DisplayRole:
        switch (index.column()) {
        case Time:
            return formatClock(event.timestampMs);
        case Severity:
            return severityName(event.severity);
        case Source:
            return event.source;
        case Message:
            return event.message;
        }
        return {};
    case SeverityRole:
        return static_cast<int>(event.severity);
    case TimestampRole:
        return event.timestampMs;
    }
    return {};
}

QVariant EventsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Time:
        return u"Time"_s;
    case Severity:
        return u"Severity"_s;
    case Source:
        return u"Source"_s;
    case Message:
        return u"Message"_s;
    }
    return {};
}

} // namespace poolscope
