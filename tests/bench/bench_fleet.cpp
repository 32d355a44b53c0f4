// Fleet benchmark (issue 13 part 4, the window's half): a real Prometheus holding 300 replicas × 7 days of
// the agents' series, built from generated OpenMetrics text with `promtool tsdb create-blocks-from
// openmetrics`; the window reads it. Prints
//   - how long generating the text and building the store took;
//   - the time to the fleet view (FleetSource's first round into the FleetPane, offscreen);
//   - the time to backfill one service (24 h at a step fitted to the chart) into a PoolScope window (Session,
//     Diagnosis, MainWindow, as the app does), then to zoom that window out to 7 days (its range box: HistoryZoom
//     fetches the older span at the step fitted to the new range, merges it and swaps it in);
//   - the time to read one replica's 13 MiB agent snapshot (25,000 backends with long queries, from a local HTTP
//     server) into that window (SnapshotFollower: parsed and converted on a worker, applied on the GUI thread),
//     and for comparison the same snapshot parsed and converted on the GUI thread (as before issue 13's
//     follow-up);
//   - the GUI event loop's p50/p99/max lateness (a 1 ms probe timer) over all of it, against the budget
//     (p99 <= 16 ms) as a PASS/FAIL line.
// It asserts only that each step completed (benchmarks are not timing tests).
// Environment: POOLSCOPE_BENCH_SERVICES (60) × POOLSCOPE_BENCH_REPLICAS (5) replicas, POOLSCOPE_BENCH_DAYS (7),
// POOLSCOPE_BENCH_STEP_S (600: one sample per series every 10 min, which keeps the text ~150 MB and promtool
// within a minute or two on a shared machine; 15 s, a real scrape interval, is 40× that). The verdict gauges
// are written for the last hour only.
#include "FleetPane.h"
#include "MainWindow.h"
#include "PrometheusServer.h"
#include "StallProbe.h"
#include "TestHttpServer.h"
#include "TimelinePane.h"
#include "analysis/Diagnosis.h"
#include "fleet/AgentSnapshotClient.h"
#include "fleet/FleetSource.h"
#include "fleet/HistoryZoom.h"
#include "fleet/PromQuery.h"
#include "fleet/PrometheusClient.h"
#include "fleet/ServiceLoader.h"
#include "fleet/SnapshotFollower.h"
#include "models/FleetModel.h"
#include "store/Session.h"
#include "store/ViewState.h"

#include <QApplication>
#include <QComboBox>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <QTreeView>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>
#include <vector>

using namespace Qt::StringLiterals;
using namespace poolscope;
using namespace poolscope::test;
using poolscope::bench::spinUntil;
using poolscope::bench::StallProbe;

namespace {

constexpr double kBudgetP99Ms = 16;

int envInt(const char* name, int fallback)
{
    bool ok = false;
    const int v = qEnvironmentVariableIntValue(name, &ok);
    return ok && v > 0 ? v : fallback;
}

// One phase's lateness against the budget.
void report(const char* what, const StallProbe::Result& r)
{
    if (r.samples == 0)
        return;
    std::printf("%s: event-loop lateness p50 %.2f ms, p99 %.1f ms, max %.1f ms (%zu probes) -> %s (budget p99 <= "
                "%.0f ms)\n",
        what, r.p50, r.p99, r.max, r.samples, r.p99 <= kBudgetP99Ms ? "PASS" : "FAIL", kBudgetP99Ms);
    std::fflush(stdout);
}

// The agents' series for services × replicas over `days` ending now, one sample every stepS: a third of
// the services leak (the discrepancy grows ~1/h), the rest hold a baseline with noise.
bool writeOpenMetrics(const QString& path, int services, int replicas, int days, int stepS, qint64 endS)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    const qint64 startS = endS - static_cast<qint64>(days) * 86400;
    QByteArray buffer;
    buffer.reserve(8 << 20);
    auto flush = [&] {
        file.write(buffer);
        buffer.clear();
    };
    const char* families[] = { "poolscope_target_up", "poolscope_checked_out", "poolscope_tracked",
        "poolscope_discrepancy", "poolscope_pool_max", "poolscope_verdict" };
    for (const char* family : families) {
        buffer += "# TYPE ";
        buffer += family;
        buffer += " gauge\n";
        const bool verdict = qstrcmp(family, "poolscope_verdict") == 0;
        for (int s = 0; s < services; ++s) {
            const bool leaking = s % 3 == 0;
            for (int r = 0; r < replicas; ++r) {
                const QByteArray labels = "service=\"svc-" + QByteArray::number(s) + "\",target=\"svc-"
                    + QByteArray::number(s) + "-" + QByteArray::number(r) + "\",instance=\"10.0."
                    + QByteArray::number(s) + "." + QByteArray::number(r) + ":9478\",job=\"poolscope\"";
                for (const char* v : verdict ? std::vector<const char*> { "none", "stable", "growing", "unknown" }
                                             : std::vector<const char*> { nullptr }) {
                    // Verdict gauges only over the last hour (what the fleet view reads): a fifth of the text.
                    for (qint64 t = v ? endS - 3600 : startS; t <= endS; t += stepS) {
                        const double hours = static_cast<double>(t - startS) / 3600.0;
                        const double noise = static_cast<double>((t / stepS * 7 + s * 13 + r * 5) % 5) - 2;
                        const double discrepancy = leaking ? std::floor(hours * 0.05) + 3 : 4 + noise * 0.5;
                        const double tracked = 10 + noise;
                        double value = 0;
                        if (verdict)
                            value = qstrcmp(v, leaking ? "growing" : "stable") == 0 ? 1 : 0;
                        else if (qstrcmp(family, "poolscope_target_up") == 0)
                            value = 1;
                        else if (qstrcmp(family, "poolscope_checked_out") == 0)
                            value = tracked + discrepancy;
                        else if (qstrcmp(family, "poolscope_tracked") == 0)
                            value = tracked;
                        else if (qstrcmp(family, "poolscope_discrepancy") == 0)
                            value = discrepancy;
                        else
                            value = 100;
                        buffer += family;
                        buffer += '{';
                        buffer += labels;
                        if (v) {
                            buffer += ",verdict=\"";
                            buffer += v;
                            buffer += '"';
                        }
                        buffer += "} ";
                        buffer += QByteArray::number(value);
                        buffer += ' ';
                        buffer += QByteArray::number(t);
                        buffer += '\n';
                        if (buffer.size() > (8 << 20) - 4096)
                            flush();
                    }
                }
            }
        }
    }
    buffer += "# EOF\n";
    flush();
    return file.error() == QFile::NoError;
}

// A busy agent's snapshot of target `target` (database "app"): `count` idle backends with long queries.
QByteArray bigSnapshot(const QString& target, int count)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QString query = u"SELECT /* a long query, as an ORM writes them */ "_s + QString(400, u'x');
    QJsonArray backends;
    for (int pid = 1000; pid < 1000 + count; ++pid)
        backends.append(QJsonObject { { u"pid"_s, pid }, { u"application_name"_s, target }, { u"state"_s, u"idle"_s },
            { u"query"_s, query }, { u"state_change"_s, now.addSecs(-pid % 3600).toString(Qt::ISODateWithMs) } });
    const QJsonObject t { { u"name"_s, target }, { u"database"_s, u"app"_s }, { u"application_name"_s, target } };
    const QJsonObject database { { u"name"_s, u"app"_s }, { u"ok"_s, true }, { u"backends"_s, backends } };
    return QJsonDocument(QJsonObject { { u"generated_at"_s, now.toString(Qt::ISODateWithMs) },
                             { u"targets"_s, QJsonArray { t } }, { u"databases"_s, QJsonArray { database } } })
        .toJson(QJsonDocument::Compact);
}

} // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    const int services = envInt("POOLSCOPE_BENCH_SERVICES", 60);
    const int replicas = envInt("POOLSCOPE_BENCH_REPLICAS", 5);
    const int days = envInt("POOLSCOPE_BENCH_DAYS", 7);
    const int stepS = envInt("POOLSCOPE_BENCH_STEP_S", 600);

    QTemporaryDir dir;
    if (!dir.isValid())
        return 1;
    const qint64 endS = QDateTime::currentSecsSinceEpoch() - 30;
    const QString text = dir.filePath(u"fleet.om"_s);
    QElapsedTimer clock;
    clock.start();
    if (!writeOpenMetrics(text, services, replicas, days, stepS, endS)) {
        std::fprintf(stderr, "bench_fleet: cannot write %s\n", qPrintable(text));
        return 1;
    }
    const qint64 textBytes = QFileInfo(text).size();
    std::printf("generated %d services x %d replicas x %d days at %d s: %.0f MiB of OpenMetrics in %lld ms\n", services,
        replicas, days, stepS, static_cast<double>(textBytes) / (1 << 20), static_cast<long long>(clock.elapsed()));
    std::fflush(stdout);

    clock.restart();
    const QString data = dir.filePath(u"data"_s);
    QProcess promtool;
    promtool.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    promtool.setStandardOutputFile(QProcess::nullDevice());
    promtool.start(u"promtool"_s, { u"tsdb"_s, u"create-blocks-from"_s, u"openmetrics"_s, text, data });
    if (!promtool.waitForFinished(30 * 60'000) || promtool.exitCode() != 0) {
        std::fprintf(stderr, "bench_fleet: promtool failed\n");
        return 1;
    }
    QFile::remove(text);
    std::printf("promtool tsdb create-blocks-from openmetrics: %lld ms\n", static_cast<long long>(clock.elapsed()));
    std::fflush(stdout);

    PrometheusServer prometheus;
    QString error;
    clock.restart();
    if (!prometheus.start({}, &error, data, 5 * 60'000)) {
        std::fprintf(stderr, "bench_fleet: %s\n", qPrintable(error));
        return 1;
    }
    std::printf("prometheus ready on the store in %lld ms\n", static_cast<long long>(clock.elapsed()));

    PrometheusConfig config;
    config.url = prometheus.url();
    config.timeoutMs = 120'000;
    PrometheusClient client(config);
    FleetSource fleet(&client);
    FleetPane pane(&fleet);
    pane.resize(1200, 800);
    pane.show();

    StallProbe probe;
    probe.start();
    // A baseline: the idle loop (on a loaded machine, how much is scheduling noise).
    spinUntil([] { return false; }, 1000);
    const std::size_t baselineEnd = probe.mark();
    clock.restart();
    fleet.refresh();
    const bool listed = spinUntil(
        [&] { return fleet.state() == FleetSource::State::Ok || fleet.state() == FleetSource::State::Failing; },
        300'000);
    QCoreApplication::processEvents();
    std::printf("time to the fleet view: %lld ms (%d services listed, %s)\n", static_cast<long long>(clock.elapsed()),
        pane.model()->rowCount(), qPrintable(fleet.state() == FleetSource::State::Ok ? u"ok"_s : fleet.error()));
    std::fflush(stdout);
    if (!listed || pane.model()->rowCount() != services)
        return 1;

    const QString service = pane.model()->serviceAt(0);
    ServiceLoader loader(&client, Workspace {});
    struct Opened
    {
        std::unique_ptr<Session> session;
        std::unique_ptr<HistoryZoom> zoom;
        std::unique_ptr<ViewState> view;
        std::unique_ptr<Diagnosis> diagnosis;
        std::unique_ptr<MainWindow> window;
    };
    std::vector<Opened> windows;
    bool failed = false;
    std::vector<std::pair<std::size_t, std::size_t>> loading { { 0, 0 } };
    std::vector<std::pair<std::size_t, std::size_t>> building;
    auto open = [&](const char* label, qint64 rangeMs) {
        clock.restart();
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const std::size_t loadFrom = probe.mark();
        std::shared_ptr<ServiceHistory> loaded;
        bool done = false;
        loader.load(service, now - rangeMs, now, 1000, [&](std::shared_ptr<ServiceHistory> history, QString why) {
            done = true;
            loaded = std::move(history);
            if (!loaded) {
                std::fprintf(stderr, "bench_fleet: %s\n", qPrintable(why));
                failed = true;
            }
        });
        if (!spinUntil([&] { return done; }, 300'000) || !loaded) {
            failed = true;
            return;
        }
        const qint64 backfillMs = clock.elapsed();
        loading.emplace_back(loadFrom, probe.mark());
        // Then the window, as the app makes it: Session, Diagnosis, MainWindow on the GUI thread.
        const std::size_t buildFrom = probe.mark();
        clock.restart();
        Opened o;
        o.session = std::make_unique<Session>(loaded->workspace);
        o.session->adopt(std::move(loaded->content));
        o.zoom = std::make_unique<HistoryZoom>(
            &client, Workspace {}, o.session.get(), service, std::max<qint64>(1, loaded->stepMs / 1000));
        std::size_t points = 0;
        for (int i = 0; i < o.session->targetCount(); ++i)
            points += o.session->target(i).history.size();
        o.view = std::make_unique<ViewState>();
        o.diagnosis = std::make_unique<Diagnosis>(o.session.get(), o.view.get());
        o.window = std::make_unique<MainWindow>(o.session.get(), o.view.get(), o.diagnosis.get());
        o.window->resize(1400, 900);
        QObject::connect(o.view.get(), &ViewState::requestedRangeChanged, o.zoom.get(), &HistoryZoom::request);
        o.window->show();
        const qint64 windowMs = clock.elapsed();
        windows.push_back(std::move(o));
        // The window's first turns (its analysis of the new history).
        spinUntil([] { return false; }, 500);
        building.emplace_back(buildFrom, probe.mark());
        std::printf("time to backfill %s (%d replicas, %s): %lld ms (%zu rows); the window on it: %lld ms\n",
            qPrintable(service), replicas, label, static_cast<long long>(backfillMs), points,
            static_cast<long long>(windowMs));
        std::fflush(stdout);
    };
    loading[0] = { baselineEnd, probe.mark() }; // the fleet view
    open("last 24 h", ServiceLoader::kDefaultRangeMs);
    // The zoom-out, as the user does it: the window's range box to 7 days; HistoryZoom fetches what lies before
    // the 24 h (debounced by HistoryZoom::kDebounceMs, included), merges it off the GUI thread and swaps it in.
    if (!windows.empty()) {
        Opened& o = windows.front();
        std::size_t rowsBefore = 0;
        for (int i = 0; i < o.session->targetCount(); ++i)
            rowsBefore += o.session->target(i).history.size();
        bool replaced = false;
        QObject::connect(o.session.get(), &Session::historyReplaced, [&replaced] { replaced = true; });
        clock.restart();
        const std::size_t loadFrom = probe.mark();
        QComboBox* range = o.window->timelinePane()->rangeBox();
        range->setCurrentIndex(range->findText(u"7 days"_s));
        const bool done = spinUntil([&] { return replaced || o.zoom->status().startsWith(u"cannot"_s); }, 300'000);
        const qint64 zoomMs = clock.elapsed();
        loading.emplace_back(loadFrom, probe.mark());
        std::size_t rows = 0;
        for (int i = 0; i < o.session->targetCount(); ++i)
            rows += o.session->target(i).history.size();
        const qint64 zoomStepS = promquery::fitStepSeconds(
            o.view->requestedToMs() - o.view->requestedFromMs(), o.view->requestedPixels(), 1);
        std::printf("time to zoom %s's window out to 7 days (%d replicas, older span at %lld s): %lld ms (%zu rows, "
                    "%zu before)%s\n",
            qPrintable(service), replicas, static_cast<long long>(zoomStepS), static_cast<long long>(zoomMs), rows,
            rowsBefore, replaced ? "" : qPrintable(u" FAILED: "_s + o.zoom->status()));
        std::fflush(stdout);
        failed = failed || !done || !replaced;
    }
    // One replica's agent snapshot (13 MiB) into the window, as SnapshotFollower does it: the GET, then the parse
    // and the conversion on the client's worker (the event loop's lateness meanwhile), then apply() on the GUI
    // thread (timed: the session, the analysis and the views on 25,000 backends). For comparison, the same parse
    // and conversion timed on the GUI thread, where it ran before.
    std::pair<std::size_t, std::size_t> snapshotRead { 0, 0 };
    if (!windows.empty()) {
        Opened& o = windows.front();
        int replica = -1;
        for (int i = 0; i < o.session->targetCount() && replica < 0; ++i)
            if (!o.session->target(i).config.url.isEmpty())
                replica = i;
        test::TestHttpServer agent;
        const QByteArray path = "/api/v1/snapshot";
        const TargetConfig replicaConfig = replica >= 0 ? o.session->target(replica).config : TargetConfig {};
        const QByteArray body = bigSnapshot(replicaConfig.name, 25'000);
        agent.setRoute(path, { test::TestHttpServer::Mode::Respond, test::httpResponse(200, "OK", body) });
        AgentSnapshotClient agents(120'000);
        SnapshotFollower follower(&agents, o.session.get());
        QObject context;
        std::optional<ReplicaReading> reading;
        spinUntil([] { return false; }, 200); // the lateness of building the body above is not the read's
        clock.restart();
        snapshotRead.first = probe.mark();
        agents.fetch(
            agent.url(path), &context,
            [&replicaConfig](const AgentSnapshot& snapshot) {
                return readReplica(
                    snapshot, replicaConfig.name, replicaConfig.database, QDateTime::currentMSecsSinceEpoch());
            },
            [&reading](const ReplicaReading& r) { reading = r; });
        const bool read = replica >= 0 && spinUntil([&] { return reading.has_value(); }, 300'000);
        snapshotRead.second = probe.mark();
        const qint64 readMs = clock.elapsed();
        qint64 applyMs = -1;
        if (read) {
            clock.restart();
            follower.apply(replica, *reading);
            applyMs = clock.elapsed();
        }
        const int db = o.session->databaseIndex(replicaConfig.database);
        const ActivitySnapshot applied = db >= 0 ? o.session->database(db).latest : ActivitySnapshot {};
        const bool ok = read && applied.ok() && applied.backends.size() == 25'000;
        std::printf("time to read one replica's agent snapshot (%.1f MiB, %lld backends) for %s's window: %lld ms "
                    "(parsed and converted %s), then %lld ms to apply it on the GUI thread%s\n",
            static_cast<double>(body.size()) / (1 << 20), static_cast<long long>(applied.backends.size()),
            qPrintable(service), static_cast<long long>(readMs),
            read && reading->readOn != QThread::currentThread() ? "on a worker" : "ON THE GUI THREAD",
            static_cast<long long>(applyMs), ok ? "" : qPrintable(u" FAILED: "_s + applied.error));
        std::fflush(stdout);
        failed = failed || !ok;
        clock.restart();
        const ReplicaReading onGui = readReplica(parseSnapshot(agent.url(path), body), replicaConfig.name,
            replicaConfig.database, QDateTime::currentMSecsSinceEpoch());
        std::printf("the same parse and conversion on the GUI thread (as before): %lld ms of a blocked event loop "
                    "(%lld backends)\n",
            static_cast<long long>(clock.elapsed()), static_cast<long long>(onGui.replica.activity.backends.size()));
        std::fflush(stdout);
    }
    probe.stop();
    report("baseline (idle, 1 s)", probe.between(0, baselineEnd));
    report("while the fleet view loads", probe.between(loading[0].first, loading[0].second));
    for (std::size_t i = 1; i < loading.size(); ++i)
        report(i == 1 ? "while backfilling 24 h" : "while zooming out to 7 days",
            probe.between(loading[i].first, loading[i].second));
    for (std::size_t i = 0; i < building.size(); ++i)
        report("building the window on 24 h (not loading: the window's own cost)",
            probe.between(building[i].first, building[i].second));
    if (snapshotRead.second > snapshotRead.first)
        report("while reading a 13 MiB agent snapshot (parsed on a worker)",
            probe.between(snapshotRead.first, snapshotRead.second));
    windows.clear();
    prometheus.stop();
    return failed ? 1 : 0;
}
