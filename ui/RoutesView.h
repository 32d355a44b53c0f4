#pragma once

#include <QPointer>
#include <QWidget>

class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;
class QTimer;

namespace poolscope {

class Diagnosis;
class RouteChart;
class RoutesModel;
class Session;
class ViewState;

// The routes of the selected target: a sortable, filterable table (counters at the cursor, rates over
// the analysis window, rising rows marked) and, beside it, the chart of the selected route.
class RoutesView : public QWidget
{
    Q_OBJECT
public:
    RoutesView(Session* session, ViewState* view, Diagnosis* diagnosis, QWidget* parent = nullptr);
    ~RoutesView() override;

    void setTarget(int targetIndex);
    int target() const { return m_target; }
    // Now. Changes of the data, the cursor and the range refresh at once while the view is shown, and at most
    // every 2 s while it is hidden (for the tab title's counts); showing it refreshes what is pending.
    void refresh();
    // The range the rates cover: the chart's visible range; (0, 0) = the diagnosis window.
    void setRange(qint64 fromMs, qint64 toMs);

    RoutesModel* model() const { return m_model; }
    QTableView* table() const { return m_table; }
    QLineEdit* filter() const { return m_filter; }
    RouteChart* chart() const { return m_chart; }
    void selectRoute(const QString& name);
    QString selectedRoute() const;

Q_SIGNALS:
    void countChanged(int routes, int rising);

protected:
    void showEvent(QShowEvent* event) override;

private:
    void showSelectedRoute();
    void scheduleRefresh();

    QPointer<Session> m_session;
    QPointer<ViewState> m_view;
    QPointer<Diagnosis> m_diagnosis;
    int m_target = -1;
    qint64 m_fromMs = 0;
    qint64 m_toMs = 0;
    RoutesModel* m_model = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QLineEdit* m_filter = nullptr;
    QLabel* m_summary = nullptr;
    QTableView* m_table = nullptr;
    RouteChart* m_chart = nullptr;
    QTimer* m_hiddenTimer = nullptr; // a refresh is pending while hidden
};

} // namespace poolscope
