#include "FleetLauncher.h"

#include "FleetPane.h"
#include "FleetWindow.h"
#include "MainWindow.h"
#include "analysis/Diagnosis.h"
#include "fleet/AgentSnapshotClient.h"
#include "fleet/FleetSource.h"
#include "fleet/HistoryZoom.h"
#include "fleet/PrometheusClient.h"
#include "fleet/ServiceLoader.h"
#include "fleet/SnapshotFollower.h"
#include "store/Session.h"
#include "store/ViewState.h"

#include <QDateTime>
#include <QSet>
#include <QStatusBar>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace poolscope {

// Torn down window first, then the analysis, then the session.
struct FleetLauncher::ServiceWindow
{
    QString service;
    qint64 stepSeconds = 0;
    QTimer follow; // appends what Prometheus got since
    std::unique_ptr<Session> session;
    std::unique_ptr<SnapshotFollower> snapshots; // re-reads the agents' snapshots on each follow round
    std::unique_ptr<HistoryZoom> zoom; // fetches what lies before the backfill when the chart zooms out
    std::unique_ptr<ViewState> view;
    std::unique_ptr<Diagnosis> diagnosis;
    std::unique_ptr<MainWindow> window;
    QSet<QString> newReplicas; // replicas that began reporting after it opened, named once in an event
};

FleetLauncher::FleetLauncher(const Workspace& workspace, QSize windowSize, QObject* parent)
    : QObject(parent)
    , m_workspace(workspace)
    , m_windowSize(windowSize)
    , m_client(std::make_unique<PrometheusClient>(workspace.prometheus))
    , m_source(std::make_unique<FleetSource>(m_client.get()))
    , m_loader(std::make_unique<ServiceLoader>(m_client.get(), workspace))
    , m_snapshots(std::make_unique<AgentSnapshotClient>(5000, workspace.prometheus.agentToken))
    , m_window(std::make_unique<FleetWindow>(m_source.get(), workspace.prometheus.url))
{
    connect(m_window->fleetPane(), &FleetPane::serviceActivated, this, &FleetLauncher::openService);
    m_window->show();
    m_source->start();
}

FleetLauncher::~FleetLauncher() = default;

void FleetLauncher::openService(const QString& service)
{
    if (service.isEmpty())
        return;
    m_window->fleetPane()->setOpening(u"Backfilling %1 from Prometheus…"_s.arg(service));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    // The chart takes the window's width less the targets pane.
    const int pixels = std::max(200, m_windowSize.width() - 400);
    m_loader->load(service, now - ServiceLoader::kDefaultRangeMs, now, pixels,
        [this, service](std::shared_ptr<ServiceHistory> history, const QString& error) {
            if (!history) {
                m_window->fleetPane()->setOpening(u"Cannot open %1: %2"_s.arg(service, error));
                return;
            }
            readSnapshots(service, std::move(history));
        });
}

void FleetLauncher::readSnapshots(const QString& service, std::shared_ptr<ServiceHistory> history)
{
    // Each replica's agent is asked first: its application_name says which of the backends are the pool's,
    // and a target's configuration is fixed once its window is open. Bounded by the client's timeout.
    struct Round
    {
        std::shared_ptr<ServiceHistory> history;
        QHash<int, ReplicaReading> answers; // target index -> its agent's answer, read off the GUI thread
        int pending = 0;
    };
    auto round = std::make_shared<Round>();
    round->history = std::move(history);
    const QList<TargetConfig>& targets = round->history->workspace.targets;
    for (int i = 0; i < targets.size(); ++i)
        round->pending += targets.at(i).url.isEmpty() ? 0 : 1;
    if (round->pending == 0) {
        showService(service, std::move(round->history), {});
        return;
    }
    m_window->fleetPane()->setOpening(u"Reading the agents' snapshots of %1…"_s.arg(service));
    for (int i = 0; i < targets.size(); ++i) {
        if (targets.at(i).url.isEmpty())
            continue; // the sum
        m_snapshots->fetch(
            targets.at(i).url, this,
            [name = targets.at(i).name, database = targets.at(i).database](const AgentSnapshot& snapshot) {
                return readReplica(snapshot, name, database, QDateTime::currentMSecsSinceEpoch());
            },
            [this, service, round, i](const ReplicaReading& reading) {
                round->answers.insert(i, reading);
                if (--round->pending == 0)
                    showService(service, std::move(round->history), round->answers);
            });
    }
}

void FleetLauncher::showService(
    const QString& service, std::shared_ptr<ServiceHistory> history, const QHash<int, ReplicaReading>& snapshots)
{
    m_window->fleetPane()->setOpening({});
    for (auto it = snapshots.begin(); it != snapshots.end(); ++it) {
        TargetConfig& config = history->workspace.targets[it.key()];
        config.applicationName = it.value().replica.applicationName;
        history->content.targets[static_cast<std::size_t>(it.key())].config.applicationName = config.applicationName;
    }
    auto opened = std::make_unique<ServiceWindow>();
    opened->session = std::make_unique<Session>(history->workspace);
    opened->session->adopt(std::move(history->content));
    opened->snapshots = std::make_unique<SnapshotFollower>(m_snapshots.get(), opened->session.get());
    opened->view = std::make_unique<ViewState>();
    opened->diagnosis = std::make_unique<Diagnosis>(opened->session.get(), opened->view.get());
    opened->window = std::make_unique<MainWindow>(opened->session.get(), opened->view.get(), opened->diagnosis.get());
    opened->window->setWindowTitle(u"PoolScope — %1 (from Prometheus)"_s.arg(service));
    opened->window->resize(m_windowSize);
    opened->window->show();
    opened->service = service;
    opened->stepSeconds = std::max<qint64>(1, history->stepMs / 1000);
    opened->zoom = std::make_unique<HistoryZoom>(
        m_client.get(), m_workspace, opened->session.get(), service, opened->stepSeconds);
    HistoryZoom* zoom = opened->zoom.get();
    connect(opened->view.get(), &ViewState::requestedRangeChanged, zoom, &HistoryZoom::request);
    connect(zoom, &HistoryZoom::statusChanged, opened->window->statusBar(),
        [bar = opened->window->statusBar()](const QString& status, bool failure) {
            bar->showMessage(status, failure ? 15'000 : 0); // the failure stays in the event log
        });
    if (opened->view->requestedPixels() > 0) // the chart has drawn already
        zoom->request(opened->view->requestedFromMs(), opened->view->requestedToMs(), opened->view->requestedPixels());
    ServiceWindow* followed = opened.get();
    connect(&opened->follow, &QTimer::timeout, opened->session.get(), [this, followed] { follow(followed); });
    opened->follow.start(kFollowIntervalMs);
    for (auto it = snapshots.begin(); it != snapshots.end(); ++it)
        opened->snapshots->apply(it.key(), it.value());
    MainWindow* window = opened->window.get();
    m_services.push_back(std::move(opened));
    Q_EMIT serviceOpened(window);
}

namespace {
// Each target's newest timestamp in the session (0 when it has none).
QHash<QString, qint64> newestByTarget(const Session& session)
{
    QHash<QString, qint64> lastMs;
    for (int i = 0; i < session.targetCount(); ++i) {
        const TargetHistory& h = session.target(i).history;
        lastMs.insert(session.target(i).config.name, h.empty() ? 0 : h.times().back());
    }
    return lastMs;
}
} // namespace

void FleetLauncher::follow(ServiceWindow* opened)
{
    opened->snapshots->read();
    Session* session = opened->session.get();
    qint64 newest = 0;
    for (const qint64 last : newestByTarget(*session))
        newest = std::max(newest, last);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 from = newest > 0 ? newest - opened->stepSeconds * 1000 : now - ServiceLoader::kDefaultRangeMs;
    m_loader->load(
        opened->service, from, now, 0,
        [session, opened](std::shared_ptr<ServiceHistory> history, const QString& error) {
            if (!history) {
                Event e;
                e.timestampMs = QDateTime::currentMSecsSinceEpoch();
                e.severity = Event::Severity::Warning;
                e.kind = u"prometheus"_s;
                e.message = u"cannot follow Prometheus: "_s + error;
                session->addEvent(e);
                return;
            }
            // What the session holds now (an earlier refresh may have landed meanwhile): never a point twice.
            const QHash<QString, qint64> held = newestByTarget(*session);
            for (const Sample& sample : samplesAfter(*history, held))
                session->addSample(sample);
            for (const NewReplica& replica : newReplicas(*history, held)) {
                if (!opened->newReplicas.contains(replica.name)) {
                    opened->newReplicas.insert(replica.name);
                    session->addEvent(newReplicaEvent(opened->service, replica));
                }
            }
        },
        opened->stepSeconds);
}

} // namespace poolscope
