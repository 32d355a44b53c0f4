#pragma once

#include "types/Workspace.h"

#include <QHash>
#include <QObject>
#include <QSize>

#include <memory>
#include <vector>

namespace poolscope {

class AgentSnapshotClient;
class Diagnosis;
class FleetSource;
class FleetWindow;
class MainWindow;
class PrometheusClient;
class ServiceLoader;
struct ReplicaReading;
struct ServiceHistory;
class Session;
class ViewState;

// Wires the fleet: the workspace's Prometheus, the fleet window over it, and for each service opened there
// a PoolScope window (the same timeline and drill-downs as a live one) on the service's history backfilled
// from Prometheus (the last 24 h at a step fitted to the chart's width), per replica and summed, which then
// follows Prometheus every 15 s and, zoomed out past its oldest point, fetches the older span (HistoryZoom). Each
// replica's agent snapshot is read (and parsed off the GUI thread) before the window opens, then again on each
// follow round (SnapshotFollower):
// its backends fill the replica's database and its holders the replica (the backends table, the exact
// suspects), or the views say "unavailable" and why.
class FleetLauncher : public QObject
{
    Q_OBJECT
public:
    FleetLauncher(const Workspace& workspace, QSize windowSize, QObject* parent = nullptr);
    ~FleetLauncher() override;

    FleetWindow* window() const { return m_window.get(); }
    FleetSource* source() const { return m_source.get(); }
    // Backfills `service` and opens its window.
    void openService(const QString& service);

Q_SIGNALS:
    void serviceOpened(poolscope::MainWindow* window);

private:
    struct ServiceWindow;
    static constexpr int kFollowIntervalMs = 15'000;
    // Appends to a service's window what Prometheus got since its newest point, at the step it opened with, and
    // re-reads its replicas' snapshots.
    void follow(ServiceWindow* opened);
    // Asks each replica's agent for its snapshot, then shows the service.
    void readSnapshots(const QString& service, std::shared_ptr<ServiceHistory> history);
    // Opens the service's window: its backfilled history, and each replica's backends from its agent (or why not).
    void showService(
        const QString& service, std::shared_ptr<ServiceHistory> history, const QHash<int, ReplicaReading>& snapshots);

    Workspace m_workspace;
    QSize m_windowSize;
    std::unique_ptr<PrometheusClient> m_client;
    std::unique_ptr<FleetSource> m_source;
    std::unique_ptr<ServiceLoader> m_loader;
    std::unique_ptr<AgentSnapshotClient> m_snapshots;
    std::unique_ptr<FleetWindow> m_window;
    std::vector<std::unique_ptr<ServiceWindow>> m_services;
};

} // namespace poolscope
