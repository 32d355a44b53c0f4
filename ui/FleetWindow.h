#pragma once

#include <QMainWindow>

namespace poolscope {

class FleetPane;
class FleetSource;

// The window of a fleet: the fleet pane over the workspace's Prometheus. Opening a service is the app's
// business (it backfills the service and shows it in a PoolScope window of its own); this window only
// says that it was asked.
class FleetWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit FleetWindow(FleetSource* source, const QString& prometheusUrl, QWidget* parent = nullptr);
    ~FleetWindow() override;

    FleetPane* fleetPane() const { return m_pane; }

private:
    FleetPane* m_pane = nullptr;
};

} // namespace poolscope
