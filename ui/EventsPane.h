#pragma once

#include <QWidget>

class QTreeView;

namespace poolscope {

class EventsModel;
class Session;

// The event log, newest first (EventsModel: the newest 10,000; older ones stay in the recording),
// severity in its colour.
class EventsPane : public QWidget
{
    Q_OBJECT
public:
    explicit EventsPane(Session* session, QWidget* parent = nullptr);
    ~EventsPane() override;

    QTreeView* view() const { return m_view; }
    EventsModel* model() const { return m_model; }

Q_SIGNALS:
    void countChanged(int rows);

private:
    EventsModel* m_model = nullptr;
    QTreeView* m_view = nullptr;
};

} // namespace poolscope
