#pragma once

// What the GUI-thread benches (bench_gui_stall, bench_fleet) share: a probe of the event loop's lateness and a
// bounded wait that keeps the loop turning.

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <vector>

namespace poolscope::bench {

// A 1 ms timer on the GUI thread; each firing records how much later than 1 ms after the previous it came.
class StallProbe : public QObject
{
public:
    struct Result
    {
        double p50 = 0, p99 = 0, max = 0;
        std::size_t samples = 0;
    };

    StallProbe()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(1);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            m_lateMs.push_back(std::max(0.0, static_cast<double>(now - m_last) / 1e6 - 1.0));
            m_last = now;
        });
    }
    void start()
    {
        m_lateMs.clear();
        m_clock.start();
        m_last = 0;
        m_timer.start();
    }
    // How many probes so far: marks a phase boundary for between().
    std::size_t mark() const { return m_lateMs.size(); }
    Result stop()
    {
        m_timer.stop();
        return between(0, m_lateMs.size());
    }
    // The lateness of the probes between two marks.
    Result between(std::size_t from, std::size_t to) const
    {
        Result r;
        std::vector<double> v(m_lateMs.begin() + static_cast<std::ptrdiff_t>(std::min(from, m_lateMs.size())),
            m_lateMs.begin() + static_cast<std::ptrdiff_t>(std::min(to, m_lateMs.size())));
        if (v.empty())
            return r;
        std::sort(v.begin(), v.end());
        auto at = [&v](double q) { return v[std::min(v.size() - 1, static_cast<std::size_t>(q * (v.size() - 1)))]; };
        r.p50 = at(0.50);
        r.p99 = at(0.99);
        r.max = v.back();
        r.samples = v.size();
        return r;
    }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    std::vector<double> m_lateMs;
};

// Runs the event loop until done() or the deadline; false on the deadline.
inline bool spinUntil(const std::function<bool()>& done, int deadlineMs)
{
    QElapsedTimer clock;
    clock.start();
    while (!done()) {
        if (clock.elapsed() > deadlineMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 50);
    }
    return true;
}

} // namespace poolscope::bench
