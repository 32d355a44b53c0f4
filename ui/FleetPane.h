#pragma once

#include <QWidget>

class QLabel;
class QTreeView;

namespace poolscope {

class FleetModel;
class FleetSource;

// The fleet view: one row per service from Prometheus (replicas up, checked out, tracked, discrepancy,
// verdict, a sparkline of the last hour's summed discrepancy), worst first, and a line saying when it was
// read or why it could not be. Activating a row (double-click, Enter) asks to open that service.
class FleetPane : public QWidget
{
    Q_OBJECT
public:
    explicit FleetPane(FleetSource* source, QWidget* parent = nullptr);
    ~FleetPane() override;

    QTreeView* view() const { return m_view; }
    FleetModel* model() const { return m_model; }
    QLabel* statusLabel() const { return m_status; }
    // Shows that a service is being opened (or why it could not be).
    void setOpening(const QString& text);

Q_SIGNALS:
    void serviceActivated(const QString& service);

private:
    void showState();

    FleetSource* m_source;
    FleetModel* m_model = nullptr;
    QTreeView* m_view = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_opening = nullptr;
};

} // namespace poolscope
