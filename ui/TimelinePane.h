#pragma once

#include <QPointer>
#include <QWidget>

class QAction;
class QComboBox;
class QLabel;
class QTimer;
class QVBoxLayout;

namespace poolscope {

class Session;
class SessionAtCursor;
class TimelineChart;
class ViewState;

// The selected target's timeline: a title line with its newest numbers (or those at the time cursor, and the
// cursor's moment), the range box and the
// Pause/Follow actions (given: they are made with the window's other actions), an optional banner
// (the verdict) and the chart.
class TimelinePane : public QWidget
{
    Q_OBJECT
public:
    TimelinePane(Session* session, ViewState* view, QAction* pause, QAction* follow, QWidget* parent = nullptr);
    ~TimelinePane() override;

    void setTarget(int targetIndex);
    // The title shows the numbers at the cursor (live: the newest); null: always the newest.
    void followCursor(SessionAtCursor* cursor);
    // A widget between the title line and the chart (the window puts the verdict there).
    void setBanner(QWidget* banner);

    TimelineChart* chart() const { return m_chart; }
    QComboBox* rangeBox() const { return m_rangeBox; }
    // The title line's HTML ("web checked out 18 · tracked 2 · ...").
    QString titleText() const;
    // Rebuilds the title now and redraws the chart.
    void refresh();

private:
    void schedule();
    void updateTitle();

    QPointer<Session> m_session;
    QPointer<SessionAtCursor> m_cursor;
    int m_target = -1;
    QVBoxLayout* m_layout = nullptr;
    QLabel* m_title = nullptr;
    QComboBox* m_rangeBox = nullptr;
    TimelineChart* m_chart = nullptr;
    QTimer* m_timer = nullptr;
};

} // namespace poolscope
